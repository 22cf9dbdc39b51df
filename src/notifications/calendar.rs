//! A person's calendar as iCalendar (RFC 5545): the deadlines of the open tasks they carry,
//! the meetings they attend (not cancelled) and the supervisions they take part in, as
//! all-day events (the records keep days, not hours).
use crate::{
    entities::{account, meeting, meeting_attendee, supervision, supervision_member, task},
    error::ApiResult,
    tasks::workflow::Status,
};
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The most events of each kind in one feed.
const MAX_EACH: u64 = 1000;

/// RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in text.
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF and a space), never inside a
/// UTF-8 character.
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(ch);
        len += n;
    }
    out.push_str("\r\n");
    out
}

struct Event {
    uid: String,
    start: NaiveDate,
    /// Exclusive.
    end: NaiveDate,
    summary: String,
    description: String,
    stamp: chrono::DateTime<Utc>,
}

fn render(events: &[Event]) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//khoi//Khối//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Khối",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ] {
        out.push_str(&fold(l));
    }
    for e in events {
        out.push_str(&fold("BEGIN:VEVENT"));
        out.push_str(&fold(&format!("UID:{}", e.uid)));
        out.push_str(&fold(&format!(
            "DTSTAMP:{}",
            e.stamp.format("%Y%m%dT%H%M%SZ")
        )));
        out.push_str(&fold(&format!(
            "DTSTART;VALUE=DATE:{}",
            e.start.format("%Y%m%d")
        )));
        out.push_str(&fold(&format!(
            "DTEND;VALUE=DATE:{}",
            e.end.format("%Y%m%d")
        )));
        out.push_str(&fold(&format!("SUMMARY:{}", escape(&e.summary))));
        if !e.description.is_empty() {
            out.push_str(&fold(&format!("DESCRIPTION:{}", escape(&e.description))));
        }
        out.push_str(&fold("TRANSP:TRANSPARENT"));
        out.push_str(&fold("END:VEVENT"));
    }
    out.push_str(&fold("END:VCALENDAR"));
    out
}

pub async fn feed(db: &DatabaseConnection, account_id: Uuid) -> ApiResult<String> {
    let staff = account::Entity::find_by_id(account_id)
        .one(db)
        .await?
        .filter(|a| a.active)
        .and_then(|a| a.staff_id);
    let mut events = Vec::new();
    if let Some(s) = staff {
        let tasks = task::Entity::find()
            .filter(task::Column::AssigneeId.eq(s))
            .filter(task::Column::DueDate.is_not_null())
            .filter(task::Column::Status.is_in(Status::WORKED_ON.map(Status::as_str)))
            .order_by_asc(task::Column::DueSort)
            .limit(MAX_EACH)
            .all(db)
            .await?;
        for t in tasks {
            let Some(due) = t.due_date else { continue };
            events.push(Event {
                uid: format!("task-{}-due@khoi", t.id),
                start: due,
                end: due + Duration::days(1),
                summary: format!("Hạn: {}", t.title),
                description: t.expected_result.unwrap_or_default(),
                stamp: t.updated_at,
            });
        }
        let meeting_ids: Vec<Uuid> = meeting_attendee::Entity::find()
            .filter(meeting_attendee::Column::StaffId.eq(s))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.meeting_id)
            .collect();
        if !meeting_ids.is_empty() {
            let meetings = meeting::Entity::find()
                .filter(meeting::Column::Id.is_in(meeting_ids))
                .filter(meeting::Column::Status.ne("cancelled"))
                .order_by_desc(meeting::Column::HeldOn)
                .limit(MAX_EACH)
                .all(db)
                .await?;
            for m in meetings {
                events.push(Event {
                    uid: format!("meeting-{}@khoi", m.id),
                    start: m.held_on,
                    end: m.held_on + Duration::days(1),
                    summary: format!("Họp: {}", m.title),
                    description: m.agenda.unwrap_or_default(),
                    stamp: m.updated_at,
                });
            }
        }
        let sup_ids: Vec<Uuid> = supervision_member::Entity::find()
            .filter(supervision_member::Column::StaffId.eq(s))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.supervision_id)
            .collect();
        if !sup_ids.is_empty() {
            let sups = supervision::Entity::find()
                .filter(supervision::Column::Id.is_in(sup_ids))
                .order_by_desc(supervision::Column::PlannedStart)
                .limit(MAX_EACH)
                .all(db)
                .await?;
            for v in sups {
                events.push(Event {
                    uid: format!("supervision-{}@khoi", v.id),
                    start: v.planned_start,
                    end: v.planned_end + Duration::days(1),
                    summary: format!("Giám sát: {}", v.title),
                    description: v.subject,
                    stamp: v.updated_at,
                });
            }
        }
    }
    Ok(render(&events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_vietnamese_lines_fold_between_characters() {
        let line = format!(
            "SUMMARY:{}",
            "Hạn: Báo cáo kết quả vận động xây dựng nông thôn mới ở các xã"
        );
        let folded = fold(&line);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
