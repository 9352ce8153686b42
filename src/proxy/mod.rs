//! Financial-proxy sets (docs/format.md, sections 4 and 5): loading, `extends` chains, lookup.

pub mod deflator;
pub mod load;

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{SourceFile, Span};

pub use load::{ProxySetFile, Referrer, SetReference, load_set, read_set_file, resolve_reference};

/// A resolved proxy set: the chain of `extends` flattened, child values winning.
#[derive(Debug, Clone)]
pub struct ProxySet {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub price_year: Option<u16>,
    /// Set ids from this one up to the root, e.g. `["london", "uk"]`.
    pub chain: Vec<String>,
    /// Every file the chain read, child first (watch mode follows these).
    pub files: Vec<Arc<SourceFile>>,
    pub proxies: BTreeMap<String, Proxy>,
}

/// One financial proxy and where its value came from.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub id: String,
    pub value: Decimal,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub source: String,
    /// The price year of `value`: the entry's own, else its set file's.
    pub price_year: Option<u16>,
    /// When the model rebases (docs/years-and-prices.md): the value as written, its price year and
    /// the factor; `value` is then the rebased value.
    pub rebased: Option<deflator::Rebased>,
    /// The set that supplied the value (after `extends`).
    pub set: String,
    pub file: Arc<SourceFile>,
    pub span: Span,
}

impl ProxySet {
    pub fn get(&self, id: &str) -> Option<&Proxy> {
        self.proxies.get(id)
    }
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.proxies.keys().map(String::as_str)
    }
}
