//! `sroi assets …`: asset registers (check, list, summary, select, diff, export).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::{EXIT_INVALID, Io, parse_set};
use crate::assets::report::{self, Command, Export, Filter, Format, Options};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::DiskFiles;

#[derive(Debug, Args)]
pub struct AssetsArgs {
    #[command(subcommand)]
    pub command: AssetsCommand,
}

/// Formats of reports without a map layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TextFormat {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
}

/// Formats of reports that list located assets (adds `geojson`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum MapFormat {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
    Geojson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// GeoJSON (RFC 7946) FeatureCollection: every asset.
    Geojson,
    /// Open Referral UK / HSDS 3.0 JSON: active assets only.
    Oruk,
    /// OGC GeoPackage point layer `assets` (needs --out).
    Gpkg,
}

impl From<TextFormat> for Format {
    fn from(f: TextFormat) -> Self {
        match f {
            TextFormat::Table => Format::Table,
            TextFormat::Json => Format::Json,
            TextFormat::Csv => Format::Csv,
            TextFormat::Markdown => Format::Markdown,
            TextFormat::Html => Format::Html,
        }
    }
}

impl From<MapFormat> for Format {
    fn from(f: MapFormat) -> Self {
        match f {
            MapFormat::Geojson => Format::Geojson,
            MapFormat::Table => Format::Table,
            MapFormat::Json => Format::Json,
            MapFormat::Csv => Format::Csv,
            MapFormat::Markdown => Format::Markdown,
            MapFormat::Html => Format::Html,
        }
    }
}

#[derive(Debug, Args)]
pub struct Register {
    /// The asset register (YAML, `kind: asset-register`).
    pub register: PathBuf,
    /// Override a register `params` entry for this run.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// Let paths written in the register (and its linked models) reach DIR too, besides
    /// the project (the folder holding the register's folder). Repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
}

impl Register {
    fn options(&self, format: Format) -> Options {
        Options {
            set: self.set.clone(),
            format,
            allow_paths: self.allow_path.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Validate a register, its tables and rules; exit 0 when valid.
    Check {
        #[command(flatten)]
        register: Register,
        /// Report format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
    },
    /// Every asset (closed ones included) with its themes, score and reason.
    List {
        #[command(flatten)]
        register: Register,
        /// Only assets serving this theme id.
        #[arg(long, value_name = "ID")]
        theme: Option<String>,
        /// Only assets in this ward.
        #[arg(long, value_name = "WARD")]
        ward: Option<String>,
        /// Only assets of this category.
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
        /// Report format (`geojson`: the assets as a FeatureCollection).
        #[arg(long, value_enum, default_value_t)]
        format: MapFormat,
    },
    /// Active assets counted by theme × category and by ward, themes served together,
    /// and assets without location.
    Summary {
        #[command(flatten)]
        register: Register,
        /// Report format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
    },
    /// Active assets ranked by score for SROI evaluation, with reasons and linked models' ratios.
    Select {
        #[command(flatten)]
        register: Register,
        /// How many assets to select.
        #[arg(long, value_name = "N", default_value_t = crate::assets::select::DEFAULT_TOP)]
        top: usize,
        /// Report format (`geojson`: the assets as a FeatureCollection).
        #[arg(long, value_enum, default_value_t)]
        format: MapFormat,
    },
    /// Added, closed and changed assets between two waves: `diff REG` (against its
    /// `baseline:`) or `diff OLD NEW`.
    Diff {
        /// REG, or OLD when NEW follows.
        first: PathBuf,
        /// NEW.
        second: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t)]
        format: TextFormat,
        /// Let paths written in the registers reach DIR too. Repeatable.
        #[arg(long = "allow-path", value_name = "DIR")]
        allow_path: Vec<PathBuf>,
    },
    /// Write the assets as GeoJSON, Open Referral UK JSON or a GeoPackage.
    Export {
        #[command(flatten)]
        register: Register,
        /// What to write.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The file to write (required for gpkg; text formats go to stdout without it).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Write `text` to `path` whole (see `atomic::write`).
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    crate::atomic::write(path, text.as_bytes()).map_err(|e| e.to_string())
}

pub fn run(args: &AssetsArgs, io: &mut Io<'_>) -> i32 {
    let mut files = DiskFiles::default();
    let (path, command, options) = match &args.command {
        AssetsCommand::Export {
            register,
            format,
            out,
        } => {
            if *format == ExportFormat::Gpkg && out.is_none() {
                let _ = writeln!(
                    io.stderr,
                    "error: --format gpkg needs --out FILE.gpkg (a GeoPackage is a binary file)"
                );
                return 2;
            }
            let options = register.options(Format::Table);
            let loaded = report::load_export(&mut files, &register.register, &options);
            if let (Some(_), Ok((mapped, _))) = (out, &loaded) {
                report::record_baseline(&mut files, mapped, &options);
            }
            // Every file the register read (tables, survey, rules and modules, baseline
            // wave), even when it failed to load, is checked before anything is written
            // (a GeoPackage is written while exporting).
            let register_file = std::slice::from_ref(&register.register);
            for (inputs, what) in [
                (register_file, "the register being exported"),
                (&files.used()[..], "a file the register reads"),
            ] {
                if let Some(code) =
                    super::output::refuse_overwrite(&[("--out", out.as_deref())], inputs, what, io)
                {
                    return code;
                }
            }
            let (mapped, warnings) = match loaded {
                Ok(loaded) => loaded,
                Err(d) => {
                    io.report(&d);
                    return EXIT_INVALID;
                }
            };
            let kind = match format {
                ExportFormat::Geojson => Export::Geojson,
                ExportFormat::Oruk => Export::Oruk,
                ExportFormat::Gpkg => Export::Gpkg,
            };
            return match report::export(&mapped, kind, out.as_deref()) {
                Ok(text) => {
                    io.report(&warnings);
                    match (text, out) {
                        (Some(text), None) => super::emit(io, &text),
                        (Some(text), Some(out)) => match write_atomically(out, &text) {
                            Ok(()) => 0,
                            Err(e) => {
                                io.report(&Diagnostics::from(
                                    Diagnostic::error(format!("cannot write the export: {e}"))
                                        .in_file(out),
                                ));
                                EXIT_INVALID
                            }
                        },
                        (None, _) => 0,
                    }
                }
                Err(d) => {
                    io.report(&d);
                    EXIT_INVALID
                }
            };
        }
        AssetsCommand::Check { register, format } => (
            register.register.clone(),
            Command::Check,
            register.options((*format).into()),
        ),
        AssetsCommand::List {
            register,
            theme,
            ward,
            category,
            format,
        } => (
            register.register.clone(),
            Command::List(Filter {
                theme: theme.clone(),
                ward: ward.clone(),
                category: category.clone(),
            }),
            register.options((*format).into()),
        ),
        AssetsCommand::Summary { register, format } => (
            register.register.clone(),
            Command::Summary,
            register.options((*format).into()),
        ),
        AssetsCommand::Select {
            register,
            top,
            format,
        } => (
            register.register.clone(),
            Command::Select { top: *top },
            register.options((*format).into()),
        ),
        AssetsCommand::Diff {
            first,
            second,
            format,
            allow_path,
        } => match second {
            Some(new) => (
                new.clone(),
                Command::Diff {
                    old: Some(first.clone()),
                },
                Options {
                    set: Vec::new(),
                    format: (*format).into(),
                    allow_paths: allow_path.clone(),
                },
            ),
            None => (
                first.clone(),
                Command::Diff { old: None },
                Options {
                    set: Vec::new(),
                    format: (*format).into(),
                    allow_paths: allow_path.clone(),
                },
            ),
        },
    };
    match report::run_report_with_warnings(&mut files, &path, &command, &options) {
        Ok((text, warnings)) => {
            io.report(&warnings);
            super::emit(io, &text)
        }
        Err(d) => {
            io.report(&d);
            EXIT_INVALID
        }
    }
}
