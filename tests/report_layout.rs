//! The table and Markdown reports: long text wraps to the width (the terminal's, or 100
//! columns when piped), figures never wrap (a table of figures too wide is drawn in parts
//! of whole columns), and both say that totals come from unrounded figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::sroi;
use sroi::project::{self, LoadOptions};
use sroi::source::DiskFiles;

const LONG: &str = "A very long description that an analyst might well write, with several \
clauses, a list of what was delivered, where, by whom and for how long, and a note on the \
evidence behind it, so that it is far wider than any terminal";

fn model(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("m.yaml");
    let text = format!(
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nstakeholders:\n  - id: people\n    name: \"{LONG}\"\n\
         \x20 - id: funder\ninputs:\n  - stakeholder: funder\n    description: \"{LONG}\"\n    value: 3\n\
         outputs:\n  - description: \"{LONG}\"\n    quantity: 3\n\
         outcomes:\n  - id: a\n    stakeholder: people\n    description: \"{LONG}\"\n    indicator: \"{LONG}\"\n\
         \x20   quantity: 1\n    proxy: {{ value: 1, source: \"{LONG}\" }}\n    duration: 1\n\
         \x20 - id: b\n    stakeholder: people\n    quantity: 1\n    proxy: {{ value: 1, source: s }}\n    duration: 1\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The lines of the sections that hold text (not the tables of figures): the long text.
fn text_sections(report: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in report.lines() {
        match line {
            "Inputs" | "Outputs" | "Stakeholders" | "Outcomes and proxies" => keep = true,
            "Impact map" | "Value by year" | "Summary" => keep = false,
            _ => {}
        }
        if keep {
            out.push(line);
        }
    }
    out
}

#[test]
fn long_text_wraps_to_100_columns_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path());
    let out = sroi(&["run", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = text_sections(&out.stdout);
    assert!(lines.len() > 20, "{}", out.stdout);
    // Every line of the report, the tables of figures included.
    for line in out.stdout.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} wide: {line}",
            line.chars().count()
        );
    }
    // The description really was long, and is all there.
    assert!(lines.iter().any(|l| l.chars().count() > 90));
    let joined: String = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains("far wider than any"), "{joined}");
}

#[test]
fn a_narrow_terminal_wraps_text_and_never_breaks_a_figure() {
    let dir = tempfile::tempdir().unwrap();
    let path = model(dir.path());
    let (project, _) =
        project::load(&mut DiskFiles::default(), &path, &LoadOptions::default()).unwrap();
    let evaluation = sroi::evaluate::evaluate(&project).unwrap();
    let report = sroi::report::table::render_width(&evaluation, 60);
    // The impact map is drawn in parts of whole columns, each led by the outcome.
    assert!(report.contains("\nImpact map (continued)\n"), "{report}");
    for header in ["Deadweight", "Present value", "Quantity"] {
        assert!(
            report.contains(&format!(" {header} ")),
            "{header}: {report}"
        );
    }
    // Every table line (the heading and closing sentences are plain text).
    let tables = report
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']));
    for line in tables {
        assert!(
            line.chars().count() <= 60,
            "{} wide: {line}",
            line.chars().count()
        );
    }
    // The money column is as wide as its widest figure: `£3.00` is whole on its line.
    assert!(report.contains("┆ £3.00 ┆"), "{report}");
    // The figures tables keep every column whole, however narrow the width.
    assert!(
        report.contains("│ Total present value        ┆        £1.93 │"),
        "{report}"
    );
}

#[test]
fn table_and_markdown_say_totals_come_from_unrounded_figures() {
    let note = "Totals are computed from unrounded figures, so rows may not add up to the penny.";
    let worked = "tests/conformance/valid/spec-worked-check.yaml";
    let table = sroi(&["run", worked]).stdout;
    assert_eq!(table.matches(note).count(), 1, "{table}");
    let markdown = sroi(&["run", worked, "--format", "markdown"]).stdout;
    assert_eq!(
        markdown.matches(&format!("_{note}_")).count(),
        1,
        "{markdown}"
    );
    // Only where figures are rounded for people: not in JSON or CSV.
    for format in ["json", "csv"] {
        assert!(
            !sroi(&["run", worked, "--format", format])
                .stdout
                .contains(note)
        );
    }
}

/// On a terminal the binary wraps to the terminal's width: run under `script` (a
/// pseudo-terminal) set to 70 columns.
#[test]
fn on_a_terminal_tables_fit_its_width() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: `script` is not installed, so no terminal can be simulated");
        return;
    }
    let command = format!(
        "stty rows 40 cols 70; {} run models/arts-for-health.yaml",
        env!("CARGO_BIN_EXE_sroi")
    );
    let out = std::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let tables: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
        .collect();
    assert!(tables.len() > 50, "{text}");
    for line in &tables {
        assert!(
            line.chars().count() <= 70,
            "{} wide: {line}",
            line.chars().count()
        );
    }
    assert!(
        text.contains("£3.42 of social value per £1 invested"),
        "{text}"
    );
}
