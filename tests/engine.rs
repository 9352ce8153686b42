//! The engine: compile once, evaluate many. `--set` reaches every figure and gives what an
//! independent calculation gives; rules re-run only when what they read changes; a
//! compiled model is shared across threads with identical results.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use std::path::Path;
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;
use sroi::evaluate::{Evaluator, OutcomeField, Scenario, Target};
use sroi::project::{self, LoadOptions, Project};
use sroi::source::DiskFiles;

use common::sroi;

const WORKED: &str = "tests/conformance/valid/spec-worked-check.yaml";

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn load(path: &str) -> Project {
    let mut files = DiskFiles::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    project::load(&mut files, &path, &LoadOptions::default())
        .map_err(|e| sroi::diagnostic::render(&e, sroi::diagnostic::Style::Plain))
        .unwrap()
        .0
}

/// The SROI figures of one outcome, computed independently of `calc`: straight from the
/// definition, year by year, with (1 + r)^y raised by repeated multiplication.
struct Oracle {
    q: Decimal,
    p: Decimal,
    dw: Decimal,
    ds: Decimal,
    at: Decimal,
    drop: Decimal,
    years: u32,
    first: u32,
    r: Decimal,
    investment: Decimal,
}

impl Oracle {
    fn worked() -> Self {
        Oracle {
            q: d("10"),
            p: d("1000"),
            dw: d("0.20"),
            ds: d("0"),
            at: d("0.25"),
            drop: d("0.10"),
            years: 3,
            first: 1,
            r: d("0.035"),
            investment: d("5000"),
        }
    }
    fn present_value(&self) -> Decimal {
        let one = Decimal::ONE;
        let impact = self.q * self.p * (one - self.dw) * (one - self.ds) * (one - self.at);
        let mut pv = Decimal::ZERO;
        for k in 0..self.years {
            let y = self.first + k;
            let mut growth = one;
            for _ in 0..y {
                growth *= one + self.r;
            }
            let mut kept = one;
            for _ in 0..k {
                kept *= one - self.drop;
            }
            pv += impact * kept / growth;
        }
        pv
    }
    fn ratio(&self) -> Decimal {
        self.present_value() / self.investment
    }
}

fn close(a: Decimal, b: Decimal) {
    assert!(
        (a - b).abs() < d("0.0000000001"),
        "{a} differs from the oracle's {b}"
    );
}

#[test]
fn the_oracle_reproduces_the_worked_check() {
    assert_eq!(Oracle::worked().present_value().round_dp(2), d("15221.50"));
}

#[test]
fn every_set_target_gives_the_oracles_figures() {
    let project = load(WORKED);
    let mut ev = Evaluator::new(&project);
    type Change = Box<dyn Fn(&mut Oracle)>;
    let cases: Vec<(&str, &str, Change)> = vec![
        (
            "outcomes.improved-wellbeing.quantity",
            "25",
            Box::new(|o| o.q = d("25")),
        ),
        (
            "outcomes.improved-wellbeing.proxy",
            "1250.50",
            Box::new(|o| o.p = d("1250.50")),
        ),
        (
            "outcomes.improved-wellbeing.deadweight",
            "35%",
            Box::new(|o| o.dw = d("0.35")),
        ),
        (
            "outcomes.improved-wellbeing.displacement",
            "0.1",
            Box::new(|o| o.ds = d("0.1")),
        ),
        (
            "outcomes.improved-wellbeing.attribution",
            "0%",
            Box::new(|o| o.at = d("0")),
        ),
        (
            "outcomes.improved-wellbeing.drop_off",
            "40%",
            Box::new(|o| o.drop = d("0.4")),
        ),
        (
            "outcomes.improved-wellbeing.duration",
            "5",
            Box::new(|o| o.years = 5),
        ),
        (
            "outcomes.improved-wellbeing.start",
            "after",
            Box::new(|o| o.first = 2),
        ),
        (
            "inputs.1.value",
            "7500",
            Box::new(|o| o.investment = d("7500")),
        ),
        ("discount_rate", "6%", Box::new(|o| o.r = d("0.06"))),
    ];
    for (name, value, change) in cases {
        let (target, v) = sroi::evaluate::scenario::parse_set(&project, name, value).unwrap();
        let e = ev.evaluate(&Scenario::default().with(target, v)).unwrap();
        let mut oracle = Oracle::worked();
        change(&mut oracle);
        close(e.total_present_value, oracle.present_value());
        close(e.ratio.unwrap(), oracle.ratio());
        // The same through the command line, rounded as the JSON shows it.
        let out = sroi(&[
            "run",
            WORKED,
            "--format",
            "json",
            "--set",
            &format!("{name}={value}"),
        ]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            json["ratio"].as_str().unwrap(),
            sroi::report::fixed(oracle.ratio(), 4),
            "--set {name}={value}"
        );
    }
}

#[test]
fn a_set_proxy_reaches_outcomes_and_scripts_alike() {
    // arts-for-health values volunteer time with proxy("volunteer_hour") in its script
    // and by id for outcomes: --set proxies.ID changes both.
    let project = load("models/arts-for-health.yaml");
    let base = Evaluator::new(&project)
        .evaluate(&Scenario::default())
        .unwrap();
    let id = "volunteer_hour";
    let old = project.proxy_values[id];
    let new = old * d("2");
    let changed = Evaluator::new(&project)
        .evaluate(&Scenario::default().with(Target::Proxy(id.into()), new))
        .unwrap();
    let mut moved = 0;
    for (a, b) in base.outcomes.iter().zip(&changed.outcomes) {
        if a.proxy.id.as_deref() == Some(id) {
            assert_eq!(b.proxy.value, new);
            moved += 1;
        }
    }
    // The in-kind volunteer input is hours × proxy("volunteer_hour") in the script.
    let input_changed = base
        .inputs
        .iter()
        .zip(&changed.inputs)
        .any(|(a, b)| b.value == a.value * d("2") && !a.value.is_zero());
    assert!(moved > 0 || input_changed, "the proxy reached nothing");
}

#[test]
fn rules_rerun_only_when_what_they_read_changes() {
    let project = load("models/arts-for-health.yaml");
    let mut ev = Evaluator::new(&project);
    ev.evaluate(&Scenario::default()).unwrap();
    let first = ev.rules_run();
    assert!(first > 0);
    // The same scenario again, and changes no rule reads: no rule runs.
    ev.evaluate(&Scenario::default()).unwrap();
    let dw = Target::Outcome(0, OutcomeField::Deadweight);
    ev.evaluate(&Scenario::default().with(dw, d("0.5")))
        .unwrap();
    let q = Target::Outcome(0, OutcomeField::Quantity);
    ev.evaluate(&Scenario::default().with(q, d("3"))).unwrap();
    assert_eq!(ev.rules_run(), first);
    // A param that some rules read: those run again, and only those.
    let threshold = Target::Param("wemwbs_threshold".into());
    let e = ev
        .evaluate(&Scenario::default().with(threshold, d("1")))
        .unwrap();
    let rerun = ev.rules_run() - first;
    assert!(rerun > 0 && rerun < first, "re-ran {rerun} of {first}");
    // And a fresh evaluator agrees with the cached one, figure for figure.
    let fresh = Evaluator::new(&project)
        .evaluate(&Scenario::default().with(Target::Param("wemwbs_threshold".into()), d("1")))
        .unwrap();
    assert_eq!(e, fresh);
}

#[test]
fn one_compiled_model_gives_identical_results_on_many_threads() {
    let project = load("models/musician-in-residence.yaml");
    let expected = Evaluator::new(&project)
        .evaluate(&Scenario::default())
        .unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let project = &project;
                s.spawn(move || {
                    let mut ev = Evaluator::new(project);
                    let dw = Target::Outcome(0, OutcomeField::Deadweight);
                    let mut last = None;
                    for k in 0..20 {
                        let scenario = Scenario::default().with(dw.clone(), Decimal::new(k + i, 2));
                        ev.evaluate(&scenario).unwrap();
                        last = Some(ev.evaluate(&Scenario::default()).unwrap());
                    }
                    last.unwrap()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}

#[test]
fn an_unknown_set_target_names_the_model_and_the_nearest_target() {
    let out = sroi(&[
        "run",
        WORKED,
        "--set",
        "outcomes.improved-wellbeing.deadwieght=30%",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("spec-worked-check.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("did you mean `outcomes.improved-wellbeing.deadweight`?"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    // A value outside the field's domain is refused with the field's own rule.
    let out = sroi(&[
        "check",
        WORKED,
        "--set",
        "outcomes.improved-wellbeing.deadweight=150",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("spec-worked-check.yaml"),
        "{}",
        out.stderr
    );
}

#[test]
fn set_reaches_explain_and_is_marked_as_an_override() {
    let out = sroi(&[
        "explain",
        WORKED,
        "--format",
        "json",
        "--set",
        "outcomes.improved-wellbeing.attribution=10%",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let text = json.to_string();
    assert!(text.contains(r#""attribution":"0.10""#), "{text}");
    assert!(
        text.contains(r#""attribution":{"kind":"override"}"#),
        "{text}"
    );
    let out = sroi(&[
        "explain",
        WORKED,
        "--set",
        "outcomes.improved-wellbeing.attribution=10%",
    ]);
    assert!(
        out.stdout
            .contains("attribution   10%  (set on the command line with --set)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_proxy_missing_from_the_active_set_is_an_error_not_a_smaller_total() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("proxies")).unwrap();
    std::fs::write(
        dir.path().join("proxies/a.yaml"),
        "sroi: 1\nid: a\nname: A\ncurrency: GBP\nproxies:\n  p: { value: 10, source: t }\n  q: { value: 5, source: t }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("proxies/b.yaml"),
        "sroi: 1\nid: b\nname: B\ncurrency: GBP\nproxies:\n  p: { value: 10, source: t }\n",
    )
    .unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(
        &model,
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nproxies: a\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 100\noutcomes:\n  - id: one\n    stakeholder: s\n    quantity: 1\n    proxy: p\n    duration: 1\n  - id: two\n    stakeholder: s\n    quantity: 1\n    proxy: q\n    duration: 1\n",
    )
    .unwrap();
    let m = model.to_string_lossy();
    assert_eq!(sroi(&["run", &m]).code, 0);
    let out = sroi(&["run", &m, "--proxies", "b"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("unknown proxy `q`"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn silent_traps_are_located_warnings_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(
        &model,
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nstakeholders:\n  - id: s\n  - id: idle\ninputs:\n  - stakeholder: s\n    value: 100\noutcomes:\n  - id: gone\n    stakeholder: s\n    quantity: 3\n    proxy: { value: 10, source: t }\n    duration: 1\n    deadweight: 100%\n  - id: kept\n    stakeholder: s\n    quantity: 3\n    proxy: { value: 10, source: t }\n    duration: 1\n",
    )
    .unwrap();
    let m = model.to_string_lossy();
    let out = sroi(&["run", &m]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("outcome `gone` has no impact: its deadweight is 100%"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("m.yaml:17:"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stakeholder `idle` has neither inputs nor outcomes"),
        "{}",
        out.stderr
    );
    let out = sroi(&["check", "--format", "json", &m]);
    assert_eq!(out.code, 0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let codes: Vec<&str> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"sroi::warning::zero-impact"), "{codes:?}");
    assert!(
        codes.contains(&"sroi::warning::unused-stakeholder"),
        "{codes:?}"
    );
}

#[test]
fn check_json_gives_each_files_status_and_located_diagnostics() {
    let out = sroi(&[
        "check",
        "--format",
        "json",
        WORKED,
        "tests/conformance/invalid/several-problems.yaml",
    ]);
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["status"], "ok");
    assert_eq!(files[1]["status"], "invalid");
    let first = &files[1]["diagnostics"][0];
    for key in [
        "code", "severity", "file", "line", "column", "message", "help",
    ] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    assert_eq!(first["severity"], "error");
    assert_eq!(first["line"], 12);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// One outcome, one year: PV = q·p·(1−dw)(1−ds)(1−at)/(1+r), for any figures.
    #[test]
    fn one_outcome_one_year_matches_the_closed_form(
        q in 0u32..100_000, p in 0u32..10_000_000, dw in 0u32..=100, ds in 0u32..=100,
        at in 0u32..=100, r in 0u32..=200,
    ) {
        let project = load(WORKED);
        let mut ev = Evaluator::new(&project);
        let pct = |x: u32| Decimal::new(i64::from(x), 2);
        let (q, p) = (Decimal::from(q), Decimal::new(i64::from(p), 2));
        let r = Decimal::new(i64::from(r), 3);
        let s = Scenario::default()
            .with(Target::Outcome(0, OutcomeField::Quantity), q)
            .with(Target::Outcome(0, OutcomeField::Proxy), p)
            .with(Target::Outcome(0, OutcomeField::Deadweight), pct(dw))
            .with(Target::Outcome(0, OutcomeField::Displacement), pct(ds))
            .with(Target::Outcome(0, OutcomeField::Attribution), pct(at))
            .with(Target::Outcome(0, OutcomeField::Duration), Decimal::ONE)
            .with(Target::DiscountRate, r);
        let e = ev.evaluate(&s).unwrap();
        let one = Decimal::ONE;
        let closed = q * p * (one - pct(dw)) * (one - pct(ds)) * (one - pct(at)) / (one + r);
        prop_assert!((e.total_present_value - closed).abs() < Decimal::new(1, 12),
            "{} vs {}", e.total_present_value, closed);
    }
}

#[test]
fn comparing_a_column_with_a_text_no_row_has_is_a_located_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("models/data")).unwrap();
    std::fs::create_dir_all(root.join("scripts")).unwrap();
    std::fs::write(
        root.join("models/data/survey.csv"),
        "id,answer\n1,Yes\n2,No\n3,Yes\n",
    )
    .unwrap();
    // "yes" (lower case) is in no row: the rule counts nobody, silently.
    std::fs::write(
        root.join("scripts/m.rhai"),
        "fn said_yes() {\n    table(\"survey\").filter(|r| r.answer == \"yes\").len()\n}\n",
    )
    .unwrap();
    let model = root.join("models/m.yaml");
    std::fs::write(
        &model,
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nscript: ../scripts/m.rhai\ndata:\n  survey: data/survey.csv\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 100\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: \"= said_yes()\"\n    proxy: { value: 10, source: t }\n    duration: 1\n  - id: p\n    stakeholder: s\n    quantity: \"= table(\\\"survey\\\").filter(|r| r.answer != \\\"Maybe\\\").len()\"\n    proxy: { value: 10, source: t }\n    duration: 1\n",
    )
    .unwrap();
    let out = sroi(&["run", &model.to_string_lossy()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no row of table `survey` has `yes` in column `answer`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("m.rhai:2:"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `Yes`?"), "{}", out.stderr);
    assert!(out.stderr.contains("`No`, `Yes`"), "{}", out.stderr);
    // In a YAML expression too, located in the model.
    assert!(
        out.stderr
            .contains("no row of table `survey` has `Maybe` in column `answer`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("m.yaml:21:59"), "{}", out.stderr);
    assert!(
        out.stderr.contains("so this comparison is always true"),
        "{}",
        out.stderr
    );
    // A value that some row has gives no warning.
    std::fs::write(
        root.join("scripts/m.rhai"),
        "fn said_yes() {\n    table(\"survey\").filter(|r| r.answer == \"Yes\").len()\n}\n",
    )
    .unwrap();
    let out = sroi(&["run", &model.to_string_lossy()]);
    assert!(!out.stderr.contains("`yes`"), "{}", out.stderr);
}
