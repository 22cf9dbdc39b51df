use super::dto::*;
use crate::{
    audit,
    auth::Caller,
    concurrency::IfMatch,
    db::begin_write,
    entities::{account, campaign, comment, recommendation, supervision, task, task_event},
    error::{ApiError, ApiResult},
    notifications::{dto::Kind, emit},
    pagination::{self, Keyset, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "comment";
/// How long after posting its author may still edit a comment.
pub const EDIT_WINDOW_MINUTES: i64 = 15;

/// What a comment is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Task,
    Supervision,
    /// A recommendation, under the supervision named in its path.
    Recommendation(Uuid),
    Campaign,
}

impl Subject {
    pub fn resource_type(self) -> &'static str {
        match self {
            Subject::Task => "task",
            Subject::Supervision => "supervision",
            Subject::Recommendation(_) => "supervision_recommendation",
            Subject::Campaign => "campaign",
        }
    }
}

/// The subject's bloc and path, if the caller may read it (404 otherwise).
async fn subject(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    s: Subject,
    id: Uuid,
) -> ApiResult<(Uuid, String)> {
    let scope = Scope::of(caller);
    let p = crate::state::API_PREFIX;
    Ok(match s {
        Subject::Task => {
            let t = tenancy::find::<task::Entity>(conn, &scope, id, "task").await?;
            (t.bloc_id, format!("{p}/tasks/{id}"))
        }
        Subject::Supervision => {
            let t = tenancy::find::<supervision::Entity>(conn, &scope, id, "supervision").await?;
            (t.bloc_id, format!("{p}/supervisions/{id}"))
        }
        Subject::Recommendation(supervision) => {
            let r =
                tenancy::find::<recommendation::Entity>(conn, &scope, id, "recommendation").await?;
            if r.supervision_id != supervision {
                return Err(ApiError::not_found("recommendation"));
            }
            (
                r.bloc_id,
                format!("{p}/supervisions/{}/recommendations/{id}", r.supervision_id),
            )
        }
        Subject::Campaign => {
            let t = tenancy::find::<campaign::Entity>(conn, &scope, id, "campaign").await?;
            (t.bloc_id, format!("{p}/campaigns/{id}"))
        }
    })
}

pub fn to_dto(m: comment::Model) -> CommentDto {
    CommentDto {
        id: m.id,
        bloc_id: m.bloc_id,
        resource_type: m.resource_type,
        resource_id: m.resource_id,
        author_id: m.author_id,
        body: (!m.retracted).then_some(m.body),
        mentions: serde_json::from_str(&m.mentions).unwrap_or_default(),
        edited: m.updated_at > m.created_at && !m.retracted,
        retracted: m.retracted,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The usernames `@mentioned` in `text`: letters, digits, `.`, `_` and `-`, a final `.` being
/// the sentence's.
pub fn mentioned(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('@') {
        // An address (lan@haiha.vn) is not a mention.
        let before = rest[..i].chars().last();
        let after = &rest[i + 1..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !name.is_empty()
            && before.is_none_or(|c| !c.is_alphanumeric())
            && !out.contains(&name)
            && out.len() < 20
        {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// Accounts of `bloc` among `names`: someone outside the bloc is never found, so a mention of
/// them tells nobody and reveals nothing.
async fn mentioned_accounts(
    conn: &impl ConnectionTrait,
    bloc: Uuid,
    names: &[String],
) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    if names.is_empty() {
        return Ok(vec![]);
    }
    Ok(account::Entity::find()
        .filter(account::Column::BlocId.eq(bloc))
        .filter(account::Column::Active.eq(true))
        .filter(account::Column::Username.is_in(names.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    s: Subject,
    id: Uuid,
    q: CommentQuery,
) -> ApiResult<Page<CommentDto>> {
    policy::may_read(caller, Resource::Comment)?;
    let (bloc, _) = subject(db, caller, s, id).await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<comment::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select = comment::Entity::find()
        .filter(comment::Column::BlocId.eq(bloc))
        .filter(comment::Column::ResourceType.eq(s.resource_type()))
        .filter(comment::Column::ResourceId.eq(id));
    Ok(keyset
        .fetch(
            db,
            select,
            comment::Column::Id,
            limit,
            |m| (json!(null), m.id),
            to_dto,
        )
        .await?)
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<CommentDto> {
    policy::may_read(caller, Resource::Comment)?;
    Ok(to_dto(
        tenancy::find::<comment::Entity>(db, &Scope::of(caller), id, "comment").await?,
    ))
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    s: Subject,
    id: Uuid,
    body: NewComment,
) -> ApiResult<CommentDto> {
    let txn = begin_write(db).await?;
    let (bloc, href) = subject(&txn, caller, s, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Comment,
        Action::Create,
        &Target::default(),
    )?;
    if Scope::of(caller).own_bloc() != Some(bloc) {
        return Err(ApiError::Forbidden(
            "only the bloc's own people comment on its work".into(),
        ));
    }
    let mut c = Checks::new();
    let text = c.long_text("body", &body.body, 4_000);
    c.finish()?;
    let mentions = mentioned_accounts(&txn, bloc, &mentioned(&text)).await?;
    let now = Utc::now();
    let m = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc),
        resource_type: Set(s.resource_type().into()),
        resource_id: Set(id),
        author_id: Set(caller.account_id),
        body: Set(text.clone()),
        mentions: Set(json!(mentions).to_string()),
        retracted: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if s == Subject::Task {
        // The comment belongs to the task's history as well.
        let t = task::Entity::find_by_id(id).one(&txn).await?;
        if let Some(t) = t {
            task_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                task_id: Set(id),
                bloc_id: Set(bloc),
                action: Set("comment".into()),
                from_status: Set(Some(t.status.clone())),
                to_status: Set(t.status),
                actor_id: Set(caller.account_id),
                note: Set(Some(text.clone())),
                data: Set(json!({"comment_id": m.id}).to_string()),
                created_at: Set(now),
                occurred_on: Set(crate::clock::today()),
            }
            .insert(&txn)
            .await?;
        }
    }
    emit::to_accounts(
        &txn,
        &mentions,
        Some(caller.account_id),
        &emit::Note {
            kind: Kind::Mentioned,
            title: "Bạn được nhắc đến trong một bình luận".into(),
            body: text.chars().take(500).collect(),
            href: Some(href),
            resource: Some((s.resource_type(), id)),
            bloc_id: Some(bloc),
            urgent: false,
            once: None,
        },
    )
    .await?;
    let dto = to_dto(m);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: Some(bloc),
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateComment,
) -> ApiResult<CommentDto> {
    let txn = begin_write(db).await?;
    let current = tenancy::find::<comment::Entity>(&txn, &Scope::of(caller), id, "comment").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Comment,
        Action::Update,
        &Target {
            creator: Some(current.author_id),
            ..Default::default()
        },
    )?;
    if_match.check(current.version)?;
    if current.retracted {
        return Err(ApiError::conflict("the comment was retracted"));
    }
    let mut c = Checks::new();
    let mut am: comment::ActiveModel = current.clone().into();
    if let Some(b) = &body.body {
        if Utc::now() - current.created_at > Duration::minutes(EDIT_WINDOW_MINUTES) {
            return Err(ApiError::conflict(format!(
                "a comment can be edited only within {EDIT_WINDOW_MINUTES} minutes of posting; post a new one or retract it"
            )));
        }
        am.body = Set(c.long_text("body", b, 4_000));
    }
    match body.retracted {
        Some(true) => am.retracted = Set(true),
        Some(false) => c.add(
            "retracted",
            "a retraction cannot be undone; post a new comment",
        ),
        None => {}
    }
    c.finish()?;
    let before = to_dto(current.clone());
    let saved = audit::save_and_record(
        &txn,
        caller,
        audit::Rewrite {
            action: if body.retracted == Some(true) {
                "retract"
            } else {
                "update"
            },
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
        },
        &before,
        (am, comment::Column::Version, current.version),
        to_dto,
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(saved))
}

#[cfg(test)]
mod tests {
    use super::mentioned;

    #[test]
    fn mentions_are_usernames_after_an_at_sign() {
        assert_eq!(
            mentioned("@demo.staff và @Demo.Head. Gửi lan@haiha.vn, @demo.staff"),
            vec!["demo.staff", "demo.head"]
        );
        assert!(mentioned("không ai @ cả").is_empty());
    }
}
