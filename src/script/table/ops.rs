//! The native table operations: selections, aggregates, groups and joins, straight on
//! the columns. Each is one pass over the view's rows; sums are exact.

use rhai::{Array, Dynamic, INT, Map};
use rust_decimal::Decimal;

use super::column::{Cell, Column, Numbers, Text, packed_blank, unpack};
use super::hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use super::view::TableView;
use super::{OpError, TableData, op_error};
use crate::model::number::{NumberKind, parse_literal};

/// A `where` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Blank,
    Present,
}

pub const OPS: [&str; 9] = ["==", "!=", "<", "<=", ">", ">=", "in", "blank", "present"];

impl Op {
    pub fn parse(op: &str) -> Result<Op, OpError> {
        Ok(match op {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "in" => Op::In,
            "blank" => Op::Blank,
            "present" => Op::Present,
            _ => {
                let listed = crate::suggest::one_of(OPS);
                let hint = match op {
                    "=" => "did you mean `==`? ".to_owned(),
                    "<>" => "did you mean `!=`? ".to_owned(),
                    _ => crate::suggest::did_you_mean(op, OPS)
                        .map(|h| format!("{h} "))
                        .unwrap_or_default(),
                };
                return Err(op_error(
                    format!("unknown comparison `{op}` in `where`"),
                    format!("{hint}the comparisons are {listed}"),
                ));
            }
        })
    }

    fn takes_value(self) -> bool {
        !matches!(self, Op::Blank | Op::Present)
    }

    fn name(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "in",
            Op::Blank => "blank",
            Op::Present => "present",
        }
    }
}

/// A value a column is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Needle {
    Number(Decimal),
    Text(String),
}

impl Needle {
    fn from_dynamic(value: &Dynamic, op: Op) -> Result<Needle, OpError> {
        if let Ok(d) = value.as_decimal() {
            return Ok(Needle::Number(d));
        }
        if let Ok(i) = value.as_int() {
            return Ok(Needle::Number(Decimal::from(i)));
        }
        if let Some(s) = value.read_lock::<rhai::ImmutableString>() {
            return Ok(Needle::Text(s.to_string()));
        }
        if value.is_unit() {
            return Err(op_error(
                format!(
                    "`where(col, \"{}\", ())`: a blank cell is matched with `blank`, not by comparing with `()`",
                    op.name()
                ),
                "write `t.where(col, \"blank\")` for empty cells, or `t.where(col, \"present\")` for filled ones",
            ));
        }
        Err(op_error(
            format!(
                "`where(col, \"{}\", …)` compares with a number or text, not a {}",
                op.name(),
                value.type_name()
            ),
            "compare with a number such as `3` or text such as `\"yes\"`",
        ))
    }

    fn shown(&self) -> String {
        match self {
            Needle::Number(d) => d.to_string(),
            Needle::Text(t) => format!("\"{t}\""),
        }
    }
}

/// The result of `where`: the view, and the `==`/`in` values no row of the whole column has.
pub struct Selected {
    pub view: TableView,
    pub absent: Vec<Needle>,
}

fn column<'a>(view: &'a TableView, col: &str) -> Result<(usize, &'a Column), OpError> {
    let i = view.table.column_index(col)?;
    let c = view
        .table
        .column(i)
        .ok_or_else(|| op_error("internal: column out of range", ""))?;
    Ok((i, c))
}

/// The error for using text column `index` as a number (`what`, e.g. "compared with the number 3").
pub fn text_as_number(table: &TableData, index: usize, what: &str) -> OpError {
    let name = table.columns.get(index).map_or("", String::as_str);
    let Some(row) = table.first_non_number(index) else {
        return op_error(
            format!(
                "column `{name}` of table `{}` is text, so it cannot be {what}",
                table.name
            ),
            "",
        );
    };
    let cell = table
        .column(index)
        .map_or(Cell::Blank, |c| c.cell(row as usize));
    let written = match cell {
        Cell::Text(t) => t.to_owned(),
        other => other.shown(),
    };
    let fix = parse_literal(written.trim(), NumberKind::Signed)
        .err()
        .map(|e| e.help)
        .filter(|h| h.starts_with("write it"))
        .map(|h| format!("{h}; "))
        .unwrap_or_default();
    op_error(
        format!(
            "column `{name}` of table `{}` is text, so it cannot be {what}: its first cell that is not a number is \"{written}\" at {} (row {} of the table)",
            table.name,
            table.row_place(row),
            u64::from(row) + 1
        ),
        format!(
            "{fix}a column is numeric only when every filled cell is a plain number (no thousands separators, units or leading zeros); fix the cell in the CSV, or compare the column with text"
        ),
    )
}

fn number_as_text(table: &TableData, index: usize, needle: &Needle) -> OpError {
    let name = table.columns.get(index).map_or("", String::as_str);
    op_error(
        format!(
            "column `{name}` of table `{}` holds numbers, so it cannot be compared with the text {}",
            table.name,
            needle.shown()
        ),
        format!(
            "compare it with a number, e.g. `where(\"{name}\", \"==\", 3)` (no quotes around the number)"
        ),
    )
}

/// `t.where(col, op, value)`.
pub fn select(
    view: &TableView,
    col: &str,
    op: Op,
    value: Option<&Dynamic>,
) -> Result<Selected, OpError> {
    let (index, column) = column(view, col)?;
    let needles: Vec<Needle> = match (op.takes_value(), value) {
        (false, None) => Vec::new(),
        (false, Some(_)) => {
            return Err(op_error(
                format!("`where(\"{col}\", \"{}\")` takes no value", op.name()),
                format!("write `t.where(\"{col}\", \"{}\")`", op.name()),
            ));
        }
        (true, None) => {
            return Err(op_error(
                format!(
                    "`where(\"{col}\", \"{}\", …)` needs a value to compare with",
                    op.name()
                ),
                format!(
                    "e.g. `t.where(\"{col}\", \"{}\", 3)`; for empty cells use `\"blank\"`",
                    op.name()
                ),
            ));
        }
        (true, Some(v)) if op == Op::In => match v.read_lock::<Array>() {
            Some(items) => items
                .iter()
                .map(|i| Needle::from_dynamic(i, op))
                .collect::<Result<_, _>>()?,
            None => {
                return Err(op_error(
                    format!(
                        "`where(\"{col}\", \"in\", …)` needs an array of values, not a {}",
                        v.type_name()
                    ),
                    format!("e.g. `t.where(\"{col}\", \"in\", [\"yes\", \"maybe\"])`"),
                ));
            }
        },
        (true, Some(v)) => vec![Needle::from_dynamic(v, op)?],
    };
    let table = &*view.table;
    let rows = match column {
        _ if column.is_all_blank() && op.takes_value() => Vec::new(),
        Column::Numbers(numbers) => {
            let values: Vec<Decimal> = needles
                .iter()
                .map(|n| match n {
                    Needle::Number(d) => Ok(*d),
                    Needle::Text(_) => Err(number_as_text(table, index, n)),
                })
                .collect::<Result<_, _>>()?;
            select_numbers(view, numbers, op, &values)
        }
        Column::Text(text) => {
            let mut values: Vec<&str> = Vec::with_capacity(needles.len());
            for n in &needles {
                match n {
                    Needle::Text(t) => values.push(t),
                    Needle::Number(d) => {
                        return Err(text_as_number(
                            table,
                            index,
                            &format!("compared with the number {d}"),
                        ));
                    }
                }
            }
            select_text(view, text, op, &values)
        }
    };
    let absent = if matches!(op, Op::Eq | Op::In) {
        needles
            .into_iter()
            .filter(|n| !column_has(column, n, table.len()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Selected {
        view: view.with_rows(rows),
        absent,
    })
}

/// Calls `f` with each of the view's row numbers.
#[inline]
fn each_row(view: &TableView, mut f: impl FnMut(u32)) {
    match &view.rows {
        Some(rows) => rows.iter().for_each(|&r| f(r)),
        None => (0..u32::try_from(view.table.len()).unwrap_or(u32::MAX)).for_each(f),
    }
}

fn keep(view: &TableView, mut pred: impl FnMut(u32) -> bool) -> Vec<u32> {
    let mut out = Vec::new();
    each_row(view, |r| {
        if pred(r) {
            out.push(r);
        }
    });
    out
}

fn compare(op: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq | Op::In => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
        Op::Blank | Op::Present => false,
    }
}

/// `value` as a mantissa at `scale`, when that is exact and fits.
fn at_scale(value: Decimal, scale: u32) -> Option<i64> {
    if value.scale() > scale {
        return None;
    }
    let factor = 10i128.checked_pow(scale - value.scale())?;
    i64::try_from(value.mantissa().checked_mul(factor)?).ok()
}

fn select_numbers(view: &TableView, numbers: &Numbers, op: Op, values: &[Decimal]) -> Vec<u32> {
    match op {
        Op::Blank => return keep(view, |r| numbers.get(r as usize).is_none()),
        Op::Present => return keep(view, |r| numbers.get(r as usize).is_some()),
        _ => {}
    }
    // Fast path: every cell shares a scale and the value is exact at it, so compare integers.
    if let (Some(scale), Some(cells), [value]) = (numbers.single_scale(), numbers.packed(), values)
        && let Some(v) = at_scale(*value, scale)
    {
        return keep(view, |r| {
            let p = cells[r as usize];
            !packed_blank(p) && compare(op, unpack(p).0.cmp(&v))
        });
    }
    if op == Op::In {
        let set: HashSet<Decimal> = values.iter().map(|d| d.normalize()).collect();
        return keep(view, |r| {
            numbers
                .get(r as usize)
                .is_some_and(|d| set.contains(&d.normalize()))
        });
    }
    let Some(value) = values.first().copied() else {
        return Vec::new();
    };
    keep(view, |r| {
        numbers
            .get(r as usize)
            .is_some_and(|d| compare(op, d.cmp(&value)))
    })
}

fn select_text(view: &TableView, text: &Text, op: Op, values: &[&str]) -> Vec<u32> {
    match (text, op) {
        (_, Op::Blank) => keep(view, |r| text.get(r as usize).is_none()),
        (_, Op::Present) => keep(view, |r| text.get(r as usize).is_some()),
        // Equality on a dictionary column compares codes, not text.
        (
            Text::Dictionary {
                values: dict,
                codes,
            },
            Op::Eq | Op::Ne | Op::In,
        ) => {
            let wanted: Vec<u32> = dict
                .iter()
                .enumerate()
                .filter(|(_, v)| values.contains(&v.as_str()))
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect();
            let equal = op != Op::Ne;
            keep(view, |r| {
                let c = codes[r as usize];
                c != u32::MAX && wanted.contains(&c) == equal
            })
        }
        (_, Op::In) => {
            let set: HashSet<&str> = values.iter().copied().collect();
            keep(view, |r| {
                text.get(r as usize).is_some_and(|t| set.contains(t))
            })
        }
        _ => {
            let Some(value) = values.first().copied() else {
                return Vec::new();
            };
            keep(view, |r| {
                text.get(r as usize)
                    .is_some_and(|t| compare(op, t.cmp(value)))
            })
        }
    }
}

/// Whether any row of the whole column holds `needle`.
fn column_has(column: &Column, needle: &Needle, rows: usize) -> bool {
    match (column, needle) {
        (Column::Text(Text::Dictionary { values, .. }), Needle::Text(t)) => {
            values.iter().any(|v| v.as_str() == t)
        }
        (Column::Text(text), Needle::Text(t)) => (0..rows).any(|r| text.get(r) == Some(t)),
        (Column::Numbers(n), Needle::Number(d)) => (0..rows).any(|r| n.get(r) == Some(*d)),
        _ => true,
    }
}

/// The distinct values of a whole column, for warnings: at most `limit`, first-seen order.
pub fn present_values(column: &Column, rows: usize, limit: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in 0..rows {
        let shown = match column.cell(r) {
            Cell::Blank => continue,
            Cell::Number(d) => d.to_string(),
            Cell::Text(t) => t.to_owned(),
        };
        if !seen.contains(&shown) {
            seen.push(shown);
            if seen.len() >= limit {
                break;
            }
        }
    }
    seen
}

fn numeric<'a>(view: &'a TableView, col: &str, what: &str) -> Result<&'a Numbers, OpError> {
    let (index, c) = column(view, col)?;
    match c {
        Column::Numbers(n) => Ok(n),
        Column::Text(_) => Err(text_as_number(&view.table, index, what)),
    }
}

fn too_large(col: &str) -> OpError {
    op_error(
        format!("the sum of column `{col}` is too large for exact decimals"),
        "sroi holds 28 significant digits; check the column's figures",
    )
}

/// Exact sum and count of the filled cells.
fn sum_count(view: &TableView, numbers: &Numbers, col: &str) -> Result<(Decimal, usize), OpError> {
    let mut count = 0usize;
    if let (Some(scale), Some(cells)) = (numbers.single_scale(), numbers.packed()) {
        let mut acc: i128 = 0;
        each_row(view, |r| {
            let p = cells[r as usize];
            if !packed_blank(p) {
                acc += i128::from(unpack(p).0);
                count += 1;
            }
        });
        let sum = Decimal::try_from_i128_with_scale(acc, scale).map_err(|_| too_large(col))?;
        return Ok((sum, count));
    }
    let mut sum = Decimal::ZERO;
    let mut overflow = false;
    each_row(view, |r| {
        if let Some(d) = numbers.get(r as usize) {
            match sum.checked_add(d) {
                Some(s) => sum = s,
                None => overflow = true,
            }
            count += 1;
        }
    });
    if overflow {
        return Err(too_large(col));
    }
    Ok((sum, count))
}

/// `t.sum(col)`: blanks skipped; 0 for no cells.
pub fn sum(view: &TableView, col: &str) -> Result<Decimal, OpError> {
    let numbers = numeric(view, col, "summed")?;
    Ok(sum_count(view, numbers, col)?.0)
}

/// `t.mean(col)`: `None` for no cells.
pub fn mean(view: &TableView, col: &str) -> Result<Option<Decimal>, OpError> {
    let numbers = numeric(view, col, "averaged")?;
    let (sum, count) = sum_count(view, numbers, col)?;
    if count == 0 {
        return Ok(None);
    }
    sum.checked_div(Decimal::from(count))
        .map(Some)
        .ok_or_else(|| too_large(col))
}

/// `t.min(col)` / `t.max(col)`: `None` for no cells.
pub fn extreme(view: &TableView, col: &str, largest: bool) -> Result<Option<Decimal>, OpError> {
    let numbers = numeric(
        view,
        col,
        if largest {
            "used in max"
        } else {
            "used in min"
        },
    )?;
    let mut best: Option<Decimal> = None;
    each_row(view, |r| {
        if let Some(d) = numbers.get(r as usize) {
            best = Some(match best {
                Some(b) if (d > b) == largest && d != b => d,
                Some(b) => b,
                None => d,
            });
        }
    });
    Ok(best)
}

/// `t.count()`.
pub fn count(view: &TableView) -> INT {
    INT::try_from(view.len()).unwrap_or(INT::MAX)
}

/// `t.values(col)`: every cell of the view, blanks as `()`.
pub fn values(view: &TableView, col: &str) -> Result<Array, OpError> {
    let (i, _) = column(view, col)?;
    let mut out = Array::with_capacity(view.len());
    each_row(view, |r| out.push(view.table.cell_dynamic(i, r)));
    Ok(out)
}

/// A cell as a key for distinct values, groups and joins: numbers by value (`1.0` is `1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key<'a> {
    Number(Decimal),
    Text(&'a str),
}

fn key(c: &Column, r: u32) -> Option<Key<'_>> {
    match c.cell(r as usize) {
        Cell::Blank => None,
        Cell::Number(d) => Some(Key::Number(d.normalize())),
        Cell::Text(t) => Some(Key::Text(t)),
    }
}

/// `t.distinct(col)`: the different filled values, in first-seen order.
pub fn distinct(view: &TableView, col: &str) -> Result<Array, OpError> {
    let (i, c) = column(view, col)?;
    let mut seen = HashSet::default();
    let mut out = Array::new();
    each_row(view, |r| {
        if let Some(k) = key(c, r)
            && seen.insert(k)
        {
            out.push(view.table.cell_dynamic(i, r));
        }
    });
    Ok(out)
}

fn key_text(c: &Column, r: u32) -> Option<String> {
    match c.cell(r as usize) {
        Cell::Blank => None,
        Cell::Number(d) => Some(d.normalize().to_string()),
        Cell::Text(t) => Some(t.to_owned()),
    }
}

/// `t.group_count(col)`: rows per filled value of `col`.
pub fn group_count(view: &TableView, col: &str) -> Result<Map, OpError> {
    let (_, c) = column(view, col)?;
    let mut counts: HashMap<Key<'_>, (u32, INT)> = HashMap::default();
    each_row(view, |r| {
        if let Some(k) = key(c, r) {
            counts.entry(k).or_insert((r, 0)).1 += 1;
        }
    });
    Ok(counts
        .into_values()
        .filter_map(|(r, n)| Some((key_text(c, r)?.into(), Dynamic::from_int(n))))
        .collect())
}

/// `t.group_sum(col, value_col)`: exact sum of `value_col` per filled value of `col`
/// (blank values skipped; a group whose values are all blank sums to 0).
pub fn group_sum(view: &TableView, col: &str, value_col: &str) -> Result<Map, OpError> {
    let (_, c) = column(view, col)?;
    let numbers = numeric(view, value_col, "summed")?;
    let mut sums: HashMap<Key<'_>, (u32, Decimal)> = HashMap::default();
    let mut overflow = false;
    each_row(view, |r| {
        if let Some(k) = key(c, r) {
            let entry = sums.entry(k).or_insert((r, Decimal::ZERO));
            if let Some(d) = numbers.get(r as usize) {
                match entry.1.checked_add(d) {
                    Some(s) => entry.1 = s,
                    None => overflow = true,
                }
            }
        }
    });
    if overflow {
        return Err(too_large(value_col));
    }
    Ok(sums
        .into_values()
        .filter_map(|(r, s)| Some((key_text(c, r)?.into(), Dynamic::from_decimal(s))))
        .collect())
}

/// `t.semi_join(col, other, other_col)` (`keep_matches`) or `t.anti_join(…)`.
///
/// Blank keys never match: `semi_join` drops those rows, `anti_join` keeps them (their key
/// does not occur in the other table).
pub fn join(
    view: &TableView,
    col: &str,
    other: &TableView,
    other_col: &str,
    keep_matches: bool,
) -> Result<TableView, OpError> {
    let (index, c) = column(view, col)?;
    let (other_index, oc) = column(other, other_col)?;
    if c.is_numeric() != oc.is_numeric() && !c.is_all_blank() && !oc.is_all_blank() {
        let (text_table, text_index) = if c.is_numeric() {
            (&*other.table, other_index)
        } else {
            (&*view.table, index)
        };
        let numeric_name = if c.is_numeric() {
            format!("`{}.{col}`", view.table.name)
        } else {
            format!("`{}.{other_col}`", other.table.name)
        };
        let err = text_as_number(
            text_table,
            text_index,
            &format!("joined with the numbers in {numeric_name}"),
        );
        return Err(err);
    }
    let mut keys = HashSet::default();
    each_row(other, |r| {
        if let Some(k) = key(oc, r) {
            keys.insert(k);
        }
    });
    let rows = keep(view, |r| match key(c, r) {
        Some(k) => keys.contains(&k) == keep_matches,
        None => !keep_matches,
    });
    Ok(view.with_rows(rows))
}
