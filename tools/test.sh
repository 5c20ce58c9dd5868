#!/usr/bin/env bash
# Builds everything and runs the tests: installs missing Debian packages (tools/setup.sh),
# configures build/ with Ninja and ccache, builds, and runs ctest. GUI tests run on Qt's offscreen
# platform, so no display is needed.
#
# usage: tools/test.sh [--zoo]
#   --zoo  also run the model-zoo tests (label `zoo`): torchvision models against ONNX Runtime.
#          They install python3-torchvision, Node.js and npm when missing and need the network once.
# KILN_BUILD_DIR overrides the build folder (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."

zoo=0
for arg in "$@"; do
    case "$arg" in
        --zoo) zoo=1 ;;
        *) echo "usage: tools/test.sh [--zoo]" >&2; exit 2 ;;
    esac
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
