//! Where scripts speak and fail: `print`/`debug` reach stderr as `FILE:LINE: text`
//! (never stdout), a limit hit inside a `.rhai` function names that file and line, and a
//! model with its script beside it in the working directory imports its modules.
//! These run the binary, from the project's folder, as an analyst would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn write_all(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let full = root.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
}

/// `sroi ARGS…` run from `dir`.
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

/// A model whose quantity is `quantity`, with `scripts/m.rhai` and a module
/// `scripts/lib/rules.rhai` importable as `lib/rules`.
const MODEL: &str = r#"sroi: 1
id: m
name: M
currency: GBP
script: ../scripts/m.rhai
params:
  referrals: 12
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
    quantity: QUANTITY
    proxy: { value: 100, source: test }
    duration: 1
"#;

const SURVEY: &str = "id,before,after\n1,40,45\n2,41,42\n3,30,36\n";

fn project(quantity: &str, script: &str, module: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[
            ("models/m.yaml", &MODEL.replace("QUANTITY", quantity)),
            ("models/data/survey.csv", SURVEY),
            ("scripts/m.rhai", script),
            ("scripts/lib/rules.rhai", module),
        ],
    );
    dir
}

const SCRIPT: &str = "import \"lib/rules\" as rules;\n\
                      fn improved(rows) {\n\
                      \x20 rows.filter(|r| rules::gain(r) >= 3).len()\n\
                      }\n";

#[test]
fn print_and_debug_reach_stderr_with_file_and_line_and_leave_the_report_alone() {
    // Each print sits on a line of its own, so both projects have the same line numbers.
    let quiet_module = "// rules\nfn gain(r) {\n  \n  r.after - r.before\n}\n";
    let loud_module = "// rules\nfn gain(r) {\n  print(`gain of ${r.id}`); debug(r.after);\n  r.after - r.before\n}\n";
    let quiet_expression = r#""= improved(table(\"survey\"))""#;
    // An expression that prints: `print` gives `()`, and `() ?? 0` is 0.
    let loud_expression =
        r#""= improved(table(\"survey\")) + (print(`referrals ${referrals}`) ?? 0)""#;
    let quiet = project(quiet_expression, SCRIPT, quiet_module);
    let loud = project(loud_expression, SCRIPT, loud_module);
    for format in ["json", "table", "csv", "markdown"] {
        let args = ["run", "models/m.yaml", "--format", format];
        let (a, b) = (sroi_in(quiet.path(), &args), sroi_in(loud.path(), &args));
        assert!(
            a.status.success() && b.status.success(),
            "{}",
            text(&b.stderr)
        );
        assert_eq!(text(&a.stdout), text(&b.stdout), "--format {format}");
        assert_eq!(text(&a.stderr), "", "--format {format}");
        // Survey rows 1 (gain 5), 2 (gain 1), 3 (gain 6): quantity 2.
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
            assert_eq!(report["outcomes"][0]["quantity"], "2");
        }
        let stderr = text(&b.stderr);
        for row in ["1", "2", "3"] {
            let line = format!("scripts/lib/rules.rhai:3: gain of {row}\n");
            assert!(stderr.contains(&line), "no {line:?} in:\n{stderr}");
        }
        for after in ["45", "42", "36"] {
            let line = format!("scripts/lib/rules.rhai:3: {after}\n");
            assert!(stderr.contains(&line), "no {line:?} in:\n{stderr}");
        }
        // The expression is on line 19 of the model.
        assert!(
            stderr.contains("models/m.yaml:19: referrals 12\n"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 7, "{stderr}");
    }
}

#[test]
fn print_in_the_models_own_script_names_that_script() {
    let script = "fn twice(n) {\n  print(\"doubling\");\n  n * 2\n}\n";
    let dir = project("\"= twice(referrals)\"", script, "");
    let out = sroi_in(dir.path(), &["run", "models/m.yaml", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "scripts/m.rhai:2: doubling\n");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcomes"][0]["quantity"], "24");
}

/// The error `sroi run` gives for a model whose quantity calls `rules::NAME` through
/// `scripts/m.rhai`, with `module` as `scripts/lib/rules.rhai`.
fn limit_error(name: &str, module: &str) -> String {
    let script = format!("import \"lib/rules\" as rules;\nfn rule(n) {{\n  rules::{name}(n)\n}}\n");
    let dir = project("\"= rule(referrals)\"", &script, module);
    let out = sroi_in(dir.path(), &["run", "models/m.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    text(&out.stderr)
}

const CHAIN: &str = "rule() called at models/m.yaml:19:18";

#[test]
fn the_operations_limit_inside_a_module_function_names_its_file_and_line() {
    let module = "fn spin(n) {\n  let t = 0;\n  loop {\n    t += n;\n  }\n}\n";
    let err = limit_error("spin", module);
    assert!(err.contains("the script ran too long"), "{err}");
    assert!(err.contains("[scripts/lib/rules.rhai:4:"), "{err}");
    assert!(err.contains("t += n;"), "the line is shown: {err}");
    assert!(err.contains(CHAIN), "{err}");
    assert!(
        err.contains("spin() called at scripts/m.rhai:3:10"),
        "{err}"
    );
    assert!(err.contains("1 error found"), "{err}");
}

#[test]
fn an_array_size_limit_inside_a_module_function_names_its_file_and_line() {
    // 20,000,000,000 items of 16 bytes: refused before anything is allocated.
    let module = "fn grow(n) {\n  let a = [];\n  a.pad(20000000000, n);\n  a.len()\n}\n";
    let err = limit_error("grow", module);
    assert!(
        err.contains("padding an array to 20000000000 items would need 305175 MiB"),
        "{err}"
    );
    assert!(err.contains("(128 MiB)"), "{err}");
    assert!(err.contains("[scripts/lib/rules.rhai:3:"), "{err}");
    assert!(err.contains("a.pad(20000000000, n);"), "{err}");
    assert!(err.contains(CHAIN), "{err}");
    assert!(
        err.contains("grow() called at scripts/m.rhai:3:10"),
        "{err}"
    );
}

#[test]
fn a_string_size_limit_inside_a_module_function_names_its_file_and_line() {
    // Doubling a string: 2^27 characters pass the 128 MiB memory budget in 27 steps.
    let module = "fn say(n) {\n  let s = \"ab\";\n  loop {\n    s += s;\n  }\n}\n";
    let err = limit_error("say", module);
    assert!(
        err.contains("the script's values grew beyond the memory budget of 128 MiB"),
        "{err}"
    );
    assert!(err.contains("[scripts/lib/rules.rhai:4:"), "{err}");
    assert!(err.contains(CHAIN), "{err}");
}

#[test]
fn runaway_recursion_names_the_line_and_says_the_repeated_call_once() {
    let module = "fn deeper(n) {\n  deeper(n + 1)\n}\n";
    let err = limit_error("deeper", module);
    assert!(
        err.contains("function calls nested more than 48 deep"),
        "{err}"
    );
    assert!(err.contains("[scripts/lib/rules.rhai:2:"), "{err}");
    assert!(
        err.contains("deeper() called at scripts/lib/rules.rhai:2:3 (46 times)"),
        "{err}"
    );
}

#[test]
fn a_limit_prints_nothing_twice() {
    // The place of a limit is found by running the rule once more, quietly.
    let module = "fn spin(n) {\n  print(\"start\");\n  let t = 0;\n  loop { t += n; }\n}\n";
    let err = limit_error("spin", module);
    assert_eq!(
        err.matches("scripts/lib/rules.rhai:2: start").count(),
        1,
        "{err}"
    );
}

/// A model and its script side by side in the working directory (`script: m.rhai`),
/// importing a module from `lib/` beside them.
#[test]
fn a_script_beside_its_model_in_the_working_directory_imports_its_modules() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL
        .replace("script: ../scripts/m.rhai", "script: m.rhai")
        .replace("QUANTITY", r#""= improved(table(\"survey\"))""#);
    write_all(
        dir.path(),
        &[
            ("m.yaml", &model),
            ("data/survey.csv", SURVEY),
            ("m.rhai", SCRIPT),
            ("lib/rules.rhai", "fn gain(r) { r.after - r.before }\n"),
        ],
    );
    let out = sroi_in(dir.path(), &["run", "m.yaml", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcomes"][0]["quantity"], "2");
    // 2 × £100, one year discounted at 3.5%: 200 / 1.035 = 193.236…
    assert_eq!(report["total_present_value"], "193.24");
    let check = sroi_in(dir.path(), &["check", "m.yaml"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    // And an import that is missing says where it looked, beside the script.
    fs::remove_file(dir.path().join("lib/rules.rhai")).unwrap();
    let out = sroi_in(dir.path(), &["run", "m.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("module not found: lib/rules"), "{err}");
    assert!(!err.contains("under a `scripts/` folder"), "{err}");
}
