//! The impact model as the analyst wrote it (docs/format.md, section 3), before any evaluation.

use std::sync::Arc;

use crate::diagnostic::{SourceFile, Span};

use super::number::NumberField;

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

impl Located<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Evaluation,
    Forecast,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Evaluation => "evaluation",
            Kind::Forecast => "forecast",
        }
    }
}

/// When the discount factor applies within each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discounting {
    /// Year y is discounted by 1 / (1 + r)^y.
    #[default]
    EndOfYear,
    /// Year y is discounted by 1 / (1 + r)^(y - 1): year 1 is not discounted.
    StartOfYear,
}

impl Discounting {
    pub fn as_str(self) -> &'static str {
        match self {
            Discounting::EndOfYear => "end-of-year",
            Discounting::StartOfYear => "start-of-year",
        }
    }
}

/// An outcome's first valued year: the activity year, the one after, or programme year N
/// (a later cohort).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    #[default]
    During,
    After,
    /// `start: N`, N ≥ 1: the first valued year is year N.
    Year(u32),
}

impl Start {
    /// How the start is written: `during`, `after`, or the year number.
    pub fn label(self) -> String {
        match self {
            Start::During => "during".to_owned(),
            Start::After => "after".to_owned(),
            Start::Year(n) => n.to_string(),
        }
    }
    /// In words, for reports: `during`, `after`, `from year 3`.
    pub fn describe(self) -> String {
        match self {
            Start::Year(n) => format!("from year {n}"),
            other => other.label(),
        }
    }
    /// The calculation's offset s: 0 for `during`, 1 for `after`, N − 1 for year N.
    pub fn offset(self) -> u32 {
        match self {
            Start::During => 0,
            Start::After => 1,
            Start::Year(n) => n.saturating_sub(1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub file: Arc<SourceFile>,
    pub id: Located<String>,
    pub name: String,
    pub description: Option<String>,
    pub kind: Kind,
    pub currency: Located<String>,
    pub period: Option<String>,
    /// The default proxy set: a name or a path relative to the model file.
    pub proxies: Option<Located<String>>,
    pub script: Option<Located<String>>,
    pub discount_rate: NumberField,
    pub discounting: Discounting,
    /// `price_year: Y`: the year every proxy value is rebased to (docs/years-and-prices.md).
    pub price_year: Option<Located<u16>>,
    /// `deflator: NAME|PATH`: the index series used to rebase.
    pub deflator: Option<Located<String>>,
    pub params: Vec<Param>,
    pub data: Vec<DataTable>,
    pub stakeholders: Vec<Stakeholder>,
    pub inputs: Vec<Input>,
    pub outputs: Vec<Output>,
    pub outcomes: Vec<Outcome>,
    /// The `sensitivity:` block, if written (defaults otherwise).
    pub sensitivity: Option<super::sensitivity::Sensitivity>,
    /// The `uncertainty:` block, if written.
    pub uncertainty: Option<super::uncertainty::Uncertainty>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Located<String>,
    pub value: NumberField,
}

#[derive(Debug, Clone)]
pub struct DataTable {
    pub name: Located<String>,
    /// Path relative to the model file.
    pub path: Located<String>,
}

#[derive(Debug, Clone)]
pub struct Stakeholder {
    pub id: Located<String>,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub stakeholder: Located<String>,
    pub description: String,
    pub value: NumberField,
    /// Programme year the money is spent in (at its start), 1 when not written.
    pub year: u32,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub description: String,
    pub quantity: NumberField,
    pub stakeholder: Option<Located<String>>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: Located<String>,
    pub stakeholder: Located<String>,
    pub description: String,
    pub indicator: Option<String>,
    pub notes: Option<String>,
    pub quantity: NumberField,
    pub proxy: ProxyRef,
    pub duration: NumberField,
    pub start: Start,
    pub deadweight: NumberField,
    pub displacement: NumberField,
    pub attribution: NumberField,
    pub drop_off: NumberField,
}

/// An outcome's financial proxy: an id in the active set, or written inline.
#[derive(Debug, Clone)]
pub enum ProxyRef {
    Id(Located<String>),
    Inline(InlineProxy),
}

#[derive(Debug, Clone)]
pub struct InlineProxy {
    /// An optional id, shown in reports; the value is still the one written here.
    pub id: Option<String>,
    pub value: NumberField,
    pub unit: Option<String>,
    pub description: Option<String>,
    pub source: String,
    pub price_year: Option<u16>,
    pub span: Span,
}

impl Model {
    /// Every number field, with a name for messages, in file order of kind.
    pub fn number_fields(&self) -> Vec<(String, &NumberField)> {
        let mut out = vec![("discount_rate".to_owned(), &self.discount_rate)];
        out.extend(
            self.params
                .iter()
                .map(|p| (format!("params.{}", p.name.value), &p.value)),
        );
        out.extend(self.inputs.iter().map(|i| ("value".to_owned(), &i.value)));
        out.extend(
            self.outputs
                .iter()
                .map(|o| ("quantity".to_owned(), &o.quantity)),
        );
        for o in &self.outcomes {
            out.push(("quantity".to_owned(), &o.quantity));
            if let ProxyRef::Inline(p) = &o.proxy {
                out.push(("proxy value".to_owned(), &p.value));
            }
            out.push(("duration".to_owned(), &o.duration));
            out.push(("deadweight".to_owned(), &o.deadweight));
            out.push(("displacement".to_owned(), &o.displacement));
            out.push(("attribution".to_owned(), &o.attribution));
            out.push(("drop_off".to_owned(), &o.drop_off));
        }
        out
    }
}
