//! Rhai errors in plain words, located in the file the analyst wrote.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{EvalAltResult, ParseError, Position};

use super::engine::Limits;
use super::tables::Table;
use crate::diagnostic::{Diagnostic, SourceFile, Span, offset_of};
use crate::suggest;

/// Where an expression sits in the YAML, so positions inside it map to the model file.
#[derive(Debug, Clone)]
pub struct ExpressionSite {
    pub file: Arc<SourceFile>,
    /// The YAML value's span.
    pub span: Span,
    /// Byte offset of the expression text's first character in the file.
    pub start: usize,
}

impl ExpressionSite {
    pub fn new(file: &Arc<SourceFile>, span: Span, expression: &str) -> Self {
        let written = file.text().get(span.offset..span.end()).unwrap_or_default();
        let start = written
            .find(expression)
            .map_or(span.offset, |i| span.offset.saturating_add(i));
        ExpressionSite {
            file: Arc::clone(file),
            span,
            start,
        }
    }

    fn locate(&self, pos: Position) -> Span {
        match (pos.line(), pos.position()) {
            // Expressions are one line; the column counts characters from its start.
            (Some(1), Some(col)) => {
                let text = self.file.text().get(self.start..).unwrap_or_default();
                let within: usize = text
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                Span::new(self.start.saturating_add(within), 1)
            }
            _ => self.span,
        }
    }
}

/// What errors are interpreted against.
pub struct ErrorContext<'a> {
    /// Script and module sources by the name Rhai knows them by.
    pub sources: &'a BTreeMap<String, Arc<SourceFile>>,
    pub tables: &'a BTreeMap<String, Table>,
    pub params: Vec<&'a str>,
    pub functions: Vec<String>,
    pub limits: Limits,
}

fn span_in(file: &SourceFile, pos: Position) -> Span {
    match (pos.line(), pos.position()) {
        (Some(line), col) => {
            let offset = offset_of(file.text(), line as u64, col.unwrap_or(1) as u64);
            let len = file
                .text()
                .get(offset..)
                .and_then(|t| t.chars().next())
                .map_or(0, char::len_utf8);
            Span::new(offset, len)
        }
        _ => Span::new(0, 0),
    }
}

/// A parse error in a script file.
pub fn script_parse_error(file: &Arc<SourceFile>, err: &ParseError) -> Diagnostic {
    let message = strip_position(&err.0.to_string());
    Diagnostic::error(format!("script syntax: {message}"))
        .at(file, span_in(file, err.1))
        .help(
            "fix the Rhai syntax at the marked place; statements end with `;` and blocks use `{ }`",
        )
}

/// A parse error in a YAML expression.
pub fn expression_parse_error(site: &ExpressionSite, err: &ParseError) -> Diagnostic {
    let message = strip_position(&err.0.to_string());
    Diagnostic::error(format!("expression syntax: {message}"))
        .at(&site.file, site.locate(err.1))
        .help("an expression is one Rhai expression after `=`, e.g. `= referrals * 0.6` or `= improved(table(\"survey\"))`")
}

/// Rhai appends " (line 3, position 7)"; we show the place ourselves.
fn strip_position(text: &str) -> String {
    match text.rfind(" (line ") {
        Some(i) if text.ends_with(')') => text.get(..i).unwrap_or(text).to_owned(),
        _ => text.to_owned(),
    }
}

/// One step of the chain of calls that led to an error.
struct Frame {
    what: String,
    at: String,
}

/// A runtime error from evaluating `site`'s expression (or a script's top level).
///
/// `script` names the script whose top level was running when there is no expression
/// (errors while loading the script).
pub fn runtime_error(
    err: &EvalAltResult,
    site: Option<&ExpressionSite>,
    script: Option<&str>,
    ctx: &ErrorContext<'_>,
) -> Diagnostic {
    // Walk into nested function calls and modules, remembering where each was called.
    let mut frames: Vec<Frame> = Vec::new();
    let mut source: Option<String> = script.map(str::to_owned);
    let mut e = err;
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(name, fn_source, inner, pos) => {
                frames.push(Frame {
                    what: format!("{name}()"),
                    at: describe(source.as_deref(), *pos, site, ctx),
                });
                if !fn_source.is_empty() {
                    source = Some(fn_source.clone());
                }
                e = inner;
            }
            EvalAltResult::ErrorInModule(path, inner, pos)
                if !matches!(**inner, EvalAltResult::ErrorRuntime(..)) =>
            {
                frames.push(Frame {
                    what: format!("import \"{path}\""),
                    at: describe(source.as_deref(), *pos, site, ctx),
                });
                source = ctx
                    .sources
                    .keys()
                    .find(|k| k.ends_with(&format!("{path}.rhai")))
                    .cloned();
                e = inner;
            }
            _ => break,
        }
    }
    let (message, help) = plain_words(e, ctx);
    let pos = e.position();
    let mut d = Diagnostic::error(message).maybe_help(Some(help).filter(|h| !h.is_empty()));
    match source.as_ref().and_then(|s| ctx.sources.get(s)) {
        Some(file) => d = d.at(file, span_in(file, pos)),
        None => {
            if let Some(site) = site {
                d = d.at(&site.file, site.locate(pos));
            }
        }
    }
    if !frames.is_empty() {
        let chain: Vec<String> = frames
            .iter()
            .map(|f| format!("{} called at {}", f.what, f.at))
            .collect();
        let chain = format!("call chain: {}", chain.join(" → "));
        d = match d.help.take() {
            Some(help) => d.help(format!("{help}\n{chain}")),
            None => d.help(chain),
        };
    }
    d
}

fn describe(
    source: Option<&str>,
    pos: Position,
    site: Option<&ExpressionSite>,
    ctx: &ErrorContext<'_>,
) -> String {
    match source.and_then(|s| ctx.sources.get(s)) {
        Some(file) => file.locate(span_in(file, pos)),
        None => match site {
            Some(site) => site.file.locate(site.locate(pos)),
            None => "?".to_owned(),
        },
    }
}

fn all_columns<'a>(ctx: &'a ErrorContext<'_>) -> Vec<(&'a str, &'a str)> {
    ctx.tables
        .values()
        .flat_map(|t| t.columns.iter().map(move |c| (t.name.as_str(), c.as_str())))
        .collect()
}

fn column_hint(name: &str, ctx: &ErrorContext<'_>) -> String {
    let columns = all_columns(ctx);
    if let Some(best) = suggest::closest(name, columns.iter().map(|(_, c)| *c))
        && let Some((table, _)) = columns.iter().find(|(_, c)| *c == best)
    {
        let header = ctx
            .tables
            .get(*table)
            .map(|t| t.columns.join(", "))
            .unwrap_or_default();
        return format!("did you mean `{best}`? Table `{table}` has columns: {header}");
    }
    if ctx.tables.is_empty() {
        "check the spelling of the name".to_owned()
    } else {
        let listing: Vec<String> = ctx
            .tables
            .values()
            .map(|t| format!("`{}`: {}", t.name, t.columns.join(", ")))
            .collect();
        format!("columns available: {}", listing.join("; "))
    }
}

/// Rhai names a missing function like `- ((), decimal)`: name, then argument types.
fn has_unit_argument(signature: &str) -> bool {
    let args = signature
        .split_once(" (")
        .map_or("", |(_, a)| a.trim_end_matches(')'));
    args.split(',').any(|a| a.trim() == "()")
}

fn plain_words(e: &EvalAltResult, ctx: &ErrorContext<'_>) -> (String, String) {
    let limits = ctx.limits;
    match e {
        EvalAltResult::ErrorPropertyNotFound(name, _) => (
            format!("no column or property `{name}`"),
            column_hint(name, ctx),
        ),
        EvalAltResult::ErrorVariableNotFound(name, _) => {
            let hint = suggest::did_you_mean(name, ctx.params.iter().copied())
                .unwrap_or_else(|| format!("params usable as variables: {}", suggest::one_of(ctx.params.iter().copied())));
            (format!("unknown variable `{name}`"), hint)
        }
        EvalAltResult::ErrorFunctionNotFound(signature, _) if has_unit_argument(signature) => (
            format!("a value is `()` (nothing) where a number was expected, in `{}`", signature.trim()),
            "`()` usually comes from an empty CSV cell or a function that returned nothing; \
             skip empty cells with `if row.score == () { continue; }`"
                .to_owned(),
        ),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let name = signature.split(['(', ' ']).next().unwrap_or(signature);
            let hint = suggest::did_you_mean(name, ctx.functions.iter().map(String::as_str))
                .unwrap_or_else(|| "`sroi functions` lists the functions sroi provides; check the argument types too".to_owned());
            (format!("no function `{}`", signature.trim()), hint)
        }
        EvalAltResult::ErrorTooManyOperations(_) => (
            format!("the script ran too long (more than {} operations)", limits.operations),
            "look for a loop that never ends or recursion without a base case".to_owned(),
        ),
        EvalAltResult::ErrorStackOverflow(_) => (
            format!("function calls nested more than {} deep", limits.call_levels),
            "look for recursion without a base case".to_owned(),
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => (
            format!("{what} grew beyond the limit (strings {} characters, arrays {} items, maps {} entries)",
                limits.string_size, limits.array_size, limits.map_size),
            "look for a loop that keeps growing a string, array or map; a data table counts \
             every cell against these limits"
                .to_owned(),
        ),
        EvalAltResult::ErrorTooManyModules(_) => (
            format!("more than {} modules imported", limits.modules),
            "look for modules that import each other".to_owned(),
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) if !path.contains(['/', '.', ' ']) => (
            format!("unknown module `{path}`"),
            format!(
                "an expression can call the script's functions but not the modules it imports; \
                 define a function in the script that uses `{path}::...` and call that"
            ),
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) => (
            format!("module not found: {path}"),
            "imports name a file under the project's `scripts/` folder without `.rhai`, e.g. `import \"lib/wellbeing\" as w;`".to_owned(),
        ),
        EvalAltResult::ErrorInModule(path, inner, _) => (
            format!("cannot import \"{path}\": {}", strip_position(&inner.to_string()).trim_start_matches("Runtime error: ")),
            "imports name a file under the project's `scripts/` folder without `.rhai`, e.g. `import \"lib/wellbeing\" as w;`".to_owned(),
        ),
        EvalAltResult::ErrorArithmetic(message, _) => (
            format!("arithmetic error: {message}"),
            "check for division by zero or figures too large for exact decimals".to_owned(),
        ),
        EvalAltResult::ErrorRuntime(value, _) => match value.read_lock::<rhai::Map>() {
            // sroi's own functions raise a map with a message and its help.
            Some(map) => (
                map.get("message").map(|m| m.to_string()).unwrap_or_default(),
                map.get("help").map(|h| h.to_string()).unwrap_or_default(),
            ),
            None => (strip_position(&value.to_string()), String::new()),
        },
        EvalAltResult::ErrorParsing(kind, _) => (format!("script syntax: {kind}"), "fix the syntax at the marked place".to_owned()),
        other => (strip_position(&other.to_string()), "see the Rhai message above".to_owned()),
    }
}
