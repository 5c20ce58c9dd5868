// Small networks for the plan tests, built through the public API: a convolution with a ReLU, a
// concat/split with aliases and elided layers, and one network holding every layer kind (a plugin layer
// too, whose creator it registers) and a constant of every data type. Each comes wrapped in an Engine with a
// memory plan and a build report whose every field is set, so that a round trip has something to lose.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "builder/memory_planner.h"
#include "engine/plugins/test_plugins.h"
#include "kiln/network.h"
#include "kiln/runtime.h"
#include "support/test_util.h"

namespace kiln::test {

inline HostTensor filledTensor(DataType type, const Dims& dims, uint32_t seed) {
    HostTensor tensor(type, dims);
    uint32_t state = seed * 2654435761u + 1u;
    for (size_t i = 0; i < tensor.byteSize(); ++i) {
        state = state * 1664525u + 1013904223u;
        tensor.bytes()[i] = std::byte(state >> 24);
    }
    if (type == DataType::Bool) {
        for (size_t i = 0; i < tensor.byteSize(); ++i)
            tensor.bytes()[i] = std::byte(uint8_t(tensor.bytes()[i]) & 1);
    }
    if (type == DataType::Float16) {
        // Finite halves only: the random bit patterns above include infinities and NaNs.
        const HostTensor values = randomTensor(dims, seed, -2.0f, 2.0f);
        for (int64_t i = 0; i < tensor.elementCount(); ++i) {
            tensor.data<uint16_t>()[i] = floatToHalf(values.data<float>()[i]);
        }
    }
    return tensor;
}

// Adds a one-output layer whose output tensor is named after the layer.
inline Result<Tensor*> addOne(NetworkDefinition& network, const std::string& name, LayerParams params,
                              const std::vector<Tensor*>& inputs) {
    KILN_ASSIGN_OR_RETURN(Layer * layer, network.addLayer(name, std::move(params), inputs, {name + "_out"}));
    return layer->output(0);
}

inline BuildReport sampleReport(const NetworkDefinition& network) {
    BuildReport report;
    report.layersBefore = describeLayers(network);
    report.layersAfter = describeLayers(network);
    for (size_t i = 0; i < report.layersAfter.size(); ++i) {
        LayerRecord& record = report.layersAfter[i];
        record.tactic = "reference:naive";
        record.outputOffsets.assign(record.outputs.size(), int64_t(i) * 64);
        record.outputOffsets.back() = -1;
        record.elided = i % 2 == 1;
    }
    report.changes.push_back({"vertical fusion", "fused conv1 + relu1", {"conv1 + relu1"}});
    report.changes.push_back({"concat elimination", "", {}});
    report.arenaBytes = 4096;
    report.activationBytes = 123456789012;
    report.phases.push_back({"passes", 1.25});
    report.phases.push_back({"memory", 0.0625});
    return report;
}

inline Result<std::shared_ptr<Engine>> wrapInEngine(NetworkDefinition network) {
    KILN_RETURN_IF_ERROR(network.validate());
    KILN_ASSIGN_OR_RETURN(MemoryPlan memory, planMemory(network));
    BuildReport report = sampleReport(network);
    return std::make_shared<Engine>(std::move(network), std::move(memory), std::move(report), "cpu");
}

// input [1,3,8,8] → Convolution 3x3 (weights, bias) → ReLU → output.
inline Result<NetworkDefinition> convReluNetwork() {
    NetworkDefinition network;
    network.setName("conv-relu");
    KILN_ASSIGN_OR_RETURN(Tensor * x, network.addInput("input", DataType::Float32, {1, 3, 8, 8}));
    KILN_ASSIGN_OR_RETURN(Tensor * w, network.addConstant("weights", randomTensor({4, 3, 3, 3}, 1)));
    KILN_ASSIGN_OR_RETURN(Tensor * b, network.addConstant("bias", randomTensor({4}, 2)));
    KILN_ASSIGN_OR_RETURN(
        Tensor * conv, addOne(network, "conv1",
                              ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, std::nullopt}, {x, w, b}));
    KILN_ASSIGN_OR_RETURN(Tensor * relu, addOne(network, "relu1", ActivationParams{}, {conv}));
    KILN_RETURN_IF_ERROR(network.markOutput(relu));
    return network;
}

// ReLU and Abs write straight into their slices of a Concat (elided), which a Split (elided) views in
// two parts again; a dynamic range, a precision constraint and a multi-node provenance ride along.
inline Result<NetworkDefinition> concatSplitNetwork() {
    NetworkDefinition network;
    network.setName("concat-split");
    KILN_ASSIGN_OR_RETURN(Tensor * x, network.addInput("x", DataType::Float32, {1, 2, 4, 4}));
    KILN_ASSIGN_OR_RETURN(Tensor * a, addOne(network, "relu", ActivationParams{}, {x}));
    KILN_ASSIGN_OR_RETURN(Tensor * b, addOne(network, "abs", UnaryParams{UnaryOp::Abs}, {x}));
    KILN_ASSIGN_OR_RETURN(Tensor * cat, addOne(network, "concat", ConcatParams{1}, {a, b}));
    KILN_ASSIGN_OR_RETURN(Layer * split,
                          network.addLayer("split", SplitParams{1, {1, 3}}, {cat}, {"s0", "s1"}));
    KILN_ASSIGN_OR_RETURN(Tensor * sig, addOne(network, "sigmoid", ActivationParams{ActivationType::Sigmoid},
                                               {split->output(0)}));
    KILN_ASSIGN_OR_RETURN(Tensor * id, addOne(network, "identity", IdentityParams{}, {split->output(1)}));
    const int64_t half = 2 * 4 * 4 * 4;  // bytes of one [1,2,4,4] FP32 slice
    KILN_RETURN_IF_ERROR(network.setAlias(a, cat, 0));
    KILN_RETURN_IF_ERROR(network.setAlias(b, cat, half));
    KILN_RETURN_IF_ERROR(network.setAlias(split->output(0), cat, 0));
    KILN_RETURN_IF_ERROR(network.setAlias(split->output(1), cat, half / 2));
    KILN_RETURN_IF_ERROR(network.setElided(network.findLayer("concat"), true));
    KILN_RETURN_IF_ERROR(network.setElided(split, true));
    cat->setDynamicRange(3.5f);
    network.findLayer("sigmoid")->setPrecisionConstraint(DataType::Float16);
    network.findLayer("relu")->setProvenance({"Relu_0", "Clip_1"});
    KILN_RETURN_IF_ERROR(network.markOutput(sig));
    KILN_RETURN_IF_ERROR(network.markOutput(id));
    return network;
}

// Every layer kind at least once, constants of every data type, fused activations on Convolution and
// Gemm, a convolution without bias but with a residual (an empty optional input slot), a convolution
// with split outputs.
inline Result<NetworkDefinition> everyKindNetwork() {
    NetworkDefinition network;
    network.setName("every-kind");
    auto constant = [&network](const std::string& name, HostTensor data) {
        return network.addConstant(name, data);
    };
    KILN_ASSIGN_OR_RETURN(Tensor * x, network.addInput("x", DataType::Float32, {1, 4, 6, 6}));
    KILN_ASSIGN_OR_RETURN(Tensor * w1, constant("w1", randomTensor({4, 4, 3, 3}, 11, -0.3f, 0.3f)));
    KILN_ASSIGN_OR_RETURN(Tensor * b1, constant("b1", randomTensor({4}, 12)));
    KILN_ASSIGN_OR_RETURN(
        Tensor * c1,
        addOne(network, "conv1",
               ConvolutionParams{
                   {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ActivationParams{ActivationType::LeakyRelu, 0.1f, 0.0f}},
               {x, w1, b1, x}));
    KILN_ASSIGN_OR_RETURN(Tensor * w2, constant("w2", randomTensor({4, 2, 1, 1}, 13)));
    KILN_ASSIGN_OR_RETURN(
        Tensor * c2,
        addOne(network, "conv2", ConvolutionParams{{1, 1}, {0, 0, 0, 0}, {1, 1}, 2, std::nullopt},
               {c1, w2, nullptr, c1}));
    KILN_ASSIGN_OR_RETURN(Tensor * w3, constant("w3", randomTensor({4, 4, 1, 1}, 21)));
    const ConvolutionParams splitConv{{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, std::nullopt, {1, 3}};
    KILN_ASSIGN_OR_RETURN(Layer * conv3, network.addLayer("conv3", splitConv, {c2, w3}, {"cs0", "cs1"}));
    KILN_ASSIGN_OR_RETURN(Tensor * joined,
                          addOne(network, "join", ConcatParams{1}, {conv3->output(0), conv3->output(1)}));
    KILN_ASSIGN_OR_RETURN(Tensor * wd, constant("wd", randomTensor({4, 2, 2, 2}, 14)));
    KILN_ASSIGN_OR_RETURN(
        Tensor * dc,
        addOne(network, "deconv", DeconvolutionParams{{2, 2}, {0, 0, 0, 0}, {1, 1}, {0, 0}, 1},
               {joined, wd}));
    KILN_ASSIGN_OR_RETURN(
        Tensor * pool,
        addOne(network, "pool",
               PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false}, {dc}));
    KILN_ASSIGN_OR_RETURN(Tensor * lrn, addOne(network, "lrn", LrnParams{3, 2e-4f, 0.75f, 1.5f}, {pool}));
    KILN_ASSIGN_OR_RETURN(Tensor * scale, constant("bn_scale", randomTensor({2}, 15)));
    KILN_ASSIGN_OR_RETURN(Tensor * shift, constant("bn_bias", randomTensor({2}, 16)));
    KILN_ASSIGN_OR_RETURN(Tensor * mean, constant("bn_mean", randomTensor({2}, 17)));
    KILN_ASSIGN_OR_RETURN(Tensor * var, constant("bn_var", randomTensor({2}, 18, 0.5f, 1.5f)));
    KILN_ASSIGN_OR_RETURN(Tensor * bn,
                          addOne(network, "bn", BatchNormParams{1e-3f}, {lrn, scale, shift, mean, var}));
    KILN_ASSIGN_OR_RETURN(Tensor * inn,
                          addOne(network, "instnorm", InstanceNormParams{1e-4f}, {bn, scale, shift}));
    KILN_ASSIGN_OR_RETURN(Tensor * lnScale, constant("ln_scale", randomTensor({6, 6}, 19)));
    KILN_ASSIGN_OR_RETURN(Tensor * lnBias, constant("ln_bias", randomTensor({6, 6}, 20)));
    KILN_ASSIGN_OR_RETURN(Tensor * ln,
                          addOne(network, "layernorm", LayerNormParams{2, 1e-3f}, {inn, lnScale, lnBias}));
    KILN_ASSIGN_OR_RETURN(Tensor * sm, addOne(network, "softmax", SoftmaxParams{1, true, false}, {ln}));
    // q read transposed (its rows strided), the output's first two axes swapped, a [6, 6] mask.
    KILN_ASSIGN_OR_RETURN(Tensor * attention,
                          addOne(network, "attention", AttentionParams{0.25f, {0, 1, 3, 2}, {}, {}, {1, 0, 2, 3}},
                                 {sm, ln, inn, lnScale}));
    KILN_ASSIGN_OR_RETURN(
        Tensor * act,
        addOne(network, "hardsigmoid", ActivationParams{ActivationType::HardSigmoid, 0.2f, 0.5f}, {sm}));
    KILN_ASSIGN_OR_RETURN(Tensor * neg, addOne(network, "neg", UnaryParams{UnaryOp::Neg}, {act}));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<Plugin> negate, everyKindPluginCreator()->create("plugin", {}));
    KILN_ASSIGN_OR_RETURN(
        Tensor * plugin,
        addOne(network, "plugin", PluginParams{std::shared_ptr<const Plugin>(std::move(negate))}, {neg}));
    KILN_ASSIGN_OR_RETURN(Tensor * mul,
                          addOne(network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {neg, sm}));
    KILN_ASSIGN_OR_RETURN(Tensor * cond, constant("cond", filledTensor(DataType::Bool, {1, 1, 6, 6}, 19)));
    KILN_ASSIGN_OR_RETURN(Tensor * sel, addOne(network, "select", SelectParams{}, {cond, mul, sm}));
    KILN_ASSIGN_OR_RETURN(Tensor * cat, addOne(network, "concat", ConcatParams{1}, {sel, pool}));
    KILN_ASSIGN_OR_RETURN(Layer * split,
                          network.addLayer("split", SplitParams{1, {1, 3}}, {cat}, {"sp0", "sp1"}));
    KILN_ASSIGN_OR_RETURN(
        Tensor * slice,
        addOne(network, "slice", SliceParams{{0, 0, 0, 1}, {1, 3, 6, 6}, {1, 1, 2, 2}}, {split->output(1)}));
    KILN_ASSIGN_OR_RETURN(Tensor * rs1, addOne(network, "reshape1", ReshapeParams{{1, 3, 9}}, {slice}));
    KILN_ASSIGN_OR_RETURN(Tensor * tr, addOne(network, "transpose", TransposeParams{{0, 2, 1}}, {rs1}));
    KILN_ASSIGN_OR_RETURN(Tensor * wm, constant("wm", randomTensor({3, 5}, 20)));
    KILN_ASSIGN_OR_RETURN(Tensor * bm, constant("bm", randomTensor({5}, 23)));
    KILN_ASSIGN_OR_RETURN(Tensor * mm, addOne(network, "matmul", MatMulParams{ActivationParams{ActivationType::Elu, 0.5f, 0.0f}},
                                              {tr, wm, bm}));
    KILN_ASSIGN_OR_RETURN(Tensor * rs2, addOne(network, "reshape2", ReshapeParams{{9, 5}}, {mm}));
    KILN_ASSIGN_OR_RETURN(Tensor * wg, constant("wg", randomTensor({4, 5}, 21)));
    KILN_ASSIGN_OR_RETURN(Tensor * cg, constant("cg", randomTensor({4}, 22)));
    KILN_ASSIGN_OR_RETURN(
        Tensor * gemm,
        addOne(network, "gemm",
               GemmParams{false, true, 0.5f, 2.0f, ActivationParams{ActivationType::Clip, -1.0f, 1.0f}},
               {rs2, wg, cg}));
    HostTensor idx32(DataType::Int32, {2});
    idx32.data<int32_t>()[0] = 0;
    idx32.data<int32_t>()[1] = 8;
    HostTensor idx64(DataType::Int64, {3});
    idx64.data<int64_t>()[0] = -1;
    idx64.data<int64_t>()[1] = 2;
    idx64.data<int64_t>()[2] = 4;
    KILN_ASSIGN_OR_RETURN(Tensor * i32, constant("idx32", idx32));
    KILN_ASSIGN_OR_RETURN(Tensor * i64, constant("idx64", idx64));
    KILN_ASSIGN_OR_RETURN(Tensor * g1, addOne(network, "gather1", GatherParams{0}, {gemm, i32}));
    KILN_ASSIGN_OR_RETURN(Tensor * g2, addOne(network, "gather2", GatherParams{0}, {gemm, i64}));
    KILN_ASSIGN_OR_RETURN(Tensor * pad,
                          addOne(network, "pad", PadParams{PadMode::Constant, {1, 1, 0, 1}, 0.25}, {g1}));
    KILN_ASSIGN_OR_RETURN(Tensor * resize, addOne(network, "resize",
                                                  ResizeParams{ResizeMode::Nearest,
                                                               ResizeCoordinateMode::Asymmetric,
                                                               ResizeNearestMode::Floor,
                                                               {1, 1, 12, 12},
                                                               {1.0f, 1.0f, 2.0f, 2.0f}},
                                                  {split->output(0)}));
    KILN_ASSIGN_OR_RETURN(Tensor * half, constant("half", filledTensor(DataType::Float16, {2, 3}, 23)));
    KILN_ASSIGN_OR_RETURN(Tensor * int8, constant("int8", filledTensor(DataType::Int8, {2, 3}, 24)));
    KILN_ASSIGN_OR_RETURN(Tensor * cast1,
                          addOne(network, "cast_half", CastParams{DataType::Float32}, {half}));
    KILN_ASSIGN_OR_RETURN(Tensor * cast2,
                          addOne(network, "cast_int8", CastParams{DataType::Float32}, {int8}));
    KILN_ASSIGN_OR_RETURN(Tensor * sum,
                          addOne(network, "add", ElementwiseParams{ElementwiseOp::Add}, {cast1, cast2}));
    KILN_ASSIGN_OR_RETURN(Tensor * mean2,
                          addOne(network, "reduce", ReduceParams{ReduceOp::Mean, {2, 3}, true}, {c2}));
    KILN_ASSIGN_OR_RETURN(Tensor * expand, addOne(network, "expand", ExpandParams{{2, 4, 3, 3}}, {mean2}));
    KILN_ASSIGN_OR_RETURN(Tensor * argmax,
                          addOne(network, "argmax", ArgMinMaxParams{true, 1, false, true}, {c2}));
    KILN_ASSIGN_OR_RETURN(Tensor * tile,
                          addOne(network, "tile", TileParams{{1, 2, 1, 1}}, {split->output(0)}));
    KILN_ASSIGN_OR_RETURN(Tensor * d2s, addOne(network, "d2s", DepthToSpaceParams{2, true}, {cat}));
    KILN_ASSIGN_OR_RETURN(Tensor * s2d, addOne(network, "s2d", SpaceToDepthParams{2}, {d2s}));
    KILN_ASSIGN_OR_RETURN(Tensor * id, addOne(network, "identity", IdentityParams{}, {s2d}));
    KILN_ASSIGN_OR_RETURN(Tensor * pcScale, constant("pc_scale", randomTensor({4, 1, 1}, 25)));
    KILN_ASSIGN_OR_RETURN(Tensor * pcShift, constant("pc_shift", randomTensor({4, 1, 1}, 26)));
    PointwiseChainParams chain;
    using Step = PointwiseStep::Kind;
    chain.steps.push_back({Step::ScaleShift, {}, UnaryOp::Exp, ElementwiseOp::Add, 1, 2, false});
    const ActivationParams elu{ActivationType::Elu, 0.5f, 0.0f};
    chain.steps.push_back({Step::Activation, elu, UnaryOp::Exp, ElementwiseOp::Add, -1, -1, false});
    chain.steps.push_back({Step::Unary, {}, UnaryOp::Abs, ElementwiseOp::Add, -1, -1, false});
    chain.steps.push_back({Step::Elementwise, {}, UnaryOp::Exp, ElementwiseOp::Div, 1, -1, true});
    KILN_ASSIGN_OR_RETURN(Tensor * pc, addOne(network, "chain", chain, {c2, pcScale, pcShift}));
    KILN_ASSIGN_OR_RETURN(Tensor * reformat, addOne(network, "reformat", ReformatParams{}, {pc}));
    // Per-axis along the channels, with zero points: a pair QDQ folding leaves as layers.
    HostTensor qScale(DataType::Float32, {4});
    HostTensor qZero(DataType::Int8, {4});
    for (int64_t i = 0; i < 4; ++i) {
        qScale.data<float>()[i] = 0.01f * float(i + 1);
        qZero.data<int8_t>()[i] = int8_t(i - 2);
    }
    KILN_ASSIGN_OR_RETURN(Tensor * scale4, constant("q_scale", qScale));
    KILN_ASSIGN_OR_RETURN(Tensor * zero4, constant("q_zero", qZero));
    KILN_ASSIGN_OR_RETURN(Tensor * quantized, addOne(network, "quantize", QuantizeParams{1}, {c2, scale4, zero4}));
    KILN_ASSIGN_OR_RETURN(Tensor * dequantized,
                          addOne(network, "dequantize", DequantizeParams{1}, {quantized, scale4, zero4}));
    for (Tensor* output :
         {pad, g2, resize, sum, expand, argmax, tile, id, reformat, dequantized, attention, plugin}) {
        KILN_RETURN_IF_ERROR(network.markOutput(output));
    }
    return network;
}

}  // namespace kiln::test
