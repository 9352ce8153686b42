//! A table of 1,000,000 rows × 10 columns (about 40 MB, over the 16 MiB input cap) loads
//! and is evaluated with native operations, with figures checked against closed forms.
//! Slow in a debug build: run with `cargo test --release --test big_tables -- --ignored`.
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::fs;

use common::sroi;

const ROWS: u64 = 1_000_000;

#[test]
#[ignore = "1M rows: run with --ignored (best with --release)"]
fn a_million_rows_load_and_evaluate_with_native_operations() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("models/data")).unwrap();
    fs::create_dir_all(root.join("scripts")).unwrap();
    // Row i: id, site s(i mod 18), score i mod 41, score2 (i*7) mod 41, hours (i mod 10)/2
    // (blank when i mod 13 == 0), answer yes/no/blank, and four filler columns.
    let mut csv = String::from("id,site,score,score2,hours,answer,a,b,c,d\n");
    for i in 0..ROWS {
        let hours = if i % 13 == 0 {
            String::new()
        } else {
            format!("{}.{}", (i % 10) / 2, if i % 2 == 1 { 5 } else { 0 })
        };
        let answer = ["yes", "no", ""][(i % 3) as usize];
        writeln!(
            csv,
            "P{i:07},s{},{},{},{hours},{answer},{},{},x{},{}",
            i % 18,
            i % 41,
            (i * 7) % 41,
            i % 100,
            i % 1000,
            i % 7,
            i % 2
        )
        .unwrap();
    }
    assert!(csv.len() > 16 * 1024 * 1024);
    fs::write(root.join("models/data/big.csv"), &csv).unwrap();
    fs::write(
        root.join("scripts/m.rhai"),
        r#"
fn yes_high() { table("big").where("answer", "==", "yes").where("score", ">=", 20).count() }
fn hours() { table("big").sum("hours") }
fn sites() { table("big").distinct("site").len() }
fn not_in_yes() { let t = table("big"); t.anti_join("id", t.where("answer", "==", "yes"), "id").count() }
"#,
    )
    .unwrap();
    let outcome = |id: &str, q: &str| {
        format!(
            "  - id: {id}\n    stakeholder: people\n    quantity: \"= {q}\"\n    proxy: {{ value: 1, source: test }}\n    duration: 1\n"
        )
    };
    let yaml = format!(
        "sroi: 1\nid: big\nname: Big\ncurrency: GBP\nscript: ../scripts/m.rhai\ndata:\n  big: data/big.csv\nstakeholders:\n  - id: people\n  - id: funder\ninputs:\n  - stakeholder: funder\n    value: 1000\noutcomes:\n{}{}{}{}",
        outcome("yes-high", "yes_high()"),
        outcome("hours", "hours()"),
        outcome("sites", "sites()"),
        outcome("not-in-yes", "not_in_yes()"),
    );
    fs::write(root.join("models/m.yaml"), yaml).unwrap();

    let started = std::time::Instant::now();
    let out = sroi(&[
        "run",
        root.join("models/m.yaml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let q = |i: usize| json["outcomes"][i]["quantity"].as_str().unwrap().to_owned();

    // Independent counts, by the same formulas as the file.
    let yes_high = (0..ROWS).filter(|i| i % 3 == 0 && i % 41 >= 20).count();
    let half_hours: u64 = (0..ROWS)
        .filter(|i| i % 13 != 0)
        .map(|i| (i % 10) / 2 * 2 + i % 2)
        .sum();
    let hours = format!(
        "{}.{}",
        half_hours / 2,
        if half_hours % 2 == 1 { 5 } else { 0 }
    );
    let not_yes = (0..ROWS).filter(|i| i % 3 != 0).count();
    assert_eq!(q(0), yes_high.to_string());
    assert_eq!(q(1), hours);
    assert_eq!(q(2), "18");
    assert_eq!(q(3), not_yes.to_string());
    eprintln!("1M rows x 10 columns: load + evaluate in {took:?}");
}

#[test]
#[ignore = "writes an 18 MB file: run with --ignored"]
fn a_problem_in_a_table_over_16_mib_is_located_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("models/data")).unwrap();
    let mut csv = String::from("id,n\n");
    for i in 0..1_300_000u32 {
        writeln!(csv, "id{i:08},{}", i % 100).unwrap();
    }
    csv.push_str("last\n"); // line 1,300,002: one cell short
    assert!(csv.len() > 16 * 1024 * 1024);
    fs::write(root.join("models/data/big.csv"), &csv).unwrap();
    fs::write(
        root.join("models/m.yaml"),
        "sroi: 1\nid: big\nname: Big\ncurrency: GBP\ndata:\n  big: data/big.csv\nstakeholders:\n  - id: people\noutcomes:\n  - id: o\n    stakeholder: people\n    quantity: '= table(\"big\").count()'\n    proxy: { value: 1, source: test }\n    duration: 1\n",
    )
    .unwrap();
    let out = sroi(&["run", root.join("models/m.yaml").to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("big.csv:1300002"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("this row has 1 cells but the header has 2 (no cell for `n`)"),
        "{}",
        out.stderr
    );
}
