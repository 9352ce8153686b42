//! Reading a register file (`kind: asset-register`): its fields, the paths it names
//! (each confined to the project), its asset and survey tables and its rules script.
//! Every problem in the file is reported in one pass, each at its line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::Asset;
use super::columns;
use super::rules::{self, Rules};
use super::table::{self, RawTable};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::number::{self, NumberKind};
use crate::model::yaml::{self, Node, Value};
use crate::source::{Files, dir_of, unreadable};
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

/// Choices made on the command line.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--set NAME=VALUE`: a register `params` entry for this run.
    pub set: Vec<(String, String)>,
    /// Read only the cells, without compiling or running the rules (`diff` needs no more).
    pub skip_rules: bool,
}

/// A loaded, checked register.
#[derive(Debug)]
pub struct Register {
    /// The register file as named on the command line.
    pub path: PathBuf,
    pub file: Arc<SourceFile>,
    pub id: String,
    pub name: String,
    pub area: Option<String>,
    pub wave: Option<String>,
    pub description: Option<String>,
    /// The earlier wave (`baseline:`), resolved, with where it was written.
    pub baseline: Option<(PathBuf, Span)>,
    /// Theme ids and labels, in the order written.
    pub themes: Vec<(String, String)>,
    /// The asset table's header, in order.
    pub columns: Vec<String>,
    pub assets: Vec<Asset>,
    /// `assets:` as written, for reports.
    pub assets_source: String,
    pub rules: Option<Rules>,
    /// Every file read, for watch mode.
    pub used: Vec<PathBuf>,
}

impl Register {
    pub fn theme_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.themes
            .iter()
            .find(|(t, _)| t == id)
            .map_or(id, |(_, label)| label.as_str())
    }
    pub fn cell<'a>(&self, asset: &'a Asset, column: &str) -> Option<&'a str> {
        super::cell(&self.columns, asset, column)
    }
}

/// Load a register: parse, check, read its tables and compile its rules. On success,
/// warnings (if any) come back beside it.
pub fn load(
    files: &mut dyn Files,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Register, Diagnostics), Diagnostics> {
    let file = files.read(path).map_err(|e| {
        Diagnostics::from(unreadable(path, "the register", &e).help(
            "check the path; registers are YAML files with `kind: asset-register`, e.g. registers/blackpool.yaml",
        ))
    })?;
    let root = match yaml::parse(file.text()) {
        Ok(node) => node,
        Err(e) => {
            let d = Diagnostic::error(format!("YAML syntax: {}", e.message))
                .help("fix the YAML at the marked place (indentation, `key: value`, quotes)");
            let d = match e.span {
                Some(span) => d.at(&file, span),
                None => d.in_file(path),
            };
            return Err(d.into());
        }
    };
    let mut out = Diagnostics::default();
    let fields = read_fields(&file, &root, &mut out);
    let Some(fields) = fields else {
        return Err(out);
    };
    let resolver = Resolver::new(path, &file);
    let mut used = vec![path.to_path_buf()];

    let assets_at = fields.assets.as_ref().map(|(_, span)| *span);
    let raw = match &fields.assets {
        Some((written, span)) => match resolver.table(written, *span) {
            Ok(target) => {
                used.push(target.path.clone());
                match table::read(files, &target) {
                    Ok(raw) => Some(raw),
                    Err(d) => {
                        out.extend(d);
                        None
                    }
                }
            }
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };
    let (columns, assets) = match raw {
        Some(raw) => {
            let columns = raw.columns.clone();
            let assets = columns::check(&raw, &mut out);
            (columns, assets)
        }
        None => (Vec::new(), Vec::new()),
    };
    // A `model` cell names an impact model relative to the register file.
    if let Some(i) = columns.iter().position(|c| c == "model") {
        for asset in &assets {
            if let Some(Some(written)) = asset.cells.get(i)
                && let Err(e) = resolver.existing(written)
            {
                out.push(
                    asset
                        .at
                        .error(format!("asset `{}`: model `{written}` {e}", asset.id))
                        .help(
                            "`model` is the path of an impact model relative to the register file, e.g. ../models/arts-for-health.yaml",
                        ),
                );
            }
        }
    }

    let survey: Option<RawTable> = match &fields.survey {
        Some((written, span)) => match resolver.table(written, *span) {
            Ok(target) => {
                used.push(target.path.clone());
                match table::read(files, &target) {
                    Ok(t) => {
                        check_survey(&t, &assets, *span, &file, &mut out);
                        Some(t)
                    }
                    Err(d) => {
                        out.extend(d);
                        None
                    }
                }
            }
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };

    let params = apply_set(&fields.params, &options.set, &mut out);
    let baseline = match &fields.baseline {
        Some((written, span)) => match resolver.resolve(written, *span) {
            Ok(p) => Some((p, *span)),
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };
    let script = match &fields.script {
        Some((written, span)) => match resolver.resolve(written, *span) {
            Ok(p) => Some(p),
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };
    if out.has_errors() {
        return Err(out);
    }
    let rules = match script {
        Some(script) if !options.skip_rules => {
            used.push(script.clone());
            let setup = rules::Setup {
                script: &script,
                themes: &fields.themes,
                params,
                survey: survey.as_ref(),
            };
            match rules::compile(files, &setup) {
                Ok(r) => Some(r),
                Err(d) => return Err(d),
            }
        }
        _ => None,
    };
    if let Some(r) = &rules {
        used.extend(r.modules());
    }
    let _ = assets_at;
    let register = Register {
        path: path.to_path_buf(),
        file,
        id: fields.id,
        name: fields.name,
        area: fields.area,
        wave: fields.wave,
        description: fields.description,
        baseline,
        themes: fields.themes,
        columns,
        assets,
        assets_source: fields.assets.map(|(w, _)| w).unwrap_or_default(),
        rules,
        used,
    };
    Ok((register, out))
}

/// The survey table needs an `asset` column; a response for an unknown asset is a warning.
fn check_survey(
    survey: &RawTable,
    assets: &[Asset],
    span: Span,
    file: &Arc<SourceFile>,
    out: &mut Diagnostics,
) {
    let Some(col) = survey.columns.iter().position(|c| c == "asset") else {
        out.push(
            Diagnostic::error(format!(
                "the survey table {} has no `asset` column",
                survey.name
            ))
            .at(file, span)
            .help(format!(
                "add a column `asset` holding the id of the asset each response is about; its columns are: {}",
                survey.columns.join(", ")
            )),
        );
        return;
    };
    let ids: std::collections::BTreeSet<&str> = assets.iter().map(|a| a.id.as_str()).collect();
    for row in &survey.rows {
        match row.cells.get(col).and_then(Option::as_deref) {
            Some(id) if ids.contains(id) => {}
            Some(id) => {
                let mut d = row
                    .at
                    .error(format!("survey response for unknown asset `{id}`"))
                    .maybe_help(suggest::did_you_mean(id, ids.iter().copied()));
                d.severity = crate::diagnostic::Severity::Warning;
                out.push(d);
            }
            None => {
                let mut d = row.at.error("survey response without an asset id");
                d.severity = crate::diagnostic::Severity::Warning;
                out.push(d.help("fill in the `asset` column, or remove the row"));
            }
        }
    }
}

/// `params` with `--set` applied; an unknown name or a bad value is an error.
fn apply_set(
    params: &[(String, Decimal)],
    set: &[(String, String)],
    out: &mut Diagnostics,
) -> BTreeMap<String, Decimal> {
    let mut values: BTreeMap<String, Decimal> = params.iter().cloned().collect();
    for (name, text) in set {
        if !values.contains_key(name) {
            let help = suggest::did_you_mean(name, params.iter().map(|(n, _)| n.as_str()))
                .unwrap_or_else(|| {
                    if params.is_empty() {
                        "this register has no `params`; add e.g. `params: { min_score: 5 }`"
                            .to_owned()
                    } else {
                        format!(
                            "params in this register: {}",
                            suggest::one_of(params.iter().map(|(n, _)| n.as_str()))
                        )
                    }
                });
            out.push(
                Diagnostic::error(format!(
                    "--set {name}={text}: the register has no param `{name}`"
                ))
                .help(help),
            );
            continue;
        }
        match number::parse_literal(text, NumberKind::Signed) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(e) => out.push(
                Diagnostic::error(format!("--set {name}={text}: {}", e.message))
                    .help(format!("--set takes a number, e.g. `--set {name}=5`")),
            ),
        }
    }
    values
}

/// The register's fields as written.
struct Fields {
    id: String,
    name: String,
    area: Option<String>,
    wave: Option<String>,
    description: Option<String>,
    baseline: Option<(String, Span)>,
    assets: Option<(String, Span)>,
    survey: Option<(String, Span)>,
    script: Option<(String, Span)>,
    themes: Vec<(String, String)>,
    params: Vec<(String, Decimal)>,
}

fn text_of(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.clone()),
        _ => None,
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn read_fields(file: &Arc<SourceFile>, root: &Node, out: &mut Diagnostics) -> Option<Fields> {
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
        let Some(id) = text_of(k).filter(|t| is_id(t)) else {
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

/// A table named in the register: the resolved file and, for xlsx and GeoPackage, the
/// sheet or layer after `#`.
#[derive(Debug, Clone)]
pub struct TableTarget {
    pub path: PathBuf,
    pub part: Option<String>,
    /// As written in the register, for messages.
    pub written: String,
    pub file: Arc<SourceFile>,
    pub span: Span,
}

/// Resolves paths written in the register, relative to its folder and confined to the
/// project: the folder that holds the register's folder.
pub struct Resolver {
    dir: PathBuf,
    project: Option<PathBuf>,
    file: Arc<SourceFile>,
}

impl Resolver {
    pub fn new(register: &Path, file: &Arc<SourceFile>) -> Self {
        let dir = dir_of(register);
        let base = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        let project = std::fs::canonicalize(&base)
            .ok()
            .map(|d| d.parent().map_or(d.clone(), Path::to_path_buf));
        Resolver {
            dir,
            project,
            file: Arc::clone(file),
        }
    }

    /// The path, if it names an existing regular file inside the project; otherwise why not.
    fn check(&self, written: &str) -> Result<PathBuf, String> {
        let path = self.dir.join(written);
        let real = std::fs::canonicalize(&path).map_err(|_| {
            format!(
                "does not exist (looked for {})",
                crate::diagnostic::display_path(&path)
            )
        })?;
        if let Some(project) = &self.project
            && !real.starts_with(project)
        {
            return Err(
                "resolves outside the project (the folder holding the register's folder), so sroi will not read it"
                    .to_owned(),
            );
        }
        if !real.is_file() {
            return Err("is not a regular file".to_owned());
        }
        Ok(path)
    }

    /// For a `model` cell: `Ok` or why not.
    pub fn existing(&self, written: &str) -> Result<PathBuf, String> {
        self.check(written)
    }

    pub fn resolve(&self, written: &str, span: Span) -> Result<PathBuf, Diagnostic> {
        self.check(written).map_err(|why| {
            Diagnostic::error(format!("`{written}` {why}"))
                .at(&self.file, span)
                .help("paths are relative to the register's folder and must stay inside the project (the folder holding the register's folder)")
        })
    }

    /// `data/assets.csv`, `data/assets.xlsx#Sheet1` or `data/assets.gpkg#assets`.
    pub fn table(&self, written: &str, span: Span) -> Result<TableTarget, Diagnostic> {
        let (file_part, part) = match written.rsplit_once('#') {
            Some((f, p)) if !p.is_empty() => (f, Some(p.to_owned())),
            _ => (written, None),
        };
        let path = self.resolve(file_part, span)?;
        Ok(TableTarget {
            path,
            part,
            written: written.to_owned(),
            file: Arc::clone(&self.file),
            span,
        })
    }
}
