//! Impact models: types, loading and validation (docs/format.md, section 3).

pub mod fields;
pub mod load;
pub mod number;
pub mod sensitivity;
pub mod types;
pub mod uncertainty;
pub mod yaml;
pub mod years;

pub use load::read_model;
pub use number::{NumberField, NumberKind, NumberSource};
pub use types::*;
