//! Conformance cases: every `tests/conformance/invalid/*.yaml` must be rejected by
//! `sroi check` with located, helpful diagnostics, and every
//! `tests/conformance/valid/*.yaml` must pass `check` and give its stated ratio.
//!
//! Each case states what it expects in comment lines (anywhere in the file):
//!
//! - `# expect: TEXT`: TEXT appears in the rendered diagnostics (stderr);
//! - `# expect-not: TEXT`: TEXT does not appear (e.g. a follow-on error or a wrong hint);
//! - `# located-in: PATH`: the diagnostics point into PATH rather than the case itself
//!   (for problems that sit in a proxy set the case uses);
//! - `# expect-ratio: 3.0443` or `# expect-ratio: null`: the JSON `ratio` of `run` (valid cases);
//! - `# expect-warning: TEXT`: one of the JSON `warnings` contains TEXT (valid cases).
//!
//! Helper proxy sets live in `proxies/` below each folder, so the globs (`*.yaml`) skip them.
//! A new case is picked up automatically; its stderr is pinned by a snapshot in
//! `tests/snapshots/conformance__invalid@NAME.yaml.snap`.
//!
//! Every case is run even when an earlier one fails, and all failures are listed together.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use sroi::cli::{Io, run};
use sroi::diagnostic::Style;

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `sroi ARGS...` in-process, with plain diagnostics; a panic is returned as an error.
fn sroi(args: &[&str]) -> Result<Output, String> {
    let mut argv = vec!["sroi"];
    argv.extend_from_slice(args);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut io = Io {
            stdout: &mut out,
            stderr: &mut err,
            style: Style::Plain,
        };
        let code = run(argv.clone(), &mut io);
        (code, out, err)
    }));
    match result {
        Ok((code, out, err)) => Ok(Output {
            code,
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
        }),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "(no message)".to_owned());
            Err(format!("`sroi {}` panicked: {message}", args.join(" ")))
        }
    }
}

/// The case's path relative to the crate root, with `/`, as a user would type it.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root: PathBuf = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The `# key: value` directives of a case.
#[derive(Default)]
struct Directives {
    expect: Vec<String>,
    expect_not: Vec<String>,
    located_in: Option<String>,
    ratio: Option<String>,
    warnings: Vec<String>,
}

fn directives(text: &str) -> Result<Directives, String> {
    let mut d = Directives::default();
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let comment = comment.trim();
        let Some((key, value)) = comment.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "expect" => d.expect.push(value),
            "expect-not" => d.expect_not.push(value),
            "located-in" => d.located_in = Some(value),
            "expect-ratio" => d.ratio = Some(value),
            "expect-warning" => d.warnings.push(value),
            other if other.starts_with("expect") || other.starts_with("located") => {
                return Err(format!("unknown directive `# {other}:`"));
            }
            _ => {}
        }
    }
    if d.expect
        .iter()
        .chain(&d.expect_not)
        .chain(&d.warnings)
        .any(String::is_empty)
    {
        return Err("an `# expect` directive has no text".to_owned());
    }
    Ok(d)
}

/// Whether `text` contains `path:LINE:COL`.
fn has_location(text: &str, path: &str) -> bool {
    let needle = format!("{path}:");
    text.match_indices(&needle).any(|(at, _)| {
        let rest = &text[at + needle.len()..];
        let line_digits = rest.chars().take_while(char::is_ascii_digit).count();
        let Some(rest) = rest.get(line_digits..).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        line_digits > 0 && rest.chars().next().is_some_and(|c| c.is_ascii_digit())
    })
}

/// The rendered diagnostics, one block per `×` (error) or `⚠` (warning) header.
fn diagnostic_blocks(stderr: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in stderr.lines() {
        let t = line.trim_start();
        if t.starts_with('×') || t.starts_with('⚠') {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// The rendered diagnostics without the quoted source lines (`12 │ ...`), so that an
/// `# expect:` comment quoted as context can never satisfy itself.
fn without_quoted_source(stderr: &str) -> String {
    let mut kept = String::new();
    for line in stderr.lines() {
        let t = line.trim_start();
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        let quoted = digits > 0 && t[digits..].trim_start().starts_with('│');
        if !quoted {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// Everything wrong with one invalid case; empty when it conforms.
fn check_invalid(case: &str, text: &str, out: &Output) -> Vec<String> {
    let mut problems = Vec::new();
    let d = match directives(text) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    if d.expect.is_empty() {
        problems.push("the case has no `# expect:` line".to_owned());
    }
    if out.code != 1 {
        problems.push(format!("exit status {} (expected 1)", out.code));
    }
    if !out.stdout.contains(&format!("invalid {case}")) {
        problems.push(format!(
            "stdout does not say `invalid {case}`: {:?}",
            out.stdout
        ));
    }
    let messages = without_quoted_source(&out.stderr);
    for e in &d.expect {
        if !messages.contains(e.as_str()) {
            problems.push(format!("missing expected text: {e}"));
        }
    }
    for e in &d.expect_not {
        if messages.contains(e.as_str()) {
            problems.push(format!("unwanted text present: {e}"));
        }
    }
    let located = d.located_in.as_deref().unwrap_or(case);
    if !has_location(&out.stderr, located) {
        problems.push(format!("no located message (`{located}:LINE:COL`)"));
    }
    let blocks = diagnostic_blocks(&out.stderr);
    if blocks.is_empty() {
        problems.push("no diagnostic rendered".to_owned());
    }
    for block in &blocks {
        if !block.lines().any(|l| l.trim_start().starts_with("help:")) {
            let first = block.lines().next().unwrap_or_default().trim();
            problems.push(format!("diagnostic without `help:`: {first}"));
        }
    }
    if !(out.stderr.ends_with(" error found\n") || out.stderr.ends_with(" errors found\n")) {
        problems.push("stderr does not end with the `N errors found` count".to_owned());
    }
    problems
}

fn report(failures: &[String], what: &str) {
    assert!(
        failures.is_empty(),
        "{} {what} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_invalid_case_is_rejected_with_located_helpful_diagnostics() {
    let mut failures = Vec::new();
    // `glob!` panics at its end when a snapshot differs; catch that so the expectation
    // failures below are listed too, not lost.
    let snapshots = catch_unwind(AssertUnwindSafe(|| {
        insta::glob!("conformance/invalid", "*.yaml", |path| {
            let case = relative(path);
            let text = std::fs::read_to_string(path).expect("read the case");
            let out = match sroi(&["check", &case]) {
                Ok(out) => out,
                Err(panic) => {
                    failures.push(format!("{case}: {panic}"));
                    return;
                }
            };
            let problems = check_invalid(&case, &text, &out);
            if problems.is_empty() {
                insta::assert_snapshot!("invalid", out.stderr);
            } else {
                failures.push(format!(
                    "{case}:\n  - {}\n--- stderr ---\n{}",
                    problems.join("\n  - "),
                    out.stderr
                ));
            }
        });
    }));
    if snapshots.is_err() {
        failures.push("snapshot mismatches: see the snapshot summaries above".to_owned());
    }
    report(&failures, "invalid");
}

/// Everything wrong with one valid case; empty when it conforms.
fn check_valid(case: &str, text: &str) -> Vec<String> {
    let d = match directives(text) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    if !d.expect.is_empty() || !d.expect_not.is_empty() || d.located_in.is_some() {
        problems.push(
            "`# expect:`, `# expect-not:` and `# located-in:` are for invalid cases".to_owned(),
        );
    }
    match sroi(&["check", case]) {
        Err(panic) => problems.push(panic),
        Ok(out) => {
            if out.code != 0 {
                problems.push(format!(
                    "`check` exit status {} (expected 0):\n{}",
                    out.code, out.stderr
                ));
            } else if out.stderr.lines().any(|l| l.trim_start().starts_with('×')) {
                problems.push(format!("`check` printed an error:\n{}", out.stderr));
            }
            if !(out.stdout.starts_with("ok") && out.stdout.contains(case)) {
                problems.push(format!("`check` stdout does not say ok: {:?}", out.stdout));
            }
        }
    }
    match sroi(&["run", case, "--format", "json"]) {
        Err(panic) => problems.push(panic),
        Ok(out) if out.code != 0 => {
            problems.push(format!(
                "`run --format json` exit status {}:\n{}",
                out.code, out.stderr
            ));
        }
        Ok(out) => match serde_json::from_str::<serde_json::Value>(&out.stdout) {
            Err(e) => problems.push(format!(
                "`run --format json` is not JSON ({e}): {}",
                out.stdout
            )),
            Ok(json) => {
                if let Some(expected) = &d.ratio {
                    let want = if expected == "null" {
                        serde_json::Value::Null
                    } else {
                        serde_json::Value::String(expected.clone())
                    };
                    if json["ratio"] != want {
                        problems.push(format!("ratio {} (expected {want})", json["ratio"]));
                    }
                }
                let warnings: Vec<&str> = json["warnings"]
                    .as_array()
                    .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                    .unwrap_or_default();
                for w in &d.warnings {
                    if !warnings.iter().any(|have| have.contains(w.as_str())) {
                        problems.push(format!(
                            "no warning containing `{w}` (warnings: {warnings:?})"
                        ));
                    }
                }
            }
        },
    }
    problems
}

#[test]
fn every_valid_case_checks_clean_and_gives_its_ratio() {
    let mut failures = Vec::new();
    insta::glob!("conformance/valid", "*.yaml", |path| {
        let case = relative(path);
        let text = std::fs::read_to_string(path).expect("read the case");
        let problems = check_valid(&case, &text);
        if !problems.is_empty() {
            failures.push(format!("{case}:\n  - {}", problems.join("\n  - ")));
        }
    });
    report(&failures, "valid");
}

#[test]
fn directives_and_locations_are_read_as_documented() {
    let d = directives("# expect: a `b`: c\n#expect-not: x\n# located-in: p/q.yaml\nsroi: 1\n")
        .unwrap();
    assert_eq!(d.expect, ["a `b`: c"]);
    assert_eq!(d.expect_not, ["x"]);
    assert_eq!(d.located_in.as_deref(), Some("p/q.yaml"));
    assert!(directives("# expects: typo\n").is_err());
    assert!(has_location("  ╭─[m/a.yaml:12:5]", "m/a.yaml"));
    assert!(!has_location(
        "cannot read m/a.yaml: no such file",
        "m/a.yaml"
    ));
    assert!(!has_location("m/a.yaml:12]", "m/a.yaml"));
    let blocks = diagnostic_blocks("  × one\n  help: h\n  × two\n1 error found\n");
    assert_eq!(blocks.len(), 2);
    let kept = without_quoted_source("  × a\n 2 │ # expect: x\n 12 │ y\n  │ wrapped\n  help: h\n");
    assert_eq!(kept, "  × a\n  │ wrapped\n  help: h\n");
}
