//! The task workflow: statuses, which move leads where, the "five clears" (5 rõ) a task must
//! satisfy to leave draft, and deadline standing in the government's reporting terms.
//! Who may make a move is decided by the policy module; this module says which moves exist.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Delegated by the parent bloc, waiting for this bloc's head to accept or decline it.
    Received,
    Draft,
    Assigned,
    InProgress,
    Submitted,
    Returned,
    Completed,
    Cancelled,
    /// Delegated, and declined by the bloc it was sent to, with a reason.
    Declined,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Received,
        Status::Draft,
        Status::Assigned,
        Status::InProgress,
        Status::Submitted,
        Status::Returned,
        Status::Completed,
        Status::Cancelled,
        Status::Declined,
    ];
    /// Not yet finished either way: counted as open work.
    pub const OPEN: [Status; 6] = [
        Status::Received,
        Status::Draft,
        Status::Assigned,
        Status::InProgress,
        Status::Submitted,
        Status::Returned,
    ];
    /// Someone's to work on: assigned and not finished (my tasks, the calendar feed).
    pub const WORKED_ON: [Status; 4] = [
        Status::Assigned,
        Status::InProgress,
        Status::Submitted,
        Status::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Draft => "draft",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }
}

/// A move of the workflow (`POST /tasks/{id}/transitions` with `action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// draft → assigned, when the five clears hold.
    Assign,
    /// assigned or returned → in_progress (the assignee).
    Start,
    /// in_progress or returned → submitted, with a report (the assignee).
    Submit,
    /// submitted → completed (bloc head, or the deputy heading the task's sub-committee; never the assignee).
    Complete,
    /// submitted → returned, with a reason (as complete).
    Return,
    /// any open status → cancelled (bloc head, or the task's creator).
    Cancel,
    /// assigned, in_progress or returned → assigned to someone else, with a reason.
    Reassign,
    /// any open status → cancelled as a duplicate of another task, keeping the link.
    MarkDuplicate,
    /// received → draft: the bloc takes on the delegated task (its head), then drafts and
    /// assigns it through its own workflow.
    Accept,
    /// received → declined, with a reason (its head).
    Decline,
}

impl Move {
    pub const ALL: [Move; 10] = [
        Move::Assign,
        Move::Start,
        Move::Submit,
        Move::Complete,
        Move::Return,
        Move::Cancel,
        Move::Reassign,
        Move::MarkDuplicate,
        Move::Accept,
        Move::Decline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Move::Assign => "assign",
            Move::Start => "start",
            Move::Submit => "submit",
            Move::Complete => "complete",
            Move::Return => "return",
            Move::Cancel => "cancel",
            Move::Reassign => "reassign",
            Move::MarkDuplicate => "mark_duplicate",
            Move::Accept => "accept",
            Move::Decline => "decline",
        }
    }
}

/// Where `m` leads from `from`, or `None` if it is not a move from there.
pub fn next(from: Status, m: Move) -> Option<Status> {
    use Move::*;
    use Status::*;
    match (from, m) {
        (Draft, Assign) => Some(Assigned),
        (Assigned | Returned, Start) => Some(InProgress),
        (InProgress | Returned, Submit) => Some(Submitted),
        (Submitted, Complete) => Some(Completed),
        (Submitted, Return) => Some(Returned),
        (Assigned | InProgress | Returned, Reassign) => Some(Assigned),
        (Received, Accept) => Some(Draft),
        (Received, Decline) => Some(Declined),
        // A delegated task is answered before anything else is done with it.
        (s, Cancel | MarkDuplicate) if s.is_open() && s != Received => Some(Cancelled),
        _ => None,
    }
}

/// The moves that exist from `from`.
pub fn allowed_from(from: Status) -> Vec<&'static str> {
    Move::ALL
        .into_iter()
        .filter(|m| next(from, *m).is_some())
        .map(Move::as_str)
        .collect()
}

/// What a task needs to leave draft: the five clears (5 rõ).
pub struct FiveClears<'a> {
    pub assignee: bool,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub due_date: bool,
    pub expected_result: Option<&'a str>,
    pub lead_organisation: bool,
}

/// The fields missing for the five clears, each with what it stands for.
pub fn missing_clears(t: &FiveClears<'_>) -> Vec<(&'static str, &'static str)> {
    let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
    let mut out = Vec::new();
    if !t.assignee {
        out.push((
            "assignee_id",
            "is required to assign: clear person (rõ người)",
        ));
    }
    if t.title.trim().is_empty() {
        out.push(("title", "is required to assign: clear work (rõ việc)"));
    }
    if blank(t.description) {
        out.push(("description", "is required to assign: clear work (rõ việc)"));
    }
    if !t.due_date {
        out.push(("due_on", "is required to assign: clear time (rõ thời gian)"));
    }
    if blank(t.expected_result) {
        out.push((
            "expected_result",
            "is required to assign: clear result (rõ kết quả)",
        ));
    }
    if !t.lead_organisation {
        out.push((
            "lead_organisation_id",
            "is required to assign: clear responsibility (rõ trách nhiệm)",
        ));
    }
    out
}

/// Deadline standing, derived and never stored, in Asia/Ho_Chi_Minh dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    CompletedOnTime,
    CompletedLate,
    OpenWithinDeadline,
    Overdue,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::CompletedOnTime => "completed_on_time",
            Standing::CompletedLate => "completed_late",
            Standing::OpenWithinDeadline => "open_within_deadline",
            Standing::Overdue => "overdue",
        }
    }
}

/// A cancelled task has no standing. A task due today is still within its deadline; completed
/// on its due date, it is on time.
pub fn standing(
    status: Status,
    due: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Standing> {
    match status {
        Status::Cancelled | Status::Declined => None,
        Status::Completed => Some(match (due, completed_on) {
            (Some(d), Some(c)) if c > d => Standing::CompletedLate,
            _ => Standing::CompletedOnTime,
        }),
        _ => Some(match due {
            Some(d) if today > d => Standing::Overdue,
            _ => Standing::OpenWithinDeadline,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_happy_path_and_the_return_loop() {
        assert_eq!(next(Status::Draft, Move::Assign), Some(Status::Assigned));
        assert_eq!(
            next(Status::Assigned, Move::Start),
            Some(Status::InProgress)
        );
        assert_eq!(
            next(Status::InProgress, Move::Submit),
            Some(Status::Submitted)
        );
        assert_eq!(
            next(Status::Submitted, Move::Return),
            Some(Status::Returned)
        );
        assert_eq!(
            next(Status::Returned, Move::Start),
            Some(Status::InProgress)
        );
        assert_eq!(
            next(Status::Returned, Move::Submit),
            Some(Status::Submitted)
        );
        assert_eq!(
            next(Status::Submitted, Move::Complete),
            Some(Status::Completed)
        );
    }

    #[test]
    fn finished_tasks_have_no_moves() {
        assert!(allowed_from(Status::Completed).is_empty());
        assert!(allowed_from(Status::Cancelled).is_empty());
        assert_eq!(
            allowed_from(Status::Draft),
            ["assign", "cancel", "mark_duplicate"]
        );
        assert_eq!(
            allowed_from(Status::Submitted),
            ["complete", "return", "cancel", "mark_duplicate"]
        );
        assert_eq!(next(Status::Draft, Move::Complete), None);
        assert_eq!(next(Status::Assigned, Move::Submit), None);
    }

    #[test]
    fn a_delegated_task_is_accepted_or_declined_once() {
        assert_eq!(allowed_from(Status::Received), ["accept", "decline"]);
        assert_eq!(next(Status::Received, Move::Accept), Some(Status::Draft));
        assert_eq!(
            next(Status::Received, Move::Decline),
            Some(Status::Declined)
        );
        assert_eq!(next(Status::Draft, Move::Accept), None);
        assert_eq!(next(Status::Draft, Move::Decline), None);
        assert!(allowed_from(Status::Declined).is_empty());
        assert!(Status::Received.is_open() && !Status::Declined.is_open());
        assert_eq!(
            standing(Status::Declined, None, None, d("2026-01-01")),
            None
        );
    }

    #[test]
    fn five_clears_name_what_is_missing() {
        let t = FiveClears {
            assignee: false,
            title: "Tổ chức hội nghị",
            description: Some("  "),
            due_date: false,
            expected_result: None,
            lead_organisation: true,
        };
        let fields: Vec<_> = missing_clears(&t).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["assignee_id", "description", "due_on", "expected_result"]
        );
        let full = FiveClears {
            assignee: true,
            title: "x",
            description: Some("y"),
            due_date: true,
            expected_result: Some("z"),
            lead_organisation: true,
        };
        assert!(missing_clears(&full).is_empty());
    }

    #[test]
    fn standing_the_day_before_on_and_after_the_due_date() {
        let due = Some(d("2016-03-31"));
        let s = |today| standing(Status::InProgress, due, None, d(today));
        assert_eq!(s("2016-03-30"), Some(Standing::OpenWithinDeadline));
        assert_eq!(s("2016-03-31"), Some(Standing::OpenWithinDeadline));
        assert_eq!(s("2016-04-01"), Some(Standing::Overdue));
        let c = |on| standing(Status::Completed, due, Some(d(on)), d("2016-05-01"));
        assert_eq!(c("2016-03-30"), Some(Standing::CompletedOnTime));
        assert_eq!(c("2016-03-31"), Some(Standing::CompletedOnTime));
        assert_eq!(c("2016-04-01"), Some(Standing::CompletedLate));
        assert_eq!(
            standing(Status::Cancelled, due, None, d("2016-05-01")),
            None
        );
        assert_eq!(
            standing(Status::Draft, None, None, d("2016-05-01")),
            Some(Standing::OpenWithinDeadline)
        );
    }
}
