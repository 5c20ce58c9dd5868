#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (the fuzz
# preset: clang, build-fuzz/) and runs each for a while, starting from its seed corpus
# (tests/fuzz/corpus/TARGET). New inputs that reach new code are kept in build-fuzz/corpus/TARGET; an
# input that crashes, trips a sanitizer, hangs or breaks a property is written to
# build-fuzz/findings/TARGET/ and the run reports it. Add a fixed finding to the seed corpus.
#
# usage: tools/fuzz.sh [--jobs N] SECONDS [TARGET...]
#   targets: npy_reader onnx_import caffe_import plan_reader timing_cache calibration_cache (default: all, one after the other;
#   --jobs N runs N of them at once)
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=1
if [[ ${1:-} == --jobs ]]; then
    jobs=$2
    shift 2
fi
seconds=${1:?usage: tools/fuzz.sh [--jobs N] SECONDS [TARGET...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(npy_reader onnx_import caffe_import plan_reader timing_cache calibration_cache)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/sanitizers/lsan.supp}

run_one() {
    local target=$1
    local corpus=build-fuzz/corpus/$target findings=build-fuzz/findings/$target
    mkdir -p "$corpus" "$findings"
    local log=build-fuzz/fuzz_$target.log
    # -rss_limit_mb: above the targets' 256 MiB memory budget with the sanitizers' overhead;
    # -timeout: one input may take this long (a build of an imported model included).
    if build-fuzz/tests/fuzz/fuzz_$target "$corpus" "tests/fuzz/corpus/$target" -max_total_time="$seconds" \
        -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 -artifact_prefix="$findings/" >"$log" 2>&1; then
        echo "$target: no finding in $seconds s ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') inputs run; corpus $(ls "$corpus" | wc -l) inputs)"
    else
        echo "$target: FINDING, see $log and $findings/"
        # The end of the log names the property or sanitizer report and the input that broke it.
        grep -v '^ *#[0-9]' "$log" | tail -n 25 | sed "s/^/    $target: /"
        return 1
    fi
}

status=0
running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while ((running > 0)); do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
