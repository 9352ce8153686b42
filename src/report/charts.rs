//! Charts for the HTML report, drawn by `plotters` into inline SVG strings.
//!
//! Figures arrive as exact decimals and are converted to `f64` only here, for drawing:
//! the tables beside each chart carry the exact, rounded figures.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The report's palette (Okabe–Ito, readable with common colour-vision deficiencies).
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub(super) const GRID: RGBColor = RGBColor(221, 221, 221);

const WIDTH: u32 = 560;
pub(super) const FONT: &str = "sans-serif";

/// One bar: a label and a value.
pub struct Bar {
    pub label: String,
    pub value: Decimal,
}

type DrawResult = Result<(), String>;

pub(super) fn f(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// Render with `draw` onto a fresh SVG of `height` pixels. The namespace attribute is
/// dropped: inline SVG in HTML needs none, and the report must hold no URL at all.
pub(super) fn svg(
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
) -> String {
    let mut buffer = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut buffer, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match outcome {
        Ok(()) => buffer
            .replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
            .replacen("<svg ", "<svg role=\"img\" ", 1),
        // The table beside the chart still carries every figure.
        Err(_) => String::new(),
    }
}

/// The value axis: from the smallest value (or 0) to the largest (or 0), with headroom.
fn axis(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi - lo <= 0.0 {
        return 0.0..1.0;
    }
    let pad = (hi - lo) * 0.08;
    (if lo < 0.0 { lo - pad } else { 0.0 })..(hi + pad)
}

/// `12500` → `12.5k`: short axis labels (the tables hold the exact figures).
fn short(value: f64, symbol: &str) -> String {
    let (sign, v) = if value < 0.0 {
        ("-", -value)
    } else {
        ("", value)
    };
    let body = if v >= 1e6 {
        trim(format!("{:.1}", v / 1e6)) + "m"
    } else if v >= 1e3 {
        trim(format!("{:.1}", v / 1e3)) + "k"
    } else {
        trim(format!("{v:.1}"))
    };
    format!("{sign}{symbol}{body}")
}

fn trim(text: String) -> String {
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

/// Keep axis labels short; the table beside gives the full name.
pub(super) fn clip(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut out: String = label.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Horizontal bars, one per category (value by stakeholder).
pub fn horizontal_bars(bars: &[Bar], symbol: &str, colour: RGBColor) -> String {
    let n = bars.len();
    if n == 0 {
        return String::new();
    }
    let height = 60 + 34 * u32::try_from(n).unwrap_or(1);
    let labels: Vec<String> = bars.iter().map(|b| clip(&b.label, 26)).collect();
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(190)
            .build_cartesian_2d(
                axis(bars.iter().map(|b| f(b.value))),
                (0..n - 1).into_segmented(),
            )
            .map_err(|e| e.to_string())?;
        // Segment 0 is at the bottom; the first bar goes on top, as in the table.
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
            .x_labels(6)
            .x_label_formatter(&|x| short(*x, symbol))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(n - 1 - i)),
                        (f(b.value), SegmentValue::Exact(n - i)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                bar
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Vertical bars per year: the value in the year, with its present value drawn inside.
pub fn years(values: &[Decimal], present: &[Decimal], symbol: &str) -> String {
    let n = values.len();
    if n == 0 {
        return String::new();
    }
    svg(300, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (1..n).into_segmented(),
                axis(values.iter().chain(present).map(|v| f(*v))),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID)
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(y) => format!("Year {y}"),
                _ => String::new(),
            })
            .y_labels(6)
            .y_label_formatter(&|y| short(*y, symbol))
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let series = |data: &[Decimal], colour: RGBColor, inset: u32| {
            data.iter()
                .enumerate()
                .map(|(i, v)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i + 1), 0.0),
                            (SegmentValue::Exact(i + 2), f(*v)),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(0, 0, inset, inset);
                    bar
                })
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(series(values, SKY, 10))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(series(present, BLUE, 24))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// One outcome's steps from gross value to impact.
pub struct Steps {
    pub label: String,
    /// Gross, after deadweight, after displacement, after attribution (= impact).
    pub values: [Decimal; 4],
}

pub const STEP_COLOURS: [RGBColor; 4] = [SKY, ORANGE, GREEN, BLUE];

/// Small multiples: for each outcome, four bars from gross value down to impact, on one
/// shared scale so outcomes compare.
pub fn gross_to_net(outcomes: &[Steps], symbol: &str) -> String {
    let n = outcomes.len();
    if n == 0 {
        return String::new();
    }
    let range = axis(outcomes.iter().flat_map(|o| o.values.iter().map(|v| f(*v))));
    let panel = 104;
    let height = panel * u32::try_from(n).unwrap_or(1) + 10;
    svg(height, |root| {
        for (outcome, area) in outcomes.iter().zip(root.split_evenly((n, 1))) {
            let mut chart = ChartBuilder::on(&area)
                .margin(4)
                .caption(clip(&outcome.label, 60), (FONT, 14))
                .x_label_area_size(20)
                .y_label_area_size(64)
                .build_cartesian_2d(range.clone(), (0..3usize).into_segmented())
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(GRID)
                .y_labels(4)
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => ["Impact", "−DS", "−DW", "Gross"]
                        .get(*i)
                        .map_or_else(String::new, |s| (*s).to_owned()),
                    _ => String::new(),
                })
                .x_labels(6)
                .x_label_formatter(&|x| short(*x, symbol))
                .label_style((FONT, 11))
                .draw()
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(outcome.values.iter().enumerate().map(|(i, v)| {
                    let colour = STEP_COLOURS.get(i).copied().unwrap_or(BLUE);
                    let mut bar = Rectangle::new(
                        [
                            (0.0, SegmentValue::Exact(3 - i)),
                            (f(*v), SegmentValue::Exact(4 - i)),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(2, 2, 0, 0);
                    bar
                }))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// `#rrggbb` for CSS legends that match the charts.
pub fn css(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_are_short_and_signed() {
        assert_eq!(short(12_500.0, "£"), "£12.5k");
        assert_eq!(short(2_000_000.0, "£"), "£2m");
        assert_eq!(short(-300.0, "£"), "-£300");
        assert_eq!(short(0.0, "£"), "£0");
    }

    #[test]
    fn charts_are_inline_svg_without_urls() {
        let bars = vec![
            Bar {
                label: "A & <B>".into(),
                value: Decimal::new(1500, 0),
            },
            Bar {
                label: "C".into(),
                value: Decimal::new(-200, 0),
            },
        ];
        let svg = horizontal_bars(&bars, "£", BLUE);
        assert!(svg.starts_with("<svg role=\"img\" "), "{svg}");
        assert!(!svg.contains("http"));
        assert!(svg.contains("A &amp; &lt;B&gt;"));
        assert_eq!(svg, horizontal_bars(&bars, "£", BLUE), "deterministic");
    }
}
