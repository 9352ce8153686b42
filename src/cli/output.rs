//! Where `sroi run` puts its report: standard output, or with `--out FILE` a file
//! written whole (a temporary file beside it, then a rename). A workbook needs `--out`.

use std::path::{Path, PathBuf};

use super::{EXIT_INVALID, Io, RunArgs};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluate::Evaluation;
use crate::report::{self, Format};

pub use crate::console::EXIT_USAGE;

/// `run --format`: every report format, plus the Value Map workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RunFormat {
    #[default]
    Table,
    Json,
    Csv,
    Markdown,
    Html,
    /// The Value Map workbook with live formulas (needs --out FILE.xlsx).
    Xlsx,
}

impl RunFormat {
    fn text(self) -> Option<Format> {
        match self {
            RunFormat::Table => Some(Format::Table),
            RunFormat::Json => Some(Format::Json),
            RunFormat::Csv => Some(Format::Csv),
            RunFormat::Markdown => Some(Format::Markdown),
            RunFormat::Html => Some(Format::Html),
            RunFormat::Xlsx => None,
        }
    }
}

/// A command-line problem found before anything is read: exit 2.
pub fn check_usage(args: &RunArgs, io: &mut Io<'_>) -> Option<i32> {
    if args.format == RunFormat::Xlsx && args.out.is_none() {
        let _ = writeln!(
            io.stderr,
            "error: --format xlsx writes a workbook, which needs a file: add --out FILE.xlsx"
        );
        return Some(EXIT_USAGE);
    }
    None
}

/// `--out` or `--receipt` naming a file the model read (the model, its script, a table, a
/// proxy set): a command-line problem, refused before anything is written (exit 2).
pub fn check_overwrite(args: &RunArgs, used: &[PathBuf], io: &mut Io<'_>) -> Option<i32> {
    let mut inputs = used.to_vec();
    inputs.push(args.model.clone());
    refuse_overwrite(
        &[
            ("--out", args.out.as_deref()),
            ("--receipt", args.receipt.as_deref()),
        ],
        &inputs,
        crate::overwrite::MODEL_INPUT,
        io,
    )
}

/// Any of `outputs` (option name, path given) that names one of `inputs` (described as
/// `what`) is reported, and the command stops with exit 2 before writing anything.
pub fn refuse_overwrite(
    outputs: &[(&str, Option<&Path>)],
    inputs: &[PathBuf],
    what: &str,
    io: &mut Io<'_>,
) -> Option<i32> {
    let mut refusals: Vec<Diagnostic> = outputs
        .iter()
        .filter_map(|(option, path)| {
            let path = (*path)?;
            let input = crate::overwrite::input_named_by(path, inputs)?;
            Some(crate::overwrite::refusal(option, path, input, what))
        })
        .collect();
    // Two outputs naming one file (`--out r.json --receipt r.json`): the second write
    // would silently replace the first.
    let given: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(option, path)| Some((*option, (*path)?)))
        .collect();
    for (i, (option, path)) in given.iter().enumerate() {
        let earlier = given
            .get(..i)
            .unwrap_or_default()
            .iter()
            .find(|(_, other)| {
                crate::overwrite::identity(other) == crate::overwrite::identity(path)
            });
        if let Some((first, _)) = earlier {
            refusals.push(
                Diagnostic::error(format!(
                    "{option} {} is the same file as {first}: one would overwrite the other",
                    crate::diagnostic::display_path(path)
                ))
                .code("sroi::cli")
                .help(format!(
                    "nothing was written; give {option} and {first} different files"
                )),
            );
        }
    }
    if refusals.is_empty() {
        return None;
    }
    io.report(&Diagnostics(refusals));
    Some(EXIT_USAGE)
}

/// Print or write the report of a good evaluation.
pub fn emit(args: &RunArgs, evaluation: &Evaluation, io: &mut Io<'_>) -> i32 {
    let bytes = match args.format.text() {
        Some(format) => report::render(evaluation, format).into_bytes(),
        None => match report::xlsx::render(evaluation) {
            Ok(bytes) => bytes,
            Err(e) => {
                io.report(&Diagnostics::from(Diagnostic::error(format!(
                    "could not build the workbook: {e}"
                ))));
                return EXIT_INVALID;
            }
        },
    };
    match &args.out {
        Some(path) => match write_atomically(path, &bytes) {
            Ok(()) => 0,
            Err(e) => {
                io.report(&Diagnostics::from(
                    Diagnostic::error(format!("cannot write {}: {e}", path.display()))
                        .help("check that the folder exists and that you may write to it"),
                ));
                EXIT_INVALID
            }
        },
        None => {
            if io
                .stdout
                .write_all(&bytes)
                .and_then(|()| io.stdout.flush())
                .is_err()
            {
                return EXIT_INVALID;
            }
            0
        }
    }
}

pub use crate::atomic::write as write_atomically;
