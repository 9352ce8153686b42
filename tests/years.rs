//! Several years and price years in every report format, on the shipped illustrative
//! three-cohort model (figures checked by hand in the comments).
#![allow(clippy::unwrap_used)]

mod common;

use common::sroi;

const MODEL: &str = "models/creative-minds-three-cohorts.yaml";

fn json() -> serde_json::Value {
    let out = sroi(&["run", MODEL, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn json_has_the_investment_by_year_and_its_present_value() {
    let v = json();
    // Year 1: 18,000 + 4,500 at face value; year 2: 18,000 / 1.035 = 17,391.30;
    // year 3: 18,000 / 1.035^2 = 16,803.19. I = 22,500 + 17,391.3043 + 16,803.1926 = 56,694.50.
    let by_year = v["investment_by_year"].as_array().unwrap();
    let rows: Vec<(u64, &str, &str)> = by_year
        .iter()
        .map(|y| {
            (
                y["year"].as_u64().unwrap(),
                y["value"].as_str().unwrap(),
                y["present_value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "22500.00", "22500.00"),
            (2, "18000.00", "17391.30"),
            (3, "18000.00", "16803.19")
        ]
    );
    assert_eq!(v["investment"], "56694.50");
    assert_eq!(v["investment_face_value"], "58500.00");
    // The last cohort starts in year 3 and lasts 2 years: H = 4.
    assert_eq!(v["horizon_years"], 4);
    assert_eq!(v["inputs"][1]["year"], 2);
    assert_eq!(v["inputs"][1]["present_value"], "17391.30");
    assert_eq!(v["outcomes"][2]["start"], 3);
    assert_eq!(v["outcomes"][4]["start"], "after");
    assert_eq!(v["price_year"], 2024);
    assert_eq!(v["deflator"]["id"], "ons-gdp-deflator");
}

#[test]
fn json_shows_each_rebasing() {
    let v = json();
    let gp = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "fewer-gp-visits")
        .unwrap();
    // £38 in 2013 prices × 111.2 / 81.9 (ONS GDP deflator) = £51.594628…
    let r = &gp["proxy"]["rebased"];
    assert_eq!(r["original_value"], "38.00");
    assert_eq!(r["original_price_year"], 2013);
    assert_eq!(r["price_year"], 2024);
    assert_eq!(r["index_original_year"], "81.9");
    assert_eq!(r["index_price_year"], "111.2");
    assert!(r["factor"].as_str().unwrap().starts_with("1.35775335775"));
    assert_eq!(gp["proxy"]["value"], "51.59");
    assert_eq!(gp["proxy"]["price_year"], 2013);
}

#[test]
fn csv_markdown_and_table_show_years_and_rebasing() {
    let csv = sroi(&["run", MODEL, "--format", "csv"]).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let gp = rows.iter().find(|r| &r[0] == "fewer-gp-visits").unwrap();
    assert_eq!(&gp[col("proxy_price_year")], "2013");
    assert_eq!(&gp[col("proxy_original_value")], "38.00");
    assert!(gp[col("rebase_factor")].starts_with("1.3577533577"));
    assert_eq!(&gp[col("start")], "after");
    let measure = |name: &str| {
        let row = rows.iter().find(|r| &r[0] == name).unwrap();
        row[row.len() - 1].to_owned()
    };
    assert_eq!(measure("investment"), "56694.50");
    assert_eq!(measure("investment_face_value"), "58500.00");
    assert_eq!(measure("investment_year_3"), "18000.00");
    assert_eq!(measure("investment_year_3_present_value"), "16803.19");

    let md = sroi(&["run", MODEL, "--format", "markdown"]).stdout;
    assert!(md.contains("## Investment by year"), "{md}");
    assert!(
        md.contains("| 3 | £18,000.00 | 0.9335 | £16,803.19 |"),
        "{md}"
    );
    assert!(md.contains("£38.00 in 2013 prices × 1.357753"), "{md}");
    assert!(md.contains("2 yr, from year 3"), "{md}");

    let table = sroi(&["run", MODEL]).stdout;
    assert!(
        table.contains("Investment (present value) ┆  £56,694.50"),
        "{table}"
    );
    assert!(
        table.contains("Prices: every proxy value in 2024 prices"),
        "{table}"
    );
}

#[test]
fn explain_shows_the_original_value_year_factor_and_rebased_value() {
    let out = sroi(&["explain", MODEL, "fewer-gp-visits"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "rebased from 2013 prices: £38.00 × index 2024 / index 2013 = 38 × 111.2 / 81.9 (factor 1.357753) = £51.59"
        ),
        "{}",
        out.stdout
    );
    let all = sroi(&["explain", MODEL]).stdout;
    assert!(
        all.contains("£18,000.00 in year 3; × 1 / (1 + 0.035)^2 = £16,803.19"),
        "{all}"
    );
    assert!(all.contains("investment I = Σ present values = £56,694.50 (face value £58,500.00)"));
}

#[test]
fn a_regional_set_is_rebased_too() {
    // london's volunteer_hour and NHS uplift are rebased like uk's: the GP value is london's
    // £45.60 (2013) × 111.2 / 81.9 = £61.91.
    let out = sroi(&["run", MODEL, "--proxies", "london", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let gp = v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "fewer-gp-visits")
        .unwrap();
    assert_eq!(gp["proxy"]["set"], "london");
    assert_eq!(gp["proxy"]["rebased"]["original_value"], "45.60");
    assert_eq!(gp["proxy"]["value"], "61.91");
}

#[test]
fn the_deflator_is_among_the_files_watch_mode_follows() {
    let mut files = sroi::source::DiskFiles::default();
    let (project, _) = sroi::project::load(
        &mut files,
        std::path::Path::new(MODEL),
        &sroi::project::LoadOptions::default(),
    )
    .unwrap();
    assert!(
        project
            .files
            .iter()
            .any(|p| p.ends_with("deflators/ons-gdp-deflator.yaml")),
        "{:?}",
        project.files
    );
    let basis = project.prices.as_ref().unwrap();
    assert_eq!(basis.year, 2024);
    assert_eq!(basis.deflator.id, "ons-gdp-deflator");
}

#[test]
fn set_moves_a_cohort_to_a_later_start_year() {
    // --set outcomes.ID.start=4 moves cohort 2 to years 4-5: the horizon becomes 5.
    let out = sroi(&[
        "run",
        MODEL,
        "--set",
        "outcomes.wellbeing-cohort-2.start=4",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["horizon_years"], 5);
    assert_eq!(v["outcomes"][1]["start"], 4);
    assert_eq!(
        v["outcomes"][1]["years"],
        serde_json::json!(["0.00", "0.00", "0.00", "33618.60", "16809.30"])
    );
    let bad = sroi(&["run", MODEL, "--set", "outcomes.wellbeing-cohort-2.start=0"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("not a start"), "{}", bad.stderr);
}
