#!/usr/bin/env bash
# Fingerprints what every bundled scenario produces, to prove a refactor
# changed no behaviour: each scenario in scenarios/ is run with 3
# replications and seed 7, and the SHA-256 of every output file (CSV, JSON,
# report, charts; not timing.json, which holds wall-clock times) is listed,
# one line per file, sorted. A sweep, a compare and a plan are fingerprinted
# the same way, and `staff` on the bundled staffing week (and a consumer).
#
# Usage:
#   scripts/byte-identity.sh record FILE   write the fingerprints to FILE
#   scripts/byte-identity.sh check FILE    exit 1 and show the files that
#                                          differ from those in FILE
#
# It builds the release binary first (or uses the binary named by BIN, e.g.
# one saved before a change) and uses a throw-away output folder.
set -euo pipefail

mode=${1:-}
list=${2:-}
if [ -z "$mode" ] || [ -z "$list" ] || { [ "$mode" != record ] && [ "$mode" != check ]; }; then
    echo "usage: scripts/byte-identity.sh record|check FILE" >&2
    exit 2
fi
list=$(realpath -m "$list")
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
fi
bin=$(realpath "${BIN:-target/release/labelsim}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for sc in scenarios/*.yaml; do
    name=$(basename "$sc" .yaml)
    "$bin" run "$sc" --seed 7 --replications 3 --threads 2 -q --out "$work/$name"
done
# The commands that run many simulations through the parallel runner, each
# on a small design, so a change to seeding or result order shows up too.
"$bin" sweep scenarios/quickstart.yaml --vary 'workers[team].count=10..12:1' \
    --vary 'job.max_concurrent_task_count=50,1000' --seed 7 --replications 2 \
    --threads 2 -q --out "$work/cmd-sweep"
"$bin" compare scenarios/overload-expiry.yaml --seed 7 --replications 3 \
    --threads 2 -q --out "$work/cmd-compare"
"$bin" plan scenarios/quickstart.yaml --vary 'workers[team].count=10..13' \
    --target 'expired_in_queue == 0' --minimize cost_usd --seed 7 --threads 2 -q \
    --out "$work/cmd-plan"
# staff on the bundled week: by simulation with shifts (as README shows
# it), and by the analytic model over a day, for a consumer, and where
# intervals are missed or cannot be met (exit 1). What it prints is
# fingerprinted too (stdout.txt, the output folder's path left out).
staff() {
    local name=$1
    shift
    mkdir -p "$work/$name"
    "$bin" staff "$@" --out "$work/$name/out" > "$work/$name/stdout.raw" || [ $? -eq 1 ]
    sed "s|$work|WORK|g" "$work/$name/stdout.raw" > "$work/$name/stdout.txt"
    rm "$work/$name/stdout.raw"
}
staff cmd-staff-week scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 95%' --shifts 4h,8h --seed 7 --threads 2
staff cmd-staff-day scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 95%' --cycle 1d --evaluator analytic
staff cmd-staff-sipp scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 95%' --cycle 1d --method sipp --evaluator analytic
staff cmd-staff-cannot scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 99.99%' --target 'time_to_label_mean_s <= 1m' \
    --evaluator analytic
staff cmd-staff-consumer scenarios/pipeline-seed.yaml \
    --group 'pipeline.consumers[classifier]' \
    --target 'searchable_latency_mean_s <= 4s' --evaluator analytic
current="$work/fingerprints"
(cd "$work" && find . -type f ! -name fingerprints ! -name timing.json -print0 | sort -z | xargs -0 sha256sum) > "$current"

if [ "$mode" = record ]; then
    cp "$current" "$list"
    echo "byte-identity: $(wc -l < "$list") files fingerprinted into $list"
else
    if diff <(cat "$list") "$current" > "$work/diff"; then
        echo "byte-identity: all $(wc -l < "$list") files identical"
    else
        echo "byte-identity: outputs differ from $list:" >&2
        grep '^[<>]' "$work/diff" | awk '{print $1, $3}' | sort -k2 -u >&2
        exit 1
    fi
fi
