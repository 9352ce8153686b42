//! Seeded Monte Carlo simulation (`sroi simulate`).
//!
//! The base is exact: the model under the `--set` scenario, with every degenerate
//! distribution (a = b, sd = 0) folded in as an exact override. Only figures with a real
//! spread are drawn. Drawn figures are outcome variables and input values, which no rule
//! reads, so a draw never re-runs a rule: it re-applies docs/format.md §7 in f64 to the base
//! figures with the drawn ones substituted.
//!
//! Determinism: draw i's random numbers come from ChaCha8 seeded from the seed, on stream
//! i, so a draw's figures depend on (seed, i) only. Draws are computed in parallel and
//! kept in draw order; every statistic is then computed in that order.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::distributions::Sampler;
use super::probe::{Probe, field};
use super::stats::{self, Bin, Summary};
use crate::calc::{Convention, OutcomeFigures};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluate::{Scenario, Target};
use crate::model::number::MAX_YEARS;
use crate::model::sensitivity::Variable;
use crate::model::uncertainty::{Figure, Uncertainty};
use crate::project::Project;

pub const DEFAULT_DRAWS: usize = 10_000;
pub const MAX_DRAWS: usize = 1_000_000;
/// Draws computed between progress reports.
const CHUNK: usize = 8_192;

/// What drives the spread: one uncertain figure's rank correlation with the ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub figure: Figure,
    /// The outcome's id, for an outcome's figure.
    pub outcome: Option<String>,
    /// `value` for an input.
    pub variable: &'static str,
    /// `None` when the ratio does not vary.
    pub spearman: Option<f64>,
}

/// A statistic's figures: drawn (f64), or exact when nothing varies.
#[derive(Debug, Clone, PartialEq)]
pub enum Stat {
    Drawn(Summary),
    Exact(Decimal),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Histogram {
    Drawn(Vec<Bin>),
    /// Every draw is this exact value: all fall in the middle of 20 bins spanning ± 0.5.
    Exact(Decimal),
}

/// Everything `sroi simulate` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationReport {
    pub model_id: String,
    pub model_name: String,
    pub currency: String,
    pub draws: usize,
    pub seed: u64,
    pub base_ratio: Decimal,
    pub ratio: Stat,
    pub net_present_value: Stat,
    pub total_present_value: Stat,
    /// Share of draws with ratio ≥ 1.
    pub probability_ratio_at_least_1: f64,
    pub histogram: Histogram,
    /// Largest |ρ| first; ties in figure order.
    pub drivers: Vec<Driver>,
}

/// One outcome as a draw recomputes it: its base figures and, per variable, the index of
/// the sampler that replaces it.
struct OutcomePlan {
    base: [f64; 7],
    offset: usize,
    samplers: [Option<usize>; 7],
}

/// The base figures in f64 and the samplers, ready to draw.
struct Plan {
    samplers: Vec<Sampler>,
    /// Present value of the outcomes no draw changes.
    constant_pv: f64,
    outcomes: Vec<OutcomePlan>,
    /// Investment of the inputs no draw changes.
    constant_investment: f64,
    /// (sampler index, weight) per drawn input; the weight converts it to present value.
    inputs: Vec<(usize, f64)>,
    /// Discount factor of year y at index y − 1.
    factors: Vec<f64>,
}

fn slot(v: Variable) -> usize {
    match v {
        Variable::Quantity => 0,
        Variable::Proxy => 1,
        Variable::Deadweight => 2,
        Variable::Displacement => 3,
        Variable::Attribution => 4,
        Variable::DropOff => 5,
        Variable::Duration => 6,
    }
}

fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

fn outcome_base(o: &OutcomeFigures) -> [f64; 7] {
    [
        f(o.quantity),
        f(o.proxy_value),
        f(o.deadweight),
        f(o.displacement),
        f(o.attribution),
        f(o.drop_off),
        f64::from(o.duration),
    ]
}

/// One draw's figures: ratio, NPV, PV, then each sampler's value.
struct Draw {
    ratio: f64,
    npv: f64,
    pv: f64,
    values: Vec<f64>,
}

impl Plan {
    fn draw(&self, rng: &mut ChaCha8Rng) -> Option<Draw> {
        let values: Vec<f64> = self
            .samplers
            .iter()
            .map(|s| s.draw(rng))
            .collect::<Option<_>>()?;
        let pick = |index: Option<usize>, base: f64| {
            index.and_then(|i| values.get(i).copied()).unwrap_or(base)
        };
        let mut pv = self.constant_pv;
        for o in &self.outcomes {
            let mut x = o.base;
            for (value, sampler) in x.iter_mut().zip(o.samplers) {
                *value = pick(sampler, *value);
            }
            let [q, p, dw, ds, at, drop, years] = x;
            let impact = q * p * (1.0 - dw) * (1.0 - ds) * (1.0 - at);
            let keep = 1.0 - drop;
            let mut value = impact;
            let mut sum = 0.0;
            let years = years as usize;
            for factor in self.factors.iter().skip(o.offset).take(years) {
                sum += value * factor;
                value *= keep;
            }
            pv += sum;
        }
        let mut investment = self.constant_investment;
        for (i, weight) in &self.inputs {
            investment += values.get(*i).copied().unwrap_or(0.0) * weight;
        }
        Some(Draw {
            ratio: pv / investment,
            npv: pv - investment,
            pv,
            values,
        })
    }
}

/// Run `draws` draws of the model's `uncertainty:` block under `base` (the `--set`
/// scenario). `progress(done, total)` is called between chunks of draws.
pub fn simulate(
    project: &Project,
    base: Scenario,
    draws: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimulationReport, Diagnostics> {
    let model = &project.model;
    let uncertainty = match &model.uncertainty {
        Some(u) if !u.figures.is_empty() => u,
        _ => {
            return Err(Diagnostics::from(
                Diagnostic::error("the model has no `uncertainty:` block, so there is nothing to simulate")
                    .code("sroi::simulate")
                    .at(&model.file, model.id.span)
                    .help("add `uncertainty:` with a distribution for each uncertain figure, e.g.\n  uncertainty:\n    outcomes:\n      OUTCOME-ID:\n        deadweight: triangular(20%, 35%, 50%)"),
            ));
        }
    };
    let base_probe = Probe::new(project, base.clone())?;
    let base_ratio = base_probe.results.ratio.unwrap_or_default();
    drop(base_probe);

    // Fold degenerate distributions into the base, exactly.
    let mut folded = base;
    for u in &uncertainty.figures {
        if let Some(value) = u.distribution.degenerate() {
            folded.set(target(u.figure), value);
        }
    }
    let probe = Probe::new(project, folded)?;
    let plan = plan(&probe, uncertainty);

    let (ratios, npvs, pvs, values) = if plan.samplers.is_empty() {
        (Vec::new(), Vec::new(), Vec::new(), Vec::new())
    } else {
        run(&plan, draws, seed, progress).map_err(|i| draw_failed(project, i))?
    };

    let mut report = SimulationReport {
        model_id: model.id.value.clone(),
        model_name: model.name.clone(),
        currency: model.currency.value.clone(),
        draws,
        seed,
        base_ratio,
        ratio: Stat::Exact(probe.results.ratio.unwrap_or_default()),
        net_present_value: Stat::Exact(probe.results.net_present_value),
        total_present_value: Stat::Exact(probe.results.total_present_value),
        probability_ratio_at_least_1: if probe.results.ratio.unwrap_or_default() >= Decimal::ONE {
            1.0
        } else {
            0.0
        },
        histogram: Histogram::Exact(probe.results.ratio.unwrap_or_default()),
        drivers: Vec::new(),
    };
    if ratios.is_empty() {
        return Ok(report);
    }
    report.ratio = Stat::Drawn(stats::summary(&ratios));
    report.net_present_value = Stat::Drawn(stats::summary(&npvs));
    report.total_present_value = Stat::Drawn(stats::summary(&pvs));
    let at_least_1 = ratios.iter().filter(|r| **r >= 1.0).count();
    report.probability_ratio_at_least_1 = at_least_1 as f64 / ratios.len() as f64;
    report.histogram = Histogram::Drawn(stats::histogram(&ratios));
    let ratio_ranks = stats::ranks(&ratios);
    let drawn: Vec<&crate::model::uncertainty::Uncertain> = uncertainty
        .figures
        .iter()
        .filter(|u| u.distribution.degenerate().is_none())
        .collect();
    let mut drivers: Vec<Driver> = drawn
        .iter()
        .zip(&values)
        .map(|(u, v)| Driver {
            figure: u.figure,
            outcome: match u.figure {
                Figure::Outcome(i, _) => model.outcomes.get(i).map(|o| o.id.value.clone()),
                Figure::Input(_) => None,
            },
            variable: match u.figure {
                Figure::Outcome(_, v) => v.name(),
                Figure::Input(_) => "value",
            },
            spearman: stats::spearman(v, &ratio_ranks),
        })
        .collect();
    drivers.sort_by(|a, b| {
        let key = |d: &Driver| d.spearman.map_or(-1.0, f64::abs);
        key(b).total_cmp(&key(a))
    });
    report.drivers = drivers;
    Ok(report)
}

fn target(figure: Figure) -> Target {
    match figure {
        Figure::Outcome(i, v) => Target::Outcome(i, field(v)),
        Figure::Input(i) => Target::Input(i),
    }
}

fn plan(probe: &Probe<'_>, uncertainty: &Uncertainty) -> Plan {
    let figures = &probe.figures;
    let results = &probe.results;
    let mut samplers = Vec::new();
    let mut outcome_slots: Vec<[Option<usize>; 7]> = vec![[None; 7]; figures.outcomes.len()];
    let mut input_slots: Vec<Option<usize>> = vec![None; figures.inputs.len()];
    for u in &uncertainty.figures {
        let Some(sampler) = Sampler::new(&u.distribution, u.domain) else {
            continue;
        };
        let index = samplers.len();
        samplers.push(sampler);
        match u.figure {
            Figure::Outcome(i, v) => {
                if let Some(s) = outcome_slots.get_mut(i).and_then(|s| s.get_mut(slot(v))) {
                    *s = Some(index);
                }
            }
            Figure::Input(i) => {
                if let Some(s) = input_slots.get_mut(i) {
                    *s = Some(index);
                }
            }
        }
    }
    let mut constant_pv = 0.0;
    let mut outcomes = Vec::new();
    for (i, o) in figures.outcomes.iter().enumerate() {
        let slots = outcome_slots.get(i).copied().unwrap_or([None; 7]);
        if slots.iter().all(Option::is_none) {
            constant_pv += results.outcomes.get(i).map_or(0.0, |v| f(v.present_value));
        } else {
            outcomes.push(OutcomePlan {
                base: outcome_base(o),
                offset: usize::try_from(o.offset).unwrap_or(0),
                samplers: slots,
            });
        }
    }
    // Money spent in programme year N counts at its present value: 1 / (1 + r)^(N − 1)
    // under either convention (year-1 money at face value).
    let money_growth = 1.0 + f(figures.settings.discount_rate);
    let mut constant_investment = 0.0;
    let mut inputs = Vec::new();
    for (i, input) in figures.inputs.iter().enumerate() {
        let weight = 1.0
            / money_growth.powi(i32::try_from(input.year.saturating_sub(1)).unwrap_or(i32::MAX));
        match input_slots.get(i).copied().flatten() {
            Some(s) => inputs.push((s, weight)),
            None => constant_investment += f(input.value) * weight,
        }
    }
    // Factors for every year a drawn duration can reach.
    let max_offset = figures.outcomes.iter().map(|o| o.offset).max().unwrap_or(0);
    let years = max_offset.saturating_add(MAX_YEARS);
    let growth = 1.0 + f(figures.settings.discount_rate);
    let factors = (1..=years)
        .map(|y| {
            let power = match figures.settings.convention {
                Convention::EndOfYear => y,
                Convention::StartOfYear => y - 1,
            };
            1.0 / growth.powi(i32::try_from(power).unwrap_or(i32::MAX))
        })
        .collect();
    Plan {
        samplers,
        constant_pv,
        outcomes,
        constant_investment,
        inputs,
        factors,
    }
}

type Columns = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<Vec<f64>>);

/// All draws, in draw order; `Err(i)` names a draw that could not be completed.
fn run(
    plan: &Plan,
    draws: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Columns, usize> {
    let root = ChaCha8Rng::seed_from_u64(seed);
    let k = plan.samplers.len();
    let mut ratios = Vec::with_capacity(draws);
    let mut npvs = Vec::with_capacity(draws);
    let mut pvs = Vec::with_capacity(draws);
    let mut values: Vec<Vec<f64>> = (0..k).map(|_| Vec::with_capacity(draws)).collect();
    let mut start = 0;
    while start < draws {
        let end = start.saturating_add(CHUNK).min(draws);
        let chunk: Vec<Result<Draw, usize>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let mut rng = root.clone();
                rng.set_stream(i as u64);
                plan.draw(&mut rng).filter(|d| d.ratio.is_finite()).ok_or(i)
            })
            .collect();
        for d in chunk {
            let d = d?;
            ratios.push(d.ratio);
            npvs.push(d.npv);
            pvs.push(d.pv);
            for (column, v) in values.iter_mut().zip(d.values) {
                column.push(v);
            }
        }
        start = end;
        progress(start, draws);
    }
    Ok((ratios, npvs, pvs, values))
}

fn draw_failed(project: &Project, draw: usize) -> Diagnostics {
    let model = &project.model;
    Diagnostics::from(
        Diagnostic::error(format!("draw {} gave no ratio: its investment was 0, or a distribution could not give a value in its figure's domain", draw.saturating_add(1)))
            .code("sroi::simulate")
            .at(&model.file, model.id.span)
            .help("check the `uncertainty:` distributions of the inputs: the investment must stay above 0"),
    )
}
