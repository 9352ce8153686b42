#!/usr/bin/env bash
# sroi against the same rules in Python with polars, in one run on this machine.
#
#   benches/compare_polars.sh            # 100,000 and 1,000,000 rows
#   ROWS="100000" benches/compare_polars.sh
#
# Generates the tables (benches/gen_tables.py, seeded) under target/bench-tables, builds
# sroi in release mode, then runs each model with `sroi run` and `benches/polars_rules.py`
# under /usr/bin/time -v, checks that both give the same quantities, and prints a Markdown
# table of CPU time (user + system) and peak memory (maximum resident set size).
# Needs python3 with polars (`pip install polars`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-100000 1000000}"
OUT=target/bench-tables
cargo build --release --quiet
measure() { # prints "cpu_seconds peak_kb" for the command
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >"$log.out" 2>"$log"
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
              END {printf "%.2f %d\n", u + s, m}' "$log"
  cat "$log.out" >"$LAST_OUT"
  rm -f "$log" "$log.out"
}
echo "| model | rows | CSV MB | sroi CPU s | polars CPU s | sroi peak MiB | polars peak MiB | peak / CSV |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for rows in $ROWS; do
  python3 benches/gen_tables.py --rows "$rows" --out "$OUT" >/dev/null
  dir="$OUT/rows-$rows"
  for model in movema-dance musician-in-residence; do
    csv_bytes=$(python3 - "$dir/models/$model.yaml" <<'PY'
import os, re, sys
model = sys.argv[1]
text = open(model).read()
block = text.split("\ndata:\n", 1)[1].split("\nstakeholders:", 1)[0]
paths = re.findall(r"^\s+\w+:\s*(\S+\.csv)", block, re.M)
print(sum(os.path.getsize(os.path.join(os.path.dirname(model), p)) for p in paths))
PY
)
    LAST_OUT=$(mktemp)
    read -r s_cpu s_kb < <(measure ./target/release/sroi run "$dir/models/$model.yaml" --format json)
    sroi_json=$LAST_OUT
    LAST_OUT=$(mktemp)
    read -r p_cpu p_kb < <(measure python3 benches/polars_rules.py "$dir" "$model")
    polars_json=$LAST_OUT
    python3 - "$sroi_json" "$polars_json" "$model" <<'PY'
import json, sys
from decimal import Decimal
sroi = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
calls = {o["id"]: Decimal(o["quantity"]) for o in sroi["outcomes"]}
want = {
    "movema-dance": {"improved-wellbeing": "improved_wellbeing", "reduced-loneliness": "no_longer_lonely",
                     "carer-respite": "carer_respite_days", "fewer-gp-consultations": "gp_visits_avoided"},
    "musician-in-residence": {"improved-mood": "improved_mood", "reduced-isolation": "no_longer_lonely"},
}[sys.argv[3]]
for outcome, rule in want.items():
    if calls[outcome] != Decimal(str(peer[rule])):
        sys.exit(f"{sys.argv[3]}: {outcome} is {calls[outcome]} in sroi but {peer[rule]} in polars")
PY
    rm -f "$sroi_json" "$polars_json"
    awk -v m="$model" -v r="$rows" -v b="$csv_bytes" -v sc="$s_cpu" -v pc="$p_cpu" -v sk="$s_kb" -v pk="$p_kb" \
      'BEGIN {printf "| %s | %d | %.1f | %.2f | %.2f | %.0f | %.0f | %.2f |\n", m, r, b/1e6, sc, pc, sk/1024, pk/1024, sk*1024/b}'
  done
done
