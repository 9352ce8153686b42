//! Typed columns: numbers packed into one machine word per cell, or text as written.
//!
//! A numeric cell keeps its exact decimal (mantissa and scale, so `1.50` stays `1.50`);
//! blanks are a sentinel. Text is dictionary-coded while a column has few distinct values
//! (answers such as `yes`/`no`, group names), so a million answers cost four bytes each and
//! reading a cell allocates nothing; a column of mostly unique values (ids) switches to one
//! byte buffer with offsets.

use rhai::{Dynamic, ImmutableString};
use rust_decimal::Decimal;

use super::hash::FxHashMap;

/// A blank numeric cell.
const BLANK: i64 = i64::MIN;
/// Mantissas held in a packed cell: |m| < 2^58, leaving 5 bits for the scale (0..=28).
const PACKED_LIMIT: i128 = 1 << 58;
/// Distinct values a text column keeps in its dictionary before storing cells directly.
const DICTIONARY_LIMIT: usize = 1 << 16;

/// One cell, borrowed from its column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Blank,
    Number(Decimal),
    Text(&'a str),
}

impl Cell<'_> {
    pub fn to_dynamic(self) -> Dynamic {
        match self {
            Cell::Blank => Dynamic::UNIT,
            Cell::Number(d) => Dynamic::from_decimal(d),
            Cell::Text(t) => Dynamic::from(ImmutableString::from(t)),
        }
    }
    /// The cell as written in messages.
    pub fn shown(self) -> String {
        match self {
            Cell::Blank => "(blank)".to_owned(),
            Cell::Number(d) => d.to_string(),
            Cell::Text(t) => format!("\"{t}\""),
        }
    }
}

/// A loaded column.
#[derive(Debug)]
pub enum Column {
    Numbers(Numbers),
    Text(Text),
}

impl Column {
    pub fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Column::Numbers(n) => n.get(row).map_or(Cell::Blank, Cell::Number),
            Column::Text(t) => t.get(row).map_or(Cell::Blank, Cell::Text),
        }
    }
    /// The cell as a Rhai value; text from the dictionary is shared, not copied.
    pub fn dynamic(&self, row: usize) -> Dynamic {
        match self {
            Column::Text(Text::Dictionary { values, codes }) => codes
                .get(row)
                .and_then(|&c| values.get(c as usize))
                .map_or(Dynamic::UNIT, |v| Dynamic::from(v.clone())),
            _ => self.cell(row).to_dynamic(),
        }
    }
    pub fn is_numeric(&self) -> bool {
        matches!(self, Column::Numbers(_))
    }
    /// Every cell is empty (such a column counts as numeric, but any comparison is fine
    /// and matches nothing).
    pub fn is_all_blank(&self) -> bool {
        matches!(self, Column::Numbers(n) if n.scales == 0)
    }
    pub fn is_blank(&self, row: usize) -> bool {
        matches!(self.cell(row), Cell::Blank)
    }
}

/// A numeric column.
#[derive(Debug)]
pub struct Numbers {
    pub(super) cells: NumberCells,
    /// Bit `s` is set when some cell has `s` decimal places: one bit set means every cell
    /// shares a scale, and sums and comparisons can work on the integers directly.
    pub(super) scales: u32,
}

#[derive(Debug)]
pub(super) enum NumberCells {
    /// `mantissa << 5 | scale`, or `BLANK`.
    Packed(Vec<i64>),
    /// For the rare figure too long to pack.
    Wide(Vec<Option<Decimal>>),
}

fn pack(d: Decimal) -> Option<i64> {
    let m = d.mantissa();
    if m.abs() >= PACKED_LIMIT || (m == 0 && d.is_sign_negative()) {
        return None;
    }
    i64::try_from(m)
        .ok()
        .and_then(|m| m.checked_mul(32))
        .map(|v| v | i64::from(d.scale() as u8))
}

/// The mantissa and scale of a packed cell.
pub(super) fn unpack(v: i64) -> (i64, u32) {
    (v >> 5, (v & 31) as u32)
}

impl Numbers {
    pub fn get(&self, row: usize) -> Option<Decimal> {
        match &self.cells {
            NumberCells::Packed(v) => match v.get(row) {
                Some(&BLANK) | None => None,
                Some(&p) => {
                    let (m, s) = unpack(p);
                    Some(Decimal::new(m, s))
                }
            },
            NumberCells::Wide(v) => v.get(row).copied().flatten(),
        }
    }
    /// The one scale every cell has, if they share one.
    pub fn single_scale(&self) -> Option<u32> {
        (self.scales.count_ones() == 1 && matches!(self.cells, NumberCells::Packed(_)))
            .then(|| self.scales.trailing_zeros())
    }
    /// The packed cells, when the column is packed.
    pub(super) fn packed(&self) -> Option<&[i64]> {
        match &self.cells {
            NumberCells::Packed(v) => Some(v),
            NumberCells::Wide(_) => None,
        }
    }
}

/// Whether a packed cell is blank.
pub(super) fn packed_blank(v: i64) -> bool {
    v == BLANK
}

/// A text column.
#[derive(Debug)]
pub enum Text {
    Dictionary {
        values: Vec<ImmutableString>,
        /// Index into `values`, or `u32::MAX` for a blank.
        codes: Vec<u32>,
    },
    Plain {
        text: String,
        /// End offset of each cell in `text`; a blank is an empty cell.
        ends: Vec<u32>,
    },
}

impl Text {
    pub fn get(&self, row: usize) -> Option<&str> {
        match self {
            Text::Dictionary { values, codes } => codes
                .get(row)
                .and_then(|&c| values.get(c as usize))
                .map(ImmutableString::as_str),
            Text::Plain { text, ends } => {
                let end = *ends.get(row)? as usize;
                let start = match row.checked_sub(1) {
                    Some(p) => *ends.get(p)? as usize,
                    None => 0,
                };
                text.get(start..end).filter(|s| !s.is_empty())
            }
        }
    }
}

/// What a cell's text is, by docs/format.md §2 plus the leading-zero rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parsed {
    Blank,
    /// A number, and whether writing it back gives exactly the text (`1.50` does, `1e3`
    /// or ` 5` do not).
    Number(Decimal, bool),
    NotNumber,
    /// A number with more digits than sroi holds exactly: an error, never a rounding.
    TooPrecise,
}

/// Classify one cell. Plain decimals take a fast path; anything else goes through the
/// model's own literal parser, so cells and YAML numbers follow one rule.
pub fn parse_cell(raw: &[u8]) -> Parsed {
    let t = raw.trim_ascii();
    if t.is_empty() {
        return Parsed::Blank;
    }
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    let unsigned = t
        .strip_prefix(b"-")
        .or_else(|| t.strip_prefix(b"+"))
        .unwrap_or(t);
    // `0123` is an identifier or a code, not a number: its column stays text.
    if unsigned.len() > 1 && unsigned[0] == b'0' && unsigned[1].is_ascii_digit() {
        return Parsed::NotNumber;
    }
    if let Some((m, s)) = fast_decimal(digits) {
        let negative = digits.len() != t.len();
        let d = Decimal::new(if negative { -m } else { m }, s);
        let canonical = t.len() == raw.len() && !(negative && m == 0);
        return Parsed::Number(d, canonical);
    }
    if !t.iter().any(u8::is_ascii_digit) {
        return Parsed::NotNumber;
    }
    match std::str::from_utf8(t).map(crate::model::number::parse_number) {
        Ok(Ok(Some(d))) => Parsed::Number(d, false),
        Ok(Ok(None)) | Err(_) => Parsed::NotNumber,
        Ok(Err(_)) => Parsed::TooPrecise,
    }
}

/// `digits[.digits]` with at most 17 digits, as mantissa and scale.
fn fast_decimal(b: &[u8]) -> Option<(i64, u32)> {
    if b.is_empty() || b.len() > 18 {
        return None;
    }
    let mut m: i64 = 0;
    let mut scale = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + i64::from(c - b'0');
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            b'.' if scale.is_none() && i > 0 && i + 1 < b.len() => scale = Some(0u32),
            _ => return None,
        }
    }
    Some((m, scale.unwrap_or(0)))
}

/// Builds one column while the file is read.
#[derive(Debug)]
pub struct ColumnBuilder {
    state: BuilderState,
    /// Row of the first non-blank cell that is not a number.
    pub first_non_number: Option<u32>,
    /// Some filled cell is a number (with `first_non_number`, the column mixes both).
    pub saw_number: bool,
    /// A cell before the column turned to text was written in a form that cannot be
    /// rebuilt from its value (`1e3`, ` 5`): the file must be read again for this column.
    pub needs_reread: bool,
}

#[derive(Debug)]
enum BuilderState {
    Numbers {
        cells: NumberCells,
        scales: u32,
        canonical: bool,
    },
    Text(TextBuilder),
}

#[derive(Debug)]
enum TextBuilder {
    Dictionary {
        index: FxHashMap<Box<[u8]>, u32>,
        values: Vec<ImmutableString>,
        codes: Vec<u32>,
    },
    Plain {
        text: String,
        ends: Vec<u32>,
    },
}

/// A problem with one cell while building.
#[derive(Debug)]
pub enum CellError {
    NotUtf8,
    TooLarge,
    /// More than 28 significant digits (or decimal places).
    TooPrecise,
}

impl ColumnBuilder {
    pub fn new(forced_text: bool) -> Self {
        ColumnBuilder {
            state: if forced_text {
                BuilderState::Text(TextBuilder::new())
            } else {
                BuilderState::Numbers {
                    cells: NumberCells::Packed(Vec::new()),
                    scales: 0,
                    canonical: true,
                }
            },
            first_non_number: None,
            saw_number: false,
            needs_reread: false,
        }
    }

    /// Add the cell of row `row`.
    pub fn push(&mut self, raw: &[u8], row: u32) -> Result<(), CellError> {
        let parsed = parse_cell(raw);
        if parsed == Parsed::TooPrecise {
            return Err(CellError::TooPrecise);
        }
        if parsed == Parsed::NotNumber && self.first_non_number.is_none() {
            self.first_non_number = Some(row);
        }
        self.saw_number |= matches!(parsed, Parsed::Number(..));
        match &mut self.state {
            BuilderState::Numbers {
                cells,
                scales,
                canonical,
            } => match parsed {
                Parsed::TooPrecise => Err(CellError::TooPrecise),
                Parsed::Blank => {
                    push_number(cells, None);
                    Ok(())
                }
                Parsed::Number(d, exact) => {
                    *canonical &= exact;
                    *scales |= 1u32 << d.scale().min(31);
                    push_number(cells, Some(d));
                    Ok(())
                }
                Parsed::NotNumber => {
                    if !*canonical {
                        self.needs_reread = true;
                    }
                    let mut text = TextBuilder::new();
                    let count = match cells {
                        NumberCells::Packed(v) => v.len(),
                        NumberCells::Wide(v) => v.len(),
                    };
                    for i in 0..count {
                        let value = match cells {
                            NumberCells::Packed(v) => match v.get(i) {
                                Some(&BLANK) | None => None,
                                Some(&p) => {
                                    let (m, s) = unpack(p);
                                    Some(Decimal::new(m, s))
                                }
                            },
                            NumberCells::Wide(v) => v.get(i).copied().flatten(),
                        };
                        match value {
                            Some(d) => text.push(d.to_string().as_bytes())?,
                            None => text.push(b"")?,
                        }
                    }
                    text.push(raw)?;
                    self.state = BuilderState::Text(text);
                    Ok(())
                }
            },
            BuilderState::Text(text) => match parsed {
                Parsed::Blank => text.push(b""),
                _ => text.push(raw),
            },
        }
    }

    pub fn finish(self) -> Column {
        match self.state {
            BuilderState::Numbers { cells, scales, .. } => Column::Numbers(Numbers {
                cells: shrink_numbers(cells),
                scales,
            }),
            BuilderState::Text(TextBuilder::Dictionary {
                values, mut codes, ..
            }) => {
                codes.shrink_to_fit();
                Column::Text(Text::Dictionary { values, codes })
            }
            BuilderState::Text(TextBuilder::Plain { mut text, mut ends }) => {
                text.shrink_to_fit();
                ends.shrink_to_fit();
                Column::Text(Text::Plain { text, ends })
            }
        }
    }
}

fn shrink_numbers(cells: NumberCells) -> NumberCells {
    match cells {
        NumberCells::Packed(mut v) => {
            v.shrink_to_fit();
            NumberCells::Packed(v)
        }
        NumberCells::Wide(mut v) => {
            v.shrink_to_fit();
            NumberCells::Wide(v)
        }
    }
}

fn push_number(cells: &mut NumberCells, value: Option<Decimal>) {
    match cells {
        NumberCells::Packed(v) => match value {
            None => v.push(BLANK),
            Some(d) => match pack(d) {
                Some(p) => v.push(p),
                None => {
                    let mut wide: Vec<Option<Decimal>> = v
                        .iter()
                        .map(|&p| {
                            (p != BLANK).then(|| {
                                let (m, s) = unpack(p);
                                Decimal::new(m, s)
                            })
                        })
                        .collect();
                    wide.push(Some(d));
                    *cells = NumberCells::Wide(wide);
                }
            },
        },
        NumberCells::Wide(v) => v.push(value),
    }
}

impl TextBuilder {
    fn new() -> Self {
        TextBuilder::Dictionary {
            index: FxHashMap::default(),
            values: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// Add a cell as written (empty for a blank).
    fn push(&mut self, raw: &[u8]) -> Result<(), CellError> {
        match self {
            TextBuilder::Dictionary {
                index,
                values,
                codes,
            } => {
                if raw.is_empty() {
                    codes.push(u32::MAX);
                    return Ok(());
                }
                if let Some(&code) = index.get(raw) {
                    codes.push(code);
                    return Ok(());
                }
                if values.len() >= DICTIONARY_LIMIT {
                    self.switch_to_plain()?;
                    return self.push(raw);
                }
                let text = std::str::from_utf8(raw).map_err(|_| CellError::NotUtf8)?;
                let code = u32::try_from(values.len()).map_err(|_| CellError::TooLarge)?;
                values.push(ImmutableString::from(text));
                index.insert(raw.into(), code);
                codes.push(code);
                Ok(())
            }
            TextBuilder::Plain { text, ends } => {
                text.push_str(std::str::from_utf8(raw).map_err(|_| CellError::NotUtf8)?);
                ends.push(u32::try_from(text.len()).map_err(|_| CellError::TooLarge)?);
                Ok(())
            }
        }
    }

    fn switch_to_plain(&mut self) -> Result<(), CellError> {
        let TextBuilder::Dictionary { values, codes, .. } = self else {
            return Ok(());
        };
        let mut text = String::new();
        let mut ends = Vec::with_capacity(codes.capacity());
        for &c in codes.iter() {
            if let Some(v) = values.get(c as usize) {
                text.push_str(v);
            }
            ends.push(u32::try_from(text.len()).map_err(|_| CellError::TooLarge)?);
        }
        *self = TextBuilder::Plain { text, ends };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn cells_follow_the_number_rules() {
        assert_eq!(parse_cell(b"45"), Parsed::Number(d("45"), true));
        assert_eq!(parse_cell(b"-2.50"), Parsed::Number(d("-2.50"), true));
        assert_eq!(parse_cell(b" 5"), Parsed::Number(d("5"), false));
        assert_eq!(parse_cell(b"1e3"), Parsed::Number(d("1000"), false));
        assert_eq!(parse_cell(b"0"), Parsed::Number(d("0"), true));
        assert_eq!(parse_cell(b"0.5"), Parsed::Number(d("0.5"), true));
        assert_eq!(parse_cell(b"0123"), Parsed::NotNumber);
        assert_eq!(parse_cell(b"-007"), Parsed::NotNumber);
        assert_eq!(parse_cell(b"1,500"), Parsed::NotNumber);
        assert_eq!(parse_cell(b"yes"), Parsed::NotNumber);
        assert_eq!(parse_cell(b"25%"), Parsed::NotNumber);
        assert_eq!(parse_cell(b"  "), Parsed::Blank);
        assert_eq!(parse_cell(b""), Parsed::Blank);
    }

    #[test]
    fn packing_keeps_the_exact_decimal() {
        for s in ["0", "1.50", "-3.125", "99999999999999999", "-0.0000001"] {
            let v = pack(d(s)).unwrap();
            let (m, sc) = unpack(v);
            assert_eq!(Decimal::new(m, sc).to_string(), s);
        }
        assert!(pack(d("1234567890123456789012")).is_none());
    }

    #[test]
    fn a_column_turns_to_text_and_keeps_cells_as_written() {
        let mut b = ColumnBuilder::new(false);
        for (i, cell) in ["1", "2.50", "", "1,500", "7"].iter().enumerate() {
            b.push(cell.as_bytes(), i as u32).unwrap();
        }
        assert_eq!(b.first_non_number, Some(3));
        assert!(!b.needs_reread);
        let c = b.finish();
        assert!(!c.is_numeric());
        let cells: Vec<Cell> = (0..5).map(|i| c.cell(i)).collect();
        assert_eq!(
            cells,
            [
                Cell::Text("1"),
                Cell::Text("2.50"),
                Cell::Blank,
                Cell::Text("1,500"),
                Cell::Text("7")
            ]
        );
    }

    #[test]
    fn a_number_written_loosely_before_text_asks_for_a_second_read() {
        let mut b = ColumnBuilder::new(false);
        b.push(b"1e3", 0).unwrap();
        b.push(b"n/a", 1).unwrap();
        assert!(b.needs_reread);
    }

    #[test]
    fn wide_figures_fall_back_to_full_decimals() {
        let mut b = ColumnBuilder::new(false);
        b.push(b"1", 0).unwrap();
        b.push(b"1234567890123456789012.5", 1).unwrap();
        b.push(b"", 2).unwrap();
        let c = b.finish();
        assert_eq!(c.cell(0), Cell::Number(d("1")));
        assert_eq!(c.cell(1), Cell::Number(d("1234567890123456789012.5")));
        assert_eq!(c.cell(2), Cell::Blank);
    }

    #[test]
    fn many_distinct_texts_leave_the_dictionary() {
        let mut b = ColumnBuilder::new(true);
        let n = DICTIONARY_LIMIT + 10;
        for i in 0..n {
            let s = if i == 5 {
                String::new()
            } else {
                format!("id{i}")
            };
            b.push(s.as_bytes(), i as u32).unwrap();
        }
        let c = b.finish();
        assert!(matches!(c, Column::Text(Text::Plain { .. })));
        assert_eq!(c.cell(0), Cell::Text("id0"));
        assert_eq!(c.cell(5), Cell::Blank);
        assert_eq!(c.cell(n - 1), Cell::Text(&format!("id{}", n - 1)));
    }
}
