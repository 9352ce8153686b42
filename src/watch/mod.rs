//! `sroi watch`: evaluate, then re-evaluate whenever a file the last evaluation used
//! changes. Errors never end the session: the last good report stays, marked stale.

pub mod files;
pub mod serve;
pub mod status;

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt};

use crate::console::{EXIT_INVALID, EXIT_USAGE, Io};
use crate::diagnostic::{self, Diagnostic, Diagnostics, Style, display_path};
use crate::evaluate::{self, Evaluation};
use crate::project::{self, LoadCache, LoadOptions};
use crate::report::{self, Format};
use crate::source::{DiskFiles, Files, unreadable};
use files::WatchSet;

/// How the session is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub model: PathBuf,
    pub options: LoadOptions,
    pub format: Format,
    pub out: Option<PathBuf>,
    /// Poll instead of using the OS's change notifications.
    pub poll: bool,
    /// Quiet time after the last event before re-evaluating.
    pub debounce: Duration,
    /// Redraw the screen (a terminal) rather than append (a pipe or file).
    pub terminal: bool,
    /// Also serve the report as a live web page on this address (`--serve`).
    pub serve: Option<std::net::SocketAddr>,
}

enum Message {
    Changed(Vec<PathBuf>),
    WatchFailed(String),
    Stop,
}

/// The OS watcher, or the polling one.
enum Watcher {
    Native(Debouncer<notify::RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<notify::PollWatcher, RecommendedCache>),
}

impl Watcher {
    fn new(settings: &Settings, tx: mpsc::Sender<Message>) -> Result<Self, String> {
        let handler = move |result: DebounceEventResult| {
            let message = match result {
                Ok(events) => Message::Changed(
                    events
                        .into_iter()
                        .filter(|e| files::is_change(&e.event.kind))
                        .flat_map(|e| e.event.paths)
                        .collect(),
                ),
                Err(errors) => Message::WatchFailed(
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            let _ = tx.send(message);
        };
        let tick = Some(settings.debounce / 4);
        if settings.poll {
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(200))
                .with_compare_contents(true);
            new_debouncer_opt::<_, notify::PollWatcher, RecommendedCache>(
                settings.debounce,
                tick,
                handler,
                RecommendedCache::new(),
                config,
            )
            .map(Watcher::Poll)
            .map_err(|e| e.to_string())
        } else {
            new_debouncer_opt::<_, notify::RecommendedWatcher, RecommendedCache>(
                settings.debounce,
                tick,
                handler,
                RecommendedCache::new(),
                notify::Config::default(),
            )
            .map(Watcher::Native)
            .map_err(|e| e.to_string())
        }
    }

    fn watch(&mut self, dir: &Path) -> notify::Result<()> {
        match self {
            Watcher::Native(d) => d.watch(dir, RecursiveMode::NonRecursive),
            Watcher::Poll(d) => d.watch(dir, RecursiveMode::NonRecursive),
        }
    }

    fn unwatch(&mut self, dir: &Path) {
        let _ = match self {
            Watcher::Native(d) => d.unwatch(dir),
            Watcher::Poll(d) => d.unwatch(dir),
        };
    }
}

/// What one evaluation produced.
enum Outcome {
    Good {
        /// `None` for an asset register, which has a report but no evaluation.
        evaluation: Option<Box<Evaluation>>,
        report: String,
        /// The register's HTML list, for the served page (`None` unless serving).
        register_page: Option<String>,
        warnings: Diagnostics,
    },
    Failed(Diagnostics),
}

/// State carried from one evaluation to the next.
struct Session {
    settings: Settings,
    cache: LoadCache,
    last_good: Option<(Option<Box<Evaluation>>, String)>,
    /// Which evaluation the last good report came from.
    last_good_number: usize,
    evaluations: usize,
    watching: WatchSet,
    watched_dirs: std::collections::BTreeSet<PathBuf>,
    /// Content of every file the last evaluation read, hashed: an event that changed
    /// nothing (a touch, a save without edits) gives no new output.
    fingerprint: Option<u64>,
    /// The live web page, when serving.
    server: Option<serve::Server>,
    /// The last good register page served, to keep under an error banner.
    last_register_page: Option<String>,
    /// The input `--out` names in the current evaluation, if it names one: then the report
    /// is not written (a model edited to read its own report file).
    out_is_input: Option<PathBuf>,
}

impl Session {
    fn evaluate(&mut self) -> (Outcome, Vec<PathBuf>, u64) {
        let mut files = DiskFiles::default();
        let outcome = match files.read(&self.settings.model) {
            Err(e) => Outcome::Failed(Diagnostics::from(
                unreadable(&self.settings.model, "the model", &e)
                    .help("waiting for the model file to appear; save it again to re-evaluate"),
            )),
            Ok(file) if crate::assets::is_register(file.text()) => {
                match self.register_report(&mut files, self.settings.format) {
                    Ok((report, warnings)) => {
                        let register_page = match (&self.server, self.settings.format) {
                            (None, _) => None,
                            (Some(_), Format::Html) => Some(report.clone()),
                            (Some(_), _) => self
                                .register_report(&mut files, Format::Html)
                                .ok()
                                .map(|(page, _)| page),
                        };
                        Outcome::Good {
                            evaluation: None,
                            report,
                            register_page,
                            warnings,
                        }
                    }
                    Err(d) => Outcome::Failed(d),
                }
            }
            Ok(file) => match project::load_cached(
                &mut files,
                &file,
                &self.settings.options,
                &mut self.cache,
            )
            .and_then(|(p, mut w)| {
                let e = evaluate::evaluate(&p)?;
                w.extend(evaluate::warnings(&p, &e));
                Ok((e, w))
            }) {
                Ok((evaluation, warnings)) => {
                    let report = report::render(&evaluation, self.settings.format);
                    Outcome::Good {
                        evaluation: Some(Box::new(evaluation)),
                        report,
                        register_page: None,
                        warnings,
                    }
                }
                Err(d) => Outcome::Failed(d),
            },
        };
        let used: Vec<PathBuf> = files.used();
        // Hash the content this evaluation actually read, not what is on disk a moment
        // later: a save landing in between must still count as a change.
        let fingerprint = self.fingerprint_with(&used, &files.seen);
        (outcome, used, fingerprint)
    }

    /// The register's asset list (themes, score and reason of every asset), as `sroi
    /// assets list` prints it in the chosen format.
    fn register_report(
        &self,
        files: &mut DiskFiles,
        format: Format,
    ) -> Result<(String, Diagnostics), Diagnostics> {
        use crate::assets::report::{Command, Filter, Format as AssetFormat, Options};
        let format = match format {
            Format::Table => AssetFormat::Table,
            Format::Json => AssetFormat::Json,
            Format::Csv => AssetFormat::Csv,
            Format::Markdown => AssetFormat::Markdown,
            Format::Html => AssetFormat::Html,
        };
        let options = Options {
            set: self.settings.options.overrides.params.clone(),
            format,
            allow_paths: self.settings.options.allow_paths.clone(),
        };
        crate::assets::report::run_report_with_warnings(
            files,
            &self.settings.model,
            &Command::List(Filter::default()),
            &options,
        )
    }

    /// A hash of the content (or absence) of every file used, and the options, as on disk now.
    fn fingerprint_of(&self, used: &[PathBuf]) -> u64 {
        self.fingerprint_with(used, &std::collections::BTreeMap::new())
    }

    /// As `fingerprint_of`, taking the text from `seen` where a read already returned it.
    fn fingerprint_with(
        &self,
        used: &[PathBuf],
        seen: &std::collections::BTreeMap<PathBuf, Option<std::sync::Arc<str>>>,
    ) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for path in used {
            path.hash(&mut hasher);
            match seen.get(path) {
                Some(text) => text.as_deref().map(str::as_bytes).hash(&mut hasher),
                None => std::fs::read(path).ok().as_deref().hash(&mut hasher),
            }
        }
        if let Some(proxies) = &self.settings.options.proxies {
            proxies.hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Whether the folders to watch for `used` are no longer those being watched: a folder
    /// on a missing file's path appeared (or went) while the watches were being set up, so
    /// no event for it will come.
    fn folders_moved(&self, used: &[PathBuf]) -> bool {
        let mut paths = used.to_vec();
        paths.push(self.settings.model.clone());
        WatchSet::new(paths.iter()).dirs() != self.watched_dirs
    }

    /// Follow exactly the files the last evaluation used (and the model, even if missing).
    fn rewatch(&mut self, watcher: &mut Watcher, used: &[PathBuf], io: &mut Io<'_>) {
        let mut paths = used.to_vec();
        paths.push(self.settings.model.clone());
        self.watching = WatchSet::new(paths.iter());
        let dirs = self.watching.dirs();
        for gone in self.watched_dirs.difference(&dirs) {
            watcher.unwatch(gone);
        }
        for new in dirs.difference(&self.watched_dirs) {
            if let Err(e) = watcher.watch(new) {
                let _ = writeln!(
                    io.stdout,
                    "sroi watch: cannot watch {}: {e}",
                    display_path(new)
                );
            }
        }
        self.watched_dirs = dirs;
    }

    fn show(&mut self, outcome: Outcome, took: Duration, io: &mut Io<'_>) {
        let n = self.evaluations;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let time = status::clock(now);
        let ms = format!("{:.1} ms", took.as_secs_f64() * 1000.0);
        let style = if self.settings.terminal {
            io.style
        } else {
            Style::Plain
        };
        let mut out = String::new();
        match outcome {
            Outcome::Good {
                evaluation,
                report,
                register_page,
                warnings,
            } => {
                if let Some(server) = &self.server {
                    match (&evaluation, register_page) {
                        (Some(e), _) => server.publish(report::html::render(e)),
                        (None, Some(page)) => {
                            server.publish(page.clone());
                            self.last_register_page = Some(page);
                        }
                        (None, None) => {}
                    }
                }
                let before = self.last_good.as_ref().and_then(|(e, _)| e.as_deref());
                let mut line = match &evaluation {
                    Some(now) => {
                        let mut line = format!(
                            "evaluation {n} · {time} · {ms} · {}",
                            status::ratio_change(before, now)
                        );
                        let moved = status::most_changed(before, now, 3);
                        if !moved.is_empty() {
                            line.push_str(&format!(" · changed most: {}", moved.join(", ")));
                        }
                        line
                    }
                    None => format!("evaluation {n} · {time} · {ms} · asset register"),
                };
                if let (Some(out_path), Some(input)) = (&self.settings.out, &self.out_is_input) {
                    let (out, input) = (display_path(out_path), display_path(input));
                    let spelled = if out == input {
                        String::new()
                    } else {
                        format!(" ({input})")
                    };
                    line.push_str(&format!(
                        " · not written to {out}: it is one of the model's inputs{spelled}"
                    ));
                } else if let Some(out_path) = &self.settings.out {
                    let text = match &evaluation {
                        Some(e) => report::render_for_file(e, self.settings.format),
                        None => report.clone(),
                    };
                    if let Err(e) = write_atomically(out_path, &text) {
                        line.push_str(&format!(
                            " · could not write {}: {e}",
                            display_path(out_path)
                        ));
                    }
                }
                let shown = if warnings.is_empty() {
                    String::new()
                } else {
                    diagnostic::render(&warnings, style)
                };
                if self.settings.terminal {
                    // The redraw clears the address printed at the start: keep it in view.
                    line.push_str(&self.serving());
                    out.push_str(&format!("\x1b[H\x1b[2J{report}\n{shown}── {line}\n"));
                } else {
                    out.push_str(&format!("==> {line}\n{shown}{report}"));
                }
                self.last_good = Some((evaluation, report));
                self.last_good_number = n;
            }
            Outcome::Failed(diagnostics) => {
                if let Some(server) = &self.server {
                    server.publish(self.failed_page(&diagnostics));
                }
                let rendered = diagnostic::render(&diagnostics, style);
                if self.settings.terminal {
                    // The errors go where the eye is: at the top of the screen, with the
                    // last good report under them, cut to fit so the top stays in view.
                    let line = format!(
                        "evaluation {n} failed · {time} · {ms} · fix and save to re-evaluate{}",
                        self.serving()
                    );
                    let last = self
                        .last_good
                        .as_ref()
                        .map(|(_, r)| (self.last_good_number, r.as_str()));
                    let rows = crossterm::terminal::size()
                        .ok()
                        .map(|(_, rows)| usize::from(rows))
                        .filter(|rows| *rows > 0);
                    let screen = status::failed_screen(&line, &rendered, last, rows);
                    out.push_str(&format!("\x1b[H\x1b[2J{screen}"));
                } else {
                    let stale = match &self.last_good {
                        Some(_) => format!(
                            "the last good report (evaluation {}) is stale",
                            self.last_good_number
                        ),
                        None => "no good report yet".to_owned(),
                    };
                    let line = format!(
                        "evaluation {n} failed · {time} · {ms} · {stale}; fix and save to re-evaluate"
                    );
                    out.push_str(&format!("==> {line}\n{rendered}"));
                }
            }
        }
        let _ = io.stdout.write_all(out.as_bytes());
        let _ = io.stdout.flush();
    }
}

impl Session {
    /// ` · serving http://ADDR/` when serving, for the terminal's status line.
    fn serving(&self) -> String {
        self.server
            .as_ref()
            .map(|s| format!(" · serving http://{}/", s.addr()))
            .unwrap_or_default()
    }

    /// The served page after a failed evaluation: the errors above the last good figures.
    fn failed_page(&self, diagnostics: &Diagnostics) -> String {
        let errors = diagnostic::render(diagnostics, Style::Plain);
        match self.last_good.as_ref().and_then(|(e, _)| e.as_deref()) {
            Some(e) => report::html::render_with_error(e, &errors),
            None if self.last_register_page.is_some() => serve::with_banner(
                self.last_register_page.as_deref().unwrap_or_default(),
                "The latest evaluation failed; the list below is the last good one.",
                &errors,
            ),
            None => serve::message_page(
                "sroi watch: evaluation failed",
                &format!("The latest evaluation failed; fix and save to re-evaluate.\n\n{errors}"),
            ),
        }
    }
}

/// Write `text` to `path` whole (see `atomic::write`).
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    crate::atomic::write(path, text.as_bytes())
}

/// Run a watch session until Ctrl-C (exit 0).
pub fn run(settings: Settings, io: &mut Io<'_>) -> i32 {
    // Opt-in: SROI_WATCH_TRACE=1 prints every file event and whether it concerns us.
    let trace = std::env::var_os("SROI_WATCH_TRACE").is_some();
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    // Only one handler per process; a second session in the same process keeps the first.
    let _ = ctrlc::set_handler(move || {
        let _ = stop.send(Message::Stop);
    });
    let mut watcher = match Watcher::new(&settings, tx) {
        Ok(w) => w,
        Err(e) => {
            io.report(&Diagnostics::from(
                Diagnostic::error(format!("cannot start watching files: {e}"))
                    .code("sroi::watch")
                    .help("try `--poll`"),
            ));
            return EXIT_INVALID;
        }
    };
    let server = match settings.serve.map(serve::Server::start).transpose() {
        Ok(server) => server,
        Err(e) => {
            io.report(&Diagnostics::from(
                Diagnostic::error(format!("cannot serve the report: {e}"))
                    .code("sroi::watch")
                    .help("choose another address or port, or leave ADDR out to let the system pick a free port"),
            ));
            return EXIT_INVALID;
        }
    };
    if let Some(server) = &server {
        // One line a script can read, on both streams: stdout may be redrawn on a terminal.
        let line = format!("sroi watch: serving http://{}/", server.addr());
        let _ = writeln!(io.stdout, "{line}");
        let _ = io.stdout.flush();
        let _ = writeln!(io.stderr, "{line}");
    }
    let mut session = Session {
        settings,
        cache: LoadCache::default(),
        last_good: None,
        last_good_number: 0,
        evaluations: 0,
        watching: WatchSet::default(),
        watched_dirs: Default::default(),
        fingerprint: None,
        server,
        last_register_page: None,
        out_is_input: None,
    };
    loop {
        let started = Instant::now();
        let (outcome, used, fingerprint) = session.evaluate();
        let took = started.elapsed();
        // Every evaluation is numbered, shown or not, so a log shows when one was skipped.
        session.evaluations = session.evaluations.saturating_add(1);
        session.out_is_input = session.settings.out.as_deref().and_then(|out| {
            let model = [session.settings.model.clone()];
            crate::overwrite::input_named_by(out, used.iter().chain(&model)).cloned()
        });
        if let (Some(out), Some(input), 1) = (
            &session.settings.out,
            &session.out_is_input,
            session.evaluations,
        ) {
            // Known from the start: the command line itself is wrong, before anything is written.
            io.report(&Diagnostics::from(crate::overwrite::refusal(
                "--out",
                out,
                input,
                crate::overwrite::MODEL_INPUT,
            )));
            return EXIT_USAGE;
        }
        let unchanged =
            session.fingerprint == Some(fingerprint) && matches!(outcome, Outcome::Good { .. });
        if !unchanged {
            session.show(outcome, took, io);
        }
        session.fingerprint = Some(fingerprint);
        session.rewatch(&mut watcher, &used, io);
        // A file that changed while a newly watched folder was being set up (a folder that
        // has just appeared, say) sends no event: look once more before waiting.
        if session.fingerprint_of(&used) != fingerprint || session.folders_moved(&used) {
            continue;
        }
        // Wait for a change to a file the evaluation used; ignore everything else
        // (editor swap files, backups, our own --out file).
        loop {
            match rx.recv() {
                Ok(Message::Stop) | Err(_) => return 0,
                Ok(Message::Changed(paths)) => {
                    if trace {
                        for p in &paths {
                            eprintln!(
                                "sroi watch trace: {} (watched: {})",
                                p.display(),
                                session.watching.contains(p)
                            );
                        }
                    }
                    if paths.iter().any(|p| session.watching.contains(p)) {
                        break;
                    }
                }
                Ok(Message::WatchFailed(e)) => {
                    let _ = writeln!(
                        io.stdout,
                        "sroi watch: watching failed: {e}; still waiting for changes"
                    );
                }
            }
        }
    }
}
