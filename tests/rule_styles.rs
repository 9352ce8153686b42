//! The shipped scripts use the native table operations; the same rules written row by
//! row (the scripts as they were, kept in tests/old-style-scripts) must give the same
//! figures on every shipped model.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;

use common::sroi;

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn old_and_new_rule_styles_give_the_same_figures_on_every_shipped_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A project whose models are the shipped ones and whose scripts are the row-by-row ones.
    let old = tempfile::tempdir().unwrap();
    copy_dir(&root.join("models"), &old.path().join("models"));
    copy_dir(
        &root.join("tests/old-style-scripts"),
        &old.path().join("scripts"),
    );
    let mut compared = 0;
    for entry in fs::read_dir(root.join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Only the models whose rules exist in both styles.
        let old_script = root
            .join("tests/old-style-scripts")
            .join(name.replace(".yaml", ".rhai"));
        if !old_script.exists() {
            continue;
        }
        let new_style = sroi(&["run", path.to_str().unwrap(), "--format", "json"]);
        let old_path = old.path().join("models").join(&name);
        let old_style = sroi(&["run", old_path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(new_style.code, 0, "{name}: {}", new_style.stderr);
        assert_eq!(old_style.code, 0, "{name}: {}", old_style.stderr);
        let new_json: serde_json::Value = serde_json::from_str(&new_style.stdout).unwrap();
        let old_json: serde_json::Value = serde_json::from_str(&old_style.stdout).unwrap();
        assert_eq!(new_json, old_json, "{name}: the two styles differ");
        // The old scripts really are the row-by-row ones.
        let script = fs::read_to_string(
            old.path()
                .join("scripts")
                .join(name.replace(".yaml", ".rhai")),
        )
        .unwrap();
        assert!(
            !script.contains(".where(") && !script.contains("_join("),
            "{name}"
        );
        compared += 1;
    }
    assert_eq!(compared, 6);
}

#[test]
fn no_shipped_rule_compares_a_column_with_a_value_no_row_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in fs::read_dir(root.join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let (project, _) = sroi::project::load(
            &mut sroi::source::DiskFiles::default(),
            &path,
            &sroi::project::LoadOptions::default(),
        )
        .unwrap();
        sroi::evaluate::evaluate(&project).unwrap();
        let warnings = project.host.table_warnings();
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
    }
}

#[test]
fn a_rule_on_a_value_no_row_has_warns_at_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("models/data")).unwrap();
    fs::create_dir_all(root.join("scripts")).unwrap();
    fs::write(root.join("models/data/s.csv"), "id,answer\n1,yes\n2,no\n").unwrap();
    fs::write(
        root.join("scripts/m.rhai"),
        "fn said_yes() {\n    table(\"s\").where(\"answer\", \"==\", \"Yes\").count()\n}\n",
    )
    .unwrap();
    fs::write(
        root.join("models/m.yaml"),
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nscript: ../scripts/m.rhai\ndata:\n  s: data/s.csv\nstakeholders:\n  - id: people\noutcomes:\n  - id: o\n    stakeholder: people\n    quantity: '= said_yes()'\n    proxy: { value: 1, source: test }\n    duration: 1\n",
    )
    .unwrap();
    let (project, _) = sroi::project::load(
        &mut sroi::source::DiskFiles::default(),
        &root.join("models/m.yaml"),
        &sroi::project::LoadOptions::default(),
    )
    .unwrap();
    sroi::evaluate::evaluate(&project).unwrap();
    let warnings = project.host.table_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(!w.is_error());
    assert_eq!(
        w.message,
        "no row of table `s` has \"Yes\" in column `answer`, so this comparison matches nothing"
    );
    assert_eq!(
        w.help.as_deref(),
        Some("did you mean `yes`? values present in `answer`: `yes`, `no`")
    );
    let rendered = sroi::diagnostic::render(
        &sroi::diagnostic::Diagnostics(warnings.clone()),
        sroi::diagnostic::Style::Plain,
    );
    assert!(rendered.contains("m.rhai:2:"), "{rendered}");
}
