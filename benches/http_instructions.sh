#!/usr/bin/env bash
# Instructions the bench server executes per HTTP request, per route, under callgrind (one
# worker, wrk -t1 -c4 for DURATION seconds): a noise-free complement to load.sh on a shared
# machine. An idle run (start-up and shutdown only) is subtracted; the ratio of two routes'
# instructions estimates the inverse ratio of their server-bound throughput.
#
#   benches/http_instructions.sh
#   ROUTES="hand macro" benches/http_instructions.sh
#   SIM=1 ROUTES="hand macro" benches/http_instructions.sh   # also D1 misses and mispredicts
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
ROUTES=${ROUTES:-"open hand macro macro_user hand_rs256 macro_rs256 macro_rs256_cached cookie_csrf"}
DURATION=${DURATION:-10}
PORT=${PORT:-18090}
TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
for tool in valgrind wrk curl; do
  command -v "$tool" >/dev/null || { echo "http_instructions.sh: install $tool (apt-get install -y $tool)" >&2; exit 1; }
done
nice -n 10 cargo build --release -j2 --bin bench_server
BIN=$TARGET_DIR/release/bench_server
OUT=$TARGET_DIR/cg/http
mkdir -p "$OUT"

SIM=${SIM:-0}
sim_args=()
[[ $SIM == 1 ]] && sim_args=(--cache-sim=yes --branch-sim=yes)
declare -A IR D1 MISP
idle=0 idle_d1=0 idle_misp=0
for route in idle $ROUTES; do
  BENCH_TOKENS=$OUT/tokens.env PORT=$PORT BENCH_WORKERS=1 valgrind --tool=callgrind "${sim_args[@]}" \
    --callgrind-out-file="$OUT/$route.cg" "$BIN" >"$OUT/$route.server.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$PORT/open" && break; sleep 0.2; done
  # shellcheck source=/dev/null
  source "$OUT/tokens.env"
  n=0
  if [[ $route != idle ]]; then
    case $route in
      open) args=() ;;
      hand | macro) args=(-H "Authorization: Bearer $HS256_TOKEN") ;;
      macro_user) args=(-H "Authorization: Bearer $USER_TOKEN") ;;
      *rs256*) args=(-H "Authorization: Bearer $RS256_TOKEN") ;;
      cookie_csrf) args=(-s "$HERE/wrk/post.lua" -H "Cookie: access_token_cookie=$HS256_TOKEN" -H "X-CSRF-TOKEN: $CSRF_TOKEN") ;;
    esac
    wrk -t1 -c4 -d"${DURATION}s" "${args[@]}" "http://127.0.0.1:$PORT/$route" >"$OUT/$route.wrk"
    n=$(awk '/requests in/ {print $1}' "$OUT/$route.wrk")
    if grep -q "Non-2xx" "$OUT/$route.wrk"; then echo "http_instructions.sh: /$route answered non-2xx" >&2; fi
  fi
  # actix shuts down gracefully on SIGTERM; callgrind then writes its totals.
  kill -TERM "$pid"
  wait "$pid" || true
  total=$(grep -oP 'Collected : \K[0-9]+' "$OUT/$route.server.log")
  if [[ $route == idle ]]; then idle=$total; else IR[$route]=$(((total - idle) / n)); fi
  if [[ $SIM == 1 ]]; then
    d1=$(grep -oP 'D1  misses: +\K[0-9,]+' "$OUT/$route.server.log" | tr -d ,)
    misp=$(grep -oP 'Mispredicts: +\K[0-9,]+' "$OUT/$route.server.log" | tr -d ,)
    if [[ $route == idle ]]; then idle_d1=$d1 idle_misp=$misp; else
      D1[$route]=$(awk -v a="$d1" -v b="$idle_d1" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')
      MISP[$route]=$(awk -v a="$misp" -v b="$idle_misp" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')
    fi
  fi
done
if [[ $SIM == 1 ]]; then
  echo "| route | server instructions per request | D1 misses per request | mispredicted branches per request |"
  echo "|---|---:|---:|---:|"
  for route in $ROUTES; do echo "| /$route | ${IR[$route]} | ${D1[$route]} | ${MISP[$route]} |"; done
else
  echo "| route | server instructions per request |"
  echo "|---|---:|"
  for route in $ROUTES; do echo "| /$route | ${IR[$route]} |"; done
fi
echo
echo "| ratio (instructions per request) | value |"
echo "|---|---:|"
r() { [[ -n ${IR[$2]:-} && -n ${IR[$3]:-} ]] && awk -v l="$1" -v a="${IR[$2]}" -v b="${IR[$3]}" 'BEGIN { printf "| %s | %.3f |\n", l, a / b }' || true; }
r "/macro ÷ /hand" macro hand
r "/macro ÷ /open" macro open
r "/macro_user ÷ /macro" macro_user macro
r "/macro_rs256 ÷ /hand_rs256" macro_rs256 hand_rs256
r "/cookie_csrf ÷ /macro" cookie_csrf macro
r "/macro_rs256_cached ÷ /macro" macro_rs256_cached macro
