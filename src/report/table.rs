//! The default report: a readable impact map for the terminal.

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

use super::sections::{closing, heading, sections, Section};
use crate::evaluate::Evaluation;

fn draw(section: &Section) -> String {
    let mut table = Table::new();
    // Never wrap to the terminal's width: the same input gives the same bytes everywhere.
    table.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(section.header.clone());
    for row in section.rows.iter().chain(&section.footer) {
        table.add_row(row.clone());
    }
    for (i, numeric) in section.numeric.iter().enumerate() {
        if *numeric && let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table.to_string()
}

pub fn render(e: &Evaluation) -> String {
    let mut out = heading(e).join("\n");
    out.push_str("\n\n");
    for section in sections(e) {
        out.push_str(&section.title);
        out.push('\n');
        out.push_str(&draw(&section));
        out.push_str("\n\n");
    }
    for w in &e.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&closing(e));
    out.push('\n');
    out
}
