//! Evidence tables (CSV) as typed columns, and the table values scripts work with.
//!
//! A table is read once per load ([`load`]) into columns ([`column`]): numeric or text,
//! blanks as `()`. Scripts get a [`view::TableView`]: a shared handle plus, for a
//! filtered view, the list of its row numbers; nothing is copied when a table is passed
//! around or narrowed. The native operations ([`ops`]) work on the columns directly;
//! [`rhai_api`] registers them, and the old row-by-row idioms, with the engine.

pub mod column;
pub mod hash;
pub mod lines;
pub mod load;
pub mod ops;
pub mod rhai_api;
pub mod view;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub use load::{DEFAULT_MAX_TABLE_BYTES, LoadError, read_table_bytes};
pub use rhai_api::register;
pub use view::{Row, TableView};

use column::Column;
use lines::LineMap;

/// A loaded table, shared by every evaluation of a load.
pub type Table = Arc<TableData>;

/// A problem with how a script used a table: what, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct OpError {
    pub message: String,
    pub help: String,
}

pub(crate) fn op_error(message: impl Into<String>, help: impl Into<String>) -> OpError {
    OpError {
        message: message.into(),
        help: help.into(),
    }
}

/// A warning raised by a table operation, with the script position of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct TableWarning {
    /// The script (Rhai source name) that made the call; `None` for a YAML expression.
    pub source: Option<String>,
    /// 1-based line and column of the call, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: String,
}

/// What loading learnt about a column.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColumnFacts {
    /// The first row whose cell is neither blank nor a number.
    pub first_non_number: Option<u32>,
    /// Some cells are numbers and some are not.
    pub mixed: bool,
}

/// The columns of one CSV file.
#[derive(Debug)]
pub struct TableData {
    /// The name the model gives the table (`data: { survey: ... }`).
    pub name: String,
    /// The file as shown in messages.
    pub origin: String,
    /// Column names, in header order.
    pub columns: Vec<String>,
    pub(crate) data: Vec<Column>,
    facts: Vec<ColumnFacts>,
    rows: u32,
    lines: LineMap,
    warnings: Mutex<(BTreeSet<String>, Vec<TableWarning>)>,
}

impl TableData {
    pub(crate) fn new(
        name: String,
        origin: String,
        columns: Vec<String>,
        data: Vec<Column>,
        facts: Vec<ColumnFacts>,
        rows: u32,
        lines: LineMap,
    ) -> Self {
        TableData {
            name,
            origin,
            columns,
            data,
            facts,
            rows,
            lines,
            warnings: Mutex::default(),
        }
    }

    /// The distinct texts in `column` (numbers and blanks left out), or `None` when the
    /// table has no such column: what a comparison with a text can match.
    pub fn distinct_text(&self, column: &str) -> Option<BTreeSet<String>> {
        let index = self.columns.iter().position(|c| c == column)?;
        let data = self.data.get(index)?;
        Some(
            (0..self.len())
                .filter_map(|row| match data.cell(row) {
                    column::Cell::Text(t) => Some(t.to_owned()),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Number of rows (header excluded).
    pub fn len(&self) -> usize {
        self.rows as usize
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The column called `name`, or an error naming the header with a suggestion.
    pub fn column_index(&self, name: &str) -> Result<usize, OpError> {
        if let Some(i) = self.columns.iter().position(|c| c == name) {
            return Ok(i);
        }
        let header = self.columns.join(", ");
        let help = match crate::suggest::closest(name, self.columns.iter().map(String::as_str)) {
            Some(near) => format!(
                "did you mean `{near}`? Table `{}` has columns: {header}",
                self.name
            ),
            None => format!("table `{}` has columns: {header}", self.name),
        };
        Err(op_error(
            format!("no column `{name}` in table `{}`", self.name),
            help,
        ))
    }

    pub fn column(&self, index: usize) -> Option<&Column> {
        self.data.get(index)
    }

    /// `file.csv:LINE` of a row.
    pub fn row_place(&self, row: u32) -> String {
        format!("{}:{}", self.origin, self.lines.line(row))
    }

    /// The first row of column `index` holding text that is not a number.
    pub fn first_non_number(&self, index: usize) -> Option<u32> {
        self.facts.get(index).and_then(|f| f.first_non_number)
    }

    /// Cell `row` of column `index` as scripts see it. Text in a column that mixes
    /// numbers and text (`1,500` among figures) comes as a [`view::MixedText`], so that
    /// comparing it with a number is an error naming the cell, not a silent `false`.
    pub fn cell_dynamic(self: &Arc<Self>, index: usize, row: u32) -> rhai::Dynamic {
        let Some(column) = self.data.get(index) else {
            return rhai::Dynamic::UNIT;
        };
        let mixed = self.facts.get(index).is_some_and(|f| f.mixed);
        if mixed && !column.is_blank(row as usize) {
            return rhai::Dynamic::from(view::MixedText {
                table: Arc::clone(self),
                column: index,
                row,
            });
        }
        column.dynamic(row as usize)
    }

    /// Record a warning once (by `key`).
    pub fn warn(&self, key: String, warning: TableWarning) {
        if let Ok(mut w) = self.warnings.lock()
            && w.0.insert(key)
        {
            w.1.push(warning);
        }
    }

    /// Warnings raised so far by operations on this table, in the order raised.
    pub fn warnings(&self) -> Vec<TableWarning> {
        self.warnings
            .lock()
            .map(|w| w.1.clone())
            .unwrap_or_default()
    }
}

/// Every warning raised on these tables.
pub fn warnings<'a>(tables: impl IntoIterator<Item = &'a Table>) -> Vec<TableWarning> {
    tables.into_iter().flat_map(|t| t.warnings()).collect()
}
