//! Who may do what: one table of rules, read by [`authorize`]. Handlers and services ask here;
//! nothing else decides a permission. Scope (which bloc) is decided by `tenancy`; this module
//! decides the action within the scope.
use crate::{auth::Role, error::ApiError};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// Provinces: reference data.
    Province,
    Bloc,
    Account,
    Organisation,
    SubCommittee,
    Staff,
    Unit,
    Directive,
    Task,
    Campaign,
    CampaignTarget,
    Measurement,
    Registration,
    Supervision,
    Finding,
    Recommendation,
    Meeting,
    UnitAssignment,
    Dispatch,
    /// The change feed.
    Change,
    /// API clients (service accounts).
    Client,
    /// Webhooks and their delivery logs.
    Webhook,
    /// Reports across blocs (the province summary).
    Summary,
    AuditLog,
    /// Comments on tasks, recommendations, supervisions and campaigns.
    Comment,
    /// Uploaded files (attachments).
    File,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    /// Changing only one's phone and email.
    UpdateContact,
    /// Moving a person between sub-committees.
    Move,
    // Task workflow moves, and progress reports.
    Assign,
    Start,
    Submit,
    Complete,
    Return,
    Cancel,
    Reassign,
    Report,
    /// Campaign registrations: recognising an entry, and withdrawing it.
    Recognise,
    Withdraw,
    /// Recording the addressee's response to a recommendation.
    Respond,
    /// Sending a task down to child blocs, and a child bloc's answer to it.
    Delegate,
    Accept,
    Decline,
}

/// What a rule asks of the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Yes,
    No,
    /// The caller heads the sub-committee acted on.
    HeadsTheSubCommittee,
    /// The caller heads the organisation acted on.
    LeadsTheOrganisation,
    /// The caller is the staff member acted on.
    IsThePerson,
    /// The move leaves or enters a sub-committee the caller heads.
    MoveTouchesOwnSubCommittee,
    /// The caller heads the task's sub-committee or its lead organisation.
    ResponsibleForTheTask,
    /// The caller is the task's assignee.
    IsTheAssignee,
    /// Allowed, unless the caller is the task's assignee (nobody approves their own work).
    YesUnlessTheAssignee,
    /// The caller heads the task's sub-committee and is not its assignee.
    HeadsTheSubCommitteeUnlessTheAssignee,
    /// The caller created the task.
    IsTheCreator,
    /// The caller heads the sub-committee or leads the organisation in charge (of a supervision).
    RunsIt,
    /// As `RunsIt`, or the caller is one of its members.
    RunsItOrIsAMember,
    /// The caller is one of its members.
    IsAMember,
    /// The caller wrote it (a comment).
    IsTheAuthor,
}

use Action::*;
use Resource::*;
use Rule::*;

/// Rows: (resource, action); columns: admin, bloc_head, deputy_head, staff, portal.
/// Reads are limited to the caller's scope (own bloc, or the portal's province) by `tenancy`.
pub const RULES: &[(Resource, Action, [Rule; 5])] = &[
    (Province, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Province, Create, [Yes, No, No, No, No]),
    (Province, Update, [Yes, No, No, No, No]),
    (Bloc, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Bloc, Create, [Yes, No, No, No, No]),
    (Bloc, Update, [Yes, Yes, No, No, No]),
    // Putting a bloc under another (or under none) reshapes who sends it work.
    (Bloc, Move, [Yes, No, No, No, No]),
    (Account, Read, [Yes, Yes, No, No, No]),
    (Account, Create, [Yes, Yes, No, No, No]),
    (Account, Update, [Yes, Yes, No, No, No]),
    (Organisation, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Organisation, Create, [No, Yes, No, No, No]),
    (
        Organisation,
        Update,
        [No, Yes, LeadsTheOrganisation, No, No],
    ),
    (SubCommittee, Read, [Yes, Yes, Yes, Yes, Yes]),
    (SubCommittee, Create, [No, Yes, No, No, No]),
    (
        SubCommittee,
        Update,
        [No, Yes, HeadsTheSubCommittee, No, No],
    ),
    (Staff, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Staff, Create, [No, Yes, No, No, No]),
    (Staff, Update, [No, Yes, No, No, No]),
    (
        Staff,
        UpdateContact,
        [No, Yes, IsThePerson, IsThePerson, No],
    ),
    (Staff, Move, [No, Yes, MoveTouchesOwnSubCommittee, No, No]),
    (Unit, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Unit, Create, [No, Yes, No, No, No]),
    (Unit, Update, [No, Yes, No, No, No]),
    (Directive, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Directive, Create, [No, Yes, Yes, No, No]),
    (Directive, Update, [No, Yes, Yes, No, No]),
    (Task, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Task, Create, [No, Yes, ResponsibleForTheTask, No, No]),
    (Task, Update, [No, Yes, ResponsibleForTheTask, No, No]),
    (Task, Assign, [No, Yes, ResponsibleForTheTask, No, No]),
    (
        Task,
        Start,
        [No, IsTheAssignee, IsTheAssignee, IsTheAssignee, No],
    ),
    (
        Task,
        Submit,
        [No, IsTheAssignee, IsTheAssignee, IsTheAssignee, No],
    ),
    (
        Task,
        Complete,
        [
            No,
            YesUnlessTheAssignee,
            HeadsTheSubCommitteeUnlessTheAssignee,
            No,
            No,
        ],
    ),
    (
        Task,
        Return,
        [
            No,
            YesUnlessTheAssignee,
            HeadsTheSubCommitteeUnlessTheAssignee,
            No,
            No,
        ],
    ),
    (Task, Cancel, [No, Yes, IsTheCreator, IsTheCreator, No]),
    (Task, Reassign, [No, Yes, ResponsibleForTheTask, No, No]),
    (Task, Report, [No, Yes, IsTheAssignee, IsTheAssignee, No]),
    // Work sent down: the parent bloc's head or the deputy responsible delegates; the child
    // bloc's head answers for the child bloc.
    (Task, Delegate, [No, Yes, ResponsibleForTheTask, No, No]),
    (Task, Accept, [No, Yes, No, No, No]),
    (Task, Decline, [No, Yes, No, No, No]),
    // A campaign is run by the bloc head and the deputy head who leads its lead organisation;
    // every cadre of the bloc collects its figures and registrations.
    (Campaign, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Campaign, Create, [No, Yes, LeadsTheOrganisation, No, No]),
    (Campaign, Update, [No, Yes, LeadsTheOrganisation, No, No]),
    (CampaignTarget, Read, [Yes, Yes, Yes, Yes, Yes]),
    (
        CampaignTarget,
        Create,
        [No, Yes, LeadsTheOrganisation, No, No],
    ),
    (
        CampaignTarget,
        Update,
        [No, Yes, LeadsTheOrganisation, No, No],
    ),
    (Measurement, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Measurement, Create, [No, Yes, Yes, Yes, No]),
    (Registration, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Registration, Create, [No, Yes, Yes, Yes, No]),
    (
        Registration,
        Recognise,
        [No, Yes, LeadsTheOrganisation, No, No],
    ),
    (Registration, Withdraw, [No, Yes, Yes, Yes, No]),
    // Supervision is run by the bloc head and the deputy heading its sub-committee (by default
    // Inspection–Supervision) or leading its lead organisation; its members add findings; any
    // cadre records what the addressees answered.
    (Supervision, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Supervision, Create, [No, Yes, RunsIt, No, No]),
    (Supervision, Update, [No, Yes, RunsIt, No, No]),
    (Finding, Create, [No, Yes, RunsItOrIsAMember, IsAMember, No]),
    (Recommendation, Create, [No, Yes, RunsIt, No, No]),
    (Recommendation, Update, [No, Yes, RunsIt, No, No]),
    (Recommendation, Respond, [No, Yes, Yes, Yes, No]),
    (Meeting, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Meeting, Create, [No, Yes, Yes, No, No]),
    (Meeting, Update, [No, Yes, Yes, No, No]),
    (UnitAssignment, Read, [Yes, Yes, Yes, Yes, Yes]),
    (UnitAssignment, Create, [No, Yes, Yes, No, No]),
    (UnitAssignment, Update, [No, Yes, Yes, No, No]),
    (Dispatch, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Dispatch, Create, [No, Yes, Yes, No, No]),
    (Dispatch, Update, [No, Yes, Yes, Yes, No]),
    // Everyone follows the feed of what they may read (tenancy limits it).
    (Change, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Client, Read, [Yes, No, No, No, No]),
    (Client, Create, [Yes, No, No, No, No]),
    (Client, Update, [Yes, No, No, No, No]),
    (Webhook, Read, [Yes, Yes, No, No, No]),
    (Webhook, Create, [Yes, Yes, No, No, No]),
    (Webhook, Update, [Yes, Yes, No, No, No]),
    (Summary, Read, [Yes, Yes, Yes, Yes, Yes]),
    (AuditLog, Read, [Yes, Yes, No, No, No]),
    // The bloc's people discuss its work; each edits or retracts only what they wrote.
    (Comment, Read, [Yes, Yes, Yes, Yes, Yes]),
    (Comment, Create, [No, Yes, Yes, Yes, No]),
    (
        Comment,
        Update,
        [No, IsTheAuthor, IsTheAuthor, IsTheAuthor, No],
    ),
    // The bloc's people upload evidence and read the bloc's files (the portal its province's,
    // and a bloc what came back from work it sent down: `files::service`); an unattached upload
    // is removed by its uploader or the bloc head.
    (File, Read, [Yes, Yes, Yes, Yes, Yes]),
    (File, Create, [No, Yes, Yes, Yes, No]),
    (File, Update, [No, Yes, IsTheCreator, IsTheCreator, No]),
];

/// The thing acted on, as far as the rules need to know it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Target {
    pub sub_committee: Option<Uuid>,
    pub organisation: Option<Uuid>,
    pub person: Option<Uuid>,
    /// For moves: the sub-committees left and entered.
    pub move_from: Option<Uuid>,
    pub move_to: Option<Uuid>,
    /// For tasks: the assignee (a staff member) and the creator (an account).
    pub assignee: Option<Uuid>,
    pub creator: Option<Uuid>,
    /// The caller is one of the members (of a supervision).
    pub caller_is_member: bool,
}

impl Target {
    /// The sub-committee and organisation in charge.
    pub fn run_by(sub_committee: Option<Uuid>, organisation: Option<Uuid>) -> Self {
        Target {
            sub_committee,
            organisation,
            ..Default::default()
        }
    }

    /// Notes whether the caller is among `members` (staff ids).
    pub fn with_members(mut self, actor: &Actor, members: &[Uuid]) -> Self {
        self.caller_is_member = actor.staff_id.is_some_and(|me| members.contains(&me));
        self
    }
}

/// The caller as the rules see them: role and, for the bloc's people, their staff record and
/// what they head.
#[derive(Clone, Debug)]
pub struct Actor {
    pub role: Role,
    pub account_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub heads_sub_committees: Vec<Uuid>,
    pub leads_organisations: Vec<Uuid>,
}

impl Actor {
    pub fn with_role(role: Role) -> Self {
        Self {
            role,
            account_id: None,
            staff_id: None,
            heads_sub_committees: vec![],
            leads_organisations: vec![],
        }
    }

    /// The caller with their staff record (through their account) and what they head: as the
    /// token check read them with the account at the start of the request (a request is
    /// decided on who the caller was when it arrived, as its token is), or read now, the same
    /// way, for a caller no check made.
    pub async fn of(
        conn: &impl ConnectionTrait,
        caller: &crate::auth::Caller,
    ) -> Result<Self, DbErr> {
        let mut actor = Actor::with_role(caller.role);
        actor.account_id = Some(caller.account_id);
        if !caller.role.is_bloc_member() {
            return Ok(actor);
        }
        use crate::auth::Known;
        let read;
        let staffing = match &caller.staffing {
            Known::Read(s) => s.as_ref(),
            unread => {
                debug_assert!(
                    matches!(unread, Known::Unchecked),
                    "a route `auth::caller::asks_who` says never asks who the person is asked"
                );
                read = crate::auth::Staffing::of(conn, caller.account_id).await?;
                &read
            }
        };
        actor.staff_id = staffing.staff_id;
        actor.heads_sub_committees = staffing.heads.clone();
        actor.leads_organisations = staffing.leads.clone();
        Ok(actor)
    }
}

fn column(role: Role) -> usize {
    match role {
        Role::Admin => 0,
        Role::BlocHead => 1,
        Role::DeputyHead => 2,
        Role::Staff => 3,
        Role::Portal => 4,
    }
}

pub fn rule(resource: Resource, action: Action, role: Role) -> Rule {
    RULES
        .iter()
        .find(|(r, a, _)| *r == resource && *a == action)
        .map(|(_, _, rules)| rules[column(role)])
        .unwrap_or(No)
}

pub fn allows(actor: &Actor, resource: Resource, action: Action, target: &Target) -> bool {
    let heads = |id: Option<Uuid>| id.is_some_and(|id| actor.heads_sub_committees.contains(&id));
    let is_assignee = actor.staff_id.is_some() && target.assignee == actor.staff_id;
    let runs = || {
        heads(target.sub_committee)
            || target
                .organisation
                .is_some_and(|id| actor.leads_organisations.contains(&id))
    };
    match rule(resource, action, actor.role) {
        Yes => true,
        No => false,
        HeadsTheSubCommittee => heads(target.sub_committee),
        LeadsTheOrganisation => target
            .organisation
            .is_some_and(|id| actor.leads_organisations.contains(&id)),
        IsThePerson => actor.staff_id.is_some() && target.person == actor.staff_id,
        MoveTouchesOwnSubCommittee => heads(target.move_from) || heads(target.move_to),
        ResponsibleForTheTask | RunsIt => runs(),
        RunsItOrIsAMember => runs() || target.caller_is_member,
        IsAMember => target.caller_is_member,
        IsTheAuthor => actor.account_id.is_some() && target.creator == actor.account_id,
        IsTheAssignee => is_assignee,
        YesUnlessTheAssignee => !is_assignee,
        HeadsTheSubCommitteeUnlessTheAssignee => heads(target.sub_committee) && !is_assignee,
        IsTheCreator => actor.account_id.is_some() && target.creator == actor.account_id,
    }
}

/// The `Read` rows: 403 unless the caller's role may read `resource` at all. Which bloc's rows
/// it sees is tenancy's to decide (and another bloc's are 404, not 403).
pub fn may_read(caller: &crate::auth::Caller, resource: Resource) -> Result<(), ApiError> {
    authorize(
        &Actor::with_role(caller.role),
        resource,
        Read,
        &Target::default(),
    )
}

/// 403 naming the role, unless the rules allow it.
pub fn authorize(
    actor: &Actor,
    resource: Resource,
    action: Action,
    target: &Target,
) -> Result<(), ApiError> {
    if allows(actor, resource, action, target) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "the {} role may not {} {}",
            actor.role.as_str(),
            match action {
                Read => "read",
                Create => "create",
                Update => "change",
                UpdateContact => "change the contact details of",
                Move => "move",
                Assign => "assign",
                Start => "start",
                Submit => "submit",
                Complete => "complete",
                Return => "return",
                Cancel => "cancel",
                Reassign => "reassign",
                Report => "report on",
                Recognise => "recognise",
                Withdraw => "withdraw",
                Respond => "record a response to",
                Delegate => "delegate",
                Accept => "accept",
                Decline => "decline",
            },
            match (resource, action) {
                (Staff, Move) => "this person between these sub-committees",
                (Bloc, Move) => "this bloc under another (the admin does)",
                (Province, _) => "provinces",
                (Bloc, _) => "this bloc",
                (Account, _) => "accounts",
                (Organisation, _) => "this organisation",
                (SubCommittee, _) => "this sub-committee",
                (Staff, _) => "this staff member",
                (Unit, _) => "grassroots units",
                (Directive, _) => "directives",
                (Task, Complete | Return) => "this task (nobody approves their own work)",
                (Task, _) => "this task",
                (Comment, _) => "this comment (only its author)",
                (Campaign, _) => "this campaign (its lead organisation's leader or the bloc head)",
                (CampaignTarget, _) =>
                    "this campaign's targets (its lead organisation's leader or the bloc head)",
                (Measurement, _) => "campaign figures",
                (Registration, Recognise) =>
                    "this registration (its campaign's lead organisation's leader or the bloc head)",
                (Registration, _) => "campaign registrations",
                (Supervision, _) =>
                    "this supervision (the bloc head, or the deputy head of its sub-committee or lead organisation)",
                (Finding, _) => "findings of this supervision (its members and leaders)",
                (Recommendation, Respond) => "recommendations",
                (Recommendation, _) => "this supervision's recommendations (its leaders)",
                (Meeting, _) => "meetings",
                (UnitAssignment, _) => "unit assignments",
                (Dispatch, _) => "directive dispatches",
                (Change, _) => "the change feed",
                (Client, _) => "API clients",
                (Webhook, _) => "webhooks",
                (Summary, _) => "the province summary",
                (AuditLog, _) => "the audit log",
                (File, _) => "this file (its uploader or the bloc head)",
            }
        )))
    }
}

#[cfg(test)]
mod tests;
