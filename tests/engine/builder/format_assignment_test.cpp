// Format assignment: which tensors become blocked, where reformats go, and that a network with
// reformats computes what the linear one does.
#include "builder/format_assignment.h"

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/reference_check.h"
#include "tactics/tactic.h"

namespace kiln::test {
namespace {

constexpr int kBlock = 16;

Tensor* addConv(NetworkDefinition& network, const std::string& name, Tensor* input, int64_t outChannels,
                uint32_t seed, std::optional<ActivationParams> activation = std::nullopt) {
    const int64_t inChannels = input->dims()[1];
    Tensor* weights = network.addConstant(name + "_w", randomTensor({outChannels, inChannels, 3, 3}, seed)).value();
    ConvolutionParams params{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, activation};
    return network.addLayer(name, params, {input, weights}, {name + "_out"}).value()->output(0);
}

std::vector<PassChange> assign(NetworkDefinition& network, const std::set<std::string>& linear = {}) {
    std::vector<PassChange> changes;
    passes::PassLog log("format assignment", changes);
    const Status status = builder::assignFormats(network, TensorFormat::blocked(kBlock), linear, log);
    EXPECT_TRUE(status.isOk()) << status.message();
    const Status valid = network.validate();
    EXPECT_TRUE(valid.isOk()) << valid.message();
    return changes;
}

int countKind(const NetworkDefinition& network, LayerKind kind) {
    return int(std::count_if(network.layers().begin(), network.layers().end(),
                             [&](const auto& layer) { return layer->kind() == kind; }));
}

// input [1,3,8,8] -> conv a (32) -> relu -> conv b (32) -> output
NetworkDefinition convChain() {
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 32, 1);
    Tensor* r = network.addLayer("relu", ActivationParams{ActivationType::Relu}, {a}, {"relu_out"}).value()->output(0);
    Tensor* b = addConv(network, "b", r, 32, 2);
    EXPECT_TRUE(network.markOutput(b).isOk());
    return network;
}

TEST(FormatAssignment, ConvolutionsAndPointwiseLayersBetweenThemAreBlocked) {
    NetworkDefinition network = convChain();
    assign(network);
    EXPECT_TRUE(network.findTensor("input")->format().isLinear());
    EXPECT_EQ(network.findTensor("a_out")->format().channelBlock, kBlock);
    EXPECT_EQ(network.findTensor("relu_out")->format().channelBlock, kBlock);
    // The network output stays linear, so the last convolution runs linear and its input is reformatted.
    EXPECT_TRUE(network.findTensor("b_out")->format().isLinear());
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 1);
    const Layer* b = network.findLayer("b");
    ASSERT_NE(b->input(0)->producer(), nullptr);
    EXPECT_EQ(b->input(0)->producer()->kind(), LayerKind::Reformat);
    EXPECT_TRUE(b->input(0)->format().isLinear());
}

TEST(FormatAssignment, TheFirstConvolutionReadsTheLinearImageDirectly) {
    NetworkDefinition network = convChain();
    assign(network);
    EXPECT_EQ(network.findLayer("a")->input(0)->name(), "input");
}

TEST(FormatAssignment, ZeroBlockKeepsEverythingLinear) {
    NetworkDefinition network = convChain();
    std::vector<PassChange> changes;
    passes::PassLog log("format assignment", changes);
    ASSERT_TRUE(builder::assignFormats(network, TensorFormat{}, {}, log).isOk());
    for (const auto& tensor : network.tensors()) EXPECT_TRUE(tensor->format().isLinear()) << tensor->name();
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 0);
}

TEST(FormatAssignment, ChannelsLastFp16ConvertsTheImageAndTheOutput) {
    // CUDA FP16: the first convolution reads its input channels-last in FP16 too, through a reformat
    // that also converts the type; the last one writes the linear FP32 network output.
    NetworkDefinition network = convChain();
    std::vector<PassChange> changes;
    passes::PassLog log("format assignment", changes);
    const TensorFormat nhwc = TensorFormat::nhwc(8, DataType::Float16);
    ASSERT_TRUE(builder::assignFormats(network, nhwc, {}, log).isOk());
    ASSERT_TRUE(network.validate().isOk());
    EXPECT_TRUE(network.findTensor("input")->format().isDefault());
    EXPECT_EQ(network.findTensor("a_out")->format(), nhwc);
    EXPECT_EQ(network.findTensor("relu_out")->format(), nhwc);
    EXPECT_TRUE(network.findTensor("b_out")->format().isDefault());
    EXPECT_EQ(network.findLayer("a")->input(0)->format(), nhwc);
    EXPECT_EQ(network.findLayer("a")->input(0)->producer()->kind(), LayerKind::Reformat);
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 2);
    EXPECT_EQ(network.findTensor("a_out")->storageBytes(), 1 * 8 * 8 * 32 * 2);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_NE(changes[0].description.find("NHWC8 FP16"), std::string::npos) << changes[0].description;
}

TEST(FormatAssignment, NamedLinearLayersGetTheirInputsReformattedOnce) {
    // input -> conv a -> {relu, sigmoid} -> add -> conv c -> output, with relu and sigmoid forced linear:
    // one linear copy of a_out serves both.
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 32, 1);
    Tensor* r = network.addLayer("relu", ActivationParams{ActivationType::Relu}, {a}, {"relu_out"}).value()->output(0);
    Tensor* s = network.addLayer("sigmoid", ActivationParams{ActivationType::Sigmoid}, {a}, {"sigmoid_out"})
                    .value()->output(0);
    Tensor* sum = network.addLayer("add", ElementwiseParams{ElementwiseOp::Add}, {r, s}, {"add_out"}).value()->output(0);
    Tensor* c = addConv(network, "c", sum, 16, 3);
    ASSERT_TRUE(network.markOutput(c).isOk());
    NetworkDefinition original = network.clone();
    const auto changes = assign(network, {"relu", "sigmoid"});
    EXPECT_TRUE(network.findTensor("relu_out")->format().isLinear());
    EXPECT_EQ(network.findLayer("relu")->input(0), network.findLayer("sigmoid")->input(0));
    EXPECT_TRUE(network.findLayer("relu")->input(0)->format().isLinear());
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_NE(changes[0].description.find("for relu, sigmoid"), std::string::npos) << changes[0].description;
    // The add follows its (linear) inputs, and conv c writes the linear network output, so it runs
    // linear too: the one reformat is the linear copy of a_out.
    EXPECT_TRUE(network.findTensor("add_out")->format().isLinear());
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 1);

    const TensorMap inputs = randomInputs(original, 5);
    const TensorMap expected = runReference(original, inputs);
    const TensorMap actual = runReference(network, inputs);
    EXPECT_EQ(compareTensors(actual.at("c_out"), expected.at("c_out"), 0, 0), "");
}

TEST(FormatAssignment, ReshapeViewsStayLinear) {
    // conv -> (elided) reshape to [1, 32*64] -> output: the reshape's view needs linear bytes.
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 32, 1);
    Layer* reshape = network.addLayer("flatten", ReshapeParams{{1, 32 * 64}}, {a}, {"flat"}).value();
    ASSERT_TRUE(network.setAlias(reshape->output(0), a, 0).isOk());
    ASSERT_TRUE(network.setElided(reshape, true).isOk());
    Tensor* relu = network.addLayer("relu", ActivationParams{ActivationType::Relu}, {reshape->output(0)}, {"out"})
                       .value()->output(0);
    ASSERT_TRUE(network.markOutput(relu).isOk());
    assign(network);
    EXPECT_TRUE(network.findTensor("a_out")->format().isLinear());
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 0);
}

TEST(FormatAssignment, TheGlobalPoolingBeforeAFlattenReadsTheBlockedConvolution) {
    // conv a (40 channels: the last block half full) -> global average pooling -> (elided) flatten view
    // -> gemm-like relu -> output: the flatten's view keeps the pooling's output linear, and the
    // pooling reads the convolution's blocked output as it is (no reformat of the larger tensor).
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {2, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 40, 1, ActivationParams{ActivationType::Relu});
    PoolingParams global;
    global.type = PoolingType::Average;
    global.kernel = {8, 8};
    global.strides = {1, 1};
    global.pads = {0, 0, 0, 0};
    global.dilations = {1, 1};
    Tensor* pooled = network.addLayer("pool", global, {a}, {"pooled"}).value()->output(0);
    Layer* flatten = network.addLayer("flatten", ReshapeParams{{2, 40}}, {pooled}, {"flat"}).value();
    ASSERT_TRUE(network.setAlias(flatten->output(0), pooled, 0).isOk());
    ASSERT_TRUE(network.setElided(flatten, true).isOk());
    Tensor* out =
        network.addLayer("relu", ActivationParams{ActivationType::Relu}, {flatten->output(0)}, {"out"})
            .value()
            ->output(0);
    ASSERT_TRUE(network.markOutput(out).isOk());
    NetworkDefinition original = network.clone();
    assign(network);
    EXPECT_EQ(network.findTensor("a_out")->format().channelBlock, kBlock);
    EXPECT_EQ(network.findLayer("pool")->input(0)->name(), "a_out");
    EXPECT_TRUE(network.findTensor("pooled")->format().isLinear());
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 0);

    const TensorMap inputs = randomInputs(original, 6);
    EXPECT_EQ(compareTensors(runReference(network, inputs).at("out"),
                             runReference(original, inputs).at("out"), 0, 0),
              "");

    // A window smaller than the input is read linear: only global pooling takes the channels out of
    // their blocks.
    NetworkDefinition local;
    Tensor* y = local.addInput("input", DataType::Float32, {2, 3, 8, 8}).value();
    Tensor* b = addConv(local, "b", y, 40, 2);
    PoolingParams window = global;
    window.kernel = {2, 2};
    window.strides = {2, 2};
    Tensor* halved = local.addLayer("pool", window, {b}, {"halved"}).value()->output(0);
    Layer* view = local.addLayer("flatten", ReshapeParams{{2, 40 * 16}}, {halved}, {"flat"}).value();
    ASSERT_TRUE(local.setAlias(view->output(0), halved, 0).isOk());
    ASSERT_TRUE(local.setElided(view, true).isOk());
    Layer* relu =
        local.addLayer("relu", ActivationParams{ActivationType::Relu}, {view->output(0)}, {"out"}).value();
    ASSERT_TRUE(local.markOutput(relu->output(0)).isOk());
    assign(local);
    EXPECT_TRUE(local.findLayer("pool")->input(0)->format().isLinear());
    EXPECT_EQ(countKind(local, LayerKind::Reformat), 1);
}

// Two convolutions writing straight into the halves of an elided concat.
NetworkDefinition concatIntoSlices(int64_t firstChannels) {
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, firstChannels, 1);
    Tensor* b = addConv(network, "b", x, 16, 2);
    Layer* concat = network.addLayer("concat", ConcatParams{1}, {a, b}, {"cat"}).value();
    const int64_t channelBytes = 8 * 8 * 4;
    EXPECT_TRUE(network.setAlias(a, concat->output(0), 0).isOk());
    EXPECT_TRUE(network.setAlias(b, concat->output(0), firstChannels * channelBytes).isOk());
    EXPECT_TRUE(network.setElided(concat, true).isOk());
    Tensor* c = addConv(network, "c", concat->output(0), 8, 3);
    EXPECT_TRUE(network.markOutput(c).isOk());
    return network;
}

TEST(FormatAssignment, ConcatSlicesOnBlockBoundariesAreBlocked) {
    NetworkDefinition network = concatIntoSlices(32);
    assign(network);
    EXPECT_EQ(network.findTensor("a_out")->format().channelBlock, kBlock);
    EXPECT_EQ(network.findTensor("b_out")->format().channelBlock, kBlock);
    EXPECT_EQ(network.findTensor("cat")->format().channelBlock, kBlock);
    // A blocked slice starting at a block boundary lies where the linear one would (batch 1).
    EXPECT_EQ(network.findTensor("b_out")->alias()->byteOffset, 32 * 64 * 4);
}

TEST(FormatAssignment, ConcatSlicesOffBlockBoundariesAreLinear) {
    NetworkDefinition network = concatIntoSlices(24);
    assign(network);
    const Layer* concat = network.findLayer("concat");
    EXPECT_TRUE(concat->output(0)->format().isLinear());
    for (const Tensor* slice : concat->inputs()) {
        EXPECT_TRUE(slice->alias().has_value()) << slice->name();
        EXPECT_TRUE(slice->format().isLinear()) << slice->name();
    }
}

// The reformat that copies `name`'s output into its slice of the concat, or nullptr.
const Layer* copyIntoSlice(const NetworkDefinition& network, const std::string& name) {
    for (const Layer* reader : network.consumersOf(network.findLayer(name)->output(0))) {
        if (reader->kind() == LayerKind::Reformat && reader->output(0)->alias()) return reader;
    }
    return nullptr;
}

TEST(FormatAssignment, ConvolutionsIntoLinearSlicesRunBlockedAndCopyIntoTheirSlices) {
    // The slices of 24 and 16 channels stay linear (the second starts off a block boundary), but the
    // convolutions writing them run blocked into their own outputs, and a reformat each copies that
    // into the slice, where the elided concat takes it.
    NetworkDefinition network = concatIntoSlices(24);
    NetworkDefinition original = network.clone();
    const auto changes = assign(network);
    const Tensor* cat = network.findTensor("cat");
    EXPECT_TRUE(cat->format().isLinear());
    const Layer* concat = network.findLayer("concat");
    for (const auto& [name, offset] : {std::pair<std::string, int64_t>{"a", 0}, {"b", 24 * 64 * 4}}) {
        const Tensor* own = network.findLayer(name)->output(0);
        EXPECT_EQ(own->name(), name + "_out");
        EXPECT_EQ(own->format().channelBlock, kBlock) << name;
        EXPECT_FALSE(own->alias().has_value()) << name;
        const Layer* copy = copyIntoSlice(network, name);
        ASSERT_NE(copy, nullptr) << name;
        const Tensor* slice = copy->output(0);
        EXPECT_EQ(slice->name(), name + "_out (NCHW)");
        EXPECT_TRUE(slice->format().isLinear()) << name;
        EXPECT_EQ(slice->alias()->base, cat) << name;
        EXPECT_EQ(slice->alias()->byteOffset, offset) << name;
        EXPECT_NE(std::find(concat->inputs().begin(), concat->inputs().end(), slice), concat->inputs().end()) << name;
    }
    // The two copies only: conv c writes the linear network output, so it reads the linear concat as it is.
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 2);
    const auto logged = std::count_if(changes.begin(), changes.end(), [](const PassChange& change) {
        return change.description.find("from NCHW16c to NCHW for concat") != std::string::npos;
    });
    EXPECT_EQ(logged, 2);
    const TensorMap inputs = randomInputs(original, 7);
    EXPECT_EQ(compareTensors(runReference(network, inputs).at("c_out"), runReference(original, inputs).at("c_out"), 0, 0), "");
}

TEST(FormatAssignment, OtherReadersOfADetachedConvolutionTakeItsBlockedOutput) {
    // conv a's output is also read by conv d (blocked: conv e after it writes the network output): d
    // takes the blocked output itself, without a round trip through the linear slice.
    NetworkDefinition network = concatIntoSlices(24);
    Tensor* d = addConv(network, "d", network.findTensor("a_out"), 16, 4);
    Tensor* e = addConv(network, "e", d, 8, 5);
    ASSERT_TRUE(network.markOutput(e).isOk());
    NetworkDefinition original = network.clone();
    assign(network);
    EXPECT_EQ(network.findLayer("d")->input(0), network.findLayer("a")->output(0));
    EXPECT_EQ(network.findLayer("d")->input(0)->format().channelBlock, kBlock);
    EXPECT_NE(copyIntoSlice(network, "a"), nullptr);
    const TensorMap inputs = randomInputs(original, 9);
    const TensorMap expected = runReference(original, inputs);
    const TensorMap actual = runReference(network, inputs);
    for (const char* output : {"c_out", "e_out"}) EXPECT_EQ(compareTensors(actual.at(output), expected.at(output), 0, 0), "");
}

TEST(FormatAssignment, LinearLayersIntoLinearSlicesAreNotDetached) {
    // A convolution named linear (no blocked tactic) keeps writing its slice itself.
    NetworkDefinition network = concatIntoSlices(24);
    assign(network, {"a"});
    EXPECT_TRUE(network.findTensor("a_out")->alias().has_value());
    EXPECT_EQ(copyIntoSlice(network, "a"), nullptr);
    EXPECT_NE(copyIntoSlice(network, "b"), nullptr);
}

TEST(FormatAssignment, ReducedPrecisionBuildsDoNotDetach) {
    // With BF16 storage a copy would change what the slice holds (bfloat16 values), so the convolutions
    // keep writing the FP32 slices themselves.
    NetworkDefinition network = concatIntoSlices(24);
    std::vector<PassChange> changes;
    passes::PassLog log("format assignment", changes);
    TensorFormat bf16 = TensorFormat::blocked(kBlock);
    bf16.storage = DataType::BFloat16;
    ASSERT_TRUE(builder::assignFormats(network, bf16, {}, log).isOk());
    EXPECT_EQ(copyIntoSlice(network, "a"), nullptr);
    EXPECT_EQ(copyIntoSlice(network, "b"), nullptr);
    EXPECT_TRUE(network.findTensor("b_out")->alias().has_value());
}

// input [1,3,8,8] -> conv a (C) -> transpose to NHWC -> scale along the last axis (a linear layer) ->
// transpose to NCHW -> layer scale (a constant [C, 1, 1], first as PyTorch writes it) -> residual add of
// a_out -> conv b -> output: a ConvNeXt block's shape.
NetworkDefinition channelsLastBlock(int64_t channels) {
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, channels, 1);
    Tensor* nhwc =
        network.addLayer("to_nhwc", TransposeParams{{0, 2, 3, 1}}, {a}, {"nhwc"}).value()->output(0);
    Tensor* rowScale = addRandomConstant(network, "row_scale", {channels}, 2);
    Tensor* scaled =
        network.addLayer("scale_rows", ElementwiseParams{ElementwiseOp::Mul}, {nhwc, rowScale}, {"scaled"})
            .value()
            ->output(0);
    Tensor* nchw =
        network.addLayer("to_nchw", TransposeParams{{0, 3, 1, 2}}, {scaled}, {"nchw"}).value()->output(0);
    Tensor* layerScale = addRandomConstant(network, "layer_scale", {channels, 1, 1}, 3);
    Tensor* scaledBack = network
                             .addLayer("layer_scale_mul", ElementwiseParams{ElementwiseOp::Mul},
                                       {layerScale, nchw}, {"layer_scaled"})
                             .value()
                             ->output(0);
    Tensor* sum =
        network.addLayer("residual", ElementwiseParams{ElementwiseOp::Add}, {scaledBack, a}, {"sum"})
            .value()
            ->output(0);
    Tensor* b = addConv(network, "b", sum, 16, 4);
    EXPECT_TRUE(network.markOutput(b).isOk());
    return network;
}

TEST(FormatAssignment, TransposesMoveBlockedTensorsToChannelsLastAndBackWithoutReformats) {
    NetworkDefinition network = channelsLastBlock(32);
    assign(network);
    const TensorFormat blocked = TensorFormat::blocked(kBlock);
    // The transpose to NHWC reads the convolution's blocked output as it is; the one back writes blocked,
    // as the layer scale, the residual add and the next convolution read it.
    EXPECT_EQ(network.findLayer("to_nhwc")->input(0)->name(), "a_out");
    EXPECT_EQ(network.findTensor("a_out")->format(), blocked);
    EXPECT_TRUE(network.findTensor("nhwc")->format().isLinear());
    EXPECT_TRUE(network.findTensor("scaled")->format().isLinear());
    EXPECT_EQ(network.findTensor("nchw")->format(), blocked);
    EXPECT_EQ(network.findTensor("layer_scaled")->format(), blocked);
    EXPECT_EQ(network.findTensor("sum")->format(), blocked);
    EXPECT_EQ(network.findLayer("residual")->input(1)->name(), "a_out");
    // Only the last convolution's input is reformatted: it writes the linear network output.
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 1);
    EXPECT_EQ(network.findLayer("b")->input(0)->producer()->kind(), LayerKind::Reformat);
}

TEST(FormatAssignment, ATransposeIntoAnotherTransposeWritesBlocked) {
    // The last block of a ConvNeXt stage: its residual add goes to the downsampling layer norm's
    // transpose, not to a convolution. The transpose back still writes blocked (the next transpose moves
    // blocks), so the residual add reads the block's input as it is: no reformat before the output's.
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 32, 1);
    Tensor* nhwc = network.addLayer("to_nhwc", TransposeParams{{0, 2, 3, 1}}, {a}, {"nhwc"}).value()->output(0);
    Tensor* rowScale = addRandomConstant(network, "row_scale", {32}, 2);
    Tensor* scaled = network.addLayer("scale_rows", ElementwiseParams{ElementwiseOp::Mul}, {nhwc, rowScale}, {"scaled"})
                         .value()->output(0);
    Tensor* nchw = network.addLayer("to_nchw", TransposeParams{{0, 3, 1, 2}}, {scaled}, {"nchw"}).value()->output(0);
    Tensor* sum =
        network.addLayer("residual", ElementwiseParams{ElementwiseOp::Add}, {nchw, a}, {"sum"}).value()->output(0);
    Tensor* down = network.addLayer("to_nhwc_again", TransposeParams{{0, 2, 3, 1}}, {sum}, {"down"}).value()->output(0);
    Tensor* out = network.addLayer("scale_down", ElementwiseParams{ElementwiseOp::Mul}, {down, rowScale}, {"out"})
                      .value()->output(0);
    ASSERT_TRUE(network.markOutput(out).isOk());
    assign(network);
    const TensorFormat blocked = TensorFormat::blocked(kBlock);
    EXPECT_EQ(network.findTensor("nchw")->format(), blocked);
    EXPECT_EQ(network.findTensor("sum")->format(), blocked);
    EXPECT_EQ(network.findLayer("residual")->input(1)->name(), "a_out");
    EXPECT_EQ(network.findLayer("to_nhwc_again")->input(0)->name(), "sum");
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 0);
}

TEST(FormatAssignment, TransposesOfChannelsOffTheBlockAndOfReducedPrecisionBuildsStayLinear) {
    // 20 channels do not fill blocks of 16: the transposes read and write linear tensors, with
    // reformats beside them, as every layer without a blocked kernel.
    NetworkDefinition ragged = channelsLastBlock(20);
    assign(ragged);
    EXPECT_TRUE(ragged.findLayer("to_nhwc")->input(0)->format().isLinear());
    EXPECT_EQ(ragged.findLayer("to_nhwc")->input(0)->producer()->kind(), LayerKind::Reformat);
    EXPECT_TRUE(ragged.findTensor("nchw")->format().isLinear());
    // Stored in another type (a BF16 build), a transpose keeps to linear tensors as before.
    NetworkDefinition reduced = channelsLastBlock(32);
    std::vector<PassChange> changes;
    passes::PassLog log("format assignment", changes);
    ASSERT_TRUE(
        builder::assignFormats(reduced, TensorFormat{kBlock, false, DataType::BFloat16}, {}, log).isOk());
    EXPECT_FALSE(reduced.findLayer("to_nhwc")->input(0)->format().isBlocked());
    EXPECT_FALSE(reduced.findTensor("nchw")->format().isBlocked());
    // A transpose whose readers want linear tensors writes a linear one.
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 32, 1);
    Tensor* t = network.addLayer("swap", TransposeParams{{0, 1, 3, 2}}, {a}, {"swapped"}).value()->output(0);
    Tensor* soft = network.addLayer("softmax", SoftmaxParams{3}, {t}, {"soft"}).value()->output(0);
    ASSERT_TRUE(network.markOutput(soft).isOk());
    assign(network);
    EXPECT_EQ(network.findLayer("swap")->input(0)->name(), "a_out");
    EXPECT_TRUE(network.findTensor("swapped")->format().isLinear());
    EXPECT_EQ(countKind(network, LayerKind::Reformat), 0);
}

TEST(FormatAssignment, BuiltEnginesRunBlockedTransposesAsTheReferenceDoes) {
    // Built for the CPU: the engine's transposes and layer scale run on blocked tensors and compute what
    // the reference does on linear ones (values moved exactly, so the default tolerance is the
    // convolutions' own); the plan, loaded again, computes the same.
    const int block = tactics::preferredCpuChannelBlock();
    if (block == 0) GTEST_SKIP() << "this CPU has no blocked formats";
    NetworkDefinition network = channelsLastBlock(32);
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const NetworkDefinition& built = (*engine)->network();
    const Layer* toNhwc = built.findLayer("to_nhwc");
    const Layer* toNchw = built.findLayer("to_nchw");
    ASSERT_NE(toNhwc, nullptr);
    ASSERT_NE(toNchw, nullptr);
    EXPECT_EQ(toNhwc->input(0)->format(), TensorFormat::blocked(block));
    EXPECT_EQ(toNchw->output(0)->format(), TensorFormat::blocked(block));
    for (const LayerRecord& record : (*engine)->report().layersAfter) {
        if (record.name == "to_nhwc" || record.name == "to_nchw")
            EXPECT_EQ(record.tactic, "kiln:transpose") << record.name;
    }
    auto check = checkAgainstReference(**engine, network.clone(), randomInputs(network, 13),
                                       defaultTolerance(DataType::Float32), false);
    ASSERT_TRUE(check.isOk()) << check.status().message();
    ASSERT_EQ(check->outputs.size(), 1u);
    EXPECT_TRUE(check->outputs[0].withinTolerance()) << check->outputs[0].maxAbsolute;
    auto bytes = serializePlan(**engine);
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const TensorMap inputs = randomInputs(network, 14);
    auto first = (*engine)->createExecutionContext().value()->execute(inputs);
    auto second = (*loaded)->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(first.isOk() && second.isOk());
    EXPECT_EQ(compareTensors(second->at("b_out"), first->at("b_out"), 0, 0), "");
}

TEST(FormatAssignment, BuiltEnginesWriteDetachedConvolutionsIntoTheConcat) {
    // Built for the CPU: concat elimination makes the convolutions' outputs slices of the concat, of 20
    // and 16 channels, the second starting off the block boundary (of 8 or 16 channels); the engine,
    // with its copies into the slices in one arena, computes what the reference does.
    if (tactics::preferredCpuChannelBlock() == 0) GTEST_SKIP() << "this CPU has no blocked formats";
    NetworkDefinition network;
    Tensor* x = network.addInput("input", DataType::Float32, {1, 3, 8, 8}).value();
    Tensor* a = addConv(network, "a", x, 20, 1, ActivationParams{ActivationType::Relu});
    Tensor* b = addConv(network, "b", x, 16, 2);
    Tensor* cat = network.addLayer("concat", ConcatParams{1}, {a, b}, {"cat"}).value()->output(0);
    Tensor* c = addConv(network, "c", cat, 8, 3);
    ASSERT_TRUE(network.markOutput(c).isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const NetworkDefinition& built = (*engine)->network();
    const Tensor* own = built.findTensor("b_out");
    ASSERT_NE(own, nullptr);
    EXPECT_FALSE(own->alias().has_value());
    EXPECT_TRUE(own->format().isBlocked());
    const Tensor* slice = built.findTensor("b_out (NCHW)");
    ASSERT_NE(slice, nullptr);
    ASSERT_TRUE(slice->alias().has_value());
    EXPECT_EQ(slice->producer()->kind(), LayerKind::Reformat);
    auto check = checkAgainstReference(**engine, network.clone(), randomInputs(network, 11),
                                       defaultTolerance(DataType::Float32), false);
    ASSERT_TRUE(check.isOk()) << check.status().message();
    ASSERT_EQ(check->outputs.size(), 1u);
    EXPECT_TRUE(check->outputs[0].withinTolerance()) << check->outputs[0].maxAbsolute;
    // The plan keeps the copy and its place in the concat: loaded again, it computes the same.
    auto bytes = serializePlan(**engine);
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const Tensor* reloaded = (*loaded)->network().findTensor("b_out (NCHW)");
    ASSERT_NE(reloaded, nullptr);
    ASSERT_TRUE(reloaded->alias().has_value());
    EXPECT_EQ(reloaded->alias()->byteOffset, slice->alias()->byteOffset);
    const TensorMap inputs = randomInputs(network, 12);
    auto first = (*engine)->createExecutionContext().value()->execute(inputs);
    auto second = (*loaded)->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(first.isOk() && second.isOk());
    EXPECT_EQ(compareTensors(second->at("c_out"), first->at("c_out"), 0, 0), "");
}

}  // namespace
}  // namespace kiln::test
