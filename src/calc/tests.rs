#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Inputs all spent in year 1, as before section 7.
fn year_one(values: &[Decimal]) -> Vec<InputFigures> {
    values.iter().map(|v| InputFigures::year_one(*v)).collect()
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

/// The format's worked check (docs/format.md, section 7), to the penny.
#[test]
fn spec_worked_check() {
    let r = evaluate(
        end_of_year("0.035"),
        &[spec_outcome()],
        &year_one(&[d("5000")]),
        1,
    )
    .unwrap();
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
    let r = evaluate(settings, &[spec_outcome()], &year_one(&[d("5000")]), 1).unwrap();
    assert_eq!(r.factors[0], Decimal::ONE);
    // 6000 + 5400/1.035 + 4860/1.035^2
    assert_eq!(round2(r.total_present_value), "15754.25");
}

#[test]
fn after_start_shifts_values_one_year_and_extends_horizon() {
    let mut later = spec_outcome();
    later.offset = 1;
    later.duration = 2;
    let r = evaluate(
        end_of_year("0"),
        &[spec_outcome(), later],
        &year_one(&[d("1")]),
        1,
    )
    .unwrap();
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
    let r = evaluate(end_of_year("0.035"), &[o], &year_one(&[d("10")]), 1).unwrap();
    assert_eq!(r.payback_months, None);
    assert!(r.ratio.unwrap() < Decimal::ZERO);
}

#[test]
fn shares_split_present_value_by_stakeholder() {
    let mut other = spec_outcome();
    other.stakeholder = 1;
    other.quantity = d("30");
    let r = evaluate(
        end_of_year("0.035"),
        &[spec_outcome(), other],
        &year_one(&[d("1")]),
        3,
    )
    .unwrap();
    assert_eq!(r.stakeholders[0].share, Some(d("0.25")));
    assert_eq!(r.stakeholders[1].share, Some(d("0.75")));
    assert_eq!(r.stakeholders[2].present_value, Decimal::ZERO);
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let mut o = spec_outcome();
    o.quantity = Decimal::MAX;
    o.proxy_value = Decimal::MAX;
    let err = evaluate(end_of_year("0.035"), &[o], &year_one(&[d("1")]), 1).unwrap_err();
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
        &year_one(&[Decimal::MAX, Decimal::MAX]),
        1,
    )
    .unwrap_err();
    assert_eq!(err, CalcError::Total { what: "investment" });
}

/// Three yearly cohorts of 10 people, each valued at £1,000 a head for two years with 50%
/// drop-off, recruited in programme years 1, 2 and 3 (start 1, 2, 3: offsets 0, 1, 2), funded
/// with £12,000 at the start of each year, discounted at 10%.
fn three_cohorts() -> (Vec<OutcomeFigures>, Vec<InputFigures>) {
    let cohort = |offset| OutcomeFigures {
        quantity: d("10"),
        proxy_value: d("1000"),
        deadweight: d("0"),
        displacement: d("0"),
        attribution: d("0"),
        drop_off: d("0.5"),
        duration: 2,
        offset,
        stakeholder: 0,
    };
    let outcomes = vec![cohort(0), cohort(1), cohort(2)];
    let inputs = (1..=3)
        .map(|year| InputFigures {
            value: d("12000"),
            year,
        })
        .collect();
    (outcomes, inputs)
}

fn settings(rate: &str, convention: Convention) -> Settings {
    Settings {
        discount_rate: d(rate),
        convention,
    }
}

#[test]
fn three_cohorts_over_three_years_end_of_year() {
    let (outcomes, inputs) = three_cohorts();
    let r = evaluate(
        settings("0.10", Convention::EndOfYear),
        &outcomes,
        &inputs,
        1,
    )
    .unwrap();
    // Each cohort: impact 10 × 1,000 = 10,000 in its first year, 5,000 in its second.
    // Horizon: the last cohort starts in year 3 and lasts 2 years: H = 2 + 2 = 4.
    assert_eq!(r.horizon, 4);
    let years: Vec<Vec<String>> = r
        .outcomes
        .iter()
        .map(|o| o.years.iter().map(|y| round2(*y)).collect())
        .collect();
    assert_eq!(years[0], ["10000.00", "5000.00", "0.00", "0.00"]);
    assert_eq!(years[1], ["0.00", "10000.00", "5000.00", "0.00"]);
    assert_eq!(years[2], ["0.00", "0.00", "10000.00", "5000.00"]);
    // Cohort 1: 10,000/1.1 + 5,000/1.21 = 9,090.909 + 4,132.231 = 13,223.14
    // Cohort 2: 10,000/1.21 + 5,000/1.331 = 8,264.463 + 3,756.574 = 12,021.04
    // Cohort 3: 10,000/1.331 + 5,000/1.4641 = 7,513.148 + 3,415.067 = 10,928.22
    let pvs: Vec<String> = r.outcomes.iter().map(|o| round2(o.present_value)).collect();
    assert_eq!(pvs, ["13223.14", "12021.04", "10928.22"]);
    // PV = 13,223.1405 + 12,021.0368 + 10,928.2153 = 36,172.39
    assert_eq!(round2(r.total_present_value), "36172.39");
    // Investment: year-1 money at face value, later years from the start of their year:
    // 12,000 + 12,000/1.1 + 12,000/1.21 = 12,000 + 10,909.09 + 9,917.36 = 32,826.45
    assert_eq!(round2(r.investment), "32826.45");
    assert_eq!(round2(r.investment_face_value), "36000.00");
    let by_year: Vec<(String, String)> = r
        .investment_by_year
        .iter()
        .map(|y| (round2(y.face_value), round2(y.present_value)))
        .collect();
    assert_eq!(
        by_year,
        [
            ("12000.00".to_owned(), "12000.00".to_owned()),
            ("12000.00".to_owned(), "10909.09".to_owned()),
            ("12000.00".to_owned(), "9917.36".to_owned())
        ]
    );
    // NPV = 36,172.39 − 32,826.45 = 3,345.95; ratio 36,172.3926 / 32,826.4463 = 1.1019
    assert_eq!(round2(r.net_present_value), "3345.95");
    assert_eq!(crate::report::fixed(r.ratio.unwrap(), 4), "1.1019");
    assert_eq!(crate::report::fixed(r.net_ratio.unwrap(), 4), "0.1019");
    // Payback on the PV of investment: 32,826.45 / (30,000 / 12) = 13.13 months
    assert_eq!(round2(r.payback_months.unwrap()), "13.13");
}

#[test]
fn three_cohorts_over_three_years_start_of_year() {
    let (outcomes, inputs) = three_cohorts();
    let r = evaluate(
        settings("0.10", Convention::StartOfYear),
        &outcomes,
        &inputs,
        1,
    )
    .unwrap();
    assert_eq!(r.horizon, 4);
    // Outcome year y is multiplied by 1/1.1^(y − 1):
    // Cohort 1: 10,000 + 5,000/1.1 = 14,545.45
    // Cohort 2: 10,000/1.1 + 5,000/1.21 = 13,223.14
    // Cohort 3: 10,000/1.21 + 5,000/1.331 = 12,021.04
    let pvs: Vec<String> = r.outcomes.iter().map(|o| round2(o.present_value)).collect();
    assert_eq!(pvs, ["14545.45", "13223.14", "12021.04"]);
    assert_eq!(round2(r.total_present_value), "39789.63");
    // The investment is discounted the same way under both conventions: 32,826.45.
    assert_eq!(round2(r.investment), "32826.45");
    // NPV = 39,789.63 − 32,826.45 = 6,963.19; ratio = 1.1 × 1.1019 = 1.2121 (every outcome
    // year moves one year earlier, so the PV is exactly 1.1 times the end-of-year PV).
    assert_eq!(round2(r.net_present_value), "6963.19");
    assert_eq!(crate::report::fixed(r.ratio.unwrap(), 4), "1.2121");
    assert_eq!(round2(r.payback_months.unwrap()), "13.13");
}

#[test]
fn an_input_year_beyond_the_outcomes_extends_the_horizon() {
    let inputs = [
        InputFigures {
            value: d("1000"),
            year: 1,
        },
        InputFigures {
            value: d("1035"),
            year: 5,
        },
    ];
    let r = evaluate(end_of_year("0.035"), &[spec_outcome()], &inputs, 1).unwrap();
    assert_eq!(r.horizon, 5);
    assert_eq!(r.factors.len(), 5);
    assert_eq!(r.outcomes[0].years.len(), 5);
    // 1,035 / 1.035^4 = 1 / 1.035^3 × 1,000 = 901.94
    assert_eq!(round2(r.investment_by_year[4].present_value), "901.94");
    assert_eq!(r.investment_by_year[1].face_value, Decimal::ZERO);
    assert_eq!(round2(r.investment), "1901.94");
    assert_eq!(r.input_present_values.len(), 2);
}

#[test]
fn year_one_money_is_at_face_value_under_both_conventions() {
    assert_eq!(investment_factor(d("0.035"), 1), Some(Decimal::ONE));
    let f = investment_factor(d("0.5"), 3).unwrap();
    // 1 / 1.5^2 = 0.4444...
    assert_eq!(crate::report::fixed(f, 4), "0.4444");
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
        let a = evaluate(end_of_year(&low_rate.to_string()), std::slice::from_ref(&o), &year_one(&[d("100")]), 1).unwrap();
        let b = evaluate(end_of_year(&high_rate.to_string()), &[o], &year_one(&[d("100")]), 1).unwrap();
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
        let a = evaluate(end_of_year("0.035"), &[o], &year_one(&[input]), 1).unwrap();
        let b = evaluate(end_of_year("0.035"), &[scaled], &year_one(&[input * k]), 1).unwrap();
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
        let res = evaluate(end_of_year(&r.to_string()), &[o], &year_one(&[d("1")]), 1).unwrap();
        let expected = res.total_impact / (Decimal::ONE + r);
        prop_assert!((res.total_present_value - expected).abs() <= Decimal::new(1, 18));
    }

    #[test]
    fn investment_pv_is_at_most_face_value_and_equal_in_year_one(
        values in proptest::collection::vec((money(), 1u32..6), 1..6),
        rate in 0i64..200,
    ) {
        let inputs: Vec<InputFigures> =
            values.iter().map(|(value, year)| InputFigures { value: *value, year: *year }).collect();
        let r = Decimal::new(rate, 3);
        let res = evaluate(end_of_year(&r.to_string()), &[spec_outcome()], &inputs, 1).unwrap();
        prop_assert!(res.investment <= res.investment_face_value);
        let year_one: Decimal = inputs.iter().filter(|i| i.year == 1).map(|i| i.value).sum();
        prop_assert_eq!(res.investment_by_year[0].present_value, year_one);
        // Each input's PV is its value × 1/(1+r)^(N−1), and they add up to I.
        let sum: Decimal = res.input_present_values.iter().copied().sum();
        prop_assert_eq!(sum, res.investment);
        let last = inputs.iter().map(|i| i.year).max().unwrap();
        prop_assert_eq!(res.investment_by_year.len(), last as usize);
        prop_assert!(res.horizon >= last);
    }

    #[test]
    fn drop_off_never_raises_a_later_year(o in outcome()) {
        let r = evaluate(end_of_year("0.035"), &[o], &year_one(&[d("1")]), 1).unwrap();
        let valued: Vec<_> = r.outcomes[0].years.iter().filter(|v| !v.is_zero()).collect();
        for pair in valued.windows(2) {
            prop_assert!(pair[1] <= pair[0]);
        }
    }
}
