#!/usr/bin/env bash
# Builds what the GPU machine runs (the kiln command and the GPU tests, for sm_90, without the Qt
# workbench) in build-device/ and packs it with the libraries that machine lacks (oneDNN, ONNX,
# OpenMP, protobuf) into .device/kiln-device.tar.xz, which git ignores. The CUDA, cuDNN and
# cuBLASLt libraries are not packed: the GPU machine has its own (see gpu_session.sh).
#
# usage: tools/device/bundle.sh [NAME]
#   NAME  pack into .device/NAME.tar.xz instead (for gpu_session.sh's use=NAME step, which compares
#         two builds in one call); the archive is written to this checkout's .device/ folder
# KILN_DEVICE_BUILD_DIR packs the binaries of an existing build folder with the CUDA backend instead
# (build/, which tools/test.sh configures, saves a second build of everything: it is RelWithDebInfo,
# so use it for the tests, not for timings).
set -euo pipefail
cd "$(dirname "$0")/../.."
archive=$PWD/.device/${1:-kiln-device}.tar.xz
build_dir=${KILN_DEVICE_BUILD_DIR:-build-device}

if [[ -z ${KILN_DEVICE_BUILD_DIR:-} ]]; then
    cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_GUI=OFF \
        -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
fi
if ! cmake --build "$build_dir" --target help 2>/dev/null | grep -q '^kiln_gpu_tests'; then
    echo "bundle.sh: $build_dir has no kiln_gpu_tests target (no CUDA backend, or not configured): configure it" \
        "where the CUDA toolkit is found (tools/test.sh does), or unset KILN_DEVICE_BUILD_DIR" >&2
    exit 1
fi
cmake --build "$build_dir" -j "$(nproc)" --target kiln_cli kiln_gpu_tests

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp "$build_dir/app/cli/kiln" "$build_dir/tests/kiln_gpu_tests" "$stage/bin/"
strip "$stage/bin/kiln"
strip --strip-debug "$stage/bin/kiln_gpu_tests"  # the tests keep their symbols for backtraces
# Every shared library the binaries load from outside the CUDA toolkit and the C runtime.
for binary in "$stage/bin/"*; do
    ldd "$binary" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/usr/local/cuda|libc\.so|libm\.so|libstdc\+\+|libgcc_s|ld-linux|libpthread|libdl\.so|librt\.so' |
    while read -r library; do cp -L "$library" "$stage/lib/"; done
mkdir -p "$(dirname "$archive")"
tar -C "$stage" -cJf "$archive" bin lib
ls -l "$archive"
