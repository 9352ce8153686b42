//! The Rhai script host (docs/scripting.md): expressions in number fields, per-programme
//! scripts, shared modules under `scripts/`, evidence tables, all sandboxed.

pub mod bindings;
pub mod engine;
pub mod errors;
pub mod host;
pub mod imports;
pub mod lint;
mod locate;
pub mod positions;
pub mod table;

pub use engine::Limits;
pub use host::ScriptHost;
