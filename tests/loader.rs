//! Every file goes through one loader: a whole project runs from memory, and the disk
//! loader reads only regular files, checking their size first.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use sroi::project::{self, LoadOptions};
use sroi::source::{DiskFiles, MemoryLoader};

use common::sroi;

#[test]
fn a_project_with_script_module_and_table_runs_from_memory() {
    let loader = MemoryLoader::default()
        .with(
            "p/models/m.yaml",
            "sroi: 1\nid: m\nname: M\ncurrency: GBP\nproxies: uk\nscript: ../scripts/m.rhai\ndata:\n  t: data/t.csv\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 100\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: \"= counted()\"\n    proxy: p\n    duration: 1\n",
        )
        .with(
            "p/models/proxies/uk.yaml",
            "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  p: { value: 10, source: test }\n",
        )
        .with("p/models/data/t.csv", "id,ok\n1,yes\n2,no\n3,yes\n")
        .with(
            "p/scripts/m.rhai",
            "import \"lib/count\" as c;\nfn counted() { c::yes(table(\"t\")) }\n",
        )
        .with(
            "p/scripts/lib/count.rhai",
            "fn yes(rows) { let n = 0; for r in rows { if r.ok == \"yes\" { n += 1; } } n }\n",
        );
    let mut files = DiskFiles::new(Arc::new(loader));
    let (project, _) = project::load(
        &mut files,
        Path::new("p/models/m.yaml"),
        &LoadOptions::default(),
    )
    .unwrap();
    let e = sroi::evaluate::evaluate(&project).unwrap();
    assert_eq!(e.outcomes[0].quantity.to_string(), "2");
    // 2 × 10, discounted one year at 3.5%.
    assert_eq!(sroi::report::fixed(e.total_present_value, 2), "19.32");
    let read: Vec<String> = files
        .used()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    for f in [
        "models/m.yaml",
        "proxies/uk.yaml",
        "data/t.csv",
        "scripts/m.rhai",
        "lib/count.rhai",
    ] {
        assert!(
            read.iter().any(|r| r.ends_with(f)),
            "{f} not recorded in {read:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn devices_and_pipes_are_refused_without_reading_them() {
    let started = std::time::Instant::now();
    let out = sroi(&["run", "/dev/zero"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);

    // A FIFO named as a data table would block a reader forever.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("models/data/t.csv");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let model = dir.path().join("models/m.yaml");
    std::fs::write(
        &model,
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\ndata:\n  t: data/t.csv\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 1\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: 1\n    proxy: { value: 1, source: t }\n    duration: 1\n",
    )
    .unwrap();
    let out = sroi(&["run", &model.to_string_lossy()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    assert!(
        out.stderr.contains("m.yaml:6:"),
        "names the reference: {}",
        out.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}

#[test]
fn a_table_over_the_text_cap_is_streamed_through_the_loader() {
    // 17 MiB of rows: past the 16 MiB cap for YAML and scripts, so the table is read
    // through `Loader::open` (here, from memory: no disk file exists at all).
    let mut csv = String::from("id,ok\n");
    let mut rows = 0u64;
    while csv.len() < 17 * 1024 * 1024 {
        csv.push_str(&format!(
            "{rows},{}\n",
            if rows.is_multiple_of(4) { "yes" } else { "no" }
        ));
        rows += 1;
    }
    let yes = rows.div_ceil(4);
    let loader = MemoryLoader::default()
        .with(
            "big/models/m.yaml",
            "sroi: 1\nid: m\nname: M\ncurrency: GBP\ndata:\n  t: data/t.csv\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 100\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: \"= table(\\\"t\\\").where(\\\"ok\\\", \\\"==\\\", \\\"yes\\\").count()\"\n    proxy: { value: 1, source: t }\n    duration: 1\n",
        )
        .with("big/models/data/t.csv", csv);
    let mut files = DiskFiles::new(Arc::new(loader));
    let (project, _) = project::load(
        &mut files,
        Path::new("big/models/m.yaml"),
        &LoadOptions::default(),
    )
    .map_err(|d| sroi::diagnostic::render(&d, sroi::diagnostic::Style::Plain))
    .unwrap();
    let e = sroi::evaluate::evaluate(&project).unwrap();
    assert_eq!(e.outcomes[0].quantity.to_string(), yes.to_string());
}
