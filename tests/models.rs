//! Every shipped model under `models/` runs, and its reports are pinned by snapshots.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns
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

#[test]
fn every_shipped_model_explains_where_each_figure_came_from() {
    insta::glob!("../models", "*.yaml", |path| {
        let out = sroi(&["explain", &relative(path)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        // Every outcome's quantity is traced to an expression or a literal, never unexplained.
        let quantities = out
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("quantity "))
            .count();
        let traced = out
            .stdout
            .lines()
            .filter(|l| {
                l.trim_start().starts_with("quantity ")
                    && (l.contains("expression `=") || l.contains("written at"))
            })
            .count();
        assert!(quantities > 0 && quantities == traced, "{}", out.stdout);
        insta::assert_snapshot!("explain", out.stdout);
    });
}

/// Read a CSV from models/data as rows of (header → cell).
fn table(name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let path = format!("{}/models/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, c)| (h.to_owned(), c.trim().to_owned()))
                .collect()
        })
        .collect()
}

fn num(cell: &str) -> Option<rust_decimal::Decimal> {
    if cell.is_empty() {
        None
    } else {
        Some(cell.parse().unwrap())
    }
}

/// Arts for Health's scripted figures, recomputed here in Rust straight from the CSVs.
#[test]
fn arts_for_health_figures_match_a_count_by_hand() {
    use rust_decimal::Decimal;
    let survey = table("arts-for-health-survey.csv");
    let lonely_then_not: Vec<&String> = survey
        .iter()
        .filter(|r| !r["lonely_referral"].is_empty() && !r["lonely_3m"].is_empty())
        .filter(|r| r["lonely_referral"] == "often/always" && r["lonely_3m"] != "often/always")
        .map(|r| &r["participant"])
        .collect();
    let improved = survey
        .iter()
        .filter(|r| !lonely_then_not.contains(&&r["participant"]))
        .filter_map(|r| Some(num(&r["wemwbs_last"])? - num(&r["wemwbs_first"])?))
        .filter(|gain| *gain >= Decimal::from(3))
        .count();
    let gp = table("arts-for-health-gp-records.csv");
    let gp_fall: Decimal = gp
        .iter()
        .filter_map(|r| Some(num(&r["consultations_before"])? - num(&r["consultations_after"])?))
        .sum();
    let hours: Decimal = table("arts-for-health-volunteers.csv")
        .iter()
        .filter_map(|r| num(&r["hours"]))
        .sum();

    let figures = |extra: &[&str]| {
        let mut args = vec!["run", "models/arts-for-health.yaml", "--format", "json"];
        args.extend_from_slice(extra);
        let out = sroi(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()
    };
    let uk = figures(&[]);
    let outcome = |v: &serde_json::Value, id: &str| {
        v["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()["quantity"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(outcome(&uk, "improved-wellbeing"), improved.to_string());
    assert_eq!(
        outcome(&uk, "reduced-loneliness"),
        lonely_then_not.len().to_string()
    );
    assert_eq!(
        outcome(&uk, "fewer-gp-consultations"),
        gp_fall.max(Decimal::ZERO).to_string()
    );
    let volunteer_input = |v: &serde_json::Value| {
        v["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["stakeholder"] == "volunteers")
            .unwrap()["value"]
            .clone()
    };
    // Volunteer time = hours × the active set's volunteer_hour: --proxies reaches the script,
    // and the script sees the value rebased to the model's price year (2022 pay in 2014
    // prices: × GDP deflator 2014 / 2022 = 83.0 / 100.0).
    let rate = |s: &str| s.parse::<Decimal>().unwrap();
    let to_2014 = rate("83.0") / rate("100.0");
    assert_eq!(
        volunteer_input(&uk),
        crate_money(hours * rate("16.30") * to_2014)
    );
    assert_eq!(
        volunteer_input(&figures(&["--proxies", "london"])),
        crate_money(hours * rate("20.08") * to_2014)
    );
    // And a param reaches the rules: a higher threshold counts fewer people.
    let stricter = figures(&["--set", "wemwbs_threshold=6"]);
    assert!(
        outcome(&stricter, "improved-wellbeing")
            .parse::<usize>()
            .unwrap()
            < improved
    );
}

fn crate_money(d: rust_decimal::Decimal) -> serde_json::Value {
    serde_json::Value::String(sroi::report::money(d))
}
