//! The Rhai host: expressions, scripts, tables, the sandbox and its error messages.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod common;

use std::fs;
use std::path::Path;

use common::sroi;
use serde_json::Value;

/// A throwaway model project: `models/m.yaml`, `scripts/...`, `models/data/...`.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        }
        Project { dir }
    }
    fn path(&self, p: &str) -> String {
        self.dir.path().join(p).to_string_lossy().into_owned()
    }
    fn run(&self, extra: &[&str]) -> common::Output {
        let model = self.path("models/m.yaml");
        let mut args = vec!["run", model.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        sroi(&args)
    }
    fn json(&self, extra: &[&str]) -> Value {
        let out = self.run(extra);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    }
}

/// A model whose first outcome's quantity is `quantity` and whose script is `script`.
fn model(quantity: &str, script: &str) -> Project {
    let yaml = format!(
        r#"sroi: 1
id: m
name: M
currency: GBP
proxies: uk
script: ../scripts/m.rhai
params:
  referrals: 120
  threshold: 3
data:
  survey: data/survey.csv
stakeholders:
  - id: people
  - id: funder
inputs:
  - stakeholder: funder
    value: 1000
outcomes:
  - id: better
    stakeholder: people
    quantity: "{quantity}"
    proxy: {{ value: 100, source: test }}
    duration: 1
"#
    );
    Project::new(&[
        ("models/m.yaml", &yaml),
        ("scripts/m.rhai", script),
        (
            "scripts/lib/wellbeing.rhai",
            "fn gain(before, after) { after - before }\n",
        ),
        (
            "models/data/survey.csv",
            "id,before,after\n1,40,45\n2,41,42\n3,38,\n4,30,36\n5,50,53\n",
        ),
        ("models/proxies/uk.yaml", PROXIES_UK),
        ("models/proxies/london.yaml", PROXIES_LONDON),
    ])
}

const PROXIES_UK: &str = "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  volunteer_hour: { value: 16.30, source: test }\n";
const PROXIES_LONDON: &str = "sroi: 1\nid: london\nname: London\ncurrency: GBP\nextends: uk\nproxies:\n  volunteer_hour: { value: 20.08, source: test }\n";

fn quantity(v: &Value) -> &str {
    v["outcomes"][0]["quantity"].as_str().unwrap()
}

#[test]
fn decimals_are_exact_in_expressions() {
    let p = model("= if 0.1 + 0.2 == 0.3 { 1 } else { 0 }", "");
    assert_eq!(quantity(&p.json(&[])), "1");
    let p = model("= 0.1 + 0.2", "");
    assert_eq!(quantity(&p.json(&[])), "0.3");
    // `/` is exact between whole numbers too, as in a spreadsheet; `div` truncates.
    let p = model("= 7 / 2", "");
    assert_eq!(quantity(&p.json(&[])), "3.5");
    let p = model("= 1 / 3", "");
    assert_eq!(quantity(&p.json(&[])), "0.3333333333333333333333333333");
    let p = model("= div(7, 2)", "");
    assert_eq!(quantity(&p.json(&[])), "3");
    // Inside script functions, and with `/=`, as well.
    let p = model(
        "= half(7)",
        "fn half(n) { let x = n; x /= 2; x + n / 2 - 3.5 }\n",
    );
    assert_eq!(quantity(&p.json(&[])), "3.5");
    let p = model("= 1.0 / 3 * 3", "");
    // Division rounds at 28 significant digits.
    assert_eq!(quantity(&p.json(&[])), "0.9999999999999999999999999999");
}

#[test]
fn a_script_function_over_a_csv_matches_the_count_by_hand() {
    let script = r#"
import "lib/wellbeing" as w;
fn improved(rows) {
    let n = 0;
    for row in rows {
        if row.after == () { continue; }
        if w::gain(row.before, row.after) >= threshold { n += 1; }
    }
    n
}
"#;
    let p = model(r#"= improved(table(\"survey\"))"#, script);
    // By hand from the CSV: gains 5, 1, (missing), 6, 3; threshold 3 → rows 1, 4, 5.
    let csv = fs::read_to_string(p.path("models/data/survey.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let by_hand = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[2].is_empty())
        .filter(|r| r[2].parse::<i64>().unwrap() - r[1].parse::<i64>().unwrap() >= 3)
        .count();
    assert_eq!(by_hand, 3);
    assert_eq!(quantity(&p.json(&[])), by_hand.to_string());
    // Params reach functions as variables, and --set reaches them.
    assert_eq!(quantity(&p.json(&["--set", "threshold=6"])), "1");
}

#[test]
fn params_are_variables_and_param_reads_them() {
    let p = model("= referrals * 0.5 + param(\\\"threshold\\\")", "");
    assert_eq!(quantity(&p.json(&[])), "63.0");
    assert_eq!(quantity(&p.json(&["--set", "referrals=10"])), "8.0");
}

#[test]
fn swapping_proxy_sets_reaches_script_computed_figures() {
    let p = model(
        "= hours() * proxy(\\\"volunteer_hour\\\")",
        "fn hours() { 100 }\n",
    );
    assert_eq!(quantity(&p.json(&[])), "1630.00");
    assert_eq!(quantity(&p.json(&["--proxies", "london"])), "2008.00");
}

#[test]
fn the_top_level_runs_once_not_per_call() {
    // The top level burns 1.2M-1.5M of the 2M operations allowed per evaluation (each
    // loop step costs 8-10: operators are function calls, so that `/` can be exact) and
    // the function 1M-1.2M more: if the top level re-ran on each call this would exceed
    // the limit.
    let script = "let n = 0; while n < 150000 { n += 1; }\nfn work() { let i = 0; while i < 120000 { i += 1; } 7 }\n";
    let p = model("= work()", script);
    assert_eq!(quantity(&p.json(&[])), "7");
}

fn error_of(p: &Project) -> String {
    let out = p.run(&[]);
    assert_eq!(out.code, 1, "expected an error, got: {}", out.stdout);
    assert!(out.stdout.is_empty(), "no half report");
    out.stderr
}

#[test]
fn a_misspelt_column_names_the_column_and_the_header() {
    let script = "fn total(rows) { let n = 0; for row in rows { n += row.aftr; } n }\n";
    let err = error_of(&model(r#"= total(table(\"survey\"))"#, script));
    assert!(err.contains("no column `aftr` in table `survey`"), "{err}");
    assert!(
        err.contains("did you mean `after`? Table `survey` has columns: id, before, after"),
        "{err}"
    );
    assert!(err.contains("scripts/m.rhai:1:"), "{err}");
    assert!(err.contains("call chain: total() called at"), "{err}");
}

#[test]
fn an_operator_on_nothing_is_explained() {
    let script =
        "fn total(rows) { let n = 0; for row in rows { n += row.after - row.before; } n }\n";
    let err = error_of(&model(r#"= total(table(\"survey\"))"#, script));
    assert!(
        err.contains("a value is `()` (nothing) where a number was expected"),
        "{err}"
    );
    assert!(err.contains("empty CSV cell"), "{err}");
}

#[test]
fn hostile_scripts_are_stopped_with_located_errors() {
    let cases = [
        ("fn f() { loop { } }", "the script ran too long"),
        (
            "fn f() { let s = \"ab\"; loop { s += s; } }",
            "grew beyond the memory budget",
        ),
        (
            "fn f() { let a = [1]; loop { a += a; } }",
            "grew beyond the memory budget",
        ),
        (
            "fn f() { let m = #{}; loop { m = #{ a: m, b: m }; } }",
            "grew beyond the memory budget",
        ),
        ("fn f() { f() + 1 }", "function calls nested more than"),
        ("fn f() { eval(\"1\") }", "'eval' is disabled"),
        (
            "import \"../outside\" as o;\nfn f() { 1 }",
            "imports may only name modules inside",
        ),
        (
            "import \"/etc/passwd\" as o;\nfn f() { 1 }",
            "imports may only name modules inside",
        ),
        ("fn f() { timestamp() }", "no function `timestamp ()`"),
    ];
    for (script, expected) in cases {
        let err = error_of(&model("= f()", script));
        assert!(err.contains(expected), "{script}: {err}");
        assert!(
            err.contains("m.yaml:") || err.contains("m.rhai:"),
            "{script}: not located: {err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_import_through_a_link_out_of_scripts_is_refused() {
    let p = model("= f()", "import \"lib/sneaky\" as s;\nfn f() { 1 }\n");
    fs::write(p.path("outside.rhai"), "fn x() { 1 }\n").unwrap();
    std::os::unix::fs::symlink(p.path("outside.rhai"), p.path("scripts/lib/sneaky.rhai")).unwrap();
    let err = error_of(&p);
    assert!(err.contains("a link to a file outside"), "{err}");
}

#[test]
fn syntax_errors_point_at_the_script_or_the_yaml() {
    let err = error_of(&model("= f()", "fn f() {\n  1 +\n}\n"));
    assert!(err.contains("script syntax"), "{err}");
    assert!(err.contains("scripts/m.rhai:3:1"), "{err}");
    let err = error_of(&model("= 1 +* 2", ""));
    assert!(err.contains("expression syntax"), "{err}");
    assert!(err.contains("models/m.yaml:21:"), "{err}");
}

#[test]
fn a_runtime_error_in_an_expression_points_at_the_yaml_line() {
    let err = error_of(&model("= referals * 2", ""));
    assert!(err.contains("unknown variable `referals`"), "{err}");
    assert!(err.contains("did you mean `referrals`?"), "{err}");
    assert!(err.contains("models/m.yaml:21:"), "{err}");
}

#[test]
fn an_expression_must_give_a_valid_number() {
    let err = error_of(&model("= \\\"many\\\"", ""));
    assert!(
        err.contains("`quantity`: the expression `= \"many\"` gave a string instead of a number"),
        "{err}"
    );
    let err = error_of(&model("= 0 - 5", ""));
    assert!(
        err.contains("`quantity`: the expression `= 0 - 5` gave -5, which is below zero"),
        "{err}"
    );
}

#[test]
fn a_missing_table_or_script_is_located_in_the_model() {
    let p = model("= 1", "");
    fs::remove_file(p.path("models/data/survey.csv")).unwrap();
    fs::remove_file(p.path("scripts/m.rhai")).unwrap();
    let err = error_of(&p);
    assert!(
        err.contains("cannot read the data table: no such file"),
        "{err}"
    );
    assert!(
        err.contains("cannot read the script: no such file"),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn a_ragged_csv_is_located_in_the_csv() {
    let p = model("= 1", "");
    fs::write(
        p.path("models/data/survey.csv"),
        "id,before,after\n1,40,45\n2,41\n",
    )
    .unwrap();
    let err = error_of(&p);
    assert!(
        err.contains("this row has 2 cells but the header has 3"),
        "{err}"
    );
    assert!(err.contains("survey.csv:3:1"), "{err}");
}

#[test]
fn functions_lists_what_the_engine_registers() {
    let out = sroi(&["functions"]);
    assert_eq!(out.code, 0);
    for f in [
        "proxy(id: &str) -> Decimal",
        "param(name: &str) -> Decimal",
        "table(name: &str) -> table",
    ] {
        assert!(out.stdout.contains(f), "{}", out.stdout);
    }
    let p = model("= 1", "fn helper(a, b) { a + b }\n");
    let out = sroi(&["functions", &p.path("models/m.yaml")]);
    assert!(
        out.stdout.contains("helper(a, b)    defined at"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_names_the_origin_of_every_figure() {
    let p = model(
        "= hours() * proxy(\\\"volunteer_hour\\\")",
        "fn hours() { 100 }\n",
    );
    let out = sroi(&["explain", &p.path("models/m.yaml")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("expression `= hours() * proxy(\"volunteer_hour\")`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("calls script function hours() defined at"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("not written; the format's default"),
        "{}",
        out.stdout
    );
    let out = sroi(&["explain", &p.path("models/m.yaml"), "beter"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("did you mean `better`?"),
        "{}",
        out.stderr
    );
    let out = sroi(&[
        "explain",
        &p.path("models/m.yaml"),
        "better",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["outcomes"][0]["origins"]["quantity"]["kind"],
        "expression"
    );
    assert_eq!(v["outcomes"][0]["origins"]["deadweight"]["kind"], "default");
}

#[test]
fn path_helper_is_inside_the_temp_dir() {
    let p = model("= 1", "");
    assert!(Path::new(&p.path("models/m.yaml")).exists());
}

#[test]
fn modules_that_import_each_other_are_an_error_not_a_crash() {
    let p = model("= f()", "import \"lib/a\" as a;\nfn f() { a::x() }\n");
    fs::write(
        p.path("scripts/lib/a.rhai"),
        "import \"lib/b\" as b;\nfn x() { 1 }\n",
    )
    .unwrap();
    fs::write(
        p.path("scripts/lib/b.rhai"),
        "import \"lib/a\" as a;\nfn y() { 2 }\n",
    )
    .unwrap();
    let err = error_of(&p);
    assert!(
        err.contains("modules import each other in a cycle"),
        "{err}"
    );
    assert!(err.contains("\"lib/a\" → \"lib/b\" → \"lib/a\""), "{err}");
}

#[test]
fn closures_are_not_listed_as_script_functions_and_calls_match_whole_names() {
    let script = "fn lonely() { 1 }\nfn less_lonely() { [1, 2].filter(|x| x > 1).len() }\n";
    let p = model("= less_lonely()", script);
    let out = sroi(&["functions", &p.path("models/m.yaml")]);
    assert!(!out.stdout.contains("anon$"), "{}", out.stdout);
    let out = sroi(&["explain", &p.path("models/m.yaml")]);
    assert!(
        out.stdout.contains("calls script function less_lonely()"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("calls script function lonely()"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_param_sees_only_the_params_above_it_even_when_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let base = "sroi: 1\nid: m\nname: M\ncurrency: GBP\nstakeholders:\n  - id: s\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: \"= a\"\n    proxy: { value: 1, source: t }\n    duration: 1\n";
    fs::write(
        &path,
        format!("{base}params:\n  a: \"= 1\"\n  b: \"= a + 1\"\n"),
    )
    .unwrap();
    let mut cache = sroi::project::LoadCache::default();
    let mut load = || {
        let mut files = sroi::source::DiskFiles::default();
        let file = sroi::source::Files::read(&mut files, &path).unwrap();
        sroi::project::load_cached(
            &mut files,
            &file,
            &sroi::project::LoadOptions::default(),
            &mut cache,
        )
        .and_then(|(p, _)| sroi::evaluate::evaluate(&p))
        .map(|e| e.outcomes[0].quantity.to_string())
        .map_err(|d| sroi::diagnostic::render(&d, sroi::diagnostic::Style::Plain))
    };
    assert_eq!(load().unwrap(), "1");
    // Now `a` uses `b`, which comes after it: an error, not the last load's `b`.
    fs::write(
        &path,
        format!("{base}params:\n  a: \"= b + 10\"\n  b: \"= 5\"\n"),
    )
    .unwrap();
    let err = load().unwrap_err();
    assert!(err.contains("unknown variable `b`"), "{err}");
}

#[test]
fn an_unterminated_quote_is_located_not_swallowed() {
    let p = model("= 1", "");
    fs::write(
        p.path("models/data/survey.csv"),
        "id,before,after\n1,40,45\n2,\"41,42\n3,38,40\n",
    )
    .unwrap();
    let err = error_of(&p);
    assert!(
        err.contains("a quote opened on line 3 is never closed"),
        "{err}"
    );
    // Marked at the quote itself.
    assert!(err.contains("survey.csv:3:3"), "{err}");
}

#[test]
fn text_in_a_column_of_figures_is_an_error_naming_the_cell() {
    // Native operation and row-by-row closure alike: never a silent false or zero.
    for quantity in [
        r#"= table(\"survey\").sum(\"after\")"#,
        r#"= table(\"survey\").where(\"after\", \">=\", 44).count()"#,
        r#"= table(\"survey\").filter(|r| r.after >= 44).len()"#,
    ] {
        let p = model(quantity, "");
        fs::write(
            p.path("models/data/survey.csv"),
            "id,before,after\n1,40,45\n2,41,\"1,500\"\n3,38,\n",
        )
        .unwrap();
        // Undo the terminal wrapping of long messages.
        let err = error_of(&p)
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            err.contains("column `after` of table `survey` is text"),
            "{err}"
        );
        assert!(
            err.contains("\"1,500\" at ") && err.contains("survey.csv:3 (row 2 of the table)"),
            "{err}"
        );
        assert!(err.contains("`1500`"), "{err}");
    }
}

#[test]
fn a_leading_zero_keeps_a_code_as_text() {
    let p = model(
        r#"= table(\"survey\").where(\"code\", \"==\", \"0042\").count()"#,
        "",
    );
    fs::write(
        p.path("models/data/survey.csv"),
        "id,code\n1,0042\n2,42\n3,0042\n",
    )
    .unwrap();
    assert_eq!(quantity(&p.json(&[])), "2");
}

#[test]
fn sleep_is_refused_rather_than_stalling_an_evaluation() {
    let started = std::time::Instant::now();
    let err = error_of(&model("= nap()", "fn nap() { sleep(100); 1 }\n"));
    assert!(
        err.contains("`sleep` is not available: scripts have no clock"),
        "{err}"
    );
    assert!(err.contains("scripts/m.rhai:1:"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let out = sroi(&["functions"]);
    assert!(!out.stdout.contains("sleep"), "{}", out.stdout);
}
