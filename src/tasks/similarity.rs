//! Overlap detection: do two task texts say the same thing? Vietnamese text is folded (case,
//! diacritics), split into syllables, stripped of function words, and compared as weighted sets
//! of syllables and syllable pairs (pairs catch compounds: "nông thôn", "văn hóa"). Candidates
//! come from the search index (open tasks sharing a content word), so only a few are scored.
use super::{dto::SimilarTask, workflow::Status};
use crate::{entities::task, text};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;

/// The score from which a task is reported as a possible duplicate (tuned on the fixture in
/// `tests/fixtures/overlap.json`; precision and recall in `OVERLAP.md`).
pub const THRESHOLD: f64 = 0.55;
/// How many candidates sharing words are scored at most.
const CANDIDATES: usize = 60;
/// How many of the most recent tasks each word contributes as candidates.
const POSTINGS: usize = 200;

/// Function words carrying no topic.
const STOPWORDS: &[&str] = &[
    "va", "cua", "cac", "nhung", "cho", "voi", "trong", "ve", "theo", "de", "tai", "tren", "den",
    "tu", "la", "duoc", "co", "nay", "do", "mot", "so", "khi", "thi", "ma", "hoac", "nhu", "vao",
    "ra", "len", "bang", "qua", "sau", "truoc", "gi", "nao", "noi", "cung", "con", "dang", "da",
    "se", "bi", "can", "phai", "vi", "neu", "nen", "the", "nham", "doi", "ke",
];

/// Words common to almost every task: they count, but little.
const GENERIC: &[&str] = &[
    "to", "chuc", "thuc", "hien", "trien", "khai", "cong", "tac", "nhiem", "vu", "ke", "hoach",
    "bao", "cao", "tang", "cuong", "day", "manh", "nam", "thang", "quy", "huyen", "xa", "khoi",
    "ban", "hoat", "dong", "hoi", "nghi", "tinh",
];

fn syllables(s: &str) -> Vec<String> {
    text::fold(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn weight(word: &str) -> f64 {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        2.0
    } else if GENERIC.contains(&word) {
        0.3
    } else {
        1.0
    }
}

/// Weighted features of a text: content syllables, and adjacent pairs not both function words.
pub fn features(s: &str) -> HashMap<String, f64> {
    let words = syllables(s);
    let mut out = HashMap::new();
    for w in &words {
        if !STOPWORDS.contains(&w.as_str()) {
            out.insert(w.clone(), weight(w));
        }
    }
    for pair in words.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let stop = |w: &String| STOPWORDS.contains(&w.as_str());
        if stop(a) || stop(b) {
            continue;
        }
        out.insert(format!("{a} {b}"), (weight(a) + weight(b)) * 0.75);
    }
    out
}

/// Weighted Dice coefficient: 1 for the same features, 0 for none shared.
fn dice(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let total: f64 = a.values().sum::<f64>() + b.values().sum::<f64>();
    if total == 0.0 {
        return 0.0;
    }
    let shared: f64 = a
        .iter()
        .filter(|(k, _)| b.contains_key(*k))
        .map(|(_, w)| w)
        .sum::<f64>()
        + b.iter()
            .filter(|(k, _)| a.contains_key(*k))
            .map(|(_, w)| w)
            .sum::<f64>();
    shared / total
}

/// The numbers a title names: years, quarters (`quý I`), terms (`khóa XIV`), storm numbers.
fn numbers(s: &str) -> Vec<String> {
    let words = syllables(s);
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let roman = [
            "i", "ii", "iii", "iv", "v", "x", "xi", "xii", "xiii", "xiv", "xv",
        ]
        .contains(&w.as_str());
        let after_marker = i > 0 && ["quy", "khoa", "dot", "doan"].contains(&words[i - 1].as_str());
        if w.bytes().all(|b| b.is_ascii_digit()) || (roman && after_marker) {
            out.push(w.clone());
        }
    }
    out
}

/// How much two tasks say the same thing, 0 to 1: mostly their titles, partly the whole text.
/// Two titles naming different numbers (2016 and 2017, quý I and quý II) are the same kind of
/// work for another period, not the same work: their score is halved.
pub fn score(title_a: &str, desc_a: Option<&str>, title_b: &str, desc_b: Option<&str>) -> f64 {
    let titles = dice(&features(title_a), &features(title_b));
    let base = match (
        desc_a.filter(|d| !d.trim().is_empty()),
        desc_b.filter(|d| !d.trim().is_empty()),
    ) {
        (Some(da), Some(db)) => {
            let whole = dice(
                &features(&format!("{title_a} {da}")),
                &features(&format!("{title_b} {db}")),
            );
            0.7 * titles + 0.3 * whole
        }
        _ => titles,
    };
    let (na, nb) = (numbers(title_a), numbers(title_b));
    if !na.is_empty() && !nb.is_empty() && !na.iter().any(|n| nb.contains(n)) {
        base * 0.5
    } else {
        base
    }
}

/// Tasks sharing the most words with `words`. Each word contributes its most recent
/// [`POSTINGS`] tasks (an index-only scan each), so the cost is bounded however large the bloc
/// grows; rare words, which decide the score, come back in full.
async fn candidates(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    words: &[String],
) -> Result<Vec<Uuid>, DbErr> {
    let backend = conn.get_database_backend();
    let mut sql = String::new();
    let mut values: Vec<sea_orm::Value> = Vec::new();
    for (i, w) in words.iter().take(12).enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        let (p1, p2) = match backend {
            DbBackend::Postgres => (
                format!("${}", values.len() + 1),
                format!("${}", values.len() + 2),
            ),
            _ => ("?".to_string(), "?".to_string()),
        };
        sql.push_str(&format!(
            "SELECT resource_id FROM (SELECT resource_id FROM search_tokens \
             WHERE resource_type = 'task' AND bloc_id = {p1} AND token = {p2} \
             ORDER BY resource_id DESC LIMIT {POSTINGS}) t{i}"
        ));
        values.push(bloc_id.into());
        values.push(w.clone().into());
    }
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get("", "resource_id")?;
        *counts.entry(id).or_default() += 1;
    }
    let mut ranked: Vec<(Uuid, usize)> = counts.into_iter().collect();
    // Most shared words first; among equals the newest (ids are time-ordered).
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    Ok(ranked
        .into_iter()
        .take(CANDIDATES)
        .map(|(id, _)| id)
        .collect())
}

/// Open tasks of the same bloc whose text overlaps `t`'s, best first.
pub async fn similar_open_tasks(
    conn: &impl ConnectionTrait,
    t: &task::Model,
    threshold: f64,
    max: usize,
) -> Result<Vec<SimilarTask>, DbErr> {
    let words: Vec<String> = text::tokens(&t.title)
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()) && !GENERIC.contains(&w.as_str()))
        .collect();
    if words.is_empty() {
        return Ok(vec![]);
    }
    let ids = candidates(conn, t.bloc_id, &words).await?;
    let ids: Vec<Uuid> = ids.into_iter().filter(|id| *id != t.id).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    let candidates = task::Entity::find()
        .filter(task::Column::Id.is_in(ids))
        .filter(task::Column::BlocId.eq(t.bloc_id))
        .filter(task::Column::Status.is_in(open))
        .all(conn)
        .await?;
    let mut out: Vec<SimilarTask> = candidates
        .into_iter()
        .map(|c| {
            let s = score(
                &t.title,
                t.description.as_deref(),
                &c.title,
                c.description.as_deref(),
            );
            SimilarTask {
                id: c.id,
                title: c.title,
                lead_organisation_id: c.lead_organisation_id,
                status: Status::parse(&c.status).unwrap_or(Status::Draft),
                score: (s * 100.0).round() / 100.0,
            }
        })
        .filter(|s| s.score >= threshold)
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    out.truncate(max);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paraphrases_score_high_and_different_topics_low() {
        let a = "Tổ chức hội nghị triển khai Quyết định 292-QĐ/HU đến cán bộ các tiểu ban";
        let b = "Triển khai Quyết định số 292-QĐ/HU tới cán bộ các tiểu ban";
        let c = "Vận động hội viên nông dân tham gia xây dựng nông thôn mới";
        assert!(
            score(a, None, b, None) >= THRESHOLD,
            "{}",
            score(a, None, b, None)
        );
        assert!(score(a, None, c, None) < 0.2, "{}", score(a, None, c, None));
        assert_eq!(score(a, None, a, None), 1.0);
    }

    #[test]
    fn diacritics_and_case_do_not_matter() {
        let a = "Xây dựng nông thôn mới";
        let b = "XAY DUNG NONG THON MOI";
        assert_eq!(score(a, None, b, None), 1.0);
    }

    #[test]
    fn function_words_are_ignored() {
        let f = features("Vận động của các hội viên và nhân dân");
        assert!(!f.contains_key("cua") && !f.contains_key("va") && !f.contains_key("cac"));
        assert!(f.contains_key("van dong"));
    }
}
#[cfg(test)]
mod number_tests {
    use super::*;
    #[test]
    fn different_years_are_not_the_same_work() {
        let a = "Bình xét gia đình văn hóa năm 2016";
        let b = "Bình xét gia đình văn hóa năm 2017";
        assert_eq!(numbers(a), ["2016"]);
        assert!(
            score(a, None, b, None) < THRESHOLD,
            "{}",
            score(a, None, b, None)
        );
    }
}
