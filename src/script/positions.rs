//! Scripts whose positions Rhai cannot state.
//!
//! Rhai counts lines and columns in `u16` and saturates at 65,535, so an error past
//! that would be reported at a wrong place. Such a script is refused before it is
//! compiled, at the first place that cannot be named exactly.

/// The largest line or column number Rhai can report.
pub const MAX_POSITION: usize = u16::MAX as usize;

/// Where a script first goes beyond what Rhai can locate, and why: the byte offset of
/// the first character of line 65,536, or of column 65,536 of a longer line.
pub fn beyond_positions(text: &str) -> Option<(usize, String)> {
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
}
