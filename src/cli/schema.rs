//! `sroi schema KIND`: the JSON Schema (draft 2020-12) of each file kind, as shipped under
//! `schemas/` and embedded here so the binary can print it anywhere.

use clap::Args;

use super::Io;

/// The file kinds with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// An impact model (models/*.yaml).
    Model,
    /// A financial-proxy set (models/proxies/*.yaml).
    ProxySet,
    /// A deflator series (models/deflators/*.yaml).
    Deflator,
    /// An asset register (`kind: asset-register`).
    Register,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum)]
    pub kind: Kind,
}

/// The schema text for `kind`.
pub fn text(kind: Kind) -> &'static str {
    match kind {
        Kind::Model => include_str!("../../schemas/model.schema.json"),
        Kind::ProxySet => include_str!("../../schemas/proxy-set.schema.json"),
        Kind::Deflator => include_str!("../../schemas/deflator.schema.json"),
        Kind::Register => include_str!("../../schemas/register.schema.json"),
    }
}

pub fn print(args: &SchemaArgs, io: &mut Io<'_>) -> i32 {
    if io.stdout.write_all(text(args.kind).as_bytes()).is_err() {
        return super::EXIT_INVALID;
    }
    0
}
