//! The project a YAML file's paths are confined to. A path written inside a model, a
//! proxy set, a deflator reference or an asset register (`data:`, `script:`, `proxies:`,
//! `extends:`, `deflator:`, `assets:` …) must resolve, links followed, inside the
//! project: the folder holding the file's folder (for `models/x.yaml`, the repository),
//! or, for a proxy set named on the command line, that set's own folder, widened by every
//! `--allow-path DIR`. A file anyone can send must not be able to make sroi read, and
//! then quote, `/etc/shadow` or `~/.ssh/id_rsa`.
//!
//! The check itself is `source::confine`; this module only decides the folders and words
//! the refusal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile, Span, display_path};
use crate::source::{Confinement, Loader, confine, dir_of};

/// Whose paths these are: it decides the project folder and how messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A model (and the proxy sets it names): the project is the folder holding its folder.
    Model,
    /// An asset register: as a model.
    Register,
    /// A proxy set named by path on the command line: the project is its own folder.
    CommandLineSet,
}

impl Owner {
    fn writer(self) -> &'static str {
        match self {
            Owner::Model => "a model, its proxy sets and deflator",
            Owner::Register => "a register",
            Owner::CommandLineSet => "a proxy set named on the command line",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Owner::Model => "the folder holding the model's folder",
            Owner::Register => "the folder holding the register's folder",
            Owner::CommandLineSet => "the proxy set's own folder",
        }
    }
}

/// The folders paths written in one file may reach.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Roots {
    /// Canonical folders: the project, then each `--allow-path`.
    folders: Vec<PathBuf>,
    /// The project folder as the user's own paths name it, for messages.
    shown: String,
    owner: Owner,
    /// `--allow-path` folders as given, for messages.
    allowed: Vec<String>,
}

impl Roots {
    /// The project of the file at `file` (as named on the command line or reached from
    /// it), widened by the `allowed` folders (`--allow-path`).
    pub fn of(loader: &dyn Loader, file: &Path, owner: Owner, allowed: &[PathBuf]) -> Roots {
        let dir = dir_of(file);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let (project, canonical) = match owner {
            Owner::Model | Owner::Register => {
                let canonical = loader
                    .canonicalize(&dir)
                    .ok()
                    .map(|d| d.parent().map_or_else(|| d.clone(), Path::to_path_buf));
                (dir.join(".."), canonical)
            }
            Owner::CommandLineSet => (dir.clone(), loader.canonicalize(&dir).ok()),
        };
        let shown = match display_path(&project) {
            s if s.is_empty() => ".".to_owned(),
            s => s,
        };
        let mut folders: Vec<PathBuf> = canonical.into_iter().collect();
        let mut shown_allowed = Vec::new();
        for a in allowed {
            // A folder that does not exist widens nothing; the refusal says so.
            match loader.canonicalize(a) {
                Ok(real) => {
                    folders.push(real);
                    shown_allowed.push(display_path(a));
                }
                Err(_) => shown_allowed.push(format!("{} (no such folder)", display_path(a))),
            }
        }
        Roots {
            folders,
            shown,
            owner,
            allowed: shown_allowed,
        }
    }

    /// The canonical folders paths may reach, each once and none inside another: what
    /// decides whether a path is allowed (two `Roots` with the same reach allow the same
    /// paths, however their messages name them).
    pub fn reach(&self) -> Vec<PathBuf> {
        let mut folders = self.folders.clone();
        folders.sort();
        folders.dedup();
        let all = folders.clone();
        folders.retain(|f| !all.iter().any(|g| g != f && f.starts_with(g)));
        folders
    }

    /// The project folder, as the user's paths name it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Where `written` (relative to `base`, the folder of the file it is written in)
    /// points, if it stays inside; otherwise whether it leaves (`Outside`) or, inside,
    /// names nothing (`Missing`, for the reader to report with its own suggestions).
    pub fn check(
        &self,
        loader: &dyn Loader,
        base: &Path,
        written: &Path,
    ) -> Result<PathBuf, Confinement> {
        confine(loader, &self.folders, base, written)
    }

    /// `Err` with the located refusal when `written` leaves the project; a missing file
    /// passes, for its reader to report.
    pub fn refuse_outside(
        &self,
        loader: &dyn Loader,
        base: &Path,
        written: &Path,
        at: (&Arc<SourceFile>, Span),
        what: &str,
    ) -> Result<(), Diagnostic> {
        match self.check(loader, base, written) {
            Err(Confinement::Outside) => Err(self
                .refusal(&written.to_string_lossy(), what)
                .at(at.0, at.1)),
            Ok(_) | Err(Confinement::Missing) => Ok(()),
        }
    }

    /// Why a path that leaves the project is refused, to follow the path as written.
    pub fn outside(&self) -> String {
        let widened = if self.allowed.is_empty() {
            String::new()
        } else {
            format!(" or --allow-path {}", self.allowed.join(", "))
        };
        format!(
            "is outside the project folder `{}`{widened}, so sroi will not read it",
            self.shown
        )
    }

    /// The refusal of a path that leaves the project. It never says whether the target
    /// exists, let alone what it holds.
    pub fn refusal(&self, written: &str, what: &str) -> Diagnostic {
        Diagnostic::error(format!("`{written}` ({what}) {}", self.outside()))
        .code("sroi::path")
        .label("leaves the project")
        .help(format!(
            "paths written in {} must stay inside the project folder `{}` ({}), links followed: \
             move the file into it, or widen the project with `--allow-path DIR`",
            self.owner.writer(),
            self.shown,
            self.owner.describe()
        ))
    }
}

/// Whether `written` ends in one of `extensions` (ASCII case ignored): a path written in
/// YAML must name a file of the kind its key says before sroi reads it, since reading it
/// as that kind would quote its lines in the error.
pub fn has_extension(written: &Path, extensions: &[&str]) -> bool {
    written
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Whether `text` is an sroi YAML file: it has a top-level `sroi:` line, as every model,
/// proxy set and deflator series does. A file that is not (a CSV, `.env`, a key) is never
/// parsed as one, so none of its lines is quoted in an error.
pub fn is_sroi_yaml(text: &str) -> bool {
    text.lines()
        .map(|l| l.trim_end())
        .any(|l| l == "sroi:" || l.starts_with("sroi: ") || l.starts_with("\"sroi\":"))
}

/// The refusal of a file that is not of the kind its key names, at the path written in
/// the user's own file; nothing of the file is shown.
pub fn not_a(written: &str, what: &str, kind: &str, at: (&Arc<SourceFile>, Span)) -> Diagnostic {
    Diagnostic::error(format!(
        "`{written}` ({what}) is not {kind}, so sroi will not use it"
    ))
    .code("sroi::path")
    .at(at.0, at.1)
    .label("not the right kind of file")
    .help(match kind {
        k if k.contains("Rhai") => "name the model's Rhai script, a `.rhai` file".to_owned(),
        k if k.contains("CSV") => "name a CSV table, a `.csv` file".to_owned(),
        _ => format!("name {kind}; such a file starts with `sroi: 1`"),
    })
}
