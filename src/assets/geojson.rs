//! GeoJSON (RFC 7946): one point feature per asset (longitude, latitude, WGS 84), with
//! every column as a property (blank cells `null`) plus `themes`, `score` and `reason`.
//! An asset without a location is a feature with `"geometry": null`.

use std::str::FromStr;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, feature::Id};
use rust_decimal::Decimal;
use serde_json::Value;

use super::{Asset, Location, Mapped, Rating};

/// Degrees as a float for coordinates: through the written decimal text, so 53.4084
/// is the nearest double to 53.4084 and prints back as written.
pub fn degrees(value: Decimal) -> f64 {
    f64::from_str(&value.normalize().to_string()).unwrap_or(0.0)
}

/// A decimal as a JSON number (GIS tools style and sort by numbers).
pub fn number(value: Decimal) -> Value {
    serde_json::Number::from_str(&value.normalize().to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

pub fn point(location: Location) -> Geometry {
    Geometry::new_point([degrees(location.longitude), degrees(location.latitude)])
}

fn feature(columns: &[String], asset: &Asset, rating: &Rating) -> Feature {
    let mut properties = JsonObject::new();
    for (column, cell) in columns.iter().zip(&asset.cells) {
        properties.insert(
            column.clone(),
            cell.as_ref()
                .map_or(Value::Null, |t| Value::String(t.clone())),
        );
    }
    properties.insert(
        "themes".to_owned(),
        Value::Array(rating.themes.iter().cloned().map(Value::String).collect()),
    );
    properties.insert("score".to_owned(), number(rating.score));
    properties.insert(
        "reason".to_owned(),
        rating.reason.clone().map_or(Value::Null, Value::String),
    );
    Feature {
        bbox: None,
        geometry: asset.location.map(point),
        id: Some(Id::String(asset.id.clone())),
        properties: Some(properties),
        foreign_members: None,
    }
}

/// The assets at `indices` (register row order is kept by the caller) as a
/// FeatureCollection.
pub fn render(mapped: &Mapped, indices: &[usize]) -> String {
    let register = &mapped.register;
    let features = indices.iter().filter_map(|i| {
        let asset = register.assets.get(*i)?;
        let rating = mapped.ratings.get(*i)?;
        Some(feature(&register.columns, asset, rating))
    });
    let collection = FeatureCollection::new(features);
    let mut text = collection.to_string();
    text.push('\n');
    text
}
