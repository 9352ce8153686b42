//! The time and memory one evaluation may use: a wall-clock deadline (`--timeout`) and a
//! budget for the bytes script values hold (`--script-memory`).
//!
//! Rhai's operations limit bounds neither: a loop of slow native calls runs for minutes
//! within it, and a loop that nests maps fills gigabytes. So the engine's progress hook
//! (called on every operation) compares this thread's allocations (`allocated`) with
//! their count when the evaluation began, and now and then the clock with the deadline.
//!
//! A stop should name the script line that was running. Rhai's own termination (the
//! progress hook's token) arrives without it: like every limit, it leaves each function
//! with that function's call site. An ordinary error keeps its place. So when a limit is
//! passed, the next variable read (and `print`/`debug`) fails with an ordinary error, and
//! only if none comes within `GRACE` operations does the hook terminate the script.
//!
//! What counts as one evaluation: `scope` starts the budget unless one is running on this
//! thread already, so an evaluation of a model (all its rules, under one scenario), the
//! top level of a script when it is loaded, and one run of a register's asset rules each
//! get the whole budget once.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rhai::{Dynamic, EvalAltResult, Position};

use super::allocated;

/// Operations a stopped script may still run before it is terminated without a place
/// (when it reads no variable: `loop {}`).
const GRACE: u32 = 1_000;

/// The allocator's backstop (`allocated::set_ceiling`), in budgets: an ordinary operation
/// holds at most about three times what the values it starts from hold.
const CEILING_FACTOR: usize = 3;

/// `print` and `debug` lines one evaluation may write; the rest are counted, not shown.
pub const MAX_OUTPUT_LINES: u32 = 1_000;

/// How often (in operations) the clock is read: cheap as it is, not on every operation.
const CLOCK_EVERY: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Time,
    Memory,
}

#[derive(Clone, Copy)]
struct State {
    active: bool,
    deadline: Option<Instant>,
    timeout: Duration,
    /// `allocated::net()` when the evaluation began.
    base: isize,
    memory: usize,
    stop: Option<Stop>,
    grace: u32,
    lines: u32,
}

const IDLE: State = State {
    active: false,
    deadline: None,
    timeout: Duration::ZERO,
    base: 0,
    memory: 0,
    stop: None,
    grace: 0,
    lines: 0,
};

thread_local! {
    static STATE: Cell<State> = const { Cell::new(IDLE) };
}

/// One evaluation's budget on this thread, from `start` until dropped.
pub struct Run {
    /// Whether this run started the budget (and so ends it); `false` inside another.
    owner: bool,
}

impl Run {
    /// Start an evaluation with `timeout` and `memory` bytes, unless one is running on
    /// this thread already (then this is part of it).
    pub fn start(timeout: Duration, memory: usize) -> Run {
        if STATE.with(|s| s.get().active) {
            return Run { owner: false };
        }
        let base = allocated::net();
        STATE.with(|s| {
            s.set(State {
                active: true,
                deadline: Instant::now().checked_add(timeout),
                timeout,
                base,
                memory,
                ..IDLE
            })
        });
        allocated::set_ceiling(ceiling(base, memory));
        Run { owner: true }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if self.owner {
            STATE.with(|s| s.set(IDLE));
            allocated::set_ceiling(isize::MAX);
        }
    }
}

/// The allocator's backstop for an evaluation that began at `base` with `memory` bytes.
fn ceiling(base: isize, memory: usize) -> isize {
    isize::try_from(memory.saturating_mul(CEILING_FACTOR))
        .map_or(isize::MAX, |m| base.saturating_add(m))
}

/// Run `f` as one evaluation (see `Run::start`).
pub fn scope<R>(timeout: Duration, memory: usize, f: impl FnOnce() -> R) -> R {
    let _run = Run::start(timeout, memory);
    f()
}

/// Run `f`, whose allocations are not script values (a table loaded on first use, say),
/// without counting what it keeps against the evaluation's memory budget.
pub fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    let active = STATE.with(|s| s.get().active);
    if !active {
        return f();
    }
    allocated::set_ceiling(isize::MAX);
    let before = allocated::net();
    let result = f();
    let kept = allocated::net().saturating_sub(before);
    STATE.with(|s| {
        let mut state = s.get();
        state.base = state.base.saturating_add(kept);
        s.set(state);
        allocated::set_ceiling(ceiling(state.base, state.memory));
    });
    result
}

/// Whether a limit has stopped the evaluation running on this thread: its other rules
/// are not run (each would stop the same way).
pub fn stopped() -> bool {
    STATE.with(|s| s.get().stop.is_some())
}

/// What stopped the evaluation running on this thread, as a message and its help.
pub fn stop_words() -> Option<(String, String)> {
    let state = STATE.with(Cell::get);
    let words = words(state.stop?, &state);
    let map = words.read_lock::<rhai::Map>()?;
    let field = |k: &str| map.get(k).map(ToString::to_string).unwrap_or_default();
    Some((field("message"), field("help")))
}

/// Bytes allocated on this thread since the evaluation began.
fn used(state: &State) -> usize {
    usize::try_from(allocated::net().saturating_sub(state.base)).unwrap_or(0)
}

/// The engine's progress hook: `Some(token)` terminates the script.
pub fn on_progress(operations: u64) -> Option<Dynamic> {
    STATE.with(|s| {
        let mut state = s.get();
        if !state.active {
            return None;
        }
        if let Some(stop) = state.stop {
            if state.grace == 0 {
                return Some(words(stop, &state));
            }
            state.grace -= 1;
            s.set(state);
            return None;
        }
        let stop = if used(&state) > state.memory {
            Some(Stop::Memory)
        } else if operations.is_multiple_of(CLOCK_EVERY)
            && state.deadline.is_some_and(|d| Instant::now() >= d)
        {
            Some(Stop::Time)
        } else {
            None
        };
        if stop.is_some() {
            state.stop = stop;
            state.grace = GRACE;
            s.set(state);
        }
        None
    })
}

/// Called where an error keeps its place in the script (a variable read, `print`,
/// `debug`): fails once a limit has been passed.
pub fn check() -> Result<(), Box<EvalAltResult>> {
    STATE.with(|s| {
        let state = s.get();
        match state.stop {
            Some(stop) => {
                Err(EvalAltResult::ErrorRuntime(words(stop, &state), Position::NONE).into())
            }
            None => Ok(()),
        }
    })
}

/// Fails unless `bytes` more fit in the budget: for native functions that allocate a
/// size the script asks for (`pad`, `blob`), checked before allocating.
pub fn ensure_room(bytes: usize, what: &str) -> Result<(), Box<EvalAltResult>> {
    STATE.with(|s| {
        let mut state = s.get();
        if !state.active {
            // Every script runs inside an evaluation; should one not, the default budget
            // still stands between it and an allocation the machine cannot make.
            state.memory = super::engine::DEFAULT_MEMORY;
            state.base = allocated::net();
        }
        if used(&state).saturating_add(bytes) <= state.memory {
            return Ok(());
        }
        let mut map = rhai::Map::new();
        map.insert(
            "message".into(),
            format!(
                "{what} would need {}, more than the memory budget for script values ({})",
                mib(bytes),
                mib(state.memory)
            )
            .into(),
        );
        map.insert("help".into(), MEMORY_HELP.into());
        Err(EvalAltResult::ErrorRuntime(map.into(), Position::NONE).into())
    })
}

/// Whether one more `print`/`debug` line may be written, and whether it is the first
/// one held back (to say so once).
pub fn output_line() -> (bool, bool) {
    STATE.with(|s| {
        let mut state = s.get();
        if !state.active {
            return (true, false);
        }
        state.lines = state.lines.saturating_add(1);
        s.set(state);
        (
            state.lines <= MAX_OUTPUT_LINES,
            state.lines == MAX_OUTPUT_LINES.saturating_add(1),
        )
    })
}

const MEMORY_HELP: &str = "look for a loop that keeps growing a string, array or map, or a size computed from a wrong figure; if the values really are this large, raise the budget with `--script-memory MIB`";

/// The stop as sroi's own functions raise errors: a map with a message and its help.
fn words(stop: Stop, state: &State) -> Dynamic {
    let (message, help) = match stop {
        Stop::Time => (
            format!(
                "the script ran past the time limit of {} s",
                seconds(state.timeout)
            ),
            "look for a loop that never ends, or work that grows with a wrong figure; if the rule is right but slow, raise the limit with `--timeout SECONDS` (e.g. `--timeout 60`)".to_owned(),
        ),
        Stop::Memory => (
            format!(
                "the script's values grew beyond the memory budget of {}",
                mib(state.memory)
            ),
            MEMORY_HELP.to_owned(),
        ),
    };
    let mut map = rhai::Map::new();
    map.insert("message".into(), message.into());
    map.insert("help".into(), help.into());
    map.into()
}

/// `10`, `0.5`: seconds as a person writes them.
pub fn seconds(d: Duration) -> String {
    let text = format!("{:.3}", d.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `256 MiB`, or bytes when under one MiB.
pub fn mib(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_as_written() {
        assert_eq!(seconds(Duration::from_secs(10)), "10");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5");
        assert_eq!(seconds(Duration::from_millis(1250)), "1.25");
    }

    #[test]
    fn a_scope_inside_a_scope_is_part_of_it() {
        scope(Duration::from_secs(5), 1 << 20, || {
            let outer = STATE.with(|s| s.get().deadline);
            scope(Duration::from_secs(50), 1 << 30, || {
                assert_eq!(STATE.with(|s| s.get().deadline), outer);
                assert_eq!(STATE.with(|s| s.get().memory), 1 << 20);
            });
        });
        assert!(!STATE.with(|s| s.get().active));
    }

    #[test]
    fn what_is_kept_uncounted_leaves_the_budget_whole() {
        scope(Duration::from_secs(5), 1 << 20, || {
            let kept: Vec<u8> = uncounted(|| vec![1; 4 << 20]);
            assert!(ensure_room(1 << 10, "x").is_ok());
            drop(kept);
        });
    }

    #[test]
    fn room_is_refused_past_the_budget() {
        scope(Duration::from_secs(5), 1 << 20, || {
            assert!(ensure_room(1 << 10, "x").is_ok());
            assert!(ensure_room(2 << 20, "x").is_err());
        });
        assert!(ensure_room(1 << 10, "outside an evaluation").is_ok());
        assert!(ensure_room(usize::MAX, "outside an evaluation").is_err());
    }

    /// Building an array with `push` costs the same per item at any size (Rhai's size
    /// limits walked the whole array after each push: quadratic). Timing, so not run by
    /// default: `cargo test --lib push_is_linear -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run by hand"]
    fn push_is_linear() {
        use std::sync::Arc;

        use super::super::engine::{self, HostState, Limits};
        use super::super::imports::ScriptsResolver;

        let build = |walking: bool| {
            let resolver = ScriptsResolver::new(
                Arc::new(crate::source::DiskLoader),
                None,
                Default::default(),
                None,
            );
            let limits = Limits {
                operations: 0,
                ..Limits::default()
            };
            let mut e = engine::build(Arc::new(HostState::default()), resolver, limits);
            if walking {
                // What sroi set before: Rhai then walks the array after every push.
                e.set_max_array_size(1_000_000_000);
            }
            e
        };
        // CPU time of this thread (Linux: `schedstat`, in ns), else wall-clock time: on a
        // shared machine the wall clock counts other processes' turns too.
        let cpu = || {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .map(Duration::from_nanos)
        };
        // The best of `runs`: noise only ever adds time.
        let time = |engine: &rhai::Engine, n: u64, runs: usize| {
            let script = format!("let a = []; for i in 0..{n} {{ a.push(i); }} a.len()");
            (0..runs)
                .map(|_| {
                    let (wall, on_cpu) = (Instant::now(), cpu());
                    let len = scope(Duration::from_secs(600), 1 << 30, || {
                        engine.eval::<rhai::INT>(&script)
                    });
                    assert_eq!(len.ok(), Some(rhai::INT::try_from(n).unwrap_or(0)));
                    match (on_cpu, cpu()) {
                        (Some(a), Some(b)) => b.saturating_sub(a),
                        _ => wall.elapsed(),
                    }
                })
                .min()
                .unwrap_or_default()
        };
        let (before, after) = (build(true), build(false));
        let before_10k = time(&before, 10_000, 1);
        let before_100k = time(&before, 100_000, 1);
        let after_100k = time(&after, 100_000, 5);
        let after_1m = time(&after, 1_000_000, 3);
        let ratio = after_1m.as_secs_f64() / after_100k.as_secs_f64();
        println!(
            "size limits walking: 10k {before_10k:?}, 100k {before_100k:?}; budget: 100k {after_100k:?}, 1M {after_1m:?} ({ratio:.1}x)"
        );
        assert!(ratio <= 12.0, "1M pushes took {ratio:.1} times 100k");
    }
}
