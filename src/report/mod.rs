//! Reports of an evaluation: table (default), json, csv, markdown and html.
//!
//! Nothing is rounded before this point. Money is shown to 2 places and ratios to 2
//! (4 in JSON), half away from zero.

pub mod analysis;
mod analysis_charts;
mod analysis_html;
pub mod batch;
mod charts;
pub mod compare;
mod csv;
pub mod explain;
pub mod html;
pub mod import;
pub mod json;
mod markdown;
mod sections;
pub mod sensitivity_report;
pub mod simulation_report;
pub mod table;
pub mod xlsx;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::evaluate::Evaluation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    /// One self-contained page with charts (inline SVG, no script, no URL).
    Html,
}

pub fn render(evaluation: &Evaluation, format: Format) -> String {
    match format {
        // Text for a terminal: control characters from model text are shown escaped,
        // never sent (JSON escapes them itself; CSV cells are data, see `csv`).
        Format::Table => crate::text::visible(&table::render(evaluation)).into_owned(),
        Format::Json => json::render(evaluation),
        Format::Csv => csv::render(evaluation),
        Format::Markdown => crate::text::visible(&markdown::render(evaluation)).into_owned(),
        Format::Html => html::render(evaluation),
    }
}

/// As `render`, at the width used for pipes and files whatever the terminal: for a report
/// written to a file.
pub fn render_for_file(evaluation: &Evaluation, format: Format) -> String {
    match format {
        Format::Table => {
            crate::text::visible(&table::render_width(evaluation, table::DEFAULT_WIDTH))
                .into_owned()
        }
        other => render(evaluation, other),
    }
}

/// Round half away from zero to `places` and show exactly that many places.
pub fn fixed(value: Decimal, places: u32) -> String {
    let mut rounded = value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    if rounded.is_zero() {
        // Never print "-0.00".
        rounded.set_sign_positive(true);
    }
    rounded.to_string()
}

pub fn money(value: Decimal) -> String {
    fixed(value, 2)
}

/// `1234567.891` → `1,234,567.89`
pub fn grouped(value: Decimal) -> String {
    let text = money(value);
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{cents}")
}

pub fn symbol(currency: &str) -> String {
    match currency {
        "GBP" => "£".to_owned(),
        "EUR" => "€".to_owned(),
        "USD" => "$".to_owned(),
        other => format!("{other} "),
    }
}

/// Money with the currency symbol and thousands separators: `£15,221.50`.
pub fn cash(value: Decimal, currency: &str) -> String {
    let text = grouped(value);
    match text.strip_prefix('-') {
        Some(positive) => format!("-{}{positive}", symbol(currency)),
        None => format!("{}{text}", symbol(currency)),
    }
}

/// A fraction as a percentage: 0.035 → `3.5%`.
pub fn percent(fraction: Decimal) -> String {
    match fraction.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!(
            "{}%",
            p.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        ),
        None => fraction.to_string(),
    }
}

/// The ratio the way analysts say it.
pub fn ratio_sentence(e: &Evaluation) -> String {
    match e.ratio {
        Some(r) => {
            let sign = symbol(&e.currency);
            let sign = sign.trim_end();
            let amount = fixed(r, 2);
            let amount = match amount.strip_prefix('-') {
                Some(positive) => format!("-{sign}{positive}"),
                None => format!("{sign}{amount}"),
            };
            format!("{amount} of social value per {sign}1 invested")
        }
        None => "no ratio: nothing was invested".to_owned(),
    }
}

/// The exact value of a quantity, trimmed of trailing zeros for reading.
pub fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(money(d("2.345")), "2.35");
        assert_eq!(money(d("-2.345")), "-2.35");
        assert_eq!(money(d("2.5")), "2.50");
        assert_eq!(fixed(d("3.04425"), 4), "3.0443");
        assert_eq!(money(d("-0.001")), "0.00");
    }

    #[test]
    fn money_reads_like_money() {
        assert_eq!(grouped(d("1234567.891")), "1,234,567.89");
        assert_eq!(grouped(d("999.999")), "1,000.00");
        assert_eq!(cash(d("-1500"), "GBP"), "-£1,500.00");
        assert_eq!(cash(d("12"), "CHF"), "CHF 12.00");
        assert_eq!(percent(d("0.035")), "3.5%");
        assert_eq!(percent(d("0.20")), "20%");
    }
}
