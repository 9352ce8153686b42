//! Reading a register file (`kind: asset-register`): its fields, the paths it names
//! (each confined to the project), its asset and survey tables and its rules script.
//! Every problem in the file is reported in one pass, each at its line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::Asset;
use super::columns;
pub use super::fields::DEFAULT_THEMES;
use super::fields::read_fields;
use super::paths::Resolver;
use super::rules::{self, Rules};
use super::table::{self, RawTable};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::number::{self, NumberKind};
use crate::model::yaml;
use crate::source::{Files, unreadable};
use crate::suggest;

/// Choices made on the command line.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--set NAME=VALUE`: a register `params` entry for this run.
    pub set: Vec<(String, String)>,
    /// Read only the cells, without compiling or running the rules (`diff` needs no more).
    pub skip_rules: bool,
    /// `--allow-path DIR`: folders the register's paths may reach besides its project.
    pub allow_paths: Vec<PathBuf>,
}

/// A loaded, checked register.
#[derive(Debug)]
pub struct Register {
    /// The register file as named on the command line.
    pub path: PathBuf,
    pub file: Arc<SourceFile>,
    pub id: String,
    pub name: String,
    pub area: Option<String>,
    pub wave: Option<String>,
    pub description: Option<String>,
    /// The earlier wave (`baseline:`), resolved, with where it was written.
    pub baseline: Option<(PathBuf, Span)>,
    /// Theme ids and labels, in the order written.
    pub themes: Vec<(String, String)>,
    /// The asset table's header, in order.
    pub columns: Vec<String>,
    pub assets: Vec<Asset>,
    /// `assets:` as written, for reports.
    pub assets_source: String,
    pub rules: Option<Rules>,
    /// Every file read, for watch mode.
    pub used: Vec<PathBuf>,
}

impl Register {
    pub fn theme_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.themes
            .iter()
            .find(|(t, _)| t == id)
            .map_or(id, |(_, label)| label.as_str())
    }
    pub fn cell<'a>(&self, asset: &'a Asset, column: &str) -> Option<&'a str> {
        super::cell(&self.columns, asset, column)
    }
}

/// Whether YAML text is an asset register (top-level `kind: asset-register`), so a
/// command given either a model or a register (e.g. `sroi watch`) can tell them apart.
pub fn is_register(text: &str) -> bool {
    let Ok(root) = yaml::parse(text) else {
        return false;
    };
    let yaml::Value::Map(entries) = &root.value else {
        return false;
    };
    entries
        .iter()
        .any(|(k, v)| k.as_str() == Some("kind") && v.as_str() == Some("asset-register"))
}

/// Load a register: parse, check, read its tables and compile its rules. On success,
/// warnings (if any) come back beside it.
pub fn load(
    files: &mut dyn Files,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Register, Diagnostics), Diagnostics> {
    const CODE: &str = "sroi::assets::register";
    load_checked(files, path, options)
        .map(|(r, w)| (r, super::coded(w, CODE)))
        .map_err(|d| super::coded(d, CODE))
}

fn load_checked(
    files: &mut dyn Files,
    path: &Path,
    options: &LoadOptions,
) -> Result<(Register, Diagnostics), Diagnostics> {
    let file = files.read(path).map_err(|e| {
        Diagnostics::from(unreadable(path, "the register", &e).help(
            "check the path; registers are YAML files with `kind: asset-register`, e.g. registers/blackpool.yaml",
        ))
    })?;
    let root = match yaml::parse(file.text()) {
        Ok(node) => node,
        Err(e) => {
            let d = Diagnostic::error(format!("YAML syntax: {}", e.message))
                .help("fix the YAML at the marked place (indentation, `key: value`, quotes)");
            let d = match e.span {
                Some(span) => d.at(&file, span),
                None => d.in_file(path),
            };
            return Err(d.into());
        }
    };
    let mut out = Diagnostics::default();
    let fields = read_fields(&file, &root, &mut out);
    let Some(fields) = fields else {
        return Err(out);
    };
    let resolver = Resolver::new(files.loader(), path, &file, &options.allow_paths);
    let mut used = vec![path.to_path_buf()];

    let raw = fields.assets.as_ref().and_then(|(w, span)| {
        read_table(
            files,
            &resolver,
            (w, *span, "`assets`"),
            &mut used,
            &mut out,
        )
    });
    let (columns, assets) = match raw {
        Some(raw) => {
            let columns = raw.columns.clone();
            let assets = columns::check(&raw, &mut out);
            (columns, assets)
        }
        None => (Vec::new(), Vec::new()),
    };
    // A `model` cell names an impact model relative to the register file.
    if let Some(i) = columns.iter().position(|c| c == "model") {
        for asset in &assets {
            if let Some(Some(written)) = asset.cells.get(i)
                && let Err(e) = resolver.existing(written)
            {
                out.push(
                    asset
                        .at
                        .error(format!("asset `{}`: model `{written}` {e}", asset.id))
                        .help(
                            "`model` is the path of an impact model relative to the register file, e.g. ../models/arts-for-health.yaml",
                        ),
                );
            }
        }
    }

    let survey: Option<RawTable> = fields.survey.as_ref().and_then(|(w, span)| {
        let t = read_table(
            files,
            &resolver,
            (w, *span, "`survey`"),
            &mut used,
            &mut out,
        )?;
        check_survey(&t, &assets, *span, &file, &mut out);
        Some(t)
    });

    let params = apply_set(&fields.params, &options.set, &mut out);
    let baseline = match &fields.baseline {
        Some((written, span)) => match resolver.resolve(written, *span, "`baseline`") {
            Ok(p) => Some((p, *span)),
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };
    let script = match &fields.script {
        // A `.env` or CSV compiled as a script would be quoted in the syntax error.
        Some((written, span))
            if !crate::project::roots::has_extension(Path::new(written), &["rhai"]) =>
        {
            out.push(crate::project::roots::not_a(
                written,
                "the rules script",
                "a Rhai script (.rhai)",
                (&file, *span),
            ));
            None
        }
        Some((written, span)) => match resolver.resolve(written, *span, "`script`") {
            Ok(p) => Some(p),
            Err(d) => {
                out.push(d);
                None
            }
        },
        None => None,
    };
    if out.has_errors() {
        return Err(out);
    }
    let rules = match script {
        Some(script) if !options.skip_rules => {
            used.push(script.clone());
            let setup = rules::Setup {
                script: &script,
                project: resolver.roots(),
                themes: &fields.themes,
                params,
                survey: survey.as_ref(),
            };
            match rules::compile(files, &setup) {
                Ok(r) => Some(r),
                Err(d) => return Err(d),
            }
        }
        _ => None,
    };
    if let Some(r) = &rules {
        used.extend(r.modules());
    }
    let register = Register {
        path: path.to_path_buf(),
        file,
        id: fields.id,
        name: fields.name,
        area: fields.area,
        wave: fields.wave,
        description: fields.description,
        baseline,
        themes: fields.themes,
        columns,
        assets,
        assets_source: fields.assets.map(|(w, _)| w).unwrap_or_default(),
        rules,
        used,
    };
    Ok((register, out))
}

/// A table the register names, read; problems go to `out`.
fn read_table(
    files: &mut dyn Files,
    resolver: &Resolver,
    (written, span, what): (&str, Span, &str),
    used: &mut Vec<PathBuf>,
    out: &mut Diagnostics,
) -> Option<RawTable> {
    let target = resolver
        .table(written, span, what)
        .map_err(|d| out.push(d))
        .ok()?;
    used.push(target.path.clone());
    table::read(files, &target).map_err(|d| out.extend(d)).ok()
}

/// The survey table needs an `asset` column; a response for an unknown asset is a warning.
fn check_survey(
    survey: &RawTable,
    assets: &[Asset],
    span: Span,
    file: &Arc<SourceFile>,
    out: &mut Diagnostics,
) {
    let Some(col) = survey.columns.iter().position(|c| c == "asset") else {
        out.push(
            Diagnostic::error(format!(
                "the survey table {} has no `asset` column",
                survey.name
            ))
            .at(file, span)
            .help(format!(
                "add a column `asset` holding the id of the asset each response is about; its columns are: {}",
                survey.columns.join(", ")
            )),
        );
        return;
    };
    let ids: std::collections::BTreeSet<&str> = assets.iter().map(|a| a.id.as_str()).collect();
    for row in &survey.rows {
        match row.cells.get(col).and_then(Option::as_deref) {
            Some(id) if ids.contains(id) => {}
            Some(id) => {
                let mut d = row
                    .at
                    .error(format!("survey response for unknown asset `{id}`"))
                    .maybe_help(suggest::did_you_mean(id, ids.iter().copied()));
                d.severity = crate::diagnostic::Severity::Warning;
                out.push(d.code("sroi::assets::survey"));
            }
            None => {
                let mut d = row.at.error("survey response without an asset id");
                d.severity = crate::diagnostic::Severity::Warning;
                out.push(
                    d.code("sroi::assets::survey")
                        .help("fill in the `asset` column, or remove the row"),
                );
            }
        }
    }
}

/// `params` with `--set` applied; an unknown name or a bad value is an error.
fn apply_set(
    params: &[(String, Decimal)],
    set: &[(String, String)],
    out: &mut Diagnostics,
) -> BTreeMap<String, Decimal> {
    let mut values: BTreeMap<String, Decimal> = params.iter().cloned().collect();
    for (name, text) in set {
        if !values.contains_key(name) {
            let help = suggest::did_you_mean(name, params.iter().map(|(n, _)| n.as_str()))
                .unwrap_or_else(|| {
                    if params.is_empty() {
                        "this register has no `params`; add e.g. `params: { min_score: 5 }`"
                            .to_owned()
                    } else {
                        format!(
                            "params in this register: {}",
                            suggest::one_of(params.iter().map(|(n, _)| n.as_str()))
                        )
                    }
                });
            out.push(
                Diagnostic::error(format!(
                    "--set {name}={text}: the register has no param `{name}`"
                ))
                .help(help),
            );
            continue;
        }
        match number::parse_literal(text, NumberKind::Signed) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(e) => out.push(
                Diagnostic::error(format!("--set {name}={text}: {}", e.message))
                    .help(format!("--set takes a number, e.g. `--set {name}=5`")),
            ),
        }
    }
    values
}

#[cfg(test)]
mod tests {
    #[test]
    fn registers_are_told_from_models() {
        assert!(super::is_register("sroi: 1\nkind: asset-register\nid: x\n"));
        assert!(!super::is_register("sroi: 1\nkind: evaluation\nid: x\n"));
        assert!(!super::is_register("sroi: 1\nid: x\n"));
        assert!(!super::is_register("[not: a map"));
    }
}
