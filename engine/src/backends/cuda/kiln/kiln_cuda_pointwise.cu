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
#include "backends/cuda/kiln/kiln_cuda_pointwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
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

class BatchNormKernel final : public PointwiseKernel {
public:
    using PointwiseKernel::PointwiseKernel;

    // With constant scale and variance the per-channel factor is computed once here, as the
    // reference computes it, instead of a double division and square root per element.
    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        const Tensor* scale = m_layer.input(1);
        const Tensor* variance = m_layer.input(4);
        if (!scale->isConstant() || !variance->isConstant()) return Status::ok();
        const float epsilon = m_layer.paramsAs<BatchNormParams>().epsilon;
        const float* scales = scale->constantData()->data<float>();
        const float* variances = variance->constantData()->data<float>();
        std::vector<double> factors(size_t(volume(scale->dims())));
        for (size_t c = 0; c < factors.size(); ++c) {
            factors[c] = double(scales[c]) / std::sqrt(double(variances[c]) + double(epsilon));
        }
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
    ChainKernel(const Layer& layer, Path path) : PointwiseKernel(layer, path) {
        const auto& steps = layer.paramsAs<PointwiseChainParams>().steps;
        m_program.count = int(steps.size());
        for (size_t s = 0; s < steps.size(); ++s) {
            const PointwiseStep& step = steps[s];
            m_program.steps[s] = {
                step.kind,
                step.activation.type,
                step.unary,
                step.op,
                step.operandFirst,
                int8_t(readsOperand(step.kind) ? step.operand : 0),
                int8_t(step.kind == PointwiseStep::Kind::ScaleShift ? step.shiftOperand : 0),
                step.activation.alpha,
                step.activation.beta};
        }
    }

    Status run(const tactics::KernelArgs& args) const override {
        ChainOp op{m_program, out<float>(args), {}, int(m_layer.inputs().size())};
        for (size_t k = 0; k < m_layer.inputs().size(); ++k)
            op.inputs[k] = in<float>(args, k);
        return launch(args, op, "pointwise chain");
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

}  // namespace

void addPointwiseTactics(const tactics::LayerConfig& config,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    switch (layer.kind()) {
        case LayerKind::Activation:
            return offerSingle<ActivationKernel>("kiln-cuda:activation", config,
                                                 floatTypeObstacle(layer.input(0)->type()), tactics, skipped);
        case LayerKind::Unary:
            return offerSingle<UnaryKernel>("kiln-cuda:unary", config,
                                            floatTypeObstacle(layer.input(0)->type()), tactics, skipped);
        case LayerKind::Cast:
            return offerSingle<CastKernel>("kiln-cuda:cast", config, {}, tactics, skipped);
        case LayerKind::Elementwise:
            return offerBroadcast<ElementwiseKernel>(
                "elementwise", config, floatTypeObstacle(layer.input(0)->type()), tactics, skipped);
        case LayerKind::Select:
            return offerBroadcast<SelectKernel>("select", config, {}, tactics, skipped);
        case LayerKind::BatchNorm:
            return offerBroadcast<BatchNormKernel>("batch-norm", config, {}, tactics, skipped);
        case LayerKind::PointwiseChain:
            return offerBroadcast<ChainKernel>("pointwise-chain", config, chainObstacle(layer), tactics,
                                               skipped);
        default:
            return;
    }
}

}  // namespace kiln::cuda
