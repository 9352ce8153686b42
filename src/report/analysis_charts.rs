//! Charts for the sensitivity and simulation pages: a tornado, a two-way heat map and a
//! histogram, drawn by `plotters` into inline SVG with the run report's helpers.
//!
//! Ratios arrive exact (or as the rounded strings the tables show) and become `f64` only
//! to be drawn; the tables beside each chart carry the figures.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;

use super::charts::{BLUE, FONT, GRID, SKY, clip, f, svg};

/// The colour of every "ratio 1" mark (Okabe–Ito vermillion).
pub const ONE: RGBColor = RGBColor(213, 94, 0);
/// The base ratio's line.
pub const INK: RGBColor = RGBColor(27, 31, 36);
/// Heat-map cells: ratio at least 1, and below 1.
pub const AT_LEAST_ONE: RGBColor = RGBColor(166, 206, 227);
pub const BELOW_ONE: RGBColor = RGBColor(253, 191, 111);

/// One tornado bar: the ratio at the variable's low and at its high value.
pub struct Swing {
    pub label: String,
    pub ratio_low: Decimal,
    pub ratio_high: Decimal,
}

/// `lo..hi` padded by 8% each side (a unit range around a single value).
fn padded(lo: f64, hi: f64) -> std::ops::Range<f64> {
    if hi - lo <= 0.0 {
        return (lo - 0.5)..(hi + 0.5);
    }
    let pad = (hi - lo) * 0.08;
    (lo - pad)..(hi + pad)
}

/// Ratios need two places on the axis, not a currency.
fn ratio_label(x: f64) -> String {
    let text = format!("{x:.2}");
    text.strip_suffix(".00").map(str::to_owned).unwrap_or(text)
}

/// One bar per row from ratio-at-low to ratio-at-high, first row on top, with a solid
/// line at the base ratio and a vermillion line at ratio 1.
pub fn tornado(rows: &[Swing], base: Decimal) -> String {
    let n = rows.len();
    if n == 0 {
        return String::new();
    }
    let ends = rows
        .iter()
        .flat_map(|r| [f(r.ratio_low), f(r.ratio_high)])
        .chain([f(base), 1.0]);
    let (lo, hi) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    // Long lists get thinner bars, so the chart stays about a page tall.
    let row = if n > 12 { 20 } else { 30 };
    let height = 60 + row * u32::try_from(n).unwrap_or(1);
    let labels: Vec<String> = rows.iter().map(|r| clip(&r.label, 28)).collect();
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(200)
            .build_cartesian_2d(padded(lo, hi), (0..n - 1).into_segmented())
            .map_err(|e| e.to_string())?;
        let label_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(n - 1 - *i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_labels(8)
            .x_label_formatter(&|x| ratio_label(*x))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let (a, b) = (f(r.ratio_low), f(r.ratio_high));
                let mut bar = Rectangle::new(
                    [
                        (a.min(b), SegmentValue::Exact(n - 1 - i)),
                        (a.max(b), SegmentValue::Exact(n - i)),
                    ],
                    BLUE.filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .map_err(|e| e.to_string())?;
        let line = |x: f64, colour: RGBColor| {
            PathElement::new(
                vec![(x, SegmentValue::Exact(0)), (x, SegmentValue::Exact(n))],
                colour.stroke_width(2),
            )
        };
        chart
            .draw_series([line(1.0, ONE), line(f(base), INK)])
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// The two-way grid: `rows` down (first on top), `columns` across, each cell coloured by
/// whether its ratio is at least 1, with its ratio written in it, and the ratio-1
/// contour drawn along every edge between a cell at least 1 and one below.
pub fn heat_map(ratios: &[Vec<Decimal>], rows: &[String], columns: &[String]) -> String {
    let (n, m) = (rows.len(), columns.len());
    if n == 0 || m == 0 || ratios.len() != n || ratios.iter().any(|r| r.len() != m) {
        return String::new();
    }
    let at_least_one: Vec<Vec<bool>> = ratios
        .iter()
        .map(|row| row.iter().map(|r| *r >= Decimal::ONE).collect())
        .collect();
    let height = 70 + 30 * u32::try_from(n).unwrap_or(1);
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(90)
            .build_cartesian_2d((0..m - 1).into_segmented(), (0..n - 1).into_segmented())
            .map_err(|e| e.to_string())?;
        let column_label = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(j) => columns.get(*j).map_or_else(String::new, |c| clip(c, 9)),
            _ => String::new(),
        };
        let row_label = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => rows
                .get(n - 1 - *i)
                .map_or_else(String::new, |r| clip(r, 12)),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(m)
            .x_label_formatter(&column_label)
            .y_labels(n)
            .y_label_formatter(&row_label)
            .label_style((FONT, 11))
            .draw()
            .map_err(|e| e.to_string())?;
        let cells = at_least_one.iter().enumerate().flat_map(|(i, row)| {
            row.iter().enumerate().map(move |(j, ok)| {
                Rectangle::new(
                    [
                        (SegmentValue::Exact(j), SegmentValue::Exact(n - 1 - i)),
                        (SegmentValue::Exact(j + 1), SegmentValue::Exact(n - i)),
                    ],
                    if *ok { AT_LEAST_ONE } else { BELOW_ONE }.filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(|e| e.to_string())?;
        let style =
            TextStyle::from((FONT, 10).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        let texts = ratios.iter().enumerate().flat_map(|(i, row)| {
            let style = style.clone();
            row.iter().enumerate().map(move |(j, r)| {
                Text::new(
                    super::fixed(*r, 2),
                    (SegmentValue::CenterOf(j), SegmentValue::CenterOf(n - 1 - i)),
                    style.clone(),
                )
            })
        });
        chart.draw_series(texts).map_err(|e| e.to_string())?;
        // The contour: between horizontal neighbours a vertical edge, between vertical
        // neighbours a horizontal one.
        let mut edges = Vec::new();
        for i in 0..n {
            for j in 0..m {
                let here = at_least_one[i][j];
                if j + 1 < m && here != at_least_one[i][j + 1] {
                    edges.push([
                        (SegmentValue::Exact(j + 1), SegmentValue::Exact(n - 1 - i)),
                        (SegmentValue::Exact(j + 1), SegmentValue::Exact(n - i)),
                    ]);
                }
                if i + 1 < n && here != at_least_one[i + 1][j] {
                    edges.push([
                        (SegmentValue::Exact(j), SegmentValue::Exact(n - 1 - i)),
                        (SegmentValue::Exact(j + 1), SegmentValue::Exact(n - 1 - i)),
                    ]);
                }
            }
        }
        chart
            .draw_series(
                edges
                    .into_iter()
                    .map(|e| PathElement::new(e.to_vec(), INK.stroke_width(3))),
            )
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// One bar per bin (`from`, `to`, count) with a vermillion line at ratio 1; the axis
/// stretches to show ratio 1 even when no draw comes near it.
pub fn histogram(bins: &[(f64, f64, usize)]) -> String {
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return String::new();
    };
    let most = bins.iter().map(|b| b.2).max().unwrap_or(0).max(1) as f64;
    let x = padded(first.0.min(1.0), last.1.max(1.0));
    svg(300, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(x, 0.0..most * 1.08)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID)
            .x_labels(8)
            .x_label_formatter(&|x| ratio_label(*x))
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bins.iter().map(|(from, to, count)| {
                Rectangle::new([(*from, 0.0), (*to, *count as f64)], SKY.filled())
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([PathElement::new(
                vec![(1.0, 0.0), (1.0, most * 1.08)],
                ONE.stroke_width(2),
            )])
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64, scale: u32) -> Decimal {
        Decimal::new(units, scale)
    }

    #[test]
    fn a_ragged_grid_draws_nothing_rather_than_a_wrong_map() {
        let rows = vec!["a".to_owned(), "b".to_owned()];
        let columns = vec!["x".to_owned(), "y".to_owned()];
        let ragged = vec![vec![d(1, 0), d(2, 0)], vec![d(1, 0)]];
        assert_eq!(heat_map(&ragged, &rows, &columns), "");
        let square = vec![vec![d(9, 1), d(2, 0)], vec![d(11, 1), d(2, 0)]];
        let svg = heat_map(&square, &rows, &columns);
        // One cell below 1 (0.90) has two neighbours at or above it: two contour edges.
        assert_eq!(svg.matches("fill=\"#FDBF6F\"").count(), 1);
        assert_eq!(svg.matches("fill=\"#A6CEE3\"").count(), 3);
        assert_eq!(svg.matches("stroke-width=\"3\"").count(), 2);
        assert_eq!(svg, heat_map(&square, &rows, &columns), "deterministic");
        assert!(!svg.contains("http"));
    }

    #[test]
    fn the_histogram_axis_always_reaches_ratio_1() {
        let bins: Vec<(f64, f64, usize)> = (0..20)
            .map(|i| (3.0 + 0.1 * f64::from(i), 3.1 + 0.1 * f64::from(i), 5))
            .collect();
        let svg = histogram(&bins);
        assert_eq!(svg.matches("fill=\"#56B4E9\"").count(), 20);
        // The ratio-1 line is drawn inside the plot, left of every bar.
        let line = svg
            .split("stroke=\"#D55E00\"")
            .nth(1)
            .expect("a ratio-1 line");
        let points = line.split("points=\"").nth(1).unwrap_or_default();
        let x: f64 = points
            .split(',')
            .next()
            .and_then(|x| x.parse().ok())
            .expect("a point");
        let first_bar: f64 = svg
            .split("fill=\"#56B4E9\"")
            .next()
            .and_then(|s| s.rsplit("<rect x=\"").next())
            .and_then(|s| s.split('"').next())
            .and_then(|x| x.parse().ok())
            .expect("a bar");
        assert!(
            x > 60.0 && x < first_bar,
            "line at {x}, first bar at {first_bar}"
        );
        assert_eq!(histogram(&[]), "");
    }

    #[test]
    fn one_tornado_bar_per_row() {
        let rows: Vec<Swing> = (1..=3)
            .map(|i| Swing {
                label: format!("row {i} <&>"),
                ratio_low: d(10 + i, 1),
                ratio_high: d(20 + 5 * i, 1),
            })
            .collect();
        let svg = tornado(&rows, d(15, 1));
        assert_eq!(svg.matches("fill=\"#0072B2\"").count(), 3);
        assert!(svg.contains("row 1 &lt;&amp;&gt;"));
        assert_eq!(tornado(&[], Decimal::ONE), "");
    }
}
