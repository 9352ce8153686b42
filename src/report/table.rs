//! The default report: a readable impact map for the terminal.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use super::sections::{Section, closing, heading, sections};
use crate::evaluate::Evaluation;

/// Width that tables with long text are wrapped to.
const WIDTH: u16 = 120;

fn draw(section: &Section) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    // A fixed width, never the terminal's: the same input gives the same bytes everywhere.
    if section.wrap {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(WIDTH);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    // Escaped before layout, so column widths count what is shown.
    let shown = |row: &Vec<String>| -> Vec<String> {
        row.iter()
            .map(|cell| crate::text::visible(cell).into_owned())
            .collect()
    };
    table.set_header(shown(&section.header));
    for row in section.rows.iter().chain(&section.footer) {
        table.add_row(shown(row));
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
