#!/usr/bin/env bash
# Proves examples/slurm/sweep.sbatch on a real Slurm: installs Debian's
# slurmctld, slurmd, slurm-client and munge if missing, starts a single-node
# cluster on this machine (needs root), submits the example as a 4-task job
# array, waits for it, merges the shards and checks the result is
# byte-identical to the same sweep run in one process.
#
# Usage: tests/slurm/run.sh   (after `cargo build --release`)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/target/release/labelsim"
[ -x "$bin" ] || { echo "slurm test: build first (cargo build --release)"; exit 2; }
if [ "$(id -u)" != 0 ]; then
  echo "slurm test: needs root to start slurmctld/slurmd"; exit 2
fi

log() { echo "slurm test: $*"; }

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

# munge: a key, then the daemon (as root it needs --force).
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || mungekey -c >/dev/null 2>&1 || mungekey --create
pgrep -x munged >/dev/null || munged --force

host=$(hostname -s)
cpus=$(nproc)
conf_dir=/etc/slurm
mkdir -p "$conf_dir" /var/spool/slurmd /var/spool/slurmctld /var/log/slurm
cat > "$conf_dir/slurm.conf" <<CONF
ClusterName=labelsim-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

started_here=0
if ! pgrep -x slurmctld >/dev/null; then slurmctld; started_here=1; fi
if ! pgrep -x slurmd >/dev/null; then slurmd; started_here=1; fi
cleanup() {
  if [ "$started_here" = 1 ]; then
    pkill -x slurmd || true
    pkill -x slurmctld || true
  fi
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  state=$(sinfo -h -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in idle*|mix*|alloc*) break ;; esac
  scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
  sleep 1
done
log "node state: $(sinfo -h -o '%T' | head -n1)"

work=$(mktemp -d)
vary=(--vary 'workers[team].count=8..13:1' --vary 'job.max_concurrent_task_count=50,1000' --replications 2)
jobid=$(sbatch --parsable --array=1-4 --chdir="$root" \
  --output="$work/task-%a.out" --export=ALL,LABELSIM="$bin" \
  examples/slurm/sweep.sbatch scenarios/quickstart.yaml "$work/out" "${vary[@]}")
log "submitted job array $jobid"
for _ in $(seq 1 300); do
  [ -z "$(squeue -h -j "$jobid" 2>/dev/null)" ] && break
  sleep 1
done
if [ -n "$(squeue -h -j "$jobid" 2>/dev/null)" ]; then
  log "job array did not finish in 300 s"; squeue; exit 1
fi
for i in 1 2 3 4; do
  if [ ! -s "$work/out/shard-$i/sweep.csv" ]; then
    log "shard $i wrote no sweep.csv"; cat "$work"/task-*.out || true; exit 1
  fi
done

"$bin" merge "$work/merged" "$work"/out/shard-* >/dev/null
"$bin" sweep scenarios/quickstart.yaml "${vary[@]}" --out "$work/single" --quiet
failed=0
for f in $(cd "$work/single" && ls); do
  if cmp -s "$work/single/$f" "$work/merged/$f"; then
    log "identical: $f"
  else
    log "DIFFERS: $f"; failed=1
  fi
done
rm -rf "$work"
if [ "$failed" = 0 ]; then
  echo "slurm: 1 passed, 0 failed"
else
  echo "slurm: 0 passed, 1 failed"; exit 1
fi
