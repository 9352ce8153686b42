//! Rating: every asset of a register through its rules, reporting each distinct rule
//! error once (naming the other assets it hit) rather than once per row.

use std::path::Path;

use super::register::{self, LoadOptions, Register};
use super::{Mapped, Rating};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::script::budget;
use crate::source::Files;

/// Most rule errors reported from one run; the rest are counted.
const MAX_RULE_ERRORS: usize = 20;

/// Load a register and rate every asset with its rules.
pub fn load_mapped(
    files: &mut dyn Files,
    path: &Path,
    set: &[(String, String)],
    allow_paths: &[std::path::PathBuf],
) -> Result<(Mapped, Diagnostics), Diagnostics> {
    let options = LoadOptions {
        set: set.to_vec(),
        skip_rules: false,
        allow_paths: allow_paths.to_vec(),
    };
    let (register, warnings) = register::load(files, path, &options)?;
    let ratings = rate(&register)?;
    Ok((Mapped { register, ratings }, warnings))
}

pub fn rate(register: &Register) -> Result<Vec<Rating>, Diagnostics> {
    let Some(rules) = &register.rules else {
        return Ok(register
            .assets
            .iter()
            .map(|_| Rating {
                themes: Vec::new(),
                score: rust_decimal::Decimal::ZERO,
                reason: None,
            })
            .collect());
    };
    let mut out = Diagnostics::default();
    // One error shown per place in the script and kind of problem; the other assets it
    // hit are named after it, so a rule that fails for every row is one message.
    let mut seen: Vec<(String, Vec<String>)> = Vec::new();
    let mut failed = 0usize;
    let mut ratings = Vec::with_capacity(register.assets.len());
    // One run over the register is one evaluation: one deadline, one memory budget.
    let limits = rules.limits();
    let _run = budget::Run::start(limits.timeout, limits.memory);
    for asset in &register.assets {
        if budget::stopped() {
            // The deadline or the budget stopped a rule, whose error is shown; the
            // assets after it would only stop the same way.
            break;
        }
        match rules.rate(&register.columns, asset) {
            Ok(r) => ratings.push(r),
            Err(d) => {
                let what = d
                    .message
                    .split_once("): ")
                    .map_or(d.message.as_str(), |(_, m)| m);
                let key = format!(
                    "{:?}:{:?}:{what}",
                    d.file.as_ref().map(|f| f.name.clone()),
                    d.span
                );
                match seen.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, others)) => others.push(asset.id.clone()),
                    None => {
                        failed += 1;
                        if failed <= MAX_RULE_ERRORS {
                            seen.push((key, Vec::new()));
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
    for (d, (_, others)) in out.0.iter_mut().zip(&seen) {
        if !others.is_empty() {
            let also = format!(
                "the same error for {}: {}",
                crate::diagnostic::plural(others.len(), "more asset"),
                others.join(", ")
            );
            d.help = Some(match d.help.take() {
                Some(h) => format!("{h}\n{also}"),
                None => also,
            });
        }
    }
    if let Some((message, help)) = budget::stop_words()
        && !out.has_errors()
    {
        // A rule caught the stop (`try … catch`): the ratings are incomplete.
        out.push(Diagnostic::error(message).help(help));
    }
    if failed > MAX_RULE_ERRORS {
        out.push(Diagnostic::error(format!(
            "… and {} more different rule errors",
            failed - MAX_RULE_ERRORS
        )));
    }
    if out.has_errors() {
        return Err(super::coded(out, "sroi::assets::rule"));
    }
    Ok(ratings)
}
