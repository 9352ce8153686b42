//! `sroi check`: validate models and proxy sets, all of them, reporting every problem.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{CheckArgs, CheckFormat, EXIT_INVALID, Io};
use crate::diagnostic::{Diagnostics, display_path, plural};
use crate::evaluate;
use crate::model::yaml::Value;
use crate::project::roots::{Owner, Roots};
use crate::project::{self, LoadCache, SharedCache};
use crate::proxy::{self, load::Referrer};
use crate::source::{DiskFiles, Files, unreadable};

/// What a YAML file is, judged by its top-level keys.
enum FileKind {
    Model,
    ProxySet,
    Register,
    Deflator,
}

fn kind_of(files: &mut DiskFiles, path: &Path) -> FileKind {
    let Ok(file) = files.read(path) else {
        return FileKind::Model;
    };
    if crate::assets::is_register(file.text()) {
        return FileKind::Register;
    }
    let Ok(root) = crate::model::yaml::parse(file.text()) else {
        return FileKind::Model;
    };
    let Value::Map(entries) = root.value else {
        return FileKind::Model;
    };
    let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_str()).collect();
    // Keys only a model has decide it; otherwise keys only a set has (even misspelt,
    // like `proxys:`) make it a proxy set, so its messages speak of a proxy set.
    let model_only = [
        "outcomes",
        "stakeholders",
        "inputs",
        "outputs",
        "script",
        "data",
        "params",
        "discount_rate",
    ];
    if keys.iter().any(|k| model_only.contains(k)) {
        return FileKind::Model;
    }
    if keys.contains(&"index") {
        return FileKind::Deflator;
    }
    let set_like = keys.iter().any(|k| {
        ["proxies", "extends", "price_year"].contains(k)
            || crate::suggest::closest(k, ["proxies", "extends"]).is_some()
    });
    if set_like {
        FileKind::ProxySet
    } else {
        FileKind::Model
    }
}

pub fn check(args: &CheckArgs, io: &mut Io<'_>) -> i32 {
    let mut failed = 0usize;
    let mut report = Vec::new();
    // Files are checked in parallel, models sharing proxy sets and scripts through one
    // cache; results are reported in the order given.
    let shared = Arc::new(SharedCache::default());
    let results: Vec<_> = args
        .files
        .par_iter()
        .map(|path| {
            let mut files = DiskFiles::default();
            match kind_of(&mut files, path) {
                FileKind::ProxySet => check_set(&mut files, path, args),
                FileKind::Register => check_register(&mut files, path, args),
                FileKind::Deflator => check_deflator(&mut files, path),
                FileKind::Model => check_model(&mut files, path, args, &shared),
            }
        })
        .collect();
    for (path, result) in args.files.iter().zip(results) {
        if args.format == CheckFormat::Json {
            let (status, diagnostics) = match &result {
                Ok((_, warnings)) => ("ok", warnings),
                Err(d) => {
                    failed += 1;
                    ("invalid", d)
                }
            };
            report.push(serde_json::json!({
                "file": display_path(path),
                "status": status,
                "diagnostics": diagnostics.iter().map(crate::diagnostic::Diagnostic::to_json).collect::<Vec<_>>(),
            }));
            continue;
        }
        match result {
            Ok((summary, warnings)) => {
                io.report(&warnings);
                let _ = writeln!(io.stdout, "ok      {}  {summary}", display_path(path));
            }
            Err(d) => {
                failed += 1;
                io.report(&d);
                let _ = writeln!(io.stdout, "invalid {}", display_path(path));
            }
        }
    }
    if args.format == CheckFormat::Json {
        let json = serde_json::json!({ "files": report });
        let text = serde_json::to_string_pretty(&json).unwrap_or_default();
        let _ = writeln!(io.stdout, "{text}");
    }
    if failed > 0 { EXIT_INVALID } else { 0 }
}

fn check_model(
    files: &mut DiskFiles,
    path: &Path,
    args: &CheckArgs,
    shared: &Arc<SharedCache>,
) -> Result<(String, Diagnostics), Diagnostics> {
    let file = files.read(path).map_err(|e| {
        Diagnostics::from(
            unreadable(path, "the model", &e)
                .help("check the path; models are YAML files such as models/arts-for-health.yaml"),
        )
    })?;
    let mut cache = LoadCache::sharing(Arc::clone(shared));
    let (project, mut warnings) =
        project::load_cached(files, &file, &args.options.load_options(), &mut cache)?;
    // Evaluate too: whatever `run` would reject, `check` rejects, and it warns the same.
    let evaluation = evaluate::evaluate(&project)?;
    warnings.extend(evaluate::warnings(&project, &evaluation));
    let set = if evaluation.proxy_set.chain.is_empty() {
        "inline proxies only".to_owned()
    } else {
        format!("proxy set {}", evaluation.proxy_set.chain.join(" → "))
    };
    let summary = format!(
        "model, {}, {set}",
        plural(evaluation.outcomes.len(), "outcome")
    );
    Ok((summary, warnings))
}

/// An asset register: what `sroi assets check` checks (the register, its tables, rules
/// and baseline wave).
fn check_register(
    files: &mut DiskFiles,
    path: &Path,
    args: &CheckArgs,
) -> Result<(String, Diagnostics), Diagnostics> {
    use crate::assets::report::{Command, Options, run_report_with_warnings};
    let options = Options {
        set: args.options.set.clone(),
        allow_paths: args.options.allow_path.clone(),
        ..Options::default()
    };
    let (_, warnings) = run_report_with_warnings(files, path, &Command::Check, &options)?;
    Ok(("asset register".to_owned(), warnings))
}

/// A proxy set named on the command line: its `extends` stay inside its own folder (and
/// any `--allow-path`), as for `--proxies PATH`.
fn check_set(
    files: &mut DiskFiles,
    path: &Path,
    args: &CheckArgs,
) -> Result<(String, Diagnostics), Diagnostics> {
    let label = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("set")
        .to_owned();
    if let Err(e) = files.read(path) {
        return Err(unreadable(path, "the proxy set", &e).into());
    }
    let roots = Roots::of(
        files.loader().as_ref(),
        path,
        Owner::CommandLineSet,
        &args.options.allow_path,
    );
    let set = proxy::load_set(
        files,
        path,
        &label,
        Referrer {
            file: None,
            span: None,
        },
        &roots,
    )?;
    Ok((
        format!(
            "proxy set, {} proxies, chain {}",
            set.proxies.len(),
            set.chain.join(" → ")
        ),
        Diagnostics::default(),
    ))
}

fn check_deflator(
    files: &mut DiskFiles,
    path: &Path,
) -> Result<(String, Diagnostics), Diagnostics> {
    let file = files
        .read(path)
        .map_err(|e| Diagnostics::from(unreadable(path, "the deflator series", &e)))?;
    let series = crate::proxy::deflator::read_deflator(&file)?;
    Ok((
        format!(
            "deflator series, {} years ({})",
            series.index.len(),
            series.coverage()
        ),
        Diagnostics::default(),
    ))
}
