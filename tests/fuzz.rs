//! A mutation fuzzer over what reads untrusted input: the whole model pipeline (read,
//! check, evaluate, render), evidence tables, the number parser and script compile.
//!
//! cargo-fuzz needs a nightly toolchain, so this is a plain test driven by proptest's
//! seeded random generator. Each target starts from real inputs (the shipped models,
//! scripts and tables, and the conformance corpus) and mutates them: byte flips,
//! inserted tokens, splices from another seed, truncations, duplicated and deleted
//! ranges. A panic is a crash; an execution over 3 s is a hang (a watchdog thread stops
//! the run and names the input). Inputs that crash or hang are written to
//! `target/fuzz-findings/` for turning into conformance cases.
//!
//! The runs are `#[ignore]`d (minutes, not seconds):
//!
//! ```text
//! cargo test --release --test fuzz -- --ignored --nocapture --test-threads 1
//! ```
//!
//! `SROI_FUZZ_SCALE` multiplies every target's execution count (default 1: 1,050,000
//! executions in all); `SROI_FUZZ_SEED` changes the random sequence.
#![allow(clippy::unwrap_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use sroi::diagnostic::{Diagnostics, Style, render};
use sroi::model::number::{self, NumberKind};
use sroi::project::{LoadOptions, load};
use sroi::report::Format;
use sroi::source::DiskFiles;

const HANG: Duration = Duration::from_secs(3);

/// Tokens that reach parser corners: YAML structure, anchors and merge keys, number
/// forms, control characters, expressions, script syntax, CSV quoting.
const TOKENS: &[&str] = &[
    "\n",
    " ",
    "  ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "!!float ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "? ",
    "%",
    "25%",
    "250",
    "1,5",
    "9.000,50",
    "1,500",
    "£",
    "1e999",
    "-1e-29",
    "9999999999999999999999999999",
    "79228162514264337593543950335",
    "0.00000000000000000000000000001",
    ".inf",
    ".nan",
    "0x1F",
    "1_000",
    "=",
    "= ",
    "= 1 / 0",
    "= proxy(\"x\")",
    "= table(\"t\")",
    "\u{1b}[2J",
    "\0",
    "\u{202e}",
    "\t",
    "\r\n",
    "é",
    "\u{feff}",
    "fn ",
    "fn f(x) { x }",
    "import \"lib/",
    "\" as m;",
    "loop { }",
    "while true {",
    "let ",
    ";",
    "(",
    ")",
    "|x|",
    "::",
    "=>",
    "//",
    "/*",
    "*/",
    "`",
    "${",
    "\"\"",
    ",,",
    "\"a\"\"b\"",
    "\n\n",
    "stakeholder: ",
    "quantity: ",
    "duration: ",
    "deadweight: ",
    "proxy: ",
    "value: ",
    "extends: ",
    "data: ",
    "script: ",
    "params: ",
    "id: ",
    "outcomes:\n",
    "stakeholders:\n",
];

/// One mutation step: what to do, chosen by the generator.
fn mutate(input: &mut Vec<u8>, seeds: &[Vec<u8>], rng: &mut TestRng) {
    let len = input.len();
    let at = |rng: &mut TestRng| {
        if len == 0 {
            0
        } else {
            usize::try_from(rng.next_u64() % u64::try_from(len + 1).unwrap()).unwrap()
        }
    };
    let pick = |rng: &mut TestRng, n: usize| {
        usize::try_from(rng.next_u64() % u64::try_from(n.max(1)).unwrap()).unwrap()
    };
    match rng.next_u32() % 9 {
        // Flip one bit.
        0 if len > 0 => {
            let i = pick(rng, len);
            input[i] ^= 1 << (rng.next_u32() % 8);
        }
        // Overwrite a byte with any byte.
        1 if len > 0 => {
            let i = pick(rng, len);
            input[i] = (rng.next_u32() & 0xff) as u8;
        }
        // Insert a token.
        2 | 3 => {
            let token = TOKENS[pick(rng, TOKENS.len())].as_bytes();
            let i = at(rng);
            input.splice(i..i, token.iter().copied());
        }
        // Delete a range.
        4 if len > 0 => {
            let i = pick(rng, len);
            let n = pick(rng, 32).min(len - i);
            input.drain(i..i + n);
        }
        // Duplicate a range (repeated lines, keys, rows).
        5 if len > 0 => {
            let i = pick(rng, len);
            let n = (pick(rng, 200) + 1).min(len - i);
            let copy: Vec<u8> = input[i..i + n].to_vec();
            let j = at(rng);
            input.splice(j..j, copy);
        }
        // Splice in part of another seed.
        6 => {
            let other = &seeds[pick(rng, seeds.len())];
            if !other.is_empty() {
                let i = pick(rng, other.len());
                let n = (pick(rng, 400) + 1).min(other.len() - i);
                let j = at(rng);
                input.splice(j..j, other[i..i + n].iter().copied());
            }
        }
        // Truncate.
        7 if len > 0 => {
            let i = pick(rng, len);
            input.truncate(i);
        }
        // Swap two bytes.
        _ if len > 1 => {
            let (i, j) = (pick(rng, len), pick(rng, len));
            input.swap(i, j);
        }
        _ => input.push(b'\n'),
    }
}

/// What one target found.
#[derive(Default)]
struct Tally {
    executions: u64,
    crashes: u64,
    slowest: Duration,
    elapsed: Duration,
}

/// Watches the execution in progress; past `HANG` it saves the input and stops the run.
struct Watchdog {
    started_ms: Arc<AtomicU64>,
    current: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
    epoch: Instant,
}

impl Watchdog {
    fn start(target: &'static str) -> Watchdog {
        let dog = Watchdog {
            started_ms: Arc::new(AtomicU64::new(u64::MAX)),
            current: Arc::new(Mutex::new(Vec::new())),
            done: Arc::new(AtomicBool::new(false)),
            epoch: Instant::now(),
        };
        let (started, current, done, epoch) = (
            Arc::clone(&dog.started_ms),
            Arc::clone(&dog.current),
            Arc::clone(&dog.done),
            dog.epoch,
        );
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let since = started.load(Ordering::Relaxed);
                let now = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
                if since != u64::MAX && now.saturating_sub(since) > HANG.as_millis() as u64 {
                    let input = current.lock().map(|c| c.clone()).unwrap_or_default();
                    let path = save_finding(target, "hang", &input);
                    eprintln!(
                        "HANG in {target}: an execution ran over 3 s; input saved to {path:?}"
                    );
                    std::process::exit(3);
                }
            }
        });
        dog
    }

    fn begin(&self, input: &[u8]) {
        if let Ok(mut c) = self.current.lock() {
            c.clear();
            c.extend_from_slice(input);
        }
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(0);
        self.started_ms.store(now, Ordering::Relaxed);
    }

    fn end(&self) {
        self.started_ms.store(u64::MAX, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn save_finding(target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = root().join("target/fuzz-findings");
    let _ = std::fs::create_dir_all(&dir);
    let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    let path = dir.join(format!("{target}-{kind}-{n}.bin"));
    let _ = std::fs::write(&path, input);
    path
}

fn scale() -> f64 {
    std::env::var("SROI_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

fn rng(target: &str) -> TestRng {
    let seed: u64 = std::env::var("SROI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_203);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    for (i, b) in target.bytes().enumerate() {
        bytes[8 + i % 24] ^= b;
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Run `execute` on `runs` mutants of `seeds`, counting crashes, failing on any.
fn fuzz(target: &'static str, seeds: &[Vec<u8>], runs: u64, mut execute: impl FnMut(&[u8])) {
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let runs = (runs as f64 * scale()) as u64;
    let mut rng = rng(target);
    let dog = Watchdog::start(target);
    let mut tally = Tally::default();
    let start = Instant::now();
    // Panics are counted here, not printed once per mutant.
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for i in 0..runs {
        let seed = &seeds[usize::try_from(i % seeds.len() as u64).unwrap()];
        let mut input = seed.clone();
        // Mostly a few mutations; sometimes many (heavy damage), sometimes none (the seed).
        let steps = match rng.next_u32() % 16 {
            0 => 0,
            1 => 20 + rng.next_u32() % 40,
            _ => 1 + rng.next_u32() % 6,
        };
        for _ in 0..steps {
            mutate(&mut input, seeds, &mut rng);
        }
        dog.begin(&input);
        let t = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| execute(&input)));
        let took = t.elapsed();
        dog.end();
        tally.slowest = tally.slowest.max(took);
        tally.executions += 1;
        if outcome.is_err() {
            tally.crashes += 1;
            let path = save_finding(target, "crash", &input);
            eprintln!("CRASH in {target}: input saved to {path:?}");
        }
    }
    std::panic::set_hook(quiet);
    tally.elapsed = start.elapsed();
    let line = format!(
        "fuzz {target}: {} executions in {:.1} s ({:.0}/s), {} crashes, 0 hangs, slowest {:.1} ms",
        tally.executions,
        tally.elapsed.as_secs_f64(),
        tally.executions as f64 / tally.elapsed.as_secs_f64().max(1e-9),
        tally.crashes,
        tally.slowest.as_secs_f64() * 1000.0
    );
    eprintln!("{line}");
    let report = root().join("target/fuzz-report.txt");
    let mut previous = std::fs::read_to_string(&report).unwrap_or_default();
    previous.push_str(&line);
    previous.push('\n');
    let _ = std::fs::write(&report, previous);
    assert_eq!(tally.crashes, 0, "{target}: see target/fuzz-findings/");
    assert!(
        tally.slowest < HANG,
        "{target}: slowest {:?}",
        tally.slowest
    );
}

/// Files under `dir` (recursively) whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.to_string_lossy().ends_with(ext) {
            out.push(path);
        }
    }
    out
}

/// A scratch copy of the project trees the seeds refer to (proxy sets, scripts, data),
/// so a mutated model written beside its seed's place resolves what the seed resolved.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for tree in ["models", "scripts", "tests/conformance"] {
        for path in files(&root().join(tree), "") {
            let relative = path.strip_prefix(root()).unwrap();
            let to = dir.path().join(relative);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&path, &to).unwrap();
        }
    }
    dir
}

/// Load, check, evaluate and render a model file, as `sroi run` would.
fn pipeline(model: &Path) {
    let mut files = DiskFiles::default();
    let diagnostics = match load(&mut files, model, &LoadOptions::default()) {
        Ok((project, warnings)) => {
            let _ = render(&warnings, Style::Color);
            match sroi::evaluate::evaluate(&project) {
                Ok(evaluation) => {
                    for format in [Format::Table, Format::Json, Format::Csv, Format::Markdown] {
                        let _ = sroi::report::render(&evaluation, format);
                    }
                    let _ = sroi::report::explain::text(&evaluation, None);
                    Diagnostics::default()
                }
                Err(d) => d,
            }
        }
        Err(d) => d,
    };
    let _ = render(&diagnostics, Style::Color);
    let _ = render(&diagnostics, Style::Plain);
}

fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
#[ignore = "minutes; run with --release -- --ignored"]
fn fuzz_model_pipeline() {
    let scratch = scratch();
    let mut seeds_at: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for dir in [
        "models",
        "tests/conformance/valid",
        "tests/conformance/invalid",
    ] {
        for path in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let path = path.path();
            if path.extension().is_some_and(|e| e == "yaml") {
                seeds_at.push((scratch.path().join(dir), std::fs::read(&path).unwrap()));
            }
        }
    }
    seeds_at.sort();
    let seeds: Vec<Vec<u8>> = seeds_at.iter().map(|(_, s)| s.clone()).collect();
    let mut i = 0usize;
    fuzz("model", &seeds, 60_000, |input| {
        // The mutant goes where its seed (by turn) lives, so its relative paths resolve.
        let (dir, _) = &seeds_at[i % seeds_at.len()];
        i += 1;
        let path = dir.join("fuzz-case.yaml");
        std::fs::write(&path, input).unwrap();
        pipeline(&path);
    });
}

#[test]
#[ignore = "minutes; run with --release -- --ignored"]
fn fuzz_csv_tables() {
    let scratch = scratch();
    let dir = scratch.path().join("csvcase");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("m.yaml"),
        "sroi: 1\nid: t\nname: T\ncurrency: GBP\ndata:\n  t: t.csv\nstakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    quantity: \"= table(\\\"t\\\").len()\"\n    proxy: { value: 1, source: x }\n    duration: 1\n",
    )
    .unwrap();
    let mut paths = files(&root().join("models"), ".csv");
    paths.extend(files(&root().join("tests/conformance"), ".csv"));
    let mut seeds = read_all(&paths);
    seeds.push(b"id,score,label\n1,2.5,yes\n2,,\"a, b\"\n3,-1e3,\"x\"\"y\"\n".to_vec());
    fuzz("csv", &seeds, 30_000, |input| {
        std::fs::write(dir.join("t.csv"), input).unwrap();
        pipeline(&dir.join("m.yaml"));
    });
}

#[test]
#[ignore = "minutes; run with --release -- --ignored"]
fn fuzz_script_compile() {
    let scratch = scratch();
    let models = scratch.path().join("models");
    std::fs::write(
        models.join("fuzz-script.yaml"),
        "sroi: 1\nid: s\nname: S\ncurrency: GBP\nscript: ../scripts/fuzz.rhai\nstakeholders:\n  - id: a\noutcomes:\n  - id: o\n    stakeholder: a\n    quantity: 1\n    proxy: { value: 1, source: x }\n    duration: 1\n",
    )
    .unwrap();
    let mut paths = files(&root().join("scripts"), ".rhai");
    paths.extend(files(&root().join("tests/conformance"), ".rhai"));
    let seeds = read_all(&paths);
    let script = scratch.path().join("scripts/fuzz.rhai");
    fuzz("script", &seeds, 60_000, |input| {
        std::fs::write(&script, input).unwrap();
        pipeline(&models.join("fuzz-script.yaml"));
    });
}

#[test]
#[ignore = "minutes; run with --release -- --ignored"]
fn fuzz_number_parser() {
    let mut seeds: Vec<Vec<u8>> = [
        "1234.56",
        "25%",
        "0.25",
        "3.5%",
        "1,500",
        "9.000,50",
        "1,5",
        "1e3",
        "2.5e-3",
        "-0",
        "+.5",
        "1_000",
        "£300",
        "$1,234.50",
        "79228162514264337593543950335",
        "9999999999999999999999999999",
        "0.0000000000000000000000000001",
        "1e-28",
        "100%",
        "250",
        "",
        "=",
        "= 1 + 1",
        "  42  ",
        "0x1F",
        ".inf",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    seeds.push("1".repeat(100).into_bytes());
    let kinds = [
        NumberKind::NonNegative,
        NumberKind::Signed,
        NumberKind::Percent,
        NumberKind::Years,
    ];
    fuzz("number", &seeds, 900_000, |input| {
        let text = String::from_utf8_lossy(input);
        let _ = number::parse_number(&text);
        for kind in kinds {
            if let Ok(value) = number::parse_literal(&text, kind) {
                let _ = number::check(value, kind);
                let _ = number::check_computed(value, kind);
            }
        }
    });
}
