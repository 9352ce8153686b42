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

/// Most name look-ups Rhai's parser may make among functions defined above them: each
/// name in a file is compared with every function defined before it, so a file of
/// 1,000 small functions and then two million names took minutes to compile. This
/// bound keeps a compile near 0.2 s in a release build; real scripts (tens of functions, a few
/// thousand names) use a few ten-thousandths of it.
pub const MAX_LOOKUPS: u64 = 20_000_000;

/// Where a script first goes beyond the limits, and why: the byte offset of the first
/// character of line 65,536, of column 65,536 of a longer line, of the definition of
/// function 1,001, or of the name where the parser's look-ups exceed `MAX_LOOKUPS`.
pub fn beyond_positions(text: &str) -> Option<(usize, String)> {
    let position = beyond_u16(text);
    let functions = beyond_functions(text);
    // Report whichever comes first in the file.
    match (position, functions) {
        (Some(p), Some(f)) => Some(if f.0 < p.0 { f } else { p }),
        (p, f) => p.or(f),
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The function-count and look-up limits, in one pass over the names of the text.
fn beyond_functions(text: &str) -> Option<(usize, String)> {
    let bytes = text.as_bytes();
    // Past the end reads as `\0`, which is neither a name nor a space, so every loop
    // below stops there (a script ending in `fn` looped forever on a padding space).
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut defined = 0usize;
    let mut lookups = 0u64;
    let mut i = 0usize;
    while i < bytes.len() {
        if !is_ident(at(i)) {
            i = i.saturating_add(1);
            continue;
        }
        let start = i;
        while is_ident(at(i)) {
            i = i.saturating_add(1);
        }
        if at(start).is_ascii_digit() {
            continue;
        }
        if bytes.get(start..i) == Some(b"fn".as_slice()) {
            // `fn name (`: a definition.
            let mut j = i;
            while at(j) == b' ' || at(j) == b'\t' {
                j = j.saturating_add(1);
            }
            let name_start = j;
            while is_ident(at(j)) {
                j = j.saturating_add(1);
            }
            let mut k = j;
            while at(k).is_ascii_whitespace() {
                k = k.saturating_add(1);
            }
            if j > name_start && name_start > i && at(k) == b'(' {
                if defined == MAX_FUNCTIONS {
                    return Some((
                        start,
                        format!("the script defines more than {MAX_FUNCTIONS} functions"),
                    ));
                }
                defined = defined.saturating_add(1);
                i = j;
            }
            continue;
        }
        lookups = lookups.saturating_add(u64::try_from(defined).unwrap_or(u64::MAX));
        if lookups > MAX_LOOKUPS {
            return Some((
                start,
                format!(
                    "the script is too large for its {defined} functions: the script engine compares every name with every function defined above it, and by this point that is more than {MAX_LOOKUPS} comparisons"
                ),
            ));
        }
    }
    None
}

/// Where Rhai's `u16` line and column numbers run out.
fn beyond_u16(text: &str) -> Option<(usize, String)> {
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

    #[test]
    fn names_after_many_functions_are_bounded() {
        // 1,000 functions, then names: each is compared with all 1,000.
        let functions: String = (0..1_000)
            .map(|i| format!("fn f{i}(x) {{ x }}\n"))
            .collect();
        // Each function's parameter and body name `x` with k functions defined (its own
        // included): 2 × (1 + 2 + ... + 1,000).
        let own: u64 = 2 * (1..=1_000).sum::<u64>();
        let fits = usize::try_from((MAX_LOOKUPS - own) / 1_000).unwrap();
        let ok = format!("{functions}{}", "a;\n".repeat(fits));
        assert_eq!(beyond_positions(&ok), None);
        let over = format!("{ok}b;\n");
        let (at, why) = beyond_positions(&over).unwrap();
        assert_eq!(at, over.len() - 3);
        assert!(why.contains("too large for its 1000 functions"), "{why}");
        // A script that ends in `fn` (found by the fuzzer: it looped forever).
        assert_eq!(beyond_positions("fn"), None);
        assert_eq!(beyond_positions("fn "), None);
        assert_eq!(beyond_positions("fn f"), None);
        assert_eq!(beyond_positions("fn f "), None);
        // Names in strings and numbers: `1e5` is not a name.
        assert_eq!(beyond_positions("fn f() { 1e5 }\nlet s = \"é\";\n"), None);
    }
}
