//! No input panics the process: arbitrary text, and valid models with random damage.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use sroi::project::{LoadOptions, load_from};
use sroi::source::{DiskFiles, Files};

const WORKED: &str = "tests/conformance/valid/spec-worked-check.yaml";

/// Load and evaluate YAML text as if it were the worked-check model's file.
fn load_text(text: &str) {
    let mut files = DiskFiles::default();
    let file = sroi::diagnostic::SourceFile::new(std::path::Path::new(WORKED), text.to_owned());
    if let Ok((project, _)) = load_from(&mut files, &file, &LoadOptions::default()) {
        let _ = sroi::evaluate::evaluate(&project);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        load_text(&text);
    }

    #[test]
    fn a_damaged_model_never_panics(cuts in proptest::collection::vec((0usize..2000, "[ -~\\n]{0,6}"), 1..6)) {
        let mut text = std::fs::read_to_string(WORKED).unwrap();
        for (at, insert) in cuts {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let end = (at + insert.len()).min(text.len());
            let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
            text.replace_range(at..end, &insert);
        }
        load_text(&text);
    }

    #[test]
    fn any_number_in_any_field_is_handled(
        field in prop::sample::select(vec!["quantity: 10", "value: 5000", "duration: 3", "deadweight: 20%", "drop_off: 10%", "discount_rate: 3.5%"]),
        number in prop_oneof![
            "-?[0-9]{1,40}(\\.[0-9]{1,40})?",
            "-?[0-9]{1,3}e-?[0-9]{1,3}",
            "-?[0-9]{1,30}%",
            Just(".inf".to_owned()), Just(".nan".to_owned()), Just("0x1F".to_owned()),
        ],
    ) {
        let text = std::fs::read_to_string(WORKED).unwrap();
        let key = field.split(':').next().unwrap();
        let text = text.replace(field, &format!("{key}: {number}"));
        load_text(&text);
    }
}

#[test]
fn load_cache_reuses_unchanged_parts_and_rebuilds_changed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("models/proxies")).unwrap();
    std::fs::create_dir_all(root.join("scripts")).unwrap();
    std::fs::write(root.join("scripts/m.rhai"), "fn q() { 4 }\n").unwrap();
    std::fs::write(
        root.join("models/proxies/uk.yaml"),
        "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  p: { value: 10, source: test }\n",
    )
    .unwrap();
    let model = "sroi: 1\nid: m\nname: M\ncurrency: GBP\nproxies: uk\nscript: ../scripts/m.rhai\nstakeholders:\n  - id: s\ninputs:\n  - stakeholder: s\n    value: 1\noutcomes:\n  - id: o\n    stakeholder: s\n    quantity: \"= q()\"\n    proxy: p\n    duration: 1\n";
    std::fs::write(root.join("models/m.yaml"), model).unwrap();
    let path = root.join("models/m.yaml");
    let mut cache = sroi::project::LoadCache::default();
    let load = |cache: &mut sroi::project::LoadCache| {
        let mut files = DiskFiles::default();
        let file = files.read(&path).unwrap();
        let (project, _) =
            sroi::project::load_cached(&mut files, &file, &LoadOptions::default(), cache).unwrap();
        sroi::evaluate::evaluate(&project).unwrap().outcomes[0]
            .quantity
            .to_string()
    };
    assert_eq!(load(&mut cache), "4");
    assert_eq!((cache.reused_proxies, cache.reused_runtime), (0, 0));
    // An edit to the model alone reuses the parsed proxy set and the compiled script.
    std::fs::write(&path, model.replace("value: 1\n", "value: 2\n")).unwrap();
    assert_eq!(load(&mut cache), "4");
    assert_eq!((cache.reused_proxies, cache.reused_runtime), (1, 1));
    // A changed script is rebuilt; the proxy set is still reused.
    std::fs::write(root.join("scripts/m.rhai"), "fn q() { 5 }\n").unwrap();
    assert_eq!(load(&mut cache), "5");
    assert_eq!((cache.reused_proxies, cache.reused_runtime), (2, 1));
    // A changed proxy value re-reads the set but keeps the compiled script: scripts see
    // proxy values through each evaluation's bindings, not baked into the runtime.
    std::fs::write(
        root.join("models/proxies/uk.yaml"),
        "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  p: { value: 11, source: test }\n",
    )
    .unwrap();
    assert_eq!(load(&mut cache), "5");
    assert_eq!((cache.reused_proxies, cache.reused_runtime), (2, 2));
}
