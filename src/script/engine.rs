//! The sandboxed Rhai engine and the functions sroi gives scripts.
//!
//! Exact decimals (`decimal` + `no_float`): `0.1 + 0.2 == 0.3`. No clock (`no_time`),
//! no files, network or environment (none are registered), `eval` disabled, output
//! from `print`/`debug` discarded, and limits on everything that can run away.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rhai::{Dynamic, Engine, EvalAltResult, FuncRegistration, Position};
use rust_decimal::Decimal;

use super::imports::ScriptsResolver;
use super::table::{self, Table};
use crate::suggest;

/// Limits a script runs within. Each stops a runaway script with an error.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub operations: u64,
    pub call_levels: usize,
    pub expression_depth: usize,
    pub function_expression_depth: usize,
    pub string_size: usize,
    pub array_size: usize,
    pub map_size: usize,
    pub modules: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Rhai counts a whole data table against the map and string limits (every cell of
        // every row), so these are sized for evidence tables of a few hundred thousand
        // cells; the operations limit is what stops a runaway loop.
        Limits {
            operations: 2_000_000,
            call_levels: 48,
            expression_depth: 64,
            function_expression_depth: 32,
            string_size: 16 * 1024 * 1024,
            array_size: 1_000_000,
            map_size: 4_000_000,
            modules: 32,
        }
    }
}

/// What host functions read: fixed for one load.
#[derive(Debug, Default)]
pub struct HostState {
    pub params: Arc<RwLock<BTreeMap<String, Decimal>>>,
    pub proxies: BTreeMap<String, Decimal>,
    /// The active proxy set's id, for messages.
    pub proxy_set: String,
    pub tables: BTreeMap<String, Table>,
}

fn runtime(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(message.into(), Position::NONE).into()
}

/// A host-function error with its own help text (see `errors::plain_words`).
fn runtime_with_help(message: String, help: String) -> Box<EvalAltResult> {
    let mut map = rhai::Map::new();
    map.insert("message".into(), message.into());
    map.insert("help".into(), help.into());
    EvalAltResult::ErrorRuntime(map.into(), Position::NONE).into()
}

/// The functions sroi registers, with their documentation: `sroi functions` prints these
/// from the engine itself.
pub fn build(state: Arc<HostState>, resolver: ScriptsResolver, limits: Limits) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.operations)
        .set_max_call_levels(limits.call_levels)
        .set_max_expr_depths(limits.expression_depth, limits.function_expression_depth)
        .set_max_string_size(limits.string_size)
        .set_max_array_size(limits.array_size)
        .set_max_map_size(limits.map_size)
        .set_max_modules(limits.modules)
        // A misspelt column or property is an error, not a silent `()`.
        .set_fail_on_invalid_map_property(true)
        .set_strict_variables(false)
        .set_module_resolver(resolver);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});

    // Params are variables everywhere, inside functions too; a local of the same name wins.
    let vars = Arc::clone(&state);
    #[allow(deprecated)] // `on_var` is marked volatile, not deprecated.
    engine.on_var(move |name, _, context| {
        if context.scope().contains(name) {
            return Ok(None);
        }
        Ok(vars
            .params
            .read()
            .ok()
            .and_then(|p| p.get(name).map(|d| Dynamic::from_decimal(*d))))
    });

    let s = Arc::clone(&state);
    FuncRegistration::new("proxy")
        .with_params_info(["id: &str", "Decimal"])
        .with_comments(["/// The value of proxy `id` in the active proxy set (after `extends`), so `--proxies` reaches scripts."])
        .register_into_engine(&mut engine, move |id: &str| -> Result<Decimal, Box<EvalAltResult>> {
            s.proxies.get(id).copied().ok_or_else(|| {
                if s.proxies.is_empty() {
                    return runtime_with_help(
                        format!("proxy(\"{id}\"): the model has no proxy set"),
                        "add `proxies: uk` (or another set) to the model, or run with `--proxies NAME`".to_owned(),
                    );
                }
                let help = suggest::did_you_mean(id, s.proxies.keys().map(String::as_str))
                    .unwrap_or_else(|| format!("add `{id}` to the proxy set, or use one of its proxies"));
                runtime_with_help(format!("unknown proxy `{id}` in set `{}`", s.proxy_set), help)
            })
        });

    let s = Arc::clone(&state);
    FuncRegistration::new("param")
        .with_params_info(["name: &str", "Decimal"])
        .with_comments(["/// The value of `params` entry `name` (after any `--set`)."])
        .register_into_engine(
            &mut engine,
            move |name: &str| -> Result<Decimal, Box<EvalAltResult>> {
                let params = s
                    .params
                    .read()
                    .map_err(|_| runtime("params are unavailable".to_owned()))?;
                params.get(name).copied().ok_or_else(|| {
                    let help = suggest::did_you_mean(name, params.keys().map(String::as_str))
                        .unwrap_or_else(|| format!("add `{name}` under `params:` in the model"));
                    runtime_with_help(format!("the model has no param `{name}`"), help)
                })
            },
        );

    table::register(&mut engine, &state.tables);

    engine
}

/// One function the engine provides, read back from the engine's own metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDoc {
    pub signature: String,
    pub doc: String,
}

/// The functions sroi registers (not Rhai's built-ins), straight from the engine, so the
/// list cannot drift from what scripts can call.
pub fn documented_functions() -> Vec<FunctionDoc> {
    let engine = build(
        Arc::new(HostState::default()),
        ScriptsResolver::new(None, Default::default(), None),
        Limits::default(),
    );
    let json = engine.gen_fn_metadata_to_json(false).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let mut docs: Vec<FunctionDoc> = value["functions"]
        .as_array()
        .map(|fns| {
            fns.iter()
                .map(|f| FunctionDoc {
                    signature: f["signature"].as_str().unwrap_or_default().to_owned(),
                    doc: f["docComments"]
                        .as_array()
                        .map(|lines| {
                            lines
                                .iter()
                                .filter_map(|l| l.as_str())
                                .flat_map(|l| l.lines())
                                .map(|l| l.trim().trim_start_matches("///").trim().to_owned())
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    // Indexers (`row.col`, `row["col"]`) and operators (`==` on a table's text cells) are
    // documented with `table`.
    docs.retain(|d| {
        !d.signature.starts_with("index$") && d.signature.starts_with(char::is_alphabetic)
    });
    docs.sort_by(|a, b| a.signature.cmp(&b.signature));
    docs
}
