//! The script host: compiles a model's script and expressions once per load, then
//! evaluates expressions as often as asked.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use rhai::{AST, Dynamic, Engine, Module, Scope};
use rust_decimal::Decimal;

use super::engine::{self, HostState, Limits};
use super::errors::{self, ErrorContext, ExpressionSite};
use super::imports::{ScriptsResolver, Sources, scripts_root};
use super::tables::{self, Table};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, display_path};
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

pub struct ScriptHost {
    engine: Engine,
    state: Arc<HostState>,
    params: Arc<RwLock<BTreeMap<String, Decimal>>>,
    sources: BTreeMap<String, Arc<SourceFile>>,
    expressions: BTreeMap<usize, Compiled>,
    functions: Vec<ScriptFunction>,
    limits: Limits,
    /// Every script, module and table file read.
    pub files: Vec<std::path::PathBuf>,
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
        Self::load_with(files, model, proxies, Limits::default())
    }

    pub fn load_with(
        files: &mut dyn Files,
        model: &Model,
        proxies: &ProxySet,
        limits: Limits,
    ) -> Result<Self, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let model_dir = dir_of(&model.file.path);
        let mut read_files = Vec::new();

        let mut tables = BTreeMap::new();
        for t in &model.data {
            let path = model_dir.join(&t.path.value);
            read_files.push(path.clone());
            match files.read(&path) {
                Ok(file) => match tables::read(&t.name.value, &file) {
                    Ok(table) => {
                        tables.insert(t.name.value.clone(), table);
                    }
                    Err(d) => diagnostics.push(d),
                },
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
        let resolver = ScriptsResolver::new(root.as_deref(), Arc::clone(&module_sources));
        let mut engine = engine::build(Arc::clone(&state), resolver, limits);

        let mut sources = BTreeMap::new();
        let mut functions = Vec::new();
        let mut script_ast = None;
        if let Some(path) = &script_path {
            read_files.push(path.clone());
            match files.read(path) {
                Ok(file) => match engine.compile(file.text()) {
                    Ok(mut ast) => {
                        ast.set_source(file.name.clone());
                        functions = script_functions(&ast, &file);
                        sources.insert(file.name.clone(), Arc::clone(&file));
                        script_ast = Some(ast);
                    }
                    Err(e) => diagnostics.push(errors::script_parse_error(&file, &e)),
                },
                Err(e) => {
                    let at = model
                        .script
                        .as_ref()
                        .map_or(crate::diagnostic::Span::new(0, 0), |s| s.span);
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

        // Compile every expression, whatever else failed, to report all syntax errors.
        let mut expressions = BTreeMap::new();
        for (_, field) in model.number_fields() {
            let (NumberSource::Expression(text), Some(span)) = (&field.source, field.span) else {
                continue;
            };
            let site = ExpressionSite::new(&model.file, span, text);
            match engine.compile_expression(text) {
                Ok(ast) => {
                    expressions.insert(span.offset, Compiled { ast, site });
                }
                Err(e) => diagnostics.push(errors::expression_parse_error(&site, &e)),
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }

        let mut host = ScriptHost {
            engine: Engine::new_raw(),
            state,
            params,
            sources,
            expressions,
            functions,
            limits,
            files: read_files,
        };
        // Run the script's top level once: its imports and constants, then its functions
        // become callable from every expression without running it again.
        if let Some(ast) = script_ast {
            match Module::eval_ast_as_new(Scope::new(), &ast, &engine) {
                Ok(module) => {
                    engine.register_global_module(module.into());
                }
                Err(e) => {
                    host.absorb_module_sources(&module_sources);
                    let script = ast.source().map(str::to_owned);
                    return Err(errors::runtime_error(
                        &e,
                        None,
                        script.as_deref(),
                        &host.error_context(),
                    )
                    .into());
                }
            }
        }
        host.absorb_module_sources(&module_sources);
        host.engine = engine;

        // Params in order: each may use the ones before it.
        for p in &model.params {
            if let NumberSource::Expression(_) = p.value.source {
                match host.evaluate(&p.value, &format!("params.{}", p.name.value)) {
                    Ok(value) => {
                        if let Ok(mut params) = host.params.write() {
                            params.insert(p.name.value.clone(), value);
                        }
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(host)
    }

    fn absorb_module_sources(&mut self, modules: &Sources) {
        if let Ok(m) = modules.lock() {
            for (name, file) in m.iter() {
                self.files.push(file.path.clone());
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
            params: Vec::new(),
            functions,
            limits: self.limits,
        }
    }

    /// Evaluate one expression field (compiled at load).
    /// `what` names the field in messages, e.g. `quantity`.
    pub fn evaluate(&self, field: &NumberField, what: &str) -> Result<Decimal, Diagnostic> {
        let Some(compiled) = field.span.and_then(|s| self.expressions.get(&s.offset)) else {
            return Err(Diagnostic::error(
                "internal: expression was not compiled at load",
            ));
        };
        let value = self
            .engine
            .eval_ast::<Dynamic>(&compiled.ast)
            .map_err(|e| {
                let names: Vec<String> = self
                    .params
                    .read()
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                let mut ctx = self.error_context();
                ctx.params = names.iter().map(String::as_str).collect();
                errors::runtime_error(&e, Some(&compiled.site), None, &ctx)
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

    /// Params after evaluation, in name order.
    pub fn params(&self) -> BTreeMap<String, Decimal> {
        self.params.read().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn functions(&self) -> &[ScriptFunction] {
        &self.functions
    }

    pub fn tables(&self) -> &BTreeMap<String, Table> {
        &self.state.tables
    }

    /// Compiled expressions (for benchmarks and tests).
    pub fn expression_count(&self) -> usize {
        self.expressions.len()
    }
}

fn script_functions(ast: &AST, file: &SourceFile) -> Vec<ScriptFunction> {
    let mut out: Vec<ScriptFunction> = ast
        .iter_functions()
        .map(|f| {
            let pattern = format!("fn {}", f.name);
            let at = file.text().find(&pattern).map_or_else(
                || file.name.clone(),
                |i| file.locate(crate::diagnostic::Span::new(i, 0)),
            );
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

#[cfg(test)]
mod tests {
    use super::super::engine::documented_functions;

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
