//! The known columns of an asset table, checked: required `id`, `name`, `category`;
//! `type`, `status`, `latitude` and `longitude` with the values the format allows. Every
//! other column is kept as written.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use super::table::RawTable;
use super::{Asset, Location, Status};
use crate::diagnostic::Diagnostics;
use crate::suggest;

pub const REQUIRED: [&str; 3] = ["id", "name", "category"];
pub const KNOWN: [&str; 17] = [
    "id",
    "name",
    "category",
    "type",
    "latitude",
    "longitude",
    "postcode",
    "ward",
    "description",
    "activities",
    "audience",
    "status",
    "first_recorded",
    "last_confirmed",
    "url",
    "model",
    "organisation",
];
pub const TYPES: [&str; 5] = ["material", "immaterial", "natural", "skills", "network"];
pub const STATUSES: [&str; 2] = ["active", "closed"];

/// A degree value: a plain decimal within `limit` of zero.
fn degrees(text: &str, limit: i64) -> Result<Decimal, String> {
    let value = Decimal::from_str(text.trim())
        .map_err(|_| format!("`{text}` is not a number of degrees"))?;
    if value.abs() > Decimal::from(limit) {
        return Err(format!("{text} is outside -{limit}..{limit} degrees"));
    }
    Ok(value)
}

/// Check the table and turn its rows into assets; problems go to `out`.
pub fn check(table: &RawTable, out: &mut Diagnostics) -> Vec<Asset> {
    let col = |name: &str| table.columns.iter().position(|c| c == name);
    let mut missing = false;
    for name in REQUIRED {
        if col(name).is_none() {
            missing = true;
            let near = table
                .columns
                .iter()
                .filter(|c| !KNOWN.contains(&c.as_str()))
                .map(String::as_str);
            let help = suggest::did_you_mean(name, near).unwrap_or_else(|| {
                format!(
                    "the header needs `id`, `name` and `category`; it has: {}",
                    table.columns.join(", ")
                )
            });
            out.push(
                table
                    .header
                    .error(format!(
                        "the asset table {} has no `{name}` column",
                        table.name
                    ))
                    .help(help),
            );
        }
    }
    if missing {
        return Vec::new();
    }
    let get = |cells: &[Option<String>], name: &str| -> Option<String> {
        col(name).and_then(|i| cells.get(i).cloned().flatten())
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut assets = Vec::new();
    for row in &table.rows {
        let cells = &row.cells;
        let mut ok = true;
        for name in REQUIRED {
            if get(cells, name).is_none() {
                ok = false;
                out.push(
                    row.at
                        .error(format!("this asset has no `{name}`"))
                        .help(format!(
                            "every asset needs an `id`, a `name` and a `category`; fill in `{name}`"
                        )),
                );
            }
        }
        let id = get(cells, "id").unwrap_or_default();
        if !id.is_empty() {
            if let Some(first) = seen.get(&id) {
                ok = false;
                out.push(
                    row.at
                        .error(format!("asset id `{id}` is used twice (first at {first})"))
                        .help("give each asset its own id"),
                );
            } else {
                seen.insert(id.clone(), row.at.shown.clone());
            }
        }
        if let Some(t) = get(cells, "type")
            && !TYPES.contains(&t.trim())
        {
            ok = false;
            out.push(
                row.at
                    .error(format!("asset `{id}`: unknown type `{t}`"))
                    .help(
                        suggest::did_you_mean(&t, TYPES.iter().copied()).unwrap_or_else(|| {
                            format!("type is one of {}, or blank", TYPES.join(", "))
                        }),
                    ),
            );
        }
        let status = match get(cells, "status").map(|s| s.trim().to_ascii_lowercase()) {
            None => Status::Active,
            Some(s) if s == "active" => Status::Active,
            Some(s) if s == "closed" => Status::Closed,
            Some(s) => {
                ok = false;
                out.push(
                    row.at
                        .error(format!("asset `{id}`: unknown status `{s}`"))
                        .help("status is `active`, `closed`, or blank (active)"),
                );
                Status::Active
            }
        };
        let mut location = None;
        match (get(cells, "latitude"), get(cells, "longitude")) {
            (Some(lat), Some(lon)) => match (degrees(&lat, 90), degrees(&lon, 180)) {
                (Ok(latitude), Ok(longitude)) => {
                    location = Some(Location {
                        latitude,
                        longitude,
                    })
                }
                (lat, lon) => {
                    ok = false;
                    for why in [lat.err(), lon.err()].into_iter().flatten() {
                        out.push(
                            row.at
                                .error(format!("asset `{id}`: {why}"))
                                .help("latitude and longitude are WGS 84 decimal degrees, e.g. 53.8175 and -3.0357; leave both blank when unknown"),
                        );
                    }
                }
            },
            // Without both, an asset has no location; say so, since it is likely a slip.
            (Some(_), None) | (None, Some(_)) => {
                let mut d = row
                    .at
                    .error(format!(
                        "asset `{id}` has only one of latitude and longitude, so it has no location"
                    ))
                    .help("fill in both, or leave both blank when the location is unknown");
                d.severity = crate::diagnostic::Severity::Warning;
                out.push(d);
            }
            (None, None) => {}
        }
        if !ok {
            continue;
        }
        assets.push(Asset {
            name: get(cells, "name").unwrap_or_default(),
            category: get(cells, "category").unwrap_or_default(),
            ward: get(cells, "ward"),
            id,
            status,
            location,
            cells: cells.clone(),
            at: row.at.clone(),
        });
    }
    assets
}
