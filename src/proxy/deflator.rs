//! Deflator series (docs/years-and-prices.md): an index by year, read from a YAML file, and the exact
//! rebasing of a money value from one price year to another.
//!
//! ```yaml
//! sroi: 1
//! id: ons-cpih
//! name: CPIH, all items (ONS series L522)
//! source:
//!   publisher: Office for National Statistics
//!   edition: release of 16 July 2025
//!   table: series L522 (MM23), annual averages
//! index:
//!   2019: 107.8
//!   2024: 132.9
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::fields::Reader;
use crate::model::load::{parse_yaml, version};
use crate::model::number::{self, NumberKind};
use crate::model::yaml::{Node, Value};

const SERIES_KEYS: &[&str] = &["sroi", "id", "name", "description", "source", "index"];
const SOURCE_KEYS: &[&str] = &[
    "publisher",
    "title",
    "edition",
    "table",
    "series",
    "base",
    "licence",
    "url",
    "read",
    "notes",
];

/// Where a series comes from. `publisher`, `edition` and `table` are required.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeriesSource {
    pub publisher: String,
    pub edition: String,
    pub table: String,
    /// The other keys written under `source:` (title, series, base, licence, url, read,
    /// notes), in file order.
    pub details: Vec<(String, String)>,
}

impl SeriesSource {
    /// One line for reports: publisher, edition, table.
    pub fn summary(&self) -> String {
        format!("{}, {}, {}", self.publisher, self.edition, self.table)
    }
}

/// One index value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPoint {
    pub value: Decimal,
    pub span: Span,
}

/// A loaded deflator series.
#[derive(Debug, Clone)]
pub struct Deflator {
    pub file: Arc<SourceFile>,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub source: SeriesSource,
    pub index: BTreeMap<u16, IndexPoint>,
}

/// A value moved from one price year to another, with the arithmetic shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebased {
    /// The value as written, in `from_year` prices.
    pub original: Decimal,
    /// The price year it was written in.
    pub from_year: u16,
    /// The price year it is now in.
    pub price_year: u16,
    pub index_from: Decimal,
    pub index_to: Decimal,
    /// index[to] / index[from], exact to 28 significant digits.
    pub factor: Decimal,
    /// original × index[to] / index[from], unrounded.
    pub rebased: Decimal,
}

/// Why a value could not be rebased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebaseError {
    /// The series has no value for this year.
    MissingYear { year: u16 },
    /// The multiplication overflowed.
    Overflow,
}

impl Deflator {
    /// The years the series covers, as `first–last` for messages.
    pub fn coverage(&self) -> String {
        match (self.index.keys().next(), self.index.keys().next_back()) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "no years".to_owned(),
        }
    }

    /// `value` (in `from_year` prices) in `to_year` prices: value × index[to] / index[from].
    /// Multiplying before dividing keeps the result exact whenever it can be.
    pub fn rebase(
        &self,
        value: Decimal,
        from_year: u16,
        to_year: u16,
    ) -> Result<Rebased, RebaseError> {
        let index = |year| {
            self.index
                .get(&year)
                .map(|p| p.value)
                .ok_or(RebaseError::MissingYear { year })
        };
        let index_from = index(from_year)?;
        let index_to = index(to_year)?;
        let factor = index_to
            .checked_div(index_from)
            .ok_or(RebaseError::Overflow)?;
        let rebased = if from_year == to_year {
            value
        } else {
            value
                .checked_mul(index_to)
                .and_then(|v| v.checked_div(index_from))
                .ok_or(RebaseError::Overflow)?
        };
        Ok(Rebased {
            original: value,
            from_year,
            price_year: to_year,
            index_from,
            index_to,
            factor,
            rebased,
        })
    }

    /// A located error for a year the series lacks: at the series file's `index:` when
    /// nothing better is known.
    pub fn missing_year(&self, year: u16) -> Diagnostic {
        Diagnostic::error(format!(
            "deflator series `{}` has no index value for {year}",
            self.id
        ))
        .in_file(&self.file.path)
        .help(format!(
            "the series covers {}; add {year} to its `index:` from the same publication, or choose a price year it covers",
            self.coverage()
        ))
    }
}

/// Read and check a deflator series file, reporting every problem in one pass.
pub fn read_deflator(file: &Arc<SourceFile>) -> Result<Deflator, Diagnostics> {
    let root = parse_yaml(file)?;
    let mut r = Reader::new(Arc::clone(file));
    let series = series_from(&root, &mut r);
    let diagnostics = r.finish();
    match series {
        Some(s) if !diagnostics.has_errors() => Ok(s),
        _ => Err(diagnostics),
    }
}

fn series_from(root: &Node, r: &mut Reader) -> Option<Deflator> {
    let mut f = r.mapping(root, "the deflator series")?;
    version(&mut f, r);
    let id = f
        .required(r, "id")
        .and_then(|n| r.id(n, "deflator id", '-'));
    let name = f.required(r, "name").and_then(|n| r.text(n, "name"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let source = f.required(r, "source").and_then(|n| source(n, r));
    let index = f.required(r, "index").and_then(|n| index(n, r));
    f.finish(r, SERIES_KEYS);
    Some(Deflator {
        file: Arc::clone(&r.file),
        id: id?.value,
        name: name?,
        description,
        source: source?,
        index: index?,
    })
}

fn source(node: &Node, r: &mut Reader) -> Option<SeriesSource> {
    let mut f = r.mapping(node, "the series `source`")?;
    let mut required = |f: &mut crate::model::fields::Fields<'_>, key: &str| {
        let n = f.required(r, key)?;
        let text = r.text(n, key)?;
        if text.trim().is_empty() {
            r.error(
                n.span,
                format!("`source.{key}` is empty"),
                Some(format!(
                    "write the series' {key} as the publication states it"
                )),
            );
            return None;
        }
        Some(text)
    };
    let publisher = required(&mut f, "publisher");
    let edition = required(&mut f, "edition");
    let table = required(&mut f, "table");
    let mut details = Vec::new();
    for key in SOURCE_KEYS
        .iter()
        .filter(|k| !["publisher", "edition", "table"].contains(k))
    {
        if let Some(n) = f.optional(key)
            && let Some(text) = r.text(n, key)
        {
            details.push(((*key).to_owned(), text));
        }
    }
    f.finish(r, SOURCE_KEYS);
    Some(SeriesSource {
        publisher: publisher?,
        edition: edition?,
        table: table?,
        details,
    })
}

/// `index:` year → positive value. A year is `2019` or, for a financial-year series,
/// `2019-20` (read as 2019, the year it starts in).
fn index(node: &Node, r: &mut Reader) -> Option<BTreeMap<u16, IndexPoint>> {
    let mut f = r.mapping(node, "`index`")?;
    let mut out: BTreeMap<u16, IndexPoint> = BTreeMap::new();
    for key in f.keys() {
        let Some(value) = f.get(&key.value) else {
            continue;
        };
        let Some(year) = index_year(&key.value) else {
            r.error(
                key.span,
                format!("`{}` is not a year", key.value),
                Some("write each year as `2019` (or `2019-20` for a financial year), followed by `: ` and the index value".into()),
            );
            continue;
        };
        if let Some(first) = out.get(&year) {
            let (line, _) = r.file.line_col(first.span.offset);
            r.error(
                key.span,
                format!("{year} appears twice in the index"),
                Some(format!("the first {year} is on line {line}; keep one")),
            );
            continue;
        }
        let text = match &value.value {
            Value::Number(t) | Value::String(t) => t.clone(),
            other => {
                r.error(
                    value.span,
                    format!(
                        "the index value for {year} should be a number, found {}",
                        other.kind()
                    ),
                    Some("write the index value exactly as published, e.g. `2019: 107.8`".into()),
                );
                continue;
            }
        };
        match number::parse_literal(&text, NumberKind::NonNegative) {
            Ok(v) if v > Decimal::ZERO => {
                out.insert(
                    year,
                    IndexPoint {
                        value: v,
                        span: value.span,
                    },
                );
            }
            Ok(_) => r.error(
                value.span,
                format!("the index value for {year} is {text}; an index must be above 0"),
                Some(
                    "copy the value from the publication; a price index is never 0 or negative"
                        .into(),
                ),
            ),
            Err(e) => r.error(
                value.span,
                format!("the index value for {year}: {}", e.message),
                Some(e.help),
            ),
        }
    }
    f.finish(r, &[]);
    if out.is_empty() {
        r.error(
            node.span,
            "the index has no years",
            Some("list `YEAR: VALUE` lines under `index:`".into()),
        );
        return None;
    }
    Some(out)
}

/// `2019` → 2019; `2019-20` and `2019/20` → 2019 (a financial year is named by the year it
/// starts in, as proxy sets write `price_year: 2019` for 2019/20 prices).
fn index_year(text: &str) -> Option<u16> {
    let t = text.trim();
    let (start, next) = match t.split_once(['-', '/']) {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    if start.len() != 4 || !start.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: u16 = start.parse().ok()?;
    if !(1800..=2200).contains(&year) {
        return None;
    }
    if let Some(next) = next {
        let following = year.checked_add(1)?.to_string();
        let ok = next.bytes().all(|b| b.is_ascii_digit())
            && (next.len() == 2 || next.len() == 4)
            && following.ends_with(next);
        if !ok {
            return None;
        }
    }
    Some(year)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn series(text: &str) -> Result<Deflator, Diagnostics> {
        read_deflator(&SourceFile::new(
            std::path::Path::new("d.yaml"),
            text.to_owned(),
        ))
    }

    const GOOD: &str = "sroi: 1\nid: test\nname: Test\nsource:\n  publisher: P\n  edition: E\n  table: T\nindex:\n  2013: 98.2\n  2019: 107.8\n  2020: 108.9\n  2024: 132.9\n";

    #[test]
    fn rebasing_is_exact_hand_arithmetic() {
        let s = series(GOOD).unwrap();
        // £38 in 2013 prices to 2024: 38 × 132.9 / 98.2 = 5050.2 / 98.2 = 51.4276985743...
        let r = s.rebase(d("38"), 2013, 2024).unwrap();
        assert_eq!(r.original, d("38"));
        assert_eq!(r.index_from, d("98.2"));
        assert_eq!(r.index_to, d("132.9"));
        assert_eq!(crate::report::fixed(r.rebased, 6), "51.427699");
        // Exact: rebased × 98.2 gives back 38 × 132.9 to the 24th decimal place.
        assert!((r.rebased * d("98.2") - d("5050.2")).abs() < d("0.000000000000000000000001"));
        // £13,000 (2019) → 13,000 × 132.9 / 107.8 = 16,026.9016697...
        let w = s.rebase(d("13000"), 2019, 2024).unwrap();
        assert_eq!(crate::report::fixed(w.rebased, 4), "16026.9017");
        assert_eq!(crate::report::fixed(w.factor, 6), "1.232839");
        // £9,537 (2020) → 9,537 × 132.9 / 108.9 = 1,267,467.3 / 108.9 = 11,638.8181818...
        let l = s.rebase(d("9537"), 2020, 2024).unwrap();
        assert_eq!(crate::report::fixed(l.rebased, 4), "11638.8182");
        // The same year changes nothing, exactly.
        let same = s.rebase(d("16.30"), 2024, 2024).unwrap();
        assert_eq!(same.rebased, d("16.30"));
        assert_eq!(same.factor, Decimal::ONE);
    }

    #[test]
    fn a_missing_year_names_the_year() {
        let s = series(GOOD).unwrap();
        assert_eq!(
            s.rebase(d("1"), 2011, 2024),
            Err(RebaseError::MissingYear { year: 2011 })
        );
        let d = s.missing_year(2011);
        assert!(
            d.message.contains("`test`") && d.message.contains("2011"),
            "{}",
            d.message
        );
        assert!(d.help.as_deref().unwrap_or("").contains("2013–2024"));
    }

    #[test]
    fn financial_years_read_as_their_first_year() {
        assert_eq!(index_year("2013"), Some(2013));
        assert_eq!(index_year("2013-14"), Some(2013));
        assert_eq!(index_year("2019/20"), Some(2019));
        assert_eq!(index_year("1999-2000"), Some(1999));
        assert_eq!(index_year("2013-15"), None);
        assert_eq!(index_year("13"), None);
        assert_eq!(index_year("year"), None);
    }

    #[test]
    fn wrong_shapes_are_errors_not_panics() {
        for text in [
            "",
            "[1, 2]",
            "sroi: 1\nid: x\nname: X\nsource: a string\nindex: [1, 2]\n",
            "sroi: 1\nid: x\nname: X\nsource: {publisher: P, edition: E, table: T}\nindex: {}\n",
            "sroi: 1\nid: x\nname: X\nsource: {publisher: P, edition: E, table: T}\nindex:\n  2013: [1]\n  2014: 1e999\n",
            "sroi: 2\nid: x\nname: X\nsource: {publisher: P, edition: E, table: T}\nindex: {2013: 1}\nextra: 1\n",
        ] {
            let err = series(text).unwrap_err();
            assert!(err.has_errors(), "{text}");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let bad = "sroi: 1\nid: Bad Id\nname: x\nsource:\n  publisher: P\n  edition: ''\nindex:\n  2013: 0\n  twenty: 5\n  2014: abc\n  2015-17: 3\n";
        let err = series(bad).unwrap_err();
        let messages: Vec<String> = err.0.iter().map(|d| d.message.clone()).collect();
        let all = messages.join("\n");
        assert!(all.contains("not a valid deflator id"), "{all}");
        assert!(all.contains("`source.edition` is empty"), "{all}");
        assert!(all.contains("has no `table`"), "{all}");
        assert!(all.contains("must be above 0"), "{all}");
        assert!(all.contains("`twenty` is not a year"), "{all}");
        assert!(all.contains("2014"), "{all}");
        assert!(all.contains("`2015-17` is not a year"), "{all}");
        assert!(err.0.iter().all(|d| d.span.is_some()), "{all}");
    }
}
