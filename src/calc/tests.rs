#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn round2(x: Decimal) -> String {
    crate::report::money(x)
}

fn spec_outcome() -> OutcomeFigures {
    OutcomeFigures {
        quantity: d("10"),
        proxy_value: d("1000"),
        deadweight: d("0.20"),
        displacement: d("0"),
        attribution: d("0.25"),
        drop_off: d("0.10"),
        duration: 3,
        offset: 0,
        stakeholder: 0,
    }
}

fn end_of_year(rate: &str) -> Settings {
    Settings {
        discount_rate: d(rate),
        convention: Convention::EndOfYear,
    }
}

/// SPEC section 4's worked check, to the penny.
#[test]
fn spec_worked_check() {
    let r = evaluate(end_of_year("0.035"), &[spec_outcome()], &[d("5000")], 1).unwrap();
    let o = &r.outcomes[0];
    assert_eq!(round2(o.impact), "6000.00");
    let years: Vec<String> = o.years.iter().map(|y| round2(*y)).collect();
    assert_eq!(years, ["6000.00", "5400.00", "4860.00"]);
    assert_eq!(r.horizon, 3);
    assert_eq!(round2(r.total_present_value), "15221.50");
    assert_eq!(round2(r.net_present_value), "10221.50");
    assert_eq!(crate::report::fixed(r.ratio.unwrap(), 4), "3.0443");
    assert_eq!(crate::report::fixed(r.net_ratio.unwrap(), 4), "2.0443");
    assert_eq!(round2(r.payback_months.unwrap()), "10.00");
    assert_eq!(r.stakeholders[0].share, Some(Decimal::ONE));
}

#[test]
fn start_of_year_does_not_discount_year_one() {
    let settings = Settings {
        discount_rate: d("0.035"),
        convention: Convention::StartOfYear,
    };
    let r = evaluate(settings, &[spec_outcome()], &[d("5000")], 1).unwrap();
    assert_eq!(r.factors[0], Decimal::ONE);
    // 6000 + 5400/1.035 + 4860/1.035^2
    assert_eq!(round2(r.total_present_value), "15754.25");
}

#[test]
fn after_start_shifts_values_one_year_and_extends_horizon() {
    let mut later = spec_outcome();
    later.offset = 1;
    later.duration = 2;
    let r = evaluate(end_of_year("0"), &[spec_outcome(), later], &[d("1")], 1).unwrap();
    assert_eq!(r.horizon, 3);
    let years: Vec<String> = r.outcomes[1].years.iter().map(|y| round2(*y)).collect();
    assert_eq!(years, ["0.00", "6000.00", "5400.00"]);
}

#[test]
fn no_investment_means_no_ratio() {
    let r = evaluate(end_of_year("0.035"), &[spec_outcome()], &[], 1).unwrap();
    assert_eq!(r.ratio, None);
    assert_eq!(r.net_ratio, None);
    assert_eq!(r.payback_months, Some(Decimal::ZERO));
}

#[test]
fn no_positive_impact_means_no_payback() {
    let mut o = spec_outcome();
    o.proxy_value = d("-100");
    let r = evaluate(end_of_year("0.035"), &[o], &[d("10")], 1).unwrap();
    assert_eq!(r.payback_months, None);
    assert!(r.ratio.unwrap() < Decimal::ZERO);
}

#[test]
fn shares_split_present_value_by_stakeholder() {
    let mut other = spec_outcome();
    other.stakeholder = 1;
    other.quantity = d("30");
    let r = evaluate(end_of_year("0.035"), &[spec_outcome(), other], &[d("1")], 3).unwrap();
    assert_eq!(r.stakeholders[0].share, Some(d("0.25")));
    assert_eq!(r.stakeholders[1].share, Some(d("0.75")));
    assert_eq!(r.stakeholders[2].present_value, Decimal::ZERO);
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let mut o = spec_outcome();
    o.quantity = Decimal::MAX;
    o.proxy_value = Decimal::MAX;
    let err = evaluate(end_of_year("0.035"), &[o], &[d("1")], 1).unwrap_err();
    assert_eq!(
        err,
        CalcError::Outcome {
            index: 0,
            what: "impact"
        }
    );
    let err = evaluate(
        end_of_year("0.035"),
        &[spec_outcome()],
        &[Decimal::MAX, Decimal::MAX],
        1,
    )
    .unwrap_err();
    assert_eq!(err, CalcError::Total { what: "investment" });
}

fn money() -> impl Strategy<Value = Decimal> {
    (1i64..10_000_000, 0u32..3).prop_map(|(m, s)| Decimal::new(m, s))
}

fn fraction() -> impl Strategy<Value = Decimal> {
    (0i64..=100).prop_map(|p| Decimal::new(p, 2))
}

prop_compose! {
    fn outcome()(q in 1i64..5000, p in money(), dw in fraction(), ds in fraction(), at in fraction(),
                 dro in fraction(), duration in 1u32..8, offset in 0u32..2) -> OutcomeFigures {
        OutcomeFigures { quantity: Decimal::from(q), proxy_value: p, deadweight: dw, displacement: ds,
                         attribution: at, drop_off: dro, duration, offset, stakeholder: 0 }
    }
}

proptest! {
    #[test]
    fn present_value_falls_as_the_rate_rises(o in outcome(), low in 0i64..200, step in 1i64..200) {
        let low_rate = Decimal::new(low, 3);
        let high_rate = Decimal::new(low + step, 3);
        let a = evaluate(end_of_year(&low_rate.to_string()), std::slice::from_ref(&o), &[d("100")], 1).unwrap();
        let b = evaluate(end_of_year(&high_rate.to_string()), &[o], &[d("100")], 1).unwrap();
        prop_assert!(b.total_present_value <= a.total_present_value);
        if a.total_impact > Decimal::ZERO {
            prop_assert!(b.total_present_value < a.total_present_value);
        }
    }

    #[test]
    fn ratio_is_unchanged_when_all_money_is_scaled(o in outcome(), input in money(), k in 2i64..1000) {
        let k = Decimal::from(k);
        let mut scaled = o.clone();
        scaled.proxy_value = o.proxy_value * k;
        let a = evaluate(end_of_year("0.035"), &[o], &[input], 1).unwrap();
        let b = evaluate(end_of_year("0.035"), &[scaled], &[input * k], 1).unwrap();
        let (ra, rb) = (a.ratio.unwrap(), b.ratio.unwrap());
        // Exact up to the last of 28 significant digits.
        prop_assert!((ra - rb).abs() <= Decimal::new(1, 20), "{} vs {}", ra, rb);
    }

    #[test]
    fn one_year_without_drop_off_is_impact_over_one_plus_r(mut o in outcome(), rate in 0i64..300) {
        o.duration = 1;
        o.offset = 0;
        o.drop_off = Decimal::ZERO;
        let r = Decimal::new(rate, 3);
        let res = evaluate(end_of_year(&r.to_string()), &[o], &[d("1")], 1).unwrap();
        let expected = res.total_impact / (Decimal::ONE + r);
        prop_assert!((res.total_present_value - expected).abs() <= Decimal::new(1, 18));
    }

    #[test]
    fn drop_off_never_raises_a_later_year(o in outcome()) {
        let r = evaluate(end_of_year("0.035"), &[o], &[d("1")], 1).unwrap();
        let valued: Vec<_> = r.outcomes[0].years.iter().filter(|v| !v.is_zero()).collect();
        for pair in valued.windows(2) {
            prop_assert!(pair[1] <= pair[0]);
        }
    }
}
