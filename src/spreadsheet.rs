//! Reports as Excel workbooks (`Accept:
//! application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`), as every level sends its
//! monthly and quarterly reports up: on each sheet a title row naming the bloc and the period,
//! Vietnamese column headers, numbers as numbers (thousands grouped, percents as percents, dates
//! as dates) and the header row frozen. Each report builds its sheets next to its own DTOs;
//! this module only writes them.
use crate::error::{ApiError, ApiResult};
use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{ContentDisposition, DispositionParam, DispositionType},
};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Whether `Accept` weighs XLSX above zero and at least as high as JSON.
pub fn wanted(req: &HttpRequest) -> bool {
    let ranges = crate::export::accept_ranges(req);
    let (xlsx, range) = crate::export::weight(&ranges, XLSX);
    let (json, _) = crate::export::weight(&ranges, "application/json");
    range.is_some_and(|r| r.media == XLSX) && xlsx > 0.0 && xlsx >= json
}

/// One cell.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Count(i64),
    Number(f64),
    /// A percent as the API gives it (0–100), shown as a percent.
    Percent(f64),
    Date(NaiveDate),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Count(n)
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

pub fn number(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

pub fn percent(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Percent)
}

/// One sheet: its tab name, the title rows above the table, the headers and the rows.
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub subtitle: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// `dd/mm/yyyy`, as dates are written in Vietnamese documents.
pub fn day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The workbook's bytes.
pub fn workbook(sheets: &[Sheet]) -> ApiResult<Vec<u8>> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let subtitle = Format::new().set_italic();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_border(FormatBorder::Thin);
    let count = Format::new()
        .set_num_format("#,##0")
        .set_border(FormatBorder::Thin);
    let number = Format::new()
        .set_num_format("#,##0.##")
        .set_border(FormatBorder::Thin);
    let percent = Format::new()
        .set_num_format("0.0%")
        .set_border(FormatBorder::Thin);
    let date = Format::new()
        .set_num_format("dd/mm/yyyy")
        .set_border(FormatBorder::Thin);
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal(format!("xlsx: {e}"));
    const TABLE: u32 = 3;
    for s in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&s.name)).map_err(fail)?;
        let last = s.headers.len().saturating_sub(1) as u16;
        if last > 0 {
            ws.merge_range(0, 0, 0, last, &s.title, &title)
                .map_err(fail)?;
            ws.merge_range(1, 0, 1, last, &s.subtitle, &subtitle)
                .map_err(fail)?;
        } else {
            ws.write_string_with_format(0, 0, &s.title, &title)
                .map_err(fail)?;
            ws.write_string_with_format(1, 0, &s.subtitle, &subtitle)
                .map_err(fail)?;
        }
        ws.set_row_height(TABLE, 32).map_err(fail)?;
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_string_with_format(TABLE, c as u16, *h, &header)
                .map_err(fail)?;
            let width = if c == 0 { 40.0 } else { 14.0 };
            ws.set_column_width(c as u16, width).map_err(fail)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = TABLE + 1 + r as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => ws.write_string_with_format(r, c, t, &text),
                    Cell::Count(n) => ws.write_number_with_format(r, c, *n as f64, &count),
                    Cell::Number(n) => ws.write_number_with_format(r, c, *n, &number),
                    Cell::Percent(p) => ws.write_number_with_format(r, c, p / 100.0, &percent),
                    Cell::Date(d) => {
                        let when = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(fail)?;
                        ws.write_datetime_with_format(r, c, &when, &date)
                    }
                    Cell::Empty => ws.write_blank(r, c, &text),
                }
                .map_err(fail)?;
            }
        }
        // The title and the headers stay in view while the rows scroll.
        ws.set_freeze_panes(TABLE + 1, 0).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// Excel's rules for a tab name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// The workbook as a download named `<name>.xlsx`.
pub fn response(name: &str, sheets: &[Sheet]) -> ApiResult<HttpResponse> {
    let bytes = workbook(sheets)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("{name}.xlsx"))],
        })
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_is_a_zip_with_its_sheets() {
        let bytes = workbook(&[Sheet {
            name: "Theo tiểu ban".into(),
            title: "Kết quả tháng 06/2016".into(),
            subtitle: "Khối cơ quan Mặt trận và các đoàn thể xã Hải Hà".into(),
            headers: vec!["Tiểu ban", "Hoàn thành đúng hạn", "Tỷ lệ", "Ngày"],
            rows: vec![vec![
                "Tiểu ban Kiểm tra – giám sát".into(),
                Cell::Count(4),
                Cell::Percent(57.5),
                Cell::Date(NaiveDate::from_ymd_opt(2016, 6, 30).unwrap()),
            ]],
        }])
        .unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert_eq!(sheet_name("a/b:c[d]"), "abcd");
    }

    #[test]
    fn xlsx_is_chosen_by_accept() {
        let of = |a: &str| {
            wanted(
                &actix_web::test::TestRequest::get()
                    .insert_header(("accept", a))
                    .to_http_request(),
            )
        };
        assert!(of(XLSX));
        assert!(of(&format!("application/json;q=0.5, {XLSX}")));
        assert!(!of(&format!("application/json, {XLSX};q=0.5")));
        assert!(!of("*/*"));
    }
}
