// Tests of the Convolution and Deconvolution reference kernels and their shape inference. Random cases
// compare against oracles written independently of the kernels: convolution through an explicit
// im2col matrix and a matrix product, deconvolution by gathering, for every output position, the input
// positions whose taps land on it.
#include <gtest/gtest.h>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// Both kernel and oracles sum exact float products in double and round once, so results agree to
// about one float ulp; the absolute term covers outputs that cancel to near zero.
constexpr double kRtol = 1e-6;
constexpr double kAtol = 1e-6;

std::vector<int64_t> unravel(int64_t index, const Dims& dims) {
    std::vector<int64_t> position(dims.size());
    for (size_t axis = dims.size(); axis-- > 0;) {
        position[axis] = index % dims[axis];
        index /= dims[axis];
    }
    return position;
}

int64_t ravel(const std::vector<int64_t>& position, const Dims& dims) {
    int64_t index = 0;
    for (size_t axis = 0; axis < dims.size(); ++axis)
        index = index * dims[axis] + position[axis];
    return index;
}

HostTensor convByIm2col(const HostTensor& x, const HostTensor& w, const HostTensor* bias,
                        const ConvolutionParams& p) {
    const Dims& xd = x.dims();
    const Dims& wd = w.dims();
    const size_t spatial = xd.size() - 2;
    const Dims inSpatial(xd.begin() + 2, xd.end());
    const Dims kernel(wd.begin() + 2, wd.end());
    Dims outSpatial;
    for (size_t a = 0; a < spatial; ++a) {
        outSpatial.push_back(
            (inSpatial[a] + p.pads[a] + p.pads[a + spatial] - (kernel[a] - 1) * p.dilations[a] - 1) /
                p.strides[a] +
            1);
    }
    const int64_t batch = xd[0], channels = xd[1], outChannels = wd[0];
    const int64_t inPerGroup = channels / p.groups, outPerGroup = outChannels / p.groups;
    const int64_t taps = volume(kernel), outCount = volume(outSpatial), inCount = volume(inSpatial);
    const int64_t rows = inPerGroup * taps;

    Dims outDims{batch, outChannels};
    outDims.insert(outDims.end(), outSpatial.begin(), outSpatial.end());
    HostTensor y(DataType::Float32, outDims);
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t g = 0; g < p.groups; ++g) {
            std::vector<double> columns(static_cast<size_t>(rows * outCount), 0.0);
            for (int64_t c = 0; c < inPerGroup; ++c) {
                for (int64_t t = 0; t < taps; ++t) {
                    const std::vector<int64_t> tap = unravel(t, kernel);
                    for (int64_t o = 0; o < outCount; ++o) {
                        const std::vector<int64_t> out = unravel(o, outSpatial);
                        std::vector<int64_t> pos(spatial);
                        bool inside = true;
                        for (size_t a = 0; a < spatial; ++a) {
                            pos[a] = out[a] * p.strides[a] - p.pads[a] + tap[a] * p.dilations[a];
                            inside = inside && pos[a] >= 0 && pos[a] < inSpatial[a];
                        }
                        if (!inside) continue;
                        const int64_t channel = g * inPerGroup + c;
                        columns[(c * taps + t) * outCount + o] =
                            x.data<float>()[(n * channels + channel) * inCount + ravel(pos, inSpatial)];
                    }
                }
            }
            for (int64_t k = 0; k < outPerGroup; ++k) {
                const int64_t outChannel = g * outPerGroup + k;
                for (int64_t o = 0; o < outCount; ++o) {
                    double sum = bias ? bias->data<float>()[outChannel] : 0.0;
                    for (int64_t r = 0; r < rows; ++r) {
                        sum += double(w.data<float>()[outChannel * rows + r]) * columns[r * outCount + o];
                    }
                    y.data<float>()[(n * outChannels + outChannel) * outCount + o] = static_cast<float>(sum);
                }
            }
        }
    }
    return y;
}

HostTensor deconvByGather(const HostTensor& x, const HostTensor& w, const HostTensor* bias,
                          const DeconvolutionParams& p) {
    const Dims& xd = x.dims();
    const Dims& wd = w.dims();
    const size_t spatial = xd.size() - 2;
    const Dims inSpatial(xd.begin() + 2, xd.end());
    const Dims kernel(wd.begin() + 2, wd.end());
    Dims outSpatial;
    for (size_t a = 0; a < spatial; ++a) {
        outSpatial.push_back(p.strides[a] * (inSpatial[a] - 1) + p.outputPadding[a] +
                             (kernel[a] - 1) * p.dilations[a] + 1 - p.pads[a] - p.pads[a + spatial]);
    }
    const int64_t batch = xd[0], channels = xd[1], outPerGroup = wd[1];
    const int64_t outChannels = outPerGroup * p.groups, inPerGroup = channels / p.groups;
    const int64_t taps = volume(kernel), outCount = volume(outSpatial), inCount = volume(inSpatial);

    Dims outDims{batch, outChannels};
    outDims.insert(outDims.end(), outSpatial.begin(), outSpatial.end());
    HostTensor y(DataType::Float32, outDims);
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t k = 0; k < outChannels; ++k) {
            const int64_t g = k / outPerGroup;
            for (int64_t o = 0; o < outCount; ++o) {
                const std::vector<int64_t> out = unravel(o, outSpatial);
                double sum = bias ? bias->data<float>()[k] : 0.0;
                for (int64_t t = 0; t < taps; ++t) {
                    const std::vector<int64_t> tap = unravel(t, kernel);
                    std::vector<int64_t> pos(spatial);
                    bool reached = true;
                    for (size_t a = 0; a < spatial; ++a) {
                        const int64_t shifted = out[a] + p.pads[a] - tap[a] * p.dilations[a];
                        pos[a] = shifted / p.strides[a];
                        reached =
                            reached && shifted >= 0 && shifted % p.strides[a] == 0 && pos[a] < inSpatial[a];
                    }
                    if (!reached) continue;
                    for (int64_t c = 0; c < inPerGroup; ++c) {
                        const int64_t channel = g * inPerGroup + c;
                        sum +=
                            double(
                                x.data<float>()[(n * channels + channel) * inCount + ravel(pos, inSpatial)]) *
                            w.data<float>()[(channel * outPerGroup + (k % outPerGroup)) * taps + t];
                    }
                }
                y.data<float>()[(n * outChannels + k) * outCount + o] = static_cast<float>(sum);
            }
        }
    }
    return y;
}

void expectConvMatchesOracle(const Dims& xDims, const Dims& wDims, const ConvolutionParams& p, bool withBias,
                             uint32_t seed) {
    const HostTensor x = randomTensor(xDims, seed);
    const HostTensor w = randomTensor(wDims, seed + 1);
    const HostTensor b = randomTensor({wDims[0]}, seed + 2);
    const HostTensor* bias = withBias ? &b : nullptr;
    auto result = runComputeLayer(p, {&x, &w, bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), convByIm2col(x, w, bias, p), kRtol, kAtol), "");
}

void expectDeconvMatchesOracle(const Dims& xDims, const Dims& wDims, const DeconvolutionParams& p,
                               bool withBias, uint32_t seed) {
    const HostTensor x = randomTensor(xDims, seed);
    const HostTensor w = randomTensor(wDims, seed + 1);
    const HostTensor b = randomTensor({wDims[1] * p.groups}, seed + 2);
    const HostTensor* bias = withBias ? &b : nullptr;
    auto result = runComputeLayer(p, {&x, &w, bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), deconvByGather(x, w, bias, p), kRtol, kAtol), "");
}

ConvolutionParams convParams(std::vector<int64_t> strides, std::vector<int64_t> pads,
                             std::vector<int64_t> dilations, int64_t groups) {
    ConvolutionParams p;
    p.strides = std::move(strides);
    p.pads = std::move(pads);
    p.dilations = std::move(dilations);
    p.groups = groups;
    return p;
}

TEST(ConvReference, HandComputedSumOfNeighbours) {
    // A 3x3 kernel of ones with padding 1 sums each pixel's in-image neighbourhood.
    const HostTensor x = floatTensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const HostTensor w = floatTensor({1, 1, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1, 1});
    const HostTensor b = floatTensor({1}, {0.5f});
    auto result = runComputeLayer(convParams({1, 1}, {1, 1, 1, 1}, {1, 1}, 1), {&x, &w, &b});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    const HostTensor expected =
        floatTensor({1, 1, 3, 3}, {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f});
    EXPECT_EQ(compareTensors(result->at(0), expected, 0.0, 0.0), "");
}

TEST(ConvReference, HandComputedStridedDifference) {
    // Kernel [[1, 0], [0, -1]] with stride 2 on a 4x4 ramp: x[i][j] - x[i+1][j+1] = -5 everywhere.
    std::vector<float> ramp(16);
    for (int i = 0; i < 16; ++i)
        ramp[i] = float(i);
    const HostTensor x = floatTensor({1, 1, 4, 4}, ramp);
    const HostTensor w = floatTensor({1, 1, 2, 2}, {1, 0, 0, -1});
    auto result = runComputeLayer(convParams({2, 2}, {0, 0, 0, 0}, {1, 1}, 1), {&x, &w, nullptr});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({1, 1, 2, 2}, {-5, -5, -5, -5}), 0.0, 0.0), "");
}

TEST(ConvReference, MatchesIm2colPlain2d) {
    expectConvMatchesOracle({2, 3, 7, 6}, {4, 3, 3, 3}, convParams({1, 1}, {1, 1, 1, 1}, {1, 1}, 1), true,
                            10);
}

TEST(ConvReference, MatchesIm2colStridedDilatedAsymmetricPads) {
    expectConvMatchesOracle({1, 3, 11, 9}, {5, 3, 3, 2}, convParams({2, 3}, {2, 0, 1, 3}, {2, 3}, 1), true,
                            20);
}

TEST(ConvReference, MatchesIm2colGrouped) {
    expectConvMatchesOracle({1, 6, 8, 8}, {4, 3, 3, 3}, convParams({1, 2}, {1, 1, 1, 1}, {1, 1}, 2), true,
                            30);
}

TEST(ConvReference, MatchesIm2colDepthwiseWithMultiplier) {
    expectConvMatchesOracle({2, 4, 9, 7}, {8, 1, 3, 3}, convParams({2, 2}, {1, 1, 0, 0}, {1, 1}, 4), false,
                            40);
}

TEST(ConvReference, MatchesIm2colOneByOne) {
    expectConvMatchesOracle({1, 16, 5, 5}, {8, 16, 1, 1}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), true,
                            50);
}

TEST(ConvReference, MatchesIm2col1d) {
    expectConvMatchesOracle({2, 3, 17}, {4, 3, 5}, convParams({2}, {3, 1}, {2}, 1), true, 60);
}

TEST(ConvReference, MatchesIm2col3d) {
    expectConvMatchesOracle({1, 2, 5, 6, 7}, {4, 2, 3, 2, 3},
                            convParams({1, 2, 2}, {1, 0, 1, 0, 1, 2}, {1, 2, 1}, 1), true, 70);
}

TEST(ConvReference, MatchesIm2colKernelLargerThanInputWithPadding) {
    expectConvMatchesOracle({1, 2, 3, 3}, {3, 2, 5, 5}, convParams({1, 1}, {2, 2, 2, 2}, {1, 1}, 1), true,
                            80);
}

// Split outputs hold exactly the channels of the unsplit convolution, bit for bit, for every batch
// element: the same sums in the same order, only stored elsewhere.
TEST(ConvReference, SplitOutputsHoldTheUnsplitChannels) {
    ConvolutionParams p = convParams({1, 1}, {1, 1, 1, 1}, {1, 1}, 1);
    p.activation = ActivationParams{ActivationType::Relu};
    const HostTensor x = randomTensor({2, 3, 5, 4}, 71);
    const HostTensor w = randomTensor({6, 3, 3, 3}, 72);
    const HostTensor b = randomTensor({6}, 73);
    auto whole = runComputeLayer(p, {&x, &w, &b});
    ASSERT_TRUE(whole.isOk()) << whole.status().message();
    p.outputChannels = {1, 3, 2};
    auto split = runComputeLayer(p, {&x, &w, &b}, 3);
    ASSERT_TRUE(split.isOk()) << split.status().message();
    const int64_t starts[3] = {0, 1, 4};
    const int64_t plane = 5 * 4;
    for (size_t i = 0; i < 3; ++i) {
        const HostTensor& part = split->at(i);
        const int64_t channels = p.outputChannels[i];
        ASSERT_EQ(part.dims(), (Dims{2, channels, 5, 4}));
        for (int64_t n = 0; n < 2; ++n) {
            for (int64_t c = 0; c < channels; ++c) {
                for (int64_t e = 0; e < plane; ++e) {
                    const float expected = whole->at(0).data<float>()[(n * 6 + starts[i] + c) * plane + e];
                    ASSERT_EQ(part.data<float>()[(n * channels + c) * plane + e], expected)
                        << "output " << i << " n " << n << " channel " << c << " element " << e;
                }
            }
        }
    }
}

TEST(ConvShapeInference, RejectsBadSplitOutputs) {
    const HostTensor x = randomTensor({1, 2, 3, 3}, 81);
    const HostTensor w = randomTensor({4, 2, 1, 1}, 82);
    ConvolutionParams p = convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1);
    p.outputChannels = {1, 2};
    auto wrongSum = runComputeLayer(p, {&x, &w}, 2);
    ASSERT_FALSE(wrongSum.isOk());
    EXPECT_NE(wrongSum.status().message().find("add up to 3"), std::string::npos)
        << wrongSum.status().message();
    p.outputChannels = {1, 3};
    EXPECT_FALSE(runComputeLayer(p, {&x, &w}, 3).isOk());
    p.outputChannels = {5, -1};
    EXPECT_FALSE(runComputeLayer(p, {&x, &w}, 2).isOk());
    p.outputChannels = {1, 3};
    const HostTensor residual = randomTensor({1, 4, 3, 3}, 83);
    auto withResidual = runComputeLayer(p, {&x, &w, nullptr, &residual}, 2);
    ASSERT_FALSE(withResidual.isOk());
    EXPECT_NE(withResidual.status().message().find("residual"), std::string::npos)
        << withResidual.status().message();
    p.outputChannels = {};
    EXPECT_FALSE(runComputeLayer(p, {&x, &w}, 2).isOk());
}

TEST(ConvShapeInference, OutputExtents) {
    const HostTensor x(DataType::Float32, {1, 3, 224, 224});
    const HostTensor w(DataType::Float32, {64, 3, 7, 7});
    auto result = runComputeLayer(convParams({2, 2}, {3, 3, 3, 3}, {1, 1}, 1), {&x, &w, nullptr});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->at(0).dims(), (Dims{1, 64, 112, 112}));
}

void expectConvError(const Dims& xDims, const Dims& wDims, const ConvolutionParams& p, const Dims& biasDims,
                     const std::string& fragment) {
    const HostTensor x(DataType::Float32, xDims);
    const HostTensor w(DataType::Float32, wDims);
    const HostTensor b(DataType::Float32, biasDims);
    auto result = runComputeLayer(p, {&x, &w, biasDims.empty() ? nullptr : &b});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel) << result.status().message();
    EXPECT_NE(result.status().message().find(fragment), std::string::npos) << result.status().message();
}

TEST(ConvShapeInference, RejectsWrongChannelCount) {
    expectConvError({1, 4, 8, 8}, {8, 3, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), {},
                    "3 input channels per group; expected 4");
}

TEST(ConvShapeInference, RejectsGroupsThatDoNotDivideChannels) {
    expectConvError({1, 6, 8, 8}, {4, 1, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 4), {},
                    "6 channels, which groups 4 does not divide");
}

TEST(ConvShapeInference, RejectsOutputChannelsNotMultipleOfGroups) {
    expectConvError({1, 4, 8, 8}, {3, 2, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 2), {},
                    "multiple of groups 2");
}

TEST(ConvShapeInference, RejectsParameterLengthsAndValues) {
    expectConvError({1, 1, 8, 8}, {1, 1, 3, 3}, convParams({1}, {0, 0, 0, 0}, {1, 1}, 1), {},
                    "strides has 1 entries");
    expectConvError({1, 1, 8, 8}, {1, 1, 3, 3}, convParams({1, 1}, {0, 0}, {1, 1}, 1), {},
                    "pads has 2 entries");
    expectConvError({1, 1, 8, 8}, {1, 1, 3, 3}, convParams({1, 0}, {0, 0, 0, 0}, {1, 1}, 1), {},
                    "strides 1,0");
    expectConvError({1, 1, 8, 8}, {1, 1, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 0), {},
                    "groups is 0");
}

TEST(ConvShapeInference, RejectsWrongRanksAndBias) {
    expectConvError({1, 1, 8, 8}, {1, 1, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), {}, "weights");
    expectConvError({1, 8}, {1, 8}, convParams({}, {}, {}, 1), {}, "1 to 3 spatial axes");
    expectConvError({1, 1, 8, 8}, {2, 1, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), {3},
                    "input 2 (bias)");
}

TEST(ConvShapeInference, RejectsEmptyOutput) {
    expectConvError({1, 1, 4, 4}, {1, 1, 5, 5}, convParams({1, 1}, {0, 0, 0, 0}, {1, 1}, 1), {},
                    "output extent of 0");
    expectConvError({1, 1, 4, 4}, {1, 1, 3, 3}, convParams({1, 1}, {0, 0, 0, 0}, {2, 2}, 1), {},
                    "output extent of 0");
}

DeconvolutionParams deconvParams(std::vector<int64_t> strides, std::vector<int64_t> pads,
                                 std::vector<int64_t> dilations, std::vector<int64_t> outputPadding,
                                 int64_t groups) {
    DeconvolutionParams p;
    p.strides = std::move(strides);
    p.pads = std::move(pads);
    p.dilations = std::move(dilations);
    p.outputPadding = std::move(outputPadding);
    p.groups = groups;
    return p;
}

TEST(DeconvReference, HandComputedOverlappingTaps) {
    // With a 2x2 kernel of ones and stride 1 each output sums the inputs whose 2x2 footprint covers it.
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    const HostTensor w = floatTensor({1, 1, 2, 2}, {1, 1, 1, 1});
    auto result = runComputeLayer(deconvParams({1, 1}, {0, 0, 0, 0}, {1, 1}, {0, 0}, 1), {&x, &w, nullptr});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(
        compareTensors(result->at(0), floatTensor({1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4}), 0.0, 0.0), "");
}

TEST(DeconvReference, HandComputedStrideTwoUpsampling) {
    // Stride 2 with a 2x2 kernel [[1, 2], [3, 4]] places one scaled copy of the kernel per input.
    const HostTensor x = floatTensor({1, 1, 1, 2}, {1, 10});
    const HostTensor w = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    const HostTensor b = floatTensor({1}, {1});
    auto result = runComputeLayer(deconvParams({2, 2}, {0, 0, 0, 0}, {1, 1}, {0, 0}, 1), {&x, &w, &b});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(
        compareTensors(result->at(0), floatTensor({1, 1, 2, 4}, {2, 3, 11, 21, 4, 5, 31, 41}), 0.0, 0.0), "");
}

TEST(DeconvReference, MatchesGatherStridedWithPadsAndOutputPadding) {
    expectDeconvMatchesOracle({2, 3, 5, 4}, {3, 4, 3, 3},
                              deconvParams({2, 3}, {1, 0, 0, 2}, {1, 1}, {1, 2}, 1), true, 110);
}

TEST(DeconvReference, MatchesGatherGroupedDilated) {
    expectDeconvMatchesOracle({1, 4, 4, 5}, {4, 3, 3, 2},
                              deconvParams({2, 1}, {1, 1, 2, 0}, {2, 3}, {1, 0}, 2), true, 120);
}

TEST(DeconvReference, MatchesGatherDepthwise) {
    expectDeconvMatchesOracle({1, 3, 6, 6}, {3, 1, 4, 4},
                              deconvParams({2, 2}, {1, 1, 1, 1}, {1, 1}, {0, 0}, 3), false, 130);
}

TEST(DeconvReference, MatchesGather1dAnd3d) {
    expectDeconvMatchesOracle({2, 2, 7}, {2, 3, 4}, deconvParams({3}, {2, 1}, {1}, {2}, 1), true, 140);
    expectDeconvMatchesOracle({1, 2, 3, 4, 3}, {2, 2, 2, 3, 2},
                              deconvParams({2, 1, 2}, {0, 1, 0, 0, 1, 1}, {1, 1, 2}, {1, 0, 1}, 1), true,
                              150);
}

TEST(DeconvShapeInference, OutputExtentAndErrors) {
    const HostTensor x(DataType::Float32, {1, 4, 5, 5});
    const HostTensor w(DataType::Float32, {4, 2, 3, 3});
    auto ok = runComputeLayer(deconvParams({2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 2), {&x, &w, nullptr});
    ASSERT_TRUE(ok.isOk()) << ok.status().message();
    EXPECT_EQ(ok->at(0).dims(), (Dims{1, 4, 10, 10}));  // 2 * 4 + 1 + 2 + 1 - 2 = 10

    const HostTensor wrong(DataType::Float32, {3, 2, 3, 3});
    auto mismatch =
        runComputeLayer(deconvParams({1, 1}, {0, 0, 0, 0}, {1, 1}, {0, 0}, 1), {&x, &wrong, nullptr});
    ASSERT_FALSE(mismatch.isOk());
    EXPECT_EQ(mismatch.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(mismatch.status().message().find("3 input channels; expected 4"), std::string::npos)
        << mismatch.status().message();

    auto badPadding = runComputeLayer(deconvParams({1, 1}, {0, 0, 0, 0}, {1, 1}, {0}, 1), {&x, &w, nullptr});
    ASSERT_FALSE(badPadding.isOk());
    EXPECT_NE(badPadding.status().message().find("outputPadding"), std::string::npos)
        << badPadding.status().message();

    auto cropped = runComputeLayer(deconvParams({1, 1}, {4, 4, 4, 4}, {1, 1}, {0, 0}, 1), {&x, &w, nullptr});
    ASSERT_FALSE(cropped.isOk());
    EXPECT_NE(cropped.status().message().find("output extent of -1"), std::string::npos)
        << cropped.status().message();
}

}  // namespace
}  // namespace kiln::test
