//! The command line (SPEC section 6). `main` only calls `run`.

mod check;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostic::{self, Diagnostics, Style};
use crate::evaluate::{self, Overrides};
use crate::project::{self, LoadOptions};
use crate::report::{self, Format};
use crate::source::DiskFiles;

/// Exit statuses: 0 success, 1 invalid model or input, 2 bad command line.
pub const EXIT_INVALID: i32 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "sroi",
    version,
    about = "Social Return on Investment from YAML impact models, in exact decimal money"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a model and print its report.
    Run(RunArgs),
    /// Validate models and proxy sets without reporting; exit 0 when all are valid.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct ModelOptions {
    /// Proxy set to use instead of the model's: a name in the model's `proxies/` folder, or a path.
    #[arg(long, value_name = "NAME|PATH")]
    pub proxies: Option<String>,
    /// Override a `params` entry for this run.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The impact model (YAML).
    pub model: PathBuf,
    #[command(flatten)]
    pub options: ModelOptions,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Models or proxy sets to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: ModelOptions,
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
        }
    }
    pub fn overrides(&self) -> Overrides {
        Overrides {
            params: self.set.clone(),
        }
    }
}

/// Where output goes, so tests can capture it.
pub struct Io<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub style: Style,
}

impl Io<'_> {
    pub fn report(&mut self, diagnostics: &Diagnostics) {
        if !diagnostics.is_empty() {
            let _ = self
                .stderr
                .write_all(diagnostic::render(diagnostics, self.style).as_bytes());
        }
    }
}

/// Colour only for a terminal, and never when NO_COLOR is set.
pub fn default_style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !no_color {
        Style::Color
    } else {
        Style::Plain
    }
}

/// Parse arguments and run; returns the exit status.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
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
        Command::Run(args) => run_model(&args, io),
        Command::Check(args) => check::check(&args, io),
    }
}

fn run_model(args: &RunArgs, io: &mut Io<'_>) -> i32 {
    let mut files = DiskFiles::default();
    let (project, warnings) =
        match project::load(&mut files, &args.model, &args.options.load_options()) {
            Ok(loaded) => loaded,
            Err(d) => {
                io.report(&d);
                return EXIT_INVALID;
            }
        };
    io.report(&warnings);
    match evaluate::evaluate(&project) {
        Ok(evaluation) => {
            let text = report::render(&evaluation, args.format);
            // Build the whole report first: a failure never leaves half a report behind.
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
        Err(d) => {
            io.report(&d);
            EXIT_INVALID
        }
    }
}
