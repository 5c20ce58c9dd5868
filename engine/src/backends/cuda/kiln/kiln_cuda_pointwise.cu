// Kiln CUDA tactics for Activation, Unary, Elementwise, Select, Cast, BatchNorm and PointwiseChain layers.
//
// Every layer of the family computes output element i from one element of each input. An operation
// (an "Op": the formula and the typed pointers) is kept apart from how those elements are found, of
// which there are three ways, each a tactic where it applies. All three see the output's axes
// coalesced: axes of extent 1 dropped and neighbours merged wherever every input reads them as one
// axis. Flat: one axis is left, so every input has the output's volume or is one element and is read
// at i or at 0; where the pointers are aligned, each thread does four consecutive elements with one
// vector load per input. Rows: the output as [rows, inner] with inner the last coalesced axis, along
// which every input is contiguous or constant; a 2-D grid finds each input's offset once per row (one
// division for a per-channel input, one per outer axis for other broadcasts) and walks the row with no
// division at all, four elements at a time where aligned.
// This is the per-channel path: [1,C,1,1] or [N,C,1,1] over [N,C,H,W] (bias, batch-norm,
// squeeze-excitation scales) gives rows of H*W. Strided: any numpy broadcast, the coordinates of every
// element recovered with one multiply-shift division per axis: slower, but it serves rows shorter
// than a warp.
//
// FP16 builds keep activations channels-last in FP16 ([N][positions][C padded], padded lanes zero).
// Activation, Unary, Elementwise, BatchNorm and PointwiseChain have a tactic of their own for those
// tensors ("nhwc-fp16"): a thread takes adjacent channels of one position, 8 halves to a 16-byte
// access, computes in FP32 with the same formulas, rounds once to FP16 and writes zeros past the last
// channel. Its other inputs are constants, laid out once in FP32 per padded channel (or per position),
// or activations in the same format: of the output's shape, one element, or one value per channel
// ([N or 1, C, 1, 1]: squeeze-excitation scales), per image or per position.
#include "backends/cuda/kiln/kiln_cuda_pointwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/cuda/kiln/kiln_cuda_common.h"
#include "backends/cuda/kiln/kiln_cuda_pointwise_math.cuh"

namespace kiln::cuda {

namespace {

// Input slots an Op reads through the layouts: a chain's data and up to eight operand inputs.
// BatchNorm reads its four per-channel inputs through one slot.
constexpr int kMaxInputs = 9;
constexpr int kMaxChainSteps = 16;
// Threads walk a row a warp or more at a time: with rows shorter than a warp most lanes would idle.
constexpr int64_t kMinRowLength = 32;

// Division by a divisor fixed when the kernel is made, as a multiply-high, an add and a shift (the
// Granlund-Montgomery method, as in PyTorch's IntDivider): a 64-bit division costs dozens of
// instructions, which a memory-bound kernel doing several per element feels. The shortcut is exact
// for dividends and divisors below 2^31; anything larger is divided plainly.
struct FastDivisor {
    int64_t divisor = 1;
    uint32_t multiplier = 0;
    uint32_t shift = 0;
    bool narrow = false;

    static FastDivisor of(int64_t divisor) {
        FastDivisor result;
        result.divisor = divisor;
        if (divisor < 1 || divisor > INT32_MAX) return result;
        while ((int64_t(1) << result.shift) < divisor)
            ++result.shift;
        result.multiplier = uint32_t(
            ((uint64_t(1) << 32) * ((uint64_t(1) << result.shift) - uint64_t(divisor))) / uint64_t(divisor) +
            1);
        result.narrow = true;
        return result;
    }

    __device__ int64_t quotient(int64_t dividend) const {
        if (narrow && dividend <= INT32_MAX) {
            const uint32_t n = uint32_t(dividend);
            return int64_t((__umulhi(n, multiplier) + n) >> shift);
        }
        return dividend / divisor;
    }
    __device__ int64_t remainder(int64_t dividend) const { return dividend - quotient(dividend) * divisor; }
};

// Flat: input k is read at i where bit k of `whole` is set (it has the output's volume), else at 0. A
// mask rather than an array of strides, which a run-time index would force into local memory.
struct FlatLayout {
    int64_t count = 0;
    uint32_t whole = 0;
    __device__ bool reads(int k) const { return (whole >> k & 1u) != 0; }
};

// Rows: output element (row, j) of [rows, inner] reads input k at its row offset plus j times its
// inner stride (0 or 1). Where every input varies along a trailing run of the outer axes only
// (per-channel, per-batch-and-channel and trailing-axis inputs: the common case), an input's row
// offset is (row % mid) * rowStride, one division at most; otherwise (`general`) it is the dot product
// of the row's coordinates along the outer axes with the input's strides there.
struct RowInput {
    FastDivisor mid;
    bool wraps = false;  // the input repeats along the rows (mid < rows), so the remainder is needed
    int64_t rowStride = 0;
    int64_t innerStride = 0;
    int64_t outerStrides[kMaxRank - 1] = {};
};

struct RowsLayout {
    bool general = false;
    int outerRank = 0;
    int64_t rows = 0;
    int64_t inner = 0;
    FastDivisor outer[kMaxRank - 1];
    RowInput inputs[kMaxInputs];
};

// Strided: the coordinates of i along the coalesced axes, dotted with each input's strides.
struct StridedLayout {
    int rank = 0;
    int64_t count = 0;
    FastDivisor extents[kMaxRank];
    int64_t strides[kMaxInputs][kMaxRank] = {};
};

// Four consecutive elements, loaded and stored as one access (16 bytes for FP32).
template <typename T>
struct alignas(4 * sizeof(T)) Four {
    T lane[4];
};

// Where four consecutive output elements find an input: four consecutive elements from `offset`, or
// the one element at `offset` for all four.
struct Span {
    int64_t offset;
    bool consecutive;
};

template <typename T>
__device__ Four<T> loadFour(const T* data, Span at) {
    if (at.consecutive) return *reinterpret_cast<const Four<T>*>(data + at.offset);
    const T value = data[at.offset];
    return {{value, value, value, value}};
}

template <typename T>
__device__ void storeFour(T* data, int64_t at, const Four<T>& four) {
    *reinterpret_cast<Four<T>*>(data + at) = four;
}

template <typename T>
bool fourAligned(const T* pointer) {
    return reinterpret_cast<uintptr_t>(pointer) % (4 * sizeof(T)) == 0;
}

// An Op has element(i, at), which computes output element i reading input k at element at(k), and
// four(i, at), which computes elements i..i+3 reading input k at the Span at(k). Its host-side
// aligned(consecutive) says whether four() may run: the output and every input read consecutively
// aligned for vector access.

template <typename Op>
__global__ void flatKernel(Op op, FlatLayout layout) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < layout.count;
         i += int64_t(gridDim.x) * blockDim.x) {
        op.element(i, [&](int k) { return layout.reads(k) ? i : 0; });
    }
}

template <typename Op>
__global__ void flatFourKernel(Op op, FlatLayout layout) {
    const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    const int64_t fours = layout.count / 4;
    for (int64_t f = first; f < fours; f += stride) {
        const int64_t i = f * 4;
        op.four(i, [&](int k) { return Span{layout.reads(k) ? i : 0, layout.reads(k)}; });
    }
    for (int64_t i = fours * 4 + first; i < layout.count; i += stride) {
        op.element(i, [&](int k) { return layout.reads(k) ? i : 0; });
    }
}

// x walks columns (kWidth elements each) of a row, y walks rows; an input's row offset is invariant
// in the column loop.
template <typename Op, int kWidth>
__global__ void rowsKernel(Op op, RowsLayout layout) {
    const int64_t columns = layout.inner / kWidth;
    for (int64_t row = int64_t(blockIdx.y) * blockDim.y + threadIdx.y; row < layout.rows;
         row += int64_t(gridDim.y) * blockDim.y) {
        int64_t coordinates[kMaxRank - 1] = {};
        if (layout.general) {
            int64_t rest = row;
#pragma unroll
            for (int axis = kMaxRank - 2; axis >= 0; --axis) {
                if (axis < layout.outerRank) {
                    const int64_t quotient = layout.outer[axis].quotient(rest);
                    coordinates[axis] = rest - quotient * layout.outer[axis].divisor;
                    rest = quotient;
                }
            }
        }
        for (int64_t column = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; column < columns;
             column += int64_t(gridDim.x) * blockDim.x) {
            const int64_t j = column * kWidth;
            const auto at = [&](int k) {
                const RowInput& input = layout.inputs[k];
                int64_t offset = j * input.innerStride;
                if (layout.general) {
#pragma unroll
                    for (int axis = 0; axis < kMaxRank - 1; ++axis) {
                        if (axis < layout.outerRank) offset += coordinates[axis] * input.outerStrides[axis];
                    }
                } else {
                    offset += (input.wraps ? input.mid.remainder(row) : row) * input.rowStride;
                }
                return offset;
            };
            const int64_t i = row * layout.inner + j;
            if constexpr (kWidth == 4) {
                op.four(i, [&](int k) { return Span{at(k), layout.inputs[k].innerStride != 0}; });
            } else {
                op.element(i, at);
            }
        }
    }
}

template <typename Op>
__global__ void stridedKernel(Op op, StridedLayout layout) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < layout.count;
         i += int64_t(gridDim.x) * blockDim.x) {
        int64_t coordinates[kMaxRank] = {};
        int64_t rest = i;
#pragma unroll
        for (int axis = kMaxRank - 1; axis >= 0; --axis) {
            if (axis < layout.rank) {
                const int64_t quotient = layout.extents[axis].quotient(rest);
                coordinates[axis] = rest - quotient * layout.extents[axis].divisor;
                rest = quotient;
            }
        }
        op.element(i, [&](int k) {
            int64_t offset = 0;
#pragma unroll
            for (int axis = 0; axis < kMaxRank; ++axis) {
                if (axis < layout.rank) offset += coordinates[axis] * layout.strides[k][axis];
            }
            return offset;
        });
    }
}

// Output element i is fn of one element of each input. Map1 serves the layers whose single input has
// the output's shape (Activation, Unary, Cast), Map2 Elementwise, Map3 Select.
template <typename Fn, typename Out, typename A>
struct Map1 {
    Fn fn;
    Out* out;
    const A* a;

    template <typename At>
    __device__ void element(int64_t i, At at) const {
        out[i] = fn(a[at(0)]);
    }
    template <typename At>
    __device__ void four(int64_t i, At at) const {
        const Four<A> x = loadFour(a, at(0));
        Four<Out> y;
#pragma unroll
        for (int lane = 0; lane < 4; ++lane)
            y.lane[lane] = fn(x.lane[lane]);
        storeFour(out, i, y);
    }
    bool aligned(const bool* consecutive) const {
        return fourAligned(out) && (!consecutive[0] || fourAligned(a));
    }
};

template <typename Fn, typename Out, typename A, typename B>
struct Map2 {
    Fn fn;
    Out* out;
    const A* a;
    const B* b;

    template <typename At>
    __device__ void element(int64_t i, At at) const {
        out[i] = fn(a[at(0)], b[at(1)]);
    }
    template <typename At>
    __device__ void four(int64_t i, At at) const {
        const Four<A> x = loadFour(a, at(0));
        const Four<B> y = loadFour(b, at(1));
        Four<Out> z;
#pragma unroll
        for (int lane = 0; lane < 4; ++lane)
            z.lane[lane] = fn(x.lane[lane], y.lane[lane]);
        storeFour(out, i, z);
    }
    bool aligned(const bool* consecutive) const {
        return fourAligned(out) && (!consecutive[0] || fourAligned(a)) && (!consecutive[1] || fourAligned(b));
    }
};

template <typename Fn, typename Out, typename A, typename B, typename C>
struct Map3 {
    Fn fn;
    Out* out;
    const A* a;
    const B* b;
    const C* c;

    template <typename At>
    __device__ void element(int64_t i, At at) const {
        out[i] = fn(a[at(0)], b[at(1)], c[at(2)]);
    }
    template <typename At>
    __device__ void four(int64_t i, At at) const {
        const Four<A> x = loadFour(a, at(0));
        const Four<B> y = loadFour(b, at(1));
        const Four<C> z = loadFour(c, at(2));
        Four<Out> w;
#pragma unroll
        for (int lane = 0; lane < 4; ++lane)
            w.lane[lane] = fn(x.lane[lane], y.lane[lane], z.lane[lane]);
        storeFour(out, i, w);
    }
    bool aligned(const bool* consecutive) const {
        return fourAligned(out) && (!consecutive[0] || fourAligned(a)) &&
               (!consecutive[1] || fourAligned(b)) && (!consecutive[2] || fourAligned(c));
    }
};

struct ActivationFn {
    ActivationType type;
    float alpha;
    float beta;
    __device__ float operator()(float x) const { return activate(type, alpha, beta, x); }
};

struct UnaryFloatFn {
    UnaryOp op;
    __device__ float operator()(float x) const { return unaryFloat(op, x); }
};

template <typename T>
struct UnaryIntegerFn {
    UnaryOp op;
    __device__ T operator()(T x) const { return integerUnary(op, x); }
};

struct NotFn {
    __device__ Bool operator()(Bool x) const { return x == 0 ? 1 : 0; }
};

struct ArithmeticFloatFn {
    ElementwiseOp op;
    __device__ float operator()(float a, float b) const { return arithmeticFloat(op, a, b); }
};

template <typename T>
struct ArithmeticIntegerFn {
    ElementwiseOp op;
    __device__ T operator()(T a, T b) const { return integerArithmetic(op, a, b); }
};

template <typename T>
struct CompareFn {
    ElementwiseOp op;
    __device__ Bool operator()(T a, T b) const { return compareValues(op, a, b) ? 1 : 0; }
};

// And, Or and the comparisons of BOOL inputs, on their truth values.
struct LogicFn {
    ElementwiseOp op;
    __device__ Bool operator()(Bool a, Bool b) const {
        const bool p = a != 0;
        const bool q = b != 0;
        switch (op) {
            case ElementwiseOp::And:
                return p && q;
            case ElementwiseOp::Or:
                return p || q;
            default:
                return compareValues(op, p, q);
        }
    }
};

// T stands for any element of its size: Select copies elements without looking at them.
template <typename T>
struct SelectFn {
    __device__ T operator()(Bool condition, T x, T y) const { return condition != 0 ? x : y; }
};

template <typename D, typename S>
struct CastFn {
    __device__ D operator()(S value) const { return castValue<D>(value); }
};

// Input slot 0 is the data, slot 1 the channel: scale, bias, mean and variance (or the factors
// prepared from scale and variance) are all read at that one offset.
struct BatchNormOp {
    float* out;
    const float* data;
    const float* scale;
    const float* bias;
    const float* mean;
    const float* variance;
    const double* factors;  // scale / sqrt(variance + epsilon) per channel; null: computed per element
    float epsilon;

    __device__ float compute(float x, int64_t channel) const {
        const double factor =
            factors ? factors[channel] : batchNormFactor(scale[channel], variance[channel], epsilon);
        return batchNorm(x, mean[channel], bias[channel], factor);
    }
    template <typename At>
    __device__ void element(int64_t i, At at) const {
        out[i] = compute(data[at(0)], at(1));
    }
    template <typename At>
    __device__ void four(int64_t i, At at) const {
        const Four<float> x = loadFour(data, at(0));
        const Span channel = at(1);
        Four<float> y;
#pragma unroll
        for (int lane = 0; lane < 4; ++lane) {
            y.lane[lane] = compute(x.lane[lane], channel.offset + (channel.consecutive ? lane : 0));
        }
        storeFour(out, i, y);
    }
    bool aligned(const bool* consecutive) const {
        return fourAligned(out) && (!consecutive[0] || fourAligned(data));
    }
};

__host__ __device__ bool readsOperand(PointwiseStep::Kind kind) {
    return kind == PointwiseStep::Kind::ScaleShift || kind == PointwiseStep::Kind::Elementwise;
}

// A PointwiseStep in a form device code can read from kernel parameters.
struct ChainStep {
    PointwiseStep::Kind kind;
    ActivationType activation;
    UnaryOp unary;
    ElementwiseOp op;
    bool operandFirst;
    int8_t operand;
    int8_t shiftOperand;
    float alpha;
    float beta;
};

struct ChainProgram {
    int count = 0;
    ChainStep steps[kMaxChainSteps] = {};
};

// The steps of a chain of at most kMaxChainSteps steps.
ChainProgram chainProgram(const Layer& layer) {
    const auto& steps = layer.paramsAs<PointwiseChainParams>().steps;
    ChainProgram program;
    program.count = int(steps.size());
    for (size_t s = 0; s < steps.size(); ++s) {
        const PointwiseStep& step = steps[s];
        program.steps[s] = {step.kind,
                            step.activation.type,
                            step.unary,
                            step.op,
                            step.operandFirst,
                            int8_t(readsOperand(step.kind) ? step.operand : 0),
                            int8_t(step.kind == PointwiseStep::Kind::ScaleShift ? step.shiftOperand : 0),
                            step.activation.alpha,
                            step.activation.beta};
    }
    return program;
}

// The steps run on input 0's element; a step's operand is the layer input it names, read through
// that input's slot.
struct ChainOp {
    ChainProgram program;
    float* out;
    const float* inputs[kMaxInputs];
    int inputCount;

    __device__ static float apply(const ChainStep& step, float v, float operand, float shift) {
        switch (step.kind) {
            case PointwiseStep::Kind::Activation:
                return activate(step.activation, step.alpha, step.beta, v);
            case PointwiseStep::Kind::Unary:
                return unaryFloat(step.unary, v);
            case PointwiseStep::Kind::ScaleShift:
                return __fadd_rn(__fmul_rn(v, operand), shift);
            case PointwiseStep::Kind::Elementwise:
                return step.operandFirst ? arithmeticFloat(step.op, operand, v)
                                         : arithmeticFloat(step.op, v, operand);
        }
        return v;
    }
    template <typename At>
    __device__ void element(int64_t i, At at) const {
        float v = inputs[0][at(0)];
        for (int s = 0; s < program.count; ++s) {
            const ChainStep& step = program.steps[s];
            float operand = 0.0f;
            float shift = 0.0f;
            if (readsOperand(step.kind)) operand = inputs[step.operand][at(step.operand)];
            if (step.kind == PointwiseStep::Kind::ScaleShift)
                shift = inputs[step.shiftOperand][at(step.shiftOperand)];
            v = apply(step, v, operand, shift);
        }
        out[i] = v;
    }
    template <typename At>
    __device__ void four(int64_t i, At at) const {
        Four<float> v = loadFour(inputs[0], at(0));
        for (int s = 0; s < program.count; ++s) {
            const ChainStep& step = program.steps[s];
            Four<float> operand = {};
            Four<float> shift = {};
            if (readsOperand(step.kind)) operand = loadFour(inputs[step.operand], at(step.operand));
            if (step.kind == PointwiseStep::Kind::ScaleShift) {
                shift = loadFour(inputs[step.shiftOperand], at(step.shiftOperand));
            }
#pragma unroll
            for (int lane = 0; lane < 4; ++lane)
                v.lane[lane] = apply(step, v.lane[lane], operand.lane[lane], shift.lane[lane]);
        }
        storeFour(out, i, v);
    }
    bool aligned(const bool* consecutive) const {
        if (!fourAligned(out)) return false;
        for (int k = 0; k < inputCount; ++k) {
            if (consecutive[k] && !fourAligned(inputs[k])) return false;
        }
        return true;
    }
};

enum class Path : uint8_t { Flat, Rows, Strided };

const char* pathName(Path path) {
    switch (path) {
        case Path::Flat:
            return "flat";
        case Path::Rows:
            return "rows";
        case Path::Strided:
            return "strided";
    }
    return "";
}

// How each input slot of `layer` is read over the output's shape (stride 0 along broadcast axes; all
// zero for a chain input no step reads).
std::vector<ShapeDesc> readShapes(const Layer& layer) {
    const Dims& output = layer.output(0)->dims();
    switch (layer.kind()) {
        case LayerKind::BatchNorm: {
            ShapeDesc channel = denseShape(output);
            for (int axis = 0; axis < channel.rank; ++axis)
                channel.strides[axis] = axis == 1 ? 1 : 0;
            return {denseShape(output), channel};
        }
        case LayerKind::PointwiseChain: {
            std::vector<ShapeDesc> reads(layer.inputs().size());
            reads[0] = denseShape(output);
            for (const PointwiseStep& step : layer.paramsAs<PointwiseChainParams>().steps) {
                if (!readsOperand(step.kind)) continue;
                for (const int64_t index : {step.operand, step.shiftOperand}) {
                    if (index >= 1)
                        reads[size_t(index)] = broadcastShape(layer.input(size_t(index))->dims(), output);
                }
            }
            return reads;
        }
        default: {
            std::vector<ShapeDesc> reads;
            for (const Tensor* input : layer.inputs())
                reads.push_back(broadcastShape(input->dims(), output));
            return reads;
        }
    }
}

// The output's axes coalesced: extent-1 axes dropped, and an axis merged into the one before it where
// every input's stride says the two are one contiguous (or one broadcast) run.
struct ReadPlan {
    Dims extents;
    std::vector<std::vector<int64_t>> strides;  // per input slot, per coalesced axis
};

ReadPlan planReads(const Layer& layer) {
    const Dims& output = layer.output(0)->dims();
    const std::vector<ShapeDesc> reads = readShapes(layer);
    ReadPlan plan;
    plan.strides.resize(reads.size());
    for (size_t axis = 0; axis < output.size(); ++axis) {
        if (output[axis] == 1) continue;
        bool merge = !plan.extents.empty();
        for (size_t k = 0; merge && k < reads.size(); ++k) {
            merge = plan.strides[k].back() == reads[k].strides[axis] * output[axis];
        }
        if (merge)
            plan.extents.back() *= output[axis];
        else
            plan.extents.push_back(output[axis]);
        for (size_t k = 0; k < reads.size(); ++k) {
            if (merge)
                plan.strides[k].back() = reads[k].strides[axis];
            else
                plan.strides[k].push_back(reads[k].strides[axis]);
        }
    }
    return plan;
}

// With at most one coalesced axis every input is read at i or at 0.
bool isFlat(const ReadPlan& plan) {
    return plan.extents.size() <= 1;
}

FlatLayout flatLayout(const ReadPlan& plan, int64_t count) {
    FlatLayout layout;
    layout.count = count;
    for (size_t k = 0; k < plan.strides.size(); ++k) {
        if (!plan.extents.empty() && plan.strides[k][0] != 0) layout.whole |= 1u << k;
    }
    return layout;
}

// The rows layout of `plan`: inner is the last coalesced axis, rows the others.
Result<RowsLayout> rowsLayout(const ReadPlan& plan) {
    const size_t rank = plan.extents.size();
    if (rank < 2)
        return unsupported("every input is the output's shape or one element; the flat kernel runs it");
    RowsLayout layout;
    layout.outerRank = int(rank - 1);
    layout.inner = plan.extents.back();
    layout.rows = volume(Dims(plan.extents.begin(), plan.extents.end() - 1));
    if (layout.inner < kMinRowLength) {
        return unsupported("rows of " + std::to_string(layout.inner) +
                           " elements are shorter than a warp; the strided kernel runs it");
    }
    for (int axis = 0; axis < layout.outerRank; ++axis)
        layout.outer[axis] = FastDivisor::of(plan.extents[size_t(axis)]);
    for (size_t k = 0; k < plan.strides.size(); ++k) {
        const std::vector<int64_t>& strides = plan.strides[k];
        RowInput& input = layout.inputs[k];
        input.innerStride = strides.back();
        for (size_t axis = 0; axis + 1 < rank; ++axis)
            input.outerStrides[axis] = strides[axis];
        // The trailing run of outer axes the input varies along, which must hold all it varies along
        // and be dense for (row % mid) * rowStride to find it.
        size_t first = rank - 1;
        while (first > 0 && strides[first - 1] != 0)
            --first;
        for (size_t axis = 0; axis < first; ++axis)
            layout.general = layout.general || strides[axis] != 0;
        for (size_t axis = first; axis + 2 < rank; ++axis) {
            layout.general = layout.general || strides[axis] != strides[axis + 1] * plan.extents[axis + 1];
        }
        int64_t mid = 1;
        for (size_t axis = first; axis + 1 < rank; ++axis)
            mid *= plan.extents[axis];
        input.mid = FastDivisor::of(mid);
        input.rowStride = first + 1 < rank ? strides[rank - 2] : 0;
        input.wraps = mid < layout.rows && input.rowStride != 0;
    }
    return layout;
}

StridedLayout stridedLayout(const ReadPlan& plan, int64_t count) {
    StridedLayout layout;
    layout.rank = int(plan.extents.size());
    layout.count = count;
    for (int axis = 0; axis < layout.rank; ++axis)
        layout.extents[axis] = FastDivisor::of(plan.extents[size_t(axis)]);
    for (size_t k = 0; k < plan.strides.size(); ++k) {
        for (int axis = 0; axis < layout.rank; ++axis)
            layout.strides[k][axis] = plan.strides[k][size_t(axis)];
    }
    return layout;
}

// Threads of a rows block: along a row as far as its columns need (a warp at least), the rest over
// rows, so that short rows (7x7 maps) still keep most lanes busy.
dim3 rowsBlock(int64_t columns) {
    unsigned x = 32;
    while (x < unsigned(kThreadsPerBlock) && int64_t(x) < columns)
        x *= 2;
    return dim3(x, unsigned(kThreadsPerBlock) / x);
}

// A kernel of the family, its layout planned for one path when it is made.
class PointwiseKernel : public KilnCudaKernel {
public:
    PointwiseKernel(const Layer& layer, Path path) : KilnCudaKernel(layer), m_path(path) {
        const ReadPlan plan = planReads(layer);
        m_count = volume(layer.output(0)->dims());
        switch (path) {
            case Path::Flat:
                m_flat = flatLayout(plan, m_count);
                break;
            case Path::Rows:
                m_rows = rowsLayout(plan).value();
                break;
            case Path::Strided:
                m_strided = stridedLayout(plan, m_count);
                break;
        }
    }

protected:
    template <typename T>
    const T* in(const tactics::KernelArgs& args, size_t index) const {
        return reinterpret_cast<const T*>(input(args, index));
    }
    template <typename T>
    T* out(const tactics::KernelArgs& args) const {
        return reinterpret_cast<T*>(args.outputs[0]);
    }

    // For the kinds whose kernels are made for the flat path only.
    template <typename Op>
    Status launchFlat(const tactics::KernelArgs& args, const Op& op, const char* what) const {
        if (m_count == 0) return Status::ok();
        bool consecutive[kMaxInputs] = {};
        for (int k = 0; k < kMaxInputs; ++k)
            consecutive[k] = (m_flat.whole >> k & 1u) != 0;
        if (m_count >= 4 && op.aligned(consecutive)) {
            flatFourKernel<<<blocksFor(m_count / 4), kThreadsPerBlock, 0, stream(args)>>>(op, m_flat);
        } else {
            flatKernel<<<blocksFor(m_count), kThreadsPerBlock, 0, stream(args)>>>(op, m_flat);
        }
        return launched(what);
    }

    template <typename Op>
    Status launch(const tactics::KernelArgs& args, const Op& op, const char* what) const {
        if (m_count == 0) return Status::ok();
        const cudaStream_t queue = stream(args);
        switch (m_path) {
            case Path::Flat:
                return launchFlat(args, op, what);
            case Path::Rows: {
                // Four elements at a time where the rows are, and every input read along them
                // starts each row, on a four-element boundary.
                bool consecutive[kMaxInputs] = {};
                bool four = m_rows.inner % 4 == 0;
                for (int k = 0; k < kMaxInputs; ++k) {
                    const RowInput& input = m_rows.inputs[k];
                    consecutive[k] = input.innerStride != 0;
                    four = four && (!consecutive[k] || input.innerStride == 1);
                    for (int axis = 0; consecutive[k] && axis < m_rows.outerRank; ++axis)
                        four = four && input.outerStrides[axis] % 4 == 0;
                }
                four = four && op.aligned(consecutive);
                const int64_t columns = m_rows.inner / (four ? 4 : 1);
                const dim3 block = rowsBlock(columns);
                const dim3 grid(unsigned(std::min<int64_t>((columns + block.x - 1) / block.x, 65535)),
                                unsigned(std::min<int64_t>((m_rows.rows + block.y - 1) / block.y, 65535)));
                if (four) {
                    rowsKernel<Op, 4><<<grid, block, 0, queue>>>(op, m_rows);
                } else {
                    rowsKernel<Op, 1><<<grid, block, 0, queue>>>(op, m_rows);
                }
                break;
            }
            case Path::Strided:
                stridedKernel<<<blocksFor(m_count), kThreadsPerBlock, 0, queue>>>(op, m_strided);
                break;
        }
        return launched(what);
    }

private:
    Path m_path;
    int64_t m_count = 0;
    FlatLayout m_flat;
    RowsLayout m_rows;
    StridedLayout m_strided;
};

// Calls visit(T{}) with the type device code stores elements of `type` as.
template <typename Visit>
Status withStorageType(DataType type, Visit visit) {
    switch (type) {
        case DataType::Float32:
            return visit(float{});
        case DataType::Float16:
            return visit(__half{});
        case DataType::Int8:
            return visit(int8_t{});
        case DataType::Int32:
            return visit(int32_t{});
        case DataType::Int64:
            return visit(int64_t{});
        case DataType::Bool:
            return visit(Bool{});
        case DataType::BFloat16:
            break;  // only a storage type of CPU builds
    }
    return internalError(std::string("no device storage type for ") + toString(type));
}

class ActivationKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const auto& p = m_layer.paramsAs<ActivationParams>();
        const Map1<ActivationFn, float, float> op{
            {p.type, p.alpha, p.beta}, out<float>(args), in<float>(args, 0)};
        return launchFlat(args, op, "activation");
    }
};

class UnaryKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const UnaryOp op = m_layer.paramsAs<UnaryParams>().op;
        switch (m_layer.input(0)->type()) {
            case DataType::Float32:
                return launchFlat(
                    args, Map1<UnaryFloatFn, float, float>{{op}, out<float>(args), in<float>(args, 0)},
                    "unary");
            case DataType::Int8:
                return runInteger<int8_t>(args, op);
            case DataType::Int32:
                return runInteger<int32_t>(args, op);
            case DataType::Int64:
                return runInteger<int64_t>(args, op);
            case DataType::Bool:
                return launchFlat(args, Map1<NotFn, Bool, Bool>{{}, out<Bool>(args), in<Bool>(args, 0)},
                                  "not");
            case DataType::Float16:
            case DataType::BFloat16:
                break;
        }
        return internalError("unary on " + std::string(toString(m_layer.input(0)->type())) +
                             " was never offered");
    }

private:
    template <typename T>
    Status runInteger(const tactics::KernelArgs& args, UnaryOp op) const {
        return launchFlat(args, Map1<UnaryIntegerFn<T>, T, T>{{op}, out<T>(args), in<T>(args, 0)},
                          "integer unary");
    }
};

bool isComparison(ElementwiseOp op) {
    return op == ElementwiseOp::Equal || op == ElementwiseOp::Less || op == ElementwiseOp::Greater;
}

class ElementwiseKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const ElementwiseOp op = m_layer.paramsAs<ElementwiseParams>().op;
        switch (m_layer.input(0)->type()) {
            case DataType::Float32:
                if (isComparison(op)) return runComparison<float>(args, op);
                return launch(args,
                              Map2<ArithmeticFloatFn, float, float, float>{
                                  {op}, out<float>(args), in<float>(args, 0), in<float>(args, 1)},
                              "elementwise");
            case DataType::Int8:
                return runInteger<int8_t>(args, op);
            case DataType::Int32:
                return runInteger<int32_t>(args, op);
            case DataType::Int64:
                return runInteger<int64_t>(args, op);
            case DataType::Bool:
                return launch(args,
                              Map2<LogicFn, Bool, Bool, Bool>{
                                  {op}, out<Bool>(args), in<Bool>(args, 0), in<Bool>(args, 1)},
                              "logical elementwise");
            case DataType::Float16:
            case DataType::BFloat16:
                break;
        }
        return internalError("elementwise on " + std::string(toString(m_layer.input(0)->type())) +
                             " was never offered");
    }

private:
    template <typename T>
    Status runComparison(const tactics::KernelArgs& args, ElementwiseOp op) const {
        return launch(args,
                      Map2<CompareFn<T>, Bool, T, T>{{op}, out<Bool>(args), in<T>(args, 0), in<T>(args, 1)},
                      "comparison");
    }
    template <typename T>
    Status runInteger(const tactics::KernelArgs& args, ElementwiseOp op) const {
        if (isComparison(op)) return runComparison<T>(args, op);
        return launch(
            args, Map2<ArithmeticIntegerFn<T>, T, T, T>{{op}, out<T>(args), in<T>(args, 0), in<T>(args, 1)},
            "integer elementwise");
    }
};

class SelectKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;
    Status run(const tactics::KernelArgs& args) const override {
        switch (dataTypeSize(m_layer.output(0)->type())) {
            case 1:
                return runSized<uint8_t>(args);
            case 2:
                return runSized<uint16_t>(args);
            case 4:
                return runSized<uint32_t>(args);
            default:
                return runSized<uint64_t>(args);
        }
    }

private:
    template <typename T>
    Status runSized(const tactics::KernelArgs& args) const {
        return launch(args,
                      Map3<SelectFn<T>, T, Bool, T, T>{
                          {}, out<T>(args), in<Bool>(args, 0), in<T>(args, 1), in<T>(args, 2)},
                      "select");
    }
};

class CastKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;
    Status run(const tactics::KernelArgs& args) const override {
        return withStorageType(m_layer.input(0)->type(), [&](auto source) {
            return withStorageType(m_layer.output(0)->type(), [&](auto target) {
                using S = decltype(source);
                using D = decltype(target);
                return launchFlat(args, Map1<CastFn<D, S>, D, S>{{}, out<D>(args), in<S>(args, 0)}, "cast");
            });
        });
    }
};

// scale / sqrt(variance + epsilon) per channel of a BatchNorm with constant scale and variance, as the
// reference computes it, then zeros up to `lanes` entries.
std::vector<double> batchNormFactors(const Layer& layer, int64_t lanes) {
    const float epsilon = layer.paramsAs<BatchNormParams>().epsilon;
    const float* scales = layer.input(1)->constantData()->data<float>();
    const float* variances = layer.input(4)->constantData()->data<float>();
    std::vector<double> factors(size_t(lanes), 0.0);
    for (int64_t c = 0; c < volume(layer.input(1)->dims()); ++c)
        factors[size_t(c)] = double(scales[c]) / std::sqrt(double(variances[c]) + double(epsilon));
    return factors;
}

class BatchNormKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;

    // With constant scale and variance the per-channel factor is computed once here, as the
    // reference computes it, instead of a double division and square root per element.
    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        if (!m_layer.input(1)->isConstant() || !m_layer.input(4)->isConstant()) return Status::ok();
        const std::vector<double> factors = batchNormFactors(m_layer, volume(m_layer.input(1)->dims()));
        KILN_ASSIGN_OR_RETURN(m_factors, upload(factors.data(), factors.size() * sizeof(double)));
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        const BatchNormOp op{out<float>(args),
                             in<float>(args, 0),
                             in<float>(args, 1),
                             in<float>(args, 2),
                             in<float>(args, 3),
                             in<float>(args, 4),
                             m_factors ? m_factors->as<double>() : nullptr,
                             m_layer.paramsAs<BatchNormParams>().epsilon};
        return launch(args, op, "batch-norm");
    }

private:
    std::shared_ptr<CudaBuffer> m_factors;
};

class ChainKernel final : public PointwiseKernel {
public:
    ChainKernel(const Layer& layer, Path path)
        : PointwiseKernel(layer, path), m_program(chainProgram(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        ChainOp op{m_program, out<float>(args), {}, int(m_layer.inputs().size())};
        for (size_t k = 0; k < m_layer.inputs().size(); ++k)
            op.inputs[k] = in<float>(args, k);
        return launch(args, op, "pointwise chain");
    }

private:
    ChainProgram m_program;
};

// ---- FP16 channels-last tensors ----
//
// The output is [images][positions][padded channels] halves. A thread takes `Width` adjacent channels
// of one position: 8 (one 16-byte access) where the channel padding is a multiple of 8, 2 where it is
// even, else 1. Output element (n, position, c) reads an input at n * imageStride + position *
// positionStride + c, or without the c where the input has one channel: a run of `Width` lanes then, or
// one value for all of them. Activation inputs are halves in the output's format; constants are FP32,
// laid out in prepare() as [images][positions][lanes], each extent the output's (lanes: the padded
// channels) along the axes the constant varies along and 1 along the others, padded lanes zero.

struct ChannelsLastRead {
    bool channels = false;  // one value per channel: read consecutive lanes
    int64_t imageStride = 0;
    int64_t positionStride = 0;
};

struct ChannelsLastInput {
    const void* data = nullptr;
    bool half = false;  // FP16 activation; else FP32 constant lanes
    ChannelsLastRead read;
};

// The first of a thread's output elements.
struct ChannelsLastPlace {
    int64_t image;
    int64_t position;
    int64_t channel;
};

__device__ inline void unpackHalves(unsigned word, float& low, float& high) {
    low = widenHalf(__ushort_as_half(uint16_t(word & 0xffffu)));
    high = widenHalf(__ushort_as_half(uint16_t(word >> 16)));
}

__device__ inline unsigned packHalves(float low, float high) {
    const unsigned lowBits = __half_as_ushort(narrowToHalf(low));
    const unsigned highBits = __half_as_ushort(narrowToHalf(high));
    return lowBits | highBits << 16;
}

// `Width` adjacent halves (or floats) with one access each way, the lower channel in the lower bits. The
// address is a multiple of `Width` elements: every offset is, and launch() checks the tensors' starts.
template <int Width>
__device__ void loadHalves(const uint16_t* source, float (&values)[Width]) {
    if constexpr (Width == 8) {
        const uint4 words = *reinterpret_cast<const uint4*>(source);
        unpackHalves(words.x, values[0], values[1]);
        unpackHalves(words.y, values[2], values[3]);
        unpackHalves(words.z, values[4], values[5]);
        unpackHalves(words.w, values[6], values[7]);
    } else if constexpr (Width == 2) {
        unpackHalves(*reinterpret_cast<const unsigned*>(source), values[0], values[1]);
    } else {
        values[0] = widenHalf(__ushort_as_half(*source));
    }
}

template <int Width>
__device__ void storeHalves(uint16_t* target, const float (&values)[Width]) {
    if constexpr (Width == 8) {
        *reinterpret_cast<uint4*>(target) =
            make_uint4(packHalves(values[0], values[1]), packHalves(values[2], values[3]),
                       packHalves(values[4], values[5]), packHalves(values[6], values[7]));
    } else if constexpr (Width == 2) {
        *reinterpret_cast<unsigned*>(target) = packHalves(values[0], values[1]);
    } else {
        *target = __half_as_ushort(narrowToHalf(values[0]));
    }
}

template <int Width>
__device__ void loadFloats(const float* source, float (&values)[Width]) {
    if constexpr (Width == 8) {
        const float4 low = reinterpret_cast<const float4*>(source)[0];
        const float4 high = reinterpret_cast<const float4*>(source)[1];
        values[0] = low.x;
        values[1] = low.y;
        values[2] = low.z;
        values[3] = low.w;
        values[4] = high.x;
        values[5] = high.y;
        values[6] = high.z;
        values[7] = high.w;
    } else if constexpr (Width == 2) {
        const float2 pair = *reinterpret_cast<const float2*>(source);
        values[0] = pair.x;
        values[1] = pair.y;
    } else {
        values[0] = *source;
    }
}

// The input's values for the `Width` output elements from `at`, in FP32.
template <int Width>
__device__ void loadLanes(const ChannelsLastInput& input, const ChannelsLastPlace& at,
                          float (&values)[Width]) {
    int64_t offset = at.image * input.read.imageStride + at.position * input.read.positionStride;
    if (input.read.channels) {
        offset += at.channel;
        if (input.half) {
            loadHalves(static_cast<const uint16_t*>(input.data) + offset, values);
        } else {
            loadFloats(static_cast<const float*>(input.data) + offset, values);
        }
        return;
    }
    const float value = input.half ? widenHalf(static_cast<const __half*>(input.data)[offset])
                                   : static_cast<const float*>(input.data)[offset];
#pragma unroll
    for (int lane = 0; lane < Width; ++lane)
        values[lane] = value;
}

struct ChannelsLastGrid {
    uint16_t* out;
    int64_t vectors;        // runs of `Width` lanes in the output
    int64_t channels;       // lanes from here on are padding
    FastDivisor groups;     // runs per position: padded channels / Width
    FastDivisor positions;  // positions per image
};

// An op has compute(at, values), which sets values to the output elements from `at` in FP32.
template <typename Op, int Width>
__global__ void channelsLastKernel(Op op, ChannelsLastGrid grid) {
    for (int64_t v = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; v < grid.vectors;
         v += int64_t(gridDim.x) * blockDim.x) {
        const int64_t pixel = grid.groups.quotient(v);
        const int64_t image = grid.positions.quotient(pixel);
        const ChannelsLastPlace at{image, pixel - image * grid.positions.divisor,
                                   (v - pixel * grid.groups.divisor) * Width};
        float values[Width];
        op.compute(at, values);
#pragma unroll
        for (int lane = 0; lane < Width; ++lane) {
            if (at.channel + lane >= grid.channels) values[lane] = 0.0f;
        }
        storeHalves(grid.out + v * Width, values);
    }
}

// Activation and Unary (one input), Elementwise (two).
template <typename Fn>
struct ChannelsLastMap1 {
    Fn fn;
    ChannelsLastInput a;

    template <int Width>
    __device__ void compute(const ChannelsLastPlace& at, float (&values)[Width]) const {
        loadLanes(a, at, values);
#pragma unroll
        for (int lane = 0; lane < Width; ++lane)
            values[lane] = fn(values[lane]);
    }
};

template <typename Fn>
struct ChannelsLastMap2 {
    Fn fn;
    ChannelsLastInput a;
    ChannelsLastInput b;

    template <int Width>
    __device__ void compute(const ChannelsLastPlace& at, float (&values)[Width]) const {
        float y[Width];
        loadLanes(a, at, values);
        loadLanes(b, at, y);
#pragma unroll
        for (int lane = 0; lane < Width; ++lane)
            values[lane] = fn(values[lane], y[lane]);
    }
};

// Mean, bias and factor per padded channel.
struct ChannelsLastBatchNorm {
    ChannelsLastInput data;
    const float* mean;
    const float* bias;
    const double* factors;

    template <int Width>
    __device__ void compute(const ChannelsLastPlace& at, float (&values)[Width]) const {
        loadLanes(data, at, values);
#pragma unroll
        for (int lane = 0; lane < Width; ++lane) {
            const int64_t c = at.channel + lane;
            values[lane] = batchNorm(values[lane], mean[c], bias[c], factors[c]);
        }
    }
};

struct ChannelsLastChain {
    ChainProgram program;
    ChannelsLastInput inputs[kMaxInputs];

    template <int Width>
    __device__ void compute(const ChannelsLastPlace& at, float (&values)[Width]) const {
        loadLanes(inputs[0], at, values);
        for (int s = 0; s < program.count; ++s) {
            const ChainStep& step = program.steps[s];
            float operand[Width] = {};
            float shift[Width] = {};
            if (readsOperand(step.kind)) loadLanes(inputs[step.operand], at, operand);
            if (step.kind == PointwiseStep::Kind::ScaleShift) loadLanes(inputs[step.shiftOperand], at, shift);
#pragma unroll
            for (int lane = 0; lane < Width; ++lane)
                values[lane] = ChainOp::apply(step, values[lane], operand[lane], shift[lane]);
        }
    }
};

int channelPadding(TensorFormat format) {
    return std::max(format.channelBlock, 1);
}

int64_t roundUp(int64_t value, int64_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
}

// Extents of a tensor of rank 2 or more as channels-last storage sees it.
struct ChannelsLastShape {
    int64_t images = 1;
    int64_t channels = 1;
    int64_t paddedChannels = 1;
    int64_t positions = 1;
};

ChannelsLastShape channelsLastShape(const Dims& dims, int padding) {
    ChannelsLastShape shape;
    shape.images = dims[0];
    shape.channels = dims[1];
    shape.paddedChannels = roundUp(dims[1], padding);
    for (size_t axis = 2; axis < dims.size(); ++axis)
        shape.positions *= dims[axis];
    return shape;
}

// How an activation of `dims` in the output's format is read over an output of `output` (rank 2 or
// more): one element, or of the output's rank with extents N or 1, C or 1, and the output's spatial
// extents or ones ([N, C, 1, 1] squeeze-excitation scales are stored [N][C padded]); else nothing.
std::optional<ChannelsLastRead> activationRead(const Dims& dims, const Dims& output, int padding) {
    if (volume(dims) == 1) return ChannelsLastRead{};
    if (dims.size() != output.size()) return std::nullopt;
    const bool samePositions = std::equal(dims.begin() + 2, dims.end(), output.begin() + 2);
    const bool onePosition =
        std::all_of(dims.begin() + 2, dims.end(), [](int64_t extent) { return extent == 1; });
    if (!samePositions && !onePosition) return std::nullopt;
    const ChannelsLastShape own = channelsLastShape(dims, padding);
    ChannelsLastRead read;
    read.channels = own.channels > 1;
    read.positionStride = own.positions > 1 ? own.paddedChannels : 0;
    read.imageStride = own.images > 1 ? own.positions * own.paddedChannels : 0;
    return read;
}

// The extents of a constant of `dims` laid out for an output of `output`.
struct ConstantLanes {
    int64_t images = 1;
    int64_t positions = 1;
    int64_t lanes = 1;

    ChannelsLastRead read() const {
        return {lanes > 1, images > 1 ? positions * lanes : 0, positions > 1 ? lanes : 0};
    }
};

ConstantLanes constantLanes(const Dims& dims, const Dims& output, int padding) {
    const ShapeDesc strides = broadcastShape(dims, output);
    const ChannelsLastShape shape = channelsLastShape(output, padding);
    ConstantLanes lanes;
    if (strides.strides[0] != 0) lanes.images = shape.images;
    if (strides.strides[1] != 0) lanes.lanes = shape.paddedChannels;
    for (int axis = 2; axis < strides.rank; ++axis) {
        if (strides.strides[axis] != 0) lanes.positions = shape.positions;
    }
    return lanes;
}

// The constant's values as constantLanes lays them out.
std::vector<float> constantLaneValues(const Tensor& constant, const Dims& output, int padding) {
    const ShapeDesc strides = broadcastShape(constant.dims(), output);
    const ConstantLanes layout = constantLanes(constant.dims(), output, padding);
    const float* data = constant.constantData()->data<float>();
    std::vector<float> values;
    values.reserve(size_t(layout.images * layout.positions * layout.lanes));
    for (int64_t n = 0; n < layout.images; ++n) {
        for (int64_t position = 0; position < layout.positions; ++position) {
            int64_t offset = n * strides.strides[0];
            int64_t rest = position;
            for (int axis = strides.rank - 1; axis >= 2; --axis) {
                offset += rest % output[size_t(axis)] * strides.strides[axis];
                rest /= output[size_t(axis)];
            }
            for (int64_t c = 0; c < layout.lanes; ++c)
                values.push_back(c < output[1] ? data[offset + c * strides.strides[1]] : 0.0f);
        }
    }
    return values;
}

// The inputs a channels-last kernel of `layer` reads as ChannelsLastInputs, in order: the data and the
// chain's operands (BatchNorm's parameters are prepared apart).
std::vector<size_t> channelsLastInputs(const Layer& layer) {
    std::vector<size_t> inputs = {0};
    if (layer.kind() == LayerKind::Elementwise) inputs.push_back(1);
    if (layer.kind() == LayerKind::PointwiseChain) {
        for (const PointwiseStep& step : layer.paramsAs<PointwiseChainParams>().steps) {
            if (readsOperand(step.kind)) inputs.push_back(size_t(step.operand));
            if (step.kind == PointwiseStep::Kind::ScaleShift) inputs.push_back(size_t(step.shiftOperand));
        }
    }
    std::sort(inputs.begin(), inputs.end());
    inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());
    return inputs;
}

// A kernel of FP16 channels-last tensors: the layout of its output and of each input it reads, and the
// constants laid out as it reads them.
class ChannelsLastKernel : public KilnCudaKernel {
public:
    ChannelsLastKernel(const Layer& layer, int padding)
        : KilnCudaKernel(layer),
          m_padding(padding),
          m_shape(channelsLastShape(layer.output(0)->dims(), padding)),
          m_sources(layer.inputs().size()) {
        const Dims& output = layer.output(0)->dims();
        for (const size_t k : channelsLastInputs(layer)) {
            const Tensor& tensor = *layer.input(k);
            Source& source = m_sources[k];
            source.used = true;
            source.constant = tensor.isConstant();
            source.read = source.constant ? constantLanes(tensor.dims(), output, padding).read()
                                          : activationRead(tensor.dims(), output, padding).value();
        }
    }

    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        for (size_t k = 0; k < m_sources.size(); ++k) {
            Source& source = m_sources[k];
            if (!source.used || !source.constant) continue;
            const std::vector<float> values =
                constantLaneValues(*m_layer.input(k), m_layer.output(0)->dims(), m_padding);
            KILN_ASSIGN_OR_RETURN(source.lanes, upload(values.data(), values.size() * sizeof(float)));
        }
        return Status::ok();
    }

protected:
    const ChannelsLastShape& shape() const { return m_shape; }
    bool reads(size_t index) const { return m_sources[index].used; }

    ChannelsLastInput channelsLastInput(const tactics::KernelArgs& args, size_t index) const {
        const Source& source = m_sources[index];
        if (source.constant) return {source.lanes->data(), false, source.read};
        return {input(args, index), true, source.read};
    }

    template <typename Op>
    Status launch(const tactics::KernelArgs& args, const Op& op, const char* what) const {
        const int64_t elements = m_shape.images * m_shape.positions * m_shape.paddedChannels;
        if (elements == 0) return Status::ok();
        // Channels-last FP16 tensors are never aliases, so they start on the arena's 64-byte boundaries;
        // narrower accesses serve any other start.
        int width = m_padding % 8 == 0 ? 8 : m_padding % 2 == 0 ? 2 : 1;
        while (width > 1 && !startsAligned(args, width))
            width = width == 8 ? 2 : 1;
        const auto run = [&](auto widthConstant) {
            constexpr int kWidth = decltype(widthConstant)::value;
            const ChannelsLastGrid grid{reinterpret_cast<uint16_t*>(args.outputs[0]), elements / kWidth,
                                        m_shape.channels, FastDivisor::of(m_shape.paddedChannels / kWidth),
                                        FastDivisor::of(m_shape.positions)};
            channelsLastKernel<Op, kWidth>
                <<<blocksFor(grid.vectors), kThreadsPerBlock, 0, stream(args)>>>(op, grid);
        };
        if (width == 8) {
            run(std::integral_constant<int, 8>());
        } else if (width == 2) {
            run(std::integral_constant<int, 2>());
        } else {
            run(std::integral_constant<int, 1>());
        }
        return launched(what);
    }

private:
    struct Source {
        bool used = false;
        bool constant = false;
        ChannelsLastRead read;
        std::shared_ptr<CudaBuffer> lanes;  // a constant's values, laid out for `read`
    };

    bool startsAligned(const tactics::KernelArgs& args, int width) const {
        const auto aligned = [&](const void* pointer) {
            return reinterpret_cast<uintptr_t>(pointer) % (uintptr_t(width) * sizeof(uint16_t)) == 0;
        };
        if (!aligned(args.outputs[0])) return false;
        for (size_t k = 0; k < m_sources.size(); ++k) {
            if (m_sources[k].used && !m_sources[k].constant && !aligned(input(args, k))) return false;
        }
        return true;
    }

    int m_padding;
    ChannelsLastShape m_shape;
    std::vector<Source> m_sources;  // per layer input
};

class ChannelsLastActivationKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const auto& p = m_layer.paramsAs<ActivationParams>();
        const ChannelsLastMap1<ActivationFn> op{{p.type, p.alpha, p.beta}, channelsLastInput(args, 0)};
        return launch(args, op, "channels-last activation");
    }
};

class ChannelsLastUnaryKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const ChannelsLastMap1<UnaryFloatFn> op{{m_layer.paramsAs<UnaryParams>().op},
                                                channelsLastInput(args, 0)};
        return launch(args, op, "channels-last unary");
    }
};

class ChannelsLastElementwiseKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const ChannelsLastMap2<ArithmeticFloatFn> op{{m_layer.paramsAs<ElementwiseParams>().op},
                                                     channelsLastInput(args, 0),
                                                     channelsLastInput(args, 1)};
        return launch(args, op, "channels-last elementwise");
    }
};

// The parameters are constants (channelsLastBatchNormObstacle), prepared per padded channel: the mean,
// the bias and the reference's factor, padded lanes zero.
class ChannelsLastBatchNormKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;

    Status prepare() override {
        KILN_RETURN_IF_ERROR(ChannelsLastKernel::prepare());
        const size_t lanes = size_t(shape().paddedChannels);
        const std::vector<double> factors = batchNormFactors(m_layer, shape().paddedChannels);
        const auto padded = [&](size_t index) {
            const float* values = m_layer.input(index)->constantData()->data<float>();
            std::vector<float> result(lanes, 0.0f);
            std::copy(values, values + shape().channels, result.begin());
            return result;
        };
        const std::vector<float> bias = padded(2);
        const std::vector<float> mean = padded(3);
        KILN_ASSIGN_OR_RETURN(m_factors, upload(factors.data(), lanes * sizeof(double)));
        KILN_ASSIGN_OR_RETURN(m_bias, upload(bias.data(), lanes * sizeof(float)));
        KILN_ASSIGN_OR_RETURN(m_mean, upload(mean.data(), lanes * sizeof(float)));
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        const ChannelsLastBatchNorm op{channelsLastInput(args, 0), m_mean->as<float>(), m_bias->as<float>(),
                                       m_factors->as<double>()};
        return launch(args, op, "channels-last batch-norm");
    }

private:
    std::shared_ptr<CudaBuffer> m_factors;
    std::shared_ptr<CudaBuffer> m_bias;
    std::shared_ptr<CudaBuffer> m_mean;
};

class ChannelsLastChainKernel final : public ChannelsLastKernel {
public:
    ChannelsLastChainKernel(const Layer& layer, int padding)
        : ChannelsLastKernel(layer, padding), m_program(chainProgram(layer)) {}

    Status run(const tactics::KernelArgs& args) const override {
        ChannelsLastChain op{m_program, {}};
        for (size_t k = 0; k < m_layer.inputs().size(); ++k) {
            if (reads(k)) op.inputs[k] = channelsLastInput(args, k);
        }
        return launch(args, op, "channels-last pointwise chain");
    }

private:
    ChainProgram m_program;
};

constexpr Path kPaths[] = {Path::Flat, Path::Rows, Path::Strided};

std::string tacticId(const std::string& family, Path path) {
    return "kiln-cuda:" + family + ":" + pathName(path);
}

void skipAll(std::vector<tactics::SkippedTactic>& skipped, const std::string& family,
             const std::string& reason) {
    for (const Path path : kPaths)
        skip(skipped, tacticId(family, path), reason);
}

// Offers the paths that apply to the layer's broadcast pattern: flat alone when every input is the
// output's shape or one element (the others would only be slower); otherwise rows where the rows are
// long enough, and strided always (rows of a warp or two can leave enough lanes idle to lose to it).
template <typename KernelType>
void offerPaths(const std::string& family, const Layer& layer,
                std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                std::vector<tactics::SkippedTactic>& skipped) {
    const ReadPlan plan = planReads(layer);
    if (isFlat(plan)) {
        tactics.push_back(makeTactic<KernelType>(tacticId(family, Path::Flat), layer, Path::Flat));
        const std::string reason =
            "every input is the output's shape or one element; the flat kernel runs it";
        skip(skipped, tacticId(family, Path::Rows), reason);
        skip(skipped, tacticId(family, Path::Strided), reason);
        return;
    }
    skip(skipped, tacticId(family, Path::Flat), "an input is broadcast along some axes of the output");
    const Result<RowsLayout> rows = rowsLayout(plan);
    if (rows.isOk()) {
        tactics.push_back(makeTactic<KernelType>(tacticId(family, Path::Rows), layer, Path::Rows));
    } else {
        skip(skipped, tacticId(family, Path::Rows), rows.status().message());
    }
    tactics.push_back(makeTactic<KernelType>(tacticId(family, Path::Strided), layer, Path::Strided));
}

// Why no kernel of the family can run `config`, or nothing: the kernels read and write linear tensors
// of rank up to kMaxRank.
std::string layoutObstacle(const tactics::LayerConfig& config) {
    if (!allLinear(config)) return "needs linear tensors stored in their own type";
    if (config.layer->output(0)->dims().size() > size_t(kMaxRank))
        return "rank above " + std::to_string(kMaxRank);
    return {};
}

// Activation, Unary and Cast: one input of the output's shape, so only the flat kernel.
template <typename KernelType>
void offerSingle(const std::string& id, const tactics::LayerConfig& config, const std::string& typeObstacle,
                 std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                 std::vector<tactics::SkippedTactic>& skipped) {
    std::string obstacle = layoutObstacle(config);
    if (obstacle.empty()) obstacle = typeObstacle;
    if (!obstacle.empty()) return skip(skipped, id, obstacle);
    tactics.push_back(makeTactic<KernelType>(id, *config.layer, Path::Flat));
}

template <typename KernelType>
void offerBroadcast(const std::string& family, const tactics::LayerConfig& config,
                    const std::string& typeObstacle, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped) {
    std::string obstacle = layoutObstacle(config);
    if (obstacle.empty()) obstacle = typeObstacle;
    if (!obstacle.empty()) return skipAll(skipped, family, obstacle);
    offerPaths<KernelType>(family, *config.layer, tactics, skipped);
}

// The float formulas exist in FP32 only so far; FP16 tensors are left to other providers.
std::string floatTypeObstacle(DataType type) {
    return type == DataType::Float16 ? "runs FP32 tensors, not FP16" : std::string();
}

std::string chainObstacle(const Layer& layer) {
    const auto& steps = layer.paramsAs<PointwiseChainParams>().steps;
    if (steps.size() > size_t(kMaxChainSteps)) {
        return std::to_string(steps.size()) + " steps; the kernel takes at most " +
               std::to_string(kMaxChainSteps);
    }
    if (layer.inputs().size() > size_t(kMaxInputs)) {
        return std::to_string(layer.inputs().size()) + " inputs; the kernel takes at most " +
               std::to_string(kMaxInputs);
    }
    return {};
}

// "NHWC8 FP16", "NCHW FP32": a format with the element type it holds.
std::string storedFormatText(DataType type, TensorFormat format, size_t rank) {
    std::string text = toString(format, rank);
    if (!format.storage) text += std::string(" ") + toString(type);
    return text;
}

// Why no FP16 channels-last kernel can run `config`, or nothing: they write FP32 tensors stored as FP16
// channels-last, and read each input they read (channelsLastInputs) as a constant or, in the output's
// format, as activationRead can.
std::string channelsLastObstacle(const tactics::LayerConfig& config) {
    const Layer& layer = *config.layer;
    const Tensor& output = *layer.output(0);
    const TensorFormat format = config.outputFormats[0];
    const size_t rank = output.dims().size();
    if (output.type() != DataType::Float32)
        return std::string("computes FP32 tensors (stored as FP16), not ") + toString(output.type());
    if (!format.channelsLast || storageType(output.type(), format) != DataType::Float16)
        return "needs FP16 channels-last storage, not " + storedFormatText(output.type(), format, rank);
    if (rank < 2 || rank > size_t(kMaxRank)) return "rank " + std::to_string(rank) + "; runs ranks 2 to 8";
    const int padding = channelPadding(format);
    for (const size_t k : channelsLastInputs(layer)) {
        const Tensor& input = *layer.input(k);
        const std::string name = "input " + std::to_string(k);
        if (input.isConstant()) {
            if (input.type() != DataType::Float32)
                return "constant " + name + " is " + toString(input.type()) + ", not FP32";
            continue;
        }
        if (!(config.inputFormats[k] == format)) {
            return name + " is " +
                   storedFormatText(input.type(), config.inputFormats[k], input.dims().size()) +
                   ", not the output's " + storedFormatText(output.type(), format, rank);
        }
        if (!activationRead(input.dims(), output.dims(), padding)) {
            return name + " (" + toString(input.dims()) +
                   ") is neither one element nor of the output's rank " +
                   "with the output's spatial extents or ones there";
        }
    }
    return {};
}

std::string channelsLastBatchNormObstacle(const Layer& layer) {
    for (size_t k = 1; k < layer.inputs().size(); ++k) {
        if (!layer.input(k)->isConstant()) return "reads scale, bias, mean and variance as constants only";
    }
    return {};
}

template <typename KernelType>
void offerChannelsLast(const std::string& family, const tactics::LayerConfig& config,
                       const std::string& familyObstacle,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const std::string id = "kiln-cuda:" + family + ":nhwc-fp16";
    std::string obstacle = channelsLastObstacle(config);
    if (obstacle.empty()) obstacle = familyObstacle;
    if (!obstacle.empty()) return skip(skipped, id, obstacle);
    tactics.push_back(makeTactic<KernelType>(id, *config.layer, channelPadding(config.outputFormats[0])));
}

}  // namespace

void addPointwiseTactics(const tactics::LayerConfig& config,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    switch (layer.kind()) {
        case LayerKind::Activation:
            offerSingle<ActivationKernel>("kiln-cuda:activation", config,
                                          floatTypeObstacle(layer.input(0)->type()), tactics, skipped);
            return offerChannelsLast<ChannelsLastActivationKernel>("activation", config, {}, tactics,
                                                                   skipped);
        case LayerKind::Unary:
            offerSingle<UnaryKernel>("kiln-cuda:unary", config, floatTypeObstacle(layer.input(0)->type()),
                                     tactics, skipped);
            return offerChannelsLast<ChannelsLastUnaryKernel>("unary", config, {}, tactics, skipped);
        case LayerKind::Cast:
            return offerSingle<CastKernel>("kiln-cuda:cast", config, {}, tactics, skipped);
        case LayerKind::Elementwise:
            offerBroadcast<ElementwiseKernel>("elementwise", config,
                                              floatTypeObstacle(layer.input(0)->type()), tactics, skipped);
            return offerChannelsLast<ChannelsLastElementwiseKernel>("elementwise", config, {}, tactics,
                                                                    skipped);
        case LayerKind::Select:
            return offerBroadcast<SelectKernel>("select", config, {}, tactics, skipped);
        case LayerKind::BatchNorm:
            offerBroadcast<BatchNormKernel>("batch-norm", config, {}, tactics, skipped);
            return offerChannelsLast<ChannelsLastBatchNormKernel>(
                "batch-norm", config, channelsLastBatchNormObstacle(layer), tactics, skipped);
        case LayerKind::PointwiseChain:
            offerBroadcast<ChainKernel>("pointwise-chain", config, chainObstacle(layer), tactics, skipped);
            return offerChannelsLast<ChannelsLastChainKernel>("pointwise-chain", config, chainObstacle(layer),
                                                              tactics, skipped);
        default:
            return;
    }
}

}  // namespace kiln::cuda
