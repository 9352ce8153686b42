//! Watch mode, measured: 50 edits of a shipped model with the time from each save to the
//! new report (median and 95th percentile, debounce included), then the process's resident
//! memory before and after 1,000 reloads.
//!
//! Run: cargo bench --bench watch_latency
//! (a plain program, not criterion: it drives a real `sroi watch` process.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct Session {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Session {
    /// Wait until a report containing `needle` has printed in full: the report *of* a given
    /// save, not just any evaluation that happened to follow it.
    fn wait_for_text(&self, needle: &str) -> Instant {
        let started = Instant::now();
        loop {
            {
                let text = self.output.lock().unwrap();
                if let Some(i) = text.rfind(needle)
                    && text[i..].contains("\n}")
                {
                    return Instant::now();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no report with {needle}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    fn wait_for(&self, n: usize) -> Instant {
        let started = Instant::now();
        loop {
            {
                let text = self.output.lock().unwrap();
                let newest = text
                    .rmatch_indices("==> evaluation ")
                    .next()
                    .and_then(|(i, m)| {
                        let number: usize = text[i + m.len()..].split(' ').next()?.parse().ok()?;
                        Some((i, number))
                    });
                if let Some((i, number)) = newest
                    && number >= n
                    && text[i..].trim_end().ends_with('}')
                {
                    return Instant::now();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no evaluation {n}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes flags such as --bench; this program takes none.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root.join("models"), &dir.path().join("models"));
    copy_dir(&root.join("scripts"), &dir.path().join("scripts"));
    let model_path = dir.path().join("models/arts-for-health.yaml");
    let original = fs::read_to_string(&model_path).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(["watch", "models/arts-for-health.yaml", "--format", "json"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&output);
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut text = sink.lock().unwrap();
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
            // Keep only the tail: a thousand JSON reports would otherwise pile up here.
            if text.len() > 1 << 20 {
                let cut = text.len() - (1 << 19);
                let cut = (cut..text.len())
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(cut);
                text.drain(..cut);
            }
        }
    });
    let session = Session { child, output };
    session.wait_for(1);
    let pid = session.child.id();
    let rss_start = rss_kib(pid);

    let mut edit = 0usize;
    let save = |n: usize| {
        let text = original.replacen("period: 2014/15", &format!("period: edit {n}"), 1);
        assert_ne!(text, original, "the model's period line was not found");
        fs::write(&model_path, text).unwrap();
    };

    let mut latencies = Vec::new();
    for _ in 0..50 {
        edit += 1;
        // Let the watcher settle first, so each save is timed on its own.
        std::thread::sleep(Duration::from_millis(250));
        let saved = Instant::now();
        save(edit);
        let shown = session.wait_for_text(&format!("\"period\": \"edit {edit}\""));
        latencies.push((shown - saved).as_secs_f64() * 1000.0);
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rss_before = rss_kib(pid);
    let mut samples = Vec::new();
    for i in 1..=1000 {
        edit += 1;
        save(edit);
        session.wait_for_text(&format!("\"period\": \"edit {edit}\""));
        std::thread::sleep(Duration::from_millis(5));
        if i % 200 == 0 {
            samples.push(format!("{i}: {} KiB", rss_kib(pid)));
        }
    }
    let rss_after = rss_kib(pid);
    let mut child = session.child;
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    let status = child.wait().unwrap();

    println!(
        "watch_latency: 50 edits of models/arts-for-health.yaml, save -> new report (50 ms debounce included)"
    );
    println!(
        "  median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        latencies[0],
        latencies[latencies.len() - 1]
    );
    println!(
        "watch_memory: resident set at start {rss_start} KiB, after 50 edits {rss_before} KiB, after 1,000 more reloads {rss_after} KiB"
    );
    println!("  resident set every 200 reloads: {}", samples.join(", "));
    println!("  exit status on Ctrl-C: {:?}", status.code());
}
