// The Kiln reformat kernel against tactics::convertFormat (the definition): every direction between
// linear, nChw8c and nChw16c, odd shapes, batch 1 and 3, ranks 1 to 5, element sizes 1 to 8 and every
// instruction set. Results must match byte for byte, padded lanes included (the target starts as
// garbage); a source's padded lanes holding garbage must not leak into the target. The tactic is then
// run on a Reformat layer through the shared tactic-test path.
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_reformat.h"
#include "fast_test_helpers.h"
#include "tactics/formats.h"

namespace kiln::test {
namespace {

using cpu::fast::Isa;

const std::vector<Dims> kShapes{
    {1, 3, 5, 7},  {3, 20, 7, 9},   {2, 16, 4, 4},    {1, 33, 1, 1},  {1, 8, 70, 70}, {3, 8, 2, 3, 5},
    {2, 19, 6},    {4, 24},         {5},              {},             {2, 0, 3, 3},   {1, 40, 17, 1},
};

std::vector<std::byte> randomBytes(size_t count, std::mt19937& rng) {
    std::vector<std::byte> bytes(count);
    for (auto& b : bytes) b = std::byte(rng() & 0xff);
    return bytes;
}

// Source bytes in `format`: the element values of `linear`, and garbage in the padded lanes.
std::vector<std::byte> sourceWithGarbagePadding(const std::vector<std::byte>& linear, const Dims& dims,
                                                TensorFormat format, size_t elementSize, std::mt19937& rng) {
    std::vector<std::byte> source = randomBytes(size_t(storageByteSize(DataType::Int8, dims, format)) * elementSize, rng);
    if (dims.size() < 2) return linear;
    int64_t spatial = 1;
    for (size_t axis = 2; axis < dims.size(); ++axis) spatial *= dims[axis];
    for (int64_t n = 0; n < dims[0]; ++n) {
        for (int64_t c = 0; c < dims[1]; ++c) {
            for (int64_t s = 0; s < spatial; ++s) {
                std::memcpy(source.data() + tactics::elementOffset(dims, format, n, c, s, elementSize),
                            linear.data() + tactics::elementOffset(dims, TensorFormat{}, n, c, s, elementSize),
                            elementSize);
            }
        }
    }
    return source;
}

TEST(KilnReformat, ConvertFormatFastMatchesTheDefinitionInEveryDirection) {
    std::mt19937 rng(7);
    const std::vector<TensorFormat> formats{TensorFormat{}, TensorFormat::blocked(8), TensorFormat::blocked(16), TensorFormat::blocked(4)};
    for (const Dims& dims : kShapes) {
        for (size_t elementSize : {size_t(4), size_t(2), size_t(8), size_t(1)}) {
            const std::vector<std::byte> linear = randomBytes(size_t(volume(dims)) * elementSize, rng);
            for (TensorFormat from : formats) {
                const std::vector<std::byte> source = sourceWithGarbagePadding(linear, dims, from, elementSize, rng);
                for (TensorFormat to : formats) {
                    const size_t targetBytes = size_t(storageByteSize(DataType::Int8, dims, to)) * elementSize;
                    // The definition zeroes padded lanes and ignores the source's.
                    std::vector<std::byte> expected(targetBytes, std::byte{0x55});
                    tactics::convertFormat(source.data(), from, expected.data(), to, dims, elementSize);
                    for (Isa isa : testedIsas()) {
                        std::vector<std::byte> actual(targetBytes, std::byte{0x7f});
                        cpu::fast::convertFormatFast(source.data(), from, actual.data(), to, dims, elementSize, isa);
                        EXPECT_TRUE(actual == expected)
                            << toString(dims) << " " << formatName(from) << " -> " << formatName(to) << ", "
                            << elementSize << "-byte elements, " << cpu::fast::isaName(isa);
                    }
                }
            }
        }
    }
}

TEST(KilnReformat, TacticConvertsReformatLayers) {
    std::mt19937 rng(11);
    const std::vector<Dims> shapes{{1, 3, 5, 7}, {3, 20, 7, 9}, {1, 19, 2, 3, 4}, {2, 17, 33}, {1, 32, 56, 56}};
    for (const Dims& dims : shapes) {
        const HostTensor x = randomTensor(dims, rng);
        for (TensorFormat from : testedFormats()) {
            for (TensorFormat to : testedFormats()) {
                auto built = makeSingleLayerNetwork(ReformatParams{}, {&x}, {true});
                ASSERT_TRUE(built.isOk()) << built.status().message();
                built->layer->input(0)->setFormat(from);
                built->layer->output(0)->setFormat(to);
                const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
                for (Isa isa : testedIsas()) {
                    const std::string what = toString(dims) + " " + formatName(from) + " -> " + formatName(to) +
                                             " " + cpu::fast::isaName(isa);
                    const Offer offer = enumerateKiln(isa, config);
                    const tactics::Tactic* tactic = offer.find("kiln:reformat");
                    ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:reformat");
                    EXPECT_EQ(tactic->library(), "Kiln");
                    // runTactic fails when a padded lane of the output is not zero.
                    auto outputs = runTactic(*tactic, config, {&x});
                    ASSERT_TRUE(outputs.isOk()) << what << ": " << outputs.status().message();
                    // A reformat moves values: exactly the input comes back.
                    expectUlpClose(x, (*outputs)[0], 0, 0.0, what);
                }
            }
        }
    }
}

// Reformats that change only the storage type: the value that comes back is the input rounded as the
// simulated tactics round it (to bfloat16, or quantized with the tensor's scale), in every layout,
// padded lanes included, and between two reduced types through FP32.
TEST(KilnConvert, ChangesOnlyTheStorageType) {
    std::mt19937 rng(12);
    const HostTensor x = randomTensor({2, 20, 5, 7}, rng, -3.0f, 3.0f);
    const float range = 2.5f;  // clips some values in INT8
    const auto roundedAs = [&](DataType storage) {
        HostTensor expected = x;
        for (int64_t i = 0; i < expected.elementCount(); ++i) {
            float& v = expected.data<float>()[i];
            if (storage == DataType::BFloat16) v = bfloat16ToFloat(floatToBFloat16(v));
            if (storage == DataType::Int8) {
                const float scale = range / 127.0f;
                v = float(tactics::quantizeToInt8(v, scale)) * scale;
            }
        }
        return expected;
    };
    const std::vector<std::pair<std::optional<DataType>, std::optional<DataType>>> pairs{
        {std::nullopt, DataType::BFloat16}, {DataType::BFloat16, std::nullopt}, {std::nullopt, DataType::Int8},
        {DataType::Int8, std::nullopt},     {DataType::Int8, DataType::BFloat16}};
    for (const TensorFormat layout : {TensorFormat{}, TensorFormat::blocked(16), TensorFormat::nhwc(0)}) {
        for (const auto& [from, to] : pairs) {
            auto built = makeSingleLayerNetwork(ReformatParams{}, {&x}, {true});
            ASSERT_TRUE(built.isOk()) << built.status().message();
            built->layer->input(0)->setDynamicRange(range);
            built->layer->output(0)->setDynamicRange(range);
            built->layer->input(0)->setFormat(TensorFormat{layout.channelBlock, layout.channelsLast, from});
            built->layer->output(0)->setFormat(TensorFormat{layout.channelBlock, layout.channelsLast, to});
            const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
            // What the input holds once stored, then what the output keeps of it.
            const DataType stored = from.value_or(DataType::Float32);
            const DataType kept = to.value_or(DataType::Float32);
            HostTensor expected = roundedAs(stored);
            if (kept == DataType::BFloat16) {
                for (int64_t i = 0; i < expected.elementCount(); ++i) {
                    float& v = expected.data<float>()[i];
                    v = bfloat16ToFloat(floatToBFloat16(v));
                }
            } else if (kept == DataType::Int8 && stored != DataType::Int8) {
                expected = roundedAs(DataType::Int8);
            }
            for (Isa isa : testedIsas()) {
                const std::string what = formatName(layout) + " " + toString(stored) + " -> " + toString(kept) + " " +
                                         cpu::fast::isaName(isa);
                const Offer offer = enumerateKiln(isa, config);
                const tactics::Tactic* tactic = offer.find("kiln:convert");
                ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:convert");
                auto outputs = runTactic(*tactic, config, {&x});
                ASSERT_TRUE(outputs.isOk()) << what << ": " << outputs.status().message();
                expectUlpClose(expected, (*outputs)[0], 0, 0.0, what);
            }
        }
    }
}

TEST(KilnReformat, ConvertsNonFloatTensors) {
    HostTensor x(DataType::Int64, {2, 11, 3, 3});
    for (int64_t i = 0; i < x.elementCount(); ++i) x.data<int64_t>()[i] = i * 1000003 - 7;
    auto built = makeSingleLayerNetwork(ReformatParams{}, {&x}, {true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    built->layer->input(0)->setFormat(TensorFormat{});
    built->layer->output(0)->setFormat(TensorFormat::blocked(8));
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:reformat");
    ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:reformat");
    auto outputs = runTactic(*tactic, config, {&x});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(std::memcmp((*outputs)[0].bytes(), x.bytes(), x.byteSize()), 0);
}

}  // namespace
}  // namespace kiln::test
