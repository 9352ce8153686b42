//! `--format csv`: one row per outcome with every column of the impact map, then totals.
//! Plain numbers (no currency signs or separators) so a spreadsheet reads them as numbers.

use super::money;
use crate::evaluate::Evaluation;

pub fn render(e: &Evaluation) -> String {
    let years: Vec<String> = (1..=e.horizon).map(|y| format!("year_{y}")).collect();
    let mut header: Vec<String> = [
        "outcome",
        "stakeholder",
        "description",
        "indicator",
        "quantity",
        "proxy",
        "proxy_value",
        "proxy_unit",
        "proxy_source",
        "proxy_set",
        "proxy_price_year",
        "proxy_original_value",
        "rebase_factor",
        "deadweight",
        "displacement",
        "attribution",
        "drop_off",
        "duration",
        "start",
        "impact",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Where the impact and the years sit, for the totals row.
    let impact_column = header.len().saturating_sub(1);
    header.extend(years);
    header.push("present_value".to_owned());
    let width = header.len();

    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![header];
    for o in &e.outcomes {
        let mut row = vec![
            o.id.clone(),
            o.stakeholder.clone(),
            o.description.clone(),
            o.indicator.clone().unwrap_or_default(),
            o.quantity.to_string(),
            o.proxy.id.clone().unwrap_or_else(|| "(inline)".to_owned()),
            money(o.proxy.value),
            o.proxy.unit.clone().unwrap_or_default(),
            o.proxy.source.clone(),
            o.proxy.set.clone().unwrap_or_default(),
            o.proxy
                .price_year
                .map(|y| y.to_string())
                .unwrap_or_default(),
            o.proxy
                .rebased
                .as_ref()
                .map(|r| money(r.original))
                .unwrap_or_default(),
            o.proxy
                .rebased
                .as_ref()
                .map(|r| r.factor.normalize().to_string())
                .unwrap_or_default(),
            o.deadweight.to_string(),
            o.displacement.to_string(),
            o.attribution.to_string(),
            o.drop_off.to_string(),
            o.duration.to_string(),
            o.start.label(),
            money(o.impact),
        ];
        row.extend(o.years.iter().map(|y| money(*y)));
        row.push(money(o.present_value));
        rows.push(row);
    }
    // Totals: the sum row lines up with the outcome columns; the measures that follow put
    // their name in the first column and their value in the last.
    let mut total = vec![String::new(); width];
    if let Some(c) = total.first_mut() {
        *c = "total".to_owned();
    }
    if let Some(c) = total.get_mut(impact_column) {
        *c = money(e.total_impact);
    }
    for (i, _) in (1..=e.horizon).enumerate() {
        let sum = e
            .outcomes
            .iter()
            .filter_map(|o| o.years.get(i))
            .fold(rust_decimal::Decimal::ZERO, |a, v| {
                a.checked_add(*v).unwrap_or(a)
            });
        if let Some(c) = total.get_mut(impact_column + 1 + i) {
            *c = money(sum);
        }
    }
    if let Some(c) = total.last_mut() {
        *c = money(e.total_present_value);
    }
    rows.push(total);
    let mut measures = vec![
        ("investment".to_owned(), Some(money(e.investment))),
        (
            "investment_face_value".to_owned(),
            Some(money(e.investment_face_value)),
        ),
    ];
    for (i, y) in e.investment_by_year.iter().enumerate() {
        let year = i.saturating_add(1);
        measures.push((format!("investment_year_{year}"), Some(money(y.face_value))));
        measures.push((
            format!("investment_year_{year}_present_value"),
            Some(money(y.present_value)),
        ));
    }
    let headline = [
        ("net_present_value", Some(money(e.net_present_value))),
        ("ratio", e.ratio.map(|r| super::fixed(r, 4))),
        ("net_ratio", e.net_ratio.map(|r| super::fixed(r, 4))),
        (
            "payback_months",
            e.payback_months.map(|p| super::fixed(p, 2)),
        ),
    ];
    measures.extend(headline.into_iter().map(|(k, v)| (k.to_owned(), v)));
    for (name, value) in measures {
        let mut row = vec![String::new(); width];
        if let Some(c) = row.first_mut() {
            *c = name;
        }
        if let Some(c) = row.last_mut() {
            *c = value.unwrap_or_default();
        }
        rows.push(row);
    }
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
