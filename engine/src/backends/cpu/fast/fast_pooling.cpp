// Pooling kernels. Global pooling: averages accumulate in double like the reference, which then
// divides once and rounds once to float. The order of the additions differs from the reference's where
// that buys parallelism (eight interleaved partial sums in linear format; a plane split among threads
// when there are fewer planes than threads), which moves the double sum by about 1e-16 relative and
// the float result at most in its last bit. Maxima follow the reference's rule (a NaN anywhere gives
// NaN), so they are exact. The loops are plain C++: an element is a convert and an add, well below
// what memory delivers to a core.
//
// Windowed pooling (1 or 2 spatial axes, any window, stride, dilation and padding, ceil mode as the
// output extent gives it) on channel-blocked and channels-last tensors: one output row at a time, each
// position's window read lane by lane across its channel block, which the compiler turns into vector
// loads of the whole block. A window sums in the reference's order (rows, then columns, taps in the
// input only) in double and divides by the reference's count, so averages match it exactly, as maxima do.
#include "backends/cpu/fast/fast_pooling.h"

#include "backends/cpu/fast/fast_vector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

// The vectors of fast_vector.h never cross a function that is not inlined.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kPoolingId = "kiln:global-pooling";
constexpr const char* kWindowPoolingId = "kiln:window-pooling";

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

// Windowed pooling over a [rows][columns][block] plane (one spatial axis is one row).
struct WindowPlan {
    int64_t planes = 0;  // batch x channel blocks (channels-last: one block of every channel)
    int64_t block = 0;   // lanes a position holds
    int64_t inRows = 1, inColumns = 1, outRows = 1, outColumns = 1;
    int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, dilation[2] = {1, 1};
    int64_t padBegin[2] = {0, 0}, padEnd[2] = {0, 0};
    bool average = false;
    bool countIncludePad = false;
    Isa isa = Isa::Scalar;
};

// The taps [first, last) of a window starting at `start` (in input positions, padding before 0) that lie
// in the input's `extent`, and how many lie inside the padded input [-padBegin, extent + padEnd).
struct Taps {
    int64_t first = 0, last = 0, padded = 0;
};

inline Taps tapsOf(int64_t start, int64_t kernel, int64_t dilation, int64_t extent, int64_t padBegin,
                   int64_t padEnd) {
    Taps taps;
    taps.first = kernel;
    for (int64_t k = 0; k < kernel; ++k) {
        const int64_t at = start + k * dilation;
        if (at >= 0 && at < extent) {
            taps.first = std::min(taps.first, k);
            taps.last = k + 1;
        }
        taps.padded += at >= -padBegin && at < extent + padEnd ? 1 : 0;
    }
    if (taps.first >= taps.last) taps.first = taps.last = 0;
    return taps;
}

typedef float Vec16 __attribute__((vector_size(64)));

// The lanes of a block handled together: a vector of the whole block of 8 or 16, else one float.
template <int Block>
struct BlockLanes {
    using Type = float;
    static constexpr int64_t kCount = 1;
};
template <>
struct BlockLanes<8> {
    using Type = Vec8;
    static constexpr int64_t kCount = 8;
};
template <>
struct BlockLanes<16> {
    using Type = Vec16;
    static constexpr int64_t kCount = 16;
};

template <typename T>
__attribute__((always_inline)) inline T loadLanes(const float* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename T>
__attribute__((always_inline)) inline void storeLanes(float* p, T v) {
    std::memcpy(p, &v, sizeof v);
}

// One window: `rows` x `columns` taps from `x` (its first tap), each tap a position of `block` lanes.
// Height, Width > 0: the window has that many rows, columns. Block 0: the plan's block, read at run time
// (channels-last tensors) one lane at a time. A maximum is one vector max a tap, which drops NaN; a second
// accumulator, `probe` (x * 0 + probe, one FMA a tap), turns NaN wherever a tap was NaN or infinite, and
// the row is then taken again by the reference's rule. An average sums in float in the reference's order.
template <int Block, bool Average, int Height, int Width>
__attribute__((always_inline)) inline void poolWindow(const WindowPlan& p, const float* x, int64_t rows,
                                                      int64_t columns, int64_t divisor, float* out,
                                                      typename BlockLanes<Block>::Type& probe) {
    using T = typename BlockLanes<Block>::Type;
    constexpr int64_t kLanes = BlockLanes<Block>::kCount;
    const int64_t block = Block > 0 ? Block : p.block;
    const int64_t height = Height > 0 ? Height : rows;
    const int64_t width = Width > 0 ? Width : columns;
    const int64_t rowStep = p.dilation[0] * p.inColumns * block;
    const int64_t columnStep = p.dilation[1] * block;
    for (int64_t l0 = 0; l0 < block; l0 += kLanes) {
        if (Average) {
            T sum = T{};
#pragma GCC unroll 4
            for (int64_t r = 0; r < height; ++r) {
                const float* xr = x + r * rowStep + l0;
#pragma GCC unroll 4
                for (int64_t c = 0; c < width; ++c, xr += columnStep)
                    sum += loadLanes<T>(xr);
            }
            // The reference's average of no taps is 0.
            storeLanes<T>(out + l0, divisor > 0 ? sum / float(divisor) : T{});
        } else {
            T best = T{} - std::numeric_limits<float>::infinity();
            T check = probe;
#pragma GCC unroll 4
            for (int64_t r = 0; r < height; ++r) {
                const float* xr = x + r * rowStep + l0;
#pragma GCC unroll 4
                for (int64_t c = 0; c < width; ++c, xr += columnStep) {
                    const T value = loadLanes<T>(xr);
                    best = value > best ? value : best;
                    check = value * 0.0f + check;
                }
            }
            storeLanes<T>(out + l0, best);
            probe = check;
        }
    }
}

// An output column whose window reaches past the input's width: its taps inside.
template <int Block, bool Average>
__attribute__((always_inline)) inline void poolEdgeWindow(const WindowPlan& p, const Taps& rows,
                                                          const float* rowStart, int64_t column, float* out,
                                                          typename BlockLanes<Block>::Type& probe) {
    const int64_t block = Block > 0 ? Block : p.block;
    const int64_t start = column * p.stride[1] - p.padBegin[1];
    const Taps columns = tapsOf(start, p.kernel[1], p.dilation[1], p.inColumns, p.padBegin[1], p.padEnd[1]);
    // An empty range is first == last == 0: no tap is read.
    const int64_t rowCount = rows.last - rows.first;
    const int64_t columnCount = columns.last - columns.first;
    const int64_t divisor = p.countIncludePad ? rows.padded * columns.padded : rowCount * columnCount;
    poolWindow<Block, Average, 0, 0>(p, rowStart + (start + columns.first * p.dilation[1]) * block,
                                     columnCount > 0 ? rowCount : 0, columnCount, divisor, out, probe);
}

// The reference's maxima of one output row, for a row where a tap was NaN or infinite.
__attribute__((noinline)) void exactMaximumRow(const WindowPlan& p, const float* plane, float* out,
                                               int64_t row) {
    const int64_t firstRow = row * p.stride[0] - p.padBegin[0];
    const Taps rows = tapsOf(firstRow, p.kernel[0], p.dilation[0], p.inRows, p.padBegin[0], p.padEnd[0]);
    for (int64_t column = 0; column < p.outColumns; ++column) {
        const int64_t start = column * p.stride[1] - p.padBegin[1];
        const Taps columns =
            tapsOf(start, p.kernel[1], p.dilation[1], p.inColumns, p.padBegin[1], p.padEnd[1]);
        for (int64_t l = 0; l < p.block; ++l) {
            float best = -std::numeric_limits<float>::infinity();
            for (int64_t kh = rows.first; kh < rows.last; ++kh) {
                for (int64_t kw = columns.first; kw < columns.last; ++kw) {
                    const int64_t at =
                        (firstRow + kh * p.dilation[0]) * p.inColumns + start + kw * p.dilation[1];
                    const float value = plane[at * p.block + l];
                    if (value > best || std::isnan(value)) best = value;
                }
            }
            out[column * p.block + l] = best;
        }
    }
}

// One output row of one plane: the columns whose windows lie inside the input's width take windows of
// `Width` columns (> 0 when that is the kernel's width; of `Width` rows too where the row's window is
// whole), those at the edges their taps inside.
template <int Block, bool Average, int Width>
__attribute__((always_inline)) inline void poolRowBody(const WindowPlan& p, const float* plane, float* out,
                                                       int64_t row) {
    const int64_t block = Block > 0 ? Block : p.block;
    const int64_t firstRow = row * p.stride[0] - p.padBegin[0];
    const Taps rows = tapsOf(firstRow, p.kernel[0], p.dilation[0], p.inRows, p.padBegin[0], p.padEnd[0]);
    const float* rowStart = plane + (firstRow + rows.first * p.dilation[0]) * p.inColumns * block;
    const int64_t rowCount = rows.last - rows.first;
    // Columns [inner, outer) read whole windows.
    const int64_t span = (p.kernel[1] - 1) * p.dilation[1];
    const int64_t lastWhole = p.inColumns - 1 - span + p.padBegin[1];
    const int64_t inner = std::min(p.outColumns, (p.padBegin[1] + p.stride[1] - 1) / p.stride[1]);
    const int64_t outer =
        std::max(inner, std::min(p.outColumns, lastWhole >= 0 ? lastWhole / p.stride[1] + 1 : 0));
    const int64_t wholeDivisor = (p.countIncludePad ? rows.padded : rowCount) * p.kernel[1];
    using T = typename BlockLanes<Block>::Type;
    T probe = T{};
    for (int64_t column = 0; column < inner; ++column) {
        poolEdgeWindow<Block, Average>(p, rows, rowStart, column, out + column * block, probe);
    }
    const int64_t step = p.stride[1] * block;
    const float* x = rowStart + (inner * p.stride[1] - p.padBegin[1]) * block;
    if (Width > 0 && rowCount == Width) {
        for (int64_t column = inner; column < outer; ++column, x += step) {
            poolWindow<Block, Average, Width, Width>(p, x, Width, Width, wholeDivisor, out + column * block,
                                                     probe);
        }
    } else {
        for (int64_t column = inner; column < outer; ++column, x += step) {
            poolWindow<Block, Average, 0, Width>(p, x, rowCount, p.kernel[1], wholeDivisor,
                                                 out + column * block, probe);
        }
    }
    for (int64_t column = outer; column < p.outColumns; ++column) {
        poolEdgeWindow<Block, Average>(p, rows, rowStart, column, out + column * block, probe);
    }
    if (!Average) {
        // probe is +-0 where every tap was finite, NaN elsewhere: an exponent bit set in any lane.
        uint32_t bits[BlockLanes<Block>::kCount];
        std::memcpy(bits, &probe, sizeof bits);
        uint32_t any = 0;
        for (uint32_t b : bits)
            any |= b;
        if (any & 0x7f800000u) exactMaximumRow(p, plane, out, row);
    }
}

template <int Block>
__attribute__((always_inline)) inline void poolRowsBody(const WindowPlan& p, const float* x, float* y,
                                                        int64_t first, int64_t last) {
    for (int64_t task = first; task < last; ++task) {
        const int64_t plane = task / p.outRows;
        const int64_t row = task % p.outRows;
        const float* in = x + plane * p.inRows * p.inColumns * p.block;
        float* out = y + (plane * p.outRows + row) * p.outColumns * p.block;
        switch ((p.average ? 10 : 0) + (p.kernel[1] == 2 || p.kernel[1] == 3 ? p.kernel[1] : 0)) {
            case 12:
                poolRowBody<Block, true, 2>(p, in, out, row);
                break;
            case 13:
                poolRowBody<Block, true, 3>(p, in, out, row);
                break;
            case 10:
                poolRowBody<Block, true, 0>(p, in, out, row);
                break;
            case 2:
                poolRowBody<Block, false, 2>(p, in, out, row);
                break;
            case 3:
                poolRowBody<Block, false, 3>(p, in, out, row);
                break;
            default:
                poolRowBody<Block, false, 0>(p, in, out, row);
                break;
        }
    }
}

// Output rows [first, last) of the plan's planes x output rows, compiled for each instruction set.
using RowsFunction = void (*)(const WindowPlan&, const float*, float*, int64_t, int64_t);

template <int Block>
void poolRowsScalar(const WindowPlan& p, const float* x, float* y, int64_t first, int64_t last) {
    poolRowsBody<Block>(p, x, y, first, last);
}
template <int Block>
__attribute__((target("avx2,fma"))) void poolRowsAvx2(const WindowPlan& p, const float* x, float* y,
                                                      int64_t first, int64_t last) {
    poolRowsBody<Block>(p, x, y, first, last);
}
template <int Block>
__attribute__((target("avx512f,avx2,fma"))) void poolRowsAvx512(const WindowPlan& p, const float* x, float* y,
                                                                int64_t first, int64_t last) {
    poolRowsBody<Block>(p, x, y, first, last);
}

template <int Block>
RowsFunction rowsFunctionFor(Isa isa) {
    switch (isa) {
        case Isa::Avx512:
            return poolRowsAvx512<Block>;
        case Isa::Avx2:
            return poolRowsAvx2<Block>;
        case Isa::Scalar:
            break;
    }
    return poolRowsScalar<Block>;
}

RowsFunction rowsFunction(const WindowPlan& p) {
    switch (p.block) {
        case 8:
            return rowsFunctionFor<8>(p.isa);
        case 16:
            return rowsFunctionFor<16>(p.isa);
        default:
            return rowsFunctionFor<0>(p.isa);
    }
}

class WindowPoolingKernel final : public tactics::Kernel {
public:
    explicit WindowPoolingKernel(WindowPlan plan) : m_plan(plan), m_rows(rowsFunction(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the pooling kernel needs its input and output memory");
        }
        const WindowPlan& p = m_plan;
        const float* x = reinterpret_cast<const float*>(args.inputs[0]);
        float* y = reinterpret_cast<float*>(args.outputs[0]);
        const int64_t tasks = p.planes * p.outRows;
        const int64_t bytes = (p.planes * p.inRows * p.inColumns + tasks * p.outColumns) * p.block * 4;
        if (!worthParallel(bytes)) {
            m_rows(p, x, y, 0, tasks);
            return Status::ok();
        }
        const int64_t chunk = dynamicChunk(tasks, p.outRows);
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t first = 0; first < tasks; first += chunk)
            m_rows(p, x, y, first, std::min(tasks, first + chunk));
        return Status::ok();
    }

private:
    WindowPlan m_plan;
    RowsFunction m_rows;
};

std::string joined(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i) text += (i ? "x" : "") + std::to_string(values[i]);
    return text;
}

// Offers kiln:global-pooling where it runs `config`; says whether it did.
bool addGlobalPoolingTactic(const tactics::LayerConfig& config,
                            std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                            std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const auto skip = [&](std::string reason) { skipped.push_back({kPoolingId, kLibrary, std::move(reason)}); };
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (!input || !output || config.inputFormats.empty() || config.outputFormats.empty()) {
        skip("needs an input, an output and their formats");
        return false;
    }
    if (config.precision != DataType::Float32 || input->type() != DataType::Float32) {
        skip(std::string("runs FP32 only, not ") + toString(config.precision == DataType::Float32 ? input->type()
                                                                                              : config.precision));
        return false;
    }
    const Dims& dims = input->dims();
    if (dims.size() < 3) {
        skip("needs an input with spatial axes");
        return false;
    }
    const std::vector<int64_t> spatial(dims.begin() + 2, dims.end());
    if (p.kernel != spatial) {
        skip("pools a " + joined(p.kernel) + " window of a " + joined(spatial) +
             " input; only global pooling (the window is the whole input) runs here");
        return false;
    }
    const bool unpadded = std::all_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad == 0; });
    const bool undilated = std::all_of(p.dilations.begin(), p.dilations.end(), [](int64_t d) { return d == 1; });
    if (!unpadded || !undilated) {
        skip("global pooling with padding or dilation is not supported");
        return false;
    }
    Dims expected{dims[0], dims[1]};
    expected.resize(dims.size(), 1);
    if (output->dims() != expected) {
        skip("the output's shape " + toString(output->dims()) + " is not " + toString(expected));
        return false;
    }
    const TensorFormat inFormat = config.inputFormats[0];
    const TensorFormat outFormat = config.outputFormats[0];
    const bool linear = isLinearLayout(dims, inFormat) && isLinearLayout(expected, outFormat);
    // A channels-last tensor is one block of every channel (viewOf).
    if (!linear && !inFormat.channelsLast && inFormat.channelBlock <= 0) {
        skip("channel block " + std::to_string(inFormat.channelBlock) + " is not positive");
        return false;
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
        return false;
    }
    const BlockedView view = viewOf(dims, inFormat);
    const bool average = p.type == PoolingType::Average;
    tactics.push_back(std::make_unique<KilnTactic>(
        kPoolingId, [view, average, blockedToLinear]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(
                std::make_unique<GlobalPoolingKernel>(view, average, blockedToLinear));
        }));
    return true;
}

// Offers kiln:window-pooling where it runs `config` (any pooling but a global one, which has its own
// kernel above).
void addWindowPoolingTactic(const tactics::LayerConfig& config, Isa isa, bool global,
                            std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                            std::vector<tactics::SkippedTactic>& skipped) {
    const auto skip = [&](std::string reason) {
        skipped.push_back({kWindowPoolingId, kLibrary, std::move(reason)});
    };
    if (global) {
        skip("a window over the whole input runs on " + std::string(kPoolingId));
        return;
    }
    const Layer& layer = *config.layer;
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (!input || !output || config.inputFormats.empty() || config.outputFormats.empty()) {
        skip("needs an input, an output and their formats");
        return;
    }
    if (config.precision != DataType::Float32 || input->type() != DataType::Float32) {
        skip(std::string("runs FP32 only, not ") +
             toString(config.precision == DataType::Float32 ? input->type() : config.precision));
        return;
    }
    const Dims& in = input->dims();
    const Dims& out = output->dims();
    if (in.size() < 3 || in.size() > 4 || out.size() != in.size()) {
        skip("pools 1 or 2 spatial axes; the input has shape " + toString(in));
        return;
    }
    const size_t spatial = in.size() - 2;
    if (p.kernel.size() != spatial || p.strides.size() != spatial || p.dilations.size() != spatial ||
        p.pads.size() != 2 * spatial) {
        skip("the window's kernel, strides, dilations or pads do not match the input's " +
             std::to_string(spatial) + " spatial axes");
        return;
    }
    const TensorFormat format = config.inputFormats[0];
    if (format != config.outputFormats[0]) {
        skip("input and output formats differ (" + toString(format, in.size()) + " to " +
             toString(config.outputFormats[0], out.size()) + ")");
        return;
    }
    if (format.storage || format.isLinear()) {
        skip(
            "pools channel-blocked and channels-last FP32 tensors, whose positions hold a vector of "
            "channels; " +
            toString(format, in.size()) + " runs on oneDNN's pooling");
        return;
    }
    const BlockedView view = viewOf(in, format);
    WindowPlan plan;
    plan.planes = view.batch * view.blocks();
    plan.block = view.block;
    plan.isa = isa;
    plan.average = p.type == PoolingType::Average;
    plan.countIncludePad = p.countIncludePad;
    // One spatial axis is one row of columns.
    const size_t first = 2 - spatial;
    for (size_t i = 0; i < spatial; ++i) {
        if (p.kernel[i] < 1 || p.strides[i] < 1 || p.dilations[i] < 1 || p.pads[i] < 0 ||
            p.pads[i + spatial] < 0) {
            skip("kernel, strides and dilations must be positive and pads not negative on spatial axis " +
                 std::to_string(i));
            return;
        }
        plan.kernel[first + i] = p.kernel[i];
        plan.stride[first + i] = p.strides[i];
        plan.dilation[first + i] = p.dilations[i];
        plan.padBegin[first + i] = p.pads[i];
        plan.padEnd[first + i] = p.pads[i + spatial];
    }
    plan.inRows = spatial == 2 ? in[2] : 1;
    plan.inColumns = in.back();
    plan.outRows = spatial == 2 ? out[2] : 1;
    plan.outColumns = out.back();
    if (out[0] != in[0] || out[1] != in[1]) {
        skip("the output's shape " + toString(out) + " does not keep the input's batch and channels");
        return;
    }
    tactics.push_back(
        std::make_unique<KilnTactic>(kWindowPoolingId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(std::make_unique<WindowPoolingKernel>(plan));
        }));
}

}  // namespace

void addPoolingTactics(const tactics::LayerConfig& config, Isa isa,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const bool global = addGlobalPoolingTactic(config, tactics, skipped);
    addWindowPoolingTactic(config, isa, global, tactics, skipped);
}

}  // namespace kiln::cpu::fast
