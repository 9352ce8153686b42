//! The docs' command examples still do what the docs say: every `$ sroi …` line in a
//! ```console block of README.md and docs/*.md is run, and every line of output the block
//! shows must appear in what the binary prints now (lines with `…` mark elisions and are
//! skipped). Commands that write files (`--out`) or never end (`watch`) are left out.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::sroi;

/// Each example: where it is, the command line, and the output lines shown under it.
fn examples(file: &str, text: &str) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let mut in_console = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_console = !in_console && line.trim_start().starts_with("```console");
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            out.push((format!("{file}:{}", n + 1), command.to_owned(), Vec::new()));
        } else if let Some((_, _, shown)) = out.last_mut() {
            shown.push(line.to_owned());
        }
    }
    out
}

#[test]
fn every_console_example_in_the_docs_prints_what_the_docs_show() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut checked = 0;
    let mut problems = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        for (place, command, shown) in examples(&name, &text) {
            let Some(args) = command.strip_prefix("sroi ") else {
                continue;
            };
            if args.contains("--out") || args.starts_with("watch") || args.contains('|') {
                continue;
            }
            let args: Vec<&str> = args.split_whitespace().collect();
            let run = sroi(&args);
            let printed = format!("{}{}", run.stdout, run.stderr);
            let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
            for line in &shown {
                let line = line.trim_end();
                if line.is_empty() || line.contains('…') {
                    continue;
                }
                if !printed.contains(&line) {
                    problems.push(format!("{place}: `{command}` no longer prints:\n  {line}"));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} examples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
