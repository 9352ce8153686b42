//! `assets diff`: what changed between two waves of a register.
//!
//! added = ids only in NEW; closed = ids active in OLD that are absent from NEW
//! (`how: absent`) or closed in it (`how: closed`); changed = every other id in both
//! whose cells differ as written, field by field (a column only one wave has counts as
//! blank in the other).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Asset;
use super::register::Register;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The id is not in the new wave.
    Absent,
    /// The new wave has it with `status: closed`.
    Closed,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::Absent => "absent",
            How::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub id: String,
    pub name: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diff {
    /// (id, name), in the new wave's row order.
    pub added: Vec<(String, String)>,
    /// (id, name, how), in the old wave's row order.
    pub closed: Vec<(String, String, How)>,
    /// In the new wave's row order.
    pub changed: Vec<Changed>,
}

fn cell<'a>(register: &Register, asset: &'a Asset, column: &str) -> Option<&'a str> {
    register.cell(asset, column)
}

pub fn diff(old: &Register, new: &Register) -> Diff {
    let old_by_id: BTreeMap<&str, &Asset> = old.assets.iter().map(|a| (a.id.as_str(), a)).collect();
    let new_by_id: BTreeMap<&str, &Asset> = new.assets.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut result = Diff::default();
    for a in &new.assets {
        if !old_by_id.contains_key(a.id.as_str()) {
            result.added.push((a.id.clone(), a.name.clone()));
        }
    }
    let mut closed_ids = Vec::new();
    for a in old.assets.iter().filter(|a| a.is_active()) {
        match new_by_id.get(a.id.as_str()) {
            None => {
                result
                    .closed
                    .push((a.id.clone(), a.name.clone(), How::Absent));
                closed_ids.push(a.id.as_str());
            }
            Some(n) if !n.is_active() => {
                result
                    .closed
                    .push((a.id.clone(), n.name.clone(), How::Closed));
                closed_ids.push(a.id.as_str());
            }
            Some(_) => {}
        }
    }
    let mut fields: Vec<&str> = new.columns.iter().map(String::as_str).collect();
    for c in &old.columns {
        if !fields.contains(&c.as_str()) {
            fields.push(c);
        }
    }
    for n in &new.assets {
        let Some(o) = old_by_id.get(n.id.as_str()) else {
            continue;
        };
        if closed_ids.contains(&n.id.as_str()) {
            continue;
        }
        let changes: Vec<Change> = fields
            .iter()
            .filter_map(|field| {
                let (was, now) = (cell(old, o, field), cell(new, n, field));
                (was != now).then(|| Change {
                    field: (*field).to_owned(),
                    old: was.map(str::to_owned),
                    new: now.map(str::to_owned),
                })
            })
            .collect();
        if !changes.is_empty() {
            result.changed.push(Changed {
                id: n.id.clone(),
                name: n.name.clone(),
                changes,
            });
        }
    }
    result
}

pub fn to_json(d: &Diff) -> Value {
    json!({
        "added": d.added.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
        "closed": d.closed.iter().map(|(id, name, how)| json!({"id": id, "name": name, "how": how.as_str()})).collect::<Vec<_>>(),
        "changed": d.changed.iter().map(|c| json!({
            "id": c.id,
            "name": c.name,
            "changes": c.changes.iter().map(|x| json!({"field": x.field, "old": x.old, "new": x.new})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
