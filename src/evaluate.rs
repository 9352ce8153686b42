//! Evaluation: a loaded project's number fields resolved to exact decimals, then the
//! SROI arithmetic, then everything a report needs in one `Evaluation`.

use rust_decimal::Decimal;

use crate::calc::{self, CalcError, Convention, OutcomeFigures, Settings};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::number::{self, NumberField, NumberKind, NumberSource};
use crate::model::{Discounting, Kind, Model, ProxyRef, Start};
use crate::project::Project;
use crate::script::ScriptHost;
use crate::suggest;

/// `--set NAME=VALUE` overrides, in the order given.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub params: Vec<(String, String)>,
}

/// Where a figure came from, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Written as a number at `file:line:column`.
    Literal { at: String },
    /// Not written; the format's default.
    Default,
    /// Given with `--set`.
    Override,
    /// An expression, with the script functions it calls (`name` at `file:line:column`).
    Expression {
        text: String,
        at: String,
        calls: Vec<(String, String)>,
    },
    /// A proxy in the active set.
    Proxy { id: String, set: String, at: String },
    /// A proxy written inline in the model.
    InlineProxy { at: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub period: Option<String>,
    pub description: Option<String>,
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
    pub value: Decimal,
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
    pub price_year: Option<u16>,
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
    pub investment: Decimal,
    pub total_impact: Decimal,
    pub total_present_value: Decimal,
    pub net_present_value: Decimal,
    pub ratio: Option<Decimal>,
    pub net_ratio: Option<Decimal>,
    pub payback_months: Option<Decimal>,
    pub warnings: Vec<String>,
}

/// Resolves number fields, collecting every failure.
struct Resolver<'a> {
    model: &'a Model,
    host: &'a ScriptHost,
    diagnostics: Diagnostics,
}

impl Resolver<'_> {
    /// The script functions an expression calls, with where each is defined.
    fn calls(&self, text: &str) -> Vec<(String, String)> {
        self.host
            .functions()
            .iter()
            .filter(|f| calls_function(text, &f.name))
            .map(|f| (f.name.clone(), f.at.clone()))
            .collect()
    }

    fn number(&mut self, field: &NumberField, what: &str) -> Option<(Decimal, Origin)> {
        let at = |span: Option<crate::diagnostic::Span>| {
            span.map_or_else(String::new, |s| self.model.file.locate(s))
        };
        match &field.source {
            NumberSource::Literal(d) => Some((*d, Origin::Literal { at: at(field.span) })),
            NumberSource::Default(d) => Some((*d, Origin::Default)),
            NumberSource::Override(d) => Some((*d, Origin::Override)),
            NumberSource::Expression(text) => match self.host.evaluate(field, what) {
                Ok(v) => Some((
                    v,
                    Origin::Expression {
                        text: text.clone(),
                        at: at(field.span),
                        calls: self.calls(text),
                    },
                )),
                Err(d) => {
                    self.diagnostics.push(d);
                    None
                }
            },
        }
    }
}

/// Whether `text` calls `name(` as a whole name (`lonely(` is not in `less_lonely(`).
fn calls_function(text: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    text.match_indices(&pattern).any(|(i, _)| {
        text.get(..i).is_none_or(|before| {
            !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        })
    })
}

/// Apply `--set` overrides to a copy of the model's params.
pub fn apply_overrides(model: &mut Model, overrides: &Overrides) -> Diagnostics {
    let mut out = Diagnostics::default();
    for (name, text) in &overrides.params {
        let names: Vec<String> = model.params.iter().map(|p| p.name.value.clone()).collect();
        let Some(param) = model.params.iter_mut().find(|p| p.name.value == *name) else {
            let help = suggest::did_you_mean(name, names.iter().map(String::as_str))
                .unwrap_or_else(|| {
                    if names.is_empty() {
                        "this model has no `params`".to_owned()
                    } else {
                        format!(
                            "params in this model: {}",
                            suggest::one_of(names.iter().map(String::as_str))
                        )
                    }
                });
            out.push(
                Diagnostic::error(format!(
                    "--set {name}={text}: the model has no param `{name}`"
                ))
                .help(help),
            );
            continue;
        };
        match number::parse_literal(text, NumberKind::Signed) {
            Ok(value) => param.value.source = NumberSource::Override(value),
            Err(e) => out.push(
                Diagnostic::error(format!("--set {name}={text}: {}", e.message))
                    .help(format!("--set takes a number, e.g. `--set {name}=150`")),
            ),
        }
    }
    out
}

/// Evaluate a loaded project: resolve every number (literals, defaults, expressions),
/// then run the arithmetic.
pub fn evaluate(project: &Project) -> Result<Evaluation, Diagnostics> {
    let model = &project.model;
    let set = &project.proxies;
    let mut r = Resolver {
        model,
        host: &project.host,
        diagnostics: Diagnostics::default(),
    };

    let discount_rate = r.number(&model.discount_rate, "discount_rate");
    // In the order the model lists them.
    let evaluated = project.host.params();
    let params: Vec<(String, Decimal)> = model
        .params
        .iter()
        .filter_map(|p| Some((p.name.value.clone(), *evaluated.get(&p.name.value)?)))
        .collect();
    // Where each param came from (its value was computed at load, in order).
    let param_origins: Vec<Origin> = model
        .params
        .iter()
        .filter(|p| evaluated.contains_key(&p.name.value))
        .map(|p| {
            let at = p
                .value
                .span
                .map_or_else(String::new, |s| model.file.locate(s));
            match &p.value.source {
                NumberSource::Literal(_) => Origin::Literal { at },
                NumberSource::Default(_) => Origin::Default,
                NumberSource::Override(_) => Origin::Override,
                NumberSource::Expression(text) => Origin::Expression {
                    text: text.clone(),
                    at,
                    calls: r.calls(text),
                },
            }
        })
        .collect();
    let stakeholder_index = |id: &str| model.stakeholders.iter().position(|s| s.id.value == id);

    let mut inputs = Vec::new();
    for input in &model.inputs {
        if let Some((value, origin)) = r.number(&input.value, "value") {
            inputs.push(InputRow {
                stakeholder: input.stakeholder.value.clone(),
                description: input.description.clone(),
                value,
                origin,
            });
        }
    }
    let outputs: Vec<OutputRow> = model
        .outputs
        .iter()
        .filter_map(|o| {
            Some(OutputRow {
                description: o.description.clone(),
                quantity: r.number(&o.quantity, "quantity")?.0,
            })
        })
        .collect();

    let mut figures = Vec::new();
    let mut rows = Vec::new();
    for o in &model.outcomes {
        let proxy = match &o.proxy {
            ProxyRef::Id(id) => set.get(&id.value).map(|p| {
                let info = ProxyInfo {
                    id: Some(p.id.clone()),
                    value: p.value,
                    unit: p.unit.clone(),
                    description: p.description.clone(),
                    source: p.source.clone(),
                    price_year: p.price_year,
                    set: Some(p.set.clone()),
                };
                let origin = Origin::Proxy {
                    id: p.id.clone(),
                    set: p.set.clone(),
                    at: p.file.locate(p.span),
                };
                (info, origin)
            }),
            ProxyRef::Inline(inline) => {
                r.number(&inline.value, "proxy value")
                    .map(|(value, origin)| {
                        let info = ProxyInfo {
                            id: inline.id.clone(),
                            value,
                            unit: inline.unit.clone(),
                            description: inline.description.clone(),
                            source: inline.source.clone(),
                            price_year: inline.price_year,
                            set: None,
                        };
                        let origin = match origin {
                            Origin::Literal { .. } => Origin::InlineProxy {
                                at: model.file.locate(inline.span),
                            },
                            other => other,
                        };
                        (info, origin)
                    })
            }
        };
        let quantity = r.number(&o.quantity, "quantity");
        let duration = r.number(&o.duration, "duration");
        let deadweight = r.number(&o.deadweight, "deadweight");
        let displacement = r.number(&o.displacement, "displacement");
        let attribution = r.number(&o.attribution, "attribution");
        let drop_off = r.number(&o.drop_off, "drop_off");
        let (
            Some(proxy),
            Some(quantity),
            Some(duration),
            Some(deadweight),
            Some(displacement),
            Some(attribution),
            Some(drop_off),
        ) = (
            proxy,
            quantity,
            duration,
            deadweight,
            displacement,
            attribution,
            drop_off,
        )
        else {
            continue;
        };
        let years = number::years(duration.0);
        figures.push(OutcomeFigures {
            quantity: quantity.0,
            proxy_value: proxy.0.value,
            deadweight: deadweight.0,
            displacement: displacement.0,
            attribution: attribution.0,
            drop_off: drop_off.0,
            duration: years,
            offset: o.start.offset(),
            stakeholder: stakeholder_index(&o.stakeholder.value).unwrap_or(usize::MAX),
        });
        rows.push(OutcomeRow {
            id: o.id.value.clone(),
            stakeholder: o.stakeholder.value.clone(),
            description: o.description.clone(),
            indicator: o.indicator.clone(),
            quantity: quantity.0,
            proxy: proxy.0,
            deadweight: deadweight.0,
            displacement: displacement.0,
            attribution: attribution.0,
            drop_off: drop_off.0,
            duration: years,
            start: o.start,
            impact: Decimal::ZERO,
            years: Vec::new(),
            present_value: Decimal::ZERO,
            origins: Origins {
                quantity: quantity.1,
                proxy: proxy.1,
                duration: duration.1,
                deadweight: deadweight.1,
                displacement: displacement.1,
                attribution: attribution.1,
                drop_off: drop_off.1,
            },
        });
    }
    let diagnostics = r.diagnostics;
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let Some((discount_rate, discount_origin)) = discount_rate else {
        return Err(diagnostics);
    };

    let settings = Settings {
        discount_rate,
        convention: match model.discounting {
            Discounting::EndOfYear => Convention::EndOfYear,
            Discounting::StartOfYear => Convention::StartOfYear,
        },
    };
    let input_values: Vec<Decimal> = inputs.iter().map(|i| i.value).collect();
    let results = calc::evaluate(settings, &figures, &input_values, model.stakeholders.len())
        .map_err(|e| Diagnostics::from(overflow(model, &e)))?;

    for (row, value) in rows.iter_mut().zip(results.outcomes) {
        row.impact = value.impact;
        row.years = value.years;
        row.present_value = value.present_value;
    }
    let stakeholders = model
        .stakeholders
        .iter()
        .zip(results.stakeholders)
        .map(|(s, v)| StakeholderRow {
            id: s.id.value.clone(),
            name: s.name.clone(),
            investment: inputs
                .iter()
                .filter(|i| i.stakeholder == s.id.value)
                .fold(Decimal::ZERO, |acc, i| {
                    acc.checked_add(i.value).unwrap_or(acc)
                }),
            present_value: v.present_value,
            share: v.share,
        })
        .collect();

    let mut warnings = Vec::new();
    if results.investment.is_zero() {
        warnings.push(
            "the total investment is 0, so there is no SROI ratio; add the programme's `inputs`"
                .to_owned(),
        );
    }
    if results.payback_months.is_none() {
        warnings.push("the total impact is not above 0, so there is no payback period".to_owned());
    }

    Ok(Evaluation {
        model: ModelInfo {
            id: model.id.value.clone(),
            name: model.name.clone(),
            kind: model.kind,
            period: model.period.clone(),
            description: model.description.clone(),
            file: model.file.name.clone(),
        },
        proxy_set: SetInfo {
            id: set.id.clone(),
            name: set.name.clone(),
            price_year: set.price_year,
            chain: set.chain.clone(),
        },
        currency: model.currency.value.clone(),
        discount_rate,
        discount_origin,
        discounting: model.discounting,
        horizon: results.horizon,
        factors: results.factors,
        params,
        param_origins,
        inputs,
        outputs,
        outcomes: rows,
        stakeholders,
        investment: results.investment,
        total_impact: results.total_impact,
        total_present_value: results.total_present_value,
        net_present_value: results.net_present_value,
        ratio: results.ratio,
        net_ratio: results.net_ratio,
        payback_months: results.payback_months,
        warnings,
    })
}

fn overflow(model: &Model, e: &CalcError) -> Diagnostic {
    let d = Diagnostic::error(e.to_string())
        .help("check the quantities and proxy values for a misplaced digit");
    match e {
        CalcError::Outcome { index, .. } => match model.outcomes.get(*index) {
            Some(o) => d.at(&model.file, o.id.span).label("in this outcome"),
            None => d,
        },
        CalcError::Total { .. } => d.at(&model.file, model.id.span),
    }
}
