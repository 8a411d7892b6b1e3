#!/usr/bin/env bash
# Fuzzing of scenario files (tests/it/fuzz.rs), in release: inputs from a
# grammar of valid scenarios (pipelines, traces and counts in every
# time_format, zones, --set, fit data) with one value perturbed, and text
# mutations of the bundled scenarios.
#   scripts/fuzz.sh [SECONDS] [SEED]        default 150 s, the fixed seed
#   LABELSIM_FUZZ_BUDGET=off scripts/fuzz.sh  only the run guard, no estimate check
# Findings (the input and a note) land in target/fuzz-findings/; the
# session's figures (inputs tried, valid, run, findings), with the date and
# the command, in target/fuzz-findings/last-session.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export LABELSIM_FUZZ_SECS="${1:-${LABELSIM_FUZZ_SECS:-150}}"
if [ -n "${2:-}" ]; then export LABELSIM_FUZZ_SEED="$2"; fi
summary=target/fuzz-findings/last-session.txt
mkdir -p target/fuzz-findings
cargo test --release --test it --no-run
rc=0
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: scripts/fuzz.sh $*"
  cargo test --release --test it -- --ignored --nocapture fuzz_scenarios 2>&1 || rc=$?
  echo "exit: $rc"
} | tee "$summary.log"
grep -E '^(date|command|exit|fuzz):' "$summary.log" > "$summary" || true
echo "session figures in $summary"
exit "$(grep -E '^exit: ' "$summary.log" | tail -n 1 | cut -d' ' -f2)"
