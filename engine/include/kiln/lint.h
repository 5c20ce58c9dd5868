// Lint hints on a built engine: what its build report and layers say could be faster, as TensorRT
// Engine Explorer's lint tells of a TensorRT engine. Each hint names its layers (the engine's built layer
// names), says what is wrong with the figures that show it, and what to do about it.
//
// The hints, by id:
//   reference-kernel    layers that run on the reference kernels (plain loops, a last resort)
//   reformat-time       Reformat layers taking a notable share of the layers' time (at least 5 %)
//   unfused-activation  an activation left as a layer of its own after a convolution, Gemm or MatMul
//   copying-concat      a Concat that copies its inputs instead of having them written in place
//   channel-padding     blocked layouts padding channel counts that are no multiple of the block (at
//                       least 10 % of the tensor), and on a GPU, FP16/INT8 convolutions whose channels
//                       are no multiple of 8 (no tensor-core kernels)
//   below-roofline      a convolution or matrix product (at least 3 % of the time and 0.05 ms) more than
//                       8x slower than its roofline: its FLOPs at the fastest FLOP rate any layer of this
//                       engine reached (Winograd and FFT ones left out), or its bytes at the fastest byte
//                       rate, whichever is longer
// Times are those the build measured for the chosen tactics; an engine built from a warm timing cache
// has them too.
//
// An engine Kiln has no network of (one TensorRT built, read from trtexec's exports) is linted from its
// layer records and measured times (lintRecordedLayers): the hints such records can show, worded and
// judged as for a Kiln engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/runtime.h"

namespace kiln {

enum class HintSeverity { Info, Warning };
const char* toString(HintSeverity severity);  // "info", "warning"

struct LintHint {
    std::string id;  // one of the ids above
    HintSeverity severity = HintSeverity::Info;
    std::string message;              // what is wrong, with its figures
    std::string advice;               // what to do
    std::vector<std::string> layers;  // the built layers it is about
};

// The hints for `engine`, warnings first, then in the order of the layers.
std::vector<LintHint> lintEngine(const Engine& engine);

// A layer of an engine known only by its records: its record (kind, tensors, output dimensions and
// formats, precision, tactic) and what a record does not hold.
struct RecordedLayer {
    LayerRecord record;
    std::vector<std::string> inputDims;  // one per input, "1x3x224x224"; empty where not known
    int64_t groups = 1;                  // a convolution's groups
    double milliseconds = -1.0;          // measured time per run; negative where not measured
};

// The hints that records and times can show: reformat-time, unfused-activation, copying-concat and, with
// `tensorCores` (an engine for a GPU), channel-padding for FP16/INT8 convolutions whose channels are no
// multiple of 8. Kinds are recognized by Kiln's and TensorRT's names ("Concat" and "Concatenation",
// "MatMul" and "MatrixMultiply"); a tensor's readers and producer are found by its name. Warnings first,
// then in the order of the layers.
std::vector<LintHint> lintRecordedLayers(const std::vector<RecordedLayer>& layers, bool tensorCores);

// {"Hints": [{"Id", "Severity", "Message", "Advice", "Layers"}...]}
std::string lintJson(const std::vector<LintHint>& hints);

}  // namespace kiln
