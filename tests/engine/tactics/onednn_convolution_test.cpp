// oneDNN convolution and deconvolution tactics against the reference kernels: odd sizes, groups,
// depthwise, strides, dilations, asymmetric pads, 1-D/2-D/3-D, fused residual and activations, split
// outputs, linear and channel-blocked formats (channel counts that leave padded lanes), batch 1 and 3.
// Every implementation oneDNN offers for a configuration runs and must match. Also: weight blobs that
// do not fit are refused, find() recreates a tactic by id, kernels run concurrently, and the refusals
// say why.
#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "engine/tactics/onednn_test_util.h"

namespace kiln::test {
namespace {

using tactics::LayerConfig;

struct ConvCase {
    std::string name;
    Dims data{};  // N, C, spatial...
    int64_t outChannels = 0;
    Dims kernel{};
    std::vector<int64_t> strides{};
    std::vector<int64_t> pads{};
    std::vector<int64_t> dilations{};
    int64_t groups = 1;
    bool bias = true;
    bool runtimeBias = false;
    bool residual = false;
    std::optional<ActivationParams> activation{};
    std::vector<int64_t> outputChannels{};
};

Dims outputDims(const ConvCase& c) {
    Dims out{c.data[0], c.outChannels};
    const size_t spatial = c.kernel.size();
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t dilated = (c.kernel[i] - 1) * c.dilations[i] + 1;
        out.push_back((c.data[i + 2] + c.pads[i] + c.pads[i + spatial] - dilated) / c.strides[i] + 1);
    }
    return out;
}

int64_t reductionLength(const ConvCase& c) {
    int64_t k = c.data[1] / c.groups;
    for (int64_t extent : c.kernel)
        k *= extent;
    return k;
}

// Winograd's input and output transforms multiply by constants up to 4 (F(4x4, 3x3) uses the points
// 0, +-1, +-2, +-1/2) and add up to 36 transformed terms per output, so its error bound is about an
// order of magnitude above direct convolution's; the shapes here measured within the direct tolerance,
// the absolute part is widened tenfold for those tactics so that data with larger tiles still passes.
std::function<Tolerance(const std::string&)> convTolerance(int64_t k) {
    return [k](const std::string& id) {
        Tolerance t = dotTolerance(k);
        if (id.find("winograd") != std::string::npos) t.atol *= 10.0f;
        return t;
    };
}

struct ConvNetwork {
    HostTensor data, weights, bias, residual;
    ConvolutionParams params;
    bool hasBias = false;
    bool hasResidual = false;
    std::vector<bool> isActivation;
    size_t numOutputs = 1;

    // Pointers into this object, so computed on demand rather than stored (copies stay valid).
    std::vector<const HostTensor*> inputs() const {
        std::vector<const HostTensor*> result = {&data, &weights};
        if (hasBias || hasResidual) result.push_back(hasBias ? &bias : nullptr);
        if (hasResidual) result.push_back(&residual);
        return result;
    }
};

ConvNetwork makeConv(const ConvCase& c, uint32_t seed) {
    std::mt19937 rng(seed);
    ConvNetwork n;
    n.data = randomTensor(c.data, rng);
    Dims weightDims{c.outChannels, c.data[1] / c.groups};
    weightDims.insert(weightDims.end(), c.kernel.begin(), c.kernel.end());
    n.weights = randomTensor(weightDims, rng);
    n.bias = randomTensor({c.outChannels}, rng);
    n.residual = randomTensor(outputDims(c), rng);
    n.params.strides = c.strides;
    n.params.pads = c.pads;
    n.params.dilations = c.dilations;
    n.params.groups = c.groups;
    n.params.activation = c.activation;
    n.params.outputChannels = c.outputChannels;
    n.hasBias = c.bias;
    n.hasResidual = c.residual;
    n.isActivation = {true, false, c.runtimeBias, true};
    n.numOutputs = std::max<size_t>(1, c.outputChannels.size());
    return n;
}

std::vector<std::string> checkConv(const ConvCase& c, const FormatCase& formats, uint32_t seed = 1) {
    ConvNetwork n = makeConv(c, seed);
    std::vector<tactics::SkippedTactic> skipped;
    std::vector<std::string> ids =
        checkOnednnTactics(n.params, n.inputs(), n.isActivation, n.numOutputs, formats,
                           convTolerance(reductionLength(c)), c.name, &skipped);
    // Every configuration below has a non-reference implementation in oneDNN 2.6 in every format this
    // CPU has jit kernels for; in the others only the (skipped) reference takes the layout.
    if (onednnHasJitKernels(formats)) {
        EXPECT_TRUE(hasTactic(ids, "onednn:convolution:"))
            << c.name << " [" << formatName(formats)
            << "] offered no tactic; skipped:" << skippedText(skipped);
    }
    return ids;
}

const FormatCase kBlocked16 = blockedFormats(16);
const FormatCase kBlocked8 = blockedFormats(8);

TEST(OnednnConvolution, ThreeByThreeOddSizesEveryFormat) {
    const ConvCase c{"3x3 16->13 7x5", {1, 16, 7, 5}, 13, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(c, f);
}

TEST(OnednnConvolution, BatchThreeStrideTwoAsymmetricPads) {
    const ConvCase c{"3x3 s2 asym", {3, 16, 9, 8}, 24, {3, 3}, {2, 2}, {0, 1, 2, 1}, {1, 1}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(c, f);
}

TEST(OnednnConvolution, DilationTwo) {
    const ConvCase c{"3x3 d2", {1, 16, 11, 9}, 16, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(c, f);
}

TEST(OnednnConvolution, OneByOneAndSevenBySeven) {
    const ConvCase oneByOne{"1x1 32->24", {3, 32, 7, 5}, 24, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(oneByOne, f);
    // The first layer of a ResNet: three linear input channels into a blocked output.
    const ConvCase stem{"7x7 s2 3->16", {1, 3, 23, 19}, 16, {7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}};
    checkConv(stem, linearFormats());
    checkConv(stem, {TensorFormat{}, TensorFormat::blocked(16)});
    checkConv(stem, {TensorFormat{}, TensorFormat::blocked(8)});
}

TEST(OnednnConvolution, GroupsAndDepthwise) {
    // 24 output channels a group: oneDNN's jit kernels need whole blocks per group, so 16-blocked
    // tensors get a group of 16 output channels.
    const ConvCase grouped{"groups 2 32->48", {3, 32, 7, 5}, 48, {3, 3}, {1, 2}, {1, 0, 1, 1}, {1, 1}, 2};
    for (const FormatCase& f : {linearFormats(), kBlocked8})
        checkConv(grouped, f);
    const ConvCase grouped16{"groups 2 32->32", {3, 32, 7, 5}, 32, {3, 3}, {1, 2}, {1, 0, 1, 1}, {1, 1}, 2};
    checkConv(grouped16, kBlocked16);
    const ConvCase depthwise{"depthwise 32", {1, 32, 9, 7}, 32, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 32};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(depthwise, f);
    const ConvCase strided{"depthwise 24 s2", {3, 24, 8, 7}, 24, {3, 3}, {2, 2}, {1, 1, 0, 0}, {1, 1}, 24};
    for (const FormatCase& f : {linearFormats(), kBlocked8})
        checkConv(strided, f);
}

TEST(OnednnConvolution, OneAndThreeSpatialAxes) {
    const ConvCase conv1d{"1d 16->13 s2", {3, 16, 13}, 13, {3}, {2}, {1, 2}, {1}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(conv1d, f);
    const ConvCase conv3d{"3d 16->16", {1, 16, 5, 6, 4},   16,       {3, 3, 3},
                          {1, 1, 1},   {1, 1, 1, 1, 0, 1}, {1, 1, 1}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(conv3d, f);
}

TEST(OnednnConvolution, ResidualAndEveryActivation) {
    const std::vector<ActivationParams> activations = {
        {ActivationType::Relu, 0.0f, 0.0f},       {ActivationType::LeakyRelu, 0.1f, 0.0f},
        {ActivationType::Sigmoid, 0.0f, 0.0f},    {ActivationType::Tanh, 0.0f, 0.0f},
        {ActivationType::Clip, -0.5f, 0.75f},     {ActivationType::HardSigmoid, 0.2f, 0.5f},
        {ActivationType::HardSwish, 0.0f, 0.0f},  {ActivationType::Elu, 0.7f, 0.0f},
        {ActivationType::Selu, 1.6733f, 1.0507f}, {ActivationType::Softplus, 0.0f, 0.0f},
        {ActivationType::Gelu, 0.0f, 0.0f},       {ActivationType::GeluTanh, 0.0f, 0.0f},
    };
    for (const ActivationParams& a : activations) {
        ConvCase c{std::string("residual + ") + toString(a.type),
                   {3, 16, 7, 5},
                   32,
                   {3, 3},
                   {1, 1},
                   {1, 1, 1, 1},
                   {1, 1}};
        c.residual = true;
        c.activation = a;
        for (const FormatCase& f : {linearFormats(), preferredBlockedFormats()})
            checkConv(c, f);
        c.residual = false;
        c.name = std::string("activation ") + toString(a.type);
        c.outChannels = 13;  // padded lanes must stay zero although f(0) != 0 for some activations
        checkConv(c, preferredBlockedFormats());
    }
}

TEST(OnednnConvolution, ResidualInAnotherFormatAndRuntimeBias) {
    ConvCase c{"residual linear, output blocked", {1, 16, 7, 5}, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}};
    c.residual = true;
    c.runtimeBias = true;
    c.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    ConvNetwork n = makeConv(c, 7);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(n.params, n.inputs(), n.isActivation);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Result<std::vector<HostTensor>> expected = runReference(*net->layer, n.inputs());
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    net->layer->input(0)->setFormat(preferredBlockedFormats().input);
    net->layer->output(0)->setFormat(preferredBlockedFormats().output);
    const LayerConfig config = LayerConfig::of(*net->layer);
    ASSERT_TRUE(config.inputFormats[3].isLinear());
    Enumeration e = enumerateOnednn(config);
    ASSERT_FALSE(e.tactics.empty()) << skippedText(e.skipped);
    for (const auto& tactic : e.tactics) {
        Result<std::vector<HostTensor>> actual = runTactic(*tactic, config, n.inputs());
        ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
        const Tolerance t = dotTolerance(reductionLength(c));
        expectClose((*expected)[0], (*actual)[0], t.rtol, t.atol, tactic->id());
    }
}

TEST(OnednnConvolution, SplitOutputs) {
    ConvCase c{"split 16+5+11", {3, 16, 7, 5}, 32, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}};
    c.outputChannels = {16, 5, 11};
    c.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkConv(c, f);
    ConvCase oneByOne{"split 1x1 8+24", {1, 16, 5, 5}, 32, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}};
    oneByOne.outputChannels = {8, 24};
    for (const FormatCase& f : {linearFormats(), preferredBlockedFormats()})
        checkConv(oneByOne, f);
}

TEST(OnednnConvolution, WinogradIsOfferedAsItsOwnTactic) {
    const ConvCase c{"winograd 32->32", {1, 32, 12, 10}, 32, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}};
    const std::vector<std::string> ids = checkConv(c, kBlocked16);
    // oneDNN 2.6's FP32 Winograd kernels exist only for AVX-512, on 16-channel blocks.
    if (onednnHasJitKernels(kBlocked16)) {
        EXPECT_TRUE(hasTactic(ids, "onednn:convolution_winograd:"))
            << "no Winograd tactic for a 3x3 stride-1 conv";
    }
    EXPECT_FALSE(hasTactic(ids, "onednn:convolution:ref")) << "reference implementations must not be offered";
}

// A network holding one 3x3 convolution with bias, blocked as the builder would block it on this CPU,
// for the tests of the tactic lifecycle.
struct LifecycleFixture {
    ConvCase c{"lifecycle", {1, 16, 7, 5}, 13, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}};
    ConvNetwork n;
    Result<SingleLayerNetwork> net = Status(StatusCode::Internal, "not built");
    std::vector<HostTensor> expected;

    void build() {
        n = makeConv(c, 3);
        net = makeSingleLayerNetwork(n.params, n.inputs(), n.isActivation);
        ASSERT_TRUE(net.isOk()) << net.status().message();
        Result<std::vector<HostTensor>> reference = runReference(*net->layer, n.inputs());
        ASSERT_TRUE(reference.isOk()) << reference.status().message();
        expected = std::move(reference).value();
        setFormats(*net->layer, preferredBlockedFormats());
    }
    LayerConfig config() const { return LayerConfig::of(*net->layer); }
};

TEST(OnednnConvolution, TruncatedOrMissingBlobsAreRefused) {
    LifecycleFixture f;
    f.build();
    Enumeration e = enumerateOnednn(f.config());
    ASSERT_FALSE(e.tactics.empty()) << skippedText(e.skipped);
    for (const auto& tactic : e.tactics) {
        Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
        ASSERT_TRUE(blobs.isOk()) << tactic->id() << ": " << blobs.status().message();
        ASSERT_EQ(blobs->size(), 3u) << tactic->id() << ": signature, weights and bias";
        // Blobs share their bytes when copied: the damaged ones are new blobs.
        auto shortened = [](const tactics::WeightBlob& blob, size_t less) {
            return tactics::WeightBlob(blob.data(), blob.data() + blob.size() - less);
        };
        std::vector<tactics::WeightBlob> truncated = *blobs;
        truncated[1] = shortened(truncated[1], 4);
        EXPECT_FALSE(tactic->instantiate(truncated).isOk()) << tactic->id();
        std::vector<tactics::WeightBlob> shortBias = *blobs;
        shortBias[2] = shortened(shortBias[2], 1);
        EXPECT_FALSE(tactic->instantiate(shortBias).isOk()) << tactic->id();
        std::vector<tactics::WeightBlob> missing = *blobs;
        missing.pop_back();
        EXPECT_FALSE(tactic->instantiate(missing).isOk()) << tactic->id();
        EXPECT_FALSE(tactic->instantiate({}).isOk()) << tactic->id();
        // A signature of another layout (as from another machine): refused although every size fits.
        std::vector<tactics::WeightBlob> foreign = *blobs;
        foreign[0] = shortened(foreign[0], 0);
        foreign[0].mutableData()[foreign[0].size() - 1] = std::byte{'?'};
        Result<std::unique_ptr<tactics::Kernel>> refused = tactic->instantiate(foreign);
        ASSERT_FALSE(refused.isOk()) << tactic->id();
        EXPECT_NE(refused.status().message().find("rebuild the plan"), std::string::npos)
            << refused.status().message();
        EXPECT_TRUE(tactic->instantiate(*blobs).isOk()) << tactic->id();
    }
}

// oneDNN 2.6's implementation iterator consults its primitive cache by position, which used to make
// implementations appear twice once their primitives existed; ids must not change however many
// kernels have been made.
TEST(OnednnConvolution, IdsStayTheSameAfterKernelsExist) {
    LifecycleFixture f;
    f.c = ConvCase{"1x1 64->32", {1, 64, 14, 14}, 32, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}};
    f.c.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    f.build();
    const LayerConfig config = f.config();
    std::vector<std::string> first;
    for (const auto& tactic : enumerateOnednn(config).tactics)
        first.push_back(tactic->id());
    std::sort(first.begin(), first.end());
    ASSERT_FALSE(first.empty());
    for (int round = 0; round < 3; ++round) {
        Enumeration e = enumerateOnednn(config);
        std::vector<std::string> ids;
        for (const auto& tactic : e.tactics) {
            ids.push_back(tactic->id());
            Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
            ASSERT_TRUE(blobs.isOk()) << blobs.status().message();
            ASSERT_TRUE(tactic->instantiate(std::move(blobs).value()).isOk()) << tactic->id();
        }
        std::sort(ids.begin(), ids.end());
        EXPECT_EQ(ids, first) << "round " << round;
    }
}

TEST(OnednnConvolution, FindRecreatesEveryTacticById) {
    LifecycleFixture f;
    f.build();
    const LayerConfig config = f.config();
    Enumeration e = enumerateOnednn(config);
    ASSERT_FALSE(e.tactics.empty()) << skippedText(e.skipped);
    for (const auto& tactic : e.tactics) {
        Result<std::unique_ptr<tactics::Tactic>> found = cpu::onednnProvider().find(config, tactic->id());
        ASSERT_TRUE(found.isOk()) << tactic->id() << ": " << found.status().message();
        EXPECT_EQ((*found)->id(), tactic->id());
        EXPECT_EQ((*found)->workspaceBytes(), tactic->workspaceBytes()) << tactic->id();
        // Blobs prepared by the tactic enumerated now feed the one found again, as when a plan is loaded.
        Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
        ASSERT_TRUE(blobs.isOk()) << blobs.status().message();
        Result<std::vector<tactics::WeightBlob>> again = (*found)->prepareWeights();
        ASSERT_TRUE(again.isOk()) << again.status().message();
        EXPECT_EQ(*blobs, *again) << tactic->id();
        Result<std::vector<HostTensor>> actual = runTactic(**found, config, f.n.inputs());
        ASSERT_TRUE(actual.isOk()) << actual.status().message();
        const Tolerance t = convTolerance(reductionLength(f.c))(tactic->id());
        expectClose(f.expected[0], (*actual)[0], t.rtol, t.atol, tactic->id());
    }
    Result<std::unique_ptr<tactics::Tactic>> missing =
        cpu::onednnProvider().find(config, "onednn:convolution:nope");
    ASSERT_FALSE(missing.isOk());
    EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
}

TEST(OnednnConvolution, KernelRunsConcurrently) {
    LifecycleFixture f;
    f.c.data = {3, 16, 15, 13};
    f.c.outChannels = 29;
    f.build();
    const LayerConfig config = f.config();
    Enumeration e = enumerateOnednn(config);
    ASSERT_FALSE(e.tactics.empty()) << skippedText(e.skipped);
    const Layer& layer = *config.layer;
    const std::vector<std::byte> input = tactics::toFormat(f.n.data, config.inputFormats[0]);
    const Tensor& output = *layer.output(0);
    const size_t outputBytes = size_t(output.storageBytes());
    for (const auto& tactic : e.tactics) {
        Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
        ASSERT_TRUE(blobs.isOk()) << blobs.status().message();
        Result<std::unique_ptr<tactics::Kernel>> kernel = tactic->instantiate(std::move(blobs).value());
        ASSERT_TRUE(kernel.isOk()) << kernel.status().message();
        constexpr int kThreads = 4;
        constexpr int kRuns = 5;
        std::vector<std::vector<std::byte>> outputs(kThreads, std::vector<std::byte>(outputBytes));
        std::vector<Status> statuses(kThreads);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                // Each context has its own workspace and output, as execution contexts do.
                std::vector<std::byte> workspace(size_t(tactic->workspaceBytes()) + 64);
                tactics::KernelArgs args;
                args.inputs = {input.data(), layer.input(1)->constantData()->bytes(),
                               layer.input(2)->constantData()->bytes()};
                args.outputs = {outputs[t].data()};
                args.workspace = reinterpret_cast<std::byte*>(
                    (reinterpret_cast<uintptr_t>(workspace.data()) + 63) & ~uintptr_t(63));
                for (int r = 0; r < kRuns && statuses[t].isOk(); ++r)
                    statuses[t] = (*kernel)->run(args);
            });
        }
        for (std::thread& thread : threads)
            thread.join();
        const Tolerance tol = convTolerance(reductionLength(f.c))(tactic->id());
        for (int t = 0; t < kThreads; ++t) {
            ASSERT_TRUE(statuses[t].isOk()) << statuses[t].message();
            HostTensor actual =
                tactics::fromFormat(outputs[t].data(), DataType::Float32, output.dims(), output.format());
            expectClose(f.expected[0], actual, tol.rtol, tol.atol,
                        tactic->id() + " thread " + std::to_string(t));
        }
    }
}

TEST(OnednnConvolution, RefusalsSayWhy) {
    LifecycleFixture f;
    f.build();
    LayerConfig config = f.config();
    config.precision = DataType::Float16;
    Enumeration fp16 = enumerateOnednn(config);
    EXPECT_TRUE(fp16.tactics.empty());
    ASSERT_FALSE(fp16.skipped.empty());
    for (const auto& s : fp16.skipped) {
        EXPECT_EQ(s.id.rfind("onednn:convolution", 0), 0u) << s.id;
        EXPECT_NE(s.reason.find("FP32"), std::string::npos) << s.reason;
        EXPECT_NE(s.reason.find("FP16"), std::string::npos) << s.reason;
    }

    LayerConfig oddBlock = f.config();
    oddBlock.inputFormats[0] = TensorFormat::blocked(32);
    oddBlock.outputFormats[0] = TensorFormat::blocked(32);
    Enumeration block32 = enumerateOnednn(oddBlock);
    EXPECT_TRUE(block32.tactics.empty());
    ASSERT_FALSE(block32.skipped.empty());
    EXPECT_NE(block32.skipped[0].reason.find("blocked by 32"), std::string::npos)
        << block32.skipped[0].reason;

    // Reference implementations are listed as skipped with the reason, never offered.
    Enumeration normal = enumerateOnednn(f.config());
    bool sawReference = false;
    for (const auto& s : normal.skipped) {
        if (s.id.find(":ref") != std::string::npos) {
            sawReference = true;
            EXPECT_EQ(s.reason, "oneDNN reference implementation (too slow to time)");
        }
    }
    EXPECT_TRUE(sawReference) << skippedText(normal.skipped);

    // A grouped convolution with split outputs is not offered, with the reason.
    ConvCase grouped{"grouped split", {1, 16, 5, 5}, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 2};
    grouped.outputChannels = {4, 12};
    ConvNetwork n = makeConv(grouped, 5);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(n.params, n.inputs(), n.isActivation, 2);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Enumeration split = enumerateOnednn(LayerConfig::of(*net->layer));
    EXPECT_TRUE(split.tactics.empty());
    ASSERT_FALSE(split.skipped.empty());
    EXPECT_NE(split.skipped[0].reason.find("group"), std::string::npos) << split.skipped[0].reason;
}

struct DeconvCase {
    std::string name;
    Dims data{};
    int64_t outChannels = 0;
    Dims kernel{};
    std::vector<int64_t> strides{}, pads{}, dilations{}, outputPadding{};
    int64_t groups = 1;
    bool bias = true;
};

std::vector<std::string> checkDeconv(const DeconvCase& c, const FormatCase& formats) {
    std::mt19937 rng(11);
    HostTensor data = randomTensor(c.data, rng);
    Dims weightDims{c.data[1], c.outChannels / c.groups};
    weightDims.insert(weightDims.end(), c.kernel.begin(), c.kernel.end());
    HostTensor weights = randomTensor(weightDims, rng);
    HostTensor bias = randomTensor({c.outChannels}, rng);
    DeconvolutionParams p;
    p.strides = c.strides;
    p.pads = c.pads;
    p.dilations = c.dilations;
    p.outputPadding = c.outputPadding;
    p.groups = c.groups;
    std::vector<const HostTensor*> inputs = {&data, &weights};
    if (c.bias) inputs.push_back(&bias);
    // Each output element sums at most C / groups * taps products.
    int64_t k = c.data[1] / c.groups;
    for (int64_t extent : c.kernel)
        k *= extent;
    std::vector<tactics::SkippedTactic> skipped;
    std::vector<std::string> ids =
        checkOnednnTactics(p, inputs, {true, false, false}, 1, formats, dotTolerance(k), c.name, &skipped);
    // oneDNN 2.6 deconvolves with its backward-data convolution kernels: jit ones where it has them.
    if (onednnHasJitKernels(formats)) {
        EXPECT_TRUE(hasTactic(ids, "onednn:deconvolution:"))
            << c.name << " [" << formatName(formats)
            << "] offered no tactic; skipped:" << skippedText(skipped);
    }
    return ids;
}

TEST(OnednnDeconvolution, StridesPadsOutputPaddingGroups) {
    const DeconvCase upsample{"deconv 2x2 s2", {1, 16, 5, 4}, 13,     {2, 2},
                              {2, 2},          {0, 0, 0, 0},  {1, 1}, {0, 0}};
    for (const FormatCase& f : {linearFormats(), kBlocked16, kBlocked8})
        checkDeconv(upsample, f);
    const DeconvCase padded{"deconv 3x3 s2 op1", {3, 16, 5, 4}, 16,    {3, 3}, {2, 2},
                            {1, 0, 1, 1},        {1, 1},        {1, 1}};
    for (const FormatCase& f : {linearFormats(), preferredBlockedFormats()})
        checkDeconv(padded, f);
    const DeconvCase grouped{"deconv groups 2", {1, 32, 4, 5}, 32,     {3, 3}, {1, 1},
                             {1, 1, 1, 1},      {1, 1},        {0, 0}, 2};
    for (const FormatCase& f : {linearFormats(), preferredBlockedFormats()})
        checkDeconv(grouped, f);
    const DeconvCase dilated{"deconv dilation 2", {1, 16, 5, 5}, 16,    {3, 3}, {1, 1},
                             {0, 0, 0, 0},        {2, 2},        {0, 0}};
    checkDeconv(dilated, linearFormats());
}

}  // namespace
}  // namespace kiln::test
