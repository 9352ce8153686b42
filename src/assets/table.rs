//! Reading asset and survey tables: CSV (through `Files`, so watch mode sees them),
//! the first or a named sheet of an xlsx workbook, or a GeoPackage layer (`gpkg`).
//! Cells are never typed: each stays the text written, a blank cell is `None`.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader};

use super::Place;
use super::paths::TableTarget;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span, display_path};
use crate::source::{Files, unreadable};

/// Largest workbook or GeoPackage read (CSV goes through `Files`, which has its own cap).
/// Workbooks are read through the loader; SQLite needs a file, so a GeoPackage is
/// opened on disk, read-only, after checking it is a regular file of at most this size.
pub const MAX_BINARY_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RawRow {
    pub at: Place,
    pub cells: Vec<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct RawTable {
    /// As written in the register, for messages.
    pub name: String,
    pub columns: Vec<String>,
    /// Where the header is.
    pub header: Place,
    pub rows: Vec<RawRow>,
}

/// A cell as written, or `None` when it is blank.
pub fn cell_text(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        None
    } else {
        Some(text.to_owned())
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn read(files: &mut dyn Files, target: &TableTarget) -> Result<RawTable, Diagnostics> {
    match extension(&target.path).as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => {
            record(files, target);
            let bytes = files
                .loader()
                .load(&target.path, MAX_BINARY_BYTES)
                .map_err(|e| Diagnostics::from(unreadable(&target.path, "the workbook", &e)))?;
            read_workbook(target, bytes).map_err(Diagnostics::from)
        }
        "gpkg" => {
            record(files, target);
            check_size(target)?;
            super::gpkg::read(&target.path, target.part.as_deref(), &target.written)
                .map_err(|message| {
                    Diagnostics::from(
                        Diagnostic::error(format!("cannot read `{}`: {message}", target.written))
                            .at(&target.file, target.span)
                            .help("name a GeoPackage point layer as `file.gpkg#layer`, e.g. data/assets.gpkg#assets"),
                    )
                })
        }
        _ => {
            let file =
                files.read(&target.path).map_err(|e| {
                    Diagnostics::from(unreadable(&target.path, "the table", &e).help(
                        "tables are CSV files with a header row (or xlsx, or file.gpkg#layer)",
                    ))
                })?;
            read_csv(&target.written, &file)
        }
    }
}

/// Binary tables are read outside `Files`: note them so watch mode follows them too.
fn record(files: &mut dyn Files, target: &TableTarget) {
    if let Some(recorder) = files.recorder()
        && let Ok(mut seen) = recorder.lock()
    {
        seen.insert(target.path.clone());
    }
}

fn check_size(target: &TableTarget) -> Result<(), Diagnostics> {
    let meta = std::fs::metadata(&target.path)
        .map_err(|e| Diagnostics::from(unreadable(&target.path, "the table", &e)))?;
    if !meta.is_file() {
        return Err(
            Diagnostic::error(format!("`{}` is not a regular file", target.written))
                .at(&target.file, target.span)
                .into(),
        );
    }
    if meta.len() > MAX_BINARY_BYTES {
        return Err(Diagnostic::error(format!(
            "`{}` is {} bytes; sroi reads workbooks and GeoPackages of at most {MAX_BINARY_BYTES} bytes",
            target.written,
            meta.len()
        ))
        .at(&target.file, target.span)
        .into());
    }
    Ok(())
}

/// The header names, checked: none blank, none twice.
fn header(names: Vec<String>, at: &Place, out: &mut Diagnostics) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for (i, raw) in names.into_iter().enumerate() {
        let name = raw.trim_start_matches('\u{feff}').trim().to_owned();
        if name.is_empty() {
            out.push(
                at.error(format!("column {} has no name in the header", i + 1))
                    .help("give every column a name in the first row, e.g. id,name,category"),
            );
        } else if columns.contains(&name) {
            out.push(
                at.error(format!("column `{name}` appears twice in the header"))
                    .help("rename or remove one of them"),
            );
        }
        columns.push(name);
    }
    columns
}

/// A CSV table from text already read.
pub fn read_csv(name: &str, file: &Arc<SourceFile>) -> Result<RawTable, Diagnostics> {
    let text = file.text();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Diagnostics::default();
    let mut columns: Option<Vec<String>> = None;
    let mut header_at: Option<Place> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let offset = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                out.push(
                    place(file, offset)
                        .error(format!("CSV: {e}"))
                        .help("check the quoting on this row: a field with a comma or quote is written \"like, this\" with inner quotes doubled"),
                );
                return Err(out);
            }
        };
        let offset = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
        let at = place(file, offset);
        match &columns {
            None => {
                columns = Some(header(
                    record.iter().map(str::to_owned).collect(),
                    &at,
                    &mut out,
                ));
                header_at = Some(at);
            }
            Some(cols) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() != cols.len() {
                    out.push(
                        at.error(format!(
                            "this row has {} cells but the header has {} columns",
                            record.len(),
                            cols.len()
                        ))
                        .help("every row needs one cell per column (leave a cell empty between commas: `a,,c`); quote cells that contain commas"),
                    );
                    continue;
                }
                rows.push(super::table::RawRow {
                    cells: record.iter().map(cell_text).collect(),
                    at,
                });
            }
        }
    }
    let (Some(columns), Some(header)) = (columns, header_at) else {
        return Err(Diagnostic::error(format!("the table {name} is empty"))
            .in_file(&file.path)
            .help("the first row names the columns, e.g. id,name,category,latitude,longitude")
            .into());
    };
    if out.has_errors() {
        return Err(out);
    }
    Ok(RawTable {
        name: name.to_owned(),
        columns,
        header,
        rows,
    })
}

/// The row starting at byte `offset` of `file`.
fn place(file: &Arc<SourceFile>, offset: usize) -> Place {
    let text = file.text();
    let rest = text.get(offset..).unwrap_or_default();
    let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let span = Span::new(offset, len);
    let (line, _) = file.line_col(offset);
    Place {
        file: Some(Arc::clone(file)),
        span,
        shown: format!("{}:{line}", file.name),
    }
}

/// A workbook cell as text: numbers in their shortest exact form, never `5.0`.
fn workbook_cell(data: &Data) -> Option<String> {
    match data {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) => cell_text(s),
        other => cell_text(&other.to_string()),
    }
}

fn read_workbook(target: &TableTarget, bytes: Vec<u8>) -> Result<RawTable, Diagnostic> {
    let shown = display_path(&target.path);
    let fail = |message: String| {
        Diagnostic::error(format!("cannot read `{}`: {message}", target.written))
            .at(&target.file, target.span)
            .help("tables are CSV, xlsx (`file.xlsx` or `file.xlsx#Sheet`) or GeoPackage (`file.gpkg#layer`)")
    };
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| fail(e.to_string()))?;
    let names = workbook.sheet_names();
    let sheet = match &target.part {
        Some(part) => {
            if !names.contains(part) {
                return Err(fail(format!(
                    "no sheet `{part}`; sheets: {}",
                    names.join(", ")
                )));
            }
            part.clone()
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("the workbook has no sheets".to_owned()))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| fail(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut out = Diagnostics::default();
    let mut rows_iter = range.rows().enumerate();
    let at_row = |i: usize| Place {
        file: None,
        span: Span::default(),
        shown: format!(
            "{shown}#{sheet}:{}",
            u64::from(first_row)
                .saturating_add(i as u64)
                .saturating_add(1)
        ),
    };
    let Some((_, head)) = rows_iter.next() else {
        return Err(fail(format!("sheet `{sheet}` is empty")));
    };
    let header_at = at_row(0);
    let columns = header(
        head.iter()
            .map(|d| workbook_cell(d).unwrap_or_default())
            .collect(),
        &header_at,
        &mut out,
    );
    let mut rows = Vec::new();
    for (i, row) in rows_iter {
        let mut cells: Vec<Option<String>> = row.iter().map(workbook_cell).collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        cells.resize(columns.len(), None);
        rows.push(RawRow {
            at: at_row(i),
            cells,
        });
    }
    if let Some(d) = out.0.into_iter().next() {
        return Err(d);
    }
    Ok(RawTable {
        name: target.written.clone(),
        columns,
        header: header_at,
        rows,
    })
}
