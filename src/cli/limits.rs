//! `--timeout` and `--script-memory`: how long one evaluation may run and how much its
//! script values may hold. Shared by every command that evaluates scripts.

use std::time::Duration;

use clap::Args;

use crate::script::Limits;
use crate::script::engine::{DEFAULT_MEMORY, DEFAULT_TIMEOUT};

/// The longest `--timeout` accepted: a day. Beyond it a typo is likelier than a need.
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

#[derive(Debug, Clone, Args)]
pub struct LimitOptions {
    /// Seconds one evaluation may take (decimals allowed, e.g. 0.5); a script still running
    /// then stops with an error.
    ///
    /// One evaluation: a model's rules under one scenario (one draw of `simulate`, one
    /// step of `sensitivity`), a script's top level when it is loaded.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Memory, in MiB, that the values a script builds may hold during one evaluation.
    #[arg(long, value_name = "MIB", default_value = "128", value_parser = parse_memory)]
    pub script_memory: usize,
}

impl Default for LimitOptions {
    fn default() -> Self {
        LimitOptions {
            timeout: DEFAULT_TIMEOUT,
            script_memory: DEFAULT_MEMORY,
        }
    }
}

impl LimitOptions {
    pub fn limits(&self) -> Limits {
        Limits {
            timeout: self.timeout,
            memory: self.script_memory,
            ..Limits::default()
        }
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.trim().parse().map_err(|_| {
        format!("`{text}` should be a number of seconds, e.g. --timeout 30 or --timeout 0.5")
    })?;
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS) {
        return Err(format!(
            "`{text}`: the timeout must be more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds (a day)"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// MiB on the command line, bytes inside.
fn parse_memory(text: &str) -> Result<usize, String> {
    let usage = || {
        format!(
            "`{text}` should be a whole number of MiB from 1 to 1048576, e.g. --script-memory 512"
        )
    };
    let mib: usize = text.trim().parse().map_err(|_| usage())?;
    if !(1..=1_048_576).contains(&mib) {
        return Err(usage());
    }
    mib.checked_mul(1024 * 1024).ok_or_else(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_seconds_with_decimals() {
        assert_eq!(parse_timeout("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("1e9").is_err());
        assert!(parse_timeout("ten").is_err());
    }

    #[test]
    fn memory_reads_mib() {
        assert_eq!(parse_memory("256"), Ok(256 * 1024 * 1024));
        assert!(parse_memory("0").is_err());
        assert!(parse_memory("1.5").is_err());
    }
}
