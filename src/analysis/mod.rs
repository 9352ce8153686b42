//! How sure are we? Sensitivity analysis with exact tipping points (`sensitivity`,
//! `tipping`) and seeded Monte Carlo simulation (`simulate`, `distributions`, `stats`).
//!
//! Results are plain structs, unrounded; `report::analysis` renders them.

pub mod distributions;
pub mod probe;
pub mod sensitivity;
pub mod simulate;
pub mod stats;
pub mod tipping;
