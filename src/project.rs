//! Loading: a model, its proxy set and the files they name, parsed, checked and compiled
//! once into a `Project`. Evaluation (`evaluate`) then runs as often as needed on it,
//! under any scenario, on any thread: a `Project` is immutable and `Send + Sync`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile};
use crate::model::{self, Model, ProxyRef};
use crate::proxy::deflator::Deflator;
use crate::proxy::{self, ProxySet, SetReference};
use crate::script::host::{Runtime, RuntimeKey};
use crate::script::{Limits, ScriptHost};
use crate::source::{Files, dir_of, unreadable};
use crate::suggest;

pub mod roots;
use roots::{Owner, Roots};

/// `--set NAME=VALUE` overrides as written, in the order given. They are checked against
/// the model and turned into a `Scenario` by `evaluate`; loading never applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub params: Vec<(String, String)>,
}

/// Choices made on the command line.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A proxy set to use instead of the model's own (`--proxies NAME|PATH`).
    pub proxies: Option<String>,
    /// `--set NAME=VALUE` overrides, for `evaluate::evaluate`.
    pub overrides: Overrides,
    /// `--allow-path DIR`: folders that paths written in the model and its proxy sets may
    /// reach besides the project (see `roots`).
    pub allow_paths: Vec<PathBuf>,
    /// The largest data table to read (`--max-table-size`); `None`:
    /// `table::DEFAULT_MAX_TABLE_BYTES`.
    pub max_table_bytes: Option<u64>,
    /// What scripts run within (`--timeout`, `--script-memory`).
    pub limits: Limits,
}

impl LoadOptions {
    /// The largest data table to read, in bytes.
    pub fn table_limit(&self) -> u64 {
        self.max_table_bytes
            .unwrap_or(crate::script::table::DEFAULT_MAX_TABLE_BYTES)
    }
}

/// A loaded, validated model with its resolved proxy set and compiled scripts: compiled
/// once, evaluated many times.
#[derive(Debug)]
pub struct Project {
    pub model: Model,
    pub proxies: ProxySet,
    pub host: ScriptHost,
    /// The price year and deflator every proxy was rebased to (docs/years-and-prices.md), if any.
    pub prices: Option<crate::prices::PriceBasis>,
    /// Every file loading read, for watch mode.
    pub files: Vec<PathBuf>,
    /// The active set's proxy values by id, as scripts see them before any override.
    pub proxy_values: BTreeMap<String, Decimal>,
    /// For each outcome, the index of its stakeholder.
    pub stakeholder_index: Vec<usize>,
    /// The `--set` overrides it was loaded with (see `evaluate::evaluate`).
    pub overrides: Overrides,
}

#[cfg(test)]
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Project>();
};

/// Load and validate. On success, warnings (if any) come back beside the project.
pub fn load(
    files: &mut dyn Files,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Project, Diagnostics), Diagnostics> {
    let file = files.read(path).map_err(|e| {
        Diagnostics::from(
            unreadable(path, "the model", &e)
                .help("check the path; models are YAML files such as models/arts-for-health.yaml"),
        )
    })?;
    load_from(files, &file, options)
}

/// What watch mode keeps between reloads: the parsed proxy chain and the script runtime,
/// reused while the files they came from are unchanged. With `shared` set (many models
/// loaded at once, `sroi batch`), sets and runtimes come from that cache instead.
#[derive(Default)]
pub struct LoadCache {
    /// The first set's path and the project its `extends` were confined to.
    proxies: Option<((PathBuf, Roots), ProxySet)>,
    runtime: Option<Arc<Runtime>>,
    /// How often each was reused (for tests and the watch status line).
    pub reused_proxies: usize,
    pub reused_runtime: usize,
    pub shared: Option<Arc<SharedCache>>,
}

impl LoadCache {
    /// A cache that takes proxy sets and runtimes from `shared`.
    pub fn sharing(shared: Arc<SharedCache>) -> Self {
        LoadCache {
            shared: Some(shared),
            ..LoadCache::default()
        }
    }
}

/// One slot per key: the first thread to need it builds it while holding the slot's
/// lock, so others naming the same files wait for it rather than building it again.
type Slot<T> = Arc<Mutex<Option<T>>>;

/// A shared set's key: its first file, canonical, and the folders its `extends` may reach.
type SetKey = (PathBuf, Vec<PathBuf>);

/// What many models loaded at once share (`sroi batch`, `sroi check`): each proxy set,
/// deflator series and script runtime (script compiled, modules imported, tables read)
/// is read and built once, by whichever thread needs it first, and reused by every model
/// that names the same files, keyed by canonical path. Within one batch the files are
/// taken not to change. A failure is not kept: each model that needs it reports it at its
/// own place.
#[derive(Default)]
pub struct SharedCache {
    /// By the first set's canonical path and the folders its `extends` may reach (the
    /// same set may be allowed its parent in one project and not in another).
    sets: Mutex<HashMap<SetKey, Slot<ProxySet>>>,
    deflators: Mutex<HashMap<PathBuf, Slot<Arc<Deflator>>>>,
    runtimes: Mutex<Vec<(RuntimeKey, Slot<Arc<Runtime>>)>>,
    sets_built: AtomicUsize,
    deflators_built: AtomicUsize,
    runtimes_built: AtomicUsize,
}

/// The value in `slots` under `key`, built by `build` the first time (while holding that
/// key's slot, so threads wanting the same key wait rather than build it again).
fn built_once<K: std::hash::Hash + Eq, T: Clone>(
    slots: &Mutex<HashMap<K, Slot<T>>>,
    key: K,
    counter: &AtomicUsize,
    build: impl FnOnce() -> Result<T, Diagnostics>,
) -> Result<T, Diagnostics> {
    let slot = {
        let mut slots = slots.lock().map_err(|_| poisoned())?;
        Arc::clone(slots.entry(key).or_default())
    };
    let mut slot = slot.lock().map_err(|_| poisoned())?;
    if let Some(value) = slot.as_ref() {
        return Ok(value.clone());
    }
    let value = build()?;
    counter.fetch_add(1, Ordering::Relaxed);
    *slot = Some(value.clone());
    Ok(value)
}

impl SharedCache {
    /// How many proxy sets were read and parsed (once per distinct set).
    pub fn sets_built(&self) -> usize {
        self.sets_built.load(Ordering::Relaxed)
    }
    /// How many script runtimes were compiled (once per distinct script and tables).
    pub fn runtimes_built(&self) -> usize {
        self.runtimes_built.load(Ordering::Relaxed)
    }
    /// How many deflator series were read and parsed (once per distinct file).
    pub fn deflators_built(&self) -> usize {
        self.deflators_built.load(Ordering::Relaxed)
    }

    fn set(
        &self,
        files: &mut dyn Files,
        path: &Path,
        roots: &Roots,
        build: impl FnOnce(&mut dyn Files) -> Result<ProxySet, Diagnostics>,
    ) -> Result<ProxySet, Diagnostics> {
        let key = (
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            roots.reach(),
        );
        built_once(&self.sets, key, &self.sets_built, || build(files))
    }

    /// The deflator series at `path`, read and parsed by `build` the first time.
    pub fn deflator(
        &self,
        path: &Path,
        build: impl FnOnce() -> Result<Deflator, Diagnostics>,
    ) -> Result<Arc<Deflator>, Diagnostics> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        built_once(&self.deflators, key, &self.deflators_built, || {
            build().map(Arc::new)
        })
    }

    fn runtime(
        &self,
        files: &mut dyn Files,
        model: &Model,
        limits: Limits,
        max_table: u64,
    ) -> Result<Arc<Runtime>, Diagnostics> {
        let key = RuntimeKey::of(model, limits, max_table).canonical();
        let slot = {
            let mut runtimes = self.runtimes.lock().map_err(|_| poisoned())?;
            match runtimes.iter().find(|(k, _)| *k == key) {
                Some((_, slot)) => Arc::clone(slot),
                None => {
                    let slot = Slot::default();
                    runtimes.push((key, Arc::clone(&slot)));
                    slot
                }
            }
        };
        let mut slot = slot.lock().map_err(|_| poisoned())?;
        if let Some(runtime) = slot.as_ref() {
            return Ok(Arc::clone(runtime));
        }
        let runtime = Arc::new(Runtime::load(files, model, limits, max_table)?);
        self.runtimes_built.fetch_add(1, Ordering::Relaxed);
        *slot = Some(Arc::clone(&runtime));
        Ok(runtime)
    }
}

/// A thread panicked while building: say so rather than panic here too.
fn poisoned() -> Diagnostics {
    Diagnostics::from(Diagnostic::error(
        "internal: a shared proxy set or script failed to load on another thread",
    ))
}

pub fn load_from(
    files: &mut dyn Files,
    file: &Arc<SourceFile>,
    options: &LoadOptions,
) -> Result<(Project, Diagnostics), Diagnostics> {
    load_cached(files, file, options, &mut LoadCache::default())
}

/// As `load_from`, reusing what `cache` holds where its inputs are unchanged.
pub fn load_cached(
    files: &mut dyn Files,
    file: &Arc<SourceFile>,
    options: &LoadOptions,
    cache: &mut LoadCache,
) -> Result<(Project, Diagnostics), Diagnostics> {
    let (model, diagnostics) = model::read_model(file);
    let Some(model) = model else {
        return Err(diagnostics);
    };
    load_parsed(files, model, diagnostics, options, cache)
}

/// As `load_cached`, for a model already read (with what reading it reported), so one
/// model can be loaded under several proxy sets from a single parse.
pub fn load_parsed(
    files: &mut dyn Files,
    model: Model,
    mut diagnostics: Diagnostics,
    options: &LoadOptions,
    cache: &mut LoadCache,
) -> Result<(Project, Diagnostics), Diagnostics> {
    let roots = Roots::of(
        files.loader().as_ref(),
        &model.file.path,
        Owner::Model,
        &options.allow_paths,
    );
    // Refuse paths that leave the project before anything reads them.
    let first_path_problem = diagnostics.0.len();
    let (script_ok, data_ok) = confine_script_and_data(files, &model, &roots, &mut diagnostics);
    let mut proxies = match proxy_set(files, &model, options, &roots, cache) {
        Ok(set) => Some(set),
        Err(d) => {
            diagnostics.extend(d);
            None
        }
    };
    if let Some(set) = &proxies {
        check_against_set(&model, set, options, &mut diagnostics);
    }
    // Rebase before `proxy_values` is taken, so `proxy("id")` in rules sees rebased values.
    let prices = crate::prices::apply(
        files,
        &model,
        &roots,
        proxies.as_mut(),
        cache.shared.as_deref(),
        &mut diagnostics,
    );
    if let Some(found) = diagnostics.0.get_mut(first_path_problem..) {
        refusals_in_file_order(found, &model.file.path);
    }
    if diagnostics.has_errors() || !script_ok || !data_ok {
        return Err(diagnostics);
    }
    let Some(proxies) = proxies else {
        return Err(diagnostics);
    };
    let host = if let Some(shared) = &cache.shared {
        let runtime = shared.runtime(files, &model, options.limits, options.table_limit())?;
        ScriptHost::with_runtime(&model, runtime)?
    } else {
        ScriptHost::load_reusing(
            files,
            &model,
            options.limits,
            options.table_limit(),
            cache.runtime.as_ref(),
        )?
    };
    if cache
        .runtime
        .as_ref()
        .is_some_and(|r| Arc::ptr_eq(r, host.runtime()))
    {
        cache.reused_runtime = cache.reused_runtime.saturating_add(1);
    }
    cache.runtime = Some(Arc::clone(host.runtime()));
    diagnostics.0.extend(host.lints().cloned());
    let mut used: Vec<PathBuf> = vec![model.file.path.clone()];
    used.extend(proxies.files.iter().map(|f| f.path.clone()));
    used.extend(host.files().cloned());
    used.extend(prices.iter().map(|p| p.deflator.file.path.clone()));
    let proxy_values = proxies
        .proxies
        .iter()
        .map(|(id, p)| (id.clone(), p.value))
        .collect();
    let stakeholder_index = model
        .outcomes
        .iter()
        .map(|o| {
            model
                .stakeholders
                .iter()
                .position(|s| s.id.value == o.stakeholder.value)
                .unwrap_or(usize::MAX)
        })
        .collect();
    Ok((
        Project {
            model,
            proxies,
            host,
            prices,
            files: used,
            proxy_values,
            stakeholder_index,
            overrides: options.overrides.clone(),
        },
        diagnostics,
    ))
}

/// Check the model's `script:` and `data:` paths against the project, and that each
/// names a file of its kind (`.rhai`, `.csv`: a `.env` read as a script would be quoted
/// in the syntax error); whether each kind passed (refusals go to `out`, all of them).
fn confine_script_and_data(
    files: &mut dyn Files,
    model: &Model,
    roots: &Roots,
    out: &mut Diagnostics,
) -> (bool, bool) {
    let loader = files.loader();
    let dir = dir_of(&model.file.path);
    let mut refuse = |written: &model::types::Located<String>, what: &str, kind: (&str, &str)| {
        let path = Path::new(&written.value);
        let at = (&model.file, written.span);
        let checked = roots
            .refuse_outside(loader.as_ref(), &dir, path, at, what)
            .and_then(|()| {
                if roots::has_extension(path, &[kind.1]) {
                    Ok(())
                } else {
                    Err(roots::not_a(&written.value, what, kind.0, at))
                }
            });
        checked.map_err(|d| out.push(d)).is_ok()
    };
    let script_ok = model
        .script
        .as_ref()
        .is_none_or(|s| refuse(s, "the script", ("a Rhai script (.rhai)", "rhai")));
    let mut data_ok = true;
    for table in &model.data {
        let what = format!("data table `{}`", table.name.value);
        data_ok &= refuse(&table.path, &what, ("a CSV table (.csv)", "csv"));
    }
    (script_ok, data_ok)
}

/// Path refusals in the model come from several loaders (script and data, the proxy
/// set, the deflator): put them back in the order of their lines, in the slots they took.
fn refusals_in_file_order(found: &mut [Diagnostic], model: &Path) {
    let is_refusal =
        |d: &Diagnostic| d.code == "sroi::path" && d.file.as_ref().is_some_and(|f| f.path == model);
    let mut refusals: Vec<Diagnostic> = found.iter().filter(|d| is_refusal(d)).cloned().collect();
    refusals.sort_by_key(|d| d.span.map(|s| s.offset));
    let mut sorted = refusals.into_iter();
    for slot in found.iter_mut().filter(|d| is_refusal(d)) {
        if let Some(d) = sorted.next() {
            *slot = d;
        }
    }
}

/// The active set: `--proxies` if given, else the model's `proxies`, else an empty set
/// (fine when every proxy is inline). `roots` is the model's project: a set the model
/// names, and its `extends`, must stay inside it; a set named by path on the command
/// line may be anywhere, and its `extends` stay inside its own folder.
fn proxy_set(
    files: &mut dyn Files,
    model: &Model,
    options: &LoadOptions,
    roots: &Roots,
    cache: &mut LoadCache,
) -> Result<ProxySet, Diagnostics> {
    let model_dir = dir_of(&model.file.path);
    let names_dir = model_dir.join("proxies");
    let (path, label, referrer, roots) = if let Some(cli) = &options.proxies {
        let reference = SetReference::parse(cli);
        // A path on the command line is relative to where the command runs.
        let path = proxy::resolve_reference(&reference, Path::new(""), &names_dir);
        let roots = match reference {
            SetReference::Path(_) => Roots::of(
                files.loader().as_ref(),
                &path,
                Owner::CommandLineSet,
                &options.allow_paths,
            ),
            SetReference::Name(_) => roots.clone(),
        };
        (
            path,
            cli.clone(),
            proxy::Referrer {
                file: None,
                span: None,
            },
            roots,
        )
    } else if let Some(named) = &model.proxies {
        let reference = SetReference::parse(&named.value);
        let path = proxy::resolve_reference(&reference, &model_dir, &names_dir);
        let written = match &reference {
            SetReference::Name(name) => Path::new("proxies").join(format!("{name}.yaml")),
            SetReference::Path(p) => p.clone(),
        };
        roots
            .refuse_outside(
                files.loader().as_ref(),
                &model_dir,
                &written,
                (&model.file, named.span),
                "proxy set",
            )
            .map_err(Diagnostics::from)?;
        (
            path,
            named.value.clone(),
            proxy::Referrer {
                file: Some(&model.file),
                span: Some(named.span),
            },
            roots.clone(),
        )
    } else {
        return Ok(ProxySet {
            id: "inline".into(),
            name: "Inline proxies only".into(),
            currency: model.currency.value.clone(),
            price_year: None,
            chain: Vec::new(),
            files: Vec::new(),
            proxies: Default::default(),
        });
    };
    if let Some(shared) = cache.shared.clone() {
        return shared.set(files, &path, &roots, |files| {
            proxy::load_set(files, &path, &label, referrer, &roots)
        });
    }
    // Reuse the parsed chain when the same set is named and none of its files changed.
    if let Some((first, set)) = &cache.proxies
        && *first == (path.clone(), roots.clone())
        && set
            .files
            .iter()
            .all(|f| files.read(&f.path).is_ok_and(|now| now.text() == f.text()))
    {
        cache.reused_proxies = cache.reused_proxies.saturating_add(1);
        return Ok(set.clone());
    }
    let set = proxy::load_set(files, &path, &label, referrer, &roots)?;
    cache.proxies = Some(((path, roots), set.clone()));
    Ok(set)
}

fn check_against_set(model: &Model, set: &ProxySet, options: &LoadOptions, out: &mut Diagnostics) {
    // An empty currency was already reported as invalid.
    if !model.currency.value.is_empty() && model.currency.value != set.currency {
        let via = if options.proxies.is_some() {
            " (chosen with --proxies)"
        } else {
            ""
        };
        out.push(
            Diagnostic::error(format!(
                "the model is in {} but proxy set `{}`{via} is in {}",
                model.currency.value, set.id, set.currency
            ))
            .code("sroi::currency")
            .at(&model.file, model.currency.span)
            .label("model currency")
            .help("use a proxy set in the model's currency; sroi does not convert currencies"),
        );
    }
    for outcome in &model.outcomes {
        let ProxyRef::Id(id) = &outcome.proxy else {
            continue;
        };
        if set.get(&id.value).is_some() {
            continue;
        }
        let message = if set.chain.is_empty() {
            format!(
                "outcome `{}` names proxy `{}`, but the model has no proxy set",
                outcome.id.value, id.value
            )
        } else {
            format!(
                "unknown proxy `{}` in set `{}`",
                id.value,
                set.chain.join("` → `")
            )
        };
        let help = if set.chain.is_empty() {
            "add `proxies: uk` (or another set) to the model, or write the proxy inline with `value:` and `source:`".to_owned()
        } else {
            suggest::did_you_mean(&id.value, set.ids()).unwrap_or_else(|| {
                format!(
                    "the set has {}; add `{}` to it or write the proxy inline",
                    plural_ids(set),
                    id.value
                )
            })
        };
        out.push(
            Diagnostic::error(message)
                .code("sroi::proxy::unknown")
                .at(&model.file, id.span)
                .label("no such proxy")
                .help(help),
        );
    }
}

fn plural_ids(set: &ProxySet) -> String {
    let ids: Vec<&str> = set.ids().collect();
    if ids.len() > 12 {
        format!(
            "{} proxies (see {})",
            ids.len(),
            set.files.first().map_or(String::new(), |f| f.name.clone())
        )
    } else {
        suggest::one_of(ids)
    }
}
