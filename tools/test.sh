#!/usr/bin/env bash
# Builds everything and runs the tests: installs missing Debian packages (tools/setup.sh),
# configures build/ with Ninja and ccache, builds, and runs ctest. GUI tests run on Qt's offscreen
# platform, so no display is needed.
#
# usage: tools/test.sh [--zoo] [--fuzz SECONDS]
#   --zoo           also run the model-zoo tests (label `zoo`): torchvision models against ONNX Runtime.
#                   They install python3-torchvision, Node.js and npm when missing and need the network once.
#   --fuzz SECONDS  then run every libFuzzer target for SECONDS under ASan and UBSan (tools/fuzz.sh, the
#                   fuzz preset in build-fuzz/; installs clang, its libFuzzer runtime and its OpenMP
#                   when missing).
#                   CI runs a short one; a finding fails the run.
# KILN_BUILD_DIR overrides the build folder (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: tools/test.sh [--zoo] [--fuzz SECONDS]"
zoo=0
fuzz_seconds=0
while (($#)); do
    case "$1" in
        --zoo) zoo=1 ;;
        --fuzz)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "$usage (SECONDS: a whole number above 0)" >&2; exit 2; }
            fuzz_seconds=$2
            shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
    shift
done

tools/setup.sh
if ((zoo)); then
    zoo_packages=(python3-torchvision)
    command -v node >/dev/null && command -v npm >/dev/null || zoo_packages+=(nodejs npm)
    # A failure here is not fatal: the zoo tests then report themselves as skipped.
    tools/ensure_packages.sh "${zoo_packages[@]}" || echo "warning: could not install ${zoo_packages[*]}"
fi

build_dir=${KILN_BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_BUILD_GUI=ON
cmake --build "$build_dir" -j "$jobs"

export QT_QPA_PLATFORM=offscreen
cd "$build_dir"
if ((zoo)); then
    # The zoo tests are large and each uses several threads; run them one at a time after the rest.
    ctest --output-on-failure -j "$jobs" -LE zoo
    ctest --output-on-failure -L zoo
else
    ctest --output-on-failure -j "$jobs" -LE zoo
fi
cd - >/dev/null

if ((fuzz_seconds > 0)); then
    tools/ensure_packages.sh clang libclang-rt-14-dev libomp-14-dev
    tools/fuzz.sh --jobs "$jobs" "$fuzz_seconds"
fi
