// Import of small Caffe nets, one or a few layer types each: the layers the parser produces and the
// outputs of the imported network, run on the reference executor and as a built CPU engine, against
// values computed here with plain loops that follow Caffe's own definitions (its ceil-rounded pooling
// and padded-window averages, its LRN, its BatchNorm statistics scaled by the moving-average factor).
// Tolerances: the loops accumulate in double; the engine in FP32 over at most a few dozen terms of
// magnitude about 1, so 1e-5 absolute plus 1e-5 relative is several times FP32's rounding there.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "kiln/builder.h"
#include "kiln/caffe_parser.h"
#include "kiln/reference_executor.h"
#include "kiln/runtime.h"
#include "parsers/caffe/caffe_model_builder.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-5;

std::vector<float> valuesOf(const HostTensor& tensor) {
    return std::vector<float>(tensor.data<float>(), tensor.data<float>() + tensor.elementCount());
}

HostTensor tensorOf(const Dims& dims, const std::vector<float>& values) {
    HostTensor tensor(DataType::Float32, dims);
    std::copy(values.begin(), values.end(), tensor.data<float>());
    return tensor;
}

TestBlob randomBlob(const Dims& dims, uint32_t seed, float low = -1.0f, float high = 1.0f) {
    return TestBlob{dims, valuesOf(randomTensor(dims, seed, low, high))};
}

NetworkDefinition parseOrFail(const std::string& prototxt, const CaffeWeights& weights, bool v1 = false) {
    auto result = parseCaffeBytes(prototxt, weights.bytes(v1));
    EXPECT_TRUE(result.isOk()) << result.status().message();
    if (!result.isOk()) return NetworkDefinition();
    return std::move(result).value();
}

// Runs `network` on the reference executor and as a CPU engine built with fusion; both must give
// `expected` (by output name) within the tolerances above.
void expectOutputs(const NetworkDefinition& network, const TensorMap& inputs, const TensorMap& expected) {
    ASSERT_EQ(network.outputs().size(), expected.size());
    auto reference = ReferenceExecutor(network).execute(inputs);
    ASSERT_TRUE(reference.isOk()) << reference.status().message();
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    auto built = (*context)->execute(inputs);
    ASSERT_TRUE(built.isOk()) << built.status().message();
    for (const auto& [name, values] : expected) {
        ASSERT_TRUE(reference->count(name)) << "no output '" << name << "'";
        ASSERT_TRUE(built->count(name)) << "no output '" << name << "' from the engine";
        EXPECT_EQ(compareTensors(reference->at(name), values, kRtol, kAtol), "")
            << name << " (reference executor)";
        EXPECT_EQ(compareTensors(built->at(name), values, kRtol, kAtol), "") << name << " (CPU engine)";
    }
}

// Element (n, c, h, w) of an NCHW tensor.
struct Nchw {
    const HostTensor& t;
    float operator()(int64_t n, int64_t c, int64_t h, int64_t w) const {
        const Dims& d = t.dims();
        return t.data<float>()[((n * d[1] + c) * d[2] + h) * d[3] + w];
    }
};

HostTensor applyEach(const HostTensor& x, const std::function<double(double)>& f) {
    HostTensor y(DataType::Float32, x.dims());
    for (int64_t i = 0; i < x.elementCount(); ++i)
        y.data<float>()[i] = static_cast<float>(f(x.data<float>()[i]));
    return y;
}

// Caffe's convolution: out[n][k][oh][ow] = b[k] + sum over c in k's group, kh, kw of x * w.
HostTensor convolution(const HostTensor& x, const HostTensor& w, const std::vector<float>& bias,
                       int64_t group, int64_t strideH, int64_t strideW, int64_t padH, int64_t padW,
                       int64_t dilH, int64_t dilW) {
    const Dims& xd = x.dims();
    const Dims& wd = w.dims();
    const int64_t outH = (xd[2] + 2 * padH - (dilH * (wd[2] - 1) + 1)) / strideH + 1;
    const int64_t outW = (xd[3] + 2 * padW - (dilW * (wd[3] - 1) + 1)) / strideW + 1;
    HostTensor y(DataType::Float32, {xd[0], wd[0], outH, outW});
    const int64_t perGroupIn = xd[1] / group;
    const int64_t perGroupOut = wd[0] / group;
    float* out = y.data<float>();
    for (int64_t n = 0; n < xd[0]; ++n)
        for (int64_t k = 0; k < wd[0]; ++k)
            for (int64_t oh = 0; oh < outH; ++oh)
                for (int64_t ow = 0; ow < outW; ++ow) {
                    double sum = bias.empty() ? 0.0 : bias[k];
                    const int64_t g = k / perGroupOut;
                    for (int64_t c = 0; c < perGroupIn; ++c)
                        for (int64_t kh = 0; kh < wd[2]; ++kh)
                            for (int64_t kw = 0; kw < wd[3]; ++kw) {
                                const int64_t ih = oh * strideH - padH + kh * dilH;
                                const int64_t iw = ow * strideW - padW + kw * dilW;
                                if (ih < 0 || ih >= xd[2] || iw < 0 || iw >= xd[3]) continue;
                                sum += double(Nchw{x}(n, g * perGroupIn + c, ih, iw)) * Nchw{w}(k, c, kh, kw);
                            }
                    *out++ = static_cast<float>(sum);
                }
    return y;
}

// Caffe's pooling (pooling_layer.cpp, Forward_cpu) as written there: ceil-rounded output extent, one
// fewer where the last window would start in the padding, averages divided by the window clipped to
// the padded input.
HostTensor caffePooling(const HostTensor& x, bool max, int64_t kernel, int64_t stride, int64_t pad) {
    const Dims& d = x.dims();
    auto extent = [&](int64_t in) {
        int64_t out = static_cast<int64_t>(std::ceil(double(in + 2 * pad - kernel) / double(stride))) + 1;
        if (pad > 0 && (out - 1) * stride >= in + pad) --out;
        return out;
    };
    const int64_t outH = extent(d[2]);
    const int64_t outW = extent(d[3]);
    HostTensor y(DataType::Float32, {d[0], d[1], outH, outW});
    float* out = y.data<float>();
    for (int64_t n = 0; n < d[0]; ++n)
        for (int64_t c = 0; c < d[1]; ++c)
            for (int64_t ph = 0; ph < outH; ++ph)
                for (int64_t pw = 0; pw < outW; ++pw) {
                    int64_t hstart = ph * stride - pad;
                    int64_t wstart = pw * stride - pad;
                    int64_t hend = std::min(hstart + kernel, d[2] + pad);
                    int64_t wend = std::min(wstart + kernel, d[3] + pad);
                    const int64_t poolSize = (hend - hstart) * (wend - wstart);
                    hstart = std::max<int64_t>(hstart, 0);
                    wstart = std::max<int64_t>(wstart, 0);
                    hend = std::min(hend, d[2]);
                    wend = std::min(wend, d[3]);
                    double value = max ? -1e30 : 0.0;
                    for (int64_t h = hstart; h < hend; ++h)
                        for (int64_t w = wstart; w < wend; ++w) {
                            const double v = Nchw{x}(n, c, h, w);
                            value = max ? std::max(value, v) : value + v;
                        }
                    *out++ = static_cast<float>(max ? value : value / double(poolSize));
                }
    return y;
}

TEST(CaffeImport, ConvolutionWithGroupsDilationAndTheHwForms) {
    const std::string prototxt = R"(
name: "conv"
input: "data"
input_shape { dim: 1 dim: 4 dim: 7 dim: 6 }
layer { name: "conv_hw" type: "Convolution" bottom: "data" top: "conv_hw"
        convolution_param { num_output: 6 group: 2 kernel_h: 3 kernel_w: 2 pad_h: 1 pad_w: 0
                            stride_h: 2 stride_w: 1 } }
layer { name: "conv_dilated" type: "Convolution" bottom: "data" top: "conv_dilated"
        convolution_param { num_output: 3 kernel_size: 3 pad: 2 stride: 1 dilation: 2 bias_term: false } }
)";
    const TestBlob w1 = randomBlob({6, 2, 3, 2}, 1);
    const TestBlob b1 = randomBlob({6}, 2);
    const TestBlob w2 = randomBlob({3, 4, 3, 3}, 3);
    CaffeWeights weights;
    weights.layer("conv_hw", {w1, b1}).layer("conv_dilated", {w2});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(network.layers()[0]->kind(), LayerKind::Convolution);
    EXPECT_EQ(network.layers()[0]->name(), "conv_hw");
    EXPECT_EQ(network.layers()[0]->paramsAs<ConvolutionParams>().groups, 2);
    EXPECT_EQ(network.layers()[0]->paramsAs<ConvolutionParams>().pads, (std::vector<int64_t>{1, 0, 1, 0}));

    const HostTensor x = randomTensor({1, 4, 7, 6}, 4);
    const HostTensor w1t = tensorOf(w1.dims, w1.values);
    const HostTensor w2t = tensorOf(w2.dims, w2.values);
    expectOutputs(network, {{"data", x}},
                  {{"conv_hw", convolution(x, w1t, b1.values, 2, 2, 1, 1, 0, 1, 1)},
                   {"conv_dilated", convolution(x, w2t, {}, 1, 1, 1, 2, 2, 2, 2)}});
}

TEST(CaffeImport, DeconvolutionScattersEachInputThroughTheKernel) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 dim: 3 dim: 4 }
layer { name: "up" type: "Deconvolution" bottom: "data" top: "up"
        convolution_param { num_output: 4 group: 2 kernel_size: 3 stride: 2 pad: 1 } }
)";
    const TestBlob w = randomBlob({2, 2, 3, 3}, 5);  // [C, K/group, kh, kw]
    const TestBlob b = randomBlob({4}, 6);
    CaffeWeights weights;
    weights.layer("up", {w, b});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    const HostTensor x = randomTensor({1, 2, 3, 4}, 7);
    // Output extent: stride * (in - 1) + kernel - 2 * pad.
    const int64_t outH = 2 * 2 + 3 - 2, outW = 2 * 3 + 3 - 2;
    std::vector<double> y(4 * outH * outW, 0.0);
    for (int64_t c = 0; c < 2; ++c)  // group g = c (one input channel per group), outputs 2g and 2g + 1
        for (int64_t k = 0; k < 2; ++k)
            for (int64_t ih = 0; ih < 3; ++ih)
                for (int64_t iw = 0; iw < 4; ++iw)
                    for (int64_t kh = 0; kh < 3; ++kh)
                        for (int64_t kw = 0; kw < 3; ++kw) {
                            const int64_t oh = ih * 2 - 1 + kh, ow = iw * 2 - 1 + kw;
                            if (oh < 0 || oh >= outH || ow < 0 || ow >= outW) continue;
                            y[((c * 2 + k) * outH + oh) * outW + ow] +=
                                double(Nchw{x}(0, c, ih, iw)) * w.values[((c * 2 + k) * 3 + kh) * 3 + kw];
                        }
    std::vector<float> expected;
    for (size_t i = 0; i < y.size(); ++i)
        expected.push_back(static_cast<float>(y[i] + b.values[i / (outH * outW)]));
    expectOutputs(network, {{"data", x}}, {{"up", tensorOf({1, 4, outH, outW}, expected)}});
}

TEST(CaffeImport, InnerProductFlattensFromItsAxisAndHonoursTranspose) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 2 dim: 3 dim: 2 dim: 2 }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 5 } }
layer { name: "fc_t" type: "InnerProduct" bottom: "data" top: "fc_t"
        inner_product_param { num_output: 5 transpose: true bias_term: false } }
layer { name: "fc_axis2" type: "InnerProduct" bottom: "data" top: "fc_axis2"
        inner_product_param { num_output: 3 axis: 2 } }
)";
    const TestBlob w = randomBlob({5, 12}, 8), b = randomBlob({5}, 9);
    const TestBlob wt = randomBlob({12, 5}, 10);
    const TestBlob w2 = randomBlob({3, 4}, 11), b2 = randomBlob({3}, 12);
    CaffeWeights weights;
    weights.layer("fc", {w, b}).layer("fc_t", {wt}).layer("fc_axis2", {w2, b2});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    const HostTensor x = randomTensor({2, 3, 2, 2}, 13);
    const float* xv = x.data<float>();
    std::vector<float> fc, fcT, fcAxis2;
    for (int n = 0; n < 2; ++n)
        for (int o = 0; o < 5; ++o) {
            double sum = b.values[o], sumT = 0.0;
            for (int k = 0; k < 12; ++k) {
                sum += double(xv[n * 12 + k]) * w.values[o * 12 + k];
                sumT += double(xv[n * 12 + k]) * wt.values[k * 5 + o];
            }
            fc.push_back(static_cast<float>(sum));
            fcT.push_back(static_cast<float>(sumT));
        }
    for (int row = 0; row < 6; ++row)  // [2, 3] rows of 4 values each
        for (int o = 0; o < 3; ++o) {
            double sum = b2.values[o];
            for (int k = 0; k < 4; ++k)
                sum += double(xv[row * 4 + k]) * w2.values[o * 4 + k];
            fcAxis2.push_back(static_cast<float>(sum));
        }
    expectOutputs(network, {{"data", x}},
                  {{"fc", tensorOf({2, 5}, fc)},
                   {"fc_t", tensorOf({2, 5}, fcT)},
                   {"fc_axis2", tensorOf({2, 3, 3}, fcAxis2)}});
}

TEST(CaffeImport, PoolingRoundsUpAndAveragesOverTheWindowClippedToThePaddedInput) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 dim: 7 dim: 6 }
layer { name: "max_ceil" type: "Pooling" bottom: "data" top: "max_ceil"
        pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
layer { name: "ave_pad" type: "Pooling" bottom: "data" top: "ave_pad"
        pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "max_last_window" type: "Pooling" bottom: "data" top: "max_last_window"
        pooling_param { pool: MAX kernel_h: 2 kernel_w: 2 stride_h: 2 stride_w: 2 pad_h: 1 pad_w: 1 } }
layer { name: "ave_global" type: "Pooling" bottom: "data" top: "ave_global"
        pooling_param { pool: AVE global_pooling: true } }
layer { name: "max_floor" type: "Pooling" bottom: "data" top: "max_floor"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 round_mode: FLOOR } }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    // Ceil rounding: (7 - 3) / 2 + 1 = 3 rows but ceil((6 - 3) / 2) + 1 = 3 columns where floor gives 2.
    EXPECT_EQ(network.findTensor("max_ceil")->dims(), (Dims{1, 2, 3, 3}));
    // Rows: ceil((7 + 2 - 2) / 2) + 1 = 5, but the fifth window would start at 2 * 4 - 1 = 7, past the
    // input, so Caffe keeps 4.
    EXPECT_EQ(network.findTensor("max_last_window")->dims(), (Dims{1, 2, 4, 4}));
    EXPECT_EQ(network.findTensor("max_floor")->dims(), (Dims{1, 2, 3, 3}));
    const HostTensor x = randomTensor({1, 2, 7, 6}, 14);
    std::vector<float> global;
    for (int c = 0; c < 2; ++c) {
        double sum = 0.0;
        for (int i = 0; i < 42; ++i)
            sum += x.data<float>()[c * 42 + i];
        global.push_back(static_cast<float>(sum / 42.0));
    }
    HostTensor floorMax(DataType::Float32, {1, 2, 3, 3});
    for (int c = 0; c < 2; ++c)
        for (int h = 0; h < 3; ++h)
            for (int w = 0; w < 3; ++w) {
                float best = Nchw{x}(0, c, 2 * h, 2 * w);
                for (int dh = 0; dh < 2; ++dh)
                    for (int dw = 0; dw < 2; ++dw)
                        best = std::max(best, Nchw{x}(0, c, 2 * h + dh, 2 * w + dw));
                floorMax.data<float>()[(c * 3 + h) * 3 + w] = best;
            }
    expectOutputs(network, {{"data", x}},
                  {{"max_ceil", caffePooling(x, true, 3, 2, 0)},
                   {"ave_pad", caffePooling(x, false, 3, 2, 1)},
                   {"max_last_window", caffePooling(x, true, 2, 2, 1)},
                   {"ave_global", tensorOf({1, 2, 1, 1}, global)},
                   {"max_floor", floorMax}});
}

TEST(CaffeImport, LrnAcrossAndWithinChannels) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 5 dim: 4 dim: 3 }
layer { name: "across" type: "LRN" bottom: "data" top: "across"
        lrn_param { local_size: 3 alpha: 0.3 beta: 0.75 k: 2 } }
layer { name: "within" type: "LRN" bottom: "data" top: "within"
        lrn_param { local_size: 3 alpha: 0.6 beta: 0.5 norm_region: WITHIN_CHANNEL } }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    const HostTensor x = randomTensor({1, 5, 4, 3}, 15, -2.0f, 2.0f);
    HostTensor across(DataType::Float32, x.dims()), within(DataType::Float32, x.dims());
    for (int c = 0; c < 5; ++c)
        for (int h = 0; h < 4; ++h)
            for (int w = 0; w < 3; ++w) {
                double channels = 0.0, window = 0.0;
                for (int j = std::max(0, c - 1); j <= std::min(4, c + 1); ++j)
                    channels += std::pow(Nchw{x}(0, j, h, w), 2.0);
                for (int dh = -1; dh <= 1; ++dh)
                    for (int dw = -1; dw <= 1; ++dw) {
                        if (h + dh < 0 || h + dh >= 4 || w + dw < 0 || w + dw >= 3) continue;
                        window += std::pow(Nchw{x}(0, c, h + dh, w + dw), 2.0);
                    }
                const double v = Nchw{x}(0, c, h, w);
                const int64_t at = (c * 4 + h) * 3 + w;
                across.data<float>()[at] = static_cast<float>(v / std::pow(2.0 + 0.3 / 3.0 * channels, 0.75));
                within.data<float>()[at] = static_cast<float>(v / std::pow(1.0 + 0.6 / 9.0 * window, 0.5));
            }
    expectOutputs(network, {{"data", x}}, {{"across", across}, {"within", within}});
}

TEST(CaffeImport, ActivationsReluLeakyPreluSigmoidTanhElu) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 2 dim: 3 dim: 2 dim: 2 }
layer { name: "relu" type: "ReLU" bottom: "data" top: "relu" }
layer { name: "leaky" type: "ReLU" bottom: "data" top: "leaky" relu_param { negative_slope: 0.1 } }
layer { name: "prelu" type: "PReLU" bottom: "data" top: "prelu" }
layer { name: "prelu_shared" type: "PReLU" bottom: "data" top: "prelu_shared" prelu_param { channel_shared: true } }
layer { name: "sigmoid" type: "Sigmoid" bottom: "data" top: "sigmoid" }
layer { name: "tanh" type: "TanH" bottom: "data" top: "tanh" }
layer { name: "elu" type: "ELU" bottom: "data" top: "elu" elu_param { alpha: 0.5 } }
)";
    const TestBlob slopes{{3}, {0.25f, -0.5f, 2.0f}};
    const TestBlob shared{{}, {0.3f}};
    CaffeWeights weights;
    weights.layer("prelu", {slopes}).layer("prelu_shared", {shared});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    const HostTensor x = randomTensor({2, 3, 2, 2}, 16, -3.0f, 3.0f);
    HostTensor prelu(DataType::Float32, x.dims());
    for (int64_t i = 0; i < x.elementCount(); ++i) {
        const float v = x.data<float>()[i];
        prelu.data<float>()[i] = v < 0 ? v * slopes.values[(i / 4) % 3] : v;
    }
    expectOutputs(network, {{"data", x}},
                  {{"relu", applyEach(x, [](double v) { return v > 0 ? v : 0.0; })},
                   {"leaky", applyEach(x, [](double v) { return v > 0 ? v : 0.1 * v; })},
                   {"prelu", prelu},
                   {"prelu_shared", applyEach(x, [](double v) { return v > 0 ? v : double(0.3f) * v; })},
                   {"sigmoid", applyEach(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); })},
                   {"tanh", applyEach(x, [](double v) { return std::tanh(v); })},
                   {"elu", applyEach(x, [](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1.0); })}});
}

// BatchNorm keeps its statistics multiplied by a moving-average factor (blob 2); a Scale right after it
// becomes the normalization's scale and bias, so the pair is one layer with both as provenance.
TEST(CaffeImport, BatchNormWithScaleIsOneLayerAndUnscalesItsStatistics) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 2 dim: 3 dim: 2 dim: 2 }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" batch_norm_param { eps: 0.001 } }
layer { name: "scale" type: "Scale" bottom: "bn" top: "scaled" scale_param { bias_term: true } }
layer { name: "bn_alone" type: "BatchNorm" bottom: "data" top: "bn_alone" batch_norm_param { use_global_stats: true } }
layer { name: "scale_alone" type: "Scale" bottom: "data" top: "scale_alone" scale_param { bias_term: true } }
)";
    const std::vector<float> mean{0.5f, -1.0f, 2.0f}, variance{2.0f, 0.5f, 8.0f}, scale{1.5f, -0.5f, 2.0f},
        bias{0.1f, 0.2f, -0.3f};
    const float factor = 4.0f;
    auto times = [](std::vector<float> v, float f) {
        for (float& e : v)
            e *= f;
        return v;
    };
    const std::vector<TestBlob> bnBlobs{
        {{3}, times(mean, factor)}, {{3}, times(variance, factor)}, {{1}, {factor}}};
    CaffeWeights weights;
    weights.layer("bn", bnBlobs).layer("scale", {{{3}, scale}, {{3}, bias}});
    weights.layer("bn_alone", bnBlobs).layer("scale_alone", {{{3}, scale}, {{3}, bias}});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    ASSERT_EQ(network.layers().size(), 4u);  // bn + scale as one, bn_alone, scale_alone as Mul and Add
    EXPECT_EQ(network.layers()[0]->kind(), LayerKind::BatchNorm);
    EXPECT_EQ(network.layers()[0]->provenance(), (std::vector<std::string>{"bn", "scale"}));
    EXPECT_EQ(network.layers()[0]->output(0)->name(), "scaled");
    EXPECT_EQ(network.findTensor("bn"), nullptr);

    const HostTensor x = randomTensor({2, 3, 2, 2}, 17, -3.0f, 3.0f);
    HostTensor folded(DataType::Float32, x.dims()), alone(DataType::Float32, x.dims()),
        scaled(DataType::Float32, x.dims());
    for (int64_t i = 0; i < x.elementCount(); ++i) {
        const int64_t c = (i / 4) % 3;
        const double v = x.data<float>()[i];
        folded.data<float>()[i] =
            static_cast<float>((v - mean[c]) / std::sqrt(variance[c] + 0.001) * scale[c] + bias[c]);
        alone.data<float>()[i] = static_cast<float>((v - mean[c]) / std::sqrt(variance[c] + 1e-5));
        scaled.data<float>()[i] = static_cast<float>(v * scale[c] + bias[c]);
    }
    expectOutputs(network, {{"data", x}}, {{"scaled", folded}, {"bn_alone", alone}, {"scale_alone", scaled}});
}

// Scale by a second bottom (broadcast over the axes after it), and by a blob spanning two axes.
TEST(CaffeImport, ScaleByASecondBottomAndOverSeveralAxes) {
    const std::string prototxt = R"(
input: "x"
input_shape { dim: 2 dim: 3 dim: 4 }
input: "s"
input_shape { dim: 3 }
layer { name: "by_bottom" type: "Scale" bottom: "x" bottom: "s" top: "by_bottom" }
layer { name: "over_axes" type: "Scale" bottom: "x" top: "over_axes" scale_param { axis: 1 num_axes: 2 bias_term: true } }
)";
    const TestBlob w = randomBlob({3, 4}, 29), b = randomBlob({3, 4}, 30);
    CaffeWeights weights;
    weights.layer("over_axes", {w, b});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    const HostTensor x = randomTensor({2, 3, 4}, 31), scale = randomTensor({3}, 32);
    std::vector<float> byBottom, overAxes;
    for (int n = 0; n < 2; ++n)
        for (int c = 0; c < 3; ++c)
            for (int k = 0; k < 4; ++k) {
                const float v = x.data<float>()[(n * 3 + c) * 4 + k];
                byBottom.push_back(v * scale.data<float>()[c]);
                overAxes.push_back(v * w.values[c * 4 + k] + b.values[c * 4 + k]);
            }
    expectOutputs(
        network, {{"x", x}, {"s", scale}},
        {{"by_bottom", tensorOf({2, 3, 4}, byBottom)}, {"over_axes", tensorOf({2, 3, 4}, overAxes)}});
}

TEST(CaffeImport, ConcatEltwiseAndSoftmax) {
    const std::string prototxt = R"(
input: "a"
input_shape { dim: 1 dim: 2 dim: 2 dim: 2 }
input: "b"
input_shape { dim: 1 dim: 2 dim: 2 dim: 2 }
layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "cat" }
layer { name: "cat_h" type: "Concat" bottom: "a" bottom: "b" top: "cat_h" concat_param { concat_dim: 2 } }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" bottom: "a" top: "sum"
        eltwise_param { operation: SUM coeff: 2 coeff: -1 coeff: 0.5 } }
layer { name: "prod" type: "Eltwise" bottom: "a" bottom: "b" top: "prod" eltwise_param { operation: PROD } }
layer { name: "max" type: "Eltwise" bottom: "a" bottom: "b" top: "max" eltwise_param { operation: MAX } }
layer { name: "softmax" type: "Softmax" bottom: "cat" top: "softmax" }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    const HostTensor a = randomTensor({1, 2, 2, 2}, 18), b = randomTensor({1, 2, 2, 2}, 19);
    const float* av = a.data<float>();
    const float* bv = b.data<float>();
    std::vector<float> cat(av, av + 8), catH, sum, prod, max;
    cat.insert(cat.end(), bv, bv + 8);
    for (int c = 0; c < 2; ++c) {
        catH.insert(catH.end(), av + c * 4, av + c * 4 + 4);
        catH.insert(catH.end(), bv + c * 4, bv + c * 4 + 4);
    }
    for (int i = 0; i < 8; ++i) {
        sum.push_back(2.0f * av[i] - bv[i] + 0.5f * av[i]);
        prod.push_back(av[i] * bv[i]);
        max.push_back(std::max(av[i], bv[i]));
    }
    std::vector<float> softmax(16);
    for (int at = 0; at < 4; ++at) {  // along the 4 channels of cat, at each of the 4 positions
        double total = 0.0;
        for (int c = 0; c < 4; ++c)
            total += std::exp(double(cat[c * 4 + at]));
        for (int c = 0; c < 4; ++c)
            softmax[c * 4 + at] = static_cast<float>(std::exp(double(cat[c * 4 + at])) / total);
    }
    expectOutputs(network, {{"a", a}, {"b", b}},
                  {{"cat_h", tensorOf({1, 2, 4, 2}, catH)},
                   {"sum", tensorOf({1, 2, 2, 2}, sum)},
                   {"prod", tensorOf({1, 2, 2, 2}, prod)},
                   {"max", tensorOf({1, 2, 2, 2}, max)},
                   {"softmax", tensorOf({1, 4, 2, 2}, softmax)}});
}

// Layers that only move elements: Flatten, Reshape (0 copies, -1 infers), Slice, Split, Dropout,
// Permute and Crop, against the elements picked by index here.
TEST(CaffeImport, FlattenReshapeSliceSplitDropoutPermuteCrop) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 2 dim: 4 dim: 3 dim: 2 }
input: "like"
input_shape { dim: 2 dim: 4 dim: 2 dim: 1 }
layer { name: "flat" type: "Flatten" bottom: "data" top: "flat" flatten_param { axis: 1 end_axis: 2 } }
layer { name: "reshape" type: "Reshape" bottom: "data" top: "reshape" reshape_param { shape { dim: 0 dim: -1 dim: 4 } } }
layer { name: "reshape_mid" type: "Reshape" bottom: "data" top: "reshape_mid"
        reshape_param { shape { dim: 2 dim: 2 } axis: 1 num_axes: 1 } }
layer { name: "slice" type: "Slice" bottom: "data" top: "s1" top: "s2" top: "s3" slice_param { slice_point: 1 slice_point: 3 } }
layer { name: "slice_h" type: "Slice" bottom: "data" top: "h1" top: "h2" top: "h3" slice_param { slice_dim: 2 } }
layer { name: "split" type: "Split" bottom: "data" top: "copy1" top: "copy2" }
layer { name: "drop" type: "Dropout" bottom: "copy1" top: "drop" dropout_param { dropout_ratio: 0.5 } }
layer { name: "permute" type: "Permute" bottom: "copy2" top: "permute" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "crop" type: "Crop" bottom: "data" bottom: "like" top: "crop" crop_param { axis: 2 offset: 1 offset: 1 } }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    EXPECT_EQ(network.findTensor("flat")->dims(), (Dims{2, 12, 2}));
    EXPECT_EQ(network.findTensor("reshape")->dims(), (Dims{2, 6, 4}));
    EXPECT_EQ(network.findTensor("reshape_mid")->dims(), (Dims{2, 2, 2, 3, 2}));
    const HostTensor x = randomTensor({2, 4, 3, 2}, 20);
    const HostTensor like = randomTensor({2, 4, 2, 1}, 21);
    auto at = [&](int64_t n, int64_t c, int64_t h, int64_t w) { return Nchw{x}(n, c, h, w); };
    auto pick = [&](const Dims& dims, const std::function<float(const std::vector<int64_t>&)>& element) {
        HostTensor t(DataType::Float32, dims);
        std::vector<int64_t> index(dims.size(), 0);
        for (int64_t i = 0; i < t.elementCount(); ++i) {
            int64_t rest = i;
            for (size_t axis = dims.size(); axis-- > 0;) {
                index[axis] = rest % dims[axis];
                rest /= dims[axis];
            }
            t.data<float>()[i] = element(index);
        }
        return t;
    };
    auto channels = [&](int64_t first, int64_t count) {
        return pick({2, count, 3, 2}, [&](const auto& i) { return at(i[0], first + i[1], i[2], i[3]); });
    };
    auto rows = [&](int64_t row) {
        return pick({2, 4, 1, 2}, [&](const auto& i) { return at(i[0], i[1], row, i[3]); });
    };
    expectOutputs(
        network, {{"data", x}, {"like", like}},
        {{"flat", x.reshaped({2, 12, 2})},
         {"reshape", x.reshaped({2, 6, 4})},
         {"reshape_mid", x.reshaped({2, 2, 2, 3, 2})},
         {"s1", channels(0, 1)},
         {"s2", channels(1, 2)},
         {"s3", channels(3, 1)},
         {"h1", rows(0)},
         {"h2", rows(1)},
         {"h3", rows(2)},
         {"drop", x},
         {"permute", pick({2, 3, 2, 4}, [&](const auto& i) { return at(i[0], i[3], i[1], i[2]); })},
         {"crop", pick({2, 4, 2, 1}, [&](const auto& i) { return at(i[0], i[1], i[2] + 1, i[3] + 1); })}});
}

TEST(CaffeImport, PowerComputesShiftPlusScaleTimesXToThePower) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 dim: 3 }
layer { name: "power" type: "Power" bottom: "data" top: "power" power_param { power: 2 scale: 0.5 shift: 1 } }
layer { name: "sqrt" type: "Power" bottom: "data" top: "sqrt" power_param { power: 0.5 shift: 4 } }
layer { name: "same" type: "Power" bottom: "data" top: "same" }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    const HostTensor x = randomTensor({1, 2, 3}, 22, -2.0f, 2.0f);
    expectOutputs(network, {{"data", x}},
                  {{"power", applyEach(x, [](double v) { return std::pow(1.0 + 0.5 * v, 2.0); })},
                   {"sqrt", applyEach(x, [](double v) { return std::sqrt(4.0 + v); })},
                   {"same", x}});
}

// conv -> ReLU -> BatchNorm -> Scale, all but the convolution in place on the blob "conv1": every
// version is its own tensor, the last keeps the blob's name and is the output.
TEST(CaffeImport, InPlaceLayersGiveEachVersionOfABlobItsOwnTensor) {
    const std::string prototxt = R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 3 dim: 3 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "drop1" type: "Dropout" bottom: "conv1" top: "conv1" }
)";
    const TestBlob w{{2, 2, 1, 1}, {1.0f, -2.0f, 0.5f, 0.25f}};
    const TestBlob b{{2}, {0.5f, -1.0f}};
    CaffeWeights weights;
    weights.layer("conv1", {w, b})
        .layer("bn1", {{{2}, {1.0f, 2.0f}}, {{2}, {4.0f, 16.0f}}, {{1}, {2.0f}}})
        .layer("scale1", {{{2}, {3.0f, 0.5f}}, {{2}, {1.0f, 2.0f}}});
    NetworkDefinition network = parseOrFail(prototxt, weights);
    ASSERT_EQ(network.inputs().size(), 1u);
    EXPECT_EQ(network.inputs()[0]->name(), "data");
    ASSERT_EQ(network.layers().size(), 4u);  // conv, relu, bn + scale, dropout
    std::set<std::string> names;
    for (const auto& layer : network.layers())
        names.insert(layer->output(0)->name());
    EXPECT_EQ(names.size(), 4u);
    ASSERT_EQ(network.outputs().size(), 1u);
    EXPECT_EQ(network.outputs()[0]->name(), "conv1");
    EXPECT_EQ(network.layers()[3]->name(), "drop1");
    EXPECT_EQ(network.layers()[2]->output(0)->name(), "conv1/scale1");

    const HostTensor x = randomTensor({1, 2, 3, 3}, 23, -2.0f, 2.0f);
    HostTensor y(DataType::Float32, x.dims());
    const float mean[2] = {0.5f, 1.0f}, variance[2] = {2.0f, 8.0f}, scale[2] = {3.0f, 0.5f},
                shift[2] = {1.0f, 2.0f};
    for (int k = 0; k < 2; ++k)
        for (int i = 0; i < 9; ++i) {
            double v = b.values[k] + double(w.values[k * 2]) * x.data<float>()[i] +
                       double(w.values[k * 2 + 1]) * x.data<float>()[9 + i];
            v = std::max(v, 0.0);
            v = (v - mean[k]) / std::sqrt(variance[k] + 1e-5) * scale[k] + shift[k];
            y.data<float>()[k * 9 + i] = static_cast<float>(v);
        }
    expectOutputs(network, {{"data", x}}, {{"conv1", y}});
}

// A V1 net (layers with enum types, legacy 4-D blob shapes, double_data) imports as its current form.
TEST(CaffeImport, V1LayersWithLegacyBlobShapesAndDoubleData) {
    const std::string prototxt = R"(
name: "v1"
input: "data"
input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 4
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
         convolution_param { num_output: 2 kernel_size: 3 pad: 1 } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "pool" type: POOLING bottom: "conv" top: "pool" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layers { name: "fc" type: INNER_PRODUCT bottom: "pool" top: "fc" inner_product_param { num_output: 3 } }
layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" }
)";
    TestBlob w = randomBlob({2, 3, 3, 3}, 24), b = randomBlob({2}, 25), fw = randomBlob({3, 8}, 26),
             fb = randomBlob({3}, 27);
    w.legacyShape = b.legacyShape = fw.legacyShape = fb.legacyShape = true;
    fw.doubles = true;
    CaffeWeights weights;
    weights.layer("conv", {w, b}).layer("fc", {fw, fb});
    NetworkDefinition network = parseOrFail(prototxt, weights, /*v1=*/true);
    ASSERT_EQ(network.outputs().size(), 1u);
    EXPECT_EQ(network.outputs()[0]->name(), "prob");

    const HostTensor x = randomTensor({1, 3, 4, 4}, 28);
    HostTensor conv = convolution(x, tensorOf(w.dims, w.values), b.values, 1, 1, 1, 1, 1, 1, 1);
    conv = applyEach(conv, [](double v) { return std::max(v, 0.0); });
    const HostTensor pool = caffePooling(conv, false, 2, 2, 0);
    std::vector<double> fc(3);
    double total = 0.0;
    for (int o = 0; o < 3; ++o) {
        fc[o] = fb.values[o];
        for (int k = 0; k < 8; ++k)
            fc[o] += double(pool.data<float>()[k]) * fw.values[o * 8 + k];
        total += std::exp(fc[o]);
    }
    std::vector<float> prob;
    for (int o = 0; o < 3; ++o)
        prob.push_back(static_cast<float>(std::exp(fc[o]) / total));
    expectOutputs(network, {{"data", x}}, {{"prob", tensorOf({1, 3}, prob)}});
}

// The same net read from files; the declared inputs come from the prototxt alone.
TEST(CaffeImport, FilesAndDeclaredInputs) {
    TempFolder folder("kiln_caffe_files");
    const std::string prototxt = folder.write("net.prototxt", R"(
input: "image"
input_shape { dim: 1 dim: 1 dim: 2 dim: 2 }
layer { name: "info" type: "Input" top: "info" input_param { shape { dim: 1 dim: 3 } } }
layer { name: "scale" type: "Power" bottom: "image" top: "out" power_param { scale: 3 } }
layer { name: "pass" type: "Dropout" bottom: "info" top: "info_out" }
)");
    const std::string caffemodel = folder.write("net.caffemodel", CaffeWeights().bytes());
    auto inputs = readCaffeInputs(prototxt);
    ASSERT_TRUE(inputs.isOk()) << inputs.status().message();
    ASSERT_EQ(inputs->size(), 2u);
    EXPECT_EQ((*inputs)[0].name, "image");
    EXPECT_EQ((*inputs)[0].dims, (Dims{1, 1, 2, 2}));
    EXPECT_EQ((*inputs)[1].name, "info");
    EXPECT_EQ((*inputs)[1].dims, (Dims{1, 3}));
    EXPECT_TRUE(isCaffePrototxtPath(prototxt));
    EXPECT_FALSE(isCaffePrototxtPath(caffemodel));

    CaffeParseOptions options;
    options.inputShapes["image"] = {2, 1, 2, 2};
    auto network = parseCaffeFiles(prototxt, caffemodel, options);
    ASSERT_TRUE(network.isOk()) << network.status().message();
    EXPECT_EQ(network->findTensor("out")->dims(), (Dims{2, 1, 2, 2}));
    const HostTensor x = tensorOf({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    const HostTensor info = tensorOf({1, 3}, {1, 2, 3});
    expectOutputs(*network, {{"image", x}, {"info", info}},
                  {{"out", tensorOf({2, 1, 2, 2}, {3, 6, 9, 12, 15, 18, 21, 24})}, {"info_out", info}});
}

// Layers of the training phase (data sources, losses) are left out of a deploy import.
TEST(CaffeImport, LayersOfTheTrainPhaseAreLeftOut) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 }
layer { name: "train_data" type: "Data" top: "label" include { phase: TRAIN } }
layer { name: "relu" type: "ReLU" bottom: "data" top: "relu" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "relu" bottom: "label" top: "loss" exclude { phase: TEST } }
)";
    NetworkDefinition network = parseOrFail(prototxt, CaffeWeights());
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->name(), "relu");
}

}  // namespace
}  // namespace kiln::test
