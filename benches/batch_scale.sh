#!/usr/bin/env bash
# `sroi batch` and `sroi check` of a portfolio of 1,000 shipped-size models.
#
#   benches/batch_scale.sh              # 1,000 models, 3 runs each
#   COPIES=5000 RUNS=5 benches/batch_scale.sh
#   SROI=/tmp/old-sroi benches/batch_scale.sh   # another build, e.g. to compare
#
# Copies models/ and scripts/ into a temporary folder, then writes COPIES model files
# there, cycling through the shipped models (each keeps its own script, tables, proxy set
# and deflator, so the copies share them as a real portfolio would). Builds sroi in
# release mode and prints the wall time of each run, then a Markdown row with the best
# and median wall time and the median CPU time (user + sys, less disturbed by other work on
# the machine than wall time). Checks that batch gave one `ok` line per copy.
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES="${COPIES:-1000}"
RUNS="${RUNS:-3}"
if [ -z "${SROI:-}" ]; then # SROI=/path/to/sroi measures another build
  cargo build --release --quiet
  SROI="$PWD/target/release/sroi"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r models scripts "$work/"
shipped=(models/*.yaml)
for ((i = 0; i < COPIES; i++)); do
  source="${shipped[i % ${#shipped[@]}]}"
  printf -v name "copy-%04d-%s" "$i" "$(basename "$source")"
  cp "$source" "$work/models/$name"
done
cd "$work"
list=(models/copy-*.yaml)
measure() { # "wall cpu" seconds of the command (cpu = user + sys), output discarded
  local TIMEFORMAT='%R %U %S' line
  line=$({ time "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)
  echo "$line" | awk '{printf "%.3f %.3f\n", $1, $2 + $3}'
}
median() { # median of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'
}
ok=$("$SROI" batch "${list[@]}" --format csv | grep -c ',ok,' || true)
[ "$ok" -eq "$COPIES" ] || { echo "batch gave $ok ok lines for $COPIES models" >&2; exit 1; }
"$SROI" check "${list[@]}" >/dev/null || { echo "check failed" >&2; exit 1; }
echo "cores: $(nproc), models: $COPIES, runs: $RUNS, load average before: $(cut -d' ' -f1 /proc/loadavg)" >&2
echo "| command | models | best wall s | median wall s | median CPU s (user+sys) |"
echo "|---|---:|---:|---:|---:|"
for command in batch check; do
  times=$(for ((r = 0; r < RUNS; r++)); do measure "$SROI" "$command" "${list[@]}"; done)
  echo "$times" | sed "s/^/  $command wall, cpu: /" >&2
  best=$(echo "$times" | cut -d' ' -f1 | sort -n | head -n 1)
  wall=$(echo "$times" | cut -d' ' -f1 | median)
  cpu=$(echo "$times" | cut -d' ' -f2 | median)
  echo "| sroi $command | $COPIES | $best | $wall | $cpu |"
done
echo "load average after: $(cut -d' ' -f1 /proc/loadavg)" >&2
