//! OGC GeoPackage: write a register's assets as a point layer QGIS and GDAL open, and
//! read a layer back as an asset table (`assets: data/assets.gpkg#assets`).
//!
//! Written: `application_id` 'GPKG', `user_version` 10300 (GeoPackage 1.3, which every GDAL since 2.2 reads without warnings), `gpkg_spatial_ref_sys`
//! (with EPSG:4326), `gpkg_contents`, `gpkg_geometry_columns` and one feature table
//! `assets`: `fid`, a POINT column `geom` (GeoPackage binary header + WKB, NULL where
//! an asset has no location), every asset column as TEXT (so `0123` stays `0123`),
//! then `sroi_themes`, `sroi_score` and `sroi_reason`. Reading skips the `sroi_`
//! columns (they are derived by the rules), and takes latitude and longitude from the
//! geometry, so points moved in QGIS are read where they now are.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params_from_iter, types::ValueRef};

use super::table::{RawRow, RawTable, cell_text};
use super::{Mapped, Place};
use crate::diagnostic::{Span, display_path};

pub const LAYER: &str = "assets";
const APPLICATION_ID: i32 = 0x4750_4B47;
const USER_VERSION: i32 = 10300;
/// Derived columns: written for GIS users, skipped when a layer is read back.
const DERIVED: &str = "sroi_";
/// A fixed `last_change`, so the same register always gives the same bytes.
const LAST_CHANGE: &str = "1970-01-01T00:00:00.000Z";
const WGS84: &str = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A point as GeoPackage binary: header (`GP`, version 0, little-endian, no envelope,
/// SRS 4326) then a little-endian WKB Point.
pub fn point_blob(x: f64, y: f64) -> Vec<u8> {
    let mut blob = Vec::with_capacity(29);
    blob.extend_from_slice(b"GP");
    blob.push(0);
    blob.push(0b0000_0001);
    blob.extend_from_slice(&4326i32.to_le_bytes());
    blob.push(1);
    blob.extend_from_slice(&1u32.to_le_bytes());
    blob.extend_from_slice(&x.to_le_bytes());
    blob.extend_from_slice(&y.to_le_bytes());
    blob
}

/// The (x, y) of a GeoPackage point blob; `None` for empty or non-point geometry.
pub fn read_point(blob: &[u8]) -> Option<(f64, f64)> {
    if blob.get(..2)? != b"GP" {
        return None;
    }
    let flags = *blob.get(3)?;
    if flags & 0b0001_0000 != 0 {
        return None;
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return None,
    };
    let wkb = blob.get(8 + envelope..)?;
    let little = *wkb.first()? == 1;
    let u32_at = |b: &[u8]| -> Option<u32> {
        let bytes: [u8; 4] = b.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    };
    let f64_at = |b: &[u8]| -> Option<f64> {
        let bytes: [u8; 8] = b.try_into().ok()?;
        Some(if little {
            f64::from_le_bytes(bytes)
        } else {
            f64::from_be_bytes(bytes)
        })
    };
    // Point, with ISO (1001, 2001, 3001) or EWKB (high bits) Z/M variants.
    let kind = u32_at(wkb.get(1..5)?)?;
    if (kind & 0x0FFF_FFFF) % 1000 != 1 {
        return None;
    }
    let x = f64_at(wkb.get(5..13)?)?;
    let y = f64_at(wkb.get(13..21)?)?;
    if x.is_nan() || y.is_nan() {
        return None;
    }
    Some((x, y))
}

/// Write the assets at `indices` to a new GeoPackage at `path` (replacing it whole).
pub fn write(mapped: &Mapped, indices: &[usize], path: &Path) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".sroi-")
        .suffix(".gpkg")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a file in {}: {e}", display_path(dir)))?;
    {
        let mut db = Connection::open(temp.path()).map_err(|e| e.to_string())?;
        fill(&mut db, mapped, indices).map_err(|e| format!("writing the GeoPackage: {e}"))?;
        db.close().map_err(|(_, e)| e.to_string())?;
    }
    temp.persist(path)
        .map_err(|e| format!("cannot write {}: {}", display_path(path), e.error))?;
    Ok(())
}

fn fill(db: &mut Connection, mapped: &Mapped, indices: &[usize]) -> rusqlite::Result<()> {
    let register = &mapped.register;
    db.pragma_update(None, "application_id", APPLICATION_ID)?;
    db.pragma_update(None, "user_version", USER_VERSION)?;
    let tx = db.transaction()?;
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, \
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, \
           description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), \
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, \
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, \
           srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, \
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), \
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), \
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));",
    )?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system')",
        [],
    )?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')",
        [],
    )?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        [WGS84],
    )?;
    let mut columns: Vec<String> = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_owned(),
        "geom POINT".to_owned(),
    ];
    columns.extend(
        register
            .columns
            .iter()
            .map(|c| format!("{} TEXT", quote(c))),
    );
    columns.extend([
        format!("{DERIVED}themes TEXT"),
        format!("{DERIVED}score REAL"),
        format!("{DERIVED}reason TEXT"),
    ]);
    tx.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(LAYER),
        columns.join(", ")
    ))?;
    let located: Vec<(f64, f64)> = indices
        .iter()
        .filter_map(|i| register.assets.get(*i)?.location)
        .map(|l| {
            (
                super::geojson::degrees(l.longitude),
                super::geojson::degrees(l.latitude),
            )
        })
        .collect();
    let fold =
        |f: fn(f64, f64) -> f64, pick: fn(&(f64, f64)) -> f64| located.iter().map(pick).reduce(f);
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id) \
         VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 4326)",
        rusqlite::params![
            LAYER,
            register.name,
            LAST_CHANGE,
            fold(f64::min, |p| p.0),
            fold(f64::min, |p| p.1),
            fold(f64::max, |p| p.0),
            fold(f64::max, |p| p.1),
        ],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'POINT', 4326, 0, 0)",
        [LAYER],
    )?;
    {
        let n = register.columns.len() + 4;
        let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        let names: Vec<String> = std::iter::once("geom".to_owned())
            .chain(register.columns.iter().map(|c| quote(c)))
            .chain(["themes", "score", "reason"].map(|d| format!("{DERIVED}{d}")))
            .collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(LAYER),
            names.join(", "),
            marks.join(", ")
        ))?;
        for i in indices {
            let (Some(asset), Some(rating)) = (register.assets.get(*i), mapped.ratings.get(*i))
            else {
                continue;
            };
            let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(n);
            values.push(match asset.location {
                Some(l) => rusqlite::types::Value::Blob(point_blob(
                    super::geojson::degrees(l.longitude),
                    super::geojson::degrees(l.latitude),
                )),
                None => rusqlite::types::Value::Null,
            });
            for c in &asset.cells {
                values.push(match c {
                    Some(t) => rusqlite::types::Value::Text(t.clone()),
                    None => rusqlite::types::Value::Null,
                });
            }
            values.push(rusqlite::types::Value::Text(rating.themes.join(";")));
            values.push(rusqlite::types::Value::Real(super::geojson::degrees(
                rating.score,
            )));
            values.push(match &rating.reason {
                Some(r) => rusqlite::types::Value::Text(r.clone()),
                None => rusqlite::types::Value::Null,
            });
            insert.execute(params_from_iter(values))?;
        }
    }
    tx.commit()
}

/// A number read back from a layer, in its shortest exact form.
fn real_text(value: f64) -> String {
    format!("{value}")
}

/// Read a GeoPackage layer as an asset table.
pub fn read(path: &Path, layer: Option<&str>, written: &str) -> Result<RawTable, String> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let layers: Vec<String> = db
        .prepare(
            "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
        )
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| format!("it is not a GeoPackage ({e})"))?;
    let layer = match layer {
        Some(l) if layers.iter().any(|x| x == l) => l.to_owned(),
        Some(l) => {
            return Err(format!(
                "it has no feature layer `{l}`; its layers: {}",
                if layers.is_empty() {
                    "(none)".to_owned()
                } else {
                    layers.join(", ")
                }
            ));
        }
        None if layers.len() == 1 => layers.first().cloned().unwrap_or_default(),
        None => {
            return Err(format!(
                "name the layer after `#`; its layers: {}",
                layers.join(", ")
            ));
        }
    };
    let geometry: Option<String> = db
        .query_row(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&layer],
            |r| r.get(0),
        )
        .ok();
    let mut info = db
        .prepare(&format!("PRAGMA table_info({})", quote(&layer)))
        .map_err(|e| e.to_string())?;
    let table_columns: Vec<(String, bool)> = info
        .query_map([], |r| {
            Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)? > 0))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| e.to_string())?;
    let key = table_columns
        .iter()
        .find(|(_, pk)| *pk)
        .map(|(n, _)| n.clone());
    let mut columns: Vec<String> = table_columns
        .iter()
        .filter(|(n, pk)| !pk && Some(n) != geometry.as_ref() && !n.starts_with(DERIVED))
        .map(|(n, _)| n.clone())
        .collect();
    let lat_col = columns.iter().position(|c| c == "latitude");
    let lon_col = columns.iter().position(|c| c == "longitude");
    let (lat_col, lon_col) = match (lat_col, lon_col) {
        (Some(a), Some(b)) => (a, b),
        _ if geometry.is_some() => {
            columns.retain(|c| c != "latitude" && c != "longitude");
            columns.push("latitude".to_owned());
            columns.push("longitude".to_owned());
            (columns.len() - 2, columns.len() - 1)
        }
        _ => (usize::MAX, usize::MAX),
    };
    let mut select: Vec<String> = vec![key.as_deref().map_or("rowid".to_owned(), quote)];
    select.push(geometry.as_deref().map_or("NULL".to_owned(), quote));
    let stored: Vec<&String> = columns
        .iter()
        .filter(|c| table_columns.iter().any(|(n, _)| n == *c))
        .collect();
    select.extend(stored.iter().map(|c| quote(c)));
    let order = key.as_deref().map_or("rowid".to_owned(), quote);
    let mut query = db
        .prepare(&format!(
            "SELECT {} FROM {} ORDER BY {order}",
            select.join(", "),
            quote(&layer)
        ))
        .map_err(|e| e.to_string())?;
    let shown = display_path(path);
    let place = |fid: i64| Place {
        file: None,
        span: Span::default(),
        shown: format!("{shown}#{layer} fid {fid}"),
    };
    let text = |v: ValueRef<'_>| -> Option<String> {
        match v {
            ValueRef::Null | ValueRef::Blob(_) => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(real_text(f)),
            ValueRef::Text(t) => cell_text(&String::from_utf8_lossy(t)),
        }
    };
    let mut rows = Vec::new();
    let mut result = query.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = result.next().map_err(|e| e.to_string())? {
        let fid: i64 = row.get(0).unwrap_or_default();
        let point = match row.get_ref(1) {
            Ok(ValueRef::Blob(b)) => read_point(b),
            _ => None,
        };
        let mut cells: Vec<Option<String>> = vec![None; columns.len()];
        for (j, name) in stored.iter().enumerate() {
            if let Some(i) = columns.iter().position(|c| c == *name)
                && let Ok(v) = row.get_ref(j + 2)
                && let Some(slot) = cells.get_mut(i)
            {
                *slot = text(v);
            }
        }
        if let Some((x, y)) = point {
            for (i, value) in [(lat_col, y), (lon_col, x)] {
                if let Some(slot) = cells.get_mut(i) {
                    // Keep the text as written (`53.40840`) while it still says where the
                    // point is; a point moved in QGIS gives its new coordinate.
                    let same = slot
                        .as_deref()
                        .and_then(|t| t.trim().parse::<f64>().ok())
                        .is_some_and(|v| v == value);
                    if !same {
                        *slot = Some(real_text(value));
                    }
                }
            }
        }
        rows.push(RawRow {
            at: place(fid),
            cells,
        });
    }
    Ok(RawTable {
        name: written.to_owned(),
        columns,
        header: Place {
            file: None,
            span: Span::default(),
            shown: format!("{shown}#{layer}"),
        },
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_blob_reads_back_and_other_layouts_are_understood() {
        let blob = point_blob(-3.05, 53.8);
        assert_eq!(blob.len(), 29);
        assert_eq!(&blob[..4], b"GP\0\x01");
        assert_eq!(read_point(&blob), Some((-3.05, 53.8)));

        // Big-endian WKB after an XY envelope (flags: envelope 1, big-endian header).
        let mut other = b"GP\0\x02".to_vec();
        other.extend_from_slice(&4326i32.to_be_bytes());
        for v in [-3.1f64, -3.0, 53.7, 53.9] {
            other.extend_from_slice(&v.to_be_bytes());
        }
        other.push(0);
        other.extend_from_slice(&1u32.to_be_bytes());
        other.extend_from_slice(&(-3.04f64).to_be_bytes());
        other.extend_from_slice(&53.81f64.to_be_bytes());
        assert_eq!(read_point(&other), Some((-3.04, 53.81)));

        // An empty geometry, a line string and garbage are no location.
        let mut empty = blob.clone();
        empty[3] |= 0b0001_0000;
        assert_eq!(read_point(&empty), None);
        let mut line = blob.clone();
        line[9..13].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(read_point(&line), None);
        assert_eq!(read_point(b"GP"), None);
        assert_eq!(read_point(b"not a geometry"), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("opening \"hours\""), "\"opening \"\"hours\"\"\"");
    }
}
