"""Time `sroi simulate` (the whole command) against numpy_simulate.py (the whole script),
alternating runs, and compare their statistics. Run from the repository root after
`cargo build --release`:

    python3 benches/simulate/compare.py [RUNS]
"""
import json
import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 11
MODEL = "benches/simulate/three-outcomes.yaml"
SROI = ["target/release/sroi", "simulate", MODEL, "--draws", "100000", "--format", "json"]
NUMPY = [sys.executable, "benches/simulate/numpy_simulate.py", "100000"]


def timed(cmd):
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - start, out


times = {"sroi": [], "numpy": []}
for _ in range(RUNS):
    for name, cmd in (("sroi", SROI), ("numpy", NUMPY)):
        t, out = timed(cmd)
        times[name].append(t)
        if name == "sroi":
            sroi_out = json.loads(out)
        else:
            numpy_out = json.loads(out)

for name, ts in times.items():
    print(f"{name:6} median {statistics.median(ts):.3f} s  (min {min(ts):.3f}, max {max(ts):.3f}, {RUNS} runs)")

print("\nstatistic                 sroi          numpy   (different generators: agree within sampling error)")
for measure in ("ratio", "total_present_value"):
    for k in ("mean", "sd", "p5", "p50", "p95"):
        print(f"{measure[:5]:5} {k:4}  {float(sroi_out[measure][k]):14.4f} {numpy_out[measure][k]:14.4f}")
print(f"P(ratio>=1)  {float(sroi_out['probability_ratio_at_least_1']):14.4f} {numpy_out['probability_ratio_at_least_1']:14.4f}")
for d in sroi_out["drivers"]:
    key = f"{d['outcome']}.{d['variable']}" if "outcome" in d else f"inputs.{d['input']}.value"
    print(f"rho {key:32} {float(d['spearman']):8.4f} {numpy_out['drivers'][key]:8.4f}")
