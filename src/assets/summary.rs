//! `assets summary`: counts of active assets by theme × category and by ward, the
//! pairs of themes served together, and the assets without a location. Closed assets
//! are only counted as closed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Mapped;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub assets: usize,
    pub active: usize,
    pub closed: usize,
    /// (theme, category, active assets), themes in register order, categories sorted.
    pub by_theme_category: Vec<(String, String, usize)>,
    /// (ward, active assets), sorted by ward; `None` is a blank ward, listed last.
    pub by_ward: Vec<(Option<String>, usize)>,
    /// (theme a, theme b, active assets serving both), pairs in register order; only
    /// pairs some asset serves together.
    pub themes_together: Vec<(String, String, usize)>,
    /// Active assets without both latitude and longitude, in register order.
    pub without_location: Vec<String>,
}

pub fn summarise(mapped: &Mapped) -> Summary {
    let register = &mapped.register;
    let themes: Vec<&str> = register.themes.iter().map(|(id, _)| id.as_str()).collect();
    let active: Vec<_> = mapped.rated().filter(|(a, _)| a.is_active()).collect();
    let mut by_theme_category = Vec::new();
    for theme in &themes {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (asset, rating) in &active {
            if rating.themes.iter().any(|t| t == theme) {
                *counts.entry(asset.category.as_str()).or_default() += 1;
            }
        }
        for (category, n) in counts {
            by_theme_category.push(((*theme).to_owned(), category.to_owned(), n));
        }
    }
    let mut wards: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for (asset, _) in &active {
        *wards.entry(asset.ward.as_deref()).or_default() += 1;
    }
    let mut by_ward: Vec<(Option<String>, usize)> = wards
        .iter()
        .filter(|(w, _)| w.is_some())
        .map(|(w, n)| (w.map(str::to_owned), *n))
        .collect();
    if let Some(n) = wards.get(&None) {
        by_ward.push((None, *n));
    }
    let mut themes_together = Vec::new();
    for (i, a) in themes.iter().enumerate() {
        for b in themes.iter().skip(i + 1) {
            let n = active
                .iter()
                .filter(|(_, r)| r.themes.iter().any(|t| t == a) && r.themes.iter().any(|t| t == b))
                .count();
            if n > 0 {
                themes_together.push(((*a).to_owned(), (*b).to_owned(), n));
            }
        }
    }
    let without_location = active
        .iter()
        .filter(|(a, _)| a.location.is_none())
        .map(|(a, _)| a.id.clone())
        .collect();
    let total = register.assets.len();
    Summary {
        assets: total,
        active: active.len(),
        closed: total - active.len(),
        by_theme_category,
        by_ward,
        themes_together,
        without_location,
    }
}

pub fn to_json(register: &str, s: &Summary) -> Value {
    json!({
        "register": register,
        "assets": s.assets,
        "active": s.active,
        "closed": s.closed,
        "by_theme_category": s.by_theme_category.iter().map(|(t, c, n)| json!({"theme": t, "category": c, "assets": n})).collect::<Vec<_>>(),
        "by_ward": s.by_ward.iter().map(|(w, n)| json!({"ward": w, "assets": n})).collect::<Vec<_>>(),
        "themes_together": s.themes_together.iter().map(|(a, b, n)| json!({"themes": [a, b], "assets": n})).collect::<Vec<_>>(),
        "without_location": {"count": s.without_location.len(), "ids": s.without_location},
    })
}
