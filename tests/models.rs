//! Every shipped model under `models/` runs, and its reports are pinned by snapshots.
//! The glob picks up a new model automatically.

mod common;

use common::{relative, sroi};

#[test]
fn every_shipped_model_runs_and_matches_its_snapshots() {
    insta::glob!("../models", "*.yaml", |path| {
        let model = relative(path);
        let json = sroi(&["run", &model, "--format", "json"]);
        assert_eq!(json.code, 0, "{model}: {}", json.stderr);
        let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
        assert!(value["ratio"].is_string(), "{model} prints a ratio");
        insta::assert_snapshot!("json", json.stdout);

        let table = sroi(&["run", &model]);
        assert_eq!(table.code, 0, "{model}: {}", table.stderr);
        assert!(
            table.stdout.contains("of social value per £1 invested"),
            "{model}"
        );
        insta::assert_snapshot!("table", table.stdout);
    });
}

#[test]
fn every_shipped_model_checks_clean() {
    insta::glob!("../models", "*.yaml", |path| {
        let out = sroi(&["check", &relative(path)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr, "", "no warnings expected for a shipped model");
    });
}

#[test]
fn every_regional_set_changes_only_what_it_overrides() {
    for region in ["london", "north-west"] {
        let path = format!("models/proxies/{region}.yaml");
        let out = sroi(&["check", &path]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.contains(&format!("{region} → uk")),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["table", "json", "csv", "markdown"] {
        let a = sroi(&["run", "models/arts-for-health.yaml", "--format", format]);
        let b = sroi(&["run", "models/arts-for-health.yaml", "--format", format]);
        assert_eq!(a.code, 0);
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
    }
}
