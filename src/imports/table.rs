//! A spreadsheet as rows of text: CSV (UTF-8, comma or semicolon) or the first sheet of an XLSX
//! workbook. Rows are numbered as the spreadsheet shows them (the header is row 1).
use crate::error::{ApiError, FieldError};
use chrono::NaiveDate;
use std::io::{Cursor, Read};

/// Most data rows in one import.
pub const MAX_ROWS: usize = 10_000;
/// Most bytes an XLSX workbook may unpack to (its parts together): a small file that inflates
/// without bound is refused before it is read.
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub struct Table {
    pub headers: Vec<String>,
    /// (row number in the spreadsheet, cells)
    pub rows: Vec<(usize, Vec<String>)>,
    /// Numbers are written the Vietnamese way (`1.240,5`): a CSV separated by semicolons, as a
    /// spreadsheet saved with a Vietnamese locale is.
    pub decimal_comma: bool,
}

pub fn parse(content_type: &str, body: &[u8]) -> Result<Table, ApiError> {
    let mut table = match content_type {
        CSV => csv(body)?,
        XLSX => xlsx(body)?,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Content-Type `{other}` is not supported; send {CSV} or {XLSX}"
            )));
        }
    };
    // Blank lines at the end of a sheet are not rows.
    table
        .rows
        .retain(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    if table.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ApiError::invalid(
            "body",
            "the first row must name the columns",
        ));
    }
    if table.rows.is_empty() {
        return Err(ApiError::invalid("body", "has no rows under its header"));
    }
    if table.rows.len() > MAX_ROWS {
        return Err(ApiError::invalid(
            "body",
            format!(
                "has {} rows; one import takes at most {MAX_ROWS}",
                table.rows.len()
            ),
        ));
    }
    Ok(table)
}

fn csv(body: &[u8]) -> Result<Table, ApiError> {
    let text = std::str::from_utf8(body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body))
        .map_err(|_| ApiError::invalid("body", "a CSV file must be UTF-8"))?;
    // Spreadsheets saved with a Vietnamese locale separate with semicolons.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            ApiError::invalid("body", format!("row {}: not valid CSV ({e})", i + 1))
        })?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((i + 1, cells));
            if rows.len() > MAX_ROWS {
                break;
            }
        }
    }
    Ok(Table {
        headers: headers.unwrap_or_default(),
        rows,
        decimal_comma: delimiter == b';',
    })
}

fn xlsx(body: &[u8]) -> Result<Table, ApiError> {
    use calamine::{Data, Reader};
    let bad = |e: &dyn std::fmt::Display| {
        ApiError::invalid("body", format!("not a readable XLSX workbook ({e})"))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(body)).map_err(|e| bad(&e))?;
    let mut unpacked = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| bad(&e))?;
        // Counted as read, not as declared: a part may lie about its size.
        let n = std::io::copy(
            &mut (&mut part).take(MAX_UNPACKED + 1 - unpacked),
            &mut std::io::sink(),
        )
        .map_err(|e| bad(&e))?;
        unpacked += n;
        if unpacked > MAX_UNPACKED {
            return Err(ApiError::invalid(
                "body",
                format!("the workbook unpacks to more than {MAX_UNPACKED} bytes"),
            ));
        }
    }
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(body)).map_err(|e| bad(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ApiError::invalid("body", "the workbook has no sheet"))?
        .map_err(|e| bad(&e))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut headers = None;
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    s.trim().to_string()
                }
                // `310.0` prints as `310`: a count stays a count.
                Data::Float(f) => f.to_string(),
                Data::Int(n) => n.to_string(),
                Data::Bool(b) => b.to_string(),
                // Excel counts days from 1899-12-30.
                Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
                    .and_then(|base| {
                        base.checked_add_days(chrono::Days::new(d.as_f64().floor().max(0.0) as u64))
                    })
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                Data::Error(e) => format!("#{e:?}"),
            })
            .collect();
        let number = first_row as usize + i + 1;
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push((number, cells));
            if rows.len() > MAX_ROWS {
                break;
            }
        }
    }
    Ok(Table {
        headers: headers.unwrap_or_default(),
        rows,
        decimal_comma: false,
    })
}

/// A header or a value as compared: without diacritics, case or punctuation.
pub fn key(s: &str) -> String {
    crate::text::fold(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where each known column is, by its name or one of the names the bloc's own spreadsheets
/// use; an unknown column is refused (a misspelt one would otherwise be dropped silently).
pub fn columns(
    headers: &[String],
    known: &[(&'static str, &[&str])],
    required: &[&'static str],
) -> Result<Vec<(&'static str, usize)>, ApiError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let k = key(h);
        match known
            .iter()
            .find(|(name, aliases)| key(name) == k || aliases.iter().any(|a| key(a) == k))
        {
            Some((name, _)) if out.iter().any(|(n, _)| n == name) => errors.push(FieldError::new(
                format!("columns[{}]", i + 1),
                format!("`{h}` repeats the column `{name}`"),
            )),
            Some((name, _)) => out.push((*name, i)),
            None => errors.push(FieldError::new(
                format!("columns[{}]", i + 1),
                format!(
                    "`{h}` is not a column of this import; known: {}",
                    known.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    for r in required {
        if !out.iter().any(|(n, _)| n == r) {
            errors.push(FieldError::new("columns", format!("`{r}` is required")));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A day written `2016-01-25` or `25/01/2016`.
pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// A count written with or without thousands separators (`2.432`, `2,432`, `2432`).
pub fn count(s: &str) -> Option<i64> {
    s.chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect::<String>()
        .parse()
        .ok()
}

/// A figure. With a decimal comma (a Vietnamese file): `1.240,5`, `1240,5`; otherwise `1,240.5`,
/// `1240.5`. A workbook's numbers are numbers already and take the second form.
pub fn number(s: &str, decimal_comma: bool) -> Option<f64> {
    let t: String = s
        .chars()
        // `char::is_whitespace` includes the no-break space spreadsheets put in numbers.
        .filter(|c| !c.is_whitespace())
        .collect();
    let (thousands, decimal) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    t.replace(thousands, "")
        .replace(decimal, ".")
        .parse()
        .ok()
        .filter(|f: &f64| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_csv_with_either_separator_and_a_bom() {
        let t = parse(
            CSV,
            "\u{feff}Họ và tên;Chức vụ\nNguyễn Văn A;Cán bộ\n\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(t.headers, ["Họ và tên", "Chức vụ"]);
        assert_eq!(
            t.rows,
            [(2, vec!["Nguyễn Văn A".to_string(), "Cán bộ".to_string()])]
        );
        let t = parse(CSV, b"name,kind\n\"Th\xc3\xb4n 1, x\xc3\xa3 A\",village\n").unwrap();
        assert_eq!(t.rows[0].1[0], "Thôn 1, xã A");
        assert!(parse(CSV, b"\xff\xfe").is_err());
        assert!(parse(CSV, b"name\n").is_err());
        assert!(parse("text/plain", b"name\nx\n").is_err());
    }

    /// A workbook of these parts (name, contents), deflated.
    fn zipped(parts: &[(&str, String)]) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// The parts of a one-sheet workbook whose sheet holds `rows` (`<row>` elements), with a
    /// date style (`s="1"`).
    fn book(rows: &str) -> Vec<(&'static str, String)> {
        let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let pkg = "http://schemas.openxmlformats.org/package/2006";
        vec![
            (
                "[Content_Types].xml",
                format!(
                    r#"<?xml version="1.0"?><Types xmlns="{pkg}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#
                ),
            ),
            (
                "_rels/.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml",
                format!(
                    r#"<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    r#"<?xml version="1.0"?><Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/styles.xml",
                format!(
                    r#"<?xml version="1.0"?><styleSheet xmlns="{ns}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
                ),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>"#
                ),
            ),
        ]
    }

    fn text(cell: &str, s: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{s}</t></is></c>"#)
    }

    #[test]
    fn reads_the_first_sheet_as_the_spreadsheet_numbers_its_rows() {
        // The header on row 2 (row 1 empty), a gap on row 4, a count, a day and a fraction.
        let rows = format!(
            r#"<row r="2">{}{}{}{}</row><row r="3">{}<c r="B3"><v>310</v></c><c r="C3" s="1"><v>42490</v></c><c r="D3"><v>82.5</v></c></row><row r="5">{}</row>"#,
            text("A2", "Tên"),
            text("B2", "Số hộ"),
            text("C2", "Ngày"),
            text("D2", "Tỷ lệ"),
            text("A3", "Thôn Đồng Tâm"),
            text("A5", "Thôn Tân Tiến"),
        );
        let t = parse(XLSX, &zipped(&book(&rows))).unwrap();
        assert_eq!(t.headers, ["Tên", "Số hộ", "Ngày", "Tỷ lệ"]);
        assert_eq!(t.rows.len(), 2, "the blank row 4 is not a row");
        assert_eq!(t.rows[0].0, 3);
        assert_eq!(t.rows[0].1, ["Thôn Đồng Tâm", "310", "2016-04-30", "82.5"]);
        assert_eq!(t.rows[1].0, 5);
        assert!(!t.decimal_comma);
    }

    #[test]
    fn a_workbook_is_refused_only_past_what_it_may_unpack_to() {
        let rows = format!(
            r#"<row r="1">{}</row><row r="2">{}</row>"#,
            text("A1", "Tên"),
            text("A2", "Thôn 1")
        );
        let mut parts = book(&rows);
        let used: usize = parts.iter().map(|(_, b)| b.len()).sum();
        parts.push((
            "xl/media/filler.bin",
            " ".repeat(MAX_UNPACKED as usize - used),
        ));
        assert!(parse(XLSX, &zipped(&parts)).is_ok(), "exactly at the limit");
        parts.last_mut().unwrap().1.push(' ');
        let e = parse(XLSX, &zipped(&parts)).err().unwrap();
        assert!(
            e.problem().detail.contains("67108864"),
            "{}",
            e.problem().detail
        );
        assert!(parse(XLSX, b"PK not a zip").is_err());
    }

    #[test]
    fn takes_exactly_the_row_limit_and_commas_on_a_tie() {
        let mut s = String::from("name\n");
        for i in 0..MAX_ROWS {
            s.push_str(&format!("Thôn {i}\n"));
        }
        assert_eq!(parse(CSV, s.as_bytes()).unwrap().rows.len(), MAX_ROWS);
        // No separator in the header: commas, the standard.
        let t = parse(CSV, "Tên\nThôn 1, xã A\n".as_bytes()).unwrap();
        assert_eq!(t.rows[0].1, ["Thôn 1", "xã A"]);
        assert!(!t.decimal_comma);
    }

    #[test]
    fn a_workbook_over_the_row_limit_is_refused() {
        let mut rows = format!(r#"<row r="1">{}</row>"#, text("A1", "Tên"));
        for r in 2..=MAX_ROWS + 2 {
            rows.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#));
        }
        let e = parse(XLSX, &zipped(&book(&rows))).err().unwrap();
        assert!(
            e.problem().detail.contains("10000"),
            "{}",
            e.problem().detail
        );
    }

    #[test]
    fn a_repeated_column_is_refused() {
        let known: &[(&str, &[&str])] = &[("full_name", &["Họ và tên", "Họ tên"])];
        let h = ["Họ tên".to_string(), "Họ và tên".to_string()];
        let e = columns(&h, known, &[]).err().unwrap();
        assert!(
            e.problem().errors[0].message.contains("repeats"),
            "{:?}",
            e.problem()
        );
    }

    #[test]
    fn refuses_more_than_the_row_limit() {
        let mut s = String::from("name\n");
        for i in 0..=MAX_ROWS {
            s.push_str(&format!("Thôn {i}\n"));
        }
        let e = parse(CSV, s.as_bytes()).err().unwrap();
        assert!(
            e.problem().detail.contains("10000"),
            "{}",
            e.problem().detail
        );
    }

    #[test]
    fn matches_vietnamese_headers_and_refuses_unknown_ones() {
        let known: &[(&str, &[&str])] = &[
            ("full_name", &["Họ và tên", "Họ tên"]),
            ("phone", &["Điện thoại"]),
        ];
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            columns(&h(&["HỌ VÀ TÊN", "điện  thoại"]), known, &["full_name"]).unwrap(),
            [("full_name", 0), ("phone", 1)]
        );
        let e = columns(&h(&["Ho ten", "Email"]), known, &["full_name"])
            .err()
            .unwrap();
        assert_eq!(e.problem().errors[0].field, "columns[2]");
        assert!(columns(&h(&["Điện thoại"]), known, &["full_name"]).is_err());
    }

    #[test]
    fn reads_vietnamese_dates_and_numbers() {
        assert_eq!(date("25/01/2016"), NaiveDate::from_ymd_opt(2016, 1, 25));
        assert_eq!(date("2016-01-25"), NaiveDate::from_ymd_opt(2016, 1, 25));
        assert_eq!(date("2016-13-01"), None);
        assert_eq!(count("2.432"), Some(2432));
        assert_eq!(count("12 830"), Some(12830));
        assert_eq!(number("1.240,5", true), Some(1240.5));
        assert_eq!(number("1240,5", true), Some(1240.5));
        assert_eq!(number("20.705", true), Some(20705.0));
        assert_eq!(number("1,240.5", false), Some(1240.5));
        assert_eq!(number("82.5", false), Some(82.5));
        assert_eq!(number("NaN", false), None);
        assert_eq!(number("1.2.3", false), None);
        let t = parse(CSV, "a;b\n1.240,5;x\n".as_bytes()).unwrap();
        assert!(t.decimal_comma);
        assert!(!parse(CSV, b"a,b\n1,x\n").unwrap().decimal_comma);
    }
}
