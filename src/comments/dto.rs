use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019c5a10-9999-7d4b-9d6e-3f1c2b4a5d6e", "bloc_id": "019c5a00-0000-7d4b-9d6e-3f1c2b4a5d6e", "resource_type": "task", "resource_id": "019c5a0f-1111-7d4b-9d6e-3f1c2b4a5d6e", "author": {"id": "019c5a01-2222-7d4b-9d6e-3f1c2b4a5d6e", "account_id": "019c5a01-3333-7d4b-9d6e-3f1c2b4a5d6e", "full_name": "Nguyễn Thế Hòa"}, "body": "@demo.staff đề nghị đồng chí bổ sung biên bản trước thứ Sáu.", "mentions": ["019c5a01-4444-7d4b-9d6e-3f1c2b4a5d6e"], "edited": false, "retracted": false, "version": 1, "created_at": "2016-02-08T01:00:00Z", "updated_at": "2016-02-08T01:00:00Z"}))]
pub struct CommentDto {
    pub id: Uuid,
    pub bloc_id: Uuid,
    /// `task`, `supervision_recommendation`, `supervision` or `campaign`.
    pub resource_type: String,
    pub resource_id: Uuid,
    /// Who wrote it: their staff id and full name (see `Person`).
    #[serde(rename = "author")]
    #[schema(value_type = crate::people::Person)]
    pub author_id: Uuid,
    /// The text; null once retracted.
    #[schema(example = "@demo.staff đề nghị đồng chí bổ sung biên bản trước thứ Sáu.")]
    pub body: Option<String>,
    /// The accounts of the bloc the comment mentions (and notified).
    pub mentions: Vec<Uuid>,
    pub edited: bool,
    pub retracted: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "@demo.staff đề nghị đồng chí bổ sung biên bản trước thứ Sáu."}))]
pub struct NewComment {
    /// 1–4,000 characters; `@username` mentions a person of the bloc.
    pub body: String,
}

/// An edit (within 15 minutes of posting) or a retraction (any time), by the author.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "@demo.staff đề nghị bổ sung biên bản trước thứ Năm."}))]
pub struct UpdateComment {
    pub body: Option<String>,
    /// `true` retracts the comment: its text is hidden, the record stays.
    pub retracted: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
