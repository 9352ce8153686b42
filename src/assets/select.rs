//! `assets select`: active assets ranked by score (highest first, ties in register
//! row order), the top N, each with its reason and, when it links to an impact model,
//! that model's SROI ratio.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Asset, Mapped, Rating};
use crate::diagnostic::Diagnostics;
use crate::source::{Files, dir_of};

pub const DEFAULT_TOP: usize = 10;

#[derive(Debug, Clone)]
pub struct LinkedModel {
    /// As written in the `model` cell.
    pub path: String,
    /// The model's SROI ratio; `None` when its investment is zero.
    pub ratio: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Selected<'a> {
    pub rank: usize,
    pub asset: &'a Asset,
    pub rating: &'a Rating,
    pub model: Option<LinkedModel>,
}

/// Indices of active assets in selection order (stable sort keeps row order on ties).
pub fn order(mapped: &Mapped) -> Vec<usize> {
    let mut chosen: Vec<usize> = mapped
        .rated()
        .enumerate()
        .filter(|(_, (a, _))| a.is_active())
        .map(|(i, _)| i)
        .collect();
    chosen.sort_by(|a, b| mapped.ratings[*b].score.cmp(&mapped.ratings[*a].score));
    chosen
}

/// The top `top` assets, evaluating each linked model once.
pub fn select<'a>(
    mapped: &'a Mapped,
    top: usize,
    files: &mut dyn Files,
    allow_paths: &[PathBuf],
) -> Result<Vec<Selected<'a>>, Diagnostics> {
    let register = &mapped.register;
    let mut ratios: BTreeMap<PathBuf, Option<Decimal>> = BTreeMap::new();
    let mut out = Diagnostics::default();
    let mut selected = Vec::new();
    for (rank, i) in order(mapped).into_iter().take(top).enumerate() {
        let (Some(asset), Some(rating)) = (register.assets.get(i), mapped.ratings.get(i)) else {
            continue;
        };
        let model = match register.cell(asset, "model") {
            Some(written) => {
                let path = dir_of(&register.path).join(written);
                if !ratios.contains_key(&path) {
                    match model_ratio(files, &path, allow_paths) {
                        Ok(r) => {
                            ratios.insert(path.clone(), r);
                        }
                        Err(d) => {
                            out.push(
                                asset.at.error(format!(
                                    "asset `{}`: its model {written} could not be evaluated (see below)",
                                    asset.id
                                ))
                                .help("fix the model, or clear the asset's `model` cell"),
                            );
                            out.extend(d);
                            continue;
                        }
                    }
                }
                Some(LinkedModel {
                    path: written.to_owned(),
                    ratio: ratios.get(&path).copied().flatten(),
                })
            }
            None => None,
        };
        selected.push(Selected {
            rank: rank + 1,
            asset,
            rating,
            model,
        });
    }
    if out.has_errors() {
        return Err(out);
    }
    Ok(selected)
}

/// A linked model's ratio; its own paths are confined to its own project.
fn model_ratio(
    files: &mut dyn Files,
    path: &std::path::Path,
    allow_paths: &[PathBuf],
) -> Result<Option<Decimal>, Diagnostics> {
    let options = crate::project::LoadOptions {
        allow_paths: allow_paths.to_vec(),
        ..crate::project::LoadOptions::default()
    };
    let (project, _) = crate::project::load(files, path, &options)?;
    let evaluation = crate::evaluate::evaluate(&project)?;
    Ok(evaluation.ratio)
}

pub fn ratio_text(ratio: Option<Decimal>) -> Option<String> {
    ratio.map(|r| crate::report::fixed(r, 4))
}

pub fn to_json(selected: &[Selected<'_>]) -> Value {
    json!({
        "selected": selected.iter().map(|s| json!({
            "rank": s.rank,
            "id": s.asset.id,
            "name": s.asset.name,
            "score": s.rating.score.normalize().to_string(),
            "reason": s.rating.reason,
            "themes": s.rating.themes,
            "model": s.model.as_ref().map(|m| json!({"path": m.path, "ratio": ratio_text(m.ratio)})),
        })).collect::<Vec<_>>()
    })
}
