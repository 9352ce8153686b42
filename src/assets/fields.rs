//! The fields of a register file, read from its spanned YAML tree: every problem is
//! reported at its line and column, and reading carries on to find the next.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::number::{self, NumberKind};
use crate::model::yaml::{Node, Value};
use crate::suggest;

/// The three themes of the asset-mapping method, used when a register names none.
pub const DEFAULT_THEMES: [(&str, &str); 3] = [
    ("social", "Social relationships and social capital"),
    ("skills", "Learning new skills and personal qualities"),
    ("wellbeing", "Mental health and wellbeing"),
];

const KEYS: [&str; 13] = [
    "sroi",
    "kind",
    "id",
    "name",
    "area",
    "wave",
    "baseline",
    "assets",
    "survey",
    "script",
    "themes",
    "params",
    "description",
];

/// The register's fields as written.
pub struct Fields {
    pub id: String,
    pub name: String,
    pub area: Option<String>,
    pub wave: Option<String>,
    pub description: Option<String>,
    pub baseline: Option<(String, Span)>,
    pub assets: Option<(String, Span)>,
    pub survey: Option<(String, Span)>,
    pub script: Option<(String, Span)>,
    pub themes: Vec<(String, String)>,
    pub params: Vec<(String, Decimal)>,
}

fn text_of(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.clone()),
        _ => None,
    }
}

/// A register id: `[a-z0-9-]+`, as model ids.
fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A theme id: `[a-z0-9_-]+`.
fn is_theme_id(text: &str) -> bool {
    is_id(&text.replace('_', "-"))
}

pub fn read_fields(file: &Arc<SourceFile>, root: &Node, out: &mut Diagnostics) -> Option<Fields> {
    let Value::Map(entries) = &root.value else {
        out.push(
            Diagnostic::error(format!(
                "a register is a YAML mapping, but this file holds {}",
                root.value.kind()
            ))
            .at(file, root.span)
            .help("start the file with `sroi: 1` and `kind: asset-register`"),
        );
        return None;
    };
    let mut get: BTreeMap<&str, &Node> = BTreeMap::new();
    for (key, value) in entries {
        let Some(k) = key.as_str() else {
            out.push(
                Diagnostic::error("a register key must be text")
                    .at(file, key.span)
                    .help(format!("known keys: {}", KEYS.join(", "))),
            );
            continue;
        };
        if KEYS.contains(&k) {
            get.insert(k, value);
        } else {
            out.push(
                Diagnostic::error(format!("unknown register key `{k}`"))
                    .at(file, key.span)
                    .label("not a register key")
                    .help(
                        suggest::did_you_mean(k, KEYS.iter().copied())
                            .unwrap_or_else(|| format!("known keys: {}", KEYS.join(", "))),
                    ),
            );
        }
    }
    let whole = Span::new(0, 0);
    let missing = |key: &str, example: &str| {
        Diagnostic::error(format!("the register has no `{key}`"))
            .at(file, whole)
            .help(format!("add `{key}: {example}`"))
    };
    match get.get("sroi") {
        Some(n) if text_of(n).as_deref() == Some("1") => {}
        Some(n) => out.push(
            Diagnostic::error("unsupported format version")
                .at(file, n.span)
                .help("this version of sroi reads `sroi: 1`"),
        ),
        None => out.push(missing("sroi", "1")),
    }
    match get.get("kind") {
        Some(n) if n.as_str() == Some("asset-register") => {}
        Some(n) => out.push(
            Diagnostic::error("this file is not an asset register")
                .at(file, n.span)
                .help(
                    "a register has `kind: asset-register`; impact models are run with `sroi run`",
                ),
        ),
        None => out.push(missing("kind", "asset-register")),
    }
    let mut string = |key: &str, required: Option<&str>| -> Option<(String, Span)> {
        match get.get(key) {
            Some(n) => match text_of(n) {
                Some(t) if !t.trim().is_empty() => Some((t, n.span)),
                _ => {
                    out.push(
                        Diagnostic::error(format!(
                            "`{key}` must be text, but it is {}",
                            n.value.kind()
                        ))
                        .at(file, n.span)
                        .help(format!("write `{key}: {}`", required.unwrap_or("…"))),
                    );
                    None
                }
            },
            None => {
                if let Some(example) = required {
                    out.push(missing(key, example));
                }
                None
            }
        }
    };
    let id = string("id", Some("blackpool-cultural-assets"));
    let name = string("name", Some("Cultural assets, Blackpool"));
    let area = string("area", None).map(|(t, _)| t);
    let wave = string("wave", None).map(|(t, _)| t);
    let description = string("description", None).map(|(t, _)| t);
    let baseline = string("baseline", None);
    let assets = string("assets", Some("data/assets.csv"));
    let survey = string("survey", None);
    let script = string("script", None);
    if let Some((id, span)) = &id
        && !is_id(id)
    {
        out.push(
            Diagnostic::error(format!("register id `{id}` has characters ids cannot have"))
                .at(file, *span)
                .help("use lower-case letters, digits and `-`, e.g. `liverpool-inner-city`"),
        );
    }
    let themes = match get.get("themes") {
        None => DEFAULT_THEMES
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
        Some(node) => read_themes(file, node, out),
    };
    let params = match get.get("params") {
        None => Vec::new(),
        Some(node) => read_params(file, node, out),
    };
    Some(Fields {
        id: id?.0,
        name: name?.0,
        area,
        wave,
        description,
        baseline,
        assets,
        survey,
        script,
        themes,
        params,
    })
}

fn read_themes(
    file: &Arc<SourceFile>,
    node: &Node,
    out: &mut Diagnostics,
) -> Vec<(String, String)> {
    let Value::Map(entries) = &node.value else {
        out.push(
            Diagnostic::error(format!("`themes` must be a mapping, but it is {}", node.value.kind()))
                .at(file, node.span)
                .help("write each theme as `id: Label`, e.g. `social: Social relationships and social capital`"),
        );
        return Vec::new();
    };
    let mut themes = Vec::new();
    for (k, v) in entries {
        let Some(id) = text_of(k).filter(|t| is_theme_id(t)) else {
            out.push(
                Diagnostic::error("a theme id must be lower-case letters, digits, `-` or `_`")
                    .at(file, k.span)
                    .help("e.g. `wellbeing: Mental health and wellbeing`"),
            );
            continue;
        };
        match text_of(v) {
            Some(label) => themes.push((id, label)),
            None => out.push(
                Diagnostic::error(format!("theme `{id}` needs a label"))
                    .at(file, v.span)
                    .help(format!("write `{id}: A short description of the theme`")),
            ),
        }
    }
    if themes.is_empty() && entries.is_empty() {
        out.push(
            Diagnostic::error("`themes` is empty")
                .at(file, node.span)
                .help(
                    "name at least one theme, or leave `themes` out for the three default themes",
                ),
        );
    }
    themes
}

fn read_params(
    file: &Arc<SourceFile>,
    node: &Node,
    out: &mut Diagnostics,
) -> Vec<(String, Decimal)> {
    let Value::Map(entries) = &node.value else {
        out.push(
            Diagnostic::error(format!(
                "`params` must be a mapping, but it is {}",
                node.value.kind()
            ))
            .at(file, node.span)
            .help("write each param as `name: number`, e.g. `min_score: 5`"),
        );
        return Vec::new();
    };
    let mut params = Vec::new();
    for (k, v) in entries {
        let Some(name) = k.as_str().filter(|n| {
            n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && n.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        }) else {
            out.push(
                Diagnostic::error("a param name must be a Rhai variable name")
                    .at(file, k.span)
                    .help("use letters, digits and `_`, starting with a letter, e.g. `min_score`"),
            );
            continue;
        };
        let parsed = text_of(v).map(|t| number::parse_literal(&t, NumberKind::Signed));
        match parsed {
            Some(Ok(value)) => params.push((name.to_owned(), value)),
            Some(Err(e)) => out.push(
                Diagnostic::error(format!("param `{name}`: {}", e.message))
                    .at(file, v.span)
                    .help("a param is a number, e.g. `min_score: 5`"),
            ),
            None => out.push(
                Diagnostic::error(format!(
                    "param `{name}` must be a number, but it is {}",
                    v.value.kind()
                ))
                .at(file, v.span)
                .help("a param is a number, e.g. `min_score: 5`"),
            ),
        }
    }
    params
}
