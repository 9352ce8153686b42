//! Table operations through Rhai, with hand-computed answers.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult};
use rust_decimal::Decimal;

use super::view::TableView;
use super::{Table, load};

const SURVEY: &str = "\
id,group,before,after,answer,code
a,north,40,45,yes,0123
b,north,41,,no,0456
c,south,38,44.5,yes,0789
d,south,,50,,0012
e,east,50,49,maybe,0345
";

const MIXED: &str = "\
id,hours
v1,10
v2,2.5
v3,\"1,500\"
v4,
";

fn tables(files: &[(&str, &str)]) -> BTreeMap<String, Table> {
    files
        .iter()
        .map(|(name, text)| {
            let t = load::parse(name, &format!("{name}.csv"), text.as_bytes()).unwrap();
            ((*name).to_owned(), Arc::new(t))
        })
        .collect()
}

fn engine_with(files: &[(&str, &str)]) -> (Engine, BTreeMap<String, Table>) {
    let tables = tables(files);
    let mut engine = Engine::new();
    super::register(&mut engine, &tables);
    (engine, tables)
}

fn engine() -> Engine {
    engine_with(&[
        ("survey", SURVEY),
        ("mixed", MIXED),
        ("other", "id\nb\nc\nz\n"),
    ])
    .0
}

fn eval(script: &str) -> Dynamic {
    engine()
        .eval::<Dynamic>(script)
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

fn error(script: &str) -> (String, String) {
    let mut err = *engine().eval::<Dynamic>(script).unwrap_err();
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = err {
        err = *inner;
    }
    match err {
        EvalAltResult::ErrorRuntime(v, _) => {
            let m = v.read_lock::<rhai::Map>().unwrap();
            (m["message"].to_string(), m["help"].to_string())
        }
        other => panic!("{script}: not a host error: {other}"),
    }
}

fn ids(script: &str) -> String {
    let out = eval(&format!(
        "let t = {script}; let ids = []; for r in t {{ ids.push(r.id); }} ids"
    ));
    out.into_array()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn every_comparison_skips_blank_cells() {
    let t = r#"table("survey")"#;
    assert_eq!(ids(&format!(r#"{t}.where("after", ">=", 45)"#)), "a,d,e");
    assert_eq!(ids(&format!(r#"{t}.where("after", ">", 45)"#)), "d,e");
    assert_eq!(ids(&format!(r#"{t}.where("after", "<", 45)"#)), "c");
    assert_eq!(ids(&format!(r#"{t}.where("after", "<=", 45)"#)), "a,c");
    assert_eq!(ids(&format!(r#"{t}.where("after", "==", 44.5)"#)), "c");
    // `!=` skips the blank cell of b too.
    assert_eq!(ids(&format!(r#"{t}.where("after", "!=", 45)"#)), "c,d,e");
    assert_eq!(
        ids(&format!(r#"{t}.where("after", "in", [45, 49])"#)),
        "a,e"
    );
    assert_eq!(ids(&format!(r#"{t}.where("after", "blank")"#)), "b");
    assert_eq!(ids(&format!(r#"{t}.where("after", "present")"#)), "a,c,d,e");
    assert_eq!(ids(&format!(r#"{t}.where("answer", "!=", "yes")"#)), "b,e");
    assert_eq!(
        ids(&format!(r#"{t}.where("answer", "in", ["no", "maybe"])"#)),
        "b,e"
    );
    assert_eq!(ids(&format!(r#"{t}.where("answer", "blank")"#)), "d");
    assert_eq!(ids(&format!(r#"{t}.where("group", "<", "o")"#)), "a,b,e");
    // Views narrow views.
    assert_eq!(
        ids(&format!(
            r#"{t}.where("group", "==", "south").where("before", "present")"#
        )),
        "c"
    );
}

#[test]
fn leading_zeros_keep_a_column_text_as_written() {
    assert_eq!(eval(r#"table("survey")[0].code"#).to_string(), "0123");
    assert_eq!(ids(r#"table("survey").where("code", "==", "0012")"#), "d");
}

#[test]
fn aggregates_are_exact_and_skip_blanks() {
    assert_eq!(
        eval(r#"table("survey").sum("after")"#)
            .as_decimal()
            .unwrap(),
        d("188.5")
    );
    assert_eq!(
        eval(r#"table("survey").mean("before")"#)
            .as_decimal()
            .unwrap(),
        d("42.25")
    );
    assert!(eval(r#"table("survey").where("id", "==", "b").mean("after")"#).is_unit());
    assert_eq!(
        eval(r#"table("survey").min("after")"#)
            .as_decimal()
            .unwrap(),
        d("44.5")
    );
    assert_eq!(
        eval(r#"table("survey").max("before")"#)
            .as_decimal()
            .unwrap(),
        d("50")
    );
    assert!(eval(r#"table("survey").where("id", "==", "b").max("after")"#).is_unit());
    assert_eq!(
        eval(r#"table("survey").where("id", "==", "b").sum("after")"#)
            .as_decimal()
            .unwrap(),
        d("0")
    );
    assert_eq!(
        eval(r#"table("mixed").where("hours", "blank").count()"#)
            .as_int()
            .unwrap(),
        1
    );
    // 0.1 + 0.2 is exactly 0.3 in a column of mixed scales.
    let (e, _) = engine_with(&[("x", "v\n0.1\n0.2\n1\n")]);
    assert_eq!(
        e.eval::<Decimal>(r#"table("x").sum("v")"#).unwrap(),
        d("1.3")
    );
    assert!(
        e.eval::<bool>(r#"table("x").where("v", "<", 0.3).sum("v") == 0.3"#)
            .unwrap()
    );
}

#[test]
fn values_distinct_and_groups() {
    let v = eval(r#"table("survey").values("after")"#)
        .into_array()
        .unwrap();
    assert_eq!(v.len(), 5);
    assert!(v[1].is_unit());
    assert_eq!(v[2].as_decimal().unwrap(), d("44.5"));
    let g = eval(r#"table("survey").distinct("group")"#)
        .into_array()
        .unwrap();
    let g: Vec<String> = g.iter().map(|x| x.to_string()).collect();
    assert_eq!(g, ["north", "south", "east"]);
    assert_eq!(
        eval(r#"table("survey").distinct("answer").len()"#)
            .as_int()
            .unwrap(),
        3
    );
    let c = eval(r#"table("survey").group_count("group")"#).cast::<rhai::Map>();
    assert_eq!(c["north"].as_int().unwrap(), 2);
    assert_eq!(c["east"].as_int().unwrap(), 1);
    let s = eval(r#"table("survey").group_sum("group", "after")"#).cast::<rhai::Map>();
    assert_eq!(s["north"].as_decimal().unwrap(), d("45"));
    assert_eq!(s["south"].as_decimal().unwrap(), d("94.5"));
    assert_eq!(s["east"].as_decimal().unwrap(), d("49"));
    let n = eval(r#"table("survey").group_count("answer")"#).cast::<rhai::Map>();
    assert_eq!(n.len(), 3, "blank answers form no group: {n:?}");
}

#[test]
fn joins_keep_or_drop_rows_by_key() {
    assert_eq!(
        ids(r#"table("survey").semi_join("id", table("other"), "id")"#),
        "b,c"
    );
    assert_eq!(
        ids(r#"table("survey").anti_join("id", table("other"), "id")"#),
        "a,d,e"
    );
    // Against a view of the other table.
    assert_eq!(
        ids(
            r#"table("survey").anti_join("id", table("survey").where("answer", "==", "yes"), "id")"#
        ),
        "b,d,e"
    );
}

#[test]
fn text_used_as_a_number_names_the_first_offending_cell() {
    let (message, help) = error(r#"table("mixed").where("hours", ">", 5)"#);
    assert_eq!(
        message,
        "column `hours` of table `mixed` is text, so it cannot be compared with the number 5: \
         its first cell that is not a number is \"1,500\" at mixed.csv:4 (row 3 of the table)"
    );
    assert!(
        help.starts_with("write it without thousands separators: `1500`"),
        "{help}"
    );
    // The row is that of the whole table, even from a view that does not contain it.
    let (message, _) = error(r#"table("mixed").where("id", "==", "v1").sum("hours")"#);
    assert!(
        message.contains("cannot be summed") && message.contains("mixed.csv:4"),
        "{message}"
    );
    // And in a closure, never a silent false.
    let (message, _) = error(r#"table("mixed").filter(|r| r.hours > 5).len()"#);
    assert!(
        message.contains("compared with the number")
            && message.contains("\"1,500\" at mixed.csv:4"),
        "{message}"
    );
    let (message, _) =
        error(r#"let n = 0; for r in table("mixed") { if r.hours == 10 { n += 1; } } n"#);
    assert!(message.contains("mixed.csv:4"), "{message}");
    // Text with text still works in such a column.
    assert_eq!(
        eval(r#"table("mixed").filter(|r| r.hours == "1,500").len()"#)
            .as_int()
            .unwrap(),
        1
    );
    let (message, _) = error(r#"table("survey").where("before", "==", "40")"#);
    assert!(
        message.contains("holds numbers") && message.contains("\"40\""),
        "{message}"
    );
    let (message, _) = error(r#"table("survey").mean("group")"#);
    assert!(message.contains("\"north\" at survey.csv:2"), "{message}");
    let (message, _) = error(r#"table("survey").semi_join("before", table("other"), "id")"#);
    assert!(message.contains("table `other` is text"), "{message}");
}

#[test]
fn an_empty_column_compares_with_anything_and_matches_nothing() {
    let (e, _) = engine_with(&[("s", "id,note\na,\nb,\n"), ("o", "id\na\n")]);
    assert_eq!(
        e.eval::<rhai::INT>(r#"table("s").where("note", "==", "yes").count()"#)
            .unwrap(),
        0
    );
    assert_eq!(
        e.eval::<rhai::INT>(r#"table("s").where("note", "<", 3).count()"#)
            .unwrap(),
        0
    );
    assert_eq!(
        e.eval::<rhai::INT>(r#"table("s").where("note", "blank").count()"#)
            .unwrap(),
        2
    );
    assert_eq!(
        e.eval::<rhai::INT>(r#"table("o").semi_join("id", table("s"), "note").count()"#)
            .unwrap(),
        0
    );
}

#[test]
fn misused_operations_explain_themselves() {
    let (message, help) = error(r#"table("survey").where("aftr", ">", 1)"#);
    assert_eq!(message, "no column `aftr` in table `survey`");
    assert!(help.starts_with("did you mean `after`?"), "{help}");
    let (message, help) = error(r#"table("survey").where("after", "=", 1)"#);
    assert!(
        message.contains("unknown comparison `=`") && help.contains("did you mean `==`?"),
        "{help}"
    );
    assert!(
        error(r#"table("survey").where("after", "blank", 1)"#)
            .0
            .contains("takes no value")
    );
    assert!(
        error(r#"table("survey").where("after", ">")"#)
            .0
            .contains("needs a value")
    );
    assert!(
        error(r#"table("survey").where("after", "==", ())"#)
            .1
            .contains("\"blank\"")
    );
    assert!(
        error(r#"table("survey").where("after", "in", 45)"#)
            .0
            .contains("array")
    );
    let (message, help) = error(r#"table("survy")"#);
    assert_eq!(message, "the model has no data table `survy`");
    assert_eq!(help, "did you mean `survey`?");
    assert!(
        error(r#"table("survey")[5]"#)
            .0
            .contains("outside table `survey`")
    );
    assert!(
        error(r#"let r = table("survey")[0]; r.after = 3;"#)
            .0
            .contains("read-only")
    );
}

#[test]
fn old_idioms_keep_working() {
    assert_eq!(eval(r#"table("survey").len()"#).as_int().unwrap(), 5);
    assert_eq!(eval(r#"table("survey")[1].id"#).to_string(), "b");
    assert_eq!(eval(r#"table("survey")[-1]["id"]"#).to_string(), "e");
    assert!(eval(r#"table("survey")[1].after"#).is_unit());
    assert_eq!(
        eval(r#"keys(table("survey")[0]).len()"#).as_int().unwrap(),
        6
    );
    assert!(eval(r#""after" in table("survey")[0]"#).as_bool().unwrap());
    assert!(!eval(r#""aftr" in table("survey")[0]"#).as_bool().unwrap());
    assert_eq!(
        eval(r#"let m = table("survey")[0].to_map(); m.after = 1; m.after + m.before"#)
            .as_decimal()
            .unwrap(),
        d("41")
    );
    assert_eq!(
        eval(r#"table("survey").filter(|r| r.answer == "yes").len()"#)
            .as_int()
            .unwrap(),
        2
    );
    assert_eq!(
        eval(r#"table("survey").map(|r| r.id).len()"#)
            .as_int()
            .unwrap(),
        5
    );
    assert_eq!(
        eval(r#"table("survey").where("before", "present").reduce(|s, r| s + r.before, 0)"#)
            .as_decimal()
            .unwrap(),
        d("169")
    );
    assert!(eval(r#"table("survey").where("id", "==", "zz").reduce(|s, r| s + 1)"#).is_unit());
    // As in docs/scripting.md: Rhai's own array reduce on the result of map.
    assert_eq!(
        eval(r#"table("survey").where("before", "present").map(|r| r.before).reduce(|sum, w| sum + w, 0)"#)
            .as_decimal()
            .unwrap(),
        d("169")
    );
    let (message, help) = error(r#"table("survey")[0].aftr"#);
    assert_eq!(message, "no column `aftr` in table `survey`");
    assert!(help.contains("did you mean `after`?"), "{help}");
}

#[test]
fn views_share_the_table_and_copy_no_rows() {
    let (e, tables) = engine_with(&[("survey", SURVEY)]);
    let data = Arc::clone(&tables["survey"]);
    let before = Arc::strong_count(&data);
    let view: TableView = e
        .eval(r#"let t = table("survey"); let v = t.where("answer", "==", "yes"); v"#)
        .unwrap();
    assert!(
        Arc::ptr_eq(&view.table, &data),
        "a view points at the loaded table"
    );
    assert_eq!(view.rows.as_deref(), Some(&[0u32, 2][..]));
    assert_eq!(
        Arc::strong_count(&data),
        before + 1,
        "one handle, no per-row copies"
    );
    let whole: TableView = e.eval(r#"let t = table("survey"); let u = t; u"#).unwrap();
    assert!(whole.rows.is_none() && Arc::ptr_eq(&whole.table, &data));
}

#[test]
fn comparing_with_a_value_no_row_has_warns_once() {
    let (e, tables) = engine_with(&[("survey", SURVEY)]);
    e.run(r#"table("survey").where("answer", "==", "yess"); table("survey").where("answer", "==", "yess");"#)
        .unwrap();
    e.run(r#"table("survey").where("answer", "in", ["yes", "nope"]); table("survey").where("after", "==", 99);"#)
        .unwrap();
    e.run(r#"table("survey").where("answer", "!=", "absent"); table("survey").where("answer", "==", "yes");"#)
        .unwrap();
    let w = tables["survey"].warnings();
    assert_eq!(w.len(), 3, "{w:#?}");
    assert_eq!(
        w[0].message,
        "no row of table `survey` has \"yess\" in column `answer`, so this comparison matches nothing"
    );
    assert_eq!(
        w[0].help,
        "did you mean `yes`? values present in `answer`: `yes`, `no`, `maybe`"
    );
    assert_eq!(w[0].line, Some(1));
    assert!(w[1].message.contains("\"nope\""));
    assert!(w[2].message.contains("has 99 in column `after`"));
}

#[test]
fn a_native_operation_is_one_operation_and_a_loop_is_one_per_row() {
    let mut csv = String::from("n\n");
    for i in 0..20_000 {
        csv.push_str(&format!("{}\n", i % 7));
    }
    let (mut e, _) = engine_with(&[("big", &csv)]);
    e.set_max_operations(500);
    assert_eq!(
        e.eval::<Decimal>(r#"table("big").where("n", ">=", 3).sum("n")"#)
            .unwrap(),
        Decimal::from((0..20_000).map(|i| i % 7).filter(|&v| v >= 3).sum::<i64>())
    );
    let err = e
        .eval::<Dynamic>(r#"let s = 0; for r in table("big") { s += r.n; } s"#)
        .unwrap_err();
    assert!(
        matches!(*err, EvalAltResult::ErrorTooManyOperations(..)),
        "{err}"
    );
}

#[test]
fn csv_problems_are_located() {
    let err = load::parse("s", "s.csv", b"id,before,after\n1,40,45\n2,41\n").unwrap_err();
    assert_eq!(err.line, 3);
    assert_eq!(
        err.message,
        "table `s`: this row has 2 cells but the header has 3 (no cell for `after`)"
    );
    let err = load::parse("s", "s.csv", b"id,before\n1,40,45\n").unwrap_err();
    assert!(
        err.message
            .contains("1 cell(s) after the last column `before`"),
        "{}",
        err.message
    );
    let err =
        load::parse("s", "s.csv", b"id,note\n1,ok\n2,\"never closed\n3,x\n4,y\n").unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.message
            .contains("a quote opened on line 3 is never closed"),
        "{}",
        err.message
    );
    // Properly quoted cells, escaped quotes and cells over two lines are fine; lines stay right.
    let t = load::parse(
        "s",
        "s.csv",
        b"id,note,n\n1,\"a, \"\"b\"\"\",5\n2,\"two\nlines\",x1\n3,ok,7\n",
    )
    .unwrap();
    assert_eq!(
        t.column(1).unwrap().cell(0),
        super::column::Cell::Text("a, \"b\"")
    );
    assert_eq!(t.row_place(2), "s.csv:5");
    assert_eq!(t.first_non_number(2), Some(1));
    assert_eq!(t.row_place(1), "s.csv:3");
}

#[test]
fn a_loosely_written_number_before_text_is_kept_as_written() {
    let t = load::parse("s", "s.csv", b"v\n1e3\n+5\nn/a\n").unwrap();
    let c = t.column(0).unwrap();
    assert_eq!(c.cell(0), super::column::Cell::Text("1e3"));
    assert_eq!(c.cell(1), super::column::Cell::Text("+5"));
    let t = load::parse("s", "s.csv", b"v\n1e3\n+5\n").unwrap();
    assert_eq!(
        t.column(0).unwrap().cell(0),
        super::column::Cell::Number(d("1000"))
    );
}

#[test]
fn reading_a_table_refuses_what_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = load::read_table_bytes(dir.path(), 100).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let f = dir.path().join("t.csv");
    std::fs::write(&f, "a\n1\n").unwrap();
    assert_eq!(load::read_table_bytes(&f, 100).unwrap(), b"a\n1\n");
    let err = load::read_table_bytes(&f, 3).unwrap_err();
    assert!(err.to_string().contains("at most 3 bytes"), "{err}");
    #[cfg(unix)]
    {
        let err = load::read_table_bytes(std::path::Path::new("/dev/zero"), 100).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
    let t = load::parse_file("t", "t.csv", &f, 100).unwrap().unwrap();
    assert_eq!(t.len(), 1);
}
