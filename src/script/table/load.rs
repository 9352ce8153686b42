//! Reading a CSV file into typed columns, in one streaming pass over byte records.
//!
//! Cells are parsed straight from the `csv` crate's reusable `ByteRecord`: nothing is
//! allocated per row. A column starts out numeric and turns to text at its first cell
//! that is not a number; the cells before it are rebuilt from their exact values, or, in
//! the rare case one was written loosely (`1e3`, ` 5`), the file is read a second time with
//! that column read as text, so text always stays exactly as written.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use super::column::{CellError, ColumnBuilder};
use super::lines::LineMap;
use super::{ColumnFacts, TableData};

/// Largest data table read unless `--max-table-size` says otherwise: 2 GiB.
pub const DEFAULT_MAX_TABLE_BYTES: u64 = 2 << 30;

/// A problem found while reading a table, located by line in the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    pub help: String,
    /// 1-based line of the problem.
    pub line: u64,
    /// Byte offset of the start of that line's record (0 when unknown).
    pub byte: u64,
}

/// Check that `path` is a regular file of at most `max` bytes.
fn check_file(path: &Path, max: u64) -> io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other(
            "it is not a regular file (a folder, device or pipe)",
        ));
    }
    if meta.len() > max {
        return Err(io::Error::other(format!(
            "it is {} bytes; data tables may be at most {max} bytes (raise it with `--max-table-size`)",
            meta.len()
        )));
    }
    Ok(meta.len())
}

/// Read a data table's bytes: only a regular file, and only after checking its size, so
/// `/dev/zero` or a FIFO is refused rather than read forever.
pub fn read_table_bytes(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let len = check_file(path, max)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(format!(
            "it grew past {max} bytes while being read"
        )));
    }
    Ok(bytes)
}

/// Parse a table held in memory.
pub fn parse(name: &str, origin: &str, bytes: &[u8]) -> Result<TableData, LoadError> {
    parse_with(name, origin, || Ok(bytes))
}

/// Parse a table straight from a file, streaming (the file's bytes are never all held
/// at once): the way to read tables of hundreds of megabytes.
pub fn parse_file(
    name: &str,
    origin: &str,
    path: &Path,
    max: u64,
) -> io::Result<Result<TableData, LoadError>> {
    check_file(path, max)?;
    let open = || -> io::Result<_> {
        Ok(BufReader::with_capacity(1 << 16, File::open(path)?).take(max.saturating_add(1)))
    };
    // Fail on the file itself (not found, unreadable) before parsing.
    drop(open()?);
    Ok(parse_with(name, origin, open))
}

/// Parse a table from a reader that `open` gives afresh each time it is called (a column
/// that turns out to be text part-way through is read again): the loader's `open`.
pub fn parse_reader<R: Read>(
    name: &str,
    origin: &str,
    open: impl FnMut() -> io::Result<R>,
) -> Result<TableData, LoadError> {
    parse_with(name, origin, open)
}

fn parse_with<R: Read>(
    name: &str,
    origin: &str,
    mut open: impl FnMut() -> io::Result<R>,
) -> Result<TableData, LoadError> {
    let io_error = |e: io::Error| LoadError {
        message: format!("table `{name}`: cannot read {origin}: {e}"),
        help: "check that the file is readable".to_owned(),
        line: 1,
        byte: 0,
    };
    let mut forced: Vec<bool> = Vec::new();
    loop {
        let reader = open().map_err(io_error)?;
        match read_pass(name, origin, reader, &forced)? {
            Pass::Done(table) => return Ok(table),
            Pass::Reread(columns) => {
                if columns == forced {
                    // Cannot happen (a forced column never asks again), but never loop.
                    return Err(io_error(io::Error::other("inconsistent reads")));
                }
                forced = columns;
            }
        }
    }
}

enum Pass {
    Done(TableData),
    /// Read again with these columns as text.
    Reread(Vec<bool>),
}

/// Follows the CSV quoting while bytes pass through, to find a quote that is never closed
/// (the `csv` crate would silently take the rest of the file as one cell).
struct QuoteTracker<R> {
    inner: R,
    state: Quote,
    line: u64,
    byte: u64,
    opened_at: (u64, u64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    ClosedOrEscaped,
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = buf.get(..n).unwrap_or_default();
        // Most chunks hold no quote at all: then only the line count and the state after
        // the last byte matter.
        if !matches!(self.state, Quote::Quoted | Quote::ClosedOrEscaped) && !chunk.contains(&b'"') {
            self.line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            self.byte += n as u64;
            if let Some(&last) = chunk.last() {
                self.state = match last {
                    b',' | b'\n' | b'\r' => Quote::FieldStart,
                    _ => Quote::Unquoted,
                };
            }
            return Ok(n);
        }
        for &b in chunk {
            self.state = match (self.state, b) {
                (Quote::FieldStart, b'"') => {
                    self.opened_at = (self.line, self.byte);
                    Quote::Quoted
                }
                (Quote::Quoted, b'"') => Quote::ClosedOrEscaped,
                (Quote::Quoted, _) => Quote::Quoted,
                (Quote::ClosedOrEscaped, b'"') => Quote::Quoted,
                (_, b',' | b'\n' | b'\r') => Quote::FieldStart,
                _ => Quote::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
            self.byte += 1;
        }
        Ok(n)
    }
}

fn read_pass<R: Read>(
    name: &str,
    origin: &str,
    reader: R,
    forced: &[bool],
) -> Result<Pass, LoadError> {
    let tracker = QuoteTracker {
        inner: reader,
        state: Quote::FieldStart,
        line: 1,
        byte: 0,
        opened_at: (1, 0),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(tracker);
    let header_error = |message: String, help: &str| LoadError {
        message: format!("table `{name}`: {message}"),
        help: help.to_owned(),
        line: 1,
        byte: 0,
    };
    let headers = csv
        .byte_headers()
        .map_err(|e| {
            header_error(
                format!("cannot read the header row: {e}"),
                "the first line must name the columns, separated by commas",
            )
        })?
        .clone();
    let mut columns: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let column = std::str::from_utf8(h)
            .map_err(|_| {
                header_error(
                    format!("column {} has a name that is not UTF-8 text", i + 1),
                    "save the file as UTF-8",
                )
            })?
            .trim()
            .to_owned();
        if column.is_empty() {
            return Err(header_error(
                format!("column {} has no name", i + 1),
                "give every column a name in the header row",
            ));
        }
        if columns.contains(&column) {
            return Err(header_error(
                format!("column `{column}` appears twice in the header"),
                "give each column its own name",
            ));
        }
        columns.push(column);
    }
    let mut builders: Vec<ColumnBuilder> = (0..columns.len())
        .map(|i| ColumnBuilder::new(forced.get(i).copied().unwrap_or(false)))
        .collect();
    let mut lines = LineMap::default();
    let mut record = csv::ByteRecord::new();
    let mut row: u32 = 0;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // A quote never closed swallows the lines after it, which usually makes
                // the row look ragged: report the quote, the cause, when that is what happened.
                let mut tracker = csv.into_inner();
                let _ = io::copy(&mut tracker, &mut io::sink());
                if matches!(tracker.state, Quote::Quoted) {
                    return Err(unclosed_quote(name, tracker.opened_at));
                }
                return Err(record_error(name, &columns, &e));
            }
        }
        let (line, byte) = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
        lines.push(row, line);
        for ((builder, cell), column) in builders.iter_mut().zip(record.iter()).zip(&columns) {
            builder.push(cell, row).map_err(|e| LoadError {
                message: match e {
                    CellError::NotUtf8 => {
                        format!(
                            "table `{name}`: column `{column}` has a cell that is not UTF-8 text"
                        )
                    }
                    CellError::TooLarge => format!(
                        "table `{name}`: column `{column}` holds more text than sroi reads (4 GiB)"
                    ),
                    CellError::TooPrecise => format!(
                        "table `{name}`: column `{column}` has a number with more than 28 significant digits or decimal places; sroi holds numbers exactly and never rounds them"
                    ),
                },
                help: match e {
                    CellError::TooPrecise => "round the figure to at most 28 significant digits".to_owned(),
                    _ => "save the file as UTF-8 (in a spreadsheet: Save As, CSV UTF-8)".to_owned(),
                },
                line,
                byte,
            })?;
        }
        row = row.checked_add(1).ok_or_else(|| LoadError {
            message: format!("table `{name}` has more than {} rows", u32::MAX),
            help: "split the table".to_owned(),
            line,
            byte,
        })?;
    }
    let tracker = csv.into_inner();
    if matches!(tracker.state, Quote::Quoted) {
        return Err(unclosed_quote(name, tracker.opened_at));
    }
    if builders.iter().any(|b| b.needs_reread) {
        let again = builders
            .iter()
            .enumerate()
            .map(|(i, b)| b.needs_reread || forced.get(i).copied().unwrap_or(false))
            .collect();
        return Ok(Pass::Reread(again));
    }
    let facts = builders
        .iter()
        .map(|b| ColumnFacts {
            first_non_number: b.first_non_number,
            mixed: b.saw_number && b.first_non_number.is_some(),
        })
        .collect();
    let data = builders.into_iter().map(ColumnBuilder::finish).collect();
    Ok(Pass::Done(TableData::new(
        name.to_owned(),
        origin.to_owned(),
        columns,
        data,
        facts,
        row,
        lines,
    )))
}

fn unclosed_quote(name: &str, (line, byte): (u64, u64)) -> LoadError {
    LoadError {
        message: format!(
            "table `{name}`: a quote opened on line {line} is never closed, so the rest of the file would be one cell"
        ),
        help: "close the quoted cell with `\"`; a quote inside a quoted cell is written twice (`\"\"`)".to_owned(),
        line,
        byte,
    }
}

fn record_error(name: &str, columns: &[String], e: &csv::Error) -> LoadError {
    let (line, byte) = e.position().map_or((0, 0), |p| (p.line(), p.byte()));
    let (message, help) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let which = if len < expected_len {
                let missing: Vec<&str> = columns
                    .iter()
                    .skip(usize::try_from(*len).unwrap_or(0))
                    .map(String::as_str)
                    .collect();
                format!("no cell for {}", crate::suggest::one_of(missing))
            } else {
                format!(
                    "{} cell(s) after the last column `{}`",
                    len - expected_len,
                    columns.last().map_or("", String::as_str)
                )
            };
            (
                format!("table `{name}`: this row has {len} cells but the header has {expected_len} ({which})"),
                "every row needs one cell per column; leave a cell empty for a missing value, and quote a cell that contains a comma".to_owned(),
            )
        }
        _ => (
            format!("table `{name}`: {e}"),
            "check the CSV around this line".to_owned(),
        ),
    };
    LoadError {
        message,
        help,
        line,
        byte,
    }
}
