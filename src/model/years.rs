//! Programme years (docs/years-and-prices.md): an input's `year: N` and an outcome's `start: N`.
//!
//! Both count programme years from 1 (the first year of the programme), never calendar
//! years, so `2024` gets a hint rather than a 2,024-year horizon.

use rust_decimal::Decimal;

use super::fields::Reader;
use super::number::MAX_YEARS;
use super::types::Start;
use super::yaml::{Node, Value};
use crate::suggest;

/// A whole programme year, 1..=MAX_YEARS, from a YAML number or a quoted number.
pub fn programme_year(node: &Node, what: &str, r: &mut Reader) -> Option<u32> {
    let text = match &node.value {
        Value::Number(t) | Value::String(t) => t.trim().to_owned(),
        other => {
            r.error(
                node.span,
                format!(
                    "`{what}` should be a whole programme year, found {}",
                    other.kind()
                ),
                Some(format!(
                    "write `{what}: 1` for the programme's first year, `{what}: 2` for the second, …"
                )),
            );
            return None;
        }
    };
    match check_year(&text, what) {
        Ok(year) => Some(year),
        Err((message, help)) => {
            r.error(node.span, message, Some(help));
            None
        }
    }
}

/// What is wrong with `text` as a programme year, with how to fix it.
fn check_year(text: &str, what: &str) -> Result<u32, (String, String)> {
    let Ok(value) = text.parse::<Decimal>() else {
        return Err((
            format!("`{what}: {text}` is not a programme year"),
            format!(
                "write a whole number of at least 1: `{what}: 1` is the programme's first year, `{what}: 3` its third"
            ),
        ));
    };
    if !value.fract().is_zero() {
        return Err((
            format!("`{what}: {text}` is not a whole programme year"),
            format!(
                "programme years are whole numbers; write `{what}: {}` or `{what}: {}`",
                value.floor().max(Decimal::ONE),
                value.ceil().max(Decimal::ONE)
            ),
        ));
    }
    if value < Decimal::ONE {
        return Err((
            format!("`{what}: {text}` is before the programme's first year"),
            format!("programme years count from 1: write `{what}: 1` for the first year"),
        ));
    }
    if value > Decimal::from(MAX_YEARS) {
        let help = if (Decimal::from(1900)..=Decimal::from(2200)).contains(&value) {
            format!(
                "`{what}` counts programme years from 1, not calendar years: if the programme starts in {text}, write `{what}: 1`"
            )
        } else {
            format!("programme years run from 1 to {MAX_YEARS}; check the figure")
        };
        return Err((
            format!("`{what}: {text}` is beyond the {MAX_YEARS} years sroi projects"),
            help,
        ));
    }
    u32::try_from(value.mantissa() / 10i128.pow(value.scale()))
        .map_err(|_| (format!("`{what}: {text}` is too large"), String::new()))
}

/// `start: during | after | N`.
pub fn start(node: &Node, r: &mut Reader) -> Option<Start> {
    match &node.value {
        Value::Number(_) => programme_year(node, "start", r).map(Start::Year),
        Value::String(text) => {
            let t = text.trim();
            match t {
                "during" => Some(Start::During),
                "after" => Some(Start::After),
                _ if t.parse::<Decimal>().is_ok() => {
                    programme_year(node, "start", r).map(Start::Year)
                }
                _ => {
                    let help = suggest::did_you_mean(t, ["during", "after"]).unwrap_or_else(|| {
                        "write `during` (first valued year 1), `after` (year 2), or the programme year a later cohort starts in, e.g. `start: 3`".to_owned()
                    });
                    r.error(
                        node.span,
                        format!("`start` must be `during`, `after` or a programme year, not `{t}`"),
                        Some(help),
                    );
                    None
                }
            }
        }
        other => {
            r.error(
                node.span,
                format!(
                    "`start` must be `during`, `after` or a programme year, found {}",
                    other.kind()
                ),
                Some("write `start: during`, `start: after` or `start: 3`".into()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn whole_years_from_one() {
        assert_eq!(check_year("1", "year"), Ok(1));
        assert_eq!(check_year("3", "year"), Ok(3));
        assert_eq!(check_year("3.0", "year"), Ok(3));
        assert_eq!(check_year("200", "year"), Ok(200));
    }

    #[test]
    fn every_bad_form_says_what_to_write() {
        let (m, h) = check_year("0", "year").unwrap_err();
        assert!(m.contains("before the programme's first year"), "{m}");
        assert!(h.contains("`year: 1`"), "{h}");
        let (_, h) = check_year("-2", "start").unwrap_err();
        assert!(h.contains("`start: 1`"), "{h}");
        let (m, h) = check_year("2.5", "year").unwrap_err();
        assert!(m.contains("not a whole"), "{m}");
        assert!(h.contains("`year: 2` or `year: 3`"), "{h}");
        let (_, h) = check_year("2024", "year").unwrap_err();
        assert!(h.contains("not calendar years"), "{h}");
        let (_, h) = check_year("5000", "year").unwrap_err();
        assert!(h.contains("from 1 to 200"), "{h}");
        let (m, _) = check_year("two", "year").unwrap_err();
        assert!(m.contains("not a programme year"), "{m}");
    }
}
