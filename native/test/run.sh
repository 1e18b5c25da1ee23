#!/usr/bin/env bash
# Builds and runs Labscope's native C++ tests, each in its own build directory (gitignored):
#   build-unit  g++,     ASan+UBSan: unit tests for ring, RDA decoder, decimation
#   build-tsan  clang++, TSan:       unit tests again + the writer/readers ring stress test
#   build-fuzz  clang++, libFuzzer+ASan+UBSan: RDA decoder fuzzer from a generated seed corpus,
#               and the number-array parser's (mokucli's sample arrays: a third of the seconds)
# Env: FUZZ_SECONDS (default 30), STRESS_SECONDS (default 4). Exits non-zero on any failure.
#   FUZZ_RUNS=N  the fuzzer runs exactly N inputs instead of FUZZ_SECONDS (npm run fuzz -- --long)
#   run.sh fuzz  builds and runs the fuzzer only (npm run fuzz)
set -euo pipefail
only="${1:-all}"
case "$only" in all | fuzz) ;; *)
  echo "usage: run.sh [fuzz]   (got: $only)" >&2
  exit 2
  ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(dirname "$here")"
jobs="$(nproc 2>/dev/null || echo 2)"
fuzz_seconds="${FUZZ_SECONDS:-30}"
export STRESS_SECONDS="${STRESS_SECONDS:-4}"

configure() {
  local dir="$1" cxx="$2" sanitize="$3"
  cmake -S "$native" -B "$here/$dir" -DLABSCOPE_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DLABSCOPE_SANITIZE="$sanitize" >/dev/null
}

if [ "$only" = all ]; then
echo "== unit tests (g++, address+undefined)"
configure build-unit g++ address,undefined
cmake --build "$here/build-unit" -j "$jobs" --target labscope_unit >/dev/null
"$here/build-unit/test/labscope_unit"

echo "== ThreadSanitizer: unit tests + ring stress (${STRESS_SECONDS}s)"
configure build-tsan clang++ thread
cmake --build "$here/build-tsan" -j "$jobs" --target labscope_unit labscope_stress >/dev/null
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
"$here/build-tsan/test/labscope_unit" >/dev/null
"$here/build-tsan/test/labscope_stress"

fi

# run_fuzzer NAME LABEL SECONDS MAX_LEN SEEDS: the fuzzer NAME on its own corpus and SEEDS, for a
# budget of runs (FUZZ_RUNS: the long run's >= 10 M) or of SECONDS (CI's bounded one); on a
# failure its log's end and where the crash inputs are.
run_fuzzer() {
  local name="$1" label="$2" seconds="$3" max_len="$4" seeds="$5" budget what status=0
  if [ -n "${FUZZ_RUNS:-}" ]; then budget="-runs=$FUZZ_RUNS"; what="$FUZZ_RUNS inputs"; else budget="-max_total_time=$seconds"; what="${seconds}s"; fi
  echo "== libFuzzer: $label ($what)"
  mkdir -p "$fuzz/corpus-$name" "$fuzz/artifacts"
  "$fuzz/test/$name" "$budget" -print_final_stats=1 -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$fuzz/artifacts/" "$fuzz/corpus-$name" "$seeds" >"$fuzz/$name.log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^(INFO|#).*(DONE|pulse)" "$fuzz/$name.log" | tail -n 3 || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$fuzz/$name.log"
    echo "$label fuzzer failed (exit $status); crash inputs in $fuzz/artifacts" >&2
    exit "$status"
  fi
}

configure build-fuzz clang++ fuzzer-no-link,address,undefined
cmake --build "$here/build-fuzz" -j "$jobs" --target rda_fuzzer rda_seeds number_array_fuzzer >/dev/null
fuzz="$here/build-fuzz"
rm -rf "$fuzz/seeds" "$fuzz/seeds-numbers" && mkdir -p "$fuzz/seeds" "$fuzz/seeds-numbers"
"$fuzz/test/rda_seeds" "$fuzz/seeds"
printf '\x10\x00\x01[1.5, -2e-3, nan, null, -inf, 0.30000000000000004]' >"$fuzz/seeds-numbers/mokucli"
printf '\x40\x01\x02[ 01, 1., 1e400, -0 ]' >"$fuzz/seeds-numbers/edges"
run_fuzzer rda_fuzzer "RDA decoder" "$fuzz_seconds" 16384 "$fuzz/seeds"
# The number-array parser is small: a third of the seconds (or the same number of runs).
run_fuzzer number_array_fuzzer "number-array parser" $((fuzz_seconds / 3 > 5 ? fuzz_seconds / 3 : 5)) 4096 "$fuzz/seeds-numbers"
echo "== all native tests passed"
