//! `sroi compare`: sides, proxy sets, and forecast-against-evaluation variance checked
//! against figures computed by hand (see the comments in tests/fixtures/compare-*.yaml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::sroi;
use serde_json::{Value, json};

const FORECAST: &str = "tests/fixtures/compare-forecast.yaml";
const EVALUATION: &str = "tests/fixtures/compare-evaluation.yaml";

fn compare(args: &[&str]) -> Value {
    let mut argv = vec!["compare"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--format", "json"]);
    let out = sroi(&argv);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn forecast_against_evaluation_gives_the_hand_computed_variance() {
    let v = compare(&[FORECAST, EVALUATION]);
    let sides = v["sides"].as_array().unwrap();
    assert_eq!(sides.len(), 2);
    assert_eq!(sides[0]["model"], "youth-club-forecast");
    assert_eq!(sides[0]["total_present_value"], "16500.00");
    assert_eq!(sides[0]["ratio"], "1.6500");
    assert_eq!(sides[1]["total_present_value"], "14850.00");
    assert_eq!(sides[1]["ratio"], "1.4850");
    assert_eq!(
        sides[1]["outcomes"][1],
        json!({"id": "skills", "quantity": "26", "present_value": "5850.00"})
    );
    let variance = &v["variance"];
    assert_eq!(
        variance["ratio"],
        json!({"forecast": "1.6500", "evaluation": "1.4850", "variance": "-0.1650", "percent_of_forecast": "-10.00"})
    );
    assert_eq!(
        variance["outcomes"],
        json!([
            {"id": "wellbeing",
             "quantity": {"forecast": "40", "evaluation": "30", "variance": "-10", "percent_of_forecast": "-25.00"},
             "present_value": {"forecast": "12000.00", "evaluation": "9000.00", "variance": "-3000.00", "percent_of_forecast": "-25.00"}},
            {"id": "skills",
             "quantity": {"forecast": "20", "evaluation": "26", "variance": "6", "percent_of_forecast": "30.00"},
             "present_value": {"forecast": "4500.00", "evaluation": "5850.00", "variance": "1350.00", "percent_of_forecast": "30.00"}}
        ])
    );
    assert_eq!(variance["only_in_evaluation"], json!(["volunteering"]));
    assert_eq!(variance["only_in_forecast"], json!([]));

    // The order of the sides does not change which is the forecast.
    let swapped = compare(&[EVALUATION, FORECAST]);
    assert_eq!(swapped["variance"]["ratio"], variance["ratio"]);
    assert_eq!(swapped["variance"]["outcomes"], variance["outcomes"]);
}

#[test]
fn two_evaluations_have_no_variance() {
    let v = compare(&["models/arts-for-health.yaml", "models/shared-reading.yaml"]);
    assert_eq!(v["variance"], Value::Null);
    assert_eq!(v["sides"].as_array().unwrap().len(), 2);
}

#[test]
fn one_model_under_several_proxy_sets_matches_run() {
    let v = compare(&[
        "models/arts-for-health.yaml",
        "--proxies",
        "uk,london,north-west",
    ]);
    let sides = v["sides"].as_array().unwrap();
    assert_eq!(sides.len(), 3);
    for (side, set) in sides.iter().zip(["uk", "london", "north-west"]) {
        let run = sroi(&[
            "run",
            "models/arts-for-health.yaml",
            "--proxies",
            set,
            "--format",
            "json",
        ]);
        let run: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(side["proxy_set"], set);
        for key in [
            "investment",
            "total_present_value",
            "net_present_value",
            "ratio",
        ] {
            assert_eq!(side[key], run[key], "{set} {key}");
        }
        let pvs: Vec<&Value> = run["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| &o["present_value"])
            .collect();
        let side_pvs: Vec<&Value> = side["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| &o["present_value"])
            .collect();
        assert_eq!(side_pvs, pvs);
    }
    assert_ne!(sides[0]["ratio"], sides[1]["ratio"], "the sets differ");
}

#[test]
fn every_format_shows_the_variance() {
    for format in ["table", "markdown", "html"] {
        let out = sroi(&["compare", FORECAST, EVALUATION, "--format", format]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        for figure in [
            "£12,000.00",
            "£9,000.00",
            "-£3,000.00",
            "-25.00%",
            "+£1,350.00",
            "+30.00%",
            "-10.00%",
        ] {
            assert!(out.stdout.contains(figure), "{format} lacks {figure}");
        }
    }
    let html = sroi(&["compare", FORECAST, EVALUATION, "--format", "html"]).stdout;
    assert!(html.contains("<svg") && !html.contains("http") && !html.contains("<script"));
    let csv = sroi(&["compare", FORECAST, EVALUATION, "--format", "csv"]).stdout;
    assert!(csv.starts_with("model,proxy_set,kind,outcome,measure,value\n"));
    assert!(csv.contains(",,variance,skills,present_value_variance,1350.00\n"));
    assert!(csv.contains(",,variance,,ratio_percent_of_forecast,-10.00\n"));
}

#[test]
fn a_bad_side_fails_the_comparison_after_checking_every_side() {
    let out = sroi(&[
        "compare",
        FORECAST,
        "no/such/model.yaml",
        "models/nothing.yaml",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("no/such/model.yaml"), "{}", out.stderr);
    assert!(out.stderr.contains("models/nothing.yaml"), "{}", out.stderr);
}
