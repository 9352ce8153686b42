//! `sroi compare`: headline figures and each outcome's present value side by side, for
//! several models or one model under several proxy sets; and when one side is a
//! forecast and another an evaluation, the variance (evaluation − forecast) of the
//! ratio and of each outcome's quantity and present value, also as % of forecast.

use minijinja::Environment;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use super::charts::{self, Bar};
use super::sections::Section;
use super::{Format, cash, fixed, money, plain};
use crate::evaluate::Evaluation;
use crate::model::Kind;

/// One figure's forecast, evaluation and variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub forecast: Decimal,
    pub evaluation: Decimal,
    /// evaluation − forecast
    pub variance: Decimal,
    /// variance ÷ forecast × 100; `None` when the forecast is 0.
    pub percent: Option<Decimal>,
}

impl Change {
    fn new(forecast: Decimal, evaluation: Decimal) -> Option<Change> {
        let variance = evaluation.checked_sub(forecast)?;
        let percent = if forecast.is_zero() {
            None
        } else {
            variance
                .checked_div(forecast)
                .and_then(|f| f.checked_mul(Decimal::ONE_HUNDRED))
        };
        Some(Change {
            forecast,
            evaluation,
            variance,
            percent,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeVariance {
    pub id: String,
    pub quantity: Option<Change>,
    pub present_value: Option<Change>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variance {
    /// Index of the forecast side and of the evaluation side.
    pub forecast: usize,
    pub evaluation: usize,
    pub ratio: Option<Change>,
    /// Outcomes whose id is on both sides, in the forecast's order.
    pub outcomes: Vec<OutcomeVariance>,
    pub only_in_forecast: Vec<String>,
    pub only_in_evaluation: Vec<String>,
}

/// The sides, in the order given, and the variance when there is a forecast and an
/// evaluation among them (the first of each).
pub struct Comparison {
    pub sides: Vec<Evaluation>,
    pub variance: Option<Variance>,
}

pub fn compare(sides: Vec<Evaluation>) -> Comparison {
    let forecast = sides.iter().position(|s| s.model.kind == Kind::Forecast);
    let evaluation = sides.iter().position(|s| s.model.kind == Kind::Evaluation);
    let variance = match (forecast, evaluation) {
        (Some(f), Some(e)) => sides
            .get(f)
            .zip(sides.get(e))
            .map(|(fs, es)| variance(f, fs, e, es)),
        _ => None,
    };
    Comparison { sides, variance }
}

fn variance(f: usize, fs: &Evaluation, e: usize, es: &Evaluation) -> Variance {
    let outcomes = fs
        .outcomes
        .iter()
        .filter_map(|fo| {
            let eo = es.outcomes.iter().find(|o| o.id == fo.id)?;
            Some(OutcomeVariance {
                id: fo.id.clone(),
                quantity: Change::new(fo.quantity, eo.quantity),
                present_value: Change::new(fo.present_value, eo.present_value),
            })
        })
        .collect();
    let missing = |a: &Evaluation, b: &Evaluation| {
        a.outcomes
            .iter()
            .filter(|o| !b.outcomes.iter().any(|p| p.id == o.id))
            .map(|o| o.id.clone())
            .collect()
    };
    Variance {
        forecast: f,
        evaluation: e,
        ratio: fs.ratio.zip(es.ratio).and_then(|(a, b)| Change::new(a, b)),
        outcomes,
        only_in_forecast: missing(fs, es),
        only_in_evaluation: missing(es, fs),
    }
}

pub fn render(c: &Comparison, format: Format) -> String {
    match format {
        Format::Json => json_text(c),
        Format::Csv => csv_text(c),
        Format::Table => text(c, |s| super::table::draw(s, super::table::width())),
        Format::Markdown => markdown(c),
        Format::Html => html(c),
    }
}

/// `arts-for-health (uk)`
fn label(e: &Evaluation) -> String {
    format!("{} ({})", e.model.id, e.proxy_set.id)
}

fn ratio(value: Option<Decimal>, places: u32) -> String {
    value.map_or_else(|| "none".to_owned(), |r| fixed(r, places))
}

/// Outcome ids over all sides, in order of first appearance.
fn outcome_ids(c: &Comparison) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for side in &c.sides {
        for o in &side.outcomes {
            if !ids.contains(&o.id) {
                ids.push(o.id.clone());
            }
        }
    }
    ids
}

fn percent_text(change: &Change) -> String {
    change
        .percent
        .map_or_else(|| "n/a".to_owned(), |p| format!("{}%", signed(fixed(p, 2))))
}

fn signed(text: String) -> String {
    if text.starts_with('-') || text.chars().all(|c| c == '0' || c == '.') {
        text
    } else {
        format!("+{text}")
    }
}

fn sections(c: &Comparison) -> Vec<Section> {
    let mut header = vec!["Measure".to_owned()];
    header.extend(c.sides.iter().map(label));
    let columns = header.len();
    let row = |name: &str, cell: &dyn Fn(&Evaluation) -> String| {
        let mut r = vec![name.to_owned()];
        r.extend(c.sides.iter().map(cell));
        r
    };
    let mut out = vec![Section {
        title: "Headline figures".into(),
        header: header.clone(),
        numeric: (0..columns).map(|i| i > 0).collect(),
        rows: vec![
            row("Model", &|e| e.model.name.clone()),
            row("Kind", &|e| e.model.kind.as_str().to_owned()),
            row("Proxy set", &|e| e.proxy_set.name.clone()),
            row("Investment", &|e| cash(e.investment, &e.currency)),
            row("Total present value", &|e| {
                cash(e.total_present_value, &e.currency)
            }),
            row("Net present value", &|e| {
                cash(e.net_present_value, &e.currency)
            }),
            row("SROI ratio", &|e| ratio(e.ratio, 2)),
        ],
        footer: Vec::new(),
        wrap: true,
    }];
    let mut pv_header = vec!["Outcome present value".to_owned()];
    pv_header.extend(c.sides.iter().map(label));
    out.push(Section {
        title: "Present value by outcome".into(),
        header: pv_header,
        numeric: (0..columns).map(|i| i > 0).collect(),
        rows: outcome_ids(c)
            .iter()
            .map(|id| {
                let mut r = vec![id.clone()];
                r.extend(c.sides.iter().map(|e| {
                    e.outcomes
                        .iter()
                        .find(|o| &o.id == id)
                        .map_or_else(|| "—".to_owned(), |o| cash(o.present_value, &e.currency))
                }));
                r
            })
            .collect(),
        footer: vec![row("Total", &|e| cash(e.total_present_value, &e.currency))],
        wrap: true,
    });
    if let Some(v) = &c.variance {
        let currency = c
            .sides
            .get(v.evaluation)
            .map_or("GBP", |e| e.currency.as_str());
        let cells = |change: &Option<Change>, show: &dyn Fn(Decimal) -> String| match change {
            Some(ch) => vec![
                show(ch.forecast),
                show(ch.evaluation),
                signed(show(ch.variance)),
                percent_text(ch),
            ],
            None => vec!["n/a".to_owned(); 4],
        };
        let mut rows: Vec<Vec<String>> = Vec::new();
        for o in &v.outcomes {
            let mut r = vec![o.id.clone(), "quantity".to_owned()];
            r.extend(cells(&o.quantity, &|d| plain(d)));
            rows.push(r);
            let mut r = vec![o.id.clone(), "present value".to_owned()];
            r.extend(cells(&o.present_value, &|d| cash(d, currency)));
            rows.push(r);
        }
        let mut footer = vec!["SROI ratio".to_owned(), String::new()];
        footer.extend(cells(&v.ratio, &|d| fixed(d, 2)));
        let title = format!(
            "Variance: evaluation {} − forecast {}",
            c.sides.get(v.evaluation).map(label).unwrap_or_default(),
            c.sides.get(v.forecast).map(label).unwrap_or_default()
        );
        out.push(Section {
            title,
            header: [
                "Outcome",
                "Figure",
                "Forecast",
                "Evaluation",
                "Variance",
                "% of forecast",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            numeric: vec![false, false, true, true, true, true],
            rows,
            footer: vec![footer],
            wrap: true,
        });
    }
    out
}

fn notes(c: &Comparison) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = &c.variance {
        if !v.only_in_forecast.is_empty() {
            out.push(format!(
                "Only in the forecast (no variance): {}",
                v.only_in_forecast.join(", ")
            ));
        }
        if !v.only_in_evaluation.is_empty() {
            out.push(format!(
                "Only in the evaluation (no variance): {}",
                v.only_in_evaluation.join(", ")
            ));
        }
    }
    out
}

fn text(c: &Comparison, draw: fn(&Section) -> String) -> String {
    let mut out = String::from("Comparison\n\n");
    for s in sections(c) {
        out.push_str(&format!("{}\n{}\n\n", s.title, draw(&s)));
    }
    for n in notes(c) {
        out.push_str(&format!("{n}\n"));
    }
    out
}

fn markdown(c: &Comparison) -> String {
    let mut out = String::from("# Comparison\n\n");
    for s in sections(c) {
        out.push_str(&format!(
            "## {}\n\n{}\n",
            s.title,
            super::markdown::draw(&s)
        ));
    }
    for n in notes(c) {
        out.push_str(&format!("> {n}\n\n"));
    }
    out
}

fn change_json(change: &Option<Change>, show: &dyn Fn(Decimal) -> String) -> Value {
    match change {
        Some(ch) => json!({
            "forecast": show(ch.forecast),
            "evaluation": show(ch.evaluation),
            "variance": show(ch.variance),
            "percent_of_forecast": ch.percent.map(|p| fixed(p, 2)),
        }),
        None => Value::Null,
    }
}

pub fn json_value(c: &Comparison) -> Value {
    let sides: Vec<Value> = c
        .sides
        .iter()
        .map(|e| {
            json!({
                "model": e.model.id,
                "name": e.model.name,
                "kind": e.model.kind.as_str(),
                "proxy_set": e.proxy_set.id,
                "currency": e.currency,
                "investment": money(e.investment),
                "total_present_value": money(e.total_present_value),
                "net_present_value": money(e.net_present_value),
                "ratio": e.ratio.map(|r| fixed(r, 4)),
                "outcomes": e.outcomes.iter().map(|o| json!({
                    "id": o.id,
                    "quantity": plain(o.quantity),
                    "present_value": money(o.present_value),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let side_ref = |i: usize| {
        c.sides.get(i).map_or(
            Value::Null,
            |e| json!({"model": e.model.id, "proxy_set": e.proxy_set.id}),
        )
    };
    let variance = c.variance.as_ref().map_or(Value::Null, |v| {
        json!({
            "forecast": side_ref(v.forecast),
            "evaluation": side_ref(v.evaluation),
            "ratio": change_json(&v.ratio, &|d| fixed(d, 4)),
            "outcomes": v.outcomes.iter().map(|o| json!({
                "id": o.id,
                "quantity": change_json(&o.quantity, &|d| plain(d)),
                "present_value": change_json(&o.present_value, &|d| money(d)),
            })).collect::<Vec<_>>(),
            "only_in_forecast": v.only_in_forecast,
            "only_in_evaluation": v.only_in_evaluation,
        })
    });
    json!({"sides": sides, "variance": variance})
}

fn json_text(c: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(&json_value(c))
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// A text cell a spreadsheet could take for a formula gets a leading `'`.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Tidy CSV: one figure per line.
fn csv_text(c: &Comparison) -> String {
    let mut rows: Vec<Vec<String>> = vec![
        ["model", "proxy_set", "kind", "outcome", "measure", "value"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    ];
    for e in &c.sides {
        let mut put = |outcome: &str, measure: &str, value: String| {
            rows.push(vec![
                cell(&e.model.id),
                cell(&e.proxy_set.id),
                e.model.kind.as_str().to_owned(),
                cell(outcome),
                measure.to_owned(),
                value,
            ]);
        };
        put("", "investment", money(e.investment));
        put("", "total_present_value", money(e.total_present_value));
        put("", "net_present_value", money(e.net_present_value));
        put(
            "",
            "ratio",
            e.ratio.map(|r| fixed(r, 4)).unwrap_or_default(),
        );
        for o in &e.outcomes {
            put(&o.id, "quantity", plain(o.quantity));
            put(&o.id, "present_value", money(o.present_value));
        }
    }
    if let Some(v) = &c.variance {
        let mut put = |outcome: &str,
                       measure: &str,
                       change: &Option<Change>,
                       show: &dyn Fn(Decimal) -> String| {
            if let Some(ch) = change {
                for (suffix, value) in [
                    ("variance", show(ch.variance)),
                    (
                        "percent_of_forecast",
                        ch.percent.map(|p| fixed(p, 2)).unwrap_or_default(),
                    ),
                ] {
                    rows.push(vec![
                        String::new(),
                        String::new(),
                        "variance".to_owned(),
                        cell(outcome),
                        format!("{measure}_{suffix}"),
                        value,
                    ]);
                }
            }
        };
        put("", "ratio", &v.ratio, &|d| fixed(d, 4));
        for o in &v.outcomes {
            put(&o.id, "quantity", &o.quantity, &|d| plain(d));
            put(&o.id, "present_value", &o.present_value, &|d| money(d));
        }
    }
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for r in &rows {
        if w.write_record(r).is_err() {
            return String::new();
        }
    }
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct HtmlSection {
    title: String,
    header: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
    footer: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct HtmlView {
    sections: Vec<HtmlSection>,
    ratio_chart: String,
    ratios: Vec<(String, String)>,
    notes: Vec<String>,
    style: &'static str,
}

fn html(c: &Comparison) -> String {
    let sections: Vec<HtmlSection> = sections(c)
        .into_iter()
        .map(|s| HtmlSection {
            title: s.title,
            header: s.header,
            numeric: s.numeric,
            rows: s.rows,
            footer: s.footer,
        })
        .collect();
    let bars: Vec<Bar> = c
        .sides
        .iter()
        .map(|e| Bar {
            label: label(e),
            value: e.ratio.unwrap_or_default(),
        })
        .collect();
    let mut env = Environment::new();
    let rendered = env
        .add_template("compare.html", include_str!("templates/compare.html"))
        .and_then(|()| env.get_template("compare.html"))
        .and_then(|t| {
            let view = HtmlView {
                sections,
                ratio_chart: charts::horizontal_bars(&bars, "", charts::BLUE),
                ratios: c
                    .sides
                    .iter()
                    .map(|e| (label(e), ratio(e.ratio, 2)))
                    .collect(),
                notes: notes(c),
                style: super::html::STYLE,
            };
            t.render(minijinja::Value::from(minijinja::value::Serde(&view)))
        });
    match rendered {
        Ok(mut text) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        Err(err) => format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>sroi</title>\
             <p>The comparison could not be laid out: {}</p></html>\n",
            err.to_string().replace('&', "&amp;").replace('<', "&lt;")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn variance_is_evaluation_minus_forecast_and_a_percent_of_forecast() {
        let c = Change::new(d("1.65"), d("1.485")).unwrap_or_else(|| unreachable!());
        assert_eq!(c.variance, d("-0.165"));
        assert_eq!(c.percent.map(|p| fixed(p, 2)), Some("-10.00".to_owned()));
        // No percentage of nothing.
        let from_zero = Change::new(Decimal::ZERO, d("5")).unwrap_or_else(|| unreachable!());
        assert_eq!(from_zero.variance, d("5"));
        assert_eq!(from_zero.percent, None);
        assert_eq!(signed(fixed(d("6"), 0)), "+6");
        assert_eq!(signed(fixed(d("0"), 2)), "0.00");
    }
}
