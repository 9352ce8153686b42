//! `sroi batch` output: one line of headline figures per model × proxy set, as CSV, a
//! JSON array or JSON Lines, all with the same keys in the same order.

use serde_json::{Map, Value};

use super::{fixed, money};
use crate::evaluate::Evaluation;

/// The columns, in order (CSV header and JSON keys).
pub const COLUMNS: [&str; 10] = [
    "model",
    "proxy_set",
    "status",
    "investment",
    "total_present_value",
    "net_present_value",
    "ratio",
    "net_ratio",
    "payback_months",
    "error",
];

/// One model under one proxy set: its figures, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The model's path as given on the command line.
    pub model: String,
    /// The set named with `--proxies`, else the set the model uses (empty if unknown).
    pub proxy_set: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(Figures),
    /// The first problem found, on one line (`file:line:column: message`).
    Invalid(String),
}

/// Headline figures, already formatted exactly as `sroi run --format json` shows them:
/// money to 2 places, ratios to 4, payback in months to 2; `None` where run shows null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub investment: String,
    pub total_present_value: String,
    pub net_present_value: String,
    pub ratio: Option<String>,
    pub net_ratio: Option<String>,
    pub payback_months: Option<String>,
}

impl Figures {
    pub fn of(e: &Evaluation) -> Self {
        Figures {
            investment: money(e.investment),
            total_present_value: money(e.total_present_value),
            net_present_value: money(e.net_present_value),
            ratio: e.ratio.map(|r| fixed(r, 4)),
            net_ratio: e.net_ratio.map(|r| fixed(r, 4)),
            payback_months: e.payback_months.map(|m| fixed(m, 2)),
        }
    }
}

impl Line {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Invalid(_))
    }

    /// The cells in `COLUMNS` order; `None` is an empty cell (null in JSON).
    fn cells(&self) -> [Option<&str>; 10] {
        let none = [None, None, None, None, None, None];
        let (status, figures, error) = match &self.outcome {
            Outcome::Ok(f) => (
                "ok",
                [
                    Some(f.investment.as_str()),
                    Some(f.total_present_value.as_str()),
                    Some(f.net_present_value.as_str()),
                    f.ratio.as_deref(),
                    f.net_ratio.as_deref(),
                    f.payback_months.as_deref(),
                ],
                None,
            ),
            Outcome::Invalid(why) => ("invalid", none, Some(why.as_str())),
        };
        let [a, b, c, d, e, f] = figures;
        [
            Some(self.model.as_str()),
            (!self.proxy_set.is_empty()).then_some(self.proxy_set.as_str()),
            Some(status),
            a,
            b,
            c,
            d,
            e,
            f,
            error,
        ]
    }

    fn json(&self) -> Value {
        let mut object = Map::new();
        for (key, cell) in COLUMNS.iter().zip(self.cells()) {
            let value = cell.map_or(Value::Null, |c| Value::String(c.to_owned()));
            object.insert((*key).to_owned(), value);
        }
        Value::Object(object)
    }
}

/// CSV with a header row. Text cells that a spreadsheet would read as a formula are
/// quoted with a leading `'`; figures are plain numbers.
pub fn csv(lines: &[Line]) -> String {
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for line in lines {
        let cells = line.cells();
        rows.push(
            cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let cell = cell.unwrap_or_default();
                    // Model, set, status and error are text; the rest are numbers.
                    if matches!(i, 0 | 1 | 2 | 9) {
                        super::csv::text(cell)
                    } else {
                        cell.to_owned()
                    }
                })
                .collect(),
        );
    }
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// One JSON array of line objects.
pub fn json(lines: &[Line]) -> String {
    let array = Value::Array(lines.iter().map(Line::json).collect());
    let mut text = serde_json::to_string_pretty(&array).unwrap_or_default();
    text.push('\n');
    text
}

/// JSON Lines: one object per line, so outputs of several shards concatenate.
pub fn jsonl(lines: &[Line]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.json().to_string());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ok() -> Line {
        Line {
            model: "models/a.yaml".into(),
            proxy_set: "uk".into(),
            outcome: Outcome::Ok(Figures {
                investment: "100.00".into(),
                total_present_value: "250.00".into(),
                net_present_value: "150.00".into(),
                ratio: Some("2.5000".into()),
                net_ratio: Some("1.5000".into()),
                payback_months: None,
            }),
        }
    }

    fn bad() -> Line {
        Line {
            model: "=b.yaml".into(),
            proxy_set: String::new(),
            outcome: Outcome::Invalid("b.yaml:3:5: unknown key `outcome`".into()),
        }
    }

    #[test]
    fn csv_has_the_columns_and_quotes_formula_like_text() {
        let text = csv(&[ok(), bad()]);
        assert_eq!(
            text,
            "model,proxy_set,status,investment,total_present_value,net_present_value,ratio,net_ratio,payback_months,error\n\
             models/a.yaml,uk,ok,100.00,250.00,150.00,2.5000,1.5000,,\n\
             '=b.yaml,,invalid,,,,,,,b.yaml:3:5: unknown key `outcome`\n"
        );
    }

    #[test]
    fn json_lines_use_the_same_keys_with_null_for_missing() {
        let text = jsonl(&[ok(), bad()]);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        for line in &lines {
            let keys: Vec<&str> = line
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, COLUMNS);
        }
        assert_eq!(lines[0]["ratio"], "2.5000");
        assert_eq!(lines[0]["payback_months"], Value::Null);
        assert_eq!(lines[1]["status"], "invalid");
        assert_eq!(lines[1]["proxy_set"], Value::Null);
        assert_eq!(lines[1]["investment"], Value::Null);
        let array: Value = serde_json::from_str(&json(&[ok(), bad()])).unwrap();
        assert_eq!(array, Value::Array(lines));
    }
}
