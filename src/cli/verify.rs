//! `sroi run|sensitivity|simulate --receipt FILE.json` writes a receipt; `sroi verify
//! FILE.json` checks it.
//!
//! Verify hashes every recorded file again, then re-runs the recorded command line from the
//! recorded working directory and compares the headline figures. It names every file whose
//! content changed, every file the re-run reads that the receipt lacks, and every figure
//! that moved; exit 0 only when everything matches.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Args, Parser};

use super::{Cli, Command, EXIT_INVALID, Io, ModelOptions, sensitivity, simulate};
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::evaluate::{self, Evaluation, Scenario};
use crate::project::{self, Project};
use crate::proxy::SetReference;
use crate::receipt::{self, Mismatch, Receipt};
use crate::source::{DiskFiles, MAX_FILE_BYTES};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A receipt written by `sroi run`, `sensitivity` or `simulate` with `--receipt`.
    pub receipt: PathBuf,
}

/// After a successful `run`: record what it read and found.
pub fn write_run_receipt(
    path: &Path,
    argv: &[OsString],
    files: &DiskFiles,
    evaluation: &Evaluation,
    io: &mut Io<'_>,
) -> Result<(), i32> {
    write_receipt(path, argv, io, |arguments, dir| {
        Receipt::new("run", arguments, dir, files, receipt::headline(evaluation))
    })
}

/// `--receipt FILE` of `sensitivity` or `simulate`: refused (exit 2) when FILE is the model
/// or a file it read, otherwise written whole. Nothing to do without `--receipt`.
pub fn write_analysis_receipt(
    receipt: Option<&Path>,
    model: &Path,
    files: &DiskFiles,
    argv: &[OsString],
    io: &mut Io<'_>,
    build: impl FnOnce(Vec<String>, &Path) -> Receipt,
) -> Result<(), i32> {
    let Some(path) = receipt else {
        return Ok(());
    };
    let mut inputs = files.used();
    inputs.push(model.to_path_buf());
    if let Some(code) = super::output::refuse_overwrite(
        &[("--receipt", Some(path))],
        &inputs,
        crate::overwrite::MODEL_INPUT,
        io,
    ) {
        return Err(code);
    }
    write_receipt(path, argv, io, build)
}

/// After a successful command: `build` makes the receipt from the command line after
/// `sroi` and the working directory; it is written whole or not at all.
pub fn write_receipt(
    path: &Path,
    argv: &[OsString],
    io: &mut Io<'_>,
    build: impl FnOnce(Vec<String>, &Path) -> Receipt,
) -> Result<(), i32> {
    let fail = |io: &mut Io<'_>, why: String| {
        io.report(&Diagnostics::from(
            Diagnostic::error(format!("cannot write the receipt: {why}"))
                .in_file(path)
                .help("check that the folder exists and is writable"),
        ));
        EXIT_INVALID
    };
    let dir = match receipt::working_directory() {
        Ok(dir) => dir,
        Err(e) => return Err(fail(io, e.to_string())),
    };
    let arguments = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    build(arguments, &dir)
        .write(path)
        .map_err(|e| fail(io, e.to_string()))
}

fn read_receipt(path: &Path) -> Result<Receipt, Diagnostic> {
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE_BYTES);
    if too_big {
        return Err(Diagnostic::error("the receipt is larger than sroi reads").in_file(path));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(format!("cannot read the receipt: {e}"))
            .in_file(path)
            .help("give the path of a receipt written with `--receipt FILE.json`")
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Diagnostic::error(format!("this is not an sroi receipt: {e}"))
            .in_file(path)
            .help("give the path of a receipt written with `--receipt FILE.json`")
    })
}

/// Make the command line's model and proxy-set paths relative to `dir`, as they were
/// when the receipt was written.
fn from_dir(dir: &Path, model: &mut PathBuf, options: &mut ModelOptions) {
    *model = dir.join(&*model);
    if let Some(p) = &options.proxies
        && let SetReference::Path(path) = SetReference::parse(p)
    {
        options.proxies = Some(dir.join(path).to_string_lossy().into_owned());
    }
    for allowed in &mut options.allow_path {
        *allowed = dir.join(&*allowed);
    }
}

/// Load the model for a re-run and build its `--set` scenario, recording what is read.
fn load_base(
    files: &mut DiskFiles,
    model: &Path,
    options: &ModelOptions,
) -> Result<(Project, Scenario), Diagnostics> {
    let (project, _) = project::load(files, model, &options.load_options())?;
    let base = Scenario::from_overrides(&project, &project.overrides)?;
    Ok((project, base))
}

/// Re-run the receipt's command line as if from its working directory, without changing
/// this process's directory: relative paths on the command line are joined to it.
fn rerun(old: &Receipt, dir: &Path) -> Result<Receipt, Diagnostics> {
    let mut argv: Vec<String> = vec!["sroi".to_owned()];
    argv.extend(old.arguments.iter().cloned());
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        Diagnostics::from(
            Diagnostic::error(format!(
                "the receipt's command line no longer parses: {}",
                e.kind()
            ))
            .help("re-run the command by hand and write a new receipt"),
        )
    })?;
    let mut files = DiskFiles::default();
    let arguments = old.arguments.clone();
    match cli.command {
        Command::Run(mut args) => {
            from_dir(dir, &mut args.model, &mut args.options);
            let (project, _) =
                project::load(&mut files, &args.model, &args.options.load_options())?;
            let evaluation = evaluate::evaluate(&project)?;
            let figures = receipt::headline(&evaluation);
            Ok(Receipt::new("run", arguments, dir, &files, figures))
        }
        Command::Sensitivity(mut args) => {
            from_dir(dir, &mut args.model, &mut args.options);
            let (project, base) = load_base(&mut files, &args.model, &args.options)?;
            let report = sensitivity::analyse(&project, base, &args)?;
            let figures = receipt::sensitivity_headline(&report);
            Ok(Receipt::new("sensitivity", arguments, dir, &files, figures))
        }
        Command::Simulate(mut args) => {
            from_dir(dir, &mut args.model, &mut args.options);
            let (project, base) = load_base(&mut files, &args.model, &args.options)?;
            let report = simulate::draw(&project, base, &args, &mut |_, _| {})?;
            let figures = receipt::simulation_headline(&report);
            Ok(Receipt::new("simulate", arguments, dir, &files, figures)
                .with_draws(report.seed, u64::try_from(report.draws).unwrap_or(u64::MAX)))
        }
        _ => Err(Diagnostics::from(
            Diagnostic::error(format!(
                "sroi {} cannot re-run `{}` receipts",
                env!("CARGO_PKG_VERSION"),
                old.command
            ))
            .help("receipts are written by `sroi run`, `sroi sensitivity` and `sroi simulate` with `--receipt FILE.json`"),
        )),
    }
}

pub fn verify(args: &VerifyArgs, io: &mut Io<'_>) -> i32 {
    let old = match read_receipt(&args.receipt) {
        Ok(r) => r,
        Err(d) => {
            io.report(&d.into());
            return EXIT_INVALID;
        }
    };
    let dir = PathBuf::from(&old.working_directory);
    let mut text = format!(
        "receipt {}: `sroi {}` in {}\n",
        display_path(&args.receipt),
        old.arguments.join(" "),
        old.working_directory
    );
    if old.sroi_version != env!("CARGO_PKG_VERSION") {
        text.push_str(&format!(
            "note     written by sroi {}, verified with sroi {}\n",
            old.sroi_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    let mut mismatches = receipt::changed_files(&old, &dir);
    for f in &old.files {
        let changed = mismatches
            .iter()
            .any(|m| matches!(m, Mismatch::File { path, .. } if *path == f.path));
        if !changed {
            text.push_str(&format!("ok       {}\n", f.path));
        }
    }
    let mut failed_run = false;
    match rerun(&old, &dir) {
        Ok(new) => mismatches.extend(receipt::compare(&old, &new)),
        Err(d) => {
            failed_run = true;
            io.report(&d);
        }
    }
    for m in &mismatches {
        text.push_str(&format!("{m}\n"));
    }
    let verified = mismatches.is_empty() && !failed_run;
    if verified {
        text.push_str(&format!(
            "verified: {} files and {} figures match\n",
            old.files.len(),
            old.figures.len()
        ));
    } else {
        let files = mismatches
            .iter()
            .filter(|m| !matches!(m, Mismatch::Figure { .. }))
            .count();
        let figures = mismatches.len().saturating_sub(files);
        let mut parts = vec![
            crate::diagnostic::plural(files, "file"),
            crate::diagnostic::plural(figures, "figure"),
        ];
        if failed_run {
            parts.push("the command no longer runs".to_owned());
        }
        text.push_str(&format!("NOT verified: {} differ\n", parts.join(", ")));
    }
    let _ = io.stdout.write_all(text.as_bytes());
    if verified { 0 } else { EXIT_INVALID }
}
