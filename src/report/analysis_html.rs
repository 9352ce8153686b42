//! `--format html` for `sensitivity` and `simulate`: one self-contained page each (inline
//! CSS and SVG, no script, no URL), in the run report's style, readable with JavaScript
//! off and printable on A4.
//!
//! Every figure in the tables is the very string the table output prints; the charts
//! beside them draw the same rows. Model text is escaped by minijinja's autoescape.

use minijinja::Environment;
use rust_decimal::Decimal;
use serde::Serialize;

use super::analysis_charts::{self, Swing};
use super::charts::css;
use super::html::STYLE;
use super::{fixed, sensitivity_report as sens, simulation_report as sim};
use crate::analysis::sensitivity::SensitivityReport;
use crate::analysis::simulate::SimulationReport;

const SENSITIVITY: &str = include_str!("templates/sensitivity.html");
const SIMULATION: &str = include_str!("templates/simulation.html");

/// A table as the template lays it out: a header, which columns are numbers, the rows.
#[derive(Serialize)]
struct TableView {
    header: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct Legend {
    label: String,
    colour: String,
}

/// A two-way grid cell: its ratio as printed, and whether it is at least 1.
#[derive(Serialize)]
struct Cell {
    text: String,
    at_least_one: bool,
}

#[derive(Serialize)]
struct TwoWayView {
    caption: String,
    chart: String,
    corner: String,
    columns: Vec<String>,
    rows: Vec<(String, Vec<Cell>)>,
}

#[derive(Serialize)]
struct SensitivityView {
    title: String,
    heading: Vec<String>,
    chart: String,
    legend: Vec<Legend>,
    table: Option<TableView>,
    two_way: Option<TwoWayView>,
    style: &'static str,
}

#[derive(Serialize)]
struct SimulationView {
    title: String,
    heading: Vec<String>,
    chart: String,
    legend: Vec<Legend>,
    bins: Vec<(String, String, usize)>,
    stats: TableView,
    drivers: Option<TableView>,
    style: &'static str,
}

fn legend(items: &[(&str, plotters::style::RGBColor)]) -> Vec<Legend> {
    items
        .iter()
        .map(|(label, colour)| Legend {
            label: (*label).to_owned(),
            colour: css(*colour),
        })
        .collect()
}

/// The sensitivity page: tornado and one-at-a-time table, and the two-way heat map.
pub fn sensitivity(r: &SensitivityReport) -> String {
    let heading: Vec<String> = sens::heading(r).lines().map(str::to_owned).collect();
    let swings: Vec<Swing> = r
        .rows
        .iter()
        .map(|row| Swing {
            label: format!("{} {}", row.outcome, row.variable.name()),
            ratio_low: row.ratio_low,
            ratio_high: row.ratio_high,
        })
        .collect();
    let table = (!r.rows.is_empty()).then(|| TableView {
        header: sens::header(),
        numeric: sens::NUMERIC.to_vec(),
        rows: r
            .rows
            .iter()
            .map(|row| sens::cells(row, &r.currency))
            .collect(),
    });
    let two_way = r.two_way.as_ref().map(|grid| {
        let (header, rows) = sens::grid_rows(grid, &r.currency);
        let columns: Vec<String> = header.iter().skip(1).cloned().collect();
        let row_names: Vec<String> = rows
            .iter()
            .map(|row| row.first().cloned().unwrap_or_default())
            .collect();
        TwoWayView {
            caption: format!(
                "The ratio with {} {} (rows) and {} {} (columns)",
                grid.x.outcome,
                grid.x.variable.name(),
                grid.y.outcome,
                grid.y.variable.name()
            ),
            chart: analysis_charts::heat_map(&grid.ratios, &row_names, &columns),
            corner: header.first().cloned().unwrap_or_default(),
            columns,
            rows: row_names
                .into_iter()
                .zip(&grid.ratios)
                .map(|(name, ratios)| {
                    let cells = ratios
                        .iter()
                        .map(|x| Cell {
                            text: fixed(*x, 2),
                            at_least_one: *x >= Decimal::ONE,
                        })
                        .collect();
                    (name, cells)
                })
                .collect(),
        }
    });
    let view = SensitivityView {
        title: format!("{} — sensitivity", r.model_name),
        heading,
        chart: analysis_charts::tornado(&swings, r.base.ratio),
        legend: legend(&[
            ("Ratio from the low to the high value", super::charts::BLUE),
            (
                &format!("Base ratio {}", fixed(r.base.ratio, 2)),
                analysis_charts::INK,
            ),
            ("Ratio 1", analysis_charts::ONE),
        ]),
        table,
        two_way,
        style: STYLE,
    };
    page(SENSITIVITY, &view)
}

/// The simulation page: histogram and its bins, the spread, and the drivers.
pub fn simulation(r: &SimulationReport) -> String {
    let heading: Vec<String> = sim::heading(r).lines().map(str::to_owned).collect();
    let bins = sim::bins(r);
    let drawn: Vec<(f64, f64, usize)> = bins
        .iter()
        .map(|(from, to, count)| {
            (
                from.parse().unwrap_or(0.0),
                to.parse().unwrap_or(0.0),
                *count,
            )
        })
        .collect();
    let (header, rows) = sim::stats_rows(r);
    let stats = TableView {
        numeric: (0..header.len()).map(|i| i > 0).collect(),
        header,
        rows,
    };
    let drivers = (!r.drivers.is_empty()).then(|| {
        let (header, rows) = sim::driver_rows(r);
        TableView {
            header,
            numeric: vec![false, true],
            rows,
        }
    });
    let view = SimulationView {
        title: format!("{} — Monte Carlo simulation", r.model_name),
        heading,
        chart: analysis_charts::histogram(&drawn),
        legend: legend(&[
            ("Draws in the bin", super::charts::SKY),
            ("Ratio 1", analysis_charts::ONE),
        ]),
        bins,
        stats,
        drivers,
        style: STYLE,
    };
    page(SIMULATION, &view)
}

fn page(template: &str, view: &impl Serialize) -> String {
    let mut env = Environment::new();
    let rendered = env
        .add_template("page.html", template)
        .and_then(|()| env.get_template("page.html"))
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(view))));
    match rendered {
        Ok(mut text) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        // The templates ship inside the binary and are tested; should one ever fail, say
        // so in a page rather than print half of one.
        Err(err) => format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>sroi</title>\
             <p>The page could not be laid out: {}</p></html>\n",
            err.to_string()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ),
    }
}
