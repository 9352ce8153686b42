//! `sroi init DIR`: the starter project runs and checks outside this repository, from any
//! working directory, with the figures a hand calculation gives; it never overwrites.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use rust_decimal::Decimal;

fn sroi_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Half away from zero, as the reports round.
fn round(value: Decimal, places: u32) -> String {
    let mut r =
        value.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(places);
    r.to_string()
}

#[test]
fn a_starter_project_runs_and_checks_from_another_directory() {
    let home = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = sroi_in(home.path(), &["init", "wellbeing-pilot"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("sroi run wellbeing-pilot/models/wellbeing-pilot.yaml"),
        "{said}"
    );
    let root = home.path().join("wellbeing-pilot");
    for file in [
        "models/wellbeing-pilot.yaml",
        "scripts/wellbeing-pilot.rhai",
        "models/data/wellbeing-pilot-survey.csv",
        "models/proxies/uk.yaml",
        "README.md",
    ] {
        assert!(root.join(file).is_file(), "{file} is missing");
    }
    // The proxy set is the shipped one, byte for byte.
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/proxies/uk.yaml");
    assert_eq!(
        fs::read(root.join("models/proxies/uk.yaml")).unwrap(),
        fs::read(shipped).unwrap()
    );
    let table = fs::read_to_string(root.join("models/data/wellbeing-pilot-survey.csv")).unwrap();
    assert!(
        table.lines().skip(1).all(|l| l.contains("illustrative")),
        "every row is labelled illustrative:\n{table}"
    );
    // The README gives the command that runs it, from the project folder.
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("    sroi run models/wellbeing-pilot.yaml\n"),
        "{readme}"
    );
    let from_root = sroi_in(&root, &["run", "models/wellbeing-pilot.yaml"]);
    assert!(from_root.status.success(), "{}", text(&from_root.stderr));

    // From an unrelated working directory, by absolute path.
    let model = root.join("models/wellbeing-pilot.yaml");
    let model = model.to_str().unwrap();
    let check = sroi_in(elsewhere.path(), &["check", model]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    let run = sroi_in(elsewhere.path(), &["run", model, "--format", "json"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(text(&run.stderr), "", "no warnings");
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();

    // By hand. The survey's WEMWBS gains are 6, 1, 5, -1, 6, (missing), 5, 2: with a
    // threshold of 3, four meaningful gains (rows 1, 3, 5, 7) and two small ones (2, 8).
    // improved-wellbeing: 4 × £3,250 × (1 − 25%) × (1 − 20%) = 7,800; year 2 after 50%
    // drop-off 3,900. small-wellbeing-gain: 2 × £1,300 × (1 − 40%) × (1 − 20%) = 1,248.
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes[0]["quantity"], "4");
    assert_eq!(outcomes[0]["proxy"]["value"], "3250.00");
    assert_eq!(outcomes[0]["impact"], "7800.00");
    assert_eq!(
        outcomes[0]["years"],
        serde_json::json!(["7800.00", "3900.00"])
    );
    assert_eq!(outcomes[1]["quantity"], "2");
    assert_eq!(outcomes[1]["proxy"]["value"], "1300.00");
    assert_eq!(outcomes[1]["impact"], "1248.00");
    // Discounted at 3.5% at the end of each year.
    let r = d("1.035");
    let pv = (d("7800") + d("1248")) / r + d("3900") / (r * r);
    assert_eq!(report["total_present_value"], round(pv, 2).as_str());
    assert_eq!(report["total_present_value"], "12382.72");
    assert_eq!(report["investment"], "5000.00");
    assert_eq!(report["ratio"], round(pv / d("5000"), 4).as_str());
    assert_eq!(
        report["net_ratio"],
        round((pv - d("5000")) / d("5000"), 4).as_str()
    );
    // Payback: 5,000 / ((7,800 + 1,248) / 12) months.
    let payback = d("5000") / ((d("7800") + d("1248")) / d("12"));
    assert_eq!(report["payback_months"], round(payback, 2).as_str());

    // The param reaches the rules through `--set`.
    let raised = sroi_in(
        elsewhere.path(),
        &[
            "run",
            model,
            "--format",
            "json",
            "--set",
            "wemwbs_threshold=6",
        ],
    );
    let raised: serde_json::Value = serde_json::from_slice(&raised.stdout).unwrap();
    // Threshold 6: rows 1 and 5 are meaningful; rows 2, 3, 7, 8 (gains 1, 5, 5, 2) small.
    assert_eq!(raised["outcomes"][0]["quantity"], "2");
    assert_eq!(raised["outcomes"][1]["quantity"], "4");
}

#[test]
fn init_never_overwrites_and_says_which_files_are_in_the_way() {
    let home = tempfile::tempdir().unwrap();
    fs::write(home.path().join("README.md"), "mine\n").unwrap();
    let out = sroi_in(home.path(), &["init", ".", "--id", "pilot"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("README.md already exists"), "{err}");
    assert!(err.contains("never overwrites"), "{err}");
    // Nothing was written, and the analyst's file is untouched.
    assert_eq!(
        fs::read_to_string(home.path().join("README.md")).unwrap(),
        "mine\n"
    );
    assert!(!home.path().join("models").exists());
    assert!(!home.path().join("scripts").exists());

    // Into an empty folder it works once, then refuses every file the second time.
    let fresh = home.path().join("fresh");
    assert!(
        sroi_in(home.path(), &["init", "fresh", "--id", "pilot"])
            .status
            .success()
    );
    let before = fs::read(fresh.join("models/pilot.yaml")).unwrap();
    let again = sroi_in(home.path(), &["init", "fresh", "--id", "pilot"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(text(&again.stderr).matches("already exists").count(), 5);
    assert_eq!(fs::read(fresh.join("models/pilot.yaml")).unwrap(), before);
    // No temporary files are left behind.
    for entry in walk(&fresh) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with(".sroi-init-"), "{name}");
    }
}

#[test]
fn init_into_a_file_says_so() {
    let home = tempfile::tempdir().unwrap();
    fs::write(home.path().join("notes.txt"), "mine\n").unwrap();
    let out = sroi_in(home.path(), &["init", "notes.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("notes.txt is a file, not a folder"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(home.path().join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn a_bad_id_is_a_command_line_error() {
    let home = tempfile::tempdir().unwrap();
    let out = sroi_in(home.path(), &["init", "x", "--id", "Not An Id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--id not-an-id"),
        "{}",
        text(&out.stderr)
    );
    assert!(!home.path().join("x").exists());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
