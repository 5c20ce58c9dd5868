#!/usr/bin/env bash
# Builds what the GPU machine runs (the kiln command and the GPU tests, for sm_90, without the Qt
# workbench) in build-device/ and packs it with the libraries that machine lacks (oneDNN, ONNX,
# OpenMP, protobuf) into .device/kiln-device.tar.xz, which git ignores. The CUDA, cuDNN and
# cuBLASLt libraries are not packed: the GPU machine has its own (see gpu_session.sh).
#
# usage: tools/device/bundle.sh [NAME]
#   NAME  pack into .device/NAME.tar.xz instead (for gpu_session.sh's use=NAME step, which compares
#         two builds in one call); the archive is written to this checkout's .device/ folder
set -euo pipefail
cd "$(dirname "$0")/../.."
archive=$PWD/.device/${1:-kiln-device}.tar.xz

cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_GUI=OFF \
    -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build build-device -j "$(nproc)" --target kiln_cli kiln_gpu_tests

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp build-device/app/cli/kiln build-device/tests/kiln_gpu_tests "$stage/bin/"
strip "$stage/bin/kiln"  # the tests keep their symbols for backtraces
# Every shared library the binaries load from outside the CUDA toolkit and the C runtime.
for binary in "$stage/bin/"*; do
    ldd "$binary" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/usr/local/cuda|libc\.so|libm\.so|libstdc\+\+|libgcc_s|ld-linux|libpthread|libdl\.so|librt\.so' |
    while read -r library; do cp -L "$library" "$stage/lib/"; done
mkdir -p "$(dirname "$archive")"
tar -C "$stage" -cJf "$archive" bin lib
ls -l "$archive"
