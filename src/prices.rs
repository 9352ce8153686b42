//! Price years (docs/years-and-prices.md): a model's `price_year` and `deflator`, every proxy value
//! rebased to that year before the section 4 arithmetic, and the warning for a model that
//! adds proxies of several price years unadjusted.
//!
//! Loading calls [`apply`] once, before the script host is built, so `proxy("id")` in
//! scripts returns the rebased value; evaluation calls [`rebase_inline`] for inline
//! proxies (whose value may be an expression) and [`mixed_years_warning`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{InlineProxy, Model, ProxyRef};
use crate::project::roots::Roots;
use crate::proxy::ProxySet;
use crate::proxy::deflator::{Deflator, RebaseError, Rebased, read_deflator};
use crate::source::{Files, dir_of, unreadable};

/// What a rebased model is rebased to.
#[derive(Debug, Clone)]
pub struct PriceBasis {
    pub year: u16,
    pub deflator: Arc<Deflator>,
}

/// Where `deflator:` points: a name is `deflators/NAME.yaml` beside the model; anything
/// with a `/` or ending in `.yaml` is a path relative to the model file.
pub fn deflator_path(model: &Model, written: &str) -> PathBuf {
    dir_of(&model.file.path).join(deflator_relative(written))
}

/// `deflator:` as a path relative to the model's folder.
fn deflator_relative(written: &str) -> PathBuf {
    let t = written.trim();
    if t.contains('/') || t.contains('\\') || t.ends_with(".yaml") || t.ends_with(".yml") {
        PathBuf::from(t)
    } else {
        Path::new("deflators").join(format!("{t}.yaml"))
    }
}

/// Load the model's deflator (if any) and rebase every proxy of the active set to the
/// model's price year. Problems go to `out`; the basis comes back when there is one.
/// The deflator must stay inside `roots`, the model's project.
pub fn apply(
    files: &mut dyn Files,
    model: &Model,
    roots: &Roots,
    set: Option<&mut ProxySet>,
    out: &mut Diagnostics,
) -> Option<PriceBasis> {
    let basis = match load(files, model, roots) {
        Ok(basis) => basis,
        Err(d) => {
            out.extend(d);
            return None;
        }
    };
    match (&basis, set) {
        (Some(basis), Some(set)) => out.extend(rebase_set(basis, set)),
        (None, Some(set)) => out.extend(year_without_deflator(model, set)),
        _ => {}
    }
    basis
}

fn load(
    files: &mut dyn Files,
    model: &Model,
    roots: &Roots,
) -> Result<Option<PriceBasis>, Diagnostics> {
    let (year, written) = match (&model.price_year, &model.deflator) {
        (Some(year), Some(written)) => (year, written),
        (None, Some(written)) => {
            return Err(Diagnostic::error("`deflator` is given without `price_year`")
                .at(&model.file, written.span)
                .label("rebases to which year?")
                .help("add `price_year: 2024` (the year every proxy value should be expressed in), or remove `deflator`")
                .into());
        }
        _ => return Ok(None),
    };
    roots
        .refuse_outside(
            files.loader().as_ref(),
            &dir_of(&model.file.path),
            &deflator_relative(&written.value),
            (&model.file, written.span),
            "deflator",
        )
        .map_err(Diagnostics::from)?;
    let path = deflator_path(model, &written.value);
    let file = files.read(&path).map_err(|e| {
        let reason = unreadable(&path, "the deflator series", &e).message;
        Diagnostics::from(
            Diagnostic::error(format!(
                "deflator `{}`: {reason} ({})",
                written.value,
                crate::diagnostic::display_path(&path)
            ))
            .at(&model.file, written.span)
            .label("named here")
            .help(format!(
                "a name means deflators/{}.yaml beside the model; a path is relative to the model file",
                written.value.trim()
            )),
        )
    })?;
    // Parsed (and so quoted) only once it is an sroi file.
    if !crate::project::roots::is_sroi_yaml(file.text()) {
        return Err(crate::project::roots::not_a(
            &written.value,
            "deflator",
            "an sroi deflator series",
            (&model.file, written.span),
        )
        .into());
    }
    let deflator = read_deflator(&file)?;
    if !deflator.index.contains_key(&year.value) {
        return Err(Diagnostic::error(format!(
            "price year {} is not in deflator series `{}`",
            year.value, deflator.id
        ))
        .at(&model.file, year.span)
        .label("no index value for this year")
        .help(format!(
            "series `{}` covers {}; choose a price year it covers",
            deflator.id,
            deflator.coverage()
        ))
        .into());
    }
    Ok(Some(PriceBasis {
        year: year.value,
        deflator: Arc::new(deflator),
    }))
}

/// Rebase every proxy of the set: a proxy with no price year, or one the series lacks,
/// is an error at that proxy (scripts may ask for any id, so none may stay unadjusted).
fn rebase_set(basis: &PriceBasis, set: &mut ProxySet) -> Diagnostics {
    let mut out = Diagnostics::default();
    for p in set.proxies.values_mut() {
        let Some(from) = p.price_year else {
            out.push(
                Diagnostic::error(format!(
                    "proxy `{}` in set `{}` has no price year, so it cannot be rebased to {}",
                    p.id, p.set, basis.year
                ))
                .at(&p.file, p.span)
                .label("no `price_year` here or in its set file")
                .help("add `price_year:` to the proxy, or to the set file for all of its proxies"),
            );
            continue;
        };
        match basis.deflator.rebase(p.value, from, basis.year) {
            Ok(r) => {
                p.value = r.rebased;
                p.rebased = Some(r);
            }
            Err(e) => {
                out.push(rebase_error(basis, &e, &format!("proxy `{}`", p.id)).at(&p.file, p.span))
            }
        }
    }
    out
}

/// `what` names the proxy: "proxy `gp_consultation`" or "the inline proxy of outcome `x`".
fn rebase_error(basis: &PriceBasis, e: &RebaseError, what: &str) -> Diagnostic {
    match e {
        RebaseError::MissingYear { year } => Diagnostic::error(format!(
            "{what} is in {year} prices, but deflator series `{}` has no index value for {year}",
            basis.deflator.id
        ))
        .label(format!("{year} prices"))
        .help(format!(
            "series `{}` covers {}; use a series that covers {year}, or a proxy value from a year it covers",
            basis.deflator.id,
            basis.deflator.coverage()
        )),
        RebaseError::Overflow => Diagnostic::error(format!(
            "{what} is too large to rebase exactly (beyond 28 significant digits)"
        ))
        .help("check the proxy value for a misplaced digit"),
    }
}

/// A model with `price_year` but no `deflator` is fine while its outcomes' proxies are
/// already in that year; otherwise it needs a series to rebase with.
fn year_without_deflator(model: &Model, set: &ProxySet) -> Diagnostics {
    let Some(year) = &model.price_year else {
        return Diagnostics::default();
    };
    let mut other: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for o in &model.outcomes {
        let (id, proxy_year) = match &o.proxy {
            ProxyRef::Id(id) => match set.get(&id.value) {
                Some(p) => (id.value.clone(), p.price_year),
                None => continue,
            },
            ProxyRef::Inline(inline) => (format!("{} (inline)", o.id.value), inline.price_year),
        };
        if let Some(y) = proxy_year
            && y != year.value
        {
            let ids = other.entry(y).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if other.is_empty() {
        return Diagnostics::default();
    }
    Diagnostic::error(format!(
        "`price_year: {}` needs a `deflator` to rebase proxies from other years: {}",
        year.value,
        listing(&other)
    ))
    .at(&model.file, year.span)
    .help("add `deflator: ons-gdp-deflator` (or another series in deflators/) so each value is rebased exactly")
    .into()
}

/// Rebase an inline proxy's value (after any expression is evaluated). An inline proxy in
/// a rebased model must state its price year.
pub fn rebase_inline(
    basis: Option<&PriceBasis>,
    model: &Model,
    inline: &InlineProxy,
    outcome: &str,
    value: Decimal,
) -> Result<(Decimal, Option<Rebased>), Diagnostic> {
    let Some(basis) = basis else {
        return Ok((value, None));
    };
    let Some(from) = inline.price_year else {
        return Err(Diagnostic::error(format!(
            "the inline proxy of outcome `{outcome}` has no `price_year`, so it cannot be rebased to {}",
            basis.year
        ))
        .at(&model.file, inline.span)
        .label("inline proxy")
        .help(format!(
            "add `price_year:` with the year its value is in (`price_year: {}` if it is already in the model's price year)",
            basis.year
        )));
    };
    basis
        .deflator
        .rebase(value, from, basis.year)
        .map(|r| (r.rebased, Some(r)))
        .map_err(|e| {
            let what = format!("the inline proxy of outcome `{outcome}`");
            rebase_error(basis, &e, &what).at(&model.file, inline.span)
        })
}

/// The section 2 warning: the outcomes' proxies carry several price years and the model
/// does not rebase them. `used` is (proxy label, price year) for each outcome. Gives the
/// message and the help.
pub fn mixed_years_warning(
    model: &Model,
    used: &[(String, Option<u16>)],
) -> Option<(String, String)> {
    if model.price_year.is_some() {
        return None;
    }
    let mut years: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for (label, year) in used {
        if let Some(y) = year {
            let ids = years.entry(*y).or_default();
            if !ids.contains(label) {
                ids.push(label.clone());
            }
        }
    }
    if years.len() < 2 {
        return None;
    }
    let list: Vec<String> = years.keys().map(u16::to_string).collect();
    Some((
        format!(
            "the proxies are in {} price years ({}) and are added without rebasing: {}",
            years.len(),
            list.join(", "),
            listing(&years)
        ),
        "add `price_year:` and `deflator:` to the model to rebase every proxy to one year (see docs/years-and-prices.md)".to_owned(),
    ))
}

fn listing(years: &BTreeMap<u16, Vec<String>>) -> String {
    years
        .iter()
        .map(|(y, ids)| format!("{y}: {}", ids.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What reports say about the rebasing: the year, and the series with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInfo {
    pub year: u16,
    pub deflator_id: String,
    pub deflator_name: String,
    pub deflator_source: String,
    pub deflator_file: String,
}

impl PriceBasis {
    pub fn info(&self) -> PriceInfo {
        PriceInfo {
            year: self.year,
            deflator_id: self.deflator.id.clone(),
            deflator_name: self.deflator.name.clone(),
            deflator_source: self.deflator.source.summary(),
            deflator_file: self.deflator.file.name.clone(),
        }
    }
}
