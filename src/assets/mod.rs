//! Asset mapping (registers of community and cultural assets): load a register, rate
//! each asset with the register's Rhai rules, then summarise, select, diff and export.
//!
//! One job per module: `register` loads a register (`fields` reads its YAML keys,
//! `paths` resolves and confines the paths it names), `table` reads the asset and
//! survey tables (`gpkg` also reads GeoPackage layers), `columns` checks the known
//! columns, `rules` runs the script and `rate` runs it over every asset;
//! `summary`/`select`/`diff` compute the reports, `views` and `grid` draw them as text,
//! and `geojson`/`gpkg`/`oruk`/`html` write the other formats. `report` ties them
//! together for the command line and for watch mode (`run_report`).

pub mod columns;
pub mod diff;
pub mod fields;
pub mod geojson;
pub mod gpkg;
pub mod grid;
pub mod html;
pub mod oruk;
pub mod paths;
pub mod rate;
pub mod register;
pub mod report;
pub mod rules;
pub mod select;
pub mod summary;
pub mod table;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};

pub use register::{LoadOptions, is_register, is_register_tree, load};
pub use report::{Command, Format, Options, run_report};

/// Where a row of a table came from, so errors can name it (`data/assets.csv:12`).
#[derive(Debug, Clone)]
pub struct Place {
    /// The text file the row is in (CSV); `None` for xlsx and GeoPackage rows.
    pub file: Option<Arc<SourceFile>>,
    /// The row's bytes in `file`.
    pub span: Span,
    /// `file:line` (CSV, xlsx) or `file#layer fid N` (GeoPackage).
    pub shown: String,
}

impl Place {
    /// An error about this row, quoting it when it is text.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(message).code("sroi::assets::table");
        match &self.file {
            Some(file) => d.at(file, self.span),
            None => {
                let mut d = d;
                d.path = Some(self.shown.clone());
                d
            }
        }
    }
}

/// `active` unless the `status` cell says `closed` (blank is active).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Closed,
}

/// A point in WGS 84 degrees, exactly as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub latitude: Decimal,
    pub longitude: Decimal,
}

/// One row of the asset table, checked.
#[derive(Debug, Clone)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub category: String,
    pub ward: Option<String>,
    pub status: Status,
    pub location: Option<Location>,
    /// Every cell, in the table's column order; `None` is a blank cell.
    pub cells: Vec<Option<String>>,
    pub at: Place,
}

impl Asset {
    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }
}

/// What the rules said about one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// Theme ids, in the register's theme order, each once.
    pub themes: Vec<String>,
    pub score: Decimal,
    pub reason: Option<String>,
}

/// A register's assets with their ratings (same order as the table).
#[derive(Debug)]
pub struct Mapped {
    pub register: register::Register,
    pub ratings: Vec<Rating>,
}

impl Mapped {
    pub fn rated(&self) -> impl Iterator<Item = (&Asset, &Rating)> {
        self.register.assets.iter().zip(&self.ratings)
    }
}

/// The value of a cell of `asset` in `column`, if the table has that column and the
/// cell is not blank.
pub fn cell<'a>(columns: &[String], asset: &'a Asset, column: &str) -> Option<&'a str> {
    let i = columns.iter().position(|c| c == column)?;
    asset.cells.get(i)?.as_deref()
}

/// Give diagnostics that have only the generic code this one (`sroi::assets::…`), so
/// tools reading `code` can tell asset problems apart.
pub fn coded(mut diagnostics: Diagnostics, code: &'static str) -> Diagnostics {
    for d in &mut diagnostics.0 {
        if d.code == "sroi::error" || d.code == "sroi::warning" {
            d.code = code;
        }
    }
    diagnostics
}

/// Files a loaded register read (for watch mode).
pub type UsedFiles = Vec<PathBuf>;
