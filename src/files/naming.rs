//! A file's name as people gave it: kept (Vietnamese and all) for showing and for the download's
//! `Content-Disposition`, never used as a path (objects are stored under ids).
use unicode_normalization::UnicodeNormalization;

/// The longest name kept, in characters.
pub const MAX_NAME: usize = 255;

/// The name made safe to keep and show: only its last path segment, without control or
/// direction-changing characters (which can disguise `gpj.exe` as `exe.jpg`), in NFC, at most
/// `MAX_NAME` characters with its extension kept; `fallback` when nothing is left.
pub fn clean(raw: &str, fallback: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .nfc()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let name = name.trim().trim_start_matches('.').trim().to_string();
    if name.is_empty() {
        return fallback.to_string();
    }
    if name.chars().count() <= MAX_NAME {
        return name;
    }
    let ext: String = match name.rfind('.') {
        Some(i) if name[i..].chars().count() <= 16 => name[i..].to_string(),
        _ => String::new(),
    };
    let keep = MAX_NAME - ext.chars().count();
    let stem: String = name[..name.len() - ext.len()].chars().take(keep).collect();
    format!("{}{ext}", stem.trim_end())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `Content-Disposition` (RFC 6266) for `name`: an ASCII `filename` for old clients and the
/// name itself as `filename*` (RFC 8187, UTF-8, percent-encoded).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(name),
        percent_encode(name)
    )
}

/// Diacritics dropped (`Biên bản` → `Bien ban`), `đ` as `d`, anything else not printable ASCII
/// (and `"` and `\`) as `_`.
fn ascii_fallback(name: &str) -> String {
    crate::text::without_diacritics(name)
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect()
}

/// RFC 8187's `value-chars`: attr-char as is, every other byte as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_vietnamese_and_lose_their_paths() {
        assert_eq!(
            clean("Biên bản hội nghị.pdf", "tệp"),
            "Biên bản hội nghị.pdf"
        );
        assert_eq!(clean("../../etc/passwd", "tệp"), "passwd");
        assert_eq!(clean("C:\\Users\\lan\\ảnh 1.jpg", "tệp"), "ảnh 1.jpg");
        assert_eq!(clean("a\u{0}b\r\n\tc.jpg", "tệp"), "abc.jpg");
        assert_eq!(clean("\u{202E}gpj.exe", "tệp"), "gpj.exe");
        assert_eq!(clean("..", "tệp"), "tệp");
        assert_eq!(clean("   ", "tệp"), "tệp");
        assert_eq!(clean(".htaccess", "tệp"), "htaccess");
        // Decomposed input (as macOS sends it) is kept composed.
        assert_eq!(clean("Bie\u{302}n.pdf", "tệp"), "Biên.pdf");
    }

    #[test]
    fn a_thousand_characters_are_cut_to_the_limit_with_the_extension_kept() {
        let long = format!("{}.pdf", "ả".repeat(1000));
        let c = clean(&long, "tệp");
        assert_eq!(c.chars().count(), MAX_NAME);
        assert!(c.ends_with("ả.pdf"));
    }

    #[test]
    fn downloads_name_the_file_in_both_forms() {
        assert_eq!(
            content_disposition(false, "Biên bản \"số 1\".docx"),
            "attachment; filename=\"Bien ban _so 1_.docx\"; \
             filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20%22s%E1%BB%91%201%22.docx"
        );
        assert_eq!(
            content_disposition(true, "Đoàn.jpg"),
            "inline; filename=\"Doan.jpg\"; filename*=UTF-8''%C4%90o%C3%A0n.jpg"
        );
    }
}
