#!/usr/bin/env bash
# Reproduces the performance tables in README: labelsim's cases (each in its
# own process, for a clean peak-memory reading), replication scaling with
# threads, and the same M/M/c model in SimPy (installed from PyPI into a
# throwaway virtual environment; not a dependency of labelsim).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench mmc 2>/dev/null | grep -E '^\||^$'
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install -q simpy
echo
echo "| case | objects labeled | wall [s] | objects/s | events/s | peak RSS [MiB] | mean time to label |"
echo "|---|---|---|---|---|---|---|"
"$venv/bin/python" benches/simpy_mmc.py 200000
"$venv/bin/python" benches/simpy_mmc.py 2000000
rm -rf "$venv"
