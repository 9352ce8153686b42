//! Number fields: exact decimals, percentages and (evaluated later) expressions.
//!
//! Every number field of a model is a `NumberField`, so an expression (`"= ..."`)
//! can stand wherever a literal can. Literals are parsed from the text the analyst
//! wrote, never through binary floating point.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::yaml::{Node, Value};
use crate::diagnostic::Span;

/// What a number field holds, so literals and expression results get the same checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// Money or a count: any decimal of at least zero.
    NonNegative,
    /// A money amount that may be negative (a disbenefit), e.g. a proxy value.
    Signed,
    /// A fraction 0..=1, written `25%` or `0.25`.
    Percent,
    /// Whole years, at least 1.
    Years,
}

/// Longest duration accepted. Each valued year is a column of the report; a typo such as
/// `duration: 30000` should be an error, not a table with thirty thousand columns.
pub const MAX_YEARS: u32 = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum NumberSource {
    /// A literal, exactly as written.
    Literal(Decimal),
    /// The text after `=`, evaluated by the script host.
    Expression(String),
    /// Not written: the default from the format.
    Default(Decimal),
    /// Given on the command line with `--set`.
    Override(Decimal),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumberField {
    pub source: NumberSource,
    pub kind: NumberKind,
    /// Where it was written; `None` for a default.
    pub span: Option<Span>,
}

impl NumberField {
    pub fn default_value(kind: NumberKind, value: Decimal) -> Self {
        NumberField {
            source: NumberSource::Default(value),
            kind,
            span: None,
        }
    }
    /// The value, when it does not need the script host.
    pub fn literal(&self) -> Option<Decimal> {
        match self.source {
            NumberSource::Literal(d) | NumberSource::Default(d) | NumberSource::Override(d) => {
                Some(d)
            }
            NumberSource::Expression(_) => None,
        }
    }
}

/// A problem with a number field: what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberError {
    pub message: String,
    pub help: String,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> NumberError {
    NumberError {
        message: message.into(),
        help: help.into(),
    }
}

/// Read a number field from its YAML node.
pub fn read(node: &Node, kind: NumberKind) -> Result<NumberField, NumberError> {
    let source = match &node.value {
        Value::Number(text) => NumberSource::Literal(parse_literal(text, kind)?),
        Value::String(text) => {
            let text = text.trim();
            if let Some(expr) = text.strip_prefix('=') {
                let expr = expr.trim();
                if expr.is_empty() {
                    return Err(problem(
                        "empty expression",
                        "write a number, or an expression after `=`, e.g. `= referrals * 0.6`",
                    ));
                }
                NumberSource::Expression(expr.to_owned())
            } else {
                NumberSource::Literal(parse_literal(text, kind)?)
            }
        }
        other => {
            return Err(problem(
                format!("expected {}, found {}", kind_name(kind), other.kind()),
                example(kind),
            ));
        }
    };
    if let NumberSource::Literal(value) = &source {
        check(*value, kind)?;
    }
    Ok(NumberField {
        source,
        kind,
        span: Some(node.span),
    })
}

fn kind_name(kind: NumberKind) -> &'static str {
    match kind {
        NumberKind::NonNegative | NumberKind::Signed => "a number",
        NumberKind::Percent => "a percentage",
        NumberKind::Years => "a whole number of years",
    }
}

fn example(kind: NumberKind) -> &'static str {
    match kind {
        NumberKind::NonNegative | NumberKind::Signed => {
            "write a decimal number such as `1234.56`, or an expression such as `= referrals * 0.6`"
        }
        NumberKind::Percent => "write a percentage such as `25%`, or a fraction such as `0.25`",
        NumberKind::Years => "write a whole number of years, at least 1, such as `3`",
    }
}

/// Parse the text of a literal exactly. Percent fields accept `25%`.
pub fn parse_literal(text: &str, kind: NumberKind) -> Result<Decimal, NumberError> {
    let text = text.trim();
    if let Some(number) = text.strip_suffix('%') {
        if kind != NumberKind::Percent {
            return Err(problem(
                format!("`{text}` is a percentage, but this field is not one"),
                "percentages belong in `deadweight`, `displacement`, `attribution`, `drop_off` and `discount_rate`; write a plain number here",
            ));
        }
        let mut value = parse_decimal(number.trim_end(), kind)?;
        if value > Decimal::ONE_HUNDRED || value.is_sign_negative() && !value.is_zero() {
            return Err(problem(
                format!("`{text}` is outside 0% to 100%"),
                "a percentage must be between 0% and 100%",
            ));
        }
        let scale = value.scale().saturating_add(2);
        value.set_scale(scale).map_err(|_| {
            problem(
                format!("`{text}` has more decimal places than sroi can hold exactly (26 at most)"),
                "round the percentage to fewer decimal places",
            )
        })?;
        return Ok(value);
    }
    parse_decimal(text, kind)
}

fn parse_decimal(text: &str, kind: NumberKind) -> Result<Decimal, NumberError> {
    let parsed = if text.contains(['e', 'E']) && !text.starts_with(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text).or_else(|_| Decimal::from_str(text))
    };
    match parsed {
        // `from_str` accepts `1_000`; an analyst means the same thing, so allow it.
        Ok(value) => Ok(value),
        Err(_) => Err(explain_bad_number(text, kind)),
    }
}

fn explain_bad_number(text: &str, kind: NumberKind) -> NumberError {
    let help = if text.contains(',') && text.replace(',', "").parse::<Decimal>().is_ok() {
        format!(
            "write it without thousands separators: `{}`",
            text.replace(',', "")
        )
    } else if let Some(rest) = text.strip_prefix(['£', '$', '€']) {
        format!("write it without the currency sign: `{}`", rest.trim())
    } else if text.contains(['e', 'E']) && text.parse::<f64>().is_ok_and(f64::is_finite) {
        return problem(
            format!(
                "`{text}` is outside the range sroi holds exactly (28 significant digits, 28 decimal places)"
            ),
            "write the figure as a plain decimal within that range",
        );
    } else if text.chars().filter(|c| c.is_ascii_digit()).count() > 28 {
        "sroi holds numbers exactly to 28 significant digits; this one is longer".to_owned()
    } else {
        example(kind).to_owned()
    };
    problem(format!("`{text}` is not {}", kind_name(kind)), help)
}

/// Range and shape checks shared by literals and expression results.
pub fn check(value: Decimal, kind: NumberKind) -> Result<(), NumberError> {
    match kind {
        NumberKind::Signed => Ok(()),
        NumberKind::NonNegative if value.is_sign_negative() && !value.is_zero() => Err(problem(
            format!("{value} is negative"),
            "this figure cannot be below zero; a disbenefit belongs in a proxy with a negative value",
        )),
        NumberKind::NonNegative => Ok(()),
        NumberKind::Percent => {
            if value.is_sign_negative() && !value.is_zero() {
                Err(problem(
                    format!("{} is below 0%", percent_text(value)),
                    "a percentage must be between 0% and 100%",
                ))
            } else if value > Decimal::ONE {
                let as_percent = value.normalize();
                Err(problem(
                    format!("{value} is above 100% (a bare number here is a fraction of 1)"),
                    format!(
                        "did you mean `{as_percent}%`? Write percentages with `%`, or as a fraction between 0 and 1"
                    ),
                ))
            } else {
                Ok(())
            }
        }
        NumberKind::Years => {
            if value.is_sign_negative() && !value.is_zero() {
                Err(problem(
                    format!("duration {value} is negative"),
                    "write the number of whole years the outcome lasts, at least 1",
                ))
            } else if !value.fract().is_zero() {
                Err(problem(
                    format!("duration {value} is not a whole number of years"),
                    format!(
                        "durations count whole years; round to `{}` or `{}`",
                        value.floor(),
                        value.ceil()
                    ),
                ))
            } else if value < Decimal::ONE {
                Err(problem(
                    "duration 0 means the outcome never lasts",
                    "write at least 1 year, or remove the outcome",
                ))
            } else if value > Decimal::from(MAX_YEARS) {
                Err(problem(
                    format!(
                        "duration {value} years is longer than sroi projects ({MAX_YEARS} years)"
                    ),
                    "check the figure; SROI durations are normally 1 to 10 years",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Checks for a value an expression computed: the same rules as `check`, worded for a
/// result rather than for something typed (no "did you mean `150%`?").
pub fn check_computed(value: Decimal, kind: NumberKind) -> Result<(), NumberError> {
    if check(value, kind).is_ok() {
        return Ok(());
    }
    let (reason, help) = match kind {
        NumberKind::Signed => return Ok(()),
        NumberKind::NonNegative => (
            "which is below zero",
            "this figure cannot be below zero; check the expression and its data",
        ),
        NumberKind::Percent if value > Decimal::ONE => (
            "which is above 1 (100%)",
            "an expression in a percentage field must give a fraction between 0 and 1, e.g. 0.25 for 25%",
        ),
        NumberKind::Percent => (
            "which is below 0",
            "an expression in a percentage field must give a fraction between 0 and 1",
        ),
        NumberKind::Years => (
            "which is not a whole number of years from 1 to 200",
            "a duration expression must give a whole number of years; round it, e.g. `round_half_up(x, 0)`",
        ),
    };
    Err(problem(format!("gave {value}, {reason}"), help))
}

fn percent_text(fraction: Decimal) -> String {
    fraction
        .checked_mul(Decimal::ONE_HUNDRED)
        .map_or_else(|| fraction.to_string(), |p| format!("{}%", p.normalize()))
}

/// Whole years from a checked `Years` value.
pub fn years(value: Decimal) -> u32 {
    u32::try_from(value.trunc().mantissa() / 10i128.pow(value.trunc().scale())).unwrap_or(MAX_YEARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::d;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    #[test]
    fn literals_are_exact() {
        assert_eq!(
            parse_literal("0.1", NumberKind::NonNegative)
                .unwrap()
                .to_string(),
            "0.1"
        );
        assert_eq!(
            parse_literal("1234.56", NumberKind::NonNegative).unwrap(),
            d("1234.56")
        );
        assert_eq!(
            parse_literal("1e3", NumberKind::NonNegative).unwrap(),
            d("1000")
        );
    }

    #[test]
    fn percentages_shift_the_decimal_point() {
        assert_eq!(
            parse_literal("25%", NumberKind::Percent)
                .unwrap()
                .to_string(),
            "0.25"
        );
        assert_eq!(
            parse_literal("20%", NumberKind::Percent)
                .unwrap()
                .to_string(),
            "0.20"
        );
        assert_eq!(
            parse_literal("3.5%", NumberKind::Percent)
                .unwrap()
                .to_string(),
            "0.035"
        );
        assert!(parse_literal("25%", NumberKind::NonNegative).is_err());
    }

    #[test]
    fn bare_numbers_above_one_suggest_percent() {
        let err = check(d("25"), NumberKind::Percent).unwrap_err();
        assert!(err.help.contains("`25%`"), "{err:?}");
        assert!(check(d("1"), NumberKind::Percent).is_ok());
        assert!(check(d("-0.1"), NumberKind::Percent).is_err());
    }

    #[test]
    fn durations_are_whole_positive_years() {
        assert!(
            check(d("2.5"), NumberKind::Years)
                .unwrap_err()
                .help
                .contains("`2` or `3`")
        );
        assert!(check(d("-1"), NumberKind::Years).is_err());
        assert!(check(d("0"), NumberKind::Years).is_err());
        assert!(check(d("201"), NumberKind::Years).is_err());
        assert_eq!(years(d("3")), 3);
        assert_eq!(years(d("3.0")), 3);
    }

    #[test]
    fn thousands_separators_get_a_hint() {
        let err = parse_literal("1,415", NumberKind::NonNegative).unwrap_err();
        assert!(err.help.contains("`1415`"), "{err:?}");
        let err = parse_literal("£300", NumberKind::NonNegative).unwrap_err();
        assert!(err.help.contains("`300`"), "{err:?}");
    }
}
