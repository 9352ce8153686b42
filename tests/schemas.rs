//! The JSON Schemas under `schemas/` (draft 2020-12): every shipped YAML file validates
//! against its kind's schema, a few invalid files do not, and `sroi schema KIND` prints
//! exactly the shipped schema.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::sroi;
use serde_json::Value;

fn schema(kind: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(format!("schemas/{kind}.schema.json")).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{kind}"
    );
    jsonschema::draft202012::new(&value).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

/// A YAML file as the JSON value an editor's schema checker sees.
fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yamls(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(kind: &str, files: &[PathBuf]) {
    let validator = schema(kind);
    assert!(!files.is_empty(), "no {kind} files found");
    let mut failures = Vec::new();
    for path in files {
        let found = errors(&validator, &yaml(path));
        if !found.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), found.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every YAML file under `dir` (recursively) whose top level says `kind: asset-register`.
fn registers(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            registers(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .any(|l| l.trim() == "kind: asset-register")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_file_validates_against_its_schema() {
    let models: Vec<PathBuf> = yamls("models")
        .into_iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap()
                .contains("kind: asset-register")
        })
        .collect();
    assert_valid("model", &models);
    assert_valid("proxy-set", &yamls("models/proxies"));
    assert_valid("deflator", &yamls("models/deflators"));
    let mut found = Vec::new();
    registers(Path::new("models"), &mut found);
    registers(Path::new("registers"), &mut found);
    registers(Path::new("tests/assets/small"), &mut found);
    assert_valid("register", &found);
}

#[test]
fn every_valid_conformance_case_validates_too() {
    assert_valid("model", &yamls("tests/conformance/valid"));
    assert_valid("proxy-set", &yamls("tests/conformance/valid/proxies"));
    assert_valid("deflator", &yamls("tests/conformance/valid/deflators"));
}

fn check(kind: &str, text: &str) -> Vec<String> {
    let value: Value = serde_saphyr::from_str(text).unwrap();
    errors(&schema(kind), &value)
}

const MODEL: &str = "sroi: 1\nid: m\nname: M\ncurrency: GBP\nstakeholders: [{id: p}]\noutcomes:\n  - {id: o, stakeholder: p, quantity: 1, proxy: x, duration: 1}\n";

#[test]
fn the_model_schema_covers_every_key_and_refuses_bad_ones() {
    assert!(check("model", MODEL).is_empty());
    // Every optional key the format defines, written as an analyst would.
    let full = format!(
        "{MODEL}kind: forecast\nperiod: 2024/25\nproxies: uk\nscript: s.rhai\ndiscount_rate: 3.5%\n\
         discounting: start-of-year\nprice_year: 2024\ndeflator: ons-gdp-deflator\nparams: {{n: 3, k: '= n * 2'}}\n\
         data: {{survey: data/s.csv}}\ninputs: [{{stakeholder: p, description: d, value: 10, year: 2}}]\n\
         outputs: [{{description: d, quantity: 4, stakeholder: p}}]\n\
         sensitivity:\n  quantity: 20%\n  deadweight: 10%\n  duration: 1\n  outcomes:\n    o: {{proxy: [5000, 12000], deadweight: [20%, 50%]}}\n\
         uncertainty:\n  outcomes:\n    o: {{proxy: 'pert(6000, 9537, 12000)', deadweight: 'triangular(20%, 35%, 50%)'}}\n  inputs:\n    1: normal(25200, 2000)\n"
    );
    assert_eq!(check("model", &full), Vec::<String>::new());
    let with = |extra: &str| check("model", &format!("{MODEL}{extra}"));
    assert!(!with("proxys: uk\n").is_empty(), "unknown key");
    assert!(!with("discounting: mid-year\n").is_empty());
    assert!(!with("price_year: 24\n").is_empty());
    assert!(!with("inputs: [{stakeholder: p, value: 1, year: 0}]\n").is_empty());
    assert!(!with("uncertainty: {outcomes: {o: {proxy: 'gauss(1, 2)'}}}\n").is_empty());
    assert!(
        !check(
            "model",
            &MODEL.replace("duration: 1", "duration: 1, start: afterwards")
        )
        .is_empty()
    );
    assert!(
        !check(
            "model",
            &MODEL.replace("duration: 1", "duration: 1, deadweight: 25")
        )
        .is_empty()
    );
    assert!(!check("model", &MODEL.replace("currency: GBP\n", "")).is_empty());
    assert!(
        check(
            "model",
            &MODEL.replace("duration: 1", "duration: 2, start: 3")
        )
        .is_empty()
    );
}

#[test]
fn invalid_sets_series_and_registers_fail() {
    let set = "sroi: 1\nid: s\nname: S\ncurrency: GBP\nproxies:\n  a: {value: 1, source: x}\n";
    assert!(check("proxy-set", set).is_empty());
    assert!(
        !check("proxy-set", &set.replace(", source: x", "")).is_empty(),
        "no source"
    );
    assert!(
        !check("proxy-set", &set.replace("value: 1", "value: '= 2'")).is_empty(),
        "expression"
    );

    let series = "sroi: 1\nid: d\nname: D\nsource: {publisher: P, edition: E, table: T}\nindex:\n  2013: 80\n  2013-14: 81\n";
    assert!(check("deflator", series).is_empty());
    assert!(
        !check("deflator", &series.replace("80", "-1")).is_empty(),
        "negative"
    );
    assert!(
        !check("deflator", &series.replace(", table: T", "")).is_empty(),
        "no table"
    );
    assert!(
        !check("deflator", &series.replace("2013-14", "year")).is_empty(),
        "bad year"
    );

    let register = "sroi: 1\nkind: asset-register\nid: r\nname: R\nassets: data/a.csv\nthemes: {social: Social}\n";
    assert!(check("register", register).is_empty());
    assert!(
        !check(
            "register",
            &register.replace("asset-register", "evaluation")
        )
        .is_empty()
    );
    assert!(!check("register", &register.replace("assets: data/a.csv\n", "")).is_empty());
}

#[test]
fn sroi_schema_prints_the_shipped_schemas() {
    for kind in ["model", "proxy-set", "deflator", "register"] {
        let out = sroi(&["schema", kind]);
        assert_eq!(out.code, 0);
        let shipped = std::fs::read_to_string(format!("schemas/{kind}.schema.json")).unwrap();
        assert_eq!(out.stdout, shipped, "{kind}");
    }
    assert_eq!(sroi(&["schema", "modle"]).code, 2);
}
