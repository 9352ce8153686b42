//! Sensitivity analysis against an independent calculation: every row's low and high
//! ratios from a closed form written here, every tipping point checked by substituting
//! it back into the engine (the ratio is exactly 1, or for drop-off and duration, 1 lies
//! between the neighbouring values), and the two-way grid cell by cell.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use sroi::analysis::sensitivity::{AxisName, analyse};
use sroi::evaluate::{Evaluator, OutcomeField, Scenario, Target};
use sroi::model::sensitivity::Variable;
use sroi::project::{self, LoadOptions, Project};
use sroi::source::DiskFiles;

use common::fixtures::TWO_OUTCOMES;
use common::sroi;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

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

/// One outcome's figures, for the oracle.
#[derive(Clone, Copy)]
struct Figures {
    q: Decimal,
    p: Decimal,
    dw: Decimal,
    ds: Decimal,
    at: Decimal,
    drop: Decimal,
    years: u32,
    first: u32,
}

impl Figures {
    /// docs/format.md §7 from the definition: Σ impact · (1 − DO)^k / 1.035^(first + k).
    fn pv(&self) -> Decimal {
        let one = Decimal::ONE;
        let impact = self.q * self.p * (one - self.dw) * (one - self.ds) * (one - self.at);
        let mut total = Decimal::ZERO;
        for k in 0..self.years {
            let mut growth = one;
            for _ in 0..self.first + k {
                growth *= d("1.035");
            }
            let mut kept = one;
            for _ in 0..k {
                kept *= one - self.drop;
            }
            total += impact * kept / growth;
        }
        total
    }
    fn with(mut self, v: Variable, x: Decimal) -> Self {
        match v {
            Variable::Quantity => self.q = x,
            Variable::Proxy => self.p = x,
            Variable::Deadweight => self.dw = x,
            Variable::Displacement => self.ds = x,
            Variable::Attribution => self.at = x,
            Variable::DropOff => self.drop = x,
            Variable::Duration => self.years = u32::try_from(x.trunc().mantissa()).unwrap(),
        }
        self
    }
}

fn base() -> [Figures; 2] {
    [
        Figures {
            q: d("10"),
            p: d("1000"),
            dw: d("0.20"),
            ds: d("0.05"),
            at: d("0.25"),
            drop: d("0.10"),
            years: 5,
            first: 1,
        },
        Figures {
            q: d("40"),
            p: d("150"),
            dw: d("0"),
            ds: d("0"),
            at: d("0"),
            drop: d("0"),
            years: 1,
            first: 2,
        },
    ]
}

fn oracle_ratio(changes: &[(usize, Variable, Decimal)]) -> Decimal {
    let mut f = base();
    for (i, v, x) in changes {
        f[*i] = f[*i].with(*v, *x);
    }
    (f[0].pv() + f[1].pv()) / d("20000")
}

fn close(what: &str, a: Decimal, b: Decimal) {
    assert!(
        (a - b).abs() < d("0.000000000001"),
        "{what}: {a} differs from the oracle's {b}"
    );
}

fn field(v: Variable) -> OutcomeField {
    sroi::analysis::probe::field(v)
}

/// The engine's exact ratio with one figure changed.
fn engine_ratio(project: &Project, outcome: usize, v: Variable, x: Decimal) -> Decimal {
    let scenario = Scenario::default().with(Target::Outcome(outcome, field(v)), x);
    Evaluator::new(project)
        .results(&scenario)
        .unwrap()
        .1
        .ratio
        .unwrap()
}

#[test]
fn rows_match_the_oracle_and_are_ordered_by_swing() {
    let f = write(TWO_OUTCOMES);
    let project = load(&f.path);
    let report = analyse(&project, Scenario::default(), None).unwrap();
    close("base ratio", report.base.ratio, oracle_ratio(&[]));
    assert_eq!(
        report.investment_tipping_point,
        report.base.total_present_value
    );
    close(
        "investment tipping point",
        report.investment_tipping_point,
        oracle_ratio(&[]) * d("20000"),
    );

    // The ranges the block asks for, by hand.
    let expected: Vec<(&str, Variable, &str, &str)> = vec![
        ("a", Variable::Quantity, "7.5", "12.5"),
        ("a", Variable::Proxy, "800", "1200"),
        ("a", Variable::Deadweight, "0.05", "0.35"),
        ("a", Variable::Displacement, "0", "0.15"),
        ("a", Variable::Attribution, "0.15", "0.35"),
        ("a", Variable::DropOff, "0", "0.20"),
        ("a", Variable::Duration, "3", "7"),
        ("b", Variable::Quantity, "30", "50"),
        ("b", Variable::Proxy, "100", "300"),
        ("b", Variable::Deadweight, "0", "0.15"),
        ("b", Variable::Displacement, "0", "0.10"),
        ("b", Variable::Attribution, "0", "0.50"),
        // b's drop-off changes nothing in a one-year outcome: no row.
        ("b", Variable::Duration, "1", "3"),
    ];
    assert_eq!(report.rows.len(), expected.len());
    for (outcome, v, low, high) in &expected {
        let row = report
            .rows
            .iter()
            .find(|r| r.outcome == *outcome && r.variable == *v)
            .unwrap_or_else(|| panic!("no row for {outcome} {v:?}"));
        assert_eq!((row.low, row.high), (d(low), d(high)), "{outcome} {v:?}");
        let i = usize::from(*outcome == "b");
        close("ratio low", row.ratio_low, oracle_ratio(&[(i, *v, d(low))]));
        close(
            "ratio high",
            row.ratio_high,
            oracle_ratio(&[(i, *v, d(high))]),
        );
        assert_eq!(row.swing, (row.ratio_high - row.ratio_low).abs());
    }
    assert!(
        !report
            .rows
            .iter()
            .any(|r| r.outcome == "b" && r.variable == Variable::DropOff)
    );
    for pair in report.rows.windows(2) {
        assert!(pair[0].swing >= pair[1].swing, "rows are sorted by swing");
    }
    // a's quantity and proxy move the ratio by the same ±25% / ±20% of a's PV: quantity first.
    let position = |o: &str, v| {
        report
            .rows
            .iter()
            .position(|r| r.outcome == o && r.variable == v)
            .unwrap()
    };
    assert!(position("a", Variable::Quantity) < position("a", Variable::Proxy));
}

#[test]
fn every_tipping_point_gives_a_ratio_of_one_when_substituted() {
    let f = write(TWO_OUTCOMES);
    let project = load(&f.path);
    let report = analyse(&project, Scenario::default(), None).unwrap();
    let mut checked = 0;
    for row in &report.rows {
        let i = usize::from(row.outcome == "b");
        let Some(t) = row.tipping_point else {
            continue;
        };
        checked += 1;
        let at = |x: Decimal| engine_ratio(&project, i, row.variable, x);
        match row.variable {
            Variable::DropOff => {
                // Rounded to 4 places: the root lies within half a step of it.
                let half = d("0.00005");
                assert!(
                    at(t - half) >= Decimal::ONE && at(t + half) <= Decimal::ONE,
                    "drop-off {t}"
                );
                assert_eq!(t.scale(), 4);
            }
            Variable::Duration => {
                // The ratio reaches or passes 1 here, and not one year nearer the base.
                let base_ratio = report.base.ratio;
                let nearer = if t < row.base {
                    t + Decimal::ONE
                } else {
                    t - Decimal::ONE
                };
                let passed = |r: Decimal| {
                    if base_ratio > Decimal::ONE {
                        r <= Decimal::ONE
                    } else {
                        r >= Decimal::ONE
                    }
                };
                assert!(passed(at(t)) && !passed(at(nearer)), "duration {t}");
            }
            _ => {
                close(
                    &format!(
                        "{} {:?} at its tipping point {t}",
                        row.outcome, row.variable
                    ),
                    at(t),
                    Decimal::ONE,
                );
                // And its change is measured from base as documented.
                let change = row.tipping_change.unwrap();
                match row.variable {
                    Variable::Quantity | Variable::Proxy => {
                        close("relative change", change, (t - row.base) / row.base)
                    }
                    _ => close("change in points", change, t - row.base),
                }
            }
        }
    }
    // Every variable of a tips. b cannot: without b at all the ratio is still above 1.
    assert_eq!(checked, 7);
    assert!(oracle_ratio(&[(1, Variable::Quantity, Decimal::ZERO)]) > Decimal::ONE);
    for row in report.rows.iter().filter(|r| r.outcome == "b") {
        assert_eq!(row.tipping_point, None, "{:?}", row.variable);
    }
    let a_duration = report
        .rows
        .iter()
        .find(|r| r.outcome == "a" && r.variable == Variable::Duration)
        .unwrap();
    // By the oracle: at 3 years the ratio is still above 1, at 2 it is below.
    assert!(oracle_ratio(&[(0, Variable::Duration, d("3"))]) > Decimal::ONE);
    assert!(oracle_ratio(&[(0, Variable::Duration, d("2"))]) < Decimal::ONE);
    assert_eq!(a_duration.tipping_point, Some(d("2")));
    let b_duration = report
        .rows
        .iter()
        .find(|r| r.outcome == "b" && r.variable == Variable::Duration)
        .unwrap();
    assert_eq!(b_duration.tipping_point, None);
}

#[test]
fn tipping_points_outside_the_domain_are_null() {
    // The format's worked check: ratio 3.0443. At duration 1 or drop-off 100% the ratio is
    // still 1.159, so neither can bring it to 1.
    let out = sroi(&[
        "sensitivity",
        "tests/conformance/valid/spec-worked-check.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let row = |var: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["variable"] == var)
            .unwrap()
            .clone()
    };
    assert_eq!(row("duration")["tipping_point"], Value::Null);
    assert_eq!(row("drop_off")["tipping_point"], Value::Null);
    // Hand-computed: Q* = 10 · 5000 / 15221.50 = 3.2848; P* = 328.48;
    // DW* = 1 − 5000 / (15221.50 / 0.8) = 0.7372; AT* = 1 − 5000 / (15221.50 / 0.75) = 0.7536;
    // DS* = 1 − 5000 / 15221.50 = 0.6715.
    assert_eq!(row("quantity")["tipping_point"], "3.2848");
    assert_eq!(row("quantity")["tipping_change"], "-0.6715");
    assert_eq!(row("proxy")["tipping_point"], "328.48");
    assert_eq!(row("deadweight")["tipping_point"], "0.7372");
    assert_eq!(row("deadweight")["tipping_change"], "0.5372");
    assert_eq!(row("attribution")["tipping_point"], "0.7536");
    assert_eq!(row("displacement")["tipping_point"], "0.6715");
    assert_eq!(v["investment_tipping_point"], "15221.50");
    assert_eq!(
        v["base"],
        serde_json::json!({"ratio": "3.0443", "total_present_value": "15221.50", "investment": "5000.00"})
    );
    // Rows as the report formats them.
    let q = row("quantity");
    assert_eq!(
        (q["base"].as_str(), q["low"].as_str(), q["high"].as_str()),
        (Some("10"), Some("8"), Some("12"))
    );
    assert_eq!(row("proxy")["low"], "800.00");
    assert_eq!(row("deadweight")["low"], "0.1000");
    assert_eq!(row("duration")["low"], 2);
    // Ratio at Q = 8 is 0.8 · 3.0443 = 2.4354; at 12, 3.6532; swing 1.2177.
    assert_eq!(
        (
            q["ratio_low"].as_str(),
            q["ratio_high"].as_str(),
            q["swing"].as_str()
        ),
        (Some("2.4354"), Some("3.6532"), Some("1.2177"))
    );
    let keys: Vec<&str> = q.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "outcome",
            "variable",
            "base",
            "low",
            "high",
            "ratio_low",
            "ratio_high",
            "swing",
            "tipping_point",
            "tipping_change"
        ]
    );
}

#[test]
fn a_ratio_that_rises_with_drop_off_is_solved_too() {
    // A disbenefit (negative proxy) in the second outcome: more drop-off, less harm.
    let text = TWO_OUTCOMES
        .replace(
            "proxy: { value: 1000, source: illustrative }",
            "proxy: { value: -1000, source: illustrative }",
        )
        .replace("quantity: 40\n", "quantity: 200\n");
    let f = write(&text);
    let project = load(&f.path);
    let report = analyse(&project, Scenario::default(), None).unwrap();
    let row = report
        .rows
        .iter()
        .find(|r| r.outcome == "a" && r.variable == Variable::DropOff)
        .unwrap();
    assert!(row.ratio_high > row.ratio_low);
    let t = row.tipping_point.expect("a tipping point");
    let at = |x: Decimal| engine_ratio(&project, 0, Variable::DropOff, x);
    let half = d("0.00005");
    assert!(
        at(t - half) <= Decimal::ONE && at(t + half) >= Decimal::ONE,
        "{t}"
    );
}

#[test]
fn two_way_grid_matches_the_oracle_cell_by_cell() {
    let f = write(TWO_OUTCOMES);
    let project = load(&f.path);
    let x = AxisName {
        outcome: "a".into(),
        variable: "quantity".into(),
    };
    let y = AxisName {
        outcome: "b".into(),
        variable: "proxy".into(),
    };
    let report = analyse(&project, Scenario::default(), Some((&x, &y, 5))).unwrap();
    let grid = report.two_way.unwrap();
    let xs: Vec<Decimal> = ["7.5", "8.75", "10", "11.25", "12.5"]
        .iter()
        .map(|s| d(s))
        .collect();
    let ys: Vec<Decimal> = ["100", "150", "200", "250", "300"]
        .iter()
        .map(|s| d(s))
        .collect();
    assert_eq!(grid.x.values, xs);
    assert_eq!(grid.y.values, ys);
    for (i, xv) in xs.iter().enumerate() {
        for (j, yv) in ys.iter().enumerate() {
            close(
                "cell",
                grid.ratios[i][j],
                oracle_ratio(&[(0, Variable::Quantity, *xv), (1, Variable::Proxy, *yv)]),
            );
        }
    }
    // Through the command line, with the default 11 steps.
    let path = f.path.to_str().unwrap();
    let out = sroi(&[
        "sensitivity",
        path,
        "--two-way",
        "a.quantity,b.proxy",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["two_way"]["ratios"].as_array().unwrap().len(), 11);
    assert_eq!(v["two_way"]["ratios"][0].as_array().unwrap().len(), 11);
    assert_eq!(v["two_way"]["x"]["values"][0], "7.5");
    assert_eq!(v["two_way"]["y"]["values"][10], "300.00");
}

#[test]
fn set_moves_the_base_and_bad_command_lines_are_refused() {
    let f = write(TWO_OUTCOMES);
    let path = f.path.to_str().unwrap();
    let out = sroi(&[
        "sensitivity",
        path,
        "--set",
        "inputs.1.value=25000",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["base"]["investment"], "25000.00");
    close(
        "ratio under --set",
        d(v["base"]["ratio"].as_str().unwrap()),
        (oracle_ratio(&[]) * d("0.8")).round_dp(4),
    );

    let out = sroi(&["sensitivity", path, "--two-way", "a.quantity,c.proxy"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no outcome `c`"), "{}", out.stderr);
    let out = sroi(&["sensitivity", path, "--two-way", "a.quantity,b.proxi"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("did you mean `proxy`?"),
        "{}",
        out.stderr
    );
    assert_eq!(
        sroi(&["sensitivity", path, "--two-way", "a.quantity"]).code,
        2
    );
    assert_eq!(
        sroi(&[
            "sensitivity",
            path,
            "--two-way",
            "a.quantity,b.proxy",
            "--steps",
            "1"
        ])
        .code,
        2
    );
    assert_eq!(sroi(&["sensitivity", path, "--steps", "5"]).code, 2);
}

#[test]
fn every_format_shows_the_same_rows() {
    let f = write(TWO_OUTCOMES);
    let path = f.path.to_str().unwrap();
    let table = sroi(&["sensitivity", path]).stdout;
    assert!(table.contains("Tornado"), "{table}");
    assert!(table.contains("£26,"), "{table}");
    let csv = sroi(&["sensitivity", path, "--format", "csv"]).stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "outcome,variable,base,low,high,ratio_low,ratio_high,swing,tipping_point,tipping_change"
    );
    // 13 rows, then 4 headline measures.
    assert_eq!(lines.len(), 1 + 13 + 4);
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("investment_tipping_point,")
    );
    let markdown = sroi(&["sensitivity", path, "--format", "markdown"]).stdout;
    assert_eq!(
        markdown
            .lines()
            .filter(|l| l.starts_with("| a ") || l.starts_with("| b "))
            .count(),
        13
    );
}
