//! The report's content as titled sections of rows, shared by the table and markdown
//! renderers so both say exactly the same thing.

use rust_decimal::Decimal;

use super::{cash, fixed, percent, plain, ratio_sentence};
use crate::evaluate::Evaluation;

pub struct Section {
    pub title: String,
    pub header: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Rows drawn after a rule (totals).
    pub footer: Vec<Vec<String>>,
    /// Long text: wrap cells to the report's width rather than stretch the table.
    pub wrap: bool,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The heading lines above the tables.
pub fn heading(e: &Evaluation) -> Vec<String> {
    let mut lines = vec![format!("{} ({})", e.model.name, e.model.id)];
    let period = e
        .model
        .period
        .as_deref()
        .map(|p| format!(", period {p}"))
        .unwrap_or_default();
    lines.push(format!("{}{period}", capitalised(e.model.kind.as_str())));
    let chain = if e.proxy_set.chain.len() > 1 {
        format!(" ({})", e.proxy_set.chain.join(" → "))
    } else {
        String::new()
    };
    let year = e
        .proxy_set
        .price_year
        .map(|y| format!(", set price year {y}"))
        .unwrap_or_default();
    lines.push(format!(
        "Proxy set: {}{chain}{year}; currency {}",
        e.proxy_set.name, e.currency
    ));
    if let Some(p) = &e.prices {
        lines.push(format!(
            "Prices: every proxy value in {} prices, rebased with deflator {} ({})",
            p.year, p.deflator_id, p.deflator_source
        ));
    }
    lines.push(format!(
        "Discount rate {} ({}), horizon {} year{}",
        percent(e.discount_rate),
        e.discounting.as_str(),
        e.horizon,
        if e.horizon == 1 { "" } else { "s" }
    ));
    lines
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn sections(e: &Evaluation) -> Vec<Section> {
    let cur = e.currency.as_str();
    let mut out = Vec::new();

    out.push(Section {
        title: "Inputs".into(),
        header: strings(&["Stakeholder", "Input", "Year", "Value", "Present value"]),
        numeric: vec![false, false, true, true, true],
        rows: e
            .inputs
            .iter()
            .map(|i| {
                vec![
                    i.stakeholder.clone(),
                    i.description.clone(),
                    i.year.to_string(),
                    cash(i.value, cur),
                    cash(i.present_value, cur),
                ]
            })
            .collect(),
        footer: vec![vec![
            "Total".into(),
            String::new(),
            String::new(),
            cash(e.investment_face_value, cur),
            cash(e.investment, cur),
        ]],
        wrap: true,
    });
    out.push(investment_by_year(e));

    if !e.outputs.is_empty() {
        out.push(Section {
            title: "Outputs".into(),
            header: strings(&["Output", "Quantity"]),
            numeric: vec![false, true],
            rows: e
                .outputs
                .iter()
                .map(|o| vec![o.description.clone(), plain(o.quantity)])
                .collect(),
            footer: Vec::new(),
            wrap: true,
        });
    }

    out.push(Section {
        title: "Impact map".into(),
        header: strings(&[
            "Outcome",
            "Stakeholder",
            "Quantity",
            "Proxy",
            "Proxy value",
            "Deadweight",
            "Displacement",
            "Attribution",
            "Drop-off",
            "Lasts",
            "Impact",
            "Present value",
        ]),
        numeric: vec![
            false, false, true, false, true, true, true, true, true, false, true, true,
        ],
        rows: e
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    o.id.clone(),
                    o.stakeholder.clone(),
                    plain(o.quantity),
                    o.proxy.id.clone().unwrap_or_else(|| "(inline)".into()),
                    cash(o.proxy.value, cur),
                    percent(o.deadweight),
                    percent(o.displacement),
                    percent(o.attribution),
                    percent(o.drop_off),
                    format!("{} yr, {}", o.duration, o.start.describe()),
                    cash(o.impact, cur),
                    cash(o.present_value, cur),
                ]
            })
            .collect(),
        footer: vec![{
            let mut row = vec![String::new(); 12];
            row[0] = "Total".into();
            row[10] = cash(e.total_impact, cur);
            row[11] = cash(e.total_present_value, cur);
            row
        }],
        wrap: false,
    });

    let years: Vec<usize> = (0..usize::try_from(e.horizon).unwrap_or(0)).collect();
    let mut header = vec!["Outcome".to_owned()];
    header.extend(years.iter().map(|y| format!("Year {}", y + 1)));
    header.push("Present value".into());
    let mut numeric = vec![false];
    numeric.extend(years.iter().map(|_| true));
    numeric.push(true);
    let mut rows: Vec<Vec<String>> = e
        .outcomes
        .iter()
        .map(|o| {
            let mut row = vec![o.id.clone()];
            row.extend(o.years.iter().map(|v| cash(*v, cur)));
            row.push(cash(o.present_value, cur));
            row
        })
        .collect();
    let mut totals = vec!["Total".to_owned()];
    totals.extend(years.iter().map(|&y| {
        let sum = e
            .outcomes
            .iter()
            .filter_map(|o| o.years.get(y))
            .fold(Decimal::ZERO, |a, v| a.checked_add(*v).unwrap_or(a));
        cash(sum, cur)
    }));
    totals.push(cash(e.total_present_value, cur));
    let mut factors = vec!["Discount factor".to_owned()];
    factors.extend(e.factors.iter().map(|f| fixed(*f, 4)));
    factors.push(String::new());
    rows.push(factors);
    out.push(Section {
        title: "Value by year".into(),
        header,
        numeric,
        rows,
        footer: vec![totals],
        wrap: false,
    });

    out.push(Section {
        title: "Stakeholders".into(),
        header: strings(&[
            "Stakeholder",
            "Name",
            "Invested",
            "Value (PV)",
            "Share of value",
        ]),
        numeric: vec![false, false, true, true, true],
        rows: e
            .stakeholders
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    cash(s.investment, cur),
                    cash(s.present_value, cur),
                    s.share.map_or("—".into(), share_text),
                ]
            })
            .collect(),
        footer: Vec::new(),
        wrap: true,
    });

    out.push(Section {
        title: "Outcomes and proxies".into(),
        header: strings(&["Outcome", "Description", "Indicator", "Proxy source"]),
        numeric: vec![false; 4],
        rows: e
            .outcomes
            .iter()
            .map(|o| {
                let unit = o
                    .proxy
                    .unit
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default();
                let set = o
                    .proxy
                    .set
                    .as_deref()
                    .map(|s| format!(" [set {s}]"))
                    .unwrap_or_default();
                let year = match (&o.proxy.rebased, o.proxy.price_year) {
                    (Some(r), _) => format!(
                        ", {} prices ({} in {} prices × {})",
                        r.price_year,
                        cash(r.original, cur),
                        r.from_year,
                        fixed(r.factor, 6)
                    ),
                    (None, Some(y)) => format!(", {y} prices"),
                    (None, None) => String::new(),
                };
                vec![
                    o.id.clone(),
                    o.description.clone(),
                    o.indicator.clone().unwrap_or_default(),
                    format!(
                        "{}{unit}{year}: {}{set}",
                        cash(o.proxy.value, cur),
                        o.proxy.source
                    ),
                ]
            })
            .collect(),
        footer: Vec::new(),
        wrap: true,
    });

    out.push(Section {
        title: "Summary".into(),
        header: strings(&["Measure", "Value"]),
        numeric: vec![false, true],
        rows: vec![
            vec![
                "Total present value".into(),
                cash(e.total_present_value, cur),
            ],
            vec!["Investment (present value)".into(), cash(e.investment, cur)],
            vec![
                "Investment (face value)".into(),
                cash(e.investment_face_value, cur),
            ],
            vec!["Net present value".into(), cash(e.net_present_value, cur)],
            vec![
                "SROI ratio".into(),
                e.ratio
                    .map_or("—".into(), |r| format!("{} : 1", fixed(r, 2))),
            ],
            vec![
                "Net SROI ratio".into(),
                e.net_ratio
                    .map_or("—".into(), |r| format!("{} : 1", fixed(r, 2))),
            ],
            vec![
                "Payback period".into(),
                e.payback_months
                    .map_or("—".into(), |p| format!("{} months", fixed(p, 2))),
            ],
        ],
        footer: Vec::new(),
        wrap: false,
    });
    out
}

/// Investment by programme year: face value, the factor 1 / (1 + r)^(year − 1), and PV.
fn investment_by_year(e: &Evaluation) -> Section {
    let cur = e.currency.as_str();
    Section {
        title: "Investment by year".into(),
        header: strings(&["Year", "Invested", "Discount factor", "Present value"]),
        numeric: vec![true, true, true, true],
        rows: e
            .investment_by_year
            .iter()
            .enumerate()
            .map(|(i, y)| {
                vec![
                    i.saturating_add(1).to_string(),
                    cash(y.face_value, cur),
                    fixed(y.factor, 4),
                    cash(y.present_value, cur),
                ]
            })
            .collect(),
        footer: vec![vec![
            "Total".into(),
            cash(e.investment_face_value, cur),
            String::new(),
            cash(e.investment, cur),
        ]],
        wrap: false,
    }
}

/// Said once under the tables: they show rounded figures, their totals are exact.
pub const ROUNDING_NOTE: &str =
    "Totals are computed from unrounded figures, so rows may not add up to the penny.";

/// The closing line: the ratio the way analysts say it, e.g.
/// `£3.04 of social value per £1 invested`.
pub fn closing(e: &Evaluation) -> String {
    ratio_sentence(e)
}

/// A stakeholder's share of the value, to one place: `42.5%`. A share is a fraction
/// of the total, but with disbenefits the total can be near zero and the share beyond
/// what ×100 can hold: then it is shown as a fraction rather than overflowing.
fn share_text(share: Decimal) -> String {
    match share.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", fixed(p, 1)),
        None => format!("{} (as a fraction)", fixed(share, 4)),
    }
}
