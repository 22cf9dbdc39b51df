//! Overlap detection measured on the labelled fixture `tests/fixtures/overlap.json`: pairwise
//! precision and recall of the scorer itself, and of what the API reports when the tasks are
//! created one by one (on the database the suite runs on).
use crate::helpers::spawn_app;
use khoi::tasks::similarity::{THRESHOLD, score};
use serde_json::{Value, json};
use std::collections::HashSet;

fn fixture() -> Vec<Vec<String>> {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/overlap.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&raw).unwrap();
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// (title, group) for every title.
fn titles() -> Vec<(String, usize)> {
    fixture()
        .into_iter()
        .enumerate()
        .flat_map(|(g, ts)| ts.into_iter().map(move |t| (t, g)))
        .collect()
}

fn truth(all: &[(String, usize)]) -> HashSet<(usize, usize)> {
    let mut out = HashSet::new();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            if all[i].1 == all[j].1 {
                out.insert((i, j));
            }
        }
    }
    out
}

fn precision_recall(
    predicted: &HashSet<(usize, usize)>,
    truth: &HashSet<(usize, usize)>,
) -> (f64, f64) {
    let tp = predicted.intersection(truth).count() as f64;
    let p = if predicted.is_empty() {
        1.0
    } else {
        tp / predicted.len() as f64
    };
    let r = if truth.is_empty() {
        1.0
    } else {
        tp / truth.len() as f64
    };
    (p, r)
}

#[test]
fn the_scorer_reaches_the_precision_and_recall_goal_on_the_fixture() {
    let all = titles();
    assert!(all.len() >= 200, "the fixture has {} titles", all.len());
    let truth = truth(&all);
    let mut scores = Vec::new();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            scores.push(((i, j), score(&all[i].0, None, &all[j].0, None)));
        }
    }
    let mut report = String::new();
    for t in [0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65] {
        let predicted: HashSet<(usize, usize)> = scores
            .iter()
            .filter(|(_, s)| *s >= t)
            .map(|(p, _)| *p)
            .collect();
        let (p, r) = precision_recall(&predicted, &truth);
        report.push_str(&format!(
            "threshold {t:.2}: precision {p:.3} recall {r:.3} ({} predicted, {} true)\n",
            predicted.len(),
            truth.len()
        ));
        if (t - THRESHOLD).abs() < 1e-9 {
            println!("{report}");
            assert!(
                p >= 0.8 && r >= 0.8,
                "at the threshold in use: precision {p:.3}, recall {r:.3}\n{report}"
            );
        }
    }
    println!("{report}");
}

#[tokio::test]
async fn creating_the_fixture_through_the_api_flags_its_duplicates() {
    let app = spawn_app().await;
    let d = app.seed_demo().await;
    let all = titles();
    let truth = truth(&all);
    // A fixed shuffle, so duplicates are not created next to each other.
    let mut order: Vec<usize> = (0..all.len()).collect();
    let mut seed: u64 = 2016;
    for i in (1..order.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        order.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let mut id_to_index = std::collections::HashMap::new();
    let mut predicted = HashSet::new();
    for &i in &order {
        let res = app
            .post_json("/api/v1/tasks", &json!({"title": all[i].0}), Some(&d.head))
            .await;
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        for dup in body["possible_duplicates"].as_array().unwrap() {
            let j = id_to_index[dup["id"].as_str().unwrap()];
            predicted.insert((i.min(j), i.max(j)));
        }
        id_to_index.insert(body["id"].as_str().unwrap().to_string(), i);
    }
    let (p, r) = precision_recall(&predicted, &truth);
    println!(
        "through the API: precision {p:.3} recall {r:.3} ({} flagged, {} true pairs, {} titles)",
        predicted.len(),
        truth.len(),
        all.len()
    );
    assert!(p >= 0.8 && r >= 0.8, "precision {p:.3}, recall {r:.3}");
}
