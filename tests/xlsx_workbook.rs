//! `run --format xlsx --out FILE`: the Value Map workbook. Its formulas are recalculated
//! by LibreOffice headless (installed by `.ci/run`), then read back with calamine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{relative, sroi};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn export(model: &Path, out: &Path) {
    let run = sroi(&[
        "run",
        &relative(model),
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut argv = vec!["run"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--format", "json"]);
    let run = sroi(&argv);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn float(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// Summary's label → value, as numbers where they are numbers.
fn summary(path: &Path) -> BTreeMap<String, Data> {
    sheet(path, "Summary")
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Data::String(label), value, ..] => Some((label.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

fn decimal(text: &str) -> f64 {
    text.parse::<Decimal>().unwrap().to_f64().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Recalculate `files` with LibreOffice in one call (start-up is slow); returns the
/// recalculated copies. A fresh profile sets OOXMLRecalcMode = 0 (always recalculate):
/// by default LibreOffice keeps a workbook's cached results.
fn recalculate(files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    let profile = dir.join("profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    let out = dir.join("recalculated");
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "xlsx", "--outdir"])
        .arg(&out)
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot start soffice ({e}); .ci/run installs it: apt-get install -y libreoffice-calc-nogui")
        });
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    files
        .iter()
        .map(|f| {
            let path = out.join(f.file_name().unwrap());
            assert!(path.exists(), "LibreOffice wrote no {}", path.display());
            path
        })
        .collect()
}

/// A copy of the workbook `from` with `edit` applied to each sheet's XML.
fn rewrite(from: &Path, to: &Path, edit: impl Fn(&str, String) -> String) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.starts_with("xl/worksheets/sheet") {
            bytes = edit(&name, String::from_utf8(bytes).unwrap()).into_bytes();
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
}

/// Every formula's cached result replaced by 0.
fn zero_cached_results(xml: String) -> String {
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("</f><v>") {
        let (head, tail) = rest.split_at(at + "</f><v>".len());
        out.push_str(head);
        let end = tail.find("</v>").unwrap();
        out.push('0');
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Set the value of a plain number cell `reference` (e.g. `K4`).
fn set_cell(xml: String, reference: &str, value: &str) -> String {
    let open = format!("<c r=\"{reference}\"");
    let at = xml.find(&open).expect("the cell");
    let v = at + xml[at..].find("<v>").unwrap() + 3;
    let end = v + xml[v..].find("</v>").unwrap();
    assert!(!xml[at..v].contains("<f>"), "{reference} is a plain value");
    format!("{}{value}{}", &xml[..v], &xml[end..])
}

#[test]
fn the_layout_is_the_value_map_and_cached_results_are_sroi_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mut models: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    models.sort();
    for model in models {
        let path = dir.path().join("book.xlsx");
        export(&model, &path);
        let figures = json(&[&relative(&model)]);
        let outcomes = sheet(&path, "Outcomes");
        let horizon = figures["horizon_years"].as_u64().unwrap() as usize;
        let mut expected: Vec<String> = [
            "Outcome id",
            "Stakeholder",
            "Description",
            "Indicator",
            "Quantity",
            "Proxy id",
            "Proxy value",
            "Proxy source",
            "Duration",
            "Start",
            "Deadweight",
            "Displacement",
            "Attribution",
            "Drop-off",
            "Impact",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        expected.extend((1..=horizon).map(|y| format!("Year {y}")));
        expected.push("Present value".to_owned());
        let header: Vec<String> = outcomes[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header[..expected.len()], expected[..]);

        let json_outcomes = figures["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len() - 1, json_outcomes.len());
        for (row, o) in outcomes[1..].iter().zip(json_outcomes) {
            assert_eq!(row[0].to_string(), o["id"].as_str().unwrap());
            assert!(close(
                float(&row[10]),
                decimal(o["deadweight"].as_str().unwrap())
            ));
            assert_eq!(
                format!("{:.2}", float(&row[14])),
                o["impact"].as_str().unwrap(),
                "impact"
            );
            for (y, v) in o["years"].as_array().unwrap().iter().enumerate() {
                assert_eq!(format!("{:.2}", float(&row[15 + y])), v.as_str().unwrap());
            }
            assert_eq!(
                format!("{:.2}", float(&row[15 + horizon])),
                o["present_value"].as_str().unwrap()
            );
        }
        let s = summary(&path);
        assert_eq!(
            format!("{:.4}", float(&s["SROI ratio"])),
            figures["ratio"].as_str().unwrap()
        );
        assert_eq!(
            format!("{:.2}", float(&s["Total present value"])),
            figures["total_present_value"].as_str().unwrap()
        );
        assert_eq!(s["Discounting"].to_string(), "end-of-year");
        // A rebased model: the workbook states its price year, and each Proxy value (the
        // rebased value) is labelled with that year, its original year beside it.
        if let Some(year) = figures["price_year"].as_u64() {
            assert_eq!(float(&s["Price year"]), year as f64);
            let column = |title: &str| header.iter().position(|h| h == title).unwrap();
            let (price_year_col, original_col) =
                (column("Proxy price year"), column("Original price year"));
            for (row, o) in outcomes[1..].iter().zip(json_outcomes) {
                assert_eq!(float(&row[price_year_col]), year as f64, "{}", o["id"]);
                assert_eq!(
                    float(&row[original_col]),
                    o["proxy"]["rebased"]["original_price_year"]
                        .as_u64()
                        .unwrap() as f64
                );
            }
        }
        let inputs = sheet(&path, "Inputs");
        assert_eq!(
            inputs[0].iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            ["Stakeholder", "Description", "Year", "Value"]
        );
        let again = dir.path().join("again.xlsx");
        export(&model, &again);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
    }
}

#[test]
fn xlsx_without_out_is_a_bad_command_line() {
    let run = sroi(&["run", "models/arts-for-health.yaml", "--format", "xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--out FILE.xlsx"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn libreoffice_recalculates_the_formulas_to_sroi_figures_after_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let worked = dir.path().join("worked.xlsx");
    export(
        &root().join("tests/conformance/valid/spec-worked-check.yaml"),
        &worked,
    );
    let model = root().join("models/arts-for-health.yaml");
    let original = dir.path().join("original.xlsx");
    export(&model, &original);
    // Proof that LibreOffice recalculates: every cached result zeroed.
    let zeroed = dir.path().join("zeroed.xlsx");
    rewrite(&original, &zeroed, |_, xml| zero_cached_results(xml));
    // The reviewer's edit: the third outcome's deadweight (Outcomes!K4) from 20% to 65%.
    let edited = dir.path().join("edited.xlsx");
    rewrite(&zeroed, &edited, |name, xml| {
        if name.ends_with("sheet1.xml") {
            set_cell(xml, "K4", "0.65")
        } else {
            xml
        }
    });
    assert_eq!(float(&summary(&zeroed)["SROI ratio"]), 0.0);

    // The other conventions: start-of-year discounting, and outcomes that start after.
    let conventions = ["start-of-year", "start-after"].map(|name| {
        let model = format!("tests/conformance/valid/{name}.yaml");
        let book = dir.path().join(format!("{name}.xlsx"));
        export(&root().join(&model), &book);
        let zeroed = dir.path().join(format!("{name}-zeroed.xlsx"));
        rewrite(&book, &zeroed, |_, xml| zero_cached_results(xml));
        (model, zeroed)
    });

    let mut files = vec![worked, zeroed, edited];
    files.extend(conventions.iter().map(|(_, book)| book.clone()));
    let done = recalculate(&files, dir.path());

    for ((model, _), book) in conventions.iter().zip(&done[3..]) {
        let expected = json(&[model]);
        let s = summary(book);
        assert_eq!(
            format!("{:.2}", float(&s["Total present value"])),
            expected["total_present_value"].as_str().unwrap(),
            "{model}"
        );
    }

    // The format's worked check (docs/format.md, section 7), by hand: PV 15,221.50, investment 5,000, ratio 3.0443.
    let s = summary(&done[0]);
    assert_eq!(
        format!("{:.2}", float(&s["Total present value"])),
        "15221.50"
    );
    assert_eq!(format!("{:.4}", float(&s["SROI ratio"])), "3.0443");
    assert_eq!(format!("{:.2}", float(&s["Payback (months)"])), "10.00");

    let base = json(&[&relative(&model)]);
    let s = summary(&done[1]);
    assert_eq!(
        format!("{:.4}", float(&s["SROI ratio"])),
        base["ratio"].as_str().unwrap()
    );

    // The same edit made by sroi's own override, without touching the model file.
    let expected = json(&[
        &relative(&model),
        "--set",
        "outcomes.fewer-gp-consultations.deadweight=65%",
    ]);
    assert_ne!(expected["ratio"], base["ratio"], "the edit moves the ratio");
    let s = summary(&done[2]);
    assert_eq!(
        format!("{:.4}", float(&s["SROI ratio"])),
        expected["ratio"].as_str().unwrap()
    );
    assert_eq!(
        format!("{:.2}", float(&s["Total present value"])),
        expected["total_present_value"].as_str().unwrap()
    );
}

#[test]
fn out_writes_any_format_whole_and_nothing_for_a_bad_model() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let model = "tests/conformance/valid/spec-worked-check.yaml";
    let written = sroi(&[
        "run",
        model,
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(written.stdout.is_empty());
    let printed = sroi(&["run", model, "--format", "json"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed.stdout);

    let never = dir.path().join("never.xlsx");
    let bad = sroi(&[
        "run",
        "tests/conformance/invalid/missing-name.yaml",
        "--format",
        "xlsx",
        "--out",
        never.to_str().unwrap(),
    ]);
    assert_eq!(bad.code, 1);
    assert!(!never.exists());
    // Only the report is in the folder: no temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}
