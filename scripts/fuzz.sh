#!/usr/bin/env bash
# Mutation fuzzing of scenario files (tests/fuzz.rs), in release.
#   scripts/fuzz.sh [SECONDS] [SEED]        default 150 s, the fixed seed
#   LABELSIM_FUZZ_BUDGET=off scripts/fuzz.sh  only the run guard, no estimate check
# Findings (the input and a note) land in target/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
export LABELSIM_FUZZ_SECS="${1:-${LABELSIM_FUZZ_SECS:-150}}"
if [ -n "${2:-}" ]; then export LABELSIM_FUZZ_SEED="$2"; fi
exec cargo test --release --test it -- --ignored --nocapture fuzz_scenarios
