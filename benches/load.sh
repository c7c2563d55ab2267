#!/usr/bin/env bash
# Load benchmark of issue 7, in one command: builds the bench server (release), then for each
# route starts it on 127.0.0.1, warms up, runs wrk for a bounded time, reads the server's peak
# RSS (VmHWM), stops it, and prints requests/s, p50/p99 latency, peak RSS and the ratios.
# The server is restarted per route, so each peak RSS belongs to that route alone (the largest
# over rounds is kept).
#
#   benches/load.sh                       # every route, 10 s each, 2 threads, 64 connections
#   DURATION=5 ROUTES="hand macro" benches/load.sh
#   FLASK=0 benches/load.sh               # skip the Flask-JWT-Extended comparator
#   PIN=1 benches/load.sh                 # server on core 0, wrk on core 1 (see below)
#   PEER=1 benches/load.sh                # add the Rust peer, actix-jwt-auth-middleware
#   BENCH_REDIS_URL=redis://127.0.0.1:6379 BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1/postgres \
#     ROUTES="macro macro_memory macro_redis macro_redis_cached macro_postgres macro_postgres_cached" \
#     benches/load.sh                     # the revocation stores (issue 16)
#
# Environment: DURATION (s, 10), WARMUP (s, 2), ROUNDS (1: with more, every route is measured
# once per round, round after round, and the best round of each is kept, so that on a shared
# machine each route gets a chance at a quiet moment), THREADS (2), CONNECTIONS (64), PORT (18080),
# BENCH_WORKERS (actix workers, 2), ROUTES, FLASK (auto|0|1), FJWT_VENV (/tmp/fjwt-venv, a venv
# with flask-jwt-extended; gunicorn is pip-installed into it when missing), GUNICORN_WORKERS
# (2 × cores + 1, gunicorn's recommendation), CARGO_TARGET_DIR.
#
# PIN=1 (needs taskset): the server (actix, or gunicorn) runs on core 0 and wrk on core 1, with
# one actix worker and 3 gunicorn workers (2 × 1 core + 1) by default. Without it, wrk shares
# the cores with the server it loads, and the server's figures are partly wrk's.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
FLASK_PORT=$((PORT + 1))
PIN=${PIN:-0}
SERVER_RUN=() LOAD_RUN=() SERVER_CORES=$(nproc)
if [[ $PIN == 1 ]]; then
  command -v taskset >/dev/null || { echo "load.sh: PIN=1 needs taskset (apt-get install -y util-linux)" >&2; exit 1; }
  SERVER_RUN=(taskset -c 0) LOAD_RUN=(taskset -c 1) SERVER_CORES=1
fi
WORKERS=${BENCH_WORKERS:-$SERVER_CORES}
ROUTES=${ROUTES:-"open hand macro macro_user hand_rs256 macro_rs256 macro_rs256_cached cookie_csrf"}
FLASK=${FLASK:-auto}
PEER=${PEER:-0}
PEER_PORT=$((PORT + 2))
FJWT_VENV=${FJWT_VENV:-/tmp/fjwt-venv}
GUNICORN_WORKERS=${GUNICORN_WORKERS:-$((2 * SERVER_CORES + 1))}
TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "load.sh: $tool is not installed; install it with: apt-get install -y $tool" >&2
    exit 1
  fi
done

if [[ $PEER == 1 ]]; then
  nice -n 10 cargo build --release -j2 --features peer --bin peer_server
fi
nice -n 10 cargo build --release -j2 --bin bench_server
SERVER_BIN=$TARGET_DIR/release/bench_server
OUT=$TARGET_DIR/load/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

wait_for_port() {
  local port=$1
  for _ in $(seq 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/open"; then return 0; fi
    sleep 0.1
  done
  echo "load.sh: nothing answers on 127.0.0.1:$port" >&2
  exit 1
}

# Starts the server of a route: the bench server, or the peer's for /peer. Sets SERVER_PID
# and ROUTE_PORT, and reads the tokens the server wrote.
start_server() {
  local bin=$SERVER_BIN name=server
  ROUTE_PORT=$PORT
  if [[ ${1:-} == peer ]]; then
    bin=$TARGET_DIR/release/peer_server name=peer ROUTE_PORT=$PEER_PORT
  fi
  BENCH_TOKENS=$OUT/$name.env PORT=$ROUTE_PORT BENCH_WORKERS=$WORKERS "${SERVER_RUN[@]}" "$bin" \
    >"$OUT/$name.log" 2>&1 &
  SERVER_PID=$!
  wait_for_port "$ROUTE_PORT"
  # shellcheck source=/dev/null
  source "$OUT/$name.env"
}

# The request each route gets: wrk arguments after the URL.
route_args() {
  case $1 in
    open) ;;
    hand | macro | macro_memory | macro_redis* | macro_postgres* | flask_macro) printf '%s\0' -H "Authorization: Bearer $HS256_TOKEN" ;;
    macro_user) printf '%s\0' -H "Authorization: Bearer $USER_TOKEN" ;;
    peer) printf '%s\0' -H "access_token: $PEER_TOKEN" ;;
    hand_rs256 | macro_rs256*) printf '%s\0' -H "Authorization: Bearer $RS256_TOKEN" ;;
    cookie_csrf)
      printf '%s\0' -s "$HERE/wrk/post.lua" -H "Cookie: access_token_cookie=$HS256_TOKEN" \
        -H "X-CSRF-TOKEN: $CSRF_TOKEN"
      ;;
  esac
}

# Fails unless the route answers 200 with its credentials (and 401 without, when protected).
check_route() {
  local route=$1 url=$2 method=GET code
  [[ $route == cookie_csrf ]] && method=POST
  local -a curl_args=()
  case $route in
    open | flask_open) ;;
    cookie_csrf) curl_args=(-H "Cookie: access_token_cookie=$HS256_TOKEN" -H "X-CSRF-TOKEN: $CSRF_TOKEN") ;;
    macro_user) curl_args=(-H "Authorization: Bearer $USER_TOKEN") ;;
    peer) curl_args=(-H "access_token: $PEER_TOKEN") ;;
    *rs256*) curl_args=(-H "Authorization: Bearer $RS256_TOKEN") ;;
    *) curl_args=(-H "Authorization: Bearer $HS256_TOKEN") ;;
  esac
  code=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "${curl_args[@]}" "$url")
  if [[ $code != 200 ]]; then
    echo "load.sh: $url answered $code with credentials" >&2
    exit 1
  fi
  if [[ $route != open && $route != flask_open ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "$url")
    if [[ $code != 401 ]]; then
      echo "load.sh: $url answered $code without credentials" >&2
      exit 1
    fi
  fi
}

# Peak RSS in KiB of a process and its children (gunicorn's workers).
peak_rss_kib() {
  local total=0 pid hwm
  for pid in "$1" $(pgrep -P "$1" || true); do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${hwm:-0}))
  done
  echo "$total"
}

declare -A RPS P50 P99 RSS ERRORS ALL_RPS
# One measured run of a route; the round with the most requests/s is kept (the one least
# disturbed by other processes on a shared machine), all rounds are listed.
run_wrk() {
  local route=$1 url=$2 round=$3 file rps p50 p99 errors
  local -a args=()
  mapfile -d '' args < <(route_args "${route}")
  file=$OUT/$route.$round.wrk
  "${LOAD_RUN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${args[@]}" "$url" >/dev/null
  "${LOAD_RUN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${args[@]}" "$url" >"$file"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  # Latency percentiles in ms, whatever unit wrk chose.
  read -r p50 p99 < <(awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%.3f %.3f\n", p50, p99 }' "$file")
  errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {n += 1} END {print n + 0}' "$file")
  ALL_RPS[$route]="${ALL_RPS[$route]:-}${ALL_RPS[$route]:+ }$(printf '%.0f' "$rps")"
  ERRORS[$route]=$((${ERRORS[$route]:-0} + errors))
  if [[ -z ${RPS[$route]:-} ]] || awk -v a="$rps" -v b="${RPS[$route]}" 'BEGIN { exit !(a > b) }'; then
    RPS[$route]=$rps P50[$route]=$p50 P99[$route]=$p99
  fi
}

echo "load before: $(uptime)" | tee "$OUT/load.txt"
PEER_ROUTES=""
[[ $PEER == 1 ]] && PEER_ROUTES="peer"
for round in $(seq "$ROUNDS"); do
  for route in $ROUTES $PEER_ROUTES; do
    start_server "$route"
    check_route "$route" "http://127.0.0.1:$ROUTE_PORT/$route"
    run_wrk "$route" "http://127.0.0.1:$ROUTE_PORT/$route" "$round"
    rss=$(peak_rss_kib "$SERVER_PID")
    if ((rss > ${RSS[$route]:-0})); then RSS[$route]=$rss; fi
    stop_server
    echo "  round $round /$route: ${ALL_RPS[$route]##* } req/s" >&2
  done
done

FLASK_ROUTES=""
if [[ $FLASK != 0 && -x $FJWT_VENV/bin/python ]]; then
  if [[ ! -x $FJWT_VENV/bin/gunicorn ]]; then
    "$FJWT_VENV/bin/pip" install -q gunicorn
  fi
  # Flask reads a token of the bench server (same secret): start the server once for them.
  start_server
  stop_server
  "${SERVER_RUN[@]}" "$FJWT_VENV/bin/gunicorn" -w "$GUNICORN_WORKERS" -b "127.0.0.1:$FLASK_PORT" --chdir "$HERE/flask" \
    --log-level warning app:app >"$OUT/gunicorn.log" 2>&1 &
  SERVER_PID=$!
  wait_for_port "$FLASK_PORT"
  for round in $(seq "$ROUNDS"); do
    for route in flask_open flask_macro; do
      check_route "$route" "http://127.0.0.1:$FLASK_PORT/${route#flask_}"
      run_wrk "$route" "http://127.0.0.1:$FLASK_PORT/${route#flask_}" "$round"
      RSS[$route]=$(peak_rss_kib "$SERVER_PID")
      echo "  round $round flask /${route#flask_}: ${ALL_RPS[$route]##* } req/s" >&2
    done
  done
  stop_server
  FLASK_ROUTES="flask_open flask_macro"
elif [[ $FLASK == 1 ]]; then
  echo "load.sh: FLASK=1 but $FJWT_VENV has no python (make a venv with flask-jwt-extended)" >&2
  exit 1
fi
echo "load after: $(uptime)" | tee -a "$OUT/load.txt"

{
  echo
  echo "wrk ${DURATION}s per route (after ${WARMUP}s warm-up), $THREADS threads, $CONNECTIONS connections," \
    "$ROUNDS round(s) over all routes, best round kept; actix workers: $WORKERS;" \
    "gunicorn sync workers: $GUNICORN_WORKERS; $(nproc) cores; pinned (server core 0, wrk core 1): $PIN"
  echo
  echo "| route | requests/s (best round) | p50 ms | p99 ms | peak RSS MiB | errors | every round, req/s |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for route in $ROUTES $PEER_ROUTES $FLASK_ROUTES; do
    name=/$route
    [[ $route == peer ]] && name="peer /peer (actix-jwt-auth-middleware)"
    [[ $route == flask_* ]] && name="Flask /${route#flask_}"
    awk -v n="$name" -v r="${RPS[$route]}" -v a="${P50[$route]}" -v b="${P99[$route]}" \
      -v m="${RSS[$route]}" -v e="${ERRORS[$route]}" -v all="${ALL_RPS[$route]}" \
      'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %.1f | %s | %s |\n", n, r, a, b, m / 1024, e, all }'
  done
  echo
  echo "| ratio | value | target |"
  echo "|---|---:|---|"
  ratio() { # label numerator denominator target-min kind
    local a=$2 b=$3
    [[ -n ${a:-} && -n ${b:-} ]] || return 0
    awk -v l="$1" -v a="$a" -v b="$b" -v t="${4:-}" -v k="${5:-min}" 'BEGIN {
      v = a / b; verdict = ""
      if (t != "") {
        if (k == "min") verdict = (v >= t ? "≥ " t " met" : "≥ " t " MISSED")
        else verdict = (v <= t ? "≤ " t " met" : "≤ " t " MISSED")
      }
      printf "| %s | %.3f | %s |\n", l, v, verdict }'
  }
  ratio "/macro ÷ /hand (req/s)" "${RPS[macro]:-}" "${RPS[hand]:-}" 0.95
  ratio "/macro ÷ /open (req/s)" "${RPS[macro]:-}" "${RPS[open]:-}"
  ratio "/hand ÷ /open (req/s)" "${RPS[hand]:-}" "${RPS[open]:-}"
  ratio "/macro_rs256 ÷ /hand_rs256 (req/s)" "${RPS[macro_rs256]:-}" "${RPS[hand_rs256]:-}" 0.95
  ratio "/macro_rs256 ÷ /macro (req/s, no verified-token cache)" "${RPS[macro_rs256]:-}" "${RPS[macro]:-}"
  ratio "/macro_rs256_cached ÷ /macro (req/s, repeated token)" "${RPS[macro_rs256_cached]:-}" "${RPS[macro]:-}" 0.90
  ratio "/macro_user ÷ /macro (req/s)" "${RPS[macro_user]:-}" "${RPS[macro]:-}" 0.90
  ratio "/cookie_csrf ÷ /macro (req/s)" "${RPS[cookie_csrf]:-}" "${RPS[macro]:-}"
  # Peak RSS: each route ran in a fresh server, so each value is that route's own peak.
  ratio "peak RSS /macro ÷ /hand" "${RSS[macro]:-}" "${RSS[hand]:-}" 1.1 max
  ratio "peak RSS /macro_user ÷ /hand" "${RSS[macro_user]:-}" "${RSS[hand]:-}" 1.1 max
  ratio "peak RSS /cookie_csrf ÷ /hand" "${RSS[cookie_csrf]:-}" "${RSS[hand]:-}" 1.1 max
  ratio "peak RSS /macro_rs256 ÷ /hand_rs256" "${RSS[macro_rs256]:-}" "${RSS[hand_rs256]:-}" 1.1 max
  max_rss=0
  for route in $ROUTES; do
    if ((RSS[$route] > max_rss)); then max_rss=${RSS[$route]}; fi
  done
  ratio "peak RSS, largest route ÷ /hand (RSA routes load aws-lc's RSA code)" "$max_rss" "${RSS[hand]:-}"
  ratio "/macro ÷ peer /peer (req/s)" "${RPS[macro]:-}" "${RPS[peer]:-}"
  ratio "peer /peer ÷ /hand (req/s)" "${RPS[peer]:-}" "${RPS[hand]:-}"
  ratio "/macro ÷ Flask /macro (req/s)" "${RPS[macro]:-}" "${RPS[flask_macro]:-}" 50
  ratio "/hand ÷ Flask /macro (req/s)" "${RPS[hand]:-}" "${RPS[flask_macro]:-}"
  echo
  echo "raw wrk output: $OUT"
} | tee "$OUT/summary.md"
