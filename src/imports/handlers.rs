use super::{
    dto::{ImportKind, ImportQuery, ImportResult},
    service, table,
};
use crate::{auth::Caller, error::ApiResult, files::dto::FileBytes, state::AppState};
use actix_web::{HttpRequest, HttpResponse, post, web};

/// Import staff (with their accounts), units or a target's figures from a spreadsheet.
///
/// Send the file as the body, `text/csv` (UTF-8, comma or semicolon separated) or XLSX (its
/// first sheet); the first row names the columns, in English or as the bloc's own spreadsheets
/// do (`Họ và tên`, `Chức vụ`, `Tiểu ban`, `Tên đăng nhập`, `Mật khẩu`…; see the README). At most
/// 10,000 rows within the body limit, and 2,000 accounts. Every row is made by the same rules as its single-item
/// endpoint, all or none, each with its audit entry and feed change; `dry_run=true` answers
/// every row's problems and writes nothing. Accounts start with `must_change_password`. Send an
/// `Idempotency-Key` to make a retry safe.
#[utoipa::path(tag = "imports",
    params(("kind" = ImportKind, Path), ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body(content(
        (String = "text/csv", example = "Họ và tên,Chức vụ,Vai trò,Tiểu ban,Tên đăng nhập,Mật khẩu\nNguyễn Văn An,Cán bộ,Cán bộ,KTGS,an.nv,mật-khẩu-tạm-2016\n"),
        (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses(
        (status = 200, description = "A dry run: every row's problems; nothing written", body = ImportResult),
        (status = 201, description = "Every row made", body = ImportResult),
        (status = 403, description = "The role may not make these"),
        (status = 413, description = "The file is over the body limit"),
        (status = 415, description = "Not CSV or XLSX"),
        (status = 422, description = "A bad column, more than 10,000 rows, or any row's problem (`rows[7].full_name`); nothing written"),
    ))]
#[post("/imports/{kind}")]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    kind: web::Path<String>,
    q: crate::extract::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let kind = match kind.as_str() {
        "staff" => ImportKind::Staff,
        "units" => ImportKind::Units,
        "figures" => ImportKind::Figures,
        other => {
            return Err(crate::error::ApiError::bad_field(
                "kind",
                format!("`{other}` is not one of staff, units, figures"),
            ));
        }
    };
    service::may_import(&caller, kind)?;
    let content_type = crate::extract::media_type(&req);
    if content_type != table::CSV && content_type != table::XLSX {
        return Err(crate::error::ApiError::UnsupportedMediaType(format!(
            "send the file as {} or {}",
            table::CSV,
            table::XLSX
        )));
    }
    let body = crate::extract::read_body(&req, &mut payload.into_inner()).await?;
    let t = table::parse(&content_type, &body)?;
    let result = service::run(&state.db, &caller, kind, q.into_inner(), t).await?;
    Ok(if result.dry_run {
        HttpResponse::Ok().json(result)
    } else {
        HttpResponse::Created().json(result)
    })
}
