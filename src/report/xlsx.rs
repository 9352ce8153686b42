//! `--format xlsx`: the SROI Value Map as a workbook with live formulas.
//!
//! Inputs (quantities, proxy values, the four adjustments, durations, starts, the
//! discount rate and convention, input values) are plain cells; impact, each year's
//! value, present value, totals, NPV and the ratios are formulas that reference them,
//! so a reviewer who edits a deadweight in Excel or LibreOffice sees the ratio move.
//! Each formula carries sroi's exact figure as its cached result.
//!
//! Layout (the column order is part of the format; `import` reads it back):
//! - `Outcomes`: Outcome id | Stakeholder | Description | Indicator | Quantity | Proxy id |
//!   Proxy value | Proxy source | Duration | Start | Deadweight | Displacement |
//!   Attribution | Drop-off | Impact | Year 1 … Year H | Present value | Proxy unit |
//!   Proxy description | Proxy price year | Original proxy value | Original price year |
//!   Rebasing factor
//!
//! Proxy value is the value the formulas use, and Proxy price year is the year of *that*
//! value: in a rebased model (`price_year` + `deflator`) the rebased value and the model's
//! price year. The last three columns show where a rebased value came from; they are
//! information only (`import` writes them as a comment), so a round trip never rebases twice.
//! - `Inputs`: Stakeholder | Description | Year | Value
//! - `Outputs`: Description | Quantity
//! - `Stakeholders`: Stakeholder id | Name | Investment | Present value | Share
//! - `Summary`: label | value rows, then a Year | Discount factor table.

use rust_decimal::Decimal;
use rust_xlsxwriter::utility::column_number_to_name;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet, XlsxError,
};

use crate::evaluate::{Evaluation, OutcomeRow};

/// Fixed column positions (0-based) on the Outcomes sheet.
pub mod col {
    pub const ID: u16 = 0;
    pub const STAKEHOLDER: u16 = 1;
    pub const DESCRIPTION: u16 = 2;
    pub const INDICATOR: u16 = 3;
    pub const QUANTITY: u16 = 4;
    pub const PROXY_ID: u16 = 5;
    pub const PROXY_VALUE: u16 = 6;
    pub const PROXY_SOURCE: u16 = 7;
    pub const DURATION: u16 = 8;
    pub const START: u16 = 9;
    pub const DEADWEIGHT: u16 = 10;
    pub const DISPLACEMENT: u16 = 11;
    pub const ATTRIBUTION: u16 = 12;
    pub const DROP_OFF: u16 = 13;
    pub const IMPACT: u16 = 14;
    pub const FIRST_YEAR: u16 = 15;
}

/// Summary rows (1-based, as Excel shows them), by label.
pub const SUMMARY_LABELS: &[&str] = &[
    "Model id",
    "Model name",
    "Description",
    "Kind",
    "Period",
    "Currency",
    "Proxy set",
    "Price year",
    "Deflator",
    "Discount rate",
    "Discounting",
    "Horizon (years)",
    "Total impact",
    "Total present value",
    "Investment",
    "Net present value",
    "SROI ratio",
    "Net SROI ratio",
    "Payback (months)",
];

fn summary_row(label: &str) -> u32 {
    // Row 1 is the header; labels start on row 2.
    SUMMARY_LABELS
        .iter()
        .position(|l| *l == label)
        .map_or(0, |i| u32::try_from(i).unwrap_or(0) + 2)
}

/// Excel cell address, 1-based row: `cell(4, 2)` → `E2`.
fn cell(column: u16, row: u32) -> String {
    format!("{}{row}", column_number_to_name(column))
}

/// `$E$2`
fn fixed_cell(column: u16, row: u32) -> String {
    format!("${}${row}", column_number_to_name(column))
}

/// A decimal as the nearest binary double (the workbook's number type), through its
/// text so the conversion is correctly rounded.
fn number(value: Decimal) -> f64 {
    value.normalize().to_string().parse().unwrap_or(0.0)
}

/// The cached result of a formula: sroi's exact figure.
fn result(value: Decimal) -> String {
    value.normalize().to_string()
}

fn optional(value: Option<Decimal>) -> String {
    value.map_or_else(String::new, result)
}

struct Formats {
    header: Format,
    money: Format,
    quantity: Format,
    percent: Format,
    percent_fine: Format,
    factor: Format,
    ratio: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            money: Format::new().set_num_format("#,##0.00"),
            quantity: Format::new().set_num_format("#,##0.############"),
            percent: Format::new().set_num_format("0%"),
            percent_fine: Format::new().set_num_format("0.0###%"),
            factor: Format::new().set_num_format("0.000000"),
            ratio: Format::new().set_num_format("0.00"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }

    /// Whole percentages show as `25%`, others as `12.5%`.
    fn fraction(&self, value: Decimal) -> &Format {
        match value.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) if p.fract().is_zero() => &self.percent,
            _ => &self.percent_fine,
        }
    }
}

fn header(sheet: &mut Worksheet, titles: &[String], f: &Formats) -> Result<(), XlsxError> {
    for (i, title) in titles.iter().enumerate() {
        sheet.write_string_with_format(
            0,
            u16::try_from(i).unwrap_or(u16::MAX),
            title,
            &f.header,
        )?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The workbook's bytes. Deterministic: the document date is fixed, not the clock.
pub fn render(e: &Evaluation) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("SROI Value Map: {}", e.model.name))
            .set_author("sroi")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let outcome_rows = u32::try_from(e.outcomes.len()).unwrap_or(u32::MAX);
    let input_rows = u32::try_from(e.inputs.len()).unwrap_or(u32::MAX);
    let horizon = u16::try_from(e.horizon).unwrap_or(u16::MAX);
    let pv_col = col::FIRST_YEAR + horizon;
    // The factor for year y sits on Summary row factor_row + y.
    let factor_row = u32::try_from(SUMMARY_LABELS.len()).unwrap_or(0) + 3;

    outcomes_sheet(book.add_worksheet(), e, &f, pv_col, factor_row)?;
    inputs_sheet(book.add_worksheet(), e, &f)?;
    outputs_sheet(book.add_worksheet(), e, &f)?;
    stakeholders_sheet(
        book.add_worksheet(),
        e,
        &f,
        pv_col,
        outcome_rows,
        input_rows,
    )?;
    summary_sheet(
        book.add_worksheet(),
        e,
        &f,
        pv_col,
        outcome_rows,
        input_rows,
        factor_row,
    )?;
    book.save_to_buffer()
}

fn outcomes_sheet(
    sheet: &mut Worksheet,
    e: &Evaluation,
    f: &Formats,
    pv_col: u16,
    factor_row: u32,
) -> Result<(), XlsxError> {
    sheet.set_name("Outcomes")?;
    let mut titles = strings(&[
        "Outcome id",
        "Stakeholder",
        "Description",
        "Indicator",
        "Quantity",
        "Proxy id",
        "Proxy value",
        "Proxy source",
        "Duration",
        "Start",
        "Deadweight",
        "Displacement",
        "Attribution",
        "Drop-off",
        "Impact",
    ]);
    titles.extend((1..=e.horizon).map(|y| format!("Year {y}")));
    titles.extend(strings(&[
        "Present value",
        "Proxy unit",
        "Proxy description",
        "Proxy price year",
        "Original proxy value",
        "Original price year",
        "Rebasing factor",
    ]));
    header(sheet, &titles, f)?;
    for (c, width) in [
        (0, 22.0),
        (1, 16.0),
        (2, 36.0),
        (3, 36.0),
        (5, 22.0),
        (7, 40.0),
    ] {
        sheet.set_column_width(c, width)?;
    }
    for (i, o) in e.outcomes.iter().enumerate() {
        let row0 = u32::try_from(i).unwrap_or(u32::MAX - 2) + 1;
        outcome_row(sheet, o, f, row0, pv_col, factor_row)?;
    }
    Ok(())
}

fn outcome_row(
    sheet: &mut Worksheet,
    o: &OutcomeRow,
    f: &Formats,
    row0: u32,
    pv_col: u16,
    factor_row: u32,
) -> Result<(), XlsxError> {
    let r = row0 + 1; // as Excel numbers it
    sheet.write_string(row0, col::ID, &o.id)?;
    sheet.write_string(row0, col::STAKEHOLDER, &o.stakeholder)?;
    sheet.write_string_with_format(row0, col::DESCRIPTION, &o.description, &f.wrap)?;
    sheet.write_string_with_format(
        row0,
        col::INDICATOR,
        o.indicator.as_deref().unwrap_or(""),
        &f.wrap,
    )?;
    sheet.write_number_with_format(row0, col::QUANTITY, number(o.quantity), &f.quantity)?;
    sheet.write_string(row0, col::PROXY_ID, o.proxy.id.as_deref().unwrap_or(""))?;
    sheet.write_number_with_format(row0, col::PROXY_VALUE, number(o.proxy.value), &f.money)?;
    sheet.write_string_with_format(row0, col::PROXY_SOURCE, &o.proxy.source, &f.wrap)?;
    sheet.write_number(row0, col::DURATION, f64::from(o.duration))?;
    match o.start {
        crate::model::Start::Year(n) => sheet.write_number(row0, col::START, f64::from(n))?,
        other => sheet.write_string(row0, col::START, other.label())?,
    };
    for (c, v) in [
        (col::DEADWEIGHT, o.deadweight),
        (col::DISPLACEMENT, o.displacement),
        (col::ATTRIBUTION, o.attribution),
        (col::DROP_OFF, o.drop_off),
    ] {
        sheet.write_number_with_format(row0, c, number(v), f.fraction(v))?;
    }
    let at = |c: u16| cell(c, r);
    sheet.write_formula_with_format(
        row0,
        col::IMPACT,
        Formula::new(format!(
            "={}*{}*(1-{})*(1-{})*(1-{})",
            at(col::QUANTITY),
            at(col::PROXY_VALUE),
            at(col::DEADWEIGHT),
            at(col::DISPLACEMENT),
            at(col::ATTRIBUTION)
        ))
        .set_result(result(o.impact)),
        &f.money,
    )?;
    // Offset s: 0 for `during`, 1 for `after`, N − 1 for a year number N.
    let start = at(col::START);
    let offset = format!("IF(ISNUMBER({start}),{start}-1,IF({start}=\"after\",1,0))");
    let mut terms = Vec::new();
    for y in 1..=pv_col - col::FIRST_YEAR {
        let c = col::FIRST_YEAR + y - 1;
        // (1 − DO)^0 is written as 1: Excel's 0^0 is #NUM! when drop-off is 100%.
        let formula = format!(
            "=IF(AND({y}>{offset},{y}<={offset}+{duration}),{impact}*IF({y}-{offset}-1=0,1,(1-{drop})^({y}-{offset}-1)),0)",
            duration = at(col::DURATION),
            impact = at(col::IMPACT),
            drop = at(col::DROP_OFF),
        );
        let cached = o.years.get(usize::from(y - 1)).copied().unwrap_or_default();
        sheet.write_formula_with_format(
            row0,
            c,
            Formula::new(formula).set_result(result(cached)),
            &f.money,
        )?;
        terms.push(format!(
            "{}*Summary!{}",
            at(c),
            fixed_cell(1, factor_row + u32::from(y))
        ));
    }
    let pv = if terms.is_empty() {
        "=0".to_owned()
    } else {
        format!("={}", terms.join("+"))
    };
    sheet.write_formula_with_format(
        row0,
        pv_col,
        Formula::new(pv).set_result(result(o.present_value)),
        &f.money,
    )?;
    sheet.write_string(row0, pv_col + 1, o.proxy.unit.as_deref().unwrap_or(""))?;
    sheet.write_string(
        row0,
        pv_col + 2,
        o.proxy.description.as_deref().unwrap_or(""),
    )?;
    // The year of the value in Proxy value: once rebased, the model's price year.
    let year = o
        .proxy
        .rebased
        .as_ref()
        .map(|r| r.price_year)
        .or(o.proxy.price_year);
    if let Some(year) = year {
        sheet.write_number(row0, pv_col + 3, f64::from(year))?;
    }
    if let Some(r) = &o.proxy.rebased {
        sheet.write_number_with_format(row0, pv_col + 4, number(r.original), &f.money)?;
        sheet.write_number(row0, pv_col + 5, f64::from(r.from_year))?;
        sheet.write_number_with_format(row0, pv_col + 6, number(r.factor), &f.factor)?;
    }
    Ok(())
}

fn inputs_sheet(sheet: &mut Worksheet, e: &Evaluation, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("Inputs")?;
    header(
        sheet,
        &strings(&["Stakeholder", "Description", "Year", "Value"]),
        f,
    )?;
    sheet.set_column_width(0, 18.0)?;
    sheet.set_column_width(1, 60.0)?;
    sheet.set_column_width(3, 14.0)?;
    for (i, input) in e.inputs.iter().enumerate() {
        let row0 = u32::try_from(i).unwrap_or(u32::MAX - 2) + 1;
        sheet.write_string(row0, 0, &input.stakeholder)?;
        sheet.write_string_with_format(row0, 1, &input.description, &f.wrap)?;
        // Money spent at the start of this programme year.
        sheet.write_number(row0, 2, f64::from(input.year))?;
        sheet.write_number_with_format(row0, 3, number(input.value), &f.money)?;
    }
    Ok(())
}

fn outputs_sheet(sheet: &mut Worksheet, e: &Evaluation, f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name("Outputs")?;
    header(sheet, &strings(&["Description", "Quantity"]), f)?;
    sheet.set_column_width(0, 60.0)?;
    for (i, output) in e.outputs.iter().enumerate() {
        let row0 = u32::try_from(i).unwrap_or(u32::MAX - 2) + 1;
        sheet.write_string_with_format(row0, 0, &output.description, &f.wrap)?;
        sheet.write_number_with_format(row0, 1, number(output.quantity), &f.quantity)?;
    }
    Ok(())
}

/// `Sheet!$C$2:$C$9`, or `None` for no rows.
fn column_range(sheet: &str, column: u16, rows: u32) -> Option<String> {
    (rows > 0).then(|| {
        format!(
            "{sheet}!{}:{}",
            fixed_cell(column, 2),
            fixed_cell(column, rows + 1)
        )
    })
}

fn stakeholders_sheet(
    sheet: &mut Worksheet,
    e: &Evaluation,
    f: &Formats,
    pv_col: u16,
    outcome_rows: u32,
    input_rows: u32,
) -> Result<(), XlsxError> {
    sheet.set_name("Stakeholders")?;
    header(
        sheet,
        &strings(&[
            "Stakeholder id",
            "Name",
            "Investment",
            "Present value",
            "Share",
        ]),
        f,
    )?;
    sheet.set_column_width(0, 20.0)?;
    sheet.set_column_width(1, 40.0)?;
    sheet.set_column_width(2, 14.0)?;
    sheet.set_column_width(3, 14.0)?;
    let total_pv = format!(
        "Summary!{}",
        fixed_cell(1, summary_row("Total present value"))
    );
    for (i, s) in e.stakeholders.iter().enumerate() {
        let row0 = u32::try_from(i).unwrap_or(u32::MAX - 2) + 1;
        let id = cell(0, row0 + 1);
        sheet.write_string(row0, 0, &s.id)?;
        sheet.write_string(row0, 1, &s.name)?;
        let sum_if = |key: Option<String>, value: Option<String>| match (key, value) {
            (Some(k), Some(v)) => format!("=SUMIF({k},{id},{v})"),
            _ => "=0".to_owned(),
        };
        sheet.write_formula_with_format(
            row0,
            2,
            Formula::new(sum_if(
                column_range("Inputs", 0, input_rows),
                column_range("Inputs", 3, input_rows),
            ))
            .set_result(result(s.investment)),
            &f.money,
        )?;
        sheet.write_formula_with_format(
            row0,
            3,
            Formula::new(sum_if(
                column_range("Outcomes", col::STAKEHOLDER, outcome_rows),
                column_range("Outcomes", pv_col, outcome_rows),
            ))
            .set_result(result(s.present_value)),
            &f.money,
        )?;
        sheet.write_formula_with_format(
            row0,
            4,
            Formula::new(format!(
                "=IF({total_pv}=0,\"\",{}/{total_pv})",
                cell(3, row0 + 1)
            ))
            .set_result(optional(s.share)),
            &f.percent_fine,
        )?;
    }
    Ok(())
}

fn summary_sheet(
    sheet: &mut Worksheet,
    e: &Evaluation,
    f: &Formats,
    pv_col: u16,
    outcome_rows: u32,
    input_rows: u32,
    factor_row: u32,
) -> Result<(), XlsxError> {
    sheet.set_name("Summary")?;
    header(sheet, &strings(&["Measure", "Value"]), f)?;
    sheet.set_column_width(0, 24.0)?;
    sheet.set_column_width(1, 40.0)?;
    let b = |label: &str| cell(1, summary_row(label));
    let text = |sheet: &mut Worksheet, label: &str, value: &str| -> Result<(), XlsxError> {
        let row0 = summary_row(label) - 1;
        sheet.write_string(row0, 0, label)?;
        sheet.write_string(row0, 1, value)?;
        Ok(())
    };
    let formula = |sheet: &mut Worksheet,
                   label: &str,
                   formula: String,
                   cached: String,
                   format: &Format|
     -> Result<(), XlsxError> {
        let row0 = summary_row(label) - 1;
        sheet.write_string(row0, 0, label)?;
        sheet.write_formula_with_format(
            row0,
            1,
            Formula::new(formula).set_result(cached),
            format,
        )?;
        Ok(())
    };
    text(sheet, "Model id", &e.model.id)?;
    text(sheet, "Model name", &e.model.name)?;
    text(
        sheet,
        "Description",
        e.model.description.as_deref().unwrap_or(""),
    )?;
    text(sheet, "Kind", e.model.kind.as_str())?;
    text(sheet, "Period", e.model.period.as_deref().unwrap_or(""))?;
    text(sheet, "Currency", &e.currency)?;
    text(sheet, "Proxy set", &e.proxy_set.id)?;
    // The year every Proxy value is in, when the model states one; `import` writes it back.
    let price_year_row0 = summary_row("Price year") - 1;
    sheet.write_string(price_year_row0, 0, "Price year")?;
    if let Some(year) = e.model.price_year {
        sheet.write_number(price_year_row0, 1, f64::from(year))?;
    }
    // Information only: every Proxy value is already rebased, so `import` does not write it.
    let deflator = e.prices.as_ref().map_or_else(String::new, |p| {
        format!(
            "{} ({}; {}): values already rebased",
            p.deflator_id, p.deflator_name, p.deflator_source
        )
    });
    text(sheet, "Deflator", &deflator)?;
    let rate_row0 = summary_row("Discount rate") - 1;
    sheet.write_string(rate_row0, 0, "Discount rate")?;
    sheet.write_number_with_format(
        rate_row0,
        1,
        number(e.discount_rate),
        f.fraction(e.discount_rate),
    )?;
    text(sheet, "Discounting", e.discounting.as_str())?;
    let horizon_row0 = summary_row("Horizon (years)") - 1;
    sheet.write_string(horizon_row0, 0, "Horizon (years)")?;
    sheet.write_number(horizon_row0, 1, f64::from(e.horizon))?;

    let sum =
        |range: Option<String>| range.map_or_else(|| "=0".to_owned(), |r| format!("=SUM({r})"));
    formula(
        sheet,
        "Total impact",
        sum(column_range("Outcomes", col::IMPACT, outcome_rows)),
        result(e.total_impact),
        &f.money,
    )?;
    formula(
        sheet,
        "Total present value",
        sum(column_range("Outcomes", pv_col, outcome_rows)),
        result(e.total_present_value),
        &f.money,
    )?;
    // Money spent in programme year N is discounted by (1 + r)^(N − 1).
    let investment = match (
        column_range("Inputs", 3, input_rows),
        column_range("Inputs", 2, input_rows),
    ) {
        (Some(values), Some(years)) => format!(
            "=SUMPRODUCT({values}/(1+{rate})^({years}-1))",
            rate = fixed_cell(1, summary_row("Discount rate"))
        ),
        _ => "=0".to_owned(),
    };
    formula(
        sheet,
        "Investment",
        investment,
        result(e.investment),
        &f.money,
    )?;
    formula(
        sheet,
        "Net present value",
        format!("={}-{}", b("Total present value"), b("Investment")),
        result(e.net_present_value),
        &f.money,
    )?;
    formula(
        sheet,
        "SROI ratio",
        format!(
            "=IF({i}=0,\"\",{pv}/{i})",
            i = b("Investment"),
            pv = b("Total present value")
        ),
        optional(e.ratio),
        &f.ratio,
    )?;
    formula(
        sheet,
        "Net SROI ratio",
        format!(
            "=IF({i}=0,\"\",{npv}/{i})",
            i = b("Investment"),
            npv = b("Net present value")
        ),
        optional(e.net_ratio),
        &f.ratio,
    )?;
    formula(
        sheet,
        "Payback (months)",
        format!(
            "=IF({t}<=0,\"\",{i}/({t}/12))",
            i = b("Investment"),
            t = b("Total impact")
        ),
        optional(e.payback_months),
        &f.ratio,
    )?;

    sheet.write_string_with_format(factor_row - 1, 0, "Year", &f.header)?;
    sheet.write_string_with_format(factor_row - 1, 1, "Discount factor", &f.header)?;
    let rate = fixed_cell(1, summary_row("Discount rate"));
    let convention = fixed_cell(1, summary_row("Discounting"));
    for (i, factor) in e.factors.iter().enumerate() {
        let row0 = factor_row + u32::try_from(i).unwrap_or(0);
        let year = cell(0, row0 + 1);
        sheet.write_number(row0, 0, f64::from(u32::try_from(i + 1).unwrap_or(0)))?;
        sheet.write_formula_with_format(
            row0,
            1,
            Formula::new(format!(
                "=IF({convention}=\"start-of-year\",1/(1+{rate})^({year}-1),1/(1+{rate})^{year})"
            ))
            .set_result(result(*factor)),
            &f.factor,
        )?;
    }
    Ok(())
}
