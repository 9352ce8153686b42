//! The script host: compiles a model's script and expressions once per load; each
//! evaluation then calls them with its own params and proxy values (`Bindings`).
//!
//! It has two parts. The `Runtime` (engine, the script's module, tables) depends only on
//! the script and module files and the CSVs; watch mode reuses it across reloads while
//! those are unchanged. The compiled expressions belong to one model file and are rebuilt
//! with it. Neither holds a figure that an evaluation may change, so both are shared,
//! read-only, by every evaluation on every thread.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rhai::{AST, Dynamic, Engine, Module, Scope};
use rust_decimal::Decimal;

use super::bindings::{self, Bindings};
use super::budget;
use super::engine::{self, HostState, Limits};
use super::errors::{self, ErrorContext, ExpressionSite};
use super::imports::{ScriptsResolver, Sources, project_scripts_root};
use super::lint;
use super::locate;
use super::positions;
use super::table::{self, TableData, TableWarning};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span, display_path};
use crate::model::Model;
use crate::model::number::{self, NumberField, NumberSource};
use crate::source::{Files, MAX_FILE_BYTES, dir_of, unreadable};

struct Compiled {
    ast: AST,
    site: ExpressionSite,
    /// `file:line:column` of the expression, for `print` and traces.
    at: String,
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
    limits: Limits,
    /// `--max-table-size`: a table refused under one limit may be read under another.
    max_table: u64,
}

impl RuntimeKey {
    /// The same key with every path resolved (links followed, `..` folded), so models
    /// that name one script or table by different relative paths share one runtime.
    /// A path that cannot be resolved (a missing file) is kept as written.
    pub fn canonical(&self) -> Self {
        let resolve = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        RuntimeKey {
            script: self.script.as_ref().map(resolve),
            data: self
                .data
                .iter()
                .map(|(name, p)| (name.clone(), resolve(p)))
                .collect(),
            limits: self.limits,
            max_table: self.max_table,
        }
    }

    pub fn of(model: &Model, limits: Limits, max_table: u64) -> Self {
        let dir = dir_of(&model.file.path);
        RuntimeKey {
            script: model.script.as_ref().map(|s| dir.join(&s.value)),
            data: model
                .data
                .iter()
                .map(|t| (t.name.value.clone(), dir.join(&t.path.value)))
                .collect(),
            limits,
            max_table,
        }
    }
}

/// The engine with the script's functions loaded, and what they read.
pub struct Runtime {
    engine: Engine,
    state: Arc<HostState>,
    sources: BTreeMap<String, Arc<SourceFile>>,
    functions: Vec<ScriptFunction>,
    limits: Limits,
    pub key: RuntimeKey,
    /// Every script, module and table file read, with the text it had.
    pub files: Vec<(PathBuf, Arc<str>)>,
    /// Warnings about the scripts (comparisons with a text no row has).
    pub lints: Vec<Diagnostic>,
}

impl Runtime {
    /// Whether this runtime still matches `key` and the files on disk.
    pub fn still_fits(&self, key: &RuntimeKey, files: &mut dyn Files) -> bool {
        self.key == *key && self.files_unchanged(files)
    }

    /// Whether every script, module and table it read still has the text it had.
    pub fn files_unchanged(&self, files: &mut dyn Files) -> bool {
        self.files
            .iter()
            .all(|(path, text)| files.read(path).is_ok_and(|f| f.text() == &**text))
    }

    /// Read tables (each of at most `max_table` bytes), compile the script and run its top
    /// level once.
    pub fn load(
        files: &mut dyn Files,
        model: &Model,
        limits: Limits,
        max_table: u64,
    ) -> Result<Self, Diagnostics> {
        let mut diagnostics = Diagnostics::default();
        let model_dir = dir_of(&model.file.path);
        let mut read_files: Vec<(PathBuf, Arc<str>)> = Vec::new();

        let mut tables = BTreeMap::new();
        for t in &model.data {
            let path = model_dir.join(&t.path.value);
            match load_table(files, &t.name.value, &path, max_table) {
                Ok((table, text)) => {
                    // A table too large for `files` has no text here; an empty text never
                    // matches a re-read, so a runtime holding it is rebuilt on every load
                    // rather than reused with stale rows.
                    read_files.push((path.clone(), text.unwrap_or_else(|| Arc::from(""))));
                    tables.insert(t.name.value.clone(), Arc::new(table));
                }
                Err(TableProblem::InCsv(d)) => diagnostics.push(d),
                Err(TableProblem::TooLarge(size)) => diagnostics.push(
                    Diagnostic::error(format!(
                        "data table `{}` ({}) is {size} bytes, over the limit of {max_table} bytes",
                        t.name.value,
                        display_path(&path)
                    ))
                    .code("sroi::table::size")
                    .at(&model.file, t.path.span)
                    .label("too large to read")
                    .help(format!(
                        "raise the limit with `--max-table-size`, e.g. --max-table-size {}MB (the default is 2GiB)",
                        size.div_ceil(1_000_000)
                    )),
                ),
                Err(TableProblem::Unreadable(e)) => diagnostics.push(
                    Diagnostic::error(format!(
                        "{} ({})",
                        unreadable(&path, "the data table", &e).message,
                        display_path(&path)
                    ))
                    .code("sroi::file")
                    .at(&model.file, t.path.span)
                    .help("paths in a model are relative to the model file's folder"),
                ),
            }
        }
        let state = Arc::new(HostState { tables });

        let script_path = model.script.as_ref().map(|s| model_dir.join(&s.value));
        let project = crate::project::roots::Roots::of(
            files.loader().as_ref(),
            &model.file.path,
            crate::project::roots::Owner::Model,
            &[],
        );
        let root = script_path
            .as_deref()
            .map(|s| project_scripts_root(files.loader().as_ref(), s, &project));
        let module_sources: Sources = Arc::new(Mutex::new(BTreeMap::new()));
        let resolver = ScriptsResolver::new(
            files.loader(),
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
                        .code("sroi::script")
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
            sources,
            functions,
            limits,
            key: RuntimeKey::of(model, limits, max_table),
            files: read_files,
            lints: Vec::new(),
        };
        // Run the script's top level once: its imports and constants, then its functions
        // become callable from every expression without running it again.
        if let Some(ast) = script_ast {
            // The top level is an evaluation of its own, with the whole time and memory.
            let result = budget::scope(limits.timeout, limits.memory, || {
                Module::eval_ast_as_new(Scope::new(), &ast, &engine)
            });
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
                        &runtime.error_context(Vec::new()),
                    )
                    .into());
                }
            }
        }
        runtime.engine = engine;
        runtime.lints = runtime
            .sources
            .values()
            .flat_map(|file| lint::check(file, file.text(), 0, &runtime.column_values()))
            .collect();
        Ok(runtime)
    }

    /// For the lint: each table's distinct texts in a column.
    fn column_values(
        &self,
    ) -> impl Fn(&str) -> Vec<(String, std::collections::BTreeSet<String>)> + '_ {
        |column| {
            self.state
                .tables
                .iter()
                .filter_map(|(name, t)| Some((name.clone(), t.distinct_text(column)?)))
                .collect()
        }
    }

    fn absorb_module_sources(&mut self, modules: &Sources) {
        if let Ok(m) = modules.lock() {
            for (name, file) in m.iter() {
                self.files.push((file.path.clone(), Arc::from(file.text())));
                self.sources.insert(name.clone(), Arc::clone(file));
            }
        }
    }

    /// The limits its evaluations run within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn error_context(&self, params: Vec<String>) -> ErrorContext<'_> {
        let mut functions: Vec<String> = self.functions.iter().map(|f| f.name.clone()).collect();
        functions.extend(["proxy", "param", "table"].map(String::from));
        ErrorContext {
            sources: &self.sources,
            tables: &self.state.tables,
            params,
            functions,
            limits: self.limits,
        }
    }
}

enum TableProblem {
    Unreadable(std::io::Error),
    /// Larger than `--max-table-size` allows: its size in bytes.
    TooLarge(u64),
    InCsv(Diagnostic),
}

/// Read one data table of at most `max` bytes (`--max-table-size`). Files up to the
/// 16 MiB input cap go through `files` (so watch mode sees their content); larger ones,
/// up to the table limit, are streamed from disk and are re-read on every load.
fn load_table(
    files: &mut dyn Files,
    name: &str,
    path: &std::path::Path,
    max: u64,
) -> Result<(TableData, Option<Arc<str>>), TableProblem> {
    // Through the loader, like every other file: a table over the 16 MiB text cap is
    // streamed from it rather than held as text.
    let loader = files.loader();
    let size = loader.size(path).ok();
    if let Some(size) = size.filter(|&s| s > max) {
        return Err(TableProblem::TooLarge(size));
    }
    if size.is_some_and(|len| len > MAX_FILE_BYTES) {
        if let Some(recorder) = files.recorder()
            && let Ok(mut seen) = recorder.lock()
        {
            seen.insert(path.to_path_buf());
        }
        let origin = display_path(path);
        // Fail on the file itself (too large, not a regular file) before parsing.
        drop(loader.open(path, max).map_err(TableProblem::Unreadable)?);
        return table::load::parse_reader(name, &origin, || loader.open(path, max))
            .map(|t| (t, None))
            .map_err(|e| TableProblem::InCsv(csv_error_in_large_file(path, &e)));
    }
    let file = files.read(path).map_err(TableProblem::Unreadable)?;
    // It may have grown since its size was taken.
    let read = u64::try_from(file.text().len()).unwrap_or(u64::MAX);
    if read > max {
        return Err(TableProblem::TooLarge(read));
    }
    match table::load::parse(name, &file.name, file.text().as_bytes()) {
        Ok(t) => Ok((t, Some(Arc::from(file.text())))),
        Err(e) => Err(TableProblem::InCsv(csv_error(&file, &e))),
    }
}

/// A CSV problem, marked on its line.
fn csv_error(file: &Arc<SourceFile>, e: &table::LoadError) -> Diagnostic {
    let text = file.text();
    let start = usize::try_from(e.byte)
        .ok()
        .filter(|&b| b <= text.len())
        .unwrap_or_else(|| crate::diagnostic::offset_of(text, e.line, 1));
    let len = text
        .get(start..)
        .map_or(0, |rest| rest.find('\n').unwrap_or(rest.len()));
    Diagnostic::error(e.message.clone())
        .at(file, Span::new(start, len))
        .help(e.help.clone())
}

/// A CSV problem in a table too large to quote: file and line in the message.
fn csv_error_in_large_file(path: &std::path::Path, e: &table::LoadError) -> Diagnostic {
    Diagnostic::error(format!("{}:{}: {}", display_path(path), e.line, e.message))
        .in_file(path)
        .help(e.help.clone())
}

/// A table warning, placed at the call that raised it.
fn table_warning(w: &TableWarning, sources: &BTreeMap<String, Arc<SourceFile>>) -> Diagnostic {
    let d = Diagnostic::warning(w.message.clone()).help(w.help.clone());
    match (w.source.as_ref().and_then(|s| sources.get(s)), w.line) {
        (Some(file), Some(line)) => {
            let offset = crate::diagnostic::offset_of(
                file.text(),
                line as u64,
                w.column.unwrap_or(1) as u64,
            );
            d.at(file, Span::new(offset, 0))
        }
        _ => d,
    }
}

/// A runtime plus one model file's compiled expressions.
pub struct ScriptHost {
    runtime: Arc<Runtime>,
    expressions: BTreeMap<usize, Compiled>,
    /// Warnings about the YAML expressions (see `lint`).
    lints: Vec<Diagnostic>,
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
    /// Read tables, compile the script and every expression, and run the script's top
    /// level once. Reports every problem found.
    pub fn load(files: &mut dyn Files, model: &Model) -> Result<Self, Diagnostics> {
        Self::load_reusing(
            files,
            model,
            Limits::default(),
            table::DEFAULT_MAX_TABLE_BYTES,
            None,
        )
    }

    /// As `load`, reusing `previous` runtime when nothing it was built from has changed.
    pub fn load_reusing(
        files: &mut dyn Files,
        model: &Model,
        limits: Limits,
        max_table: u64,
        previous: Option<&Arc<Runtime>>,
    ) -> Result<Self, Diagnostics> {
        let key = RuntimeKey::of(model, limits, max_table);
        let runtime = match previous {
            Some(r) if r.still_fits(&key, files) => Arc::clone(r),
            _ => Arc::new(Runtime::load(files, model, limits, max_table)?),
        };
        Self::with_runtime(model, runtime)
    }

    /// Compile the model's expressions against a runtime built (or shared) beforehand.
    pub fn with_runtime(model: &Model, runtime: Arc<Runtime>) -> Result<Self, Diagnostics> {
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
                    let at = model.file.locate(span);
                    expressions.insert(span.offset, Compiled { ast, site, at });
                }
                Err(e) => diagnostics.push(errors::expression_parse_error(&site, &e)),
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let values = runtime.column_values();
        let mut lints = Vec::new();
        for (_, field) in model.number_fields() {
            let (NumberSource::Expression(text), Some(span)) = (&field.source, field.span) else {
                continue;
            };
            let Some(compiled) = expressions.get(&span.offset) else {
                continue;
            };
            for c in lint::comparisons(text) {
                let start = text.get(..c.span.offset).map_or(0, |t| t.chars().count());
                let len = text
                    .get(c.span.offset..c.span.end())
                    .map_or(0, |t| t.chars().count());
                let span = compiled.site.span_of_chars(start, len);
                let one = lint::Comparison { span, ..c };
                lints.extend(lint::warnings_for(&compiled.site.file, &one, &values));
            }
        }
        drop(values);
        Ok(ScriptHost {
            runtime,
            expressions,
            lints,
        })
    }

    /// Evaluate one expression field (compiled at load) with `bindings` visible to it.
    /// `what` names the field in messages, e.g. `quantity`. Afterwards `bindings.reads`
    /// lists the params and proxies it read.
    pub fn evaluate(
        &self,
        field: &NumberField,
        what: &str,
        bindings: &mut Bindings,
    ) -> Result<Decimal, Diagnostic> {
        let Some(compiled) = field.span.and_then(|s| self.expressions.get(&s.offset)) else {
            return Err(Diagnostic::error(
                "internal: expression was not compiled at load",
            ));
        };
        let runtime = &self.runtime;
        bindings.reads.clear();
        // `print` from the expression says `FILE:LINE`, as from a script (`at` has a column too).
        let line = compiled
            .at
            .rsplit_once(':')
            .map_or(compiled.at.as_str(), |(l, _)| l);
        line.clone_into(&mut bindings.site);
        let run = || runtime.engine.eval_ast::<Dynamic>(&compiled.ast);
        let limits = runtime.limits;
        // Part of the evaluation that called it (`Resolver::figures`), if any.
        let value = budget::scope(limits.timeout, limits.memory, || {
            bindings::with(bindings, || {
                locate::counting(run).map_err(|e| {
                    // A limit names only this expression: find the place in the script.
                    let place = locate::is_unlocated_limit(&e)
                        .then(|| locate::relocate(run))
                        .flatten();
                    (e, place)
                })
            })
        })
        .map_err(|(e, place)| {
            let params = bindings.params.keys().cloned().collect();
            let ctx = runtime.error_context(params);
            match place {
                Some(place) => errors::limit_error(&e, &place, &compiled.site, &ctx),
                None => errors::runtime_error(&e, Some(&compiled.site), None, &ctx),
            }
        })?;
        let text = match &field.source {
            NumberSource::Expression(t) => t.as_str(),
            _ => "",
        };
        let value = to_decimal(&value).map_err(|got| {
            Diagnostic::error(format!("`{what}`: the expression `= {text}` gave {got}"))
                .code("sroi::script::type")
                .at(&compiled.site.file, compiled.site.span)
                .help("an expression in a number field must give a number")
        })?;
        number::check_computed(value, field.kind).map_err(|p| {
            Diagnostic::error(format!("`{what}`: the expression `= {text}` {}", p.message))
                .code("sroi::script::range")
                .at(&compiled.site.file, compiled.site.span)
                .help(p.help)
        })?;
        Ok(value)
    }

    pub fn functions(&self) -> &[ScriptFunction] {
        &self.runtime.functions
    }

    /// Warnings raised so far by table operations (e.g. `where` on a value no row has),
    /// located at the call when it was in a script.
    pub fn table_warnings(&self) -> Vec<Diagnostic> {
        table::warnings(self.runtime.state.tables.values())
            .iter()
            .map(|w| table_warning(w, &self.runtime.sources))
            .collect()
    }

    /// Warnings found in the scripts and expressions before anything ran.
    pub fn lints(&self) -> impl Iterator<Item = &Diagnostic> {
        self.runtime.lints.iter().chain(&self.lints)
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
