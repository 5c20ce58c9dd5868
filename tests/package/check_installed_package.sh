#!/usr/bin/env bash
# Builds the outside program in consumer/ against an installed Kiln, once through find_package(Kiln) and once
# through pkg-config, and runs both on MODEL: each must print the hand-built network's result and the model's
# outputs. With --install BUILD_DIR it first installs that build's libkiln-dev component under PREFIX (a
# temporary prefix, removed on success); installer/test_packages.sh runs it on the packages installed in /usr.
#
# usage: check_installed_package.sh [--install BUILD_DIR] PREFIX WORK_DIR MODEL.onnx
# Exit status 0 when everything built and ran, 1 otherwise (the failing step is named).
set -uo pipefail

install_from=
if [[ ${1:-} == --install ]]; then
    install_from=$2
    shift 2
fi
if (($# != 3)); then
    echo "usage: check_installed_package.sh [--install BUILD_DIR] PREFIX WORK_DIR MODEL.onnx" >&2
    exit 2
fi
prefix=$1 work=$2 model=$3
consumer=$(cd "$(dirname "$0")/consumer" && pwd)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect_output() {  # program output_file: the lines every run must print
    grep -qx "hand-built network: 0 1 3.5 6" "$2" || fail "$1 did not print the hand-built network's result"
    grep -q "^plan of [0-9]* bytes, same result$" "$2" || fail "$1 did not run its plan"
    grep -q "^$model: output " "$2" || fail "$1 printed no output of $model"
}

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
if [[ -n $install_from ]]; then
    rm -rf "$prefix"
    cmake --install "$install_from" --prefix "$prefix" --component Development >"$work/install.log" 2>&1 \
        || fail "cmake --install of the Development component (see $work/install.log)"
    # The installed package must not point back into the build or source tree.
    if grep -rlI -e "$(cd "$install_from" && pwd)" -e "$(cd "$consumer/../../.." && pwd)/" \
        "$prefix"/lib*/cmake "$prefix"/lib*/pkgconfig "$prefix"/lib/*/cmake "$prefix"/lib/*/pkgconfig 2>/dev/null; then
        fail "the files above name the build or source folder"
    fi
fi
echo "installed Kiln under $prefix"

# find_package(Kiln)
cmake -S "$consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    >"$work/cmake-configure.log" 2>&1 || { cat "$work/cmake-configure.log"; fail "find_package(Kiln) configure"; }
cmake --build "$work/cmake" >"$work/cmake-build.log" 2>&1 \
    || { tail -30 "$work/cmake-build.log"; fail "build against find_package(Kiln)"; }
"$work/cmake/kiln_consumer" "$model" >"$work/cmake-run.out" 2>&1 \
    || { cat "$work/cmake-run.out"; fail "the program built with find_package(Kiln) failed"; }
expect_output "the find_package(Kiln) program" "$work/cmake-run.out"
echo "find_package(Kiln): built and ran"
sed 's/^/  /' "$work/cmake-run.out"

# pkg-config
pc_path=$(find "$prefix" -path '*/pkgconfig/kiln.pc' -printf '%h' -quit)
[[ -n $pc_path ]] || fail "no kiln.pc under $prefix"
flags=$(PKG_CONFIG_PATH=$pc_path pkg-config --cflags --libs kiln-onnx kiln-caffe) || fail "pkg-config kiln-onnx kiln-caffe"
echo "pkg-config --cflags --libs kiln-onnx kiln-caffe: $flags"
# shellcheck disable=SC2086  # the flags are words
g++ -std=c++20 -O1 "$consumer/kiln_consumer.cpp" -o "$work/kiln_consumer_pc" $flags >"$work/pc-build.log" 2>&1 \
    || { tail -30 "$work/pc-build.log"; fail "build with pkg-config's flags"; }
"$work/kiln_consumer_pc" "$model" >"$work/pc-run.out" 2>&1 \
    || { cat "$work/pc-run.out"; fail "the program built with pkg-config failed"; }
expect_output "the pkg-config program" "$work/pc-run.out"
echo "pkg-config: built and ran"

if [[ -n $install_from ]]; then rm -rf "$prefix" "$work"; fi
echo "PASS"
