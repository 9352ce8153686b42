//! sroi: Social Return on Investment from YAML impact models, in exact decimal money.
//!
//! The pipeline, one module per stage:
//! `model` (read and check a model file) → `proxy` (proxy sets and `extends`) →
//! `project` (load once) → `evaluate` (resolve numbers, run `calc`) → `report`.
//! Every stage reports problems through `diagnostic::Diagnostic`.

pub mod analysis;
pub mod assets;
pub mod atomic;
pub mod calc;
pub mod cli;
pub mod console;
pub mod diagnostic;
pub mod evaluate;
pub mod model;
pub mod overwrite;
pub mod prices;
pub mod project;
pub mod proxy;
pub mod receipt;
pub mod report;
pub mod script;
pub mod source;
pub mod suggest;
pub mod text;
pub mod watch;
