// Kiln CUDA pooling, softmax, reduce, arg-min/max, LRN and instance-norm kernels against the reference
// kernels on seeded random data, every variant the provider offers (one thread, a warp or a block per
// output). Maxima, minima and indices must be exact. Sums are FP32 in an order of their own against the
// reference's double sums, so each tolerance below is a bound derived from the number of terms, with
// u = 2^-24 the FP32 unit roundoff: a sum of n terms is off by at most (n - 1) * u * sum(|term|) in any
// order of additions. Library functions count with CUDA's documented maximum errors from the correctly
// rounded result (expf 2 ulp, logf 1 ulp, powf 4 ulp; sqrtf and division correctly rounded), k ulp
// being at most (2k + 1) * u relative to the exact value. Pooling of FP16 channels-last tensors adds
// the rounding of inputs and outputs to FP16 (see its section); maxima are exact up to that rounding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cuda/kiln/kiln_cuda_provider.h"
#include "gpu_test_util.h"

namespace kiln::test {
namespace {

const tactics::TacticProvider& provider() {
    return cuda::kilnCudaProvider();
}

constexpr double kRoundoff = std::numeric_limits<float>::epsilon() / 2.0;

struct Tolerance {
    float rtol = 0.0f;
    float atol = 0.0f;
};

constexpr Tolerance kExact{};

std::vector<std::string> offeredIds(const Layer& layer) {
    std::vector<std::string> ids;
    for (const auto& tactic : offeredTactics(provider(), tactics::LayerConfig::of(layer)))
        ids.push_back(tactic->id());
    return ids;
}

// Runs every offered tactic for a one-layer network against the reference and returns the ids offered.
std::vector<std::string> expectMatches(const LayerParams& params,
                                       const std::vector<const HostTensor*>& inputs,
                                       const std::vector<bool>& isActivation, Tolerance tolerance,
                                       const std::string& what) {
    auto net = makeSingleLayerNetwork(params, inputs, isActivation);
    EXPECT_TRUE(net.isOk()) << what << ": " << net.status().message();
    if (!net.isOk()) return {};
    expectGpuTacticsMatchReference(provider(), net.value(), inputs, tolerance.rtol, tolerance.atol, what);
    return offeredIds(*net.value().layer);
}

bool offers(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Average pooling of at most `taps` elements in [-1, 1]: the sum is off by at most (taps - 1) * u * taps
// before the division by a divisor of at least the summed count, so by (taps - 1) * u after it; the
// division and the reference's own rounding add u each, relative to the result.
Tolerance averageTolerance(int64_t taps) {
    return {float(2 * kRoundoff), float(double(taps) * kRoundoff)};
}

std::string axesText(const std::vector<int64_t>& axes) {
    std::string text;
    for (int64_t axis : axes)
        text += (text.empty() ? "" : ",") + std::to_string(axis);
    return text;
}

int64_t product(const std::vector<int64_t>& values) {
    int64_t result = 1;
    for (int64_t v : values)
        result *= v;
    return result;
}

// Softmax over rows of n elements whose values lie within `spread` of each other. Each exponential is
// off by spread * u (the rounded x - max) plus expf's 5u, relatively; their sum by (n - 1) * u more. The
// softmax divides (u) and is compared with a rounded reference (u): (n + 2 * spread + 11) * u relative.
// Log-softmax subtracts log(sum), off by the sum's relative error plus logf's 3u * log(sum), with
// log(sum) <= log(n), and rounds twice a result of at most spread + log(n):
// (n + 4 * spread + 5 * log(n) + 4) * u absolute. One tolerance holds both.
Tolerance softmaxTolerance(int64_t n, double spread) {
    const float bound = float((double(n) + 4.0 * spread + 5.0 * std::log(double(n)) + 11.0) * kRoundoff);
    return {bound, bound};
}

// Reductions of n positive terms (|x| for L1, squares for L2 and SumSquare, exponentials within 2 of the
// maximum for LogSumExp, data in [0.5, 1.5] for the others): the sum or product is off by (n - 1) * u
// relative in any order, an exponential by 7u; the finishing division or square root adds u, logf
// 3u * |log(sum)| <= 3u * log(1.5 * n), and the result's two roundings (ours and the reference's) 2u of
// it, at most 2u * (1 + log(1.5 * n)) for the logarithms. Logarithms turn relative errors into absolute
// ones, hence the same bound for both.
Tolerance reduceTolerance(int64_t n) {
    const float bound = float((double(n) + 5.0 * std::log(1.5 * double(n)) + 12.0) * kRoundoff);
    return {bound, bound};
}

TEST(KilnCudaReduce, WindowPoolingMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(11);
    struct Case {
        std::string name;
        Dims dims;
        PoolingParams params;
    };
    const PoolingType max = PoolingType::Max;
    const std::vector<Case> maxCases = {
        {"1d k3 s2 p1", {3, 5, 11}, pooling(max, {3}, {2}, {1, 1})},
        {"2d 3x3 s2 p1", {2, 3, 9, 8}, pooling(max, {3, 3}, {2, 2}, {1, 1, 1, 1})},
        {"2d asymmetric pads", {1, 5, 7, 5}, pooling(max, {2, 3}, {2, 1}, {1, 0, 0, 2})},
        {"2d dilation 2", {1, 3, 9, 9}, pooling(max, {3, 3}, {1, 1}, {2, 2, 2, 2}, false, false, {2, 2})},
        {"2d dilation 1x3", {2, 3, 10, 11}, pooling(max, {2, 3}, {2, 1}, {1, 3, 0, 2}, false, false, {1, 3})},
        {"2d ceil", {1, 3, 8, 7}, pooling(max, {3, 3}, {2, 2}, {0, 0, 0, 0}, true)},
        {"2d ceil dilated", {1, 3, 10, 9}, pooling(max, {2, 2}, {3, 2}, {1, 0, 1, 1}, true, false, {2, 3})},
        {"3d",
         {1, 3, 5, 6, 7},
         pooling(max, {3, 2, 3}, {2, 2, 1}, {1, 0, 1, 1, 1, 0}, false, false, {1, 2, 1})},
    };
    for (const Case& c : maxCases) {
        const HostTensor x = randomTensor(c.dims, rng);
        const auto ids = expectMatches(c.params, {&x}, {true}, kExact, "max pooling " + c.name);
        EXPECT_TRUE(offers(ids, "kiln-cuda:pooling:window")) << c.name;
    }

    const PoolingType average = PoolingType::Average;
    const std::vector<Case> averageCases = {
        {"1d k4 s3", {3, 5, 11}, pooling(average, {4}, {3}, {1, 2})},
        {"2d 3x3 s2 p1", {3, 7, 7, 5}, pooling(average, {3, 3}, {2, 2}, {1, 1, 1, 1})},
        {"2d asymmetric pads", {1, 5, 8, 6}, pooling(average, {3, 2}, {2, 2}, {0, 1, 2, 1})},
        // Ceil mode: the last windows reach past the end padding, which neither divisor counts.
        {"2d ceil padded", {1, 3, 8, 7}, pooling(average, {3, 3}, {2, 2}, {1, 1, 1, 1}, true)},
        {"2d ceil unpadded", {2, 3, 8, 7}, pooling(average, {3, 3}, {2, 2}, {0, 0, 0, 0}, true)},
        {"3d", {1, 3, 5, 6, 7}, pooling(average, {2, 2, 2}, {2, 2, 2}, {0, 0, 0, 1, 1, 1})},
    };
    for (const Case& c : averageCases) {
        for (bool countIncludePad : {false, true}) {
            PoolingParams params = c.params;
            params.countIncludePad = countIncludePad;
            const HostTensor x = randomTensor(c.dims, rng);
            expectMatches(params, {&x}, {true}, averageTolerance(product(params.kernel)),
                          "average pooling " + c.name + (countIncludePad ? ", pads counted" : ""));
        }
    }
}

TEST(KilnCudaReduce, GlobalPoolingMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(12);
    // 300 and 1600 positions: a block's 256 threads each add more than one.
    for (const Dims& dims : std::vector<Dims>{{1, 5, 7, 7},
                                              {3, 7, 7, 7},
                                              {3, 5, 1, 1},
                                              {1, 3, 13, 17},
                                              {3, 1, 13, 17},
                                              {2, 3, 300},
                                              {1, 3, 4, 5, 6},
                                              {1, 3, 40, 40}}) {
        const std::vector<int64_t> spatial(dims.begin() + 2, dims.end());
        const std::vector<int64_t> ones(spatial.size(), 1);
        std::vector<int64_t> zeros(2 * spatial.size(), 0);
        const HostTensor x = randomTensor(dims, rng);
        const std::string name = toString(dims);
        const auto maxIds = expectMatches(pooling(PoolingType::Max, spatial, ones, zeros), {&x}, {true},
                                          kExact, "global max pooling " + name);
        const auto averageIds =
            expectMatches(pooling(PoolingType::Average, spatial, ones, zeros), {&x}, {true},
                          averageTolerance(product(spatial)), "global average pooling " + name);
        for (const auto* ids : {&maxIds, &averageIds}) {
            EXPECT_TRUE(offers(*ids, "kiln-cuda:pooling:global-warp")) << name;
            EXPECT_TRUE(offers(*ids, "kiln-cuda:pooling:global-block")) << name;
        }
    }
}

TEST(KilnCudaReduce, SoftmaxEveryAxisLogAndFlattened) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(13);
    const Dims dims{2, 5, 3, 7};
    const HostTensor x = randomTensor(dims, rng);
    for (int64_t axis = 0; axis < 4; ++axis) {
        for (bool flatten : {false, true}) {
            for (bool log : {false, true}) {
                SoftmaxParams p;
                p.axis = axis;
                p.log = log;
                p.flattenFromAxis = flatten;
                const int64_t n =
                    flatten ? product(Dims(dims.begin() + axis, dims.end())) : dims[size_t(axis)];
                const std::string name = std::string(log ? "log-softmax" : "softmax") + " axis " +
                                         std::to_string(axis) + (flatten ? " flattened" : "");
                const auto ids = expectMatches(p, {&x}, {true}, softmaxTolerance(n, 2.0), name);
                EXPECT_TRUE(offers(ids, "kiln-cuda:softmax:thread")) << name;
                const bool contiguous = flatten || axis == 3;
                EXPECT_EQ(contiguous, offers(ids, "kiln-cuda:softmax:warp")) << name;
                EXPECT_EQ(contiguous, offers(ids, "kiln-cuda:softmax:block")) << name;
            }
        }
    }
}

TEST(KilnCudaReduce, SoftmaxRowLengths) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(14);
    for (int64_t length : {1, 10, 1000, 4097}) {
        // The row innermost (every variant), then between two other axes (one thread per row).
        for (const Dims& dims : std::vector<Dims>{{3, length}, {2, length, 3}}) {
            const HostTensor x = randomTensor(dims, rng);
            for (bool log : {false, true}) {
                SoftmaxParams p;
                p.axis = 1;
                p.log = log;
                expectMatches(p, {&x}, {true}, softmaxTolerance(length, 2.0),
                              std::string(log ? "log-softmax " : "softmax ") + toString(dims));
            }
        }
    }
}

TEST(KilnCudaReduce, SoftmaxSubtractsTheMaximum) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(15);
    // exp(100) overflows FP32: only the shifted exponentials stay finite.
    const HostTensor x = randomTensor({4, 300}, rng, 50.0f, 100.0f);
    for (bool log : {false, true}) {
        SoftmaxParams p;
        p.axis = 1;
        p.log = log;
        expectMatches(p, {&x}, {true}, softmaxTolerance(300, 50.0),
                      log ? "large log-softmax" : "large softmax");
    }
}

TEST(KilnCudaReduce, ReduceEveryOpOverAnyAxes) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(16);
    struct Case {
        Dims dims;
        std::vector<int64_t> axes;
    };
    const std::vector<Case> cases = {
        {{3, 4, 5, 6}, {0}},
        {{3, 4, 5, 6}, {1}},
        {{3, 4, 5, 6}, {3}},
        {{3, 4, 5, 6}, {1, 2}},
        {{3, 4, 5, 6}, {0, 2}},
        {{3, 4, 5, 6}, {2, 3}},
        {{3, 4, 5, 6}, {0, 3}},
        {{3, 4, 5, 6}, {0, 1, 2, 3}},
        {{3, 1, 5, 1}, {1, 2}},                    // unit axes around the reduced one
        {{2, 3000}, {1}},                          // long rows: every lane of a block adds many terms
        {{3000, 2}, {0}},                          // long strided columns
        {{2, 3, 1, 2, 3, 2, 1, 2}, {0, 2, 4, 7}},  // rank kMaxRank
    };
    const ReduceOp ops[] = {ReduceOp::Sum,    ReduceOp::Mean,     ReduceOp::Max, ReduceOp::Min,
                            ReduceOp::Prod,   ReduceOp::L1,       ReduceOp::L2,  ReduceOp::SumSquare,
                            ReduceOp::LogSum, ReduceOp::LogSumExp};
    for (const Case& c : cases) {
        int64_t n = 1;
        for (int64_t axis : c.axes)
            n *= c.dims[size_t(axis)];
        for (ReduceOp op : ops) {
            // Signs matter only where the reduction is exact or takes |x|; elsewhere positive data keep
            // the sums' error relative to the result (see reduceTolerance).
            const bool exact = op == ReduceOp::Max || op == ReduceOp::Min;
            const bool anySign = exact || op == ReduceOp::L1 || op == ReduceOp::LogSumExp;
            const HostTensor x = anySign ? randomTensor(c.dims, rng) : randomTensor(c.dims, rng, 0.5f, 1.5f);
            for (bool keepDims : {true, false}) {
                ReduceParams p;
                p.op = op;
                p.axes = c.axes;
                p.keepDims = keepDims;
                const std::string name = std::string(toString(op)) + " of " + toString(c.dims) +
                                         " over axes " + axesText(c.axes) + (keepDims ? ", dims kept" : "");
                const auto ids = expectMatches(p, {&x}, {true}, exact ? kExact : reduceTolerance(n), name);
                EXPECT_TRUE(offers(ids, "kiln-cuda:reduce:thread")) << name;
            }
        }
    }
}

TEST(KilnCudaReduce, ReduceRowTeamsOnlyForInnermostAxes) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(17);
    const HostTensor x = randomTensor({3, 1, 5, 6}, rng);
    struct Case {
        std::vector<int64_t> axes;
        bool rows;
    };
    for (const Case& c : std::vector<Case>{
             {{2, 3}, true}, {{1, 2, 3}, true}, {{3}, true}, {{2}, false}, {{0, 3}, false}, {{1}, true}}) {
        ReduceParams p;
        p.op = ReduceOp::Max;
        p.axes = c.axes;
        const std::string name = "max over axes " + axesText(c.axes);
        const auto ids = expectMatches(p, {&x}, {true}, kExact, name);
        EXPECT_EQ(c.rows, offers(ids, "kiln-cuda:reduce:warp")) << name;
        EXPECT_EQ(c.rows, offers(ids, "kiln-cuda:reduce:block")) << name;
    }
}

// Small integers: every row holds ties, so the first and the last index of the best value differ.
HostTensor tiedTensor(const Dims& dims, std::mt19937& rng, int values) {
    HostTensor tensor(DataType::Float32, dims);
    std::uniform_int_distribution<int> dist(0, values - 1);
    for (int64_t i = 0; i < tensor.elementCount(); ++i)
        tensor.data<float>()[i] = float(dist(rng));
    return tensor;
}

void expectArgMinMaxMatches(const HostTensor& x, int64_t axis, const std::string& name) {
    for (bool max : {true, false}) {
        for (bool selectLast : {false, true}) {
            for (bool keepDims : {true, false}) {
                ArgMinMaxParams p;
                p.max = max;
                p.axis = axis;
                p.keepDims = keepDims;
                p.selectLastIndex = selectLast;
                const auto ids = expectMatches(p, {&x}, {true}, kExact,
                                               std::string(max ? "argmax " : "argmin ") + name + " axis " +
                                                   std::to_string(axis) + (selectLast ? ", last index" : "") +
                                                   (keepDims ? ", dims kept" : ""));
                EXPECT_EQ(axis == int64_t(x.dims().size()) - 1, offers(ids, "kiln-cuda:argminmax:warp"))
                    << name;
            }
        }
    }
}

TEST(KilnCudaReduce, ArgMinMaxTiesPickTheFirstOrLastIndex) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(18);
    const HostTensor small = tiedTensor({3, 7, 5}, rng, 4);
    for (int64_t axis = 0; axis < 3; ++axis)
        expectArgMinMaxMatches(small, axis, toString(small.dims()));
    // Rows longer than a warp: ties between lanes.
    const HostTensor rows = tiedTensor({2, 1000}, rng, 10);
    expectArgMinMaxMatches(rows, 1, toString(rows.dims()));
    const HostTensor columns = tiedTensor({1000, 3}, rng, 10);
    expectArgMinMaxMatches(columns, 0, toString(columns.dims()));
}

TEST(KilnCudaReduce, ArgMinMaxFollowsTheReferenceScanOverNaN) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(19);
    // The reference's scan never moves to a NaN, and stays at index 0 when that element is NaN.
    HostTensor x = tiedTensor({4, 50}, rng, 5);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    float* data = x.data<float>();
    data[0] = nan;
    data[50 + 3] = nan;
    data[50 + 17] = nan;
    for (int64_t i = 1; i < 50; ++i)
        data[100 + i] = nan;
    expectArgMinMaxMatches(x, 1, "with NaNs");
}

TEST(KilnCudaReduce, LrnMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(20);
    for (const Dims& dims : std::vector<Dims>{{2, 7, 5, 4}, {3, 9}, {1, 4, 3, 2, 2}}) {
        const HostTensor x = randomTensor(dims, rng);
        for (int64_t size : {3, 5}) {
            LrnParams p;
            p.size = size;
            p.alpha = 2e-2f;  // large enough that the normalisation visibly changes the values
            p.beta = 0.75f;
            p.bias = 1.5f;
            // A sum of `size` squares (size * u), the rounded alpha / size and the fused multiply-add
            // (2u), raised to beta <= 1; powf's 9u, the division and the reference's rounding: relative.
            const Tolerance t{float((double(size) + 13.0) * kRoundoff), 0.0f};
            expectMatches(p, {&x}, {true}, t, "LRN size " + std::to_string(size) + " of " + toString(dims));
        }
    }
}

TEST(KilnCudaReduce, InstanceNormMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(21);
    // 60 to 1600 positions per plane; 300 and 1600 keep every thread of a block busy with several.
    for (const Dims& dims : std::vector<Dims>{{2, 5, 7, 9}, {1, 3, 300}, {3, 4, 3, 4, 5}, {1, 3, 40, 40}}) {
        const HostTensor x = randomTensor(dims, rng);
        const HostTensor scale = randomTensor({dims[1]}, rng);
        const HostTensor bias = randomTensor({dims[1]}, rng);
        const int64_t n = product(Dims(dims.begin() + 2, dims.end()));
        InstanceNormParams p;
        p.epsilon = 1e-5f;
        // Data in [-1, 1]: the mean is off by n * u; the variance, from n squared deviations, by (n + 3) * u
        // relative, so the factor scale / sqrt(variance + epsilon) by (n / 2 + 4) * u. With the samples'
        // variance above 0.16 (1/3 expected), |factor| <= 2.5 and |x - mean| <= 2: the output is off by
        // 2.5 * (n + 2) * u + 5 * (n / 2 + 4) * u plus two roundings of a result below 6.
        const Tolerance t{0.0f, float((5.0 * double(n) + 40.0) * kRoundoff)};
        const std::string name = "instance norm " + toString(dims);
        const auto ids = expectMatches(p, {&x, &scale, &bias}, {true, false, false}, t, name);
        EXPECT_TRUE(offers(ids, "kiln-cuda:instancenorm:warp")) << name;
        EXPECT_TRUE(offers(ids, "kiln-cuda:instancenorm:block")) << name;
        // Scale and bias computed by earlier layers rather than constants.
        expectMatches(p, {&x, &scale, &bias}, {true, true, true}, t, name + ", parameters as activations");
    }
}

// Why each tactic the provider skips for `layer` is skipped, by id.
std::map<std::string, std::string> skipReasons(const Layer& layer) {
    std::vector<tactics::SkippedTactic> skipped;
    offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped);
    std::map<std::string, std::string> reasons;
    for (const auto& skip : skipped)
        reasons[skip.id] = skip.reason;
    return reasons;
}

constexpr const char* kLinearPoolingIds[] = {"kiln-cuda:pooling:window", "kiln-cuda:pooling:global-warp",
                                             "kiln-cuda:pooling:global-block"};
constexpr const char* kChannelsLastPoolingIds[] = {"kiln-cuda:pooling:nhwc-fp16",
                                                   "kiln-cuda:pooling:global-nhwc-fp16"};

TEST(KilnCudaReduce, RefusesBlockedTensors) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(22);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    auto net = makeSingleLayerNetwork(pooling(PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}), {&x}, {true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    setActivationFormats(*net.value().layer, TensorFormat::blocked(16));
    EXPECT_TRUE(offeredIds(*net.value().layer).empty());
    const auto reasons = skipReasons(*net.value().layer);
    ASSERT_EQ(reasons.size(), 5u);
    for (const char* id : kLinearPoolingIds)
        EXPECT_EQ(reasons.at(id), "needs linear tensors") << id;
    for (const char* id : kChannelsLastPoolingIds)
        EXPECT_EQ(reasons.at(id), "needs an FP16 channels-last input, not NCHW16c FP32") << id;
}

// ---- Pooling of FP16 channels-last tensors ----
//
// The reference pools the FP32 inputs; the kernels see them rounded to FP16 and round their FP16
// outputs once more. A rounding to FP16 is off by at most u_h = 2^-11 relative, or 2^-25 absolute
// where the value is subnormal (below 2^-14).

constexpr double kHalfRoundoff = 1.0 / 2048.0;
constexpr double kHalfSubnormalRoundoff = 1.0 / double(1 << 25);

TensorFormat nhwcHalf(int padding) {
    return TensorFormat::nhwc(padding, DataType::Float16);
}

// Rounding is monotonic, so the maximum of the rounded inputs is the rounded maximum, and rounding that
// FP16 value for the output changes nothing: one rounding from the reference's exact maximum.
constexpr Tolerance kHalfMaxTolerance{float(kHalfRoundoff), float(kHalfSubnormalRoundoff)};

// Average pooling of at most `taps` (below 8000) inputs in [-1, 1]. Each rounded input is off by at
// most u_h + 2^-25 absolute, and so is their mean, whose divisor is at least the number of terms. The
// FP32 sum adds at most (taps - 1) * u, the division u of the result: in all below 2 * u_h. Rounding
// the output adds u_h of the result (and of that error, 2 * u_h^2) plus 2^-25, the reference's own
// rounding u of the result. The same bound holds for linear FP32 outputs, which skip a rounding.
Tolerance halfAverageTolerance(int64_t taps) {
    return {float(kHalfRoundoff + 2.0 * kRoundoff),
            float(kHalfRoundoff * (1.0 + 2.0 * kHalfRoundoff) + 2.0 * kHalfSubnormalRoundoff +
                  double(taps) * kRoundoff)};
}

// Runs every offered tactic for pooling `x` from `inputFormat` to `outputFormat` against the reference
// and returns the ids offered.
std::vector<std::string> expectPoolingMatches(const PoolingParams& params, const HostTensor& x,
                                              TensorFormat inputFormat, TensorFormat outputFormat,
                                              const std::string& what) {
    auto net = makeSingleLayerNetwork(params, {&x}, {true});
    EXPECT_TRUE(net.isOk()) << what << ": " << net.status().message();
    if (!net.isOk()) return {};
    Layer& layer = *net.value().layer;
    layer.input(0)->setFormat(inputFormat);
    layer.output(0)->setFormat(outputFormat);
    const Tolerance tolerance =
        params.type == PoolingType::Max ? kHalfMaxTolerance : halfAverageTolerance(product(params.kernel));
    expectGpuTacticsMatchReference(provider(), net.value(), {&x}, tolerance.rtol, tolerance.atol, what);
    return offeredIds(layer);
}

// Max pooling, and average pooling without and with the padding counted.
std::vector<PoolingParams> everyPoolingType(const PoolingParams& window) {
    std::vector<PoolingParams> variants(3, window);
    variants[0].type = PoolingType::Max;
    variants[1].type = PoolingType::Average;
    variants[2].type = PoolingType::Average;
    variants[2].countIncludePad = true;
    return variants;
}

std::string poolingName(const PoolingParams& p) {
    if (p.type == PoolingType::Max) return "max pooling";
    return p.countIncludePad ? "average pooling, pads counted" : "average pooling";
}

// The channels-last output, and the linear FP32 one the builder gives a tensor that a view follows.
const std::vector<std::pair<std::string, TensorFormat>> kOutputFormats = {{"NHWC8 FP16", nhwcHalf(8)},
                                                                          {"linear FP32", TensorFormat{}}};

TEST(KilnCudaReduce, ChannelsLastWindowPoolingMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(23);
    struct Case {
        std::string name;
        Dims dims;
        PoolingParams window;
    };
    const PoolingType max = PoolingType::Max;
    // 3, 13 and 17 channels leave padded lanes; 8 and 64 fill whole groups of 8.
    const std::vector<Case> cases = {
        {"1d k3 s2 p1", {3, 13, 11}, pooling(max, {3}, {2}, {1, 1})},
        {"2d 3x3 s2 p1", {1, 64, 15, 13}, pooling(max, {3, 3}, {2, 2}, {1, 1, 1, 1})},
        {"2d asymmetric pads", {3, 17, 7, 9}, pooling(max, {2, 3}, {2, 1}, {1, 0, 0, 2})},
        {"2d dilation 1x3", {1, 3, 10, 11}, pooling(max, {2, 3}, {2, 1}, {1, 3, 0, 2}, false, false, {1, 3})},
        // Ceil mode: the last windows reach past the end padding, which neither divisor counts.
        {"2d ceil padded", {1, 8, 9, 7}, pooling(max, {3, 3}, {2, 2}, {1, 1, 1, 1}, true)},
        {"3d",
         {3, 13, 5, 6, 7},
         pooling(max, {3, 2, 3}, {2, 2, 1}, {1, 0, 1, 1, 1, 0}, false, false, {1, 2, 1})},
    };
    for (const Case& c : cases) {
        for (const PoolingParams& params : everyPoolingType(c.window)) {
            for (const auto& [formatName, outputFormat] : kOutputFormats) {
                const HostTensor x = randomTensor(c.dims, rng);
                const std::string name =
                    poolingName(params) + " " + c.name + " of " + toString(c.dims) + " to " + formatName;
                const auto ids = expectPoolingMatches(params, x, nhwcHalf(8), outputFormat, name);
                EXPECT_TRUE(offers(ids, "kiln-cuda:pooling:nhwc-fp16")) << name;
                EXPECT_FALSE(offers(ids, "kiln-cuda:pooling:global-nhwc-fp16")) << name;
                EXPECT_FALSE(offers(ids, "kiln-cuda:pooling:window")) << name;
            }
        }
    }
}

TEST(KilnCudaReduce, ChannelsLastGlobalPoolingMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(24);
    // ResNet-50's head (2048 channels, 7x7), a squeeze-and-excitation input (3136 positions: many per
    // thread), a 1x1 plane (no reduction across rows), 1-D and 3-D.
    for (const Dims& dims : std::vector<Dims>{{1, 3, 7, 7},
                                              {3, 13, 7, 7},
                                              {1, 17, 9, 11},
                                              {3, 8, 5, 5},
                                              {1, 64, 1, 1},
                                              {1, 2048, 7, 7},
                                              {1, 32, 56, 56},
                                              {3, 13, 300},
                                              {1, 17, 4, 5, 6}}) {
        const std::vector<int64_t> spatial(dims.begin() + 2, dims.end());
        const std::vector<int64_t> ones(spatial.size(), 1);
        const std::vector<int64_t> zeros(2 * spatial.size(), 0);
        for (PoolingType type : {PoolingType::Max, PoolingType::Average}) {
            for (const auto& [formatName, outputFormat] : kOutputFormats) {
                const HostTensor x = randomTensor(dims, rng);
                const PoolingParams params = pooling(type, spatial, ones, zeros);
                const std::string name =
                    "global " + poolingName(params) + " of " + toString(dims) + " to " + formatName;
                const auto ids = expectPoolingMatches(params, x, nhwcHalf(8), outputFormat, name);
                EXPECT_TRUE(offers(ids, "kiln-cuda:pooling:global-nhwc-fp16")) << name;
                EXPECT_TRUE(offers(ids, "kiln-cuda:pooling:nhwc-fp16")) << name;
            }
        }
    }
}

TEST(KilnCudaReduce, ChannelsLastPoolingAnyChannelPadding) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(25);
    // Threads take 1 channel (padding 1 and 3), 2 (padding 2 and 6) or 8 (padding 16: two groups of 8
    // per padded run, the second all padding for 3 channels).
    const std::vector<std::pair<std::string, PoolingParams>> windows = {
        {"3x3 s2 p1", pooling(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1})},
        {"global", pooling(PoolingType::Max, {5, 7}, {1, 1}, {0, 0, 0, 0})}};
    for (int padding : {1, 2, 3, 6, 16}) {
        for (int64_t channels : {3, 13}) {
            const Dims dims{2, channels, 5, 7};
            for (const auto& [windowName, window] : windows) {
                for (const PoolingParams& params : everyPoolingType(window)) {
                    for (const TensorFormat& outputFormat : {nhwcHalf(padding), TensorFormat{}}) {
                        const HostTensor x = randomTensor(dims, rng);
                        const std::string name = poolingName(params) + " " + windowName + " of " +
                                                 toString(dims) + " from NHWC" + std::to_string(padding) +
                                                 " FP16 to " + toString(outputFormat, dims.size());
                        const auto ids =
                            expectPoolingMatches(params, x, nhwcHalf(padding), outputFormat, name);
                        EXPECT_TRUE(offers(ids, "kiln-cuda:pooling:nhwc-fp16")) << name;
                    }
                }
            }
        }
    }
}

TEST(KilnCudaReduce, ChannelsLastPoolingRefusesOtherFormats) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(26);
    const HostTensor x = randomTensor({1, 13, 4, 4}, rng);
    struct Case {
        TensorFormat input;
        TensorFormat output;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {nhwcHalf(8), nhwcHalf(16), "writes the input's format (NHWC8 FP16) or linear FP32, not NHWC16 FP16"},
        {nhwcHalf(8), TensorFormat{0, false, DataType::Float16},
         "writes the input's format (NHWC8 FP16) or linear FP32, not NCHW FP16"},
        {nhwcHalf(8), TensorFormat::nhwc(8),
         "writes the input's format (NHWC8 FP16) or linear FP32, not NHWC8 FP32"},
        {TensorFormat::nhwc(8), TensorFormat::nhwc(8), "needs an FP16 channels-last input, not NHWC8 FP32"},
        {TensorFormat{}, TensorFormat{}, "needs an FP16 channels-last input, not NCHW FP32"},
    };
    for (const Case& c : cases) {
        auto net =
            makeSingleLayerNetwork(pooling(PoolingType::Average, {4, 4}, {1, 1}, {0, 0, 0, 0}), {&x}, {true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        Layer& layer = *net.value().layer;
        layer.input(0)->setFormat(c.input);
        layer.output(0)->setFormat(c.output);
        const auto reasons = skipReasons(layer);
        for (const char* id : kChannelsLastPoolingIds) {
            ASSERT_EQ(reasons.count(id), 1u) << c.reason;
            EXPECT_EQ(reasons.at(id), c.reason);
        }
        // Only linear FP32 tensors on both sides leave the linear kernels to run it.
        EXPECT_EQ(c.input.isDefault() && c.output.isDefault(), !offeredIds(layer).empty()) << c.reason;
    }
}

}  // namespace
}  // namespace kiln::test
