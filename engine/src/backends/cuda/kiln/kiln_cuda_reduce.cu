// Kiln CUDA tactics for Pooling, Softmax, Reduce, ArgMinMax, Lrn, InstanceNorm and LayerNorm layers, FP32 on
// linear tensors, plus pooling of the FP16 channels-last tensors of FP16 builds. Where the elements of
// one output are a contiguous row (global pooling, softmax and reductions over the innermost axes,
// instance and layer norm's planes and rows), a team of threads (a warp or a whole block, each a tactic of its own) reads
// the row coalesced and combines its partial results with warp shuffles; otherwise one thread computes
// one output, which reads coalesced as long as the innermost axis is not the reduced one. Channels-last
// pooling has threads take adjacent channels instead. The builder times the variants that apply and
// keeps the fastest.
//
// Sums accumulate in FP32 in an order of their own (the reference adds in double), so they agree with
// the reference within a bound that grows with the number of terms. Maxima, minima and arg-maxima follow
// the reference's rules exactly, NaNs included (channels-last pooling's maxima are those of its FP16
// values).
#include "backends/cuda/kiln/kiln_cuda_reduce.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <cuda_fp16.h>

#include "backends/cuda/kiln/kiln_cuda_common.h"

namespace kiln::cuda {

namespace {

constexpr const char* kPoolingWindowId = "kiln-cuda:pooling:window";
constexpr const char* kPoolingGlobalWarpId = "kiln-cuda:pooling:global-warp";
constexpr const char* kPoolingGlobalBlockId = "kiln-cuda:pooling:global-block";
constexpr const char* kPoolingChannelsLastId = "kiln-cuda:pooling:nhwc-fp16";
constexpr const char* kPoolingGlobalChannelsLastId = "kiln-cuda:pooling:global-nhwc-fp16";
constexpr const char* kSoftmaxThreadId = "kiln-cuda:softmax:thread";
constexpr const char* kSoftmaxWarpId = "kiln-cuda:softmax:warp";
constexpr const char* kSoftmaxBlockId = "kiln-cuda:softmax:block";
constexpr const char* kReduceThreadId = "kiln-cuda:reduce:thread";
constexpr const char* kReduceWarpId = "kiln-cuda:reduce:warp";
constexpr const char* kReduceBlockId = "kiln-cuda:reduce:block";
constexpr const char* kArgMinMaxThreadId = "kiln-cuda:argminmax:thread";
constexpr const char* kArgMinMaxWarpId = "kiln-cuda:argminmax:warp";
constexpr const char* kLrnId = "kiln-cuda:lrn";
constexpr const char* kInstanceNormWarpId = "kiln-cuda:instancenorm:warp";
constexpr const char* kInstanceNormBlockId = "kiln-cuda:instancenorm:block";
constexpr const char* kLayerNormWarpId = "kiln-cuda:layernorm:warp";
constexpr const char* kLayerNormBlockId = "kiln-cuda:layernorm:block";

constexpr int kWarpSize = 32;
constexpr int kWarpsPerBlock = kThreadsPerBlock / kWarpSize;
constexpr unsigned kFullWarp = 0xffffffffu;

// Ways of combining partial results, each with the value that changes nothing.
struct Sum {
    __device__ static float identity() { return 0.0f; }
    __device__ static float combine(float a, float b) { return a + b; }
};

struct Product {
    __device__ static float identity() { return 1.0f; }
    __device__ static float combine(float a, float b) { return a * b; }
};

// The maximum as the reference takes it: a NaN anywhere makes the result NaN.
struct NanMax {
    __device__ static float identity() { return -INFINITY; }
    __device__ static float combine(float a, float b) { return b > a || isnan(b) ? b : a; }
};

struct NanMin {
    __device__ static float identity() { return INFINITY; }
    __device__ static float combine(float a, float b) { return b < a || isnan(b) ? b : a; }
};

// The softmax reference's maximum (std::max), which passes over NaNs; they spoil the sum anyway.
struct Max {
    __device__ static float identity() { return -INFINITY; }
    __device__ static float combine(float a, float b) { return fmaxf(a, b); }
};

template <typename Combine>
__device__ float warpReduce(float value) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        value = Combine::combine(value, __shfl_xor_sync(kFullWarp, value, offset));
    }
    return value;
}

// The threads that process one row together: a warp (kWarpsPerBlock rows per block) or a whole block
// of kThreadsPerBlock threads. Rows are visited in a grid-stride loop. Every member takes part in every
// reduction, so a team's loops and branches around reduce() must be the same for all its members.
template <bool WholeBlock>
struct RowTeam {
    static constexpr int kSize = WholeBlock ? kThreadsPerBlock : kWarpSize;
    static constexpr int kRowsPerBlock = kThreadsPerBlock / kSize;

    __device__ static int lane() { return int(threadIdx.x) % kSize; }
    __device__ static int64_t firstRow() { return int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kSize; }
    __device__ static int64_t rowStep() { return int64_t(gridDim.x) * kRowsPerBlock; }

    // The combination of every member's `value`, returned to every member.
    template <typename Combine>
    __device__ static float reduce(float value) {
        value = warpReduce<Combine>(value);
        if constexpr (WholeBlock) {
            __shared__ float warpResults[kWarpsPerBlock];
            __syncthreads();  // the previous reduction's reads of warpResults are done
            if (threadIdx.x % kWarpSize == 0) warpResults[threadIdx.x / kWarpSize] = value;
            __syncthreads();
            const int lane = int(threadIdx.x) % kWarpSize;
            value = warpReduce<Combine>(lane < kWarpsPerBlock ? warpResults[lane] : Combine::identity());
        }
        return value;
    }
};

// Blocks of kThreadsPerBlock threads for one team per row.
template <bool WholeBlock>
unsigned teamBlocks(int64_t rows) {
    return blocksFor(rows * RowTeam<WholeBlock>::kSize);
}

int64_t product(const Dims& dims, size_t first, size_t last) {
    int64_t result = 1;
    for (size_t axis = first; axis < last; ++axis)
        result *= dims[axis];
    return result;
}

const float* floatsOf(const std::byte* bytes) {
    return reinterpret_cast<const float*>(bytes);
}
float* floatsOf(std::byte* bytes) {
    return reinterpret_cast<float*>(bytes);
}

// Why no FP32 kernel on linear tensors (all but the channels-last pooling ones) can run `config`, or
// nothing.
std::optional<std::string> familyRefusal(const tactics::LayerConfig& config) {
    if (!allLinear(config)) return std::string("needs linear tensors");
    if (config.precision != DataType::Float32)
        return std::string("runs FP32 only, not ") + toString(config.precision);
    for (const Tensor* tensor : config.layer->inputs()) {
        if (tensor && tensor->type() != DataType::Float32) {
            return std::string("reads FP32 inputs only, not ") + toString(tensor->type());
        }
    }
    return std::nullopt;
}

// ---- Pooling ----

// A pooling window in three dimensions: 1-D and 2-D pooling get leading unit axes, as in the reference.
struct PoolingGeometry {
    int64_t input[3];
    int64_t output[3];
    int64_t kernel[3];
    int64_t stride[3];
    int64_t dilation[3];
    int64_t padBegin[3];
    int64_t padEnd[3];
};

PoolingGeometry poolingGeometry(const Layer& layer) {
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Dims& in = layer.input(0)->dims();
    const Dims& out = layer.output(0)->dims();
    PoolingGeometry g{};
    for (int axis = 0; axis < 3; ++axis) {
        g.input[axis] = g.output[axis] = g.kernel[axis] = g.stride[axis] = g.dilation[axis] = 1;
    }
    const size_t spatial = in.size() - 2;
    const size_t offset = 3 - spatial;
    for (size_t i = 0; i < spatial; ++i) {
        g.input[offset + i] = in[i + 2];
        g.output[offset + i] = out[i + 2];
        g.kernel[offset + i] = p.kernel[i];
        g.stride[offset + i] = p.strides[i];
        g.dilation[offset + i] = p.dilations[i];
        g.padBegin[offset + i] = p.pads[i];
        g.padEnd[offset + i] = p.pads[i + spatial];
    }
    return g;
}

// The spatial positions of one image: the product of three extents.
__host__ __device__ int64_t positionCount(const int64_t (&extents)[3]) {
    return extents[0] * extents[1] * extents[2];
}

// The taps k in [first, end) of a window starting at `start` whose positions start + k * dilation lie
// in [low, high). Computed rather than tested tap by tap, so that the loops visit only taps that count.
struct TapRange {
    int64_t first;
    int64_t end;
};

__device__ TapRange tapsWithin(int64_t start, int64_t kernel, int64_t dilation, int64_t low, int64_t high) {
    const int64_t first = start >= low ? 0 : (low - start + dilation - 1) / dilation;
    const int64_t reach = start >= high ? 0 : (high - start + dilation - 1) / dilation;
    const int64_t end = reach < kernel ? reach : kernel;
    return {first < end ? first : end, end};
}

// The window of one output position (row-major over the output's three axes): where it starts, its taps
// inside the input along each axis, and average pooling's divisor, which counts the taps inside the
// input or, with countIncludePad, those inside the padded input.
struct PoolingWindow {
    int64_t start[3];
    TapRange inside[3];
    int64_t divisor;
};

__device__ PoolingWindow poolingWindow(const PoolingGeometry& g, int64_t position, bool countIncludePad) {
    PoolingWindow window;
    int64_t insideTaps = 1;
    int64_t paddedTaps = 1;
#pragma unroll
    for (int axis = 2; axis >= 0; --axis) {
        window.start[axis] = position % g.output[axis] * g.stride[axis] - g.padBegin[axis];
        position /= g.output[axis];
        window.inside[axis] =
            tapsWithin(window.start[axis], g.kernel[axis], g.dilation[axis], 0, g.input[axis]);
        insideTaps *= window.inside[axis].end - window.inside[axis].first;
        const TapRange padded = tapsWithin(window.start[axis], g.kernel[axis], g.dilation[axis],
                                           -g.padBegin[axis], g.input[axis] + g.padEnd[axis]);
        paddedTaps *= padded.end - padded.first;
    }
    window.divisor = countIncludePad ? paddedTaps : insideTaps;
    return window;
}

// Calls visit(position) for each tap of `window` inside the input, in the reference's order, with the
// tap's row-major index among the input's spatial positions.
template <typename Visit>
__device__ void forEachTap(const PoolingGeometry& g, const PoolingWindow& window, Visit visit) {
    for (int64_t kd = window.inside[0].first; kd < window.inside[0].end; ++kd) {
        const int64_t d = window.start[0] + kd * g.dilation[0];
        for (int64_t kh = window.inside[1].first; kh < window.inside[1].end; ++kh) {
            const int64_t line = (d * g.input[1] + window.start[1] + kh * g.dilation[1]) * g.input[2];
            for (int64_t kw = window.inside[2].first; kw < window.inside[2].end; ++kw)
                visit(line + window.start[2] + kw * g.dilation[2]);
        }
    }
}

// Average pooling's result from its window's sum; a window with nothing to count averages to zero.
__device__ float average(float sum, int64_t divisor) {
    return divisor > 0 ? sum / float(divisor) : 0.0f;
}

// One thread per output element. Taps are visited in the reference's order, so the maximum is exact
// and the sum rounds as the reference's would in FP32.
template <bool IsMax>
__global__ void windowPoolingKernel(const float* x, float* y, PoolingGeometry g, bool countIncludePad,
                                    int64_t count) {
    using Combine = std::conditional_t<IsMax, NanMax, Sum>;
    const int64_t inputPlane = positionCount(g.input);
    const int64_t outputPlane = positionCount(g.output);
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const PoolingWindow window = poolingWindow(g, i % outputPlane, countIncludePad);
        const float* plane = x + i / outputPlane * inputPlane;
        float acc = Combine::identity();
        forEachTap(g, window, [&](int64_t position) { acc = Combine::combine(acc, plane[position]); });
        y[i] = IsMax ? acc : average(acc, window.divisor);
    }
}

// Pooling whose window is the whole unpadded plane: one team per (n, c) plane.
template <bool IsMax, bool WholeBlock>
__global__ void globalPoolingKernel(const float* x, float* y, int64_t planes, int64_t spatial) {
    using Team = RowTeam<WholeBlock>;
    using Combine = std::conditional_t<IsMax, NanMax, Sum>;
    for (int64_t plane = Team::firstRow(); plane < planes; plane += Team::rowStep()) {
        const float* row = x + plane * spatial;
        float acc = Combine::identity();
        for (int64_t j = Team::lane(); j < spatial; j += Team::kSize)
            acc = Combine::combine(acc, row[j]);
        acc = Team::template reduce<Combine>(acc);
        if (Team::lane() == 0) y[plane] = IsMax ? acc : acc / float(spatial);
    }
}

class WindowPoolingKernel final : public KilnCudaKernel {
public:
    explicit WindowPoolingKernel(const Layer& layer)
        : KilnCudaKernel(layer), m_geometry(poolingGeometry(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const PoolingParams& p = m_layer.paramsAs<PoolingParams>();
        const int64_t count = volume(m_layer.output(0)->dims());
        if (count == 0) return Status::ok();
        const float* x = floatsOf(input(args, 0));
        float* y = floatsOf(args.outputs[0]);
        if (p.type == PoolingType::Max) {
            windowPoolingKernel<true>
                <<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(x, y, m_geometry, false, count);
        } else {
            windowPoolingKernel<false><<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
                x, y, m_geometry, p.countIncludePad, count);
        }
        return launched("window pooling");
    }

private:
    PoolingGeometry m_geometry;
};

template <bool WholeBlock>
class GlobalPoolingKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status run(const tactics::KernelArgs& args) const override {
        const Dims& dims = m_layer.input(0)->dims();
        const int64_t planes = dims[0] * dims[1];
        const int64_t spatial = product(dims, 2, dims.size());
        if (planes == 0) return Status::ok();
        const float* x = floatsOf(input(args, 0));
        float* y = floatsOf(args.outputs[0]);
        if (m_layer.paramsAs<PoolingParams>().type == PoolingType::Max) {
            globalPoolingKernel<true, WholeBlock>
                <<<teamBlocks<WholeBlock>(planes), kThreadsPerBlock, 0, stream(args)>>>(x, y, planes,
                                                                                        spatial);
        } else {
            globalPoolingKernel<false, WholeBlock>
                <<<teamBlocks<WholeBlock>(planes), kThreadsPerBlock, 0, stream(args)>>>(x, y, planes,
                                                                                        spatial);
        }
        return launched("global pooling");
    }
};

// ---- Pooling of FP16 channels-last tensors ----
//
// The input is [N][positions][C padded] halves. A thread takes `Width` adjacent channels: 8 with one
// 16-byte access when the channel padding is a multiple of 8, 2 with 4-byte accesses when it is even,
// else 1; neighbouring threads take neighbouring channels, so a warp reads contiguous runs. Values
// accumulate in FP32 and are rounded once, into the input's layout (padded lanes written as zeros) or
// into linear FP32 NCHW, which the builder picks for the tensor after global pooling that a Flatten
// views.

// Halves as raw bits, so that several are loaded and stored with one integer access.
__device__ float halfBitsToFloat(uint16_t bits) {
    return __half2float(__ushort_as_half(bits));
}
__device__ uint16_t floatToHalfBits(float value) {
    return __half_as_ushort(__float2half_rn(value));
}

// The two halves of a 32-bit word, the lower channel in the low bits.
__device__ void unpackPair(unsigned word, float& low, float& high) {
    low = halfBitsToFloat(uint16_t(word & 0xffffu));
    high = halfBitsToFloat(uint16_t(word >> 16));
}
__device__ unsigned packPair(float low, float high) {
    return unsigned(floatToHalfBits(low)) | unsigned(floatToHalfBits(high)) << 16;
}

// `Width` adjacent halves in one access. The address is aligned to `Width` halves: the padded channel
// count is a multiple of `Width` and channels-last tensors start 64-byte aligned (they are never
// aliases).
template <int Width>
__device__ void loadHalves(const uint16_t* source, float (&values)[Width]) {
    if constexpr (Width == 8) {
        const uint4 words = *reinterpret_cast<const uint4*>(source);
        unpackPair(words.x, values[0], values[1]);
        unpackPair(words.y, values[2], values[3]);
        unpackPair(words.z, values[4], values[5]);
        unpackPair(words.w, values[6], values[7]);
    } else if constexpr (Width == 2) {
        unpackPair(*reinterpret_cast<const unsigned*>(source), values[0], values[1]);
    } else {
        values[0] = halfBitsToFloat(*source);
    }
}

template <int Width>
__device__ void storeHalves(uint16_t* target, const float (&values)[Width]) {
    if constexpr (Width == 8) {
        *reinterpret_cast<uint4*>(target) =
            make_uint4(packPair(values[0], values[1]), packPair(values[2], values[3]),
                       packPair(values[4], values[5]), packPair(values[6], values[7]));
    } else if constexpr (Width == 2) {
        *reinterpret_cast<unsigned*>(target) = packPair(values[0], values[1]);
    } else {
        *target = floatToHalfBits(values[0]);
    }
}

// Where pooled values go: FP16 channels-last with the input's padding, or linear FP32 [N][C][positions].
struct PooledOutput {
    void* data;
    int64_t channels;
    int64_t paddedChannels;
    int64_t positions;  // per image
    bool linear;
};

// Stores the results for channels [first, first + Width) at one output position. Channels from
// `channels` on are padding: zeros in the channels-last layout, whatever the input's padded lanes
// hold, and absent from the linear one.
template <int Width>
__device__ void storePooled(const PooledOutput& out, int64_t n, int64_t position, int64_t first,
                            const float (&values)[Width]) {
    if (out.linear) {
        float* y = static_cast<float*>(out.data) + n * out.channels * out.positions + position;
#pragma unroll
        for (int k = 0; k < Width; ++k) {
            if (first + k < out.channels) y[(first + k) * out.positions] = values[k];
        }
        return;
    }
    float lanes[Width];
#pragma unroll
    for (int k = 0; k < Width; ++k)
        lanes[k] = first + k < out.channels ? values[k] : 0.0f;
    storeHalves(
        static_cast<uint16_t*>(out.data) + (n * out.positions + position) * out.paddedChannels + first,
        lanes);
}

// One thread per (n, output position, group of Width channels), channels fastest.
template <bool IsMax, int Width>
__global__ void channelsLastWindowPoolingKernel(const uint16_t* x, PooledOutput out, PoolingGeometry g,
                                                bool countIncludePad, int64_t count) {
    using Combine = std::conditional_t<IsMax, NanMax, Sum>;
    const int64_t groups = out.paddedChannels / Width;
    const int64_t imageSize = positionCount(g.input) * out.paddedChannels;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t first = i % groups * Width;
        const int64_t pixel = i / groups;
        const int64_t position = pixel % out.positions;
        const int64_t n = pixel / out.positions;
        const PoolingWindow window = poolingWindow(g, position, countIncludePad);
        const uint16_t* image = x + n * imageSize + first;
        float acc[Width];
#pragma unroll
        for (int k = 0; k < Width; ++k)
            acc[k] = Combine::identity();
        forEachTap(g, window, [&](int64_t tap) {
            float values[Width];
            loadHalves(image + tap * out.paddedChannels, values);
#pragma unroll
            for (int k = 0; k < Width; ++k)
                acc[k] = Combine::combine(acc[k], values[k]);
        });
        if constexpr (!IsMax) {
#pragma unroll
            for (int k = 0; k < Width; ++k)
                acc[k] = average(acc[k], window.divisor);
        }
        storePooled(out, n, position, first, acc);
    }
}

// Global pooling: a block takes one unit, (n, `lanes` adjacent groups of Width channels), at a time.
// Its threads are `lanes` columns, one per group, by blockDim.x / lanes rows (both powers of two); the
// rows stride over the positions, each reading a contiguous run of channels per position, and their
// partial results meet in shared memory, half of the remaining rows adding in the other half's each
// step.
template <bool IsMax, int Width>
__global__ void channelsLastGlobalPoolingKernel(const uint16_t* x, PooledOutput out, int64_t positions,
                                                int lanes, int64_t unitsPerImage, int64_t units) {
    using Combine = std::conditional_t<IsMax, NanMax, Sum>;
    // Channel k of thread t at partial[k * kThreadsPerBlock + t]: consecutive threads, consecutive banks.
    __shared__ float partial[Width * kThreadsPerBlock];
    const int thread = int(threadIdx.x);
    const int row = thread / lanes;
    const int rows = int(blockDim.x) / lanes;
    const int64_t groups = out.paddedChannels / Width;
    for (int64_t unit = blockIdx.x; unit < units; unit += gridDim.x) {
        const int64_t n = unit / unitsPerImage;
        const int64_t group = unit % unitsPerImage * lanes + thread % lanes;
        float acc[Width];
#pragma unroll
        for (int k = 0; k < Width; ++k)
            acc[k] = Combine::identity();
        if (group < groups) {
            const uint16_t* image = x + n * positions * out.paddedChannels + group * Width;
            for (int64_t position = row; position < positions; position += rows) {
                float values[Width];
                loadHalves(image + position * out.paddedChannels, values);
#pragma unroll
                for (int k = 0; k < Width; ++k)
                    acc[k] = Combine::combine(acc[k], values[k]);
            }
        }
        __syncthreads();  // the previous unit's reads of `partial` are done
#pragma unroll
        for (int k = 0; k < Width; ++k)
            partial[k * kThreadsPerBlock + thread] = acc[k];
        for (int step = rows / 2; step > 0; step /= 2) {
            __syncthreads();
            if (row < step) {
#pragma unroll
                for (int k = 0; k < Width; ++k) {
                    acc[k] = Combine::combine(acc[k], partial[k * kThreadsPerBlock + thread + step * lanes]);
                    partial[k * kThreadsPerBlock + thread] = acc[k];
                }
            }
        }
        if (row == 0 && group < groups) {
            if constexpr (!IsMax) {
#pragma unroll
                for (int k = 0; k < Width; ++k)
                    acc[k] /= float(positions);
            }
            storePooled(out, n, 0, group * Width, acc);
        }
    }
}

// The channels of an FP16 channels-last pooling, the channels a thread takes, and the output's layout.
struct ChannelsLastLayout {
    int64_t channels;
    int64_t paddedChannels;
    int width;
    bool linearOutput;
};

int channelPadding(TensorFormat format) {
    return std::max(format.channelBlock, 1);
}

ChannelsLastLayout channelsLastLayout(const tactics::LayerConfig& config) {
    const int64_t channels = config.layer->input(0)->dims()[1];
    const int padding = channelPadding(config.inputFormats[0]);
    const int width = padding % 8 == 0 ? 8 : padding % 2 == 0 ? 2 : 1;
    return {channels, (channels + padding - 1) / padding * padding, width,
            config.outputFormats[0].isLinear()};
}

PooledOutput pooledOutput(const ChannelsLastLayout& layout, std::byte* data, int64_t positions) {
    return {data, layout.channels, layout.paddedChannels, positions, layout.linearOutput};
}

const uint16_t* halvesOf(const std::byte* bytes) {
    return reinterpret_cast<const uint16_t*>(bytes);
}

// Calls launch(std::integral_constant<int, width>()), so that kernels are compiled per width.
template <typename Launch>
void withWidth(int width, Launch launch) {
    if (width == 8) return launch(std::integral_constant<int, 8>());
    if (width == 2) return launch(std::integral_constant<int, 2>());
    launch(std::integral_constant<int, 1>());
}

class ChannelsLastWindowPoolingKernel final : public KilnCudaKernel {
public:
    ChannelsLastWindowPoolingKernel(const Layer& layer, ChannelsLastLayout layout)
        : KilnCudaKernel(layer), m_layout(layout), m_geometry(poolingGeometry(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const PoolingParams& p = m_layer.paramsAs<PoolingParams>();
        const int64_t positions = positionCount(m_geometry.output);
        const int64_t count =
            m_layer.input(0)->dims()[0] * positions * (m_layout.paddedChannels / m_layout.width);
        if (count == 0) return Status::ok();
        const uint16_t* x = halvesOf(input(args, 0));
        const PooledOutput out = pooledOutput(m_layout, args.outputs[0], positions);
        const bool isMax = p.type == PoolingType::Max;
        withWidth(m_layout.width, [&](auto width) {
            constexpr int kWidth = decltype(width)::value;
            const auto kernel = isMax ? channelsLastWindowPoolingKernel<true, kWidth>
                                      : channelsLastWindowPoolingKernel<false, kWidth>;
            kernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(x, out, m_geometry,
                                                                            p.countIncludePad, count);
        });
        return launched("channels-last window pooling");
    }

private:
    ChannelsLastLayout m_layout;
    PoolingGeometry m_geometry;
};

// The smallest power of two at least `value`, but at most `cap` (a power of two).
int powerOfTwoAtLeast(int64_t value, int cap) {
    int power = 1;
    while (power < value && power < cap)
        power *= 2;
    return power;
}

class ChannelsLastGlobalPoolingKernel final : public KilnCudaKernel {
public:
    // The block's shape: first enough lanes for each row to read 32 bytes (a memory sector) per
    // position, or every group of the image when there are fewer; then rows for the positions, up to
    // kThreadsPerBlock threads in all; then lanes for the threads left. So few positions leave few
    // threads idle, and wide tensors spread over more blocks.
    ChannelsLastGlobalPoolingKernel(const Layer& layer, ChannelsLastLayout layout)
        : KilnCudaKernel(layer), m_layout(layout) {
        const Dims& dims = layer.input(0)->dims();
        m_positions = product(dims, 2, dims.size());
        const int64_t groups = layout.paddedChannels / layout.width;
        const int groupLanes = powerOfTwoAtLeast(groups, kThreadsPerBlock);
        const int sectorLanes = std::min(groupLanes, std::max(1, 16 / layout.width));
        const int rows = powerOfTwoAtLeast(m_positions, kThreadsPerBlock / sectorLanes);
        m_lanes = std::min(groupLanes, kThreadsPerBlock / rows);
        m_threads = m_lanes * rows;
        m_unitsPerImage = (groups + m_lanes - 1) / m_lanes;
    }

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t units = m_layer.input(0)->dims()[0] * m_unitsPerImage;
        if (units == 0) return Status::ok();
        const uint16_t* x = halvesOf(input(args, 0));
        const PooledOutput out = pooledOutput(m_layout, args.outputs[0], 1);
        const bool isMax = m_layer.paramsAs<PoolingParams>().type == PoolingType::Max;
        // One block per unit, the grid capped as blocksFor caps it.
        const unsigned blocks = blocksFor(units * kThreadsPerBlock);
        withWidth(m_layout.width, [&](auto width) {
            constexpr int kWidth = decltype(width)::value;
            const auto kernel = isMax ? channelsLastGlobalPoolingKernel<true, kWidth>
                                      : channelsLastGlobalPoolingKernel<false, kWidth>;
            kernel<<<blocks, m_threads, 0, stream(args)>>>(x, out, m_positions, m_lanes, m_unitsPerImage,
                                                           units);
        });
        return launched("channels-last global pooling");
    }

private:
    ChannelsLastLayout m_layout;
    int64_t m_positions = 0;
    int m_lanes = 1;
    int m_threads = 1;
    int64_t m_unitsPerImage = 0;
};

// ---- Pooling tactics ----

// Whether the window is the whole input plane with no padding: then every output is one plane's
// maximum or mean, whatever the strides and dilations say.
bool isGlobalPooling(const Layer& layer) {
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Dims& dims = layer.input(0)->dims();
    const bool unpadded = std::all_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad == 0; });
    return unpadded && p.kernel == Dims(dims.begin() + 2, dims.end());
}

// A format with the element type it holds: "NHWC8 FP16", "NCHW FP32".
std::string storedFormatText(DataType type, TensorFormat format, size_t rank) {
    std::string text = toString(format, rank);
    if (!format.storage) text += std::string(" ") + toString(type);
    return text;
}

// Why the FP16 channels-last kernels cannot run `config`, or nothing.
std::optional<std::string> channelsLastRefusal(const tactics::LayerConfig& config) {
    const Layer& layer = *config.layer;
    const size_t rank = layer.input(0)->dims().size();
    const TensorFormat in = config.inputFormats[0];
    if (!in.channelsLast || storageType(layer.input(0)->type(), in) != DataType::Float16)
        return "needs an FP16 channels-last input, not " + storedFormatText(layer.input(0)->type(), in, rank);
    const TensorFormat out = config.outputFormats[0];
    const DataType outStorage = storageType(layer.output(0)->type(), out);
    const bool sameLayout =
        out.channelsLast && outStorage == DataType::Float16 && channelPadding(out) == channelPadding(in);
    if (!sameLayout && !(out.isLinear() && outStorage == DataType::Float32)) {
        return "writes the input's format (" + storedFormatText(layer.input(0)->type(), in, rank) +
               ") or linear FP32, not " + storedFormatText(layer.output(0)->type(), out, rank);
    }
    return std::nullopt;
}

void addPoolingTactics(const tactics::LayerConfig& config,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const bool global = isGlobalPooling(layer);
    const std::string notGlobal = "the window does not cover the whole unpadded input";
    if (const std::optional<std::string> refusal = familyRefusal(config)) {
        for (const char* id : {kPoolingWindowId, kPoolingGlobalWarpId, kPoolingGlobalBlockId})
            skip(skipped, id, *refusal);
    } else {
        tactics.push_back(makeTactic<WindowPoolingKernel>(kPoolingWindowId, layer));
        if (global) {
            tactics.push_back(makeTactic<GlobalPoolingKernel<false>>(kPoolingGlobalWarpId, layer));
            tactics.push_back(makeTactic<GlobalPoolingKernel<true>>(kPoolingGlobalBlockId, layer));
        } else {
            skip(skipped, kPoolingGlobalWarpId, notGlobal);
            skip(skipped, kPoolingGlobalBlockId, notGlobal);
        }
    }
    if (const std::optional<std::string> refusal = channelsLastRefusal(config)) {
        for (const char* id : {kPoolingChannelsLastId, kPoolingGlobalChannelsLastId})
            skip(skipped, id, *refusal);
        return;
    }
    const ChannelsLastLayout layout = channelsLastLayout(config);
    tactics.push_back(makeTactic<ChannelsLastWindowPoolingKernel>(kPoolingChannelsLastId, layer, layout));
    if (global) {
        tactics.push_back(
            makeTactic<ChannelsLastGlobalPoolingKernel>(kPoolingGlobalChannelsLastId, layer, layout));
    } else {
        skip(skipped, kPoolingGlobalChannelsLastId, notGlobal);
    }
}

// ---- Softmax and ArgMinMax: a tensor seen as [outer, length, inner] around one axis ----

struct AxisView {
    int64_t outer = 1;
    int64_t length = 1;
    int64_t inner = 1;
};

AxisView axisView(const Dims& dims, size_t axis, bool flattenFromAxis) {
    AxisView view;
    view.outer = product(dims, 0, axis);
    view.length = flattenFromAxis ? product(dims, axis, dims.size()) : dims[axis];
    view.inner = flattenFromAxis ? 1 : product(dims, axis + 1, dims.size());
    return view;
}

AxisView softmaxView(const Layer& layer) {
    const SoftmaxParams& p = layer.paramsAs<SoftmaxParams>();
    return axisView(layer.input(0)->dims(), size_t(p.axis), p.flattenFromAxis);
}

// The reference's softmax: the row's maximum subtracted before exponentiating, so large inputs do not
// overflow; exp(shifted) / sum, or shifted - log(sum) for log-softmax.
__device__ float softmaxOutput(float shifted, float sum, float logSum, bool logSoftmax) {
    return logSoftmax ? shifted - logSum : expf(shifted) / sum;
}

// One thread per softmax vector, whose elements lie `inner` apart.
__global__ void threadSoftmaxKernel(const float* x, float* y, int64_t length, int64_t inner, bool logSoftmax,
                                    int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t base = i / inner * length * inner + i % inner;
        float maximum = Max::identity();
        for (int64_t j = 0; j < length; ++j)
            maximum = Max::combine(maximum, x[base + j * inner]);
        float sum = 0.0f;
        for (int64_t j = 0; j < length; ++j)
            sum += expf(x[base + j * inner] - maximum);
        const float logSum = logf(sum);
        for (int64_t j = 0; j < length; ++j) {
            y[base + j * inner] = softmaxOutput(x[base + j * inner] - maximum, sum, logSum, logSoftmax);
        }
    }
}

// One team per contiguous row.
template <bool WholeBlock>
__global__ void teamSoftmaxKernel(const float* x, float* y, int64_t rows, int64_t length, bool logSoftmax) {
    using Team = RowTeam<WholeBlock>;
    for (int64_t row = Team::firstRow(); row < rows; row += Team::rowStep()) {
        const float* in = x + row * length;
        float* out = y + row * length;
        float maximum = Max::identity();
        for (int64_t j = Team::lane(); j < length; j += Team::kSize)
            maximum = Max::combine(maximum, in[j]);
        maximum = Team::template reduce<Max>(maximum);
        float sum = 0.0f;
        for (int64_t j = Team::lane(); j < length; j += Team::kSize)
            sum += expf(in[j] - maximum);
        sum = Team::template reduce<Sum>(sum);
        const float logSum = logf(sum);
        for (int64_t j = Team::lane(); j < length; j += Team::kSize) {
            out[j] = softmaxOutput(in[j] - maximum, sum, logSum, logSoftmax);
        }
    }
}

class ThreadSoftmaxKernel final : public KilnCudaKernel {
public:
    explicit ThreadSoftmaxKernel(const Layer& layer) : KilnCudaKernel(layer), m_view(softmaxView(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t count = m_view.outer * m_view.inner;
        if (count == 0 || m_view.length == 0) return Status::ok();
        threadSoftmaxKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), floatsOf(args.outputs[0]), m_view.length, m_view.inner,
            m_layer.paramsAs<SoftmaxParams>().log, count);
        return launched("softmax");
    }

private:
    AxisView m_view;
};

template <bool WholeBlock>
class TeamSoftmaxKernel final : public KilnCudaKernel {
public:
    explicit TeamSoftmaxKernel(const Layer& layer) : KilnCudaKernel(layer), m_view(softmaxView(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (m_view.outer == 0 || m_view.length == 0) return Status::ok();
        teamSoftmaxKernel<WholeBlock>
            <<<teamBlocks<WholeBlock>(m_view.outer), kThreadsPerBlock, 0, stream(args)>>>(
                floatsOf(input(args, 0)), floatsOf(args.outputs[0]), m_view.outer, m_view.length,
                m_layer.paramsAs<SoftmaxParams>().log);
        return launched("softmax");
    }

private:
    AxisView m_view;
};

void addSoftmaxTactics(const Layer& layer, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    tactics.push_back(makeTactic<ThreadSoftmaxKernel>(kSoftmaxThreadId, layer));
    const AxisView view = softmaxView(layer);
    if (view.inner == 1) {
        tactics.push_back(makeTactic<TeamSoftmaxKernel<false>>(kSoftmaxWarpId, layer));
        tactics.push_back(makeTactic<TeamSoftmaxKernel<true>>(kSoftmaxBlockId, layer));
        return;
    }
    const std::string reason = "the softmax axis is not innermost (its elements lie " +
                               std::to_string(view.inner) + " apart); a team needs contiguous rows";
    skip(skipped, kSoftmaxWarpId, reason);
    skip(skipped, kSoftmaxBlockId, reason);
}

// ---- Reduce ----

// What each ReduceOp folds its elements into and how it finishes, as the reference does.
template <ReduceOp Op>
struct Reduction {
    using Combine =
        std::conditional_t<Op == ReduceOp::Max || Op == ReduceOp::LogSumExp, NanMax,
                           std::conditional_t<Op == ReduceOp::Min, NanMin,
                                              std::conditional_t<Op == ReduceOp::Prod, Product, Sum>>>;

    __device__ static float fold(float acc, float x) {
        if constexpr (Op == ReduceOp::L1) {
            return acc + fabsf(x);
        } else if constexpr (Op == ReduceOp::L2 || Op == ReduceOp::SumSquare) {
            return fmaf(x, x, acc);
        } else {
            return Combine::combine(acc, x);
        }
    }

    // The output from the combination of `count` folded elements. LogSumExp finishes elsewhere: it
    // needs a second pass over the elements.
    __device__ static float finish(float acc, int64_t count) {
        if constexpr (Op == ReduceOp::Mean) {
            return acc / float(count);
        } else if constexpr (Op == ReduceOp::L2) {
            return sqrtf(acc);
        } else if constexpr (Op == ReduceOp::LogSum) {
            return logf(acc);
        } else {
            return acc;
        }
    }
};

// Calls launch(std::integral_constant<ReduceOp, op>()), so that kernels are compiled per operation.
template <typename Launch>
void withReduceOp(ReduceOp op, Launch launch) {
    switch (op) {
        case ReduceOp::Sum:
            return launch(std::integral_constant<ReduceOp, ReduceOp::Sum>());
        case ReduceOp::Mean:
            return launch(std::integral_constant<ReduceOp, ReduceOp::Mean>());
        case ReduceOp::Max:
            return launch(std::integral_constant<ReduceOp, ReduceOp::Max>());
        case ReduceOp::Min:
            return launch(std::integral_constant<ReduceOp, ReduceOp::Min>());
        case ReduceOp::Prod:
            return launch(std::integral_constant<ReduceOp, ReduceOp::Prod>());
        case ReduceOp::L1:
            return launch(std::integral_constant<ReduceOp, ReduceOp::L1>());
        case ReduceOp::L2:
            return launch(std::integral_constant<ReduceOp, ReduceOp::L2>());
        case ReduceOp::SumSquare:
            return launch(std::integral_constant<ReduceOp, ReduceOp::SumSquare>());
        case ReduceOp::LogSum:
            return launch(std::integral_constant<ReduceOp, ReduceOp::LogSum>());
        case ReduceOp::LogSumExp:
            return launch(std::integral_constant<ReduceOp, ReduceOp::LogSumExp>());
    }
}

// The element offset of row-major index `index` over `shape`'s extents, with `shape`'s strides.
__device__ int64_t offsetOf(int64_t index, const ShapeDesc& shape) {
    int64_t offset = 0;
    for (int axis = shape.rank - 1; axis >= 0; --axis) {
        offset += index % shape.extents[axis] * shape.strides[axis];
        index /= shape.extents[axis];
    }
    return offset;
}

// Calls visit(offset) for every element of `shape` (rank at least 1), the last axis in the inner loop.
template <typename Visit>
__device__ void forEachOffset(const ShapeDesc& shape, Visit visit) {
    const int last = shape.rank - 1;
    int64_t outerCount = 1;
    for (int axis = 0; axis < last; ++axis)
        outerCount *= shape.extents[axis];
    for (int64_t outer = 0; outer < outerCount; ++outer) {
        int64_t rest = outer;
        int64_t base = 0;
        for (int axis = last - 1; axis >= 0; --axis) {
            base += rest % shape.extents[axis] * shape.strides[axis];
            rest /= shape.extents[axis];
        }
        for (int64_t j = 0; j < shape.extents[last]; ++j)
            visit(base + j * shape.strides[last]);
    }
}

// One thread per output element, over any set of reduced axes.
template <ReduceOp Op>
__global__ void threadReduceKernel(const float* x, float* y, ShapeDesc kept, ShapeDesc reduced,
                                   int64_t reducedCount, int64_t count) {
    using R = Reduction<Op>;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const float* in = x + offsetOf(i, kept);
        float acc = R::Combine::identity();
        forEachOffset(reduced, [&](int64_t offset) { acc = R::fold(acc, in[offset]); });
        if constexpr (Op == ReduceOp::LogSumExp) {
            if (isfinite(acc)) {
                float sum = 0.0f;
                forEachOffset(reduced, [&](int64_t offset) { sum += expf(in[offset] - acc); });
                acc += logf(sum);
            }
        }
        y[i] = R::finish(acc, reducedCount);
    }
}

// One team per output element whose reduced elements are a contiguous row.
template <ReduceOp Op, bool WholeBlock>
__global__ void teamReduceKernel(const float* x, float* y, int64_t rows, int64_t length) {
    using Team = RowTeam<WholeBlock>;
    using R = Reduction<Op>;
    for (int64_t row = Team::firstRow(); row < rows; row += Team::rowStep()) {
        const float* in = x + row * length;
        float acc = R::Combine::identity();
        for (int64_t j = Team::lane(); j < length; j += Team::kSize)
            acc = R::fold(acc, in[j]);
        acc = Team::template reduce<typename R::Combine>(acc);
        if constexpr (Op == ReduceOp::LogSumExp) {
            // Every member holds the same maximum, so the whole team takes this branch or none of it.
            if (isfinite(acc)) {
                float sum = 0.0f;
                for (int64_t j = Team::lane(); j < length; j += Team::kSize)
                    sum += expf(in[j] - acc);
                acc += logf(Team::template reduce<Sum>(sum));
            }
        }
        if (Team::lane() == 0) y[row] = R::finish(acc, length);
    }
}

// The axes of a dense tensor split into kept and reduced ones, each group with its element strides.
// Unit axes are dropped, and an axis that continues the previous axis of its group in memory is merged
// into it, so that the loops over a group are few and long. `reduced` has at least one axis.
struct ReduceLayout {
    ShapeDesc kept;
    ShapeDesc reduced;
};

ReduceLayout reduceLayout(const Dims& dims, const std::vector<int64_t>& axes) {
    const ShapeDesc dense = denseShape(dims);
    ReduceLayout layout;
    for (int axis = 0; axis < dense.rank; ++axis) {
        if (dense.extents[axis] == 1) continue;
        const bool isReduced = std::find(axes.begin(), axes.end(), int64_t(axis)) != axes.end();
        ShapeDesc& group = isReduced ? layout.reduced : layout.kept;
        const int last = group.rank - 1;
        if (last >= 0 && group.strides[last] == dense.extents[axis] * dense.strides[axis]) {
            group.extents[last] *= dense.extents[axis];
            group.strides[last] = dense.strides[axis];
        } else {
            group.extents[group.rank] = dense.extents[axis];
            group.strides[group.rank] = dense.strides[axis];
            ++group.rank;
        }
    }
    if (layout.reduced.rank == 0) {
        layout.reduced.rank = 1;
        layout.reduced.extents[0] = 1;
    }
    return layout;
}

// Whether the reduced elements of output i are the contiguous row [i * length, (i + 1) * length): the
// reduced axes come after every kept one (unit axes aside).
bool reducesTrailingRun(const ReduceLayout& layout) {
    return layout.reduced.rank == 1 && (layout.reduced.strides[0] == 1 || layout.reduced.extents[0] <= 1);
}

class ThreadReduceKernel final : public KilnCudaKernel {
public:
    explicit ThreadReduceKernel(const Layer& layer)
        : KilnCudaKernel(layer),
          m_layout(reduceLayout(layer.input(0)->dims(), layer.paramsAs<ReduceParams>().axes)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t count = volume(m_layer.output(0)->dims());
        if (count == 0) return Status::ok();
        const int64_t reducedCount = volume(m_layer.input(0)->dims()) / count;
        const float* x = floatsOf(input(args, 0));
        float* y = floatsOf(args.outputs[0]);
        withReduceOp(m_layer.paramsAs<ReduceParams>().op, [&](auto op) {
            threadReduceKernel<decltype(op)::value><<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
                x, y, m_layout.kept, m_layout.reduced, reducedCount, count);
        });
        return launched("reduce");
    }

private:
    ReduceLayout m_layout;
};

template <bool WholeBlock>
class TeamReduceKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t rows = volume(m_layer.output(0)->dims());
        if (rows == 0) return Status::ok();
        const int64_t length = volume(m_layer.input(0)->dims()) / rows;
        const float* x = floatsOf(input(args, 0));
        float* y = floatsOf(args.outputs[0]);
        withReduceOp(m_layer.paramsAs<ReduceParams>().op, [&](auto op) {
            teamReduceKernel<decltype(op)::value, WholeBlock>
                <<<teamBlocks<WholeBlock>(rows), kThreadsPerBlock, 0, stream(args)>>>(x, y, rows, length);
        });
        return launched("reduce");
    }
};

void addReduceOpTactics(const Layer& layer, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped) {
    const Dims& dims = layer.input(0)->dims();
    if (dims.size() > size_t(kMaxRank)) {
        const std::string reason =
            "rank " + std::to_string(dims.size()) + " is above " + std::to_string(kMaxRank);
        for (const char* id : {kReduceThreadId, kReduceWarpId, kReduceBlockId})
            skip(skipped, id, reason);
        return;
    }
    tactics.push_back(makeTactic<ThreadReduceKernel>(kReduceThreadId, layer));
    if (reducesTrailingRun(reduceLayout(dims, layer.paramsAs<ReduceParams>().axes))) {
        tactics.push_back(makeTactic<TeamReduceKernel<false>>(kReduceWarpId, layer));
        tactics.push_back(makeTactic<TeamReduceKernel<true>>(kReduceBlockId, layer));
        return;
    }
    const std::string reason = "the reduced axes are not the innermost ones; a team needs contiguous rows";
    skip(skipped, kReduceWarpId, reason);
    skip(skipped, kReduceBlockId, reason);
}

// ---- ArgMinMax ----

// One thread per output: the reference's scan, step by step. It starts from element 0 and moves to a
// strictly better value, or an equal one with selectLastIndex; a NaN never compares better or equal.
__global__ void threadArgMinMaxKernel(const float* x, int64_t* y, int64_t length, int64_t inner, bool isMax,
                                      bool selectLast, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const float* in = x + i / inner * length * inner + i % inner;
        float best = in[0];
        int64_t bestIndex = 0;
        for (int64_t j = 1; j < length; ++j) {
            const float value = in[j * inner];
            const bool better = isMax ? value > best : value < best;
            if (better || (selectLast && value == best)) {
                best = value;
                bestIndex = j;
            }
        }
        y[i] = bestIndex;
    }
}

// Whether candidate (value, index) wins over (best, bestIndex) in the reference's scan, where a negative
// index is no candidate: a better value, or an equal one at the index the scan would keep.
__device__ bool wins(float value, int64_t index, float best, int64_t bestIndex, bool isMax, bool selectLast) {
    if (index < 0) return false;
    if (bestIndex < 0) return true;
    if (isMax ? value > best : value < best) return true;
    return value == best && (selectLast ? index > bestIndex : index < bestIndex);
}

// One warp per contiguous row. The reference's scan ends at the first (or last) index of the row's
// best value among its non-NaN elements, unless element 0 is NaN: then nothing compares better and the
// scan stays at 0. Each lane finds its best non-NaN candidate, the lanes pick the winner by the same
// rule, and a NaN at element 0 overrides it.
__global__ void warpArgMinMaxKernel(const float* x, int64_t* y, int64_t rows, int64_t length, bool isMax,
                                    bool selectLast) {
    using Team = RowTeam<false>;
    for (int64_t row = Team::firstRow(); row < rows; row += Team::rowStep()) {
        const float* in = x + row * length;
        float best = 0.0f;
        int64_t bestIndex = -1;
        for (int64_t j = Team::lane(); j < length; j += Team::kSize) {
            const float value = in[j];
            if (!isnan(value) && wins(value, j, best, bestIndex, isMax, selectLast)) {
                best = value;
                bestIndex = j;
            }
        }
        for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
            const float otherBest = __shfl_xor_sync(kFullWarp, best, offset);
            const int64_t otherIndex = __shfl_xor_sync(kFullWarp, bestIndex, offset);
            if (wins(otherBest, otherIndex, best, bestIndex, isMax, selectLast)) {
                best = otherBest;
                bestIndex = otherIndex;
            }
        }
        if (Team::lane() == 0) y[row] = isnan(in[0]) || bestIndex < 0 ? 0 : bestIndex;
    }
}

AxisView argMinMaxView(const Layer& layer) {
    return axisView(layer.input(0)->dims(), size_t(layer.paramsAs<ArgMinMaxParams>().axis), false);
}

class ThreadArgMinMaxKernel final : public KilnCudaKernel {
public:
    explicit ThreadArgMinMaxKernel(const Layer& layer)
        : KilnCudaKernel(layer), m_view(argMinMaxView(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const ArgMinMaxParams& p = m_layer.paramsAs<ArgMinMaxParams>();
        const int64_t count = m_view.outer * m_view.inner;
        if (count == 0) return Status::ok();
        threadArgMinMaxKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), reinterpret_cast<int64_t*>(args.outputs[0]), m_view.length,
            m_view.inner, p.max, p.selectLastIndex, count);
        return launched("argminmax");
    }

private:
    AxisView m_view;
};

class WarpArgMinMaxKernel final : public KilnCudaKernel {
public:
    explicit WarpArgMinMaxKernel(const Layer& layer) : KilnCudaKernel(layer), m_view(argMinMaxView(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const ArgMinMaxParams& p = m_layer.paramsAs<ArgMinMaxParams>();
        if (m_view.outer == 0) return Status::ok();
        warpArgMinMaxKernel<<<teamBlocks<false>(m_view.outer), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), reinterpret_cast<int64_t*>(args.outputs[0]), m_view.outer,
            m_view.length, p.max, p.selectLastIndex);
        return launched("argminmax");
    }

private:
    AxisView m_view;
};

void addArgMinMaxTactics(const Layer& layer, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    tactics.push_back(makeTactic<ThreadArgMinMaxKernel>(kArgMinMaxThreadId, layer));
    const AxisView view = argMinMaxView(layer);
    if (view.inner == 1) {
        tactics.push_back(makeTactic<WarpArgMinMaxKernel>(kArgMinMaxWarpId, layer));
        return;
    }
    skip(skipped, kArgMinMaxWarpId,
         "the axis is not innermost (its elements lie " + std::to_string(view.inner) +
             " apart); a warp needs contiguous rows");
}

// ---- LRN ----

// One thread per element: the squares of the channel window around it (clipped at the first and last
// channel), x / (bias + alpha / size * sum) ^ beta.
__global__ void lrnKernel(const float* x, float* y, int64_t channels, int64_t inner, int64_t below,
                          int64_t above, float scale, float bias, float beta, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t channel = i / inner % channels;
        const float* channelZero = x + i - channel * inner;
        const int64_t first = channel - below > 0 ? channel - below : 0;
        const int64_t last = channel + above < channels - 1 ? channel + above : channels - 1;
        float squares = 0.0f;
        for (int64_t j = first; j <= last; ++j) {
            const float value = channelZero[j * inner];
            squares = fmaf(value, value, squares);
        }
        y[i] = x[i] / powf(fmaf(scale, squares, bias), beta);
    }
}

class LrnKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status run(const tactics::KernelArgs& args) const override {
        const LrnParams& p = m_layer.paramsAs<LrnParams>();
        const Dims& dims = m_layer.input(0)->dims();
        const int64_t count = volume(dims);
        if (count == 0) return Status::ok();
        const int64_t below = (p.size - 1) / 2;
        const float scale = float(double(p.alpha) / double(p.size));
        lrnKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), floatsOf(args.outputs[0]), dims[1], product(dims, 2, dims.size()),
            below, p.size - 1 - below, scale, p.bias, p.beta, count);
        return launched("LRN");
    }
};

// ---- InstanceNorm ----

// One team per (n, c) plane: its mean, then its population variance from the squared deviations (two
// passes, as the reference, rather than E[x^2] - E[x]^2), then the normalised plane.
template <bool WholeBlock>
__global__ void instanceNormKernel(const float* x, const float* scale, const float* bias, float* y,
                                   int64_t planes, int64_t channels, int64_t spatial, float epsilon) {
    using Team = RowTeam<WholeBlock>;
    for (int64_t plane = Team::firstRow(); plane < planes; plane += Team::rowStep()) {
        const float* in = x + plane * spatial;
        float* out = y + plane * spatial;
        float sum = 0.0f;
        for (int64_t j = Team::lane(); j < spatial; j += Team::kSize)
            sum += in[j];
        const float mean = Team::template reduce<Sum>(sum) / float(spatial);
        float squares = 0.0f;
        for (int64_t j = Team::lane(); j < spatial; j += Team::kSize) {
            const float deviation = in[j] - mean;
            squares = fmaf(deviation, deviation, squares);
        }
        const float variance = Team::template reduce<Sum>(squares) / float(spatial);
        const int64_t channel = plane % channels;
        const float factor = scale[channel] / sqrtf(variance + epsilon);
        for (int64_t j = Team::lane(); j < spatial; j += Team::kSize)
            out[j] = fmaf(in[j] - mean, factor, bias[channel]);
    }
}

template <bool WholeBlock>
class InstanceNormKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status run(const tactics::KernelArgs& args) const override {
        const Dims& dims = m_layer.input(0)->dims();
        const int64_t planes = dims[0] * dims[1];
        const int64_t spatial = product(dims, 2, dims.size());
        if (planes == 0 || spatial == 0) return Status::ok();
        instanceNormKernel<WholeBlock><<<teamBlocks<WholeBlock>(planes), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), floatsOf(input(args, 1)), floatsOf(input(args, 2)),
            floatsOf(args.outputs[0]), planes, dims[1], spatial,
            m_layer.paramsAs<InstanceNormParams>().epsilon);
        return launched("instance norm");
    }
};

// ---- LayerNorm ----

// One team per row of the normalised axes, as instance norm's planes, scaled and shifted per position.
template <bool WholeBlock>
__global__ void layerNormKernel(const float* x, const float* scale, const float* bias, float* y, int64_t rows,
                                int64_t length, float epsilon) {
    using Team = RowTeam<WholeBlock>;
    for (int64_t row = Team::firstRow(); row < rows; row += Team::rowStep()) {
        const float* in = x + row * length;
        float* out = y + row * length;
        float sum = 0.0f;
        for (int64_t j = Team::lane(); j < length; j += Team::kSize)
            sum += in[j];
        const float mean = Team::template reduce<Sum>(sum) / float(length);
        float squares = 0.0f;
        for (int64_t j = Team::lane(); j < length; j += Team::kSize) {
            const float deviation = in[j] - mean;
            squares = fmaf(deviation, deviation, squares);
        }
        const float factor = 1.0f / sqrtf(Team::template reduce<Sum>(squares) / float(length) + epsilon);
        for (int64_t j = Team::lane(); j < length; j += Team::kSize) {
            const float normalized = (in[j] - mean) * factor * scale[j];
            out[j] = bias ? normalized + bias[j] : normalized;
        }
    }
}

template <bool WholeBlock>
class LayerNormKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status run(const tactics::KernelArgs& args) const override {
        const Dims& dims = m_layer.input(0)->dims();
        const auto& p = m_layer.paramsAs<LayerNormParams>();
        const int64_t rows = product(dims, 0, size_t(p.axis));
        const int64_t length = product(dims, size_t(p.axis), dims.size());
        if (rows == 0 || length == 0) return Status::ok();
        const bool hasBias = m_layer.inputs().size() > 2 && m_layer.input(2) != nullptr;
        layerNormKernel<WholeBlock><<<teamBlocks<WholeBlock>(rows), kThreadsPerBlock, 0, stream(args)>>>(
            floatsOf(input(args, 0)), floatsOf(input(args, 1)), hasBias ? floatsOf(input(args, 2)) : nullptr,
            floatsOf(args.outputs[0]), rows, length, p.epsilon);
        return launched("layer norm");
    }
};

// ---- The family ----

// Every tactic id of the family's linear FP32 kernels for a kind of layer; none for pooling, which has
// kernels for other formats too (addPoolingTactics), and for kinds outside the family.
std::vector<const char*> familyTacticIds(LayerKind kind) {
    switch (kind) {
        case LayerKind::Softmax:
            return {kSoftmaxThreadId, kSoftmaxWarpId, kSoftmaxBlockId};
        case LayerKind::Reduce:
            return {kReduceThreadId, kReduceWarpId, kReduceBlockId};
        case LayerKind::ArgMinMax:
            return {kArgMinMaxThreadId, kArgMinMaxWarpId};
        case LayerKind::Lrn:
            return {kLrnId};
        case LayerKind::InstanceNorm:
            return {kInstanceNormWarpId, kInstanceNormBlockId};
        case LayerKind::LayerNorm:
            return {kLayerNormWarpId, kLayerNormBlockId};
        default:
            return {};
    }
}

}  // namespace

void addReduceTactics(const tactics::LayerConfig& config,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    if (layer.kind() == LayerKind::Pooling) return addPoolingTactics(config, tactics, skipped);
    const std::vector<const char*> ids = familyTacticIds(layer.kind());
    if (ids.empty()) return;
    if (const std::optional<std::string> refusal = familyRefusal(config)) {
        for (const char* id : ids)
            skip(skipped, id, *refusal);
        return;
    }
    switch (layer.kind()) {
        case LayerKind::Softmax:
            return addSoftmaxTactics(layer, tactics, skipped);
        case LayerKind::Reduce:
            return addReduceOpTactics(layer, tactics, skipped);
        case LayerKind::ArgMinMax:
            return addArgMinMaxTactics(layer, tactics, skipped);
        case LayerKind::Lrn:
            tactics.push_back(makeTactic<LrnKernel>(kLrnId, layer));
            return;
        case LayerKind::InstanceNorm:
            tactics.push_back(makeTactic<InstanceNormKernel<false>>(kInstanceNormWarpId, layer));
            tactics.push_back(makeTactic<InstanceNormKernel<true>>(kInstanceNormBlockId, layer));
            return;
        case LayerKind::LayerNorm:
            tactics.push_back(makeTactic<LayerNormKernel<false>>(kLayerNormWarpId, layer));
            tactics.push_back(makeTactic<LayerNormKernel<true>>(kLayerNormBlockId, layer));
            return;
        default:
            return;
    }
}

}  // namespace kiln::cuda
