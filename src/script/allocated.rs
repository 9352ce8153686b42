//! Bytes allocated by each thread, counted by a thin wrapper over the system allocator,
//! so an evaluation's memory budget (`budget`) is a subtraction rather than a walk over
//! every value after every operation (Rhai's own size limits re-walk a whole array after
//! each `push`, which made building an array quadratic).
//!
//! The count is net (allocated minus freed) and per thread: scripts build their values on
//! the thread that evaluates them. A value freed on another thread lowers that thread's
//! count instead, which only ever makes a budget more lenient, never stops a script early.
//!
//! The allocator must not allocate itself: the counters are `const`-initialised
//! thread-local `Cell`s with no destructor.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

thread_local! {
    /// Net bytes allocated by this thread since it started.
    static NET: Cell<isize> = const { Cell::new(0) };
    /// A net count this thread must never pass (see `set_ceiling`).
    static CEILING: Cell<isize> = const { Cell::new(isize::MAX) };
}

/// Net bytes this thread has allocated so far (only differences are meaningful).
pub fn net() -> isize {
    NET.try_with(Cell::get).unwrap_or(0)
}

/// The backstop behind the budget: a single native call (`to_chars` on a huge string,
/// say) can allocate a great deal before the budget is next checked. Past `ceiling` the
/// process stops with exit code 1 and a message rather than be killed for lack of memory.
/// `isize::MAX` lifts it.
pub fn set_ceiling(ceiling: isize) {
    let _ = CEILING.try_with(|c| c.set(ceiling));
}

fn add(bytes: usize) {
    let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
    let _ = NET.try_with(|net| {
        let now = net.get().saturating_add(bytes);
        net.set(now);
        if CEILING
            .try_with(Cell::get)
            .is_ok_and(|ceiling| now > ceiling)
        {
            over_ceiling();
        }
    });
}

fn sub(bytes: usize) {
    let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
    let _ = NET.try_with(|net| net.set(net.get().saturating_sub(bytes)));
}

#[cold]
fn over_ceiling() {
    set_ceiling(isize::MAX);
    // No allocation here: a fixed message, written unbuffered.
    let _ = std::io::stderr().write_all(
        b"error: a script's values used more than three times its memory budget in a single step \
          (for example `to_chars` or `split` on a very large string); sroi stopped\n  \
          help: look for a string, array or map that grows in a loop; `--script-memory MIB` \
          sets the budget\n",
    );
    std::process::exit(1);
}

// SAFETY: every method forwards to `System` with the caller's layout and pointer
// unchanged; the counting touches only this thread's `Cell`s and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        sub(layout.size());
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            add(new_size.saturating_sub(layout.size()));
        } else {
            sub(layout.size().saturating_sub(new_size));
        }
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_vector_is_counted_while_it_lives() {
        let before = super::net();
        let v: Vec<u8> = Vec::with_capacity(1 << 20);
        let during = super::net();
        drop(v);
        let after = super::net();
        assert!(during - before >= 1 << 20, "{before} {during}");
        assert!(after - before < 1 << 10, "{before} {after}");
    }
}
