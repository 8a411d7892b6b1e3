#!/usr/bin/env bash
# Peak memory of a seed-shaped pipeline against the messages it processes
# (issue 17): scenarios/pipeline-seed.yaml at 200 uploads/s with 120
# classifier pollers, one replication, one thread, over each horizon given
# (default 6h 1d 4d: 4.3M, 17M and 69M messages). Prints one Markdown row
# per horizon: messages, indexed documents, wall time, peak RSS
# (/usr/bin/time -v), and the ratio of each peak to the first.
#
# Usage: scripts/pipeline-memory.sh [HORIZON...]     e.g. 6h 1d
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/labelsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- 6h 1d 4d
echo "| horizon | messages sent | indexed documents | wall [s] | peak RSS [MiB] | peak / first |"
echo "|---|---|---|---|---|---|"
first=
for h in "$@"; do
    /usr/bin/time -v "$bin" run scenarios/pipeline-seed.yaml \
        --set 'producers[uploads].rate=720000/h' \
        --set 'pipeline.consumers[classifier].count=120' \
        --set "horizon=$h" --replications 1 --threads 1 --no-charts -q --force \
        --out "$work/$h" 2> "$work/time-$h.txt"
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$h.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$h.txt")
    first=${first:-$kib}
    python3 - "$work/$h/summary.json" "$h" "$kib" "$wall" "$first" <<'PY'
import json, sys
path, h, kib, wall, first = sys.argv[1:]
mean = json.load(open(path))["mean"]
def val(k):
    return mean[k]
m, s = wall.rsplit(":", 1)
secs = float(s) + 60 * sum(float(x) * 60 ** i for i, x in enumerate(reversed(m.split(":"))))
print(f"| {h} | {val('sent'):,.0f} | {val('indexed_documents'):,.0f} | {secs:.1f} | "
      f"{int(kib) / 1024:.1f} | {int(kib) / int(first):.2f} |")
PY
done
