// Calibration: thresholds of the four algorithms on distributions whose answers are known (a sorted
// sample gives the percentile; min-max is the largest value), scales of a whole network against the
// reference executor's activations, the cache's round trip and refusals, and every kind of bad data.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/calibration.h"
#include "kiln/npy.h"

#include <stb/stb_image_write.h>

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

ActivationHistogram histogramOf(const std::vector<double>& magnitudes, int bins = 2048) {
    ActivationHistogram h;
    h.maxAbs = *std::max_element(magnitudes.begin(), magnitudes.end());
    h.counts.assign(size_t(bins), 0.0);
    for (double m : magnitudes) h.counts[size_t(std::min<int64_t>(int64_t(m / h.maxAbs * bins), bins - 1))] += 1.0;
    return h;
}

double threshold(const ActivationHistogram& h, CalibrationAlgorithm algorithm, double percentile = 99.99) {
    CalibrationOptions options;
    options.algorithm = algorithm;
    options.percentile = percentile;
    return calibrationThreshold(h, options);
}

TEST(Calibration, ThresholdsOfAGaussianWithOutliers) {
    std::mt19937 rng(1);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> magnitudes;
    for (int i = 0; i < 400000; ++i) magnitudes.push_back(std::fabs(normal(rng)));
    for (int i = 0; i < 10; ++i) magnitudes.push_back(100.0);  // a few outliers far out
    const ActivationHistogram h = histogramOf(magnitudes);
    EXPECT_DOUBLE_EQ(threshold(h, CalibrationAlgorithm::MinMax), 100.0);
    // The percentile equals the sorted sample's, within one bin.
    std::vector<double> sorted = magnitudes;
    std::sort(sorted.begin(), sorted.end());
    const double exact = sorted[size_t(std::ceil(0.999 * double(sorted.size()))) - 1];
    EXPECT_NEAR(threshold(h, CalibrationAlgorithm::Percentile, 99.9), exact, h.binWidth());
    // Entropy clips the outliers: a threshold a few standard deviations out.
    const double entropy = threshold(h, CalibrationAlgorithm::Entropy);
    EXPECT_GT(entropy, 2.0);
    EXPECT_LT(entropy, 10.0);
    // Least squares weighs the outliers' clipping error against everyone's rounding error: its
    // threshold must be the best of a grid when the samples themselves are quantized with it.
    auto quantizationError = [&](double t) {
        const double step = t / 127.0;
        double sum = 0.0;
        for (double m : magnitudes) {
            const double q = std::min(std::round(m / step), 127.0) * step;
            sum += (m - q) * (m - q);
        }
        return sum;
    };
    const double mse = threshold(h, CalibrationAlgorithm::Mse);
    double best = INFINITY;
    for (double t = 1.0; t <= 100.0; t += 0.5) best = std::min(best, quantizationError(t));
    EXPECT_LE(quantizationError(mse), 1.05 * best) << "threshold " << mse;
}

// A ReLU's output: half exact zeros, half the magnitudes of a Gaussian. The zeros quantize without
// error whatever the threshold; entropy must judge the threshold by the positive values and keep their
// bulk (the 99th percentile of a half-normal is 2.58 standard deviations), not clip at a fraction of it.
TEST(Calibration, EntropyOfAReluOutputIsNotDrawnInByItsZeros) {
    std::mt19937 rng(2);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> magnitudes(200000, 0.0);
    for (int i = 0; i < 200000; ++i) magnitudes.push_back(std::fabs(normal(rng)));
    const ActivationHistogram h = histogramOf(magnitudes);
    const double entropy = threshold(h, CalibrationAlgorithm::Entropy);
    EXPECT_GT(entropy, 2.58) << "max " << h.maxAbs;
    EXPECT_LE(entropy, h.maxAbs);
}

TEST(Calibration, UniformDataKeepsNearlyItsWholeRange) {
    std::vector<double> magnitudes;
    for (int i = 0; i < 200000; ++i) magnitudes.push_back((i + 0.5) / 200000.0);
    const ActivationHistogram h = histogramOf(magnitudes);
    // Nothing is an outlier: clipping any part of a uniform distribution costs more than it saves.
    EXPECT_GT(threshold(h, CalibrationAlgorithm::Mse), 0.95);
    EXPECT_GT(threshold(h, CalibrationAlgorithm::Entropy), 0.9);
    EXPECT_NEAR(threshold(h, CalibrationAlgorithm::Percentile, 50.0), 0.5, h.binWidth());
}

TEST(Calibration, AllZeroTensorHasNoThreshold) {
    ActivationHistogram h;
    h.counts.assign(2048, 0.0);
    h.counts[0] = 100.0;
    EXPECT_EQ(threshold(h, CalibrationAlgorithm::Entropy), 0.0);
}

// Thresholds at the ends of the float range: one whose step (threshold / 127) is no normal float gives
// no scale, as an all-zero tensor does; one at the largest float takes the largest scale whose range is
// finite, which every reader of scales accepts.
TEST(Calibration, ScalesStayWithinTheInt8Limits) {
    ActivationHistogram largest, tiny;
    largest.maxAbs = double(std::numeric_limits<float>::max());
    largest.counts.assign(16, 0.0);
    largest.counts[15] = 1.0;
    tiny = largest;
    tiny.maxAbs = 1e-37;
    CalibrationOptions options;
    options.algorithm = CalibrationAlgorithm::MinMax;
    const CalibrationTable table = calibrationTableOf({{"largest", largest}, {"tiny", tiny}}, options, "p", "m", 1);
    ASSERT_EQ(table.scales.size(), 1u);
    EXPECT_EQ(table.unscaled, std::vector<std::string>{"tiny"});
    EXPECT_EQ(table.scales.at("largest"), 2.67938839e+36f);
    EXPECT_TRUE(isInt8Range(127.0f * table.scales.at("largest")));
    EXPECT_FALSE(isInt8Scale(std::nextafter(2.67938839e+36f, INFINITY)));
    EXPECT_TRUE(isInt8Scale(std::numeric_limits<float>::min()));
    EXPECT_FALSE(isInt8Scale(std::nextafter(std::numeric_limits<float>::min(), 0.0f)));
    EXPECT_EQ(int8RangeLimits(), "1.49287783e-36 to 3.40282326e+38");
}

class CalibrationData : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "kiln_calibration_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
    }
    void TearDown() override {
        std::error_code error;
        fs::remove_all(m_dir, error);
    }
    std::string write(const std::string& name, const HostTensor& tensor) {
        const std::string path = (m_dir / name).string();
        EXPECT_TRUE(writeNpy(path, tensor).isOk());
        return path;
    }
    std::string message(const std::string& path, const Dims& dims = {2, 3, 4, 4}) {
        auto data = npyCalibrationData(path, "x", DataType::Float32, dims);
        return data.isOk() ? std::string() : data.status().message();
    }
    fs::path m_dir;
};

TEST_F(CalibrationData, BadDataIsRefusedNamingTheFile) {
    EXPECT_NE(message((m_dir / "missing").string()).find("does not exist"), std::string::npos);
    fs::create_directories(m_dir / "empty");
    EXPECT_NE(message((m_dir / "empty").string()).find("holds no .npy file"), std::string::npos);
    const std::string shape = write("shape.npy", randomTensor({2, 3, 5, 4}, 1));
    EXPECT_NE(message(shape).find("has shape 2x3x5x4"), std::string::npos) << message(shape);
    const std::string few = write("few.npy", randomTensor({1, 3, 4, 4}, 1));
    EXPECT_NE(message(few).find("1 samples, fewer than one batch of 2"), std::string::npos) << message(few);
    const std::string ints = write("ints.npy", HostTensor(DataType::Int32, {2, 3, 4, 4}));
    EXPECT_NE(message(ints).find("holds INT32 values"), std::string::npos) << message(ints);
    HostTensor withNan = randomTensor({2, 3, 4, 4}, 1);
    withNan.data<float>()[17] = std::nanf("");
    const std::string nan = write("nan.npy", withNan);
    EXPECT_NE(message(nan).find("NaN at element 17"), std::string::npos) << message(nan);
    HostTensor withInf = randomTensor({2, 3, 4, 4}, 1);
    withInf.data<float>()[3] = INFINITY;
    EXPECT_NE(message(write("inf.npy", withInf)).find("an infinity at element 3"), std::string::npos);
    std::ofstream(m_dir / "broken.npy") << "not an npy file";
    EXPECT_NE(message((m_dir / "broken.npy").string()).find("broken.npy"), std::string::npos);
}

// input x [2,3,4,4] -> conv (8) -> relu -> output. Min-max scales are the activations' largest
// magnitudes over every batch divided by 127, which the reference executor gives independently.
TEST_F(CalibrationData, MinMaxScalesAreTheLargestMagnitudesOverAllBatches) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {2, 3, 4, 4}).value();
    Layer* conv = addConv(network, "conv", x, 8, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv->output(0)});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    fs::create_directories(m_dir / "batches");
    std::vector<HostTensor> batches;
    for (uint32_t i = 0; i < 3; ++i) {
        batches.push_back(randomTensor({2, 3, 4, 4}, 10 + i, -3.0f, 3.0f));
        write("batches/b" + std::to_string(i) + ".npy", batches.back());
    }
    auto data = npyCalibrationData((m_dir / "batches").string(), "x", DataType::Float32, {2, 3, 4, 4});
    ASSERT_TRUE(data.isOk()) << data.status().message();
    EXPECT_EQ(data.value()->batchCount(), 3);
    BuilderConfig config;
    config.enableFusion = false;  // every tensor of the network exists in the engine
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk());
    CalibrationOptions options;
    options.algorithm = CalibrationAlgorithm::MinMax;
    int calls = 0;
    auto table = calibrate(*engine.value(), *data.value(), options, "hash", [&calls](int, int) { return ++calls < 0; });
    ASSERT_TRUE(table.isOk()) << table.status().message();
    EXPECT_EQ(calls, 6);  // two passes of three batches
    std::map<std::string, double> largest;
    for (const HostTensor& batch : batches) {
        auto all = ReferenceExecutor(network).execute({{"x", batch}});
        ASSERT_TRUE(all.isOk());
        const HostTensor& out = all->at("relu.out");
        for (int64_t i = 0; i < out.elementCount(); ++i) {
            largest["relu.out"] = std::max(largest["relu.out"], double(std::fabs(out.data<float>()[i])));
        }
    }
    ASSERT_TRUE(table->scales.count("relu.out"));
    ASSERT_TRUE(table->scales.count("conv.out"));
    EXPECT_FLOAT_EQ(table->scales.at("relu.out"), float(largest["relu.out"] / 127.0));
    // The network input has a scale too (an INT8 build quantizes it for the first convolution).
    double largestInput = 0.0;
    for (const HostTensor& batch : batches) {
        for (int64_t i = 0; i < batch.elementCount(); ++i) {
            largestInput = std::max(largestInput, double(std::fabs(batch.data<float>()[i])));
        }
    }
    ASSERT_TRUE(table->scales.count("x"));
    EXPECT_FLOAT_EQ(table->scales.at("x"), float(largestInput / 127.0));
    EXPECT_EQ(table->batches, 3);
    EXPECT_NE(table->preprocessing.find("3 of 2x3x4x4"), std::string::npos) << table->preprocessing;

    // Cancelling stops at once.
    auto cancelled = calibrate(*engine.value(), *data.value(), options, "hash", [](int, int) { return true; });
    ASSERT_FALSE(cancelled.isOk());
    EXPECT_EQ(cancelled.status().code(), StatusCode::Cancelled);

    // The cache round trip keeps every field; a mismatch says what differs.
    const std::string cache = (m_dir / "calib.cache").string();
    ASSERT_TRUE(writeCalibrationCache(cache, *table).isOk());
    auto read = readCalibrationCache(cache);
    ASSERT_TRUE(read.isOk()) << read.status().message();
    EXPECT_EQ(read->scales, table->scales);
    EXPECT_EQ(read->preprocessing, table->preprocessing);
    EXPECT_EQ(calibrationCacheMismatch(*read, CalibrationAlgorithm::MinMax, table->preprocessing, "hash"), "");
    EXPECT_NE(calibrationCacheMismatch(*read, CalibrationAlgorithm::Entropy, table->preprocessing, "hash")
                  .find("made with minmax, not entropy"),
              std::string::npos);
    EXPECT_NE(calibrationCacheMismatch(*read, CalibrationAlgorithm::MinMax, table->preprocessing, "other")
                  .find("another model"),
              std::string::npos);
}

TEST_F(CalibrationData, DamagedCachesAreRefusedWithTheLine) {
    auto refusal = [&](const std::string& text) {
        const std::string path = (m_dir / "cache").string();
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        auto table = readCalibrationCache(path);
        return table.isOk() ? std::string() : table.status().message();
    };
    const std::string header = "kiln-calibration 1\nalgorithm: entropy\npreprocessing: p\nmodel: m\nbatches: 2\n";
    EXPECT_NE(refusal("TRT-8601-EntropyCalibration2\n").find("not a Kiln calibration cache"), std::string::npos);
    EXPECT_NE(refusal("").find("not a Kiln calibration cache"), std::string::npos);
    EXPECT_NE(refusal("kiln-calibration 1\nalgorithm: entropy\n").find("truncated or damaged at line 3"), std::string::npos);
    EXPECT_NE(refusal(header).find("holds no scales"), std::string::npos);
    EXPECT_NE(refusal(header + "a: 0.5\nb: -1\n").find("line 7"), std::string::npos);
    EXPECT_NE(refusal(header + "a: nan\n").find("line 6"), std::string::npos);
    EXPECT_NE(refusal(header + "a: 0.5x\n").find("line 6"), std::string::npos);
    // A finite scale whose range, 127 × scale, is not: 3e38 × 127 overflows a float.
    EXPECT_NE(refusal(header + "a: 0.5\nb: 3e38\n").find("line 7 ('b: 3e38'): the scale is too large"),
              std::string::npos);
    EXPECT_EQ(refusal(header + "b: 2.67938839e+36\n"), "");  // the largest scale with a finite range
    // A scale below the smallest normal float (1.17549435e-38) is no step between values.
    EXPECT_NE(refusal(header + "b: 1e-39\n").find("line 6 ('b: 1e-39'): the scale is too small"), std::string::npos);
    // Beyond a float's range: told apart from text that is no number.
    EXPECT_NE(refusal(header + "b: 1e39\n").find("the scale is too large (INT8 ranges, 127 x scale, go from "
                                                 "1.49287783e-36 to 3.40282326e+38)"),
              std::string::npos);
    EXPECT_NE(refusal(header + "b: 1e-50\n").find("the scale is too small"), std::string::npos);
    EXPECT_EQ(refusal(header + "b: 1.17549435e-38\n"), "");
    EXPECT_NE(refusal("kiln-calibration 1\nalgorithm: magic\npreprocessing: p\nmodel: m\nbatches: 2\na: 1\n")
                  .find("'magic' is no calibration algorithm"),
              std::string::npos);
    EXPECT_EQ(refusal(header + "scope:name: 0.25\n"), "");  // names may hold colons
}

// A PNG of one colour everywhere but a 1-pixel border, written with stb_image_write.
void writeImage(const fs::path& path, int width, int height, const unsigned char rgb[3]) {
    std::vector<unsigned char> pixels(size_t(width) * size_t(height) * 3);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = rgb[i % 3];
    ASSERT_NE(stbi_write_png(path.string().c_str(), width, height, 3, pixels.data(), width * 3), 0);
}

TEST_F(CalibrationData, ImagesAreCroppedNormalizedAndOrdered) {
    fs::create_directories(m_dir / "images");
    const unsigned char colours[3][3] = {{255, 0, 51}, {0, 102, 255}, {10, 20, 30}};
    for (int i = 0; i < 3; ++i) writeImage(m_dir / "images" / ("img" + std::to_string(i) + ".png"), 40, 30, colours[i]);
    std::ofstream(m_dir / "images" / "notes.txt") << "not an image";
    ImagePreprocessing preprocessing;
    preprocessing.mean[0] = 0.5f;
    preprocessing.std[2] = 0.5f;
    auto data = imageCalibrationData((m_dir / "images").string(), "x", {2, 3, 16, 16}, preprocessing);
    ASSERT_TRUE(data.isOk()) << data.status().message();
    EXPECT_EQ(data.value()->batchCount(), 1);  // the third image does not fill a batch
    EXPECT_NE(data.value()->preprocessing().find("mean 0.5,0,0"), std::string::npos) << data.value()->preprocessing();
    auto batch = data.value()->batch(0);
    ASSERT_TRUE(batch.isOk()) << batch.status().message();
    const HostTensor& x = batch->at("x");
    ASSERT_EQ(x.dims(), (Dims{2, 3, 16, 16}));
    auto at = [&](int64_t n, int64_t c, int64_t y, int64_t w) { return x.data<float>()[((n * 3 + c) * 16 + y) * 16 + w]; };
    // img0 is (255, 0, 51): R (1 - 0.5) / 1, G 0, B 0.2 / 0.5.
    EXPECT_FLOAT_EQ(at(0, 0, 8, 8), 0.5f);
    EXPECT_FLOAT_EQ(at(0, 1, 0, 0), 0.0f);
    EXPECT_FLOAT_EQ(at(0, 2, 15, 15), 0.4f);
    EXPECT_FLOAT_EQ(at(1, 2, 3, 4), 2.0f);

    preprocessing = ImagePreprocessing{};
    preprocessing.bgr = true;
    preprocessing.nhwc = true;
    auto bgr = imageCalibrationData((m_dir / "images").string(), "x", {1, 8, 8, 3}, preprocessing);
    ASSERT_TRUE(bgr.isOk());
    EXPECT_EQ(bgr.value()->batchCount(), 3);
    const HostTensor first = bgr.value()->batch(0).value().at("x");
    EXPECT_FLOAT_EQ(first.data<float>()[0], 0.2f);  // B first
    EXPECT_FLOAT_EQ(first.data<float>()[2], 1.0f);  // R last

    auto gray = imageCalibrationData((m_dir / "images").string(), "x", {1, 1, 8, 8}, ImagePreprocessing{});
    ASSERT_TRUE(gray.isOk());
    EXPECT_FLOAT_EQ(gray.value()->batch(2).value().at("x").data<float>()[0], 20.0f / 255.0f);
}

TEST_F(CalibrationData, BadImageFoldersAreRefused) {
    fs::create_directories(m_dir / "none");
    auto empty = imageCalibrationData((m_dir / "none").string(), "x", {1, 3, 8, 8}, ImagePreprocessing{});
    ASSERT_FALSE(empty.isOk());
    EXPECT_NE(empty.status().message().find("holds no image"), std::string::npos);
    fs::create_directories(m_dir / "few");
    const unsigned char grey[3] = {128, 128, 128};
    writeImage(m_dir / "few" / "a.png", 8, 8, grey);
    auto few = imageCalibrationData((m_dir / "few").string(), "x", {4, 3, 8, 8}, ImagePreprocessing{});
    ASSERT_FALSE(few.isOk());
    EXPECT_NE(few.status().message().find("1 images, fewer than one batch of 4"), std::string::npos);
    std::ofstream(m_dir / "few" / "b.jpg") << "this is no JPEG";
    auto broken = imageCalibrationData((m_dir / "few").string(), "x", {1, 3, 8, 8}, ImagePreprocessing{});
    ASSERT_FALSE(broken.isOk());
    EXPECT_NE(broken.status().message().find("b.jpg' cannot be decoded"), std::string::npos) << broken.status().message();
    auto channels = imageCalibrationData((m_dir / "few").string(), "x", {1, 4, 8, 8}, ImagePreprocessing{});
    ASSERT_FALSE(channels.isOk());
    EXPECT_NE(channels.status().message().find("1 or 3 channels"), std::string::npos);
}

}  // namespace
}  // namespace kiln::test
