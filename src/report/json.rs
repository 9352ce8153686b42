//! `--format json`: the keys docs/format.md lists, money and ratios as decimal strings.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::{fixed, money};
use crate::evaluate::Evaluation;

fn opt(value: Option<Decimal>, places: u32) -> Value {
    value.map_or(Value::Null, |v| Value::String(fixed(v, places)))
}

/// `during` and `after` as words, a programme year as a number.
fn start(s: crate::model::Start) -> Value {
    match s {
        crate::model::Start::Year(n) => json!(n),
        other => json!(other.label()),
    }
}

/// A proxy's rebasing: the value as written, its year, the index values and the factor.
fn rebased(r: &crate::proxy::deflator::Rebased) -> Value {
    json!({
        "original_value": money(r.original),
        "original_price_year": r.from_year,
        "price_year": r.price_year,
        "index_original_year": r.index_from.to_string(),
        "index_price_year": r.index_to.to_string(),
        "factor": r.factor.to_string(),
        "value": money(r.rebased),
    })
}

/// The evaluation as a JSON value (also used by `explain --format json`).
pub fn value(e: &Evaluation) -> Value {
    let stakeholders: Vec<Value> = e
        .stakeholders
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "investment": money(s.investment),
                "present_value": money(s.present_value),
                "share": opt(s.share, 4),
            })
        })
        .collect();
    let outcomes: Vec<Value> = e
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "id": o.id,
                "stakeholder": o.stakeholder,
                "description": o.description,
                "indicator": o.indicator,
                "quantity": o.quantity.to_string(),
                "proxy": {
                    "id": o.proxy.id,
                    "value": money(o.proxy.value),
                    "unit": o.proxy.unit,
                    "source": o.proxy.source,
                    "set": o.proxy.set,
                    "price_year": o.proxy.price_year,
                    "rebased": o.proxy.rebased.as_ref().map(rebased),
                },
                "deadweight": o.deadweight.to_string(),
                "displacement": o.displacement.to_string(),
                "attribution": o.attribution.to_string(),
                "drop_off": o.drop_off.to_string(),
                "duration": o.duration,
                "start": start(o.start),
                "impact": money(o.impact),
                "years": o.years.iter().map(|y| money(*y)).collect::<Vec<_>>(),
                "present_value": money(o.present_value),
            })
        })
        .collect();
    let inputs: Vec<Value> = e
        .inputs
        .iter()
        .map(|i| json!({"stakeholder": i.stakeholder, "description": i.description, "year": i.year, "value": money(i.value), "present_value": money(i.present_value)}))
        .collect();
    let params: Map<String, Value> = e
        .params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
        .collect();

    // `preserve_order` is on, so keys come out in the order written here: the documented order.
    let mut top = Map::new();
    let mut put = |k: &str, v: Value| {
        top.insert(k.to_owned(), v);
    };
    put(
        "model",
        json!({"id": e.model.id, "name": e.model.name, "kind": e.model.kind.as_str(), "period": e.model.period}),
    );
    put(
        "proxy_set",
        json!({"id": e.proxy_set.id, "name": e.proxy_set.name, "price_year": e.proxy_set.price_year, "chain": e.proxy_set.chain}),
    );
    put("currency", json!(e.currency));
    put("discount_rate", json!(e.discount_rate.to_string()));
    put("discounting", json!(e.discounting.as_str()));
    put("horizon_years", json!(e.horizon));
    put(
        "price_year",
        e.prices.as_ref().map_or(Value::Null, |p| json!(p.year)),
    );
    put(
        "deflator",
        e.prices.as_ref().map_or(
            Value::Null,
            |p| json!({"id": p.deflator_id, "name": p.deflator_name, "source": p.deflator_source}),
        ),
    );
    put("investment", json!(money(e.investment)));
    put(
        "investment_face_value",
        json!(money(e.investment_face_value)),
    );
    put(
        "investment_by_year",
        Value::Array(
            e.investment_by_year
                .iter()
                .enumerate()
                .map(|(i, y)| {
                    json!({
                        "year": i.saturating_add(1),
                        "value": money(y.face_value),
                        "factor": y.factor.to_string(),
                        "present_value": money(y.present_value),
                    })
                })
                .collect(),
        ),
    );
    put("total_impact", json!(money(e.total_impact)));
    put("total_present_value", json!(money(e.total_present_value)));
    put("net_present_value", json!(money(e.net_present_value)));
    put("ratio", opt(e.ratio, 4));
    put("net_ratio", opt(e.net_ratio, 4));
    put("payback_months", opt(e.payback_months, 2));
    put("params", Value::Object(params));
    put("inputs", Value::Array(inputs));
    put(
        "outputs",
        Value::Array(
            e.outputs
                .iter()
                .map(|o| json!({"description": o.description, "quantity": o.quantity.to_string()}))
                .collect(),
        ),
    );
    put("stakeholders", Value::Array(stakeholders));
    put("outcomes", Value::Array(outcomes));
    put("warnings", json!(e.warnings));
    Value::Object(top)
}

pub fn render(e: &Evaluation) -> String {
    let mut text = serde_json::to_string_pretty(&value(e))
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}
