//! Rhai errors in plain words, located in the file the analyst wrote.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{EvalAltResult, ParseError, Position};

use super::engine::Limits;
use super::table::Table;
use crate::diagnostic::{Diagnostic, SourceFile, Span, offset_of};
use crate::suggest;

/// Where an expression sits in the YAML, so positions inside it map to the model file.
#[derive(Debug, Clone)]
pub struct ExpressionSite {
    pub file: Arc<SourceFile>,
    /// The YAML value's span.
    pub span: Span,
    /// For each character of the expression, its byte offset in the file. Quoted YAML
    /// escapes (`\"` is one character written as two) make this more than a shift.
    offsets: Vec<usize>,
}

/// The characters a YAML scalar's source stands for, each with the byte offset (in the
/// source) it was written at: double-quoted escapes and single-quoted `''` undone.
fn unescape_with_offsets(written: &str) -> Vec<(char, usize)> {
    let mut out = Vec::new();
    let mut chars = written.char_indices().peekable();
    match written.chars().next() {
        Some('"') => {
            chars.next();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        let Some((_, e)) = chars.next() else { break };
                        let digits = match e {
                            'x' => 2,
                            'u' => 4,
                            'U' => 8,
                            _ => 0,
                        };
                        let mut code = String::new();
                        for _ in 0..digits {
                            if let Some((_, d)) = chars.next() {
                                code.push(d);
                            }
                        }
                        let unescaped = match e {
                            'n' => '\n',
                            't' => '\t',
                            '0' => '\0',
                            'x' | 'u' | 'U' => u32::from_str_radix(&code, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('?'),
                            other => other,
                        };
                        out.push((unescaped, i));
                    }
                    other => out.push((other, i)),
                }
            }
        }
        Some('\'') => {
            chars.next();
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                        out.push(('\'', i));
                        continue;
                    }
                    break;
                }
                out.push((c, i));
            }
        }
        _ => out.extend(chars.map(|(i, c)| (c, i))),
    }
    out
}

impl ExpressionSite {
    pub fn new(file: &Arc<SourceFile>, span: Span, expression: &str) -> Self {
        let written = file.text().get(span.offset..span.end()).unwrap_or_default();
        let value = unescape_with_offsets(written);
        let text: String = value.iter().map(|(c, _)| *c).collect();
        let offsets = match text.find(expression) {
            Some(byte) => {
                let first = text.get(..byte).map_or(0, |t| t.chars().count());
                value
                    .iter()
                    .skip(first)
                    .take(expression.chars().count())
                    .map(|(_, i)| span.offset.saturating_add(*i))
                    .collect()
            }
            None => Vec::new(),
        };
        ExpressionSite {
            file: Arc::clone(file),
            span,
            offsets,
        }
    }

    /// The span in the file of the expression's characters `start..start + len`.
    pub fn span_of_chars(&self, start: usize, len: usize) -> Span {
        let first = self.offsets.get(start).copied();
        let last = start
            .checked_add(len)
            .and_then(|e| e.checked_sub(1))
            .and_then(|e| self.offsets.get(e).copied());
        match (first, last) {
            (Some(a), Some(b)) if b >= a => Span::new(a, b.saturating_sub(a).saturating_add(1)),
            _ => self.span,
        }
    }

    fn locate(&self, pos: Position) -> Span {
        match (pos.line(), pos.position()) {
            // Expressions are one line; the column counts characters from its start.
            (Some(1), Some(col)) => match self.offsets.get(col.saturating_sub(1)) {
                Some(offset) => {
                    let len = self
                        .file
                        .text()
                        .get(*offset..)
                        .and_then(|t| t.chars().next())
                        .map_or(1, char::len_utf8);
                    Span::new(*offset, len)
                }
                None => self.span,
            },
            _ => self.span,
        }
    }
}

/// What errors are interpreted against.
pub struct ErrorContext<'a> {
    /// Script and module sources by the name Rhai knows them by.
    pub sources: &'a BTreeMap<String, Arc<SourceFile>>,
    pub tables: &'a BTreeMap<String, Table>,
    pub params: Vec<String>,
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
        .code("sroi::script::syntax")
        .at(file, span_in(file, err.1))
        .help(
            "fix the Rhai syntax at the marked place; statements end with `;` and blocks use `{ }`",
        )
}

/// A parse error in a YAML expression.
pub fn expression_parse_error(site: &ExpressionSite, err: &ParseError) -> Diagnostic {
    let message = strip_position(&err.0.to_string());
    Diagnostic::error(format!("expression syntax: {message}")).code("sroi::script::expression")
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

/// The chain of calls that led to an error: each frame, the source the innermost one
/// ran in, and the innermost error.
fn walk<'e>(
    err: &'e EvalAltResult,
    site: Option<&ExpressionSite>,
    script: Option<&str>,
    ctx: &ErrorContext<'_>,
) -> (Vec<Frame>, Option<String>, &'e EvalAltResult) {
    // Walk into nested function calls and modules, remembering where each was called.
    let mut frames: Vec<Frame> = Vec::new();
    let mut source: Option<String> = script.map(str::to_owned);
    let mut e = err;
    loop {
        match e {
            EvalAltResult::ErrorInFunctionCall(name, fn_source, inner, pos) => {
                frames.push(Frame {
                    what: if name.starts_with("anon$") {
                        "a closure".to_owned()
                    } else {
                        format!("{name}()")
                    },
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
    (frames, source, e)
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
    let (frames, source, e) = walk(err, site, script, ctx);
    // Did the error happen in the YAML expression itself (not inside a script function)?
    let in_expression = site.is_some() && source.is_none();
    let (message, help) = plain_words(e, ctx, in_expression);
    located(message, help, &frames, source, e.position(), site, ctx)
}

/// A limit (`limit`, which Rhai reports at the expression) placed where `place` (the
/// same rule run again and stopped just before the limit, see `locate`) says it was hit.
pub fn limit_error(
    limit: &EvalAltResult,
    place: &EvalAltResult,
    site: &ExpressionSite,
    ctx: &ErrorContext<'_>,
) -> Diagnostic {
    let (frames, source, e) = walk(place, Some(site), None, ctx);
    let (message, help) = plain_words(limit, ctx, source.is_none());
    located(
        message,
        help,
        &frames,
        source,
        e.position(),
        Some(site),
        ctx,
    )
}

/// The diagnostic at `pos` in `source` (else in the expression), with the call chain.
fn located(
    message: String,
    help: String,
    frames: &[Frame],
    source: Option<String>,
    pos: Position,
    site: Option<&ExpressionSite>,
    ctx: &ErrorContext<'_>,
) -> Diagnostic {
    let mut d = Diagnostic::error(message)
        .code("sroi::script::runtime")
        .maybe_help(Some(help).filter(|h| !h.is_empty()));
    match source.as_ref().and_then(|s| ctx.sources.get(s)) {
        Some(file) => d = d.at(file, span_in(file, pos)),
        None => {
            if let Some(site) = site {
                d = d.at(&site.file, site.locate(pos));
            }
        }
    }
    if !frames.is_empty() {
        let chain = format!("call chain: {}", chain_words(frames));
        d = match d.help.take() {
            Some(help) => d.help(format!("{help}\n{chain}")),
            None => d.help(chain),
        };
    }
    d
}

/// `f() called at a.rhai:3:5 → g() called at …`, a recursion's repeated calls said once
/// with their count.
fn chain_words(frames: &[Frame]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(frame) = frames.get(i) {
        let repeats = frames
            .iter()
            .skip(i)
            .take_while(|f| f.what == frame.what && f.at == frame.at)
            .count();
        let times = if repeats > 1 {
            format!(" ({repeats} times)")
        } else {
            String::new()
        };
        words.push(format!("{} called at {}{times}", frame.what, frame.at));
        i = i.saturating_add(repeats.max(1));
    }
    words.join(" → ")
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

fn plain_words(e: &EvalAltResult, ctx: &ErrorContext<'_>, in_expression: bool) -> (String, String) {
    let limits = ctx.limits;
    match e {
        EvalAltResult::ErrorPropertyNotFound(name, _) => (
            format!("no column or property `{name}`"),
            column_hint(name, ctx),
        ),
        EvalAltResult::ErrorVariableNotFound(name, _) => {
            let params = ctx.params.iter().map(String::as_str);
            let hint = suggest::did_you_mean(name, params.clone()).unwrap_or_else(|| {
                if ctx.params.is_empty() {
                    "declare it with `let` first; params from the model are variables too (this model has none)".to_owned()
                } else {
                    format!("declare it with `let` first; params usable as variables: {}", suggest::one_of(params))
                }
            });
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
            let hint = if ctx.functions.iter().any(|f| f == name) {
                format!("`{name}` exists but takes other arguments; check how many it needs and their types")
            } else {
                suggest::did_you_mean(name, ctx.functions.iter().map(String::as_str)).unwrap_or_else(|| {
                    "`sroi functions` lists the functions sroi provides; check the argument types too".to_owned()
                })
            };
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
        // Rhai's own size limits are off (the memory budget replaces them); a length
        // that does not fit the machine's word still comes this way.
        EvalAltResult::ErrorDataTooLarge(what, _) => (
            format!("{} is too large", what.to_lowercase()),
            "look for a loop that keeps growing a string, array or map, or a size computed from a wrong figure".to_owned(),
        ),
        EvalAltResult::ErrorTooManyModules(_) => (
            format!("more than {} modules imported", limits.modules),
            "look for modules that import each other".to_owned(),
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) if in_expression && !path.contains(['/', '.', ' ']) => (
            format!("unknown module `{path}`"),
            format!(
                "an expression can call the script's functions but not the modules it imports; \
                 define a function in the script that uses `{path}::...` and call that"
            ),
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) if !path.contains(['/', '.', ' ']) => (
            format!("unknown module `{path}`"),
            format!("import it at the top of the script, e.g. `import \"lib/{path}\" as {path};`"),
        ),
        EvalAltResult::ErrorModuleNotFound(path, _) => (
            format!("module not found: {path}"),
            "imports name a file under the project's `scripts/` folder without `.rhai`, e.g. `import \"lib/wellbeing\" as w;`".to_owned(),
        ),
        EvalAltResult::ErrorInModule(path, inner, _) => (
            format!("cannot import \"{path}\": {}", strip_position(&inner.to_string()).trim_start_matches("Runtime error: ")),
            "imports name a file under the project's `scripts/` folder without `.rhai`, e.g. `import \"lib/wellbeing\" as w;`".to_owned(),
        ),
        EvalAltResult::ErrorAssignmentToConstant(name, _) => (
            format!("`{name}` is a constant and cannot be changed"),
            format!("copy it into a variable first, e.g. `let my_{name} = {name};`, and change the copy"),
        ),
        EvalAltResult::ErrorArithmetic(message, _) => (
            format!("arithmetic error: {message}"),
            "check for division by zero or figures too large for exact decimals".to_owned(),
        ),
        // The deadline or the memory budget (`budget`), when no variable read came first.
        EvalAltResult::ErrorTerminated(value, _) |
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn site(yaml: &str, expression: &str) -> (Arc<SourceFile>, ExpressionSite) {
        let file = SourceFile::new(Path::new("m.yaml"), yaml.to_owned());
        let start = yaml.find(": ").unwrap() + 2;
        let span = Span::new(start, yaml.trim_end().len() - start);
        let site = ExpressionSite::new(&file, span, expression);
        (file, site)
    }

    #[test]
    fn positions_inside_quoted_expressions_survive_escapes() {
        // `table(\"s\")` is written with escapes; Rhai counts characters of the unescaped text.
        let (file, s) = site(
            r#"quantity: "= f(table(\"s\"), bad)""#,
            r#"f(table("s"), bad)"#,
        );
        let bad = r#"f(table("s"), "#.chars().count() + 1;
        let at = s.locate(Position::new(1, u16::try_from(bad).unwrap()));
        assert_eq!(&file.text()[at.offset..at.offset + 3], "bad");
        let (file, s) = site("quantity: 'it''s(x)'", "s(x)");
        let at = s.locate(Position::new(1, 3));
        assert_eq!(&file.text()[at.offset..at.offset + 1], "x");
        let (file, s) = site("quantity: = a + b", "a + b");
        let at = s.locate(Position::new(1, 5));
        assert_eq!(&file.text()[at.offset..at.offset + 1], "b");
    }
}
