//! A proxy set named on the command line (`--proxies NAME` or `PATH`) may be anywhere, but
//! it is read only when it is an sroi file: a file of another kind, reached directly or
//! through a link, is refused by name without a line of it shown.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Output, sroi};

/// Text only the plain file holds.
const SECRET: &str = "TOPSECRET-c41d";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn model() -> String {
    "sroi: 1\nid: m\nname: M\ncurrency: GBP\ndiscount_rate: 0%\nstakeholders:\n  - id: people\n  - id: funder\ninputs:\n  - { stakeholder: funder, description: Grant, value: 100 }\noutcomes:\n  - id: o\n    stakeholder: people\n    quantity: 2\n    proxy: visit\n    duration: 1\n".to_owned()
}

fn refused_without_the_secret(out: &Output, shown: &str) {
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains(SECRET) && !out.stdout.contains(SECRET),
        "the file's content was shown:\n{}{}",
        out.stdout,
        out.stderr
    );
    // Long paths wrap the message: compare it as one line, without the gutter.
    let message = out
        .stderr
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        message.contains("is not an sroi proxy-set file"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(shown), "{}", out.stderr);
    assert!(out.stderr.contains("help:"), "{}", out.stderr);
}

#[test]
fn a_plain_file_named_by_proxies_is_refused_without_being_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let m = root.join("proj/models/m.yaml");
    write(&m, &model());
    let m = m.to_string_lossy().into_owned();
    let plain = format!("user: alice\npassword={SECRET}\n# {SECRET}\n");
    let outside = root.join("elsewhere/secret.yaml");
    write(&outside, &plain);
    let inside = root.join("proj/models/proxies/notes.yaml");
    write(&inside, &plain);

    // By path, outside the project or inside it (long paths wrap, so the name is checked).
    for (path, name) in [(&outside, "secret.yaml"), (&inside, "notes.yaml")] {
        let out = sroi(&["run", &m, "--proxies", &path.to_string_lossy()]);
        refused_without_the_secret(&out, name);
    }

    // By name, the set being a link to the plain file.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, root.join("proj/models/proxies/pw.yaml")).unwrap();
        let out = sroi(&["run", &m, "--proxies", "pw"]);
        refused_without_the_secret(&out, "pw.yaml");
        assert!(out.stderr.contains("proxy set `pw`"), "{}", out.stderr);
    }

    // A real set outside the project still works: 2 × 150 for 100 invested.
    let set = root.join("elsewhere/real.yaml");
    write(
        &set,
        "sroi: 1\nid: real\nname: Real\ncurrency: GBP\nproxies:\n  visit:\n    value: 150\n    price_year: 2024\n    source: test, illustrative\n",
    );
    let out = sroi(&[
        "run",
        &m,
        "--proxies",
        &set.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["ratio"], "3.0000", "{json}");
}
