#!/usr/bin/env bash
# labelsim's SQS model against a real SQS-compatible server (issue 10).
#
# Installs moto's server and boto3 (pinned in requirements.txt) into a venv
# under target/sqs-venv (nothing outside the repository changes), starts
# `moto_server` on a free localhost port, and runs crosscheck.py: each
# scenario in tests/sqs/scenarios/ is run by labelsim and played against the
# server with real SendMessage / ReceiveMessage / DeleteMessage /
# ChangeMessageVisibility calls, and the two ledgers are compared (README.md
# beside this file). The server is stopped on exit, whatever happens.
#
# Before the scenarios, the checker checks itself (crosscheck.py
# --self-test): broken scenarios that send, receive or delete nothing must
# fail, and an empty scenario list must be an error.
#
# Usage: tests/sqs/run.sh [crosscheck.py options] [scenario.yaml ...]
#        (after `cargo build --release`)
# Exit: 0 ledgers agree, 1 a mismatch (or the self-test failed), 2 an error
# (no python3 or venv, a package that could not be installed from a
# reachable registry, ...), 77 skipped: the package registry is unreachable
# (checked by asking it directly after pip failed); the reason is printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/sqs"
bin="$root/target/release/labelsim"
venv="${LABELSIM_SQS_VENV:-$root/target/sqs-venv}"  # overridable for tests of this script
log() { echo "sqs cross-check: $*"; }

[ -x "$bin" ] || { log "build first (cargo build --release)"; exit 2; }
python=$(command -v python3 || true)
[ -n "$python" ] || { log "FAILED: no python3 on this machine (install python3 and python3-venv)"; exit 2; }

# Whether pip's package index answers at all (any HTTP answer counts; only
# a connection that cannot be made means unreachable).
registry_reachable() {
  local index="${PIP_INDEX_URL:-https://pypi.org/simple}"
  "$python" - "$index" <<'PY'
import sys, urllib.request, urllib.error
url = sys.argv[1].rstrip("/") + "/moto/"
try:
    urllib.request.urlopen(url, timeout=15)
except urllib.error.HTTPError:
    pass  # it answered
except Exception as e:
    print(f"{url}: {e}")
    sys.exit(1)
PY
}

# The venv, rebuilt whenever requirements.txt changes.
if ! cmp -s "$here/requirements.txt" "$venv/requirements.txt" 2>/dev/null \
  || [ ! -x "$venv/bin/moto_server" ]; then
  log "installing moto and boto3 into ${venv#"$root"/}"
  rm -rf "$venv"
  if ! venv_err=$("$python" -m venv "$venv" 2>&1); then
    log "FAILED: python3 cannot make a venv (install python3-venv): $(echo "$venv_err" | tail -n 1)"
    rm -rf "$venv"
    exit 2
  fi
  if ! pip_err=$("$venv/bin/pip" install --disable-pip-version-check --no-input -q \
        --timeout 20 --retries 2 -r "$here/requirements.txt" 2>&1); then
    # pip's last line says what it could not find; a network error says why.
    net=$(echo "$pip_err" | grep -Eo "(Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|Read timed out|Connection timed out|ProxyError|SSLError)[^')]*" | head -n 1 || true)
    why="$(echo "$pip_err" | grep -v '^\s*$' | tail -n 1 | cut -c1-200)${net:+ ($net)}"
    rm -rf "$venv"
    # A missing package is a failure, unless the registry cannot be reached.
    if probe=$(registry_reachable); then
      log "FAILED: could not install the pinned packages, and the registry answers: $why"
      exit 2
    fi
    log "SKIPPED: the package registry is unreachable ($probe); pip said: $why"
    exit 77
  fi
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

work=$(mktemp -d)
server_pid=""
driver_pid=""
cleanup() {
  if [ -n "$driver_pid" ] && kill -0 "$driver_pid" 2>/dev/null; then
    kill "$driver_pid" 2>/dev/null || true
    wait "$driver_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint="http://127.0.0.1:$port"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
server_pid=$!

# Ready when it answers (30 s at most).
for _ in $(seq 1 300); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "moto_server exited at start:"; tail -n 20 "$work/moto.log"; exit 2
  fi
  if "$venv/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('$endpoint/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
"$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/', timeout=2)" 2>/dev/null \
  || { log "moto_server did not answer on $endpoint"; tail -n 20 "$work/moto.log"; exit 2; }
log "moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)') on $endpoint"

cd "$root"
# In the background, so that a signal reaches the traps at once.
drive() {
  "$venv/bin/python" "$here/crosscheck.py" --endpoint "$endpoint" --labelsim "$bin" "$@" &
  driver_pid=$!
  local rc=0
  wait "$driver_pid" || rc=$?
  driver_pid=""
  return "$rc"
}
# The checker first proves it can fail.
self_rc=0
drive --self-test || self_rc=$?
if [ "$self_rc" != 0 ]; then
  log "FAILED: the self-test (a check that cannot fail proves nothing)"
  exit 1
fi
rc=0
drive "$@" || rc=$?
exit "$rc"
