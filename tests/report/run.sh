#!/usr/bin/env bash
# report.html in a real browser: headless Chromium (Debian's `chromium`,
# installed here if missing) loads the reports of `run`, `sweep`, `plan` and
# `compare` from disk, offline. Each must load with no console error, show
# every chart (the page records how many images decoded) and open with a
# headline (issue 17). A deliberately broken page must fail the same checks,
# so the test can fail.
#
# Usage: tests/report/run.sh   (after `cargo build --release`)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/target/release/labelsim"
[ -x "$bin" ] || { echo "report test: build first (cargo build --release)"; exit 2; }
log() { echo "report test: $*"; }

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then log "needs chromium (apt-get install chromium) or root to install it"; exit 2; fi
  log "installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root"
"$bin" run scenarios/weekly-bursts-idle-stop.yaml --out "$work/run" --replications 2 -q
"$bin" sweep scenarios/quickstart.yaml --vary 'workers[team].count=9..12:1' --replications 2 --out "$work/sweep" -q
"$bin" compare scenarios/overload-expiry.yaml --replications 2 --out "$work/compare" -q
"$bin" plan scenarios/quickstart.yaml --vary 'workers[team].count=9..12' \
  --target 'time_to_label_p95_s <= 24h' --out "$work/plan" -q
mkdir -p "$work/broken"
cat > "$work/broken/report.html" <<'HTML'
<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA">
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-charts-loaded', String(ok));
  document.body.setAttribute('data-charts-total', String(imgs.length));
  undefinedFunction();
});
</script></body></html>
HTML

# A second control: every image fine, but the script throws.
mkdir -p "$work/throws"
sed -e 's#data:image/png;base64,AAAA#data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=#' \
  "$work/broken/report.html" > "$work/throws/report.html"

# Returns 0 when the page loads cleanly and shows every chart.
check() {
  local page=$1 profile dom errlog loaded total
  profile=$(mktemp -d); dom=$(mktemp); errlog=$(mktemp)
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 --virtual-time-budget=10000 \
    --dump-dom "file://$page" >"$dom" 2>"$errlog" || true
  loaded=$(grep -o 'data-charts-loaded="[0-9]*"' "$dom" | grep -o '[0-9]*' || true)
  total=$(grep -o 'data-charts-total="[0-9]*"' "$dom" | grep -o '[0-9]*' || true)
  local console_errors
  console_errors=$(grep 'CONSOLE' "$errlog" | grep -ciE 'uncaught|error' || true)
  answer=$(grep -o '<p class="answer">[^<]*</p>' "$dom" | head -1 || true)
  rm -rf "$profile" "$dom" "$errlog"
  if [ -z "$loaded" ] || [ -z "$total" ] || [ "$total" = 0 ] || [ "$loaded" != "$total" ]; then
    log "$page: charts loaded ${loaded:-?} of ${total:-?}"; return 1
  fi
  if [ "$console_errors" != 0 ]; then
    log "$page: $console_errors console error(s)"; return 1
  fi
  if [ -z "$answer" ]; then
    log "$page: no headline"; return 1
  fi
  log "$page: $loaded of $total charts shown, no console errors, $answer"
  return 0
}

passed=0; failed=0
for kind in run sweep plan compare; do
  if check "$work/$kind/report.html"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
for control in broken throws; do
  if check "$work/$control/report.html"; then
    log "the $control control page passed: the checks cannot fail"; failed=$((failed + 1))
  else
    log "the $control control page is rejected, as it should be"; passed=$((passed + 1))
  fi
done
echo "report: $passed passed, $failed failed"
[ "$failed" = 0 ]
