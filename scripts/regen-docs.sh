#!/usr/bin/env bash
# Regenerates what README.md shows from the program itself:
#   - every chart under docs/img/ that README references, from the bundled
#     scenarios (and `fit`'s from tests/data/fit/), with the commands README
#     gives for them;
#   - the quick-start sample output, between the lines
#     `<!-- quickstart-output:start ... -->` and `<!-- quickstart-output:end -->`,
#     from `labelsim run scenarios/quickstart.yaml` (the output folder is shown
#     as the default, results/quickstart/);
#   - the plan and sweep sample outputs, between
#     `<!-- sample-output:start NAME -->` and `<!-- sample-output:end NAME -->`.
#
# Usage: scripts/regen-docs.sh        (from anywhere in the repository)
#
# It builds the release binary first. A chart README references without a
# recipe below is an error, so README and this script stay in step;
# tests/it/readme.rs checks that the quick-start block still matches.
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/labelsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs labelsim quietly; `plan` may exit 1 (a target not met) and still
# draws its chart.
sim() {
    local rc=0
    "$bin" "$@" -q || rc=$?
    if [ "$rc" -ne 0 ] && { [ "$1" != plan ] || [ "$rc" -ne 1 ]; }; then
        echo "regen-docs: labelsim $* failed (exit $rc)" >&2
        exit 1
    fi
}

# Charts: docs/img name -> file in $work. Commands as README gives them.
declare -A chart=(
    [quickstart-throughput.png]=quickstart/throughput.png
    [quickstart-backlog.png]=quickstart/backlog.png
    [quickstart-workers.png]=quickstart/workers.png
    [overload-backlog.png]=overload/backlog.png
    [weekly-idle-throughput.png]=weekly/throughput.png
    [mturk-batch-backlog.png]=mturk/backlog.png
    [trace-ttl-cdf.png]=trace/time_to_label_cdf.png
    [sweep-p95.png]=sweep/sweep_time_to_label_p95_s.png
    [sweep-heatmap-p95.png]=sweep2/sweep_heatmap_time_to_label_p95_s.png
    [plan.png]=plan/plan.png
    [compare-outcomes.png]=compare/compare_outcomes.png
    [fit-durations.png]=fit/fit.png
    [pipeline-keda-oscillation.png]=keda-osc/consumer_scaling.png
)

referenced=$(grep -o 'docs/img/[A-Za-z0-9_.-]*\.png' README.md | sed 's|docs/img/||' | sort -u)
for img in $referenced; do
    if [ -z "${chart[$img]:-}" ]; then
        echo "regen-docs: README references docs/img/$img, which has no recipe in $0" >&2
        exit 1
    fi
done

echo "regen-docs: running the bundled scenarios" >&2
sim run scenarios/quickstart.yaml --out "$work/quickstart"
sim run scenarios/overload-expiry.yaml --out "$work/overload"
sim run scenarios/weekly-bursts-idle-stop.yaml --out "$work/weekly"
sim run scenarios/mturk-batch.yaml --out "$work/mturk"
sim run scenarios/trace-replay.yaml --out "$work/trace"
sim sweep scenarios/quickstart.yaml --vary 'workers[team].count=9..16:1' --out "$work/sweep"
sim sweep scenarios/quickstart.yaml --vary 'workers[team].count=8..14:1' \
    --vary 'job.max_concurrent_task_count=50,200,1000' --replications 5 --out "$work/sweep2"
sim plan scenarios/quickstart.yaml --vary 'workers[team].count=1..500' \
    --target 'time_to_label_p95_s <= 24h' --target 'expired_in_queue == 0' --out "$work/plan"
sim compare scenarios/overload-expiry.yaml --out "$work/compare"
sim fit tests/data/fit/durations.csv --out "$work/fit"
sim run scenarios/pipeline-keda-oscillation.yaml --out "$work/keda-osc"

mkdir -p docs/img
for img in $referenced; do
    cp "$work/${chart[$img]}" "docs/img/$img"
    echo "  docs/img/$img" >&2
done
for f in docs/img/*.png; do
    if ! grep -q "${f}" README.md; then
        echo "regen-docs: note: $f is not referenced by README" >&2
    fi
done

# The quick-start block: the program's own output, with the output folder
# shown as the default one. Of three runs, the one with the shortest wall
# time is kept, so a busy machine does not put its slowest reading in the
# README (only the timing line differs between them).
out="$work/readme-quickstart"
best=""
for i in 1 2 3; do
    rm -rf "$out"
    "$bin" run scenarios/quickstart.yaml --out "$out" >"$work/stdout.$i"
    wall=$(sed -n 's/^ *[0-9,]* events in \([0-9.]*\) s .*/\1/p' "$work/stdout.$i")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
        best=$i
        best_wall=$wall
    fi
done
sed "s|^results: $out/ |results: results/quickstart/ |" "$work/stdout.$best" >"$work/block"
grep -q '^results: results/quickstart/ ' "$work/block" || {
    echo "regen-docs: the quick-start output has no 'results:' line to normalise" >&2
    exit 1
}
awk -v block="$work/block" '
    /^<!-- quickstart-output:start/ {
        print; print "```"
        while ((getline line < block) > 0) print line
        print "```"
        skip = 1; found++; next
    }
    /^<!-- quickstart-output:end/ { skip = 0; print; next }
    !skip { print }
    END { if (found != 1 || skip) exit 3 }
' README.md >"$work/README.md" || {
    echo "regen-docs: README.md needs exactly one quickstart-output:start/end pair" >&2
    exit 1
}
cp "$work/README.md" README.md

# Sample outputs further down: each block between
# `<!-- sample-output:start NAME -->` and `<!-- sample-output:end NAME -->`
# is the output of NAME's command below, shown after the command line(s)
# README displays (none when README gives the command in its own block).
# The `results:` line (a temporary folder here) and sweep's timing line are
# left out, so the blocks do not change from run to run.
sample() {
    local name=$1 display=$2
    shift 2
    local rc=0
    "$bin" "$@" --out "$work/sample-$name" >"$work/sample-$name.out" || rc=$?
    if [ "$rc" -ne 0 ] && { { [ "$1" != plan ] && [ "$1" != staff ]; } || [ "$rc" -ne 1 ]; }; then
        echo "regen-docs: sample $name: labelsim $* failed (exit $rc)" >&2
        exit 1
    fi
    {
        if [ -n "$display" ]; then printf '%s\n' "$display"; fi
        grep -v -e '^results: ' -e '^wrote ' -e '^labelsim sweep: ' "$work/sample-$name.out"
    } >"$work/block"
    awk -v name="$name" -v block="$work/block" '
        $0 == "<!-- sample-output:start " name " -->" {
            print; getline fence; print fence
            while ((getline line < block) > 0) print line
            close(block)
            skip = 1; found++; next
        }
        $0 == "<!-- sample-output:end " name " -->" { print "```"; skip = 0; print; next }
        !skip { print }
        END { if (found != 1 || skip) exit 3 }
    ' README.md >"$work/README.md" || {
        echo "regen-docs: README.md needs exactly one sample-output:start/end $name pair" >&2
        exit 1
    }
    cp "$work/README.md" README.md
    echo "  README sample $name" >&2
}

sample plan-quickstart "" \
    plan scenarios/quickstart.yaml --vary 'workers[team].count=1..500' \
    --target 'time_to_label_p95_s <= 24h' --target 'expired_in_queue == 0'
sample plan-minimize "$ labelsim plan scenarios/quickstart.yaml --vary 'workers[team].count=10..16' \\
    --target \"expired_in_queue == 0\" --minimize cost_usd" \
    plan scenarios/quickstart.yaml --vary 'workers[team].count=10..16' \
    --target 'expired_in_queue == 0' --minimize cost_usd
sample pipeline-consumers "$ labelsim plan scenarios/pipeline-seed.yaml --set 'producers[uploads].rate=30000/h' \\
    --vary 'pipeline.consumers[classifier].count=1..16' --target 'searchable_latency_p95_s <= 10'" \
    plan scenarios/pipeline-seed.yaml --set 'producers[uploads].rate=30000/h' \
    --vary 'pipeline.consumers[classifier].count=1..16' --target 'searchable_latency_p95_s <= 10'
sample pipeline-threshold-sweep "$ labelsim sweep scenarios/pipeline-hybrid.yaml --set 'workers[team].count=60' --replications 2 \\
    --vary 'pipeline.consumers[classifier].route.threshold=0.7..0.95:0.05' \\
    --metric accuracy_overall --metric routed_to_humans" \
    sweep scenarios/pipeline-hybrid.yaml --set 'workers[team].count=60' --replications 2 \
    --vary 'pipeline.consumers[classifier].route.threshold=0.7..0.95:0.05' \
    --metric accuracy_overall --metric routed_to_humans
sample pipeline-threshold-plan "$ labelsim plan scenarios/pipeline-hybrid.yaml --set 'workers[team].count=60' \\
    --vary 'pipeline.consumers[classifier].route.threshold=0.80..0.99:0.01' \\
    --target 'accuracy_overall >= 0.95' --target 'searchable_latency_human_p95_s <= 30m' \\
    --minimize cost_per_correct_label" \
    plan scenarios/pipeline-hybrid.yaml --set 'workers[team].count=60' \
    --vary 'pipeline.consumers[classifier].route.threshold=0.80..0.99:0.01' \
    --target 'accuracy_overall >= 0.95' --target 'searchable_latency_human_p95_s <= 30m' \
    --minimize cost_per_correct_label
# Autoscaled consumers (issue 21): the four questions README answers.
sample autoscale-compare "$ labelsim compare scenarios/pipeline-lambda.yaml --metric searchable_latency_p95_s \\
    --metric incoming.redelivered --metric index_overwrites --metric cost_usd" \
    compare scenarios/pipeline-lambda.yaml --metric searchable_latency_p95_s \
    --metric incoming.redelivered --metric index_overwrites --metric cost_usd
sample autoscale-plan "$ labelsim plan scenarios/pipeline-lambda.yaml \\
    --vary 'pipeline.consumers[classifier].scaling.max_concurrency=2..50' \\
    --target 'searchable_latency_p95_s <= 2m'" \
    plan scenarios/pipeline-lambda.yaml \
    --vary 'pipeline.consumers[classifier].scaling.max_concurrency=2..50' \
    --target 'searchable_latency_p95_s <= 2m'
sample autoscale-window "$ labelsim sweep scenarios/pipeline-lambda-window.yaml \\
    --vary 'pipeline.consumers[classifier].scaling.batch_window=1s,5s,20s,1m,5m' \\
    --metric classifier.invocations --metric classifier.receive_requests \\
    --metric classifier.delete_requests --metric classifier.gb_seconds \\
    --metric searchable_latency_p95_s --metric cost_usd" \
    sweep scenarios/pipeline-lambda-window.yaml \
    --vary 'pipeline.consumers[classifier].scaling.batch_window=1s,5s,20s,1m,5m' \
    --metric classifier.invocations --metric classifier.receive_requests \
    --metric classifier.delete_requests --metric classifier.gb_seconds \
    --metric searchable_latency_p95_s --metric cost_usd
sample autoscale-visibility "$ labelsim sweep scenarios/pipeline-lambda-visibility.yaml \\
    --vary 'pipeline.queues[incoming].visibility_timeout=10s,20s,30s,45s,1m,3m' \\
    --metric incoming.received --metric index_overwrites --metric incoming.delete_failures \\
    --metric incoming.dead_lettered --metric classifier.gb_seconds --metric searchable_latency_p95_s" \
    sweep scenarios/pipeline-lambda-visibility.yaml \
    --vary 'pipeline.queues[incoming].visibility_timeout=10s,20s,30s,45s,1m,3m' \
    --metric incoming.received --metric index_overwrites --metric incoming.delete_failures \
    --metric incoming.dead_lettered --metric classifier.gb_seconds --metric searchable_latency_p95_s
sample autoscale-oscillation "$ labelsim sweep scenarios/pipeline-keda-oscillation.yaml \\
    --vary 'pipeline.consumers[classifier].scaling.messages_per_poller=1,5,10,30,60' \\
    --metric classifier.pollers_mean --metric classifier.pollers_max \\
    --metric searchable_latency_p95_s --metric cost_usd" \
    sweep scenarios/pipeline-keda-oscillation.yaml \
    --vary 'pipeline.consumers[classifier].scaling.messages_per_poller=1,5,10,30,60' \
    --metric classifier.pollers_mean --metric classifier.pollers_max \
    --metric searchable_latency_p95_s --metric cost_usd
# Staffing by the hour (issue 20): the analytic and the simulated week.
sample staff-analytic "" \
    staff scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 95%' --shifts 4h,8h --evaluator analytic
sample staff-simulation "" \
    staff scenarios/staff-week.yaml --group 'workers[labelers]' \
    --target 'labeled_within_30m >= 95%' --shifts 4h,8h
echo "regen-docs: README.md quick-start block, sample outputs and docs/img updated" >&2
