#!/usr/bin/env bash
# Builds the Kiln workbench and opens the sample model in it: installs missing Debian packages
# (tools/setup.sh), configures build/ with Ninja and ccache, builds the kiln_workbench target and
# starts it on resources/sample/kiln_sample.onnx. Arguments replace the sample, e.g.
#   tools/run.sh path/to/model.onnx
# Without a display (no DISPLAY or WAYLAND_DISPLAY) the workbench is started on Qt's offscreen
# platform for a few seconds to show that it starts and loads the model, then stopped.
# KILN_BUILD_DIR overrides the build folder (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh

build_dir=${KILN_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_BUILD_GUI=ON
cmake --build "$build_dir" -j "$(nproc)" --target kiln_workbench

workbench="$build_dir/app/workbench/kiln-workbench"
if [[ ! -x $workbench ]]; then
    echo "error: the build made no $workbench; see the output above" >&2
    exit 1
fi
(($# > 0)) || set -- resources/sample/kiln_sample.onnx

if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} && -z ${QT_QPA_PLATFORM:-} ]]; then
    seconds=10
    echo "No display found: starting the workbench offscreen for $seconds s to check that it starts."
    echo "Run tools/run.sh from a desktop session to use it."
    status=0
    QT_QPA_PLATFORM=offscreen timeout "$seconds" "$workbench" "$@" || status=$?
    # timeout's 124 means the workbench was still running, which is what a healthy start looks like.
    if ((status == 124)); then
        echo "The workbench started and ran for $seconds s without error."
        exit 0
    fi
    echo "error: the workbench exited with status $status" >&2
    exit "$status"
fi
exec "$workbench" "$@"
