// Global pooling kernels. Averages accumulate in double like the reference, which then divides once
// and rounds once to float. The order of the additions differs from the reference's where that buys
// parallelism (eight interleaved partial sums in linear format; a plane split among threads when
// there are fewer planes than threads), which moves the double sum by about 1e-16 relative and the
// float result at most in its last bit. Maxima follow the reference's rule (a NaN anywhere gives
// NaN), so they are exact. The loops are plain C++: an element is a convert and an add, well below
// what memory delivers to a core.
#include "backends/cpu/fast/fast_pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kPoolingId = "kiln:global-pooling";

// The reference's max step: a larger value or any NaN replaces the best so far.
inline double maxStep(double best, double value) { return value > best || std::isnan(value) ? value : best; }

template <bool Average>
inline double combine(double acc, double value) {
    return Average ? acc + value : maxStep(acc, value);
}

template <bool Average>
constexpr double identity() {
    return Average ? 0.0 : -std::numeric_limits<double>::infinity();
}

// Folds positions [s0, s1) of one linear plane into acc[0]; sums run as eight interleaved partials.
template <bool Average>
void reduceLinear(const float* x, int64_t s0, int64_t s1, double* acc) {
    if (!Average) {
        for (int64_t s = s0; s < s1; ++s) acc[0] = maxStep(acc[0], double(x[s]));
        return;
    }
    double partial[8] = {};
    int64_t s = s0;
    for (; s + 8 <= s1; s += 8) {
        for (int j = 0; j < 8; ++j) partial[j] += double(x[s + j]);
    }
    for (int j = 0; s < s1; ++s, ++j) partial[j] += double(x[s]);
    double sum = 0.0;
    for (double p : partial) sum += p;
    acc[0] += sum;
}

// Folds positions [s0, s1) of one channel block into acc[0..block), each lane in position order.
template <int Block, bool Average>
void reduceLanes(const float* x, int64_t s0, int64_t s1, double* acc) {
    double lanes[Block];
    for (int l = 0; l < Block; ++l) lanes[l] = acc[l];
    for (int64_t s = s0; s < s1; ++s) {
        for (int l = 0; l < Block; ++l) lanes[l] = combine<Average>(lanes[l], double(x[s * Block + l]));
    }
    for (int l = 0; l < Block; ++l) acc[l] = lanes[l];
}

template <bool Average>
void reduceRange(const float* plane, int64_t block, int64_t s0, int64_t s1, double* acc) {
    switch (block) {
        case 1: reduceLinear<Average>(plane, s0, s1, acc); return;
        case 8: reduceLanes<8, Average>(plane, s0, s1, acc); return;
        case 16: reduceLanes<16, Average>(plane, s0, s1, acc); return;
        default: break;
    }
    for (int64_t s = s0; s < s1; ++s) {
        for (int64_t l = 0; l < block; ++l) acc[l] = combine<Average>(acc[l], double(plane[s * block + l]));
    }
}

// Positions one task reduces at least when a plane is split among threads.
constexpr int64_t kMinChunkPositions = 512;

class GlobalPoolingKernel final : public tactics::Kernel {
public:
    // `linearOutput`: the channels of a channel-blocked input are written out of their blocks.
    GlobalPoolingKernel(BlockedView view, bool average, bool linearOutput)
        : m_view(view), m_average(average), m_linearOutput(linearOutput) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the global pooling kernel needs its input and output memory");
        }
        const float* x = reinterpret_cast<const float*>(args.inputs[0]);
        float* y = reinterpret_cast<float*>(args.outputs[0]);
        if (m_average) {
            pool<true>(x, y);
        } else {
            pool<false>(x, y);
        }
        return Status::ok();
    }

private:
    template <bool Average>
    void pool(const float* x, float* y) const {
        const BlockedView& v = m_view;
        const int64_t block = v.block;
        const int64_t planes = v.batch * v.blocks();
        const int64_t planeSize = v.spatial * block;
        const bool parallel = worthParallel(planes * planeSize * int64_t(sizeof(float)));
        const int64_t threads = parallel ? teamSize() : 1;
        // Few planes (a large image of few channels): split each plane's positions among the threads
        // and fold the partial results in order afterwards.
        const int64_t wanted = (2 * threads + planes - 1) / std::max<int64_t>(1, planes);
        const int64_t chunks = std::max<int64_t>(1, std::min(wanted, v.spatial / kMinChunkPositions));
        const int64_t chunkPositions = (v.spatial + chunks - 1) / chunks;
        std::vector<double> partial(size_t(planes * chunks * block));
#pragma omp parallel for if (parallel) schedule(static)
        for (int64_t task = 0; task < planes * chunks; ++task) {
            const int64_t plane = task / chunks;
            const int64_t s0 = task % chunks * chunkPositions;
            double* acc = partial.data() + task * block;
            std::fill(acc, acc + block, identity<Average>());
            reduceRange<Average>(x + plane * planeSize, block, s0, std::min(v.spatial, s0 + chunkPositions), acc);
        }
        for (int64_t plane = 0; plane < planes; ++plane) {
            const int64_t firstChannel = plane % v.blocks() * block;
            const int64_t validLanes = std::min(block, v.channels - firstChannel);
            float* out =
                m_linearOutput ? y + plane / v.blocks() * v.channels + firstChannel : y + plane * block;
            for (int64_t l = 0; l < (m_linearOutput ? validLanes : block); ++l) {
                double acc = partial[size_t(plane * chunks * block + l)];
                for (int64_t k = 1; k < chunks; ++k) acc = combine<Average>(acc, partial[size_t((plane * chunks + k) * block + l)]);
                out[l] = l >= validLanes ? 0.0f : Average ? float(acc / double(v.spatial)) : float(acc);
            }
        }
    }

    BlockedView m_view;
    bool m_average;
    bool m_linearOutput;
};

std::string joined(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i) text += (i ? "x" : "") + std::to_string(values[i]);
    return text;
}

}  // namespace

void addPoolingTactics(const tactics::LayerConfig& config, Isa,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const auto skip = [&](std::string reason) { skipped.push_back({kPoolingId, kLibrary, std::move(reason)}); };
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (!input || !output || config.inputFormats.empty() || config.outputFormats.empty()) {
        skip("needs an input, an output and their formats");
        return;
    }
    if (config.precision != DataType::Float32 || input->type() != DataType::Float32) {
        skip(std::string("runs FP32 only, not ") + toString(config.precision == DataType::Float32 ? input->type()
                                                                                              : config.precision));
        return;
    }
    const Dims& dims = input->dims();
    if (dims.size() < 3) {
        skip("needs an input with spatial axes");
        return;
    }
    const std::vector<int64_t> spatial(dims.begin() + 2, dims.end());
    if (p.kernel != spatial) {
        skip("pools a " + joined(p.kernel) + " window of a " + joined(spatial) +
             " input; only global pooling (the window is the whole input) runs here");
        return;
    }
    const bool unpadded = std::all_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad == 0; });
    const bool undilated = std::all_of(p.dilations.begin(), p.dilations.end(), [](int64_t d) { return d == 1; });
    if (!unpadded || !undilated) {
        skip("global pooling with padding or dilation is not supported");
        return;
    }
    Dims expected{dims[0], dims[1]};
    expected.resize(dims.size(), 1);
    if (output->dims() != expected) {
        skip("the output's shape " + toString(output->dims()) + " is not " + toString(expected));
        return;
    }
    const TensorFormat inFormat = config.inputFormats[0];
    const TensorFormat outFormat = config.outputFormats[0];
    const bool linear = isLinearLayout(dims, inFormat) && isLinearLayout(expected, outFormat);
    // A channels-last tensor is one block of every channel (viewOf).
    if (!linear && !inFormat.channelsLast && inFormat.channelBlock <= 0) {
        skip("channel block " + std::to_string(inFormat.channelBlock) + " is not positive");
        return;
    }
    // A dense channels-last input pools into [N, C, 1, ...], whose linear bytes are its channels-last ones.
    const bool channelsLastToLinear = inFormat.channelsLast && isLinearLayout(expected, outFormat) &&
                                      viewOf(dims, inFormat).block == dims[1];
    // A channel-blocked input pools into a linear [N, C, 1, ...] with its channels taken out of the blocks.
    const bool blockedToLinear = inFormat.channelBlock > 0 && !inFormat.channelsLast && !inFormat.storage &&
                                 !isLinearLayout(dims, inFormat) && isLinearLayout(expected, outFormat);
    if (!linear && inFormat != outFormat && !channelsLastToLinear && !blockedToLinear) {
        skip("input and output formats differ (" + toString(inFormat, dims.size()) + " to " +
             toString(outFormat, dims.size()) + ")");
        return;
    }
    const BlockedView view = viewOf(dims, inFormat);
    const bool average = p.type == PoolingType::Average;
    tactics.push_back(std::make_unique<KilnTactic>(
        kPoolingId, [view, average, blockedToLinear]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(
                std::make_unique<GlobalPoolingKernel>(view, average, blockedToLinear));
        }));
}

}  // namespace kiln::cpu::fast
