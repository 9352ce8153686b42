//! `sroi watch --serve`: real HTTP requests to the printed address while the model is
//! edited. Every wait polls with a deadline; none is a fixed sleep.
//!
//! The model: 30 people × a £100 proxy, one year, discounted at the default 3.5% from
//! year 1: 3000 / 1.035 = £2,898.55, ratio 2.90 against £1,000. After the save,
//! 40 × £100 / 1.035 = £3,864.73, ratio 3.86.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(40);
/// The contract: the served page shows a save's figures within a second.
const LIVE: Duration = Duration::from_secs(1);

fn model(quantity: &str) -> String {
    format!(
        "sroi: 1\nid: w\nname: Watched\ncurrency: GBP\nproxies: uk\nstakeholders:\n  - id: people\n  \
         - id: funder\ninputs:\n  - stakeholder: funder\n    value: 1000\noutcomes:\n  - id: better\n    \
         stakeholder: people\n    quantity: {quantity}\n    proxy: wellbeing\n    duration: 1\n"
    )
}

struct Served {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
    /// Receives once standard output has closed: the process is ending.
    closed: mpsc::Receiver<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(extra: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("models/proxies")).unwrap();
        fs::write(root.join("models/w.yaml"), model("30")).unwrap();
        fs::write(
            root.join("models/proxies/uk.yaml"),
            "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  wellbeing: { value: 100, source: test }\n",
        )
        .unwrap();
        Served::watch(dir, "models/w.yaml", extra)
    }

    /// A copy of the shipped Blackpool asset register (and what it links), served.
    fn register() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        // The register links the shipped models, which use the shipped proxies and scripts.
        for folder in ["registers", "models", "scripts"] {
            copy_dir(&repo.join(folder), &dir.path().join(folder));
        }
        Served::watch(dir, "registers/blackpool.yaml", &[])
    }

    fn watch(dir: tempfile::TempDir, file: &str, extra: &[&str]) -> Served {
        let root = dir.path();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sroi"))
            .args(["watch", file, "--serve"])
            .args(extra)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The first line a script reads is the address.
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let first = rx.recv_timeout(PATIENCE).expect("no address printed");
        let addr = first
            .strip_prefix("sroi watch: serving http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("first line is not the address: {first:?}"))
            .to_owned();
        // Keep draining stdout so the watcher never blocks on a full pipe, and say when it
        // closes.
        let (closed_tx, closed) = mpsc::channel();
        std::thread::spawn(move || {
            while rx.recv().is_ok() {}
            let _ = closed_tx.send(());
        });
        let served = Served {
            child,
            addr,
            dir,
            closed,
        };
        served.wait_until("/version", |v| v.trim() != "0");
        served
    }

    fn path(&self, p: &str) -> std::path::PathBuf {
        self.dir.path().join(p)
    }

    /// Poll `path` until `ready` holds for its body; the body, and how long it took.
    fn wait_until(&self, path: &str, ready: impl Fn(&str) -> bool) -> (String, Duration) {
        self.wait_within(path, PATIENCE, ready)
    }

    fn wait_within(
        &self,
        path: &str,
        deadline: Duration,
        ready: impl Fn(&str) -> bool,
    ) -> (String, Duration) {
        let started = Instant::now();
        loop {
            let (status, body) = get(&self.addr, path);
            if status == 200 && ready(&body) {
                return (body, started.elapsed());
            }
            assert!(
                started.elapsed() < deadline,
                "{path} not ready within {deadline:?}; last answer {status}:\n{body}"
            );
            // The server offers nothing a test could block on: poll, with the deadline above.
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One GET over a plain TCP connection: the status code and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_owned()
    };
    (status, body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

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

fn save(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

#[test]
fn the_printed_address_answers_with_the_report_on_loopback() {
    let served = Served::start(&[]);
    assert!(served.addr.starts_with("127.0.0.1:"), "{}", served.addr);
    let (status, page) = get(&served.addr, "/");
    assert_eq!(status, 200);
    assert!(page.contains("£2,898.55"), "{page}");
    assert!(page.contains("2.90"), "{page}");
    assert!(!page.contains("role=\"alert\""));
    // The figures are in the markup itself (JavaScript off shows them); the script only
    // reloads.
    let script = page.find("<script>").unwrap();
    assert!(page.find("£2,898.55").unwrap() < script);
    assert_eq!(get(&served.addr, "/nothing-here").0, 404);
}

#[test]
fn a_save_reaches_the_page_within_a_second_and_bumps_the_version() {
    let served = Served::start(&[]);
    let (before, _) = served.wait_until("/version", |_| true);
    let before: u64 = before.trim().parse().unwrap();
    save(&served.path("models/w.yaml"), &model("40"));
    let (page, took) = served.wait_within("/", LIVE, |p| p.contains("£3,864.73"));
    assert!(page.contains("3.86"), "{page}");
    assert!(!page.contains("£2,898.55"), "{page}");
    eprintln!("served page updated {took:?} after the save");
    let (after, _) = served.wait_until("/version", |_| true);
    let after: u64 = after.trim().parse().unwrap();
    assert!(after > before, "version {before} -> {after}");
    assert!(page.contains(&format!("content=\"{after}\"")));
}

#[test]
fn a_broken_save_shows_the_error_above_the_last_good_figures() {
    let served = Served::start(&[]);
    save(&served.path("models/w.yaml"), &model("[oops"));
    let (page, _) = served.wait_until("/", |p| p.contains("role=\"alert\""));
    let banner = page.find("role=\"alert\"").unwrap();
    let figures = page.find("£2,898.55").expect("last good figures kept");
    assert!(banner < figures, "banner below the figures");
    assert!(page.contains("The latest evaluation failed"));
    assert!(page.contains("w.yaml"), "the error names the file:\n{page}");
    // Fixing it clears the banner and shows the new figures.
    save(&served.path("models/w.yaml"), &model("40"));
    let (page, _) = served.wait_until("/", |p| p.contains("£3,864.73"));
    assert!(!page.contains("role=\"alert\""));
}

#[test]
fn a_register_serves_its_list_and_keeps_it_under_an_error() {
    let served = Served::register();
    let (page, _) = served.wait_until("/", |p| p.contains("<script>"));
    assert!(page.contains("Cultural assets, Blackpool"), "{page}");
    assert!(!page.contains("role=\"alert\""));
    let yaml = served.path("registers/blackpool.yaml");
    let text = fs::read_to_string(&yaml).unwrap();
    save(&yaml, &text.replace("sroi: 1\n", "sroi: [1\n"));
    let (page, _) = served.wait_until("/", |p| p.contains("role=\"alert\""));
    let banner = page.find("role=\"alert\"").unwrap();
    let list = page.rfind("Cultural assets, Blackpool").unwrap();
    assert!(banner < list, "banner below the list");
    assert!(page.contains("the list below is the last good one"));
}

#[test]
fn ctrl_c_stops_the_watch_and_the_server() {
    let mut served = Served::start(&[]);
    let status = Command::new("kill")
        .args(["-INT", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    served
        .closed
        .recv_timeout(PATIENCE)
        .expect("watch did not stop on Ctrl-C");
    let code = served.child.wait().unwrap().code();
    assert_eq!(code, Some(0));
    assert!(TcpStream::connect(&served.addr).is_err(), "still listening");
}

#[test]
fn a_port_in_use_is_refused_with_exit_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(["watch", "x.yaml", "--serve", &addr])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot serve the report"), "{stderr}");
}

#[test]
fn a_bad_address_is_a_command_line_error() {
    let status = Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(["watch", "x.yaml", "--serve", "not-an-address"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
