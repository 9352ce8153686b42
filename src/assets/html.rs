//! `--format html`: one self-contained page (no network request of any kind): an
//! inline SVG map of the assets beside tables of the same assets, readable printed on
//! A4 and with JavaScript off (there is none).
//!
//! The map is an equirectangular projection of the assets' bounding box, with longitude
//! scaled by the cosine of the middle latitude so distances look right at UK latitudes.

use std::collections::BTreeMap;

use minijinja::{Environment, Value, context};

use super::grid::Grid;
use super::{Asset, Status};

const TEMPLATE: &str = include_str!("templates/report.html");
const WIDTH: f64 = 640.0;
const MARGIN: f64 = 24.0;

#[derive(Debug)]
struct Mark {
    x: String,
    y: String,
    id: String,
    name: String,
    status: &'static str,
}

#[derive(Debug)]
struct WardLabel {
    x: String,
    y: String,
    name: String,
}

#[derive(Debug)]
struct Row {
    cells: Vec<String>,
    closed: bool,
}

#[derive(Debug)]
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Row>,
    numeric: Vec<usize>,
}

/// What a page shows: the assets to map, and the tables beside the map. `closed_rows`
/// says, per grid, which rows are closed assets (drawn struck through).
pub struct Page<'a> {
    pub title: String,
    pub meta: Vec<String>,
    pub assets: Vec<&'a Asset>,
    pub grids: Vec<Grid>,
    pub closed_rows: Vec<Vec<bool>>,
}

fn coordinate(v: f64) -> String {
    format!("{v:.1}")
}

pub fn render(page: &Page<'_>) -> Result<String, String> {
    let located: Vec<(&Asset, f64, f64)> = page
        .assets
        .iter()
        .filter_map(|a| {
            let l = a.location?;
            Some((
                *a,
                super::geojson::degrees(l.longitude),
                super::geojson::degrees(l.latitude),
            ))
        })
        .collect();
    let unlocated: Vec<String> = page
        .assets
        .iter()
        .filter(|a| a.location.is_none())
        .map(|a| a.id.clone())
        .collect();
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (_, x, y) in &located {
        min_x = min_x.min(*x);
        max_x = max_x.max(*x);
        min_y = min_y.min(*y);
        max_y = max_y.max(*y);
    }
    // A lone point (or a row of points) still gets a box around it.
    let pad = 0.002;
    if max_x - min_x < pad {
        min_x -= pad;
        max_x += pad;
    }
    if max_y - min_y < pad {
        min_y -= pad;
        max_y += pad;
    }
    let scale_x = ((min_y + max_y) / 2.0).to_radians().cos().max(0.01);
    let span_x = (max_x - min_x) * scale_x;
    let span_y = max_y - min_y;
    let inner = WIDTH - 2.0 * MARGIN;
    let mut unit = inner / span_x;
    let mut height = span_y * unit + 2.0 * MARGIN + 16.0;
    if height > 720.0 {
        unit = (720.0 - 2.0 * MARGIN - 16.0) / span_y;
        height = 720.0;
    }
    let height = height.max(200.0);
    let project = |x: f64, y: f64| {
        (
            MARGIN + (x - min_x) * scale_x * unit,
            MARGIN + (max_y - y) * unit,
        )
    };
    let marks: Vec<Mark> = located
        .iter()
        .map(|(a, x, y)| {
            let (px, py) = project(*x, *y);
            Mark {
                x: coordinate(px),
                y: coordinate(py),
                id: a.id.clone(),
                name: a.name.clone(),
                status: match a.status {
                    Status::Active => "active",
                    Status::Closed => "closed",
                },
            }
        })
        .collect();
    let mut by_ward: BTreeMap<&str, (f64, f64, f64)> = BTreeMap::new();
    for (a, x, y) in &located {
        if let Some(w) = &a.ward {
            let e = by_ward.entry(w.as_str()).or_insert((0.0, 0.0, 0.0));
            e.0 += x;
            e.1 += y;
            e.2 += 1.0;
        }
    }
    let wards: Vec<WardLabel> = by_ward
        .iter()
        .map(|(name, (sx, sy, n))| {
            let (px, py) = project(sx / n, sy / n);
            WardLabel {
                x: coordinate(px),
                y: coordinate(py - 9.0),
                name: (*name).to_owned(),
            }
        })
        .collect();
    let grids: Vec<Table> = page
        .grids
        .iter()
        .enumerate()
        .map(|(g, grid)| Table {
            title: grid.title.clone(),
            header: grid.header.clone(),
            numeric: grid.numeric.clone(),
            rows: grid
                .rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    cells: cells.clone(),
                    closed: page
                        .closed_rows
                        .get(g)
                        .and_then(|c| c.get(i))
                        .copied()
                        .unwrap_or(false),
                })
                .collect(),
        })
        .collect();
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| e.to_string())?;
    let template = env.get_template("report.html").map_err(|e| e.to_string())?;
    template
        .render(context! {
            title => page.title.clone(),
            meta => page.meta.clone(),
            width => WIDTH,
            height => coordinate(height).parse::<f64>().unwrap_or(height),
            marks => Value::from_iter(marks.iter().map(ToValue::value)),
            wards => Value::from_iter(wards.iter().map(ToValue::value)),
            unlocated => unlocated,
            grids => Value::from_iter(grids.iter().map(ToValue::value)),
        })
        .map_err(|e| e.to_string())
}

/// Template values, built by hand (minijinja is compiled without serde here).
trait ToValue {
    fn value(&self) -> Value;
}

fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::from(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<String, Value>>(),
    )
}

impl ToValue for Mark {
    fn value(&self) -> Value {
        object([
            ("x", Value::from(self.x.clone())),
            ("y", Value::from(self.y.clone())),
            ("id", Value::from(self.id.clone())),
            ("name", Value::from(self.name.clone())),
            ("status", Value::from(self.status)),
        ])
    }
}

impl ToValue for WardLabel {
    fn value(&self) -> Value {
        object([
            ("x", Value::from(self.x.clone())),
            ("y", Value::from(self.y.clone())),
            ("name", Value::from(self.name.clone())),
        ])
    }
}

impl ToValue for Table {
    fn value(&self) -> Value {
        let rows = self.rows.iter().map(|r| {
            object([
                (
                    "cells",
                    Value::from_iter(r.cells.iter().cloned().map(Value::from)),
                ),
                ("closed", Value::from(r.closed)),
            ])
        });
        object([
            ("title", Value::from(self.title.clone())),
            (
                "header",
                Value::from_iter(self.header.iter().cloned().map(Value::from)),
            ),
            ("rows", Value::from_iter(rows)),
            (
                "numeric",
                Value::from_iter(self.numeric.iter().copied().map(Value::from)),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{Location, Place};
    use rust_decimal::Decimal;

    fn asset(id: &str, name: &str, at: Option<(i64, i64)>, status: Status) -> Asset {
        Asset {
            id: id.to_owned(),
            name: name.to_owned(),
            category: "c".to_owned(),
            ward: Some("W<1>".to_owned()),
            status,
            location: at.map(|(lat, lon)| Location {
                latitude: Decimal::new(lat, 3),
                longitude: Decimal::new(lon, 3),
            }),
            cells: Vec::new(),
            at: Place {
                file: None,
                span: crate::diagnostic::Span::default(),
                shown: String::new(),
            },
        }
    }

    #[test]
    fn text_is_escaped_and_marks_sit_inside_the_map() {
        let a = asset(
            "a",
            "<script>x</script> & co",
            Some((53_800, -3_050)),
            Status::Active,
        );
        let b = asset("b", "B", Some((53_820, -3_010)), Status::Closed);
        let c = asset("c", "C", None, Status::Active);
        let page = Page {
            title: "T & <T>".to_owned(),
            meta: Vec::new(),
            assets: vec![&a, &b, &c],
            grids: Vec::new(),
            closed_rows: Vec::new(),
        };
        let html = render(&page).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;x&lt;&#x2f;script&gt; &amp; co (a)"),
            "{html}"
        );
        assert!(html.contains(">W&lt;1&gt;</text>"), "{html}");
        assert_eq!(html.matches("<circle class=\"mark ").count(), 2);
        assert_eq!(html.matches("<circle class=\"mark closed\"").count(), 1);
        assert!(html.contains("Not on the map (no location): c."), "{html}");
        // West-most point at the left margin, north-most at the top margin.
        assert!(html.contains("cx=\"24.0\" cy=\""), "{html}");
        assert!(html.contains("cy=\"24.0\""), "{html}");
    }
}
