//! `--format markdown`: the same content as the table, for pasting into a report.

use super::sections::{ROUNDING_NOTE, Section, closing, heading, sections};
use crate::evaluate::Evaluation;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn draw(section: &Section) -> String {
    let mut out = format!(
        "| {} |\n",
        section
            .header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let rule: Vec<&str> = section
        .numeric
        .iter()
        .map(|n| if *n { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &section.rows {
        out.push_str(&format!(
            "| {} |\n",
            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    for row in &section.footer {
        out.push_str(&format!(
            "| {} |\n",
            row.iter()
                .map(|c| if c.is_empty() {
                    String::new()
                } else {
                    format!("**{}**", cell(c))
                })
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    out
}

pub fn render(e: &Evaluation) -> String {
    let mut lines = heading(e).into_iter();
    let mut out = format!("# {}\n\n", lines.next().unwrap_or_default());
    for line in lines {
        out.push_str(&format!("{line}  \n"));
    }
    out.push('\n');
    if let Some(d) = &e.model.description {
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    for section in sections(e) {
        out.push_str(&format!("## {}\n\n{}\n", section.title, draw(&section)));
    }
    out.push_str(&format!("_{ROUNDING_NOTE}_\n\n"));
    for w in &e.warnings {
        out.push_str(&format!("> Warning: {w}\n\n"));
    }
    out.push_str(&format!("**{}**\n", closing(e)));
    out
}
