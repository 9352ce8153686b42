//! The command line: exit statuses, messages, formats and options.
#![allow(clippy::unwrap_used)]

mod common;

use common::sroi;
use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::process::Command;

const WORKED: &str = "tests/conformance/valid/spec-worked-check.yaml";

fn bin() -> Command {
    let mut cmd = Command::new(get_cargo_bin("sroi"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn worked_check_json_matches_spec_to_the_penny() {
    let out = sroi(&["run", WORKED, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["investment"], "5000.00");
    assert_eq!(v["total_present_value"], "15221.50");
    assert_eq!(v["net_present_value"], "10221.50");
    assert_eq!(v["ratio"], "3.0443");
    assert_eq!(v["net_ratio"], "2.0443");
    assert_eq!(v["payback_months"], "10.00");
    assert_eq!(v["discount_rate"], "0.035");
    assert_eq!(v["horizon_years"], 3);
    let o = &v["outcomes"][0];
    assert_eq!(o["impact"], "6000.00");
    assert_eq!(
        o["years"],
        serde_json::json!(["6000.00", "5400.00", "4860.00"])
    );
    assert_eq!(o["deadweight"], "0.20");
    assert_eq!(o["attribution"], "0.25");
    assert_eq!(o["drop_off"], "0.10");
    assert_eq!(o["quantity"], "10");
    assert_eq!(o["proxy"]["value"], "1000.00");
    assert_eq!(o["duration"], 3);
    assert_eq!(o["start"], "during");
}

#[test]
fn table_says_the_ratio_the_way_analysts_do() {
    let out = sroi(&["run", WORKED]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .ends_with("£3.04 of social value per £1 invested\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("£15,221.50"));
}

#[test]
fn csv_has_one_row_per_outcome_then_totals_all_the_same_width() {
    let out = sroi(&["run", "models/imagine-your-goals.yaml", "--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let width = reader.headers().unwrap().len();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().all(|r| r.len() == width));
    let firsts: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    let tail = &firsts[firsts.len() - 9..];
    assert_eq!(
        tail,
        [
            "total",
            "investment",
            "investment_face_value",
            "investment_year_1",
            "investment_year_1_present_value",
            "net_present_value",
            "ratio",
            "net_ratio",
            "payback_months"
        ]
    );
}

#[test]
fn markdown_is_pasteable() {
    let out = sroi(&["run", WORKED, "--format", "markdown"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .starts_with("# Format worked check (spec-worked-check)\n")
    );
    assert!(out.stdout.contains("| Outcome | Stakeholder | Quantity |"));
    assert!(
        out.stdout
            .contains("**£3.04 of social value per £1 invested**")
    );
}

#[test]
fn proxies_swap_changes_regional_values_only() {
    let uk = sroi(&["run", "models/imagine-your-goals.yaml", "--format", "json"]);
    let london = sroi(&[
        "run",
        "models/imagine-your-goals.yaml",
        "--format",
        "json",
        "--proxies",
        "london",
    ]);
    assert_eq!(uk.code, 0, "{}", uk.stderr);
    assert_eq!(london.code, 0, "{}", london.stderr);
    let uk: serde_json::Value = serde_json::from_str(&uk.stdout).unwrap();
    let london: serde_json::Value = serde_json::from_str(&london.stdout).unwrap();
    assert_eq!(london["proxy_set"]["id"], "london");
    assert_eq!(
        london["proxy_set"]["chain"],
        serde_json::json!(["london", "uk"])
    );
    assert_ne!(uk["total_present_value"], london["total_present_value"]);
    // A proxy london does not override is still the UK figure, supplied by set `uk`.
    let changed = london["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(uk["outcomes"].as_array().unwrap());
    for (l, u) in changed {
        if l["proxy"]["set"] == "uk" {
            assert_eq!(l["proxy"]["value"], u["proxy"]["value"]);
        } else if l["proxy"]["set"] == "london" {
            assert_ne!(l["proxy"]["value"], u["proxy"]["value"], "{}", l["id"]);
        }
    }
}

#[test]
fn proxies_by_path_work_relative_to_the_working_directory() {
    let out = sroi(&[
        "run",
        "models/imagine-your-goals.yaml",
        "--proxies",
        "models/proxies/north-west.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\"id\": \"north-west\""));
}

#[test]
fn unknown_proxy_set_suggests_the_nearest() {
    let out = sroi(&[
        "run",
        "models/imagine-your-goals.yaml",
        "--proxies",
        "londn",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("proxy set `londn`: cannot read the proxy set: no such file"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `london`?"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "", "no half report");
}

#[test]
fn set_overrides_a_param_and_rejects_unknown_ones() {
    let out = sroi(&[
        "run",
        "tests/conformance/valid/params.yaml",
        "--set",
        "referals=5",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("the model has no param `referals`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `referrals`?"),
        "{}",
        out.stderr
    );
    let out = sroi(&[
        "run",
        "tests/conformance/valid/params.yaml",
        "--set",
        "referrals=abc",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("`abc` is not a number"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("--set takes a number, e.g. `--set referrals=150`"),
        "{}",
        out.stderr
    );
    let out = sroi(&[
        "run",
        "tests/conformance/valid/params.yaml",
        "--set",
        "referrals=150",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("\"referrals\": \"150\""),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_model_file_is_exit_1_with_the_path() {
    let out = sroi(&["run", "models/nope.yaml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("models/nope.yaml: cannot read the model: no such file"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_reports_every_file_and_fails_if_any_is_invalid() {
    let out = sroi(&[
        "check",
        WORKED,
        "models/nope.yaml",
        "models/proxies/uk.yaml",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains(&format!("ok      {WORKED}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("invalid models/nope.yaml"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("ok      models/proxies/uk.yaml  proxy set"),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_command_lines_exit_2() {
    assert_cmd_snapshot!(bin());
    assert_cmd_snapshot!(bin().args(["run"]));
    assert_cmd_snapshot!(bin().args(["run", WORKED, "--format", "xml"]));
    assert_cmd_snapshot!(bin().args(["run", WORKED, "--set", "novalue"]));
    assert_cmd_snapshot!(bin().args(["frobnicate"]));
}

#[test]
fn the_binary_exits_0_and_1_as_spec_says() {
    assert_cmd_snapshot!(bin().args(["run", WORKED, "--format", "json"]));
    assert_cmd_snapshot!(bin().args(["run", "tests/conformance/invalid/unknown-stakeholder.yaml"]));
}

/// Every file under `dir` with its bytes.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut all = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(tree(&path));
        } else {
            all.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    all
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// No command writes its output over a file it read: exit 2 (the command line asks for the
/// overwrite; the files are fine), a message naming the option, and every file unchanged.
#[test]
fn no_output_option_overwrites_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_tree(&repo.join("models"), &root.join("models"));
    copy_tree(&repo.join("scripts"), &root.join("scripts"));
    copy_tree(&repo.join("tests/assets/small"), &root.join("small"));
    let sroi_in = |args: &[&str]| {
        Command::new(get_cargo_bin("sroi"))
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let made = sroi_in(&[
        "run",
        "models/arts-for-health.yaml",
        "--format",
        "xlsx",
        "--out",
        "afh.xlsx",
    ]);
    assert_eq!(made.status.code(), Some(0));
    let model = "models/musician-in-residence.yaml";
    let input = "is one of the model's inputs";
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "--receipt",
            input,
            vec!["sensitivity", model, "--receipt", model],
        ),
        (
            "--receipt",
            input,
            vec![
                "simulate",
                model,
                "--draws",
                "10",
                "--receipt",
                "scripts/lib/wellbeing.rhai",
            ],
        ),
        (
            "--receipt",
            input,
            vec!["run", model, "--receipt", "models/proxies/uk.yaml"],
        ),
        (
            "--receipt",
            "is the same file as --out",
            vec!["run", model, "--out", "r.json", "--receipt", "./r.json"],
        ),
        (
            "--out",
            input,
            vec![
                "compare",
                model,
                "models/arts-for-health.yaml",
                "--out",
                "models/data/arts-for-health-attendance.csv",
            ],
        ),
        (
            "--out",
            "is the workbook being imported",
            vec!["import", "afh.xlsx", "--out", "./afh.xlsx"],
        ),
        (
            "--out",
            "is the register being exported",
            vec![
                "assets",
                "export",
                "small/registers/town.yaml",
                "--format",
                "geojson",
                "--out",
                "small/registers/../registers/town.yaml",
            ],
        ),
    ];
    for (option, what, args) in cases {
        let before = tree(root);
        let out = sroi_in(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("× {option} ")) && stderr.contains(what),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(tree(root) == before, "{args:?}: a file changed");
    }
}

/// `assets export --out` names none of the files the register reads, under any spelling:
/// its tables, survey, rules script and the modules it imports, its baseline wave and
/// that wave's table. Refused with exit 2 before anything is written (a GeoPackage is
/// written while exporting), every file unchanged.
#[test]
fn assets_export_never_overwrites_a_file_the_register_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["registers", "scripts", "models"] {
        copy_tree(&repo.join(sub), &root.join(sub));
    }
    copy_tree(&repo.join("tests/assets/small"), &root.join("small"));
    let export = |register: &str, format: &str, out: &str| {
        let args = [
            "assets", "export", register, "--format", format, "--out", out,
        ];
        let before = tree(root);
        let run = Command::new(get_cargo_bin("sroi"))
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("× --out ") && stderr.contains("is a file the register reads"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("nothing was written"), "{args:?}: {stderr}");
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(tree(root) == before, "{args:?}: a file changed");
    };
    let blackpool = "registers/blackpool.yaml";
    export(blackpool, "geojson", "registers/data/blackpool-assets.csv");
    export(blackpool, "geojson", "scripts/assets/blackpool.rhai");
    export(blackpool, "oruk", "registers/data/blackpool-survey.csv");
    let liverpool = "registers/liverpool.yaml";
    export(liverpool, "gpkg", "registers/liverpool-2008.yaml");
    export(liverpool, "gpkg", "registers/data/liverpool-2008.csv");
    let town = "small/registers/town.yaml";
    export(town, "geojson", "small/scripts/lib/words.rhai");
    export(town, "gpkg", "./small/registers/data/../data/town.csv");
}
