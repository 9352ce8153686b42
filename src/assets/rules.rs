//! A register's rules: Rhai functions `themes(asset)`, `score(asset)` and optional
//! `reason(asset)`, run in the same sandbox as model scripts (exact decimals, no float,
//! limits, `eval` disabled, imports confined to the project's `scripts/` folder).
//!
//! This module is the one place asset rules touch the model script host: `compile`
//! builds the engine with `script::engine::build`, `Rules::call` binds the register's
//! params with `script::bindings`, and errors are worded by `script::errors`.
//! The script is compiled and its top level run once per register; each asset is then
//! rated by calling its functions, with the asset as a map of its cells (text as
//! written, blanks `()`), and `responses(asset)` giving that asset's survey rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rhai::{AST, Array, Dynamic, Engine, Map, Module, Scope};
use rust_decimal::Decimal;

use super::table::RawTable;
use super::{Asset, Rating};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::script::bindings::{self, Bindings};
use crate::script::engine::{self, HostState, Limits};
use crate::script::errors::{self, ErrorContext};
use crate::script::imports::{ScriptsResolver, Sources, project_scripts_root};
use crate::source::{Files, unreadable};

/// What the rules are built from.
pub struct Setup<'a> {
    pub script: &'a Path,
    /// The register's project: a `scripts` folder above it is not its scripts tree.
    pub project: &'a crate::project::roots::Roots,
    pub themes: &'a [(String, String)],
    pub params: BTreeMap<String, Decimal>,
    pub survey: Option<&'a RawTable>,
}

/// The compiled rules of one register.
pub struct Rules {
    engine: Engine,
    file: Arc<SourceFile>,
    /// Script and module sources by the name Rhai knows them by.
    sources: Sources,
    themes: Vec<String>,
    /// Register params (after `--set`), visible to every rule call.
    params: BTreeMap<String, Decimal>,
    /// Where each rule function is defined, for errors about what it returned.
    defined: BTreeMap<String, Span>,
    calls: BTreeMap<&'static str, AST>,
    limits: Limits,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("script", &self.file.name)
            .finish()
    }
}

/// Cells as a Rhai map: text as written, blanks `()`.
pub fn as_map(columns: &[String], cells: &[Option<String>]) -> Map {
    columns
        .iter()
        .zip(cells)
        .map(|(c, v)| {
            let value = match v {
                Some(text) => Dynamic::from(text.clone()),
                None => Dynamic::UNIT,
            };
            (c.as_str().into(), value)
        })
        .collect()
}

/// Survey rows by the asset id in their `asset` column.
fn responses_by_asset(survey: Option<&RawTable>) -> BTreeMap<String, Array> {
    let mut by_asset: BTreeMap<String, Array> = BTreeMap::new();
    let Some(table) = survey else {
        return by_asset;
    };
    let Some(col) = table.columns.iter().position(|c| c == "asset") else {
        return by_asset;
    };
    for row in &table.rows {
        if let Some(Some(id)) = row.cells.get(col) {
            by_asset
                .entry(id.clone())
                .or_default()
                .push(Dynamic::from_map(as_map(&table.columns, &row.cells)));
        }
    }
    by_asset
}

fn definition_span(file: &SourceFile, name: &str) -> Span {
    let needle = format!("fn {name}");
    match file.text().find(&needle) {
        Some(offset) => Span::new(offset, needle.len()),
        None => Span::new(0, 0),
    }
}

/// Build the sandboxed engine, compile the script and run its top level once.
pub fn compile(files: &mut dyn Files, setup: &Setup<'_>) -> Result<Rules, Diagnostics> {
    let file = files.read(setup.script).map_err(|e| {
        Diagnostics::from(unreadable(setup.script, "the rules script", &e).help(
            "`script:` is relative to the register file, e.g. ../scripts/assets/blackpool.rhai",
        ))
    })?;
    let limits = Limits::default();
    let sources: Sources = Arc::new(Mutex::new(BTreeMap::new()));
    let root = project_scripts_root(files.loader().as_ref(), setup.script, setup.project);
    let state = Arc::new(HostState::default());
    let resolver = ScriptsResolver::new(
        files.loader(),
        Some(&root),
        Arc::clone(&sources),
        files.recorder(),
    );
    let mut engine = engine::build(state, resolver, limits);

    let responses = Arc::new(responses_by_asset(setup.survey));
    let by_map = Arc::clone(&responses);
    engine.register_fn("responses", move |asset: Map| -> Array {
        asset
            .get("id")
            .and_then(|id| id.clone().into_string().ok())
            .and_then(|id| by_map.get(&id).cloned())
            .unwrap_or_default()
    });
    engine.register_fn("responses", move |id: &str| -> Array {
        responses.get(id).cloned().unwrap_or_default()
    });

    let mut ast = engine
        .compile(file.text())
        .map_err(|e| Diagnostics::from(errors::script_parse_error(&file, &e)))?;
    ast.set_source(file.name.clone());
    if let Ok(mut s) = sources.lock() {
        s.insert(file.name.clone(), Arc::clone(&file));
    }
    let mut defined = BTreeMap::new();
    let mut problems = Diagnostics::default();
    for (name, required) in [("themes", true), ("score", true), ("reason", false)] {
        let found = ast
            .iter_functions()
            .find(|f| f.name == name && f.params.len() == 1);
        match found {
            Some(_) => {
                defined.insert(name.to_owned(), definition_span(&file, name));
            }
            None if required => problems.push(
                Diagnostic::error(format!("the rules script defines no `{name}(asset)`"))
                    .at(&file, Span::new(0, 0))
                    .help(match name {
                        "themes" => "add `fn themes(asset) { [\"social\"] }`: it returns the ids of the themes an asset serves",
                        _ => "add `fn score(asset) { 1 }`: it returns the number assets are ranked by for evaluation",
                    }),
            ),
            None => {}
        }
    }
    if problems.has_errors() {
        return Err(problems);
    }
    let mut rules = Rules {
        engine: Engine::new_raw(),
        file,
        sources,
        themes: setup.themes.iter().map(|(id, _)| id.clone()).collect(),
        params: setup.params.clone(),
        defined,
        calls: BTreeMap::new(),
        limits,
    };
    // Imports and constants at the top level run once; the functions then stay callable.
    let top_level = crate::script::budget::scope(limits.timeout, limits.memory, || {
        Module::eval_ast_as_new(Scope::new(), &ast, &engine)
    });
    match top_level {
        Ok(module) => {
            engine.register_global_module(module.into());
        }
        Err(e) => {
            let name = rules.file.name.clone();
            return Err(rules.error(&e, Some(&name)).into());
        }
    }
    for name in ["themes", "score", "reason"] {
        if rules.defined.contains_key(name) {
            let call = engine
                .compile_expression(format!("{name}(asset)"))
                .map_err(|e| Diagnostics::from(Diagnostic::error(format!("internal: {e}"))))?;
            rules.calls.insert(name, call);
        }
    }
    rules.engine = engine;
    Ok(rules)
}

fn describe(value: &Dynamic) -> String {
    if value.is_unit() {
        "nothing `()`".to_owned()
    } else if value.is_string() {
        format!("the text \"{value}\"")
    } else {
        format!("{} `{value}`", value.type_name())
    }
}

impl Rules {
    /// Module files the script imported (for watch mode).
    pub fn modules(&self) -> Vec<PathBuf> {
        self.sources
            .lock()
            .map(|s| s.values().map(|f| f.path.clone()).collect())
            .unwrap_or_default()
    }

    fn error(&self, e: &rhai::EvalAltResult, script: Option<&str>) -> Diagnostic {
        let sources = self.sources.lock().map(|s| s.clone()).unwrap_or_default();
        let ctx = ErrorContext {
            sources: &sources,
            tables: &BTreeMap::new(),
            params: self.params.keys().cloned().collect(),
            functions: vec!["responses".to_owned(), "param".to_owned()],
            limits: self.limits,
        };
        errors::runtime_error(e, None, script, &ctx)
    }

    fn call(
        &self,
        name: &'static str,
        asset: &Asset,
        map: &Map,
    ) -> Result<Option<Dynamic>, Diagnostic> {
        let Some(call) = self.calls.get(name) else {
            return Ok(None);
        };
        let mut scope = Scope::new();
        scope.push_constant("asset", map.clone());
        // Params reach rules (as variables and `param()`) through this thread's bindings.
        let mut bound = Bindings {
            params: self.params.clone(),
            ..Bindings::default()
        };
        bindings::with(&mut bound, || {
            self.engine.eval_ast_with_scope::<Dynamic>(&mut scope, call)
        })
        .map(Some)
        .map_err(|e| {
            let mut d = self.error(&e, None);
            // Limits (operations, depth) stop the call without a position: point at
            // the rule function itself.
            if d.file.is_none() {
                let span = self.defined.get(name).copied().unwrap_or_default();
                d = d.at(&self.file, span);
            }
            // A misspelt column: suggest from the asset's own columns (the script host
            // only knows model tables).
            if let Some(column) = d
                .message
                .strip_prefix("no column or property `")
                .and_then(|m| m.strip_suffix('`'))
            {
                let columns: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                let listing = format!(
                    "the asset's columns are: {}; a survey row's are those of the survey table",
                    columns.join(", ")
                );
                let chain = d.help.as_deref().and_then(|h| {
                    h.lines()
                        .find(|l| l.starts_with("call chain:"))
                        .map(str::to_owned)
                });
                let help = match crate::suggest::did_you_mean(column, columns.iter().copied()) {
                    Some(near) => format!("{near} ({listing})"),
                    None => format!(
                        "{listing}. Check with `\"{column}\" in asset` when a column may be missing"
                    ),
                };
                d.help = Some(match chain {
                    Some(c) => format!("{help}\n{c}"),
                    None => help,
                });
            }
            d.message = format!(
                "{name}(asset) for asset `{}` ({}): {}",
                asset.id, asset.at.shown, d.message
            );
            d.help = d.help.map(|h| {
                h.replace(
                    &format!("{name}() called at ?"),
                    &format!("{name}(asset `{}`)", asset.id),
                )
            });
            d
        })
    }

    fn returned(&self, name: &str, asset: &Asset, message: String, help: String) -> Diagnostic {
        let span = self.defined.get(name).copied().unwrap_or_default();
        Diagnostic::error(format!(
            "{name}(asset) for asset `{}` ({}): {message}",
            asset.id, asset.at.shown
        ))
        .at(&self.file, span)
        .help(help)
    }

    /// Run the rules for one asset.
    /// The limits rules run within; one run over a register is one evaluation.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn rate(&self, columns: &[String], asset: &Asset) -> Result<Rating, Diagnostic> {
        let map = as_map(columns, &asset.cells);
        let themes_value = self.call("themes", asset, &map)?.unwrap_or(Dynamic::UNIT);
        let listed: Vec<Dynamic> = if themes_value.is_unit() {
            Vec::new()
        } else if themes_value.is_array() {
            themes_value.into_array().unwrap_or_default()
        } else {
            return Err(self.returned(
                "themes",
                asset,
                format!(
                    "returned {}, not an array of theme ids",
                    describe(&themes_value)
                ),
                format!(
                    "return an array such as `[\"social\", \"wellbeing\"]`; themes: {}",
                    self.themes.join(", ")
                ),
            ));
        };
        let mut served = Vec::new();
        for item in listed {
            let Some(id) = item.clone().into_string().ok() else {
                return Err(self.returned(
                    "themes",
                    asset,
                    format!("returned {} in its array, not a theme id", describe(&item)),
                    format!("theme ids are text: {}", self.themes.join(", ")),
                ));
            };
            if !self.themes.contains(&id) {
                let help =
                    crate::suggest::did_you_mean(&id, self.themes.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("the register's themes are: {}", self.themes.join(", "))
                        });
                return Err(self.returned("themes", asset, format!("unknown theme `{id}`"), help));
            }
            served.push(id);
        }
        let themes: Vec<String> = self
            .themes
            .iter()
            .filter(|t| served.contains(t))
            .cloned()
            .collect();

        let score_value = self.call("score", asset, &map)?.unwrap_or(Dynamic::UNIT);
        let score = if let Ok(d) = score_value.as_decimal() {
            d
        } else if let Ok(i) = score_value.as_int() {
            Decimal::from(i)
        } else {
            return Err(self.returned(
                "score",
                asset,
                format!("returned {}, not a number", describe(&score_value)),
                "return a number, e.g. `2 * themes(asset).len()`; cells are text, so convert with `parse_decimal(asset.visitors)`".to_owned(),
            ));
        };

        let reason = match self.call("reason", asset, &map)? {
            None => None,
            Some(v) if v.is_unit() => None,
            Some(v) if v.is_string() => Some(v.to_string()).filter(|s| !s.trim().is_empty()),
            Some(v) => {
                return Err(self.returned(
                    "reason",
                    asset,
                    format!("returned {}, not text", describe(&v)),
                    "return a short text, e.g. `\"runs weekly groups\"`, or `()` for none"
                        .to_owned(),
                ));
            }
        };
        Ok(Rating {
            themes,
            score,
            reason,
        })
    }
}
