//! The SROI arithmetic of docs/format.md section 7. Pure: no I/O, no clock, no rounding.
//!
//! Every operation is checked; an overflow is an error naming the figure, never a panic.
#![warn(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use rust_decimal::Decimal;

/// How discount factors fall within a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// factor(y) = 1 / (1 + r)^y
    EndOfYear,
    /// factor(y) = 1 / (1 + r)^(y - 1)
    StartOfYear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub discount_rate: Decimal,
    pub convention: Convention,
}

/// One outcome's figures, all as fractions and exact decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeFigures {
    pub quantity: Decimal,
    pub proxy_value: Decimal,
    pub deadweight: Decimal,
    pub displacement: Decimal,
    pub attribution: Decimal,
    pub drop_off: Decimal,
    /// Whole years the outcome lasts, at least 1.
    pub duration: u32,
    /// The calculation's s: 0 when the outcome starts during the activity, 1 when after.
    pub offset: u32,
    /// Index of the stakeholder who experiences the outcome.
    pub stakeholder: usize,
}

/// One input: money spent at the start of programme year `year` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputFigures {
    pub value: Decimal,
    /// Programme year, at least 1; year-1 money is taken at face value.
    pub year: u32,
}

impl InputFigures {
    /// Money spent in year 1.
    pub fn year_one(value: Decimal) -> Self {
        InputFigures { value, year: 1 }
    }
}

/// The investment made in one programme year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestmentYear {
    /// Sum of the inputs of this year, at face value.
    pub face_value: Decimal,
    /// 1 / (1 + r)^(year − 1), whatever the convention.
    pub factor: Decimal,
    pub present_value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeValue {
    pub impact: Decimal,
    /// Value in years 1..=horizon (zero outside the outcome's own years).
    pub years: Vec<Decimal>,
    pub present_value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderValue {
    pub present_value: Decimal,
    /// Share of total present value; absent when the total is zero.
    pub share: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    pub horizon: u32,
    /// Discount factor for each year 1..=horizon.
    pub factors: Vec<Decimal>,
    pub outcomes: Vec<OutcomeValue>,
    pub stakeholders: Vec<StakeholderValue>,
    /// I: the present value of every input (docs/years-and-prices.md).
    pub investment: Decimal,
    /// Σ input values as written, undiscounted.
    pub investment_face_value: Decimal,
    /// Years 1..=the last year with an input (empty when there are no inputs).
    pub investment_by_year: Vec<InvestmentYear>,
    /// Each input's present value, in the order given.
    pub input_present_values: Vec<Decimal>,
    pub total_impact: Decimal,
    pub total_present_value: Decimal,
    pub net_present_value: Decimal,
    /// PV / I; absent when I = 0.
    pub ratio: Option<Decimal>,
    /// NPV / I; absent when I = 0.
    pub net_ratio: Option<Decimal>,
    /// I / (Σ impact / 12), I being the present value of investment; absent when Σ impact ≤ 0.
    pub payback_months: Option<Decimal>,
}

/// What overflowed, for the caller to locate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalcError {
    /// An outcome's figures overflowed (index into the outcomes given).
    Outcome { index: usize, what: &'static str },
    /// A total overflowed.
    Total { what: &'static str },
}

impl std::fmt::Display for CalcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalcError::Outcome { what, .. } | CalcError::Total { what } => {
                write!(
                    f,
                    "the {what} is too large to compute exactly (beyond 28 significant digits)"
                )
            }
        }
    }
}

/// impact = Q × P × (1 − DW) × (1 − DS) × (1 − AT)
pub fn impact(o: &OutcomeFigures) -> Option<Decimal> {
    o.quantity
        .checked_mul(o.proxy_value)?
        .checked_mul(Decimal::ONE.checked_sub(o.deadweight)?)?
        .checked_mul(Decimal::ONE.checked_sub(o.displacement)?)?
        .checked_mul(Decimal::ONE.checked_sub(o.attribution)?)
}

/// Discount factors for years 1..=horizon.
pub fn discount_factors(settings: Settings, horizon: u32) -> Option<Vec<Decimal>> {
    let growth = Decimal::ONE.checked_add(settings.discount_rate)?;
    let mut factors = Vec::with_capacity(usize::try_from(horizon).ok()?);
    // (1 + r)^k by repeated multiplication, exact at each step.
    let mut power = match settings.convention {
        Convention::EndOfYear => growth,
        Convention::StartOfYear => Decimal::ONE,
    };
    for _ in 0..horizon {
        factors.push(Decimal::ONE.checked_div(power)?);
        power = power.checked_mul(growth)?;
    }
    Some(factors)
}

/// The factor for money spent at the start of programme year `year`: 1 / (1 + r)^(year − 1).
/// Year-1 money is at face value under either convention, as in section 4.
pub fn investment_factor(rate: Decimal, year: u32) -> Option<Decimal> {
    let growth = Decimal::ONE.checked_add(rate)?;
    let mut power = Decimal::ONE;
    for _ in 1..year {
        power = power.checked_mul(growth)?;
    }
    Decimal::ONE.checked_div(power)
}

/// H: the largest s + D over the outcomes and the largest input year.
pub fn horizon(outcomes: &[OutcomeFigures], inputs: &[InputFigures]) -> u32 {
    let outcome_end = outcomes
        .iter()
        .map(|o| o.offset.saturating_add(o.duration))
        .max()
        .unwrap_or(0);
    let input_end = inputs.iter().map(|i| i.year).max().unwrap_or(0);
    outcome_end.max(input_end)
}

/// The investment, discounted and as written.
struct Investment {
    present_value: Decimal,
    face_value: Decimal,
    by_year: Vec<InvestmentYear>,
    /// Each input's present value, in order.
    each: Vec<Decimal>,
}

/// The investment's present value: each input discounted from the start of its year.
fn investment(rate: Decimal, inputs: &[InputFigures]) -> Result<Investment, CalcError> {
    let total = |what| CalcError::Total { what };
    let last = inputs.iter().map(|i| i.year).max().unwrap_or(0);
    let mut by_year = Vec::with_capacity(usize::try_from(last).unwrap_or(0));
    for year in 1..=last {
        by_year.push(InvestmentYear {
            face_value: Decimal::ZERO,
            factor: investment_factor(rate, year).ok_or(total("investment discount factor"))?,
            present_value: Decimal::ZERO,
        });
    }
    let mut face = Decimal::ZERO;
    let mut pv = Decimal::ZERO;
    let mut each = Vec::with_capacity(inputs.len());
    for input in inputs {
        let index = usize::try_from(input.year.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(year) = by_year.get_mut(index) else {
            return Err(total("investment year"));
        };
        let present = input
            .value
            .checked_mul(year.factor)
            .ok_or(total("investment"))?;
        year.face_value = year
            .face_value
            .checked_add(input.value)
            .ok_or(total("investment"))?;
        year.present_value = year
            .present_value
            .checked_add(present)
            .ok_or(total("investment"))?;
        face = face.checked_add(input.value).ok_or(total("investment"))?;
        pv = pv.checked_add(present).ok_or(total("investment"))?;
        each.push(present);
    }
    Ok(Investment {
        present_value: pv,
        face_value: face,
        by_year,
        each,
    })
}

/// Value of one outcome in each year 1..=horizon.
pub fn yearly_values(o: &OutcomeFigures, impact: Decimal, horizon: u32) -> Option<Vec<Decimal>> {
    let keep = Decimal::ONE.checked_sub(o.drop_off)?;
    let first = o.offset.checked_add(1)?;
    let last = o.offset.checked_add(o.duration)?;
    let mut years = Vec::with_capacity(usize::try_from(horizon).ok()?);
    let mut value = impact;
    for y in 1..=horizon {
        if y < first || y > last {
            years.push(Decimal::ZERO);
            continue;
        }
        years.push(value);
        value = value.checked_mul(keep)?;
    }
    Some(years)
}

/// The whole calculation for a model.
pub fn evaluate(
    settings: Settings,
    outcomes: &[OutcomeFigures],
    inputs: &[InputFigures],
    stakeholder_count: usize,
) -> Result<Results, CalcError> {
    let total = |what| CalcError::Total { what };
    let horizon = horizon(outcomes, inputs);
    let factors = discount_factors(settings, horizon).ok_or(total("discount factor"))?;

    let mut values = Vec::with_capacity(outcomes.len());
    let mut per_stakeholder = vec![Decimal::ZERO; stakeholder_count];
    let mut total_impact = Decimal::ZERO;
    let mut total_pv = Decimal::ZERO;
    for (index, o) in outcomes.iter().enumerate() {
        let fail = |what| CalcError::Outcome { index, what };
        let impact = impact(o).ok_or(fail("impact"))?;
        let years = yearly_values(o, impact, horizon).ok_or(fail("value over the years"))?;
        let present_value = years
            .iter()
            .zip(&factors)
            .try_fold(Decimal::ZERO, |acc, (v, f)| {
                acc.checked_add(v.checked_mul(*f)?)
            })
            .ok_or(fail("present value"))?;
        total_impact = total_impact
            .checked_add(impact)
            .ok_or(total("total impact"))?;
        total_pv = total_pv
            .checked_add(present_value)
            .ok_or(total("total present value"))?;
        if let Some(s) = per_stakeholder.get_mut(o.stakeholder) {
            *s = s
                .checked_add(present_value)
                .ok_or(total("stakeholder present value"))?;
        }
        values.push(OutcomeValue {
            impact,
            years,
            present_value,
        });
    }

    let Investment {
        present_value: investment,
        face_value: investment_face_value,
        by_year: investment_by_year,
        each: input_present_values,
    } = investment(settings.discount_rate, inputs)?;
    let npv = total_pv
        .checked_sub(investment)
        .ok_or(total("net present value"))?;
    let per_investment = |x: Decimal| {
        if investment.is_zero() {
            Ok(None)
        } else {
            x.checked_div(investment).map(Some).ok_or(total("ratio"))
        }
    };
    let ratio = per_investment(total_pv)?;
    let net_ratio = per_investment(npv)?;
    let payback_months = if total_impact > Decimal::ZERO {
        // I / (Σ impact / 12), written as 12·I / Σ impact to divide once.
        let twelve_i = investment
            .checked_mul(Decimal::from(12))
            .ok_or(total("payback period"))?;
        Some(
            twelve_i
                .checked_div(total_impact)
                .ok_or(total("payback period"))?,
        )
    } else {
        None
    };
    let stakeholders = per_stakeholder
        .into_iter()
        .map(|pv| StakeholderValue {
            present_value: pv,
            share: if total_pv.is_zero() {
                None
            } else {
                pv.checked_div(total_pv)
            },
        })
        .collect();

    Ok(Results {
        horizon,
        factors,
        outcomes: values,
        stakeholders,
        investment,
        investment_face_value,
        investment_by_year,
        input_present_values,
        total_impact,
        total_present_value: total_pv,
        net_present_value: npv,
        ratio,
        net_ratio,
        payback_months,
    })
}

#[cfg(test)]
mod tests;
