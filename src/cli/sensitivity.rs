//! `sroi sensitivity`: one-at-a-time sensitivity with exact tipping points, and two-way
//! grids.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_INVALID, Io, ModelOptions, emit, load_base};
use crate::analysis::sensitivity::{self, AxisName, MAX_STEPS};
use crate::report::analysis::AnalysisFormat;
use crate::report::sensitivity_report;

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

pub fn run(args: &SensitivityArgs, io: &mut Io<'_>) -> i32 {
    let Some((project, base)) = load_base(&args.model, &args.options, io) else {
        return EXIT_INVALID;
    };
    let two_way = args
        .two_way
        .as_ref()
        .map(|(x, y)| (x, y, usize::from(args.steps)));
    match sensitivity::analyse(&project, base, two_way) {
        Ok(report) => emit(io, &sensitivity_report::render(&report, args.format)),
        Err(d) => {
            io.report(&d);
            EXIT_INVALID
        }
    }
}
