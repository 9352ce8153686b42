//! The Rhai script host (docs/scripting.md): expressions in number fields, per-programme
//! scripts, shared modules under `scripts/`, evidence tables, all sandboxed.

// The crate's only unsafe code: a `GlobalAlloc` that forwards to `System` and counts.
#[allow(unsafe_code)]
mod allocated;
pub mod bindings;
pub mod budget;
pub mod engine;
pub mod errors;
pub mod host;
pub mod imports;
pub mod lint;
mod locate;
pub mod positions;
mod sizes;
pub mod table;

pub use engine::Limits;
pub use host::ScriptHost;
