//! Vietnamese text: NFC for storage (so text round-trips exactly) and folding for search
//! (lower case, diacritics removed, đ → d), so `q=nguyen the hoa` finds "Nguyễn Thế Hòa".
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Lowercase hex of bytes (digests, random ids).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Diacritics removed, case kept: "Biên bản Đoàn" → "Bien ban Doan".
pub fn without_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            _ => c,
        })
        .collect()
}

/// Trimmed, NFC, inner runs of white space collapsed to one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower case without diacritics: "Đường Hoa" → "duong hoa".
///
/// A character at a time, with ASCII passed straight through: the same as decomposing the
/// whole text (NFD), dropping its marks and lower-casing, since a text's NFD is its characters'
/// decompositions with only the marks reordered (the test holds the two equal). Every search
/// word and every candidate of the overlap check is folded, so this is on the create's path.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                match d {
                    'đ' | 'Đ' => out.push('d'),
                    _ => out.extend(d.to_lowercase()),
                }
            }
        });
    }
    out
}

/// The longest word kept for search; longer words are cut (and so match by their prefix).
pub const MAX_TOKEN: usize = 64;

/// The distinct folded words of `s`: runs of ASCII letters and digits after folding.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in fold(s).split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let w: String = word.chars().take(MAX_TOKEN).collect();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The largest token that starts with `prefix`: tokens are `[a-z0-9]{1,64}`, so every token
/// with this prefix lies in `prefix ..= prefix + "zzz…"` under any collation that orders
/// letters and digits alphabetically (C, or a language collation).
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    while s.len() < MAX_TOKEN {
        s.push('z');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_vietnamese_diacritics() {
        assert_eq!(fold("Nguyễn Thế Hòa"), "nguyen the hoa");
        assert_eq!(fold("Đường Hoa"), "duong hoa");
        assert_eq!(fold("QUẢNG ĐIỀN"), "quang dien");
        assert_eq!(fold("Hội Liên hiệp Phụ nữ"), "hoi lien hiep phu nu");
        assert_eq!(fold("ươ Ư Ơ"), "uo u o");
    }

    /// The definition `fold` is faster than: the whole text decomposed, marks dropped, lower case.
    fn fold_by_definition(s: &str) -> String {
        without_diacritics(s)
            .chars()
            .flat_map(char::to_lowercase)
            .collect()
    }

    #[test]
    fn folding_a_character_at_a_time_is_folding_the_whole_text() {
        // Every character alone, then each beside a run of marks that NFD reorders.
        for c in (0..=0x3_FFFF).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}\u{323}\u{302}{c}\u{301}b")] {
                assert_eq!(fold(&s), fold_by_definition(&s), "{:?}", s.escape_unicode());
            }
        }
        // Vietnamese written composed, decomposed, and with its marks in another order.
        for s in [
            "Kiểm tra tiến độ thực hiện Nghị quyết Đại hội Đoàn khóa XIV",
            "Nguye\u{302}\u{303}n The\u{302}\u{301} Ho\u{300}a",
            "o\u{303}\u{31b}\u{323} U\u{31b}\u{309} ẶẦỄỖỰ İ ß ǅ ﬁ",
        ] {
            assert_eq!(fold(s), fold_by_definition(s), "{s}");
        }
    }

    #[test]
    fn clean_normalises_to_nfc_and_collapses_spaces() {
        // "ễ" written as e + circumflex + tilde (NFD) becomes the single NFC code point.
        let nfd = "Nguye\u{302}\u{303}n   The\u{302}\u{301}  Ho\u{300}a ";
        assert_eq!(clean(nfd), "Nguyễn Thế Hòa");
        assert_eq!(clean(nfd).chars().count(), 14);
    }

    #[test]
    fn tokens_are_distinct_folded_words() {
        assert_eq!(
            tokens("Tiểu ban Kiểm tra – giám sát, kiểm tra"),
            ["tieu", "ban", "kiem", "tra", "giam", "sat"]
        );
        assert_eq!(tokens("111-QĐ/TU"), ["111", "qd", "tu"]);
        assert!(tokens("  ").is_empty());
        assert_eq!(tokens(&"a".repeat(100))[0].len(), MAX_TOKEN);
    }

    #[test]
    fn prefix_bound_covers_every_token_with_the_prefix() {
        let hi = prefix_upper_bound("nguy");
        for t in ["nguy", "nguyen", "nguyz", "nguy9"] {
            assert!(t >= "nguy" && t <= hi.as_str(), "{t}");
        }
        for t in ["ngux", "ngv", "nguz"] {
            assert!(!(t >= "nguy" && t <= hi.as_str()), "{t}");
        }
    }
}
