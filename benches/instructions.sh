#!/usr/bin/env bash
# Instructions per operation under callgrind: a noise-free complement to the criterion times
# on a shared machine. Each case runs N1 and N2 iterations; the difference divided by N2 - N1
# removes the start-up. Profiles stay in target/cg/ for callgrind_annotate.
#
#   benches/instructions.sh                      # every case
#   CASES="bare pipeline" benches/instructions.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
CASES=${CASES:-"bare bare_value hand_header decode_token pipeline pipeline_user bare_encode create bare_rs256 hand_header_rs256 decode_token_rs256 pipeline_rs256 pipeline_cached_rs256"}
N1=${N1:-1000}
N2=${N2:-3000}
TARGET_DIR=${CARGO_TARGET_DIR:-$HERE/target}
command -v valgrind >/dev/null || { echo "instructions.sh: install valgrind (apt-get install -y valgrind)" >&2; exit 1; }
nice -n 10 cargo build --release -j2 --bin profile
mkdir -p "$TARGET_DIR/cg"
declare -A IR
echo "| case | instructions per op |"
echo "|---|---:|"
for c in $CASES; do
  for n in $N1 $N2; do
    valgrind --tool=callgrind --callgrind-out-file="$TARGET_DIR/cg/$c.$n" \
      "$TARGET_DIR/release/profile" "$c" "$n" >/dev/null 2>"$TARGET_DIR/cg/$c.$n.log"
  done
  a=$(grep -oP 'Collected : \K[0-9]+' "$TARGET_DIR/cg/$c.$N1.log")
  b=$(grep -oP 'Collected : \K[0-9]+' "$TARGET_DIR/cg/$c.$N2.log")
  IR[$c]=$(((b - a) / (N2 - N1)))
  echo "| $c | ${IR[$c]} |"
done
echo
echo "| ratio (instructions) | value |"
echo "|---|---:|"
r() { [[ -n ${IR[$2]:-} && -n ${IR[$3]:-} ]] && awk -v l="$1" -v a="${IR[$2]}" -v b="${IR[$3]}" 'BEGIN { printf "| %s | %.2f |\n", l, a / b }' || true; }
r "pipeline ÷ bare (HS256)" pipeline bare
r "pipeline ÷ hand_header (HS256)" pipeline hand_header
r "decode_token ÷ bare (HS256)" decode_token bare
r "pipeline_user ÷ pipeline" pipeline_user pipeline
r "pipeline ÷ bare (RS256)" pipeline_rs256 bare_rs256
r "pipeline ÷ hand_header (RS256)" pipeline_rs256 hand_header_rs256
r "decode_token ÷ bare (RS256)" decode_token_rs256 bare_rs256
r "create ÷ bare_encode (HS256)" create bare_encode
