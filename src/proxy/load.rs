//! Proxy-set files and their `extends` chains.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Proxy, ProxySet};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceFile, Span};
use crate::model::fields::Reader;
use crate::model::load::{currency, parse_yaml, price_year, source, version};
use crate::model::number::NumberKind;
use crate::model::types::Located;
use crate::model::yaml::Node;
use crate::project::roots::{self, Roots};
use crate::source::{Files, dir_of, unreadable};
use crate::suggest;

const SET_KEYS: &[&str] = &[
    "sroi",
    "id",
    "name",
    "description",
    "currency",
    "price_year",
    "extends",
    "proxies",
];
const PROXY_KEYS: &[&str] = &["value", "unit", "description", "source", "price_year"];

/// One proxy-set file as written.
#[derive(Debug, Clone)]
pub struct ProxySetFile {
    pub file: Arc<SourceFile>,
    pub id: Located<String>,
    pub name: String,
    pub description: Option<String>,
    pub currency: Located<String>,
    pub price_year: Option<u16>,
    pub extends: Option<Located<String>>,
    pub proxies: Vec<Proxy>,
}

/// How a proxy set is named: a bare name or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetReference {
    /// `uk`: a file found by convention.
    Name(String),
    /// `../licensed/hact.yaml`: a path.
    Path(PathBuf),
}

impl SetReference {
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        if t.contains('/') || t.contains('\\') || t.ends_with(".yaml") || t.ends_with(".yml") {
            SetReference::Path(PathBuf::from(t))
        } else {
            SetReference::Name(t.to_owned())
        }
    }
}

/// Where a reference points. Names look in `names_dir` (`proxies/` beside a model, or the
/// set's own folder for `extends`); paths are relative to `base_dir`.
pub fn resolve_reference(reference: &SetReference, base_dir: &Path, names_dir: &Path) -> PathBuf {
    match reference {
        SetReference::Name(name) => names_dir.join(format!("{name}.yaml")),
        SetReference::Path(path) => base_dir.join(path),
    }
}

/// Read and check one proxy-set file (no `extends` resolution).
pub fn read_set_file(file: &Arc<SourceFile>) -> (Option<ProxySetFile>, Diagnostics) {
    let root = match parse_yaml(file) {
        Ok(root) => root,
        Err(d) => return (None, d),
    };
    let mut r = Reader::new(Arc::clone(file));
    let set = set_from(&root, &mut r);
    (set, r.finish())
}

fn set_from(root: &Node, r: &mut Reader) -> Option<ProxySetFile> {
    let mut f = r.mapping(root, "the proxy set")?;
    version(&mut f, r);
    let id = f
        .required(r, "id")
        .and_then(|n| r.id(n, "proxy set id", '-'));
    let name = f.required(r, "name").and_then(|n| r.text(n, "name"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let currency = f.required(r, "currency").and_then(|n| currency(n, r));
    let set_year = f.optional("price_year").and_then(|n| price_year(n, r));
    let extends = f
        .optional("extends")
        .and_then(|n| r.located_text(n, "extends"));
    let mut proxies = Vec::new();
    if let Some(node) = f.required(r, "proxies")
        && let Some(mut pf) = r.mapping(node, "`proxies`")
    {
        for key in pf.keys() {
            let Some(body) = pf.get(&key.value) else {
                continue;
            };
            let key_node = Node {
                value: crate::model::yaml::Value::String(key.value.clone()),
                span: key.span,
            };
            let Some(id) = r.id(&key_node, "proxy id", '_') else {
                continue;
            };
            if let Some(p) = proxy(id, body, set_year, r) {
                proxies.push(p);
            }
        }
        pf.finish(r, &[]);
    }
    f.finish(r, SET_KEYS);
    let id = id?;
    for p in &mut proxies {
        p.set.clone_from(&id.value);
    }
    Some(ProxySetFile {
        file: Arc::clone(&r.file),
        id,
        name: name?,
        description,
        currency: currency?,
        price_year: set_year,
        extends,
        proxies,
    })
}

fn proxy(id: Located<String>, node: &Node, set_year: Option<u16>, r: &mut Reader) -> Option<Proxy> {
    let mut f = r.mapping(node, &format!("proxy `{}`", id.value))?;
    let value_node = f.required(r, "value");
    // Values in a proxy set are literals: a set is data that many models share.
    let value = value_node.and_then(|n| {
        let field = r.number(n, NumberKind::Signed, "value")?;
        if field.literal().is_none() {
            r.error(n.span, "expressions are not allowed in proxy sets", Some("write the figure itself; compute it in the model if it depends on the programme".into()));
        }
        field.literal()
    });
    let unit = f.optional("unit").and_then(|n| r.text(n, "unit"));
    let description = f
        .optional("description")
        .and_then(|n| r.text(n, "description"));
    let source = source(&mut f, r);
    let year = f.optional("price_year").and_then(|n| price_year(n, r));
    f.finish(r, PROXY_KEYS);
    Some(Proxy {
        span: id.span,
        id: id.value,
        value: value?,
        unit,
        description,
        source: source?,
        price_year: year.or(set_year),
        rebased: None,
        set: String::new(),
        file: Arc::clone(&r.file),
    })
}

/// Where the first set of a chain was named, for pointing at when it cannot be found.
pub struct Referrer<'a> {
    pub file: Option<&'a Arc<SourceFile>>,
    pub span: Option<Span>,
}

/// Load a set and everything it extends, child values winning.
///
/// `path` is the first file; `referrer` is where it was named (the model's `proxies:`
/// line, or nothing for `--proxies`). Each `extends` must stay inside `roots` (the
/// first file is the caller's to check: a command-line path may be anywhere).
pub fn load_set(
    files: &mut dyn Files,
    path: &Path,
    label: &str,
    referrer: Referrer<'_>,
    roots: &Roots,
) -> Result<ProxySet, Diagnostics> {
    let mut chain: Vec<ProxySetFile> = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut next = path.to_path_buf();
    let mut next_label = label.to_owned();
    let mut named_at: (Option<Arc<SourceFile>>, Option<Span>) =
        (referrer.file.cloned(), referrer.span);
    loop {
        let key = normalise(&next);
        if let Some(pos) = paths.iter().position(|p| *p == key) {
            let mut names: Vec<&str> = chain.iter().skip(pos).map(|s| s.id.as_str()).collect();
            names.push(chain.get(pos).map_or("?", |s| s.id.as_str()));
            let mut d = Diagnostic::error(format!(
                "proxy sets extend each other in a cycle: {}",
                names.join(" → ")
            ))
            .code("sroi::proxy-set")
            .help("remove one `extends` so the chain ends at a set that extends nothing");
            if let (Some(file), Some(span)) = named_at.clone() {
                d = d.at(&file, span).label("this `extends` closes the cycle");
            }
            return Err(d.into());
        }
        let file = match files.read(&next) {
            Ok(f) => f,
            Err(err) => return Err(missing_set(files, &next, &next_label, &err, named_at).into()),
        };
        // A file is parsed (and so quoted in errors) only once it is an sroi file, whether
        // another file or the command line (`--proxies`, perhaps through a link) named it.
        if !roots::is_sroi_yaml(file.text()) {
            return Err(match &named_at {
                (Some(at), Some(span)) => {
                    let what = if paths.is_empty() {
                        "proxy set"
                    } else {
                        "`extends`"
                    };
                    roots::not_a(&next_label, what, "an sroi proxy set", (at, *span))
                }
                _ => not_a_set_file(&next_label, &next),
            }
            .into());
        }
        let (set, diagnostics) = read_set_file(&file);
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let Some(set) = set else {
            return Err(diagnostics);
        };
        paths.push(key);
        let parent = set.extends.clone();
        chain.push(set);
        let Some(parent) = parent else { break };
        let dir = dir_of(&next);
        let reference = SetReference::parse(&parent.value);
        next = resolve_reference(&reference, &dir, &dir);
        let written = match &reference {
            SetReference::Name(name) => PathBuf::from(format!("{name}.yaml")),
            SetReference::Path(path) => path.clone(),
        };
        roots
            .refuse_outside(
                files.loader().as_ref(),
                &dir,
                &written,
                (&file, parent.span),
                "`extends`",
            )
            .map_err(Diagnostics::from)?;
        next_label = parent.value.clone();
        named_at = (Some(Arc::clone(&file)), Some(parent.span));
    }
    flatten(chain)
}

/// The refusal of a set named on the command line that is not an sroi file: it names the
/// file, and shows none of it.
fn not_a_set_file(label: &str, path: &Path) -> Diagnostic {
    Diagnostic::error(format!(
        "proxy set `{label}` is not an sroi proxy-set file (it has no `sroi: 1` line), so sroi will not read it"
    ))
    .code("sroi::proxy-set")
    .in_file(path)
    .help("name a proxy-set YAML file, which starts with `sroi: 1`: a set's name in models/proxies/, or its path")
}

fn normalise(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| PathBuf::from(crate::diagnostic::display_path(path)))
}

fn missing_set(
    files: &mut dyn Files,
    path: &Path,
    label: &str,
    err: &std::io::Error,
    named_at: (Option<Arc<SourceFile>>, Option<Span>),
) -> Diagnostic {
    let dir = dir_of(path);
    let available: Vec<String> = files
        .list_dir(&dir)
        .into_iter()
        .filter_map(|n| n.strip_suffix(".yaml").map(str::to_owned))
        .collect();
    let shown = crate::diagnostic::display_path(path);
    // Suggest in the form the user wrote: a bare name, or a path with the same folder.
    let written: Vec<String> = match label.rsplit_once('/') {
        Some((folder, _)) => available
            .iter()
            .map(|n| format!("{folder}/{n}.yaml"))
            .collect(),
        None => available.clone(),
    };
    let help =
        suggest::did_you_mean(label, written.iter().map(String::as_str)).unwrap_or_else(|| {
            if available.is_empty() {
                format!("create {shown}, or name an existing set")
            } else {
                format!(
                    "sets in {}: {}",
                    crate::diagnostic::display_path(&dir),
                    suggest::one_of(written.iter().map(String::as_str))
                )
            }
        });
    let reason = unreadable(path, "the proxy set", err).message;
    let message = format!("proxy set `{label}`: {reason} ({shown})");
    match named_at {
        (Some(file), Some(span)) => Diagnostic::error(message)
            .code("sroi::proxy-set")
            .at(&file, span)
            .label("named here")
            .help(help),
        _ => Diagnostic::error(message)
            .code("sroi::proxy-set")
            .help(help),
    }
}

/// Root first, children override; check currencies agree along the chain.
fn flatten(chain: Vec<ProxySetFile>) -> Result<ProxySet, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    for pair in chain.windows(2) {
        if let [child, parent] = pair
            && child.currency.value != parent.currency.value
        {
            diagnostics.push(
                Diagnostic::error(format!(
                    "proxy set `{}` is in {} but extends `{}`, which is in {}",
                    child.id.value, child.currency.value, parent.id.value, parent.currency.value
                ))
                .code("sroi::proxy-set")
                .at(&child.file, child.currency.span)
                .help("a set and the sets it extends must share one currency"),
            );
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let Some(head) = chain.first() else {
        return Err(Diagnostic::error("empty proxy-set chain")
            .code("sroi::proxy-set")
            .into());
    };
    let (id, name, currency, price_year) = (
        head.id.value.clone(),
        head.name.clone(),
        head.currency.value.clone(),
        head.price_year,
    );
    let ids: Vec<String> = chain.iter().map(|s| s.id.value.clone()).collect();
    let files: Vec<Arc<SourceFile>> = chain.iter().map(|s| Arc::clone(&s.file)).collect();
    let mut proxies: BTreeMap<String, Proxy> = BTreeMap::new();
    for set in chain.into_iter().rev() {
        for p in set.proxies {
            // An override may leave out `unit` and `description`: they are the parent's.
            let p = match proxies.remove(&p.id) {
                Some(parent) => Proxy {
                    unit: p.unit.or(parent.unit),
                    description: p.description.or(parent.description),
                    ..p
                },
                None => p,
            };
            proxies.insert(p.id.clone(), p);
        }
    }
    Ok(ProxySet {
        id,
        name,
        currency,
        price_year,
        chain: ids,
        files,
        proxies,
    })
}
