//! `sroi explain --format json`: each outcome's own figures, each with where it came from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sroi;
use serde_json::{Value, json};

const WORKED: &str = "tests/conformance/valid/spec-worked-check.yaml";

fn explain(args: &[&str]) -> Value {
    let mut all = vec!["explain", WORKED];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = sroi(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// The format's worked check (docs/format.md, section 7): Q 10, P 1,000, DW 20%, DS 0%, AT 25%, DO 10%, D 3,
/// r 3.5% end of year → impact 6,000; years 6,000 / 5,400 / 4,860; PV 15,221.50.
#[test]
fn each_outcome_gives_its_own_figures_with_their_origins() {
    let v = explain(&["improved-wellbeing"]);
    let f = &v["outcomes"][0]["figures"];
    // The worked check's line numbers: quantity on line 22, deadweight on 26 and so on.
    assert_eq!(f["quantity"]["value"], "10");
    assert_eq!(
        f["quantity"]["origin"],
        json!({"kind": "literal", "at": format!("{WORKED}:22:15")})
    );
    assert_eq!(f["proxy"]["value"], "1000.00");
    assert_eq!(f["proxy"]["origin"]["kind"], "inline_proxy");
    assert_eq!(
        f["proxy"]["source"],
        "docs/format.md section 7 worked check (illustrative)"
    );
    for (name, value, percent, line) in [
        ("deadweight", "0.20", "20%", 26),
        ("displacement", "0.00", "0%", 27),
        ("attribution", "0.25", "25%", 28),
        ("drop_off", "0.10", "10%", 29),
    ] {
        assert_eq!(f[name]["value"], value, "{name}");
        assert_eq!(f[name]["percent"], percent, "{name}");
        assert_eq!(f[name]["origin"]["kind"], "literal", "{name}");
        let at = f[name]["origin"]["at"].as_str().unwrap();
        assert!(at.starts_with(&format!("{WORKED}:{line}:")), "{name}: {at}");
    }
    assert_eq!(f["duration"]["value"], 3);
    assert_eq!(f["duration"]["origin"]["kind"], "literal");
    assert_eq!(f["start"]["value"], "during");
    assert_eq!(f["start"]["first_valued_year"], 1);
    // 10 × 1,000 × 0.8 × 1 × 0.75 = 6,000.
    assert_eq!(f["impact"]["value"], "6000.00");
    assert_eq!(f["impact"]["origin"]["kind"], "calculated");
    assert_eq!(
        f["impact"]["origin"]["arithmetic"],
        "10 × 1000.00 × 0.8 × 1 × 0.75"
    );
    let years = f["years"].as_array().unwrap();
    let values: Vec<&str> = years.iter().map(|y| y["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["6000.00", "5400.00", "4860.00"]);
    // 6,000 / 1.035 = 5,797.10; 5,400 / 1.035² = 5,040.96; 4,860 / 1.035³ = 4,383.44.
    let pvs: Vec<&str> = years
        .iter()
        .map(|y| y["present_value"].as_str().unwrap())
        .collect();
    assert_eq!(pvs, ["5797.10", "5040.96", "4383.44"]);
    assert_eq!(years[1]["origin"]["value"], "impact × (1 − drop_off)^1");
    assert_eq!(years[2]["origin"]["factor"], "1 / (1 + 0.035)^3");
    assert_eq!(f["present_value"]["value"], "15221.50");
    assert_eq!(f["present_value"]["origin"]["kind"], "calculated");
}

#[test]
fn one_outcome_is_explained_without_the_models_totals() {
    let one = explain(&["improved-wellbeing"]);
    for whole_model in [
        "total_present_value",
        "ratio",
        "investment",
        "stakeholders",
        "inputs",
    ] {
        assert!(one.get(whole_model).is_none(), "{whole_model} in {one}");
    }
    // The settings the outcome's figures depend on stay.
    assert_eq!(one["discount_rate"], "0.035");
    assert_eq!(one["discounting"], "end-of-year");
    assert_eq!(one["outcomes"].as_array().unwrap().len(), 1);
    // The whole model's explanation keeps its totals.
    let all = explain(&[]);
    assert_eq!(all["total_present_value"], "15221.50");
    assert_eq!(all["ratio"], "3.0443");
}

#[test]
fn a_set_figure_says_so_and_the_calculation_follows_it() {
    let v = explain(&[
        "improved-wellbeing",
        "--set",
        "outcomes.improved-wellbeing.deadweight=50%",
    ]);
    let f = &v["outcomes"][0]["figures"];
    assert_eq!(f["deadweight"]["value"], "0.50");
    assert_eq!(f["deadweight"]["origin"], json!({"kind": "override"}));
    // 10 × 1,000 × 0.5 × 0.75 = 3,750; 3,750 × (1/1.035 + 0.9/1.035² + 0.81/1.035³) = 9,513.44.
    assert_eq!(f["impact"]["value"], "3750.00");
    assert_eq!(f["present_value"]["value"], "9513.44");
}
