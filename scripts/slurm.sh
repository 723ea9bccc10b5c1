#!/usr/bin/env bash
# The project's single-node Slurm (Debian 12's Slurm 22.05) for tests, CI and demos; no systemd.
#
#   scripts/slurm.sh install          apt-get munge, slurmctld, slurmd, slurm-client (idempotent)
#   scripts/slurm.sh start [--clean]  install if needed, write the config, start munged, slurmctld
#                                     and slurmd, wait until `sinfo` shows the node idle.
#                                     --clean forgets all jobs first (CI wants a blank cluster).
#   scripts/slurm.sh stop             SIGTERM the daemons by pid file and wait for them to exit
#   scripts/slurm.sh status           print what runs and `sinfo`; exit 0 only when all is up
#
# The node is this machine, named $SUANLI_SLURM_NODE (default suanli-n0) at 127.0.0.1, in partition
# $SUANLI_SLURM_PARTITION (default suanli). It carries $SUANLI_SLURM_GPUS (default 4) fake GPUs
# as GRES gpu:$SUANLI_SLURM_GPU_TYPE (default h100): character devices /dev/suanli-gpuN that alias
# /dev/null (slurmd only sets CUDA_VISIBLE_DEVICES for GRES backed by character devices).
# CPUs and memory are the machine's own. Accounting goes to a job-completion text file, so
# `sacct -c` knows finished jobs; finished jobs stay in squeue for MinJobAge (300 s).
#
# Optional: SUANLI_SLURM_REST=1 also starts slurmrestd with JWT auth on 127.0.0.1:$SUANLI_SLURM_REST_PORT
# (default 6820); installs slurmrestd and slurm-wlm-jwt-plugin.
# Must run as root (daemons, mknod, /etc/slurm).
set -euo pipefail

NODE=${SUANLI_SLURM_NODE:-suanli-n0}
PARTITION=${SUANLI_SLURM_PARTITION:-suanli}
GPUS=${SUANLI_SLURM_GPUS:-4}
GPU_TYPE=${SUANLI_SLURM_GPU_TYPE:-h100}
REST=${SUANLI_SLURM_REST:-0}
REST_PORT=${SUANLI_SLURM_REST_PORT:-6820}

ETC=/etc/slurm
STATE=/var/spool/suanli-slurm
LOGS=/var/log/suanli-slurm
RUN=/run/suanli-slurm
CTLD_PID=$RUN/slurmctld.pid
SLURMD_PID=$RUN/slurmd.pid
RESTD_PID=$RUN/slurmrestd.pid
MUNGE_PID=/run/munge/munged.pid
JWT_KEY=$ETC/jwt_hs256.key

exec 3>&2  # messages go here even from inside wait_for, which silences its command
say() { echo "slurm.sh: $*" >&3; }
die() { say "$*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

running() {  # pidfile -> 0 when its process is alive
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Waits up to $2 tenths of a second for command "$3..." to succeed.
wait_for() {
  local what=$1 tenths=$2; shift 2
  local i
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "timed out waiting for $what"
  return 1
}

install() {
  need_root
  local pkgs=()
  command -v munged >/dev/null || pkgs+=(munge)
  command -v slurmctld >/dev/null || pkgs+=(slurmctld)
  command -v slurmd >/dev/null || pkgs+=(slurmd)
  command -v sbatch >/dev/null || pkgs+=(slurm-client)
  if [ "$REST" = 1 ]; then
    command -v slurmrestd >/dev/null || pkgs+=(slurmrestd)
    ls /usr/lib/*/slurm-wlm/auth_jwt.so >/dev/null 2>&1 || pkgs+=(slurm-wlm-jwt-plugin)
    command -v curl >/dev/null || pkgs+=(curl)
  fi
  [ ${#pkgs[@]} = 0 ] && return 0
  say "installing ${pkgs[*]}"
  apt-get update -qq
  # The image's policy-rc.d stops the packages from starting their services: we start them.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

mem_mib() { awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo; }

write_config() {
  mkdir -p "$ETC" "$STATE/ctld" "$STATE/d" "$LOGS" "$RUN" /run/munge
  chown slurm:slurm "$STATE/ctld" "$LOGS"
  chown munge:munge /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key --force
    chown munge:munge /etc/munge/munge.key
    chmod 0600 /etc/munge/munge.key
  fi

  local i gres_node="" cpus mem
  for ((i = 0; i < GPUS; i++)); do
    [ -c "/dev/suanli-gpu$i" ] || mknod "/dev/suanli-gpu$i" c 1 3
  done
  if [ "$GPUS" -gt 0 ]; then gres_node=" Gres=gpu:$GPU_TYPE:$GPUS"; fi
  cpus=$(nproc)
  # Leave room for the OS: a RealMemory above what slurmd sees makes the node INVALID.
  mem=$(($(mem_mib) * 9 / 10))

  local auth_alt=""
  if [ "$REST" = 1 ]; then
    [ -s "$JWT_KEY" ] || head -c 32 /dev/urandom >"$JWT_KEY"
    chown slurm:slurm "$JWT_KEY"
    chmod 0600 "$JWT_KEY"
    auth_alt="AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$JWT_KEY"
  fi

  # Written to a temporary file and moved into place only when it changed, so that a second
  # `start` leaves running daemons and their config alone.
  local new=$ETC/slurm.conf.new
  cat >"$new" <<EOF
# Written by suanli scripts/slurm.sh: one node on this machine. Do not edit; rerun the script.
ClusterName=suanli
SlurmctldHost=localhost
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
$auth_alt
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOGS/jobcomp.txt
SchedulerType=sched/backfill
# Start jobs as soon as they are submitted (the default batches them for ~3 s).
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
ReturnToService=2
MinJobAge=300
KillWait=5
MpiDefault=none
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus RealMemory=$mem$gres_node State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  local gres_new=$ETC/gres.conf.new
  {
    echo "AutoDetect=off"
    if [ "$GPUS" -gt 0 ]; then
      echo "NodeName=$NODE Name=gpu Type=$GPU_TYPE File=/dev/suanli-gpu[0-$((GPUS - 1))]"
    fi
  } >"$gres_new"
  CONFIG_CHANGED=0
  cmp -s "$new" "$ETC/slurm.conf" || CONFIG_CHANGED=1
  cmp -s "$gres_new" "$ETC/gres.conf" || CONFIG_CHANGED=1
  mv "$new" "$ETC/slurm.conf"
  mv "$gres_new" "$ETC/gres.conf"
  touch "$LOGS/jobcomp.txt"
  chown slurm:slurm "$LOGS/jobcomp.txt"
}

node_idle() {
  sinfo --noheader --nodes="$NODE" --format=%T 2>/dev/null | grep -qE '^(idle|mixed|allocated)$'
}

# A daemon that wrote its pid file and is gone (a daemon writes the file a moment after it
# forks into the background, so a missing file means "still starting").
died() { [ -s "$1" ] && ! kill -0 "$(cat "$1")" 2>/dev/null; }

# Succeeds when the node is up, fails fast (exit) when a daemon died on the way (bad config).
node_idle_or_dead() {
  if died "$CTLD_PID" || died "$SLURMD_PID"; then
    say "a Slurm daemon exited during start:"
    tail -n 5 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&3 || true
    exit 1
  fi
  node_idle
}

start() {
  need_root
  local clean=0
  [ "${1:-}" = --clean ] && clean=1
  local t0=$SECONDS
  install
  write_config
  if [ "$CONFIG_CHANGED" = 1 ] && { running "$CTLD_PID" || running "$SLURMD_PID"; }; then
    say "configuration changed: restarting"
    stop_slurm
  fi
  if [ "$clean" = 1 ] && { running "$CTLD_PID" || running "$SLURMD_PID"; }; then
    stop_slurm
  fi

  if ! running "$MUNGE_PID"; then
    runuser -u munge -- /usr/sbin/munged
  fi
  wait_for munged 50 test -S /run/munge/munge.socket.2

  if ! running "$CTLD_PID"; then
    if [ "$clean" = 1 ]; then
      find "$STATE/ctld" "$STATE/d" -mindepth 1 -delete
      : >"$LOGS/jobcomp.txt"
    fi
    rm -f "$CTLD_PID"  # a stale file of a crashed daemon would read as "died" below
    slurmctld
  fi
  if ! running "$SLURMD_PID"; then
    rm -f "$SLURMD_PID"
    slurmd -N "$NODE"
  fi
  if ! wait_for "node $NODE to be idle" 300 node_idle_or_dead; then
    sinfo --Node --long >&2 || true
    tail -n 20 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 || true
    exit 1
  fi

  if [ "$REST" = 1 ] && ! running "$RESTD_PID"; then
    id slurmrest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin slurmrest
    # slurmrestd will not run as root; SLURM_JWT=daemon enables rest_auth/jwt. Without
    # slurmdbd only the non-db OpenAPI plugins may load.
    SLURM_JWT=daemon start-stop-daemon --start --quiet --background --make-pidfile \
      --pidfile "$RESTD_PID" --chuid slurmrest --output "$LOGS/slurmrestd.log" \
      --exec /usr/sbin/slurmrestd -- -a rest_auth/jwt -s openapi/v0.0.38 "127.0.0.1:$REST_PORT"
    wait_for slurmrestd 100 bash -c "curl -s -o /dev/null -w '%{http_code}' \
      http://127.0.0.1:$REST_PORT/slurm/v0.0.38/ping | grep -qE '^(200|401)$'"
  fi
  say "up in $((SECONDS - t0)) s: node $NODE, partition $PARTITION, $GPUS x gpu:$GPU_TYPE"
}

# Stops slurmrestd, slurmd and slurmctld together (each takes a second or two), waits for them.
stop_slurm() {
  local pf pids=()
  for pf in "$RESTD_PID" "$SLURMD_PID" "$CTLD_PID"; do
    if running "$pf"; then
      pids+=("$(cat "$pf")")
      kill -TERM "$(cat "$pf")" 2>/dev/null || true
    fi
  done
  local p i
  for p in "${pids[@]}"; do
    for ((i = 0; i < 100; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$p" 2>/dev/null; then
      say "pid $p ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  rm -f "$RESTD_PID" "$SLURMD_PID" "$CTLD_PID"
}

stop() {
  need_root
  stop_slurm
  if running "$MUNGE_PID"; then
    local p
    p=$(cat "$MUNGE_PID")
    kill -TERM "$p" 2>/dev/null || true
    wait_for munged-exit 100 bash -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null || true
  fi
  say "stopped"
}

status() {
  local pf up=0
  for pf in "$MUNGE_PID" "$CTLD_PID" "$SLURMD_PID" "$RESTD_PID"; do
    if running "$pf"; then
      echo "$(basename "$pf" .pid): running, pid $(cat "$pf")"
    else
      echo "$(basename "$pf" .pid): stopped"
      [ "$pf" = "$RESTD_PID" ] && [ "$REST" != 1 ] || up=1
    fi
  done
  sinfo 2>/dev/null || true
  [ "$up" = 0 ] && node_idle_or_busy
}

node_idle_or_busy() {
  sinfo --noheader --nodes="$NODE" --format=%T 2>/dev/null | grep -qE '^(idle|mixed|allocated|completing)$'
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install | start [--clean] | stop | status" >&2; exit 2 ;;
esac
