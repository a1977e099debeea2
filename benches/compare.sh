#!/usr/bin/env bash
# Times logscan against ripgrep and grep on the same generated nginx error.log, hot
# cache, in one run, and prints the ratios. Not part of `cargo test`.
# usage: benches/compare.sh [SIZE_MB ...]      (default: 100 1000; needs ../shared/tools)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-100 1000}
BIN=target/release/logscan
DATA=${BENCH_DATA:-/tmp/logscan-bench}
GEN=../shared/tools/genlogs.py
UNION='(111: Connection refused)|upstream prematurely closed|upstream timed out|PHP Fatal error|Allowed memory size|No space left on device|exited on signal|Out of memory'
cargo build --release -q
command -v rg >/dev/null || { echo "ripgrep (rg) is needed: apt-get install ripgrep"; exit 1; }
mkdir -p "$DATA"
best() { # best wall time of 3 runs, in seconds
    local b=999999 s e t
    for _ in 1 2 3; do
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l); b=$(echo "if ($t < $b) $t else $b" | bc -l)
    done
    printf '%.3f' "$b"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
for mb in $SIZES; do
    f=$DATA/nginx-${mb}m.log
    [ -s "$f" ] || python3 "$GEN" nginx "$mb" "$f" >/dev/null
    cat "$f" >/dev/null
    ls_t=$(best "$BIN" --json --tz UTC "$f")
    j1_t=$(best "$BIN" -j1 --json --tz UTC "$f")
    rg_t=$(best rg -c -e "$UNION" "$f")
    grep_t=$(best grep -cE "$UNION" "$f")
    lines=$(wc -l <"$f")
    printf '%5s MB: logscan %ss (-j1 %ss, %.0f lines/s), rg -c %ss, grep -cE %ss, ratio to rg %.1f\n' \
        "$mb" "$ls_t" "$j1_t" "$(echo "$lines / $ls_t" | bc -l)" "$rg_t" "$grep_t" "$(echo "$ls_t / $rg_t" | bc -l)"
done
