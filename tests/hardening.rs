//! Hostile and extreme input: each test here failed before its fix (a panic, a raw
//! escape sequence on the terminal, a formula cell, a silent rounding, minutes of work).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{Output, sroi};

/// Write `files` (relative path, text) into a fresh temporary folder.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let root = dir.path().to_path_buf();
    (dir, root)
}

fn run(args: &[&str], model: &Path) -> Output {
    let mut argv = args.to_vec();
    let model = model.to_string_lossy().into_owned();
    argv.push(&model);
    sroi(&argv)
}

const HEAD: &str = "sroi: 1\nid: m\nname: M\ncurrency: GBP\n";

/// Figures near rust_decimal's limit: a gain and a loss that nearly cancel leave a
/// stakeholder's share of the value at 5×10²⁷, whose ×100 overflowed (exit 101).
const EXTREME: &str = "discount_rate: 0%
stakeholders:
  - id: gain
  - id: loss
  - id: funder
inputs:
  - stakeholder: funder
    description: Grant
    value: 1
outcomes:
  - id: big-gain
    stakeholder: gain
    quantity: 1
    proxy: { value: 5000000000000000000000000000, source: illustrative }
    duration: 1
  - id: big-loss
    stakeholder: loss
    quantity: 1
    proxy: { value: -4999999999999999999999999999, source: illustrative }
    duration: 1
";

#[test]
fn figures_near_the_decimal_limit_render_in_every_format() {
    let (_dir, root) = project(&[("m.yaml", &format!("{HEAD}{EXTREME}"))]);
    let model = root.join("m.yaml");
    for format in ["table", "json", "csv", "markdown"] {
        let out = run(&["run", "--format", format], &model);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
    }
    let table = run(&["run"], &model).stdout;
    // Share of value: 5e27 / 1 as a fraction, since ×100 does not fit.
    assert!(
        table.contains("5000000000000000000000000000.0 (as a"),
        "{table}"
    );
    let out = run(&["explain"], &model);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn control_characters_from_model_text_never_reach_the_terminal_raw() {
    let model = format!(
        "{}stakeholders:\n  - id: a\n    name: \"x\\e[31mred\\0nul\"\noutcomes:\n  - id: o\n    stakeholder: a\n    description: \"clear \\e[2J screen\"\n    quantity: 1\n    proxy: {{ value: 1, source: \"src\\u202eevil\" }}\n    duration: 1\n",
        HEAD.replace("name: M", "name: \"Evil \\e]0;title\\a\"")
    );
    let (_dir, root) = project(&[("m.yaml", &model)]);
    let path = root.join("m.yaml");
    for args in [&["run"][..], &["run", "--format", "markdown"], &["explain"]] {
        let out = run(args, &path);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for raw in ['\u{1b}', '\0', '\u{7}', '\u{202e}'] {
            assert!(
                !out.stdout.contains(raw),
                "{args:?}: raw {raw:?} in\n{}",
                out.stdout
            );
        }
        assert!(out.stdout.contains("\\u{1b}"), "{args:?}: {}", out.stdout);
    }
    let table = run(&["run"], &path).stdout;
    assert!(table.contains("x\\u{1b}[31mred\\u{0}nul"), "{table}");

    // In diagnostics too: the message, the help and the quoted line.
    let bad = model.replace(
        "stakeholder: a\n    desc",
        "stakeholder: \"b\\e[31m\"\n    desc",
    );
    let (_dir, root) = project(&[("m.yaml", &bad)]);
    let out = run(&["check"], &root.join("m.yaml"));
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown stakeholder `b\\u{1b}[31m`"),
        "{}",
        out.stderr
    );
    // A raw ESC byte in the file (YAML refuses it) is quoted escaped as well.
    let raw = format!("{HEAD}name2: \u{1b}[2J\n");
    let (_dir, root) = project(&[("m.yaml", &raw)]);
    let out = run(&["check"], &root.join("m.yaml"));
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
}

#[test]
fn csv_text_cells_cannot_start_a_formula_and_numbers_stay_numbers() {
    let model = format!(
        "{HEAD}stakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    description: \"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\"\n    indicator: \"@SUM(A1:A9)\"\n    quantity: 2\n    proxy: {{ value: -50, unit: \"+1 per\", source: \"-2+3\" }}\n    duration: 1\n"
    );
    let (_dir, root) = project(&[("m.yaml", &model)]);
    let out = run(&["run", "--format", "csv"], &root.join("m.yaml"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row = out.stdout.lines().nth(1).unwrap();
    assert!(
        row.starts_with("o,a,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'@SUM(A1:A9),2,(inline),-50.00,'+1 per,'-2+3,"),
        "{row}"
    );
    // The disbenefit's negative figures are numbers, not quoted text.
    assert!(row.contains(",-100.00,"), "{row}");
}

#[test]
fn an_error_past_column_65535_is_rendered_with_its_true_position() {
    // miette pads with u16 format widths: this panicked ("Formatting argument out of range").
    let long = "x".repeat(70_000);
    let model = format!(
        "{HEAD}stakeholders:\n  - id: a\noutcomes:\n  - {{ id: o, description: '{long}', stakeholder: zz, quantity: 1, proxy: {{ value: 1, source: x }}, duration: 1 }}\n"
    );
    let (_dir, root) = project(&[("m.yaml", &model)]);
    let out = run(&["check"], &root.join("m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let column = model.lines().nth(7).unwrap().find("zz").unwrap() + 1;
    assert!(
        out.stderr.contains(&format!("m.yaml:8:{column}]")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown stakeholder `zz`"),
        "{}",
        out.stderr
    );
    // The quoted line is a window around the marker, not 70,000 characters.
    assert!(out.stderr.len() < 4_000, "{} bytes", out.stderr.len());
    assert!(out.stderr.contains("…xxx"), "{}", out.stderr);
}

#[test]
fn set_refuses_more_than_28_significant_digits() {
    let model = format!(
        "{HEAD}params:\n  people: 10\nstakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    quantity: \"= people\"\n    proxy: {{ value: 1, source: x }}\n    duration: 1\n"
    );
    let (_dir, root) = project(&[("m.yaml", &model)]);
    let path = root.join("m.yaml");
    let out = run(
        &["run", "--set", "people=1.0000000000000000000000000001"],
        &path,
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("has 29"), "{}", out.stderr);
    let out = run(
        &["run", "--set", "people=1.000000000000000000000000001"],
        &path,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_csv_cell_with_more_than_28_significant_digits_is_a_located_error() {
    let model = format!(
        "{HEAD}data:\n  survey: survey.csv\nstakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    quantity: \"= table(\\\"survey\\\").len()\"\n    proxy: {{ value: 1, source: x }}\n    duration: 1\n"
    );
    let (_dir, root) = project(&[
        ("m.yaml", &model),
        (
            "survey.csv",
            "id,score\n1,2\n2,12345678901234567890123456789\n",
        ),
    ]);
    let out = run(&["check"], &root.join("m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("survey.csv:3:"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("column `score` has a number with more than 28 significant digits"),
        "{}",
        out.stderr
    );
}

/// A model whose quantity calls `h()` from `scripts/s.rhai`, plus the given script files.
fn scripted(script: &str, modules: &[(String, String)]) -> (tempfile::TempDir, PathBuf) {
    let model = format!(
        "{HEAD}script: ../scripts/s.rhai\nstakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    quantity: \"= h()\"\n    proxy: {{ value: 1, source: x }}\n    duration: 1\n"
    );
    let mut files: Vec<(String, String)> = vec![
        ("models/m.yaml".into(), model),
        ("scripts/s.rhai".into(), script.to_owned()),
    ];
    files.extend(modules.iter().cloned());
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    project(&borrowed)
}

/// `scripts/mI.rhai` for I in 0..n, each importing the next; the last defines `g()`.
fn chain(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let text = if i + 1 < n {
                format!("import \"m{}\" as n;\nfn g() {{ n::g() }}\n", i + 1)
            } else {
                "fn g() { 1 }\n".to_owned()
            };
            (format!("scripts/m{i}.rhai"), text)
        })
        .collect()
}

#[test]
fn a_long_chain_of_imports_is_a_located_error_not_a_stack_overflow() {
    // 2,000 modules each importing the next overflowed the stack (exit 134).
    let script = "import \"m0\" as m;\nfn h() { m::g() }\n";
    let (_dir, root) = scripted(script, &chain(2_000));
    let out = run(&["check"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("imports nest more than 16 modules deep"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("s.rhai:1:"), "{}", out.stderr);
    // A chain within the bound works.
    let (_dir, root) = scripted(script, &chain(15));
    let out = run(&["run", "--format", "json"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_module_limit_counts_every_module_of_a_load_not_one_script_at_a_time() {
    // Two modules importing 20 modules each: Rhai's per-script count saw 20 and 20.
    let mut modules: Vec<(String, String)> = Vec::new();
    for side in ["a", "b"] {
        let imports: String = (0..20)
            .map(|i| format!("import \"{side}{i}\" as x{i};\n"))
            .collect();
        modules.push((
            format!("scripts/{side}.rhai"),
            format!("{imports}fn g() {{ 1 }}\n"),
        ));
        for i in 0..20 {
            modules.push((format!("scripts/{side}{i}.rhai"), "fn g() { 1 }\n".into()));
        }
    }
    let script = "import \"a\" as a;\nimport \"b\" as b;\nfn h() { a::g() + b::g() }\n";
    let (_dir, root) = scripted(script, &modules);
    let out = run(&["check"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr.contains("imports more than 32 modules"),
        "{}",
        out.stderr
    );
}

#[test]
fn scripts_beyond_what_rhai_can_locate_are_refused_at_the_first_such_place() {
    // Over 65,535 lines: Rhai's u16 line numbers would saturate.
    let mut script = "fn h() { 1 }\n".to_owned();
    script.push_str(&"// filler\n".repeat(65_600));
    let (_dir, root) = scripted(&script, &[]);
    let out = run(&["check"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("s.rhai:65536:1]"), "{}", out.stderr);
    assert!(
        out.stderr.contains("more than 65535 lines"),
        "{}",
        out.stderr
    );

    // A line over 65,535 characters, in the script and in a module.
    let long = format!("fn h() {{ \"{}\".len() }}\n", "a".repeat(70_000));
    let (_dir, root) = scripted(&long, &[]);
    let out = run(&["check"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("s.rhai:1:65536]"), "{}", out.stderr);
    let script = "import \"big\" as big;\nfn h() { big::g() }\n";
    let (_dir, root) = scripted(
        script,
        &[("scripts/big.rhai".into(), long.replace("fn h", "fn g"))],
    );
    let out = run(&["check"], &root.join("models/m.yaml"));
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("big.rhai:1:65536"), "{}", out.stderr);
}

#[test]
fn fifty_thousand_script_functions_are_refused_quickly_at_the_1001st() {
    // Rhai's parser compares every variable with every function defined before it:
    // 50,000 functions took 17.6 s (release) to compile.
    let script: String = (0..50_000)
        .map(|i| format!("fn f{i}(x) {{ x + {i} }}\n"))
        .collect::<String>()
        + "fn h() { 1 }\n";
    let (_dir, root) = scripted(&script, &[]);
    let started = std::time::Instant::now();
    let out = run(&["check"], &root.join("models/m.yaml"));
    let took = started.elapsed();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("s.rhai:1001:1]"), "{}", out.stderr);
    assert!(
        out.stderr.contains("defines more than 1000 functions"),
        "{}",
        out.stderr
    );
    // Linear: milliseconds in release; a generous bound for a debug build on a busy machine.
    assert!(took.as_secs() < 10, "took {took:?}");
}

/// `sroi check` on a model with `n` stakeholders all called `a`: the best of two runs.
fn check_duplicates(n: usize) -> std::time::Duration {
    let mut model = format!("{HEAD}stakeholders:\n");
    model.push_str(&"  - id: a\n".repeat(n));
    model.push_str("outcomes:\n  - id: o\n    stakeholder: a\n    quantity: 1\n    proxy: { value: 1, source: x }\n    duration: 1\n");
    let (_dir, root) = project(&[("m.yaml", &model)]);
    let mut best = std::time::Duration::MAX;
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let out = run(&["check"], &root.join("m.yaml"));
        best = best.min(started.elapsed());
        assert_eq!(out.code, 1);
        assert_eq!(
            out.stderr.matches("duplicate stakeholder id `a`").count(),
            n - 1
        );
        assert!(out.stderr.contains(&format!("m.yaml:{}:9]", n + 5)), "tail");
        assert!(out.stderr.contains("the first `a` is on line 6"));
    }
    best
}

#[test]
fn many_duplicate_stakeholder_ids_are_all_reported_in_linear_time() {
    // Each duplicate located its first use by rescanning the file, and each rendering
    // rescanned it again: 60,000 duplicates took 116 s. Four times the duplicates must
    // cost about four times as much (quadratic work would be sixteen times).
    let small = check_duplicates(1_000);
    let large = check_duplicates(4_000);
    assert!(
        large < small * 8,
        "1,000 duplicates: {small:?}; 4,000: {large:?} (not linear)"
    );
}
