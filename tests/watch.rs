//! `sroi watch` driven by real edits of every kind editors make. Each test waits on the
//! output, never on a fixed sleep, so it passes on a loaded machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(40);

const MODEL: &str = r#"sroi: 1
id: w
name: Watched
currency: GBP
proxies: uk
script: ../scripts/w.rhai
data:
  survey: data/survey.csv
stakeholders:
  - id: people
  - id: funder
inputs:
  - stakeholder: funder
    value: 1000
outcomes:
  - id: better
    stakeholder: people
    quantity: "= improved(table(\"survey\"))"
    proxy: wellbeing
    duration: 1
"#;

/// A child process whose standard output is collected as it arrives; killed when dropped.
struct Collected {
    child: Child,
    /// The text so far and whether standard output has closed (the process is ending),
    /// and a signal raised whenever either changes.
    output: Arc<(Mutex<(String, bool)>, Condvar)>,
}

impl Collected {
    fn spawn(command: &mut Command) -> Collected {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let output = Arc::new((Mutex::new((String::new(), false)), Condvar::new()));
        let sink = Arc::clone(&output);
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let (state, more) = &*sink;
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                state
                    .lock()
                    .unwrap()
                    .0
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
                more.notify_all();
            }
            state.lock().unwrap().1 = true;
            more.notify_all();
        });
        Collected { child, output }
    }

    fn text(&self) -> String {
        self.output.0.lock().unwrap().0.clone()
    }

    /// Block until more output arrives or `limit` passes, whichever is first.
    fn more_within(&self, seen: usize, limit: Duration) {
        let (state, more) = &*self.output;
        let guard = state.lock().unwrap();
        let _ = more
            .wait_timeout_while(guard, limit, |(t, closed)| t.len() == seen && !*closed)
            .unwrap();
    }

    /// Wait until standard output closes, then for the process's exit status.
    fn wait_for_exit(&mut self) -> i32 {
        let (state, more) = &*self.output;
        let guard = state.lock().unwrap();
        let (guard, _) = more
            .wait_timeout_while(guard, PATIENCE, |(_, closed)| !*closed)
            .unwrap();
        assert!(guard.1, "the process did not end within {PATIENCE:?}");
        drop(guard);
        self.child.wait().unwrap().code().unwrap_or(-1)
    }

    /// Wait until the output contains `needle`.
    fn wait_for(&self, needle: &str) {
        self.wait_until(&format!("{needle:?}"), |text| text.contains(needle));
    }

    /// Wait, waking on each new piece of output, until `done` holds for the text so far.
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) {
        let started = Instant::now();
        loop {
            let text = self.text();
            if done(&text) {
                return;
            }
            let left = PATIENCE.saturating_sub(started.elapsed());
            assert!(!left.is_zero(), "no {what} within {PATIENCE:?} in:\n{text}");
            self.more_within(text.len(), left);
        }
    }
}

impl Drop for Collected {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A project: models/w.yaml with its script, table and proxy set (quantity 2, ratio 0.19).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_project(root);
    dir
}

fn write_project(root: &Path) {
    fs::create_dir_all(root.join("models/data")).unwrap();
    fs::create_dir_all(root.join("models/proxies")).unwrap();
    fs::create_dir_all(root.join("scripts")).unwrap();
    fs::write(root.join("models/w.yaml"), MODEL).unwrap();
    fs::write(
        root.join("models/data/survey.csv"),
        "id,before,after\n1,40,45\n2,41,42\n3,30,36\n",
    )
    .unwrap();
    fs::write(
        root.join("scripts/w.rhai"),
        "fn improved(rows) { rows.filter(|r| r.after - r.before >= 3).len() }\n",
    )
    .unwrap();
    fs::write(
        root.join("models/proxies/uk.yaml"),
        "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  wellbeing: { value: 100, source: test }\n",
    )
    .unwrap();
}

struct Watch {
    process: Collected,
    dir: tempfile::TempDir,
}

impl Watch {
    fn start(extra: &[&str]) -> Watch {
        Watch::start_in(project(), "models/w.yaml", extra)
    }

    /// Watch `model` in a project already laid out in `dir`.
    fn start_in(dir: tempfile::TempDir, model: &str, extra: &[&str]) -> Watch {
        let mut args = vec!["watch", model, "--format", "json"];
        args.extend_from_slice(extra);
        let process = Collected::spawn(
            Command::new(env!("CARGO_BIN_EXE_sroi"))
                .args(&args)
                .current_dir(dir.path())
                .env("NO_COLOR", "1"),
        );
        let w = Watch { process, dir };
        w.wait_for_evaluation(1);
        w
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn text(&self) -> String {
        self.process.text()
    }

    /// The output of the first evaluation numbered `n` or later (its status line and what
    /// follows), once it appears in full. "Or later": an event that changed nothing is
    /// evaluated but not shown, so numbers can skip.
    fn wait_for_evaluation(&self, n: usize) -> String {
        let started = Instant::now();
        loop {
            let text = self.text();
            let found = text.match_indices("==> evaluation ").find(|(i, m)| {
                text[i + m.len()..]
                    .split(' ')
                    .next()
                    .and_then(|k| k.parse::<usize>().ok())
                    .is_some_and(|k| k >= n)
            });
            if let Some((start, _)) = found {
                let rest = &text[start..];
                let complete = rest[1..]
                    .find("\n==> ")
                    .map(|end| rest[..end + 1].to_owned());
                if let Some(section) = complete {
                    return section;
                }
                // The last section: complete when the JSON report has closed.
                if rest.trim_end().ends_with('}')
                    || rest.contains("failed") && rest.contains("found")
                {
                    // Take what else is written with it (a write may be split), waking as
                    // soon as it comes.
                    self.process
                        .more_within(text.len(), Duration::from_millis(50));
                    return self.text()[start..].to_owned();
                }
            }
            let left = PATIENCE.saturating_sub(started.elapsed());
            assert!(
                !left.is_zero(),
                "no evaluation {n} within {PATIENCE:?}; output so far:\n{text}"
            );
            self.process.more_within(text.len(), left);
        }
    }

    fn evaluation_count(&self) -> usize {
        self.text().matches("==> evaluation ").count()
    }

    /// A negative can only be shown by waiting: for `quiet`, every piece of output that
    /// arrives is checked at once, and none may start another evaluation.
    fn no_evaluation_within(&self, quiet: Duration) {
        let before = self.evaluation_count();
        let started = Instant::now();
        loop {
            let text = self.text();
            assert_eq!(
                text.matches("==> evaluation ").count(),
                before,
                "an evaluation that should not happen:\n{text}"
            );
            let left = quiet.saturating_sub(started.elapsed());
            if left.is_zero() {
                return;
            }
            self.process.more_within(text.len(), left);
        }
    }

    fn write(&self, p: &str, text: &str) {
        fs::write(self.path(p), text).unwrap();
    }

    fn model_with_quantity(&self, q: &str) -> String {
        MODEL.replace(r#""= improved(table(\"survey\"))""#, q)
    }

    fn interrupt(mut self) -> i32 {
        let status = Command::new("kill")
            .args(["-INT", &self.process.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "watch did not stop on Ctrl-C");
        self.process.wait_for_exit()
    }
}

fn quantity(section: &str) -> String {
    let line = section
        .lines()
        .find(|l| l.contains("\"quantity\""))
        .unwrap_or_default();
    line.split('"').nth(3).unwrap_or_default().to_owned()
}

#[test]
fn first_evaluation_reports_the_model() {
    let w = Watch::start(&[]);
    let first = w.wait_for_evaluation(1);
    assert!(first.contains("ratio 0.19"), "{first}");
    assert_eq!(quantity(&first), "2");
    assert!(!first.contains('\u{1b}'), "no escape codes when piped");
    assert_eq!(w.interrupt(), 0);
}

#[test]
fn an_in_place_write_re_evaluates() {
    let w = Watch::start(&[]);
    w.write("models/w.yaml", &w.model_with_quantity("7"));
    let second = w.wait_for_evaluation(2);
    assert_eq!(quantity(&second), "7");
    assert!(second.contains("ratio 0.19 -> 0.68 (+0.49)"), "{second}");
    assert!(second.contains("changed most: better +£483.09"), "{second}");
}

#[test]
fn write_temp_then_rename_re_evaluates() {
    let w = Watch::start(&[]);
    w.write("models/.w.yaml.tmp123", &w.model_with_quantity("8"));
    fs::rename(w.path("models/.w.yaml.tmp123"), w.path("models/w.yaml")).unwrap();
    assert_eq!(quantity(&w.wait_for_evaluation(2)), "8");
    // And again: the watch survived the rename.
    w.write("models/.w.yaml.tmp456", &w.model_with_quantity("9"));
    fs::rename(w.path("models/.w.yaml.tmp456"), w.path("models/w.yaml")).unwrap();
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "9");
}

#[test]
fn vim_backup_rename_re_evaluates_once() {
    let w = Watch::start(&[]);
    // vim: rename the file to a backup, write the new file, delete the backup.
    fs::rename(w.path("models/w.yaml"), w.path("models/w.yaml~")).unwrap();
    w.write("models/w.yaml", &w.model_with_quantity("5"));
    fs::remove_file(w.path("models/w.yaml~")).unwrap();
    let section = w.wait_for_evaluation(2);
    assert_eq!(quantity(&section), "5", "{section}");
}

#[test]
fn delete_then_recreate_waits_then_recovers() {
    let w = Watch::start(&[]);
    fs::remove_file(w.path("models/w.yaml")).unwrap();
    let gone = w.wait_for_evaluation(2);
    assert!(gone.contains("failed"), "{gone}");
    assert!(
        gone.contains("cannot read the model: no such file"),
        "{gone}"
    );
    assert!(
        gone.contains("the last good report (evaluation 1) is stale"),
        "{gone}"
    );
    w.write("models/w.yaml", &w.model_with_quantity("4"));
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "4");
}

#[test]
fn swap_backup_and_output_files_never_trigger() {
    let w = Watch::start(&["--out", "models/report.json"]);
    // Editors' side files and the tool's own output: none of these is a file the model uses.
    for side in [
        "models/.w.yaml.swp",
        "models/4913",
        "models/w.yaml~",
        "models/data/.~lock.survey.csv#",
    ] {
        w.write(side, "x");
    }
    // Give the watcher time to see them.
    assert_eq!(w.evaluation_count(), 1, "{}", w.text());
    w.no_evaluation_within(Duration::from_millis(600));
    w.write("models/w.yaml", &w.model_with_quantity("3"));
    let section = w.wait_for_evaluation(2);
    assert_eq!(quantity(&section), "3");
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(w.path("models/report.json")).unwrap()).unwrap();
    assert_eq!(written["outcomes"][0]["quantity"], "3");
}

#[test]
fn a_broken_script_shows_the_error_and_keeps_the_last_report_then_recovers() {
    let w = Watch::start(&[]);
    w.write(
        "scripts/w.rhai",
        "fn improved(rows) { rows.filter(|r| r.after - r.before >= 3).len( }\n",
    );
    let broken = w.wait_for_evaluation(2);
    assert!(broken.contains("failed"), "{broken}");
    assert!(broken.contains("script syntax"), "{broken}");
    // Piped, a failure is one more plain section: a `==>` line, then the errors.
    assert!(
        broken.starts_with("==> evaluation 2 failed · ") || broken.starts_with("==> evaluation"),
        "{broken}"
    );
    assert!(
        broken.contains("the last good report (evaluation 1) is stale"),
        "{broken}"
    );
    assert!(!w.text().contains('\u{1b}'), "no escape codes when piped");
    assert!(broken.contains("scripts/w.rhai:1:"), "{broken}");
    w.write(
        "scripts/w.rhai",
        "fn improved(rows) { rows.filter(|r| r.after - r.before >= 1).len() }\n",
    );
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "3");
}

#[test]
fn a_deleted_then_recreated_csv_recovers() {
    let w = Watch::start(&[]);
    fs::remove_file(w.path("models/data/survey.csv")).unwrap();
    let gone = w.wait_for_evaluation(2);
    assert!(
        gone.contains("cannot read the data table: no such file"),
        "{gone}"
    );
    w.write("models/data/survey.csv", "id,before,after\n1,40,45\n");
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "1");
}

#[test]
fn proxy_set_changes_are_followed() {
    let w = Watch::start(&[]);
    w.write(
        "models/proxies/uk.yaml",
        "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  wellbeing: { value: 200, source: test }\n",
    );
    let section = w.wait_for_evaluation(2);
    assert!(section.contains("\"value\": \"200.00\""), "{section}");
}

#[test]
fn a_burst_of_saves_gives_one_evaluation_of_the_final_content() {
    let w = Watch::start(&["--debounce", "400"]);
    for q in ["11", "12", "13", "14", "15"] {
        w.write("models/w.yaml", &w.model_with_quantity(q));
    }
    let section = w.wait_for_evaluation(2);
    assert_eq!(quantity(&section), "15", "{section}");
    assert_eq!(w.evaluation_count(), 2, "{}", w.text());
    w.no_evaluation_within(Duration::from_millis(1200));
}

#[test]
fn files_no_longer_used_stop_being_watched() {
    let w = Watch::start(&[]);
    w.write(
        "models/data/other.csv",
        "id,before,after\n1,1,9\n2,1,9\n3,1,9\n4,1,9\n",
    );
    w.write(
        "models/w.yaml",
        &MODEL.replace("data/survey.csv", "data/other.csv"),
    );
    assert_eq!(quantity(&w.wait_for_evaluation(2)), "4");
    // The old table is no longer used: editing it changes nothing.
    w.write("models/data/survey.csv", "id,before,after\n1,1,9\n");
    assert_eq!(w.evaluation_count(), 2, "{}", w.text());
    w.no_evaluation_within(Duration::from_millis(600));
    // The new one is followed.
    w.write("models/data/other.csv", "id,before,after\n1,1,9\n");
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "1");
}

#[test]
fn imported_modules_are_followed() {
    let w = Watch::start(&[]);
    fs::create_dir_all(w.path("scripts/lib")).unwrap();
    w.write(
        "scripts/lib/rule.rhai",
        "fn gain(r) { r.after - r.before }\n",
    );
    w.write(
        "scripts/w.rhai",
        "import \"lib/rule\" as rule;\nfn improved(rows) { rows.filter(|r| rule::gain(r) >= 3).len() }\n",
    );
    assert_eq!(quantity(&w.wait_for_evaluation(2)), "2");
    // An edit to the module alone re-evaluates.
    w.write(
        "scripts/lib/rule.rhai",
        "fn gain(r) { r.after - r.before + 10 }\n",
    );
    assert_eq!(quantity(&w.wait_for_evaluation(3)), "3");
    // And a broken module recovers once mended.
    w.write("scripts/lib/rule.rhai", "fn gain(r) { r.after - }\n");
    let broken = w.wait_for_evaluation(4);
    assert!(broken.contains("failed"), "{broken}");
    w.write(
        "scripts/lib/rule.rhai",
        "fn gain(r) { r.after - r.before }\n",
    );
    assert_eq!(quantity(&w.wait_for_evaluation(5)), "2");
}

#[test]
fn a_model_whose_folder_does_not_exist_yet_is_waited_for() {
    let w = Watch::start(&[]);
    let later = Collected::spawn(
        Command::new(env!("CARGO_BIN_EXE_sroi"))
            .args(["watch", "later/m.yaml", "--format", "json"])
            .current_dir(w.dir.path()),
    );
    let wait = |needle: &str| later.wait_for(needle);
    wait("cannot read the model: no such file");
    fs::create_dir_all(w.path("later/proxies")).unwrap();
    fs::copy(
        w.path("models/proxies/uk.yaml"),
        w.path("later/proxies/uk.yaml"),
    )
    .unwrap();
    let inline = MODEL
        .replace("script: ../scripts/w.rhai\n", "")
        .replace("data:\n  survey: data/survey.csv\n", "")
        .replace(r#""= improved(table(\"survey\"))""#, "4");
    fs::write(w.path("later/m.yaml"), inline).unwrap();
    wait("\"quantity\": \"4\"");
}

#[cfg(unix)]
#[test]
fn the_out_file_is_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let w = Watch::start(&["--out", "report.json"]);
    let mode = fs::metadata(w.path("report.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    // A failed evaluation leaves the last good report in the file.
    let before = fs::read_to_string(w.path("report.json")).unwrap();
    w.write("models/w.yaml", "sroi: 1\nid: [broken\n");
    assert!(w.wait_for_evaluation(2).contains("failed"));
    assert_eq!(fs::read_to_string(w.path("report.json")).unwrap(), before);
}

#[test]
fn polling_follows_edits_too() {
    let w = Watch::start(&["--poll"]);
    w.write("models/w.yaml", &w.model_with_quantity("6"));
    assert_eq!(quantity(&w.wait_for_evaluation(2)), "6");
}

#[test]
fn ctrl_c_exits_cleanly() {
    let w = Watch::start(&[]);
    assert_eq!(w.interrupt(), 0);
}

/// On a terminal the screen is redrawn: run under `script`, which gives the process a
/// pseudo-terminal (24 rows, 80 columns). (`script` is part of util-linux, on every Debian
/// machine.)
#[test]
fn on_a_terminal_the_screen_is_redrawn_with_a_status_line() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: `script` is not installed, so no terminal can be simulated");
        return;
    }
    let w = Watch::start(&[]);
    let root = w.dir.path();
    let command = format!(
        "stty rows 24 cols 80; timeout -s INT 20 {} watch models/w.yaml",
        env!("CARGO_BIN_EXE_sroi")
    );
    let screen = Collected::spawn(
        Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            .current_dir(root)
            .env("NO_COLOR", "1"),
    );
    let wait_for = |needle: &str| screen.wait_for(needle);
    wait_for("── evaluation 1 ·");
    w.write("models/w.yaml", &w.model_with_quantity("7"));
    wait_for("ratio 0.19 -> 0.68 (+0.49)");
    // A broken save: the status line and the error at the top of the screen, the last
    // good report under them, marked stale, cut to the screen's height.
    w.write("models/w.yaml", "sroi: 1\nid: [broken\n");
    // The whole of the newest screen: its error and the stale report's last line (a
    // redraw can be read half-written).
    let newest = |text: &str| {
        text.replace("\r\n", "\n")
            .rsplit("\u{1b}[H\u{1b}[2J")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    screen.wait_until("the broken save's whole screen", |text| {
        let last = newest(text);
        last.contains("models/w.yaml:2:")
            && last
                .contains("more lines of the stale report; fix the errors to see the current one")
    });
    let text = screen.text().replace("\r\n", "\n");
    let last = text
        .rsplit("\u{1b}[H\u{1b}[2J")
        .next()
        .unwrap_or_default()
        .to_owned();
    let lines: Vec<&str> = last.lines().collect();
    assert!(
        lines[0].starts_with("── evaluation ") && lines[0].contains(" failed · "),
        "the status line is on top:\n{last}"
    );
    assert!(lines[1].contains('×'), "the error follows it:\n{last}");
    let error_line = lines
        .iter()
        .position(|l| l.contains("models/w.yaml:2:"))
        .unwrap();
    let stale = lines
        .iter()
        .position(|l| {
            l.starts_with("── last good report (evaluation ")
                && l.contains(", stale: the files changed since and now have errors) ──")
        })
        .unwrap_or_else(|| panic!("no stale marker:\n{last}"));
    assert!(error_line < stale, "{last}");
    // The stale report is the last good one (quantity 7), under the marker.
    assert!(
        lines[stale + 1..]
            .iter()
            .any(|l| l.contains("Impact map") || l.contains("Inputs")),
        "{last}"
    );
    assert!(
        lines.len() <= 24,
        "{} lines, more than the screen:\n{last}",
        lines.len()
    );
    assert!(
        lines.last().unwrap().starts_with("── … "),
        "the cut is said last:\n{last}"
    );
    assert!(text.contains("of social value per £1 invested"), "{text}");
    // Dropping `screen` ends `script`, and the hang-up ends the watch.
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The choir's score in a JSON asset list (hand-worked in tests/assets.rs: 6 with
/// weight 2, 8 with weight 3).
fn choir_score(text: &str) -> Option<String> {
    let start = text.rfind("{\n  \"assets\"")?;
    let json: serde_json::Value =
        serde_json::from_str(text.get(start..)?.split("\n==>").next()?).ok()?;
    json["assets"]
        .as_array()?
        .iter()
        .find(|a| a["id"] == "choir")
        .map(|a| a["score"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn a_register_is_watched_and_its_rules_re_run_on_a_save() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/small"),
        root,
    );
    let process = Collected::spawn(
        Command::new(env!("CARGO_BIN_EXE_sroi"))
            .args(["watch", "registers/town.yaml", "--format", "json"])
            .current_dir(root)
            .env("NO_COLOR", "1"),
    );
    process.wait_for("==> evaluation 1 ");
    process.wait_for("asset register");
    process.wait_until("choir score", |text| choir_score(text).is_some());
    assert_eq!(choir_score(&process.text()).as_deref(), Some("6"));
    let register = root.join("registers/town.yaml");
    let text = fs::read_to_string(&register).unwrap();
    fs::write(&register, text.replace("weight: 2", "weight: 3")).unwrap();
    process.wait_for("==> evaluation 2 ");
    process.wait_until("choir score 8", |text| {
        choir_score(text).as_deref() == Some("8")
    });
}

/// Run `sroi ARGS` in `root` and wait for it to end; a watch that does not stop by itself
/// within the patience fails the test (it was not refused).
fn finished(root: &Path, args: &[&str]) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_sroi"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = rx.recv_timeout(PATIENCE);
    if output.is_err() {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    output
        .unwrap_or_else(|_| {
            panic!(
                "`sroi {}` was still running after {PATIENCE:?}",
                args.join(" ")
            )
        })
        .unwrap()
}

/// Every file under `root`, with its bytes (links as `-> target`).
fn snapshot(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut all = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                all.insert(path, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                stack.push(path);
            } else {
                all.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    all
}

#[test]
fn out_naming_an_input_is_refused_before_anything_is_written() {
    for out in [
        "models/w.yaml",
        "./models/data/../w.yaml",
        "scripts/w.rhai",
        "models/data/survey.csv",
        "models/proxies/uk.yaml",
        // A link to the model: writing would replace the link, and the next save
        // through it would be the report.
        "report.json",
    ] {
        let dir = project();
        let root = dir.path();
        #[cfg(unix)]
        std::os::unix::fs::symlink("models/w.yaml", root.join("report.json")).unwrap();
        let before = snapshot(root);
        let output = finished(
            root,
            &["watch", "models/w.yaml", "--format", "json", "--out", out],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--out {out}: {stderr}");
        assert!(
            stderr.contains("is one of the model's inputs"),
            "--out {out}: {stderr}"
        );
        assert!(
            stderr.contains("choose another file"),
            "--out {out}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "--out {out}: no report printed");
        assert_eq!(snapshot(root), before, "--out {out}: a file changed");
    }
}

#[test]
fn out_naming_a_model_that_does_not_exist_yet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for out in ["later/./m.yaml", "later/sub/../m.yaml", "./later/m.yaml"] {
        let output = finished(
            root,
            &["watch", "later/m.yaml", "--format", "json", "--out", out],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--out {out}: {stderr}");
        assert!(
            stderr.contains("is one of the model's inputs"),
            "--out {out}: {stderr}"
        );
        assert!(!root.join("later").exists(), "--out {out}: nothing written");
    }
}

#[test]
fn run_out_naming_an_input_is_refused_too() {
    for out in ["models/w.yaml", "scripts/w.rhai", "models/data/survey.csv"] {
        let dir = project();
        let root = dir.path();
        let before = snapshot(root);
        let output = finished(root, &["run", "models/w.yaml", "--out", out]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--out {out}: {stderr}");
        assert!(
            stderr.contains("is one of the model's inputs"),
            "--out {out}: {stderr}"
        );
        assert_eq!(snapshot(root), before, "--out {out}: a file changed");
    }
    // Another file is written as before.
    let dir = project();
    let output = finished(
        dir.path(),
        &[
            "run",
            "models/w.yaml",
            "--format",
            "json",
            "--out",
            "report.json",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let written = fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(written.contains("\"quantity\": \"2\""), "{written}");
}

#[test]
fn the_model_is_found_again_after_its_folder_is_deleted_and_recreated() {
    let w = Watch::start(&[]);
    fs::remove_dir_all(w.path("models")).unwrap();
    let gone = w.wait_for_evaluation(2);
    assert!(
        gone.contains("cannot read the model: no such file"),
        "{gone}"
    );
    // The folder comes back (a checkout, an undo, a sync), then its files.
    fs::create_dir_all(w.path("models/data")).unwrap();
    fs::create_dir_all(w.path("models/proxies")).unwrap();
    write_project(w.dir.path());
    w.write("models/w.yaml", &w.model_with_quantity("6"));
    w.process.wait_for("\"quantity\": \"6\"");
    // And it is followed from then on.
    let shown = w.evaluation_count();
    w.write("models/w.yaml", &w.model_with_quantity("9"));
    let next = w.wait_for_evaluation(shown + 1);
    assert_eq!(quantity(&next), "9", "{next}");
}

#[cfg(unix)]
#[test]
fn edits_through_a_symlinked_model_are_followed() {
    let dir = project();
    let root = dir.path();
    // The model lives elsewhere (a synced folder, say); the project holds a link to it.
    fs::create_dir_all(root.join("elsewhere")).unwrap();
    fs::rename(root.join("models/w.yaml"), root.join("elsewhere/w.yaml")).unwrap();
    std::os::unix::fs::symlink(root.join("elsewhere/w.yaml"), root.join("models/w.yaml")).unwrap();
    let w = Watch::start_in(dir, "models/w.yaml", &[]);
    assert_eq!(quantity(&w.wait_for_evaluation(1)), "2");
    w.write("elsewhere/w.yaml", &w.model_with_quantity("7"));
    assert_eq!(quantity(&w.wait_for_evaluation(2)), "7");
    // Pointing the link at another file is followed too.
    w.write("elsewhere/v.yaml", &w.model_with_quantity("5"));
    fs::remove_file(w.path("models/w.yaml")).unwrap();
    std::os::unix::fs::symlink(w.path("elsewhere/v.yaml"), w.path("models/w.yaml")).unwrap();
    w.process.wait_for("\"quantity\": \"5\"");
    let shown = w.evaluation_count();
    w.write("elsewhere/v.yaml", &w.model_with_quantity("4"));
    assert_eq!(quantity(&w.wait_for_evaluation(shown + 1)), "4");
}

#[test]
fn a_model_edited_to_read_the_out_file_is_evaluated_but_the_file_is_not_written() {
    let w = Watch::start(&["--out", "models/data/other.csv"]);
    assert!(w.path("models/data/other.csv").exists());
    // The user turns the report file into a table, and points the model at it.
    let table = "id,before,after\n1,1,9\n2,1,9\n3,1,9\n4,1,9\n";
    w.write("models/data/other.csv", table);
    w.write(
        "models/w.yaml",
        &MODEL.replace("data/survey.csv", "data/other.csv"),
    );
    let section = w.wait_for_evaluation(2);
    assert_eq!(quantity(&section), "4", "{section}");
    assert!(
        section.contains("not written to models/data/other.csv: it is one of the model's inputs"),
        "{section}"
    );
    assert_eq!(
        fs::read_to_string(w.path("models/data/other.csv")).unwrap(),
        table
    );
}
