//! `sroi init DIR`: a starter project that runs and checks on its own, anywhere: a model,
//! its script, an illustrative evidence table, a copy of the shipped UK proxy set and a
//! README with the command that runs it. Never overwrites a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_INVALID, Io, emit};
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};

/// The shipped UK proxy set, carried by the binary so a starter works outside this
/// repository; copied whole, every proxy with its source.
const UK_PROXIES: &str = include_str!("../../models/proxies/uk.yaml");
const MODEL: &str = include_str!("init/model.yaml");
const SCRIPT: &str = include_str!("init/script.rhai");
const SURVEY: &str = include_str!("init/survey.csv");
const README: &str = include_str!("init/README.md");

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write the project into (created if missing; existing files are never overwritten).
    pub dir: PathBuf,
    /// The model's id ([a-z0-9-]+), also the name of its files. Default: from DIR's name.
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub id: Option<String>,
}

fn parse_id(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an id: use lower-case letters, digits and `-`, e.g. `--id {}`",
            id_from(text)
        ))
    }
}

/// An id made from a folder name: `My Project` → `my-project`; `my-programme` when
/// nothing usable is left.
fn id_from(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_matches('-');
    if id.is_empty() {
        "my-programme".to_owned()
    } else {
        id.to_owned()
    }
}

/// `wellbeing-project` → `Wellbeing project`.
fn title(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The files of a starter project, relative to its folder, with their text.
pub fn files(id: &str) -> Vec<(PathBuf, String)> {
    let fill = |text: &str| text.replace("__ID__", id).replace("__NAME__", &title(id));
    vec![
        (PathBuf::from(format!("models/{id}.yaml")), fill(MODEL)),
        (PathBuf::from(format!("scripts/{id}.rhai")), fill(SCRIPT)),
        (
            PathBuf::from(format!("models/data/{id}-survey.csv")),
            SURVEY.to_owned(),
        ),
        (
            PathBuf::from("models/proxies/uk.yaml"),
            UK_PROXIES.to_owned(),
        ),
        (PathBuf::from("README.md"), fill(README)),
    ]
}

pub fn init(args: &InitArgs, io: &mut Io<'_>) -> i32 {
    let dir = &args.dir;
    let id = args.id.clone().unwrap_or_else(|| {
        let name = std::path::absolute(dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        id_from(&name)
    });
    if dir.exists() && !dir.is_dir() {
        io.report(&Diagnostics::from(
            Diagnostic::error(format!("{} is a file, not a folder", display_path(dir)))
                .help("name a new or empty folder for the project, e.g. `sroi init my-project`"),
        ));
        return EXIT_INVALID;
    }
    let files = files(&id);
    // Refuse before writing anything: a starter never replaces an analyst's file.
    let existing: Vec<Diagnostic> = files
        .iter()
        .map(|(relative, _)| dir.join(relative))
        .filter(|path| path.symlink_metadata().is_ok())
        .map(|path| {
            Diagnostic::error(format!("{} already exists", display_path(&path)))
                .help("sroi init never overwrites a file: choose a new or empty folder")
        })
        .collect();
    if !existing.is_empty() {
        io.report(&Diagnostics(existing));
        return EXIT_INVALID;
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (relative, text) in &files {
        let path = dir.join(relative);
        if let Err(e) = write_new(&path, text) {
            // Leave nothing half-made: remove what this run wrote.
            for done in &written {
                let _ = std::fs::remove_file(done);
            }
            io.report(&Diagnostics::from(
                Diagnostic::error(format!("cannot write {}: {e}", display_path(&path))).help(
                    "check that the folder can be written to and that no file of this name exists",
                ),
            ));
            return EXIT_INVALID;
        }
        written.push(path);
    }
    let mut text = format!("Wrote a starter project in {}:\n", display_path(dir));
    for path in &written {
        text.push_str(&format!("  {}\n", display_path(path)));
    }
    let model = dir.join(format!("models/{id}.yaml"));
    text.push_str(&format!(
        "Every figure in it is illustrative. Run it:\n  sroi run {}\n",
        display_path(&model)
    ));
    emit(io, &text)
}

/// Write `text` to the new file `path` whole: a temporary file beside it, then a link
/// into place that fails if the name exists, so nothing is overwritten or half-written.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".sroi-init-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    temp.as_file().sync_all()?;
    temp.persist_noclobber(path)
        .map(|_| ())
        .map_err(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_folder_names() {
        assert_eq!(id_from("My Project"), "my-project");
        assert_eq!(id_from("arts_for__health!"), "arts-for-health");
        assert_eq!(id_from("..."), "my-programme");
        assert_eq!(title("arts-for-health"), "Arts for health");
        assert!(parse_id("Bad Id").is_err());
        assert_eq!(parse_id("ok-1"), Ok("ok-1".to_owned()));
    }

    #[test]
    fn the_proxy_set_is_the_shipped_one_whole() {
        let files = files("x");
        let (_, uk) = files
            .iter()
            .find(|(p, _)| p == Path::new("models/proxies/uk.yaml"))
            .expect("uk set");
        assert_eq!(uk, UK_PROXIES);
        // Every proxy keeps its source.
        let proxies = uk.matches("\n    value: ").count();
        assert!(proxies >= 10, "{proxies}");
        assert_eq!(uk.matches("\n    source: ").count(), proxies);
    }
}
