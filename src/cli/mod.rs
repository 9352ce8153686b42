//! The command line (docs/format.md). `main` only calls `run`.

mod assets;
mod batch;
mod check;
mod compare;
mod help;
mod import;
mod init;
mod limits;
mod output;
mod schema;
mod sensitivity;
mod simulate;
mod table_size;
mod verify;

use std::io::{IsTerminal, Write};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::{Diagnostics, Style};
use crate::evaluate::Evaluation;
use crate::evaluate::{self, Overrides};
use crate::project::{self, LoadOptions, Project};
use crate::report::{self, Format};
use crate::source::DiskFiles;

pub use crate::console::{EXIT_INVALID, Io, default_style};

#[derive(Debug, Parser)]
#[command(
    name = "sroi",
    version,
    about = "Social Return on Investment from YAML impact models, in exact decimal money",
    after_help = help::SROI
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a model and print its report.
    #[command(after_help = help::RUN)]
    Run(RunArgs),
    /// Validate models and proxy sets without reporting; exit 0 when all are valid.
    #[command(after_help = help::CHECK)]
    Check(CheckArgs),
    /// Re-evaluate whenever a file the model uses changes (Ctrl-C to stop).
    #[command(after_help = help::WATCH)]
    Watch(WatchArgs),
    /// Show how each figure was obtained: its source, then the arithmetic.
    #[command(after_help = help::EXPLAIN)]
    Explain(ExplainArgs),
    /// List the functions scripts and expressions can call (and a model's own).
    #[command(after_help = help::FUNCTIONS)]
    Functions(FunctionsArgs),
    /// Re-run a receipt's command and check every file and figure still matches.
    Verify(verify::VerifyArgs),
    /// Print the JSON Schema of a file kind (for editors and CI).
    Schema(schema::SchemaArgs),
    /// Read a Value Map workbook (.xlsx) back into a model file.
    Import(import::ImportArgs),
    /// Compare models side by side, or one model under several proxy sets.
    Compare(compare::CompareArgs),
    /// Asset registers: check, list, summary, select, diff, export.
    Assets(assets::AssetsArgs),
    /// Write a starter project (model, script, illustrative data, UK proxy set) into DIR.
    #[command(after_help = help::INIT)]
    Init(init::InitArgs),
    /// One-at-a-time sensitivity with exact tipping points (and `--two-way` grids).
    Sensitivity(sensitivity::SensitivityArgs),
    /// Monte Carlo simulation of the model's `uncertainty:` block.
    Simulate(simulate::SimulateArgs),
    /// Many models (× proxy sets) in parallel: one line of headline figures each.
    Batch(batch::BatchArgs),
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The impact model (YAML).
    pub model: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write each good report to FILE, atomically (never half-written).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Poll for changes instead of OS notifications (network drives, WSL, containers).
    #[arg(long)]
    pub poll: bool,
    /// Quiet time in milliseconds after a save before re-evaluating.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub debounce: u64,
    /// Also serve the HTML report on ADDR (default 127.0.0.1 on a free port; the address
    /// is printed); the open page reloads itself after every evaluation.
    #[arg(long, value_name = "ADDR", num_args = 0..=1,
          default_missing_value = "127.0.0.1:0", value_parser = crate::watch::serve::parse_addr)]
    pub serve: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The impact model (YAML).
    pub model: PathBuf,
    /// Explain only this outcome.
    pub outcome: Option<String>,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct FunctionsArgs {
    /// Also list the functions this model's script defines.
    pub model: Option<PathBuf>,
    /// Let paths written in the model reach DIR too, besides the project. Repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelOptions {
    /// Proxy set to use instead of the model's: a name in the model's `proxies/` folder, or a path.
    #[arg(long, value_name = "NAME|PATH")]
    pub proxies: Option<String>,
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set, help = help::SET)]
    pub set: Vec<(String, String)>,
    /// Let paths written in the model, its proxy sets and deflator reach DIR too, besides
    /// the project (the folder holding the model's folder). Repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_path: Vec<PathBuf>,
    #[command(flatten)]
    pub tables: table_size::TableSizeOption,
    #[command(flatten)]
    pub limits: limits::LimitOptions,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The impact model (YAML).
    pub model: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Report format (xlsx: the Value Map workbook, with --out).
    #[arg(long, value_enum, default_value_t = output::RunFormat::Table)]
    pub format: output::RunFormat,
    /// Write the report to FILE (whole, atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write a receipt: the SHA-256 of every file read, the command line and the
    /// headline figures, for `sroi verify`.
    #[arg(long, value_name = "FILE.json")]
    pub receipt: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Models or proxy sets to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: ModelOptions,
    /// `text` for people (diagnostics on stderr); `json` prints every file's status and
    /// diagnostics as one object on stdout, for CI pipelines.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

fn parse_set(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "`{text}` should be NAME=VALUE, e.g. --set referrals=150"
        )),
    }
}

impl ModelOptions {
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            proxies: self.proxies.clone(),
            overrides: self.overrides(),
            allow_paths: self.allow_path.clone(),
            max_table_bytes: Some(self.tables.max_table_size),
            limits: self.limits.limits(),
        }
    }
    pub fn overrides(&self) -> Overrides {
        Overrides {
            params: self.set.clone(),
        }
    }
}

/// Parse arguments and run; returns the exit status.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(err) => {
            let text = if io.style == Style::Color {
                err.render().ansi().to_string()
            } else {
                err.render().to_string()
            };
            let out: &mut dyn Write = if err.use_stderr() {
                &mut *io.stderr
            } else {
                &mut *io.stdout
            };
            let _ = out.write_all(text.as_bytes());
            return err.exit_code();
        }
    };
    match cli.command {
        Command::Run(args) => run_model(&args, &argv, io),
        Command::Check(args) => check::check(&args, io),
        Command::Explain(args) => explain(&args, io),
        Command::Watch(args) => crate::watch::run(
            crate::watch::Settings {
                model: args.model.clone(),
                options: args.options.load_options(),
                format: args.format,
                out: args.out.clone(),
                poll: args.poll,
                debounce: std::time::Duration::from_millis(args.debounce.max(1)),
                terminal: std::io::stdout().is_terminal(),
                serve: args.serve,
            },
            io,
        ),
        Command::Functions(args) => functions(&args, io),
        Command::Verify(args) => verify::verify(&args, io),
        Command::Schema(args) => schema::print(&args, io),
        Command::Import(args) => import::import(&args, io),
        Command::Compare(args) => compare::compare(&args, io),
        Command::Assets(args) => assets::run(&args, io),
        Command::Init(args) => init::init(&args, io),
        Command::Sensitivity(args) => sensitivity::run(&args, &argv, io),
        Command::Simulate(args) => simulate::run(&args, &argv, io),
        Command::Batch(args) => batch::run(&args, io),
    }
}

/// Load and evaluate, reporting problems; `None` when there were errors.
fn load_and_evaluate(
    model: &std::path::Path,
    options: &ModelOptions,
    io: &mut Io<'_>,
) -> Option<(Project, Evaluation)> {
    load_and_evaluate_with(&mut DiskFiles::default(), model, options, io)
}

/// As `load_and_evaluate`, reading through `files` (which then records what was read).
fn load_and_evaluate_with(
    files: &mut DiskFiles,
    model: &std::path::Path,
    options: &ModelOptions,
    io: &mut Io<'_>,
) -> Option<(Project, Evaluation)> {
    let (project, warnings) = match project::load(files, model, &options.load_options()) {
        Ok(loaded) => loaded,
        Err(d) => {
            io.report(&d);
            return None;
        }
    };
    io.report(&warnings);
    match evaluate::evaluate(&project) {
        Ok(evaluation) => {
            io.report(&evaluate::warnings(&project, &evaluation));
            Some((project, evaluation))
        }
        Err(d) => {
            io.report(&d);
            None
        }
    }
}

/// Load a model through `files` (which records what was read) and build its `--set`
/// scenario, reporting problems; `None` on errors.
fn load_base(
    files: &mut DiskFiles,
    model: &std::path::Path,
    options: &ModelOptions,
    io: &mut Io<'_>,
) -> Option<(Project, evaluate::Scenario)> {
    let (project, warnings) = match project::load(files, model, &options.load_options()) {
        Ok(loaded) => loaded,
        Err(d) => {
            io.report(&d);
            return None;
        }
    };
    io.report(&warnings);
    match evaluate::Scenario::from_overrides(&project, &project.overrides) {
        Ok(base) => Some((project, base)),
        Err(d) => {
            io.report(&d);
            None
        }
    }
}

/// Print a finished text. It is built whole first: a failure never leaves half a report.
fn emit(io: &mut Io<'_>, text: &str) -> i32 {
    if io
        .stdout
        .write_all(text.as_bytes())
        .and_then(|()| io.stdout.flush())
        .is_err()
    {
        return EXIT_INVALID;
    }
    0
}

fn run_model(args: &RunArgs, argv: &[std::ffi::OsString], io: &mut Io<'_>) -> i32 {
    if let Some(code) = output::check_usage(args, io) {
        return code;
    }
    let mut files = DiskFiles::default();
    match load_and_evaluate_with(&mut files, &args.model, &args.options, io) {
        Some((_, evaluation)) => {
            if let Some(code) = output::check_overwrite(args, &files.used(), io) {
                return code;
            }
            if let Some(path) = &args.receipt
                && let Err(code) = verify::write_run_receipt(path, argv, &files, &evaluation, io)
            {
                return code;
            }
            output::emit(args, &evaluation, io)
        }
        None => EXIT_INVALID,
    }
}

fn explain(args: &ExplainArgs, io: &mut Io<'_>) -> i32 {
    let Some((project, evaluation)) = load_and_evaluate(&args.model, &args.options, io) else {
        return EXIT_INVALID;
    };
    if let Some(id) = &args.outcome
        && !evaluation.outcomes.iter().any(|o| &o.id == id)
    {
        let ids = project.model.outcomes.iter().map(|o| o.id.as_str());
        let help = crate::suggest::did_you_mean(id, ids.clone())
            .unwrap_or_else(|| format!("outcomes in this model: {}", crate::suggest::one_of(ids)));
        io.report(&Diagnostics::from(
            crate::diagnostic::Diagnostic::error(format!("the model has no outcome `{id}`"))
                .code("sroi::cli")
                .in_file(&args.model)
                .help(help),
        ));
        return EXIT_INVALID;
    }
    let only = args.outcome.as_deref();
    let text = match args.format {
        ExplainFormat::Text => {
            crate::text::visible(&report::explain::text(&evaluation, only)).into_owned()
        }
        ExplainFormat::Json => report::explain::json(&evaluation, only),
    };
    emit(io, &text)
}

fn functions(args: &FunctionsArgs, io: &mut Io<'_>) -> i32 {
    let mut text = String::from("Functions sroi provides to scripts and expressions:\n\n");
    for f in crate::script::engine::documented_functions() {
        text.push_str(&format!("  {}\n      {}\n", f.signature, f.doc));
    }
    text.push_str(
        "\nParams are also plain variables. `/` is exact: `7 / 2` is 3.5 (use `div(7, 2)` for 3).\n\
         Rhai's own functions (maths, strings, arrays, maps) are available too; there is no\n\
         clock, file, network or environment access.\n",
    );
    if let Some(model) = &args.model {
        let mut files = DiskFiles::default();
        let options = LoadOptions {
            allow_paths: args.allow_path.clone(),
            ..LoadOptions::default()
        };
        match project::load(&mut files, model, &options) {
            Ok((project, _)) => {
                text.push_str(&format!(
                    "\nFunctions defined by {}'s script:\n\n",
                    project.model.id.value
                ));
                if project.host.functions().is_empty() {
                    text.push_str("  (none)\n");
                }
                for f in project.host.functions() {
                    text.push_str(&format!(
                        "  {}({})    defined at {}\n",
                        f.name,
                        f.params.join(", "),
                        f.at
                    ));
                }
            }
            Err(d) => {
                io.report(&d);
                return EXIT_INVALID;
            }
        }
    }
    emit(io, &text)
}
