//! Tipping points (switching values): the value of one figure, others at base, at which
//! the SROI ratio is exactly 1.
//!
//! An outcome's present value is linear in its quantity, in its proxy, and in (1 − f) for
//! each of deadweight, displacement and attribution, so those are solved exactly. Drop-off
//! is found by bisection on a grid of half-steps of the fourth decimal place, which gives
//! the root rounded half away from zero to 4 places. Duration is searched year by year.

use rust_decimal::Decimal;

use super::probe::Probe;
use crate::diagnostic::Diagnostics;
use crate::model::number::MAX_YEARS;
use crate::model::sensitivity::Variable;

/// Years searched for a duration's tipping point.
pub const DURATION_LIMIT: u32 = 100;

/// The tipping point of one outcome's variable, or `None` when no value in its domain
/// (quantity, proxy ≥ 0; fractions 0..1; duration 1..100) gives a ratio of 1.
pub fn tipping_point(
    probe: &mut Probe<'_>,
    outcome: usize,
    variable: Variable,
) -> Result<Option<Decimal>, Diagnostics> {
    let investment = probe.results.investment;
    let pv_total = probe.results.total_present_value;
    let pv_outcome = probe
        .results
        .outcomes
        .get(outcome)
        .map_or(Decimal::ZERO, |o| o.present_value);
    // The present value the other outcomes contribute; this outcome must make up the rest.
    let needed = investment.checked_sub(pv_total.checked_sub(pv_outcome).unwrap_or_default());
    let Some(needed) = needed else {
        return Ok(None);
    };
    match variable {
        Variable::Quantity | Variable::Proxy => {
            // PV is proportional to the figure: PV(x) = x · PV(1).
            let per_unit = probe.outcome_pv(outcome, variable, Decimal::ONE)?;
            let x = needed.checked_div(per_unit);
            Ok(x.filter(|x| !x.is_sign_negative() || x.is_zero()))
        }
        Variable::Deadweight | Variable::Displacement | Variable::Attribution => {
            // PV(f) = (1 − f) · PV(0).
            let at_zero = probe.outcome_pv(outcome, variable, Decimal::ZERO)?;
            let kept = needed.checked_div(at_zero);
            let f = kept.and_then(|k| Decimal::ONE.checked_sub(k));
            Ok(f.filter(|f| *f >= Decimal::ZERO && *f <= Decimal::ONE))
        }
        Variable::DropOff => drop_off(probe, outcome),
        Variable::Duration => duration(probe, outcome),
    }
}

/// Grid of half-steps of 0.0001 on 0..=1: x_n = n / 20000.
const HALF_STEPS: i64 = 20_000;

fn drop_off(probe: &mut Probe<'_>, outcome: usize) -> Result<Option<Decimal>, Diagnostics> {
    let at = |n: i64| Decimal::new(n, 0) / Decimal::new(HALF_STEPS, 0);
    let g = |probe: &mut Probe<'_>, n: i64| -> Result<Decimal, Diagnostics> {
        Ok(probe.ratio(outcome, Variable::DropOff, at(n))? - Decimal::ONE)
    };
    let (g0, g1) = (g(probe, 0)?, g(probe, HALF_STEPS)?);
    // Orient so that h = sign · g falls as drop-off rises (it does for a benefit; a
    // disbenefit's ratio rises instead).
    let sign = if g0 >= g1 {
        Decimal::ONE
    } else {
        Decimal::NEGATIVE_ONE
    };
    let (h0, h1) = (sign * g0, sign * g1);
    if h0 < Decimal::ZERO || h1 > Decimal::ZERO || g0 == g1 && !g0.is_zero() {
        return Ok(None);
    }
    // The largest n with h(x_n) ≥ 0: the root lies in [x_n, x_{n+1}).
    let (mut lo, mut hi) = (0i64, HALF_STEPS);
    if h1.is_zero() {
        lo = HALF_STEPS;
    }
    while hi - lo > 1 && lo < HALF_STEPS {
        let mid = lo + (hi - lo) / 2;
        if sign * g(probe, mid)? >= Decimal::ZERO {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // x_n with n = 2k is k/10000: a root in [x_2k, x_2k+1) rounds to k; a root in
    // [x_2k+1, x_2k+2) is at or past the midpoint and rounds (away from zero) to k + 1.
    let k = (lo + 1) / 2;
    Ok(Some(Decimal::new(k, 4)))
}

fn duration(probe: &mut Probe<'_>, outcome: usize) -> Result<Option<Decimal>, Diagnostics> {
    let base_ratio = probe.results.ratio.unwrap_or_default();
    let base = probe.base_value(outcome, Variable::Duration);
    if base_ratio == Decimal::ONE {
        return Ok(Some(base));
    }
    let base_years = u32::try_from(base.trunc().mantissa()).unwrap_or(1).max(1);
    let ratio = |probe: &mut Probe<'_>, years: u32| {
        probe.ratio(outcome, Variable::Duration, Decimal::from(years))
    };
    let gap = |r: Decimal| (r - Decimal::ONE).abs();
    let below = base_ratio < Decimal::ONE;
    let crossed = |r: Decimal| {
        if below {
            r >= Decimal::ONE
        } else {
            r <= Decimal::ONE
        }
    };
    // The direction in which the ratio moves toward 1.
    let up = if base_years < DURATION_LIMIT.min(MAX_YEARS) {
        let r = ratio(probe, base_years + 1)?;
        gap(r) < gap(base_ratio) || crossed(r)
    } else {
        false
    };
    let steps: Box<dyn Iterator<Item = u32>> = if up {
        Box::new(base_years + 1..=DURATION_LIMIT)
    } else {
        Box::new((1..base_years).rev())
    };
    let mut previous = base_ratio;
    for years in steps {
        let r = ratio(probe, years)?;
        if crossed(r) {
            return Ok(Some(Decimal::from(years)));
        }
        if !up && gap(r) >= gap(previous) {
            // Moving down does not bring the ratio toward 1 either.
            return Ok(None);
        }
        previous = r;
    }
    Ok(None)
}
