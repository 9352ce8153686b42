//! `sroi import`: export → import → run gives the same figures; a workbook laid out by
//! hand imports too; problems name the sheet and cell, all in one pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{relative, sroi};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;

fn run_json(model: &str) -> Value {
    let run = sroi(&["run", model, "--format", "json"]);
    assert_eq!(run.code, 0, "{model}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The figures of a run: what must survive a round trip byte for byte.
fn figures(v: &Value) -> Value {
    let keep = |v: &Value, keys: &[&str]| -> Value {
        keys.iter()
            .map(|k| ((*k).to_owned(), v[*k].clone()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut out = keep(
        v,
        &[
            "currency",
            "discount_rate",
            "discounting",
            "horizon_years",
            "investment",
            "total_impact",
            "total_present_value",
            "net_present_value",
            "ratio",
            "net_ratio",
            "payback_months",
        ],
    );
    out["model"] = keep(&v["model"], &["id", "name", "kind", "period"]);
    out["stakeholders"] = v["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| keep(s, &["id", "name", "investment", "present_value", "share"]))
        .collect();
    out["inputs"] = v["inputs"].clone();
    out["outputs"] = v["outputs"].clone();
    out["outcomes"] = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let mut kept = keep(
                o,
                &[
                    "id",
                    "stakeholder",
                    "description",
                    "indicator",
                    "duration",
                    "start",
                    "impact",
                    "years",
                    "present_value",
                ],
            );
            kept["proxy"] = keep(&o["proxy"], &["id", "value", "unit", "source"]);
            kept["proxy"]["price_year"] = value_price_year(&o["proxy"]);
            kept
        })
        .collect();
    out
}

/// The price year of the value a proxy contributes: the model's price year once rebased,
/// else the year it was written in.
fn value_price_year(proxy: &Value) -> Value {
    match &proxy["rebased"] {
        Value::Null => proxy["price_year"].clone(),
        rebased => rebased["price_year"].clone(),
    }
}

fn fraction(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn export_import_run_gives_the_same_figures_for_every_shipped_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut models: Vec<PathBuf> = std::fs::read_dir(root.join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    models.sort();
    assert!(models.len() >= 5);
    let dir = tempfile::tempdir().unwrap();
    for model in models {
        let book = dir.path().join("book.xlsx");
        let imported = dir.path().join("imported.yaml");
        let export = sroi(&[
            "run",
            &relative(&model),
            "--format",
            "xlsx",
            "--out",
            book.to_str().unwrap(),
        ]);
        assert_eq!(export.code, 0, "{}", export.stderr);
        let import = sroi(&[
            "import",
            book.to_str().unwrap(),
            "--out",
            imported.to_str().unwrap(),
        ]);
        assert_eq!(import.code, 0, "{}", import.stderr);
        let before = run_json(&relative(&model));
        let after = run_json(imported.to_str().unwrap());
        assert_eq!(
            serde_json::to_string_pretty(&figures(&after)).unwrap(),
            serde_json::to_string_pretty(&figures(&before)).unwrap(),
            "{}",
            model.display()
        );
        // Quantities and adjustments as exact values: a workbook cell holds the number,
        // not how many trailing zeros a script's result carried (108.0 is 108).
        for (a, b) in after["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .zip(before["outcomes"].as_array().unwrap())
        {
            for key in [
                "quantity",
                "deadweight",
                "displacement",
                "attribution",
                "drop_off",
            ] {
                assert_eq!(fraction(&a[key]), fraction(&b[key]), "{key}");
            }
        }
        // Importing writes no script: every figure is in the file.
        let text = std::fs::read_to_string(&imported).unwrap();
        assert!(!text.contains("script:") && !text.contains(": \"="));

        // A rebased model's values come back in its price year, stated once for the model
        // and on every proxy, and are not rebased again (no deflator is written).
        if let Some(year) = before["price_year"].as_u64() {
            assert!(
                text.contains(&format!("\nprice_year: {year}\n")),
                "{}",
                model.display()
            );
            assert!(!text.contains("deflator:"), "{}", model.display());
            for (a, b) in after["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .zip(before["outcomes"].as_array().unwrap())
            {
                assert!(!b["proxy"]["rebased"].is_null(), "{}", b["id"]);
                assert_eq!(a["proxy"]["price_year"].as_u64(), Some(year), "{}", a["id"]);
                assert!(a["proxy"]["rebased"].is_null(), "{}", a["id"]);
            }
        }
        // No warning, in particular no false "proxies in several price years".
        let check = sroi(&["check", imported.to_str().unwrap()]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        assert_eq!(check.stderr, "", "{}", model.display());
    }
}

/// A Value Map typed by hand: other column order, extra columns, percentages typed as
/// text or as fractions, no formulas at all. The format's worked check (docs/format.md, section 7).
fn hand_made(path: &Path, deadweight: &str, stakeholder_id: &str, price_year: &str) {
    let mut book = Workbook::new();
    let percent = Format::new().set_num_format("0%");
    let summary = book.add_worksheet().set_name("Summary").unwrap();
    for (row, (label, value)) in [
        ("Measure", "Value"),
        ("Model id", "worked-check"),
        ("Model name", "Worked check by hand"),
        ("Kind", "forecast"),
        ("Currency", "GBP"),
        ("Discounting", "end-of-year"),
    ]
    .iter()
    .enumerate()
    {
        let row = u32::try_from(row).unwrap();
        summary.write_string(row, 0, *label).unwrap();
        summary.write_string(row, 1, *value).unwrap();
    }
    summary.write_string(6, 0, "Discount rate").unwrap();
    summary
        .write_number_with_format(6, 1, 0.035, &percent)
        .unwrap();
    summary.write_string(7, 0, "Price year").unwrap();
    summary.write_string(7, 1, price_year).unwrap();

    let stakeholders = book.add_worksheet().set_name("Stakeholders").unwrap();
    stakeholders
        .write_row(0, 0, ["Stakeholder id", "Name", "Notes"])
        .unwrap();
    stakeholders
        .write_row(1, 0, ["participants", "Participants", "x"])
        .unwrap();
    stakeholders
        .write_row(2, 0, [stakeholder_id, "Funder", ""])
        .unwrap();

    let inputs = book.add_worksheet().set_name("Inputs").unwrap();
    inputs
        .write_row(0, 0, ["Stakeholder", "Description", "Value"])
        .unwrap();
    inputs.write_row(1, 0, ["funder", "Grant"]).unwrap();
    inputs.write_number(1, 2, 5000).unwrap();

    let outcomes = book.add_worksheet().set_name("Outcomes").unwrap();
    outcomes
        .write_row(
            0,
            0,
            [
                "Outcome id",
                "Stakeholder",
                "Quantity",
                "Proxy value",
                "Proxy source",
                "Duration",
                "Deadweight",
                "Attribution",
                "Drop-off",
                "Comment",
            ],
        )
        .unwrap();
    outcomes
        .write_row(1, 0, ["improved-wellbeing", "participants"])
        .unwrap();
    outcomes.write_number(1, 2, 10).unwrap();
    outcomes.write_number(1, 3, 1000).unwrap();
    outcomes
        .write_string(1, 4, "docs/format.md section 7 (illustrative)")
        .unwrap();
    outcomes.write_number(1, 5, 3).unwrap();
    outcomes.write_string(1, 6, deadweight).unwrap();
    outcomes
        .write_number_with_format(1, 7, 0.25, &percent)
        .unwrap();
    outcomes.write_number(1, 8, 0.1).unwrap();
    outcomes.write_string(1, 9, "typed by hand").unwrap();
    book.save(path).unwrap();
}

#[test]
fn a_workbook_laid_out_by_hand_imports() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("hand.xlsx");
    hand_made(&book, "20%", "funder", "2024");
    let model = dir.path().join("hand.yaml");
    let import = sroi(&[
        "import",
        book.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .contains("\nprice_year: 2024\n")
    );
    let v = run_json(model.to_str().unwrap());
    // The format's worked check (docs/format.md, section 7), by hand.
    assert_eq!(v["model"]["kind"], "forecast");
    assert_eq!(v["investment"], "5000.00");
    assert_eq!(v["total_present_value"], "15221.50");
    assert_eq!(v["net_present_value"], "10221.50");
    assert_eq!(v["ratio"], "3.0443");
    assert_eq!(v["payback_months"], "10.00");
    assert_eq!(
        v["outcomes"][0]["years"],
        serde_json::json!(["6000.00", "5400.00", "4860.00"])
    );
}

#[test]
fn every_problem_names_its_sheet_and_cell_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("bad.xlsx");
    hand_made(&book, "250", "The Funder", "2024/25");
    let out = dir.path().join("never.yaml");
    let import = sroi(&[
        "import",
        book.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(import.code, 1);
    assert!(!out.exists(), "nothing written on failure");
    let err = &import.stderr;
    assert!(
        err.contains("Outcomes!G2: deadweight 250 is not a fraction"),
        "{err}"
    );
    assert!(
        err.contains("Stakeholders!A3: `The Funder` is not a valid stakeholder id"),
        "{err}"
    );
    assert!(err.contains("the-funder"), "suggests an id: {err}");
    assert!(
        err.contains("Summary!B8: price year `2024/25` is not a year"),
        "{err}"
    );

    let missing = sroi(&["import", "no/such/book.xlsx"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("cannot read the workbook"));
}
