//! The asset commands as functions from files to text: the command line prints what
//! they return, and watch mode can call `run_report` on every change.

use std::path::{Path, PathBuf};

use super::rate::load_mapped;
use super::register::{self, LoadOptions, Register};
use super::{geojson, select, views};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::Files;

/// Report formats (`export` has its own: geojson, oruk, gpkg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
    /// `list` and `select` only: the assets as a GeoJSON FeatureCollection.
    Geojson,
}

/// Which assets `list` shows: all conditions must hold (closed assets included).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub theme: Option<String>,
    pub ward: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Check,
    List(Filter),
    Summary,
    Select {
        top: usize,
    },
    /// `diff REG` (against its `baseline:`), or `diff OLD NEW` with `old` set and the
    /// path being NEW.
    Diff {
        old: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--set NAME=VALUE` for register params.
    pub set: Vec<(String, String)>,
    pub format: Format,
    /// `--allow-path DIR`: folders the register's paths (and its linked models') may
    /// reach besides their projects.
    pub allow_paths: Vec<PathBuf>,
}

/// Run one command and return its report, or every problem found.
pub fn run_report(
    files: &mut dyn Files,
    path: &Path,
    command: &Command,
    options: &Options,
) -> Result<String, Diagnostics> {
    run_report_with_warnings(files, path, command, options).map(|(text, _)| text)
}

/// As `run_report`, with the warnings of a successful run.
pub fn run_report_with_warnings(
    files: &mut dyn Files,
    path: &Path,
    command: &Command,
    options: &Options,
) -> Result<(String, Diagnostics), Diagnostics> {
    if let Command::Diff { old } = command {
        let (old, new, warnings) = diff_waves(files, path, old.as_deref(), &options.allow_paths)?;
        return Ok((views::diff_report(&old, &new, options.format), warnings));
    }
    let (mapped, mut warnings) = load_mapped(files, path, &options.set, &options.allow_paths)?;
    let text = match command {
        Command::Check => {
            if let Some((baseline, _)) = &mapped.register.baseline {
                let (_, w) = register::load(
                    files,
                    baseline,
                    &LoadOptions {
                        set: Vec::new(),
                        skip_rules: true,
                        allow_paths: options.allow_paths.clone(),
                    },
                )?;
                warnings.extend(w);
            }
            views::check_report(&mapped, options.format)
        }
        Command::List(filter) => views::list_report(&mapped, filter, options.format)?,
        Command::Summary => views::summary_report(&mapped, options.format),
        Command::Select { top } => {
            let selected = select::select(&mapped, *top, files, &options.allow_paths)?;
            views::select_report(&mapped, &selected, options.format)
        }
        Command::Diff { .. } => String::new(),
    };
    Ok((text, warnings))
}

fn diff_waves(
    files: &mut dyn Files,
    path: &Path,
    old: Option<&Path>,
    allow_paths: &[PathBuf],
) -> Result<(Register, Register, Diagnostics), Diagnostics> {
    let cells_only = LoadOptions {
        set: Vec::new(),
        skip_rules: true,
        allow_paths: allow_paths.to_vec(),
    };
    let (new, mut warnings) = register::load(files, path, &cells_only)?;
    let old_path = match old {
        Some(p) => p.to_path_buf(),
        None => match &new.baseline {
            Some((p, _)) => p.clone(),
            None => {
                return Err(Diagnostic::error(format!(
                    "register `{}` has no `baseline:` to compare with",
                    new.id
                ))
                .in_file(path)
                .help("add `baseline: the-earlier-wave.yaml` to the register, or run `sroi assets diff OLD.yaml NEW.yaml`")
                .into());
            }
        },
    };
    let (old, w) = register::load(files, &old_path, &cells_only)?;
    warnings.extend(w);
    Ok((old, new, warnings))
}

/// `export`: GeoJSON or ORUK text, or a GeoPackage written to `out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Geojson,
    Oruk,
    Gpkg,
}

/// What an export reads, loaded: the register with its tables, survey, rules and
/// modules, every path recorded in `files`. The command line checks `--out` against
/// those paths between this and `export`, which may write.
pub fn load_export(
    files: &mut dyn Files,
    path: &Path,
    options: &Options,
) -> Result<(super::Mapped, Diagnostics), Diagnostics> {
    load_mapped(files, path, &options.set, &options.allow_paths)
}

/// Read the `baseline:` wave of `mapped` (cells only) for the paths it records in
/// `files`: an export does not use that wave, but `--out` must not overwrite it or its
/// tables either. Its problems are `sroi assets check`'s business, so they are dropped.
pub fn record_baseline(files: &mut dyn Files, mapped: &super::Mapped, options: &Options) {
    if let Some((baseline, _)) = &mapped.register.baseline {
        let cells_only = LoadOptions {
            set: Vec::new(),
            skip_rules: true,
            allow_paths: options.allow_paths.clone(),
        };
        // Only the paths it read matter here (recorded by `files`), not what it holds.
        let _recorded_in_files = register::load(files, baseline, &cells_only);
    }
}

/// Export every asset (GeoJSON, GeoPackage) or the active ones (ORUK) of a register
/// loaded by `load_export`. Text formats are returned for the caller to write; a
/// GeoPackage is written to `out` atomically.
pub fn export(
    mapped: &super::Mapped,
    kind: Export,
    out: Option<&Path>,
) -> Result<Option<String>, Diagnostics> {
    let all: Vec<usize> = (0..mapped.register.assets.len()).collect();
    match kind {
        Export::Geojson => Ok(Some(geojson::render(mapped, &all))),
        Export::Oruk => Ok(Some(super::oruk::render(mapped))),
        Export::Gpkg => {
            let Some(out) = out else {
                return Err(Diagnostic::error(
                    "a GeoPackage is a binary file: name it with --out FILE.gpkg",
                )
                .into());
            };
            super::gpkg::write(mapped, &all, out)
                .map_err(|e| Diagnostics::from(Diagnostic::error(e).in_file(out)))?;
            Ok(None)
        }
    }
}
