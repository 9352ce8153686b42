//! Open Referral UK / HSDS 3.0 JSON, for councils' service directories: active assets
//! only, as organizations (grouped by the `organisation` column, else one per asset),
//! services, locations with addresses, service_at_locations, one taxonomy whose terms
//! are the register's themes, and attributes linking each service to its themes.
//! Ids are UUIDs derived from the register and asset ids, so a re-export keeps them.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Mapped;

/// A stable UUID (version 5 layout) for `what` within `register`.
pub fn uuid(register: &str, kind: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("sroi:{register}:{kind}:{key}").as_bytes());
    let mut b: Vec<u8> = digest.iter().take(16).copied().collect();
    if let Some(v) = b.get_mut(6) {
        *v = (*v & 0x0f) | 0x50;
    }
    if let Some(v) = b.get_mut(8) {
        *v = (*v & 0x3f) | 0x80;
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

pub fn render(mapped: &Mapped) -> String {
    let text = serde_json::to_string_pretty(&document(mapped)).unwrap_or_default();
    format!("{text}\n")
}

pub fn document(mapped: &Mapped) -> Value {
    let r = &mapped.register;
    let reg = r.id.as_str();
    let taxonomy_id = uuid(reg, "taxonomy", "themes");
    let taxonomies = vec![json!({
        "id": taxonomy_id,
        "name": format!("{} themes", r.name),
        "description": "Themes of the asset-mapping thematic analysis",
        "uri": Value::Null,
        "version": Value::Null,
    })];
    let taxonomy_terms: Vec<Value> = r
        .themes
        .iter()
        .map(|(id, label)| {
            json!({
                "id": uuid(reg, "theme", id),
                "code": id,
                "name": label,
                "description": label,
                "parent_id": Value::Null,
                "taxonomy": "sroi-themes",
                "taxonomy_id": taxonomy_id,
                "language": "en",
            })
        })
        .collect();
    let mut organizations: Vec<Value> = Vec::new();
    let mut org_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut services = Vec::new();
    let mut locations = Vec::new();
    let mut service_at_locations = Vec::new();
    let mut attributes = Vec::new();
    for (asset, rating) in mapped.rated().filter(|(a, _)| a.is_active()) {
        let cell = |c: &str| r.cell(asset, c).map(str::to_owned);
        let (org_key, org_name) = match cell("organisation") {
            Some(o) => (format!("org:{o}"), o),
            None => (format!("asset:{}", asset.id), asset.name.clone()),
        };
        let organization_id = org_ids
            .entry(org_key.clone())
            .or_insert_with(|| {
                let id = uuid(reg, "organization", &org_key);
                let single = !org_key.starts_with("org:");
                organizations.push(json!({
                    "id": id,
                    "name": org_name,
                    "description": if single { cell("description").unwrap_or_default() } else { String::new() },
                    "website": if single { cell("url") } else { None },
                    "email": Value::Null,
                }));
                id
            })
            .clone();
        let service_id = uuid(reg, "service", &asset.id);
        services.push(json!({
            "id": service_id,
            "organization_id": organization_id,
            "name": asset.name,
            "alternate_name": Value::Null,
            "description": cell("description").or_else(|| cell("activities")).unwrap_or_default(),
            "url": cell("url"),
            "status": "active",
            "email": Value::Null,
        }));
        for theme in &rating.themes {
            attributes.push(json!({
                "id": uuid(reg, "attribute", &format!("{}:{theme}", asset.id)),
                "link_id": service_id,
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": uuid(reg, "theme", theme),
                "value": Value::Null,
            }));
        }
        let postcode = cell("postcode");
        if asset.location.is_none() && postcode.is_none() {
            continue;
        }
        let location_id = uuid(reg, "location", &asset.id);
        let addresses: Vec<Value> = postcode
            .iter()
            .map(|pc| {
                json!({
                    "id": uuid(reg, "address", &asset.id),
                    "location_id": location_id,
                    "attention": Value::Null,
                    "address_1": cell("address").unwrap_or_else(|| asset.name.clone()),
                    "address_2": Value::Null,
                    "city": cell("town").or_else(|| r.area.clone()).unwrap_or_default(),
                    "region": asset.ward,
                    "state_province": "",
                    "postal_code": pc,
                    "country": "GB",
                    "address_type": "physical",
                })
            })
            .collect();
        locations.push(json!({
            "id": location_id,
            "location_type": "physical",
            "organization_id": organization_id,
            "name": asset.name,
            "description": Value::Null,
            "latitude": asset.location.map_or(Value::Null, |l| super::geojson::number(l.latitude)),
            "longitude": asset.location.map_or(Value::Null, |l| super::geojson::number(l.longitude)),
            "addresses": addresses,
        }));
        service_at_locations.push(json!({
            "id": uuid(reg, "service_at_location", &asset.id),
            "service_id": service_id,
            "location_id": location_id,
        }));
    }
    json!({
        "organizations": organizations,
        "services": services,
        "locations": locations,
        "service_at_locations": service_at_locations,
        "taxonomies": taxonomies,
        "taxonomy_terms": taxonomy_terms,
        "attributes": attributes,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_stable_version_5_layout_and_distinct() {
        let a = super::uuid("town", "service", "lib");
        assert_eq!(a, super::uuid("town", "service", "lib"));
        assert_ne!(a, super::uuid("town", "service", "park"));
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('5'));
        assert!(matches!(a.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
    }
}
