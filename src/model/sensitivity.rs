//! The optional `sensitivity:` block: how far each figure moves in one-at-a-time
//! sensitivity analysis (`sroi sensitivity`).

use rust_decimal::Decimal;

use super::fields::Reader;
use super::number::{self, NumberKind, NumberSource};
use super::types::Outcome;
use super::yaml::{Node, Value};
use crate::diagnostic::Span;
use crate::suggest;

/// An outcome's figure that sensitivity analysis and simulation vary, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variable {
    Quantity,
    Proxy,
    Deadweight,
    Displacement,
    Attribution,
    DropOff,
    Duration,
}

impl Variable {
    pub const ALL: [Variable; 7] = [
        Variable::Quantity,
        Variable::Proxy,
        Variable::Deadweight,
        Variable::Displacement,
        Variable::Attribution,
        Variable::DropOff,
        Variable::Duration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variable::Quantity => "quantity",
            Variable::Proxy => "proxy",
            Variable::Deadweight => "deadweight",
            Variable::Displacement => "displacement",
            Variable::Attribution => "attribution",
            Variable::DropOff => "drop_off",
            Variable::Duration => "duration",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The number rules its values follow.
    pub fn kind(self) -> NumberKind {
        match self {
            Variable::Quantity => NumberKind::NonNegative,
            Variable::Proxy => NumberKind::Signed,
            Variable::Deadweight
            | Variable::Displacement
            | Variable::Attribution
            | Variable::DropOff => NumberKind::Percent,
            Variable::Duration => NumberKind::Years,
        }
    }

    pub fn is_fraction(self) -> bool {
        self.kind() == NumberKind::Percent
    }

    fn names() -> impl Iterator<Item = &'static str> + Clone {
        Self::ALL.into_iter().map(Variable::name)
    }
}

/// How far each figure moves, for every outcome unless an explicit range is given.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Relative: low = base × (1 − quantity), high = base × (1 + quantity).
    pub quantity: Decimal,
    /// Relative, as `quantity`.
    pub proxy: Decimal,
    /// Absolute points for the four fractions: base ∓ points, kept within 0..1.
    pub deadweight: Decimal,
    pub displacement: Decimal,
    pub attribution: Decimal,
    pub drop_off: Decimal,
    /// Whole years: base ∓ duration, at least 1.
    pub duration: u32,
    /// Explicit `[low, high]` ranges, in file order.
    pub ranges: Vec<ExplicitRange>,
}

impl Default for Sensitivity {
    fn default() -> Self {
        let points = Decimal::new(10, 2);
        let relative = Decimal::new(20, 2);
        Sensitivity {
            quantity: relative,
            proxy: relative,
            deadweight: points,
            displacement: points,
            attribution: points,
            drop_off: points,
            duration: 1,
            ranges: Vec::new(),
        }
    }
}

impl Sensitivity {
    /// The explicit range of one outcome's variable, if the block gives one.
    pub fn range(&self, outcome: usize, variable: Variable) -> Option<&ExplicitRange> {
        self.ranges
            .iter()
            .find(|r| r.outcome == outcome && r.variable == variable)
    }
}

/// `outcomes: { ID: { VAR: [low, high] } }`
#[derive(Debug, Clone, PartialEq)]
pub struct ExplicitRange {
    /// Index into the model's outcomes.
    pub outcome: usize,
    pub variable: Variable,
    pub low: Decimal,
    pub high: Decimal,
    pub span: Span,
}

const KEYS: &[&str] = &[
    "quantity",
    "proxy",
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "duration",
    "outcomes",
];

/// Read the `sensitivity:` block, reporting every problem through `r`.
pub fn read(node: &Node, outcomes: &[Outcome], r: &mut Reader) -> Sensitivity {
    let mut out = Sensitivity::default();
    let Some(mut f) = r.mapping(node, "`sensitivity`") else {
        return out;
    };
    let mut percent = |key: &str, slot: &mut Decimal, f: &mut super::fields::Fields<'_>| {
        if let Some(n) = f.optional(key)
            && let Some(v) = literal(n, NumberKind::Percent, &format!("sensitivity.{key}"), r)
        {
            *slot = v;
        }
    };
    percent("quantity", &mut out.quantity, &mut f);
    percent("proxy", &mut out.proxy, &mut f);
    percent("deadweight", &mut out.deadweight, &mut f);
    percent("displacement", &mut out.displacement, &mut f);
    percent("attribution", &mut out.attribution, &mut f);
    percent("drop_off", &mut out.drop_off, &mut f);
    if let Some(n) = f.optional("duration")
        && let Some(v) = literal(n, NumberKind::NonNegative, "sensitivity.duration", r)
    {
        if v.fract().is_zero() && v <= Decimal::from(number::MAX_YEARS) {
            out.duration = number::years(v);
        } else {
            r.error(
                n.span,
                format!("`sensitivity.duration`: {v} is not a whole number of years"),
                Some("write how many whole years to move the duration either way, e.g. `duration: 1`".into()),
            );
        }
    }
    if let Some(n) = f.optional("outcomes") {
        out.ranges = explicit_ranges(n, outcomes, r);
    }
    f.finish(r, KEYS);
    out
}

fn explicit_ranges(node: &Node, outcomes: &[Outcome], r: &mut Reader) -> Vec<ExplicitRange> {
    let mut out = Vec::new();
    let Some(mut f) = r.mapping(node, "`sensitivity.outcomes`") else {
        return out;
    };
    for key in f.keys() {
        let Some(value) = f.get(&key.value) else {
            continue;
        };
        let Some(index) = outcome_index(&key, outcomes, "sensitivity.outcomes", r) else {
            continue;
        };
        let what = format!("`sensitivity.outcomes.{}`", key.value);
        let Some(mut vars) = r.mapping(value, &what) else {
            continue;
        };
        for var in vars.keys() {
            // An unknown name is left unread, for `finish` to report with a suggestion.
            let Some(variable) = Variable::from_name(&var.value) else {
                continue;
            };
            let Some(range) = vars.get(&var.value) else {
                continue;
            };
            let name = format!("sensitivity.outcomes.{}.{}", key.value, var.value);
            if let Some((low, high)) = low_high(range, variable, &name, r) {
                out.push(ExplicitRange {
                    outcome: index,
                    variable,
                    low,
                    high,
                    span: range.span,
                });
            }
        }
        vars.finish(r, &Variable::ALL.map(Variable::name));
    }
    f.finish(r, &[]);
    out
}

/// `[low, high]`, each by the variable's number rules, low not above high.
fn low_high(
    node: &Node,
    variable: Variable,
    name: &str,
    r: &mut Reader,
) -> Option<(Decimal, Decimal)> {
    let example = match variable {
        Variable::Quantity => "[80, 120]",
        Variable::Proxy => "[5000, 12000]",
        Variable::Duration => "[1, 3]",
        _ => "[20%, 50%]",
    };
    let items = match &node.value {
        Value::Seq(items) if items.len() == 2 => items,
        other => {
            r.error(
                node.span,
                format!(
                    "`{name}` should be a list of two values, low and high, found {}",
                    describe(other)
                ),
                Some(format!("write `{}: {example}`", variable.name())),
            );
            return None;
        }
    };
    let low = items
        .first()
        .and_then(|n| literal(n, variable.kind(), name, r));
    let high = items
        .get(1)
        .and_then(|n| literal(n, variable.kind(), name, r));
    let (low, high) = (low?, high?);
    if low > high {
        r.error(
            node.span,
            format!("`{name}`: the low value {low} is above the high value {high}"),
            Some("write the range as `[low, high]`".into()),
        );
        return None;
    }
    Some((low, high))
}

fn describe(value: &Value) -> String {
    match value {
        Value::Seq(items) => format!("a list of {}", items.len()),
        other => other.kind().to_owned(),
    }
}

/// The index of the outcome a key names, or a located error with a suggestion.
pub(crate) fn outcome_index(
    key: &super::types::Located<String>,
    outcomes: &[Outcome],
    block: &str,
    r: &mut Reader,
) -> Option<usize> {
    if let Some(i) = outcomes.iter().position(|o| o.id.value == key.value) {
        return Some(i);
    }
    let ids = outcomes.iter().map(|o| o.id.as_str());
    let help = suggest::did_you_mean(&key.value, ids.clone())
        .unwrap_or_else(|| format!("outcomes in this model: {}", suggest::one_of(ids)));
    r.error(
        key.span,
        format!(
            "`{block}` names outcome `{}`, which the model does not have",
            key.value
        ),
        Some(help),
    );
    None
}

/// A literal number by `kind`'s rules (no expressions in these blocks).
pub(crate) fn literal(
    node: &Node,
    kind: NumberKind,
    what: &str,
    r: &mut Reader,
) -> Option<Decimal> {
    let field = r.number(node, kind, what)?;
    match field.source {
        NumberSource::Literal(v) => Some(v),
        _ => {
            r.error(
                node.span,
                format!("`{what}` must be a number, not an expression"),
                Some("write the figure itself; ranges are judgements about the model's figures, not rules".into()),
            );
            None
        }
    }
}

/// Variable names for help texts.
pub fn variable_names() -> String {
    suggest::one_of(Variable::names())
}
