//! Models more than one test file uses, so each is written once.

/// Two outcomes with every adjustment and a `sensitivity:` block: ratio about 1.34, with
/// tipping points inside several ranges.
pub const TWO_OUTCOMES: &str = "sroi: 1
id: two-outcomes
name: Two outcomes
currency: GBP
discount_rate: 3.5%
stakeholders:
  - id: people
  - id: funder
inputs:
  - stakeholder: funder
    value: 20000
outcomes:
  - id: a
    stakeholder: people
    quantity: 10
    proxy: { value: 1000, source: illustrative }
    duration: 5
    deadweight: 20%
    displacement: 5%
    attribution: 25%
    drop_off: 10%
  - id: b
    stakeholder: people
    quantity: 40
    proxy: { value: 150, source: illustrative }
    duration: 1
    start: after
sensitivity:
  quantity: 25%
  deadweight: 15%
  duration: 2
  outcomes:
    b: { proxy: [100, 300], attribution: [0%, 50%] }
";

/// One outcome: Q 10, P 1000, no adjustments, 1 year during, r = 0, investment 5,000, so
/// the ratio is Q · 1000 · (1 − DW)… / 5000: linear in one figure, and simulated statistics
/// have closed forms. `outcome_extra` goes under the outcome, `tail` after it (an
/// `uncertainty:` block, say).
pub fn model_text(outcome_extra: &str, tail: &str) -> String {
    format!(
        "sroi: 1
id: linear
name: Linear in one figure
currency: GBP
discount_rate: 0%
stakeholders:
  - id: people
  - id: funder
inputs:
  - stakeholder: funder
    value: 5000
outcomes:
  - id: better
    stakeholder: people
    quantity: 10
    proxy: {{ value: 1000, source: illustrative }}
    duration: 1
{outcome_extra}{tail}"
    )
}
