#!/usr/bin/env bash
# Reproduces the performance tables in README: labelsim's cases (each in its
# own process, for a clean peak-memory reading), replication scaling with
# threads, and the same M/M/c model in SimPy (installed from PyPI into a
# throwaway virtual environment; not a dependency of labelsim).
#
# Beside them, in the same run, the speed reference: a bare Rust binary-heap
# loop of the same M/M/c (HEAP_LIMIT_DIR, default ../shared/reference/
# heap_limit, built here if present; skipped with a note if not), and the
# ratios README quotes: labelsim's M/M/c objects/s, and the seed-shaped
# pipeline through `labelsim run` (200 uploads/s from S3 with notification
# delays, 120 pollers, batches of 10, the index) in messages/s, over the
# heap loop's objects/s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench mmc 2>/dev/null | grep -E '^\||^$'
echo
cargo bench --bench pipeline 2>/dev/null | grep -E '^\||^$'
cargo build --release -q
ref="${HEAP_LIMIT_DIR:-../shared/reference/heap_limit}"
if [ -f "$ref/Cargo.toml" ]; then
  CARGO_TARGET_DIR=target/heap_limit cargo build --release -q --manifest-path "$ref/Cargo.toml"
  heap=target/heap_limit/release/heap_limit
  best_heap=0
  best_mmc=0
  for _ in 1 2 3; do
    h=$("$heap" --lam 80 --mu 10 --c 10 --objects 2000000 --seed 1 |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["arrivals_per_s"])')
    m=$(cargo bench --bench mmc -- case mmc-2M 2>/dev/null | grep '^|' | awk -F'|' '{print $5}' |
      python3 -c 'import sys; v=sys.stdin.read().split()[0]; print(float(v)*1e6)')
    best_heap=$(python3 -c "print(max($best_heap, $h))")
    best_mmc=$(python3 -c "print(max($best_mmc, $m))")
  done
  # The seed-shaped pipeline through the command line, one thread, best of
  # 3 as for the two above (one run of about 2 s moves by 20% from run to
  # run on this kind of machine).
  dir=$(mktemp -d)
  wall=1e9
  for i in 1 2 3; do
    target/release/labelsim run scenarios/pipeline-seed.yaml -q --threads 1 --replications 1 \
      --set 'producers[uploads].rate=200/s' --set 'pipeline.consumers[classifier].count=120' \
      --set horizon=3h --out "$dir/out$i" >/dev/null
    msgs=$(python3 -c "import json; print(json.load(open('$dir/out$i/summary.json'))['runs'][0]['messages_produced'])")
    w=$(python3 -c "import json; print(json.load(open('$dir/out$i/timing.json'))['wall_s'])")
    wall=$(python3 -c "print(min($wall, $w))")
  done
  rm -rf "$dir"
  echo
  echo "| in the same run, one thread | per second | share of the heap loop |"
  echo "|---|---|---|"
  python3 - "$best_heap" "$best_mmc" "$msgs" "$wall" <<'PY'
import sys
heap, mmc, msgs, wall = (float(x) for x in sys.argv[1:])
pipe = msgs / wall
print(f"| bare binary-heap loop, M/M/c, 2M objects (best of 3) | {heap/1e6:.2f} M objects | 1.00 |")
print(f"| labelsim M/M/c, 2M objects (best of 3) | {mmc/1e6:.2f} M objects | {mmc/heap:.2f} |")
print(f"| labelsim run, seed-shaped pipeline at 200/s, 3 h ({msgs/1e6:.2f} M messages, best of 3) | {pipe/1e6:.2f} M messages | {pipe/heap:.2f} |")
PY
else
  echo
  echo "(no heap-loop reference at $ref: set HEAP_LIMIT_DIR to compare)"
fi
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install -q simpy
echo
echo "| case | objects labeled | wall [s] | objects/s | events/s | peak RSS [MiB] | mean time to label |"
echo "|---|---|---|---|---|---|---|"
"$venv/bin/python" benches/simpy_mmc.py 200000
"$venv/bin/python" benches/simpy_mmc.py 2000000
rm -rf "$venv"
