#!/usr/bin/env bash
# Peak resident memory of the test suite (issue 18 item 9: no test above
# 2 GiB, so `cargo test` passes on an 8 GiB machine). Builds the release
# test binaries, runs each under GNU `/usr/bin/time -f %M` (whose figure is
# the largest of the process and the labelsim children it waited for) and
# prints one line per binary, or per test with --per-test, largest first,
# then the largest. Exits 1 if any peak is above LIMIT_MIB (default 2048).
#
# Usage: scripts/test-peak-memory.sh [--per-test] [BINARY_FILTER]
#   e.g. scripts/test-peak-memory.sh                # every test binary, one run each
#        scripts/test-peak-memory.sh --per-test budget_cli
# Per binary, tests run one at a time (--test-threads 1), so the figure is
# the largest single test (plus what the harness keeps).
set -euo pipefail
cd "$(dirname "$0")/.."
limit_mib=${LIMIT_MIB:-2048}
per_test=0
if [ "${1:-}" = --per-test ]; then
    per_test=1
    shift
fi
filter=${1:-}
time_bin=/usr/bin/time
if ! "$time_bin" -f %M true >/dev/null 2>&1; then
    echo "SKIPPED: GNU time ($time_bin) not found; it measures the peaks"
    exit 0
fi
mapfile -t bins < <(cargo test --release --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*/deps/[^"]*"' | sed 's/.*"executable":"\(.*\)"/\1/' | sort -u)
[ ${#bins[@]} -gt 0 ] || { echo "no test binaries built" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=$work/results
: > "$results"

# measure NAME BINARY ARGS...: appends "KiB NAME status" to the results.
measure() {
    local name=$1
    shift
    local status=0
    "$time_bin" -o "$work/peak" -f %M "$@" --test-threads 1 -q >"$work/out" 2>&1 || status=$?
    echo "$(tail -n 1 "$work/peak") $name $status" >> "$results"
}

for bin in "${bins[@]}"; do
    base=$(basename "$bin")
    name=${base%-*}
    if [ -n "$filter" ] && [ "$name" != "$filter" ]; then
        continue
    fi
    if [ $per_test = 1 ]; then
        while IFS= read -r t; do
            measure "$name::$t" "$bin" --exact "$t"
        done < <("$bin" --list --format terse 2>/dev/null | sed -n 's/: test$//p')
    else
        measure "$name" "$bin"
    fi
done
[ -s "$results" ] || { echo "no test matched \`$filter\`" >&2; exit 2; }
echo "peak RSS [MiB]  tests (status)"
sort -rn "$results" | awk '{ printf "%14.0f  %s%s\n", $1 / 1024, $2, ($3 == 0 ? "" : " (failed: " $3 ")") }'
top=$(sort -rn "$results" | head -n 1)
top_kib=${top%% *}
echo "largest: $((top_kib / 1024)) MiB ($(echo "$top" | cut -d' ' -f2)); limit ${limit_mib} MiB"
[ "$((top_kib / 1024))" -le "$limit_mib" ]
