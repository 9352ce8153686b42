//! Runs the CLI in-process, capturing what it prints.
#![allow(dead_code)]

pub mod browser;
pub mod fixtures;

use sroi::cli::{Io, run};
use sroi::diagnostic::Style;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `sroi ARGS...` from the crate root, with plain (colourless) diagnostics.
pub fn sroi(args: &[&str]) -> Output {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdout: &mut out,
        stderr: &mut err,
        style: Style::Plain,
    };
    let mut argv = vec!["sroi"];
    argv.extend_from_slice(args);
    let code = run(argv, &mut io);
    Output {
        code,
        stdout: String::from_utf8(out).expect("utf-8 stdout"),
        stderr: String::from_utf8(err).expect("utf-8 stderr"),
    }
}

/// Path of a file relative to the crate root, as the tests pass it on the command line.
pub fn relative(path: &std::path::Path) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
