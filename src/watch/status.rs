//! The one-line status under a watched report: how long it took and what moved.

use rust_decimal::Decimal;

use crate::evaluate::Evaluation;
use crate::report::{cash, fixed};

/// How the ratio moved since the last good run, e.g. `ratio 3.04 -> 3.12 (+0.08)`.
pub fn ratio_change(before: Option<&Evaluation>, now: &Evaluation) -> String {
    let show = |r: Option<Decimal>| r.map_or("none".to_owned(), |r| fixed(r, 2));
    match before {
        None => format!("ratio {}", show(now.ratio)),
        Some(b) => match (b.ratio, now.ratio) {
            (Some(x), Some(y)) => {
                // The change between the figures as shown, so `3.59 -> 3.58` reads `(-0.01)`.
                let (x, y) = (fixed(x, 2), fixed(y, 2));
                let delta = match (x.parse::<Decimal>(), y.parse::<Decimal>()) {
                    (Ok(a), Ok(b)) => b.checked_sub(a).unwrap_or_default(),
                    _ => Decimal::ZERO,
                };
                let sign = if delta.is_sign_negative() { "" } else { "+" };
                format!("ratio {x} -> {y} ({sign}{})", fixed(delta, 2))
            }
            (x, y) => format!("ratio {} -> {}", show(x), show(y)),
        },
    }
}

/// The outcomes whose present value changed most (up to `n`), largest change first.
pub fn most_changed(before: Option<&Evaluation>, now: &Evaluation, n: usize) -> Vec<String> {
    let Some(before) = before else {
        return Vec::new();
    };
    let mut changes: Vec<(Decimal, &str)> = now
        .outcomes
        .iter()
        .filter_map(|o| {
            let old = before
                .outcomes
                .iter()
                .find(|b| b.id == o.id)
                .map_or(Decimal::ZERO, |b| b.present_value);
            let delta = o.present_value.checked_sub(old)?;
            (!delta.is_zero()).then_some((delta, o.id.as_str()))
        })
        .collect();
    for b in &before.outcomes {
        if !now.outcomes.iter().any(|o| o.id == b.id) && !b.present_value.is_zero() {
            changes.push((-b.present_value, b.id.as_str()));
        }
    }
    changes.sort_by(|a, b| b.0.abs().cmp(&a.0.abs()).then(a.1.cmp(b.1)));
    changes
        .into_iter()
        .take(n)
        .map(|(delta, id)| {
            let sign = if delta.is_sign_negative() { "" } else { "+" };
            format!("{id} {sign}{}", cash(delta, &now.currency))
        })
        .collect()
}

/// The redrawn terminal screen after a failed evaluation, where the eye is: the status
/// line and the errors at the top, then the last good report (evaluation `number`), marked
/// stale, cut to fit the screen's `rows` so the top never scrolls away.
pub fn failed_screen(
    status: &str,
    errors: &str,
    last_good: Option<(usize, &str)>,
    rows: Option<usize>,
) -> String {
    let mut out = format!("── {status}\n{errors}");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let Some((number, report)) = last_good else {
        out.push_str("── no good report yet: fix the errors above and save\n");
        return out;
    };
    out.push_str(&format!(
        "── last good report (evaluation {number}, stale: the files changed since and now have errors) ──\n"
    ));
    let lines: Vec<&str> = report.lines().collect();
    // Rows left under the top part, less one for the note and one for the cursor.
    let room = rows.map(|rows| rows.saturating_sub(out.lines().count().saturating_add(2)));
    match room {
        Some(room) if room < lines.len() => {
            for line in lines.iter().take(room) {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&format!(
                "── … {} more lines of the stale report; fix the errors to see the current one\n",
                lines.len().saturating_sub(room)
            ));
        }
        _ => {
            out.push_str(report);
            if !report.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// `HH:MM:SS UTC` from seconds since the epoch (std has no local time zone).
pub fn clock(unix_seconds: u64) -> String {
    let day = unix_seconds % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        day / 3600,
        (day % 3600) / 60,
        day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "report line 1\nreport line 2\nreport line 3\nreport line 4\n";

    #[test]
    fn a_failed_screen_puts_status_and_errors_on_top_of_the_stale_report() {
        let screen = failed_screen(
            "evaluation 3 failed",
            "× bad\n  help: fix\n",
            Some((2, REPORT)),
            None,
        );
        assert_eq!(
            screen,
            "── evaluation 3 failed\n× bad\n  help: fix\n\
             ── last good report (evaluation 2, stale: the files changed since and now have errors) ──\n\
             report line 1\nreport line 2\nreport line 3\nreport line 4\n"
        );
    }

    #[test]
    fn a_failed_screen_fits_the_terminal_so_its_top_stays_in_view() {
        // 8 rows: 4 lines on top, the note, the cursor: 2 report lines fit.
        let screen = failed_screen(
            "evaluation 3 failed",
            "× bad\n  help: fix\n",
            Some((2, REPORT)),
            Some(8),
        );
        assert!(
            screen.starts_with("── evaluation 3 failed\n× bad\n"),
            "{screen}"
        );
        assert!(
            screen.contains("report line 2\n── … 2 more lines of the stale report"),
            "{screen}"
        );
        assert!(!screen.contains("report line 3"), "{screen}");
        assert_eq!(screen.lines().count(), 7, "{screen}");
        // A tall enough terminal shows it all.
        let all = failed_screen("s", "e\n", Some((2, REPORT)), Some(50));
        assert!(all.ends_with("report line 4\n"), "{all}");
        // Errors taller than the screen: the top (status, first errors) still comes first.
        let tiny = failed_screen("s", "e1\ne2\ne3\n", Some((2, REPORT)), Some(3));
        assert!(tiny.starts_with("── s\ne1\n"), "{tiny}");
        assert!(tiny.contains("── … 4 more lines"), "{tiny}");
    }

    #[test]
    fn a_failed_screen_without_a_good_report_says_so() {
        let screen = failed_screen("evaluation 1 failed", "× bad\n", None, Some(10));
        assert!(
            screen.ends_with("── no good report yet: fix the errors above and save\n"),
            "{screen}"
        );
    }

    #[test]
    fn clock_reads_hours_minutes_seconds() {
        assert_eq!(clock(0), "00:00:00 UTC");
        assert_eq!(clock(86_400 + 3_600 * 13 + 60 * 4 + 5), "13:04:05 UTC");
    }
}
