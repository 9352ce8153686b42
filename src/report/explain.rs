//! `sroi explain`: where every figure came from and the arithmetic, step by step, in
//! words an auditor can follow. Figures are shown rounded; the arithmetic is exact.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{cash, fixed, money, percent, plain};
use crate::evaluate::{Evaluation, Origin, OutcomeRow};
use crate::model::Discounting;

/// Where a figure came from, in words.
pub fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::Literal { at } => format!("written at {at}"),
        Origin::Default => "not written; the format's default".to_owned(),
        Origin::Override => "set on the command line with --set".to_owned(),
        Origin::Expression { text, at, calls } => {
            let mut s = format!("expression `= {text}` at {at}");
            for (name, def) in calls {
                s.push_str(&format!(
                    "; calls script function {name}() defined at {def}"
                ));
            }
            s
        }
        Origin::Proxy { id, set, at } => format!("proxy `{id}` supplied by set `{set}` ({at})"),
        Origin::InlineProxy { at } => format!("inline proxy written at {at}"),
    }
}

pub fn origin_json(origin: &Origin) -> Value {
    match origin {
        Origin::Literal { at } => json!({"kind": "literal", "at": at}),
        Origin::Default => json!({"kind": "default"}),
        Origin::Override => json!({"kind": "override"}),
        Origin::Expression { text, at, calls } => json!({
            "kind": "expression", "expression": text, "at": at,
            "calls": calls.iter().map(|(n, d)| json!({"function": n, "defined_at": d})).collect::<Vec<_>>(),
        }),
        Origin::Proxy { id, set, at } => json!({"kind": "proxy", "id": id, "set": set, "at": at}),
        Origin::InlineProxy { at } => json!({"kind": "inline_proxy", "at": at}),
    }
}

/// The rebasing of a proxy value, with the index values it used.
fn rebasing_text(r: &crate::proxy::deflator::Rebased, cur: &str) -> String {
    format!(
        "                rebased from {from} prices: {orig} × index {to} / index {from} = {v} × {it} / {if_} (factor {factor}) = {new}\n",
        from = r.from_year,
        to = r.price_year,
        orig = cash(r.original, cur),
        v = plain(r.original),
        it = plain(r.index_to),
        if_ = plain(r.index_from),
        factor = fixed(r.factor, 6),
        new = cash(r.rebased, cur),
    )
}

fn factor_words(e: &Evaluation, year: usize) -> String {
    let power = match e.discounting {
        Discounting::EndOfYear => year,
        Discounting::StartOfYear => year.saturating_sub(1),
    };
    format!("1 / (1 + {})^{power}", plain(e.discount_rate))
}

fn outcome_text(e: &Evaluation, o: &OutcomeRow) -> String {
    let cur = e.currency.as_str();
    let mut out = format!("Outcome {} ({}): {}\n", o.id, o.stakeholder, o.description);
    if let Some(ind) = &o.indicator {
        out.push_str(&format!("  indicator: {ind}\n"));
    }
    let g = &o.origins;
    out.push_str(&format!(
        "  quantity      {}  ({})\n",
        plain(o.quantity),
        origin_text(&g.quantity)
    ));
    let unit = o
        .proxy
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    // The value shown is in the model's price year once rebased.
    let year = o
        .proxy
        .rebased
        .as_ref()
        .map(|r| r.price_year)
        .or(o.proxy.price_year)
        .map(|y| format!(", {y} prices"))
        .unwrap_or_default();
    out.push_str(&format!(
        "  proxy         {}{unit}{year}  ({})\n",
        cash(o.proxy.value, cur),
        origin_text(&g.proxy)
    ));
    if let Some(r) = &o.proxy.rebased {
        out.push_str(&rebasing_text(r, cur));
    }
    out.push_str(&format!("                source: {}\n", o.proxy.source));
    for (name, value, origin) in [
        ("deadweight", o.deadweight, &g.deadweight),
        ("displacement", o.displacement, &g.displacement),
        ("attribution", o.attribution, &g.attribution),
        ("drop-off", o.drop_off, &g.drop_off),
    ] {
        out.push_str(&format!(
            "  {name:<13} {}  ({})\n",
            percent(value),
            origin_text(origin)
        ));
    }
    let first = o.start.offset().saturating_add(1);
    out.push_str(&format!(
        "  duration      {} year{}, starting {} (first valued year {first})  ({})\n",
        o.duration,
        if o.duration == 1 { "" } else { "s" },
        o.start.describe(),
        origin_text(&g.duration)
    ));
    out.push_str(&format!(
        "  impact = quantity × proxy × (1 − deadweight) × (1 − displacement) × (1 − attribution)\n         = {} × {} × {} × {} × {} = {}\n",
        plain(o.quantity),
        // A rebased value is rarely a whole number of pence: show enough places to redo the sum.
        if o.proxy.rebased.is_some() {
            fixed(o.proxy.value, 6)
        } else {
            money(o.proxy.value)
        },
        plain(complement(o.deadweight)),
        plain(complement(o.displacement)),
        plain(complement(o.attribution)),
        cash(o.impact, cur)
    ));
    let mut terms = Vec::new();
    for (i, (value, factor)) in o.years.iter().zip(&e.factors).enumerate() {
        let y = i.saturating_add(1);
        if value.is_zero() {
            continue;
        }
        let k = y.saturating_sub(usize::try_from(first).unwrap_or(1));
        let value_words = if k == 0 {
            "impact".to_owned()
        } else {
            format!("impact × (1 − {})^{k}", plain(o.drop_off))
        };
        let discounted = value.checked_mul(*factor).unwrap_or_default();
        out.push_str(&format!(
            "  year {y}: {value_words} = {}; × {} ({}) = {}\n",
            cash(*value, cur),
            factor_words(e, y),
            fixed(*factor, 6),
            cash(discounted, cur)
        ));
        terms.push(cash(discounted, cur));
    }
    out.push_str(&format!(
        "  present value = {} = {}\n",
        terms.join(" + "),
        cash(o.present_value, cur)
    ));
    out
}

/// The text explanation; `only` limits it to one outcome.
pub fn text(e: &Evaluation, only: Option<&str>) -> String {
    let cur = e.currency.as_str();
    let chain = if e.proxy_set.chain.is_empty() {
        e.proxy_set.name.clone()
    } else {
        e.proxy_set.chain.join(" → ")
    };
    let mut out = format!("{} ({}), proxy set {chain}\n", e.model.name, e.model.id);
    out.push_str(
        "Figures are shown rounded to the penny; every step is computed in exact decimals.\n\n",
    );
    if only.is_none() {
        out.push_str("Settings\n");
        out.push_str(&format!(
            "  discount rate {}  ({})\n",
            percent(e.discount_rate),
            origin_text(&e.discount_origin)
        ));
        out.push_str(&format!(
            "  discounting {}: year y is multiplied by {}\n",
            e.discounting.as_str(),
            match e.discounting {
                Discounting::EndOfYear => "1 / (1 + r)^y",
                Discounting::StartOfYear => "1 / (1 + r)^(y − 1)",
            }
        ));
        if let Some(p) = &e.prices {
            out.push_str(&format!(
                "  price year {}: every proxy value is rebased to {} prices with deflator `{}` ({}; {}):\n    value × index[{}] / index[price year of the value]\n",
                p.year, p.year, p.deflator_id, p.deflator_name, p.deflator_source, p.year
            ));
        }
        if !e.params.is_empty() {
            out.push_str("\nParams\n");
            for ((name, value), origin) in e.params.iter().zip(&e.param_origins) {
                out.push_str(&format!(
                    "  {name} = {}  ({})\n",
                    plain(*value),
                    origin_text(origin)
                ));
            }
        }
        out.push_str(
            "\nInputs (money spent at the start of year N is multiplied by 1 / (1 + r)^(N − 1))\n",
        );
        for i in &e.inputs {
            out.push_str(&format!(
                "  {}: {} {} in year {}; × 1 / (1 + {})^{} = {}  ({})\n",
                i.stakeholder,
                i.description,
                cash(i.value, cur),
                i.year,
                plain(e.discount_rate),
                i.year.saturating_sub(1),
                cash(i.present_value, cur),
                origin_text(&i.origin)
            ));
        }
        out.push_str(&format!(
            "  investment I = Σ present values = {} (face value {})\n\n",
            cash(e.investment, cur),
            cash(e.investment_face_value, cur)
        ));
    }
    for o in e
        .outcomes
        .iter()
        .filter(|o| only.is_none_or(|id| o.id == id))
    {
        out.push_str(&outcome_text(e, o));
        out.push('\n');
    }
    if only.is_none() {
        out.push_str("Totals\n");
        let pvs: Vec<String> = e
            .outcomes
            .iter()
            .map(|o| cash(o.present_value, cur))
            .collect();
        out.push_str(&format!(
            "  total present value PV = {} = {}\n",
            pvs.join(" + "),
            cash(e.total_present_value, cur)
        ));
        out.push_str(&format!(
            "  net present value = PV − I = {} − {} = {}\n",
            cash(e.total_present_value, cur),
            cash(e.investment, cur),
            cash(e.net_present_value, cur)
        ));
        match (e.ratio, e.net_ratio) {
            (Some(r), Some(n)) => {
                out.push_str(&format!("  SROI ratio = PV / I = {}\n", fixed(r, 4)));
                out.push_str(&format!(
                    "  net SROI ratio = (PV − I) / I = {}\n",
                    fixed(n, 4)
                ));
            }
            _ => out.push_str("  no ratio: the investment is 0\n"),
        }
        match e.payback_months {
            Some(p) => out.push_str(&format!(
                "  payback = I / (Σ impact / 12) = {} / ({} / 12) = {} months\n",
                cash(e.investment, cur),
                cash(e.total_impact, cur),
                fixed(p, 2)
            )),
            None => out.push_str("  no payback period: the total impact is not above 0\n"),
        }
    }
    out
}

/// An outcome's own figures, each with where it came from: the figures as written or
/// set (`origin` as for the other figures) and the calculated ones (`origin` of kind
/// `calculated`, with the formula and the figures that went into it).
fn figures_json(e: &Evaluation, o: &OutcomeRow) -> Value {
    let g = &o.origins;
    let fraction = |value: Decimal, origin: &Origin| json!({"value": value.to_string(), "percent": percent(value), "origin": origin_json(origin)});
    let first = o.start.offset().saturating_add(1);
    let years: Vec<Value> = o
        .years
        .iter()
        .zip(&e.factors)
        .enumerate()
        .map(|(i, (value, factor))| {
            let year = i.saturating_add(1);
            let valued = u32::try_from(year)
                .is_ok_and(|y| y >= first && y < first.saturating_add(o.duration));
            let k = year.saturating_sub(usize::try_from(first).unwrap_or(1));
            let value_formula = if !valued {
                "0: the outcome is not valued in this year".to_owned()
            } else if k == 0 {
                "impact".to_owned()
            } else {
                format!("impact × (1 − drop_off)^{k}")
            };
            json!({
                "year": year,
                "value": money(*value),
                "factor": factor.to_string(),
                "present_value": money(value.checked_mul(*factor).unwrap_or_default()),
                "origin": {
                    "kind": "calculated",
                    "value": value_formula,
                    "factor": factor_words(e, year),
                },
            })
        })
        .collect();
    json!({
        "quantity": {"value": o.quantity.to_string(), "origin": origin_json(&g.quantity)},
        "proxy": {
            "value": money(o.proxy.value),
            "id": o.proxy.id,
            "unit": o.proxy.unit,
            "price_year": o.proxy.price_year,
            "source": o.proxy.source,
            "set": o.proxy.set,
            "origin": origin_json(&g.proxy),
        },
        "deadweight": fraction(o.deadweight, &g.deadweight),
        "displacement": fraction(o.displacement, &g.displacement),
        "attribution": fraction(o.attribution, &g.attribution),
        "drop_off": fraction(o.drop_off, &g.drop_off),
        "duration": {"value": o.duration, "origin": origin_json(&g.duration)},
        "start": {"value": o.start.label(), "first_valued_year": first},
        "impact": {
            "value": money(o.impact),
            "origin": {
                "kind": "calculated",
                "formula": "quantity × proxy × (1 − deadweight) × (1 − displacement) × (1 − attribution)",
                "arithmetic": format!(
                    "{} × {} × {} × {} × {}",
                    plain(o.quantity),
                    money(o.proxy.value),
                    plain(Decimal::ONE.saturating_sub(o.deadweight)),
                    plain(Decimal::ONE.saturating_sub(o.displacement)),
                    plain(Decimal::ONE.saturating_sub(o.attribution)),
                ),
            },
        },
        "years": years,
        "present_value": {
            "value": money(o.present_value),
            "origin": {"kind": "calculated", "formula": "sum over the years of value × factor"},
        },
    })
}

/// The same as data. With `only`, the one outcome's own figures and the settings they
/// depend on, without the model's totals (which are not that outcome's).
pub fn json(e: &Evaluation, only: Option<&str>) -> String {
    let mut value = super::json::value(e);
    if let Some(outcomes) = value["outcomes"].as_array_mut() {
        outcomes.retain(|o| only.is_none_or(|id| o["id"] == id));
        for o in outcomes.iter_mut() {
            let Some(row) = e.outcomes.iter().find(|r| o["id"] == r.id.as_str()) else {
                continue;
            };
            let g = &row.origins;
            o["origins"] = json!({
                "quantity": origin_json(&g.quantity),
                "proxy": origin_json(&g.proxy),
                "duration": origin_json(&g.duration),
                "deadweight": origin_json(&g.deadweight),
                "displacement": origin_json(&g.displacement),
                "attribution": origin_json(&g.attribution),
                "drop_off": origin_json(&g.drop_off),
            });
            o["discounted_years"] = Value::Array(
                row.years
                    .iter()
                    .zip(&e.factors)
                    .map(|(v, f)| json!({"value": money(*v), "factor": f.to_string(), "discounted": money(v.checked_mul(*f).unwrap_or_default())}))
                    .collect(),
            );
            o["figures"] = figures_json(e, row);
        }
    }
    if let Some(inputs) = value["inputs"].as_array_mut() {
        for (i, row) in inputs.iter_mut().zip(&e.inputs) {
            i["origin"] = origin_json(&row.origin);
        }
    }
    value["discount_rate_origin"] = origin_json(&e.discount_origin);
    value["param_origins"] = Value::Object(
        e.params
            .iter()
            .zip(&e.param_origins)
            .map(|((name, _), o)| (name.clone(), origin_json(o)))
            .collect(),
    );
    if only.is_some()
        && let Some(top) = value.as_object_mut()
    {
        for whole_model in [
            "investment",
            "total_impact",
            "total_present_value",
            "net_present_value",
            "ratio",
            "net_ratio",
            "payback_months",
            "inputs",
            "outputs",
            "stakeholders",
            "warnings",
        ] {
            top.shift_remove(whole_model);
        }
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// `1 − x` for a checked fraction; never overflows (a fraction is within 0..=1).
fn complement(fraction: Decimal) -> Decimal {
    Decimal::ONE.checked_sub(fraction).unwrap_or(Decimal::ZERO)
}
