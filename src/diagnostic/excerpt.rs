//! What a rendered diagnostic quotes: a few lines around the span, clipped and escaped.
//!
//! miette quotes whole lines and pads with `format!` widths, which are `u16`: a marker
//! past column 65,535 panicked ("Formatting argument out of range"). Quoting the whole
//! file through miette also scanned it from the start for every diagnostic, so thousands
//! of errors in a large file took minutes. Here the quoted text is cut from the file by
//! its line index, each line clipped to a window around the span (`…` marks the cut),
//! control characters escaped, and miette is told the true line and column for the
//! header.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::{SourceFile, Span};
use crate::text;

/// Characters of a quoted line shown before the span starts, when the line is cut.
const LEAD: usize = 60;
/// Characters of a quoted line shown at most.
const WINDOW: usize = 160;
/// Lines of a multi-line span quoted at most; a longer span is marked to its first line's end.
const MAX_SPAN_LINES: usize = 12;

/// The quoted lines of one diagnostic, as miette's source.
#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// 0-based line number of the excerpt's first line in the file.
    first_line: usize,
    /// The span in `text`.
    pub span: Span,
    /// 0-based line and column (in characters) of the span's start in the file.
    line: usize,
    column: usize,
}

impl Excerpt {
    /// The excerpt around `span` of `file`, with one line of context either side.
    pub fn new(file: &SourceFile, span: Span) -> Excerpt {
        let source = file.text();
        let start = floor_boundary(source, span.offset);
        let end = floor_boundary(source, span.end()).max(start);
        let (line, column) = file.line_col(start);
        let (line, column) = (line.saturating_sub(1), column.saturating_sub(1));
        let (mut last_line, _) = file.line_col(end);
        last_line = last_line.saturating_sub(1);
        let end = if last_line.saturating_sub(line) >= MAX_SPAN_LINES {
            last_line = line;
            file.line_range(line).1
        } else {
            end
        };
        let first = line.saturating_sub(1);
        let last = last_line
            .saturating_add(1)
            .min(file.line_count().saturating_sub(1))
            .max(last_line);
        // Lines are cut only when the span's line is longer than the window and the span
        // would not show in a window from the start.
        let (span_line_start, span_line_end) = file.line_range(line);
        let span_line_chars = source
            .get(span_line_start..span_line_end)
            .map_or(0, |l| l.chars().count());
        let window_start = if span_line_chars <= WINDOW || column < WINDOW.saturating_sub(LEAD) {
            0
        } else {
            column.saturating_sub(LEAD)
        };

        let mut text = String::new();
        let (mut span_start, mut span_end) = (None, None);
        for n in first..=last.max(first) {
            let (line_start, line_end) = file.line_range(n);
            let raw = source.get(line_start..line_end).unwrap_or_default();
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if window_start > 0 && raw.chars().nth(window_start).is_some() {
                text.push('…');
            }
            let mut shown = 0usize;
            let mut clipped = false;
            for (index, (i, c)) in raw.char_indices().enumerate() {
                let at = line_start.saturating_add(i);
                if at == start {
                    span_start = Some(text.len());
                }
                if at == end && span_start.is_some() && span_end.is_none() {
                    span_end = Some(text.len());
                }
                if index < window_start {
                    continue;
                }
                if shown >= WINDOW {
                    clipped = true;
                    break;
                }
                text::push_visible(&mut text, c);
                shown = shown.saturating_add(1);
            }
            let at_line_end = line_start.saturating_add(raw.len());
            if span_start.is_none() && (at_line_end..=line_end.max(at_line_end)).contains(&start) {
                span_start = Some(text.len());
            }
            if span_start.is_some() && span_end.is_none() && (clipped || end <= at_line_end) {
                span_end = Some(text.len());
            }
            if clipped {
                text.push('…');
            }
            text.push('\n');
        }
        let span_start = span_start.unwrap_or(0);
        let span_end = span_end.unwrap_or(text.len()).max(span_start);
        Excerpt {
            name: text::visible(&file.name).into_owned(),
            text,
            first_line: first,
            span: Span::new(span_start, span_end.saturating_sub(span_start)),
            line,
            column,
        }
    }
}

/// The largest char boundary of `text` at or below `offset`.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset = offset.saturating_sub(1);
    }
    offset
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        // The header shows where the span starts in the file, not in the excerpt.
        let column = if span.offset() == self.span.offset
            && context_lines_before == 0
            && context_lines_after == 0
        {
            self.column
        } else {
            inner.column()
        };
        let line = if span.offset() == self.span.offset
            && context_lines_before == 0
            && context_lines_after == 0
        {
            self.line
        } else {
            inner.line().saturating_add(self.first_line)
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}
