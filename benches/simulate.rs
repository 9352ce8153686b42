//! 100,000 Monte Carlo draws of a three-outcome scripted model: load + simulate, and
//! simulate alone. `benches/simulate/compare.py` runs the whole command side by side with
//! the same simulation written with numpy.
//! Run: cargo bench --bench simulate

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use sroi::analysis::simulate::simulate;
use sroi::evaluate::Scenario;
use sroi::project::{LoadOptions, load};
use sroi::source::DiskFiles;

const DRAWS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/simulate/three-outcomes.yaml");
    let options = LoadOptions::default();
    let mut group = c.benchmark_group("simulate");
    group.sample_size(20);
    group.bench_function("load+simulate/100k", |b| {
        b.iter(|| {
            let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
            simulate(&project, Scenario::default(), DRAWS, 1, &mut |_, _| {}).expect("simulates")
        });
    });
    let (project, _) = load(&mut DiskFiles::default(), &path, &options).expect("loads");
    group.bench_function("simulate/100k", |b| {
        b.iter(|| {
            simulate(&project, Scenario::default(), DRAWS, 1, &mut |_, _| {}).expect("simulates")
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
