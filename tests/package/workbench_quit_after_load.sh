#!/usr/bin/env bash
# kiln-workbench --quit-after-load, as installer/test_packages.sh uses it to check that the installed workbench
# starts: on the sample model it shows the file and exits 0; a build of it exits 0 once built; a file that is
# no model exits 1 naming the file; no file at all exits 2. Runs on Qt's offscreen platform.
#
# usage: workbench_quit_after_load.sh KILN_WORKBENCH SAMPLE_MODEL WORK_DIR
set -uo pipefail
(($# == 3)) || { echo "usage: workbench_quit_after_load.sh KILN_WORKBENCH SAMPLE_MODEL WORK_DIR" >&2; exit 2; }
workbench=$1 sample=$2 work=$3
export QT_QPA_PLATFORM=offscreen
# The lines checked below are the English ones; the preferences that could pick another language are the
# test's own (XDG_CONFIG_HOME below).
export LC_ALL=C.UTF-8 LANG=C.UTF-8 LANGUAGE=
rm -rf "$work" && mkdir -p "$work"
# Preferences and recent files go to a folder of the test's own.
export XDG_CONFIG_HOME=$work/config

failed=0
check() {  # name expected_status expected_line_pattern command...
    local name=$1 expected=$2 pattern=$3
    shift 3
    local status=0
    timeout 120 "$@" >"$work/$name.out" 2>&1 || status=$?
    if [[ $status != "$expected" ]]; then
        echo "FAIL $name: exit status $status, expected $expected"; sed 's/^/  /' "$work/$name.out"; failed=1
    elif ! grep -qE "$pattern" "$work/$name.out"; then
        echo "FAIL $name: no line matching '$pattern'"; sed 's/^/  /' "$work/$name.out"; failed=1
    else
        echo "ok   $name: exit status $status, $(grep -E "$pattern" "$work/$name.out" | head -1)"
    fi
}

check shows_sample 0 "^kiln-workbench: showed .*kiln_sample\.onnx\.$" "$workbench" --quit-after-load "$sample"
check builds_sample 0 "^kiln-workbench: built .*kiln_sample\.onnx\.$" "$workbench" --build --quit-after-load "$sample"
printf 'this is no model' >"$work/broken.onnx"
check refuses_broken_file 1 "^kiln-workbench: could not open .*broken\.onnx: " \
    "$workbench" --quit-after-load "$work/broken.onnx"
check needs_a_file 2 "needs a file" "$workbench" --quit-after-load
exit $failed
