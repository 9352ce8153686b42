//! `sroi check`: validate models and proxy sets, all of them, reporting every problem.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{CheckArgs, CheckFormat, EXIT_INVALID, Io};
use crate::diagnostic::{Diagnostics, SourceFile, display_path, plural};
use crate::evaluate;
use crate::model::yaml::{Node, Value};
use crate::project::roots::{Owner, Roots};
use crate::project::{self, LoadCache, SharedCache};
use crate::proxy::{self, load::Referrer};
use crate::source::{DiskFiles, DiskLoader, Files, Loader, unreadable};

/// What a YAML file is, judged by its top-level keys.
enum FileKind {
    Model,
    ProxySet,
    Register,
    Deflator,
}

/// A file read once, its YAML parsed once (or why it could not be), and what it is.
struct Looked {
    kind: FileKind,
    file: Option<Arc<SourceFile>>,
    tree: Option<Result<Node, Diagnostics>>,
}

fn look(files: &mut DiskFiles, path: &Path) -> Looked {
    let Ok(file) = files.read(path) else {
        return Looked {
            kind: FileKind::Model,
            file: None,
            tree: None,
        };
    };
    let tree = crate::model::load::parse_yaml(&file);
    let kind = match &tree {
        Ok(root) => kind_of(root),
        Err(_) => FileKind::Model,
    };
    Looked {
        kind,
        file: Some(file),
        tree: Some(tree),
    }
}

fn kind_of(root: &Node) -> FileKind {
    if crate::assets::is_register_tree(root) {
        return FileKind::Register;
    }
    let Value::Map(entries) = &root.value else {
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

type Checked = Result<(String, Diagnostics), Diagnostics>;

/// Check every file, reading through `loader`: in parallel, models sharing proxy sets,
/// deflators and scripts through one cache; results in the order given. Each file is
/// read and its YAML parsed once.
fn check_all(loader: &Arc<dyn Loader>, args: &CheckArgs) -> Vec<Checked> {
    let shared = Arc::new(SharedCache::default());
    args.files
        .par_iter()
        .map(|path| {
            let mut files = DiskFiles::new(Arc::clone(loader));
            let looked = look(&mut files, path);
            match looked.kind {
                FileKind::ProxySet => check_set(&mut files, path, args),
                FileKind::Register => check_register(&mut files, path, args),
                FileKind::Deflator => check_deflator(&mut files, path, looked.file),
                FileKind::Model => check_model(&mut files, path, looked, args, &shared),
            }
        })
        .collect()
}

pub fn check(args: &CheckArgs, io: &mut Io<'_>) -> i32 {
    let mut failed = 0usize;
    let mut report = Vec::new();
    let loader: Arc<dyn Loader> = Arc::new(DiskLoader);
    let results = check_all(&loader, args);
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
    looked: Looked,
    args: &CheckArgs,
    shared: &Arc<SharedCache>,
) -> Checked {
    let (model, read) = match (looked.file, looked.tree) {
        (Some(file), Some(Ok(root))) => crate::model::read_model_tree(&file, &root),
        (Some(_), Some(Err(syntax))) => return Err(syntax),
        _ => {
            // Read again only to say why it cannot be read.
            let e = files
                .read(path)
                .err()
                .unwrap_or_else(|| std::io::Error::other("it could not be read"));
            return Err(Diagnostics::from(unreadable(path, "the model", &e).help(
                "check the path; models are YAML files such as models/arts-for-health.yaml",
            )));
        }
    };
    let Some(model) = model else {
        return Err(read);
    };
    let mut cache = LoadCache::sharing(Arc::clone(shared));
    let (project, mut warnings) =
        project::load_parsed(files, model, read, &args.options.load_options(), &mut cache)?;
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

fn check_deflator(files: &mut DiskFiles, path: &Path, file: Option<Arc<SourceFile>>) -> Checked {
    let file = match file {
        Some(file) => file,
        None => files
            .read(path)
            .map_err(|e| Diagnostics::from(unreadable(path, "the deflator series", &e)))?,
    };
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::sync::Mutex;

    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// The disk, counting how often each file's bytes were asked for.
    #[derive(Default)]
    struct CountingLoader {
        reads: Mutex<BTreeMap<PathBuf, usize>>,
    }

    impl CountingLoader {
        fn count(&self, path: &Path) {
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            *self.reads.lock().unwrap().entry(key).or_default() += 1;
        }
    }

    impl Loader for CountingLoader {
        fn load(&self, path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
            self.count(path);
            DiskLoader.load(path, limit)
        }
        fn list_dir(&self, dir: &Path) -> Vec<String> {
            DiskLoader.list_dir(dir)
        }
        fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
            DiskLoader.canonicalize(path)
        }
        fn size(&self, path: &Path) -> std::io::Result<u64> {
            DiskLoader.size(path)
        }
        fn open(&self, path: &Path, limit: u64) -> std::io::Result<Box<dyn std::io::Read + Send>> {
            self.count(path);
            DiskLoader.open(path, limit)
        }
    }

    fn copy_tree(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    #[test]
    fn each_file_is_read_once_however_many_models_share_it() {
        let root = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(root.path()).unwrap();
        copy_tree(Path::new("models"), &root.join("models"));
        copy_tree(Path::new("scripts"), &root.join("scripts"));
        // Five copies of one model (one script, its tables, the uk set and the GDP
        // deflator), and two other models naming the same set and deflator.
        let text = std::fs::read_to_string("models/arts-for-health.yaml").unwrap();
        let mut models = Vec::new();
        for i in 0..5 {
            let path = root.join(format!("models/copy-{i}.yaml"));
            std::fs::write(&path, &text).unwrap();
            models.push(path);
        }
        models.push(root.join("models/movema-dance.yaml"));
        models.push(root.join("models/shared-reading.yaml"));
        let mut argv = vec![PathBuf::from("sroi"), PathBuf::from("check")];
        argv.extend(models.iter().cloned());
        let Command::Check(args) = Cli::try_parse_from(&argv).unwrap().command else {
            unreachable!("parsed as check")
        };
        let counting = Arc::new(CountingLoader::default());
        let loader: Arc<dyn Loader> = Arc::clone(&counting) as Arc<dyn Loader>;
        let results = check_all(&loader, &args);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let reads = counting.reads.lock().unwrap();
        // A library module is run once per script that imports it, not once per model:
        // its top level may read that script's tables, so each runtime has its own copy.
        let lib = root.join("scripts/lib");
        let more_than_once: Vec<_> = reads
            .iter()
            .filter(|(path, n)| **n > 1 && !(path.starts_with(&lib) && **n <= 3))
            .collect();
        assert!(
            more_than_once.is_empty(),
            "read more than once: {more_than_once:?}"
        );
        // And everything each model needs was read: the models, the set, the deflator,
        // the scripts and their tables.
        for path in &models {
            assert_eq!(reads.get(path), Some(&1), "{path:?}");
        }
        for shared in [
            "models/proxies/uk.yaml",
            "models/deflators/ons-gdp-deflator.yaml",
            "scripts/arts-for-health.rhai",
            "models/data/arts-for-health-attendance.csv",
        ] {
            assert_eq!(reads.get(&root.join(shared)), Some(&1), "{shared}");
        }
    }
}
