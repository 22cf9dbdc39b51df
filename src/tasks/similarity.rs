//! Overlap detection: do two task texts say the same thing? Vietnamese text is folded (case,
//! diacritics), split into syllables, stripped of function words, and compared as weighted sets
//! of syllables and syllable pairs (pairs catch compounds: "nông thôn", "văn hóa"). Candidates
//! come from the search index (open tasks sharing a content word), so only a few are scored.
use super::{dto::SimilarTask, workflow::Status};
use crate::{entities::task, text};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use std::{collections::HashSet, sync::OnceLock};
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
    } else if is_generic(word) {
        0.3
    } else {
        1.0
    }
}

/// A feature's key: FNV-1a of its text (a word, or two words with a space between), so that a
/// pair is keyed without writing it out, and two texts' features meet by comparing numbers.
fn key(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let space = (i > 0).then_some(b' ');
        for b in space.into_iter().chain(part.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Weighted features, sorted by key, each once.
type Features = Vec<(u64, f64)>;

/// Weighted features of a text's words: content syllables, and adjacent pairs not both
/// function words.
fn features_of(words: &[String]) -> Features {
    // Each word is looked up once: a candidate's text is scored against the new task's.
    let looked: Vec<(bool, f64)> = words.iter().map(|w| (is_stop(w), weight(w))).collect();
    let mut out = Vec::with_capacity(words.len() * 2);
    for (w, (stop, weight)) in words.iter().zip(&looked) {
        if !stop {
            out.push((key(&[w]), *weight));
        }
    }
    for (i, pair) in looked.windows(2).enumerate() {
        let ((stop_a, a), (stop_b, b)) = (pair[0], pair[1]);
        if stop_a || stop_b {
            continue;
        }
        out.push((key(&[&words[i], &words[i + 1]]), (a + b) * 0.75));
    }
    // A word or pair said twice counts once, with the same weight.
    out.sort_unstable_by_key(|(k, _)| *k);
    out.dedup_by_key(|(k, _)| *k);
    out
}

fn set(words: &'static [&'static str]) -> HashSet<&'static str> {
    words.iter().copied().collect()
}

fn is_stop(word: &str) -> bool {
    static SET: OnceLock<HashSet<&str>> = OnceLock::new();
    SET.get_or_init(|| set(STOPWORDS)).contains(word)
}

fn is_generic(word: &str) -> bool {
    static SET: OnceLock<HashSet<&str>> = OnceLock::new();
    SET.get_or_init(|| set(GENERIC)).contains(word)
}

/// Weighted Dice coefficient: 1 for the same features, 0 for none shared. One pass over both
/// sorted lists.
fn dice(a: &Features, b: &Features) -> f64 {
    let total: f64 = a.iter().map(|(_, w)| w).sum::<f64>() + b.iter().map(|(_, w)| w).sum::<f64>();
    if total == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += a[i].1 + b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    shared / total
}

/// The numbers a title names: years, quarters (`quý I`), terms (`khóa XIV`), storm numbers.
fn numbers(words: &[String]) -> Vec<String> {
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

/// A task's text made ready to be scored against many others: folded and split once.
pub struct Prepared {
    title: Features,
    /// The title and the description together, when there is a description.
    whole: Option<Features>,
    numbers: Vec<String>,
}

impl Prepared {
    pub fn of(title: &str, description: Option<&str>) -> Self {
        let words = syllables(title);
        // The words of "title description" are the title's then the description's: folding
        // works a character at a time and the space splits them.
        let whole = description.filter(|d| !d.trim().is_empty()).map(|d| {
            let mut all = words.clone();
            all.extend(syllables(d));
            features_of(&all)
        });
        Prepared {
            title: features_of(&words),
            whole,
            numbers: numbers(&words),
        }
    }

    /// How much two tasks say the same thing, 0 to 1: mostly their titles, partly the whole
    /// text. Two titles naming different numbers (2016 and 2017, quý I and quý II) are the same
    /// kind of work for another period, not the same work: their score is halved.
    pub fn score(&self, other: &Prepared) -> f64 {
        let titles = dice(&self.title, &other.title);
        let base = match (&self.whole, &other.whole) {
            (Some(a), Some(b)) => 0.7 * titles + 0.3 * dice(a, b),
            _ => titles,
        };
        let (na, nb) = (&self.numbers, &other.numbers);
        if !na.is_empty() && !nb.is_empty() && !na.iter().any(|n| nb.contains(n)) {
            base * 0.5
        } else {
            base
        }
    }
}

/// [`Prepared::score`] of two texts.
pub fn score(title_a: &str, desc_a: Option<&str>, title_b: &str, desc_b: Option<&str>) -> f64 {
    Prepared::of(title_a, desc_a).score(&Prepared::of(title_b, desc_b))
}

/// The open tasks of `t`'s bloc sharing the most title words with it, but `t` itself, with
/// what is scored and reported: one statement. Each word contributes its most recent
/// [`POSTINGS`] tasks (an index-only scan each), so the cost is bounded however large the bloc
/// grows; rare words, which decide the score, come back in full. The database counts the shared
/// words and keeps the [`CANDIDATES`] best (most shared words, then the newest: ids are
/// time-ordered) instead of sending every posting here.
async fn candidates(
    conn: &impl ConnectionTrait,
    t: &task::Model,
    words: &[String],
) -> Result<Vec<(Uuid, String, Option<String>, Option<Uuid>, String)>, DbErr> {
    let backend = conn.get_database_backend();
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut param = |v: sea_orm::Value| {
        values.push(v);
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => "?".to_string(),
        }
    };
    let mut postings = Vec::new();
    for (i, w) in words.iter().take(12).enumerate() {
        let (bloc, word) = (param(t.bloc_id.into()), param(w.clone().into()));
        postings.push(format!(
            "SELECT resource_id FROM (SELECT resource_id FROM search_tokens \
             WHERE resource_type = 'task' AND bloc_id = {bloc} AND token = {word} \
             ORDER BY resource_id DESC LIMIT {POSTINGS}) t{i}"
        ));
    }
    let (bloc, this) = (param(t.bloc_id.into()), param(t.id.into()));
    let open = Status::OPEN
        .iter()
        .map(|s| param(s.as_str().into()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT id, title, description, lead_organisation_id, status FROM tasks \
         WHERE id IN (SELECT resource_id FROM ({}) p GROUP BY resource_id \
           ORDER BY COUNT(*) DESC, resource_id DESC LIMIT {CANDIDATES}) \
         AND bloc_id = {bloc} AND id <> {this} AND status IN ({open})",
        postings.join(" UNION ALL ")
    );
    conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                row.try_get("", "id")?,
                row.try_get("", "title")?,
                row.try_get("", "description")?,
                row.try_get("", "lead_organisation_id")?,
                row.try_get("", "status")?,
            ))
        })
        .collect()
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
        .filter(|w| !is_stop(w) && !is_generic(w))
        .collect();
    if words.is_empty() {
        return Ok(vec![]);
    }
    let candidates = candidates(conn, t, &words).await?;
    // The new task's text is prepared once, not once per candidate.
    let this = Prepared::of(&t.title, t.description.as_deref());
    let mut out: Vec<SimilarTask> = candidates
        .into_iter()
        .map(|(id, title, description, lead_organisation_id, status)| {
            let s = this.score(&Prepared::of(&title, description.as_deref()));
            SimilarTask {
                id,
                title,
                lead_organisation_id,
                status: Status::parse(&status).unwrap_or(Status::Draft),
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

    fn features(s: &str) -> Features {
        features_of(&syllables(s))
    }

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
        let has = |parts: &[&str]| f.iter().any(|(k, _)| *k == key(parts));
        assert!(!has(&["cua"]) && !has(&["va"]) && !has(&["cac"]));
        assert!(has(&["van", "dong"]) && has(&["van"]) && has(&["nhan", "dan"]));
        assert!(!has(&["vien", "va"]), "a pair with a function word");
    }

    #[test]
    fn a_pair_is_keyed_as_its_words_written_with_a_space() {
        assert_eq!(key(&["nong", "thon"]), key(&["nong thon"]));
        assert_ne!(key(&["nong", "thon"]), key(&["nongthon"]));
        assert_ne!(key(&["nong"]), key(&["thon"]));
    }

    #[test]
    fn dice_counts_shared_weights_over_all_weights() {
        let a = features("xây dựng nông thôn");
        assert_eq!(dice(&a, &a), 1.0);
        // b's three features ("xay", "dung", "xay dung") are three of a's seven (4 words, 3 pairs).
        let b = features("xây dựng");
        let shared = 1.0 + 1.0 + 1.5;
        let total = (1.0 * 4.0 + 1.5 * 3.0) + (1.0 * 2.0 + 1.5);
        assert!(
            (dice(&a, &b) - 2.0 * shared / total).abs() < 1e-12,
            "{}",
            dice(&a, &b)
        );
        assert_eq!(dice(&a, &features("")), 0.0);
    }
}
#[cfg(test)]
mod number_tests {
    use super::*;
    #[test]
    fn different_years_are_not_the_same_work() {
        let a = "Bình xét gia đình văn hóa năm 2016";
        let b = "Bình xét gia đình văn hóa năm 2017";
        assert_eq!(numbers(&syllables(a)), ["2016"]);
        assert!(
            score(a, None, b, None) < THRESHOLD,
            "{}",
            score(a, None, b, None)
        );
    }
}
