//! Load + evaluate each shipped model, and evaluate alone (the watch-mode hot path).
//! Run: cargo bench --bench evaluate

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use sroi::evaluate::evaluate;
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
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
