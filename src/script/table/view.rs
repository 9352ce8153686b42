//! Table values as scripts see them: a shared table and, for a view, its row numbers.

use std::sync::Arc;

use rhai::{Dynamic, Map};

use super::{OpError, Table};

/// A whole table or a selection of its rows. Cloning copies two pointers.
#[derive(Debug, Clone)]
pub struct TableView {
    pub table: Table,
    /// Row numbers in the table, ascending; `None` for every row.
    pub rows: Option<Arc<[u32]>>,
}

impl TableView {
    pub fn whole(table: Table) -> Self {
        TableView { table, rows: None }
    }

    /// A view of the same table with these rows.
    pub fn with_rows(&self, rows: Vec<u32>) -> Self {
        TableView {
            table: Arc::clone(&self.table),
            rows: Some(rows.into()),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.as_ref().map_or(self.table.len(), |r| r.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table row number of the view's `i`th row.
    pub fn row_at(&self, i: usize) -> Option<u32> {
        match &self.rows {
            Some(rows) => rows.get(i).copied(),
            None => u32::try_from(i)
                .ok()
                .filter(|&r| (r as usize) < self.table.len()),
        }
    }

    /// The view's row numbers, in order.
    pub fn row_numbers(&self) -> RowNumbers<'_> {
        match &self.rows {
            Some(rows) => RowNumbers::Listed(rows.iter()),
            None => RowNumbers::All(0..u32::try_from(self.table.len()).unwrap_or(u32::MAX)),
        }
    }

    pub fn row(&self, index: u32) -> Row {
        Row {
            table: Arc::clone(&self.table),
            index,
        }
    }
}

/// Iterator over a view's row numbers.
pub enum RowNumbers<'a> {
    All(std::ops::Range<u32>),
    Listed(std::slice::Iter<'a, u32>),
}

impl Iterator for RowNumbers<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            RowNumbers::All(r) => r.next(),
            RowNumbers::Listed(i) => i.next().copied(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            RowNumbers::All(r) => r.size_hint(),
            RowNumbers::Listed(i) => i.size_hint(),
        }
    }
}

impl IntoIterator for TableView {
    type Item = Row;
    type IntoIter = Rows;
    fn into_iter(self) -> Rows {
        Rows {
            view: self,
            next: 0,
        }
    }
}

/// `for row in t`: one row at a time, each a pointer and a number.
pub struct Rows {
    view: TableView,
    next: usize,
}

impl Iterator for Rows {
    type Item = Row;
    fn next(&mut self) -> Option<Row> {
        let index = self.view.row_at(self.next)?;
        self.next += 1;
        Some(self.view.row(index))
    }
}

/// One row, read like a map keyed by the header; read-only.
#[derive(Debug, Clone)]
pub struct Row {
    pub table: Table,
    pub index: u32,
}

impl Row {
    /// The cell in `column`, or an error naming the table's columns.
    pub fn get(&self, column: &str) -> Result<Dynamic, OpError> {
        let i = self.table.column_index(column)?;
        Ok(self.table.cell_dynamic(i, self.index))
    }

    pub fn has(&self, column: &str) -> bool {
        self.table.columns.iter().any(|c| c == column)
    }

    /// An ordinary, editable map of the row.
    pub fn to_map(&self) -> Map {
        self.table
            .columns
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str().into(), self.table.cell_dynamic(i, self.index)))
            .collect()
    }
}

/// A text cell of a column that mixes numbers and text. It reads as text (`to_string`,
/// `==` with text), but comparing it with a number or doing arithmetic with it is an error
/// that names the table, the column and its first cell that is not a number.
#[derive(Debug, Clone)]
pub struct MixedText {
    pub table: Table,
    pub column: usize,
    pub row: u32,
}

impl MixedText {
    pub fn text(&self) -> &str {
        match self
            .table
            .column(self.column)
            .map(|c| c.cell(self.row as usize))
        {
            Some(super::column::Cell::Text(t)) => t,
            _ => "",
        }
    }
}
