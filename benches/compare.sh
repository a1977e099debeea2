#!/usr/bin/env bash
# Times logscan against ripgrep and grep on the same generated nginx error.log, hot
# cache, in one run, and prints the ratios, the stdin peak memory and whether -j1
# gives the same output. Not part of `cargo test`; results go to BENCHMARKS.md.
# usage: benches/compare.sh [SIZE_MB ...]   (default: 100 1000; 4000 takes 4 GB of disk)
# needs: ../shared/tools/genlogs.py, rg, GNU time (/usr/bin/time); hyperfine if present.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${*:-100 1000}
BIN=target/release/logscan
DATA=${BENCH_DATA:-/tmp/logscan-bench}
GEN=../shared/tools/genlogs.py
# The 8-keyword union of the acceptance check (../shared/tools/perf_check.sh).
UNION='(111: Connection refused)|upstream prematurely closed|upstream timed out|PHP Fatal error|Allowed memory size|No space left on device|exited on signal|Out of memory'
cargo build --release -q
command -v rg >/dev/null || { echo "ripgrep (rg) is needed: apt-get install ripgrep"; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time"; exit 1; }
mkdir -p "$DATA"

# Output goes through a pipe, never to /dev/null: GNU grep stops at the first match
# when it sees its output is /dev/null.
best() { # best wall time in seconds of runs of "$@" (hyperfine: 5 runs after a warm-up; else 3)
    if command -v hyperfine >/dev/null; then
        hyperfine -i -w1 -r5 --output=pipe --export-json "$DATA/h.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.3f" % min(json.load(open(sys.argv[1]))["results"][0]["times"]))' "$DATA/h.json"
    else
        local b=999999 s e t
        for _ in 1 2 3; do
            s=$(date +%s.%N); { "$@" 2>/dev/null || true; } | cat >/dev/null; e=$(date +%s.%N)
            t=$(echo "$e - $s" | bc -l); b=$(echo "if ($t < $b) $t else $b" | bc -l)
        done
        printf '%.3f' "$b"
    fi
}

echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr)"
echo "logscan $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(rg --version | head -1), $(grep --version | head -1)"
for mb in $SIZES; do
    f=$DATA/nginx-${mb}m.log
    [ -s "$f" ] || { python3 "$GEN" nginx "$mb" "$f.part" >/dev/null && mv "$f.part" "$f"; }
    cat "$f" >/dev/null
    lines=$(wc -l <"$f")
    ls_t=$(best "$BIN" --json --tz UTC "$f")
    j1_t=$(best "$BIN" -j1 --json --tz UTC "$f")
    rg_t=$(best rg -c -e "$UNION" "$f")
    grep_t=$(best grep -cE "$UNION" "$f")
    # logscan exits 1 when it finds an incident: not a failure here.
    rss_kb=$(cat "$f" | { /usr/bin/time -f '%M' "$BIN" --json --tz UTC - 2>&1 >/dev/null || true; } | tail -1)
    a=$({ "$BIN" --json --tz UTC "$f" || true; } | md5sum)
    b=$({ "$BIN" -j1 --json --tz UTC "$f" || true; } | md5sum)
    same=no; [ "$a" = "$b" ] && same=yes
    printf '%5s MB, %s lines: logscan %ss (-j1 %ss, %.0fk lines/s), rg -c %ss, grep -cE %ss; ratio to rg %.1f; stdin peak RSS %d MB; -j1 same output %s\n' \
        "$mb" "$lines" "$ls_t" "$j1_t" "$(echo "$lines / $ls_t / 1000" | bc -l)" "$rg_t" "$grep_t" \
        "$(echo "$ls_t / $rg_t" | bc -l)" "$((rss_kb / 1024))" "$same"
done
