#!/usr/bin/env bash
# Runs on the GPU machine (through the device tool, with .device carried): unpacks the bundle that
# bundle.sh made, then runs what is asked, writing logs under $OUT.
#
# Only 8 files come back from the device machine, so the logs are written to a folder and packed into
# $OUT/logs.tar.xz at the end.
#
# usage: tools/device/gpu_session.sh STEP...
#   tests        the GPU tests (kiln_gpu_tests), every test in one process, then any crashed suite alone
#   zoo[=M,...]  the model-zoo check on CUDA FP32 against ONNX Runtime, and FP16 against FP32
#                (default: all seven models)
#   cpuzoo[=M,...] the same check on the CPU backend, on this machine's CPU (FP32; default: all seven)
#   dynamic[=M,...] the dynamic-batch zoo check on CUDA: one plan for batches 1 to 32, run at 1, 3, 8
#                and 32 against ONNX Runtime, in FP32 and then in FP16 (default: resnet50,mobilenet_v2)
#   bench[=ARGS] bench/gpu/bench.py with ARGS (see bench/README.md)
#   compare=M,...  'kiln compare --backend cuda' FP32 against FP16 on each zoo model, every tensor
#   report=M,B   a cold FP16 build of zoo model M at batch B with its build report, and a summary of
#                where the tactic timing went (tools/timing_summary.py), then the plan's median compute
#                time over 100 runs
#   use=NAME     the steps after it run the binaries of .device/NAME.tar.xz (made by
#                'tools/device/bundle.sh NAME'), to compare two builds in one call
set -uo pipefail
cd "$(dirname "$0")/../.."
result=${OUT:-/tmp/kiln-out}
out=/tmp/kiln-logs
mkdir -p "$result" "$out" /tmp/kiln
trap 'tar -C "$out" -cJf "$result/logs.tar.xz" .' EXIT
tar -C /tmp/kiln -xJf .device/kiln-device.tar.xz || exit 1
venv=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
# cuDNN 9.19 (the headers kiln was built with) and cuBLASLt 13 from PyTorch's environment, before
# the system's older cuDNN.
export LD_LIBRARY_PATH=$venv/cudnn/lib:$venv/cu13/lib:/usr/local/cuda/lib64:/tmp/kiln/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PATH=/tmp/kiln/bin:$PATH
export PYTHONUNBUFFERED=1
python=/opt/torch/.venv/bin/python3
[ -x "$python" ] || python=python3
kiln --version | tee "$out/version.txt"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader | tee -a "$out/version.txt"

status=0
tag=""  # the use=NAME in effect, in log names
for step in "$@"; do
    case "$step" in
        tests)
            # The command-line cases run the packed kiln on the sample model of this tree.
            export KILN_CLI=/tmp/kiln/bin/kiln KILN_SOURCE_DIR=$PWD
            timeout 300 kiln_gpu_tests --gtest_brief=1 >"$out/gpu_tests.log" 2>&1
            code=$?
            tail -5 "$out/gpu_tests.log"
            if [ $code -gt 1 ]; then  # a crash: run each suite alone to see which
                for suite in $(kiln_gpu_tests --gtest_list_tests | grep -v '^ ' | tr -d '.'); do
                    timeout 120 kiln_gpu_tests --gtest_brief=1 --gtest_filter="$suite.*" >>"$out/gpu_tests_by_suite.log" 2>&1
                    code=$?
                    [ $code -eq 0 ] && continue
                    echo "suite $suite: exit $code" | tee -a "$out/gpu_tests_by_suite.log"
                    [ $code -gt 1 ] || continue
                    # A crashed suite: each of its tests alone, with a backtrace where gdb exists.
                    for test in $(kiln_gpu_tests --gtest_list_tests --gtest_filter="$suite.*" | grep '^ ' | tr -d ' '); do
                        if command -v gdb >/dev/null; then
                            timeout 120 gdb -batch -ex run -ex bt --args "$(command -v kiln_gpu_tests)" --gtest_filter="$suite.$test" \
                                >"$out/crash_$suite.$test.log" 2>&1
                            grep -q "SIGSEGV\|SIGABRT\|signal" "$out/crash_$suite.$test.log" &&
                                echo "  $suite.$test crashed: $out/crash_$suite.$test.log"
                        else
                            timeout 120 kiln_gpu_tests --gtest_filter="$suite.$test" >"$out/crash_$suite.$test.log" 2>&1
                            echo "  $suite.$test: exit $?"
                        fi
                    done
                done
            fi
            grep -E '^\[  FAILED  \]' "$out/gpu_tests.log" | head -40
            [ $code -eq 0 ] || status=1 ;;
        zoo*)
            models=${step#zoo}; models=${models#=}
            [ -n "$models" ] || models=resnet50,googlenet,densenet121,mobilenet_v2,squeezenet1_1,efficientnet_b0,inception_v3
            for model in ${models//,/ }; do
                "$python" tests/models/run_zoo_model.py "$model" --backend cuda --fp16 --kiln /tmp/kiln/bin/kiln \
                    --work /tmp/kiln/zoo/$model --cache /tmp/kiln/cache >"$out/zoo_$model.log" 2>&1
                code=$?
                echo "zoo $model: exit $code; $(grep -E '^(PASS|FAIL)' "$out/zoo_$model.log" | head -3 | tr '\n' ' ')"
                [ $code -eq 0 ] || status=1
            done ;;
        cpuzoo*)
            # The CPU backend's model-zoo check on this machine's CPU (AVX-512, more threads than the
            # development machines), FP32 only.
            models=${step#cpuzoo}; models=${models#=}
            [ -n "$models" ] || models=resnet50,googlenet,densenet121,mobilenet_v2,squeezenet1_1,efficientnet_b0,inception_v3
            for model in ${models//,/ }; do
                "$python" tests/models/run_zoo_model.py "$model" --backend cpu --kiln /tmp/kiln/bin/kiln \
                    --work /tmp/kiln/cpuzoo/$model --cache /tmp/kiln/cache >"$out/cpuzoo_$model.log" 2>&1
                code=$?
                echo "cpu zoo $model: exit $code; $(grep -E '^(PASS|FAIL)' "$out/cpuzoo_$model.log" | head -3 | tr '\n' ' ')"
                [ $code -eq 0 ] || status=1
            done ;;
        dynamic*)
            models=${step#dynamic}; models=${models#=}
            [ -n "$models" ] || models=resnet50,mobilenet_v2
            for model in ${models//,/ }; do
                for precision in "" --fp16; do
                    log="$out/dynamic_$model${precision:+_fp16}.log"
                    "$python" tests/models/run_zoo_dynamic.py "$model" --backend cuda --kiln /tmp/kiln/bin/kiln $precision \
                        --work /tmp/kiln/zoo_dynamic/$model --cache /tmp/kiln/cache >"$log" 2>&1
                    code=$?
                    echo "dynamic $model $precision: exit $code; $(grep -E '^(PASS|FAIL)' "$log" | head -3 | tr '\n' ' ')"
                    [ $code -eq 0 ] || status=1
                done
            done ;;
        compare=*)
            for model in $(echo "${step#compare=}" | tr ',' ' '); do
                mkdir -p /tmp/kiln/zoo/$model
                onnx=/tmp/kiln/zoo/$model/model.onnx
                [ -f "$onnx" ] || "$python" tests/models/export_torchvision.py "$model" "$onnx" >/dev/null 2>&1
                size=$("$python" -c "import sys; sys.path.insert(0, 'tests/models'); import export_torchvision as e; print(e.MODELS['$model'][2])")
                kiln compare "$onnx" --backend cuda --shapes input:1x3x${size}x${size} --precisions fp32,fp16 --allTensors --iterations 3 \
                    >"$out/compare_$model.log" 2>&1
                echo "compare $model: exit $?"
                grep -E "against|\(output\)|^Latency" "$out/compare_$model.log"
            done ;;
        report=*)
            IFS=, read -r model batch <<<"${step#report=}"
            mkdir -p /tmp/kiln/zoo/$model
            onnx=/tmp/kiln/zoo/$model/model.onnx
            [ -f "$onnx" ] || "$python" tests/models/export_torchvision.py "$model" "$onnx" >/dev/null 2>&1
            size=$("$python" -c "import sys; sys.path.insert(0, 'tests/models'); import export_torchvision as e; print(e.MODELS['$model'][2])")
            report="$out/report_${model}_b$batch$tag.json"
            kiln build "$onnx" --backend cuda --fp16 --shapes input:${batch}x3x${size}x${size} -o /tmp/kiln/report.plan \
                --exportReport "$report" >"$out/report_${model}_b$batch$tag.log" 2>&1
            echo "report $model b$batch$tag: exit $?; $(grep -E '^(Tactics|Build time)' "$out/report_${model}_b$batch$tag.log" | tr '\n' ' ')"
            [ -f "$report" ] && "$python" tools/timing_summary.py "$report" --top 15
            # The plan's GPU compute time, as bench/gpu/bench.py measures it.
            times="$out/times_${model}_b$batch$tag.json"
            kiln profile /tmp/kiln/report.plan --iterations 100 --warmUp 20 --exportTimes "$times" \
                >"$out/profile_${model}_b$batch$tag.log" 2>&1 &&
                "$python" -c "import json, statistics, sys; t = json.load(open(sys.argv[1])); \
print('report %s: median compute %.3f ms over %d runs' % (sys.argv[2], statistics.median(e['computeMs'] for e in t), len(t)))" \
                    "$times" "$model b$batch$tag" ;;
        use=*)
            bundle=.device/${step#use=}.tar.xz
            rm -rf /tmp/kiln/bin /tmp/kiln/lib
            tar -C /tmp/kiln -xJf "$bundle" || { echo "no bundle $bundle"; exit 1; }
            tag=_${step#use=}
            echo "using $bundle: $(kiln --version | head -1)" ;;
        bench*)
            bench_args=${step#bench}; bench_args=${bench_args#=}
            "$python" bench/gpu/bench.py --kiln /tmp/kiln/bin/kiln ${bench_args//,/ } 2>&1 | tee "$out/bench$tag.log"
            [ "${PIPESTATUS[0]}" -eq 0 ] || status=1 ;;
        *) echo "unknown step '$step'"; status=2 ;;
    esac
done
exit $status
