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
pub fn fold(s: &str) -> String {
    without_diacritics(s)
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
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
