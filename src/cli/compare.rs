//! `sroi compare A.yaml [B.yaml …] [--proxies SET[,SET…]]`: models side by side, or one
//! model under several proxy sets; forecast against evaluation as a variance.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_INVALID, Io, ModelOptions};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::report::{self, Format};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The impact models (YAML), in the order to show them.
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// Proxy sets to evaluate each model under, comma-separated (default: each model's own).
    #[arg(long, value_name = "SET[,SET…]", value_delimiter = ',')]
    pub proxies: Vec<String>,
    /// Override a `params` entry for every side.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = super::parse_set)]
    pub set: Vec<(String, String)>,
    /// Let paths written in the models and their proxy sets reach DIR too. Repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
    #[command(flatten)]
    pub tables: super::table_size::TableSizeOption,
    #[command(flatten)]
    pub limits: super::limits::LimitOptions,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE (whole, atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn compare(args: &CompareArgs, io: &mut Io<'_>) -> i32 {
    let sets: Vec<Option<String>> = if args.proxies.is_empty() {
        vec![None]
    } else {
        args.proxies
            .iter()
            .map(|s| Some(s.trim().to_owned()))
            .collect()
    };
    let mut sides = Vec::new();
    let mut inputs = Vec::new();
    let mut failed = false;
    // Every side is evaluated, so every problem is reported in one run.
    for model in &args.models {
        for set in &sets {
            let options = ModelOptions {
                proxies: set.clone(),
                set: args.set.clone(),
                allow_path: args.allow_path.clone(),
                tables: args.tables.clone(),
                limits: args.limits.clone(),
            };
            let mut files = crate::source::DiskFiles::default();
            match super::load_and_evaluate_with(&mut files, model, &options, io) {
                Some((_, evaluation)) => sides.push(evaluation),
                None => failed = true,
            }
            inputs.extend(files.used());
            inputs.push(model.clone());
        }
    }
    if failed {
        return EXIT_INVALID;
    }
    if let Some(code) = super::output::refuse_overwrite(
        &[("--out", args.out.as_deref())],
        &inputs,
        crate::overwrite::MODEL_INPUT,
        io,
    ) {
        return code;
    }
    let comparison = report::compare::compare(sides);
    let text = report::compare::render(&comparison, args.format);
    match &args.out {
        Some(path) => match super::output::write_atomically(path, text.as_bytes()) {
            Ok(()) => 0,
            Err(e) => {
                io.report(&Diagnostics::from(
                    Diagnostic::error(format!("cannot write {}: {e}", path.display()))
                        .help("check that the folder exists and that you may write to it"),
                ));
                EXIT_INVALID
            }
        },
        None => super::emit(io, &text),
    }
}
