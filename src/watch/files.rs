//! Which files a watch session follows, and how to compare event paths with them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use notify::EventKind;
use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};

/// A path in a form events can be compared with: its folder resolved (links and `..`),
/// then its file name. Works for files that do not exist (yet).
pub fn key(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let (Some(dir), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return absolute;
    };
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .join(name)
}

/// Events that mean a file's content may have changed. Reads (sroi's own included) and
/// metadata-only changes are not.
pub fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        // A new modification time is how the polling watcher reports an edit (and how
        // inotify reports `touch`); other metadata (access time, permissions) is not.
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime | MetadataKind::Any)) => {
            true
        }
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Any
        | EventKind::Other => true,
    }
}

/// The files the last evaluation used, and the folders that hold them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WatchSet {
    pub files: BTreeSet<PathBuf>,
}

impl WatchSet {
    /// The files themselves and, for a file reached through links, every link on the way
    /// and the file it ends at: an edit to the target (in another folder) is an edit to
    /// the model, and so is pointing the link elsewhere.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Self {
        WatchSet {
            files: paths.into_iter().flat_map(|p| link_chain(p)).collect(),
        }
    }

    /// Folders to watch: a watch on a single file dies with the first atomic save, a watch
    /// on its folder does not.
    pub fn dirs(&self) -> BTreeSet<PathBuf> {
        self.files
            .iter()
            .filter_map(|f| f.parent())
            .map(nearest_existing)
            .collect()
    }

    /// Whether an event on `event_path` concerns a watched file: the file itself, or a
    /// folder on its path: one that was missing and has just been created, or one that has
    /// just been removed (deleting a folder gives one event, for the folder, not one per file).
    pub fn contains(&self, event_path: &Path) -> bool {
        let k = key(event_path);
        self.files.contains(&k) || self.files.iter().any(|f| f != &k && f.starts_with(&k))
    }
}

/// Most links followed from one path: the system's own limit (Linux's `MAXSYMLINKS`), so a
/// loop of links ends.
const MAX_LINKS: usize = 40;

/// `key(path)`, then, while that names a link, the key of what it points at.
fn link_chain(path: &Path) -> Vec<PathBuf> {
    let mut chain = vec![key(path)];
    while chain.len() <= MAX_LINKS {
        let Some(last) = chain.last() else { break };
        let Ok(target) = std::fs::read_link(last) else {
            break;
        };
        // A relative target is relative to the link's folder.
        let next = match last.parent() {
            Some(dir) => key(&dir.join(target)),
            None => key(&target),
        };
        if chain.contains(&next) {
            break;
        }
        chain.push(next);
    }
    chain
}

/// The folder itself, or its nearest ancestor that exists (to wait for a folder to appear).
fn nearest_existing(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|a| a.is_dir())
        .unwrap_or(dir)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange};

    #[test]
    fn only_content_changes_count() {
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Data(
            DataChange::Content
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Read
        ))));
        assert!(!is_change(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::AccessTime
        ))));
    }

    #[test]
    fn a_relative_and_an_absolute_path_to_one_file_match() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.yaml");
        let set = WatchSet::new([&file]);
        assert!(set.contains(&dir.path().join("./m.yaml")));
        assert!(!set.contains(&dir.path().join("m.yaml.swp")));
        assert!(!set.contains(&dir.path().join("m.yaml~")));
        assert_eq!(set.dirs().len(), 1);
    }
}
