#!/bin/sh
# Runs one fuzz target for a fixed time over its corpus, as ctest's
# "fuzz: NAME" does (tests/fuzz/CMakeLists.txt); exits non-zero on any
# crash, leak, timeout, out-of-memory or sanitizer report, whose input
# libFuzzer saves in FINDINGS/ (crash-*, leak-*, timeout-*, oom-*).
#   usage: run-target.sh FUZZER CORPUS FINDINGS SECONDS [libFuzzer options...]
# New inputs go to a temporary directory, so the corpus only grows when
# bench/fuzz.sh runs; reproduce a finding with: FUZZER FINDINGS/crash-...
# The inputs of findings fixed since, tests/fuzz/regressions/<name of
# CORPUS>/, run first, every time.
set -eu
[ $# -ge 4 ] || { echo "usage: $0 FUZZER CORPUS FINDINGS SECONDS [options...]" >&2; exit 2; }
fuzzer=$1 corpus=$2 findings=$3 seconds=$4
shift 4
if [ ! -x "$fuzzer" ]; then
    echo "$fuzzer: no such fuzz target (build the fuzz preset)" >&2
    exit 1
fi
if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    echo "$corpus: no seed corpus; tests/fuzz/make-corpus.sh makes it" >&2
    exit 1
fi
mkdir -p "$findings"
# Stack traces with function names and lines (llvm-16, or any llvm-symbolizer).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in /usr/lib/llvm-16/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-16 /usr/bin/llvm-symbolizer; do
        if [ -x "$s" ]; then export ASAN_SYMBOLIZER_PATH="$s"; break; fi
    done
fi
regressions=$(cd "$(dirname "$0")" && pwd)/regressions/$(basename "$corpus")
[ -d "$regressions" ] || regressions=
new=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-fuzz-new.XXXXXX")
# The target's scratch files (fuzz_support.hpp), gone even after a crash.
scratch=$(mktemp -d /dev/shm/lifeboat-fuzz-run.XXXXXX 2>/dev/null || mktemp -d "${TMPDIR:-/tmp}/lifeboat-fuzz-run.XXXXXX")
export LIFEBOAT_FUZZ_SCRATCH="$scratch"
trap 'rm -rf "$new" "$scratch"' EXIT INT TERM
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$@" "$new" "$corpus" ${regressions:+"$regressions"} || status=$?
if [ "$status" -ne 0 ]; then
    echo "== $(basename "$fuzzer") failed (exit $status); its input is in $findings/:" >&2
    ls -t "$findings" | head -3 | sed "s|^|   reproduce: $fuzzer $findings/|" >&2
fi
exit "$status"
