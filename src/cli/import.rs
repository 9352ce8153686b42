//! `sroi import FILE.xlsx [--out MODEL.yaml]`: a Value Map workbook back into a model.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_INVALID, Io};
use crate::diagnostic::{Diagnostic, Diagnostics};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The workbook (.xlsx): one `sroi run --format xlsx` wrote, or one in the same columns.
    pub workbook: PathBuf,
    /// Write the model to FILE (whole, atomically) instead of standard output.
    #[arg(long, value_name = "MODEL.yaml")]
    pub out: Option<PathBuf>,
}

pub fn import(args: &ImportArgs, io: &mut Io<'_>) -> i32 {
    if let Some(code) = super::output::refuse_overwrite(
        &[("--out", args.out.as_deref())],
        std::slice::from_ref(&args.workbook),
        "the workbook being imported",
        io,
    ) {
        return code;
    }
    let yaml = match crate::report::import::import(&args.workbook) {
        Ok(yaml) => yaml,
        Err(problems) => {
            io.report(&problems);
            return EXIT_INVALID;
        }
    };
    match &args.out {
        Some(path) => match super::output::write_atomically(path, yaml.as_bytes()) {
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
            if io.stdout.write_all(yaml.as_bytes()).is_err() {
                return EXIT_INVALID;
            }
            0
        }
    }
}
