#!/usr/bin/env bash
# Installs what Kiln needs to build, test and run on Debian 12 (bookworm): the compiler and build
# tools (dpkg-dev's dpkg-shlibdeps gives the packages' dependencies), ONNX and protobuf, GoogleTest, Qt 6
# (with the linguist tools), the ONNX backend test data used by the conformance runner, Python's onnx and
# numpy for the sample-model script, and Python's headers and pybind11 for the `kiln` Python module.
# Only missing packages are installed. No CUDA is needed; the CUDA backend is built only where the
# toolkit is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
    cmake ninja-build ccache g++ pkg-config dpkg-dev
    libonnx-dev protobuf-compiler libprotobuf-dev
    libgtest-dev libdnnl-dev libstb-dev
    libqcustomplot-dev libgraphviz-dev graphviz
    qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libgl-dev
    libonnx-testdata
    python3 python3-onnx python3-numpy python3-dev pybind11-dev
)
tools/ensure_packages.sh "${packages[@]}"
