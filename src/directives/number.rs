//! Directive numbers as Vietnamese documents write them, parsed into serial, document type and
//! issuing body. Two conventions are in use:
//! - Party documents: `292-QĐ/HU` — serial, type, issuer (`111-QĐ/TU`, `05-CT/TW`, `15-KH/BDVTU`);
//! - State documents: `123/QĐ-UBND`, optionally with the year: `45/2016/QĐ-UBND`.
use crate::text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveNumber {
    /// The number as it is written, normalised: upper case, `Đ` kept, no spaces.
    pub number: String,
    pub serial: i64,
    /// The type code as written (`QĐ`, `NQ`, `KH`, …).
    pub doc_type: String,
    /// The issuing body's code as written (`TU`, `HU`, `UBND`, …).
    pub issuer: String,
    pub year: Option<i32>,
}

/// (code folded to ASCII, kind, Vietnamese name)
pub const DOC_TYPES: [(&str, &str, &str); 14] = [
    ("QD", "decision", "Quyết định"),
    ("NQ", "resolution", "Nghị quyết"),
    ("KH", "plan", "Kế hoạch"),
    ("CT", "directive", "Chỉ thị"),
    ("HD", "guidance", "Hướng dẫn"),
    ("TB", "notice", "Thông báo"),
    ("KL", "conclusion", "Kết luận"),
    ("BC", "report", "Báo cáo"),
    ("QC", "regulation", "Quy chế"),
    ("QDI", "rule", "Quy định"),
    ("CTR", "programme", "Chương trình"),
    ("CV", "official_letter", "Công văn"),
    ("TTR", "proposal", "Tờ trình"),
    ("DA", "scheme", "Đề án"),
];

/// (code folded to ASCII, English description)
pub const ISSUERS: [(&str, &str); 12] = [
    ("TW", "Party Central Committee"),
    ("TU", "provincial Party committee"),
    ("TPU", "city Party committee"),
    ("HU", "district Party committee"),
    ("QU", "urban district Party committee"),
    ("TXU", "town Party committee"),
    ("DU", "Party committee (commune or agency)"),
    ("UBND", "People's Committee"),
    ("HDND", "People's Council"),
    ("MTTQ", "Fatherland Front committee"),
    ("BDVTU", "provincial Party Mass Mobilisation Commission"),
    ("BDVHU", "district Party Mass Mobilisation Commission"),
];

pub fn kind_of(doc_type: &str) -> &'static str {
    let folded = text::fold(doc_type).to_ascii_uppercase();
    DOC_TYPES
        .iter()
        .find(|(code, _, _)| *code == folded)
        .map(|(_, kind, _)| *kind)
        .unwrap_or("other")
}

pub fn issuer_name(issuer: &str) -> Option<&'static str> {
    let folded = text::fold(issuer).to_ascii_uppercase();
    ISSUERS
        .iter()
        .find(|(code, _)| *code == folded)
        .map(|(_, n)| *n)
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 20
        && s.chars().next().is_some_and(|c| c.is_alphabetic())
        && s.chars().all(|c| c.is_alphanumeric() || c == '-')
}

fn serial(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// Parses a number, or says why it is not one.
pub fn parse(raw: &str) -> Result<DirectiveNumber, String> {
    let number: String = text::clean(raw).replace(' ', "").to_uppercase();
    let bad = || {
        format!(
            "`{}` is not a document number such as 292-QĐ/HU or 123/QĐ-UBND",
            raw.trim()
        )
    };
    if number.is_empty() || number.chars().count() > 60 {
        return Err(bad());
    }
    // Party convention: SERIAL-TYPE/ISSUER
    if let Some((left, issuer)) = number.split_once('/')
        && let Some((s, doc_type)) = left.split_once('-')
        && !issuer.contains('/')
        && let Some(serial) = serial(s)
        && is_code(doc_type)
        && !doc_type.contains('-')
        && is_code(issuer)
    {
        return Ok(DirectiveNumber {
            serial,
            doc_type: doc_type.to_string(),
            issuer: issuer.to_string(),
            year: None,
            number,
        });
    }
    // State convention: SERIAL[/YEAR]/TYPE-ISSUER
    let parts: Vec<&str> = number.split('/').collect();
    let (s, year, tail) = match parts.as_slice() {
        [s, tail] => (*s, None, *tail),
        [s, y, tail] => {
            let year: i32 = y.parse().map_err(|_| bad())?;
            if !(1945..=2100).contains(&year) || y.len() != 4 {
                return Err(bad());
            }
            (*s, Some(year), *tail)
        }
        _ => return Err(bad()),
    };
    let serial = serial(s).ok_or_else(bad)?;
    let (doc_type, issuer) = tail.split_once('-').ok_or_else(bad)?;
    if !is_code(doc_type) || !is_code(issuer) {
        return Err(bad());
    }
    Ok(DirectiveNumber {
        serial,
        doc_type: doc_type.to_string(),
        issuer: issuer.to_string(),
        year,
        number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_numbers() {
        let n = parse("292-QĐ/HU").unwrap();
        assert_eq!(
            (n.serial, n.doc_type.as_str(), n.issuer.as_str()),
            (292, "QĐ", "HU")
        );
        assert_eq!(kind_of(&n.doc_type), "decision");
        assert_eq!(issuer_name(&n.issuer), Some("district Party committee"));
        let n = parse(" 111-qđ/tu ").unwrap();
        assert_eq!(n.number, "111-QĐ/TU");
        assert_eq!(
            parse("05-CT/TW").map(|n| kind_of(&n.doc_type)),
            Ok("directive")
        );
        assert_eq!(parse("15-KH/BDVTU").unwrap().issuer, "BDVTU");
        assert_eq!(
            parse("01-NQ/ĐU").map(|n| issuer_name(&n.issuer)),
            Ok(Some("Party committee (commune or agency)"))
        );
    }

    #[test]
    fn state_numbers() {
        let n = parse("123/QĐ-UBND").unwrap();
        assert_eq!(
            (n.serial, n.doc_type.as_str(), n.issuer.as_str(), n.year),
            (123, "QĐ", "UBND", None)
        );
        let n = parse("45/2016/QĐ-UBND").unwrap();
        assert_eq!(n.year, Some(2016));
        assert_eq!(kind_of("TTr"), "proposal");
        assert_eq!(kind_of("XYZ"), "other");
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "292",
            "QĐ/HU",
            "292-QĐ",
            "-QĐ/HU",
            "0-QĐ/HU",
            "292-/HU",
            "292-QĐ/",
            "abc-QĐ/HU",
            "12/3/4/QĐ-UBND",
            "45/16/QĐ-UBND",
            "292 QĐ HU",
            "292-Q Đ/H U/X",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        assert!(parse("292-QĐ/HU").is_ok());
    }
}
