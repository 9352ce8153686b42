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

    #[test]
    fn clock_reads_hours_minutes_seconds() {
        assert_eq!(clock(0), "00:00:00 UTC");
        assert_eq!(clock(86_400 + 3_600 * 13 + 60 * 4 + 5), "13:04:05 UTC");
    }
}
