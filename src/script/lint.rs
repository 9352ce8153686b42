//! A silent trap, found before anything runs: a rule that compares a table column with a
//! text no row has (`r.answer == "Yes "`, a misspelt label) counts nobody, without error.
//!
//! The scan reads each script and expression for `X.col == "text"`, `X["col"] != "text"`
//! and the same written the other way round, and warns when some table has that column
//! but no row holds that text in it. It names the column, the text, the values present
//! and the nearest one.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::suggest;

/// One comparison of a column with a text literal, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub column: String,
    pub value: String,
    /// `!=` rather than `==`.
    pub negated: bool,
    /// Byte span of the text literal (quotes included) within the scanned text.
    pub span: Span,
}

/// The distinct texts of a column, per table that has it.
pub type ColumnValues<'a> = dyn Fn(&str) -> Vec<(String, BTreeSet<String>)> + 'a;

/// Warnings for every comparison in `file` (from `offset` for `len` bytes: a whole
/// script, or one YAML expression) with a text that no row of that column holds.
pub fn check(
    file: &Arc<SourceFile>,
    text: &str,
    offset: usize,
    values: &ColumnValues<'_>,
) -> Vec<Diagnostic> {
    comparisons(text)
        .into_iter()
        .flat_map(|c| {
            let at = Comparison {
                span: Span::new(offset.saturating_add(c.span.offset), c.span.len),
                ..c
            };
            warnings_for(file, &at, values)
        })
        .collect()
}

/// The warnings for one comparison, whose span is already in `file`.
pub fn warnings_for(
    file: &Arc<SourceFile>,
    c: &Comparison,
    values: &ColumnValues<'_>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    {
        for (table, present) in values(&c.column) {
            if present.contains(&c.value) || present.is_empty() {
                continue;
            }
            let listed: Vec<String> = present.iter().take(12).map(|v| format!("`{v}`")).collect();
            let more = present.len().saturating_sub(listed.len());
            let mut help = format!(
                "values in `{table}`.`{}`: {}{}",
                c.column,
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            if let Some(near) = suggest::closest(&c.value, present.iter().map(String::as_str)) {
                help = format!("did you mean `{near}`? {help}");
            }
            out.push(
                Diagnostic::warning(format!(
                    "no row of table `{table}` has `{}` in column `{}`, so this comparison is {} true",
                    c.value,
                    c.column,
                    if c.negated { "always" } else { "never" }
                ))
                .code("sroi::warning::unseen-value")
                .at(file, c.span)
                .label("no row has this value")
                .help(help),
            );
        }
    }
    out
}

/// Every `col ==/!= "text"` comparison in `text`.
pub fn comparisons(text: &str) -> Vec<Comparison> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(at) = find_operator(bytes, i) {
        let left = column_before(text, at).or_else(|| string_before(text, at));
        let right_start = skip_spaces(bytes, at.saturating_add(2));
        let right = string_at(text, right_start).or_else(|| column_at(text, right_start));
        match (left, right) {
            (Some(Side::Column(column)), Some(Side::Text(value, span)))
            | (Some(Side::Text(value, span)), Some(Side::Column(column))) => {
                let negated = bytes.get(at) == Some(&b'!');
                out.push(Comparison {
                    column,
                    value,
                    negated,
                    span,
                });
            }
            _ => {}
        }
        i = at.saturating_add(2);
    }
    out
}

enum Side {
    Column(String),
    Text(String, Span),
}

fn find_operator(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut in_string = false;
    while i.saturating_add(1) < bytes.len() {
        let (a, b) = (
            bytes.get(i).copied()?,
            bytes.get(i.saturating_add(1)).copied()?,
        );
        if a == b'\\' && in_string {
            i = i.saturating_add(2);
            continue;
        }
        if a == b'"' {
            in_string = !in_string;
        } else if !in_string && (a == b'=' || a == b'!') && b == b'=' {
            // Not part of `===` or `<=`/`>=`.
            let before = i.checked_sub(1).and_then(|j| bytes.get(j)).copied();
            if !matches!(before, Some(b'=' | b'<' | b'>' | b'!')) {
                return Some(i);
            }
        }
        i = i.saturating_add(1);
    }
    None
}

fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i = i.saturating_add(1);
    }
    i
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `X.col` or `X["col"]` ending just before `end` (spaces allowed).
fn column_before(text: &str, end: usize) -> Option<Side> {
    let before = text.get(..end)?.trim_end();
    if let Some(rest) = before.strip_suffix("\"]") {
        let open = rest.rfind("[\"")?;
        let name = rest.get(open.saturating_add(2)..)?;
        return (!name.is_empty() && name.chars().all(is_ident_or_space))
            .then(|| Side::Column(name.to_owned()));
    }
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_ident(*c))
        .map_or(0, |(i, c)| i.saturating_add(c.len_utf8()));
    let name = before.get(start..)?;
    let dot = before.get(..start)?.ends_with('.');
    (dot && !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| Side::Column(name.to_owned()))
}

fn is_ident_or_space(c: char) -> bool {
    is_ident(c) || c == ' ' || c == '-'
}

/// `X.col` or `X["col"]` starting at `start`.
fn column_at(text: &str, start: usize) -> Option<Side> {
    let rest = text.get(start..)?;
    let ident_end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
    let after = rest.get(ident_end..)?;
    if ident_end == 0 {
        return None;
    }
    if let Some(prop) = after.strip_prefix('.') {
        let end = prop.find(|c: char| !is_ident(c)).unwrap_or(prop.len());
        let name = prop.get(..end)?;
        // `x.col(` is a method call, not a column.
        let call = prop.get(end..).is_some_and(|r| r.starts_with('('));
        return (!name.is_empty() && !call).then(|| Side::Column(name.to_owned()));
    }
    let inner = after.strip_prefix("[\"")?;
    let close = inner.find("\"]")?;
    Some(Side::Column(inner.get(..close)?.to_owned()))
}

/// A `"text"` literal ending just before `end`.
fn string_before(text: &str, end: usize) -> Option<Side> {
    let before = text.get(..end)?.trim_end();
    let body = before.strip_suffix('"')?;
    let open = body.rfind('"')?;
    let value = body.get(open.saturating_add(1)..)?;
    if value.contains('\\') {
        return None;
    }
    Some(Side::Text(
        value.to_owned(),
        Span::new(open, value.len().saturating_add(2)),
    ))
}

/// A `"text"` literal starting at `start`.
fn string_at(text: &str, start: usize) -> Option<Side> {
    let rest = text.get(start..)?.strip_prefix('"')?;
    let close = rest.find('"')?;
    let value = rest.get(..close)?;
    if value.contains('\\') {
        return None;
    }
    Some(Side::Text(
        value.to_owned(),
        Span::new(start, close.saturating_add(2)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String, String)> {
        comparisons(text)
            .into_iter()
            .map(|c| {
                let lit = text
                    .get(c.span.offset..c.span.end())
                    .unwrap_or("")
                    .to_owned();
                (c.column, c.value, lit)
            })
            .collect()
    }

    #[test]
    fn finds_both_orders_and_both_forms() {
        let f = found(r#"rows.filter(|r| r.answer == "Yes" && r["ward name"] != "North")"#);
        assert_eq!(
            f,
            vec![
                ("answer".into(), "Yes".into(), "\"Yes\"".into()),
                ("ward name".into(), "North".into(), "\"North\"".into()),
            ]
        );
        let f = found(r#"if "Yes" == row.answer { 1 }"#);
        assert_eq!(f, vec![("answer".into(), "Yes".into(), "\"Yes\"".into())]);
    }

    #[test]
    fn ignores_what_is_not_a_column_and_a_text() {
        assert!(found(r#"x == "a""#).is_empty()); // a plain variable
        assert!(found("r.score == 7").is_empty()); // a number
        assert!(found(r#"r.a <= "b""#).is_empty());
        assert!(found(r#"let s = "r.a == \"b\"";"#).is_empty()); // inside a string
        assert!(found(r#"r.len() == "3""#).is_empty());
    }
}
