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
    project_copy_of("arts-for-health")
}

/// A copy of shipped model NAME's project (model, uk set, deflator, its script and the
/// script library, its tables) in a temporary folder.
fn project_copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
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
    copy(&format!("models/{name}.yaml"));
    copy("models/proxies/uk.yaml");
    copy("models/deflators/ons-gdp-deflator.yaml");
    copy(&format!("scripts/{name}.rhai"));
    for entry in std::fs::read_dir("scripts/lib").unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        copy(&format!("scripts/lib/{file}"));
    }
    for entry in std::fs::read_dir("models/data").unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file.starts_with(&format!("{name}-")) {
            copy(&format!("models/data/{file}"));
        }
    }
    let model = root.join(format!("models/{name}.yaml"));
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

// ---- sensitivity and simulate -------------------------------------------------------

/// Run `sroi ARGS --receipt RECEIPT`, which must succeed; returns its standard output.
fn with_receipt(args: &[&str], receipt: &Path) -> String {
    let mut all = args.to_vec();
    let r = receipt.to_string_lossy().into_owned();
    all.extend(["--receipt", &r]);
    let out = sroi(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

fn verify(receipt: &Path) -> common::Output {
    sroi(&["verify", &receipt.to_string_lossy()])
}

fn lines_starting<'a>(text: &'a str, start: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(start)).collect()
}

fn figure(receipt: &serde_json::Value, name: &str) -> f64 {
    receipt["figures"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no figure {name}: {receipt}"))
        .parse()
        .unwrap()
}

#[test]
fn a_sensitivity_receipt_records_the_report_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("s.json");
    let model = "models/musician-in-residence.yaml";
    let stdout = with_receipt(&["sensitivity", model, "--format", "json"], &receipt);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let value = read_json(&receipt);
    assert_eq!(value["command"], "sensitivity");
    assert!(value.get("seed").is_none(), "sensitivity draws nothing");
    let paths = recorded_paths(&value);
    for expected in [
        model,
        "models/proxies/uk.yaml",
        "models/deflators/ons-gdp-deflator.yaml",
        "scripts/musician-in-residence.rhai",
        "scripts/lib/evidence.rhai",
        "models/data/musician-in-residence-participants.csv",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected}: {paths:?}");
    }
    // The figures are the JSON report's, key by key.
    let figures = value["figures"].as_object().unwrap();
    assert_eq!(figures["base_ratio"], report["base"]["ratio"]);
    assert_eq!(
        figures["base_total_present_value"],
        report["base"]["total_present_value"]
    );
    assert_eq!(figures["base_investment"], report["base"]["investment"]);
    assert_eq!(
        figures["investment_tipping_point"],
        report["investment_tipping_point"]
    );
    let rows = report["rows"].as_array().unwrap();
    assert!(rows.len() > 5, "{rows:?}");
    for row in rows {
        let name = format!(
            "{}.{}",
            row["outcome"].as_str().unwrap(),
            row["variable"].as_str().unwrap()
        );
        assert_eq!(figures[&format!("{name} swing")], row["swing"], "{name}");
        assert_eq!(
            figures[&format!("{name} tipping_point")],
            row["tipping_point"],
            "{name}"
        );
    }
    assert_eq!(figures.len(), 4 + 2 * rows.len());

    let out = verify(&receipt);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "verified: {} files and {} figures match",
            paths.len(),
            figures.len()
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn a_sensitivity_receipt_names_a_changed_csv_byte() {
    let (dir, model) = project_copy_of("musician-in-residence");
    let receipt = dir.path().join("r.json");
    with_receipt(&["sensitivity", &model.to_string_lossy()], &receipt);
    assert_eq!(verify(&receipt).code, 0);

    // One byte: the discharges table gains a trailing newline (same rows, other bytes).
    let csv = dir
        .path()
        .join("models/data/musician-in-residence-discharges.csv");
    let mut bytes = std::fs::read(&csv).unwrap();
    bytes.push(b'\n');
    std::fs::write(&csv, bytes).unwrap();

    let out = verify(&receipt);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let changed = lines_starting(&out.stdout, "changed");
    assert_eq!(changed.len(), 1, "{}", out.stdout);
    assert!(changed[0].contains("models/data/musician-in-residence-discharges.csv"));
    assert!(
        lines_starting(&out.stdout, "figure").is_empty(),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("NOT verified: 1 file, 0 figures differ"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_sensitivity_receipt_names_the_swing_a_changed_range_moved() {
    let (dir, model) = project_copy_of("musician-in-residence");
    let receipt = dir.path().join("r.json");
    with_receipt(&["sensitivity", &model.to_string_lossy()], &receipt);
    let before = read_json(&receipt);

    // Widen reduced-isolation's proxy range (2015 prices) from [5284.81, 10569.62] to
    // [5284.81, 11569.62]. The ratio is linear in a proxy, so the swing grows with the width,
    // by 6284.81 / 5284.81; nothing else moves (the tipping point depends on the base only).
    let text = std::fs::read_to_string(&model).unwrap();
    assert_eq!(text.matches("proxy: [5284.81, 10569.62]").count(), 1);
    std::fs::write(
        &model,
        text.replace("proxy: [5284.81, 10569.62]", "proxy: [5284.81, 11569.62]"),
    )
    .unwrap();

    let out = verify(&receipt);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let figures = lines_starting(&out.stdout, "figure");
    assert_eq!(figures.len(), 1, "{}", out.stdout);
    let was = figure(&before, "reduced-isolation.proxy swing");
    let now: f64 = figures[0]
        .strip_prefix(&format!(
            "figure   reduced-isolation.proxy swing: was {was:.4}, now "
        ))
        .unwrap_or_else(|| panic!("{}", out.stdout))
        .parse()
        .unwrap();
    assert!(
        (now - was * 6284.81 / 5284.81).abs() < 0.0002,
        "{was} -> {now}"
    );
    assert!(
        lines_starting(&out.stdout, "changed")
            .iter()
            .any(|l| l.contains("models/musician-in-residence.yaml")),
        "{}",
        out.stdout
    );
}

#[test]
fn a_simulate_receipt_records_seed_draws_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let model = "models/musician-in-residence.yaml";
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let args = [
        "simulate", model, "--draws", "2000", "--seed", "7", "--format", "json",
    ];
    let stdout = with_receipt(&args, &a);
    with_receipt(&args, &b);
    let (ta, tb) = (
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap(),
    );
    assert_eq!(ta.replace("a.json", "X"), tb.replace("b.json", "X"));

    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let value = read_json(&a);
    assert_eq!(value["command"], "simulate");
    assert_eq!(value["seed"], 7);
    assert_eq!(value["draws"], 2000);
    let figures = value["figures"].as_object().unwrap();
    assert_eq!(figures.len(), 6, "{figures:?}");
    assert_eq!(figures["base_ratio"], report["base_ratio"]);
    for stat in ["mean", "p5", "p50", "p95"] {
        assert_eq!(
            figures[&format!("ratio_{stat}")],
            report["ratio"][stat],
            "{stat}"
        );
    }
    assert_eq!(
        figures["probability_ratio_at_least_1"],
        report["probability_ratio_at_least_1"]
    );
    assert!(recorded_paths(&value).iter().any(|p| p == model));

    let out = verify(&a);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("and 6 figures match"), "{}", out.stdout);

    // The default seed is recorded too: a receipt never depends on a default changing.
    let c = dir.path().join("c.json");
    with_receipt(&["simulate", model, "--draws", "100"], &c);
    assert_eq!(read_json(&c)["seed"], 1);
}

#[test]
fn a_simulate_receipt_names_a_changed_csv_byte() {
    let (dir, model) = project_copy_of("musician-in-residence");
    let receipt = dir.path().join("r.json");
    let m = model.to_string_lossy().into_owned();
    with_receipt(&["simulate", &m, "--draws", "500"], &receipt);
    assert_eq!(verify(&receipt).code, 0);

    // One byte of a data row: the first service user attended 1 session, now 2 (still
    // below the 4 that count, so the figures stay and the file alone is named).
    let csv = dir
        .path()
        .join("models/data/musician-in-residence-participants.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let row = "MIR0001,site-01,inpatient,1,no\n";
    assert!(text.contains(row), "{text:.200}");
    std::fs::write(
        &csv,
        text.replacen(row, "MIR0001,site-01,inpatient,2,no\n", 1),
    )
    .unwrap();

    let out = verify(&receipt);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let changed = lines_starting(&out.stdout, "changed");
    assert_eq!(changed.len(), 1, "{}", out.stdout);
    assert!(changed[0].contains("models/data/musician-in-residence-participants.csv"));
    assert!(
        out.stdout
            .contains("NOT verified: 1 file, 0 figures differ\n"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn a_simulate_receipt_names_the_figures_a_changed_distribution_moved() {
    let (dir, model) = project_copy_of("musician-in-residence");
    let receipt = dir.path().join("r.json");
    let m = model.to_string_lossy().into_owned();
    with_receipt(
        &["simulate", &m, "--draws", "2000", "--seed", "3"],
        &receipt,
    );
    let before = read_json(&receipt);

    // Shorter stays' bed days from uniform(0, 308) to uniform(0, 616): more value in every
    // draw but the base (which is exact and does not draw) stays.
    let text = std::fs::read_to_string(&model).unwrap();
    assert_eq!(text.matches("quantity: uniform(0, 308)").count(), 1);
    std::fs::write(
        &model,
        text.replace("quantity: uniform(0, 308)", "quantity: uniform(0, 616)"),
    )
    .unwrap();

    let out = verify(&receipt);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let figures = lines_starting(&out.stdout, "figure");
    for name in ["ratio_mean", "ratio_p50", "ratio_p95"] {
        let line = figures
            .iter()
            .find(|l| l.starts_with(&format!("figure   {name}: was ")))
            .unwrap_or_else(|| panic!("{name}: {}", out.stdout));
        let was = figure(&before, name);
        let now: f64 = line.rsplit_once("now ").unwrap().1.parse().unwrap();
        assert!(now > was, "{line}");
    }
    assert!(
        !out.stdout.contains("figure   base_ratio"),
        "the base does not draw: {}",
        out.stdout
    );

    // A receipt whose seed was edited no longer matches its own command line.
    let mut value = read_json(&receipt);
    value["seed"] = 4.into();
    std::fs::write(&receipt, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    assert!(
        verify(&receipt)
            .stdout
            .contains("figure   seed: was 4, now 3")
    );
}

#[test]
fn analysis_receipts_are_written_only_after_success_and_keep_their_options() {
    let dir = tempfile::tempdir().unwrap();
    // tate-wellbeing has no `uncertainty:` block: simulate fails and writes nothing.
    let failed = dir.path().join("failed.json");
    let out = sroi(&[
        "simulate",
        "models/tate-wellbeing.yaml",
        "--receipt",
        &failed.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!failed.exists());
    // A two-way grid with --set stays on the command line and verifies as it ran.
    let receipt = dir.path().join("grid.json");
    with_receipt(
        &[
            "sensitivity",
            "models/musician-in-residence.yaml",
            "--set",
            "inputs.1.value=400000",
            "--two-way",
            "improved-mood.attribution,reduced-isolation.proxy",
            "--steps",
            "3",
        ],
        &receipt,
    );
    let value = read_json(&receipt);
    assert_eq!(value["arguments"][3], "inputs.1.value=400000");
    let out = verify(&receipt);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}
