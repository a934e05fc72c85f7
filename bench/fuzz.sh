#!/bin/sh
# Long fuzzing runs (docs/FUZZING.md): builds the fuzz preset, makes the seed
# corpora if needed (tests/fuzz/make-corpus.sh), then runs each fuzz target
# in turn for SECONDS of wall time in libFuzzer's fork mode with JOBS workers
# (default: every core), going on past what it finds: crashes, leaks,
# timeouts and out-of-memory inputs are saved in build/fuzz/findings/TARGET/
# and counted. New inputs are merged into build/fuzz/corpus/TARGET/, so each
# run starts where the last one stopped. Prints per target: seconds,
# CPU-seconds, executions, coverage (cov: edges, ft: features), corpus size
# and findings; the whole log is in build/fuzz/logs/TARGET.log.
#   usage: bench/fuzz.sh [SECONDS] [TARGET...]    (default 3600 s; every target)
#   e.g.   bench/fuzz.sh 1800                     1 CPU-hour per target on 2 cores
#          JOBS=1 bench/fuzz.sh 600 gpt mbr
# Reproduce a finding: build/fuzz/tests/fuzz/TARGET_fuzz build/fuzz/findings/TARGET/crash-...
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-3600}
[ $# -gt 0 ] && shift
jobs=${JOBS:-$(nproc)}
bin=build/fuzz/tests/fuzz

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
tests/fuzz/make-corpus.sh build/fuzz

if [ $# -eq 0 ]; then
    set --
    for f in "$bin"/*_fuzz; do set -- "$@" "$(basename "$f" _fuzz)"; done
fi
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in /usr/lib/llvm-16/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-16 /usr/bin/llvm-symbolizer; do
        if [ -x "$s" ]; then export ASAN_SYMBOLIZER_PATH="$s"; break; fi
    done
fi
mkdir -p build/fuzz/logs
scratch=$(mktemp -d /dev/shm/lifeboat-fuzz-bench.XXXXXX 2>/dev/null || mktemp -d)
export LIFEBOAT_FUZZ_SCRATCH="$scratch"
trap 'rm -rf "$scratch"' EXIT INT TERM

printf '%-14s %7s %8s %12s %6s %7s %6s %s\n' target seconds cpu-s executions cov ft corpus findings
total=0
for t in "$@"; do
    [ -x "$bin/${t}_fuzz" ] || { echo "bench/fuzz.sh: no fuzz target $t" >&2; exit 2; }
    findings=build/fuzz/findings/$t
    mkdir -p "$findings"
    before=$(ls "$findings" | wc -l)
    log=build/fuzz/logs/$t.log
    start=$(date +%s)
    "$bin/${t}_fuzz" -fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$findings/" \
        "build/fuzz/corpus/$t" >"$log" 2>&1 || true
    took=$(( $(date +%s) - start ))
    # Fork mode's status lines: "#RUNS: cov: N ft: N corp: N exec/s: N oom/timeout/crash: a/b/c time: Ns ..."
    last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
    runs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(ls "build/fuzz/corpus/$t" | wc -l)
    kinds=$(echo "$last" | sed -n 's|.*oom/timeout/crash: \([0-9/]*\).*|\1|p')
    new=$(( $(ls "$findings" | wc -l) - before ))
    printf '%-14s %7s %8s %12s %6s %7s %6s %s\n' "$t" "$took" "$((took * jobs))" "${runs:-?}" "${cov:-?}" \
        "${ft:-?}" "$corp" "$new new (oom/timeout/crash ${kinds:-?})"
    total=$((total + new))
done
[ "$total" -eq 0 ] || echo "bench/fuzz.sh: $total new findings in build/fuzz/findings/ (logs in build/fuzz/logs/)"
