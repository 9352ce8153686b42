//! An output file (`--out`, `--receipt`) must never be one of the files the model read:
//! writing the report over the model, its script or a table would destroy the user's work.

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, display_path};

/// What an input of a model evaluation is called in a refusal.
pub const MODEL_INPUT: &str = "one of the model's inputs";

/// One name for a file, whichever way a path spells it: links and `..` resolved as far as
/// the path exists, then the missing rest taken as written, with `.` dropped and `..`
/// removing a name. Two paths with the same identity are the same file, or will be once
/// it is created.
pub fn identity(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(real) = std::fs::canonicalize(&absolute) {
        return real;
    }
    let components: Vec<Component<'_>> = absolute.components().collect();
    for split in (1..components.len()).rev() {
        let head: PathBuf = components[..split].iter().collect();
        let Ok(mut resolved) = std::fs::canonicalize(&head) else {
            continue;
        };
        for part in &components[split..] {
            match part {
                Component::CurDir => {}
                Component::ParentDir => {
                    resolved.pop();
                }
                other => resolved.push(other.as_os_str()),
            }
        }
        return resolved;
    }
    absolute
}

/// The input `out` would overwrite, if any: the same file under any spelling, through a
/// link either way, or not created yet.
pub fn input_named_by<'a>(
    out: &Path,
    inputs: impl IntoIterator<Item = &'a PathBuf>,
) -> Option<&'a PathBuf> {
    let out = identity(out);
    inputs.into_iter().find(|input| identity(input) == out)
}

/// The error for `option FILE` naming `input`, which is `what` ("one of the model's
/// inputs"). A command-line problem (exit 2): the files are fine, the command asks for one
/// of them to be overwritten.
pub fn refusal(option: &str, out: &Path, input: &Path, what: &str) -> Diagnostic {
    let (out, input) = (display_path(out), display_path(input));
    let spelled = if out == input {
        String::new()
    } else {
        format!(" ({input})")
    };
    Diagnostic::error(format!(
        "{option} {out} is {what}{spelled}: refusing to overwrite it"
    ))
    .code("sroi::cli")
    .help(format!(
        "nothing was written; choose another file for {option}, one the command does not read"
    ))
}
