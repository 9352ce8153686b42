//! `sroi batch`: its figures are `sroi run --format json`'s, in input order whatever the
//! number of threads; shards partition the portfolio; a broken model gets a failure line
//! while the others run; shared proxy sets and scripts are built once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::sroi;
use rayon::prelude::*;
use serde_json::Value;
use sroi::project::{self, LoadCache, LoadOptions, SharedCache};
use sroi::source::{DiskFiles, Files};

const SETS: [&str; 3] = ["uk", "london", "north-west"];
const HEADLINE: [&str; 6] = [
    "investment",
    "total_present_value",
    "net_present_value",
    "ratio",
    "net_ratio",
    "payback_months",
];

fn shipped_models() -> Vec<String> {
    let mut models: Vec<String> = std::fs::read_dir("models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    models.sort();
    assert!(models.len() >= 7, "{models:?}");
    models
}

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A scratch folder holding a copy of `models/` and `scripts/`, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sroi-batch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(Path::new("models"), &dir.join("models"));
        copy_tree(Path::new("scripts"), &dir.join("scripts"));
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
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

#[test]
fn figures_equal_run_json_for_every_shipped_model_under_three_sets() {
    let models = shipped_models();
    let mut args = vec![
        "batch",
        "--proxies",
        "uk,london,north-west",
        "--format",
        "jsonl",
    ];
    args.extend(models.iter().map(String::as_str));
    let out = sroi(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), models.len() * SETS.len());
    // One line per model × set, models in input order, sets in the order given.
    let mut lines = lines.iter();
    for model in &models {
        for set in SETS {
            let line = lines.next().unwrap();
            assert_eq!(line["model"], model.as_str());
            assert_eq!(line["proxy_set"], set);
            assert_eq!(line["status"], "ok");
            assert_eq!(line["error"], Value::Null);
            let run = sroi(&["run", model, "--proxies", set, "--format", "json"]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let run: Value = serde_json::from_str(&run.stdout).unwrap();
            for key in HEADLINE {
                assert_eq!(line[key], run[key], "{model} under {set}: {key}");
            }
        }
    }
}

#[test]
fn csv_has_the_contract_header_and_the_models_own_sets() {
    let models = shipped_models();
    let mut args = vec!["batch"];
    args.extend(models.iter().map(String::as_str));
    let out = sroi(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut rows = out.stdout.lines();
    assert_eq!(
        rows.next().unwrap(),
        "model,proxy_set,status,investment,total_present_value,net_present_value,ratio,net_ratio,payback_months,error"
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), models.len());
    for (row, model) in rows.iter().zip(&models) {
        // Every shipped model names `proxies: uk`; ratio to 4 places; no error.
        assert!(row.starts_with(&format!("{model},uk,ok,")), "{row}");
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells.len(), 10, "{row}");
        assert_eq!(cells[6].split('.').nth(1).unwrap().len(), 4, "{row}");
        assert_eq!(cells[9], "", "{row}");
    }
}

fn binary(args: &[&str], threads: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sroi"));
    command.args(args).env_remove("RAYON_NUM_THREADS");
    if let Some(n) = threads {
        command.env("RAYON_NUM_THREADS", n);
    }
    let out = command.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn output_is_identical_with_one_or_two_threads_and_jobs_one() {
    let models = shipped_models();
    for format in ["csv", "json", "jsonl"] {
        let mut args = vec![
            "batch",
            "--proxies",
            "uk,london,north-west",
            "--format",
            format,
        ];
        args.extend(models.iter().map(String::as_str));
        let one = binary(&args, Some("1"));
        assert_eq!(binary(&args, Some("2")), one, "{format}");
        assert_eq!(binary(&args, None), one, "{format}");
        let mut jobs = args.clone();
        jobs.extend(["--jobs", "1"]);
        assert_eq!(binary(&jobs, Some("2")), one, "{format}");
        jobs.pop();
        jobs.push("2");
        assert_eq!(binary(&jobs, None), one, "{format}");
    }
}

#[test]
fn shards_partition_the_portfolio_by_position() {
    let models = shipped_models();
    let mut whole_args = vec!["batch", "--proxies", "uk,london", "--format", "jsonl"];
    whole_args.extend(models.iter().map(String::as_str));
    let whole = jsonl(&sroi(&whole_args).stdout);
    assert_eq!(whole.len(), models.len() * 2);
    let count = 3;
    let mut concatenated = Vec::new();
    for i in 1..=count {
        let shard = format!("{i}/{count}");
        let mut args = whole_args.clone();
        args.extend(["--shard", shard.as_str()]);
        let out = sroi(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lines = jsonl(&out.stdout);
        // Shard i holds the models at 1-based positions i, i+3, i+6, …
        let expected: Vec<&String> = models.iter().skip(i - 1).step_by(count).collect();
        let got: Vec<&str> = lines
            .iter()
            .step_by(2)
            .map(|l| l["model"].as_str().unwrap())
            .collect();
        assert_eq!(got, expected, "{shard}");
        concatenated.extend(lines);
    }
    assert_eq!(concatenated.len(), whole.len());
    // Put the concatenation back in input order: it is the whole, line for line.
    let position = |line: &Value| {
        let model = line["model"].as_str().unwrap();
        models.iter().position(|m| m == model).unwrap()
    };
    concatenated.sort_by_key(position);
    assert_eq!(concatenated, whole);
    // A shard past the end of a short list is empty, not an error.
    let out = sroi(&["batch", &models[0], "--shard", "2/2"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.lines().count(), 1);
    // Bad shards are usage errors.
    for bad in ["0/2", "3/2", "2", "x/y"] {
        assert_eq!(
            sroi(&["batch", &models[0], "--shard", bad]).code,
            2,
            "{bad}"
        );
    }
    assert_eq!(sroi(&["batch", &models[0], "--jobs", "0"]).code, 2);
}

#[test]
fn a_broken_model_gets_its_failure_line_and_the_others_still_run() {
    let scratch = Scratch::new("broken");
    let dir = scratch.0.join("models");
    let good = std::fs::read_to_string("models/shared-reading.yaml").unwrap();
    // An unknown proxy id: a located error, at the line that names it.
    let broken = good.replacen("proxies: uk", "proxies: nowhere", 1);
    assert_ne!(broken, good);
    std::fs::write(dir.join("broken.yaml"), &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.starts_with("proxies: nowhere"))
        .unwrap()
        + 1;
    let paths: Vec<String> = [
        "tate-wellbeing.yaml",
        "broken.yaml",
        "missing.yaml",
        "shared-reading.yaml",
    ]
    .iter()
    .map(|m| dir.join(m).to_string_lossy().into_owned())
    .collect();
    let mut args = vec!["batch", "--format", "jsonl"];
    args.extend(paths.iter().map(String::as_str));
    let out = sroi(&args);
    assert_eq!(out.code, 1);
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 4);
    let status: Vec<&str> = lines
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "invalid", "invalid", "ok"]);
    let error = lines[1]["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("broken.yaml:{line}:")) && error.contains("nowhere"),
        "{error}"
    );
    assert_eq!(lines[1]["proxy_set"], "nowhere");
    assert_eq!(lines[1]["ratio"], Value::Null);
    assert!(
        lines[2]["error"].as_str().unwrap().contains("missing.yaml"),
        "{}",
        lines[2]
    );
    // The good ones have the same figures as on their own.
    let alone = jsonl(&sroi(&["batch", "--format", "jsonl", &paths[3]]).stdout);
    assert_eq!(lines[3], alone[0]);
    // Each failure is also reported in full on stderr.
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
}

#[test]
fn shared_sets_and_scripts_are_read_and_compiled_once() {
    let scratch = Scratch::new("shared");
    let root = &scratch.0;
    // Twenty copies of one model beside the original, and five in a folder below that
    // name the same script and tables by another relative path.
    let text = std::fs::read_to_string("models/arts-for-health.yaml").unwrap();
    let mut paths = Vec::new();
    for i in 0..20 {
        let path = root.join("models").join(format!("copy-{i}.yaml"));
        std::fs::write(&path, &text).unwrap();
        paths.push(path);
    }
    let deeper = root.join("models/portfolio");
    std::fs::create_dir_all(&deeper).unwrap();
    let moved = text
        .replace("script: ../scripts/", "script: ../../scripts/")
        .replace(": data/", ": ../data/")
        .replace("proxies: uk", "proxies: ../proxies/uk.yaml")
        .replace(
            "deflator: ons-gdp-deflator",
            "deflator: ../deflators/ons-gdp-deflator.yaml",
        );
    for i in 0..5 {
        let path = deeper.join(format!("deep-{i}.yaml"));
        std::fs::write(&path, &moved).unwrap();
        paths.push(path);
    }
    // The deeper models' project is `models/`: let them reach the scripts beside it. The
    // copies' project already holds `root`, so both reach the same folders and share a set.
    let options = LoadOptions {
        allow_paths: vec![root.clone()],
        ..LoadOptions::default()
    };
    let shared = Arc::new(SharedCache::default());
    let ratios: Vec<String> = paths
        .par_iter()
        .map(|path| {
            let mut files = DiskFiles::default();
            let file = files.read(path).unwrap();
            let (model, read) = sroi::model::read_model(&file);
            let mut cache = LoadCache::sharing(Arc::clone(&shared));
            let (project, _) =
                project::load_parsed(&mut files, model.unwrap(), read, &options, &mut cache)
                    .unwrap_or_else(|d| panic!("{path:?}: {d:?}"));
            let e = sroi::evaluate::evaluate(&project).unwrap();
            sroi::report::fixed(e.ratio.unwrap(), 4)
        })
        .collect();
    // Same figures everywhere, as `run` gives for the original.
    let run: Value = serde_json::from_str(
        &sroi(&["run", "models/arts-for-health.yaml", "--format", "json"]).stdout,
    )
    .unwrap();
    assert!(ratios.iter().all(|r| *r == run["ratio"]), "{ratios:?}");
    assert_eq!(shared.sets_built(), 1, "the uk set, once");
    assert_eq!(
        shared.runtimes_built(),
        1,
        "the script and its tables, once"
    );
}
