//! `sensitivity --format html` and `simulate --format html` in a real browser: headless
//! Chromium renders each page, and the tests read back the DOM and a screenshot. The
//! oracles are the table and JSON outputs of the same command, and closed forms for the
//! drawn figures.
//!
//! `.ci/run` installs Chromium when it is missing. Set SROI_CHROMIUM to use another
//! binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::browser::{browse, colours};
use common::fixtures;
use common::sroi;
use rust_decimal::Decimal;

/// The shared two-outcome model, with a name that needs escaping in HTML.
fn model() -> String {
    fixtures::TWO_OUTCOMES.replace("name: Two outcomes", "name: Two <outcomes> & a \"quote\"")
}

/// Ratio = quantity / 5 with quantity uniform on (0, 20): P(ratio ≥ 1) = 3/4, median 2.
fn simulated() -> String {
    fixtures::model_text(
        "",
        "uncertainty:\n  outcomes:\n    better:\n      quantity: uniform(0, 20)\n",
    )
}

struct Fixture {
    dir: tempfile::TempDir,
    model: PathBuf,
}

fn fixture(text: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.yaml");
    std::fs::write(&model, text).unwrap();
    Fixture { dir, model }
}

/// `sroi ARGS`, which must succeed; stdout.
fn output(args: &[&str]) -> String {
    let out = sroi(args);
    assert_eq!(out.code, 0, "sroi {args:?}: {}", out.stderr);
    out.stdout
}

/// Write `html` as a page in `dir` and return Chromium's serialised DOM of it.
fn dom_of(dir: &Path, name: &str, html: &str) -> (PathBuf, String) {
    let page = dir.join(name);
    std::fs::write(&page, html).unwrap();
    let dom = browse(&page, &["--dump-dom".to_owned()]);
    (page, dom)
}

/// The text between `<tag ...>` and `</tag>` for every `tag` element in `html`.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // `<th` must not match `<thead`.
        if !after.starts_with(['>', ' ']) {
            rest = after;
            continue;
        }
        let body_start = after.find('>').unwrap() + 1;
        let end = after.find(&close).unwrap();
        out.push(&after[body_start..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// The table with `id`: each body row's cells (th and td), as text.
fn table_rows(dom: &str, id: &str) -> Vec<Vec<String>> {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let table = &dom[start..start + dom[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    elements(body, "tr")
        .into_iter()
        .map(|row| {
            // Cells in document order, whether th or td.
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(start) = rest.find("<t") {
                let tag = &rest[start + 1..start + 3];
                let after = &rest[start + 3..];
                let body = &after[after.find('>').unwrap() + 1..];
                let end = body.find(&format!("</{tag}>")).unwrap();
                cells.push(body[..end].replace("&amp;", "&"));
                rest = &body[end..];
            }
            cells
        })
        .collect()
}

/// The body rows of the table output: cells between `│` and `┆`.
fn text_rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('│'))
        .skip(1) // the header
        .map(|l| {
            l.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The SVGs in a page, in order.
fn svgs(html: &str) -> Vec<&str> {
    html.split("<svg ")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect()
}

fn assert_self_contained(html: &str) {
    for bad in ["http://", "https://", "<script", "<link", "src=", "url("] {
        assert!(!html.contains(bad), "the page holds {bad:?}");
    }
    assert!(html.contains("@page { size: A4"), "prints on A4");
}

fn assert_not_blank(page: &Path, dir: &Path) {
    let shot = dir.join("shot.png");
    browse(
        page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".to_owned(),
        ],
    );
    assert!(colours(&shot, 40) >= 40, "the screenshot looks blank");
}

#[test]
fn the_sensitivity_page_shows_the_table_figures_and_one_bar_per_row() {
    let f = fixture(&model());
    let model = f.model.to_str().unwrap();
    let html = output(&["sensitivity", model, "--format", "html"]);
    let table = output(&["sensitivity", model]);
    let json: serde_json::Value =
        serde_json::from_str(&output(&["sensitivity", model, "--format", "json"])).unwrap();
    assert_self_contained(&html);
    assert_eq!(html, output(&["sensitivity", model, "--format", "html"]));
    assert!(html.contains("Two &lt;outcomes&gt; &amp; a &quot;quote&quot;"));
    assert!(!html.contains("<outcomes>"));

    let (page, dom) = dom_of(f.dir.path(), "sensitivity.html", &html);
    // The base ratio: 1.34, as the table output's heading prints it.
    let base: Decimal = json["base"]["ratio"].as_str().unwrap().parse().unwrap();
    let base = format!("Base SROI ratio {} : 1", base.round_dp(2));
    assert!(table.contains(&base) && dom.contains(&base), "{base}");

    // Every row, every cell (swing and tipping point included), as the table prints it.
    let expected = text_rows(&table);
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(expected.len(), rows.len());
    assert!(
        expected.iter().filter(|r| r[8] != "none").count() >= 4,
        "the fixture has tipping points inside its ranges"
    );
    assert_eq!(table_rows(&dom, "rows"), expected);

    // The tornado: one bar per row, as long as the row's swing.
    let svg = svgs(&html)[0];
    let bars: Vec<f64> = svg
        .split("<rect ")
        .filter(|r| r.contains("fill=\"#0072B2\""))
        .map(|r| {
            let w = r.split("width=\"").nth(1).unwrap();
            w[..w.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert_eq!(bars.len(), rows.len(), "one bar per row");
    let swings: Vec<f64> = rows
        .iter()
        .map(|r| r["swing"].as_str().unwrap().parse().unwrap())
        .collect();
    let px_per_ratio = bars[0] / swings[0];
    for (bar, swing) in bars.iter().zip(&swings) {
        assert!(
            (bar - swing * px_per_ratio).abs() <= 2.0,
            "bar {bar}px for swing {swing}"
        );
    }
    assert_not_blank(&page, f.dir.path());
}

#[test]
fn the_two_way_heat_map_marks_the_ratio_1_contour() {
    let f = fixture(&model());
    let model = f.model.to_str().unwrap();
    let args = ["sensitivity", model, "--two-way", "a.quantity,a.deadweight"];
    let html = output(&[&args[..], &["--format", "html"]].concat());
    let json: serde_json::Value =
        serde_json::from_str(&output(&[&args[..], &["--format", "json"]].concat())).unwrap();
    assert_self_contained(&html);
    let ratios: Vec<Vec<Decimal>> = json["two_way"]["ratios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().parse().unwrap())
                .collect()
        })
        .collect();
    let ok: Vec<Vec<bool>> = ratios
        .iter()
        .map(|r| r.iter().map(|x| *x >= Decimal::ONE).collect())
        .collect();
    let cells: usize = ok.iter().map(Vec::len).sum();
    let above: usize = ok.iter().flatten().filter(|b| **b).count();
    assert!(0 < above && above < cells, "the grid crosses ratio 1");

    let (_, dom) = dom_of(f.dir.path(), "two-way.html", &html);
    let grid = table_rows(&dom, "grid");
    assert_eq!(grid.len(), ratios.len());
    for (row, want) in grid.iter().zip(&ratios) {
        let shown: Vec<String> = want.iter().map(|x| x.round_dp(2).to_string()).collect();
        assert_eq!(row[1..], shown[..]);
    }
    assert_eq!(dom.matches("n ge1\"").count(), above);
    assert_eq!(dom.matches("n lt1\"").count(), cells - above);

    // The heat map: a cell per ratio in two colours, and a contour edge between every two
    // neighbouring cells on either side of 1.
    let svg = svgs(&html)[1];
    assert_eq!(svg.matches("fill=\"#A6CEE3\"").count(), above);
    assert_eq!(svg.matches("fill=\"#FDBF6F\"").count(), cells - above);
    let mut edges = 0;
    for (i, row) in ok.iter().enumerate() {
        for (j, here) in row.iter().enumerate() {
            edges += usize::from(row.get(j + 1).is_some_and(|r| r != here));
            edges += usize::from(ok.get(i + 1).is_some_and(|r| r[j] != *here));
        }
    }
    assert!(edges > 0);
    assert_eq!(
        svg.matches("stroke=\"#1B1F24\" stroke-width=\"3\"").count(),
        edges
    );
}

#[test]
fn the_simulation_page_shows_the_chance_the_median_and_twenty_bins() {
    let f = fixture(&simulated());
    let model = f.model.to_str().unwrap();
    let args = ["simulate", model, "--draws", "4000", "--seed", "7"];
    let html = output(&[&args[..], &["--format", "html"]].concat());
    let table = output(&args);
    let json: serde_json::Value =
        serde_json::from_str(&output(&[&args[..], &["--format", "json"]].concat())).unwrap();
    assert_self_contained(&html);
    assert_eq!(html, output(&[&args[..], &["--format", "html"]].concat()));

    // Closed forms: P(ratio ≥ 1) = 0.75 (SE 0.0068), median 2 (SE about 0.032).
    let p: f64 = json["probability_ratio_at_least_1"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((p - 0.75).abs() < 4.0 * 0.0069, "P(ratio ≥ 1) = {p}");
    let p50: f64 = json["ratio"]["p50"].as_str().unwrap().parse().unwrap();
    assert!((p50 - 2.0).abs() < 0.15, "p50 = {p50}");

    let (page, dom) = dom_of(f.dir.path(), "simulation.html", &html);
    let chance = format!("In {:.1}% of draws the ratio is at least 1", p * 100.0);
    assert!(table.contains(&chance) && dom.contains(&chance), "{chance}");
    let stats = table_rows(&dom, "stats");
    assert_eq!(stats[0][0], "SROI ratio");
    assert_eq!(stats, text_rows(&table)[..3].to_vec());
    let p50_shown = &stats[0][5];
    assert!(
        (p50_shown.parse::<f64>().unwrap() - p50).abs() <= 0.005,
        "{p50_shown}"
    );

    // Twenty bins, in the table and as bars, holding every draw.
    let bins = table_rows(&dom, "bins");
    assert_eq!(bins.len(), 20);
    let want: Vec<Vec<String>> = json["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            vec![
                b["from"].as_str().unwrap().to_owned(),
                b["to"].as_str().unwrap().to_owned(),
                b["count"].to_string(),
            ]
        })
        .collect();
    assert_eq!(bins, want);
    let total: usize = bins.iter().map(|b| b[2].parse::<usize>().unwrap()).sum();
    assert_eq!(total, 4000);
    let svg = svgs(&html)[0];
    assert_eq!(svg.matches("fill=\"#56B4E9\"").count(), 20, "20 bars");
    assert!(svg.contains("stroke=\"#D55E00\""), "the ratio-1 line");
    assert!(table_rows(&dom, "driver-table")[0][0].contains("better quantity"));
    assert_not_blank(&page, f.dir.path());
}
