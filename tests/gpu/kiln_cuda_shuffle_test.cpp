// Kiln CUDA data-movement kernels against the reference kernels on random data, over shapes of rank 1
// to 5 with odd extents, batch 1 and 3, every mode, negative steps and pads, constant inputs and
// elements of 1, 2, 4 and 8 bytes (FP16 and INT64 as random bit patterns, compared byte for byte).
// Copies are exact, and so is Reformat between linear, channel-blocked and channels-last layouts,
// whose padded lanes must hold zeros and whose FP16 storage rounds exactly as the format definition.
// Channel Concat and Split of channels-last tensors (FP16 builds) copy exactly too, for channel counts
// that are and are not multiples of the padding, with paddings of 1, 8 and 16 and FP16 or FP32 storage.
#include <algorithm>
#include <cfloat>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cuda/kiln/kiln_cuda_provider.h"
#include "gpu_test_util.h"
#include "tactics/formats.h"

namespace kiln::test {
namespace {

const tactics::TacticProvider& provider() { return cuda::kilnCudaProvider(); }

// One type of each element size: 4, 8, 1 and 2 bytes.
const std::vector<DataType> kCopiedTypes{DataType::Float32, DataType::Int64, DataType::Bool,
                                         DataType::Float16};

// Uniform values for FP32 (compared with tolerance 0, so no NaN may appear); random bit patterns for
// the other types, which the kernels move without looking at them, except BOOL's 0 and 1.
HostTensor randomOf(DataType type, const Dims& dims, std::mt19937& rng) {
    if (type == DataType::Float32) return randomTensor(dims, rng);
    HostTensor tensor(type, dims);
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t i = 0; i < tensor.byteSize(); ++i) {
        tensor.bytes()[i] = std::byte(type == DataType::Bool ? byte(rng) & 1 : byte(rng));
    }
    return tensor;
}

HostTensor indexTensor(DataType type, const Dims& dims, const std::vector<int64_t>& values) {
    HostTensor tensor(type, dims);
    for (size_t i = 0; i < values.size(); ++i) {
        if (type == DataType::Int32) {
            tensor.data<int32_t>()[i] = int32_t(values[i]);
        } else {
            tensor.data<int64_t>()[i] = values[i];
        }
    }
    return tensor;
}

std::string describe(const std::vector<const HostTensor*>& inputs) {
    std::string text;
    for (const HostTensor* input : inputs) {
        text += " " + std::string(toString(input->type())) + " " + toString(input->dims());
    }
    return text;
}

// Builds the one-layer network and expects the Kiln CUDA tactic to reproduce the reference kernel:
// FP32 outputs within `tolerance` (relative and absolute), the others byte for byte.
void expectMatches(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                   const std::vector<bool>& isActivation, const std::string& what, size_t numOutputs = 1,
                   float tolerance = 0.0f) {
    const std::string label = what + describe(inputs);
    auto net = makeSingleLayerNetwork(params, inputs, isActivation, numOutputs);
    ASSERT_TRUE(net.isOk()) << label << ": " << net.status().message();
    EXPECT_EQ(1, expectGpuTacticsMatchReference(provider(), net.value(), inputs, tolerance, tolerance, label))
        << label;
}

void expectMatches(const LayerParams& params, const HostTensor& x, const std::string& what) {
    expectMatches(params, {&x}, {true}, what);
}

std::string listText(const std::vector<int64_t>& values) {
    std::string text;
    for (int64_t value : values) text += (text.empty() ? "" : ",") + std::to_string(value);
    return "[" + text + "]";
}

TEST(KilnCudaShuffle, IdentityAndReshapeCopyExactly) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(8);
    for (DataType type : kCopiedTypes) {
        for (const Dims& dims : std::vector<Dims>{{}, {17}, {2, 3, 33}, {3, 5, 1, 7, 2}}) {
            const HostTensor x = randomOf(type, dims, rng);
            expectMatches(IdentityParams{}, x, "identity");
            expectMatches(ReshapeParams{{volume(dims)}}, x, "reshape");
        }
    }
    const HostTensor constant = randomOf(DataType::Int64, {3, 4}, rng);
    expectMatches(IdentityParams{}, {&constant}, {false}, "identity of a constant");
}

TEST(KilnCudaShuffle, TransposeMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(7);
    struct Case {
        Dims dims;
        std::vector<int64_t> perm;
    };
    const std::vector<Case> cases{
        {{17}, {0}},
        {{3, 5, 7}, {2, 0, 1}},
        {{2, 3, 4, 5}, {0, 2, 3, 1}},
        {{1, 2, 3, 4, 5}, {4, 3, 2, 1, 0}},
        {{3, 4, 2, 5, 3}, {0, 3, 1, 4, 2}},
        // Batched transposes of matrices of at least 16 rows and columns take the tiled kernel.
        {{70, 20}, {1, 0}},
        {{3, 40, 50}, {0, 2, 1}},
        {{2, 33, 17, 5}, {0, 2, 3, 1}},  // NCHW to NHWC
        {{3, 85, 33}, {0, 2, 1}},
        {{1, 64, 7, 7}, {0, 2, 3, 1}},
        {{2, 3, 20, 30}, {0, 1, 3, 2}},
        // The innermost axis stays in place: whole rows move as wide units.
        {{5, 3, 64}, {1, 0, 2}},
        {{3, 7, 2, 6}, {1, 0, 2, 3}},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(TransposeParams{c.perm}, x, "transpose " + listText(c.perm));
        }
    }
}

TEST(KilnCudaShuffle, ConcatAlongEveryAxis) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(31);
    struct Case {
        std::vector<Dims> inputs;
        int64_t axis;
    };
    const std::vector<Case> cases{
        {{{5}, {0}, {3}}, 0},
        {{{2, 7}, {2, 9}}, 1},
        {{{1, 3, 5, 7}, {2, 3, 5, 7}}, 0},
        {{{3, 5, 4, 7}, {3, 11, 4, 7}, {3, 1, 4, 7}}, 1},
        {{{2, 3, 5, 7}, {2, 3, 2, 7}}, 2},
        {{{2, 3, 5, 7}, {2, 3, 5, 1}, {2, 3, 5, 4}}, 3},
        {{{3, 0, 4}, {3, 2, 4}}, 1},
        {{{1, 3, 2, 2, 5}, {1, 4, 2, 2, 5}}, 1},
        {{{3, 2, 2, 2, 5}, {3, 2, 2, 2, 3}, {3, 2, 2, 2, 1}}, 4},
        {{{4, 6}}, 0},
        // DenseNet at batch 3: rows of 16-byte units.
        {{{3, 64, 8, 8}, {3, 32, 8, 8}}, 1},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            std::vector<HostTensor> tensors;
            for (const Dims& dims : c.inputs) tensors.push_back(randomOf(type, dims, rng));
            std::vector<const HostTensor*> inputs;
            for (const HostTensor& t : tensors) inputs.push_back(&t);
            const std::string what = "concat axis " + std::to_string(c.axis);
            expectMatches(ConcatParams{c.axis}, inputs, std::vector<bool>(inputs.size(), true), what);
            // The last input a constant (copied to the device when the kernel is made).
            std::vector<bool> lastConstant(inputs.size(), true);
            lastConstant.back() = inputs.size() == 1;
            expectMatches(ConcatParams{c.axis}, inputs, lastConstant, what + " with a constant");
        }
    }
}

TEST(KilnCudaShuffle, ConcatOfMoreInputsThanOneLaunchTakes) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(32);
    for (DataType type : {DataType::Float32, DataType::Bool}) {
        std::vector<HostTensor> tensors;
        for (int i = 0; i < 70; ++i) tensors.push_back(randomOf(type, {3, 1 + i % 4, 5}, rng));
        std::vector<const HostTensor*> inputs;
        std::vector<bool> isActivation;
        for (const HostTensor& t : tensors) {
            inputs.push_back(&t);
            isActivation.push_back(inputs.size() % 5 != 0);
        }
        expectMatches(ConcatParams{1}, inputs, isActivation, "concat of 70 inputs");
    }
}

TEST(KilnCudaShuffle, SplitAlongEveryAxis) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(33);
    struct Case {
        Dims dims;
        int64_t axis;
        std::vector<int64_t> sizes;
    };
    const std::vector<Case> cases{
        {{9}, 0, {2, 0, 7}},           {{4, 5}, 1, {1, 4}},          {{3, 5}, 0, {1, 1, 1}},
        {{3, 17, 4, 5}, 1, {8, 2, 7}}, {{1, 6, 3, 7}, 2, {1, 2}},    {{2, 3, 4, 7}, 3, {3, 1, 3}},
        {{3, 2, 3, 2, 6}, 4, {4, 2}},  {{2, 4, 3, 2, 5}, 0, {1, 1}}, {{5, 7}, 1, {7}},
        {{3, 96, 4, 4}, 1, {32, 64}},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            const std::string what = "split axis " + std::to_string(c.axis) + " " + listText(c.sizes);
            expectMatches(SplitParams{c.axis, c.sizes}, {&x}, {true}, what, c.sizes.size());
        }
    }
    // 40 non-empty outputs: more copies than one launch takes.
    std::vector<int64_t> sizes;
    for (int i = 0; i < 50; ++i) sizes.push_back(i % 5 == 0 ? 0 : 1 + i % 2);
    int64_t extent = 0;
    for (int64_t size : sizes) extent += size;
    const HostTensor x = randomOf(DataType::Int64, {2, extent, 3}, rng);
    expectMatches(SplitParams{1, sizes}, {&x}, {true}, "split into 50", sizes.size());
}

TEST(KilnCudaShuffle, SliceWithPositiveAndNegativeSteps) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(34);
    const std::vector<SliceParams> rank1{
        {{1}, {6}, {2}}, {{6}, {-1}, {-1}}, {{5}, {0}, {-2}}, {{3}, {3}, {1}}};
    struct Case {
        Dims dims;
        SliceParams params;
    };
    std::vector<Case> cases;
    for (const SliceParams& p : rank1) cases.push_back({{7}, p});
    cases.push_back({{3, 10, 9}, {{0, 9, 1}, {3, 0, 9}, {1, -2, 3}}});
    cases.push_back({{3, 10, 9}, {{2, 0, 8}, {-1, 10, -1}, {-1, 1, -1}}});
    cases.push_back({{2, 5, 6, 7}, {{1, 0, 5, 0}, {2, 5, -1, 7}, {1, 1, -1, 1}}});
    cases.push_back({{3, 4, 5, 6, 7}, {{0, 1, 4, 0, 6}, {3, 4, -1, 6, 0}, {2, 2, -3, 1, -2}}});
    cases.push_back({{3, 16, 32}, {{0, 4, 0}, {3, 12, 32}, {1, 1, 1}}});  // contiguous rows: wide units
    cases.push_back({{1, 24, 5, 5}, {{0, 0, 1, 1}, {1, 24, 4, 4}, {1, 1, 1, 1}}});
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(c.params, x,
                          "slice " + listText(c.params.starts) + ":" + listText(c.params.ends) + ":" +
                              listText(c.params.steps));
        }
    }
    const HostTensor constant = randomOf(DataType::Float32, {4, 6}, rng);
    expectMatches(SliceParams{{3, 1}, {-1, 6}, {-1, 2}}, {&constant}, {false}, "slice of a constant");
}

TEST(KilnCudaShuffle, GatherWithInt32AndInt64Indices) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(35);
    struct Case {
        Dims data;
        int64_t axis;
        Dims indexDims;
        std::vector<int64_t> indices;
    };
    const std::vector<Case> cases{
        {{7}, 0, {2, 3}, {0, 6, -7, -1, 3, 3}},
        {{5, 4}, 0, {3}, {4, -1, 0}},
        {{3, 6, 5}, 1, {2, 2}, {0, -6, 5, 3}},
        {{2, 3, 4, 5}, 3, {}, {-2}},
        {{3, 5, 4, 2, 3}, 2, {4}, {3, 0, -4, 1}},
        {{3, 5, 4, 2, 3}, 0, {1}, {-1}},
        // An embedding lookup: rows of 16-byte units.
        {{100, 64}, 0, {3, 2}, {3, 99, -100, 42, 7, 7}},
    };
    for (DataType indexType : {DataType::Int32, DataType::Int64}) {
        for (DataType type : kCopiedTypes) {
            for (const Case& c : cases) {
                const HostTensor data = randomOf(type, c.data, rng);
                const HostTensor indices = indexTensor(indexType, c.indexDims, c.indices);
                const std::string what = "gather axis " + std::to_string(c.axis) + " " + listText(c.indices);
                expectMatches(GatherParams{c.axis}, {&data, &indices}, {true, false}, what);
                expectMatches(GatherParams{c.axis}, {&data, &indices}, {true, true},
                              what + " (indices computed)");
            }
        }
    }
}

// The reference rejects such indices; the kernel cannot, so it writes zeros where they point.
TEST(KilnCudaShuffle, GatherWritesZerosForOutOfRangeIndices) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(36);
    for (DataType indexType : {DataType::Int32, DataType::Int64}) {
        const HostTensor data = randomOf(DataType::Float32, {4, 3}, rng);
        const HostTensor indices = indexTensor(indexType, {4}, {5, -5, 1, 4});
        auto net = makeSingleLayerNetwork(GatherParams{0}, {&data, &indices}, {true, true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
        auto tactics = offeredTactics(provider(), config);
        ASSERT_EQ(tactics.size(), 1u);
        auto outputs = runTactic(*tactics[0], config, {&data, &indices}, gpuBackend());
        ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
        const float* y = (*outputs)[0].data<float>();
        for (int64_t row : {0, 1, 3}) {
            for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(y[row * 3 + k], 0.0f) << "row " << row;
        }
        for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(y[2 * 3 + k], data.data<float>()[3 + k]);
    }
}

TEST(KilnCudaShuffle, PadInEveryMode) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(37);
    struct Case {
        Dims dims;
        std::vector<int64_t> pads;
    };
    // Pads below every extent, so that each case is valid in reflect mode too; negative ones crop.
    const std::vector<Case> cases{
        {{5}, {2, 3}},
        {{3, 4}, {1, 2, 0, 3}},
        {{4, 6}, {-1, 2, 1, -2}},
        {{3, 5, 6}, {0, 2, 3, 0, 4, 5}},
        {{2, 3, 5, 6}, {0, 1, -1, 2, 0, -1, 2, -3}},
        {{3, 3, 4, 5}, {1, 0, 3, 4, 2, 2, 0, 1}},
        {{1, 2, 3, 2, 3}, {0, 1, 2, 1, 0, 0, 1, -1, 1, 2}},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            for (PadMode mode : {PadMode::Constant, PadMode::Reflect, PadMode::Edge}) {
                const std::string what = "pad mode " + std::to_string(int(mode)) + " " + listText(c.pads);
                expectMatches(PadParams{mode, c.pads, 0.0}, x, what);
            }
        }
    }
    // The pad value converted to each type: fractions truncate, integers saturate, BOOL is value != 0.
    for (DataType type : {DataType::Float32, DataType::Float16, DataType::Int8, DataType::Int32,
                          DataType::Int64, DataType::Bool}) {
        const HostTensor x = randomOf(type, {2, 3, 4}, rng);
        for (double value : {1.75, -7.9, 300.0, -1e12}) {
            expectMatches(PadParams{PadMode::Constant, {0, 1, 2, 1, -1, 3}, value}, x,
                          "pad value " + std::to_string(value));
        }
    }
    const HostTensor constant = randomOf(DataType::Int64, {3, 4}, rng);
    expectMatches(PadParams{PadMode::Edge, {1, 1, 2, 2}, 0.0}, {&constant}, {false}, "pad of a constant");
}

TEST(KilnCudaShuffle, ExpandBroadcastsLikeNumpy) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(38);
    struct Case {
        Dims dims;
        Dims output;
    };
    const std::vector<Case> cases{
        {{}, {2, 3}},
        {{1}, {7}},
        {{4, 1}, {4, 6}},
        {{3, 1, 5}, {2, 3, 4, 5}},
        {{1, 3, 1, 1, 2}, {3, 3, 2, 4, 2}},
        {{1, 8}, {5, 8}},
        {{3, 4}, {3, 4}},
        {{2, 1, 16}, {3, 2, 5, 16}},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(ExpandParams{c.output}, x, "expand to " + toString(c.output));
        }
    }
}

TEST(KilnCudaShuffle, TileRepeatsEveryAxis) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(39);
    struct Case {
        Dims dims;
        std::vector<int64_t> repeats;
    };
    const std::vector<Case> cases{
        {{5}, {4}},
        {{3, 4}, {2, 3}},
        {{2, 1, 3}, {1, 5, 2}},
        {{3, 2, 3, 2}, {1, 1, 1, 1}},
        {{1, 2, 3, 2, 2}, {3, 1, 2, 1, 2}},
        {{2, 3}, {0, 2}},
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : cases) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(TileParams{c.repeats}, x, "tile " + listText(c.repeats));
        }
    }
}

TEST(KilnCudaShuffle, DepthToSpaceAndSpaceToDepth) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(40);
    struct Case {
        Dims dims;
        int64_t block;
    };
    for (DataType type : kCopiedTypes) {
        for (const Case& c : std::vector<Case>{
                 {{1, 8, 3, 4}, 2}, {{3, 18, 2, 5}, 3}, {{2, 4, 1, 1}, 2}, {{1, 64, 5, 3}, 4}}) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(DepthToSpaceParams{c.block, false}, x,
                          "depth to space DCR " + std::to_string(c.block));
            expectMatches(DepthToSpaceParams{c.block, true}, x,
                          "depth to space CRD " + std::to_string(c.block));
        }
        for (const Case& c : std::vector<Case>{
                 {{1, 2, 4, 6}, 2}, {{3, 3, 6, 9}, 3}, {{2, 5, 2, 2}, 2}, {{1, 16, 8, 12}, 4}}) {
            const HostTensor x = randomOf(type, c.dims, rng);
            expectMatches(SpaceToDepthParams{c.block}, x, "space to depth " + std::to_string(c.block));
        }
    }
}

// A resize to `output` with the scales a parser derives from the two shapes.
ResizeParams resizeTo(const Dims& input, const Dims& output, ResizeMode mode,
                      ResizeCoordinateMode coordinates, ResizeNearestMode nearest) {
    ResizeParams p{mode, coordinates, nearest, output, {}};
    for (size_t axis = 0; axis < input.size(); ++axis) {
        p.scales.push_back(float(output[axis]) / float(input[axis]));
    }
    return p;
}

const std::vector<ResizeCoordinateMode> kCoordinateModes{
    ResizeCoordinateMode::HalfPixel, ResizeCoordinateMode::PytorchHalfPixel,
    ResizeCoordinateMode::AlignCorners, ResizeCoordinateMode::Asymmetric,
    ResizeCoordinateMode::TfHalfPixelForNn};

struct ResizeCase {
    Dims input;
    Dims output;
};

// Upsampling and downsampling, odd factors, a resized batch or channel axis, extent-1 outputs.
const std::vector<ResizeCase> kResizeCases{
    {{5}, {12}},
    {{9}, {4}},
    {{3, 7}, {3, 1}},
    {{2, 3, 5}, {2, 3, 11}},
    {{2, 3, 4}, {3, 5, 7}},
    {{1, 2, 5, 7}, {1, 2, 9, 4}},
    {{3, 2, 4, 4}, {3, 2, 8, 8}},
    {{1, 2, 3, 4, 5}, {1, 2, 6, 3, 9}},
};

TEST(KilnCudaShuffle, ResizeNearestInEveryMode) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(41);
    for (const ResizeCase& c : kResizeCases) {
        for (DataType type : {DataType::Float32, DataType::Int64}) {
            const HostTensor x = randomOf(type, c.input, rng);
            for (ResizeCoordinateMode coordinates : kCoordinateModes) {
                for (ResizeNearestMode nearest :
                     {ResizeNearestMode::RoundPreferFloor, ResizeNearestMode::RoundPreferCeil,
                      ResizeNearestMode::Floor, ResizeNearestMode::Ceil}) {
                    const std::string what = "resize nearest to " + toString(c.output) + " coordinates " +
                                             std::to_string(int(coordinates)) + " rounding " +
                                             std::to_string(int(nearest));
                    expectMatches(resizeTo(c.input, c.output, ResizeMode::Nearest, coordinates, nearest), x,
                                  what);
                }
            }
        }
    }
    // Scales that differ from output / input (a parser given scales rounds the shape down).
    const HostTensor x = randomOf(DataType::Float32, {1, 1, 5, 7}, rng);
    ResizeParams p{ResizeMode::Nearest,
                   ResizeCoordinateMode::Asymmetric,
                   ResizeNearestMode::Floor,
                   {1, 1, 8, 10},
                   {1.0f, 1.0f, 1.7f, 1.5f}};
    expectMatches(p, x, "resize nearest with given scales");
}

// The kernel repeats the reference's products and sums in the same order, each rounded (no fused
// multiply-add), so its results should be the reference's bit for bit. The tolerance of 4 ulp at 1
// (values lie in [-1, 1)) leaves room only for a reference compiled with contracted multiply-adds,
// which round each of the at most 32 corner terms by half an ulp less.
constexpr float kResizeLinearTolerance = 4 * FLT_EPSILON;

TEST(KilnCudaShuffle, ResizeLinearAlongEveryResizedAxis) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(42);
    for (const ResizeCase& c : kResizeCases) {
        const HostTensor x = randomOf(DataType::Float32, c.input, rng);
        for (ResizeCoordinateMode coordinates : kCoordinateModes) {
            const std::string what =
                "resize linear to " + toString(c.output) + " coordinates " + std::to_string(int(coordinates));
            expectMatches(
                resizeTo(c.input, c.output, ResizeMode::Linear, coordinates, ResizeNearestMode::Floor), {&x},
                {true}, what, 1, kResizeLinearTolerance);
        }
    }
    const HostTensor x = randomOf(DataType::Float32, {1, 2, 5, 7}, rng);
    ResizeParams p{ResizeMode::Linear,
                   ResizeCoordinateMode::HalfPixel,
                   ResizeNearestMode::Floor,
                   {1, 2, 8, 10},
                   {1.0f, 1.0f, 1.7f, 1.5f}};
    expectMatches(p, {&x}, {true}, "resize linear with given scales", 1, kResizeLinearTolerance);
    // FP16 is interpolated in FP32 and rounded to nearest even once, as the reference does: exact.
    HostTensor half(DataType::Float16, {2, 3, 4, 5});
    for (int64_t i = 0; i < half.elementCount(); ++i) {
        half.data<uint16_t>()[i] = floatToHalf(x.data<float>()[i % 70]);
    }
    expectMatches(resizeTo({2, 3, 4, 5}, {2, 3, 7, 9}, ResizeMode::Linear, ResizeCoordinateMode::HalfPixel,
                           ResizeNearestMode::Floor),
                  half, "resize linear FP16");
}

// Converts `x` from `from` to `to` through the Kiln CUDA reformat tactic and expects exactly what the
// format definitions give: each value rounded to the input's and then the output's storage type
// (FP32 to FP16 rounds to nearest even; everything else moves unchanged). runTactic lays the input out
// in `from`, reads the output back from `to` and fails when a padded lane of the output is not zero.
void expectReformatExact(const HostTensor& x, TensorFormat from, TensorFormat to) {
    const size_t rank = x.dims().size();
    const std::string what = "reformat " + std::string(toString(x.type())) + " " + toString(x.dims()) + " " +
                             toString(from, rank) + " -> " + toString(to, rank);
    auto net = makeSingleLayerNetwork(ReformatParams{}, {&x}, {true});
    ASSERT_TRUE(net.isOk()) << what << ": " << net.status().message();
    net->layer->input(0)->setFormat(from);
    net->layer->output(0)->setFormat(to);
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    std::vector<tactics::SkippedTactic> skipped;
    const auto offered = offeredTactics(provider(), config, &skipped);
    ASSERT_EQ(offered.size(), 1u) << what << (skipped.empty() ? "" : ": " + skipped[0].reason);
    EXPECT_EQ(offered[0]->id(), "kiln-cuda:reformat");
    auto outputs = runTactic(*offered[0], config, {&x}, gpuBackend());
    ASSERT_TRUE(outputs.isOk()) << what << ": " << outputs.status().message();
    const HostTensor stored = tactics::convertType(x, storageType(x.type(), from));
    const HostTensor expected =
        tactics::convertType(tactics::convertType(stored, storageType(x.type(), to)), x.type());
    ASSERT_EQ((*outputs)[0].byteSize(), expected.byteSize()) << what;
    EXPECT_EQ(0, std::memcmp((*outputs)[0].bytes(), expected.bytes(), expected.byteSize())) << what;
}

const TensorFormat kLinear{};

TEST(KilnCudaShuffle, ReformatRoundTripsThroughBlockedFormats) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(43);
    const std::vector<Dims> shapes{{1, 3, 5, 7}, {3, 20, 7, 9},   {1, 19, 2, 3, 4}, {2, 17, 33},
                                   {3, 5, 1, 1}, {1, 32, 56, 56}, {3, 16, 300}};
    for (DataType type : kCopiedTypes) {
        for (const Dims& dims : shapes) {
            const HostTensor x = randomOf(type, dims, rng);
            for (int block : {8, 16}) {
                expectReformatExact(x, kLinear, TensorFormat::blocked(block));
                expectReformatExact(x, TensorFormat::blocked(block), kLinear);
            }
            expectReformatExact(x, TensorFormat::blocked(8), TensorFormat::blocked(16));
            expectReformatExact(x, TensorFormat::blocked(16), TensorFormat::blocked(8));
        }
    }
}

TEST(KilnCudaShuffle, ReformatWithAnyChannelBlock) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(44);
    // Odd blocks, blocks larger than the channels (2500: a tile holds only part of a block), the same
    // format on both sides, and linear to linear.
    const std::vector<std::pair<int, int>> pairs{{0, 3},    {5, 0},    {3, 5},   {0, 64}, {64, 0},
                                                 {0, 2500}, {2500, 0}, {16, 16}, {0, 0},  {1, 0}};
    for (const Dims& dims : std::vector<Dims>{{2, 7, 3, 5}, {3, 13, 11}, {1, 4, 2, 2, 3}, {2, 100, 9}}) {
        for (DataType type : {DataType::Float32, DataType::Float16}) {
            const HostTensor x = randomOf(type, dims, rng);
            for (const auto& [from, to] : pairs) {
                expectReformatExact(x, from == 0 ? kLinear : TensorFormat::blocked(from),
                                    to == 0 ? kLinear : TensorFormat::blocked(to));
            }
        }
    }
}

// The CUDA backend's FP16 layout: channels last, channels padded to a multiple of 8, FP16 storage of
// FP32 tensors; and channels last without padding or a narrower type.
TEST(KilnCudaShuffle, ReformatToAndFromChannelsLastAndFp16Storage) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(46);
    const TensorFormat nhwc8Half = TensorFormat::nhwc(8, DataType::Float16);
    const TensorFormat linearHalf{0, false, DataType::Float16};
    const std::vector<std::pair<TensorFormat, TensorFormat>> pairs{
        {kLinear, nhwc8Half},
        {nhwc8Half, kLinear},
        {kLinear, linearHalf},
        {linearHalf, kLinear},
        {TensorFormat::blocked(16), nhwc8Half},
        {nhwc8Half, TensorFormat::blocked(8)},
        {linearHalf, nhwc8Half},
        {kLinear, TensorFormat::nhwc(8)},
        {TensorFormat::nhwc(8), kLinear},
        {kLinear, TensorFormat::nhwc(0)},
        {TensorFormat::nhwc(1), kLinear},
        {TensorFormat::nhwc(8), TensorFormat::blocked(16)},
    };
    // 3 channels (an image), more channels than a tile holds lanes of (100 and 300), odd spatial extents.
    const std::vector<Dims> shapes{{1, 3, 9, 11},  {3, 64, 7, 7}, {2, 100, 5, 3},
                                   {1, 300, 4, 4}, {2, 17, 33},   {1, 19, 2, 3, 4}};
    for (const Dims& dims : shapes) {
        const HostTensor x = randomOf(DataType::Float32, dims, rng);
        for (const auto& [from, to] : pairs) expectReformatExact(x, from, to);
        // An FP16 tensor and INT64 bit patterns in the layouts without a storage type of their own.
        for (DataType type : {DataType::Float16, DataType::Int64}) {
            const HostTensor y = randomOf(type, dims, rng);
            expectReformatExact(y, kLinear, TensorFormat::nhwc(8));
            expectReformatExact(y, TensorFormat::nhwc(8), kLinear);
        }
    }
}

// --- Channels-last Concat and Split (FP16 builds) ---------------------------------------------------

// FP32 values that FP16 holds exactly, so that a copy through FP16 storage is exact.
HostTensor halfExactTensor(const Dims& dims, std::mt19937& rng) {
    HostTensor tensor = randomTensor(dims, rng);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) {
        tensor.data<float>()[i] = halfToFloat(floatToHalf(tensor.data<float>()[i]));
    }
    return tensor;
}

const char* const kConcatNhwcId = "kiln-cuda:concat:nhwc";
const char* const kSplitNhwcId = "kiln-cuda:split:nhwc";

// The channels-last layouts the tactics are run in: the CUDA FP16 build's NHWC8 FP16, FP32 storage,
// no padding and a padding wider than a 16-byte unit of FP16.
const std::vector<TensorFormat> kChannelsLastFormats{
    TensorFormat::nhwc(8, DataType::Float16),  TensorFormat::nhwc(8),
    TensorFormat::nhwc(1, DataType::Float16),  TensorFormat::nhwc(1),
    TensorFormat::nhwc(16, DataType::Float16), TensorFormat::nhwc(16)};

// Builds the one-layer network with `formats` on its activation inputs and its outputs (one format
// per input, constants' ignored, then one per output), expects `id` to be the only tactic offered and
// its outputs to be the reference's exactly: it copies. runTactic also fails a tactic that leaves an
// output's padded lanes other than zero.
void expectChannelsLastCopy(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                            const std::vector<bool>& isActivation, size_t numOutputs,
                            const std::vector<TensorFormat>& formats, const std::string& id,
                            const std::string& what) {
    const size_t rank = inputs.front()->dims().size();
    std::string label = what + describe(inputs) + ",";
    for (const TensorFormat& format : formats) label += " " + toString(format, rank);
    auto net = makeSingleLayerNetwork(params, inputs, isActivation, numOutputs);
    ASSERT_TRUE(net.isOk()) << label << ": " << net.status().message();
    Layer& layer = *net->layer;
    ASSERT_EQ(formats.size(), layer.inputs().size() + layer.outputs().size()) << label;
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        if (!layer.input(i)->isConstant()) layer.input(i)->setFormat(formats[i]);
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        layer.output(i)->setFormat(formats[layer.inputs().size() + i]);
    }
    std::vector<tactics::SkippedTactic> skipped;
    const auto offered = offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped);
    std::string reasons;
    for (const auto& skip : skipped) reasons += " " + skip.id + ": " + skip.reason + ";";
    ASSERT_EQ(offered.size(), 1u) << label << ";" << reasons;
    EXPECT_EQ(offered[0]->id(), id) << label;
    EXPECT_EQ(1, expectGpuTacticsMatchReference(provider(), net.value(), inputs, 0.0f, 0.0f, label)) << label;
}

// Inputs of `channels` channels each (an empty list of `spatial` extents makes rank-2 tensors).
std::vector<HostTensor> channelInputs(DataType type, int64_t batch, const std::vector<int64_t>& channels,
                                      const Dims& spatial, std::mt19937& rng) {
    std::vector<HostTensor> tensors;
    for (int64_t c : channels) {
        Dims dims{batch, c};
        dims.insert(dims.end(), spatial.begin(), spatial.end());
        tensors.push_back(type == DataType::Float32 ? halfExactTensor(dims, rng) : randomOf(type, dims, rng));
    }
    return tensors;
}

std::vector<const HostTensor*> pointersTo(const std::vector<HostTensor>& tensors) {
    std::vector<const HostTensor*> pointers;
    for (const HostTensor& t : tensors) pointers.push_back(&t);
    return pointers;
}

// Channel counts that are not multiples of 8 (a pixel's 8-channel groups gathered from several inputs),
// multiples of 8 (each group one 16-byte load in FP16), one input, and counts below a group.
const std::vector<std::vector<int64_t>> kChannelLists{{13, 3, 8}, {16, 32}, {7}, {8, 24, 16, 8}, {1, 2, 5}};

// Odd spatial extents; rank 3 and 5, and rank 2 (one pixel per batch entry).
const std::vector<Dims> kSpatialShapes{{5, 7}, {9}, {3, 1, 5}, {}};

TEST(KilnCudaShuffle, ChannelsLastConcatJoinsChannelsExactly) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(47);
    for (const std::vector<int64_t>& channels : kChannelLists) {
        for (int64_t batch : {1, 3}) {
            for (const Dims& spatial : kSpatialShapes) {
                const std::vector<HostTensor> tensors =
                    channelInputs(DataType::Float32, batch, channels, spatial, rng);
                const std::vector<const HostTensor*> inputs = pointersTo(tensors);
                for (const TensorFormat& format : kChannelsLastFormats) {
                    expectChannelsLastCopy(ConcatParams{1}, inputs, std::vector<bool>(inputs.size(), true), 1,
                                           std::vector<TensorFormat>(inputs.size() + 1, format),
                                           kConcatNhwcId, "channels-last concat");
                }
            }
        }
    }
}

// Elements of 2, 8 and 1 bytes in the tensors' own types, moved as they are (compared byte for byte).
TEST(KilnCudaShuffle, ChannelsLastConcatOfEveryElementSize) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(48);
    for (DataType type : {DataType::Float16, DataType::Int64, DataType::Bool}) {
        for (const std::vector<int64_t>& channels : kChannelLists) {
            const std::vector<HostTensor> tensors = channelInputs(type, 3, channels, {5, 3}, rng);
            const std::vector<const HostTensor*> inputs = pointersTo(tensors);
            for (int padding : {1, 8, 16}) {
                expectChannelsLastCopy(
                    ConcatParams{1}, inputs, std::vector<bool>(inputs.size(), true), 1,
                    std::vector<TensorFormat>(inputs.size() + 1, TensorFormat::nhwc(padding)), kConcatNhwcId,
                    "channels-last concat");
            }
        }
    }
}

// Each tensor with its own padding, a constant input (laid out on the device as the output is), and
// more inputs than one launch takes, in both the gathered and the 16-byte path.
TEST(KilnCudaShuffle, ChannelsLastConcatOfMixedPaddingsConstantsAndManyInputs) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(49);
    const TensorFormat nhwc8Half = TensorFormat::nhwc(8, DataType::Float16);
    const std::vector<HostTensor> tensors = channelInputs(DataType::Float32, 3, {13, 3, 8}, {5, 7}, rng);
    const std::vector<const HostTensor*> inputs = pointersTo(tensors);
    expectChannelsLastCopy(
        ConcatParams{1}, inputs, {true, true, true}, 1,
        {nhwc8Half, TensorFormat::nhwc(16, DataType::Float16), TensorFormat::nhwc(1, DataType::Float16),
         TensorFormat::nhwc(16, DataType::Float16)},
        kConcatNhwcId, "channels-last concat of mixed paddings");
    for (const TensorFormat& format : {nhwc8Half, TensorFormat::nhwc(1), TensorFormat::nhwc(16)}) {
        expectChannelsLastCopy(ConcatParams{1}, inputs, {true, false, true}, 1,
                               std::vector<TensorFormat>(4, format), kConcatNhwcId,
                               "channels-last concat with a constant");
    }
    for (const std::vector<int64_t>& channels :
         {std::vector<int64_t>{1, 2, 3, 4}, std::vector<int64_t>{8}, std::vector<int64_t>{16, 8}}) {
        std::vector<int64_t> many;
        for (int i = 0; i < 70; ++i) many.push_back(channels[size_t(i) % channels.size()]);
        const std::vector<HostTensor> manyTensors = channelInputs(DataType::Float32, 3, many, {3, 5}, rng);
        const std::vector<const HostTensor*> manyInputs = pointersTo(manyTensors);
        std::vector<bool> isActivation;
        for (size_t i = 0; i < manyInputs.size(); ++i) isActivation.push_back(i % 9 != 4);
        for (const TensorFormat& format : {nhwc8Half, TensorFormat::nhwc(1)}) {
            expectChannelsLastCopy(ConcatParams{1}, manyInputs, isActivation, 1,
                                   std::vector<TensorFormat>(manyInputs.size() + 1, format), kConcatNhwcId,
                                   "channels-last concat of 70 inputs");
        }
    }
}

TEST(KilnCudaShuffle, ChannelsLastSplitSeparatesChannelsExactly) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(50);
    std::vector<std::vector<int64_t>> sizeLists = kChannelLists;
    sizeLists.push_back({5, 0, 11});
    for (const std::vector<int64_t>& sizes : sizeLists) {
        int64_t channels = 0;
        for (int64_t size : sizes) channels += size;
        for (int64_t batch : {1, 3}) {
            for (const Dims& spatial : kSpatialShapes) {
                const HostTensor x = channelInputs(DataType::Float32, batch, {channels}, spatial, rng)[0];
                for (const TensorFormat& format : kChannelsLastFormats) {
                    expectChannelsLastCopy(SplitParams{1, sizes}, {&x}, {true}, sizes.size(),
                                           std::vector<TensorFormat>(sizes.size() + 1, format), kSplitNhwcId,
                                           "channels-last split " + listText(sizes));
                }
            }
        }
        for (DataType type : {DataType::Float16, DataType::Int64, DataType::Bool}) {
            const HostTensor x = channelInputs(type, 3, {channels}, {3, 5}, rng)[0];
            expectChannelsLastCopy(SplitParams{1, sizes}, {&x}, {true}, sizes.size(),
                                   std::vector<TensorFormat>(sizes.size() + 1, TensorFormat::nhwc(8)),
                                   kSplitNhwcId, "channels-last split " + listText(sizes));
        }
    }
    const HostTensor x = channelInputs(DataType::Float32, 3, {24}, {5, 7}, rng)[0];
    expectChannelsLastCopy(
        SplitParams{1, {13, 3, 8}}, {&x}, {true}, 3,
        {TensorFormat::nhwc(16, DataType::Float16), TensorFormat::nhwc(8, DataType::Float16),
         TensorFormat::nhwc(1, DataType::Float16), TensorFormat::nhwc(16, DataType::Float16)},
        kSplitNhwcId, "channels-last split of mixed paddings");
    expectChannelsLastCopy(SplitParams{1, {13, 3, 8}}, {&x}, {false}, 3,
                           std::vector<TensorFormat>(4, TensorFormat::nhwc(8, DataType::Float16)),
                           kSplitNhwcId, "channels-last split of a constant");
}

// The reason the channels-last tactic `id` gives for the layer in `formats` (one per input, then per
// output), and that nothing is offered.
std::string channelsLastSkipReason(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                                   size_t numOutputs, const std::vector<TensorFormat>& formats,
                                   const std::string& id, bool expectNone = true) {
    auto net = makeSingleLayerNetwork(params, inputs, std::vector<bool>(inputs.size(), true), numOutputs);
    EXPECT_TRUE(net.isOk()) << net.status().message();
    if (!net.isOk()) return {};
    Layer& layer = *net->layer;
    for (size_t i = 0; i < layer.inputs().size(); ++i) layer.input(i)->setFormat(formats.at(i));
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        layer.output(i)->setFormat(formats.at(layer.inputs().size() + i));
    }
    std::vector<tactics::SkippedTactic> skipped;
    const auto offered = offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped);
    if (expectNone) {
        EXPECT_TRUE(offered.empty()) << id;
    }
    for (const auto& skip : skipped) {
        if (skip.id == id) return skip.reason;
    }
    ADD_FAILURE() << id << " is not among the skipped tactics";
    return {};
}

TEST(KilnCudaShuffle, ChannelsLastConcatAndSplitSkipOtherLayouts) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(51);
    const TensorFormat nhwc8Half = TensorFormat::nhwc(8, DataType::Float16);
    const HostTensor a = halfExactTensor({1, 8, 3, 5}, rng);
    const HostTensor b = halfExactTensor({1, 8, 2, 5}, rng);
    const std::vector<TensorFormat> allHalf(3, nhwc8Half);
    EXPECT_NE(channelsLastSkipReason(ConcatParams{2}, {&a, &b}, 1, allHalf, kConcatNhwcId).find("axis 2"),
              std::string::npos);
    const HostTensor c = halfExactTensor({1, 8, 3, 5}, rng);
    EXPECT_NE(channelsLastSkipReason(ConcatParams{1}, {&a, &c}, 1,
                                     {nhwc8Half, TensorFormat::nhwc(8), nhwc8Half}, kConcatNhwcId)
                  .find("element type"),
              std::string::npos);
    EXPECT_NE(channelsLastSkipReason(ConcatParams{1}, {&a, &c}, 1,
                                     {nhwc8Half, TensorFormat::blocked(8), nhwc8Half}, kConcatNhwcId)
                  .find("channels-last"),
              std::string::npos);
    // Linear tensors: the linear concat runs them.
    EXPECT_NE(channelsLastSkipReason(ConcatParams{1}, {&a, &c}, 1, std::vector<TensorFormat>(3, kLinear),
                                     kConcatNhwcId, false)
                  .find("channels-last"),
              std::string::npos);
    EXPECT_NE(channelsLastSkipReason(SplitParams{3, {2, 3}}, {&a}, 2, allHalf, kSplitNhwcId).find("axis 3"),
              std::string::npos);
    EXPECT_NE(
        channelsLastSkipReason(SplitParams{1, {4, 4}}, {&a}, 2, {nhwc8Half, nhwc8Half, kLinear}, kSplitNhwcId)
            .find("output 1 is NCHW"),
        std::string::npos);
}

TEST(KilnCudaShuffle, SkipsChannelBlockedTensorsOutsideReformat) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(45);
    const HostTensor a = randomOf(DataType::Float32, {1, 16, 4, 4}, rng);
    const HostTensor b = randomOf(DataType::Float32, {1, 16, 4, 4}, rng);
    auto net = makeSingleLayerNetwork(ConcatParams{1}, {&a, &b}, {true, true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    setActivationFormats(*net->layer, TensorFormat::blocked(16));
    std::vector<tactics::SkippedTactic> skipped;
    EXPECT_TRUE(offeredTactics(provider(), tactics::LayerConfig::of(*net->layer), &skipped).empty());
    const auto concat = std::find_if(skipped.begin(), skipped.end(), [](const tactics::SkippedTactic& s) {
        return s.id == "kiln-cuda:concat";
    });
    ASSERT_NE(concat, skipped.end());
    EXPECT_NE(concat->reason.find("linear"), std::string::npos) << concat->reason;
}

}  // namespace
}  // namespace kiln::test
