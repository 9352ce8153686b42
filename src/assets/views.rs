//! Each command's report in each text format (table, JSON, CSV, Markdown, HTML, and
//! GeoJSON for lists of assets), built from the computed results.

use serde_json::{Map, Value, json};

use super::diff::{self, Diff};
use super::grid::{self, Grid};
use super::register::Register;
use super::report::{Filter, Format};
use super::select::{self, Selected};
use super::summary::{self, Summary};
use super::{Mapped, Rating, Status, geojson, html};
use crate::diagnostic::{Diagnostic, Diagnostics};

fn json_text(value: &Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

fn score_text(r: &Rating) -> String {
    r.score.normalize().to_string()
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Closed => "closed",
    }
}

fn heading(mapped: &Mapped, what: &str) -> String {
    let r = &mapped.register;
    let mut h = format!("{what}: {} ({})", r.name, r.id);
    if let Some(w) = &r.wave {
        h.push_str(&format!(", wave {w}"));
    }
    h
}

fn meta(mapped: &Mapped) -> Vec<String> {
    let r = &mapped.register;
    let mut m = Vec::new();
    if let Some(area) = &r.area {
        m.push(format!("Area: {area}"));
    }
    if let Some(wave) = &r.wave {
        m.push(format!("Wave: {wave}"));
    }
    if let Some(description) = &r.description {
        m.push(description.clone());
    }
    m.push(format!(
        "Register {} ({}), assets from {}",
        r.id,
        crate::diagnostic::display_path(&r.path),
        r.assets_source
    ));
    m.push(format!(
        "Themes: {}",
        r.themes
            .iter()
            .map(|(id, label)| format!("{id} = {label}"))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    m
}

fn html_page(page: &html::Page<'_>) -> String {
    // The template is compiled into the binary, so rendering cannot fail on user input.
    html::render(page).unwrap_or_else(|e| format!("<!DOCTYPE html><p>internal error: {e}</p>\n"))
}

pub fn check_report(mapped: &Mapped, format: Format) -> String {
    let r = &mapped.register;
    let active = r.assets.iter().filter(|a| a.is_active()).count();
    let closed = r.assets.len() - active;
    match format {
        Format::Json => json_text(&json!({
            "register": r.id,
            "valid": true,
            "assets": r.assets.len(),
            "active": active,
            "closed": closed,
            "themes": r.themes.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        })),
        Format::Table | Format::Geojson => format!(
            "{}: valid register `{}`: {} assets ({active} active, {closed} closed), {} themes{}\n",
            crate::diagnostic::display_path(&r.path),
            r.id,
            r.assets.len(),
            r.themes.len(),
            if r.rules.is_some() {
                ", rules ran for every asset"
            } else {
                ", no rules script"
            }
        ),
        Format::Csv | Format::Markdown | Format::Html => {
            let mut g = Grid::new(
                "Register check",
                &["register", "valid", "assets", "active", "closed", "themes"],
            )
            .numeric(&[2, 3, 4]);
            g.row(vec![
                r.id.clone(),
                "true".to_owned(),
                r.assets.len().to_string(),
                active.to_string(),
                closed.to_string(),
                r.themes
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ]);
            let title = heading(mapped, "Check");
            match format {
                Format::Csv => grid::csv(&[g]),
                Format::Markdown => grid::markdown(&title, &[g]),
                _ => html_page(&html::Page {
                    title,
                    meta: meta(mapped),
                    assets: r.assets.iter().collect(),
                    grids: vec![g],
                    closed_rows: vec![vec![false]],
                }),
            }
        }
    }
}

/// Indices of the assets `filter` keeps, in register order.
fn filtered(mapped: &Mapped, filter: &Filter) -> Result<Vec<usize>, Diagnostics> {
    let r = &mapped.register;
    if let Some(theme) = &filter.theme
        && !r.themes.iter().any(|(id, _)| id == theme)
    {
        let ids = r.themes.iter().map(|(id, _)| id.as_str());
        return Err(Diagnostic::error(format!(
            "--theme {theme}: the register has no theme `{theme}`"
        ))
        .help(
            crate::suggest::did_you_mean(theme, ids.clone()).unwrap_or_else(|| {
                format!("themes in this register: {}", crate::suggest::one_of(ids))
            }),
        )
        .into());
    }
    let same = |cell: Option<&str>, wanted: &Option<String>| match wanted {
        None => true,
        Some(w) => cell.is_some_and(|c| c.trim().eq_ignore_ascii_case(w.trim())),
    };
    Ok(mapped
        .rated()
        .enumerate()
        .filter(|(_, (a, rating))| {
            filter
                .theme
                .as_ref()
                .is_none_or(|t| rating.themes.contains(t))
                && same(a.ward.as_deref(), &filter.ward)
                && same(Some(a.category.as_str()), &filter.category)
        })
        .map(|(i, _)| i)
        .collect())
}

pub fn list_report(
    mapped: &Mapped,
    filter: &Filter,
    format: Format,
) -> Result<String, Diagnostics> {
    let r = &mapped.register;
    let keep = filtered(mapped, filter)?;
    let rows = || {
        keep.iter()
            .filter_map(|i| Some((r.assets.get(*i)?, mapped.ratings.get(*i)?)))
    };
    Ok(match format {
        Format::Geojson => geojson::render(mapped, &keep),
        Format::Json => {
            let assets: Vec<Value> = rows()
                .map(|(a, rating)| {
                    let mut m = Map::new();
                    for (c, v) in r.columns.iter().zip(&a.cells) {
                        m.insert(c.clone(), v.clone().map_or(Value::Null, Value::String));
                    }
                    m.insert("themes".into(), json!(rating.themes));
                    m.insert("score".into(), json!(score_text(rating)));
                    m.insert("reason".into(), json!(rating.reason));
                    Value::Object(m)
                })
                .collect();
            json_text(&json!({ "assets": assets }))
        }
        Format::Csv => {
            let mut header: Vec<&str> = r.columns.iter().map(String::as_str).collect();
            header.extend(["themes", "score", "reason"]);
            let mut g = Grid::new("assets", &header);
            for (a, rating) in rows() {
                let mut cells: Vec<String> = a
                    .cells
                    .iter()
                    .map(|c| c.clone().unwrap_or_default())
                    .collect();
                cells.extend([
                    rating.themes.join(";"),
                    score_text(rating),
                    rating.reason.clone().unwrap_or_default(),
                ]);
                g.row(cells);
            }
            grid::csv(&[g])
        }
        Format::Table | Format::Markdown | Format::Html => {
            let mut g = Grid::new(
                format!("{} assets", rows().count()),
                &[
                    "id", "name", "category", "ward", "status", "themes", "score", "reason",
                ],
            )
            .numeric(&[6]);
            let mut closed = Vec::new();
            for (a, rating) in rows() {
                closed.push(!a.is_active());
                g.row(vec![
                    a.id.clone(),
                    a.name.clone(),
                    a.category.clone(),
                    a.ward.clone().unwrap_or_default(),
                    status_text(a.status).to_owned(),
                    rating.themes.join(", "),
                    score_text(rating),
                    rating.reason.clone().unwrap_or_default(),
                ]);
            }
            let title = heading(mapped, "Assets");
            match format {
                Format::Table => grid::table(&title, &[g]),
                Format::Markdown => grid::markdown(&title, &[g]),
                _ => html_page(&html::Page {
                    title,
                    meta: meta(mapped),
                    assets: rows().map(|(a, _)| a).collect(),
                    grids: vec![g],
                    closed_rows: vec![closed],
                }),
            }
        }
    })
}

fn summary_grids(mapped: &Mapped, s: &Summary) -> Vec<Grid> {
    let r = &mapped.register;
    let mut totals = Grid::new("Totals", &["measure", "assets"]).numeric(&[1]);
    totals.row(vec!["assets in the register".into(), s.assets.to_string()]);
    totals.row(vec!["active".into(), s.active.to_string()]);
    totals.row(vec!["closed".into(), s.closed.to_string()]);
    totals.row(vec![
        "active without location".into(),
        s.without_location.len().to_string(),
    ]);
    let mut by_theme = Grid::new(
        "Active assets by theme and category",
        &["theme", "label", "category", "assets"],
    )
    .numeric(&[3]);
    for (t, c, n) in &s.by_theme_category {
        by_theme.row(vec![
            t.clone(),
            r.theme_label(t).to_owned(),
            c.clone(),
            n.to_string(),
        ]);
    }
    let mut by_ward = Grid::new("Active assets by ward", &["ward", "assets"]).numeric(&[1]);
    for (w, n) in &s.by_ward {
        by_ward.row(vec![
            w.clone().unwrap_or_else(|| "(no ward)".into()),
            n.to_string(),
        ]);
    }
    let mut together = Grid::new(
        "Themes served together (active assets)",
        &["themes", "assets"],
    )
    .numeric(&[1]);
    for (a, b, n) in &s.themes_together {
        together.row(vec![format!("{a} + {b}"), n.to_string()]);
    }
    let mut without = Grid::new("Active assets without location", &["id", "name"]);
    for id in &s.without_location {
        let name = r
            .assets
            .iter()
            .find(|a| &a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        without.row(vec![id.clone(), name]);
    }
    vec![totals, by_theme, by_ward, together, without]
}

pub fn summary_report(mapped: &Mapped, format: Format) -> String {
    let s = summary::summarise(mapped);
    let title = heading(mapped, "Summary");
    match format {
        Format::Json | Format::Geojson => json_text(&summary::to_json(&mapped.register.id, &s)),
        Format::Csv => grid::csv(&summary_grids(mapped, &s)),
        Format::Markdown => grid::markdown(&title, &summary_grids(mapped, &s)),
        Format::Table => grid::table(&title, &summary_grids(mapped, &s)),
        Format::Html => {
            let grids = summary_grids(mapped, &s);
            let closed_rows = grids.iter().map(|g| vec![false; g.rows.len()]).collect();
            html_page(&html::Page {
                title,
                meta: meta(mapped),
                assets: mapped.register.assets.iter().collect(),
                grids,
                closed_rows,
            })
        }
    }
}

pub fn select_report(mapped: &Mapped, selected: &[Selected<'_>], format: Format) -> String {
    match format {
        Format::Json => json_text(&select::to_json(selected)),
        Format::Geojson => {
            let indices: Vec<usize> = selected
                .iter()
                .filter_map(|s| {
                    mapped
                        .register
                        .assets
                        .iter()
                        .position(|a| a.id == s.asset.id)
                })
                .collect();
            geojson::render(mapped, &indices)
        }
        _ => {
            let mut g = Grid::new(
                format!(
                    "Assets selected for SROI evaluation (top {} by score)",
                    selected.len()
                ),
                &[
                    "rank",
                    "id",
                    "name",
                    "score",
                    "themes",
                    "reason",
                    "model",
                    "SROI ratio",
                ],
            )
            .numeric(&[0, 3, 7]);
            for s in selected {
                g.row(vec![
                    s.rank.to_string(),
                    s.asset.id.clone(),
                    s.asset.name.clone(),
                    score_text(s.rating),
                    s.rating.themes.join(", "),
                    s.rating.reason.clone().unwrap_or_default(),
                    s.model.as_ref().map(|m| m.path.clone()).unwrap_or_default(),
                    s.model
                        .as_ref()
                        .map(|m| select::ratio_text(m.ratio).unwrap_or_else(|| "n/a".into()))
                        .unwrap_or_default(),
                ]);
            }
            let title = heading(mapped, "Selection");
            match format {
                Format::Csv => grid::csv(&[g]),
                Format::Markdown => grid::markdown(&title, &[g]),
                Format::Html => {
                    let n = g.rows.len();
                    html_page(&html::Page {
                        title,
                        meta: meta(mapped),
                        assets: selected.iter().map(|s| s.asset).collect(),
                        grids: vec![g],
                        closed_rows: vec![vec![false; n]],
                    })
                }
                _ => grid::table(&title, &[g]),
            }
        }
    }
}

fn diff_grids(d: &Diff) -> Vec<Grid> {
    let mut added = Grid::new(format!("Added ({})", d.added.len()), &["id", "name"]);
    for (id, name) in &d.added {
        added.row(vec![id.clone(), name.clone()]);
    }
    let mut closed = Grid::new(
        format!("Closed ({})", d.closed.len()),
        &["id", "name", "how"],
    );
    for (id, name, how) in &d.closed {
        closed.row(vec![id.clone(), name.clone(), how.as_str().to_owned()]);
    }
    let mut changed = Grid::new(
        format!("Changed ({})", d.changed.len()),
        &["id", "name", "field", "old", "new"],
    );
    for c in &d.changed {
        for x in &c.changes {
            changed.row(vec![
                c.id.clone(),
                c.name.clone(),
                x.field.clone(),
                x.old.clone().unwrap_or_else(|| "(blank)".into()),
                x.new.clone().unwrap_or_else(|| "(blank)".into()),
            ]);
        }
    }
    vec![added, closed, changed]
}

pub fn diff_report(old: &Register, new: &Register, format: Format) -> String {
    let d = diff::diff(old, new);
    let title = format!(
        "Changes: {} → {}",
        old.wave.clone().unwrap_or_else(|| old.id.clone()),
        new.wave.clone().unwrap_or_else(|| new.id.clone())
    );
    let grids = diff_grids(&d);
    match format {
        Format::Json | Format::Geojson => json_text(&diff::to_json(&d)),
        Format::Csv => {
            let mut g = Grid::new("changes", &["change", "id", "name", "field", "old", "new"]);
            for (id, name) in &d.added {
                g.row(vec![
                    "added".into(),
                    id.clone(),
                    name.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            for (id, name, how) in &d.closed {
                g.row(vec![
                    "closed".into(),
                    id.clone(),
                    name.clone(),
                    "how".into(),
                    String::new(),
                    how.as_str().into(),
                ]);
            }
            for c in &d.changed {
                for x in &c.changes {
                    g.row(vec![
                        "changed".into(),
                        c.id.clone(),
                        c.name.clone(),
                        x.field.clone(),
                        x.old.clone().unwrap_or_default(),
                        x.new.clone().unwrap_or_default(),
                    ]);
                }
            }
            grid::csv(&[g])
        }
        Format::Markdown => grid::markdown(&title, &grids),
        Format::Table => grid::table(&title, &grids),
        Format::Html => {
            // The new wave's assets, and those that vanished, where the old wave put them.
            let mut assets: Vec<&super::Asset> = new.assets.iter().collect();
            for (id, _, how) in &d.closed {
                if *how == diff::How::Absent
                    && let Some(a) = old.assets.iter().find(|a| &a.id == id)
                {
                    assets.push(a);
                }
            }
            let closed_rows = grids.iter().map(|g| vec![false; g.rows.len()]).collect();
            let mapped_meta = vec![
                format!(
                    "Old wave: {} ({})",
                    old.wave.clone().unwrap_or_default(),
                    crate::diagnostic::display_path(&old.path)
                ),
                format!(
                    "New wave: {} ({})",
                    new.wave.clone().unwrap_or_default(),
                    crate::diagnostic::display_path(&new.path)
                ),
            ];
            html_page(&html::Page {
                title,
                meta: mapped_meta,
                assets,
                grids,
                closed_rows,
            })
        }
    }
}
