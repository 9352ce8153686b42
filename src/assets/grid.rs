//! Text tables for the terminal (`table`), spreadsheets (`csv`) and documents
//! (`markdown`): each report builds `Grid`s once and every text format draws them.

use std::str::FromStr;

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use rust_decimal::Decimal;

/// One titled table.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns drawn right-aligned.
    pub numeric: Vec<usize>,
}

impl Grid {
    pub fn new(title: impl Into<String>, header: &[&str]) -> Self {
        Grid {
            title: title.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            ..Grid::default()
        }
    }
    pub fn numeric(mut self, columns: &[usize]) -> Self {
        self.numeric = columns.to_vec();
        self
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// Width long text is wrapped to: fixed, so the same input gives the same bytes everywhere.
const WIDTH: u16 = 140;

pub fn table(heading: &str, grids: &[Grid]) -> String {
    let mut out = format!("{heading}\n");
    for grid in grids {
        out.push('\n');
        out.push_str(&grid.title);
        out.push('\n');
        if grid.rows.is_empty() {
            out.push_str("  (none)\n");
            continue;
        }
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(WIDTH)
            .set_header(grid.header.clone());
        for row in &grid.rows {
            t.add_row(row.clone());
        }
        for i in &grid.numeric {
            if let Some(c) = t.column_mut(*i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out
}

/// A text cell a spreadsheet would run as a formula gets a leading `'`; numbers never.
pub fn csv_safe(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && Decimal::from_str(cell).is_err() {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Each grid as header and rows; several grids are separated by an empty line.
pub fn csv(grids: &[Grid]) -> String {
    let mut out = String::new();
    for (i, grid) in grids.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let mut ok = w.write_record(&grid.header).is_ok();
        for row in &grid.rows {
            ok &= w.write_record(row.iter().map(|c| csv_safe(c))).is_ok();
        }
        if ok && let Ok(bytes) = w.into_inner() {
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn markdown(heading: &str, grids: &[Grid]) -> String {
    let mut out = format!("# {heading}\n");
    for grid in grids {
        out.push_str(&format!("\n## {}\n\n", md_cell(&grid.title)));
        if grid.rows.is_empty() {
            out.push_str("(none)\n");
            continue;
        }
        let line = |cells: &[String]| {
            format!(
                "| {} |\n",
                cells
                    .iter()
                    .map(|c| md_cell(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        };
        out.push_str(&line(&grid.header));
        let rule: Vec<String> = (0..grid.header.len())
            .map(|i| {
                if grid.numeric.contains(&i) {
                    "---:"
                } else {
                    "---"
                }
                .to_owned()
            })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &grid.rows {
            out.push_str(&line(row));
        }
    }
    out
}
