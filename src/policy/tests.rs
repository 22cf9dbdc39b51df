//! The policy table read as rules: who may do what, role by role and relation by relation.
use super::*;

fn actor(role: Role) -> Actor {
    Actor::with_role(role)
}

#[test]
fn every_resource_action_pair_is_in_the_table_once() {
    for (i, (r, a, _)) in RULES.iter().enumerate() {
        let n = RULES
            .iter()
            .filter(|(r2, a2, _)| r2 == r && a2 == a)
            .count();
        assert_eq!(n, 1, "row {i} ({r:?}, {a:?}) is listed {n} times");
    }
}

#[test]
fn portal_only_reads() {
    for (r, a, rules) in RULES {
        if *a != Read {
            assert_eq!(rules[4], No, "portal may {a:?} {r:?}");
        }
    }
}

#[test]
fn the_table_as_a_table() {
    // (resource, action, role, allowed without any special relation to the target)
    let expected = [
        (Bloc, Create, Role::Admin, true),
        (Bloc, Create, Role::BlocHead, false),
        (Bloc, Update, Role::BlocHead, true),
        (Bloc, Update, Role::DeputyHead, false),
        (Account, Create, Role::BlocHead, true),
        (Account, Create, Role::DeputyHead, false),
        (Account, Read, Role::Staff, false),
        (Organisation, Create, Role::BlocHead, true),
        (Organisation, Create, Role::Admin, false),
        (Organisation, Update, Role::DeputyHead, false),
        (Organisation, Read, Role::Portal, true),
        (SubCommittee, Update, Role::DeputyHead, false),
        (Staff, Create, Role::DeputyHead, false),
        (Staff, Update, Role::Staff, false),
        (Staff, UpdateContact, Role::Staff, false),
        (Staff, Move, Role::Staff, false),
        (Staff, Move, Role::BlocHead, true),
        (Unit, Create, Role::Staff, false),
        (Unit, Update, Role::BlocHead, true),
        (AuditLog, Read, Role::BlocHead, true),
        (Directive, Create, Role::DeputyHead, true),
        (Directive, Create, Role::Staff, false),
        (Directive, Update, Role::Portal, false),
        (AuditLog, Read, Role::DeputyHead, false),
        (AuditLog, Read, Role::Portal, false),
        (Campaign, Create, Role::BlocHead, true),
        (Campaign, Create, Role::DeputyHead, false),
        (Campaign, Create, Role::Staff, false),
        (CampaignTarget, Update, Role::Staff, false),
        (Measurement, Create, Role::Staff, true),
        (Measurement, Create, Role::Portal, false),
        (Measurement, Create, Role::Admin, false),
        (Registration, Create, Role::Staff, true),
        (Registration, Withdraw, Role::Staff, true),
        (Registration, Recognise, Role::Staff, false),
        (Registration, Recognise, Role::BlocHead, true),
    ];
    for (r, a, role, allowed) in expected {
        assert_eq!(
            allows(&actor(role), r, a, &Target::default()),
            allowed,
            "{role:?} {a:?} {r:?}"
        );
    }
}

#[test]
fn deputy_rules_depend_on_what_they_head() {
    let sc = Uuid::now_v7();
    let org = Uuid::now_v7();
    let other = Uuid::now_v7();
    let me = Uuid::now_v7();
    let deputy = Actor {
        role: Role::DeputyHead,
        account_id: None,
        staff_id: Some(me),
        heads_sub_committees: vec![sc],
        leads_organisations: vec![org],
    };
    let t = |f: fn(&mut Target)| {
        let mut t = Target::default();
        f(&mut t);
        t
    };
    assert!(allows(
        &deputy,
        SubCommittee,
        Update,
        &Target {
            sub_committee: Some(sc),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &deputy,
        SubCommittee,
        Update,
        &Target {
            sub_committee: Some(other),
            ..Default::default()
        }
    ));
    assert!(allows(
        &deputy,
        Organisation,
        Update,
        &Target {
            organisation: Some(org),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &deputy,
        Organisation,
        Update,
        &Target {
            organisation: Some(other),
            ..Default::default()
        }
    ));
    assert!(allows(
        &deputy,
        Staff,
        Move,
        &Target {
            move_from: Some(sc),
            move_to: Some(other),
            ..Default::default()
        }
    ));
    assert!(allows(
        &deputy,
        Staff,
        Move,
        &Target {
            move_from: None,
            move_to: Some(sc),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &deputy,
        Staff,
        Move,
        &Target {
            move_from: Some(other),
            move_to: None,
            ..Default::default()
        }
    ));
    assert!(allows(
        &deputy,
        Staff,
        UpdateContact,
        &Target {
            person: Some(me),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &deputy,
        Staff,
        UpdateContact,
        &t(|t| t.person = Some(Uuid::nil()))
    ));
}

#[test]
fn staff_edit_only_their_own_contact_details() {
    let me = Uuid::now_v7();
    let staff = Actor {
        staff_id: Some(me),
        ..Actor::with_role(Role::Staff)
    };
    assert!(allows(
        &staff,
        Staff,
        UpdateContact,
        &Target {
            person: Some(me),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &staff,
        Staff,
        UpdateContact,
        &Target {
            person: Some(Uuid::now_v7()),
            ..Default::default()
        }
    ));
    assert!(!allows(
        &staff,
        Staff,
        Update,
        &Target {
            person: Some(me),
            ..Default::default()
        }
    ));
    // Without a staff record nobody is "the person".
    let detached = Actor::with_role(Role::Staff);
    assert!(!allows(
        &detached,
        Staff,
        UpdateContact,
        &Target {
            person: None,
            ..Default::default()
        }
    ));
}

#[test]
fn task_rules() {
    let me = Uuid::now_v7();
    let account = Uuid::now_v7();
    let sc = Uuid::now_v7();
    let org = Uuid::now_v7();
    let deputy = Actor {
        role: Role::DeputyHead,
        account_id: Some(account),
        staff_id: Some(me),
        heads_sub_committees: vec![sc],
        leads_organisations: vec![org],
    };
    let mine = Target {
        sub_committee: Some(sc),
        ..Default::default()
    };
    let theirs = Target {
        sub_committee: Some(Uuid::now_v7()),
        ..Default::default()
    };
    let led = Target {
        organisation: Some(org),
        ..Default::default()
    };
    assert!(allows(&deputy, Task, Create, &mine));
    assert!(allows(&deputy, Task, Create, &led));
    assert!(!allows(&deputy, Task, Create, &theirs));
    assert!(allows(&deputy, Task, Complete, &mine));
    // Never their own work, even in their own sub-committee.
    let own_work = Target {
        sub_committee: Some(sc),
        assignee: Some(me),
        ..Default::default()
    };
    assert!(!allows(&deputy, Task, Complete, &own_work));
    assert!(!allows(&deputy, Task, Return, &own_work));
    assert!(allows(&deputy, Task, Submit, &own_work));
    let head = Actor {
        staff_id: Some(me),
        ..Actor::with_role(Role::BlocHead)
    };
    assert!(allows(&head, Task, Complete, &mine));
    assert!(!allows(&head, Task, Complete, &own_work));
    // Only the creator (or the bloc head) cancels.
    let created = Target {
        creator: Some(account),
        ..Default::default()
    };
    assert!(allows(&deputy, Task, Cancel, &created));
    assert!(!allows(
        &deputy,
        Task,
        Cancel,
        &Target {
            creator: Some(Uuid::now_v7()),
            ..Default::default()
        }
    ));
    let staff = Actor {
        staff_id: Some(Uuid::now_v7()),
        ..Actor::with_role(Role::Staff)
    };
    assert!(!allows(&staff, Task, Create, &mine));
    assert!(!allows(&staff, Task, Complete, &mine));
    for m in [
        Create, Update, Assign, Start, Submit, Complete, Return, Cancel, Reassign, Report,
    ] {
        assert!(!allows(&Actor::with_role(Role::Portal), Task, m, &own_work));
        assert!(!allows(&Actor::with_role(Role::Admin), Task, m, &own_work));
    }
}

#[test]
fn refusal_names_the_role() {
    let e = authorize(&actor(Role::Staff), Unit, Create, &Target::default()).unwrap_err();
    assert_eq!(e.problem().status, 403);
    assert!(e.problem().detail.contains("staff"));
}

#[test]
fn a_deputy_runs_only_the_campaigns_their_organisation_leads() {
    let org = Uuid::now_v7();
    let deputy = Actor {
        role: Role::DeputyHead,
        account_id: None,
        staff_id: Some(Uuid::now_v7()),
        heads_sub_committees: vec![],
        leads_organisations: vec![org],
    };
    let of = |o| Target {
        organisation: Some(o),
        ..Default::default()
    };
    for (r, a) in [
        (Campaign, Create),
        (Campaign, Update),
        (CampaignTarget, Create),
        (CampaignTarget, Update),
        (Registration, Recognise),
    ] {
        assert!(allows(&deputy, r, a, &of(org)), "{r:?} {a:?} own");
        assert!(
            !allows(&deputy, r, a, &of(Uuid::now_v7())),
            "{r:?} {a:?} other"
        );
    }
}

#[test]
fn supervision_is_run_by_its_leaders_and_findings_come_from_its_members() {
    let sc = Uuid::now_v7();
    let me = Uuid::now_v7();
    let deputy = Actor {
        role: Role::DeputyHead,
        account_id: None,
        staff_id: Some(me),
        heads_sub_committees: vec![sc],
        leads_organisations: vec![],
    };
    let staff = Actor {
        role: Role::Staff,
        ..deputy.clone()
    };
    let ours = Target::run_by(Some(sc), None);
    let theirs = Target::run_by(Some(Uuid::now_v7()), None);
    assert!(allows(&deputy, Supervision, Update, &ours));
    assert!(!allows(&deputy, Supervision, Update, &theirs));
    assert!(!allows(&staff, Supervision, Update, &ours));
    assert!(!allows(&staff, Finding, Create, &theirs));
    assert!(allows(
        &staff,
        Finding,
        Create,
        &theirs.with_members(&staff, &[me])
    ));
    assert!(allows(&deputy, Finding, Create, &ours));
    assert!(allows(&staff, Recommendation, Respond, &Target::default()));
    assert!(!allows(&staff, Recommendation, Create, &ours));
    assert!(allows(&staff, Dispatch, Update, &Target::default()));
    assert!(!allows(&staff, Dispatch, Create, &Target::default()));
}
