// oneDNN pooling, LRN, softmax and batch-norm tactics against the reference kernels, in linear and
// channel-blocked formats with channel counts that leave padded lanes; and the configurations they
// refuse, with the reason.
#include <random>

#include "engine/tactics/onednn_test_util.h"

namespace kiln::test {
namespace {

const std::vector<FormatCase> kActivationFormats = {linearFormats(), blockedFormats(16), blockedFormats(8)};

// Max pooling picks an input element: exact. Average pooling sums at most a window's elements in a
// different order than the reference's double sum: a few float roundings of values in [-1, 1].
constexpr Tolerance kMaxTolerance{0.0f, 0.0f};
constexpr Tolerance kAverageTolerance{1e-6f, 1e-6f};

std::vector<std::string> checkPooling(const std::string& name, const Dims& dims, const PoolingParams& p,
                                      bool expectTactic = true) {
    std::mt19937 rng(5);
    HostTensor data = randomTensor(dims, rng);
    std::vector<std::string> all;
    for (const FormatCase& f : kActivationFormats) {
        std::vector<tactics::SkippedTactic> skipped;
        const std::vector<std::string> ids = checkOnednnTactics(
            p, {&data}, {true}, 1, f, p.type == PoolingType::Max ? kMaxTolerance : kAverageTolerance, name,
            &skipped);
        if (expectTactic && onednnHasJitKernels(f)) {
            EXPECT_TRUE(hasTactic(ids, "onednn:pooling:"))
                << name << " [" << formatName(f) << "] offered no tactic:" << skippedText(skipped);
        }
        all.insert(all.end(), ids.begin(), ids.end());
    }
    return all;
}

TEST(OnednnPooling, MaxWithPaddingCeilModeAndDilation) {
    checkPooling("max 3x3 s2 p1", {3, 13, 9, 8}, pooling(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1}));
    checkPooling("max 3x3 s2 ceil", {1, 13, 8, 7},
                 pooling(PoolingType::Max, {3, 3}, {2, 2}, {0, 0, 0, 0}, true));
    checkPooling("max 2x2 s2 asym", {1, 16, 7, 5}, pooling(PoolingType::Max, {2, 2}, {2, 2}, {1, 0, 0, 1}));
    // oneDNN 2.6 has only its reference implementation for dilated pooling: nothing is offered, but
    // whatever is must match.
    checkPooling("max dilation 2", {1, 16, 9, 9},
                 pooling(PoolingType::Max, {3, 3}, {1, 1}, {2, 2, 2, 2}, false, false, {2, 2}), false);
}

TEST(OnednnPooling, AverageIncludeExcludePadAndGlobal) {
    checkPooling("avg exclude pad", {3, 13, 7, 5},
                 pooling(PoolingType::Average, {3, 3}, {2, 2}, {1, 1, 1, 1}));
    checkPooling("avg include pad", {1, 13, 7, 5},
                 pooling(PoolingType::Average, {3, 3}, {1, 1}, {1, 1, 1, 1}, false, true));
    checkPooling("avg exclude pad ceil", {1, 16, 8, 7},
                 pooling(PoolingType::Average, {3, 3}, {2, 2}, {1, 1, 1, 1}, true));
    checkPooling("global avg", {3, 13, 7, 5}, pooling(PoolingType::Average, {7, 5}, {1, 1}, {0, 0, 0, 0}));
    checkPooling("global max", {1, 32, 6, 6}, pooling(PoolingType::Max, {6, 6}, {1, 1}, {0, 0, 0, 0}));
}

TEST(OnednnPooling, OneAndThreeSpatialAxes) {
    checkPooling("max 1d", {3, 13, 11}, pooling(PoolingType::Max, {3}, {2}, {1, 1}));
    checkPooling("avg 3d", {1, 16, 5, 6, 7},
                 pooling(PoolingType::Average, {2, 2, 2}, {2, 2, 2}, {0, 0, 0, 1, 1, 1}));
}

TEST(OnednnPooling, RefusesWhereOnednnDisagrees) {
    std::mt19937 rng(5);
    HostTensor data = randomTensor({1, 16, 8, 8}, rng);
    // A ceil-mode window past the end padding: Kiln counts fewer taps than oneDNN's whole kernel.
    const PoolingParams p = pooling(PoolingType::Average, {3, 3}, {2, 2}, {0, 0, 0, 0}, true, true);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(p, {&data}, {true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Enumeration e = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(e.tactics.empty());
    ASSERT_EQ(e.skipped.size(), 1u);
    EXPECT_EQ(e.skipped[0].id, "onednn:pooling");
    EXPECT_NE(e.skipped[0].reason.find("ceil-mode"), std::string::npos) << e.skipped[0].reason;
}

TEST(OnednnLrn, AcrossChannelsEveryFormat) {
    std::mt19937 rng(8);
    LrnParams p;
    p.size = 5;
    p.alpha = 2e-2f;  // large enough that the normalisation visibly changes the values
    p.beta = 0.75f;
    p.bias = 1.5f;
    // pow and a short sum of squares: a few ulps.
    const Tolerance t{1e-5f, 1e-6f};
    // oneDNN 2.6's jit LRN takes whole channel blocks; 13 channels get its reference implementation
    // only, which is not offered (anything that is offered must still match).
    HostTensor whole = randomTensor({3, 16, 7, 5}, rng);
    HostTensor padded = randomTensor({1, 13, 7, 5}, rng);
    bool anyBlocked = false;
    for (const FormatCase& f : kActivationFormats) {
        std::vector<tactics::SkippedTactic> skipped;
        const std::vector<std::string> ids =
            checkOnednnTactics(p, {&whole}, {true}, 1, f, t, "lrn 5", &skipped);
        if (!f.input.isLinear()) anyBlocked = anyBlocked || hasTactic(ids, "onednn:lrn:");
        if (f.input.channelBlock == 16 && onednnHasJitKernels(f)) {
            EXPECT_TRUE(hasTactic(ids, "onednn:lrn:")) << formatName(f) << ":" << skippedText(skipped);
        }
        for (const std::string& id : ids)
            EXPECT_EQ(id.find("ref"), std::string::npos) << id;
        checkOnednnTactics(p, {&padded}, {true}, 1, f, t, "lrn 5, 13 channels");
    }
    EXPECT_TRUE(anyBlocked);

    p.size = 4;
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(p, {&whole}, {true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Enumeration even = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(even.tactics.empty());
    ASSERT_EQ(even.skipped.size(), 1u);
    EXPECT_NE(even.skipped[0].reason.find("even"), std::string::npos) << even.skipped[0].reason;
}

TEST(OnednnSoftmax, AnyAxisLogAndFlattened) {
    std::mt19937 rng(9);
    HostTensor data = randomTensor({2, 5, 3, 7}, rng, -4.0f, 4.0f);
    // exp and one division per element after a sum of a few terms: a few ulps; log-softmax adds
    // oneDNN's log, accurate to about 4e-6 absolute.
    const Tolerance t{1e-5f, 1e-5f};
    for (int64_t axis : {0, 1, 2, 3}) {
        for (bool log : {false, true}) {
            SoftmaxParams p;
            p.axis = axis;
            p.log = log;
            const std::string name = "softmax axis " + std::to_string(axis) + (log ? " log" : "");
            std::vector<tactics::SkippedTactic> skipped;
            const std::vector<std::string> ids =
                checkOnednnTactics(p, {&data}, {true}, 1, linearFormats(), t, name, &skipped);
            // oneDNN 2.6's jit softmax needs the axis innermost; other axes have only its reference.
            if (axis == 3) {
                EXPECT_TRUE(hasTactic(ids, "onednn:softmax:")) << name << ":" << skippedText(skipped);
            }
        }
    }
    SoftmaxParams flat;
    flat.axis = 1;
    flat.flattenFromAxis = true;
    const std::vector<std::string> ids =
        checkOnednnTactics(flat, {&data}, {true}, 1, linearFormats(), t, "flattened");
    EXPECT_TRUE(hasTactic(ids, "onednn:softmax:"));

    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(flat, {&data}, {true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    setFormats(*net->layer, blockedFormats(16));
    Enumeration blocked = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(blocked.tactics.empty());
    ASSERT_EQ(blocked.skipped.size(), 1u);
    EXPECT_EQ(blocked.skipped[0].reason.rfind("needs linear (NCHW) tensors", 0), 0u)
        << blocked.skipped[0].reason;
}

TEST(OnednnSoftmax, OverChannelsOfBlockedTensors) {
    std::mt19937 rng(9);
    // 13 channels: the padded lanes must stay out of the sums and come out zero.
    HostTensor data = randomTensor({2, 13, 3, 7}, rng, -4.0f, 4.0f);
    for (bool log : {false, true}) {
        SoftmaxParams p;
        p.axis = 1;
        p.log = log;
        for (const FormatCase& f : {blockedFormats(16), blockedFormats(8)}) {
            std::vector<tactics::SkippedTactic> skipped;
            const std::vector<std::string> ids = checkOnednnTactics(
                p, {&data}, {true}, 1, f, {1e-5f, 1e-5f}, log ? "log-softmax" : "softmax", &skipped);
            if (onednnHasJitKernels(f)) {
                EXPECT_TRUE(hasTactic(ids, "onednn:softmax:"))
                    << formatName(f) << ":" << skippedText(skipped);
            }
        }
    }
}

TEST(OnednnBatchNorm, InferenceEveryFormat) {
    std::mt19937 rng(10);
    HostTensor data = randomTensor({3, 13, 7, 5}, rng);
    HostTensor scale = randomTensor({13}, rng);
    HostTensor bias = randomTensor({13}, rng);
    HostTensor mean = randomTensor({13}, rng);
    HostTensor variance = randomTensor({13}, rng, 0.1f, 2.0f);
    BatchNormParams p;
    p.epsilon = 1e-3f;
    for (const FormatCase& f : kActivationFormats) {
        std::vector<tactics::SkippedTactic> skipped;
        // One subtraction, a multiply-add and a square root per element: a few ulps of values near 1.
        const std::vector<std::string> ids = checkOnednnTactics(p, {&data, &scale, &bias, &mean, &variance},
                                                                {true, false, false, false, false}, 1, f,
                                                                {1e-5f, 1e-6f}, "batchnorm", &skipped);
        if (onednnHasJitKernels(f)) {
            EXPECT_TRUE(hasTactic(ids, "onednn:batch_normalization:"))
                << formatName(f) << ":" << skippedText(skipped);
        }
    }
    // Statistics computed at run time are read from the layer's inputs.
    const std::vector<std::string> ids =
        checkOnednnTactics(p, {&data, &scale, &bias, &mean, &variance}, {true, true, true, true, true}, 1,
                           linearFormats(), {1e-5f, 1e-6f}, "batchnorm runtime statistics");
    EXPECT_TRUE(hasTactic(ids, "onednn:batch_normalization:"));
}

}  // namespace
}  // namespace kiln::test
