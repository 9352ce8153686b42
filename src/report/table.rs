//! The default report: a readable impact map for the terminal.
//!
//! Long text wraps to a width: the terminal's when the binary writes to one, else a fixed
//! 100 columns, so piped output is byte-identical everywhere. Figures never wrap: the
//! tables of figures are as wide as their content.

use std::sync::atomic::{AtomicU16, Ordering};

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, presets};

use super::sections::{ROUNDING_NOTE, Section, closing, heading, sections};
use crate::evaluate::Evaluation;

/// Width for output that is not a terminal (a pipe, a file, a test).
pub const DEFAULT_WIDTH: u16 = 100;
/// Narrower terminals still get this width: below it tables are more wrap than text.
const NARROWEST: u16 = 40;

/// The terminal's width, once the binary has found its output is one (0: not a terminal).
static TERMINAL_WIDTH: AtomicU16 = AtomicU16::new(0);

/// Wrap tables to `columns` from now on: called by the binary when stdout is a terminal.
/// (The library never asks the terminal itself, so its output does not depend on where a
/// test happens to run.)
pub fn use_terminal_width(columns: u16) {
    TERMINAL_WIDTH.store(columns, Ordering::Relaxed);
}

/// The width tables wrap to.
pub fn width() -> u16 {
    match TERMINAL_WIDTH.load(Ordering::Relaxed) {
        0 => DEFAULT_WIDTH,
        columns => columns.max(NARROWEST),
    }
}

fn draw(section: &Section, width: u16) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .force_no_tty();
    // Sections of text wrap; tables of figures (impact map, value by year, summary) are
    // never squeezed, as a figure split over lines is worse than a wide table.
    if section.wrap {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    } else {
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    table.set_header(section.header.clone());
    for row in section.rows.iter().chain(&section.footer) {
        table.add_row(row.clone());
    }
    for (i, numeric) in section.numeric.iter().enumerate() {
        if *numeric && let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
            // A figure is never broken over two lines; text columns give way instead.
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table.to_string()
}

/// The table report, wrapped to `width()`.
pub fn render(e: &Evaluation) -> String {
    render_width(e, width())
}

/// The table report with long text wrapped to `width` columns.
pub fn render_width(e: &Evaluation, width: u16) -> String {
    let mut out = heading(e).join("\n");
    out.push_str("\n\n");
    for section in sections(e) {
        out.push_str(&section.title);
        out.push('\n');
        out.push_str(&draw(&section, width));
        out.push_str("\n\n");
    }
    out.push_str(ROUNDING_NOTE);
    out.push_str("\n\n");
    for w in &e.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&closing(e));
    out.push('\n');
    out
}
