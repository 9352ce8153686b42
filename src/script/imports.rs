//! `import` for scripts, confined to the model project's `scripts/` tree.
//!
//! `import "lib/wellbeing" as w;` reads `<scripts>/lib/wellbeing.rhai`. Absolute paths,
//! `..`, and files that resolve (through links) outside the tree are refused. Each module
//! is compiled once per load and cached.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use crate::diagnostic::SourceFile;
use crate::project::roots::Roots;
use crate::source::{Loader, MAX_FILE_BYTES, Recorder};

/// Sources of every script file read, by the name Rhai knows them by, so errors can quote them.
pub type Sources = Arc<Mutex<BTreeMap<String, Arc<SourceFile>>>>;

/// Deepest chain of imports (a module importing a module ...) accepted. Each level
/// nests a compile and an evaluation on the stack: a chain of 2,000 overflowed it.
pub const MAX_IMPORT_DEPTH: usize = 16;

pub struct ScriptsResolver {
    /// Where module files are read from (the same loader as every other file).
    loader: Arc<dyn Loader>,
    /// Most modules one load may read, however they are chained (Rhai's own
    /// `max_modules` counts per script, so a chain of modules each importing one more
    /// never reached it).
    max_modules: usize,
    /// Where to note each module file looked for (watch mode follows them).
    recorder: Option<Recorder>,
    /// Modules being loaded right now, outermost first: an import of one of these is a cycle.
    loading: Mutex<Vec<String>>,
    /// The `scripts/` folder, canonical.
    root: Option<PathBuf>,
    /// The same folder as the user's paths name it, for messages.
    shown: PathBuf,
    sources: Sources,
    cache: Mutex<BTreeMap<String, Shared<Module>>>,
}

/// The `scripts` tree a script belongs to: its nearest ancestor folder named `scripts`,
/// else the folder holding it.
pub fn scripts_root(script: &Path) -> PathBuf {
    // `m.rhai` (no folder part) has the parent `""`, which names no folder: it is `.`.
    let dir = script
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "scripts"))
        .unwrap_or(dir)
        .to_path_buf()
}

/// As `scripts_root`, but only a `scripts` folder inside the project counts: for a
/// project kept in `~/scripts/work/`, that folder is not the project's, and imports must
/// not reach the files beside it. Such a script's own folder is its tree instead.
pub fn project_scripts_root(loader: &dyn Loader, script: &Path, project: &Roots) -> PathBuf {
    let root = scripts_root(script);
    if project.check(loader, &root, Path::new(".")).is_ok() {
        return root;
    }
    script
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

impl ScriptsResolver {
    pub fn new(
        loader: Arc<dyn Loader>,
        root: Option<&Path>,
        sources: Sources,
        recorder: Option<Recorder>,
    ) -> Self {
        ScriptsResolver {
            root: root.and_then(|r| loader.canonicalize(r).ok()),
            loader,
            max_modules: 32,
            recorder,
            loading: Mutex::new(Vec::new()),
            shown: root.map(Path::to_path_buf).unwrap_or_default(),
            sources,
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// At most `max` modules in all for one load.
    pub fn max_modules(mut self, max: usize) -> Self {
        self.max_modules = max;
        self
    }

    fn refuse(path: &str, why: &str, pos: Position) -> Box<EvalAltResult> {
        EvalAltResult::ErrorInModule(
            path.to_owned(),
            EvalAltResult::ErrorRuntime(why.to_owned().into(), pos).into(),
            pos,
        )
        .into()
    }

    /// The file an import names, if it is allowed.
    fn locate(&self, path: &str, pos: Position) -> Result<PathBuf, Box<EvalAltResult>> {
        let Some(root) = &self.root else {
            return Err(Self::refuse(
                path,
                "imports work only in scripts under a `scripts/` folder",
                pos,
            ));
        };
        let relative = Path::new(path);
        let escapes = relative.is_absolute()
            || path.starts_with('/')
            || path.contains('\\')
            || relative
                .components()
                .any(|c| !matches!(c, Component::Normal(_)));
        if escapes {
            return Err(Self::refuse(
                path,
                "imports may only name modules inside the project's `scripts/` folder, e.g. \"lib/wellbeing\" (no `..` or absolute paths)",
                pos,
            ));
        }
        let file = root.join(format!("{path}.rhai"));
        if let Some(recorder) = &self.recorder
            && let Ok(mut seen) = recorder.lock()
        {
            seen.insert(self.shown.join(format!("{path}.rhai")));
        }
        let real = self
            .loader
            .canonicalize(&file)
            .map_err(|_| -> Box<EvalAltResult> {
                EvalAltResult::ErrorModuleNotFound(
                    format!(
                        "{path} (looked for {})",
                        crate::diagnostic::display_path(&file)
                    ),
                    pos,
                )
                .into()
            })?;
        if !real.starts_with(root) {
            return Err(Self::refuse(
                path,
                "this module is a link to a file outside the project's `scripts/` folder",
                pos,
            ));
        }
        Ok(real)
    }
}

impl ModuleResolver for ScriptsResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        if let Some(module) = self.cache.lock().ok().and_then(|c| c.get(path).cloned()) {
            return Ok(module);
        }
        let file = self.locate(path, pos)?;
        // Modules that import each other would recurse until the stack overflows.
        let cycle = self.loading.lock().ok().and_then(|loading| {
            let start = loading.iter().position(|p| p == path)?;
            let mut names: Vec<String> = loading
                .iter()
                .skip(start)
                .map(|p| format!("\"{p}\""))
                .collect();
            names.push(format!("\"{path}\""));
            Some(names.join(" → "))
        });
        if let Some(cycle) = cycle {
            return Err(Self::refuse(
                path,
                &format!(
                    "modules import each other in a cycle: {cycle}; move what they share into a third module"
                ),
                pos,
            ));
        }
        let depth = self.loading.lock().map_or(0, |l| l.len());
        if depth >= MAX_IMPORT_DEPTH {
            let chain = self
                .loading
                .lock()
                .map(|l| l.first().cloned().unwrap_or_default())
                .unwrap_or_default();
            return Err(Self::refuse(
                path,
                &format!(
                    "imports nest more than {MAX_IMPORT_DEPTH} modules deep (from \"{chain}\"); import what a module needs from the script itself rather than through a long chain"
                ),
                pos,
            ));
        }
        let loaded = self.cache.lock().map_or(0, |c| c.len());
        if loaded.saturating_add(depth) >= self.max_modules {
            return Err(Self::refuse(
                path,
                &format!(
                    "this project imports more than {} modules; merge small modules into fewer files",
                    self.max_modules
                ),
                pos,
            ));
        }
        if let Ok(mut loading) = self.loading.lock() {
            loading.push(path.to_owned());
        }
        let result = self.load(path, &file, engine, pos);
        if let Ok(mut loading) = self.loading.lock() {
            loading.retain(|p| p != path);
        }
        result
    }
}

impl ScriptsResolver {
    fn load(
        &self,
        path: &str,
        file: &Path,
        engine: &Engine,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let bytes = self
            .loader
            .load(file, MAX_FILE_BYTES)
            .map_err(|e| Self::refuse(path, &e.to_string(), pos))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Self::refuse(path, "the module is not UTF-8 text", pos))?;
        // The same path the recorder noted, so watch mode sees one file, not two names for it.
        let module_path = self.shown.join(format!("{path}.rhai"));
        let shown = crate::diagnostic::display_path(&module_path);
        if let Some((at, why)) = super::positions::beyond_positions(&text) {
            let (line, column) = crate::diagnostic::line_col(&text, at);
            return Err(Self::refuse(
                path,
                &format!("{shown}:{line}:{column}: {why}; {}", super::positions::HELP),
                pos,
            ));
        }
        let source = SourceFile::new(&module_path, text);
        if let Ok(mut sources) = self.sources.lock() {
            sources.insert(shown.clone(), Arc::clone(&source));
        }
        let mut ast = engine
            .compile(source.text())
            .map_err(|e| -> Box<EvalAltResult> {
                EvalAltResult::ErrorInModule(path.to_owned(), e.into(), pos).into()
            })?;
        ast.set_source(shown);
        let module: Shared<Module> = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|e| -> Box<EvalAltResult> {
                EvalAltResult::ErrorInModule(path.to_owned(), e, pos).into()
            })?
            .into();
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_owned(), module.clone());
        }
        Ok(module)
    }
}

#[cfg(test)]
mod tests {
    use super::scripts_root;
    use std::path::Path;

    #[test]
    fn the_scripts_root_is_the_nearest_scripts_folder_else_the_scripts_own() {
        assert_eq!(
            scripts_root(Path::new("models/../scripts/m.rhai")),
            Path::new("models/../scripts")
        );
        assert_eq!(
            scripts_root(Path::new("scripts/assets/m.rhai")),
            Path::new("scripts")
        );
        assert_eq!(scripts_root(Path::new("work/m.rhai")), Path::new("work"));
        // A script named without a folder is in the working directory.
        assert_eq!(scripts_root(Path::new("m.rhai")), Path::new("."));
    }
}
