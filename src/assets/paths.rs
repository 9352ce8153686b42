//! Paths written in a register: relative to the register's folder, and confined to the
//! project (the folder that holds the register's folder), so a register can never make
//! sroi read a file outside it, nor show such a file's content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::project::roots::{Owner, Roots};
use crate::source::{Confinement, Loader, dir_of};

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
/// project: the folder that holds the register's folder, widened by `--allow-path`.
pub struct Resolver {
    loader: Arc<dyn Loader>,
    dir: PathBuf,
    roots: Roots,
    file: Arc<SourceFile>,
}

impl Resolver {
    pub fn new(
        loader: Arc<dyn Loader>,
        register: &Path,
        file: &Arc<SourceFile>,
        allowed: &[PathBuf],
    ) -> Self {
        let roots = Roots::of(loader.as_ref(), register, Owner::Register, allowed);
        Resolver {
            loader,
            dir: dir_of(register),
            roots,
            file: Arc::clone(file),
        }
    }

    /// The path, if it names an existing file inside the project; otherwise why not.
    /// (Reading it refuses anything but a regular file.)
    fn check(&self, written: &str) -> Result<PathBuf, Confinement> {
        self.roots
            .check(self.loader.as_ref(), &self.dir, Path::new(written))
            .map(|_| self.dir.join(written))
    }

    /// The project the register's paths are confined to.
    pub fn roots(&self) -> &Roots {
        &self.roots
    }

    /// For a `model` cell: `Ok` or why not (to follow the cell as written).
    pub fn existing(&self, written: &str) -> Result<PathBuf, String> {
        self.check(written).map_err(|why| match why {
            Confinement::Missing => format!(
                "does not exist (looked for {})",
                crate::diagnostic::display_path(&self.dir.join(written))
            ),
            Confinement::Outside => self.roots.outside(),
        })
    }

    /// `what` names the key it is written under, for the refusal.
    pub fn resolve(&self, written: &str, span: Span, what: &str) -> Result<PathBuf, Diagnostic> {
        self.check(written).map_err(|why| match why {
            Confinement::Outside => self
                .roots
                .refusal(written, what)
                .at(&self.file, span),
            Confinement::Missing => Diagnostic::error(format!(
                "`{written}` does not exist (looked for {})",
                crate::diagnostic::display_path(&self.dir.join(written))
            ))
            .at(&self.file, span)
            .help("paths are relative to the register's folder and must stay inside the project (the folder holding the register's folder)"),
        })
    }

    /// `data/assets.csv`, `data/assets.xlsx#Sheet1` or `data/assets.gpkg#assets`.
    pub fn table(&self, written: &str, span: Span, what: &str) -> Result<TableTarget, Diagnostic> {
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
        let path = self.resolve(file_part, span, what)?;
        Ok(TableTarget {
            path,
            part,
            written: written.to_owned(),
            file: Arc::clone(&self.file),
            span,
        })
    }
}
