//! What an evaluation gives: every figure a report shows, unrounded, with its origin.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::trace::Origin;
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::model::{Discounting, Kind, Start};

#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub period: Option<String>,
    pub description: Option<String>,
    /// `price_year:` as the model states it: every proxy value is in this year's prices.
    pub price_year: Option<u16>,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetInfo {
    pub id: String,
    pub name: String,
    pub price_year: Option<u16>,
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    pub stakeholder: String,
    pub description: String,
    /// Face value, as written.
    pub value: Decimal,
    /// Programme year it is spent in (docs/years-and-prices.md).
    pub year: u32,
    /// value / (1 + r)^(year − 1).
    pub present_value: Decimal,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputRow {
    pub description: String,
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProxyInfo {
    /// The id in the set, or `None` for an inline proxy.
    pub id: Option<String>,
    pub value: Decimal,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub source: String,
    /// The price year of the value as written.
    pub price_year: Option<u16>,
    /// When the model rebases: the original value, its year and the factor (`value` is
    /// then the rebased value).
    pub rebased: Option<crate::proxy::deflator::Rebased>,
    /// The set that supplied it (after `extends`), or `None` when inline.
    pub set: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub id: String,
    pub stakeholder: String,
    pub description: String,
    pub indicator: Option<String>,
    pub quantity: Decimal,
    pub proxy: ProxyInfo,
    pub deadweight: Decimal,
    pub displacement: Decimal,
    pub attribution: Decimal,
    pub drop_off: Decimal,
    pub duration: u32,
    pub start: Start,
    pub impact: Decimal,
    pub years: Vec<Decimal>,
    pub present_value: Decimal,
    pub origins: Origins,
}

/// Where each of an outcome's figures came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Origins {
    pub quantity: Origin,
    pub proxy: Origin,
    pub duration: Origin,
    pub deadweight: Origin,
    pub displacement: Origin,
    pub attribution: Origin,
    pub drop_off: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderRow {
    pub id: String,
    pub name: String,
    pub investment: Decimal,
    pub present_value: Decimal,
    pub share: Option<Decimal>,
}

/// Everything a report shows, unrounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub model: ModelInfo,
    pub proxy_set: SetInfo,
    pub currency: String,
    pub discount_rate: Decimal,
    pub discount_origin: Origin,
    pub discounting: Discounting,
    pub horizon: u32,
    pub factors: Vec<Decimal>,
    pub params: Vec<(String, Decimal)>,
    /// Where each of `params` came from, in the same order.
    pub param_origins: Vec<Origin>,
    pub inputs: Vec<InputRow>,
    pub outputs: Vec<OutputRow>,
    pub outcomes: Vec<OutcomeRow>,
    pub stakeholders: Vec<StakeholderRow>,
    /// I: the present value of investment (docs/years-and-prices.md).
    pub investment: Decimal,
    /// Σ input values as written.
    pub investment_face_value: Decimal,
    /// Years 1..=the last input year.
    pub investment_by_year: Vec<crate::calc::InvestmentYear>,
    /// The price year proxies were rebased to, and the series used (docs/years-and-prices.md).
    pub prices: Option<crate::prices::PriceInfo>,
    pub total_impact: Decimal,
    pub total_present_value: Decimal,
    pub net_present_value: Decimal,
    pub ratio: Option<Decimal>,
    pub net_ratio: Option<Decimal>,
    pub payback_months: Option<Decimal>,
    pub warnings: Vec<Warning>,
}

/// Something true of this evaluation that the analyst should look at (exit status stays 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// As in `Diagnostic::code`.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Where in the model file it applies, if anywhere in particular.
    pub span: Option<Span>,
}

impl Warning {
    pub fn new(message: impl Into<String>) -> Self {
        Warning {
            code: "sroi::warning",
            message: message.into(),
            help: None,
            span: None,
        }
    }
    /// As a diagnostic located in `file` (the model).
    pub fn diagnostic(&self, file: &Arc<SourceFile>) -> Diagnostic {
        let d = Diagnostic::warning(self.message.clone())
            .code(self.code)
            .maybe_help(self.help.clone());
        match self.span {
            Some(span) => d.at(file, span),
            None => d.in_file(&file.path),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Warning> for String {
    fn from(w: Warning) -> String {
        w.message
    }
}

impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.message)
    }
}
