// Damaged and unsupported Caffe nets: each is refused with a message that names the file's field or
// layer at fault and what to do, and no input, however broken, crashes the parser.
#include <gtest/gtest.h>

#include <random>

#include "kiln/caffe_parser.h"
#include "parsers/caffe/caffe_model_builder.h"

namespace kiln::test {
namespace {

const char* kConvNet = R"(
input: "data"
input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 3 kernel_size: 3 } }
layer { name: "fc" type: "InnerProduct" bottom: "conv1" top: "fc" inner_product_param { num_output: 2 } }
)";

std::vector<float> ones(size_t count) {
    return std::vector<float>(count, 1.0f);
}

CaffeWeights convNetWeights() {
    CaffeWeights weights;
    weights.layer("conv1", {{{3, 2, 3, 3}, ones(54)}, {{3}, ones(3)}});
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    return weights;
}

// The import's error message; fails the test when the import succeeds.
std::string errorOf(const std::string& prototxt, const std::string& caffemodel) {
    auto result = parseCaffeBytes(prototxt, caffemodel);
    EXPECT_FALSE(result.isOk());
    return result.isOk() ? std::string() : result.status().message();
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(CaffeParserErrors, TheWellFormedNetImports) {
    auto result = parseCaffeBytes(kConvNet, convNetWeights().bytes());
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->layers().size(), 3u);  // conv, and the inner product's flattening reshape and Gemm
}

TEST(CaffeParserErrors, TruncatedCaffemodel) {
    const std::string bytes = convNetWeights().bytes();
    const std::string message = errorOf(kConvNet, bytes.substr(0, bytes.size() - 7));
    EXPECT_HAS(message, "not a valid caffemodel");
    EXPECT_HAS(message, "truncated");
}

TEST(CaffeParserErrors, EmptyCaffemodel) {
    EXPECT_HAS(errorOf(kConvNet, ""), "the caffemodel is not a valid caffemodel: it is empty");
}

TEST(CaffeParserErrors, BlobHoldsFewerValuesThanItsShape) {
    CaffeWeights weights;
    weights.layer("conv1", {{{3, 2, 3, 3}, ones(53)}, {{3}, ones(3)}});
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    const std::string message = errorOf(kConvNet, weights.bytes());
    EXPECT_HAS(message, "layer 'conv1' (type Convolution)");
    EXPECT_HAS(message, "blob 0 (weights) of layer 'conv1' declares shape 3x2x3x3 (54 values) but holds 53");
}

TEST(CaffeParserErrors, BlobShapeThatTheParametersDoNotNeed) {
    CaffeWeights weights;
    weights.layer("conv1", {{{3, 2, 5, 5}, ones(150)}, {{3}, ones(3)}});
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    const std::string message = errorOf(kConvNet, weights.bytes());
    EXPECT_HAS(message, "blob 0 (weights) of layer 'conv1' has shape 3x2x5x5");
    EXPECT_HAS(message, "need 3x2x3x3");
    EXPECT_HAS(message, "does not belong to this prototxt");
}

TEST(CaffeParserErrors, PrototxtSyntaxErrorNamesItsLine) {
    const std::string prototxt =
        "input: \"data\"\ninput_shape { dim: 1 dim: 2 }\nlayer { name: \"relu\" type: ReLU }\n";
    const std::string message = errorOf(prototxt, CaffeWeights().bytes());
    EXPECT_HAS(message, "the prototxt is not a valid Caffe prototxt: line 3, column");
    EXPECT_HAS(message, "fix the text there");
}

// Unknown fields are skipped (deploy files carry training settings), and skipping recurses: nesting
// deeper than Caffe's messages ever do is refused instead of exhausting the stack.
TEST(CaffeParserErrors, DeeplyNestedPrototxtIsRefused) {
    std::string prototxt = "input: \"data\"\ninput_shape { dim: 1 }\n";
    for (int i = 0; i < 100000; ++i)
        prototxt += "filler { ";
    for (int i = 0; i < 100000; ++i)
        prototxt += "} ";
    const std::string message = errorOf(prototxt, CaffeWeights().bytes());
    EXPECT_HAS(message, "the prototxt is not a valid Caffe prototxt: line 3");
    EXPECT_HAS(message, "too deep");
}

TEST(CaffeParserErrors, MissingWeightsNameTheLayer) {
    CaffeWeights weights;
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    const std::string message = errorOf(kConvNet, weights.bytes());
    EXPECT_HAS(message, "layer 'conv1' (type Convolution): the caffemodel has no weights for it");
    EXPECT_HAS(message, "use the caffemodel trained with this prototxt");
}

TEST(CaffeParserErrors, WrongBlobCount) {
    CaffeWeights weights;
    weights.layer("conv1", {{{3, 2, 3, 3}, ones(54)}});
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    const std::string message = errorOf(kConvNet, weights.bytes());
    EXPECT_HAS(message, "layer 'conv1' (type Convolution): its weights in the caffemodel are 1 blob");
    EXPECT_HAS(message, "needs 2 (weights, bias)");
}

TEST(CaffeParserErrors, BottomThatNothingProduces) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 }
layer { name: "relu" type: "ReLU" bottom: "dta" top: "relu" }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'relu' (type ReLU) reads bottom 'dta', which no input or earlier layer produces");
}

TEST(CaffeParserErrors, EveryUnsupportedLayerIsListedAtOnce) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
layer { name: "prior" type: "PriorBox" bottom: "data" top: "prior" }
layer { name: "relu" type: "ReLU" bottom: "data" top: "relu" }
layer { name: "detect" type: "DetectionOutput" bottom: "prior" top: "detect" }
layer { name: "abs" type: "AbsVal" bottom: "relu" top: "abs" }
)";
    const std::string message = errorOf(prototxt, CaffeWeights().bytes());
    EXPECT_HAS(message,
               "has 3 layers of types Kiln does not support: layer 'prior' (type PriorBox), "
               "layer 'detect' (type DetectionOutput), layer 'abs' (type AbsVal)");
}

TEST(CaffeParserErrors, UnsupportedV1LayersAreNamedByTheirCurrentType) {
    const std::string prototxt = R"(
input: "data"
input_dim: 1 input_dim: 2 input_dim: 1 input_dim: 1
layers { name: "bnll" type: BNLL bottom: "data" top: "bnll" }
layers { name: "thresh" type: THRESHOLD bottom: "data" top: "thresh" }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'bnll' (type BNLL), layer 'thresh' (type Threshold)");
}

TEST(CaffeParserErrors, InputWithoutShape) {
    const std::string prototxt =
        "input: \"data\"\nlayer { name: \"relu\" type: \"ReLU\" bottom: \"data\" top: \"relu\" }\n";
    const std::string message = errorOf(prototxt, CaffeWeights().bytes());
    EXPECT_HAS(message, "declares 1 input but 0 input_shape and 0 input_dim entries");
    EXPECT_HAS(message, "give one input_shape per input");
}

TEST(CaffeParserErrors, InputWithNegativeExtent) {
    const std::string prototxt =
        "input: \"data\"\ninput_shape { dim: 1 dim: -3 }\n"
        "layer { name: \"relu\" type: \"ReLU\" bottom: \"data\" top: \"relu\" }\n";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()), "input 'data' has dimension 1 of -3");
}

TEST(CaffeParserErrors, PoolingPadNotSmallerThanItsWindow) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 1 dim: 4 dim: 4 }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { kernel_size: 2 pad: 2 } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'pool' (type Pooling): the pad 2,2 is not smaller than the window 2,2");
}

TEST(CaffeParserErrors, PoolingWhoseLastWindowPoolsNothing) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 1 dim: 5 dim: 5 }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { kernel_size: 1 stride: 3 } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "Caffe's last window starts past the end of the input");
}

TEST(CaffeParserErrors, LrnWithinChannelsWiderThanTheInput) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 1 dim: 4 dim: 3 }
layer { name: "lrn" type: "LRN" bottom: "data" top: "lrn" lrn_param { local_size: 4001 norm_region: WITHIN_CHANNEL } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'lrn' (type LRN): lrn_param.local_size 4001 spans more than twice the input 1x1x4x3");
}

TEST(CaffeParserErrors, BatchNormWithBatchStatistics) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" batch_norm_param { use_global_stats: false } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'bn' (type BatchNorm): batch_norm_param.use_global_stats is false");
}

TEST(CaffeParserErrors, FoldedScaleWithTheWrongBlobCount) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" }
layer { name: "sc" type: "Scale" bottom: "bn" top: "bn" scale_param { bias_term: true } }
)";
    CaffeWeights weights;
    weights.layer("bn", {{{2}, ones(2)}, {{2}, ones(2)}, {{1}, ones(1)}}).layer("sc", {{{2}, ones(2)}});
    EXPECT_HAS(errorOf(prototxt, weights.bytes()),
               "its Scale layer 'sc' has 1 blob in the caffemodel; it needs 2 (scale, bias)");
}

TEST(CaffeParserErrors, EltwiseCoefficientsOfTheWrongCount) {
    const std::string prototxt = R"(
input: "a"
input_shape { dim: 1 dim: 2 }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "a" top: "sum" eltwise_param { coeff: 1 } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "eltwise_param.coeff has 1 values; give one per bottom (2)");
}

TEST(CaffeParserErrors, ReshapeWithTwoInferredExtents) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 2 dim: 6 }
layer { name: "r" type: "Reshape" bottom: "data" top: "r" reshape_param { shape { dim: -1 dim: -1 } } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "layer 'r' (type Reshape): reshape_param.shape has more than one -1");
}

TEST(CaffeParserErrors, SlicePointsThatDoNotMatchTheTops) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 6 }
layer { name: "s" type: "Slice" bottom: "data" top: "a" top: "b" slice_param { slice_point: 2 slice_point: 4 } }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "slice_param.slice_point has 2 values; with 2 tops it needs 1");
}

TEST(CaffeParserErrors, LayersInBothForms) {
    const std::string prototxt = R"(
input: "data"
input_shape { dim: 1 dim: 2 }
layer { name: "a" type: "ReLU" bottom: "data" top: "a" }
layers { name: "b" type: RELU bottom: "data" top: "b" }
)";
    EXPECT_HAS(errorOf(prototxt, CaffeWeights().bytes()),
               "has layers in both the current form ('layer') and the V1 form");
}

TEST(CaffeParserErrors, HugeDeclaredBlobShapeIsRefusedWithoutAllocating) {
    CaffeWeights weights;
    weights.layer("conv1", {{{int64_t(1) << 40, int64_t(1) << 40}, ones(4)}, {{3}, ones(3)}});
    weights.layer("fc", {{{2, 12}, ones(24)}, {{2}, ones(2)}});
    EXPECT_HAS(errorOf(kConvNet, weights.bytes()),
               "blob 0 (weights) of layer 'conv1' has shape 1099511627776x1099511627776");
}

TEST(CaffeParserErrors, MissingFilesAreNamed) {
    TempFolder folder("kiln_caffe_missing");
    const std::string prototxt = folder.write("net.prototxt", kConvNet);
    auto result = parseCaffeFiles(prototxt, folder.path("absent.caffemodel"));
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::NotFound);
    EXPECT_HAS(result.status().message(), "absent.caffemodel");
}

TEST(CaffeParserErrors, APrototxtGivenAsTheWeights) {
    TempFolder folder("kiln_caffe_swapped");
    const std::string prototxt = folder.write("net.prototxt", kConvNet);
    auto result = parseCaffeFiles(prototxt, prototxt);
    ASSERT_FALSE(result.isOk());
    EXPECT_HAS(result.status().message(), "net.prototxt' is not a valid caffemodel");
    EXPECT_HAS(result.status().message(), "the weights are the binary .caffemodel");
}

// Every prefix of a caffemodel, and copies with random bytes changed, either import or are refused;
// none crashes (under the sanitizers: none reads out of bounds).
TEST(CaffeParserErrors, DamagedCaffemodelsNeverCrash) {
    const std::string bytes = convNetWeights().bytes();
    int refused = 0;
    for (size_t length = 0; length < bytes.size(); ++length) {
        refused += parseCaffeBytes(kConvNet, bytes.substr(0, length)).isOk() ? 0 : 1;
    }
    EXPECT_EQ(refused, static_cast<int>(bytes.size()));  // every cut loses weights or breaks the encoding
    std::mt19937 random(7);
    for (int trial = 0; trial < 300; ++trial) {
        std::string damaged = bytes;
        for (int k = 0; k < 3; ++k)
            damaged[random() % damaged.size()] = static_cast<char>(random() & 0xff);
        (void)parseCaffeBytes(kConvNet, damaged);
    }
}

}  // namespace
}  // namespace kiln::test
