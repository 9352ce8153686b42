//! The sandboxed Rhai engine and the functions sroi gives scripts.
//!
//! Exact decimals (`decimal` + `no_float`): `0.1 + 0.2 == 0.3`, and `/` between whole
//! numbers is exact too (`7 / 2` is `3.5`). No clock (`no_time`), no files, network or
//! environment (none are registered), `eval` disabled, `print`/`debug` to stderr as
//! `FILE:LINE: text`, and limits on everything that can run away.
//!
//! The engine holds nothing that changes between evaluations: params and proxy values
//! come from the evaluation running on this thread (`bindings`), so one compiled engine
//! serves every scenario and every thread.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FuncRegistration, NativeCallContext, Position};
use rust_decimal::Decimal;

use super::bindings::{self, Missing};
use super::budget;
use super::imports::ScriptsResolver;
use super::locate;
use super::table::{self, Table};
use crate::suggest;

/// Limits a script runs within. Each stops a runaway script with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub operations: u64,
    pub call_levels: usize,
    pub expression_depth: usize,
    pub function_expression_depth: usize,
    pub modules: usize,
    /// Wall-clock time one evaluation may take (`--timeout`).
    pub timeout: Duration,
    /// Bytes script values may hold during one evaluation (`--script-memory`).
    pub memory: usize,
}

/// `--timeout` when not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// `--script-memory` when not given: 128 MiB. One operation can briefly hold about three
/// times what the script's values hold (`s += s` copies `s` twice; `#{a: m, b: m}` copies
/// `m` twice), and the budget is checked between operations: 128 MiB keeps a runaway
/// script's peak well under 512 MiB resident.
pub const DEFAULT_MEMORY: usize = 128 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        // No string, array or map size limits: Rhai checks those by walking the whole
        // value after every operation (quadratic in a loop that pushes). The memory
        // budget (`budget`, counted by the allocator) bounds every value instead.
        Limits {
            operations: 2_000_000,
            call_levels: 48,
            expression_depth: 64,
            function_expression_depth: 32,
            modules: 32,
            timeout: DEFAULT_TIMEOUT,
            memory: DEFAULT_MEMORY,
        }
    }
}

/// What host functions read that is fixed for a compiled model: its evidence tables.
#[derive(Debug, Default)]
pub struct HostState {
    pub tables: BTreeMap<String, Table>,
}

/// Said when a script's top level (run once, at load) reads a figure that an
/// evaluation may change.
const TOP_LEVEL_HELP: &str = "a script's top level runs once when the model is loaded, before any figure is known; read params and proxies inside a function";

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
        .set_max_modules(limits.modules)
        // A misspelt column or property is an error, not a silent `()`.
        .set_fail_on_invalid_map_property(true)
        .set_strict_variables(false)
        .set_module_resolver(resolver);
    engine.disable_symbol("eval");
    // Scripts have no clock, and Rhai's own `sleep` would stall an evaluation (and watch
    // mode with it): sroi's `sleep` is an error. The engine's functions win over packages'.
    let no_sleep = || {
        runtime_with_help(
            "`sleep` is not available: scripts have no clock".to_owned(),
            "remove the call; a rule's result never depends on time".to_owned(),
        )
    };
    engine.register_fn(
        "sleep",
        move |_: rhai::INT| -> Result<(), Box<EvalAltResult>> { Err(no_sleep()) },
    );
    engine.register_fn(
        "sleep",
        move |_: Decimal| -> Result<(), Box<EvalAltResult>> { Err(no_sleep()) },
    );
    // `print` and `debug` reach stderr with the place they were called from, never
    // stdout, so they cannot end up inside a report.
    engine.on_print(|_| {});
    engine.on_debug(|text, source, pos| {
        if !locate::quiet() {
            say(&bindings::place(source, pos), text);
        }
    });
    register_print(&mut engine);
    register_debug(&mut engine);
    register_division(&mut engine);
    // The deadline and the memory budget of the evaluation running on this thread.
    engine.on_progress(budget::on_progress);
    super::sizes::register(&mut engine);

    // Params are variables everywhere, inside functions too; a local of the same name wins.
    #[allow(deprecated)] // `on_var` is marked volatile, not deprecated.
    engine.on_var(move |name, _, context| {
        // A passed deadline or budget stops here, where the error keeps its place.
        budget::check()?;
        // Counted so that a limit hit later can be traced to its place (`locate`).
        locate::on_variable()?;
        if context.scope().contains(name) {
            return Ok(None);
        }
        Ok(bindings::variable(name).map(Dynamic::from_decimal))
    });

    FuncRegistration::new("proxy")
        .with_params_info(["id: &str", "Decimal"])
        .with_comments(["/// The value of proxy `id` in the active proxy set (after `extends` and any `--set proxies.ID=`), so `--proxies` reaches scripts."])
        .register_into_engine(&mut engine, move |id: &str| -> Result<Decimal, Box<EvalAltResult>> {
            bindings::proxy(id).map_err(|(missing, set)| match missing {
                Missing::TopLevel => runtime_with_help(
                    format!("proxy(\"{id}\") cannot be read at a script's top level"),
                    TOP_LEVEL_HELP.to_owned(),
                ),
                Missing::Unknown(ids) if ids.is_empty() => runtime_with_help(
                    format!("proxy(\"{id}\"): the model has no proxy set"),
                    "add `proxies: uk` (or another set) to the model, or run with `--proxies NAME`".to_owned(),
                ),
                Missing::Unknown(ids) => {
                    let help = suggest::did_you_mean(id, ids.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("add `{id}` to the proxy set, or use one of its proxies"));
                    runtime_with_help(format!("unknown proxy `{id}` in set `{set}`"), help)
                }
            })
        });

    FuncRegistration::new("param")
        .with_params_info(["name: &str", "Decimal"])
        .with_comments(["/// The value of `params` entry `name` (after any `--set`)."])
        .register_into_engine(
            &mut engine,
            move |name: &str| -> Result<Decimal, Box<EvalAltResult>> {
                bindings::param(name).map_err(|missing| match missing {
                    Missing::TopLevel => runtime_with_help(
                        format!("param(\"{name}\") cannot be read at a script's top level"),
                        TOP_LEVEL_HELP.to_owned(),
                    ),
                    Missing::Unknown(names) => {
                        let help = suggest::did_you_mean(name, names.iter().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!("add `{name}` under `params:` in the model")
                            });
                        runtime_with_help(format!("the model has no param `{name}`"), help)
                    }
                })
            },
        );

    table::register(&mut engine, &state.tables);

    engine
}

/// `print(x)` writes `FILE:LINE: x` to stderr. Rhai's own print hook is not told where
/// it was called from, so sroi's `print` does the writing and the hook stays silent.
///
/// Rhai's packages define `print` for strings, characters, booleans, `()`, arrays, maps
/// and blobs by exact type, and an exact type wins over a `Dynamic` parameter: sroi's
/// `print` is registered for each of them too (the engine's own functions are looked up
/// before the packages'), or `print("text")` would reach only the silent hook.
fn register_print(engine: &mut Engine) {
    fn say_value(ctx: &NativeCallContext, value: Dynamic) -> Result<String, Box<EvalAltResult>> {
        budget::check()?;
        let text = if value.is_string() {
            value
                .into_immutable_string()
                .map(|s| s.to_string())
                .unwrap_or_default()
        } else {
            value.to_string()
        };
        if !locate::quiet() {
            say(
                &bindings::place(ctx.call_source(), ctx.call_position()),
                &text,
            );
        }
        Ok(String::new())
    }
    const DOC: &str =
        "/// Write `value` to stderr as `FILE:LINE: value` (never to stdout or a report).";
    FuncRegistration::new("print")
        .with_params_info(["value: Dynamic", "()"])
        .with_comments([DOC])
        .register_into_engine(engine, |ctx: NativeCallContext, value: Dynamic| {
            say_value(&ctx, value)
        });
    // The same function for the exact types; hidden from `sroi functions` (one entry is enough).
    engine.register_fn(
        "print",
        |ctx: NativeCallContext, v: rhai::ImmutableString| say_value(&ctx, v.into()),
    );
    engine.register_fn("print", |ctx: NativeCallContext, v: char| {
        say_value(&ctx, v.into())
    });
    engine.register_fn("print", |ctx: NativeCallContext, v: bool| {
        say_value(&ctx, v.into())
    });
    engine.register_fn("print", |ctx: NativeCallContext, (): ()| {
        say_value(&ctx, Dynamic::UNIT)
    });
    engine.register_fn("print", |ctx: NativeCallContext, v: Array| {
        say_value(&ctx, v.into())
    });
    engine.register_fn("print", |ctx: NativeCallContext, v: rhai::Map| {
        say_value(&ctx, v.into())
    });
    engine.register_fn("print", |ctx: NativeCallContext, v: rhai::Blob| {
        say_value(&ctx, v.into())
    });
    engine.register_fn("print", |ctx: NativeCallContext| {
        say_value(&ctx, Dynamic::from(rhai::ImmutableString::new()))
    });
}

/// Write one `print`/`debug` line to stderr, up to `budget::MAX_OUTPUT_LINES` per
/// evaluation: a loop that prints cannot flood the terminal (or a log) for long.
fn say(place: &str, text: &str) {
    match budget::output_line() {
        (true, _) => eprintln!("{place}: {text}"),
        (false, true) => eprintln!(
            "{place}: (more print/debug output from this evaluation is not shown: over {} lines)",
            budget::MAX_OUTPUT_LINES
        ),
        (false, false) => {}
    }
}

/// `debug(x)` is Rhai's (its text is `to_debug(x)`, written by the `on_debug` hook), with
/// one change: once the deadline or the memory budget has passed, it fails at the call,
/// so a loop that only prints stops with its place. Registered, like `print`, for each
/// exact type Rhai's packages define it for, and hidden from `sroi functions`.
fn register_debug(engine: &mut Engine) {
    fn text(
        ctx: &NativeCallContext,
        value: Dynamic,
    ) -> Result<rhai::ImmutableString, Box<EvalAltResult>> {
        budget::check()?;
        ctx.call_native_fn("to_debug", (value,))
    }
    engine.register_fn("debug", |ctx: NativeCallContext, v: Dynamic| text(&ctx, v));
    engine.register_fn(
        "debug",
        |ctx: NativeCallContext, v: rhai::ImmutableString| text(&ctx, v.into()),
    );
    engine.register_fn("debug", |ctx: NativeCallContext, v: char| {
        text(&ctx, v.into())
    });
    engine.register_fn("debug", |ctx: NativeCallContext, v: bool| {
        text(&ctx, v.into())
    });
    engine.register_fn("debug", |ctx: NativeCallContext, (): ()| {
        text(&ctx, Dynamic::UNIT)
    });
    engine.register_fn("debug", |ctx: NativeCallContext, v: Array| {
        text(&ctx, v.into())
    });
    engine.register_fn("debug", |ctx: NativeCallContext, v: rhai::Map| {
        text(&ctx, v.into())
    });
    engine.register_fn("debug", |ctx: NativeCallContext, v: rhai::Blob| {
        text(&ctx, v.into())
    });
    engine.register_fn(
        "debug",
        || -> Result<rhai::ImmutableString, Box<EvalAltResult>> {
            budget::check()?;
            Ok(rhai::ImmutableString::new())
        },
    );
}

/// `/` between whole numbers is exact, as in a spreadsheet: `7 / 2` is `3.5`. Whole-number
/// division, where wanted, is `div(7, 2)`. (Rhai's own `/` truncates integers.) So is `x /= 2`.
fn register_division(engine: &mut Engine) {
    // Built-in operators on integers would win over registered ones.
    engine.set_fast_operators(false);
    engine.register_fn(
        "/",
        |a: rhai::INT, b: rhai::INT| -> Result<Decimal, Box<EvalAltResult>> {
            Decimal::from(a)
                .checked_div(Decimal::from(b))
                .map(|q| q.normalize())
                .ok_or_else(|| {
                    runtime_with_help(
                        format!("division by zero: {a} / {b}"),
                        "check the divisor; it is 0".to_owned(),
                    )
                })
        },
    );
    engine.register_fn(
        "/=",
        |a: &mut Dynamic, b: rhai::INT| -> Result<(), Box<EvalAltResult>> {
            let x = match (a.as_int(), a.as_decimal()) {
                (Ok(i), _) => Decimal::from(i),
                (_, Ok(d)) => d,
                _ => {
                    return Err(runtime_with_help(
                        format!("`/=` needs a number on the left, not a {}", a.type_name()),
                        "divide numbers only".to_owned(),
                    ));
                }
            };
            let q = x.checked_div(Decimal::from(b)).ok_or_else(|| {
                runtime_with_help(
                    format!("division by zero: {x} / {b}"),
                    "check the divisor; it is 0".to_owned(),
                )
            })?;
            *a = Dynamic::from_decimal(q.normalize());
            Ok(())
        },
    );
    FuncRegistration::new("div")
        .with_params_info(["a: INT", "b: INT", "INT"])
        .with_comments(["/// Whole-number division, rounding toward zero: `div(7, 2)` is `3`. (`7 / 2` is `3.5`.)"])
        .register_into_engine(engine, |a: rhai::INT, b: rhai::INT| -> Result<rhai::INT, Box<EvalAltResult>> {
            a.checked_div(b)
                .ok_or_else(|| runtime_with_help(format!("div({a}, {b}): division by zero or overflow"), "check the divisor".to_owned()))
        });
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
        ScriptsResolver::new(
            Arc::new(crate::source::DiskLoader),
            None,
            Default::default(),
            None,
        ),
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
    // Indexers (`row.col`, `row["col"]`) and operators (the exact `/`, `==` on a table's
    // text cells) are documented with `table` and in the text `sroi functions` prints after
    // the list. The exact-type `print`s (see `register_print`) carry no comment: one says it.
    docs.retain(|d| {
        let hidden = d.signature.starts_with("index$")
            || d.signature.starts_with("sleep(")
            || d.signature.starts_with("debug(")
            || d.signature.starts_with("pad(")
            || d.signature.starts_with("blob(")
            || (d.signature.starts_with("print(") && d.doc.is_empty());
        d.signature.starts_with(char::is_alphabetic) && !hidden
    });
    docs.sort_by(|a, b| a.signature.cmp(&b.signature));
    docs
}
