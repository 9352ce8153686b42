//! `sroi simulate` in table (with a text histogram), JSON, CSV, Markdown and HTML.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::analysis::{AnalysisFormat, csv, csv_text, drawn, markdown_table, text_table};
use super::{cash, fixed};
use crate::analysis::simulate::{Driver, Histogram, SimulationReport, Stat};
use crate::analysis::stats::{BINS, Bin};
use crate::model::uncertainty::Figure;

pub fn render(r: &SimulationReport, format: AnalysisFormat) -> String {
    match format {
        AnalysisFormat::Table => table(r),
        AnalysisFormat::Json => {
            let mut text = serde_json::to_string_pretty(&value(r)).unwrap_or_default();
            text.push('\n');
            text
        }
        AnalysisFormat::Csv => csv_of(r),
        AnalysisFormat::Markdown => markdown(r),
        AnalysisFormat::Html => super::analysis_html::simulation(r),
    }
}

const STATS: [&str; 7] = ["mean", "sd", "p5", "p25", "p50", "p75", "p95"];

/// mean, sd, p5 … p95 rounded to `places`.
fn stat_values(s: &Stat, places: u32) -> [String; 7] {
    match s {
        Stat::Drawn(s) => {
            [s.mean, s.sd, s.p5, s.p25, s.p50, s.p75, s.p95].map(|x| drawn(x, places))
        }
        Stat::Exact(v) => {
            let v = fixed(*v, places);
            [
                v.clone(),
                fixed(Decimal::ZERO, places),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v,
            ]
        }
    }
}

fn stat_json(s: &Stat, places: u32) -> Value {
    let values = stat_values(s, places);
    Value::Object(
        STATS
            .iter()
            .zip(values)
            .map(|(k, v)| ((*k).to_owned(), Value::String(v)))
            .collect(),
    )
}

/// The histogram's bins as (from, to, count), ratios to 4 places.
pub fn bins(r: &SimulationReport) -> Vec<(String, String, usize)> {
    match &r.histogram {
        Histogram::Drawn(bins) => bins
            .iter()
            .map(|b: &Bin| (drawn(b.from, 4), drawn(b.to, 4), b.count))
            .collect(),
        Histogram::Exact(v) => {
            // numpy's convention for a single value: 20 bins over value ± 0.5.
            let width = Decimal::new(5, 2);
            let start = *v - Decimal::new(5, 1);
            (0..BINS)
                .map(|i| {
                    let from = start + width * Decimal::from(i);
                    let count = if i == BINS / 2 { r.draws } else { 0 };
                    (fixed(from, 4), fixed(from + width, 4), count)
                })
                .collect()
        }
    }
}

fn spearman(d: &Driver) -> String {
    d.spearman.map_or_else(String::new, |s| drawn(s, 4))
}

fn figure_name(d: &Driver) -> String {
    match d.figure {
        Figure::Outcome(..) => format!("{} {}", d.outcome.clone().unwrap_or_default(), d.variable),
        Figure::Input(i) => format!("input {} value", i.saturating_add(1)),
    }
}

pub fn value(r: &SimulationReport) -> Value {
    let mut top = Map::new();
    top.insert(
        "model".into(),
        json!({"id": r.model_id, "name": r.model_name}),
    );
    top.insert("currency".into(), json!(r.currency));
    top.insert("draws".into(), json!(r.draws));
    top.insert("seed".into(), json!(r.seed));
    top.insert("base_ratio".into(), json!(fixed(r.base_ratio, 4)));
    top.insert("ratio".into(), stat_json(&r.ratio, 4));
    top.insert(
        "net_present_value".into(),
        stat_json(&r.net_present_value, 2),
    );
    top.insert(
        "total_present_value".into(),
        stat_json(&r.total_present_value, 2),
    );
    top.insert(
        "probability_ratio_at_least_1".into(),
        json!(drawn(r.probability_ratio_at_least_1, 4)),
    );
    top.insert(
        "histogram".into(),
        Value::Array(
            bins(r)
                .into_iter()
                .map(|(from, to, count)| json!({"from": from, "to": to, "count": count}))
                .collect(),
        ),
    );
    let drivers: Vec<Value> = r
        .drivers
        .iter()
        .map(|d| {
            let rho = d.spearman.map_or(Value::Null, |_| json!(spearman(d)));
            match d.figure {
                Figure::Outcome(..) => {
                    json!({"outcome": d.outcome, "variable": d.variable, "spearman": rho})
                }
                Figure::Input(i) => {
                    json!({"input": i.saturating_add(1), "variable": "value", "spearman": rho})
                }
            }
        })
        .collect();
    top.insert("drivers".into(), Value::Array(drivers));
    Value::Object(top)
}

pub(super) fn heading(r: &SimulationReport) -> String {
    let p = r.probability_ratio_at_least_1 * 100.0;
    let sign = super::symbol(&r.currency);
    let sign = sign.trim_end();
    format!(
        "Monte Carlo simulation of {} ({})\n{} draws, seed {}; base SROI ratio {} : 1\n\
         In {}% of draws the ratio is at least 1 (each {sign}1 invested returns at least {sign}1 of value).\n",
        r.model_name,
        r.model_id,
        super::grouped(Decimal::from(r.draws)).trim_end_matches(".00"),
        r.seed,
        fixed(r.base_ratio, 2),
        drawn(p, 1),
    )
}

pub(super) fn stats_rows(r: &SimulationReport) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["Measure", "Mean", "SD", "P5", "P25", "P50", "P75", "P95"]
        .iter()
        .map(|h| (*h).to_owned())
        .collect();
    let money_row = |name: &str, s: &Stat| {
        let mut row = vec![name.to_owned()];
        row.extend(stat_values(s, 2).iter().map(|v| {
            v.parse::<Decimal>()
                .map_or_else(|_| v.clone(), |d| cash(d, &r.currency))
        }));
        row
    };
    let mut ratio = vec!["SROI ratio".to_owned()];
    ratio.extend(stat_values(&r.ratio, 2));
    let rows = vec![
        ratio,
        money_row("Net present value", &r.net_present_value),
        money_row("Total present value", &r.total_present_value),
    ];
    (header, rows)
}

const HISTOGRAM_WIDTH: usize = 40;

/// The ratio's histogram as text bars; the bin holding ratio 1 is marked.
pub fn histogram_text(r: &SimulationReport) -> String {
    let bins = bins(r);
    let most = bins.iter().map(|b| b.2).max().unwrap_or(0).max(1);
    let mut out = String::from("Histogram of the SROI ratio\n");
    let last = bins.len().saturating_sub(1);
    for (i, (from, to, count)) in bins.iter().enumerate() {
        let cells = (count * HISTOGRAM_WIDTH).div_ceil(most);
        let holds_one = from.parse::<Decimal>().is_ok_and(|f| f <= Decimal::ONE)
            && to
                .parse::<Decimal>()
                .is_ok_and(|t| Decimal::ONE < t || i == last && Decimal::ONE <= t);
        let mark = if holds_one { "  ← ratio 1" } else { "" };
        out.push_str(&format!(
            "{from:>10} – {to:<10} {count:>8} {}{mark}\n",
            "█".repeat(cells)
        ));
    }
    out
}

pub(super) fn driver_rows(r: &SimulationReport) -> (Vec<String>, Vec<Vec<String>>) {
    let header = vec![
        "Uncertain figure".to_owned(),
        "Spearman ρ with the ratio".to_owned(),
    ];
    let rows = r
        .drivers
        .iter()
        .map(|d| {
            vec![
                figure_name(d),
                if d.spearman.is_some() {
                    spearman(d)
                } else {
                    "(ratio constant)".into()
                },
            ]
        })
        .collect();
    (header, rows)
}

fn table(r: &SimulationReport) -> String {
    let mut out = heading(r);
    out.push('\n');
    let (h, rows) = stats_rows(r);
    out.push_str(&text_table(
        &h,
        &[false, true, true, true, true, true, true, true],
        &rows,
    ));
    out.push_str("\n\n");
    out.push_str(&histogram_text(r));
    if !r.drivers.is_empty() {
        out.push_str("\nWhat drives the spread (rank correlation with the ratio)\n");
        let (h, rows) = driver_rows(r);
        out.push_str(&text_table(&h, &[false, true], &rows));
        out.push('\n');
    }
    out
}

fn markdown(r: &SimulationReport) -> String {
    let mut out = format!("# Monte Carlo simulation of {}\n\n", r.model_name);
    for line in heading(r).lines().skip(1) {
        out.push_str(line);
        out.push_str("  \n");
    }
    let (h, rows) = stats_rows(r);
    out.push_str("\n## Spread\n\n");
    out.push_str(&markdown_table(
        &h,
        &[false, true, true, true, true, true, true, true],
        &rows,
    ));
    out.push_str("\n## Histogram\n\n```text\n");
    out.push_str(&histogram_text(r));
    out.push_str("```\n");
    if !r.drivers.is_empty() {
        let (h, rows) = driver_rows(r);
        out.push_str("\n## Drivers\n\n");
        out.push_str(&markdown_table(&h, &[false, true], &rows));
    }
    out
}

/// CSV in long form: `section,name,from,to,value`.
fn csv_of(r: &SimulationReport) -> String {
    let mut rows: Vec<Vec<String>> = vec![
        ["section", "name", "from", "to", "value"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    ];
    let mut push = |section: &str, name: &str, from: &str, to: &str, value: String| {
        rows.push(vec![
            section.to_owned(),
            csv_text(name),
            from.to_owned(),
            to.to_owned(),
            value,
        ]);
    };
    push("run", "draws", "", "", r.draws.to_string());
    push("run", "seed", "", "", r.seed.to_string());
    push("run", "base_ratio", "", "", fixed(r.base_ratio, 4));
    for (section, stat, places) in [
        ("ratio", &r.ratio, 4),
        ("net_present_value", &r.net_present_value, 2),
        ("total_present_value", &r.total_present_value, 2),
    ] {
        for (name, v) in STATS.iter().zip(stat_values(stat, places)) {
            push(section, name, "", "", v);
        }
    }
    push(
        "probability",
        "ratio_at_least_1",
        "",
        "",
        drawn(r.probability_ratio_at_least_1, 4),
    );
    for (i, (from, to, count)) in bins(r).into_iter().enumerate() {
        push(
            "histogram",
            &format!("bin {}", i + 1),
            &from,
            &to,
            count.to_string(),
        );
    }
    for d in &r.drivers {
        let name = match d.figure {
            Figure::Outcome(..) => format!(
                "outcomes.{}.{}",
                d.outcome.clone().unwrap_or_default(),
                d.variable
            ),
            Figure::Input(i) => format!("inputs.{}.value", i.saturating_add(1)),
        };
        push("drivers", &name, "", "", spearman(d));
    }
    csv(&rows)
}
