//! `--format html`: one self-contained page (inline CSS and SVG, no script, no URL)
//! that reads well on screen, printed on A4 and with JavaScript off.
//!
//! Every figure is formatted here from the unrounded evaluation; the template only lays
//! them out, and escapes every piece of model text (minijinja autoescape for `.html`).

use minijinja::Environment;
use rust_decimal::Decimal;
use serde::Serialize;

use super::charts::{self, Bar, Steps};
use super::{cash, fixed, percent, plain, ratio_sentence, sections::heading, symbol};
use crate::evaluate::{Evaluation, OutcomeRow};

const TEMPLATE: &str = include_str!("templates/report.html");
pub(super) const STYLE: &str = include_str!("templates/report.css");

#[derive(Serialize)]
struct Headline {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct StakeholderView {
    id: String,
    name: String,
    investment: String,
    present_value: String,
    share: String,
}

#[derive(Serialize)]
struct YearView {
    year: u32,
    value: String,
    factor: String,
    present_value: String,
}

#[derive(Serialize)]
struct StepView {
    id: String,
    quantity: String,
    proxy_value: String,
    gross: String,
    after_deadweight: String,
    after_displacement: String,
    impact: String,
}

#[derive(Serialize)]
struct OutcomeView {
    id: String,
    stakeholder: String,
    description: String,
    indicator: String,
    quantity: String,
    proxy: String,
    proxy_value: String,
    deadweight: String,
    displacement: String,
    attribution: String,
    drop_off: String,
    lasts: String,
    impact: String,
    present_value: String,
}

#[derive(Serialize)]
struct InputView {
    stakeholder: String,
    description: String,
    value: String,
}

#[derive(Serialize)]
struct SourceView {
    proxy: String,
    value: String,
    unit: String,
    price_year: String,
    set: String,
    used_by: String,
    source: String,
}

#[derive(Serialize)]
struct Legend {
    label: &'static str,
    colour: String,
}

#[derive(Serialize)]
struct View {
    title: String,
    heading: Vec<String>,
    description: Option<String>,
    error: Option<String>,
    sentence: String,
    headline: Vec<Headline>,
    stakeholders: Vec<StakeholderView>,
    stakeholder_totals: [String; 2],
    stakeholder_chart: String,
    years: Vec<YearView>,
    year_totals: [String; 2],
    year_chart: String,
    year_legend: Vec<Legend>,
    steps: Vec<StepView>,
    step_chart: String,
    step_legend: Vec<Legend>,
    outcomes: Vec<OutcomeView>,
    inputs: Vec<InputView>,
    investment: String,
    outputs: Vec<(String, String)>,
    params: Vec<(String, String)>,
    sources: Vec<SourceView>,
    assumptions: Vec<String>,
    warnings: Vec<String>,
    style: &'static str,
}

/// The report page for an evaluation.
pub fn render(e: &Evaluation) -> String {
    page(e, None)
}

/// The page with an error banner above the last good figures (for a live view whose
/// latest evaluation failed).
pub fn render_with_error(e: &Evaluation, error: &str) -> String {
    page(e, Some(error))
}

fn page(e: &Evaluation, error: Option<&str>) -> String {
    let view = view(e, error);
    let mut env = Environment::new();
    let rendered = env
        .add_template("report.html", TEMPLATE)
        .and_then(|()| env.get_template("report.html"))
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&view))));
    match rendered {
        Ok(mut text) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        // The template ships inside the binary and is tested; should it ever fail, say so
        // in a page rather than print half of one.
        Err(err) => format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>sroi</title>\
             <p>The report could not be laid out: {}</p></html>\n",
            escape(&err.to_string())
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Gross value and each adjustment in turn; `None` only on overflow.
pub fn steps(o: &OutcomeRow) -> Option<[Decimal; 4]> {
    let keep = |v: Decimal, fraction: Decimal| v.checked_mul(Decimal::ONE.checked_sub(fraction)?);
    let gross = o.quantity.checked_mul(o.proxy.value)?;
    let after_deadweight = keep(gross, o.deadweight)?;
    let after_displacement = keep(after_deadweight, o.displacement)?;
    let impact = keep(after_displacement, o.attribution)?;
    Some([gross, after_deadweight, after_displacement, impact])
}

fn sum(mut values: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
}

fn lasts(o: &OutcomeRow) -> String {
    let years = if o.duration == 1 { "yr" } else { "yrs" };
    format!("{} {years} ({})", o.duration, o.start.describe())
}

fn view(e: &Evaluation, error: Option<&str>) -> View {
    let cur = e.currency.as_str();
    let money = |v: Decimal| cash(v, cur);
    let sign = symbol(cur);
    let sign = sign.trim_end();

    let headline = vec![
        Headline {
            label: "SROI ratio",
            value: e
                .ratio
                .map_or_else(|| "none".to_owned(), |r| format!("{} : 1", fixed(r, 2))),
        },
        Headline {
            label: "Total present value",
            value: money(e.total_present_value),
        },
        Headline {
            label: "Investment",
            value: money(e.investment),
        },
        Headline {
            label: "Net present value",
            value: money(e.net_present_value),
        },
        Headline {
            label: "Net SROI ratio",
            value: e
                .net_ratio
                .map_or_else(|| "none".to_owned(), |r| format!("{} : 1", fixed(r, 2))),
        },
        Headline {
            label: "Payback period",
            value: e
                .payback_months
                .map_or_else(|| "none".to_owned(), |m| format!("{} months", fixed(m, 2))),
        },
    ];

    let stakeholders = e
        .stakeholders
        .iter()
        .map(|s| StakeholderView {
            id: s.id.clone(),
            name: s.name.clone(),
            investment: money(s.investment),
            present_value: money(s.present_value),
            share: s.share.map_or_else(String::new, percent_1),
        })
        .collect();
    let stakeholder_bars: Vec<Bar> = e
        .stakeholders
        .iter()
        .map(|s| Bar {
            label: s.name.clone(),
            value: s.present_value,
        })
        .collect();

    // Value in each year over all outcomes, and its present value.
    let horizon = usize::try_from(e.horizon).unwrap_or(0);
    let year_values: Vec<Decimal> = (0..horizon)
        .map(|y| {
            sum(e
                .outcomes
                .iter()
                .map(|o| o.years.get(y).copied().unwrap_or_default()))
            .unwrap_or_default()
        })
        .collect();
    let year_present: Vec<Decimal> = year_values
        .iter()
        .zip(&e.factors)
        .map(|(v, f)| v.checked_mul(*f).unwrap_or_default())
        .collect();
    let years = year_values
        .iter()
        .zip(&year_present)
        .zip(&e.factors)
        .enumerate()
        .map(|(i, ((v, p), f))| YearView {
            year: u32::try_from(i + 1).unwrap_or(u32::MAX),
            value: money(*v),
            factor: fixed(*f, 6),
            present_value: money(*p),
        })
        .collect();
    let total_value = sum(year_values.iter().copied()).unwrap_or_default();

    let mut steps_views = Vec::new();
    let mut step_bars = Vec::new();
    for o in &e.outcomes {
        let values = steps(o);
        let show = |i: usize| {
            values
                .and_then(|v| v.get(i).copied())
                .map_or_else(|| "too large".to_owned(), money)
        };
        steps_views.push(StepView {
            id: o.id.clone(),
            quantity: plain(o.quantity),
            proxy_value: money(o.proxy.value),
            gross: show(0),
            after_deadweight: show(1),
            after_displacement: show(2),
            impact: money(o.impact),
        });
        if let Some(values) = values {
            step_bars.push(Steps {
                label: o.id.clone(),
                values,
            });
        }
    }

    let outcomes = e
        .outcomes
        .iter()
        .map(|o| OutcomeView {
            id: o.id.clone(),
            stakeholder: o.stakeholder.clone(),
            description: o.description.clone(),
            indicator: o.indicator.clone().unwrap_or_default(),
            quantity: plain(o.quantity),
            proxy: o.proxy.id.clone().unwrap_or_else(|| "inline".to_owned()),
            proxy_value: money(o.proxy.value),
            deadweight: percent(o.deadweight),
            displacement: percent(o.displacement),
            attribution: percent(o.attribution),
            drop_off: percent(o.drop_off),
            lasts: lasts(o),
            impact: money(o.impact),
            present_value: money(o.present_value),
        })
        .collect();

    View {
        title: format!("{} — SROI report", e.model.name),
        heading: heading(e),
        description: e.model.description.as_ref().map(|d| d.trim().to_owned()),
        error: error.map(str::to_owned),
        sentence: ratio_sentence(e),
        headline,
        stakeholders,
        stakeholder_totals: [money(e.investment), money(e.total_present_value)],
        stakeholder_chart: charts::horizontal_bars(&stakeholder_bars, sign, charts::BLUE),
        years,
        year_totals: [money(total_value), money(e.total_present_value)],
        year_chart: charts::years(&year_values, &year_present, sign),
        year_legend: vec![
            Legend {
                label: "Value in the year",
                colour: charts::css(charts::SKY),
            },
            Legend {
                label: "Present value",
                colour: charts::css(charts::BLUE),
            },
        ],
        steps: steps_views,
        step_chart: charts::gross_to_net(&step_bars, sign),
        step_legend: [
            "Gross (quantity × proxy)",
            "After deadweight (−DW)",
            "After displacement (−DS)",
            "Impact (after attribution)",
        ]
        .iter()
        .zip(charts::STEP_COLOURS)
        .map(|(label, colour)| Legend {
            label,
            colour: charts::css(colour),
        })
        .collect(),
        outcomes,
        inputs: e
            .inputs
            .iter()
            .map(|i| InputView {
                stakeholder: i.stakeholder.clone(),
                description: i.description.clone(),
                value: money(i.value),
            })
            .collect(),
        investment: money(e.investment),
        outputs: e
            .outputs
            .iter()
            .map(|o| (o.description.clone(), plain(o.quantity)))
            .collect(),
        params: e
            .params
            .iter()
            .map(|(k, v)| (k.clone(), plain(*v)))
            .collect(),
        sources: sources(e),
        assumptions: assumptions(e),
        warnings: e.warnings.iter().map(ToString::to_string).collect(),
        style: STYLE,
    }
}

fn percent_1(fraction: Decimal) -> String {
    fraction
        .checked_mul(Decimal::ONE_HUNDRED)
        .map_or_else(|| fraction.to_string(), |p| format!("{}%", fixed(p, 1)))
}

/// What makes two outcomes' proxies the same: id, set, value and source.
type ProxyKey = (Option<String>, Option<String>, Decimal, String);

/// Each distinct proxy the outcomes use, once, with the outcomes that use it.
fn sources(e: &Evaluation) -> Vec<SourceView> {
    let mut out: Vec<(SourceView, ProxyKey)> = Vec::new();
    for o in &e.outcomes {
        let p = &o.proxy;
        let key = (p.id.clone(), p.set.clone(), p.value, p.source.clone());
        if let Some((view, _)) = out.iter_mut().find(|(_, k)| *k == key) {
            view.used_by.push_str(", ");
            view.used_by.push_str(&o.id);
            continue;
        }
        out.push((
            SourceView {
                proxy: p.id.clone().unwrap_or_else(|| "inline".to_owned()),
                value: cash(p.value, &e.currency),
                unit: p.unit.clone().unwrap_or_default(),
                price_year: p.price_year.map(|y| y.to_string()).unwrap_or_default(),
                set: p
                    .set
                    .clone()
                    .unwrap_or_else(|| "written in the model".to_owned()),
                used_by: o.id.clone(),
                source: p.source.clone(),
            },
            key,
        ));
    }
    out.into_iter().map(|(v, _)| v).collect()
}

fn assumptions(e: &Evaluation) -> Vec<String> {
    let convention = match e.discounting {
        crate::model::Discounting::EndOfYear => {
            "end-of-year: the value of year y is divided by (1 + r)^y"
        }
        crate::model::Discounting::StartOfYear => {
            "start-of-year: the value of year y is divided by (1 + r)^(y − 1), so year 1 is not discounted"
        }
    };
    let mut out = vec![
        format!(
            "Discount rate {} a year, {convention}.",
            percent(e.discount_rate)
        ),
        format!(
            "Horizon {} year{}: each outcome is valued from its first year for its duration, falling by its drop-off each year after the first.",
            e.horizon,
            if e.horizon == 1 { "" } else { "s" }
        ),
        "Impact = quantity × proxy value × (1 − deadweight) × (1 − displacement) × (1 − attribution); each outcome's adjustments are in the impact map.".to_owned(),
        "Investment is the sum of the inputs at face value. SROI ratio = total present value ÷ investment; net ratio = net present value ÷ investment; payback = investment ÷ (total impact ÷ 12) months.".to_owned(),
        "Figures are computed in exact decimals and rounded only for display (money to 2 places, ratios to 2, half away from zero). Totals are sums of the unrounded figures, so a column of rounded figures may differ from its total by a penny.".to_owned(),
    ];
    if let Some(year) = e.proxy_set.price_year {
        out.push(format!(
            "Proxy set {} ({}), set price year {year}; each proxy in the sources below states its own price year where it has one.",
            e.proxy_set.name, e.proxy_set.id
        ));
    }
    out
}
