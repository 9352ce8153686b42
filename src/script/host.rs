//! The script host: compiles a model's script and expressions once per load, then
//! evaluates expressions as often as asked.
//!
//! It has two parts. The `Runtime` (engine, the script's module, tables, proxies) depends
//! only on the script and module files, the CSVs, the proxy values and the literal params;
//! watch mode reuses it across reloads while those are unchanged. The compiled
//! expressions belong to one model file and are rebuilt with it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use rhai::{AST, Dynamic, Engine, Module, Scope};
use rust_decimal::Decimal;

use super::engine::{self, HostState, Limits};
use super::errors::{self, ErrorContext, ExpressionSite};
use super::imports::{ScriptsResolver, Sources, scripts_root};
use super::positions;
use super::tables;
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span, display_path};
use crate::model::Model;
use crate::model::number::{self, NumberField, NumberSource};
use crate::proxy::ProxySet;
use crate::source::{Files, dir_of, unreadable};

struct Compiled {
    ast: AST,
    site: ExpressionSite,
}

/// A script function the model's script defines, for `explain` and `functions`.
#[derive(Debug, Clone)]
pub struct ScriptFunction {
    pub name: String,
    pub params: Vec<String>,
    /// `file:line:column` of its definition.
    pub at: String,
}

/// What a runtime was built from; equal keys (and unchanged files) mean it can be reused.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeKey {
    script: Option<PathBuf>,
    data: Vec<(String, PathBuf)>,
    /// Every param name, with its value when it is a literal.
    params: Vec<(String, Option<Decimal>)>,
    proxy_set: String,
    proxies: BTreeMap<String, Decimal>,
    limits: (u64, usize, usize, usize, usize, usize, usize, usize),
}

impl RuntimeKey {
    pub fn of(model: &Model, proxies: &ProxySet, limits: Limits) -> Self {
        let dir = dir_of(&model.file.path);
        RuntimeKey {
            script: model.script.as_ref().map(|s| dir.join(&s.value)),
            data: model
                .data
                .iter()
                .map(|t| (t.name.value.clone(), dir.join(&t.path.value)))
                .collect(),
            params: model
                .params
                .iter()
                .map(|p| (p.name.value.clone(), p.value.literal()))
                .collect(),
            proxy_set: proxies.id.clone(),
            proxies: proxies
                .proxies
                .iter()
                .map(|(k, p)| (k.clone(), p.value))
                .collect(),
            limits: (
                limits.operations,
                limits.call_levels,
                limits.expression_depth,
                limits.function_expression_depth,
                limits.string_size,
                limits.array_size,
                limits.map_size,
                limits.modules,
            ),
        }
    }
}

/// The engine with the script's functions loaded, and what they read.
pub struct Runtime {
    engine: Engine,
    state: Arc<HostState>,
    params: Arc<RwLock<BTreeMap<String, Decimal>>>,
    sources: BTreeMap<String, Arc<SourceFile>>,
    functions: Vec<ScriptFunction>,
    limits: Limits,
    pub key: RuntimeKey,
    /// Every script, module and table file read, with the text it had.
    pub files: Vec<(PathBuf, Arc<str>)>,
}

impl Runtime {
    /// Whether this runtime still matches `key` and the files on disk.
    pub fn still_fits(&self, key: &RuntimeKey, files: &mut dyn Files) -> bool {
        self.key == *key
            && self
                .files
                .iter()
                .all(|(path, text)| files.read(path).is_ok_and(|f| f.text() == &**text))
    }

    /// Read tables, compile the script and run its top level once.
    pub fn load(
        files: &mut dyn Files,
        model: &Model,
        proxies: &ProxySet,
        limits: Limits,
    ) -> Result<Self, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let model_dir = dir_of(&model.file.path);
        let mut read_files: Vec<(PathBuf, Arc<str>)> = Vec::new();

        let mut tables = BTreeMap::new();
        for t in &model.data {
            let path = model_dir.join(&t.path.value);
            match files.read(&path) {
                Ok(file) => {
                    read_files.push((path.clone(), Arc::from(file.text())));
                    match tables::read(&t.name.value, &file) {
                        Ok(table) => {
                            tables.insert(t.name.value.clone(), table);
                        }
                        Err(d) => diagnostics.push(d),
                    }
                }
                Err(e) => diagnostics.push(
                    Diagnostic::error(format!(
                        "{} ({})",
                        unreadable(&path, "the data table", &e).message,
                        display_path(&path)
                    ))
                    .at(&model.file, t.path.span)
                    .help("paths in a model are relative to the model file's folder"),
                ),
            }
        }

        let literal_params: BTreeMap<String, Decimal> = model
            .params
            .iter()
            .filter_map(|p| Some((p.name.value.clone(), p.value.literal()?)))
            .collect();
        let params = Arc::new(RwLock::new(literal_params));
        let state = Arc::new(HostState {
            params: Arc::clone(&params),
            proxies: proxies
                .proxies
                .iter()
                .map(|(k, p)| (k.clone(), p.value))
                .collect(),
            proxy_set: proxies.id.clone(),
            tables,
        });

        let script_path = model.script.as_ref().map(|s| model_dir.join(&s.value));
        let root = script_path.as_deref().map(scripts_root);
        let module_sources: Sources = Arc::new(Mutex::new(BTreeMap::new()));
        let resolver = ScriptsResolver::new(
            root.as_deref(),
            Arc::clone(&module_sources),
            files.recorder(),
        )
        .max_modules(limits.modules);
        let mut engine = engine::build(Arc::clone(&state), resolver, limits);

        let mut sources = BTreeMap::new();
        let mut functions = Vec::new();
        let mut script_ast = None;
        if let Some(path) = &script_path {
            match files.read(path) {
                Ok(file) => {
                    read_files.push((path.clone(), Arc::from(file.text())));
                    if let Some((at, why)) = positions::beyond_positions(file.text()) {
                        diagnostics.push(
                            Diagnostic::error(why)
                                .at(&file, Span::new(at, 0))
                                .help(positions::HELP),
                        );
                        return Err(diagnostics);
                    }
                    match engine.compile(file.text()) {
                        Ok(mut ast) => {
                            ast.set_source(file.name.clone());
                            functions = script_functions(&ast, &file);
                            sources.insert(file.name.clone(), Arc::clone(&file));
                            script_ast = Some(ast);
                        }
                        Err(e) => diagnostics.push(errors::script_parse_error(&file, &e)),
                    }
                }
                Err(e) => {
                    let at = model.script.as_ref().map_or(Span::new(0, 0), |s| s.span);
                    diagnostics.push(
                        Diagnostic::error(format!(
                            "{} ({})",
                            unreadable(path, "the script", &e).message,
                            display_path(path)
                        ))
                        .at(&model.file, at)
                        .help("paths in a model are relative to the model file's folder"),
                    );
                }
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }

        let mut runtime = Runtime {
            engine: Engine::new_raw(),
            state,
            params,
            sources,
            functions,
            limits,
            key: RuntimeKey::of(model, proxies, limits),
            files: read_files,
        };
        // Run the script's top level once: its imports and constants, then its functions
        // become callable from every expression without running it again.
        if let Some(ast) = script_ast {
            let result = Module::eval_ast_as_new(Scope::new(), &ast, &engine);
            runtime.absorb_module_sources(&module_sources);
            match result {
                Ok(module) => {
                    engine.register_global_module(module.into());
                }
                Err(e) => {
                    let script = ast.source().map(str::to_owned);
                    return Err(errors::runtime_error(
                        &e,
                        None,
                        script.as_deref(),
                        &runtime.error_context(),
                    )
                    .into());
                }
            }
        }
        runtime.engine = engine;
        Ok(runtime)
    }

    fn absorb_module_sources(&mut self, modules: &Sources) {
        if let Ok(m) = modules.lock() {
            for (name, file) in m.iter() {
                self.files.push((file.path.clone(), Arc::from(file.text())));
                self.sources.insert(name.clone(), Arc::clone(file));
            }
        }
    }

    fn error_context(&self) -> ErrorContext<'_> {
        let mut functions: Vec<String> = self.functions.iter().map(|f| f.name.clone()).collect();
        functions.extend(["proxy", "param", "table"].map(String::from));
        ErrorContext {
            sources: &self.sources,
            tables: &self.state.tables,
            params: self
                .params
                .read()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
            functions,
            limits: self.limits,
        }
    }
}

/// A runtime plus one model file's compiled expressions.
pub struct ScriptHost {
    runtime: Arc<Runtime>,
    expressions: BTreeMap<usize, Compiled>,
}

impl std::fmt::Debug for ScriptHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptHost")
            .field("expressions", &self.expressions.len())
            .finish_non_exhaustive()
    }
}

/// A number from a script: integers and decimals are both fine.
pub fn to_decimal(value: &Dynamic) -> Result<Decimal, String> {
    if let Ok(d) = value.as_decimal() {
        return Ok(d);
    }
    if let Ok(i) = value.as_int() {
        return Ok(Decimal::from(i));
    }
    if value.is_unit() {
        return Err("nothing (`()`)".to_owned());
    }
    Err(format!("a {} instead of a number", value.type_name()))
}

impl ScriptHost {
    /// Read tables, compile the script and every expression, run the script's top level
    /// once, and evaluate `params` in order. Reports every problem found.
    pub fn load(
        files: &mut dyn Files,
        model: &Model,
        proxies: &ProxySet,
    ) -> Result<Self, Diagnostics> {
        Self::load_reusing(files, model, proxies, Limits::default(), None)
    }

    /// As `load`, reusing `previous` runtime when nothing it was built from has changed.
    pub fn load_reusing(
        files: &mut dyn Files,
        model: &Model,
        proxies: &ProxySet,
        limits: Limits,
        previous: Option<&Arc<Runtime>>,
    ) -> Result<Self, Diagnostics> {
        let key = RuntimeKey::of(model, proxies, limits);
        let runtime = match previous {
            Some(r) if r.still_fits(&key, files) => Arc::clone(r),
            _ => Arc::new(Runtime::load(files, model, proxies, limits)?),
        };

        // Compile every expression, to report all syntax errors in one run.
        let mut diagnostics = Diagnostics::default();
        let mut expressions = BTreeMap::new();
        for (_, field) in model.number_fields() {
            let (NumberSource::Expression(text), Some(span)) = (&field.source, field.span) else {
                continue;
            };
            let site = ExpressionSite::new(&model.file, span, text);
            if let Some((_, why)) = positions::beyond_positions(text) {
                diagnostics.push(
                    Diagnostic::error(format!("expression: {}", why.replace("the script", "the expression")))
                        .at(&model.file, span)
                        .help("move the calculation into a function in the model's script, and call it here"),
                );
                continue;
            }
            match runtime.engine.compile_expression(text) {
                Ok(ast) => {
                    expressions.insert(span.offset, Compiled { ast, site });
                }
                Err(e) => diagnostics.push(errors::expression_parse_error(&site, &e)),
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let host = ScriptHost {
            runtime,
            expressions,
        };
        // A reused runtime still holds the last load's computed params: start again from
        // this model's literals, so a param can only see the ones above it.
        if let Ok(mut params) = host.runtime.params.write() {
            *params = model
                .params
                .iter()
                .filter_map(|p| Some((p.name.value.clone(), p.value.literal()?)))
                .collect();
        }

        // Params in order: each may use the ones before it.
        for p in &model.params {
            match &p.value.source {
                NumberSource::Expression(_) => {
                    match host.evaluate(&p.value, &format!("params.{}", p.name.value)) {
                        Ok(value) => host.set_param(&p.name.value, value),
                        Err(d) => diagnostics.push(d),
                    }
                }
                _ => {
                    if let Some(value) = p.value.literal() {
                        host.set_param(&p.name.value, value);
                    }
                }
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(host)
    }

    fn set_param(&self, name: &str, value: Decimal) {
        if let Ok(mut params) = self.runtime.params.write() {
            params.insert(name.to_owned(), value);
        }
    }

    /// Evaluate one expression field (compiled at load). `what` names the field in
    /// messages, e.g. `quantity`.
    pub fn evaluate(&self, field: &NumberField, what: &str) -> Result<Decimal, Diagnostic> {
        let Some(compiled) = field.span.and_then(|s| self.expressions.get(&s.offset)) else {
            return Err(Diagnostic::error(
                "internal: expression was not compiled at load",
            ));
        };
        let runtime = &self.runtime;
        let value = runtime
            .engine
            .eval_ast::<Dynamic>(&compiled.ast)
            .map_err(|e| {
                errors::runtime_error(&e, Some(&compiled.site), None, &runtime.error_context())
            })?;
        let text = match &field.source {
            NumberSource::Expression(t) => t.as_str(),
            _ => "",
        };
        let value = to_decimal(&value).map_err(|got| {
            Diagnostic::error(format!("`{what}`: the expression `= {text}` gave {got}"))
                .at(&compiled.site.file, compiled.site.span)
                .help("an expression in a number field must give a number")
        })?;
        number::check_computed(value, field.kind).map_err(|p| {
            Diagnostic::error(format!("`{what}`: the expression `= {text}` {}", p.message))
                .at(&compiled.site.file, compiled.site.span)
                .help(p.help)
        })?;
        Ok(value)
    }

    /// Params after evaluation, by name.
    pub fn params(&self) -> BTreeMap<String, Decimal> {
        self.runtime
            .params
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    pub fn functions(&self) -> &[ScriptFunction] {
        &self.runtime.functions
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// Every script, module and table file the runtime read.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.runtime.files.iter().map(|(p, _)| p)
    }
}

fn script_functions(ast: &AST, file: &SourceFile) -> Vec<ScriptFunction> {
    // One pass over the text for every definition, not one search per function: a
    // script of 50,000 functions took 17 s.
    let definitions = definitions(file.text());
    let mut out: Vec<ScriptFunction> = ast
        .iter_functions()
        // Closures (`|r| ...`) are compiled to anonymous functions; they are not the
        // script's named functions.
        .filter(|f| !f.name.starts_with("anon$"))
        .map(|f| {
            let at = definitions
                .get(f.name)
                .map_or_else(|| file.name.clone(), |&i| file.locate(Span::new(i, 0)));
            ScriptFunction {
                name: f.name.to_string(),
                params: f.params.iter().map(|p| p.to_string()).collect(),
                at,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Byte offset of the first `fn name(` of each name in a script: whole names only,
/// found in one pass.
fn definitions(text: &str) -> HashMap<&str, usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = HashMap::new();
    for (i, _) in text.match_indices("fn") {
        let before_ok = text.get(..i).is_some_and(|b| !b.ends_with(is_ident));
        let rest = text.get(i.saturating_add(2)..).unwrap_or_default();
        let name_part = rest.trim_start();
        if !before_ok || name_part.len() == rest.len() {
            continue;
        }
        let name_len = name_part
            .find(|c: char| !is_ident(c))
            .unwrap_or(name_part.len());
        let (name, after) = name_part.split_at(name_len);
        if !name.is_empty() && after.trim_start().starts_with('(') {
            found.entry(name).or_insert(i);
        }
    }
    found
}

/// Byte offset of `fn name(` in a script: the whole name, not a longer one it starts.
#[cfg(test)]
fn definition(text: &str, name: &str) -> Option<usize> {
    definitions(text).get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::super::engine::documented_functions;

    #[test]
    fn a_definition_is_found_by_its_whole_name() {
        let text = "fn no_longer_lonely_rows(r) { r }\n\nfn no_longer_lonely (r) { 1 }\n";
        assert_eq!(
            super::definition(text, "no_longer_lonely"),
            text.find("fn no_longer_lonely (")
        );
        assert_eq!(super::definition(text, "no_longer_lonely_rows"), Some(0));
        assert_eq!(super::definition(text, "lonely"), None);
    }

    #[test]
    fn the_engine_documents_the_functions_it_registers() {
        let docs = documented_functions();
        let names: Vec<&str> = docs.iter().map(|d| d.signature.as_str()).collect();
        assert!(names.iter().any(|s| s.starts_with("proxy(")), "{names:?}");
        assert!(names.iter().any(|s| s.starts_with("param(")), "{names:?}");
        assert!(names.iter().any(|s| s.starts_with("table(")), "{names:?}");
        assert!(docs.iter().all(|d| !d.doc.is_empty()), "{docs:?}");
    }
}
