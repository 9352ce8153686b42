//! Receipts (docs/receipts.md): what a run read and what it found, so anyone can check
//! later that a figure came from exactly these files.
//!
//! A receipt records the SHA-256 of every file the run read (model, proxy sets through
//! `extends`, deflator, script, imported modules, tables), the sroi version, the command
//! line, the working directory it ran in and the headline figures. `sroi verify` re-hashes
//! the files and re-runs the command line from that directory.
//!
//! `sensitivity` and `simulate` receipts carry their own headline figures; `simulate`
//! adds `seed` and `draws`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::analysis::sensitivity::SensitivityReport;
use crate::analysis::simulate::SimulationReport;
use crate::evaluate::Evaluation;
use crate::report::{fixed, money, sensitivity_report, simulation_report};
use crate::source::DiskFiles;

/// The receipt format's version.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Format version of the receipt itself.
    pub receipt: u32,
    pub sroi_version: String,
    /// The subcommand: `run`, `sensitivity` or `simulate`.
    pub command: String,
    /// The command line after `sroi`, exactly as given.
    pub arguments: Vec<String>,
    /// Where the command ran; relative paths in `arguments` and `files` resolve from here.
    pub working_directory: String,
    /// Random seed, for commands that draw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Number of draws, for commands that draw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draws: Option<u64>,
    /// Every file read, sorted by path.
    pub files: Vec<FileHash>,
    /// Headline figures as the JSON report prints them (`null` when absent).
    pub figures: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    /// As read: relative to the working directory when it lies inside it.
    pub path: String,
    /// Lower-case hex SHA-256 of the bytes read; `null` when the file was looked for
    /// but did not exist or could not be read.
    pub sha256: Option<String>,
    pub bytes: Option<u64>,
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 and length of a regular file, read in pieces (tables may be large); `None` when
/// it is missing, unreadable or not a regular file (a receipt never makes sroi read a device).
pub fn hash_file(path: &Path) -> Option<(String, u64)> {
    use std::io::Read;
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = file.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n)?);
        total = total.saturating_add(u64::try_from(n).ok()?);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some((hex, total))
}

/// `path` as a receipt writes it: `a/../b` folded to `b`, relative to `dir` when it lies
/// inside, `/` separated.
pub fn shown_path(path: &Path, dir: &Path) -> String {
    let folded = fold(path);
    let relative = if folded.is_absolute() {
        folded.strip_prefix(dir).unwrap_or(&folded)
    } else {
        &folded
    };
    relative.to_string_lossy().replace('\\', "/")
}

/// Remove `.` and fold `name/..` without touching the disk (a script beside `models/` is
/// read as `models/../scripts/x.rhai` and shown as `scripts/x.rhai`).
fn fold(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// Every file `files` read, hashed. Texts read through `Files::read` are hashed as read;
/// paths only recorded (imported modules) are read again now.
pub fn files_read(files: &DiskFiles, dir: &Path) -> Vec<FileHash> {
    let mut out: BTreeMap<String, FileHash> = BTreeMap::new();
    for path in files.used() {
        let shown = shown_path(&path, dir);
        let hash = match files.seen.get(&path) {
            Some(Some(text)) => u64::try_from(text.len())
                .ok()
                .map(|n| (sha256_hex(text.as_bytes()), n)),
            Some(None) => None,
            None => hash_file(&path),
        };
        out.insert(
            shown.clone(),
            FileHash {
                path: shown,
                sha256: hash.as_ref().map(|(h, _)| h.clone()),
                bytes: hash.map(|(_, n)| n),
            },
        );
    }
    out.into_values().collect()
}

/// The headline figures of `run`, formatted as in the JSON report.
pub fn headline(e: &Evaluation) -> Map<String, Value> {
    let opt = |v: Option<rust_decimal::Decimal>, places| {
        v.map_or(Value::Null, |v| Value::String(fixed(v, places)))
    };
    let mut m = Map::new();
    m.insert("investment".into(), Value::String(money(e.investment)));
    m.insert(
        "investment_face_value".into(),
        Value::String(money(e.investment_face_value)),
    );
    m.insert(
        "total_present_value".into(),
        Value::String(money(e.total_present_value)),
    );
    m.insert(
        "net_present_value".into(),
        Value::String(money(e.net_present_value)),
    );
    m.insert("ratio".into(), opt(e.ratio, 4));
    m.insert("net_ratio".into(), opt(e.net_ratio, 4));
    m.insert("payback_months".into(), opt(e.payback_months, 2));
    m
}

/// The headline figures of `sensitivity`, as its JSON report prints them: the base,
/// the investment tipping point, and each row's swing and tipping point, named
/// `OUTCOME.VARIABLE swing` and `OUTCOME.VARIABLE tipping_point`.
pub fn sensitivity_headline(report: &SensitivityReport) -> Map<String, Value> {
    let json = sensitivity_report::value(report);
    let mut m = Map::new();
    for key in ["ratio", "total_present_value", "investment"] {
        m.insert(format!("base_{key}"), json["base"][key].clone());
    }
    m.insert(
        "investment_tipping_point".into(),
        json["investment_tipping_point"].clone(),
    );
    for row in json["rows"].as_array().into_iter().flatten() {
        let name = format!(
            "{}.{}",
            row["outcome"].as_str().unwrap_or_default(),
            row["variable"].as_str().unwrap_or_default()
        );
        for key in ["swing", "tipping_point"] {
            m.insert(format!("{name} {key}"), row[key].clone());
        }
    }
    m
}

/// The headline figures of `simulate`, as its JSON report prints them: the exact base
/// ratio, the ratio's mean, 5th, 50th and 95th percentiles, and P(ratio ≥ 1).
pub fn simulation_headline(report: &SimulationReport) -> Map<String, Value> {
    let json = simulation_report::value(report);
    let mut m = Map::new();
    m.insert("base_ratio".into(), json["base_ratio"].clone());
    for key in ["mean", "p5", "p50", "p95"] {
        m.insert(format!("ratio_{key}"), json["ratio"][key].clone());
    }
    m.insert(
        "probability_ratio_at_least_1".into(),
        json["probability_ratio_at_least_1"].clone(),
    );
    m
}

/// The working directory as a receipt records it.
pub fn working_directory() -> std::io::Result<PathBuf> {
    let dir = std::env::current_dir()?;
    Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
}

impl Receipt {
    /// A receipt for a finished command.
    pub fn new(
        command: &str,
        arguments: Vec<String>,
        dir: &Path,
        files: &DiskFiles,
        figures: Map<String, Value>,
    ) -> Self {
        Receipt {
            receipt: FORMAT,
            sroi_version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            arguments,
            working_directory: dir.to_string_lossy().into_owned(),
            seed: None,
            draws: None,
            files: files_read(files, dir),
            figures,
        }
    }

    /// The same receipt with the seed and number of draws of a command that draws.
    pub fn with_draws(mut self, seed: u64, draws: u64) -> Self {
        self.seed = Some(seed);
        self.draws = Some(draws);
        self
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Write whole or not at all.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write(path, self.to_json().as_bytes())
    }
}

/// One difference `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A recorded file's content changed (or it appeared, or it is gone).
    File {
        path: String,
        was: Option<String>,
        now: Option<String>,
    },
    /// The re-run read a file the receipt does not list.
    NewFile { path: String },
    /// A headline figure (or the seed or number of draws) differs.
    Figure {
        name: String,
        was: Value,
        now: Value,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |h: &Option<String>| {
            h.as_deref()
                .map_or("missing".to_owned(), |h| h.chars().take(12).collect())
        };
        match self {
            Mismatch::File { path, was, now } => match (was, now) {
                (Some(_), None) => write!(f, "changed  {path}: the file is gone or unreadable"),
                (None, Some(_)) => write!(f, "changed  {path}: the file exists now but did not"),
                _ => write!(
                    f,
                    "changed  {path}: sha256 was {}…, now {}…",
                    short(was),
                    short(now)
                ),
            },
            Mismatch::NewFile { path } => {
                write!(f, "new      {path}: read now, not in the receipt")
            }
            Mismatch::Figure { name, was, now } => {
                let show = |v: &Value| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => "none".to_owned(),
                    other => other.to_string(),
                };
                write!(f, "figure   {name}: was {}, now {}", show(was), show(now))
            }
        }
    }
}

/// Recorded files whose bytes on disk no longer hash the same.
pub fn changed_files(receipt: &Receipt, dir: &Path) -> Vec<Mismatch> {
    receipt
        .files
        .iter()
        .filter_map(|f| {
            let now = hash_file(&dir.join(&f.path)).map(|(h, _)| h);
            (now != f.sha256).then(|| Mismatch::File {
                path: f.path.clone(),
                was: f.sha256.clone(),
                now,
            })
        })
        .collect()
}

/// Differences between a receipt and a fresh one from re-running it: files read now that
/// were not before, and figures that moved (content changes are `changed_files`' job).
pub fn compare(old: &Receipt, new: &Receipt) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for f in &new.files {
        if !old.files.iter().any(|o| o.path == f.path) {
            out.push(Mismatch::NewFile {
                path: f.path.clone(),
            });
        }
    }
    for (name, was, now) in [
        ("seed", old.seed, new.seed),
        ("draws", old.draws, new.draws),
    ] {
        if was != now {
            let json = |v: Option<u64>| v.map_or(Value::Null, Value::from);
            out.push(Mismatch::Figure {
                name: name.to_owned(),
                was: json(was),
                now: json(now),
            });
        }
    }
    let names: Vec<&String> = old.figures.keys().chain(new.figures.keys()).collect();
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let was = old.figures.get(name).cloned().unwrap_or(Value::Null);
        let now = new.figures.get(name).cloned().unwrap_or(Value::Null);
        if was != now {
            out.push(Mismatch::Figure {
                name: name.clone(),
                was,
                now,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sha256_of_known_text() {
        // FIPS 180-2 test vector.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn files_hash_in_pieces_like_in_one_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let text = "a,b\n1,2\n".repeat(20_000); // 160,000 bytes: several pieces
        std::fs::write(&path, &text).unwrap();
        assert_eq!(
            hash_file(&path),
            Some((sha256_hex(text.as_bytes()), 160_000))
        );
        assert_eq!(hash_file(dir.path()), None, "a folder is not hashed");
        assert_eq!(hash_file(&dir.path().join("missing")), None);
    }

    #[test]
    fn paths_inside_the_working_directory_are_relative() {
        let dir = Path::new("/work/project");
        assert_eq!(
            shown_path(Path::new("/work/project/models/a.yaml"), dir),
            "models/a.yaml"
        );
        assert_eq!(shown_path(Path::new("models/a.yaml"), dir), "models/a.yaml");
        assert_eq!(
            shown_path(Path::new("/elsewhere/b.yaml"), dir),
            "/elsewhere/b.yaml"
        );
        assert_eq!(
            shown_path(Path::new("models/../scripts/./x.rhai"), dir),
            "scripts/x.rhai"
        );
        assert_eq!(shown_path(Path::new("../up/x.csv"), dir), "../up/x.csv");
    }

    #[test]
    fn a_receipt_round_trips_and_compares() {
        let mut figures = Map::new();
        figures.insert("ratio".into(), Value::String("3.0443".into()));
        let a = Receipt {
            receipt: FORMAT,
            sroi_version: "0.1.0".into(),
            command: "run".into(),
            arguments: vec!["run".into(), "m.yaml".into()],
            working_directory: "/w".into(),
            seed: None,
            draws: None,
            files: vec![FileHash {
                path: "m.yaml".into(),
                sha256: Some("00".into()),
                bytes: Some(1),
            }],
            figures,
        };
        let back: Receipt = serde_json::from_str(&a.to_json()).unwrap();
        assert_eq!(back, a);
        assert!(!a.to_json().contains("seed"), "no seed for a run");
        assert!(compare(&a, &back).is_empty());
        let mut b = a.clone();
        b.figures
            .insert("ratio".into(), Value::String("3.1".into()));
        b.files.push(FileHash {
            path: "extra.csv".into(),
            sha256: None,
            bytes: None,
        });
        let found = compare(&a, &b);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .any(|m| m.to_string() == "figure   ratio: was 3.0443, now 3.1")
        );
    }
}
