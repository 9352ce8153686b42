//! Reading typed values out of the spanned YAML tree while collecting every problem.
//!
//! Loaders ask a `Reader` for strings, ids, numbers and choices; each failure becomes a
//! located diagnostic and the loader carries on with the next field, so a file with five
//! mistakes gets five messages in one run.

use std::sync::Arc;

use super::number::{self, NumberField, NumberKind};
use super::types::Located;
use super::yaml::{Node, Value};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::suggest;

pub struct Reader {
    pub file: Arc<SourceFile>,
    pub diagnostics: Diagnostics,
}

impl Reader {
    pub fn new(file: Arc<SourceFile>) -> Self {
        Reader {
            file,
            diagnostics: Diagnostics::default(),
        }
    }

    /// An error at `span` in this file.
    pub fn error(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        let d = Diagnostic::error(message)
            .code("sroi::model")
            .at(&self.file, span)
            .maybe_help(help);
        self.diagnostics.push(d);
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Open a mapping; anything else is reported.
    pub fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.span,
                format!(
                    "{what} should be a mapping of `key: value` lines, found {}",
                    node.value.kind()
                ),
                Some("write its fields as `key: value` lines, indented under it (or `{ key: value, ... }` on one line)".into()),
            );
            return None;
        };
        let mut keys = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match &key.value {
                Value::String(k) => keys.push((k.as_str(), key, value)),
                Value::Number(k) => keys.push((k.as_str(), key, value)),
                other => self.error(
                    key.span,
                    format!("keys in {what} must be words, found {}", other.kind()),
                    Some("write each key as a word followed by `:`; quote it if YAML reads it as something else".into()),
                ),
            }
        }
        Some(Fields {
            anchor: entries
                .first()
                .map_or(Span::new(node.span.offset, 0), |(k, _)| k.span),
            used: vec![false; keys.len()],
            entries: keys,
            what: what.to_owned(),
        })
    }

    /// A sequence; `null` (an empty key) reads as an empty list.
    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> &'n [Node] {
        match &node.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            other => {
                self.error(
                    node.span,
                    format!(
                        "`{what}` should be a list (lines starting with `- `), found {}",
                        other.kind()
                    ),
                    Some(format!("write each item of `{what}` on its own line starting with `- `, indented under `{what}:`")),
                );
                &[]
            }
        }
    }

    /// Free text. Numbers are accepted as their written text (e.g. `period: 2024`).
    pub fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            other => {
                self.error(
                    node.span,
                    format!("`{what}` should be text, found {}", other.kind()),
                    Some(format!("write the text after the colon on the same line, e.g. `{what}: ...`; quote it if it contains `: ` or starts with a symbol")),
                );
                None
            }
        }
    }

    pub fn located_text(&mut self, node: &Node, what: &str) -> Option<Located<String>> {
        self.text(node, what).map(|t| Located::new(t, node.span))
    }

    /// An identifier: lowercase letters, digits and `sep`.
    pub fn id(&mut self, node: &Node, what: &str, sep: char) -> Option<Located<String>> {
        let text = self.text(node, what)?;
        let valid = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == sep);
        if valid {
            return Some(Located::new(text, node.span));
        }
        let suggestion: String = text
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    sep
                }
            })
            .collect();
        let help = if suggestion.is_empty() {
            format!("use lowercase letters, digits and `{sep}`")
        } else {
            format!("use lowercase letters, digits and `{sep}`, e.g. `{suggestion}`")
        };
        self.error(
            node.span,
            format!("`{text}` is not a valid {what}"),
            Some(help),
        );
        None
    }

    pub fn number(&mut self, node: &Node, kind: NumberKind, what: &str) -> Option<NumberField> {
        match number::read(node, kind) {
            Ok(field) => Some(field),
            Err(e) => {
                self.error(node.span, format!("`{what}`: {}", e.message), Some(e.help));
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn choice<'c>(&mut self, node: &Node, what: &str, choices: &[&'c str]) -> Option<&'c str> {
        let text = self.text(node, what)?;
        if let Some(found) = choices.iter().find(|c| **c == text) {
            return Some(found);
        }
        let help = suggest::did_you_mean(&text, choices.iter().copied())
            .unwrap_or_else(|| format!("write {}", suggest::one_of(choices.iter().copied())));
        self.error(
            node.span,
            format!(
                "`{what}` must be {}, not `{text}`",
                suggest::one_of(choices.iter().copied())
            ),
            Some(help),
        );
        None
    }

    /// The problems found, in the order they appear in the file.
    pub fn finish(mut self) -> Diagnostics {
        self.diagnostics
            .0
            .sort_by_key(|d| d.span.map_or(usize::MAX, |s| s.offset));
        self.diagnostics
    }
}

/// The keys of one mapping, tracking which were read.
pub struct Fields<'n> {
    entries: Vec<(&'n str, &'n Node, &'n Node)>,
    used: Vec<bool>,
    anchor: Span,
    what: String,
}

impl<'n> Fields<'n> {
    pub fn get(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|(k, _, _)| *k == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries.get(i).map(|(_, _, v)| *v)
    }

    /// Every key with its place, in file order (for free-form maps such as `params`).
    pub fn keys(&self) -> Vec<Located<String>> {
        self.entries
            .iter()
            .map(|(k, node, _)| Located::new((*k).to_owned(), node.span))
            .collect()
    }

    /// A key that must be present and not empty.
    pub fn required(&mut self, r: &mut Reader, key: &str) -> Option<&'n Node> {
        match self.get(key) {
            Some(node) if node.value != Value::Null => Some(node),
            Some(node) => {
                r.error(
                    node.span,
                    format!("`{key}` in {} is empty", self.what),
                    Some(format!("give `{key}` a value")),
                );
                None
            }
            // A misspelt key (`proxys:`) is reported once, as an unknown key with a
            // did-you-mean, not again as a missing one.
            None if self
                .entries
                .iter()
                .any(|(k, _, _)| *k != key && suggest::closest(k, [key]).is_some()) =>
            {
                None
            }
            None => {
                r.error(
                    self.anchor,
                    format!("{} has no `{key}`", self.what),
                    Some(format!("add `{key}:`; it is required")),
                );
                None
            }
        }
    }

    /// A key that may be absent; an explicit `null` counts as absent.
    pub fn optional(&mut self, key: &str) -> Option<&'n Node> {
        self.get(key).filter(|n| n.value != Value::Null)
    }

    /// Where to point when something is missing: the mapping's first key.
    pub fn anchor(&self) -> Span {
        self.anchor
    }

    /// Report keys that were never read, with the nearest allowed key.
    pub fn finish(self, r: &mut Reader, allowed: &[&str]) {
        for ((key, key_node, _), used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let help = suggest::did_you_mean(key, allowed.iter().copied())
                .unwrap_or_else(|| format!("keys allowed here: {}", allowed.join(", ")));
            r.push(
                Diagnostic::error(format!("unknown key `{key}` in {}", self.what))
                    .code("sroi::model::unknown-key")
                    .at(&r.file, key_node.span)
                    .label("not a key sroi knows")
                    .help(help),
            );
        }
    }
}
