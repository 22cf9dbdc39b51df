use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What an import makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Staff members, each with an account when `username` and `password` are given.
    Staff,
    /// Grassroots units.
    Units,
    /// One campaign target's figures (`campaign_id`, `target_id`).
    Figures,
}

#[derive(Clone, Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row and answer its problems; write nothing.
    pub dry_run: Option<bool>,
    /// For `figures`: the campaign.
    pub campaign_id: Option<Uuid>,
    /// For `figures`: the target the figures are for.
    pub target_id: Option<Uuid>,
}

/// A problem of one row, named as the spreadsheet names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    /// The row as the spreadsheet numbers it (the header is row 1).
    #[schema(example = 7)]
    pub row: usize,
    /// The column as the file names it.
    #[schema(example = "Họ và tên")]
    pub column: String,
    /// `rows[7].full_name`: the row and the column's name in this API.
    #[schema(example = "rows[7].full_name")]
    pub field: String,
    #[schema(example = "must not be empty")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    #[schema(example = "staff")]
    pub kind: ImportKind,
    #[schema(example = false)]
    pub dry_run: bool,
    /// Data rows read.
    #[schema(example = 20)]
    pub rows: usize,
    /// Resources made (a staff member and their account are two); 0 on a dry run.
    #[schema(example = 38)]
    pub created: usize,
    /// Their ids, in row order.
    #[schema(example = json!(["01a21945-3cc4-77ec-a861-b9337650b041", "01a21945-3cc4-77ec-a861-b9337650b042"]))]
    pub ids: Vec<Uuid>,
    /// Every row's problems (a dry run's answer; a real run with any is refused with `422`).
    #[schema(example = json!([]))]
    pub problems: Vec<RowProblem>,
}
