//! Model file → `Model`: shape, types and local rules (docs/format.md, section 3).
//!
//! Cross-file rules (proxy ids, currency against the proxy set) are checked in
//! `validate`, once the proxy set is known.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::fields::{Fields, Reader};
use super::number::{NumberField, NumberKind};
use super::types::*;
use super::yaml::{self, Node, Value};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::suggest;

pub const FORMAT_VERSION: &str = "1";

const MODEL_KEYS: &[&str] = &[
    "sroi",
    "id",
    "name",
    "description",
    "kind",
    "currency",
    "period",
    "proxies",
    "script",
    "discount_rate",
    "discounting",
    "price_year",
    "deflator",
    "params",
    "data",
    "stakeholders",
    "inputs",
    "outputs",
    "outcomes",
    "sensitivity",
    "uncertainty",
];
const STAKEHOLDER_KEYS: &[&str] = &["id", "name", "description"];
const INPUT_KEYS: &[&str] = &["stakeholder", "description", "value", "year"];
const OUTPUT_KEYS: &[&str] = &["description", "quantity", "stakeholder"];
const OUTCOME_KEYS: &[&str] = &[
    "id",
    "stakeholder",
    "description",
    "indicator",
    "quantity",
    "proxy",
    "duration",
    "start",
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "notes",
];
pub const INLINE_PROXY_KEYS: &[&str] =
    &["id", "value", "unit", "description", "source", "price_year"];

/// The Green Book's social time preference rate.
pub fn default_discount_rate() -> Decimal {
    Decimal::new(35, 3)
}

/// Parse YAML text into a tree, or a located syntax error.
pub fn parse_yaml(file: &Arc<SourceFile>) -> Result<Node, Diagnostics> {
    yaml::parse(file.text()).map_err(|e| {
        let text = file.text();
        let mut span = e.span;
        let help = if e.message.contains("tab") {
            // The scanner reports the line before; point at the tab itself.
            let from = span.map_or(0, |s| s.offset);
            if let Some(i) = text.get(from..).and_then(|t| t.find('\t')) {
                span = Some(Span::new(from.saturating_add(i), 1));
            }
            "YAML indentation must use spaces, not tabs".to_owned()
        } else if e.message.contains("duplicate") {
            "each key may appear once in a mapping; remove or rename one of them".to_owned()
        } else if e.message.contains("finite") {
            "numbers must be finite decimals within 28 significant digits".to_owned()
        } else {
            "fix the YAML at the marked place; unclosed brackets or quotes, indentation and `key: value` pairs are the usual suspects".to_owned()
        };
        let mut d = Diagnostic::error(format!("YAML syntax: {}", e.message)).code("sroi::yaml").help(help);
        d = match span {
            Some(span) => d.at(file, span),
            None => {
                d.file = Some(Arc::clone(file));
                d
            }
        };
        Diagnostics::from(d)
    })
}

/// Read a model. Returns the model when its shape is sound enough to go on, plus every
/// problem found; callers stop on errors.
pub fn read_model(file: &Arc<SourceFile>) -> (Option<Model>, Diagnostics) {
    let root = match parse_yaml(file) {
        Ok(root) => root,
        Err(d) => return (None, d),
    };
    let mut r = Reader::new(Arc::clone(file));
    let model = model_from(&root, &mut r);
    let diagnostics = r.finish();
    (model, diagnostics)
}

fn model_from(root: &Node, r: &mut Reader) -> Option<Model> {
    if root.value == Value::Null {
        r.error(root.span, "the model file is empty", Some("start with `sroi: 1`, `id:`, `name:`, `currency:`, `stakeholders:` and `outcomes:`".into()));
        return None;
    }
    let mut f = r.mapping(root, "the model")?;
    version(&mut f, r);
    let id = f.required(r, "id").and_then(|n| r.id(n, "model id", '-'));
    let name = f.required(r, "name").and_then(|n| r.text(n, "name"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let kind = match f
        .optional("kind")
        .and_then(|n| r.choice(n, "kind", &["evaluation", "forecast"]))
    {
        Some("forecast") => Kind::Forecast,
        _ => Kind::Evaluation,
    };
    let currency = f.required(r, "currency").and_then(|n| currency(n, r));
    let period = f.optional("period").and_then(|n| r.text(n, "period"));
    let proxies = f
        .optional("proxies")
        .and_then(|n| r.located_text(n, "proxies"));
    let script = f
        .optional("script")
        .and_then(|n| r.located_text(n, "script"));
    let discount_rate = match f.optional("discount_rate") {
        Some(n) => r.number(n, NumberKind::Percent, "discount_rate"),
        None => Some(NumberField::default_value(
            NumberKind::Percent,
            default_discount_rate(),
        )),
    };
    let discounting = match f
        .optional("discounting")
        .and_then(|n| r.choice(n, "discounting", &["end-of-year", "start-of-year"]))
    {
        Some("start-of-year") => Discounting::StartOfYear,
        _ => Discounting::EndOfYear,
    };
    let model_price_year = f
        .optional("price_year")
        .and_then(|n| price_year(n, r).map(|y| Located::new(y, n.span)));
    let deflator = f
        .optional("deflator")
        .and_then(|n| r.located_text(n, "deflator"));
    let params = f
        .optional("params")
        .map(|n| params(n, r))
        .unwrap_or_default();
    let data = f
        .optional("data")
        .map(|n| data_tables(n, r))
        .unwrap_or_default();
    let errors_before = r.diagnostics.errors();
    let stakeholders_node = f.required(r, "stakeholders");
    let stakeholders: Vec<Stakeholder> = stakeholders_node
        .map(|n| {
            r.list(n, "stakeholders")
                .iter()
                .filter_map(|s| stakeholder(s, r))
                .collect()
        })
        .unwrap_or_default();
    if let Some(n) = stakeholders_node
        && stakeholders.is_empty()
        && !r.diagnostics.has_errors()
    {
        r.error(
            n.span,
            "the model has no stakeholders",
            Some("list who experiences the outcomes and who invests".into()),
        );
    }
    let mut seen = BTreeMap::new();
    for s in &stakeholders {
        duplicate(&mut seen, &s.id, "stakeholder", r);
    }
    // When the stakeholder list itself is broken, references to it cannot be judged:
    // report the list's problems only, not a cascade of "unknown stakeholder".
    let list_sound = r.diagnostics.errors() == errors_before;
    let who = Stakeholders {
        ids: stakeholders.iter().map(|s| s.id.value.clone()).collect(),
        known: stakeholders.iter().map(|s| s.id.value.clone()).collect(),
        sound: list_sound,
    };
    let inputs: Vec<Input> = f
        .optional("inputs")
        .map(|n| {
            r.list(n, "inputs")
                .iter()
                .filter_map(|i| input(i, &who, r))
                .collect()
        })
        .unwrap_or_default();
    let outputs: Vec<Output> = f
        .optional("outputs")
        .map(|n| {
            r.list(n, "outputs")
                .iter()
                .filter_map(|o| output(o, &who, r))
                .collect()
        })
        .unwrap_or_default();
    let outcomes_node = f.required(r, "outcomes");
    let mut outcome_ids = BTreeMap::new();
    let outcomes: Vec<Outcome> = outcomes_node
        .map(|n| {
            r.list(n, "outcomes")
                .iter()
                .filter_map(|o| outcome(o, &who, &mut outcome_ids, r))
                .collect()
        })
        .unwrap_or_default();
    let mut table_names = BTreeMap::new();
    for t in &data {
        duplicate(&mut table_names, &t.name, "data table", r);
    }
    if let Some(n) = outcomes_node
        && outcomes.is_empty()
        && !r.diagnostics.has_errors()
    {
        r.error(
            n.span,
            "the model has no outcomes",
            Some("add at least one outcome: what changes, for whom, and its proxy".into()),
        );
    }
    let sensitivity = f
        .optional("sensitivity")
        .map(|n| super::sensitivity::read(n, &outcomes, r));
    let uncertainty = f
        .optional("uncertainty")
        .map(|n| super::uncertainty::read(n, &outcomes, inputs.len(), r));
    f.finish(r, MODEL_KEYS);

    // Build the model even when some fields were wrong (they are already reported), so
    // that later checks (proxy ids, currency) can report their problems in the same run.
    Some(Model {
        file: Arc::clone(&r.file),
        id: id.unwrap_or_else(|| Located::new(String::new(), root.span)),
        name: name.unwrap_or_default(),
        description,
        kind,
        currency: currency.unwrap_or_else(|| Located::new(String::new(), root.span)),
        period,
        proxies,
        script,
        discount_rate: discount_rate.unwrap_or_else(|| {
            NumberField::default_value(NumberKind::Percent, default_discount_rate())
        }),
        discounting,
        price_year: model_price_year,
        deflator,
        params,
        data,
        stakeholders,
        inputs,
        outputs,
        outcomes,
        sensitivity,
        uncertainty,
    })
}

/// `sroi: 1`, the format version, required in models and proxy sets.
pub(crate) fn version(f: &mut Fields<'_>, r: &mut Reader) {
    let Some(node) = f.required(r, "sroi") else {
        return;
    };
    let written = match &node.value {
        Value::Number(n) | Value::String(n) => n.trim().to_owned(),
        other => other.kind().to_owned(),
    };
    if written != FORMAT_VERSION {
        r.error(
            node.span,
            format!("unsupported format version `{written}`"),
            Some(format!(
                "this sroi reads format version {FORMAT_VERSION}: write `sroi: {FORMAT_VERSION}`"
            )),
        );
    }
}

/// An ISO 4217 code: three capital letters.
pub(crate) fn currency(node: &Node, r: &mut Reader) -> Option<Located<String>> {
    let text = r.text(node, "currency")?;
    if text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(Located::new(text, node.span));
    }
    let help = if text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        format!(
            "currency codes are upper case: `{}`",
            text.to_ascii_uppercase()
        )
    } else if text == "£" {
        "write the ISO 4217 code `GBP`".to_owned()
    } else {
        "write a three-letter ISO 4217 code such as `GBP` or `EUR`".to_owned()
    };
    r.error(
        node.span,
        format!("`{text}` is not a currency code"),
        Some(help),
    );
    None
}

fn params(node: &Node, r: &mut Reader) -> Vec<Param> {
    let Some(mut f) = r.mapping(node, "`params`") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in f.keys() {
        let Some(value) = f.get(&key.value) else {
            continue;
        };
        let valid = key
            .value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            r.error(
                key.span,
                format!("`{}` is not a valid parameter name", key.value),
                Some("parameter names are used as variables in expressions: letters, digits and `_`, starting with a letter".into()),
            );
            continue;
        }
        if let Some(field) = r.number(value, NumberKind::Signed, &format!("params.{}", key.value)) {
            out.push(Param {
                name: key,
                value: field,
            });
        }
    }
    f.finish(r, &[]);
    out
}

fn data_tables(node: &Node, r: &mut Reader) -> Vec<DataTable> {
    let Some(mut f) = r.mapping(node, "`data`") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in f.keys() {
        let Some(value) = f.get(&key.value) else {
            continue;
        };
        if let Some(path) = r.located_text(value, "data path") {
            out.push(DataTable { name: key, path });
        }
    }
    f.finish(r, &[]);
    out
}

fn stakeholder(node: &Node, r: &mut Reader) -> Option<Stakeholder> {
    let mut f = r.mapping(node, "a stakeholder")?;
    let id = f
        .required(r, "id")
        .and_then(|n| r.id(n, "stakeholder id", '-'));
    let name = f.optional("name").and_then(|n| r.text(n, "name"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    f.finish(r, STAKEHOLDER_KEYS);
    let id = id?;
    Some(Stakeholder {
        name: name.unwrap_or_else(|| id.value.clone()),
        id,
        description,
    })
}

fn input(node: &Node, who: &Stakeholders, r: &mut Reader) -> Option<Input> {
    let mut f = r.mapping(node, "an input")?;
    let stakeholder = f.required(r, "stakeholder").and_then(|n| who.read(n, r));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let value = f
        .required(r, "value")
        .and_then(|n| r.number(n, NumberKind::NonNegative, "value"));
    let year = match f.optional("year") {
        Some(n) => super::years::programme_year(n, "year", r),
        None => Some(1),
    };
    f.finish(r, INPUT_KEYS);
    Some(Input {
        stakeholder: stakeholder?,
        description: description.unwrap_or_default(),
        value: value?,
        year: year?,
        span: f_span(node),
    })
}

fn f_span(node: &Node) -> Span {
    match &node.value {
        Value::Map(entries) => entries.first().map_or(node.span, |(k, _)| k.span),
        _ => node.span,
    }
}

fn output(node: &Node, who: &Stakeholders, r: &mut Reader) -> Option<Output> {
    let mut f = r.mapping(node, "an output")?;
    let description = f
        .required(r, "description")
        .and_then(|n| r.text(n, "description"));
    let quantity = f
        .required(r, "quantity")
        .and_then(|n| r.number(n, NumberKind::NonNegative, "quantity"));
    let stakeholder = f.optional("stakeholder").and_then(|n| who.read(n, r));
    f.finish(r, OUTPUT_KEYS);
    Some(Output {
        description: description?,
        quantity: quantity?,
        stakeholder,
    })
}

fn outcome(
    node: &Node,
    who: &Stakeholders,
    ids: &mut BTreeMap<String, Span>,
    r: &mut Reader,
) -> Option<Outcome> {
    let mut f = r.mapping(node, "an outcome")?;
    let id = f.required(r, "id").and_then(|n| r.id(n, "outcome id", '-'));
    if let Some(id) = &id {
        duplicate(ids, id, "outcome", r);
    }
    let stakeholder = f.required(r, "stakeholder").and_then(|n| who.read(n, r));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let indicator = f.optional("indicator").and_then(|n| r.text(n, "indicator"));
    let notes = f.optional("notes").and_then(|n| r.text(n, "notes"));
    let quantity = f
        .required(r, "quantity")
        .and_then(|n| r.number(n, NumberKind::NonNegative, "quantity"));
    let proxy = f.required(r, "proxy").and_then(|n| proxy_ref(n, r));
    let duration = f
        .required(r, "duration")
        .and_then(|n| r.number(n, NumberKind::Years, "duration"));
    let start = f
        .optional("start")
        .and_then(|n| super::years::start(n, r))
        .unwrap_or_default();
    let mut percent = |f: &mut Fields<'_>, key: &str| match f.optional(key) {
        Some(n) => r.number(n, NumberKind::Percent, key),
        None => Some(NumberField::default_value(
            NumberKind::Percent,
            Decimal::ZERO,
        )),
    };
    let deadweight = percent(&mut f, "deadweight");
    let displacement = percent(&mut f, "displacement");
    let attribution = percent(&mut f, "attribution");
    let drop_off = percent(&mut f, "drop_off");
    f.finish(r, OUTCOME_KEYS);
    let id = id?;
    Some(Outcome {
        description: description.unwrap_or_else(|| id.value.clone()),
        id,
        stakeholder: stakeholder?,
        indicator,
        notes,
        quantity: quantity?,
        proxy: proxy?,
        duration: duration?,
        start,
        deadweight: deadweight?,
        displacement: displacement?,
        attribution: attribution?,
        drop_off: drop_off?,
    })
}

fn proxy_ref(node: &Node, r: &mut Reader) -> Option<ProxyRef> {
    if let Value::Map(_) = node.value {
        return inline_proxy(node, r).map(ProxyRef::Inline);
    }
    r.id(node, "proxy id", '_').map(ProxyRef::Id)
}

fn inline_proxy(node: &Node, r: &mut Reader) -> Option<InlineProxy> {
    let mut f = r.mapping(node, "an inline proxy")?;
    // Optional: the id a workbook or another set knows this figure by (`sroi import`).
    let id = f.optional("id").and_then(|n| r.id(n, "proxy id", '_'));
    let value = f
        .required(r, "value")
        .and_then(|n| r.number(n, NumberKind::Signed, "value"));
    let unit = f.optional("unit").and_then(|n| r.text(n, "unit"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let source = source(&mut f, r);
    let price_year = f.optional("price_year").and_then(|n| price_year(n, r));
    let span = f.anchor();
    f.finish(r, INLINE_PROXY_KEYS);
    Some(InlineProxy {
        id: id.map(|i| i.value),
        value: value?,
        unit,
        description,
        source: source?,
        price_year,
        span,
    })
}

/// Every proxy names its source; a blank one is an error, not a shrug.
pub(crate) fn source(f: &mut Fields<'_>, r: &mut Reader) -> Option<String> {
    let node = match f.get("source") {
        Some(n) => n,
        None => {
            r.error(
                f.anchor(),
                "this proxy has no `source`",
                Some(
                    "add `source:` with the publisher, year and table or page the value comes from"
                        .into(),
                ),
            );
            return None;
        }
    };
    let text = r.text(node, "source")?;
    if text.trim().is_empty() {
        r.error(
            node.span,
            "`source` is empty",
            Some("name the publisher, year and table or page".into()),
        );
        return None;
    }
    Some(text)
}

pub(crate) fn price_year(node: &Node, r: &mut Reader) -> Option<u16> {
    let text = r.text(node, "price_year")?;
    match text.parse::<u16>() {
        Ok(y) if (1900..=2200).contains(&y) => Some(y),
        _ => {
            r.error(
                node.span,
                format!("`{text}` is not a price year"),
                Some("write a four-digit year such as `2024`".into()),
            );
            None
        }
    }
}

/// The model's stakeholder ids, for checking every reference to one as it is read.
struct Stakeholders {
    /// In the model's order, for messages; unique when `sound`.
    ids: Vec<String>,
    /// The same ids, for a lookup per reference that does not grow with the list.
    known: HashSet<String>,
    /// False when the list had errors: then any reference is let through.
    sound: bool,
}

/// Most ids a help text lists.
const LISTED: usize = 20;

impl Stakeholders {
    fn read(&self, node: &Node, r: &mut Reader) -> Option<Located<String>> {
        let who = r.located_text(node, "stakeholder")?;
        if !self.sound || self.known.contains(&who.value) {
            return Some(who);
        }
        let ids = self.ids.iter().map(String::as_str);
        let help = suggest::did_you_mean(&who.value, ids.clone()).unwrap_or_else(|| {
            let listed = suggest::one_of(ids.take(LISTED));
            match self.ids.len().checked_sub(LISTED) {
                Some(more) if more > 0 => {
                    format!("stakeholders in this model: {listed}, and {more} more")
                }
                _ => format!("stakeholders in this model: {listed}"),
            }
        });
        r.push(
            Diagnostic::error(format!("unknown stakeholder `{}`", who.value))
                .code("sroi::model::unknown-stakeholder")
                .at(&r.file, who.span)
                .label("not in `stakeholders`")
                .help(help),
        );
        None
    }
}

fn duplicate(seen: &mut BTreeMap<String, Span>, id: &Located<String>, what: &str, r: &mut Reader) {
    if let Some(first) = seen.get(id.as_str()) {
        let (line, _) = r.file.line_col(first.offset);
        r.push(
            Diagnostic::error(format!("duplicate {what} id `{}`", id.value))
                .code("sroi::model::duplicate-id")
                .at(&r.file, id.span)
                .label("used again here")
                .help(format!(
                    "the first `{}` is on line {line}; give each {what} its own id",
                    id.value
                )),
        );
    } else {
        seen.insert(id.value.clone(), id.span);
    }
}
