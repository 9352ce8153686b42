//! What one evaluation lets scripts see: the params and proxy values of its scenario.
//!
//! The compiled engine is shared by every evaluation (and every thread), so it cannot
//! hold these values itself. An evaluation puts them in this thread's `Bindings` for the
//! duration of its rule calls; the host functions (`param`, `proxy`, params as plain
//! variables) read them from there and note each name they read, so a rule's result can
//! be cached on exactly the figures it used.

use std::cell::RefCell;
use std::collections::BTreeMap;

use rhai::Position;
use rust_decimal::Decimal;

/// A figure a rule read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Read {
    Param(String),
    Proxy(String),
}

/// The values visible to rules during one evaluation.
#[derive(Debug, Default)]
pub struct Bindings {
    pub params: BTreeMap<String, Decimal>,
    pub proxies: BTreeMap<String, Decimal>,
    /// The active proxy set's id, for messages.
    pub proxy_set: String,
    /// What the rule running now has read, in order (duplicates allowed).
    pub reads: Vec<Read>,
    /// `file:line` of the YAML expression running now, for `print` from it.
    pub site: String,
}

impl Bindings {
    /// The current value of something a rule read (`None`: it does not exist).
    pub fn value_of(&self, read: &Read) -> Option<Decimal> {
        match read {
            Read::Param(name) => self.params.get(name).copied(),
            Read::Proxy(id) => self.proxies.get(id).copied(),
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Bindings>> = const { RefCell::new(None) };
}

/// Run `f` with `bindings` visible to scripts on this thread, and hand them back after.
/// Nested calls keep the outer bindings aside and restore them.
pub fn with<R>(bindings: &mut Bindings, f: impl FnOnce() -> R) -> R {
    let outer = CURRENT.with(|c| c.replace(Some(std::mem::take(bindings))));
    let result = f();
    if let Some(inner) = CURRENT.with(|c| c.replace(outer)) {
        *bindings = inner;
    }
    result
}

/// Why a lookup found nothing.
pub enum Missing {
    /// No evaluation is running: the script's top level, which runs once at load.
    TopLevel,
    /// The name is not bound; the names that are, for suggestions.
    Unknown(Vec<String>),
}

/// A param's value, noting the read. `None` outside an evaluation.
pub fn param(name: &str) -> Result<Decimal, Missing> {
    CURRENT.with(|c| {
        let mut current = c.borrow_mut();
        let Some(b) = current.as_mut() else {
            return Err(Missing::TopLevel);
        };
        b.reads.push(Read::Param(name.to_owned()));
        b.params
            .get(name)
            .copied()
            .ok_or_else(|| Missing::Unknown(b.params.keys().cloned().collect()))
    })
}

/// A param as a plain variable: only a bound name counts as a read (a script's own
/// undefined variable is Rhai's error to report).
pub fn variable(name: &str) -> Option<Decimal> {
    CURRENT.with(|c| {
        let mut current = c.borrow_mut();
        let b = current.as_mut()?;
        let value = b.params.get(name).copied()?;
        b.reads.push(Read::Param(name.to_owned()));
        Some(value)
    })
}

/// A proxy value in the active set, noting the read. Also gives the set's id for messages.
pub fn proxy(id: &str) -> Result<Decimal, (Missing, String)> {
    CURRENT.with(|c| {
        let mut current = c.borrow_mut();
        let Some(b) = current.as_mut() else {
            return Err((Missing::TopLevel, String::new()));
        };
        b.reads.push(Read::Proxy(id.to_owned()));
        b.proxies.get(id).copied().ok_or_else(|| {
            (
                Missing::Unknown(b.proxies.keys().cloned().collect()),
                b.proxy_set.clone(),
            )
        })
    })
}

/// `FILE:LINE` for `print`/`debug`: the script line when called from a script, else the
/// YAML expression running now.
pub fn place(source: Option<&str>, pos: Position) -> String {
    match (source, pos.line()) {
        (Some(file), Some(line)) if !file.is_empty() => format!("{file}:{line}"),
        _ => CURRENT.with(|c| {
            c.borrow()
                .as_ref()
                .map(|b| b.site.clone())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "script".to_owned())
        }),
    }
}
