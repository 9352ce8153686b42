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

/// Where bytes come from: the one place that touches storage. Every file sroi reads
/// (models, proxy sets, deflators, scripts, imported modules, tables) goes through a
/// `Loader`, so its checks (regular files only, size before reading) hold everywhere,
/// and tests can run on files held in memory.
pub trait Loader: Send + Sync {
    /// The bytes of the regular file at `path`, refused when larger than `limit`.
    fn load(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;
    /// The names in a folder (for "did you mean" listings, not for reading).
    fn list_dir(&self, dir: &Path) -> Vec<String>;
    /// The path with links followed, to check where a file really is.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// The size of the regular file at `path` (anything else is refused).
    fn size(&self, path: &Path) -> io::Result<u64> {
        self.load(path, u64::MAX)
            .map(|b| u64::try_from(b.len()).unwrap_or(u64::MAX))
    }
    /// A reader over the regular file at `path`, refused when larger than `limit` and never
    /// reading past it: for evidence tables too large to hold as text.
    fn open(&self, path: &Path, limit: u64) -> io::Result<Box<dyn io::Read + Send>> {
        Ok(Box::new(io::Cursor::new(self.load(path, limit)?)))
    }
}

/// Files on disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskLoader;

impl Loader for DiskLoader {
    fn load(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        use std::io::Read;
        // Look before opening: opening a pipe for reading blocks until a writer comes.
        regular_file(&std::fs::metadata(path)?, limit)?;
        let file = std::fs::File::open(path)?;
        // And look again at what was opened, in case the path was swapped meanwhile.
        let meta = file.metadata()?;
        regular_file(&meta, limit)?;
        // The size can change after the check: never read more than the limit.
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(io::Error::other(format!(
                "it grew past {limit} bytes while being read"
            )));
        }
        Ok(bytes)
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
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

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn size(&self, path: &Path) -> io::Result<u64> {
        let meta = std::fs::metadata(path)?;
        regular_file(&meta, u64::MAX)?;
        Ok(meta.len())
    }

    fn open(&self, path: &Path, limit: u64) -> io::Result<Box<dyn io::Read + Send>> {
        use std::io::Read;
        regular_file(&std::fs::metadata(path)?, limit)?;
        let file = std::fs::File::open(path)?;
        regular_file(&file.metadata()?, limit)?;
        Ok(Box::new(
            io::BufReader::with_capacity(1 << 16, file).take(limit.saturating_add(1)),
        ))
    }
}

/// Refuse what is not a regular file of at most `limit` bytes.
fn regular_file(meta: &std::fs::Metadata, limit: u64) -> io::Result<()> {
    if meta.is_dir() {
        return Err(io::Error::other("it is a directory, not a file"));
    }
    if !meta.is_file() {
        return Err(io::Error::other(
            "it is not a regular file (a device, pipe or socket); sroi reads only regular files",
        ));
    }
    if meta.len() > limit {
        return Err(io::Error::other(format!(
            "it is {} bytes; sroi reads files of at most {limit} bytes here",
            meta.len()
        )));
    }
    Ok(())
}

/// Files held in memory, by path: for tests, and for tools that embed sroi.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    pub files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryLoader {
    pub fn with(mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), bytes.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn load(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let bytes = self
            .files
            .get(&lexical(path))
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(io::Error::other(format!(
                "it is {} bytes; sroi reads files of at most {limit} bytes here",
                bytes.len()
            )));
        }
        Ok(bytes.clone())
    }

    fn list_dir(&self, dir: &Path) -> Vec<String> {
        let dir = lexical(dir);
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect()
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let path = lexical(path);
        let is_dir = self.files.keys().any(|p| p.starts_with(&path));
        if is_dir {
            Ok(path)
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    }
}

/// `a/./b/../c` as `a/c`, for paths that name no real file system.
fn lexical(path: &Path) -> PathBuf {
    PathBuf::from(crate::diagnostic::display_path(path))
}

/// How a load reads files: through a `Loader`, decoding text and recording every path
/// read with what it gave.
pub trait Files {
    fn read(&mut self, path: &Path) -> io::Result<Arc<SourceFile>>;
    /// The names in a folder (for "did you mean" listings, not for reading).
    fn list_dir(&mut self, dir: &Path) -> Vec<String>;
    /// Where other readers should note the paths they use, if anyone is listening.
    fn recorder(&self) -> Option<Recorder> {
        None
    }
    /// The loader behind it, for readers that run elsewhere (the module resolver).
    fn loader(&self) -> Arc<dyn Loader>;
}

/// Reads through a loader (the disk by default), with a record of what was read (each
/// path with the text it gave).
pub struct DiskFiles {
    loader: Arc<dyn Loader>,
    /// Paths used by readers that do not go through `read` (imported script modules).
    pub others: Recorder,
    /// The text each read returned (`None`: it could not be read), so watch mode knows
    /// exactly which content an evaluation saw.
    pub seen: std::collections::BTreeMap<PathBuf, Option<Arc<str>>>,
}

impl Default for DiskFiles {
    fn default() -> Self {
        DiskFiles::new(Arc::new(DiskLoader))
    }
}

impl std::fmt::Debug for DiskFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskFiles")
            .field("seen", &self.seen.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl DiskFiles {
    /// Read through `loader` (e.g. a `MemoryLoader` in tests).
    pub fn new(loader: Arc<dyn Loader>) -> Self {
        DiskFiles {
            loader,
            others: Recorder::default(),
            seen: std::collections::BTreeMap::new(),
        }
    }

    /// Every path read or looked for, by any reader.
    pub fn used(&self) -> Vec<PathBuf> {
        let mut all: BTreeSet<PathBuf> = self.seen.keys().cloned().collect();
        if let Ok(others) = self.others.lock() {
            all.extend(others.iter().cloned());
        }
        all.into_iter().collect()
    }
}

/// Largest model, proxy set, deflator or script sroi will read. Models are a few
/// kilobytes; this guards against a path that points at something enormous by mistake.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl Files for DiskFiles {
    fn read(&mut self, path: &Path) -> io::Result<Arc<SourceFile>> {
        let result = read_text(self.loader.as_ref(), path);
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
        self.loader.list_dir(dir)
    }

    fn loader(&self) -> Arc<dyn Loader> {
        Arc::clone(&self.loader)
    }
}

/// Read one file as UTF-8 text through `loader`, within `MAX_FILE_BYTES`.
pub fn read_text(loader: &dyn Loader, path: &Path) -> io::Result<Arc<SourceFile>> {
    let bytes = loader.load(path, MAX_FILE_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        io::Error::other(format!(
            "it is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile::new(path, text))
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

/// Why a path written inside a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confinement {
    /// It leaves every allowed folder: by `..`, an absolute path or a link.
    Outside,
    /// It stays inside but names nothing.
    Missing,
}

/// Check that `path` (relative paths taken from `base`, a folder) stays inside one of
/// `roots` (canonical folders), links followed: a path that leaves is refused for that
/// whether or not its target exists (a missing target is judged by where its deepest
/// existing folder really is, plus the steps written after it), and one that stays
/// inside but names nothing is `Missing`. Returns the path to read.
pub fn confine(
    loader: &dyn Loader,
    roots: &[PathBuf],
    base: &Path,
    path: &Path,
) -> Result<PathBuf, Confinement> {
    let joined = base.join(path);
    let inside = |p: &Path| roots.iter().any(|r| p.starts_with(r));
    // The folder it is written in, with links followed, then the written steps on top.
    let base_real = loader
        .canonicalize(if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        })
        .map_err(|_| Confinement::Missing)?;
    if !inside(&landing(loader, &base_real.join(path))) {
        return Err(Confinement::Outside);
    }
    let real = loader
        .canonicalize(&joined)
        .map_err(|_| Confinement::Missing)?;
    if !inside(&real) {
        return Err(Confinement::Outside);
    }
    Ok(joined)
}

/// Where `path` lands: its deepest existing ancestor with links followed, then the steps
/// after it folded as written. For an existing file, its real path. (An absolute path
/// through a link into the project lands inside; `link/../x` lands beside the link's
/// target, as the kernel would take it.)
fn landing(loader: &dyn Loader, path: &Path) -> PathBuf {
    let parts: Vec<std::path::Component<'_>> = path.components().collect();
    for cut in (1..=parts.len()).rev() {
        let (head, tail) = parts.split_at(cut);
        let head: PathBuf = head.iter().collect();
        if let Ok(mut real) = loader.canonicalize(&head) {
            real.extend(tail);
            return normalise(&real);
        }
    }
    normalise(path)
}

/// `/a/./b/../c` as `/a/c`, without touching the file system (`..` at the root stays at
/// the root, as the kernel does).
fn normalise(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let above = matches!(out.components().next_back(), Some(Component::ParentDir));
                if above || (!out.pop() && !out.has_root()) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn folding_keeps_leading_steps_up_and_stops_at_the_root() {
        assert_eq!(normalise(Path::new("a/./b/../c")), Path::new("a/c"));
        assert_eq!(normalise(Path::new("../../x")), Path::new("../../x"));
        assert_eq!(normalise(Path::new("a/../../x")), Path::new("../x"));
        assert_eq!(normalise(Path::new("/../../etc")), Path::new("/etc"));
    }

    #[cfg(unix)]
    #[test]
    fn confinement_follows_links_whether_or_not_the_target_exists() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(dir.path()).unwrap();
        let (project, outside) = (top.join("project"), top.join("outside"));
        std::fs::create_dir_all(project.join("models")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(project.join("models/in.csv"), "a\n").unwrap();
        std::fs::write(outside.join("out.csv"), "a\n").unwrap();
        symlink(&outside, project.join("models/far")).unwrap();
        symlink(&project, top.join("alias")).unwrap();
        let roots = [project.clone()];
        let base = project.join("models");
        let check = |p: &str| confine(&DiskLoader, &roots, &base, Path::new(p));
        assert_eq!(check("in.csv"), Ok(base.join("in.csv")));
        assert_eq!(check("none.csv"), Err(Confinement::Missing));
        assert_eq!(check("../../outside/out.csv"), Err(Confinement::Outside));
        assert_eq!(
            check("../../../../../nowhere.csv"),
            Err(Confinement::Outside)
        );
        assert_eq!(check("far/out.csv"), Err(Confinement::Outside));
        // Missing, but its folder is really outside: refused as leaving, not as missing.
        assert_eq!(check("far/none.csv"), Err(Confinement::Outside));
        assert_eq!(check("far/../none.csv"), Err(Confinement::Outside));
        // An absolute path through a link that lands inside the project is inside.
        let aliased = top.join("alias/models/in.csv");
        assert!(check(aliased.to_str().unwrap()).is_ok());
        let aliased_missing = top.join("alias/models/none.csv");
        assert_eq!(
            check(aliased_missing.to_str().unwrap()),
            Err(Confinement::Missing)
        );
        // A second root widens it.
        let widened = [project.clone(), outside.clone()];
        assert!(confine(&DiskLoader, &widened, &base, Path::new("far/out.csv")).is_ok());
    }
}
