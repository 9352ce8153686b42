//! Where inside a script a limit was hit.
//!
//! Rhai passes its limit errors (too many operations, data too large, calls nested too
//! deep) straight out of every script function, each function overwriting the position
//! with its own call site: what arrives names only the YAML expression at the top of the
//! chain. So a rule that hits a limit is run once more, the same way (scripts are
//! deterministic), and stopped with an ordinary error at the last variable it read before
//! the limit. An ordinary error is wrapped by every function it leaves, so it arrives with
//! the `.rhai` file, line and call chain of that place.
//!
//! The cost while nothing fails is one counter increment per variable read.

use std::cell::Cell;

use rhai::{Dynamic, EvalAltResult, Position};

/// What the locating run stops with (never shown: the diagnostic keeps the limit's message).
const MARKER: &str = "sroi: located the limit";

#[derive(Clone, Copy, Default)]
struct State {
    /// Variables read so far by the rule running now.
    reads: u64,
    /// During the locating run: stop at this read.
    stop_at: Option<u64>,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State { reads: 0, stop_at: None }) };
}

/// Called by the engine for every variable read: counts it, and during the locating run
/// stops at the read the failing run made last.
pub fn on_variable() -> Result<(), Box<EvalAltResult>> {
    STATE.with(|s| {
        let mut state = s.get();
        state.reads = state.reads.saturating_add(1);
        s.set(state);
        match state.stop_at {
            Some(n) if n == state.reads => {
                Err(EvalAltResult::ErrorRuntime(Dynamic::from(MARKER), Position::NONE).into())
            }
            _ => Ok(()),
        }
    })
}

/// Whether output (`print`, `debug`) should be held back: the locating run repeats a run
/// that has already printed.
pub fn quiet() -> bool {
    STATE.with(|s| s.get().stop_at.is_some())
}

/// Whether Rhai reports this limit without saying where in a script it was hit.
pub fn is_unlocated_limit(err: &EvalAltResult) -> bool {
    matches!(
        err,
        EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorDataTooLarge(..)
            | EvalAltResult::ErrorStackOverflow(_)
    )
}

/// Run `rule`, counting variable reads from zero.
pub fn counting<R>(rule: impl FnOnce() -> R) -> R {
    STATE.with(|s| s.set(State::default()));
    let result = rule();
    STATE.with(|s| {
        let mut state = s.get();
        state.stop_at = None;
        s.set(state);
    });
    result
}

/// After `counting(rule)` failed with a limit: run `rule` again, quietly, stopping at the
/// last variable read before the limit. The error that gives, if it is ours: its chain
/// of calls holds the place.
pub fn relocate<T>(
    rule: impl FnOnce() -> Result<T, Box<EvalAltResult>>,
) -> Option<Box<EvalAltResult>> {
    let last = STATE.with(|s| s.get().reads);
    if last == 0 {
        return None;
    }
    STATE.with(|s| {
        s.set(State {
            reads: 0,
            stop_at: Some(last),
        })
    });
    let result = rule();
    STATE.with(|s| s.set(State::default()));
    match result {
        Err(e) if is_marker(&e) => Some(e),
        // The deadline passed during the run again (it runs within the same one): where
        // that stopped it is as good a place, and nearer to the limit than nothing.
        Err(e) if super::budget::stopped() => Some(e),
        _ => None,
    }
}

/// Whether `err` (through its wrappers) is the locating run's stop.
fn is_marker(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => is_marker(inner),
        EvalAltResult::ErrorRuntime(value, _) => value
            .clone()
            .into_immutable_string()
            .is_ok_and(|s| s == MARKER),
        _ => false,
    }
}
