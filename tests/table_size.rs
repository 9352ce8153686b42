//! `--max-table-size`: data tables may be large (2 GiB by default), but never larger than
//! the limit; a table over it is an error at its `data:` line, before it is read.
#![allow(clippy::unwrap_used)]

mod common;

use common::sroi;

const MODEL: &str = "models/arts-for-health.yaml";
/// The model's largest table, `survey:` on line 36, column 11 of the model.
const SURVEY: &str = "models/data/arts-for-health-survey.csv";

/// Diagnostics as one line: miette wraps long messages and marks the wrap with `│`.
fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn survey_bytes() -> u64 {
    std::fs::metadata(SURVEY).unwrap().len()
}

#[test]
fn a_table_over_the_limit_is_refused_at_its_data_line() {
    let size = survey_bytes();
    let limit = (size - 1).to_string();
    let out = sroi(&["run", MODEL, "--max-table-size", &limit]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let err = flat(&out.stderr);
    assert!(
        err.contains(&format!(
            "data table `survey` ({SURVEY}) is {size} bytes, over the limit of {limit} bytes"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("arts-for-health.yaml:36:11"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("raise the limit with `--max-table-size`"),
        "{}",
        out.stderr
    );
    // Only the tables over the limit are named.
    for small in ["attendance", "gp", "volunteers"] {
        assert!(
            !out.stderr.contains(&format!("table `{small}`")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_table_at_or_under_the_limit_is_read_with_the_same_figures() {
    let default = sroi(&["run", MODEL, "--format", "json"]);
    assert_eq!(default.code, 0, "{}", default.stderr);
    let exact = survey_bytes().to_string();
    for limit in [exact.as_str(), "1MB", "1.5GiB", "3GB"] {
        let out = sroi(&["run", MODEL, "--format", "json", "--max-table-size", limit]);
        assert_eq!(out.code, 0, "{limit}: {}", out.stderr);
        assert_eq!(out.stdout, default.stdout, "{limit}");
    }
}

#[test]
fn check_batch_and_compare_take_the_limit_too() {
    let out = sroi(&["check", MODEL, "--max-table-size", "1KB"]);
    assert_eq!(out.code, 1);
    assert!(
        flat(&out.stderr).contains("over the limit of 1000 bytes"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("invalid"), "{}", out.stdout);

    let out = sroi(&["batch", MODEL, "--max-table-size", "1KB"]);
    assert_eq!(out.code, 1);
    let line = out.stdout.lines().nth(1).unwrap();
    assert!(line.contains(",invalid,"), "{line}");
    assert!(
        line.contains("arts-for-health.yaml:35:15: data table `attendance`"),
        "{line}"
    );

    let out = sroi(&["compare", MODEL, "--max-table-size", "1KB"]);
    assert_eq!(out.code, 1);
    assert!(
        flat(&out.stderr).contains("over the limit of 1000 bytes"),
        "{}",
        out.stderr
    );

    for command in ["check", "batch", "compare"] {
        let out = sroi(&[command, MODEL, "--max-table-size", "1MiB"]);
        assert_eq!(out.code, 0, "{command}: {}", out.stderr);
    }
}

#[test]
fn a_bad_size_is_a_command_line_error() {
    for bad in ["0", "ten", "12XB", "1.5", "-5MB"] {
        let out = sroi(&["run", MODEL, &format!("--max-table-size={bad}")]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("--max-table-size"),
            "{bad}: {}",
            out.stderr
        );
    }
}

#[test]
fn every_command_that_loads_a_model_documents_the_default() {
    for command in [
        "run",
        "check",
        "explain",
        "watch",
        "sensitivity",
        "simulate",
        "batch",
        "compare",
    ] {
        let out = sroi(&[command, "--help"]);
        let help = out.stdout.replace('\n', " ");
        assert!(
            help.contains("--max-table-size <SIZE>") && help.contains("[default: 2GiB]"),
            "{command}: {}",
            out.stdout
        );
    }
}
