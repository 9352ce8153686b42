//! Scripts beyond what Rhai can compile and locate well.
//!
//! Rhai counts lines and columns in `u16` and saturates at 65,535, so an error past
//! that would be reported at a wrong place. And its parser looks a variable up among
//! every function defined so far, so compiling grows with functions × lines: 50,000
//! functions took 17 s and more. Such a script is refused before it is compiled, at
//! the first place past the limit, in one pass over the text.

/// The largest line or column number Rhai can report.
pub const MAX_POSITION: usize = u16::MAX as usize;

/// Most functions one script or module file may define.
pub const MAX_FUNCTIONS: usize = 1_000;

/// Where a script first goes beyond the limits, and why: the byte offset of the first
/// character of line 65,536, of column 65,536 of a longer line, or of the definition of
/// function 1,001.
pub fn beyond_positions(text: &str) -> Option<(usize, String)> {
    if let Some(at) = nth_definition(text, MAX_FUNCTIONS) {
        let place = lines_before(text, at);
        if place.0 < MAX_POSITION && place.1 < MAX_POSITION {
            return Some((
                at,
                format!("the script defines more than {MAX_FUNCTIONS} functions"),
            ));
        }
    }
    let mut line_start = 0usize;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index >= MAX_POSITION {
            return Some((
                line_start,
                format!(
                    "the script has more than {MAX_POSITION} lines, more than the script engine can locate errors in"
                ),
            ));
        }
        if let Some((at, _)) = line.char_indices().nth(MAX_POSITION) {
            return Some((
                line_start.saturating_add(at),
                format!(
                    "line {} is longer than {MAX_POSITION} characters, more than the script engine can locate errors in",
                    index.saturating_add(1)
                ),
            ));
        }
        line_start = line_start.saturating_add(line.len());
    }
    None
}

/// Byte offset of the `fn` of the `n`th (0-based) function definition (`fn name(`).
fn nth_definition(text: &str, n: usize) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut seen = 0usize;
    for (i, _) in text.match_indices("fn") {
        let before_ok = text.get(..i).is_some_and(|b| !b.ends_with(is_ident));
        let rest = text.get(i.saturating_add(2)..).unwrap_or_default();
        let name_part = rest.trim_start();
        if !before_ok || name_part.len() == rest.len() {
            continue;
        }
        let name_len = name_part
            .find(|c: char| !is_ident(c))
            .unwrap_or(name_part.len());
        let after = name_part.get(name_len..).unwrap_or_default();
        if name_len > 0 && after.trim_start().starts_with('(') {
            if seen == n {
                return Some(i);
            }
            seen = seen.saturating_add(1);
        }
    }
    None
}

/// 0-based line and column (in characters) of `at`, for choosing which limit to report.
fn lines_before(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i.saturating_add(1));
    (
        before.matches('\n').count(),
        before.get(line_start..).map_or(0, |l| l.chars().count()),
    )
}

/// What to do about it.
pub const HELP: &str = "split the script: move functions into modules under `scripts/` (`import \"lib/name\" as name;`), and break very long lines";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_past_u16_are_found() {
        assert_eq!(beyond_positions("fn f() { 1 }\n"), None);
        let long = format!("let x = \"{}\";\n", "a".repeat(70_000));
        let (at, why) = beyond_positions(&long).unwrap();
        assert_eq!(at, MAX_POSITION);
        assert!(why.contains("line 1 is longer"), "{why}");
        let exactly = "a".repeat(MAX_POSITION);
        assert_eq!(beyond_positions(&exactly), None);
        let many = "1;\n".repeat(MAX_POSITION + 1);
        let (at, why) = beyond_positions(&many).unwrap();
        assert_eq!(at, MAX_POSITION * 3);
        assert!(why.contains("more than 65535 lines"), "{why}");
        assert_eq!(beyond_positions(&"1;\n".repeat(MAX_POSITION)), None);
    }

    #[test]
    fn more_than_1000_functions_are_refused_at_the_1001st() {
        let script: String = (0..1_000)
            .map(|i| format!("fn f{i}(x) {{ x }}\n"))
            .collect();
        assert_eq!(beyond_positions(&script), None);
        let more = format!("{script}// fnord(\nfn  last (x) {{ x }}\n");
        let (at, why) = beyond_positions(&more).unwrap();
        assert_eq!(at, more.find("fn  last").unwrap());
        assert!(why.contains("more than 1000 functions"), "{why}");
    }
}
