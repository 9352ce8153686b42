//! `sroi sensitivity` in table (with a text tornado), JSON, CSV, Markdown and HTML.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::analysis::{AnalysisFormat, bar, csv, csv_text, markdown_table, text_table};
use super::{cash, fixed, money, percent, plain};
use crate::analysis::sensitivity::{Row, SensitivityReport, TwoWay};
use crate::model::sensitivity::Variable;

pub fn render(r: &SensitivityReport, format: AnalysisFormat) -> String {
    match format {
        AnalysisFormat::Table => table(r),
        AnalysisFormat::Json => {
            let mut text = serde_json::to_string_pretty(&value(r)).unwrap_or_default();
            text.push('\n');
            text
        }
        AnalysisFormat::Csv => csv_text_of(r),
        AnalysisFormat::Markdown => markdown(r),
        AnalysisFormat::Html => super::analysis_html::sensitivity(r),
    }
}

/// A variable's value in JSON: quantities exact, proxies as money, fractions to 4
/// places, durations as whole numbers.
fn json_value(v: Decimal, variable: Variable) -> Value {
    match variable {
        Variable::Quantity => json!(plain(v)),
        Variable::Proxy => json!(money(v)),
        Variable::Duration => json!(v.trunc().mantissa()),
        _ => json!(fixed(v, 4)),
    }
}

fn json_tipping(v: Option<Decimal>, variable: Variable) -> Value {
    match (v, variable) {
        (None, _) => Value::Null,
        (Some(v), Variable::Proxy) => json!(money(v)),
        (Some(v), Variable::Duration) => json!(v.trunc().mantissa()),
        (Some(v), _) => json!(fixed(v, 4)),
    }
}

fn json_change(v: Option<Decimal>, variable: Variable) -> Value {
    match (v, variable) {
        (None, _) => Value::Null,
        (Some(v), Variable::Duration) => json!(v.trunc().mantissa()),
        (Some(v), _) => json!(fixed(v, 4)),
    }
}

/// The report as the documented JSON object.
pub fn value(r: &SensitivityReport) -> Value {
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|row| {
            json!({
                "outcome": row.outcome,
                "variable": row.variable.name(),
                "base": json_value(row.base, row.variable),
                "low": json_value(row.low, row.variable),
                "high": json_value(row.high, row.variable),
                "ratio_low": fixed(row.ratio_low, 4),
                "ratio_high": fixed(row.ratio_high, 4),
                "swing": fixed(row.swing, 4),
                "tipping_point": json_tipping(row.tipping_point, row.variable),
                "tipping_change": json_change(row.tipping_change, row.variable),
            })
        })
        .collect();
    let mut top = Map::new();
    top.insert(
        "model".into(),
        json!({"id": r.model_id, "name": r.model_name}),
    );
    top.insert("currency".into(), json!(r.currency));
    top.insert(
        "base".into(),
        json!({
            "ratio": fixed(r.base.ratio, 4),
            "total_present_value": money(r.base.total_present_value),
            "investment": money(r.base.investment),
        }),
    );
    top.insert(
        "investment_tipping_point".into(),
        json!(money(r.investment_tipping_point)),
    );
    top.insert("rows".into(), Value::Array(rows));
    if let Some(grid) = &r.two_way {
        let axis = |a: &crate::analysis::sensitivity::Axis| {
            json!({
                "outcome": a.outcome,
                "variable": a.variable.name(),
                "values": a.values.iter().map(|v| json_value(*v, a.variable)).collect::<Vec<_>>(),
            })
        };
        let ratios: Vec<Vec<String>> = grid
            .ratios
            .iter()
            .map(|row| row.iter().map(|x| fixed(*x, 4)).collect())
            .collect();
        top.insert(
            "two_way".into(),
            json!({"x": axis(&grid.x), "y": axis(&grid.y), "ratios": ratios}),
        );
    }
    Value::Object(top)
}

/// For people: percentages for fractions, money with its symbol.
fn shown(v: Decimal, variable: Variable, currency: &str) -> String {
    match variable {
        Variable::Quantity => plain(v.round_dp(4)),
        Variable::Proxy => cash(v, currency),
        Variable::Duration => format!("{} y", v.trunc()),
        _ => percent(v.round_dp(4)),
    }
}

fn shown_change(v: Option<Decimal>, variable: Variable) -> String {
    let Some(v) = v else {
        return String::new();
    };
    let sign = if v.is_sign_negative() && !v.is_zero() {
        ""
    } else {
        "+"
    };
    match variable {
        Variable::Quantity | Variable::Proxy => format!("{sign}{}", percent(v.round_dp(4))),
        Variable::Duration => format!("{sign}{} y", v.trunc()),
        _ => {
            let points = v
                .checked_mul(Decimal::ONE_HUNDRED)
                .unwrap_or(v)
                .round_dp(2)
                .normalize();
            format!("{sign}{points} pts")
        }
    }
}

pub(super) fn cells(row: &Row, currency: &str) -> Vec<String> {
    vec![
        row.outcome.clone(),
        row.variable.name().to_owned(),
        shown(row.base, row.variable, currency),
        shown(row.low, row.variable, currency),
        shown(row.high, row.variable, currency),
        fixed(row.ratio_low, 2),
        fixed(row.ratio_high, 2),
        fixed(row.swing, 2),
        row.tipping_point
            .map_or_else(|| "none".to_owned(), |t| shown(t, row.variable, currency)),
        shown_change(row.tipping_change, row.variable),
    ]
}

const HEADER: [&str; 10] = [
    "Outcome",
    "Variable",
    "Base",
    "Low",
    "High",
    "Ratio low",
    "Ratio high",
    "Swing",
    "Tipping point",
    "Change",
];
pub(super) const NUMERIC: [bool; 10] =
    [false, false, true, true, true, true, true, true, true, true];

pub(super) fn heading(r: &SensitivityReport) -> String {
    format!(
        "Sensitivity of {} ({})\nBase SROI ratio {} : 1 — total present value {}, investment {}\n\
         The ratio falls to 1 if the investment rises to {} (investment tipping point).\n",
        r.model_name,
        r.model_id,
        fixed(r.base.ratio, 2),
        cash(r.base.total_present_value, &r.currency),
        cash(r.base.investment, &r.currency),
        cash(r.investment_tipping_point, &r.currency),
    )
}

const TORNADO_WIDTH: usize = 40;

/// One line per row: the ratio's range as a bar, `│` at the base ratio, `┊` at ratio 1.
pub fn tornado(r: &SensitivityReport) -> String {
    if r.rows.is_empty() {
        return String::new();
    }
    let mut lo = r.base.ratio.min(Decimal::ONE);
    let mut hi = r.base.ratio.max(Decimal::ONE);
    for row in &r.rows {
        lo = lo.min(row.ratio_low).min(row.ratio_high);
        hi = hi.max(row.ratio_low).max(row.ratio_high);
    }
    let span = hi - lo;
    let at = |x: Decimal| -> f64 {
        if span.is_zero() {
            0.5
        } else {
            use rust_decimal::prelude::ToPrimitive;
            ((x - lo) / span).to_f64().unwrap_or(0.0)
        }
    };
    let labels: Vec<String> = r
        .rows
        .iter()
        .map(|row| format!("{} {}", row.outcome, row.variable.name()))
        .collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let column = |x: Decimal| {
        ((at(x) * TORNADO_WIDTH as f64).round() as usize).min(TORNADO_WIDTH.saturating_sub(1))
    };
    let base_col = column(r.base.ratio);
    let one_col = column(Decimal::ONE);
    let mut out = format!(
        "Tornado: the ratio at each variable's low and high values (│ base {}, ┊ ratio 1; scale {} to {})\n",
        fixed(r.base.ratio, 2),
        fixed(lo, 2),
        fixed(hi, 2)
    );
    for (row, label) in r.rows.iter().zip(&labels) {
        let mut cells = bar(at(row.ratio_low), at(row.ratio_high), TORNADO_WIDTH);
        if let Some(c) = cells.get_mut(one_col)
            && *c == ' '
        {
            *c = '┊';
        }
        if let Some(c) = cells.get_mut(base_col) {
            *c = '│';
        }
        let (a, b) = if row.ratio_low <= row.ratio_high {
            (row.ratio_low, row.ratio_high)
        } else {
            (row.ratio_high, row.ratio_low)
        };
        out.push_str(&format!(
            "{label:<width$}  {:>6} {} {}\n",
            fixed(a, 2),
            cells.iter().collect::<String>(),
            fixed(b, 2)
        ));
    }
    out
}

/// The grid's top-left cell, naming both axes in words (a `\` corner reads as a path
/// separator to tools).
fn grid_corner(grid: &TwoWay) -> String {
    format!(
        "{}.{} (rows) × {}.{} (columns)",
        grid.x.outcome,
        grid.x.variable.name(),
        grid.y.outcome,
        grid.y.variable.name()
    )
}

pub(super) fn grid_rows(grid: &TwoWay, currency: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec![grid_corner(grid)];
    header.extend(
        grid.y
            .values
            .iter()
            .map(|v| shown(*v, grid.y.variable, currency)),
    );
    let rows = grid
        .x
        .values
        .iter()
        .zip(&grid.ratios)
        .map(|(x, ratios)| {
            let mut row = vec![shown(*x, grid.x.variable, currency)];
            row.extend(ratios.iter().map(|r| fixed(*r, 2)));
            row
        })
        .collect();
    (header, rows)
}

pub(super) fn header() -> Vec<String> {
    HEADER.iter().map(|h| (*h).to_owned()).collect()
}

fn table(r: &SensitivityReport) -> String {
    let mut out = heading(r);
    out.push('\n');
    if r.rows.is_empty() {
        out.push_str("No figure changes the ratio within its range.\n");
    } else {
        let rows: Vec<Vec<String>> = r.rows.iter().map(|row| cells(row, &r.currency)).collect();
        out.push_str("One at a time, largest swing first (tipping point: the value at which the ratio is 1)\n");
        out.push_str(&text_table(&header(), &NUMERIC, &rows));
        out.push_str("\n\n");
        out.push_str(&tornado(r));
    }
    if let Some(grid) = &r.two_way {
        let (h, rows) = grid_rows(grid, &r.currency);
        let numeric = vec![true; h.len()];
        out.push_str(&format!(
            "\nTwo-way: the ratio with {} {} (rows) and {} {} (columns)\n",
            grid.x.outcome,
            grid.x.variable.name(),
            grid.y.outcome,
            grid.y.variable.name()
        ));
        out.push_str(&text_table(&h, &numeric, &rows));
        out.push('\n');
    }
    out
}

fn markdown(r: &SensitivityReport) -> String {
    let mut out = format!("# Sensitivity of {}\n\n", r.model_name);
    for line in heading(r).lines().skip(1) {
        out.push_str(line);
        out.push_str("  \n");
    }
    out.push('\n');
    if r.rows.is_empty() {
        out.push_str("No figure changes the ratio within its range.\n");
    } else {
        let rows: Vec<Vec<String>> = r.rows.iter().map(|row| cells(row, &r.currency)).collect();
        out.push_str("## One at a time\n\n");
        out.push_str(&markdown_table(&header(), &NUMERIC, &rows));
        out.push_str("\n## Tornado\n\n```text\n");
        out.push_str(&tornado(r));
        out.push_str("```\n");
    }
    if let Some(grid) = &r.two_way {
        let (h, rows) = grid_rows(grid, &r.currency);
        let numeric = vec![true; h.len()];
        out.push_str("\n## Two-way\n\n");
        out.push_str(&markdown_table(&h, &numeric, &rows));
    }
    out
}

fn plain_json(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// CSV: one line per row with the JSON's columns, then the headline measures (name in
/// the first column, value in the last). With `--two-way`, the grid instead: x values
/// down, y values across.
fn csv_text_of(r: &SensitivityReport) -> String {
    if let Some(grid) = &r.two_way {
        let mut header = vec![csv_text(&grid_corner(grid))];
        header.extend(
            grid.y
                .values
                .iter()
                .map(|v| plain_json(&json_value(*v, grid.y.variable))),
        );
        let mut rows = vec![header];
        for (x, ratios) in grid.x.values.iter().zip(&grid.ratios) {
            let mut row = vec![plain_json(&json_value(*x, grid.x.variable))];
            row.extend(ratios.iter().map(|r| fixed(*r, 4)));
            rows.push(row);
        }
        return csv(&rows);
    }
    let keys = [
        "outcome",
        "variable",
        "base",
        "low",
        "high",
        "ratio_low",
        "ratio_high",
        "swing",
        "tipping_point",
        "tipping_change",
    ];
    let json = value(r);
    let mut rows = vec![keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()];
    for row in json["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        rows.push(
            keys.iter()
                .map(|k| csv_text(&plain_json(&row[*k])))
                .collect(),
        );
    }
    let measures = [
        ("base_ratio", fixed(r.base.ratio, 4)),
        ("total_present_value", money(r.base.total_present_value)),
        ("investment", money(r.base.investment)),
        (
            "investment_tipping_point",
            money(r.investment_tipping_point),
        ),
    ];
    for (name, value) in measures {
        let mut row = vec![String::new(); keys.len()];
        if let Some(c) = row.first_mut() {
            *c = name.to_owned();
        }
        if let Some(c) = row.last_mut() {
            *c = value;
        }
        rows.push(row);
    }
    csv(&rows)
}
