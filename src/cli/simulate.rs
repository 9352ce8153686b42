//! `sroi simulate`: seeded Monte Carlo simulation of the model's `uncertainty:` block.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EXIT_INVALID, Io, ModelOptions, emit, load_base, verify};
use crate::analysis::simulate::{self, DEFAULT_DRAWS, MAX_DRAWS, SimulationReport};
use crate::diagnostic::Diagnostics;
use crate::evaluate::Scenario;
use crate::project::Project;
use crate::receipt::{self, Receipt};
use crate::report::analysis::AnalysisFormat;
use crate::report::simulation_report;
use crate::source::DiskFiles;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The impact model (YAML), with an `uncertainty:` block.
    pub model: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Number of draws (2 to 1,000,000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DRAWS, value_parser = draws)]
    pub draws: usize,
    /// Seed of the random numbers: the same seed gives the same output, byte for byte.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Report format.
    #[arg(long, value_enum, default_value_t = AnalysisFormat::Table)]
    pub format: AnalysisFormat,
    /// Also write a receipt: the SHA-256 of every file read, the command line, seed,
    /// draws and headline figures (ratio mean, p5, p50, p95, P(ratio ≥ 1)), for `sroi verify`.
    #[arg(long, value_name = "FILE.json")]
    pub receipt: Option<PathBuf>,
}

fn draws(text: &str) -> Result<usize, String> {
    match text.trim().replace('_', "").parse::<usize>() {
        // One draw has no spread: its sample standard deviation (n − 1) is undefined.
        Ok(n) if (2..=MAX_DRAWS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of draws from 2 to {MAX_DRAWS}"
        )),
    }
}

/// A progress bar on stderr, shown only on a terminal and only once a run has taken
/// more than a second.
struct Progress {
    started: Instant,
    terminal: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    fn update(&mut self, done: usize, total: usize) {
        if !self.terminal || self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} draws, {eta} left")
            {
                bar.set_style(style);
            }
            bar
        });
        bar.set_position(done as u64);
    }
}

/// The simulation the command line asks for (also what `sroi verify` re-runs).
pub fn draw(
    project: &Project,
    base: Scenario,
    args: &SimulateArgs,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimulationReport, Diagnostics> {
    simulate::simulate(project, base, args.draws, args.seed, progress)
}

pub fn run(args: &SimulateArgs, argv: &[OsString], io: &mut Io<'_>) -> i32 {
    let mut files = DiskFiles::default();
    let Some((project, base)) = load_base(&mut files, &args.model, &args.options, io) else {
        return EXIT_INVALID;
    };
    let mut progress = Progress {
        started: Instant::now(),
        terminal: std::io::stderr().is_terminal(),
        bar: None,
    };
    let result = draw(&project, base, args, &mut |done, total| {
        progress.update(done, total);
    });
    if let Some(bar) = progress.bar.take() {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) => {
            if let Err(code) = verify::write_analysis_receipt(
                args.receipt.as_deref(),
                &args.model,
                &files,
                argv,
                io,
                |arguments, dir| {
                    let figures = receipt::simulation_headline(&report);
                    Receipt::new("simulate", arguments, dir, &files, figures)
                        .with_draws(report.seed, u64::try_from(report.draws).unwrap_or(u64::MAX))
                },
            ) {
                return code;
            }
            emit(io, &simulation_report::render(&report, args.format))
        }
        Err(d) => {
            io.report(&d);
            EXIT_INVALID
        }
    }
}
