// Builds with a timing cache: the first build times every executed layer and writes the cache, the
// second takes every choice from it without timing and chooses the same tactics; a damaged cache is
// reported, ignored and replaced.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "plan/plan_format.h"
#include "runtime/compiled_kernels.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

// input [batch,3,16,16] -> conv 3x3 (32) + relu -> max pool 2x2 -> conv 1x1 (16) -> global average pool
// -> output
NetworkDefinition smallCnn(int64_t batch = 1) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {batch, 3, 16, 16}).value();
    Tensor* w1 = network.addConstant("w1", randomTensor({32, 3, 3, 3}, 1)).value();
    Tensor* b1 = network.addConstant("b1", randomTensor({32}, 2)).value();
    Tensor* w2 = network.addConstant("w2", randomTensor({16, 32, 1, 1}, 3)).value();
    Tensor* c1 = network.addLayer("conv1", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1}, {x, w1, b1}, {"c1"})
                     .value()->output(0);
    Tensor* r1 = network.addLayer("relu1", ActivationParams{ActivationType::Relu}, {c1}, {"r1"}).value()->output(0);
    Tensor* p1 = network.addLayer("pool1", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                                  {r1}, {"p1"}).value()->output(0);
    Tensor* c2 = network.addLayer("conv2", ConvolutionParams{{1, 1}, {0, 0, 0, 0}, {1, 1}, 1}, {p1, w2}, {"c2"})
                     .value()->output(0);
    Tensor* y = network.addLayer("gap", PoolingParams{PoolingType::Average, {8, 8}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
                                 {c2}, {"y"}).value()->output(0);
    EXPECT_TRUE(network.markOutput(y).isOk());
    return network;
}

class BuilderTiming : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kiln-builder-timing-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
        m_config.timingCachePath = (m_dir / "model.timing").string();
        m_config.timingIterations = 2;
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::shared_ptr<Engine> build() {
        auto engine = Builder::build(m_network, m_config);
        EXPECT_TRUE(engine.isOk()) << engine.status().message();
        return engine.isOk() ? *engine : nullptr;
    }

    static int executedLayers(const BuildReport& report) {
        return int(std::count_if(report.layersAfter.begin(), report.layersAfter.end(),
                                 [](const LayerRecord& record) { return !record.elided; }));
    }

    static std::vector<std::string> tactics(const BuildReport& report) {
        std::vector<std::string> ids;
        for (const LayerRecord& record : report.layersAfter) ids.push_back(record.tactic);
        return ids;
    }

    fs::path m_dir;
    NetworkDefinition m_network = smallCnn();
    BuilderConfig m_config;
};

TEST_F(BuilderTiming, AWarmCacheSkipsTimingAndChoosesTheSameTactics) {
    const auto cold = build();
    ASSERT_TRUE(cold);
    const BuildReport& first = cold->report();
    EXPECT_EQ(first.timingCacheHits, 0);
    EXPECT_EQ(first.timingCacheMisses, executedLayers(first));
    EXPECT_GT(first.timingMilliseconds, 0.0);
    EXPECT_TRUE(first.warnings.empty());
    ASSERT_TRUE(fs::exists(m_config.timingCachePath));

    const auto warm = build();
    ASSERT_TRUE(warm);
    const BuildReport& second = warm->report();
    EXPECT_EQ(second.timingCacheHits, executedLayers(second));
    EXPECT_EQ(second.timingCacheMisses, 0);
    EXPECT_EQ(second.timingMilliseconds, 0.0);
    EXPECT_EQ(tactics(second), tactics(first));
    for (const LayerRecord& record : second.layersAfter) {
        if (record.elided) continue;
        EXPECT_TRUE(record.timingFromCache) << record.name;
        EXPECT_FALSE(record.timingReused) << record.name;  // from the file, not from another layer
        EXPECT_FALSE(record.candidates.empty()) << record.name;
    }

    // Both engines compute the same outputs.
    const HostTensor input = randomTensor({1, 3, 16, 16}, 7);
    auto run = [&](const std::shared_ptr<Engine>& engine) {
        auto context = engine->createExecutionContext();
        EXPECT_TRUE(context.isOk()) << context.status().message();
        auto outputs = (*context)->execute({{"x", input}});
        EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
        return outputs->at("y");
    };
    EXPECT_EQ(compareTensors(run(warm), run(cold), 0.0, 0.0), "");
}

// A direct 3x3 convolution with padding 1 over [1, C, H, W], for checking layers that share timings.
HostTensor convolve3x3(const HostTensor& x, const HostTensor& w) {
    const Dims& d = x.dims();
    const int64_t channels = d[1], height = d[2], width = d[3], filters = w.dims()[0];
    HostTensor y(DataType::Float32, {1, filters, height, width});
    for (int64_t k = 0; k < filters; ++k) {
        for (int64_t i = 0; i < height; ++i) {
            for (int64_t j = 0; j < width; ++j) {
                double sum = 0.0;
                for (int64_t c = 0; c < channels; ++c) {
                    for (int64_t u = 0; u < 3; ++u) {
                        for (int64_t v = 0; v < 3; ++v) {
                            const int64_t row = i + u - 1, column = j + v - 1;
                            if (row < 0 || row >= height || column < 0 || column >= width) continue;
                            sum += double(x.data<float>()[(c * height + row) * width + column]) *
                                   w.data<float>()[((k * channels + c) * 3 + u) * 3 + v];
                        }
                    }
                }
                y.data<float>()[(k * height + i) * width + j] = float(sum);
            }
        }
    }
    return y;
}

TEST(BuilderTimingReuse, IdenticalLayersAreTimedOnceEvenWithoutACacheFile) {
    // Two convolutions of the same shape with different weights, then a different one. A 1x1 convolution
    // comes first so that both read their input in the format convolutions write (a network input stays
    // linear, which some machines' kernels read directly: a layer reading it would differ in format).
    NetworkDefinition network;
    Tensor* networkInput = network.addInput("x", DataType::Float32, {1, 8, 12, 12}).value();
    const HostTensor wp = randomTensor({8, 8, 1, 1}, 10);
    Tensor* x = network.addLayer("p", ConvolutionParams{{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, std::nullopt},
                                 {networkInput, network.addConstant("wp", wp).value()}, {"yp"}).value()->output(0);
    const HostTensor wa = randomTensor({8, 8, 3, 3}, 11);
    const HostTensor wb = randomTensor({8, 8, 3, 3}, 12);
    const HostTensor wc = randomTensor({4, 8, 3, 3}, 13);
    Tensor* a = network.addLayer("a", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
                                 {x, network.addConstant("wa", wa).value()}, {"ya"}).value()->output(0);
    Tensor* b = network.addLayer("b", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
                                 {a, network.addConstant("wb", wb).value()}, {"yb"}).value()->output(0);
    Tensor* c = network.addLayer("c", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
                                 {b, network.addConstant("wc", wc).value()}, {"yc"}).value()->output(0);
    ASSERT_TRUE(network.markOutput(c).isOk());
    BuilderConfig config;
    config.timingIterations = 2;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const BuildReport& report = (*engine)->report();
    EXPECT_EQ(report.timingCacheHits, 0);
    EXPECT_EQ(report.timingReuses, 1);
    const auto record = [&](const std::string& name) -> const LayerRecord* {
        for (const LayerRecord& layer : report.layersAfter) {
            if (layer.name == name) return &layer;
        }
        return nullptr;
    };
    ASSERT_TRUE(record("a") && record("b") && record("c"));
    EXPECT_FALSE(record("a")->timingFromCache);
    EXPECT_TRUE(record("b")->timingFromCache);
    EXPECT_TRUE(record("b")->timingReused);
    EXPECT_FALSE(record("c")->timingFromCache);
    EXPECT_FALSE(record("c")->timingReused);
    EXPECT_EQ(record("b")->tactic, record("a")->tactic);
    ASSERT_EQ(record("b")->candidates.size(), record("a")->candidates.size());
    for (size_t i = 0; i < record("a")->candidates.size(); ++i) {
        EXPECT_EQ(record("b")->candidates[i].tactic, record("a")->candidates[i].tactic);
        EXPECT_EQ(record("b")->candidates[i].milliseconds, record("a")->candidates[i].milliseconds);
    }

    // A plan keeps which layer took another's timings.
    auto plan = serializePlan(**engine);
    ASSERT_TRUE(plan.isOk()) << plan.status().message();
    auto loaded = deserializePlan(*plan);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ((*loaded)->report().timingReuses, 1);
    for (const LayerRecord& layer : (*loaded)->report().layersAfter) {
        if (layer.name == "a" || layer.name == "b") EXPECT_EQ(layer.timingReused, layer.name == "b") << layer.name;
    }

    // The layer that took the timings runs with its own weights.
    const HostTensor input = randomTensor({1, 8, 12, 12}, 14);
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    auto outputs = (*context)->execute({{"x", input}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    HostTensor mixed(DataType::Float32, input.dims());  // the 1x1 convolution p
    for (int64_t k = 0; k < 8; ++k) {
        for (int64_t at = 0; at < 144; ++at) {
            double sum = 0.0;
            for (int64_t c = 0; c < 8; ++c) sum += double(input.data<float>()[c * 144 + at]) * wp.data<float>()[k * 8 + c];
            mixed.data<float>()[k * 144 + at] = float(sum);
        }
    }
    const HostTensor expected = convolve3x3(convolve3x3(convolve3x3(mixed, wa), wb), wc);
    // FP32 sums of 72 products per layer in another order: rounding errors scale with the magnitude of
    // the sums, so the absolute tolerance is relative to the largest output.
    float largest = 0.0f;
    for (int64_t i = 0; i < expected.elementCount(); ++i) largest = std::max(largest, std::abs(expected.data<float>()[i]));
    EXPECT_EQ(compareTensors(outputs->at("yc"), expected, 1e-4, 1e-5 * largest), "");
}

TEST_F(BuilderTiming, ADamagedCacheIsReportedIgnoredAndReplaced) {
    ASSERT_TRUE(build());
    std::string bytes;
    {
        std::ifstream in(m_config.timingCachePath, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x5a);
    std::ofstream(m_config.timingCachePath, std::ios::binary | std::ios::trunc) << bytes;

    const auto rebuilt = build();
    ASSERT_TRUE(rebuilt);
    ASSERT_EQ(rebuilt->report().warnings.size(), 1u);
    EXPECT_NE(rebuilt->report().warnings[0].find("corrupt"), std::string::npos) << rebuilt->report().warnings[0];
    EXPECT_EQ(rebuilt->report().timingCacheHits, 0);

    const auto warm = build();
    ASSERT_TRUE(warm);
    EXPECT_TRUE(warm->report().warnings.empty());
    EXPECT_EQ(warm->report().timingCacheMisses, 0);
}

TEST_F(BuilderTiming, PlansKeepFormatsTacticsAndCandidates) {
    const auto engine = build();
    ASSERT_TRUE(engine);
    auto bytes = serializePlan(*engine);
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ(tactics((*loaded)->report()), tactics(engine->report()));
    const auto& before = engine->network().tensors();
    for (const auto& tensor : before) {
        const Tensor* other = (*loaded)->network().findTensor(tensor->name());
        ASSERT_NE(other, nullptr) << tensor->name();
        EXPECT_EQ(other->format().channelBlock, tensor->format().channelBlock) << tensor->name();
    }
    for (size_t i = 0; i < engine->report().layersAfter.size(); ++i) {
        const LayerRecord& a = engine->report().layersAfter[i];
        const LayerRecord& b = (*loaded)->report().layersAfter[i];
        ASSERT_EQ(a.candidates.size(), b.candidates.size()) << a.name;
        EXPECT_EQ(a.outputFormats, b.outputFormats) << a.name;
        for (size_t c = 0; c < a.candidates.size(); ++c) {
            EXPECT_EQ(a.candidates[c].tactic, b.candidates[c].tactic);
            EXPECT_EQ(a.candidates[c].milliseconds, b.candidates[c].milliseconds);
            EXPECT_EQ(a.candidates[c].chosen, b.candidates[c].chosen);
        }
    }
    // Constants that every reader's kernel replaces with prepared weights are stored as shapes only.
    auto text = planBodyAsText(*bytes);
    ASSERT_TRUE(text.isOk()) << text.status().message();
    size_t expectedOmitted = 0;
    for (const auto& tensor : engine->network().tensors()) {
        if (!tensor->isConstant()) continue;
        bool replaced = true;
        for (size_t i = 0; i < engine->network().layers().size(); ++i) {
            const Layer& layer = *engine->network().layers()[i];
            for (size_t index = 0; index < layer.inputs().size(); ++index) {
                if (layer.input(index) != tensor.get()) continue;
                const tactics::Kernel* kernel = engine->kernels().layers[i].kernel.get();
                replaced = replaced && kernel && !kernel->readsInput(index);
            }
        }
        expectedOmitted += replaced ? 1 : 0;
    }
    size_t omitted = 0;
    for (size_t at = text->find("omitted: true"); at != std::string::npos; at = text->find("omitted: true", at + 1)) {
        ++omitted;
    }
    EXPECT_EQ(omitted, expectedOmitted);

    const HostTensor input = randomTensor({1, 3, 16, 16}, 9);
    auto a = engine->createExecutionContext().value()->execute({{"x", input}});
    auto b = (*loaded)->createExecutionContext().value()->execute({{"x", input}});
    ASSERT_TRUE(a.isOk() && b.isOk());
    EXPECT_EQ(compareTensors(b->at("y"), a->at("y"), 0.0, 0.0), "");
}

// At batch 64 the CPU times the convolutions and poolings on 8 images and runs the tactics they chose on
// all 64 (or, where another candidate came close on 8, times the close ones again on all 64): the report
// says which, a plan and the timing cache keep it, and the outputs are the reference's.
TEST_F(BuilderTiming, ConvolutionsOfALargeBatchAreTimedOnPartOfIt) {
    m_network = smallCnn(64);
    const auto engine = build();
    ASSERT_TRUE(engine);
    const auto partial = [](const BuildReport& report) {
        std::vector<std::string> names;
        for (const LayerRecord& record : report.layersAfter) {
            if (record.elided) continue;
            const std::string what = record.name + " (" + record.kind + ")";
            if (record.kind != "Convolution" && record.kind != "Pooling") {
                EXPECT_EQ(record.timingBatch, 0) << what;
                continue;
            }
            const auto timed = std::count_if(record.candidates.begin(), record.candidates.end(),
                                             [](const TacticCandidate& c) { return c.milliseconds >= 0.0; });
            EXPECT_TRUE(record.timingBatch == 8 || (record.timingBatch == 0 && timed >= 2))
                << what << ": timed at batch " << record.timingBatch << ", " << timed << " candidates timed";
            if (record.timingBatch > 0) names.push_back(record.name);
        }
        return names;
    };
    const std::vector<std::string> timedOnPart = partial(engine->report());

    // FP32 sums in another order than the reference's: a few units in the last place of each sum.
    const TensorMap inputs = randomInputs(m_network, 21);
    auto context = engine->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    auto outputs = (*context)->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(compareTensors(outputs->at("y"), runReference(m_network, inputs).at("y"), 1e-5, 1e-5), "");

    auto plan = serializePlan(*engine);
    ASSERT_TRUE(plan.isOk()) << plan.status().message();
    auto loaded = deserializePlan(*plan);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ(partial((*loaded)->report()), timedOnPart);

    const auto warm = build();  // from the timing cache the first build wrote
    ASSERT_TRUE(warm);
    EXPECT_EQ(warm->report().timingCacheMisses, 0);
    EXPECT_EQ(partial(warm->report()), timedOnPart);

    // Exhaustive timing times every layer at its own batch.
    fs::remove(m_config.timingCachePath);
    m_config.exhaustiveTiming = true;
    const auto exhaustive = build();
    ASSERT_TRUE(exhaustive);
    for (const LayerRecord& record : exhaustive->report().layersAfter)
        EXPECT_EQ(record.timingBatch, 0) << record.name;
}

}  // namespace
}  // namespace kiln::test
