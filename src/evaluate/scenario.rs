//! A scenario: the figures one evaluation changes from the model as written.
//!
//! `--set` builds one from the command line; sensitivity analysis and simulation build
//! many. A scenario is small, owns no file and needs no recompilation: evaluating the
//! same compiled model under another scenario re-runs only the rules whose inputs changed.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::number::{self, NumberKind};
use crate::model::{Model, ProxyRef};
use crate::project::{Overrides, Project};
use crate::suggest;

/// A figure of an outcome that a scenario can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeField {
    Quantity,
    /// This outcome's proxy value only (other outcomes using the same proxy keep theirs).
    Proxy,
    Deadweight,
    Displacement,
    Attribution,
    DropOff,
    Duration,
    /// The first valued year: 1 (`during`) or 2 (`after`).
    Start,
}

impl OutcomeField {
    pub const ALL: [OutcomeField; 8] = [
        OutcomeField::Quantity,
        OutcomeField::Proxy,
        OutcomeField::Deadweight,
        OutcomeField::Displacement,
        OutcomeField::Attribution,
        OutcomeField::DropOff,
        OutcomeField::Duration,
        OutcomeField::Start,
    ];

    /// The name used in `--set outcomes.ID.NAME=…` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            OutcomeField::Quantity => "quantity",
            OutcomeField::Proxy => "proxy",
            OutcomeField::Deadweight => "deadweight",
            OutcomeField::Displacement => "displacement",
            OutcomeField::Attribution => "attribution",
            OutcomeField::DropOff => "drop_off",
            OutcomeField::Duration => "duration",
            OutcomeField::Start => "start",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The number rules its values follow.
    pub fn kind(self) -> NumberKind {
        match self {
            OutcomeField::Quantity => NumberKind::NonNegative,
            OutcomeField::Proxy => NumberKind::Signed,
            OutcomeField::Deadweight
            | OutcomeField::Displacement
            | OutcomeField::Attribution
            | OutcomeField::DropOff => NumberKind::Percent,
            OutcomeField::Duration | OutcomeField::Start => NumberKind::Years,
        }
    }
}

/// One figure of a model, as `--set` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A `params` entry, by name.
    Param(String),
    DiscountRate,
    /// An input's value, by 0-based position in `inputs`.
    Input(usize),
    /// A proxy's value in the active set (scripts' `proxy("id")` sees it too).
    Proxy(String),
    /// An outcome's figure, by 0-based position in `outcomes`.
    Outcome(usize, OutcomeField),
}

impl Target {
    /// How `--set` writes it.
    pub fn name(&self, model: &Model) -> String {
        match self {
            Target::Param(name) => name.clone(),
            Target::DiscountRate => "discount_rate".to_owned(),
            Target::Input(i) => format!("inputs.{}.value", i.saturating_add(1)),
            Target::Proxy(id) => format!("proxies.{id}"),
            Target::Outcome(i, field) => format!(
                "outcomes.{}.{}",
                model.outcomes.get(*i).map_or("?", |o| o.id.as_str()),
                field.name()
            ),
        }
    }
}

/// The figures one evaluation changes; everything else is as the model says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    pub params: BTreeMap<String, Decimal>,
    pub proxies: BTreeMap<String, Decimal>,
    pub discount_rate: Option<Decimal>,
    pub inputs: BTreeMap<usize, Decimal>,
    pub outcomes: BTreeMap<(usize, OutcomeField), Decimal>,
}

impl Scenario {
    /// Change one figure (the last change of a figure wins).
    pub fn set(&mut self, target: Target, value: Decimal) {
        match target {
            Target::Param(name) => {
                self.params.insert(name, value);
            }
            Target::DiscountRate => self.discount_rate = Some(value),
            Target::Input(i) => {
                self.inputs.insert(i, value);
            }
            Target::Proxy(id) => {
                self.proxies.insert(id, value);
            }
            Target::Outcome(i, field) => {
                self.outcomes.insert((i, field), value);
            }
        }
    }

    /// This scenario with one more figure changed.
    pub fn with(&self, target: Target, value: Decimal) -> Scenario {
        let mut s = self.clone();
        s.set(target, value);
        s
    }

    pub fn outcome(&self, index: usize, field: OutcomeField) -> Option<Decimal> {
        self.outcomes.get(&(index, field)).copied()
    }

    /// The scenario `--set NAME=VALUE …` describes, every problem reported at once.
    pub fn from_overrides(project: &Project, overrides: &Overrides) -> Result<Self, Diagnostics> {
        let mut scenario = Scenario::default();
        let mut problems = Diagnostics::default();
        for (name, text) in &overrides.params {
            match parse_set(project, name, text) {
                Ok((target, value)) => scenario.set(target, value),
                Err(d) => problems.push(d),
            }
        }
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(problems)
        }
    }
}

/// Every target `--set` accepts for this model, for suggestions and listings.
pub fn targets(project: &Project) -> Vec<Target> {
    let model = &project.model;
    let mut out: Vec<Target> = model
        .params
        .iter()
        .map(|p| Target::Param(p.name.value.clone()))
        .collect();
    out.push(Target::DiscountRate);
    out.extend((0..model.inputs.len()).map(Target::Input));
    out.extend(project.proxies.ids().map(|id| Target::Proxy(id.to_owned())));
    for i in 0..model.outcomes.len() {
        out.extend(OutcomeField::ALL.map(|f| Target::Outcome(i, f)));
    }
    out
}

/// Which figure `NAME` names, or `None`.
fn target_of(project: &Project, name: &str) -> Option<Target> {
    let model = &project.model;
    if name == "discount_rate" {
        return Some(Target::DiscountRate);
    }
    if let Some(rest) = name.strip_prefix("outcomes.") {
        let (id, field) = rest.rsplit_once('.')?;
        let index = model.outcomes.iter().position(|o| o.id.value == id)?;
        return Some(Target::Outcome(index, OutcomeField::from_name(field)?));
    }
    if let Some(id) = name.strip_prefix("proxies.") {
        return project
            .proxies
            .get(id)
            .map(|_| Target::Proxy(id.to_owned()));
    }
    if let Some(rest) = name.strip_prefix("inputs.") {
        let n: usize = rest.strip_suffix(".value")?.parse().ok()?;
        let index = n.checked_sub(1)?;
        return (index < model.inputs.len()).then_some(Target::Input(index));
    }
    model
        .params
        .iter()
        .any(|p| p.name.value == name)
        .then(|| Target::Param(name.to_owned()))
}

/// The number rules a target's values follow.
fn kind_of(project: &Project, target: &Target) -> NumberKind {
    let model = &project.model;
    match target {
        Target::Param(_) | Target::Proxy(_) => NumberKind::Signed,
        Target::DiscountRate => NumberKind::Percent,
        Target::Input(i) => model
            .inputs
            .get(*i)
            .map_or(NumberKind::NonNegative, |input| input.value.kind),
        Target::Outcome(i, OutcomeField::Proxy) => match model.outcomes.get(*i).map(|o| &o.proxy) {
            Some(ProxyRef::Inline(inline)) => inline.value.kind,
            _ => NumberKind::Signed,
        },
        Target::Outcome(_, field) => field.kind(),
    }
}

/// Parse one `--set NAME=VALUE`. Errors name the model and the nearest valid target.
pub fn parse_set(
    project: &Project,
    name: &str,
    text: &str,
) -> Result<(Target, Decimal), Diagnostic> {
    let model = &project.model;
    let Some(target) = target_of(project, name) else {
        let all: Vec<String> = targets(project).iter().map(|t| t.name(model)).collect();
        let help =
            suggest::did_you_mean(name, all.iter().map(String::as_str)).unwrap_or_else(|| {
                "--set takes a param name, `discount_rate`, `outcomes.ID.FIELD` (quantity, proxy, \
             deadweight, displacement, attribution, drop_off, duration, start), `proxies.ID` or \
             `inputs.N.value`"
                    .to_owned()
            });
        let what = if name.contains('.') {
            "figure"
        } else {
            "param"
        };
        return Err(Diagnostic::error(format!(
            "--set {name}={text}: the model has no {what} `{name}`"
        ))
        .code("sroi::set")
        .in_file(&model.file.path)
        .help(help));
    };
    let kind = kind_of(project, &target);
    let value = if target_is_start(&target) {
        parse_start(text)
    } else {
        number::parse_literal(text, kind).and_then(|v| number::check(v, kind).map(|()| v))
    };
    let is_start = target_is_start(&target);
    value.map(|v| (target, v)).map_err(|e| {
        let example = match kind {
            _ if is_start => "after",
            NumberKind::Percent => "25%",
            NumberKind::Years => "3",
            NumberKind::NonNegative | NumberKind::Signed => "150",
        };
        // The model's own help may suggest an expression, which --set does not take.
        let help = if e.help.contains("expression") {
            format!("--set takes a number, e.g. `--set {name}={example}`")
        } else {
            format!("{}; e.g. `--set {name}={example}`", e.help)
        };
        Diagnostic::error(format!("--set {name}={text}: {}", e.message))
            .code("sroi::set")
            .in_file(&model.file.path)
            .help(help)
    })
}

fn target_is_start(target: &Target) -> bool {
    matches!(target, Target::Outcome(_, OutcomeField::Start))
}

/// `start` is `during` (year 1), `after` (year 2), or a programme year N (docs/years-and-prices.md).
fn parse_start(text: &str) -> Result<Decimal, number::NumberError> {
    let whole_year = |v: &Decimal| {
        v.fract().is_zero() && *v >= Decimal::ONE && *v <= Decimal::from(number::MAX_YEARS)
    };
    match text.trim() {
        "during" => Ok(Decimal::ONE),
        "after" => Ok(Decimal::TWO),
        t => match t.parse::<Decimal>() {
            Ok(v) if whole_year(&v) => Ok(v),
            _ => Err(number::NumberError {
                message: format!("`{text}` is not a start"),
                help: "write `during` (valued from year 1), `after` (from year 2) or the programme year a cohort starts in, such as `3`".to_owned(),
            }),
        },
    }
}
