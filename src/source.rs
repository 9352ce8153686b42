//! Reading the files a model uses, through one trait so that evaluation never touches
//! storage directly. The disk loader records every file it read: watch mode watches
//! exactly those.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diagnostic::{Diagnostic, SourceFile};

/// Paths read (or looked for) outside `Files::read`, e.g. by the script host's module
/// resolver, which runs inside the Rhai engine.
pub type Recorder = Arc<Mutex<BTreeSet<PathBuf>>>;

/// Where model, proxy, script and data files come from.
pub trait Files {
    fn read(&mut self, path: &Path) -> io::Result<Arc<SourceFile>>;
    /// The names in a folder (for "did you mean" listings, not for reading).
    fn list_dir(&mut self, dir: &Path) -> Vec<String>;
    /// Where other readers should note the paths they use, if anyone is listening.
    fn recorder(&self) -> Option<Recorder> {
        None
    }
}

/// Files on disk, with a record of what was read (each path with the text it gave).
#[derive(Debug, Default)]
pub struct DiskFiles {
    /// Paths used by readers that do not go through `read` (imported script modules).
    pub others: Recorder,
    /// The text each read returned (`None`: it could not be read), so watch mode knows
    /// exactly which content an evaluation saw.
    pub seen: std::collections::BTreeMap<PathBuf, Option<Arc<str>>>,
}

impl DiskFiles {
    /// Every path read or looked for, by any reader.
    pub fn used(&self) -> Vec<PathBuf> {
        let mut all: BTreeSet<PathBuf> = self.seen.keys().cloned().collect();
        if let Ok(others) = self.others.lock() {
            all.extend(others.iter().cloned());
        }
        all.into_iter().collect()
    }
}

/// Largest file sroi will read. Models are a few kilobytes; this guards against a path
/// that points at something enormous by mistake.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl Files for DiskFiles {
    fn read(&mut self, path: &Path) -> io::Result<Arc<SourceFile>> {
        let result = read_file(path);
        self.seen.insert(
            path.to_path_buf(),
            result.as_ref().ok().map(|f| Arc::from(f.text())),
        );
        result
    }

    fn recorder(&self) -> Option<Recorder> {
        Some(Arc::clone(&self.others))
    }

    fn list_dir(&mut self, dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// A diagnostic for a file that could not be read.
pub fn unreadable(path: &Path, what: &str, err: &io::Error) -> Diagnostic {
    let reason = match err.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    };
    Diagnostic::error(format!("cannot read {what}: {reason}"))
        .code("sroi::file")
        .in_file(path)
}

/// The directory holding `file`, for resolving relative paths written inside it.
pub fn dir_of(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Read one file as text, refusing folders, huge files and non-UTF-8.
fn read_file(path: &Path) -> io::Result<Arc<SourceFile>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::other("it is a directory, not a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(io::Error::other(format!(
            "it is {} bytes; sroi reads files of at most {MAX_FILE_BYTES} bytes",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        io::Error::other(format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile::new(path, text))
}
