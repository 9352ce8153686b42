//! Where a command's output goes: stdout for reports, stderr for diagnostics. Every
//! command (and watch mode) writes through `Io`, so tests capture both.

use std::io::{IsTerminal, Write};

use crate::diagnostic::{self, Diagnostics, Style};

/// Exit statuses: 0 success, 1 invalid model or input, 2 bad command line.
pub const EXIT_INVALID: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Where output goes, so tests can capture it.
pub struct Io<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub style: Style,
}

impl Io<'_> {
    pub fn report(&mut self, diagnostics: &Diagnostics) {
        if !diagnostics.is_empty() {
            let _ = self
                .stderr
                .write_all(diagnostic::render(diagnostics, self.style).as_bytes());
        }
    }
}

/// Colour only for a terminal, and never when NO_COLOR is set.
pub fn default_style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !no_color {
        Style::Color
    } else {
        Style::Plain
    }
}
