//! Receipts: `run --receipt` records every file read and the headline figures; `verify`
//! passes when nothing changed and names every changed file and figure otherwise.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::sroi;

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn recorded_paths(receipt: &serde_json::Value) -> Vec<String> {
    receipt["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_shipped_model_verifies_when_nothing_changed() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("receipt.json");
    let r = receipt.to_string_lossy().into_owned();
    let run = sroi(&[
        "run",
        "models/arts-for-health.yaml",
        "--format",
        "json",
        "--receipt",
        &r,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let value = read_json(&receipt);
    assert_eq!(value["receipt"], 1);
    assert_eq!(value["command"], "run");
    assert_eq!(value["arguments"][1], "models/arts-for-health.yaml");
    assert_eq!(value["sroi_version"], env!("CARGO_PKG_VERSION"));
    // Every kind of file the run read: model, proxy set, deflator, script, module, tables.
    let paths = recorded_paths(&value);
    for expected in [
        "models/arts-for-health.yaml",
        "models/proxies/uk.yaml",
        "models/deflators/ons-gdp-deflator.yaml",
        "scripts/arts-for-health.rhai",
        "scripts/lib/wellbeing.rhai",
        "models/data/arts-for-health-survey.csv",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} not in {paths:?}"
        );
    }
    // Each hash is the SHA-256 of the file's bytes, checked independently of sroi's helper.
    let model = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "models/arts-for-health.yaml")
        .unwrap();
    let bytes = std::fs::read("models/arts-for-health.yaml").unwrap();
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(model["sha256"], hex.as_str());
    assert_eq!(model["bytes"], bytes.len());
    // Headline figures are those of the report.
    for key in [
        "investment",
        "total_present_value",
        "net_present_value",
        "ratio",
        "payback_months",
    ] {
        assert_eq!(value["figures"][key], report[key], "{key}");
    }

    let verify = sroi(&["verify", &r]);
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("verified:"), "{}", verify.stdout);
    assert!(
        verify
            .stdout
            .contains("ok       models/data/arts-for-health-survey.csv")
    );
}

/// A copy of the Arts for Health project (model, uk set, deflator, scripts, tables) in a
/// temporary folder, so files can be changed.
fn project_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in [
        "models/proxies",
        "models/data",
        "models/deflators",
        "scripts/lib",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let copy = |rel: &str| std::fs::copy(rel, root.join(rel)).unwrap();
    copy("models/arts-for-health.yaml");
    copy("models/proxies/uk.yaml");
    copy("models/deflators/ons-gdp-deflator.yaml");
    copy("scripts/arts-for-health.rhai");
    for entry in std::fs::read_dir("scripts/lib").unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        copy(&format!("scripts/lib/{name}"));
    }
    for entry in std::fs::read_dir("models/data").unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with("arts-for-health") {
            copy(&format!("models/data/{name}"));
        }
    }
    let model = root.join("models/arts-for-health.yaml");
    (dir, model)
}

fn run_with_receipt(model: &Path, receipt: &Path) {
    let out = sroi(&[
        "run",
        &model.to_string_lossy(),
        "--receipt",
        &receipt.to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_changed_byte_in_a_csv_is_named() {
    let (dir, model) = project_copy();
    let receipt = dir.path().join("r.json");
    run_with_receipt(&model, &receipt);
    assert_eq!(sroi(&["verify", &receipt.to_string_lossy()]).code, 0);

    // One byte: a trailing newline added to the GP records table. Same rows, other bytes.
    let csv = dir
        .path()
        .join("models/data/arts-for-health-gp-records.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push('\n');
    std::fs::write(&csv, text).unwrap();

    let verify = sroi(&["verify", &receipt.to_string_lossy()]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    let changed: Vec<&str> = verify
        .stdout
        .lines()
        .filter(|l| l.starts_with("changed"))
        .collect();
    assert_eq!(changed.len(), 1, "{}", verify.stdout);
    assert!(
        changed[0].contains("arts-for-health-gp-records.csv"),
        "{}",
        verify.stdout
    );
    assert!(verify.stdout.contains("NOT verified"), "{}", verify.stdout);
}

#[test]
fn a_changed_proxy_value_is_named_with_the_figures_it_moved() {
    let (dir, model) = project_copy();
    let receipt = dir.path().join("r.json");
    run_with_receipt(&model, &receipt);
    let before = read_json(&receipt);

    let set = dir.path().join("models/proxies/uk.yaml");
    let text = std::fs::read_to_string(&set).unwrap();
    assert!(text.contains("    value: 9537\n"));
    std::fs::write(&set, text.replace("    value: 9537\n", "    value: 9600\n")).unwrap();

    let verify = sroi(&["verify", &receipt.to_string_lossy()]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(
        verify
            .stdout
            .lines()
            .any(|l| l.starts_with("changed") && l.contains("models/proxies/uk.yaml")),
        "{}",
        verify.stdout
    );
    let ratio_line = verify
        .stdout
        .lines()
        .find(|l| l.starts_with("figure   ratio:"))
        .unwrap_or_else(|| panic!("{}", verify.stdout));
    let was = before["figures"]["ratio"].as_str().unwrap();
    assert!(
        ratio_line.contains(&format!("was {was}, now ")),
        "{ratio_line}"
    );
    // The investment did not move, so it is not named.
    assert!(
        !verify.stdout.contains("figure   investment:"),
        "{}",
        verify.stdout
    );
}

#[test]
fn a_receipt_is_not_written_when_the_run_fails() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("r.json");
    let out = sroi(&[
        "run",
        "tests/conformance/invalid/negative-quantity.yaml",
        "--receipt",
        &receipt.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1);
    assert!(!receipt.exists());
}

#[test]
fn verify_refuses_what_is_not_a_receipt() {
    let out = sroi(&["verify", "models/arts-for-health.yaml"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not an sroi receipt"), "{}", out.stderr);
    let out = sroi(&["verify", "no/such/receipt.json"]);
    assert_eq!(out.code, 1);
}

#[test]
fn receipts_are_byte_identical_across_runs_and_cover_the_chosen_set() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for path in [&a, &b] {
        let out = sroi(&[
            "run",
            "models/tate-wellbeing.yaml",
            "--proxies",
            "london",
            "--receipt",
            &path.to_string_lossy(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let (ta, tb) = (
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap(),
    );
    // Only the receipt's own name, on the command line, differs.
    assert_eq!(ta.replace("a.json", "X"), tb.replace("b.json", "X"));
    let paths = recorded_paths(&read_json(&a));
    assert!(
        paths.iter().any(|p| p == "models/proxies/london.yaml"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p == "models/proxies/uk.yaml"),
        "extends: {paths:?}"
    );
    let verify = sroi(&["verify", &a.to_string_lossy()]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
}

#[test]
fn a_file_read_now_but_not_recorded_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("r.json");
    let r = receipt.to_string_lossy().into_owned();
    assert_eq!(
        sroi(&["run", "models/shared-reading.yaml", "--receipt", &r]).code,
        0
    );
    // Drop the deflator from the record, as if the model had not used one when it was written.
    let mut value = read_json(&receipt);
    value["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["path"] != "models/deflators/ons-gdp-deflator.yaml");
    std::fs::write(&receipt, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let verify = sroi(&["verify", &r]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(
        verify.stdout.contains(
            "new      models/deflators/ons-gdp-deflator.yaml: read now, not in the receipt"
        ),
        "{}",
        verify.stdout
    );
}
