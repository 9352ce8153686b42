//! `sroi batch MODEL.yaml… [--proxies SET[,SET…]] [--jobs N] [--shard I/N] [--format …]`:
//! many models, each under one or more proxy sets, evaluated in parallel; one line of
//! headline figures per model × set, in input order whatever the number of threads.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{EXIT_INVALID, Io};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity, display_path};
use crate::evaluate;
use crate::model::{self, Model};
use crate::project::{self, LoadCache, LoadOptions, SharedCache};
use crate::report::batch::{self, Figures, Line, Outcome};
use crate::source::{DiskFiles, Files, unreadable};

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The impact models (YAML); lines come out in this order.
    #[arg(required = true)]
    pub models: Vec<PathBuf>,
    /// Proxy sets to evaluate every model under, comma-separated: one line per model ×
    /// set (default: each model's own set).
    #[arg(long, value_name = "SET[,SET…]", value_delimiter = ',')]
    pub proxies: Vec<String>,
    /// Threads to use (default: every core, or RAYON_NUM_THREADS).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Evaluate only the models at 1-based positions I, I+N, I+2N, … (e.g. `--shard 2/4`),
    /// so N machines can share a portfolio and their outputs be concatenated.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BatchFormat::Csv)]
    pub format: BatchFormat,
    /// Let paths written in the models and their proxy sets reach DIR too. Repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
    #[command(flatten)]
    pub tables: super::table_size::TableSizeOption,
    #[command(flatten)]
    pub limits: super::limits::LimitOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BatchFormat {
    Csv,
    Json,
    Jsonl,
}

/// `--shard I/N`: this is shard I (1-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the model at 0-based `position` belongs to this shard.
    pub fn holds(self, position: usize) -> bool {
        position % self.count == self.index.saturating_sub(1)
    }
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let usage = || format!("`{text}` should be I/N with 1 ≤ I ≤ N, e.g. --shard 2/4");
    let (i, n) = text.split_once('/').ok_or_else(usage)?;
    let index: usize = i.trim().parse().map_err(|_| usage())?;
    let count: usize = n.trim().parse().map_err(|_| usage())?;
    if index == 0 || index > count {
        return Err(usage());
    }
    Ok(Shard { index, count })
}

/// A model read and parsed once, whatever the number of sets it runs under.
type Parsed = Result<(Model, Diagnostics), Diagnostics>;

pub fn run(args: &BatchArgs, io: &mut Io<'_>) -> i32 {
    let models: Vec<&PathBuf> = args
        .models
        .iter()
        .enumerate()
        .filter(|(position, _)| args.shard.is_none_or(|s| s.holds(*position)))
        .map(|(_, path)| path)
        .collect();
    let sets: Vec<Option<String>> = if args.proxies.is_empty() {
        vec![None]
    } else {
        args.proxies
            .iter()
            .map(|s| Some(s.trim().to_owned()))
            .collect()
    };
    let total = models.len().saturating_mul(sets.len());
    let progress = progress_bar(total);
    // What every model is loaded with; each line adds its proxy set.
    let base = LoadOptions {
        allow_paths: args.allow_path.clone(),
        max_table_bytes: Some(args.tables.max_table_size),
        limits: args.limits.limits(),
        ..LoadOptions::default()
    };
    let work = || evaluate_all(&models, &sets, &base, &progress);
    let results = match args.jobs {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build()
        {
            Ok(pool) => pool.install(work),
            Err(e) => {
                io.report(&Diagnostics::from(
                    Diagnostic::error(format!("cannot start {n} threads: {e}"))
                        .code("sroi::cli")
                        .help("try a smaller --jobs"),
                ));
                return EXIT_INVALID;
            }
        },
        None => work(),
    };
    progress.finish_and_clear();

    let mut lines = Vec::with_capacity(results.len());
    for (line, problems) in results {
        // Every problem in full on stderr, in input order; the line carries the first.
        if line.failed() {
            io.report(&problems);
        }
        lines.push(line);
    }
    let text = match args.format {
        BatchFormat::Csv => batch::csv(&lines),
        BatchFormat::Json => batch::json(&lines),
        BatchFormat::Jsonl => batch::jsonl(&lines),
    };
    let written = super::emit(io, &text);
    if written != 0 || lines.iter().any(Line::failed) {
        EXIT_INVALID
    } else {
        0
    }
}

/// A bar on stderr when it is a terminal; nothing otherwise (pipes, files, CI logs).
fn progress_bar(total: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} models {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Every model × set, in parallel on the current rayon pool; results in input order.
fn evaluate_all(
    models: &[&PathBuf],
    sets: &[Option<String>],
    base: &LoadOptions,
    progress: &ProgressBar,
) -> Vec<(Line, Diagnostics)> {
    let shared = Arc::new(SharedCache::default());
    let parsed: Vec<Parsed> = models.par_iter().map(|path| parse(path)).collect();
    let pairs: Vec<(usize, &Option<String>)> = (0..models.len())
        .flat_map(|m| sets.iter().map(move |s| (m, s)))
        .collect();
    pairs
        .par_iter()
        .map(|&(m, set)| {
            let (path, parsed) = (models.get(m), parsed.get(m));
            let line = match (path, parsed) {
                (Some(path), Some(parsed)) => one(path, parsed, set, base, &shared),
                _ => (
                    Line {
                        model: String::new(),
                        proxy_set: String::new(),
                        outcome: Outcome::Invalid("internal: model out of range".into()),
                    },
                    Diagnostics::default(),
                ),
            };
            progress.inc(1);
            line
        })
        .collect()
}

fn parse(path: &Path) -> Parsed {
    let file = DiskFiles::default().read(path).map_err(|e| {
        Diagnostics::from(
            unreadable(path, "the model", &e)
                .help("check the path; models are YAML files such as models/arts-for-health.yaml"),
        )
    })?;
    let (model, diagnostics) = model::read_model(&file);
    match model {
        Some(model) => Ok((model, diagnostics)),
        None => Err(diagnostics),
    }
}

/// One model under one set: load (sharing sets and scripts), evaluate, summarise.
fn one(
    path: &Path,
    parsed: &Parsed,
    set: &Option<String>,
    base: &LoadOptions,
    shared: &Arc<SharedCache>,
) -> (Line, Diagnostics) {
    let named = |model: Option<&Model>| match (set, model) {
        (Some(set), _) => set.clone(),
        (None, Some(m)) => m
            .proxies
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let fail = |proxy_set: String, problems: Diagnostics| {
        let line = Line {
            model: display_path(path),
            proxy_set,
            outcome: Outcome::Invalid(first_problem(&problems)),
        };
        (line, problems)
    };
    let (model, read) = match parsed {
        Ok(parsed) => parsed,
        Err(problems) => return fail(named(None), problems.clone()),
    };
    let options = LoadOptions {
        proxies: set.clone(),
        ..base.clone()
    };
    let mut files = DiskFiles::default();
    let mut cache = LoadCache::sharing(Arc::clone(shared));
    let loaded = project::load_parsed(
        &mut files,
        model.clone(),
        read.clone(),
        &options,
        &mut cache,
    );
    let project = match loaded {
        Ok((project, _warnings)) => project,
        Err(problems) => return fail(named(Some(model)), problems),
    };
    match evaluate::evaluate(&project) {
        Ok(evaluation) => {
            let proxy_set = set
                .clone()
                .unwrap_or_else(|| evaluation.proxy_set.id.clone());
            let line = Line {
                model: display_path(path),
                proxy_set,
                outcome: Outcome::Ok(Figures::of(&evaluation)),
            };
            (line, Diagnostics::default())
        }
        Err(problems) => fail(named(Some(model)), problems),
    }
}

/// The first error (else the first problem) on one line: `file:line:column: message`.
fn first_problem(problems: &Diagnostics) -> String {
    let first = problems
        .iter()
        .find(|d| d.severity == Severity::Error)
        .or_else(|| problems.iter().next());
    let Some(d) = first else {
        return "failed without a diagnostic".to_owned();
    };
    let message = d.message.replace(['\n', '\r'], " ");
    match (d.file_name(), d.line_col()) {
        (Some(file), Some((line, column))) => format!("{file}:{line}:{column}: {message}"),
        (Some(file), None) => format!("{file}: {message}"),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shards_take_every_nth_model_from_i() {
        let shard = parse_shard("2/3").unwrap();
        let held: Vec<usize> = (0..8).filter(|&p| shard.holds(p)).collect();
        // 1-based positions 2, 5, 8.
        assert_eq!(held, vec![1, 4, 7]);
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_shard("1-3").is_err());
        assert!(parse_shard("a/3").is_err());
        assert_eq!(parse_shard("3/3").unwrap(), Shard { index: 3, count: 3 });
    }
}
