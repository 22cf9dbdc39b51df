//! Field checks that collect every problem of a request body, so a client fixes them in one go.
use crate::{
    error::{ApiError, FieldError},
    text,
};
use serde::{Deserialize, Deserializer};

#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Required text: cleaned (NFC, trimmed, spaces collapsed), 1..=max characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = text::clean(value);
        if v.is_empty() {
            self.add(field, "must not be empty");
        } else if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        v
    }

    /// Optional text: empty becomes None.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let v = text::clean(value?);
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        Some(v)
    }

    /// Free text (descriptions, mandates): NFC, trimmed, line breaks kept.
    pub fn opt_long_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        let v: String = value?.trim().nfc().collect();
        if v.is_empty() {
            return None;
        }
        if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        Some(v)
    }

    /// Required free text: as `opt_long_text`, and not empty.
    pub fn long_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = self
            .opt_long_text(field, Some(value), max)
            .unwrap_or_default();
        if v.is_empty() {
            self.add(field, "must not be empty");
        }
        v
    }

    pub fn non_negative(&mut self, field: &str, value: Option<i64>) -> Option<i64> {
        if let Some(v) = value
            && v < 0
        {
            self.add(field, "must not be negative");
        }
        value
    }

    /// Evidence, the same everywhere: at most 20 http or https links (`field`, `field[i]`).
    pub fn evidence(&mut self, field: &str, links: &[String]) -> Vec<String> {
        if links.len() > 20 {
            self.add(field, "must list at most 20 links");
        }
        links
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let e = e.trim();
                if !(e.starts_with("http://") || e.starts_with("https://"))
                    || e.len() > 2000
                    || e.contains(char::is_whitespace)
                {
                    self.add(&format!("{field}[{i}]"), "must be an http or https link");
                }
                e.to_string()
            })
            .collect()
    }

    pub fn ok(&self) -> bool {
        self.0.is_empty()
    }

    /// Fails with what was found so far, and starts afresh (for checks in several steps).
    pub fn check(&mut self) -> Result<(), ApiError> {
        std::mem::take(self).finish()
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// For PATCH bodies: an absent field is `None` (unchanged), `null` is `Some(None)` (cleared).
pub fn patch<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (8..=15).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

pub fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Today in Vietnam (Asia/Ho_Chi_Minh is UTC+7 all year: no daylight saving).
/// A report's period: `to` defaults to today, `from` to 1 January of `to`'s year; `from` must not
/// be after `to`, and the period covers at most 20 years.
pub fn period(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    use chrono::Datelike;
    let to = to.unwrap_or_else(crate::clock::today);
    let from =
        from.unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(ApiError::bad_field("from", "must not be after to"));
    }
    if (to - from).num_days() > 366 * 20 {
        return Err(ApiError::bad_field(
            "from",
            "a report covers at most 20 years",
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_collect_every_problem() {
        let mut c = Checks::new();
        assert_eq!(c.text("name", "  Hội   Nông dân ", 200), "Hội Nông dân");
        c.text("code", "   ", 20);
        c.text("title", &"x".repeat(21), 20);
        c.non_negative("population", Some(-1));
        let p = c.finish().unwrap_err().problem();
        let fields: Vec<_> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "title", "population"]);
    }

    #[test]
    fn phones_and_emails() {
        assert!(is_phone("0203 3879 123"));
        assert!(is_phone("+84 912 345 678"));
        assert!(!is_phone("gọi tôi"));
        assert!(!is_phone("123"));
        assert!(is_email("hoa.nt@haiha.quangninh.gov.vn"));
        assert!(!is_email("hoa@"));
        assert!(!is_email("hoa at gmail.com"));
    }
}
