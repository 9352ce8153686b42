//! The one diagnostic type every stage reports through.
//!
//! A `Diagnostic` names a file, a byte span in it, what is wrong and what to do.
//! Rendering is miette's graphical report (file:line:column, the offending line with
//! a marker, and the help text), so every stage looks the same to the analyst.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

mod excerpt;
use excerpt::Excerpt;

/// A byte range in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

impl Span {
    pub const fn new(offset: usize, len: usize) -> Self {
        Span { offset, len }
    }
    pub fn end(self) -> usize {
        self.offset.saturating_add(self.len)
    }
}

/// The text of a file the analyst wrote, kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (relative paths kept relative, `a/../b` folded).
    pub name: String,
    /// The path used to read the file.
    pub path: PathBuf,
    named: NamedSource<Arc<str>>,
    /// Byte offset where each line starts, built on first use: locating is a binary
    /// search, so thousands of diagnostics in a large file cost no more than one read.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: &Path, text: impl Into<Arc<str>>) -> Arc<Self> {
        let name = display_path(path);
        let text: Arc<str> = text.into();
        Arc::new(SourceFile {
            named: NamedSource::new(name.clone(), text).with_language("yaml"),
            name,
            path: path.to_path_buf(),
            line_starts: OnceLock::new(),
        })
    }
    pub fn text(&self) -> &str {
        self.named.inner()
    }
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let text = self.text();
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i.saturating_add(1)))
                .collect()
        })
    }
    /// How many lines the file has: an empty file has one, empty, line; the empty
    /// "line" after a final newline is not counted.
    pub fn line_count(&self) -> usize {
        let starts = self.line_starts().len();
        if starts > 1 && self.text().ends_with('\n') {
            starts.saturating_sub(1)
        } else {
            starts
        }
    }
    /// Byte range of 0-based line `n`, without its `\n`.
    pub fn line_range(&self, n: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let len = self.text().len();
        let start = starts.get(n).copied().unwrap_or(len);
        let end = starts
            .get(n.saturating_add(1))
            .map_or(len, |next| next.saturating_sub(1));
        (start, end.max(start))
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let offset = offset.min(text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let col = text.get(start..offset).map_or_else(
            // Not on a char boundary: count the whole characters before it.
            || line_col(text, offset).1.saturating_sub(1),
            |s| s.chars().count(),
        );
        (line, col.saturating_add(1))
    }
    /// The `file:line:column` of a span, as printed in one-line messages.
    pub fn locate(&self, span: Span) -> String {
        let (line, col) = self.line_col(span.offset);
        format!("{}:{line}:{col}", self.name)
    }
}

/// Fold `.` and `..` lexically and use `/`, so messages show `scripts/x.rhai`
/// rather than `models/../scripts/x.rhai`.
pub fn display_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for component in path.components() {
        match component {
            Component::RootDir => absolute = true,
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..".into());
                }
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count().saturating_add(1);
    let line_start = before.rfind('\n').map_or(0, |i| i.saturating_add(1));
    let col = before.get(line_start..).map_or(0, |s| s.chars().count());
    (line, col.saturating_add(1))
}

/// Byte offset of a 1-based line and column (in characters).
pub fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1) == line {
            let col = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
            let within: usize = l.chars().take(col).map(char::len_utf8).sum();
            return offset.saturating_add(within);
        }
        offset = offset.saturating_add(l.len());
    }
    text.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// A stable name for the kind of problem (`sroi::model`, `sroi::script::runtime`, …),
    /// for tools that read `check --format json`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The file the problem is in, if any, and where in it.
    pub file: Option<Arc<SourceFile>>,
    pub span: Option<Span>,
    /// Short text under the marker, e.g. "unknown stakeholder".
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// A file path to name when there is no text to quote (e.g. a missing file).
    pub path: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            code: "sroi::error",
            severity: Severity::Error,
            message: message.into(),
            file: None,
            span: None,
            label: None,
            help: None,
            path: None,
        }
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            code: "sroi::warning",
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
    pub fn at(mut self, file: &Arc<SourceFile>, span: Span) -> Self {
        self.file = Some(Arc::clone(file));
        self.span = Some(span);
        self
    }
    pub fn in_file(mut self, path: &Path) -> Self {
        self.path = Some(display_path(path));
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Add help only when there is some (e.g. an optional did-you-mean).
    pub fn maybe_help(self, help: Option<String>) -> Self {
        match help {
            Some(h) => self.help(h),
            None => self,
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic as rendered: its text escaped and its source an `Excerpt`, never the
/// whole file (see `excerpt`).
struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    help: Option<String>,
    label: Option<String>,
    excerpt: Option<Excerpt>,
}

impl<'a> Rendered<'a> {
    fn new(d: &'a Diagnostic) -> Self {
        let excerpt = match (&d.file, d.span) {
            (Some(file), Some(span)) => Some(Excerpt::new(file, span)),
            _ => None,
        };
        Rendered {
            diagnostic: d,
            message: crate::text::visible(&d.to_string()).into_owned(),
            help: d
                .help
                .as_deref()
                .map(|h| crate::text::visible(h).into_owned()),
            label: d
                .label
                .as_deref()
                .map(|l| crate::text::visible(l).into_owned()),
            excerpt,
        }
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.excerpt.as_ref().map(|e| e as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.excerpt.as_ref()?.span;
        let label = LabeledSpan::new(self.label.clone(), span.offset, span.len);
        Some(Box::new(std::iter::once(label)))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, &self.path) {
            // With a quoted source, miette prints the location in the snippet header.
            (Some(_), _) | (None, None) => f.write_str(&self.message),
            (None, Some(path)) => write!(f, "{path}: {}", self.message),
        }
    }
}

impl std::error::Error for Diagnostic {}

impl Diagnostic {
    /// The file it concerns, as shown to the user.
    pub fn file_name(&self) -> Option<String> {
        self.file
            .as_ref()
            .map(|f| f.name.clone())
            .or_else(|| self.path.clone())
    }
    /// 1-based line and column, when it points into a file's text.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        Some(self.file.as_ref()?.line_col(self.span?.offset))
    }
    /// As JSON for machines: `{code, severity, file, line, column, message, help}`.
    pub fn to_json(&self) -> serde_json::Value {
        let (line, column) = self.line_col().unzip();
        serde_json::json!({
            "code": self.code,
            "severity": match self.severity {
                Severity::Warning => "warning",
                Severity::Error => "error",
            },
            "file": self.file_name(),
            "line": line,
            "column": column,
            "message": self.message,
            "help": self.help,
        })
    }
}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.file.as_ref().map(|f| &f.named as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        self.file.as_ref()?;
        let label = LabeledSpan::new(self.label.clone(), span.offset, span.len);
        Some(Box::new(std::iter::once(label)))
    }
}

/// Problems collected across a stage; stages add to it and carry on, so that one run
/// reports everything it can find.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.0.len().saturating_sub(self.errors())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// How diagnostics are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colour and Unicode box drawing, for a terminal.
    Color,
    /// Unicode without colour: files, pipes and tests.
    Plain,
}

/// Render diagnostics in order, then a one-line count.
pub fn render(diagnostics: &Diagnostics, style: Style) -> String {
    let theme = match style {
        Style::Color => GraphicalTheme::unicode(),
        Style::Plain => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diagnostics.iter() {
        if handler.render_report(&mut out, &Rendered::new(d)).is_err() {
            // Rendering into a String cannot fail, but never lose the message.
            out.push_str(&crate::text::visible(&d.to_string()));
            out.push('\n');
        }
    }
    let (errors, warnings) = (diagnostics.errors(), diagnostics.warnings());
    if errors > 0 {
        out.push_str(&format!(
            "{} found{}\n",
            plural(errors, "error"),
            if warnings > 0 {
                format!(", {}", plural(warnings, "warning"))
            } else {
                String::new()
            }
        ));
    }
    out
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncé: x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, text.find('x').unwrap()), (2, 5));
        assert_eq!(offset_of(text, 2, 5), text.find('x').unwrap());
    }

    #[test]
    fn display_path_folds_parent_components() {
        assert_eq!(
            display_path(Path::new("models/../scripts/a.rhai")),
            "scripts/a.rhai"
        );
        assert_eq!(display_path(Path::new("./models/a.yaml")), "models/a.yaml");
        assert_eq!(display_path(Path::new("../x/a.yaml")), "../x/a.yaml");
    }

    fn rendered(text: &str, span: Span) -> String {
        let file = SourceFile::new(Path::new("m.yaml"), text.to_owned());
        let d = Diagnostic::error("bad").at(&file, span).label("here");
        render(&Diagnostics::from(d), Style::Plain)
    }

    #[test]
    fn odd_spans_render_with_their_true_position() {
        // At the end of the file, past it, across many lines, in a CRLF file, inside a
        // multi-byte character, on a very long line, and in an empty file.
        let text = "a: 1\nb: 2\n";
        assert!(rendered(text, Span::new(10, 0)).contains("m.yaml:3:1]"));
        assert!(rendered(text, Span::new(99, 5)).contains("m.yaml:3:1]"));
        let many: String = (0..100).map(|i| format!("k{i}: v\n")).collect();
        let out = rendered(&many, Span::new(0, many.len()));
        assert!(out.contains("m.yaml:1:1]"), "{out}");
        assert!(out.lines().count() < 30, "{out}");
        assert!(rendered("a: 1\r\nb: 2\r\n", Span::new(9, 1)).contains("m.yaml:2:4]"));
        assert!(rendered("é: x\n", Span::new(1, 3)).contains("m.yaml:1:1]"));
        let long = format!("a: {}zz\n", "y".repeat(200_000));
        let out = rendered(&long, Span::new(200_003, 2));
        assert!(out.contains("m.yaml:1:200004]"), "{out}");
        assert!(out.contains("…yyy"), "{out}");
        assert!(out.len() < 2_000, "{out}");
        assert!(rendered("", Span::new(0, 0)).contains("m.yaml:1:1]"));
    }

    #[test]
    fn line_col_is_the_same_with_and_without_the_index() {
        let text = "ab\ncé: x\n\nlast";
        let file = SourceFile::new(Path::new("m.yaml"), text);
        for offset in 0..=text.len() + 2 {
            if text.is_char_boundary(offset.min(text.len())) {
                assert_eq!(file.line_col(offset), line_col(text, offset), "{offset}");
            }
        }
    }

    #[test]
    fn rendered_error_shows_location_line_and_help() {
        let file = SourceFile::new(Path::new("m.yaml"), "id: x\nname: 3\n");
        let d = Diagnostic::error("bad name")
            .at(&file, Span::new(12, 1))
            .label("here")
            .help("quote it");
        let out = render(&Diagnostics::from(d), Style::Plain);
        assert!(out.contains("m.yaml:2:7"), "{out}");
        assert!(out.contains("name: 3"), "{out}");
        assert!(out.contains("quote it"), "{out}");
        assert!(out.ends_with("1 error found\n"), "{out}");
    }
}
