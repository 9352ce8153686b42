//! Summary statistics of simulated draws, each defined as the common tools define it:
//! percentiles by linear interpolation between closest ranks (numpy's default), the
//! sample standard deviation (n − 1), 20 equal-width histogram bins from the smallest to
//! the largest draw (numpy's edges and bin rule), Spearman's ρ with average ranks.
//!
//! Every sum runs in draw order, so results do not depend on how draws were computed.

use std::cmp::Ordering;

/// Mean, sd and percentiles of one measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

pub fn summary(values: &[f64]) -> Summary {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = if values.len() > 1 {
        (squares / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Summary {
        mean,
        sd,
        p5: percentile(&sorted, 0.05),
        p25: percentile(&sorted, 0.25),
        p50: percentile(&sorted, 0.5),
        p75: percentile(&sorted, 0.75),
        p95: percentile(&sorted, 0.95),
    }
}

/// numpy's `percentile(method="linear")` of sorted values: index h = (n − 1)·q, then
/// linear interpolation between the values at floor(h) and floor(h) + 1 (numpy's lerp).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let h = last as f64 * q;
    let lo = (h.floor() as usize).min(last);
    let hi = (lo + 1).min(last);
    let t = h - lo as f64;
    let (a, b) = (
        sorted.get(lo).copied().unwrap_or(f64::NAN),
        sorted.get(hi).copied().unwrap_or(f64::NAN),
    );
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: usize,
}

pub const BINS: usize = 20;

/// 20 equal-width contiguous bins from the smallest to the largest value; the last bin
/// includes its upper edge. When every value is the same, the bins span value ± 0.5 (as
/// numpy does).
pub fn histogram(values: &[f64]) -> Vec<Bin> {
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if values.is_empty() {
        return Vec::new();
    }
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    let width = hi - lo;
    // numpy's linspace: start + k·step, the last edge exactly `hi`.
    let step = width / BINS as f64;
    let edges: Vec<f64> = (0..=BINS)
        .map(|k| if k == BINS { hi } else { lo + k as f64 * step })
        .collect();
    let mut counts = [0usize; BINS];
    for v in values {
        let mut i = (((v - lo) / width) * BINS as f64) as usize;
        i = i.min(BINS - 1);
        // Correct for rounding so each value falls between the edges printed.
        if edges.get(i).is_some_and(|e| v < e) {
            i = i.saturating_sub(1);
        } else if i + 1 < BINS && edges.get(i + 1).is_some_and(|e| v >= e) {
            i += 1;
        }
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    (0..BINS)
        .map(|i| Bin {
            from: edges.get(i).copied().unwrap_or(lo),
            to: edges.get(i + 1).copied().unwrap_or(hi),
            count: counts.get(i).copied().unwrap_or(0),
        })
        .collect()
}

/// Ranks 1..=n, ties sharing the average of the ranks they span.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    // Sorting (value, position) pairs keeps the sort in contiguous memory.
    let mut order: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while let Some((value, _)) = order.get(start).copied() {
        let mut end = start + 1;
        while order
            .get(end)
            .is_some_and(|(v, _)| v.total_cmp(&value) == Ordering::Equal)
        {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their average:
        let average = (start + 1 + end) as f64 / 2.0;
        for (_, i) in order.get(start..end).unwrap_or_default() {
            if let Some(r) = ranks.get_mut(*i) {
                *r = average;
            }
        }
        start = end;
    }
    ranks
}

/// Pearson's correlation; `None` when either side does not vary.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len()) as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman's ρ: Pearson's correlation of average ranks.
pub fn spearman(x: &[f64], y_ranks: &[f64]) -> Option<f64> {
    pearson(&ranks(x), y_ranks)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn percentiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15 1.75 2.5 3.25 3.85
        let v = [1.0, 2.0, 3.0, 4.0];
        let got: Vec<f64> = [0.05, 0.25, 0.5, 0.75, 0.95]
            .iter()
            .map(|q| percentile(&v, *q))
            .collect();
        for (g, want) in got.iter().zip([1.15, 1.75, 2.5, 3.25, 3.85]) {
            assert!((g - want).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn ties_share_average_ranks() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
        // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic = 0.9486832980505138
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &ranks(&[1.0, 3.0, 2.0, 4.0])).unwrap();
        assert!((rho - 0.948_683_298_050_513_8).abs() < 1e-12);
    }

    #[test]
    fn histogram_bins_are_numpys() {
        // numpy.histogram(range(21), bins=20): one value per bin, two in the last.
        let v: Vec<f64> = (0..=20).map(f64::from).collect();
        let h = histogram(&v);
        assert_eq!(h.len(), 20);
        assert_eq!(
            h.iter().map(|b| b.count).collect::<Vec<_>>(),
            [vec![1; 19], vec![2]].concat()
        );
        assert_eq!((h[0].from, h[19].to), (0.0, 20.0));
        let flat = histogram(&[3.0, 3.0]);
        assert_eq!((flat[0].from, flat[19].to, flat[10].count), (2.5, 3.5, 2));
    }

    #[test]
    fn sample_sd() {
        let s = summary(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert!((s.mean - 5.0).abs() < 1e-12);
        assert!((s.sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
    }
}
