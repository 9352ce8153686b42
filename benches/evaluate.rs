//! Load + evaluate each shipped model, and evaluate alone (the watch-mode hot path).
//! Run: cargo bench --bench evaluate

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use sroi::evaluate::{Evaluator, OutcomeField, Scenario, Target, evaluate};
use sroi::project::{LoadOptions, load};
use sroi::source::DiskFiles;

fn models() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("models/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn bench(c: &mut Criterion) {
    let options = LoadOptions::default();
    for path in models() {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("model")
            .to_owned();
        c.bench_function(&format!("load+evaluate/{name}"), |b| {
            b.iter(|| {
                let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
                evaluate(&project).expect("evaluates")
            });
        });
        let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
        c.bench_function(&format!("evaluate/{name}"), |b| {
            b.iter(|| evaluate(&project).expect("evaluates"));
        });
        // The compiled model evaluated again with one figure changed, as sensitivity
        // analysis and simulation do: no rule re-runs (its cache holds), so this is the
        // cost of the arithmetic and the assembled result.
        let mut evaluator = Evaluator::new(&project);
        evaluator.evaluate(&Scenario::default()).expect("evaluates");
        let target = Target::Outcome(0, OutcomeField::Deadweight);
        let mut k = 0i64;
        c.bench_function(&format!("override/{name}"), |b| {
            b.iter(|| {
                k = (k + 1) % 50;
                let s = Scenario::default().with(target.clone(), Decimal::new(k, 2));
                evaluator.evaluate(&s).expect("evaluates")
            });
        });
        c.bench_function(&format!("override-results/{name}"), |b| {
            b.iter(|| {
                k = (k + 1) % 50;
                let s = Scenario::default().with(target.clone(), Decimal::new(k, 2));
                evaluator.results(&s).expect("evaluates")
            });
        });
    }
}

/// A model of `n` outcomes whose quantities each call a script function over a CSV of
/// 200 rows: the cost of one scripted outcome is (evaluate time) / n.
fn scripted_project(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("models/data")).expect("dirs");
    std::fs::create_dir_all(root.join("scripts")).expect("dirs");
    let mut csv = String::from("id,before,after\n");
    for i in 0..200 {
        csv.push_str(&format!("{i},{},{}\n", 30 + i % 20, 30 + (i * 7) % 25));
    }
    std::fs::write(root.join("models/data/survey.csv"), csv).expect("csv");
    std::fs::write(
        root.join("scripts/m.rhai"),
        "fn improved(rows, t) { let n = 0; for r in rows { if r.after - r.before >= t { n += 1; } } n }\n",
    )
    .expect("script");
    let mut yaml = String::from(
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nscript: ../scripts/m.rhai\ndata:\n  survey: data/survey.csv\n\
         stakeholders:\n  - id: p\ninputs:\n  - stakeholder: p\n    value: 1000\noutcomes:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "  - id: o{i}\n    stakeholder: p\n    quantity: \"= improved(table(\\\"survey\\\"), {})\"\n    proxy: {{ value: 100, source: bench }}\n    duration: 3\n    drop_off: 10%\n",
            i % 5
        ));
    }
    std::fs::write(root.join("models/m.yaml"), yaml).expect("model");
    dir
}

fn bench_scripts(c: &mut Criterion) {
    let options = LoadOptions::default();
    for n in [1usize, 20] {
        let dir = scripted_project(n);
        let path = dir.path().join("models/m.yaml");
        let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
        c.bench_function(&format!("scripted/evaluate/{n}-outcomes"), |b| {
            b.iter(|| evaluate(&project).expect("evaluates"));
        });
        c.bench_function(&format!("scripted/load+evaluate/{n}-outcomes"), |b| {
            b.iter(|| {
                let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
                evaluate(&project).expect("evaluates")
            });
        });
    }
}

/// A one-outcome project whose quantity calls `f()` from `script`.
fn hostile_project(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("models")).expect("dirs");
    std::fs::create_dir_all(root.join("scripts")).expect("dirs");
    std::fs::write(root.join("scripts/h.rhai"), script).expect("script");
    std::fs::write(
        root.join("models/h.yaml"),
        "sroi: 1\nid: h\nname: H\ncurrency: GBP\nscript: ../scripts/h.rhai\nstakeholders:\n  - id: p\n\
         outcomes:\n  - id: o\n    stakeholder: p\n    quantity: \"= f()\"\n    proxy: { value: 1, source: bench }\n    duration: 1\n",
    )
    .expect("model");
    dir
}

/// How long a runaway script runs before the sandbox stops it.
fn bench_hostile(c: &mut Criterion) {
    let cases = [
        ("endless-loop", "fn f() { loop { } }"),
        (
            "doubling-string",
            "fn f() { let s = \"ab\"; loop { s += s; } }",
        ),
        ("doubling-array", "fn f() { let a = [1]; loop { a += a; } }"),
        ("deep-recursion", "fn f() { f() + 1 }"),
    ];
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    for (name, script) in cases {
        let dir = hostile_project(script);
        let path = dir.path().join("models/h.yaml");
        let (project, _) =
            load(&mut DiskFiles::default(), &path, &LoadOptions::default()).expect("loads");
        group.bench_function(name, |b| {
            b.iter(|| evaluate(&project).expect_err("the sandbox stops it"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_scripts, bench_hostile);
criterion_main!(benches);
