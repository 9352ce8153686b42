"""The simulation of three-outcomes.yaml written with numpy, as an analyst would: the
same distributions, redraws outside each figure's domain, SROI present values, and the
statistics `sroi simulate` reports. Used by compare.py to time both side by side and to
check that the two independent implementations agree within sampling error.

Usage: python3 numpy_simulate.py [DRAWS] [SEED]
"""
import json
import sys

import numpy as np

DRAWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
RATE = 0.035
PARTICIPANTS = 240  # params.participants in three-outcomes.yaml


def redraw(sample, ok):
    """Draw DRAWS values, redrawing those outside the domain."""
    x = sample(DRAWS)
    bad = ~ok(x)
    while bad.any():
        x[bad] = sample(int(bad.sum()))
        bad = ~ok(x)
    return x


def pert(lo, mode, hi):
    a = 1 + 4 * (mode - lo) / (hi - lo)
    b = 1 + 4 * (hi - mode) / (hi - lo)
    return lambda n: lo + (hi - lo) * rng.beta(a, b, n)


def lognormal(mean, sd):
    s2 = np.log(1 + (sd / mean) ** 2)
    return lambda n: rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)


def pv(q, p, dw, ds, at, drop, years, offset=0):
    """Present value over whole years, end-of-year discounting."""
    impact = q * p * (1 - dw) * (1 - ds) * (1 - at)
    years = np.broadcast_to(years, impact.shape)
    total = np.zeros_like(impact)
    for k in range(int(years.max())):
        y = offset + k + 1
        total += np.where(k < years, impact * (1 - drop) ** k / (1 + RATE) ** y, 0.0)
    return total


fraction = lambda x: (x >= 0) & (x <= 1)
non_negative = lambda x: x >= 0
ones = np.ones(DRAWS)

wb_q = rng.uniform(90, 126, DRAWS)
wb_dw = rng.triangular(0.15, 0.25, 0.40, DRAWS)
wb_at = rng.beta(2, 6, DRAWS)
wb_do = redraw(pert(0.30, 0.50, 0.70), fraction)
iso_p = redraw(pert(6000, 9537, 12000), non_negative)
iso_dw = rng.triangular(0.20, 0.35, 0.50, DRAWS)
iso_d = rng.choice([1, 2, 3], DRAWS)
gp_q = redraw(lambda n: rng.normal(360, 200, n), non_negative)
gp_p = redraw(lognormal(39, 8), non_negative)
input_2 = redraw(lambda n: rng.normal(25200, 2000, n), non_negative)

total_pv = (
    pv(wb_q, 1250, wb_dw, 0, wb_at, wb_do, 2)
    + pv(PARTICIPANTS * 0.2 * ones, iso_p, iso_dw, 0, 0.40, 0.50, iso_d)
    + pv(gp_q, gp_p, 0.20, 0, 0.40, 0, 1)
)
investment = 42000 + input_2
ratio = total_pv / investment
npv = total_pv - investment


def summary(x):
    p = np.percentile(x, [5, 25, 50, 75, 95])
    return {"mean": x.mean(), "sd": x.std(ddof=1), "p5": p[0], "p25": p[1], "p50": p[2], "p75": p[3], "p95": p[4]}


def ranks(x):
    """Average ranks for ties (as scipy.stats.rankdata)."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(x)]
    average = (first + 1 + last) / 2
    r = np.empty(len(x))
    r[order] = average[group]
    return r


ratio_ranks = ranks(ratio)
drivers = {
    "improved-wellbeing.quantity": wb_q,
    "improved-wellbeing.deadweight": wb_dw,
    "improved-wellbeing.attribution": wb_at,
    "improved-wellbeing.drop_off": wb_do,
    "reduced-isolation.proxy": iso_p,
    "reduced-isolation.deadweight": iso_dw,
    "reduced-isolation.duration": iso_d.astype(float),
    "fewer-gp-visits.quantity": gp_q,
    "fewer-gp-visits.proxy": gp_p,
    "inputs.2.value": input_2,
}
counts, edges = np.histogram(ratio, bins=20)
print(json.dumps({
    "draws": DRAWS,
    "ratio": summary(ratio),
    "net_present_value": summary(npv),
    "total_present_value": summary(total_pv),
    "probability_ratio_at_least_1": float((ratio >= 1).mean()),
    "histogram": [{"from": edges[i], "to": edges[i + 1], "count": int(c)} for i, c in enumerate(counts)],
    "drivers": {k: float(np.corrcoef(ranks(v), ratio_ranks)[0, 1]) for k, v in drivers.items()},
}, indent=1))
