//! Number fields: exact decimals, percentages and (evaluated later) expressions.
//!
//! Every number field of a model is a `NumberField`, so an expression (`"= ..."`)
//! can stand wherever a literal can. Literals are parsed from the text the analyst
//! wrote, never through binary floating point.

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
                "a percentage must be between 0% and 100%: write one in that range, such as `25%`, or the fraction `0.25`",
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
    match parse_number(text) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(explain_bad_number(text, kind)),
        Err(e) => Err(e),
    }
}

/// Most significant digits sroi holds exactly (rust_decimal's 96-bit mantissa holds
/// every 28-digit number; some 29-digit ones would be rounded).
pub const MAX_DIGITS: usize = 28;

/// A plain number as written: `1234.56`, `-3`, `+0.5`, `.5`, `1_000`, `1.5e3`.
///
/// `Ok(None)` when the text is not shaped like a number at all (a word, `1,500`, `£3`),
/// so a caller such as the CSV reader can keep it as text. `Err` when it is a number that
/// sroi cannot hold exactly (more than 28 significant digits or decimal places, or
/// beyond the range): that is never rounded. This is the one literal parser shared by
/// model files, `--set` and evidence tables.
pub fn parse_number(text: &str) -> Result<Option<Decimal>, NumberError> {
    let text = text.trim();
    let Some(shape) = shape_of(text) else {
        return Ok(None);
    };
    if shape.significant > MAX_DIGITS {
        return Err(problem(
            format!(
                "`{}` has {} significant digits; sroi holds numbers exactly to {MAX_DIGITS} and never rounds them",
                clip(text),
                shape.significant
            ),
            format!(
                "round the figure to at most {MAX_DIGITS} significant digits (a real measurement never has more)"
            ),
        ));
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    let parsed = if shape.exponent {
        Decimal::from_scientific(&plain).ok()
    } else if shape.places > MAX_DIGITS {
        None
    } else {
        Decimal::from_str_exact(&plain).ok()
    };
    match parsed {
        // An exponent may still ask for more places than fit: check the result too.
        Some(value) if !shape.exponent || scientific_is_exact(&shape, value) => Ok(Some(value)),
        _ => Err(problem(
            format!(
                "`{}` is outside the range sroi holds exactly ({MAX_DIGITS} significant digits, at most {MAX_DIGITS} decimal places, below 79,228,162,514,264,337,593,543,950,336)",
                clip(text)
            ),
            "write the figure as a plain decimal within that range, e.g. in thousands or millions with the unit in the description",
        )),
    }
}

/// What the digits of a number-shaped text say about it.
struct Shape {
    /// Digits from the first non-zero one to the last one written.
    significant: usize,
    /// Digits after the decimal point (of the mantissa, for `1.5e3`).
    places: usize,
    exponent: bool,
    /// The exponent, when written (`e-30` is -30).
    exponent_value: i64,
}

/// `[+-] digits [. digits] [e [+-] digits]`, with `_` allowed between digits and at
/// least one digit before the exponent; `None` for anything else.
fn shape_of(text: &str) -> Option<Shape> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i)?, Some(body.get(i.saturating_add(1)..)?)),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let digits_ok = |part: &str| {
        part.chars().all(|c| c.is_ascii_digit() || c == '_')
            && !part.starts_with('_')
            && !part.ends_with('_')
    };
    if !digits_ok(whole) || !fraction.is_none_or(digits_ok) {
        return None;
    }
    let all_digits = whole.chars().chain(fraction.unwrap_or("").chars());
    let digits: Vec<char> = all_digits.filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let exponent_value = match exponent {
        Some(e) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // A huge exponent is out of range whatever its value; saturate.
            e.parse::<i64>().unwrap_or(if e.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        }
        None => 0,
    };
    let significant = digits
        .iter()
        .position(|c| *c != '0')
        .map_or(0, |first| digits.len().saturating_sub(first));
    let places = fraction.map_or(0, |f| f.chars().filter(char::is_ascii_digit).count());
    Some(Shape {
        significant,
        places,
        exponent: exponent.is_some(),
        exponent_value,
    })
}

/// `1.5e-30` needs 31 decimal places: more than sroi holds, so it is refused rather
/// than rounded (whatever `Decimal::from_scientific` would make of it).
fn scientific_is_exact(shape: &Shape, _value: Decimal) -> bool {
    let places = i64::try_from(shape.places)
        .unwrap_or(i64::MAX)
        .saturating_sub(shape.exponent_value);
    places <= i64::try_from(MAX_DIGITS).unwrap_or(28)
}

/// Long texts are cut in messages: the figure's start is enough to find it.
fn clip(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// The forms sroi accepts, for texts it cannot read as a number.
const ACCEPTED_FORMS: &str = "sroi reads `.` as the decimal point and no separators between thousands: write one thousand five hundred as `1500` and one and a half as `1.5`";

fn explain_bad_number(text: &str, kind: NumberKind) -> NumberError {
    let what = format!("`{}` is not {}", clip(text), kind_name(kind));
    if let Some(rest) = text.strip_prefix(['£', '$', '€']) {
        let rest = rest.trim();
        let help = match parse_number(rest) {
            Ok(Some(_)) => format!("write it without the currency sign: `{rest}`"),
            _ => format!("write it without the currency sign; {ACCEPTED_FORMS}"),
        };
        return problem(what, help);
    }
    if text.contains(',') {
        // Only a clean thousands grouping (`1,500`, `12,345,678.90`) has one reading; a
        // decimal comma (`1,5`, `9.000,50`) could be a thousand times off either way.
        let help = if is_thousands_grouping(text) {
            format!(
                "write it without thousands separators: `{}`",
                text.replace(',', "")
            )
        } else {
            format!(
                "`,` here may be a decimal comma or a thousands separator, so sroi does not guess; {ACCEPTED_FORMS}"
            )
        };
        return problem(what, help);
    }
    if text.matches('.').count() > 1 {
        return problem(
            what,
            format!("`.` appears more than once; {ACCEPTED_FORMS}"),
        );
    }
    problem(what, example(kind))
}

/// `1,500`, `12,345,678` or `1,234.56`: groups of three digits after each comma.
fn is_thousands_grouping(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let mut groups = whole.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.chars().all(|c| c.is_ascii_digit()));
    let rest_ok = groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    first_ok && rest_ok && fraction_ok && whole.contains(',')
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
                    "a percentage must be between 0% and 100%: write one in that range, such as `25%`, or the fraction `0.25`",
                ))
            } else if value > Decimal::ONE_HUNDRED {
                // No `%` suggestion: `250%` is as wrong as 250, and guessing `2.5%` would
                // change the figure's size.
                Err(problem(
                    format!("{value} is above 100% (a bare number here is a fraction of 1)"),
                    "a percentage must be between 0% and 100%: write it with `%` (`25%`) or as a fraction between 0 and 1 (`0.25`), and check the figure",
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
    fn more_than_28_significant_digits_is_an_error_not_a_rounding() {
        // 28 digits fit exactly.
        assert_eq!(
            parse_literal("1234567890123456789012345678", NumberKind::Signed)
                .unwrap()
                .to_string(),
            "1234567890123456789012345678"
        );
        assert_eq!(
            parse_literal("0.0000000000000000000000000001", NumberKind::Signed)
                .unwrap()
                .to_string(),
            "0.0000000000000000000000000001"
        );
        // 29 and 30 digits: Decimal::from_str would round these.
        for text in [
            "12345678901234567890123456789",
            "1234567890.12345678901234567890",
            "1.0000000000000000000000000001",
            "1.2345678901234567890123456789e3",
        ] {
            let err = parse_literal(text, NumberKind::Signed).unwrap_err();
            assert!(
                err.message.contains("significant digits"),
                "{text}: {err:?}"
            );
            assert!(err.help.contains("round"), "{text}: {err:?}");
        }
        for text in [
            "0.00000000000000000000000000001",
            "1e-29",
            "1e29",
            "99999999999999999999999999999999e0",
        ] {
            assert!(parse_literal(text, NumberKind::Signed).is_err(), "{text}");
        }
        assert_eq!(parse_number("word"), Ok(None));
        assert_eq!(parse_number("1,500"), Ok(None));
        assert_eq!(parse_number("1_000"), Ok(Some(d("1000"))));
        assert_eq!(parse_number("-.5"), Ok(Some(d("-0.5"))));
        assert_eq!(parse_number("2.5e-3"), Ok(Some(d("0.0025"))));
    }

    #[test]
    fn hints_never_suggest_a_figure_of_another_size() {
        let help = |text: &str, kind| parse_literal(text, kind).unwrap_err().help;
        // One reading only: the same figure without separators.
        assert!(help("1,500", NumberKind::NonNegative).contains("`1500`"));
        assert!(help("12,345,678.90", NumberKind::NonNegative).contains("`12345678.90`"));
        assert!(help("£1,500", NumberKind::NonNegative).contains("currency sign"));
        // Decimal commas: explain, never guess `15` or `9.00050`.
        for text in ["1,5", "9.000,50", "1,50", "12,3456", "1.500.000", "£1,5"] {
            let h = help(text, NumberKind::NonNegative);
            assert!(h.contains("`.` as the decimal point"), "{text}: {h}");
            for guess in ["`15`", "`9.00050`", "`150`", "`123456`", "`1.5000`"] {
                assert!(!h.contains(guess), "{text}: {h}");
            }
        }
        // A percentage above 100 gets no `%` suggestion; one in (1, 100] may.
        let h = check(d("250"), NumberKind::Percent).unwrap_err().help;
        assert!(!h.contains("250%"), "{h}");
        assert!(h.contains("between 0% and 100%"), "{h}");
        let h = check(d("100"), NumberKind::Percent).unwrap_err().help;
        assert!(h.contains("`100%`"), "{h}");
        let h = check(d("1.5"), NumberKind::Percent).unwrap_err().help;
        assert!(h.contains("`1.5%`"), "{h}");
    }

    #[test]
    fn thousands_separators_get_a_hint() {
        let err = parse_literal("1,415", NumberKind::NonNegative).unwrap_err();
        assert!(err.help.contains("`1415`"), "{err:?}");
        let err = parse_literal("£300", NumberKind::NonNegative).unwrap_err();
        assert!(err.help.contains("`300`"), "{err:?}");
    }
}
