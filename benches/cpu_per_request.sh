#!/usr/bin/env bash
# CPU time the bench server spends per request, user and kernel apart (from /proc/PID/stat),
# with the server on core 0 and wrk on core 1. Instruction counts (http_instructions.sh) miss
# cache misses and mispredicted branches; wall-clock requests/s (load.sh) mix in wrk and the
# machine's noise. Routes are measured in turn, ROUNDS times, each in a fresh server.
#
#   benches/cpu_per_request.sh
#   ROUTES="hand macro" ROUNDS=5 benches/cpu_per_request.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
ROUTES=${ROUTES:-"open hand macro hand_rs256 macro_rs256"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
PORT=${PORT:-18096}
TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
for tool in wrk curl taskset; do
  command -v "$tool" >/dev/null || { echo "cpu_per_request.sh: install $tool" >&2; exit 1; }
done
nice -n 10 cargo build --release -j2 --bin bench_server
BIN=$TARGET_DIR/release/bench_server
TOKENS=$(mktemp)
TICKS=$(getconf CLK_TCK)
declare -A USER_US SYS_US
for round in $(seq "$ROUNDS"); do
  for route in $ROUTES; do
    BENCH_TOKENS=$TOKENS PORT=$PORT BENCH_WORKERS=1 taskset -c 0 "$BIN" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/open" && break; sleep 0.1; done
    # shellcheck source=/dev/null
    source "$TOKENS"
    case $route in
      open) header="X-Bench: open" ;;
      *rs256*) header="Authorization: Bearer $RS256_TOKEN" ;;
      macro_user) header="Authorization: Bearer $USER_TOKEN" ;;
      *) header="Authorization: Bearer $HS256_TOKEN" ;;
    esac
    url="http://127.0.0.1:$PORT/$route"
    taskset -c 1 wrk -t2 -c64 -d1s -H "$header" "$url" >/dev/null
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    n=$(taskset -c 1 wrk -t2 -c64 -d"${DURATION}s" -H "$header" "$url" | awk '/requests in/ {print $1}')
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    USER_US[$route]="${USER_US[$route]:-} $(awk -v d=$((u1 - u0)) -v t="$TICKS" -v n="$n" 'BEGIN { printf "%.2f", d / t / n * 1e6 }')"
    SYS_US[$route]="${SYS_US[$route]:-} $(awk -v d=$((s1 - s0)) -v t="$TICKS" -v n="$n" 'BEGIN { printf "%.2f", d / t / n * 1e6 }')"
  done
done
rm -f "$TOKENS"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| route | user CPU µs per request (median of $ROUNDS) | kernel CPU µs per request | every round, user |"
echo "|---|---:|---:|---|"
declare -A MED
for route in $ROUTES; do
  MED[$route]=$(echo "${USER_US[$route]}" | median)
  echo "| /$route | ${MED[$route]} | $(echo "${SYS_US[$route]}" | median) |${USER_US[$route]} |"
done
echo
r() { [[ -n ${MED[$2]:-} && -n ${MED[$3]:-} ]] && awk -v l="$1" -v a="${MED[$2]}" -v b="${MED[$3]}" 'BEGIN { printf "| %s, user CPU per request | %.3f |\n", l, a / b }' || true; }
echo "| ratio | value |"
echo "|---|---:|"
r "/macro ÷ /hand" macro hand
r "/macro_rs256 ÷ /hand_rs256" macro_rs256 hand_rs256
