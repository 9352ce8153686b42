//! Evidence tables at scale: load + evaluate two shipped models whose tables are resampled
//! to 100,000 rows (set SROI_BENCH_ROWS="100000 1000000" for 1M too), and the cost per row
//! of each way of writing a rule.
//!
//! Run: cargo bench --bench tables   (needs python3 to generate the tables; see
//! benches/gen_tables.py and, for the comparison with polars, benches/compare_polars.sh)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use rhai::{Dynamic, Engine};
use sroi::evaluate::evaluate;
use sroi::project::{LoadOptions, load};
use sroi::script::table::{self, Table};
use sroi::source::DiskFiles;

fn generated(rows: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/bench-tables");
    let dir = out.join(format!("rows-{rows}"));
    if !dir.join("models/movema-dance.yaml").exists() {
        let status = Command::new("python3")
            .arg(root.join("benches/gen_tables.py"))
            .args(["--rows", &rows.to_string(), "--out"])
            .arg(&out)
            .status()
            .expect("python3 runs benches/gen_tables.py");
        assert!(status.success(), "gen_tables.py failed");
    }
    dir
}

fn models(c: &mut Criterion) {
    let rows: Vec<usize> = std::env::var("SROI_BENCH_ROWS")
        .unwrap_or_else(|_| "100000".to_owned())
        .split_whitespace()
        .filter_map(|r| r.parse().ok())
        .collect();
    let mut group = c.benchmark_group("tables");
    group.sample_size(10);
    for n in rows {
        let dir = generated(n);
        for model in ["movema-dance", "musician-in-residence"] {
            let path = dir.join(format!("models/{model}.yaml"));
            group.bench_function(format!("load+evaluate/{model}/{n}"), |b| {
                b.iter(|| {
                    let (project, _) =
                        load(&mut DiskFiles::default(), &path, &LoadOptions::default())
                            .expect("loads");
                    evaluate(&project).expect("evaluates")
                });
            });
        }
    }
    group.finish();
}

const ROWS: usize = 100_000;

/// A 100,000-row table: id, group (text), before and after (numbers, some blank).
fn survey_csv() -> String {
    let mut csv = String::from("id,group,before,after\n");
    for i in 0..ROWS {
        let after = if i % 10 == 0 {
            String::new()
        } else {
            (30 + (i * 7) % 25).to_string()
        };
        csv.push_str(&format!("p{i},g{},{},{after}\n", i % 5, 30 + i % 20));
    }
    csv
}

/// Cost per row of each style: divide the reported time by 100,000.
fn styles(c: &mut Criterion) {
    let csv = survey_csv();
    let mut group = c.benchmark_group("per-100k-rows");
    group.sample_size(20);
    group.bench_function("load (parse into columns)", |b| {
        b.iter(|| table::load::parse("survey", "survey.csv", csv.as_bytes()).expect("parses"));
    });
    let loaded: Table =
        Arc::new(table::load::parse("survey", "survey.csv", csv.as_bytes()).expect("parses"));
    let tables = BTreeMap::from([("survey".to_owned(), loaded)]);
    let mut engine = Engine::new();
    table::register(&mut engine, &tables);
    let rules = [
        (
            "native where+count",
            r#"table("survey").where("after", ">=", 40).count()"#,
        ),
        ("native sum", r#"table("survey").sum("after")"#),
        (
            "native where text ==",
            r#"table("survey").where("group", "==", "g3").count()"#,
        ),
        (
            "native anti_join",
            r#"let t = table("survey"); t.anti_join("id", t.where("group", "==", "g1"), "id").count()"#,
        ),
        (
            "closure filter",
            r#"table("survey").filter(|r| r.after != () && r.after >= 40).len()"#,
        ),
        (
            "for loop sum",
            r#"let s = 0; for r in table("survey") { if r.after != () { s += r.after; } } s"#,
        ),
    ];
    for (name, rule) in rules {
        let ast = engine.compile(rule).expect("compiles");
        group.bench_function(name, |b| {
            b.iter(|| engine.eval_ast::<Dynamic>(&ast).expect("runs"));
        });
    }
    group.finish();
}

criterion_group!(benches, models, styles);
criterion_main!(benches);
