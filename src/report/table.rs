//! The default report: a readable impact map for the terminal.
//!
//! Long text wraps to a width: the terminal's when the binary writes to one, else a fixed
//! 100 columns, so piped output is byte-identical everywhere. Figures never wrap: a table
//! of figures too wide for the width is drawn as several tables of whole columns.

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

pub(super) fn draw(section: &Section, width: u16) -> String {
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
            // A figure is never broken over two lines; text columns give way instead.
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table.to_string()
}

/// Characters in the widest line of `text`.
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A table of figures wider than `width`, drawn as several tables of whole columns, each
/// starting with the first (key) column, so no figure is split and no line is too wide
/// unless one column alone is. Titles after the first say `(continued)`.
fn draw_fitted(section: &Section, width: u16) -> Vec<(String, String)> {
    let whole = draw(section, width);
    let width = usize::from(width);
    let columns = section.header.len();
    if section.wrap || columns <= 2 || widest(&whole) <= width {
        return vec![(section.title.clone(), whole)];
    }
    // Each column's width as drawn: its widest cell, plus padding and a rule.
    let column_width = |i: usize| {
        std::iter::once(&section.header)
            .chain(&section.rows)
            .chain(&section.footer)
            .filter_map(|row| row.get(i))
            .map(|cell| cell.chars().count())
            .max()
            .unwrap_or(0)
            .saturating_add(3)
    };
    let key = column_width(0).saturating_add(1);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group = vec![0];
    let mut used = key;
    for i in 1..columns {
        let w = column_width(i);
        if group.len() > 1 && used.saturating_add(w) > width {
            groups.push(std::mem::replace(&mut group, vec![0]));
            used = key;
        }
        group.push(i);
        used = used.saturating_add(w);
    }
    groups.push(group);
    let pick = |row: &Vec<String>, group: &[usize]| -> Vec<String> {
        group
            .iter()
            .map(|&i| row.get(i).cloned().unwrap_or_default())
            .collect()
    };
    groups
        .iter()
        .enumerate()
        .map(|(n, group)| {
            let part = Section {
                title: section.title.clone(),
                header: pick(&section.header, group),
                numeric: group
                    .iter()
                    .map(|&i| section.numeric.get(i).copied().unwrap_or(false))
                    .collect(),
                rows: section.rows.iter().map(|r| pick(r, group)).collect(),
                // A totals row with nothing in this part's columns is left out of it.
                footer: section
                    .footer
                    .iter()
                    .map(|r| pick(r, group))
                    .filter(|r| r.iter().skip(1).any(|cell| !cell.is_empty()))
                    .collect(),
                wrap: false,
            };
            let title = if n == 0 {
                section.title.clone()
            } else {
                format!("{} (continued)", section.title)
            };
            (title, draw(&part, u16::try_from(width).unwrap_or(u16::MAX)))
        })
        .collect()
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
        for (title, table) in draw_fitted(&section, width) {
            out.push_str(&title);
            out.push('\n');
            out.push_str(&table);
            out.push_str("\n\n");
        }
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
