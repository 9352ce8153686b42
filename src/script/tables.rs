//! Evidence tables: CSV files read once per load into Rhai arrays of rows.
//!
//! Numeric cells become exact decimals (never through binary floating point), empty
//! cells become `()`, anything else stays text.
//!
//! A row reads like a map keyed by the header (`row.after`, `row["after"]`, `keys`,
//! `"after" in row`) but is read-only and shared, not copied: passing a table of
//! thousands of rows to a function costs one pointer per row, and Rhai's size limits
//! count a row once rather than cell by cell. A misspelt column is an error that names
//! the table's header. `row.to_map()` gives an ordinary, editable map.

use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::model::number::{self, NumberError};

/// One row of a table, as scripts see it.
#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Arc<Map>,
    pub table: Arc<TableInfo>,
}

/// What a row knows about its table, for messages.
#[derive(Debug)]
pub struct TableInfo {
    pub name: String,
    pub columns: Vec<String>,
}

impl Row {
    /// The cell in `column`, or an error naming the table's columns.
    pub fn get(&self, column: &str) -> Result<Dynamic, (String, String)> {
        if let Some(v) = self.cells.get(column) {
            return Ok(v.clone());
        }
        let t = &self.table;
        let columns = t.columns.join(", ");
        let help = match crate::suggest::closest(column, t.columns.iter().map(String::as_str)) {
            Some(near) => format!(
                "did you mean `{near}`? Table `{}` has columns: {columns}",
                t.name
            ),
            None => format!("table `{}` has columns: {columns}", t.name),
        };
        Err((format!("no column `{column}` in table `{}`", t.name), help))
    }
}

/// One loaded table.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub file: Arc<SourceFile>,
    pub columns: Vec<String>,
    pub rows: Array,
}

/// A cell as a script sees it: a number by the model's rules (`number::parse_number`),
/// `()` when empty, otherwise text. A number sroi cannot hold exactly is an error, never
/// a rounding.
pub fn cell(text: &str) -> Result<Dynamic, NumberError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Dynamic::UNIT);
    }
    Ok(match number::parse_number(t)? {
        Some(d) => Dynamic::from_decimal(d),
        None => Dynamic::from(t.to_owned()),
    })
}

/// Parse a CSV file's text. Problems are located in the CSV.
pub fn read(name: &str, file: &Arc<SourceFile>) -> Result<Table, Diagnostic> {
    let text = file.text();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let located = |message: String, offset: usize, help: &str| {
        let end = text
            .get(offset..)
            .and_then(|rest| rest.find('\n'))
            .unwrap_or(0);
        Diagnostic::error(message)
            .at(file, Span::new(offset, end))
            .help(help.to_owned())
    };
    let headers = reader
        .headers()
        .map_err(|e| {
            located(
                format!("table `{name}`: cannot read the header row: {e}"),
                0,
                "the first line must name the columns, separated by commas",
            )
        })?
        .clone();
    let columns: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
    for (i, column) in columns.iter().enumerate() {
        if column.is_empty() {
            return Err(located(
                format!("table `{name}`: column {} has no name", i.saturating_add(1)),
                0,
                "give every column a name in the header row",
            ));
        }
        if columns.iter().take(i).any(|c| c == column) {
            return Err(located(
                format!("table `{name}`: column `{column}` appears twice in the header"),
                0,
                "give each column its own name",
            ));
        }
    }
    let info = Arc::new(TableInfo {
        name: name.to_owned(),
        columns: columns.clone(),
    });
    let mut rows = Array::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let offset = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!(
                            "table `{name}`: this row has {len} cells but the header has {expected_len}"
                        )
                    }
                    _ => format!("table `{name}`: {e}"),
                };
                return Err(located(
                    message,
                    offset,
                    "every row needs one cell per column; leave a cell empty for a missing value",
                ));
            }
        };
        let mut row = Map::new();
        let record_start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
        for (i, (column, value)) in columns.iter().zip(record.iter()).enumerate() {
            match cell(value) {
                Ok(v) => {
                    row.insert(column.as_str().into(), v);
                }
                Err(e) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    let offset = cell_offset(text, record_start, i);
                    return Err(Diagnostic::error(format!(
                        "table `{name}`, column `{column}`, line {line}: {}",
                        e.message
                    ))
                    .at(file, Span::new(offset, value.len()))
                    .help(e.help));
                }
            }
        }
        rows.push(Dynamic::from(Row {
            cells: Arc::new(row),
            table: Arc::clone(&info),
        }));
    }
    Ok(Table {
        name: name.to_owned(),
        file: Arc::clone(file),
        columns,
        rows,
    })
}

/// Byte offset of the `index`th cell of the record starting at `start`, for marking it.
/// Counts commas outside quotes; good enough to point at the cell, and never past the text.
fn cell_offset(text: &str, start: usize, index: usize) -> usize {
    let Some(rest) = text.get(start..) else {
        return start.min(text.len());
    };
    let mut quoted = false;
    let mut seen = 0usize;
    for (i, c) in rest.char_indices() {
        if seen == index {
            return start.saturating_add(i);
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => seen = seen.saturating_add(1),
            '\n' if !quoted => break,
            _ => {}
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use rust_decimal::Decimal;

    #[test]
    fn cells_are_exact_decimals_units_or_text() {
        let cell = |t: &str| cell(t).unwrap();
        assert_eq!(cell("0.1").as_decimal().unwrap().to_string(), "0.1");
        assert_eq!(cell("45").as_decimal().unwrap(), Decimal::from(45));
        assert!(cell("").is_unit());
        assert!(cell("  ").is_unit());
        assert_eq!(cell("yes").into_string().unwrap(), "yes");
        assert_eq!(cell("1,500").into_string().unwrap(), "1,500");
    }

    #[test]
    fn an_overlong_number_is_a_located_error_not_a_rounding() {
        // 29 significant digits: Decimal::from_str would round this to 28 silently.
        let file = SourceFile::new(
            Path::new("t.csv"),
            "id,score\na,1\nb,1.0000000000000000000000000001\n",
        );
        let err = read("s", &file).unwrap_err();
        assert!(
            err.message.contains("column `score`, line 3"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("29 significant digits"),
            "{}",
            err.message
        );
        assert!(err.help.as_deref().unwrap().contains("round"), "{err:?}");
        assert_eq!(file.locate(err.span.unwrap()), "t.csv:3:3");
    }

    #[test]
    fn ragged_rows_are_located_errors() {
        let file = SourceFile::new(Path::new("t.csv"), "id,before,after\n1,40,45\n2,41\n");
        let err = read("survey", &file).unwrap_err();
        assert!(
            err.message.contains("2 cells but the header has 3"),
            "{}",
            err.message
        );
        assert_eq!(file.locate(err.span.unwrap()), "t.csv:3:1");
    }

    #[test]
    fn rows_are_keyed_by_header() {
        let file = SourceFile::new(Path::new("t.csv"), "id,score\na,3.5\nb,\n");
        let table = read("s", &file).unwrap();
        assert_eq!(table.columns, ["id", "score"]);
        let second = table.rows[1].clone().cast::<Row>();
        assert!(second.get("score").unwrap().is_unit());
        let (message, help) = second.get("scor").unwrap_err();
        assert_eq!(message, "no column `scor` in table `s`");
        assert_eq!(
            help,
            "did you mean `score`? Table `s` has columns: id, score"
        );
    }
}
