//! `sroi import FILE.xlsx`: a Value Map workbook (one `--format xlsx` wrote, or one laid
//! out by hand in the same columns) back into a model file.
//!
//! Columns are found by their header text, so extra columns and another order are fine.
//! The workbook's figures win: each outcome's proxy is written inline with its id and
//! source. Every problem names its sheet and cell, and all are reported in one pass.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Range, Reader, Xlsx, open_workbook};
use rust_decimal::Decimal;
use rust_xlsxwriter::utility::column_number_to_name;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::number::{self, NumberKind};

/// A sheet with its header row, so cells are found by column title.
struct Sheet {
    name: String,
    range: Range<Data>,
    /// Lower-cased header text → column offset in the range.
    columns: BTreeMap<String, usize>,
}

/// One data row of a sheet.
struct Row<'a> {
    sheet: &'a Sheet,
    /// Offset of the row in the range (the header is 0).
    index: usize,
}

fn key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Sheet {
    fn new(name: String, range: Range<Data>) -> Self {
        let columns = range
            .rows()
            .next()
            .map(|header| {
                header
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| match c {
                        Data::String(s) if !s.trim().is_empty() => Some((key(s), i)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Sheet {
            name,
            range,
            columns,
        }
    }

    /// `Outcomes!K4` for an offset in the range.
    fn reference(&self, row: usize, column: usize) -> String {
        let (r0, c0) = self.range.start().unwrap_or((0, 0));
        let row = u64::from(r0) + row as u64 + 1;
        let column = u16::try_from(u64::from(c0) + column as u64).unwrap_or(u16::MAX);
        format!("{}!{}{row}", self.name, column_number_to_name(column))
    }

    /// Data rows, up to the first row whose first column is blank.
    fn rows(&self) -> Vec<Row<'_>> {
        self.range
            .rows()
            .enumerate()
            .skip(1)
            .take_while(|(_, r)| r.first().is_some_and(|c| !blank(c)))
            .map(|(index, _)| Row { sheet: self, index })
            .collect()
    }

    fn require(&self, titles: &[&str], problems: &mut Diagnostics) {
        for title in titles {
            if !self.columns.contains_key(&key(title)) {
                problems.push(
                    Diagnostic::error(format!(
                        "{}: the sheet has no `{title}` column",
                        self.reference(0, 0)
                    ))
                    .help(format!(
                        "row 1 of `{}` holds the column titles; add one titled `{title}`",
                        self.name
                    )),
                );
            }
        }
    }
}

fn blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell's text as written: numbers as the shortest decimal that is the same double.
fn text_of(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => Some(s.trim().to_owned()),
        Data::Float(f) => Some(format!("{f}")),
        Data::Int(i) => Some(i.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

impl Row<'_> {
    fn cell(&self, title: &str) -> Option<(&Data, String)> {
        let column = *self.sheet.columns.get(&key(title))?;
        let cell = self.sheet.range.get((self.index, column))?;
        Some((cell, self.sheet.reference(self.index, column)))
    }

    fn text(&self, title: &str) -> Option<String> {
        self.cell(title).and_then(|(c, _)| text_of(c))
    }

    fn required_text(&self, title: &str, problems: &mut Diagnostics) -> Option<String> {
        let text = self.text(title);
        if text.is_none() {
            problems.push(
                Diagnostic::error(format!("{}: `{title}` is blank", self.at(title))).help(format!(
                    "every row of `{}` needs a {title}",
                    self.sheet.name
                )),
            );
        }
        text
    }

    /// Where the cell of `title` is, or the row when the column is missing.
    fn at(&self, title: &str) -> String {
        self.cell(title).map_or_else(
            || format!("{} row {}", self.sheet.name, self.index + 1),
            |(_, r)| r,
        )
    }

    fn id(&self, title: &str, separator: char, problems: &mut Diagnostics) -> Option<String> {
        let text = self.required_text(title, problems)?;
        if text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
        {
            Some(text)
        } else {
            problems.push(
                Diagnostic::error(format!(
                    "{}: `{text}` is not a valid {}",
                    self.at(title),
                    title.to_lowercase()
                ))
                .help(format!(
                    "ids use lower-case letters, digits and `{separator}`, e.g. `{}`",
                    suggest_id(&text, separator)
                )),
            );
            None
        }
    }

    /// A number by the format's rules; `default` when the cell is blank (or `None` = required).
    fn number(
        &self,
        title: &str,
        kind: NumberKind,
        default: Option<Decimal>,
        problems: &mut Diagnostics,
    ) -> Option<Decimal> {
        let at = self.at(title);
        let Some(text) = self.text(title) else {
            if default.is_none() {
                problems.push(Diagnostic::error(format!("{at}: `{title}` is blank")).help(
                    format!("every row of `{}` needs a {title}", self.sheet.name),
                ));
            }
            return default;
        };
        let field = title.to_lowercase();
        let parsed = number::parse_literal(&text, kind).and_then(|v| {
            if kind == NumberKind::Percent && !text.ends_with('%') && v > Decimal::ONE {
                // A bare number in a workbook percentage: a fraction was meant.
                return Err(number::NumberError {
                    message: format!("{field} {text} is not a fraction"),
                    help: fraction_help(v),
                });
            }
            number::check(v, kind).map(|()| v)
        });
        match parsed {
            Ok(value) => Some(value),
            Err(e) => {
                let message = if e.message.starts_with(&field) {
                    e.message
                } else {
                    format!("{field}: {}", e.message)
                };
                problems.push(Diagnostic::error(format!("{at}: {message}")).help(e.help));
                None
            }
        }
    }
}

fn fraction_help(value: Decimal) -> String {
    if value <= Decimal::ONE_HUNDRED {
        let fraction = (value / Decimal::ONE_HUNDRED).normalize();
        format!(
            "write {}% or {fraction} (a cell formatted as % holds the fraction)",
            value.normalize()
        )
    } else {
        "write a percentage between 0% and 100%, or a fraction between 0 and 1".to_owned()
    }
}

fn suggest_id(text: &str, separator: char) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with(separator) && !out.is_empty() {
            out.push(separator);
        }
    }
    out.trim_end_matches(separator).to_owned()
}

/// A YAML scalar for any text: a JSON string is a valid YAML double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

fn decimal(value: Decimal) -> String {
    quoted(&value.normalize().to_string())
}

/// Read the workbook at `path` into the text of a model file.
pub fn import(path: &Path) -> Result<String, Diagnostics> {
    let in_file = |d: Diagnostic| d.in_file(path);
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| {
        Diagnostics::from(in_file(
            Diagnostic::error(format!("cannot read the workbook: {e}"))
                .help("import reads .xlsx workbooks, such as `sroi run --format xlsx` writes"),
        ))
    })?;
    let names = book.sheet_names();
    let mut problems = Diagnostics::default();
    let mut sheet = |wanted: &str, required: bool, problems: &mut Diagnostics| {
        let found = names.iter().find(|n| key(n) == key(wanted)).cloned();
        match found {
            Some(name) => match book.worksheet_range(&name) {
                Ok(range) => Some(Sheet::new(wanted.to_owned(), range)),
                Err(e) => {
                    problems.push(Diagnostic::error(format!(
                        "{wanted}: cannot read the sheet: {e}"
                    )));
                    None
                }
            },
            None => {
                if required {
                    problems.push(
                        Diagnostic::error(format!("the workbook has no `{wanted}` sheet"))
                            .help(format!("sheets found: {}", names.join(", "))),
                    );
                }
                None
            }
        }
    };
    let summary = sheet("Summary", true, &mut problems);
    let stakeholders = sheet("Stakeholders", true, &mut problems);
    let inputs = sheet("Inputs", false, &mut problems);
    let outputs = sheet("Outputs", false, &mut problems);
    let outcomes = sheet("Outcomes", true, &mut problems);

    let mut yaml = format!(
        "# Imported by sroi from {} (the workbook's figures, proxies inline).\nsroi: 1\n",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    if let Some(summary) = &summary {
        yaml.push_str(&summary_yaml(summary, &mut problems));
    }
    if let Some(sheet) = &stakeholders {
        sheet.require(&["Stakeholder id", "Name"], &mut problems);
        yaml.push_str("stakeholders:\n");
        for row in sheet.rows() {
            let id = row.id("Stakeholder id", '-', &mut problems);
            let name = row.required_text("Name", &mut problems);
            if let (Some(id), Some(name)) = (id, name) {
                yaml.push_str(&format!(
                    "  - id: {}\n    name: {}\n",
                    quoted(&id),
                    quoted(&name)
                ));
            }
        }
    }
    if let Some(sheet) = &inputs {
        sheet.require(&["Stakeholder", "Value"], &mut problems);
        let rows = sheet.rows();
        if !rows.is_empty() {
            yaml.push_str("inputs:\n");
        }
        for row in rows {
            let stakeholder = row.id("Stakeholder", '-', &mut problems);
            let description = row.text("Description").unwrap_or_default();
            let value = row.number("Value", NumberKind::Signed, None, &mut problems);
            let year = row.number("Year", NumberKind::Years, Some(Decimal::ONE), &mut problems);
            if let (Some(stakeholder), Some(value)) = (stakeholder, value) {
                yaml.push_str(&format!(
                    "  - stakeholder: {}\n    description: {}\n    value: {}\n",
                    quoted(&stakeholder),
                    quoted(&description),
                    decimal(value)
                ));
                if let Some(year) = year.filter(|y| *y != Decimal::ONE) {
                    yaml.push_str(&format!("    year: {}\n", decimal(year)));
                }
            }
        }
    }
    if let Some(sheet) = &outputs {
        let rows = sheet.rows();
        if !rows.is_empty() {
            sheet.require(&["Description", "Quantity"], &mut problems);
            yaml.push_str("outputs:\n");
        }
        for row in rows {
            let description = row.required_text("Description", &mut problems);
            let quantity = row.number("Quantity", NumberKind::NonNegative, None, &mut problems);
            if let (Some(description), Some(quantity)) = (description, quantity) {
                yaml.push_str(&format!(
                    "  - description: {}\n    quantity: {}\n",
                    quoted(&description),
                    decimal(quantity)
                ));
            }
        }
    }
    if let Some(sheet) = &outcomes {
        sheet.require(
            &[
                "Outcome id",
                "Stakeholder",
                "Quantity",
                "Proxy value",
                "Proxy source",
                "Duration",
            ],
            &mut problems,
        );
        yaml.push_str("outcomes:\n");
        for row in sheet.rows() {
            if let Some(text) = outcome_yaml(&row, &mut problems) {
                yaml.push_str(&text);
            }
        }
    }
    if problems.has_errors() {
        return Err(Diagnostics(problems.0.into_iter().map(in_file).collect()));
    }
    Ok(yaml)
}

fn summary_yaml(sheet: &Sheet, problems: &mut Diagnostics) -> String {
    // Label in the first column, value in the second; the header row is skipped.
    let mut values: BTreeMap<String, (Data, String)> = BTreeMap::new();
    for (index, row) in sheet.range.rows().enumerate().skip(1) {
        if let (Some(Data::String(label)), Some(value)) = (row.first(), row.get(1)) {
            values
                .entry(key(label))
                .or_insert_with(|| (value.clone(), sheet.reference(index, 1)));
        }
    }
    let mut out = String::new();
    let mut text = |label: &str, yaml_key: &str, required: bool, out: &mut String| match values
        .get(&key(label))
        .and_then(|(v, _)| text_of(v))
    {
        Some(v) => out.push_str(&format!("{yaml_key}: {}\n", quoted(&v))),
        None if required => problems.push(
            Diagnostic::error(format!("Summary: no `{label}` row with a value")).help(format!(
                "add a row with `{label}` in column A and its value in column B"
            )),
        ),
        None => {}
    };
    text("Model id", "id", true, &mut out);
    text("Model name", "name", true, &mut out);
    text("Description", "description", false, &mut out);
    text("Kind", "kind", false, &mut out);
    text("Currency", "currency", true, &mut out);
    text("Period", "period", false, &mut out);
    text("Discounting", "discounting", false, &mut out);
    // The year every proxy value is in. No `deflator` is written: the values are already
    // in this year, so a deflator would only rebase them a second time.
    if let Some((cell, at)) = values.get(&key("Price year"))
        && let Some(written) = text_of(cell)
    {
        match price_year(&written) {
            Some(year) => out.push_str(&format!("price_year: {year}\n")),
            None => problems.push(
                Diagnostic::error(format!("{at}: price year `{written}` is not a year"))
                    .help("write a year such as 2024, or leave the cell blank"),
            ),
        }
    }
    if let Some((cell, at)) = values.get(&key("Discount rate"))
        && let Some(written) = text_of(cell)
    {
        let parsed = number::parse_literal(&written, NumberKind::Percent)
            .and_then(|v| number::check(v, NumberKind::Percent).map(|()| v));
        match parsed {
            Ok(rate) => out.push_str(&format!("discount_rate: {}\n", decimal(rate))),
            Err(e) => problems.push(
                Diagnostic::error(format!("{at}: discount rate: {}", e.message)).help(e.help),
            ),
        }
    }
    out
}

/// A year as a price year is written: a whole number from 1900 to 2200.
fn price_year(text: &str) -> Option<u16> {
    text.parse::<u16>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
}

/// Where a rebased value came from, as the workbook's information columns say (never read
/// as figures: Proxy value is already in Proxy price year, and a reviewer may have edited it).
fn rebasing_note(row: &Row<'_>) -> Option<String> {
    let original = row.text("Original proxy value")?;
    let from = row.text("Original price year")?;
    let factor = row
        .text("Rebasing factor")
        .map_or_else(String::new, |f| format!(", rebasing factor {f}"));
    let line = format!("workbook: original proxy value {original} in {from} prices{factor}");
    // A comment is one line whatever a hand-typed cell holds.
    Some(line.replace(['\n', '\r'], " "))
}

fn outcome_yaml(row: &Row<'_>, problems: &mut Diagnostics) -> Option<String> {
    let id = row.id("Outcome id", '-', problems);
    let stakeholder = row.id("Stakeholder", '-', problems);
    let quantity = row.number("Quantity", NumberKind::NonNegative, None, problems);
    let proxy_value = row.number("Proxy value", NumberKind::Signed, None, problems);
    let source = row.required_text("Proxy source", problems);
    let proxy_id = match row.text("Proxy id") {
        Some(_) => row.id("Proxy id", '_', problems).map(Some),
        None => Some(None),
    };
    let duration = row.number("Duration", NumberKind::Years, None, problems);
    let start = match row.text("Start").as_deref().map(str::to_lowercase) {
        None => Some("during".to_owned()),
        Some(s) if s == "during" || s == "after" => Some(s),
        Some(s) if s.parse::<u32>().is_ok_and(|n| (1..=200).contains(&n)) => Some(s),
        Some(other) => {
            problems.push(
                Diagnostic::error(format!(
                    "{}: start `{other}` is not `during`, `after` or a year number",
                    row.at("Start")
                ))
                .help("`during`: the first valued year is year 1; `after`: year 2; a number N: year N (a later cohort)"),
            );
            None
        }
    };
    let zero = Some(Decimal::ZERO);
    let deadweight = row.number("Deadweight", NumberKind::Percent, zero, problems);
    let displacement = row.number("Displacement", NumberKind::Percent, zero, problems);
    let attribution = row.number("Attribution", NumberKind::Percent, zero, problems);
    let drop_off = row.number("Drop-off", NumberKind::Percent, zero, problems);
    let price_year = match row.text("Proxy price year") {
        None => Some(None),
        Some(text) => match price_year(&text) {
            Some(year) => Some(Some(year)),
            None => {
                problems.push(
                    Diagnostic::error(format!(
                        "{}: proxy price year `{text}` is not a year",
                        row.at("Proxy price year")
                    ))
                    .help("write a year such as 2022, or leave the cell blank"),
                );
                None
            }
        },
    };

    let mut out = format!(
        "  - id: {}\n    stakeholder: {}\n",
        quoted(&id?),
        quoted(&stakeholder?)
    );
    if let Some(d) = row.text("Description") {
        out.push_str(&format!("    description: {}\n", quoted(&d)));
    }
    if let Some(i) = row.text("Indicator") {
        out.push_str(&format!("    indicator: {}\n", quoted(&i)));
    }
    out.push_str(&format!(
        "    quantity: {}\n    proxy:\n",
        decimal(quantity?)
    ));
    if let Some(id) = proxy_id? {
        out.push_str(&format!("      id: {}\n", quoted(&id)));
    }
    if let Some(note) = rebasing_note(row) {
        out.push_str(&format!("      # {note}\n"));
    }
    out.push_str(&format!("      value: {}\n", decimal(proxy_value?)));
    for (title, yaml_key) in [("Proxy unit", "unit"), ("Proxy description", "description")] {
        if let Some(text) = row.text(title) {
            out.push_str(&format!("      {yaml_key}: {}\n", quoted(&text)));
        }
    }
    out.push_str(&format!("      source: {}\n", quoted(&source?)));
    if let Some(year) = price_year? {
        out.push_str(&format!("      price_year: {year}\n"));
    }
    out.push_str(&format!(
        "    duration: {}\n    start: {}\n    deadweight: {}\n    displacement: {}\n    attribution: {}\n    drop_off: {}\n",
        duration?.normalize(),
        start?,
        decimal(deadweight?),
        decimal(displacement?),
        decimal(attribution?),
        decimal(drop_off?),
    ));
    Some(out)
}
