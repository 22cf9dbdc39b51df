//! Imports (issue 14): the bloc's spreadsheets of staff, units and figures, as CSV or XLSX, with
//! the Vietnamese headers they already use; every row or none, checked first with a dry run.
use crate::helpers::{TestApp, assert_problem, spawn_app};
use serde_json::Value;
use std::io::Write;

pub(crate) const CSV: &str = "text/csv";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A one-sheet workbook with these rows, strings written inline (as some tools do).
pub(crate) fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    workbook(rows, false)
}

/// A one-sheet workbook as Excel writes it: strings in the shared-strings part, a date as a
/// day number with a date format.
pub(crate) fn excel(rows: &[Vec<&str>]) -> Vec<u8> {
    workbook(rows, true)
}

fn workbook(rows: &[Vec<&str>], shared: bool) -> Vec<u8> {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let mut strings: Vec<String> = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let col = (b'A' + c as u8) as char;
            let day = chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok();
            if let Ok(n) = cell.parse::<i64>() {
                sheet.push_str(&format!(r#"<c r="{col}{}"><v>{n}</v></c>"#, r + 1));
            } else if let (true, Some(d)) = (shared, day) {
                // Excel's day number (from 1899-12-30) in a cell styled as a date.
                let n = (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
                sheet.push_str(&format!(r#"<c r="{col}{}" s="1"><v>{n}</v></c>"#, r + 1));
            } else if shared {
                strings.push(esc(cell));
                sheet.push_str(&format!(
                    r#"<c r="{col}{}" t="s"><v>{}</v></c>"#,
                    r + 1,
                    strings.len() - 1
                ));
            } else {
                sheet.push_str(&format!(
                    r#"<c r="{col}{}" t="inlineStr"><is><t>{}</t></is></c>"#,
                    r + 1,
                    esc(cell)
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let shared_strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{1}</sst>"#,
        strings.len(),
        strings
            .iter()
            .map(|t| format!("<si><t>{t}</t></si>"))
            .collect::<String>()
    );
    let styles = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
    let mut parts = vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if shared {
        parts[3].1 = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string();
        parts.push(("xl/sharedStrings.xml", shared_strings));
        parts.push(("xl/styles.xml", styles.to_string()));
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub(crate) async fn upload(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    token: &str,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, path: &str, token: &str) -> usize {
    let (s, p) = app.get_json(path, token).await;
    assert_eq!(s, 200, "{p}");
    p["items"].as_array().unwrap().len()
}

/// The staff list of a commune's bloc as its office keeps it: Vietnamese headers, semicolons.
fn staff_sheet(bad_row: bool) -> String {
    let mut s = String::from(
        "Họ và tên;Chức vụ;Vai trò;Đoàn thể;Tiểu ban;Số điện thoại;Tên đăng nhập;Mật khẩu\n",
    );
    for i in 1..=20 {
        let (role, position) = if i == 1 {
            ("Phó khối", "Phó Chủ tịch Hội Nông dân")
        } else {
            ("Cán bộ", "Chuyên viên")
        };
        s.push_str(&format!(
            "Cán bộ số {i};{position};{role};HND;Tuyên truyền – vận động;0912 000 {i:03};can.bo.{i};mật-khẩu-tạm-{i:04}\n"
        ));
    }
    if bad_row {
        // Row 22: no name, an unknown sub-committee, an account without a password.
        s.push_str(";Chuyên viên;Cán bộ;HND;Tiểu ban Không Có;;khong.ten;\n");
    }
    s
}

#[tokio::test]
async fn staff_with_accounts_from_the_blocs_own_spreadsheet_all_or_nothing() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let h = &d.head;
    let staff_before = count(&app, "/api/v1/staff?limit=200", h).await;

    // A dry run names every problem of the bad row, by row and by the file's own column.
    let (s, r) = upload(
        &app,
        "/api/v1/imports/staff?dry_run=true",
        CSV,
        staff_sheet(true).into_bytes(),
        h,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["rows"].as_u64(), r["created"].as_u64()),
        (Some(21), Some(0))
    );
    let problems: Vec<(u64, &str)> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["row"].as_u64().unwrap(), p["column"].as_str().unwrap()))
        .collect();
    assert_eq!(problems, [(22, "Tiểu ban"), (22, "Mật khẩu")], "{r}");
    assert_eq!(
        count(&app, "/api/v1/staff?limit=200", h).await,
        staff_before
    );

    // Without the dry run the same file is refused whole.
    let (s, p) = upload(
        &app,
        "/api/v1/imports/staff",
        CSV,
        staff_sheet(true).into_bytes(),
        h,
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "rows[22].sub_committee");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Tiểu ban")
    );
    assert_eq!(
        count(&app, "/api/v1/staff?limit=200", h).await,
        staff_before
    );
    let (_, accounts) = app.get_json("/api/v1/accounts?q=can.bo", h).await;
    assert_eq!(accounts["items"], serde_json::json!([]));

    // The good rows: 20 people and 20 accounts, each its own audit entry and feed change.
    let (_, feed) = app.get_json("/api/v1/changes?limit=1000", h).await;
    let from = feed["next_after"].as_i64().unwrap();
    let (s, r) = upload(
        &app,
        "/api/v1/imports/staff",
        CSV,
        staff_sheet(false).into_bytes(),
        h,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["created"], 40);
    assert_eq!(
        count(&app, "/api/v1/staff?limit=200", h).await,
        staff_before + 20
    );
    let (_, feed) = app
        .get_json(&format!("/api/v1/changes?after={from}&limit=1000"), h)
        .await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "staff").count(), 20);
    assert_eq!(kinds.iter().filter(|k| **k == "account").count(), 20);
    let (_, one) = app.get_json("/api/v1/staff?q=can bo so 1", h).await;
    let first = &one["items"][0];
    assert_eq!(first["role"], "deputy_head");
    assert!(first["sub_committee_id"].is_string() && first["organisation_id"].is_string());
    // Each account is its person's, and its first password must be replaced.
    let t = app.login("can.bo.7", "mật-khẩu-tạm-0007").await;
    let res = app.get("/api/v1/tasks", Some(&t.access)).await;
    assert_problem(res, 403).await;
    let t = app.first_sign_in("can.bo.7", "mật-khẩu-tạm-0007").await;
    let (_, me) = app.get_json("/api/v1/me", &t.access).await;
    assert!(me["staff_id"].is_string());
    // Importing the same people again: their usernames are taken, nothing is written.
    let (s, p) = upload(
        &app,
        "/api/v1/imports/staff",
        CSV,
        staff_sheet(false).into_bytes(),
        h,
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"].as_array().unwrap().len(), 20);
    assert_eq!(
        count(&app, "/api/v1/staff?limit=200", h).await,
        staff_before + 20
    );
}

#[tokio::test]
async fn units_from_xlsx_and_figures_from_csv() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let h = &d.head;
    let before = count(&app, "/api/v1/units?limit=200", h).await;
    let sheet = xlsx(&[
        vec!["Tên đơn vị", "Loại", "Trực thuộc", "Dân số", "Số hộ"],
        vec!["Thôn Đồng Tâm", "Thôn", "Quảng Long", "1250", "310"],
        vec!["Thôn Tân Tiến", "Thôn", "Quảng Long", "980", "245"],
        vec!["Tổ 1", "Tổ dân phố", "Quảng Hà", "", ""],
    ]);
    let (s, r) = upload(&app, "/api/v1/imports/units", XLSX, sheet, h).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["created"], 3);
    assert_eq!(count(&app, "/api/v1/units?limit=200", h).await, before + 3);
    let (_, dong_tam) = app.get_json("/api/v1/units?q=dong tam", h).await;
    assert_eq!(dong_tam["items"][0]["households"], 310);
    assert_eq!(dong_tam["items"][0]["kind"], "village");

    // A bad kind, a parent nowhere: named by row.
    let sheet = xlsx(&[
        vec!["Tên", "Loại", "Trực thuộc"],
        vec!["Thôn 9", "Làng", ""],
        vec!["Thôn 10", "Thôn", "Xã Không Có"],
    ]);
    let (s, p) = upload(&app, "/api/v1/imports/units", XLSX, sheet, h).await;
    assert_eq!(s, 422, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["rows[2].kind", "rows[3].parent"]);

    // A campaign's monthly figures, one per commune, as the office's CSV.
    let (_, campaigns) = app.get_json("/api/v1/campaigns?limit=50", h).await;
    let c = &campaigns["items"][0];
    let cid = c["id"].as_str().unwrap();
    let (_, target) = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/targets"),
            &serde_json::json!({"indicator": "Số hộ được thăm hỏi", "measure": "count", "aggregation": "sum", "target_value": 5000, "due_on": "2017-12-31"}),
            Some(h),
        )
        .await
        .json::<Value>()
        .await
        .map(|v| (0, v))
        .unwrap();
    let tid = target["id"].as_str().unwrap();
    let mut csv = String::from("Đơn vị,Tính đến ngày,Số liệu,Nguồn\n");
    for commune in ["Quảng Long", "Quảng Phong", "Đường Hoa"] {
        csv.push_str(&format!("{commune},31/03/2016,120,Báo cáo tháng\n"));
    }
    let path = format!("/api/v1/imports/figures?campaign_id={cid}&target_id={tid}");
    let (s, r) = upload(&app, &path, CSV, csv.clone().into_bytes(), h).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["created"], 3);
    // The next month's, as Excel saves them: shared strings and a date-formatted cell.
    let book = excel(&[
        vec!["Đơn vị", "Tính đến ngày", "Số liệu", "Nguồn"],
        vec!["Quảng Long", "2016-04-30", "135", "Báo cáo tháng 4"],
    ]);
    let (s, r) = upload(&app, &path, XLSX, book, h).await;
    assert_eq!(s, 201, "{r}");
    // May's, from a spreadsheet saved with a Vietnamese locale: semicolons, a thousands dot.
    let vn = "Đơn vị;Tính đến ngày;Số liệu\nQuảng Phong;31/05/2016;1.240\n";
    let (s, r) = upload(&app, &path, CSV, vn.into(), h).await;
    assert_eq!(s, 201, "{r}");
    let (_, figures) = app
        .get_json(
            &format!("/api/v1/campaigns/{cid}/targets/{tid}/measurements"),
            h,
        )
        .await;
    assert_eq!(figures["items"].as_array().unwrap().len(), 5);
    assert_eq!(figures["items"][4]["value"], 1240.0);
    assert_eq!(figures["items"][0]["measured_on"], "2016-03-31");
    assert_eq!(figures["items"][3]["measured_on"], "2016-04-30");
    assert_eq!(figures["items"][3]["source"], "Báo cáo tháng 4");
    let (s, p) = upload(&app, "/api/v1/imports/figures", CSV, csv.into_bytes(), h).await;
    assert_eq!(s, 400, "{p}");
}

#[tokio::test]
async fn imports_refuse_bad_files_whole() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let h = &d.head;
    let units = "/api/v1/imports/units";
    // 10,001 rows: 422 with the limit.
    let mut big = String::from("name,kind\n");
    for i in 0..10_001 {
        big.push_str(&format!("T{i},village\n"));
    }
    let (s, p) = upload(&app, units, CSV, big.into_bytes(), h).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("10000"), "{p}");
    // More accounts than one import makes (each is a deliberate, slow hash): refused before any.
    let mut many = String::from("Họ và tên,Tên đăng nhập,Mật khẩu\n");
    for i in 0..2_001 {
        many.push_str(&format!("Người {i},nguoi.{i},mật-khẩu-tạm-{i:05}\n"));
    }
    let (s, p) = upload(&app, "/api/v1/imports/staff", CSV, many.into_bytes(), h).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("2000"), "{p}");
    // Over the body limit: 413 with the limit.
    let (s, p) = upload(&app, units, CSV, vec![b'a'; 2 * 1024 * 1024], h).await;
    assert_eq!(s, 413, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("1048576"), "{p}");
    // Not a spreadsheet, not a workbook, a column nobody knows, a missing one.
    let (s, _) = upload(&app, units, "application/json", b"{}".to_vec(), h).await;
    assert_eq!(s, 415);
    let (s, p) = upload(&app, units, XLSX, b"PK\x03\x04 not really".to_vec(), h).await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = upload(
        &app,
        units,
        CSV,
        "Tên,Loại,Mầu sắc\nThôn 1,Thôn,Đỏ\n".into(),
        h,
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "columns[3]");
    let (s, p) = upload(&app, units, CSV, "Tên\nThôn 1\n".into(), h).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("kind"));
    // A zip that inflates far beyond its size is refused before it is read.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..80 {
        zip.write_all(&zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let (s, p) = upload(&app, units, XLSX, bomb, h).await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("unpacks"), "{p}");
    // Who may: staff are the bloc head's; the portal imports nothing.
    let sheet = "Họ và tên\nNguyễn Văn B\n";
    let (s, _) = upload(&app, "/api/v1/imports/staff", CSV, sheet.into(), &d.deputy).await;
    assert_eq!(s, 403);
    let (s, p) = upload(&app, "/api/v1/imports/nothing", CSV, sheet.into(), h).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(p["errors"][0]["field"], "kind");
}
