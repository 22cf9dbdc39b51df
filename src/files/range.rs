//! `Range: bytes=…` (RFC 9110 §14): one range is served as asked (a video or a long PDF
//! resumed on a weak connection); several, or a header that cannot be read, get the whole file,
//! as the RFC allows.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ranged {
    Whole,
    Part {
        start: u64,
        len: u64,
    },
    /// No byte of the file is in the range: 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

pub fn parse(header: Option<&str>, size: u64) -> Ranged {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim().is_empty(), num(a), num(b)) {
        // The last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                Ranged::Unsatisfiable
            } else {
                let n = n.min(size);
                Ranged::Part {
                    start: size - n,
                    len: n,
                }
            }
        }
        (false, Some(start), end) if b.trim().is_empty() || end.is_some() => {
            if let Some(end) = end
                && end < start
            {
                return Ranged::Whole;
            }
            if start >= size {
                return Ranged::Unsatisfiable;
            }
            let last = end.map_or(size - 1, |e| e.min(size - 1));
            Ranged::Part {
                start,
                len: last - start + 1,
            }
        }
        _ => Ranged::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::{Ranged::*, parse};

    #[test]
    fn one_range_is_served_as_asked() {
        assert_eq!(parse(Some("bytes=0-99"), 1000), Part { start: 0, len: 100 });
        assert_eq!(
            parse(Some("bytes=900-"), 1000),
            Part {
                start: 900,
                len: 100
            }
        );
        assert_eq!(
            parse(Some("bytes=-100"), 1000),
            Part {
                start: 900,
                len: 100
            }
        );
        assert_eq!(
            parse(Some("bytes=990-5000"), 1000),
            Part {
                start: 990,
                len: 10
            }
        );
        assert_eq!(
            parse(Some("bytes=-5000"), 1000),
            Part {
                start: 0,
                len: 1000
            }
        );
    }

    #[test]
    fn a_range_past_the_end_is_unsatisfiable() {
        assert_eq!(parse(Some("bytes=1000-"), 1000), Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 1000), Unsatisfiable);
        assert_eq!(parse(Some("bytes=0-"), 0), Unsatisfiable);
    }

    #[test]
    fn what_cannot_be_read_gets_the_whole_file() {
        for h in [
            None,
            Some("bytes=0-1,5-9"),
            Some("items=0-1"),
            Some("bytes=9-1"),
            Some("bytes=a-b"),
            Some("bytes=-"),
            Some("bytes=+1-2"),
            Some("bytes=99999999999999999999999-"),
        ] {
            assert_eq!(parse(h, 1000), Whole, "{h:?}");
        }
    }
}
