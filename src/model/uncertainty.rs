//! The optional `uncertainty:` block: a distribution for each uncertain figure, for
//! Monte Carlo simulation (`sroi simulate`).
//!
//! Arguments follow the number rules of the figure they describe (a deadweight's
//! `uniform(1.5, 2)` is the "above 100%" error), so every location argument lies in the
//! figure's domain. What remains to check is the distribution's own shape (min ≤ mode ≤
//! max, positive beta shapes, a positive lognormal mean) and that its draws can land in
//! the domain often enough to redraw the rest.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::fields::Reader;
use super::number::{self, NumberKind};
use super::sensitivity::{Variable, outcome_index};
use super::types::Outcome;
use super::yaml::{Node, Value};
use crate::diagnostic::Span;
use crate::suggest;

/// A figure that may carry a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    /// An outcome's variable, by 0-based outcome index.
    Outcome(usize, Variable),
    /// An input's value, by 0-based position.
    Input(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Uniform(Decimal, Decimal),
    /// min, mode, max
    Triangular(Decimal, Decimal, Decimal),
    /// min, mode, max (λ = 4)
    Pert(Decimal, Decimal, Decimal),
    /// mean, sd
    Normal(Decimal, Decimal),
    /// mean and sd of the value itself
    LogNormal(Decimal, Decimal),
    /// α, β
    Beta(Decimal, Decimal),
    Choice(Vec<Decimal>),
}

impl Distribution {
    /// The one value a degenerate distribution gives (a = b, sd = 0, one choice).
    pub fn degenerate(&self) -> Option<Decimal> {
        match self {
            Distribution::Uniform(a, b)
            | Distribution::Triangular(a, _, b)
            | Distribution::Pert(a, _, b)
                if a == b =>
            {
                Some(*a)
            }
            Distribution::Normal(m, sd) | Distribution::LogNormal(m, sd) if sd.is_zero() => {
                Some(*m)
            }
            Distribution::Choice(values) => {
                let first = *values.first()?;
                values.iter().all(|v| *v == first).then_some(first)
            }
            _ => None,
        }
    }
}

/// Where drawn values must fall; a draw outside is redrawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// Money or counts: at least 0.
    NonNegative,
    /// A disbenefit's proxy (every argument ≤ 0): at most 0.
    NonPositive,
    /// A proxy whose arguments straddle 0: any value.
    Any,
    /// 0..=1
    Fraction,
    /// Whole years 1..=200, after rounding half away from zero.
    Years,
}

impl Domain {
    pub fn contains(self, x: f64) -> bool {
        match self {
            Domain::NonNegative => x >= 0.0,
            Domain::NonPositive => x <= 0.0,
            Domain::Any => x.is_finite(),
            Domain::Fraction => (0.0..=1.0).contains(&x),
            Domain::Years => (0.5..f64::from(number::MAX_YEARS) + 0.5).contains(&x),
        }
    }
    fn bounds(self) -> (f64, f64) {
        match self {
            Domain::NonNegative => (0.0, f64::INFINITY),
            Domain::NonPositive => (f64::NEG_INFINITY, 0.0),
            Domain::Any => (f64::NEG_INFINITY, f64::INFINITY),
            Domain::Fraction => (0.0, 1.0),
            Domain::Years => (0.5, f64::from(number::MAX_YEARS) + 0.5),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub figure: Figure,
    pub distribution: Distribution,
    pub domain: Domain,
    /// As written, for reports.
    pub text: String,
    pub span: Span,
}

/// The `uncertainty:` block, figures in model order (outcomes, then inputs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uncertainty {
    pub figures: Vec<Uncertain>,
}

const NAMES: &[&str] = &[
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "beta",
    "choice",
];

/// Below this chance of a draw landing in the domain, a distribution "cannot reach" it:
/// redrawing would take thousands of tries per draw.
const MIN_REACH: f64 = 1e-3;

pub fn read(node: &Node, outcomes: &[Outcome], inputs: usize, r: &mut Reader) -> Uncertainty {
    let mut out = Uncertainty::default();
    let Some(mut f) = r.mapping(node, "`uncertainty`") else {
        return out;
    };
    if let Some(n) = f.optional("outcomes")
        && let Some(mut ids) = r.mapping(n, "`uncertainty.outcomes`")
    {
        for key in ids.keys() {
            let Some(value) = ids.get(&key.value) else {
                continue;
            };
            let Some(index) = outcome_index(&key, outcomes, "uncertainty.outcomes", r) else {
                continue;
            };
            let what = format!("`uncertainty.outcomes.{}`", key.value);
            let Some(mut vars) = r.mapping(value, &what) else {
                continue;
            };
            for var in vars.keys() {
                // An unknown name is left unread, for `finish` to report with a suggestion.
                let Some(variable) = Variable::from_name(&var.value) else {
                    continue;
                };
                let Some(dist) = vars.get(&var.value) else {
                    continue;
                };
                let name = format!("uncertainty.outcomes.{}.{}", key.value, var.value);
                if let Some(u) = uncertain(dist, Figure::Outcome(index, variable), &name, r) {
                    out.figures.push(u);
                }
            }
            vars.finish(r, &Variable::ALL.map(Variable::name));
        }
        ids.finish(r, &[]);
    }
    if let Some(n) = f.optional("inputs")
        && let Some(mut positions) = r.mapping(n, "`uncertainty.inputs`")
    {
        for key in positions.keys() {
            let Some(dist) = positions.get(&key.value) else {
                continue;
            };
            let position = key.value.trim().parse::<usize>().ok();
            let Some(index) = position.filter(|p| (1..=inputs).contains(p)) else {
                let help = if inputs == 0 {
                    "the model has no inputs".to_owned()
                } else {
                    format!("inputs are numbered by their place in `inputs`, 1 to {inputs}")
                };
                r.error(
                    key.span,
                    format!(
                        "`uncertainty.inputs`: `{}` is not an input's position",
                        key.value
                    ),
                    Some(help),
                );
                continue;
            };
            let name = format!("uncertainty.inputs.{}", key.value);
            let figure = Figure::Input(index.saturating_sub(1));
            if let Some(u) = uncertain(dist, figure, &name, r) {
                out.figures.push(u);
            }
        }
        positions.finish(r, &[]);
    }
    f.finish(r, &["outcomes", "inputs"]);
    out.figures.sort_by_key(|u| u.figure);
    out
}

/// One `name(args)` for one figure.
fn uncertain(node: &Node, figure: Figure, name: &str, r: &mut Reader) -> Option<Uncertain> {
    let text = match &node.value {
        Value::String(s) => s.trim().to_owned(),
        other => {
            r.error(
                node.span,
                format!(
                    "`{name}` should be a distribution such as `uniform(20, 40)`, found {}",
                    other.kind()
                ),
                Some(format!(
                    "write one of {}, e.g. `triangular(20%, 35%, 50%)`",
                    suggest::one_of(NAMES.iter().copied())
                )),
            );
            return None;
        }
    };
    let variable = match figure {
        Figure::Outcome(_, v) => Some(v),
        Figure::Input(_) => None,
    };
    let kind = variable.map_or(NumberKind::NonNegative, Variable::kind);
    let Some((func, args)) = split_call(&text) else {
        r.error(
            node.span,
            format!("`{name}`: `{text}` is not a distribution"),
            Some(format!(
                "write a distribution as `name(arguments)`: {}",
                signatures()
            )),
        );
        return None;
    };
    if !NAMES.contains(&func) {
        let help = suggest::did_you_mean(func, NAMES.iter().copied())
            .unwrap_or_else(|| format!("the distributions are {}", signatures()));
        r.error(
            node.span,
            format!("`{name}`: unknown distribution `{func}`"),
            Some(help),
        );
        return None;
    }
    let wanted = match func {
        "uniform" | "normal" | "lognormal" | "beta" => Some(2),
        "triangular" | "pert" => Some(3),
        _ => None,
    };
    if wanted.is_some_and(|w| w != args.len())
        || args.is_empty()
        || args.iter().any(|a| a.is_empty())
    {
        r.error(
            node.span,
            format!("`{name}`: `{func}` takes {}", signature(func)),
            Some(format!("e.g. `{}`", example(func, kind))),
        );
        return None;
    }
    if func == "beta" && kind != NumberKind::Percent {
        r.error(
            node.span,
            format!(
                "`{name}`: `beta` gives fractions between 0 and 1, for the four percentages only"
            ),
            Some(
                "use `uniform`, `triangular`, `pert`, `normal`, `lognormal` or `choice` here"
                    .into(),
            ),
        );
        return None;
    }
    // Location arguments follow the figure's number rules; spreads and shapes their own.
    let arg = |i: usize, kind: NumberKind, r: &mut Reader| -> Option<Decimal> {
        let text = args.get(i)?;
        let span = sub_span(r, node.span, i, text);
        let what = name.to_owned();
        let parsed =
            number::parse_literal(text, kind).and_then(|v| number::check(v, kind).map(|()| v));
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                r.error(span, format!("`{what}`: {}", e.message), Some(e.help));
                None
            }
        }
    };
    let spread_kind = if kind == NumberKind::Percent {
        NumberKind::Percent
    } else {
        NumberKind::NonNegative
    };
    let all = |kind: NumberKind, r: &mut Reader| -> Option<Vec<Decimal>> {
        let values: Vec<Option<Decimal>> = (0..args.len()).map(|i| arg(i, kind, r)).collect();
        values.into_iter().collect()
    };
    let distribution = match func {
        "uniform" => {
            let v = all(kind, r)?;
            let (a, b) = (*v.first()?, *v.get(1)?);
            if a > b {
                r.error(
                    node.span,
                    format!("`{name}`: uniform({a}, {b}) has its low end above its high end"),
                    Some(format!("write `uniform({b}, {a})`")),
                );
                return None;
            }
            Distribution::Uniform(a, b)
        }
        "triangular" | "pert" => {
            let v = all(kind, r)?;
            let (lo, mode, hi) = (*v.first()?, *v.get(1)?, *v.get(2)?);
            if !(lo <= mode && mode <= hi) {
                r.error(
                    node.span,
                    format!("`{name}`: {func}(min, mode, max) needs min ≤ mode ≤ max; {lo}, {mode}, {hi} are not in that order"),
                    Some("give the lowest plausible value, the most likely one, then the highest".into()),
                );
                return None;
            }
            if func == "pert" {
                Distribution::Pert(lo, mode, hi)
            } else {
                Distribution::Triangular(lo, mode, hi)
            }
        }
        "normal" | "lognormal" => {
            let mean = arg(0, kind, r);
            let sd = arg(1, spread_kind, r);
            let (mean, sd) = (mean?, sd?);
            if func == "normal" {
                Distribution::Normal(mean, sd)
            } else {
                if mean <= Decimal::ZERO && !sd.is_zero() {
                    r.error(node.span, format!("`{name}`: a lognormal's values are above 0, so its mean must be too (found {mean})"), Some("use `normal` for a figure that can be 0 or below, or give a positive mean".into()));
                    return None;
                }
                Distribution::LogNormal(mean, sd)
            }
        }
        "beta" => {
            let v = all(NumberKind::NonNegative, r)?;
            let (a, b) = (*v.first()?, *v.get(1)?);
            if a.is_zero() || b.is_zero() {
                r.error(
                    node.span,
                    format!("`{name}`: beta(α, β) needs both shapes above 0"),
                    Some("e.g. `beta(2, 5)` has mean 2 / (2 + 5) ≈ 29%".into()),
                );
                return None;
            }
            Distribution::Beta(a, b)
        }
        _ => Distribution::Choice(all(kind, r)?),
    };
    let domain = domain_of(variable, &distribution);
    let reach = reach(&distribution, domain);
    if reach < MIN_REACH {
        r.error(
            node.span,
            format!("`{name}`: `{text}` cannot reach the figure's domain ({}): fewer than 1 draw in 1,000 would land there", domain_text(domain)),
            Some("narrow the spread so that most draws are valid values of the figure".into()),
        );
        return None;
    }
    Some(Uncertain {
        figure,
        distribution,
        domain,
        text,
        span: node.span,
    })
}

fn domain_of(variable: Option<Variable>, d: &Distribution) -> Domain {
    match variable {
        None | Some(Variable::Quantity) => Domain::NonNegative,
        Some(Variable::Duration) => Domain::Years,
        Some(Variable::Proxy) => {
            let locations: Vec<Decimal> = match d {
                Distribution::Uniform(a, b) => vec![*a, *b],
                Distribution::Triangular(a, m, b) | Distribution::Pert(a, m, b) => vec![*a, *m, *b],
                Distribution::Normal(m, _) | Distribution::LogNormal(m, _) => vec![*m],
                Distribution::Beta(..) => vec![Decimal::ZERO],
                Distribution::Choice(v) => v.clone(),
            };
            if locations
                .iter()
                .all(|v| !v.is_sign_negative() || v.is_zero())
            {
                Domain::NonNegative
            } else if locations.iter().all(|v| *v <= Decimal::ZERO) {
                Domain::NonPositive
            } else {
                Domain::Any
            }
        }
        Some(_) => Domain::Fraction,
    }
}

fn domain_text(d: Domain) -> &'static str {
    match d {
        Domain::NonNegative => "0 or more",
        Domain::NonPositive => "0 or less",
        Domain::Any => "any value",
        Domain::Fraction => "0% to 100%",
        Domain::Years => "whole years from 1 to 200",
    }
}

/// The chance that one draw lands in `domain`.
fn reach(d: &Distribution, domain: Domain) -> f64 {
    let (lo, hi) = domain.bounds();
    let f = |x: &Decimal| x.to_f64().unwrap_or(f64::NAN);
    match d {
        Distribution::Normal(m, sd) if !sd.is_zero() => {
            let (m, sd) = (f(m), f(sd));
            normal_cdf((hi - m) / sd) - normal_cdf((lo - m) / sd)
        }
        Distribution::LogNormal(m, sd) if !sd.is_zero() => {
            let (mu, sigma) = lognormal_parameters(f(m), f(sd));
            let at = |x: f64| {
                if x <= 0.0 {
                    0.0
                } else {
                    normal_cdf((x.ln() - mu) / sigma)
                }
            };
            at(hi) - at(lo)
        }
        // Every other distribution's arguments lie in the domain (checked above).
        _ => 1.0,
    }
}

/// μ and σ of log X for a lognormal X with the given mean and sd.
pub fn lognormal_parameters(mean: f64, sd: f64) -> (f64, f64) {
    let variance = (1.0 + (sd / mean).powi(2)).ln();
    (mean.ln() - variance / 2.0, variance.sqrt())
}

/// Φ(z), from the complementary error function (Numerical Recipes' erfc, |error| < 1.2e-7).
fn normal_cdf(z: f64) -> f64 {
    if z == f64::INFINITY {
        return 1.0;
    }
    if z == f64::NEG_INFINITY {
        return 0.0;
    }
    let x = -z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let erfc = if x >= 0.0 { erfc } else { 2.0 - erfc };
    erfc / 2.0
}

/// `name(a, b, …)` → ("name", ["a", "b", …]).
fn split_call(text: &str) -> Option<(&str, Vec<&str>)> {
    let (func, rest) = text.split_once('(')?;
    let inner = rest.trim_end().strip_suffix(')')?;
    let func = func.trim();
    if func.is_empty() || inner.contains(['(', ')']) {
        return None;
    }
    Some((func, inner.split(',').map(str::trim).collect()))
}

/// The span of the `index`-th argument inside the node's text when the call is written
/// plainly in the file (quoted or not); otherwise the whole node.
fn sub_span(r: &Reader, span: Span, index: usize, arg: &str) -> Span {
    let text = r
        .file
        .text()
        .get(span.offset..span.end())
        .unwrap_or_default();
    let Some(open) = text.find('(') else {
        return span;
    };
    let mut at = open.saturating_add(1);
    for (i, piece) in text.get(at..).unwrap_or_default().split(',').enumerate() {
        let piece = piece.split(')').next().unwrap_or_default();
        let lead = piece.len().saturating_sub(piece.trim_start().len());
        if i == index && piece.trim() == arg {
            return Span::new(
                span.offset.saturating_add(at).saturating_add(lead),
                arg.len(),
            );
        }
        at = at.saturating_add(piece.len()).saturating_add(1);
    }
    span
}

fn signature(func: &str) -> &'static str {
    match func {
        "uniform" => "two arguments: uniform(low, high)",
        "triangular" => "three arguments: triangular(min, mode, max)",
        "pert" => "three arguments: pert(min, mode, max)",
        "normal" => "two arguments: normal(mean, sd)",
        "lognormal" => "two arguments: lognormal(mean, sd), of the value itself",
        "beta" => "two arguments: beta(α, β)",
        _ => "one or more values: choice(v1, v2, …)",
    }
}

fn signatures() -> String {
    "uniform(low, high), triangular(min, mode, max), pert(min, mode, max), normal(mean, sd), \
     lognormal(mean, sd), beta(α, β) or choice(v1, v2, …)"
        .to_owned()
}

fn example(func: &str, kind: NumberKind) -> &'static str {
    match (func, kind) {
        ("uniform", NumberKind::Percent) => "uniform(20%, 40%)",
        ("uniform", _) => "uniform(20, 40)",
        ("triangular", NumberKind::Percent) => "triangular(20%, 35%, 50%)",
        ("triangular", _) => "triangular(80, 100, 130)",
        ("pert", NumberKind::Percent) => "pert(20%, 35%, 50%)",
        ("pert", _) => "pert(6000, 9537, 12000)",
        ("normal", NumberKind::Percent) => "normal(30%, 5%)",
        ("normal", _) => "normal(25200, 2000)",
        ("lognormal", _) => "lognormal(9500, 2000)",
        ("beta", _) => "beta(2, 5)",
        (_, NumberKind::Years) => "choice(1, 2, 3)",
        _ => "choice(10, 20, 30)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_tables() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }

    #[test]
    fn calls_split_into_name_and_arguments() {
        assert_eq!(
            split_call("pert(1, 2, 3)"),
            Some(("pert", vec!["1", "2", "3"]))
        );
        assert_eq!(
            split_call("uniform(20%,40%)"),
            Some(("uniform", vec!["20%", "40%"]))
        );
        assert_eq!(split_call("uniform 20"), None);
    }

    #[test]
    fn lognormal_parameters_give_back_the_mean_and_sd() {
        let (mu, sigma) = lognormal_parameters(100.0, 30.0);
        let mean = (mu + sigma * sigma / 2.0).exp();
        let sd = ((sigma * sigma).exp() - 1.0).sqrt() * mean;
        assert!((mean - 100.0).abs() < 1e-9 && (sd - 30.0).abs() < 1e-9);
    }
}
