//! Runaway scripts stop in bounded time and memory: every evaluation has a wall-clock
//! deadline (`--timeout`, default 10 s) and a memory budget for script values
//! (`--script-memory`, default 128 MiB), and each stop is a located error with exit 1.
//! Before, `loop { a.push(1) }` ran 30 s, nesting maps reached 2 GB and a `debug()`
//! flood ran for hours. These run the binary, as an analyst would, timing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// One `getrusage` call: the peak memory of the child processes.
#![allow(unsafe_code)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A model whose quantity calls `f(referrals)` from `scripts/m.rhai`.
const MODEL: &str = r#"sroi: 1
id: m
name: M
currency: GBP
script: ../scripts/m.rhai
params:
  referrals: 12
stakeholders:
  - id: people
  - id: funder
inputs:
  - stakeholder: funder
    value: 1000
outcomes:
  - id: better
    stakeholder: people
    quantity: "= f(referrals)"
    proxy: { value: 100, source: test }
    duration: 1
"#;

/// 512 MiB: no probe may come near it.
const MAX_RESIDENT_KIB: i64 = 512 * 1024;

fn project(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [("models/m.yaml", MODEL), ("scripts/m.rhai", script)] {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

struct Run {
    out: Output,
    took: Duration,
    stderr: String,
}

/// `sroi ARGS…` from `dir`, timed.
fn sroi_in(dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Run { out, took, stderr }
}

/// `sroi run models/m.yaml EXTRA…` on a project whose script is `script`.
fn run(script: &str, extra: &[&str]) -> Run {
    let dir = project(script);
    let mut args = vec!["run", "models/m.yaml"];
    args.extend_from_slice(extra);
    sroi_in(dir.path(), &args)
}

/// The largest resident set of any child this test binary has waited for, in KiB: an
/// upper bound on each probe's peak (tests run side by side; every one must stay low).
fn peak_resident_of_children_kib() -> i64 {
    // SAFETY: `getrusage` fills the struct it is given; a zeroed `rusage` is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a pointer to a live `rusage`.
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(status, 0);
    usage.ru_maxrss
}

/// Exit 1 within `within`, nothing on stdout, and every `expected` text on stderr.
fn assert_stopped(run: &Run, within: Duration, expected: &[&str]) {
    let err = &run.stderr;
    assert_eq!(run.out.status.code(), Some(1), "{err}");
    assert!(run.out.stdout.is_empty(), "no half report: {err}");
    assert!(run.took < within, "took {:?}: {err}", run.took);
    for text in expected {
        assert!(err.contains(text), "no {text:?} in:\n{err}");
    }
    assert!(
        err.contains("1 error found"),
        "one error, not one per rule: {err}"
    );
}

/// A loop of slow native calls: 2,000,000 operations take far longer than a second, so
/// the operations limit cannot be what stops it.
const SLOW_LOOP: &str = "fn f(n) {\n  let s = \"x\";\n  s.pad(200000, 'y');\n  loop {\n    if s.contains(\"z\") { break; }\n  }\n  n\n}\n";

#[test]
fn a_loop_of_slow_calls_stops_at_the_deadline_on_its_line() {
    let r = run(SLOW_LOOP, &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &[
            "the script ran past the time limit of 1 s",
            "[scripts/m.rhai:5:",
            "if s.contains(\"z\") { break; }",
            "--timeout SECONDS",
            "call chain: f() called at models/m.yaml:17:18",
        ],
    );
    assert!(r.took >= Duration::from_secs(1), "{:?}", r.took);
}

#[test]
fn decimal_timeouts_are_seconds() {
    let r = run(SLOW_LOOP, &["--timeout", "0.5"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &[
            "the script ran past the time limit of 0.5 s",
            "[scripts/m.rhai:5:",
        ],
    );
    assert!(r.took >= Duration::from_millis(500), "{:?}", r.took);
}

#[test]
fn pushing_forever_stops_within_a_second_of_the_deadline() {
    // Before: 30 s. Whichever limit comes first (the deadline, or the operations limit
    // on a fast machine), the line is named.
    let script = "fn f(n) {\n  let a = [];\n  loop {\n    a.push(1);\n  }\n}\n";
    let r = run(script, &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &["[scripts/m.rhai:4:", "a.push(1);"],
    );
    assert!(
        r.stderr.contains("time limit of 1 s") || r.stderr.contains("more than 2000000 operations"),
        "{}",
        r.stderr
    );
}

#[test]
fn adding_forever_stops_within_a_second_of_the_deadline() {
    // Before: 130 s.
    let script = "fn f(n) {\n  let a = 1;\n  loop {\n    a += 1;\n  }\n}\n";
    let r = run(script, &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &["[scripts/m.rhai:4:", "a += 1;"],
    );
}

#[test]
fn an_empty_loop_stops_and_names_the_expression_that_ran_it() {
    // A loop that reads no variable and calls nothing has no place Rhai can report: the
    // operations limit (or the deadline) stops it at the expression that called it.
    let r = run("fn f(n) {\n  loop { }\n}\n", &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &["[models/m.yaml:17:20]", "f(referrals)"],
    );
}

#[test]
fn a_debug_flood_stops_at_the_deadline_and_its_output_is_bounded() {
    // Before: hours of output.
    let script = "fn f(n) {\n  loop {\n    debug(\"again\");\n  }\n}\n";
    let r = run(script, &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &[
            "[scripts/m.rhai:3:",
            "scripts/m.rhai:3: \"again\"\n",
            "more print/debug output from this evaluation is not shown: over 1000 lines",
        ],
    );
    // Whichever limit a machine reaches first: the deadline, or on a fast machine the
    // operations limit.
    assert!(
        r.stderr.contains("time limit of 1 s") || r.stderr.contains("more than 2000000 operations"),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("\"again\"\n").count(),
        1000,
        "{}",
        r.stderr
    );
    assert!(
        r.out.stderr.len() < 64 * 1024,
        "{} bytes",
        r.out.stderr.len()
    );
}

#[test]
fn a_loop_at_a_scripts_top_level_has_the_deadline_too() {
    let script = "let s = \"x\";\ns.pad(200000, 'y');\nwhile !s.contains(\"z\") {\n  s.len();\n}\nfn f(n) { n }\n";
    let r = run(script, &["--timeout", "1"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &[
            "the script ran past the time limit of 1 s",
            "scripts/m.rhai:",
        ],
    );
}

#[test]
fn catching_the_stop_does_not_escape_it() {
    // `try` cannot catch the termination that follows the first stop, and a rule that
    // catches it and returns leaves the figures incomplete: an error either way.
    let spin =
        "fn f(n) {\n  let a = [];\n  loop {\n    try { a.push(1); a.len(); } catch { }\n  }\n}\n";
    let r = run(spin, &["--timeout", "0.5"]);
    assert_stopped(&r, Duration::from_secs(3), &[]);
    let escape =
        "fn f(n) {\n  let a = [];\n  try {\n    loop { a.push(a.len()); }\n  } catch { }\n  n\n}\n";
    let r = run(escape, &["--timeout", "0.5"]);
    // Reported where the script next reads a variable after the `catch`.
    assert_stopped(&r, Duration::from_secs(3), &["[scripts/m.rhai:"]);
    // The deadline, or on a fast machine the operations limit: either way not caught.
    assert!(
        r.stderr.contains("time limit of 0.5 s")
            || r.stderr.contains("more than 2000000 operations"),
        "{}",
        r.stderr
    );
}

#[test]
fn nesting_maps_stops_at_the_memory_budget_on_its_line() {
    // Before: 2 GB. Each step holds the map twice over.
    let script = "fn f(n) {\n  let m = #{};\n  loop {\n    m = #{ a: m, b: m };\n  }\n}\n";
    let r = run(script, &["--script-memory", "32"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &[
            "the script's values grew beyond the memory budget of 32 MiB",
            "[scripts/m.rhai:4:",
            "m = #{ a: m, b: m };",
            "--script-memory MIB",
        ],
    );
    assert!(peak_resident_of_children_kib() < MAX_RESIDENT_KIB);
}

#[test]
fn growing_an_array_stops_at_the_memory_budget_on_its_line() {
    let script = "fn f(n) {\n  let a = [1, 2, 3];\n  loop {\n    a.push(a);\n  }\n}\n";
    let r = run(script, &["--script-memory", "32"]);
    assert_stopped(
        &r,
        Duration::from_secs(3),
        &["beyond the memory budget of 32 MiB", "[scripts/m.rhai:4:"],
    );
    assert!(peak_resident_of_children_kib() < MAX_RESIDENT_KIB);
}

#[test]
fn the_default_budget_keeps_runaway_values_under_512_mib_resident() {
    // 128 MiB by default; one step may briefly hold about three times that. Measured in a
    // debug build on a loaded machine: 0.2-1.3 s and 155-255 MiB for the first three; the
    // fourth meets the operations limit first (4.6 s with the run that locates it, 63 MiB).
    let probes = [
        "fn f(n) {\n  let m = #{};\n  loop {\n    m = #{ a: m, b: m };\n  }\n}\n",
        "fn f(n) {\n  let a = [1];\n  loop {\n    a += a;\n  }\n}\n",
        "fn f(n) {\n  let s = \"ab\";\n  loop {\n    s += s;\n  }\n}\n",
        "fn f(n) {\n  let a = [];\n  loop {\n    a.push([1, 2, 3]);\n  }\n}\n",
    ];
    for script in probes {
        let r = run(script, &[]);
        assert_stopped(&r, Duration::from_secs(20), &["[scripts/m.rhai:4:"]);
        assert!(
            peak_resident_of_children_kib() < MAX_RESIDENT_KIB,
            "{script}: {} KiB",
            peak_resident_of_children_kib()
        );
    }
}

#[test]
fn padding_to_a_huge_size_is_refused_before_allocating() {
    for (script, what) in [
        (
            "fn f(n) {\n  let a = [];\n  a.pad(10000000000, 0);\n  n\n}\n",
            "padding an array to 10000000000 items",
        ),
        (
            "fn f(n) {\n  let s = \"\";\n  s.pad(10000000000, \"ab\");\n  n\n}\n",
            "padding a string to 10000000000 characters",
        ),
        (
            "fn f(n) {\n  let b = blob(10000000000);\n  n\n}\n",
            "a BLOB of 10000000000 bytes",
        ),
    ] {
        let r = run(script, &[]);
        assert_stopped(
            &r,
            Duration::from_secs(3),
            &[what, "memory budget", "scripts/m.rhai:"],
        );
        assert!(peak_resident_of_children_kib() < MAX_RESIDENT_KIB);
    }
}

#[test]
fn simulate_and_sensitivity_stop_at_the_deadline() {
    // Each evaluation (one draw, one step) has the deadline; the first that runs the
    // rule stops the command.
    let model =
        format!("{MODEL}uncertainty:\n  outcomes:\n    better:\n      proxy: uniform(90, 110)\n");
    let dir = project(SLOW_LOOP);
    fs::write(dir.path().join("models/m.yaml"), model).unwrap();
    for command in ["simulate", "sensitivity"] {
        let r = sroi_in(dir.path(), &[command, "models/m.yaml", "--timeout", "0.5"]);
        assert_stopped(
            &r,
            Duration::from_secs(3),
            &["time limit of 0.5 s", "[scripts/m.rhai:5:"],
        );
    }
}

#[test]
fn a_normal_model_gives_the_same_figures_within_tight_limits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let models: Vec<_> = fs::read_dir(root.join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert!(!models.is_empty());
    for model in models {
        let model = model.to_string_lossy().into_owned();
        let plain = sroi_in(root, &["run", &model, "--format", "json"]);
        let tight = sroi_in(
            root,
            &[
                "run",
                &model,
                "--format",
                "json",
                "--timeout",
                "5",
                "--script-memory",
                "32",
            ],
        );
        assert!(plain.out.status.success(), "{model}: {}", plain.stderr);
        assert_eq!(
            plain.out.stdout, tight.out.stdout,
            "{model}: {}",
            tight.stderr
        );
    }
}

#[test]
fn help_shows_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        "run",
        "check",
        "explain",
        "watch",
        "simulate",
        "sensitivity",
        "batch",
        "compare",
    ] {
        let r = sroi_in(dir.path(), &[command, "--help"]);
        let help = String::from_utf8_lossy(&r.out.stdout);
        assert!(help.contains("--timeout <SECONDS>"), "{command}: {help}");
        assert!(help.contains("[default: 10]"), "{command}: {help}");
        assert!(help.contains("--script-memory <MIB>"), "{command}: {help}");
        assert!(help.contains("[default: 128]"), "{command}: {help}");
    }
}

#[test]
fn a_bad_timeout_is_a_command_line_error() {
    let dir = project("fn f(n) { n }\n");
    for bad in ["0", "-1", "ten", "1e9"] {
        let flag = format!("--timeout={bad}");
        let r = sroi_in(dir.path(), &["run", "models/m.yaml", &flag]);
        assert_eq!(r.out.status.code(), Some(2), "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("--timeout"), "{bad}: {}", r.stderr);
    }
}
