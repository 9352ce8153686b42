//! Paths written in a register: relative to the register's folder, and confined to the
//! project (the folder that holds the register's folder), so a register can never make
//! sroi read a file outside it, nor show such a file's content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::source::{Confinement, Loader, confine, dir_of};

/// A table named in the register: the resolved file and, for xlsx and GeoPackage, the
/// sheet or layer after `#`.
#[derive(Debug, Clone)]
pub struct TableTarget {
    pub path: PathBuf,
    pub part: Option<String>,
    /// As written in the register, for messages.
    pub written: String,
    pub file: Arc<SourceFile>,
    pub span: Span,
}

/// Resolves paths written in the register, relative to its folder and confined to the
/// project: the folder that holds the register's folder.
pub struct Resolver {
    loader: Arc<dyn Loader>,
    dir: PathBuf,
    project: Option<PathBuf>,
    file: Arc<SourceFile>,
}

impl Resolver {
    pub fn new(loader: Arc<dyn Loader>, register: &Path, file: &Arc<SourceFile>) -> Self {
        let dir = dir_of(register);
        let base = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        let project = loader
            .canonicalize(&base)
            .ok()
            .map(|d| d.parent().map_or(d.clone(), Path::to_path_buf));
        Resolver {
            loader,
            dir,
            project,
            file: Arc::clone(file),
        }
    }

    /// The path, if it names an existing file inside the project; otherwise why not.
    /// (Reading it refuses anything but a regular file.)
    fn check(&self, written: &str) -> Result<PathBuf, String> {
        let roots: Vec<PathBuf> = self.project.iter().cloned().collect();
        let base = if self.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            self.dir.as_path()
        };
        if roots.is_empty() {
            // The register's own folder could not be resolved: nothing to confine to.
            let path = self.dir.join(written);
            return match self.loader.canonicalize(&path) {
                Ok(_) => Ok(path),
                Err(_) => Err(self.missing(&path)),
            };
        }
        confine(self.loader.as_ref(), &roots, base, Path::new(written))
            .map(|_| self.dir.join(written))
            .map_err(|why| match why {
            Confinement::Outside => "resolves outside the project (the folder holding the register's folder), so sroi will not read it".to_owned(),
            Confinement::Missing => self.missing(&self.dir.join(written)),
        })
    }

    fn missing(&self, path: &Path) -> String {
        format!(
            "does not exist (looked for {})",
            crate::diagnostic::display_path(path)
        )
    }

    /// For a `model` cell: `Ok` or why not.
    pub fn existing(&self, written: &str) -> Result<PathBuf, String> {
        self.check(written)
    }

    pub fn resolve(&self, written: &str, span: Span) -> Result<PathBuf, Diagnostic> {
        self.check(written).map_err(|why| {
            Diagnostic::error(format!("`{written}` {why}"))
                .at(&self.file, span)
                .help("paths are relative to the register's folder and must stay inside the project (the folder holding the register's folder)")
        })
    }

    /// `data/assets.csv`, `data/assets.xlsx#Sheet1` or `data/assets.gpkg#assets`.
    pub fn table(&self, written: &str, span: Span) -> Result<TableTarget, Diagnostic> {
        // Only workbooks and GeoPackages have parts; a CSV name may itself contain `#`.
        let has_parts = |f: &str| {
            let f = f.to_ascii_lowercase();
            [".gpkg", ".xlsx", ".xlsm", ".xls", ".ods"]
                .iter()
                .any(|e| f.ends_with(e))
        };
        let (file_part, part) = match written.rsplit_once('#') {
            Some((f, p)) if !p.is_empty() && has_parts(f) => (f, Some(p.to_owned())),
            _ => (written, None),
        };
        let path = self.resolve(file_part, span)?;
        Ok(TableTarget {
            path,
            part,
            written: written.to_owned(),
            file: Arc::clone(&self.file),
            span,
        })
    }
}
