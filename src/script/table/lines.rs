//! Which CSV line each row starts on, in a few words of memory.
//!
//! Rows normally sit one per line after the header, so a row's line follows from its
//! index; only a quoted cell spanning lines or a skipped empty line breaks the pattern,
//! and each break is recorded once.

#[derive(Debug, Default, Clone)]
pub struct LineMap {
    /// (row, line) where row `row` starts on `line` and the rows after it follow on.
    breaks: Vec<(u32, u64)>,
    /// Line the next row would start on if the pattern holds.
    expected: u64,
}

impl LineMap {
    pub fn push(&mut self, row: u32, line: u64) {
        if self.breaks.is_empty() || line != self.expected {
            self.breaks.push((row, line));
        }
        self.expected = line.saturating_add(1);
    }

    /// The 1-based line row `row` starts on.
    pub fn line(&self, row: u32) -> u64 {
        let i = self.breaks.partition_point(|(r, _)| *r <= row);
        match i.checked_sub(1).and_then(|i| self.breaks.get(i)) {
            Some((r, l)) => l.saturating_add(u64::from(row - r)),
            None => u64::from(row).saturating_add(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_rows_across_breaks() {
        let mut m = LineMap::default();
        // rows 0,1 on lines 2,3; row 2 spans lines 4-5; row 3 on 6; an empty line; row 4 on 8.
        for (row, line) in [(0, 2), (1, 3), (2, 4), (3, 6), (4, 8)] {
            m.push(row, line);
        }
        assert_eq!(
            (0..5).map(|r| m.line(r)).collect::<Vec<_>>(),
            [2, 3, 4, 6, 8]
        );
        assert_eq!(m.breaks.len(), 3);
    }
}
