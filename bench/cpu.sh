#!/bin/bash
# The CPU a row of bench/run.py costs: runs ROW for 14 s at 32 clients with BIN on DB and prints
# its result line with the CPU ticks (1/100 s, from /proc) that khoi and all PostgreSQL
# processes used over 8 s of the run (after 3 s of warm-up). PostgreSQL must run on this host.
# Usage: bench/cpu.sh BIN DB ROW     e.g. bench/cpu.sh target/release/khoi khoi_bench_200k create
BIN=$1; DB=$2; ROW=$3
cd "$(dirname "$0")/.."
snap() {
  local k=0 p=0
  # pgrep -f also lists this script's own short-lived subshells (their command line names BIN).
  for pid in $(pgrep -f "$BIN"); do k=$((k + $(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null || echo 0))); done
  for pid in $(pgrep -u postgres); do p=$((p + $(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null || echo 0))); done
  echo "$k $p"
}
out=$(mktemp)
# 14 s, so that the 8 s read end before the server does (its sign-in and first pages take 1-3 s).
(KHOI_BIN=$BIN ROWS=$ROW python3 bench/run.py "$DB" 32 14 2>/dev/null | tail -1 > "$out") &
sleep 3; a=$(snap); sleep 8; b=$(snap); wait
echo "$(cat "$out") khoi/pg ticks over 8 s: $(echo $a $b | awk '{print $3-$1, $4-$2}')"
rm -f "$out"
