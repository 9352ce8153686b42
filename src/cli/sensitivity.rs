//! `sroi sensitivity`: one-at-a-time sensitivity with exact tipping points, and two-way
//! grids.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;

use super::{EXIT_INVALID, Io, ModelOptions, emit, load_base, verify};
use crate::analysis::sensitivity::{self, AxisName, MAX_STEPS, SensitivityReport};
use crate::diagnostic::Diagnostics;
use crate::evaluate::Scenario;
use crate::project::Project;
use crate::receipt::{self, Receipt};
use crate::report::analysis::AnalysisFormat;
use crate::report::sensitivity_report;
use crate::source::DiskFiles;

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The impact model (YAML).
    pub model: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Report format.
    #[arg(long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Also evaluate a grid of two variables over their ranges: `ID.VAR,ID.VAR`
    /// (e.g. `reduced-isolation.proxy,reduced-isolation.deadweight`).
    #[arg(long = "two-way", value_name = "ID.VAR,ID.VAR", value_parser = parse_two_way)]
    pub two_way: Option<(AxisName, AxisName)>,
    /// Steps per variable in the two-way grid (2 to 201).
    #[arg(long, value_name = "N", default_value_t = 11, requires = "two_way", value_parser = clap::value_parser!(u16).range(2..=MAX_STEPS as i64))]
    pub steps: u16,
    /// Also write a receipt: the SHA-256 of every file read, the command line and the
    /// headline figures (base, tipping points, swings), for `sroi verify`.
    #[arg(long, value_name = "FILE.json")]
    pub receipt: Option<PathBuf>,
}

fn parse_axis(text: &str) -> Result<AxisName, String> {
    match text.trim().rsplit_once('.') {
        Some((outcome, variable)) if !outcome.is_empty() && !variable.is_empty() => Ok(AxisName {
            outcome: outcome.to_owned(),
            variable: variable.to_owned(),
        }),
        _ => Err(format!(
            "`{text}` should be OUTCOME-ID.VARIABLE, e.g. reduced-isolation.proxy"
        )),
    }
}

fn parse_two_way(text: &str) -> Result<(AxisName, AxisName), String> {
    let Some((x, y)) = text.split_once(',') else {
        return Err(format!(
            "`{text}` should be two variables separated by a comma: ID.VAR,ID.VAR"
        ));
    };
    let (x, y) = (parse_axis(x)?, parse_axis(y)?);
    if x == y {
        return Err("the two variables of --two-way must differ".to_owned());
    }
    Ok((x, y))
}

/// The analysis the command line asks for (also what `sroi verify` re-runs).
pub fn analyse(
    project: &Project,
    base: Scenario,
    args: &SensitivityArgs,
) -> Result<SensitivityReport, Diagnostics> {
    let two_way = args
        .two_way
        .as_ref()
        .map(|(x, y)| (x, y, usize::from(args.steps)));
    sensitivity::analyse(project, base, two_way)
}

pub fn run(args: &SensitivityArgs, argv: &[OsString], io: &mut Io<'_>) -> i32 {
    let mut files = DiskFiles::default();
    let Some((project, base)) = load_base(&mut files, &args.model, &args.options, io) else {
        return EXIT_INVALID;
    };
    match analyse(&project, base, args) {
        Ok(report) => {
            if let Err(code) = verify::write_analysis_receipt(
                args.receipt.as_deref(),
                &args.model,
                &files,
                argv,
                io,
                |arguments, dir| {
                    let figures = receipt::sensitivity_headline(&report);
                    Receipt::new("sensitivity", arguments, dir, &files, figures)
                },
            ) {
                return code;
            }
            emit(io, &sensitivity_report::render(&report, args.format))
        }
        Err(d) => {
            io.report(&d);
            EXIT_INVALID
        }
    }
}
