//! One-at-a-time sensitivity analysis and two-way grids (`sroi sensitivity`).
//!
//! Every figure stays exact: each row is the model evaluated with one outcome's variable
//! at its low and its high value, everything else at base.

use rust_decimal::Decimal;

use super::probe::Probe;
use super::tipping;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluate::Scenario;
use crate::model::number::MAX_YEARS;
use crate::model::sensitivity::{Sensitivity, Variable};
use crate::project::Project;
use crate::suggest;

/// The base evaluation the rows vary from.
#[derive(Debug, Clone, PartialEq)]
pub struct Base {
    pub ratio: Decimal,
    pub total_present_value: Decimal,
    pub investment: Decimal,
}

/// One outcome's variable at its low and high values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub outcome: String,
    pub variable: Variable,
    pub base: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    pub ratio_low: Decimal,
    pub ratio_high: Decimal,
    /// |ratio_high − ratio_low|, unrounded.
    pub swing: Decimal,
    /// The value at which the ratio is exactly 1, if its domain has one.
    pub tipping_point: Option<Decimal>,
    /// Tipping point − base: relative to base for quantity and proxy, absolute otherwise.
    pub tipping_change: Option<Decimal>,
}

/// One axis of a two-way grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub outcome: String,
    pub variable: Variable,
    pub values: Vec<Decimal>,
}

/// The ratio over a grid of two variables: `ratios[i][j]` has x at `x.values[i]` and y at
/// `y.values[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoWay {
    pub x: Axis,
    pub y: Axis,
    pub ratios: Vec<Vec<Decimal>>,
}

/// Everything `sroi sensitivity` reports, unrounded (reports round).
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityReport {
    pub model_id: String,
    pub model_name: String,
    pub currency: String,
    pub base: Base,
    /// The investment at which the ratio is 1: the total present value.
    pub investment_tipping_point: Decimal,
    /// Sorted by swing, largest first.
    pub rows: Vec<Row>,
    pub two_way: Option<TwoWay>,
}

/// `ID.VAR` as given to `--two-way`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisName {
    pub outcome: String,
    pub variable: String,
}

/// Steps in a two-way grid allowed per axis.
pub const MAX_STEPS: usize = 201;

/// The low and high values of one outcome's variable.
pub fn range(
    s: &Sensitivity,
    outcome: usize,
    variable: Variable,
    base: Decimal,
) -> (Decimal, Decimal) {
    if let Some(r) = s.range(outcome, variable) {
        return (r.low, r.high);
    }
    let one = Decimal::ONE;
    let relative = |rel: Decimal| {
        let low = base.checked_mul(one - rel).unwrap_or(base);
        let high = base.checked_mul(one + rel).unwrap_or(base);
        (low, high)
    };
    let points = |p: Decimal| {
        let low = (base - p).max(Decimal::ZERO);
        let high = (base + p).min(one);
        (low, high)
    };
    match variable {
        Variable::Quantity => {
            let (low, high) = relative(s.quantity);
            (low.max(Decimal::ZERO), high)
        }
        Variable::Proxy => relative(s.proxy),
        Variable::Deadweight => points(s.deadweight),
        Variable::Displacement => points(s.displacement),
        Variable::Attribution => points(s.attribution),
        Variable::DropOff => points(s.drop_off),
        Variable::Duration => {
            let step = Decimal::from(s.duration);
            let low = (base - step).max(one);
            let high = (base + step).min(Decimal::from(MAX_YEARS));
            (low, high)
        }
    }
}

/// Run the analysis on `project` under `base` (the `--set` scenario).
pub fn analyse(
    project: &Project,
    base: Scenario,
    two_way: Option<(&AxisName, &AxisName, usize)>,
) -> Result<SensitivityReport, Diagnostics> {
    let settings = project.model.sensitivity.clone().unwrap_or_default();
    // Resolve the grid's names before any work, so a typo fails fast.
    let grid = match two_way {
        Some((x, y, steps)) => Some((axis_index(project, x)?, axis_index(project, y)?, steps)),
        None => None,
    };
    let mut probe = Probe::new(project, base)?;
    let base_ratio = probe.results.ratio.unwrap_or_default();
    let mut rows = Vec::new();
    for (i, outcome) in project.model.outcomes.iter().enumerate() {
        for variable in Variable::ALL {
            let base_value = probe.base_value(i, variable);
            let (low, high) = range(&settings, i, variable, base_value);
            let ratio_low = probe.ratio(i, variable, low)?;
            let ratio_high = probe.ratio(i, variable, high)?;
            if ratio_low == ratio_high {
                continue;
            }
            let tipping_point = tipping::tipping_point(&mut probe, i, variable)?;
            let tipping_change = tipping_point.and_then(|t| {
                let change = t.checked_sub(base_value)?;
                match variable {
                    Variable::Quantity | Variable::Proxy => change.checked_div(base_value),
                    _ => Some(change),
                }
            });
            rows.push(Row {
                outcome: outcome.id.value.clone(),
                variable,
                base: base_value,
                low,
                high,
                ratio_low,
                ratio_high,
                swing: (ratio_high - ratio_low).abs(),
                tipping_point,
                tipping_change,
            });
        }
    }
    // Stable: ties keep outcome order, then variable order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.swing));

    let two_way = match grid {
        Some(((xi, xv), (yi, yv), steps)) => {
            Some(grid_of(&mut probe, &settings, (xi, xv), (yi, yv), steps)?)
        }
        None => None,
    };
    Ok(SensitivityReport {
        model_id: project.model.id.value.clone(),
        model_name: project.model.name.clone(),
        currency: project.model.currency.value.clone(),
        base: Base {
            ratio: base_ratio,
            total_present_value: probe.results.total_present_value,
            investment: probe.results.investment,
        },
        investment_tipping_point: probe.results.total_present_value,
        rows,
        two_way,
    })
}

/// `steps` equal steps from low to high (durations rounded to whole years).
pub fn steps(low: Decimal, high: Decimal, steps: usize, variable: Variable) -> Vec<Decimal> {
    let last = Decimal::from(steps.saturating_sub(1).max(1));
    (0..steps)
        .map(|k| {
            let v = low + (high - low) * Decimal::from(k) / last;
            if variable == Variable::Duration {
                v.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            } else {
                v
            }
        })
        .collect()
}

fn grid_of(
    probe: &mut Probe<'_>,
    settings: &Sensitivity,
    (xi, xv): (usize, Variable),
    (yi, yv): (usize, Variable),
    n: usize,
) -> Result<TwoWay, Diagnostics> {
    let axis = |probe: &Probe<'_>, i: usize, v: Variable| {
        let (low, high) = range(settings, i, v, probe.base_value(i, v));
        Axis {
            outcome: probe
                .project
                .model
                .outcomes
                .get(i)
                .map(|o| o.id.value.clone())
                .unwrap_or_default(),
            variable: v,
            values: steps(low, high, n, v),
        }
    };
    let x = axis(probe, xi, xv);
    let y = axis(probe, yi, yv);
    let mut ratios = Vec::with_capacity(x.values.len());
    for xval in &x.values {
        let mut row = Vec::with_capacity(y.values.len());
        for yval in &y.values {
            let results = probe.results(&[(xi, xv, *xval), (yi, yv, *yval)])?;
            row.push(
                results
                    .ratio
                    .ok_or_else(|| super::probe::no_investment(probe.project))?,
            );
        }
        ratios.push(row);
    }
    Ok(TwoWay { x, y, ratios })
}

/// The outcome index and variable `ID.VAR` names, or an error with a suggestion.
pub fn axis_index(project: &Project, name: &AxisName) -> Result<(usize, Variable), Diagnostics> {
    let model = &project.model;
    let fail = |message: String, help: String| {
        Diagnostics::from(
            Diagnostic::error(message)
                .code("sroi::cli")
                .in_file(&model.file.path)
                .help(help),
        )
    };
    let ids = model.outcomes.iter().map(|o| o.id.as_str());
    let Some(index) = model
        .outcomes
        .iter()
        .position(|o| o.id.value == name.outcome)
    else {
        let help = suggest::did_you_mean(&name.outcome, ids.clone())
            .unwrap_or_else(|| format!("outcomes in this model: {}", suggest::one_of(ids)));
        return Err(fail(
            format!("--two-way: the model has no outcome `{}`", name.outcome),
            help,
        ));
    };
    let Some(variable) = Variable::from_name(&name.variable) else {
        let names = Variable::ALL.map(Variable::name);
        let help = suggest::did_you_mean(&name.variable, names)
            .unwrap_or_else(|| format!("the variables are {}", suggest::one_of(names)));
        return Err(fail(
            format!(
                "--two-way: `{}` is not a variable sroi varies",
                name.variable
            ),
            help,
        ));
    };
    Ok((index, variable))
}
