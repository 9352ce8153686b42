//! Monte Carlo simulation against closed forms. Each model's ratio is linear in one drawn
//! figure, so the ratio's mean, sd, percentiles and P(ratio ≥ 1) follow from the
//! distribution's own; simulated statistics must fall within a few standard errors.
//! Degenerate distributions give the exact base; output is byte-identical across runs
//! and thread counts.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sroi::analysis::simulate::{Histogram, SimulationReport, Stat, simulate};
use sroi::analysis::stats::Summary;
use sroi::evaluate::{Evaluator, OutcomeField, Scenario, Target};
use sroi::project::{self, LoadOptions, Project};
use sroi::source::DiskFiles;

use common::fixtures::model_text;
use common::sroi;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn write(text: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.yaml");
    std::fs::write(&path, text).unwrap();
    Fixture { _dir: dir, path }
}

fn load(path: &Path) -> Project {
    project::load(&mut DiskFiles::default(), path, &LoadOptions::default())
        .map_err(|e| sroi::diagnostic::render(&e, sroi::diagnostic::Style::Plain))
        .unwrap()
        .0
}

fn run(text: &str, draws: usize, seed: u64) -> SimulationReport {
    let f = write(text);
    let project = load(&f.path);
    simulate(&project, Scenario::default(), draws, seed, &mut |_, _| {}).unwrap()
}

fn drawn(s: &Stat) -> Summary {
    match s {
        Stat::Drawn(s) => *s,
        Stat::Exact(v) => panic!("expected drawn figures, got the exact {v}"),
    }
}

/// |got − want| within `k` standard errors.
fn within(what: &str, got: f64, want: f64, se: f64, k: f64) {
    assert!(
        (got - want).abs() <= k * se,
        "{what}: {got} is {:.2} standard errors from {want}",
        (got - want).abs() / se
    );
}

/// Standard error of the q-th sample percentile of a distribution with density `density`
/// at that percentile.
fn percentile_se(q: f64, density: f64, n: f64) -> f64 {
    (q * (1.0 - q) / n).sqrt() / density
}

const N: usize = 40_000;
const K: f64 = 4.0;

#[test]
fn uniform_quantity_gives_uniform_ratio() {
    // ratio = Q · 1000 / 5000 = Q / 5 with Q ~ U(0, 20): ratio ~ U(0, 4).
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: uniform(0, 20)\n",
    );
    let r = run(&text, N, 7);
    let s = drawn(&r.ratio);
    let n = N as f64;
    let sd = 4.0 / 12f64.sqrt();
    within("mean", s.mean, 2.0, sd / n.sqrt(), K);
    // sd of the sample sd ≈ sd · sqrt((kurtosis − 1) / 4n), uniform kurtosis 1.8.
    within("sd", s.sd, sd, sd * (0.8 / (4.0 * n)).sqrt(), K);
    for (q, got) in [
        (0.05, s.p5),
        (0.25, s.p25),
        (0.5, s.p50),
        (0.75, s.p75),
        (0.95, s.p95),
    ] {
        within(
            &format!("p{}", q * 100.0),
            got,
            4.0 * q,
            percentile_se(q, 0.25, n),
            K,
        );
    }
    // P(ratio ≥ 1) = P(Q ≥ 5) = 0.75.
    within(
        "P(ratio ≥ 1)",
        r.probability_ratio_at_least_1,
        0.75,
        (0.75 * 0.25 / n).sqrt(),
        K,
    );
    // Uniform draws fill the 20 bins evenly.
    let Histogram::Drawn(bins) = &r.histogram else {
        panic!()
    };
    assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), N);
    for b in bins {
        within(
            "bin count",
            b.count as f64,
            n / 20.0,
            (n * 0.05 * 0.95).sqrt(),
            K,
        );
    }
    assert!(bins[0].from >= 0.0 && bins[0].from < 0.01, "{:?}", bins[0]);
    assert!(bins[19].to <= 4.0 && bins[19].to > 3.99, "{:?}", bins[19]);
    // Quantity is the only driver, and the ratio is monotone in it: ρ = 1.
    assert_eq!(r.drivers.len(), 1);
    assert!((r.drivers[0].spearman.unwrap() - 1.0).abs() < 1e-12);
    // NPV = PV − 5000 and PV = 1000 · Q.
    within(
        "PV mean",
        drawn(&r.total_present_value).mean,
        10_000.0,
        5000.0 * sd / n.sqrt(),
        K,
    );
    assert!(
        (drawn(&r.net_present_value).mean - (drawn(&r.total_present_value).mean - 5000.0)).abs()
            < 1e-6
    );
}

/// Triangular(a, m, b) CDF.
fn triangular_cdf(x: f64, a: f64, m: f64, b: f64) -> f64 {
    if x <= a {
        0.0
    } else if x <= m {
        (x - a).powi(2) / ((b - a) * (m - a))
    } else if x < b {
        1.0 - (b - x).powi(2) / ((b - a) * (b - m))
    } else {
        1.0
    }
}

#[test]
fn triangular_deadweight_gives_a_reflected_triangular_ratio() {
    // ratio = 2 · (1 − DW), DW ~ Tri(0.2, 0.35, 0.8).
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      deadweight: triangular(20%, 35%, 80%)\n",
    );
    let r = run(&text, N, 3);
    let s = drawn(&r.ratio);
    let n = N as f64;
    let (a, m, b) = (0.2, 0.35, 0.8);
    let mean_dw = (a + m + b) / 3.0;
    let var_dw = (a * a + m * m + b * b - a * m - a * b - m * b) / 18.0;
    within(
        "mean",
        s.mean,
        2.0 * (1.0 - mean_dw),
        2.0 * var_dw.sqrt() / n.sqrt(),
        K,
    );
    // P(ratio ≥ 1) = P(DW ≤ 0.5).
    let p = triangular_cdf(0.5, a, m, b);
    within(
        "P(ratio ≥ 1)",
        r.probability_ratio_at_least_1,
        p,
        (p * (1.0 - p) / n).sqrt(),
        K,
    );
    // The ratio's median is 2 · (1 − the deadweight's median).
    let median_dw = b - ((b - a) * (b - m) / 2.0).sqrt();
    let density = 2.0 * (b - median_dw) / ((b - a) * (b - m)) / 2.0;
    within(
        "p50",
        s.p50,
        2.0 * (1.0 - median_dw),
        percentile_se(0.5, density, n),
        K,
    );
    assert!(r.drivers[0].spearman.unwrap() < -0.999_999);
}

#[test]
fn normal_redraws_below_zero_give_the_truncated_mean() {
    // Q ~ N(1, 2) redrawn below 0: mean = μ + σ φ(α) / (1 − Φ(α)), α = −0.5.
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: normal(1, 2)\n",
    );
    let r = run(&text, N, 11);
    let phi = (-0.125f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = 0.691_462_461_274_013_1; // 1 − Φ(−0.5)
    let mean_q = 1.0 + 2.0 * phi / tail;
    let s = drawn(&r.ratio);
    assert!(s.p5 >= 0.0, "no draw below zero: {}", s.p5);
    within("mean", s.mean, mean_q / 5.0, 0.4 / (N as f64).sqrt(), K);
}

#[test]
fn lognormal_and_beta_have_the_stated_means() {
    // ratio = Q / 5 with Q lognormal of mean 10, sd 3.
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: lognormal(10, 3)\n",
    );
    let s = drawn(&run(&text, N, 5).ratio);
    within("lognormal mean", s.mean, 2.0, 0.6 / (N as f64).sqrt(), K);
    within("lognormal sd", s.sd, 0.6, 0.6 * 0.05, 1.0);
    // ratio = 2 · (1 − AT), AT ~ Beta(2, 5): mean 2 · 5/7.
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      attribution: beta(2, 5)\n",
    );
    let s = drawn(&run(&text, N, 5).ratio);
    let sd_at = (10.0f64 / (49.0 * 8.0)).sqrt();
    within(
        "beta mean",
        s.mean,
        10.0 / 7.0,
        2.0 * sd_at / (N as f64).sqrt(),
        K,
    );
}

#[test]
fn choice_of_durations_gives_each_its_share() {
    // r = 0, no drop-off: ratio = 2 · duration, duration one of 1, 2, 3.
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      duration: choice(1, 2, 3)\n",
    );
    let r = run(&text, N, 9);
    let s = drawn(&r.ratio);
    within(
        "mean",
        s.mean,
        4.0,
        (8.0f64 / 3.0).sqrt() / (N as f64).sqrt(),
        K,
    );
    assert_eq!((s.p5, s.p50, s.p95), (2.0, 4.0, 6.0));
    let Histogram::Drawn(bins) = &r.histogram else {
        panic!()
    };
    let filled: Vec<usize> = bins.iter().map(|b| b.count).filter(|c| *c > 0).collect();
    assert_eq!(filled.len(), 3, "{bins:?}");
}

#[test]
fn drawn_inputs_divide_the_ratio() {
    // ratio = 10000 / I with I ~ U(4000, 6000): P(ratio ≥ 1) = 1, median 2.
    let text = model_text("", "uncertainty:\n  inputs:\n    1: uniform(4000, 6000)\n");
    let r = run(&text, N, 2);
    let s = drawn(&r.ratio);
    within(
        "p50",
        s.p50,
        2.0,
        percentile_se(0.5, 1.0 / 2000.0, N as f64) * 10000.0 / 25e6,
        K,
    );
    assert_eq!(r.probability_ratio_at_least_1, 1.0);
    assert!(r.drivers[0].spearman.unwrap() < -0.999_999);
    assert_eq!(r.drivers[0].variable, "value");
}

/// The exact ratio of the model with one figure changed, from the engine.
fn exact_ratio(path: &Path, target: Target, value: &str) -> Decimal {
    let project = load(path);
    let scenario = Scenario::default().with(target, Decimal::from_str(value).unwrap());
    Evaluator::new(&project)
        .results(&scenario)
        .unwrap()
        .1
        .ratio
        .unwrap()
}

#[test]
fn degenerate_distributions_give_the_exact_base() {
    // Awkward figures, so the exact ratio has many places: every statistic must equal it.
    let text = "sroi: 1
id: awkward
name: Awkward figures
currency: GBP
stakeholders:
  - id: people
inputs:
  - stakeholder: people
    value: 7777.77
outcomes:
  - id: a
    stakeholder: people
    quantity: 13
    proxy: { value: 987.65, source: illustrative }
    duration: 4
    deadweight: 17%
    drop_off: 33%
  - id: b
    stakeholder: people
    quantity: 7
    proxy: { value: 1234.56, source: illustrative }
    duration: 2
    start: after
    attribution: 45%
uncertainty:
  outcomes:
    a:
      quantity: uniform(13, 13)
      deadweight: triangular(17%, 17%, 17%)
      drop_off: normal(33%, 0)
    b:
      duration: choice(2, 2)
      attribution: lognormal(45%, 0%)
  inputs:
    1: pert(7777.77, 7777.77, 7777.77)
";
    let f = write(text);
    let out = sroi(&[
        "simulate",
        f.path.to_str().unwrap(),
        "--format",
        "json",
        "--draws",
        "500",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let base = v["base_ratio"].as_str().unwrap();
    let run = sroi(&["run", f.path.to_str().unwrap(), "--format", "json"]);
    let exact: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(base, exact["ratio"].as_str().unwrap());
    for k in ["mean", "p5", "p25", "p50", "p75", "p95"] {
        assert_eq!(v["ratio"][k], base, "{k}");
        assert_eq!(
            v["total_present_value"][k], exact["total_present_value"],
            "{k}"
        );
    }
    assert_eq!(v["ratio"]["sd"], "0.0000");
    assert_eq!(v["probability_ratio_at_least_1"], "1.0000");
    let counts: Vec<u64> = v["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 500);
    assert_eq!(counts[10], 500);
    assert_eq!(v["drivers"], serde_json::json!([]));

    // A degenerate distribution away from base gives exactly that figure's ratio.
    let text = model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: uniform(12.5, 12.5)\n      deadweight: uniform(0%, 30%)\n",
    );
    let f = write(&text);
    let project = load(&f.path);
    let r = simulate(&project, Scenario::default(), 200, 1, &mut |_, _| {}).unwrap();
    let d = drawn(&r.ratio);
    // ratio = 12.5 · 1000 · (1 − DW) / 5000 = 2.5 (1 − DW), DW ~ U(0, 0.3).
    assert!(d.p5 >= 2.5 * 0.7 && d.p95 <= 2.5, "{d:?}");
    let at_12_5 = exact_ratio(&f.path, Target::Outcome(0, OutcomeField::Quantity), "12.5");
    assert_eq!(at_12_5, Decimal::new(25, 1));
    assert!(d.p95 > 2.4 && d.p95 <= at_12_5.to_f64().unwrap(), "{d:?}");
}

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sroi"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

fn simulate_bin(path: &str, args: &[&str], threads: &str) -> Vec<u8> {
    let out = bin()
        .args(["simulate", path])
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "no progress bar or noise when piped: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts() {
    let text = model_text(
        "    deadweight: 20%\n",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: pert(5, 10, 20)\n      deadweight: normal(20%, 5%)\n      duration: choice(1, 2, 3)\n  inputs:\n    1: triangular(4000, 5000, 7000)\n",
    );
    let f = write(&text);
    let path = f.path.to_str().unwrap();
    // More draws than one chunk, so threads really share the work.
    let args = ["--format", "json", "--draws", "30000", "--seed", "42"];
    let one = simulate_bin(path, &args, "1");
    let two = simulate_bin(path, &args, "2");
    let four = simulate_bin(path, &args, "4");
    assert_eq!(one, two);
    assert_eq!(one, four);
    assert_eq!(one, simulate_bin(path, &args, "2"));
    let other_seed = simulate_bin(
        path,
        &["--format", "json", "--draws", "30000", "--seed", "43"],
        "2",
    );
    assert_ne!(one, other_seed);
    // In-process too, the same seed gives the same report.
    let project = load(&f.path);
    let short = simulate(&project, Scenario::default(), 1000, 42, &mut |_, _| {}).unwrap();
    let again = simulate(&project, Scenario::default(), 1000, 42, &mut |_, _| {}).unwrap();
    assert_eq!(short, again);
}

/// One draw has no spread (its sample SD divides by n − 1 = 0): a bad command line, not a
/// report with an SD of 0.
#[test]
fn fewer_than_two_draws_is_a_bad_command_line() {
    let exe = env!("CARGO_BIN_EXE_sroi");
    for draws in ["0", "1"] {
        let out = std::process::Command::new(exe)
            .args([
                "simulate",
                "models/musician-in-residence.yaml",
                "--draws",
                draws,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--draws {draws}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("from 2 to 1000000"), "{stderr}");
    }
}
