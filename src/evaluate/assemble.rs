//! Assembling an `Evaluation`: the resolved figures, `calc`'s results, the model's text
//! and where every figure came from, plus the warnings an analyst should see.

use rust_decimal::Decimal;

use super::resolve::Figures;
use super::result::{
    Evaluation, InputRow, ModelInfo, Origins, OutcomeRow, OutputRow, ProxyInfo, SetInfo,
    StakeholderRow, Warning,
};
use super::scenario::{OutcomeField, Scenario, Target};
use super::trace::{self, Origin};
use crate::calc::{CalcError, Results};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::number::NumberField;
use crate::model::{Model, ProxyRef, Start};
use crate::project::Project;

/// Everything a report needs, from figures and the arithmetic's results.
pub fn evaluation(
    project: &Project,
    scenario: &Scenario,
    figures: Figures,
    results: Results,
) -> Evaluation {
    let model = &project.model;
    let set = &project.proxies;
    let origin = |target: Target, field: &NumberField| {
        if scenario_sets(scenario, &target) {
            Origin::Override
        } else {
            trace::of_field(model, &project.host, field)
        }
    };

    let params: Vec<(String, Decimal)> = model
        .params
        .iter()
        .zip(&figures.params)
        .map(|(p, v)| (p.name.value.clone(), *v))
        .collect();
    let param_origins = model
        .params
        .iter()
        .map(|p| origin(Target::Param(p.name.value.clone()), &p.value))
        .collect();
    let inputs: Vec<InputRow> = model
        .inputs
        .iter()
        .zip(&figures.inputs)
        .zip(&results.input_present_values)
        .enumerate()
        .map(|(i, ((input, f), pv))| InputRow {
            stakeholder: input.stakeholder.value.clone(),
            description: input.description.clone(),
            value: f.value,
            year: f.year,
            present_value: *pv,
            origin: origin(Target::Input(i), &input.value),
        })
        .collect();
    let outputs = model
        .outputs
        .iter()
        .zip(&figures.outputs)
        .map(|(o, q)| OutputRow {
            description: o.description.clone(),
            quantity: *q,
        })
        .collect();

    let mut outcomes = Vec::with_capacity(figures.outcomes.len());
    for (index, ((o, f), value)) in model
        .outcomes
        .iter()
        .zip(&figures.outcomes)
        .zip(results.outcomes)
        .enumerate()
    {
        let field = |kind: OutcomeField, n: &NumberField| origin(Target::Outcome(index, kind), n);
        let (mut proxy, proxy_origin) = proxy_info(project, scenario, index, o, f.proxy_value);
        proxy.rebased = figures.rebased.get(index).cloned().flatten();
        outcomes.push(OutcomeRow {
            id: o.id.value.clone(),
            stakeholder: o.stakeholder.value.clone(),
            description: o.description.clone(),
            indicator: o.indicator.clone(),
            quantity: f.quantity,
            proxy,
            deadweight: f.deadweight,
            displacement: f.displacement,
            attribution: f.attribution,
            drop_off: f.drop_off,
            duration: f.duration,
            // As written, or the year `--set outcomes.ID.start=…` gave.
            start: if scenario
                .outcomes
                .contains_key(&(index, OutcomeField::Start))
            {
                Start::Year(f.offset.saturating_add(1))
            } else {
                o.start
            },
            impact: value.impact,
            years: value.years,
            present_value: value.present_value,
            origins: Origins {
                quantity: field(OutcomeField::Quantity, &o.quantity),
                proxy: proxy_origin,
                duration: field(OutcomeField::Duration, &o.duration),
                deadweight: field(OutcomeField::Deadweight, &o.deadweight),
                displacement: field(OutcomeField::Displacement, &o.displacement),
                attribution: field(OutcomeField::Attribution, &o.attribution),
                drop_off: field(OutcomeField::DropOff, &o.drop_off),
            },
        });
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
                .try_fold(Decimal::ZERO, |acc, i| acc.checked_add(i.present_value))
                // Each input is within the total, which did not overflow.
                .unwrap_or(Decimal::MAX),
            present_value: v.present_value,
            share: v.share,
        })
        .collect();

    let mut warnings = warnings(model, &outcomes, results.investment, results.payback_months);
    warnings.extend(mixed_years(model, &outcomes));

    Evaluation {
        model: ModelInfo {
            id: model.id.value.clone(),
            name: model.name.clone(),
            kind: model.kind,
            period: model.period.clone(),
            description: model.description.clone(),
            price_year: model.price_year.as_ref().map(|y| y.value),
            file: model.file.name.clone(),
        },
        proxy_set: SetInfo {
            id: set.id.clone(),
            name: set.name.clone(),
            price_year: set.price_year,
            chain: set.chain.clone(),
        },
        currency: model.currency.value.clone(),
        discount_rate: figures.settings.discount_rate,
        discount_origin: origin(Target::DiscountRate, &model.discount_rate),
        discounting: model.discounting,
        horizon: results.horizon,
        factors: results.factors,
        params,
        param_origins,
        inputs,
        outputs,
        outcomes,
        stakeholders,
        investment: results.investment,
        investment_face_value: results.investment_face_value,
        investment_by_year: results.investment_by_year,
        prices: project.prices.as_ref().map(crate::prices::PriceBasis::info),
        total_impact: results.total_impact,
        total_present_value: results.total_present_value,
        net_present_value: results.net_present_value,
        ratio: results.ratio,
        net_ratio: results.net_ratio,
        payback_months: results.payback_months,
        warnings,
    }
}

fn scenario_sets(scenario: &Scenario, target: &Target) -> bool {
    match target {
        Target::Param(name) => scenario.params.contains_key(name),
        Target::DiscountRate => scenario.discount_rate.is_some(),
        Target::Input(i) => scenario.inputs.contains_key(i),
        Target::Proxy(id) => scenario.proxies.contains_key(id),
        Target::Outcome(i, f) => scenario.outcomes.contains_key(&(*i, *f)),
    }
}

/// An outcome's proxy as reported, and where its value came from.
fn proxy_info(
    project: &Project,
    scenario: &Scenario,
    index: usize,
    o: &crate::model::Outcome,
    value: Decimal,
) -> (ProxyInfo, Origin) {
    let model = &project.model;
    let overridden = scenario
        .outcomes
        .contains_key(&(index, OutcomeField::Proxy));
    match &o.proxy {
        ProxyRef::Id(id) => {
            let p = project.proxies.get(&id.value);
            let info = ProxyInfo {
                id: Some(id.value.clone()),
                value,
                unit: p.and_then(|p| p.unit.clone()),
                description: p.and_then(|p| p.description.clone()),
                source: p.map(|p| p.source.clone()).unwrap_or_default(),
                price_year: p.and_then(|p| p.price_year),
                rebased: None,
                set: p.map(|p| p.set.clone()),
            };
            let origin = if overridden || scenario.proxies.contains_key(&id.value) {
                Origin::Override
            } else {
                p.map_or(Origin::Default, |p| Origin::Proxy {
                    id: p.id.clone(),
                    set: p.set.clone(),
                    at: p.file.locate(p.span),
                })
            };
            (info, origin)
        }
        ProxyRef::Inline(inline) => {
            let info = ProxyInfo {
                id: inline.id.clone(),
                value,
                unit: inline.unit.clone(),
                description: inline.description.clone(),
                source: inline.source.clone(),
                price_year: inline.price_year,
                rebased: None,
                set: None,
            };
            let origin = if overridden {
                Origin::Override
            } else {
                trace::of_proxy(model, &project.host, &o.proxy, None)
            };
            (info, origin)
        }
    }
}

/// What the analyst should look at: no ratio, no payback, an outcome worth nothing
/// because an adjustment is 100%, a stakeholder with neither inputs nor outcomes.
fn warnings(
    model: &Model,
    outcomes: &[OutcomeRow],
    investment: Decimal,
    payback: Option<Decimal>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if investment.is_zero() {
        out.push(Warning {
            code: "sroi::warning::no-investment",
            message: "the total investment is 0, so there is no SROI ratio".to_owned(),
            help: Some("add the programme's `inputs`: what each stakeholder puts in".to_owned()),
            span: None,
        });
    }
    if payback.is_none() {
        out.push(Warning {
            code: "sroi::warning::no-payback",
            ..Warning::new("the total impact is not above 0, so there is no payback period")
        });
    }
    for (row, o) in outcomes.iter().zip(&model.outcomes) {
        let full = [
            ("deadweight", row.deadweight, &o.deadweight),
            ("displacement", row.displacement, &o.displacement),
            ("attribution", row.attribution, &o.attribution),
        ]
        .into_iter()
        .find(|(_, v, _)| *v == Decimal::ONE);
        if let Some((name, _, field)) = full {
            out.push(Warning {
                code: "sroi::warning::zero-impact",
                message: format!(
                    "outcome `{}` has no impact: its {name} is 100%, so it adds nothing to the total",
                    row.id
                ),
                help: Some(format!(
                    "if nothing of this change would happen without the programme, the {name} is below 100%; if the outcome really is worth nothing, remove it"
                )),
                span: Some(field.span.unwrap_or(o.id.span)),
            });
        }
    }
    for s in &model.stakeholders {
        let used = model
            .inputs
            .iter()
            .any(|i| i.stakeholder.value == s.id.value)
            || model
                .outcomes
                .iter()
                .any(|o| o.stakeholder.value == s.id.value);
        if !used {
            out.push(Warning {
                code: "sroi::warning::unused-stakeholder",
                message: format!(
                    "stakeholder `{}` has neither inputs nor outcomes",
                    s.id.value
                ),
                help: Some(
                    "give them an input or an outcome, or remove them from `stakeholders`"
                        .to_owned(),
                ),
                span: Some(s.id.span),
            });
        }
    }
    out
}

/// The mixed-price-years warning (docs/years-and-prices.md) for the proxies the outcomes use.
fn mixed_years(model: &Model, rows: &[OutcomeRow]) -> Option<Warning> {
    let used: Vec<(String, Option<u16>)> = rows
        .iter()
        .map(|o| {
            let label = o
                .proxy
                .id
                .clone()
                .unwrap_or_else(|| format!("{} (inline)", o.id));
            (label, o.proxy.price_year)
        })
        .collect();
    let (message, help) = crate::prices::mixed_years_warning(model, &used)?;
    Some(Warning {
        code: "sroi::warning::mixed-price-years",
        message,
        help: Some(help),
        span: None,
    })
}

/// An overflow in the arithmetic, located at the outcome (or the model) it concerns.
pub fn overflow(model: &Model, e: &CalcError) -> Diagnostics {
    let d = Diagnostic::error(e.to_string())
        .code("sroi::overflow")
        .help("check the quantities and proxy values for a misplaced digit");
    Diagnostics::from(match e {
        CalcError::Outcome { index, .. } => match model.outcomes.get(*index) {
            Some(o) => d.at(&model.file, o.id.span).label("in this outcome"),
            None => d,
        },
        CalcError::Total { .. } => d.at(&model.file, model.id.span),
    })
}
