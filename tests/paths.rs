//! Paths written inside YAML files stay inside the project (links followed), widened only
//! by `--allow-path`; a refusal is located and never shows the target's content. Each
//! test builds its own folders in a temporary directory, with a secret outside the
//! project whose text must never reach the output, so none relies on a system file.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Output, sroi};

/// Text that only the files outside the project hold.
const SECRET: &str = "TOPSECRET-7f3a";

/// Write `files` (relative path, text) under `root`.
fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
}

fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> Output {
    sroi(args)
}

fn assert_secret_not_shown(out: &Output) {
    assert!(
        !out.stderr.contains(SECRET) && !out.stdout.contains(SECRET),
        "the outside file's content was shown:\n{}{}",
        out.stdout,
        out.stderr
    );
}

/// A proxy set with one proxy `visit`, of the given id, extending `extends` if any.
fn set(id: &str, extends: Option<&str>, value: u32) -> String {
    let extends = extends.map_or(String::new(), |e| format!("extends: {e}\n"));
    format!(
        "# {SECRET}\nsroi: 1\nid: {id}\nname: Set {id}\ncurrency: GBP\n{extends}proxies:\n  visit:\n    value: {value}\n    price_year: 2024\n    source: test, illustrative\n"
    )
}

/// A model: `extra` holds its path keys; one outcome whose quantity and proxy are given.
fn model(extra: &str, quantity: &str, proxy: &str) -> String {
    format!(
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\ndiscount_rate: 0%\n{extra}stakeholders:\n  - id: people\n  - id: funder\ninputs:\n  - {{ stakeholder: funder, description: Grant, value: 100 }}\noutcomes:\n  - id: o\n    stakeholder: people\n    quantity: {quantity}\n    proxy: {proxy}\n    duration: 1\n"
    )
}

const INLINE: &str = "{ value: 150, source: test, price_year: 2024 }";

/// `outside/` beside `proj/`: a CSV (two rows), a script, a proxy set and a deflator
/// series, each carrying the secret.
fn outside(root: &Path) {
    let deflator = std::fs::read_to_string("models/deflators/ons-gdp-deflator.yaml").unwrap();
    write(
        root,
        &[
            (
                "outside/secret.csv",
                &format!("name,token\nx,{SECRET}\ny,{SECRET}\n"),
            ),
            (
                "outside/secret.rhai",
                &format!("fn leak() {{ {SECRET} }}\n"),
            ),
            ("outside/uk.yaml", &set("outer", None, 10)),
            ("outside/d.yaml", &format!("# {SECRET}\n{deflator}")),
        ],
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_project_are_all_refused_in_one_pass_without_showing_the_targets() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    outside(root);
    let proj = root.join("proj");
    for (link, target) in [
        ("models/data/link.csv", "outside/secret.csv"),
        ("scripts/link.rhai", "outside/secret.rhai"),
        ("models/proxies/uk.yaml", "outside/uk.yaml"),
        ("models/deflators/d.yaml", "outside/d.yaml"),
    ] {
        let link = proj.join(link);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(root.join(target), link).unwrap();
    }
    // A linked folder: the file itself is no link.
    symlink(root.join("outside"), proj.join("models/far")).unwrap();
    let m = model(
        "proxies: uk\nprice_year: 2024\ndeflator: d\nscript: ../scripts/link.rhai\ndata:\n  t: data/link.csv\n  u: far/secret.csv\n",
        "2",
        INLINE,
    );
    write(&proj, &[("models/m.yaml", &m)]);
    let out = run(&["check", &arg(&proj.join("models/m.yaml"))]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for refused in [
        "`data/link.csv` (data table `t`) is outside the project folder",
        "`far/secret.csv` (data table `u`) is outside the project folder",
        "`../scripts/link.rhai` (the script) is outside the project folder",
        "`proxies/uk.yaml` (proxy set) is outside the project folder",
        "`deflators/d.yaml` (deflator) is outside the project folder",
    ] {
        assert!(
            out.stderr.contains(refused),
            "missing `{refused}` in\n{}",
            out.stderr
        );
    }
    assert!(out.stderr.ends_with("5 errors found\n"), "{}", out.stderr);
    assert!(out.stderr.contains("m.yaml:9:"), "located: {}", out.stderr);
    assert_secret_not_shown(&out);

    // A link that stays inside the project is followed as before.
    std::fs::remove_file(proj.join("models/data/link.csv")).unwrap();
    write(&proj, &[("models/data/real.csv", "name\na\nb\nc\n")]);
    symlink(
        proj.join("models/data/real.csv"),
        proj.join("models/data/link.csv"),
    )
    .unwrap();
    let m = model(
        "data:\n  t: data/link.csv\n",
        "'= table(\"t\").count()'",
        INLINE,
    );
    write(&proj, &[("models/m.yaml", &m)]);
    let out = run(&["run", &arg(&proj.join("models/m.yaml")), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // 3 rows × 150 = 450 of value for 100 invested.
    assert_eq!(json["ratio"], "4.5000", "{json}");
}

#[test]
fn allow_path_lets_a_model_read_a_folder_outside_its_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    outside(root);
    let m = model(
        "data:\n  t: ../../outside/secret.csv\n",
        "'= table(\"t\").count()'",
        INLINE,
    );
    write(root, &[("proj/models/m.yaml", &m)]);
    let path = arg(&root.join("proj/models/m.yaml"));

    let refused = run(&["run", &path, "--format", "json"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("`../../outside/secret.csv` (data table `t`) is outside the project folder"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--allow-path DIR"));
    assert_secret_not_shown(&refused);

    let outside = arg(&root.join("outside"));
    let allowed = run(&["run", &path, "--format", "json", "--allow-path", &outside]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    let json: serde_json::Value = serde_json::from_str(&allowed.stdout).unwrap();
    // 2 rows × 150 = 300 of value for 100 invested.
    assert_eq!(json["ratio"], "3.0000", "{json}");

    // `sroi batch` and `sroi compare` take the same option: refused without it, the same
    // ratio with it.
    let batch = run(&["batch", &path, "--format", "json"]);
    assert_eq!(batch.code, 1, "{}", batch.stdout);
    assert!(
        batch.stdout.contains("is outside the project folder"),
        "{}",
        batch.stdout
    );
    assert_secret_not_shown(&batch);
    let batch = run(&["batch", &path, "--format", "json", "--allow-path", &outside]);
    assert_eq!(batch.code, 0, "{}", batch.stdout);
    let lines: serde_json::Value = serde_json::from_str(&batch.stdout).unwrap();
    assert_eq!(lines[0]["ratio"], "3.0000", "{lines}");
    let compare = run(&[
        "compare",
        &path,
        "--format",
        "json",
        "--allow-path",
        &outside,
    ]);
    assert_eq!(compare.code, 0, "{}", compare.stderr);
    // So does `sroi functions MODEL`, which loads the model to list its script's functions.
    assert_eq!(run(&["functions", &path]).code, 1);
    let functions = run(&["functions", &path, "--allow-path", &outside]);
    assert_eq!(functions.code, 0, "{}", functions.stderr);

    // A folder that does not exist widens nothing, and the refusal says so.
    let typo = arg(&root.join("outsid"));
    let out = run(&["run", &path, "--allow-path", &typo]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("(no such folder)"), "{}", out.stderr);
}

#[test]
fn a_set_named_on_the_command_line_may_extend_only_inside_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("proj/models/m.yaml", &model("", "2", "visit")),
            (
                "licensed/mine.yaml",
                &set("mine", Some("../open/uk.yaml"), 20),
            ),
            ("licensed/near.yaml", &set("near", Some("mine"), 30)),
            ("open/uk.yaml", &set("uk", None, 10)),
        ],
    );
    let m = arg(&root.join("proj/models/m.yaml"));

    // The set itself may be anywhere (it is a command-line path) ...
    let near = arg(&root.join("licensed/near.yaml"));
    let out = run(&[
        "run",
        &m,
        "--proxies",
        &near,
        "--allow-path",
        &arg(&root.join("open")),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("(near → mine → uk)"), "{}", out.stdout);

    // ... but its `extends` stay inside its folder.
    let mine = arg(&root.join("licensed/mine.yaml"));
    let out = run(&["run", &m, "--proxies", &mine]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`../open/uk.yaml` (`extends`) is outside the project folder"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("mine.yaml:6:10"), "{}", out.stderr);
    assert!(
        out.stderr.contains("the proxy set's own folder"),
        "{}",
        out.stderr
    );
    assert_secret_not_shown(&out);

    // `sroi check` on the set itself follows the same rule, and --allow-path widens it.
    let out = run(&["check", &mine]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let open = arg(&root.join("open"));
    let out = run(&["check", &mine, "--allow-path", &open]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("chain mine → uk"), "{}", out.stdout);
    let out = run(&[
        "run",
        &m,
        "--proxies",
        &mine,
        "--allow-path",
        &open,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // 2 × 20 (the licensed value overrides uk's 10) = 40 for 100 invested.
    assert_eq!(json["ratio"], "0.4000", "{json}");
}

#[test]
fn a_register_widens_its_project_with_allow_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            (
                "proj/registers/r.yaml",
                &format!(
                    "sroi: 1\nkind: asset-register\nid: r\nname: R\nassets: {}\nscript: ../scripts/ok.rhai\n",
                    arg(&root.join("shared/assets.csv"))
                ),
            ),
            (
                "proj/scripts/ok.rhai",
                "fn themes(asset) { [\"social\"] }\nfn score(asset) { 1 }\n",
            ),
            (
                "shared/assets.csv",
                "id,name,category\na,First,library\nb,Second,park\n",
            ),
        ],
    );
    let register = arg(&root.join("proj/registers/r.yaml"));
    let out = run(&["assets", "check", &register]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("is outside the project folder"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("r.yaml:5:9"), "{}", out.stderr);
    let shared = arg(&root.join("shared"));
    let out = run(&[
        "assets",
        "list",
        &register,
        "--allow-path",
        &shared,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["assets"].as_array().map(Vec::len), Some(2), "{json}");
}

#[test]
fn files_inside_the_project_of_another_kind_are_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let env = format!("API_KEY={SECRET}\nOTHER={SECRET}\n");
    let csv = format!("name,token\nx,{SECRET}\n");
    let mut binary = b"\x00\x01bin".to_vec();
    binary.extend_from_slice(SECRET.as_bytes());
    binary.extend_from_slice(b"\xff\xfe\n");
    write(
        root,
        &[
            ("proj/models/settings.env", &env),
            ("proj/models/people.csv", &csv),
            (
                "proj/models/proxies/via.yaml",
                &set("via", Some("../people.csv"), 1),
            ),
        ],
    );
    std::fs::write(root.join("proj/models/blob.csv"), &binary).unwrap();
    let cases: [(&str, &str, &str); 6] = [
        (
            "script: settings.env\n",
            "2",
            "is not a Rhai script (.rhai)",
        ),
        ("proxies: ./people.csv\n", "2", "is not an sroi proxy set"),
        (
            "proxies: via\n",
            "2",
            "(`extends`) is not an sroi proxy set",
        ),
        (
            "price_year: 2024\ndeflator: ./settings.env\n",
            "2",
            "is not an sroi deflator series",
        ),
        (
            "data:\n  t: settings.env\n",
            "2",
            "is not a CSV table (.csv)",
        ),
        (
            "data:\n  t: blob.csv\n",
            "'= table(\"t\").count()'",
            "is not UTF-8 text",
        ),
    ];
    for (extra, quantity, expected) in cases {
        let proxy = if extra.starts_with("proxies") {
            "visit"
        } else {
            INLINE
        };
        write(
            root,
            &[("proj/models/m.yaml", &model(extra, quantity, proxy))],
        );
        let out = run(&["check", &arg(&root.join("proj/models/m.yaml"))]);
        assert_eq!(out.code, 1, "{extra}: {}", out.stderr);
        assert!(
            out.stderr.contains(expected),
            "{extra}: missing `{expected}` in\n{}",
            out.stderr
        );
        assert_secret_not_shown(&out);
    }
}

#[test]
fn imports_never_reach_a_scripts_folder_above_the_project() {
    let dir = tempfile::tempdir().unwrap();
    // The project is kept inside someone's `scripts/` folder, beside a file of theirs.
    let root = dir.path().join("scripts");
    write(
        &root,
        &[
            ("leak.rhai", &format!("fn leak() {{ {SECRET} }}\n")),
            (
                "proj/models/m.rhai",
                "import \"leak\" as l;\nfn two() { 2 }\n",
            ),
            (
                "proj/models/m.yaml",
                &model("script: m.rhai\n", "'= two()'", INLINE),
            ),
        ],
    );
    let out = run(&["check", &arg(&root.join("proj/models/m.yaml"))]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown module `leak`"),
        "the import must be looked for in the script's own folder only:\n{}",
        out.stderr
    );
    assert_secret_not_shown(&out);

    // Inside the project, the nearest `scripts` folder is still the tree.
    write(
        &root,
        &[
            ("proj/scripts/lib/two.rhai", "fn two() { 2 }\n"),
            (
                "proj/scripts/m.rhai",
                "import \"lib/two\" as t;\nfn two() { t::two() }\n",
            ),
            (
                "proj/models/m.yaml",
                &model("script: ../scripts/m.rhai\n", "'= two()'", INLINE),
            ),
        ],
    );
    let out = run(&[
        "run",
        &arg(&root.join("proj/models/m.yaml")),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["ratio"], "3.0000", "{json}");
}

#[test]
fn verify_re_runs_a_receipt_with_its_allow_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    outside(root);
    let m = model(
        "data:\n  t: ../../outside/secret.csv\n",
        "'= table(\"t\").count()'",
        INLINE,
    );
    write(root, &[("proj/models/m.yaml", &m)]);
    let receipt = arg(&root.join("r.json"));
    let out = run(&[
        "run",
        &arg(&root.join("proj/models/m.yaml")),
        "--allow-path",
        &arg(&root.join("outside")),
        "--receipt",
        &receipt,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let verify = run(&["verify", &receipt]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("verified:"), "{}", verify.stdout);
}
