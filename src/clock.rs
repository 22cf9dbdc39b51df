//! Vietnam's clock: deadlines, standings and reports are kept in the bloc's own day
//! (Asia/Ho_Chi_Minh, UTC+7, no daylight saving), which an operator may fix for tests and
//! demonstrations (`KHOI_FIXED_TODAY`).

tokio::task_local! {
    /// The day a request runs on when the operator fixed it (`KHOI_FIXED_TODAY`), set around each
    /// request by the request middleware: per application, so tests in one process can each
    /// have their own.
    pub static FIXED_TODAY: Option<chrono::NaiveDate>;
}

/// Today in Vietnam (UTC+7), or the fixed day of this application's configuration.
pub fn today() -> chrono::NaiveDate {
    FIXED_TODAY
        .try_with(|d| *d)
        .ok()
        .flatten()
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive())
}

/// The instant a local (Asia/Ho_Chi_Minh) date ends: timestamps before it fall on or before it.
pub fn end_of_day(date: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    (date + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        - chrono::Duration::hours(7)
}
