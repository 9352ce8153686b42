//! Help that teaches by example: `sroi --help` and every command's `--help` end with
//! example command lines, and every one of them works as written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::sroi;

const COMMANDS: [&str; 6] = ["run", "check", "watch", "explain", "functions", "init"];
/// The commands that take `--set`.
const WITH_SET: [&str; 4] = ["run", "check", "watch", "explain"];

fn help(command: Option<&str>) -> String {
    let mut args: Vec<&str> = command.into_iter().collect();
    args.push("--help");
    let out = sroi(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn help_texts_are_as_reviewed() {
    insta::assert_snapshot!("sroi", help(None));
    for command in COMMANDS {
        insta::assert_snapshot!(command, help(Some(command)));
    }
}

#[test]
fn every_help_shows_examples_and_the_set_forms() {
    let forms = [
        "--set referrals=150",
        "--set outcomes.improved-wellbeing.deadweight=30%",
        "--set proxies.gp_consultation=40",
        "--set inputs.1.value=50000",
        "--set discount_rate=3%",
    ];
    for command in std::iter::once(None).chain(COMMANDS.map(Some)) {
        let text = help(command);
        assert!(
            text.contains("\nExamples:\n  sroi "),
            "{command:?}:\n{text}"
        );
        if command.is_none_or(|c| WITH_SET.contains(&c)) {
            for form in forms {
                assert!(text.contains(form), "{command:?} lacks {form}:\n{text}");
            }
        }
    }
    // `-h` shows the examples too.
    let short = sroi(&["run", "-h"]).stdout;
    assert!(short.contains("Examples:"), "{short}");
}

/// The example command lines of every help text: `  sroi ARGS   what it does`.
fn examples() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for command in std::iter::once(None).chain(COMMANDS.map(Some)) {
        for line in help(command).lines() {
            let Some(rest) = line.strip_prefix("  sroi ") else {
                continue;
            };
            // A description follows the command after two spaces or more.
            let command_line = rest.split("  ").next().unwrap_or_default();
            let args: Vec<String> = command_line.split_whitespace().map(String::from).collect();
            if !out.contains(&args) {
                out.push(args);
            }
        }
    }
    out
}

#[test]
fn every_example_command_line_works_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let examples = examples();
    assert!(examples.len() >= 20, "{examples:?}");
    for args in &examples {
        // `watch` runs until Ctrl-C: its examples are parsed, not run (tests/watch.rs
        // runs the command itself).
        let parse_only = args[0] == "watch";
        // `init` writes files: run it in a scratch folder.
        let dir = if args[0] == "init" {
            scratch.path()
        } else {
            root
        };
        if parse_only {
            let out = sroi(
                &[
                    args.iter().map(String::as_str).collect::<Vec<_>>(),
                    vec!["--help"],
                ]
                .concat(),
            );
            assert_eq!(out.code, 0, "sroi {}: {}", args.join(" "), out.stderr);
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_sroi"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sroi {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "sroi {}: no output", args.join(" "));
    }
}

/// The `--set` forms the help lists, on a model that has each figure they name.
#[test]
fn the_set_forms_in_the_help_change_the_figures_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::create_dir_all(dir.path().join("proxies")).unwrap();
    std::fs::write(
        dir.path().join("proxies/uk.yaml"),
        "sroi: 1\nid: uk\nname: UK\ncurrency: GBP\nproxies:\n  gp_consultation: { value: 30, source: test }\n",
    )
    .unwrap();
    std::fs::write(
        &model,
        "sroi: 1\nid: m\nname: M\ncurrency: GBP\nproxies: uk\nparams:\n  referrals: 100\n\
         stakeholders:\n  - id: people\ninputs:\n  - stakeholder: people\n    value: 1000\n\
         outcomes:\n  - id: improved-wellbeing\n    stakeholder: people\n    quantity: \"= referrals\"\n\
         \x20   proxy: gp_consultation\n    duration: 1\n    deadweight: 10%\n",
    )
    .unwrap();
    let model = model.to_str().unwrap();
    let run = |set: &str| -> serde_json::Value {
        let out = sroi(&["run", model, "--format", "json", "--set", set]);
        assert_eq!(out.code, 0, "--set {set}: {}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    };
    assert_eq!(run("referrals=150")["outcomes"][0]["quantity"], "150");
    let o = run("outcomes.improved-wellbeing.deadweight=30%");
    assert_eq!(o["outcomes"][0]["deadweight"], "0.30");
    // 100 × 30 × 0.7 = 2,100.
    assert_eq!(o["outcomes"][0]["impact"], "2100.00");
    assert_eq!(
        run("proxies.gp_consultation=40")["outcomes"][0]["proxy"]["value"],
        "40.00"
    );
    assert_eq!(run("inputs.1.value=50000")["investment"], "50000.00");
    assert_eq!(run("discount_rate=3%")["discount_rate"], "0.03");
    // And on the shipped model the examples under `--help` use (but for `referrals`, a
    // param that model does not have).
    for set in [
        "outcomes.improved-wellbeing.deadweight=30%",
        "proxies.gp_consultation=40",
        "inputs.1.value=50000",
        "discount_rate=3%",
    ] {
        let out = sroi(&["run", "models/arts-for-health.yaml", "--set", set]);
        assert_eq!(out.code, 0, "--set {set}: {}", out.stderr);
    }
}
