//! What the sensitivity and simulation reports share: their formats, how drawn (f64)
//! figures are rounded for display, and text bars.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::fixed;

/// Output formats of `sensitivity` and `simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AnalysisFormat {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
}

/// A drawn figure as a decimal: the shortest decimal that reads back as the same f64
/// (so a draw of exactly 3.04425 shows as 3.0443, as the exact figure would).
pub fn decimal(x: f64) -> Decimal {
    Decimal::from_str(&format!("{x}"))
        .ok()
        .or_else(|| Decimal::from_f64(x))
        .unwrap_or_default()
}

/// A drawn figure rounded half away from zero to `places`.
pub fn drawn(x: f64, places: u32) -> String {
    fixed(decimal(x), places)
}

/// A bar of `width` cells with `█` from `from` to `to` (fractions of the width, 0..=1).
pub fn bar(from: f64, to: f64, width: usize) -> Vec<char> {
    let cell = |x: f64| ((x.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    let (a, b) = (cell(from.min(to)), cell(from.max(to)));
    let b = if a == b { (b + 1).min(width) } else { b };
    (0..width)
        .map(|i| if i >= a && i < b { '█' } else { ' ' })
        .collect()
}

/// Text cells for CSV: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a
/// leading `'` so a spreadsheet does not run it as a formula.
pub fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Write CSV records into a string.
pub fn csv(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A markdown table.
pub fn markdown_table(header: &[String], numeric: &[bool], rows: &[Vec<String>]) -> String {
    let cell = |t: &str| t.replace('|', "\\|");
    let mut out = format!(
        "| {} |\n",
        header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let rule: Vec<&str> = numeric
        .iter()
        .map(|n| if *n { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in rows {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

/// A terminal table, fixed width so the same input gives the same bytes everywhere.
pub fn text_table(header: &[String], numeric: &[bool], rows: &[Vec<String>]) -> String {
    use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header.to_vec());
    for row in rows {
        table.add_row(row.clone());
    }
    for (i, n) in numeric.iter().enumerate() {
        if *n && let Some(c) = table.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_figures_round_like_exact_ones() {
        assert_eq!(drawn(3.04425, 4), "3.0443");
        assert_eq!(drawn(-2.345, 2), "-2.35");
        assert_eq!(drawn(1e-30, 4), "0.0000");
    }

    #[test]
    fn bars_fill_between_their_ends() {
        assert_eq!(bar(0.25, 0.75, 4).iter().collect::<String>(), " ██ ");
        assert_eq!(bar(0.5, 0.5, 4).iter().collect::<String>(), "  █ ");
    }
}
