//! Tables in Rhai: the `table` function, the native operations and the row-by-row idioms.
//!
//! A table value is a custom type, so Rhai's size limits count it as one value however
//! many rows it has, and a native operation is one function call (one operation against
//! the limits) whatever the size. Closures (`filter`, `map`, `reduce`) and `for` loops run
//! script code per row and are counted per row.

use std::collections::BTreeMap;

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, FuncRegistration, INT, ImmutableString, Map,
    NativeCallContext, Position,
};
use rust_decimal::Decimal;

use super::ops::{self, Op};
use super::view::{MixedText, Row, TableView};
use super::{OpError, Table, TableWarning};
use crate::suggest;

type Res<T> = Result<T, Box<EvalAltResult>>;

/// An error with its own help text, as sroi's host functions raise them (see
/// `errors::plain_words`).
fn raise(message: String, help: String) -> Box<EvalAltResult> {
    let mut map = Map::new();
    map.insert("message".into(), message.into());
    map.insert("help".into(), help.into());
    EvalAltResult::ErrorRuntime(map.into(), Position::NONE).into()
}

impl From<OpError> for Box<EvalAltResult> {
    fn from(e: OpError) -> Self {
        raise(e.message, e.help)
    }
}

fn decimal_or_unit(d: Option<Decimal>) -> Dynamic {
    d.map_or(Dynamic::UNIT, Dynamic::from_decimal)
}

/// Register tables with `engine`: `table(name)` over `tables`, the native operations, rows.
pub fn register(engine: &mut Engine, tables: &BTreeMap<String, Table>) {
    engine.register_type_with_name::<TableView>("table");
    engine.register_type_with_name::<Row>("row");
    engine.register_iterator::<TableView>();
    engine.register_type_with_name::<MixedText>("text");

    let tables = tables.clone();
    FuncRegistration::new("table")
        .with_params_info(["name: &str", "table"])
        .with_comments([
            "/// The `data` table `name`, read once per run into typed columns. Use it like an array of rows\n\
             /// (`t.len()`, `t[i]`, `for row in t`, `t.filter(|r| …)`, `t.map(…)`, `t.reduce(…)`); a row reads like a map\n\
             /// keyed by the header (`row.after`, `row[\"after\"]`, `keys(row)`, `\"after\" in row`, `row.to_map()`).\n\
             /// A column is numeric when every filled cell is a number (exact decimals), otherwise text exactly as\n\
             /// written; empty cells are `()`. Passing a table around or narrowing it never copies rows.",
        ])
        .register_into_engine(engine, move |name: &str| -> Res<TableView> {
            match tables.get(name) {
                Some(t) => Ok(TableView::whole(Table::clone(t))),
                None => {
                    let help = suggest::did_you_mean(name, tables.keys().map(String::as_str))
                        .unwrap_or_else(|| {
                            if tables.is_empty() {
                                format!("add `data:` to the model, e.g. `data: {{ {name}: data/{name}.csv }}`")
                            } else {
                                format!("tables in this model: {}", suggest::one_of(tables.keys().map(String::as_str)))
                            }
                        });
                    Err(raise(format!("the model has no data table `{name}`"), help))
                }
            }
        });

    register_sizes(engine);
    register_where(engine);
    register_aggregates(engine);
    register_closures(engine);
    register_rows(engine);
    register_mixed_comparisons(engine);
}

fn register_sizes(engine: &mut Engine) {
    for name in ["len", "count"] {
        FuncRegistration::new(name)
            .with_params_info(["t: table", "INT"])
            .with_comments(["/// The number of rows in a table or view."])
            .register_into_engine(engine, |t: &mut TableView| -> INT { ops::count(t) });
    }
    FuncRegistration::new("is_empty")
        .with_params_info(["t: table", "bool"])
        .with_comments(["/// Whether a table or view has no rows."])
        .register_into_engine(engine, |t: &mut TableView| -> bool { t.is_empty() });
    engine.register_indexer_get(|t: &mut TableView, i: INT| -> Res<Row> {
        let len = t.len();
        let index = if i < 0 {
            usize::try_from(i.unsigned_abs())
                .ok()
                .and_then(|back| len.checked_sub(back))
        } else {
            usize::try_from(i).ok().filter(|&i| i < len)
        };
        match index.and_then(|i| t.row_at(i)) {
            Some(r) => Ok(t.row(r)),
            None => Err(raise(
                format!(
                    "row {i} is outside table `{}` (it has {len} rows, numbered 0 to {})",
                    t.table.name,
                    len.saturating_sub(1)
                ),
                "rows are numbered from 0; `t[-1]` is the last row".to_owned(),
            )),
        }
    });
    for name in ["to_string", "to_debug"] {
        FuncRegistration::new(name)
            .with_params_info(["t: table", "String"])
            .with_comments(["/// A table as text, e.g. for `print`: its name and size."])
            .register_into_engine(engine, |t: &mut TableView| -> String {
                format!(
                    "table `{}` ({} of {} rows; columns: {})",
                    t.table.name,
                    t.len(),
                    t.table.len(),
                    t.table.columns.join(", ")
                )
            });
    }
}

/// A `where` that matched on a value no row of the column has: a likely typo, so warn.
fn warn_absent(ctx: &NativeCallContext, t: &TableView, col: &str, needle: &ops::Needle) {
    let table = &t.table;
    let Ok(index) = table.column_index(col) else {
        return;
    };
    let Some(column) = table.column(index) else {
        return;
    };
    let shown = match needle {
        ops::Needle::Number(d) => d.to_string(),
        ops::Needle::Text(s) => format!("\"{s}\""),
    };
    let present = ops::present_values(column, table.len(), 12);
    let listed: Vec<String> = present.iter().take(11).map(|v| format!("`{v}`")).collect();
    let more = if present.len() > 11 { ", …" } else { "" };
    let near = match needle {
        ops::Needle::Text(s) => suggest::closest(s, present.iter().map(String::as_str))
            .map(|n| format!("did you mean `{n}`? ")),
        ops::Needle::Number(_) => None,
    }
    .unwrap_or_default();
    let pos = ctx.call_position();
    table.warn(
        format!("{col}\u{0}{shown}"),
        TableWarning {
            source: ctx.call_source().map(str::to_owned),
            line: pos.line(),
            column: pos.position(),
            message: format!(
                "no row of table `{}` has {shown} in column `{col}`, so this comparison matches nothing",
                table.name
            ),
            help: format!(
                "{near}values present in `{col}`: {}{more}",
                if listed.is_empty() {
                    "none (every cell is empty)".to_owned()
                } else {
                    listed.join(", ")
                }
            ),
        },
    );
}

fn run_where(
    ctx: &NativeCallContext,
    t: &TableView,
    col: &str,
    op: &str,
    value: Option<&Dynamic>,
) -> Res<TableView> {
    let op = Op::parse(op)?;
    let selected = ops::select(t, col, op, value)?;
    for needle in &selected.absent {
        warn_absent(ctx, t, col, needle);
    }
    Ok(selected.view)
}

fn register_where(engine: &mut Engine) {
    FuncRegistration::new("where")
        .with_params_info(["t: table", "col: &str", "op: &str", "value: Dynamic", "table"])
        .with_comments([
            "/// The rows whose `col` compares with `value`: op is `==` `!=` `<` `<=` `>` `>=`, or `in` with an\n\
             /// array of values. A view, not a copy. Empty cells never match (not even `!=`). Comparing a text\n\
             /// column with a number (or a numeric column with text) is an error naming the first offending cell;\n\
             /// `==`/`in` on a value no row has gives a warning listing the values present.",
        ])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, col: &str, op: &str, value: Dynamic| {
                run_where(&ctx, t, col, op, Some(&value))
            },
        );
    FuncRegistration::new("where")
        .with_params_info(["t: table", "col: &str", "op: &str", "table"])
        .with_comments([
            "/// The rows whose `col` is empty (`\"blank\"`) or filled in (`\"present\"`), e.g.\n\
             /// `t.where(\"wemwbs_end\", \"present\")`. A view, not a copy.",
        ])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, col: &str, op: &str| {
                run_where(&ctx, t, col, op, None)
            },
        );
}

fn register_aggregates(engine: &mut Engine) {
    FuncRegistration::new("sum")
        .with_params_info(["t: table", "col: &str", "Decimal"])
        .with_comments(["/// The exact sum of numeric column `col` over the rows (empty cells skipped; 0 when none)."])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Decimal> {
            Ok(ops::sum(t, col)?)
        });
    FuncRegistration::new("mean")
        .with_params_info(["t: table", "col: &str", "Dynamic"])
        .with_comments(["/// The mean of numeric column `col` over its filled cells, or `()` when there are none."])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Dynamic> {
            Ok(decimal_or_unit(ops::mean(t, col)?))
        });
    FuncRegistration::new("min")
        .with_params_info(["t: table", "col: &str", "Dynamic"])
        .with_comments(["/// The smallest value of numeric column `col` (empty cells skipped), or `()` when there is none."])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Dynamic> {
            Ok(decimal_or_unit(ops::extreme(t, col, false)?))
        });
    FuncRegistration::new("max")
        .with_params_info(["t: table", "col: &str", "Dynamic"])
        .with_comments(["/// The largest value of numeric column `col` (empty cells skipped), or `()` when there is none."])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Dynamic> {
            Ok(decimal_or_unit(ops::extreme(t, col, true)?))
        });
    FuncRegistration::new("values")
        .with_params_info(["t: table", "col: &str", "Array"])
        .with_comments([
            "/// The cells of column `col`, one per row in order (empty cells as `()`).",
        ])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Array> {
            Ok(ops::values(t, col)?)
        });
    FuncRegistration::new("distinct")
        .with_params_info(["t: table", "col: &str", "Array"])
        .with_comments(["/// The different filled values of column `col`, in first-seen order (`.len()` counts them)."])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Array> {
            Ok(ops::distinct(t, col)?)
        });
    FuncRegistration::new("group_count")
        .with_params_info(["t: table", "col: &str", "Map"])
        .with_comments([
            "/// A map from each filled value of `col` (as text) to the number of rows with it.",
        ])
        .register_into_engine(engine, |t: &mut TableView, col: &str| -> Res<Map> {
            Ok(ops::group_count(t, col)?)
        });
    FuncRegistration::new("group_sum")
        .with_params_info(["t: table", "col: &str", "value_col: &str", "Map"])
        .with_comments(["/// A map from each filled value of `col` (as text) to the exact sum of `value_col` over its rows\n/// (empty values skipped)."])
        .register_into_engine(
            engine,
            |t: &mut TableView, col: &str, value_col: &str| -> Res<Map> {
                Ok(ops::group_sum(t, col, value_col)?)
            },
        );
    FuncRegistration::new("semi_join")
        .with_params_info(["t: table", "col: &str", "other: table", "other_col: &str", "table"])
        .with_comments(["/// The rows whose `col` value occurs in `other_col` of `other` (empty keys never match). A view."])
        .register_into_engine(
            engine,
            |t: &mut TableView, col: &str, other: TableView, other_col: &str| -> Res<TableView> {
                Ok(ops::join(t, col, &other, other_col, true)?)
            },
        );
    FuncRegistration::new("anti_join")
        .with_params_info(["t: table", "col: &str", "other: table", "other_col: &str", "table"])
        .with_comments(["/// The rows whose `col` value does NOT occur in `other_col` of `other` (rows with an empty key\n/// are kept). A view: e.g. leave out people already counted under another outcome."])
        .register_into_engine(
            engine,
            |t: &mut TableView, col: &str, other: TableView, other_col: &str| -> Res<TableView> {
                Ok(ops::join(t, col, &other, other_col, false)?)
            },
        );
}

fn register_closures(engine: &mut Engine) {
    FuncRegistration::new("filter")
        .with_params_info(["t: table", "keep: FnPtr", "table"])
        .with_comments(["/// The rows for which `keep(row)` is true, e.g. `t.filter(|r| r.after > r.before)`. A view."])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, keep: FnPtr| -> Res<TableView> {
                let mut rows = Vec::new();
                for r in t.row_numbers() {
                    let kept = keep.call_within_context::<Dynamic>(&ctx, (t.row(r),))?;
                    match kept.as_bool() {
                        Ok(true) => rows.push(r),
                        Ok(false) => {}
                        Err(got) => {
                            return Err(raise(
                                format!("the closure given to `filter` returned a {got}, not true or false"),
                                "make it a comparison, e.g. `t.filter(|r| r.score >= 3)`".to_owned(),
                            ));
                        }
                    }
                }
                Ok(t.with_rows(rows))
            },
        );
    FuncRegistration::new("map")
        .with_params_info(["t: table", "f: FnPtr", "Array"])
        .with_comments([
            "/// An array of `f(row)` for each row, e.g. `t.map(|r| r.after - r.before)`.",
        ])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, f: FnPtr| -> Res<Array> {
                let mut out = Array::with_capacity(t.len());
                for r in t.row_numbers() {
                    out.push(f.call_within_context::<Dynamic>(&ctx, (t.row(r),))?);
                }
                Ok(out)
            },
        );
    FuncRegistration::new("reduce")
        .with_params_info(["t: table", "f: FnPtr", "Dynamic"])
        .with_comments(["/// Fold the rows with `f(acc, row)`, starting from `()`."])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, f: FnPtr| -> Res<Dynamic> {
                reduce(&ctx, t, &f, Dynamic::UNIT)
            },
        );
    FuncRegistration::new("reduce")
        .with_params_info(["t: table", "f: FnPtr", "initial: Dynamic", "Dynamic"])
        .with_comments(["/// Fold the rows with `f(acc, row)`, starting from `initial`, e.g.\n/// `t.reduce(|sum, r| sum + r.hours, 0)`."])
        .register_into_engine(
            engine,
            |ctx: NativeCallContext, t: &mut TableView, f: FnPtr, initial: Dynamic| -> Res<Dynamic> {
                reduce(&ctx, t, &f, initial)
            },
        );
}

fn reduce(ctx: &NativeCallContext, t: &TableView, f: &FnPtr, initial: Dynamic) -> Res<Dynamic> {
    let mut acc = initial;
    for r in t.row_numbers() {
        acc = f.call_within_context::<Dynamic>(ctx, (acc, t.row(r)))?;
    }
    Ok(acc)
}

/// Table rows: read like maps, never copied cell by cell.
fn register_rows(engine: &mut Engine) {
    // `row["col"]`, and `row.col` (Rhai falls back to the indexer for properties).
    engine.register_indexer_get(|row: &mut Row, column: &str| -> Res<Dynamic> {
        Ok(row.get(column)?)
    });
    engine.register_indexer_set(|_row: &mut Row, column: &str, _: Dynamic| -> Res<()> {
        Err(raise(
            format!(
                "cannot change column `{column}` of a table row: evidence tables are read-only"
            ),
            "copy the row first with `let r = row.to_map();` and change the copy".to_owned(),
        ))
    });
    FuncRegistration::new("to_map")
        .with_params_info(["row: row", "Map"])
        .with_comments(["/// An editable copy of a table row, as a map keyed by the header."])
        .register_into_engine(engine, |row: &mut Row| -> Map { row.to_map() });
    FuncRegistration::new("keys")
        .with_params_info(["row: row", "Array"])
        .with_comments(["/// The column names of a table row (sorted)."])
        .register_into_engine(engine, |row: &mut Row| -> Array {
            let mut names: Vec<&String> = row.table.columns.iter().collect();
            names.sort();
            names
                .into_iter()
                .map(|k| Dynamic::from(k.clone()))
                .collect()
        });
    FuncRegistration::new("contains")
        .with_params_info(["row: row", "column: &str", "bool"])
        .with_comments(["/// Whether a table row has `column` (also written `\"column\" in row`)."])
        .register_into_engine(engine, |row: &mut Row, column: &str| -> bool {
            row.has(column)
        });
    for name in ["to_string", "to_debug"] {
        FuncRegistration::new(name)
            .with_params_info(["row: row", "String"])
            .with_comments(["/// A table row as text, e.g. for `print`."])
            .register_into_engine(engine, |row: &mut Row| -> String {
                format!("{:?}", row.to_map())
            });
    }
}

fn as_number(cell: &MixedText, what: &str) -> Box<EvalAltResult> {
    let e = ops::text_as_number(&cell.table, cell.column, what);
    raise(e.message, e.help)
}

/// Text cells of mixed columns: text with text, an error with numbers.
fn register_mixed_comparisons(engine: &mut Engine) {
    const DOC: &str = "/// A text cell in a column that mixes numbers and text (e.g. `1,500` among figures) compares\n\
        /// with text as text; compared with a number, or used in arithmetic, it is an error naming the cell.";
    fn text_eq(equal: bool) -> impl Fn(MixedText, ImmutableString) -> bool + Send + Sync + 'static {
        move |a, b| (a.text() == b.as_str()) == equal
    }
    for (op, equal) in [("==", true), ("!=", false)] {
        FuncRegistration::new(op)
            .with_params_info(["a: text", "b: String", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, text_eq(equal));
        FuncRegistration::new(op)
            .with_params_info(["a: String", "b: text", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: ImmutableString, b: MixedText| {
                (b.text() == a.as_str()) == equal
            });
        FuncRegistration::new(op)
            .with_params_info(["a: text", "b: text", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: MixedText, b: MixedText| {
                (a.text() == b.text()) == equal
            });
    }
    for op in ["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"] {
        let arithmetic = matches!(op, "+" | "-" | "*" | "/");
        let what = move |n: &dyn std::fmt::Display| {
            if arithmetic {
                format!("used in arithmetic with the number {n}")
            } else {
                format!("compared with the number {n}")
            }
        };
        FuncRegistration::new(op)
            .with_params_info(["a: text", "b: INT", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: MixedText, b: INT| -> Res<bool> {
                Err(as_number(&a, &what(&b)))
            });
        FuncRegistration::new(op)
            .with_params_info(["a: INT", "b: text", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: INT, b: MixedText| -> Res<bool> {
                Err(as_number(&b, &what(&a)))
            });
        FuncRegistration::new(op)
            .with_params_info(["a: text", "b: Decimal", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: MixedText, b: Decimal| -> Res<bool> {
                Err(as_number(&a, &what(&b)))
            });
        FuncRegistration::new(op)
            .with_params_info(["a: Decimal", "b: text", "bool"])
            .with_comments([DOC])
            .register_into_engine(engine, move |a: Decimal, b: MixedText| -> Res<bool> {
                Err(as_number(&b, &what(&a)))
            });
    }
    for name in ["to_string", "to_debug"] {
        FuncRegistration::new(name)
            .with_params_info(["cell: text", "String"])
            .with_comments(["/// The text of a cell, as written in the CSV."])
            .register_into_engine(engine, |c: &mut MixedText| -> String {
                c.text().to_owned()
            });
    }
}
