// The pointwise engine: planning (which layers and formats it takes, how each operand is addressed),
// the tiled parallel loop, the scalar runner and the four tactics. The SIMD runners live in
// fast_pointwise_avx2.cpp / fast_pointwise_avx512.cpp.
//
// Linear format (and dense channels-last, walked in its memory order): the data's axes of extent 1 are
// dropped and neighbouring axes merged wherever every operand is contiguous across them (numpy
// broadcasting, collapsed), which leaves runs along the last axis in which each operand is either one
// value or contiguous. Blocked format: tiles are runs of
// spatial positions of one channel block; an operand is a lane pattern (per-channel, per-batch or
// scalar), a contiguous array (an activation in the same format and shape) or, otherwise, gathered
// into scratch per tile.
#include "backends/cpu/fast/fast_pointwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>

#include "backends/cpu/scalar_math.h"
#include "ir/shape_inference.h"
#include "tactics/formats.h"

namespace kiln::cpu::fast {

void runStepsScalar(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands) {
    if (count == 0 && source != target) std::memmove(target, source, size_t(n) * sizeof(float));
    for (size_t k = 0; k < count; ++k) {
        const PointwiseStep& step = steps[k];
        const float* src = k == 0 ? source : target;
        switch (step.kind) {
            case PointwiseStep::Kind::Activation:
                for (int64_t i = 0; i < n; ++i) target[i] = applyActivation(step.activation, src[i]);
                break;
            case PointwiseStep::Kind::Unary:
                for (int64_t i = 0; i < n; ++i) target[i] = applyUnary(step.unary, src[i]);
                break;
            case PointwiseStep::Kind::ScaleShift: {
                const TileOperand scale = operands[step.operand];
                const TileOperand shift = operands[step.shiftOperand];
                for (int64_t i = 0; i < n; ++i) {
                    const float product = src[i] * scale.data[i & scale.mask];
                    target[i] = product + shift.data[i & shift.mask];
                }
                break;
            }
            case PointwiseStep::Kind::Elementwise: {
                const TileOperand b = operands[step.operand];
                for (int64_t i = 0; i < n; ++i) {
                    const float c = b.data[i & b.mask];
                    target[i] = step.operandFirst ? applyArithmetic(step.op, c, src[i])
                                                  : applyArithmetic(step.op, src[i], c);
                }
                break;
            }
        }
    }
}

std::vector<PointwiseStep> epilogueSteps(const std::vector<int64_t>& added,
                                         const std::optional<ActivationParams>& activation) {
    std::vector<PointwiseStep> steps;
    for (int64_t operand : added) {
        PointwiseStep add;
        add.kind = PointwiseStep::Kind::Elementwise;
        add.op = ElementwiseOp::Add;
        add.operand = operand;
        steps.push_back(add);
    }
    if (activation) {
        PointwiseStep step;
        step.kind = PointwiseStep::Kind::Activation;
        step.activation = *activation;
        steps.push_back(step);
    }
    return steps;
}

StepRunner stepRunner(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return runStepsAvx512;
        case Isa::Avx2: return runStepsAvx2;
        case Isa::Scalar: break;
    }
    return runStepsScalar;
}

void widenBf16Scalar(const uint16_t* from, float* to, int64_t n) {
    for (int64_t i = 0; i < n; ++i) to[i] = bfloat16ToFloat(from[i]);
}

void narrowBf16Scalar(const float* from, uint16_t* to, int64_t n) {
    for (int64_t i = 0; i < n; ++i) to[i] = floatToBFloat16(from[i]);
}

void widenInt8Scalar(const int8_t* from, float scale, float* to, int64_t n) {
    for (int64_t i = 0; i < n; ++i) to[i] = float(from[i]) * scale;
}

void narrowInt8Scalar(const float* from, float inverse, int8_t* to, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float q = std::nearbyint(from[i] * inverse);
        to[i] = q == q ? int8_t(std::clamp(q, -127.0f, 127.0f)) : int8_t(0);
    }
}

StorageConversions storageConversions(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return {widenBf16Avx512, narrowBf16Avx512, widenInt8Avx512, narrowInt8Avx512};
        case Isa::Avx2: return {widenBf16Avx2, narrowBf16Avx2, widenInt8Avx2, narrowInt8Avx2};
        case Isa::Scalar: break;
    }
    return {widenBf16Scalar, narrowBf16Scalar, widenInt8Scalar, narrowInt8Scalar};
}

void evaluateVectorFunction(Isa isa, VectorFunction function, const float* source, float* target, int64_t n) {
    switch (isa) {
        case Isa::Avx512: evaluateAvx512(function, source, target, n); return;
        case Isa::Avx2: evaluateAvx2(function, source, target, n); return;
        case Isa::Scalar: break;
    }
    for (int64_t i = 0; i < n; ++i) {
        const float x = source[i];
        switch (function) {
            case VectorFunction::Exp: target[i] = std::exp(x); break;
            case VectorFunction::Sigmoid: target[i] = applyActivation({ActivationType::Sigmoid}, x); break;
            case VectorFunction::Tanh: target[i] = std::tanh(x); break;
            case VectorFunction::Erf: target[i] = std::erf(x); break;
        }
    }
}

namespace {

// Elements per tile: 8 KiB of floats, so a tile, its operands and any gathered scratch stay in L1.
constexpr int64_t kTile = 2048;

// How the kernel addresses one operand input.
// How a tensor the kernel reads or writes is stored: FP32, or a reduced type widened to FP32 per tile
// (INT8 with its scale, x = q * scale).
struct Storage {
    DataType type = DataType::Float32;
    float scale = 1.0f;
    bool reduced() const { return type != DataType::Float32; }
};

struct Operand {
    size_t input = 0;
    int64_t storageBytes = 0;  // for the overlap check against the output
    Storage storage;
    bool isData = false;       // the data tensor itself, read again (x * sigmoid(x))
    // Linear engine: the operand's stride along each collapsed axis (0 where it broadcasts); the last
    // one is 0 or 1, except for a linear operand of channels-last data, which is gathered per run.
    std::vector<int64_t> strides;
    // Blocked engine: element (n, c, s) of the data reads the operand at n * batchStride +
    // channelOffset(c) + s * spatialStride.
    enum class Mode : uint8_t { Pattern, Contiguous, Gather };
    Mode mode = Mode::Pattern;
    int64_t batchStride = 0;
    int64_t channelGroup = 1;
    int64_t groupStride = 0;
    int64_t laneStride = 0;
    int64_t spatialStride = 0;
    int64_t channelOffset(int64_t c) const {
        return channelGroup == 1 ? c * groupStride : c / channelGroup * groupStride + c % channelGroup * laneStride;
    }
};

struct Plan {
    std::vector<PointwiseStep> steps;
    size_t dataInput = 0;
    size_t inputCount = 0;
    int64_t elements = 0;
    int64_t outputBytes = 0;     // storage, padded lanes included
    bool blocked = false;
    // Data and output stored in a reduced type (linear engine only): each tile is widened to FP32 in
    // scratch, computed there, and the result narrowed once, as the layer's FP32 result stored so.
    Storage data;
    Storage output;
    Dims loopDims;               // linear engine: collapsed axes, at least one
    BlockedView view;            // blocked engine
    std::vector<Operand> operands;
};

std::string dimsText(const Dims& dims) { return toString(dims); }

// A reduced operand whose elements lie `stride` apart, widened into a tile.
void widenStrided(const std::byte* from, Storage storage, int64_t stride, float* to, int64_t n) {
    if (storage.type == DataType::BFloat16) {
        const auto* values = reinterpret_cast<const uint16_t*>(from);
        for (int64_t i = 0; i < n; ++i) to[i] = bfloat16ToFloat(values[i * stride]);
    } else {
        const auto* values = reinterpret_cast<const int8_t*>(from);
        for (int64_t i = 0; i < n; ++i) to[i] = float(values[i * stride]) * storage.scale;
    }
}

// The storage types the pointwise kernels read and write besides FP32.
bool storable(TensorFormat format) {
    return !format.storage || *format.storage == DataType::BFloat16 || *format.storage == DataType::Int8;
}

// How `tensor` is stored in `format`; INT8 needs the tensor's calibrated range.
Result<Storage> storageOf(const Tensor& tensor, TensorFormat format) {
    Storage storage;
    storage.type = format.storage.value_or(DataType::Float32);
    if (storage.type == DataType::Int8) {
        if (!tensor.dynamicRange() || !(*tensor.dynamicRange() > 0.0f)) {
            return unsupported("'" + tensor.name() + "' is stored in INT8 without a calibrated range");
        }
        storage.scale = tactics::storageScale(tensor);
    }
    return storage;
}

using detail::broadcastsTo;
using detail::isArithmetic;

// The layer inputs the steps read besides the data, checked to be present FP32 tensors that broadcast
// to the data's shape.
Result<std::vector<size_t>> operandInputs(const Layer& layer, const std::vector<PointwiseStep>& steps,
                                          const Dims& dims) {
    std::set<size_t> inputs;
    const auto use = [&](int64_t index, const char* what) -> Status {
        if (index < 0 || size_t(index) >= layer.inputs().size() || !layer.input(size_t(index))) {
            return unsupported(std::string("a step's ") + what + " " + std::to_string(index) +
                               " is not an input of the layer");
        }
        const Tensor* tensor = layer.input(size_t(index));
        if (tensor->type() != DataType::Float32) {
            return unsupported("operand input " + std::to_string(index) + " is " + toString(tensor->type()) +
                               ", not FP32");
        }
        if (!broadcastsTo(tensor->dims(), dims)) {
            return unsupported("operand input " + std::to_string(index) + " (" + dimsText(tensor->dims()) +
                               ") does not broadcast to the data's shape " + dimsText(dims));
        }
        inputs.insert(size_t(index));
        return Status::ok();
    };
    for (const PointwiseStep& step : steps) {
        switch (step.kind) {
            case PointwiseStep::Kind::Activation: break;
            case PointwiseStep::Kind::Unary:
                if (step.unary == UnaryOp::Not) return unsupported("Not is a BOOL operation, not an FP32 step");
                break;
            case PointwiseStep::Kind::ScaleShift:
                KILN_RETURN_IF_ERROR(use(step.operand, "scale operand"));
                KILN_RETURN_IF_ERROR(use(step.shiftOperand, "shift operand"));
                break;
            case PointwiseStep::Kind::Elementwise:
                if (!isArithmetic(step.op)) {
                    return unsupported(std::string("elementwise ") + toString(step.op) + " is not arithmetic");
                }
                KILN_RETURN_IF_ERROR(use(step.operand, "operand"));
                break;
        }
    }
    return std::vector<size_t>(inputs.begin(), inputs.end());
}

// Dense channels-last (no padded lanes): memory runs over the batch, the spatial axes, then the channels.
bool isDenseChannelsLast(const Dims& dims, TensorFormat format) {
    return format.channelsLast && format.channelBlock == 0 && storable(format) && dims.size() >= 3;
}

// The axes of a rank-`rank` tensor in memory order, outermost first.
std::vector<size_t> memoryOrder(size_t rank, bool channelsLast) {
    std::vector<size_t> order;
    for (size_t axis = 0; axis < rank; ++axis) {
        if (!channelsLast || axis != 1) order.push_back(axis);
    }
    if (channelsLast) order.push_back(1);
    return order;
}

// An operand's element strides along each axis of `dims` (0 where it broadcasts), for a tensor of
// `own` dims stored in memory order `order` (aligned to the data's rank from the right).
std::vector<int64_t> stridesIn(const Dims& own, const Dims& dims, const std::vector<size_t>& order) {
    Dims aligned(dims.size() - own.size(), 1);
    aligned.insert(aligned.end(), own.begin(), own.end());
    std::vector<int64_t> strides(dims.size(), 0);
    int64_t stride = 1;
    for (size_t i = order.size(); i-- > 0;) {
        const size_t axis = order[i];
        strides[axis] = aligned[axis] == 1 ? 0 : stride;
        stride *= aligned[axis];
    }
    return strides;
}

// Linear engine: walk the data's axes in memory order (`order`), drop the extent-1 axes, then merge
// each axis into the one before it wherever every operand's stride (`full`, per axis of `dims`) says
// the two are one contiguous (or one broadcast) axis.
void planLinear(Plan& plan, const Dims& dims, const std::vector<size_t>& order,
                const std::vector<std::vector<int64_t>>& full) {
    for (size_t axis : order) {
        if (dims[axis] == 1) continue;
        bool merge = !plan.loopDims.empty();
        for (size_t k = 0; merge && k < plan.operands.size(); ++k) {
            merge = plan.operands[k].strides.back() == full[k][axis] * dims[axis];
        }
        if (merge) {
            plan.loopDims.back() *= dims[axis];
            for (size_t k = 0; k < plan.operands.size(); ++k) plan.operands[k].strides.back() = full[k][axis];
        } else {
            plan.loopDims.push_back(dims[axis]);
            for (size_t k = 0; k < plan.operands.size(); ++k) plan.operands[k].strides.push_back(full[k][axis]);
        }
    }
    if (plan.loopDims.empty()) {
        plan.loopDims.push_back(1);
        for (Operand& operand : plan.operands) operand.strides.push_back(0);
    }
}

Status planBlocked(Plan& plan, const tactics::LayerConfig& config, const Dims& dims) {
    const Layer& layer = *config.layer;
    const size_t rank = dims.size();
    const Dims spatial(dims.begin() + 2, dims.end());
    for (Operand& operand : plan.operands) {
        const Tensor* tensor = layer.input(operand.input);
        Dims aligned(rank - tensor->dims().size(), 1);
        aligned.insert(aligned.end(), tensor->dims().begin(), tensor->dims().end());
        const int64_t batch = aligned[0];
        const int64_t channels = aligned[1];
        const Dims ownSpatial(aligned.begin() + 2, aligned.end());
        const int64_t positions = volume(ownSpatial);
        const bool perPosition = positions > 1;
        if (perPosition && ownSpatial != spatial) {
            return unsupported("operand input " + std::to_string(operand.input) + " (" + dimsText(tensor->dims()) +
                               ") broadcasts over some spatial axes only; in a blocked format an operand must be "
                               "per-channel, per-batch, scalar or of the data's spatial shape");
        }
        const TensorFormat format =
            operand.input < config.inputFormats.size() ? config.inputFormats[operand.input] : TensorFormat{};
        const bool linearOperand = isLinearLayout(tensor->dims(), format) || volume(tensor->dims()) == 1;
        if (linearOperand) {
            operand.batchStride = batch == 1 ? 0 : channels * positions;
            operand.groupStride = channels == 1 ? 0 : positions;
            operand.spatialStride = perPosition ? 1 : 0;
        } else {
            if (tensor->dims().size() != rank) {
                return unsupported("operand input " + std::to_string(operand.input) + " is blocked with rank " +
                                   std::to_string(tensor->dims().size()) + ", not the data's rank " +
                                   std::to_string(rank));
            }
            const int64_t block = format.channelBlock;
            const int64_t blocks = (channels + block - 1) / block;
            operand.batchStride = batch == 1 ? 0 : blocks * positions * block;
            if (channels > 1) {
                operand.channelGroup = block;
                operand.groupStride = positions * block;
                operand.laneStride = 1;
            }
            operand.spatialStride = perPosition ? block : 0;
        }
        if (!perPosition) {
            operand.mode = Operand::Mode::Pattern;
        } else if (!linearOperand && format.channelBlock == plan.view.block && channels == plan.view.channels) {
            operand.mode = Operand::Mode::Contiguous;
        } else {
            operand.mode = Operand::Mode::Gather;
        }
    }
    return Status::ok();
}

Result<Plan> makePlan(const tactics::LayerConfig& config, std::vector<PointwiseStep> steps, size_t dataInput) {
    const Layer& layer = *config.layer;
    const Tensor* data = layer.input(dataInput);
    const Tensor* output = layer.output(0);
    if (config.precision != DataType::Float32 && config.precision != DataType::BFloat16 &&
        config.precision != DataType::Int8) {
        return unsupported(std::string("runs FP32, BF16 and INT8 layers only, not ") + toString(config.precision));
    }
    if (!data || !output || layer.outputs().size() != 1) return unsupported("needs a data input and one output");
    if (data->type() != DataType::Float32 || output->type() != DataType::Float32) {
        return unsupported(std::string("runs FP32 tensors only, not ") + toString(data->type()) + " to " +
                           toString(output->type()));
    }
    const Dims& dims = data->dims();
    if (output->dims() != dims) {
        return unsupported("the output's shape " + dimsText(output->dims()) + " is not the data input's " +
                           dimsText(dims));
    }
    if (config.inputFormats.size() <= dataInput || config.outputFormats.empty()) {
        return unsupported("the configuration lacks the tensors' formats");
    }
    const TensorFormat inFormat = config.inputFormats[dataInput];
    const TensorFormat outFormat = config.outputFormats[0];
    if (!storable(inFormat) || !storable(outFormat)) {
        return unsupported("reads and writes tensors stored in FP32, BF16 or INT8 only, not " +
                           toString(inFormat, dims.size()) + " to " + toString(outFormat, dims.size()));
    }
    const bool linear = isLinearLayout(dims, inFormat) && isLinearLayout(dims, outFormat);
    if (!linear && inFormat != outFormat) {
        return unsupported("input and output formats differ (" + toString(inFormat, dims.size()) + " to " +
                           toString(outFormat, dims.size()) + "); a Reformat layer converts formats");
    }
    // Dense channels-last data runs on the linear engine, its axes walked in memory order.
    const bool channelsLast = !linear && isDenseChannelsLast(dims, inFormat);
    if (!linear && inFormat.channelsLast && !channelsLast) {
        return unsupported("runs channels-last tensors without padded channels only, not " +
                           toString(inFormat, dims.size()));
    }
    const int block = inFormat.channelBlock;
    const bool reduced = inFormat.storage || outFormat.storage;
    if (reduced && !linear && !channelsLast) {
        return unsupported("runs tensors of reduced storage in linear and dense channels-last formats only, not " +
                           toString(inFormat, dims.size()));
    }
    if (!linear && !channelsLast && (block <= 0 || block > int(kPatternLength) || (block & (block - 1)) != 0)) {
        return unsupported("channel block " + std::to_string(block) + " is not a power of two up to 16");
    }
    KILN_ASSIGN_OR_RETURN(std::vector<size_t> inputs, operandInputs(layer, steps, dims));

    Plan plan;
    plan.steps = std::move(steps);
    plan.dataInput = dataInput;
    plan.inputCount = layer.inputs().size();
    plan.elements = volume(dims);
    plan.outputBytes = storageByteSize(DataType::Float32, dims, outFormat);
    plan.blocked = !linear && !channelsLast;
    KILN_ASSIGN_OR_RETURN(plan.data, storageOf(*data, inFormat));
    KILN_ASSIGN_OR_RETURN(plan.output, storageOf(*output, outFormat));
    const std::vector<size_t> order = memoryOrder(dims.size(), channelsLast);
    std::vector<std::vector<int64_t>> full;  // each operand's strides along the data's axes
    for (size_t input : inputs) {
        Operand operand;
        operand.input = input;
        const Tensor* tensor = layer.input(input);
        const TensorFormat format = input < config.inputFormats.size() ? config.inputFormats[input] : TensorFormat{};
        operand.storageBytes = storageByteSize(DataType::Float32, tensor->dims(), format);
        if (!storable(format) || (format.storage && plan.blocked)) {
            return unsupported("operand input " + std::to_string(input) + " is " +
                               toString(format, tensor->dims().size()) + "; the kernel reads FP32 operands, and BF16 "
                               "and INT8 ones in linear and channels-last layers");
        }
        KILN_ASSIGN_OR_RETURN(operand.storage, storageOf(*tensor, format));
        operand.isData = tensor == data && format == inFormat;
        const bool linearOperand = isLinearLayout(tensor->dims(), format) || volume(tensor->dims()) == 1;
        if (linear && !linearOperand) {
            return unsupported("operand input " + std::to_string(input) + " is " +
                               toString(format, tensor->dims().size()) + " while the data is linear");
        }
        if (channelsLast) {
            if (linearOperand) {
                full.push_back(stridesIn(tensor->dims(), dims, memoryOrder(dims.size(), false)));
            } else if (format == inFormat && tensor->dims().size() == dims.size()) {
                full.push_back(stridesIn(tensor->dims(), dims, order));
            } else {
                return unsupported("operand input " + std::to_string(input) + " is " +
                                   toString(format, tensor->dims().size()) + " while the data is " +
                                   toString(inFormat, dims.size()));
            }
        } else if (linear) {
            full.push_back(stridesIn(tensor->dims(), dims, order));
        }
        plan.operands.push_back(std::move(operand));
    }
    if (linear || channelsLast) {
        planLinear(plan, dims, order, full);
    } else {
        plan.view = viewOf(dims, inFormat);
        KILN_RETURN_IF_ERROR(planBlocked(plan, config, dims));
    }
    return plan;
}

// The address of element `index` of a tensor stored as `storage` whose memory starts at `base`.
const std::byte* elementAt(const float* base, Storage storage, int64_t index) {
    return reinterpret_cast<const std::byte*>(base) + index * int64_t(dataTypeSize(storage.type));
}

bool overlaps(const std::byte* a, int64_t aBytes, const std::byte* b, int64_t bBytes) {
    return a < b + bBytes && b < a + aBytes;
}

// Per-thread scratch: one pattern and one tile-long buffer per operand, and a tile each for BF16 data
// and output.
constexpr int64_t kScratchPerOperand = kPatternLength + kTile;

class PointwiseKernel final : public tactics::Kernel {
public:
    PointwiseKernel(Plan plan, Isa isa)
        : m_plan(std::move(plan)), m_runner(stepRunner(isa)), m_conversions(storageConversions(isa)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < m_plan.inputCount || args.outputs.empty()) {
            return invalidArgument("the kernel needs " + std::to_string(m_plan.inputCount) + " inputs and 1 output");
        }
        Bindings b;
        b.x = reinterpret_cast<const float*>(args.inputs[m_plan.dataInput]);
        b.y = reinterpret_cast<float*>(args.outputs[0]);
        if (!b.x || !b.y) return invalidArgument("the data input or the output is null");
        for (const Operand& operand : m_plan.operands) {
            const std::byte* base = args.inputs[operand.input];
            if (!base) return invalidArgument("operand input " + std::to_string(operand.input) + " is null");
            b.bases.push_back(reinterpret_cast<const float*>(base));
            // An operand the output overwrites (an input it shares memory with) is copied per tile
            // before the tile's steps run.
            b.copy.push_back(overlaps(base, operand.storageBytes, reinterpret_cast<const std::byte*>(b.y),
                                      m_plan.outputBytes));
        }
        if (m_plan.elements == 0) return Status::ok();
        if (m_plan.blocked) {
            runBlocked(b);
        } else {
            runLinear(b);
        }
        return Status::ok();
    }

private:
    struct Bindings {
        const float* x = nullptr;
        float* y = nullptr;
        std::vector<const float*> bases;
        std::vector<bool> copy;
    };

    bool parallel() const {
        return worthParallel(m_plan.elements * int64_t(sizeof(float)) * int64_t(2 + m_plan.operands.size()));
    }

    void runLinear(const Bindings& b) const {
        const Dims& dims = m_plan.loopDims;
        const size_t axes = dims.size();
        const int64_t length = dims.back();
        const int64_t runs = m_plan.elements / length;
        const int64_t chunks = (length + kTile - 1) / kTile;
        const int64_t runsPerTask = std::max<int64_t>(1, kTile / length);
        const int64_t tasks = length >= kTile ? runs * chunks : (runs + runsPerTask - 1) / runsPerTask;
#pragma omp parallel if (parallel())
        {
            std::vector<float> scratch(size_t(kScratchPerOperand) * m_plan.operands.size() + 2 * size_t(kTile));
            float* dataTile = scratch.data() + kScratchPerOperand * int64_t(m_plan.operands.size());
            float* outputTile = dataTile + kTile;
            std::vector<TileOperand> tileOperands(m_plan.inputCount);
            const auto doRun = [&](int64_t run, int64_t begin, int64_t count) {
                const int64_t at = run * length + begin;
                const float* source = b.x + at;
                if (m_plan.data.reduced()) {
                    widen(m_plan.data, elementAt(b.x, m_plan.data, at), dataTile, count);
                    source = dataTile;
                }
                for (size_t k = 0; k < m_plan.operands.size(); ++k) {
                    const Operand& operand = m_plan.operands[k];
                    int64_t offset = 0;
                    int64_t rest = run;
                    for (size_t axis = axes - 1; axis-- > 0;) {
                        offset += rest % dims[axis] * operand.strides[axis];
                        rest /= dims[axis];
                    }
                    float* own = scratch.data() + k * kScratchPerOperand;
                    const int64_t stride = operand.strides.back();
                    if (operand.storage.reduced()) {
                        if (operand.isData && stride == 1 && offset + begin == at && m_plan.data.reduced()) {
                            tileOperands[operand.input] = {dataTile, -1};  // the data itself (x * sigmoid(x))
                        } else if (stride == 1) {
                            widen(operand.storage, elementAt(b.bases[k], operand.storage, offset + begin), own, count);
                            tileOperands[operand.input] = {own, -1};
                        } else if (stride == 0) {
                            widen(operand.storage, elementAt(b.bases[k], operand.storage, offset), own, 1);
                            std::fill(own + 1, own + kPatternLength, own[0]);
                            tileOperands[operand.input] = {own, kPatternLength - 1};
                        } else {
                            widenStrided(elementAt(b.bases[k], operand.storage, offset + begin * stride), operand.storage,
                                         stride, own, count);
                            tileOperands[operand.input] = {own, -1};
                        }
                    } else if (stride == 0) {
                        std::fill(own, own + kPatternLength, b.bases[k][offset]);
                        tileOperands[operand.input] = {own, kPatternLength - 1};
                    } else if (stride != 1) {
                        // A linear operand of channels-last data: its channels lie apart.
                        const float* from = b.bases[k] + offset + begin * stride;
                        for (int64_t i = 0; i < count; ++i) own[i] = from[i * stride];
                        tileOperands[operand.input] = {own, -1};
                    } else if (b.copy[k]) {
                        std::memcpy(own, b.bases[k] + offset + begin, size_t(count) * sizeof(float));
                        tileOperands[operand.input] = {own, -1};
                    } else {
                        tileOperands[operand.input] = {b.bases[k] + offset + begin, -1};
                    }
                }
                float* target = m_plan.output.reduced() ? outputTile : b.y + at;
                m_runner(m_plan.steps.data(), m_plan.steps.size(), source, target, count, tileOperands.data());
                if (m_plan.output.reduced()) {
                    narrow(m_plan.output, outputTile, const_cast<std::byte*>(elementAt(b.y, m_plan.output, at)), count);
                }
            };
#pragma omp for schedule(static)
            for (int64_t task = 0; task < tasks; ++task) {
                if (length >= kTile) {
                    const int64_t begin = task % chunks * kTile;
                    doRun(task / chunks, begin, std::min(kTile, length - begin));
                } else {
                    const int64_t last = std::min(runs, (task + 1) * runsPerTask);
                    for (int64_t run = task * runsPerTask; run < last; ++run) doRun(run, 0, length);
                }
            }
        }
    }

    void runBlocked(const Bindings& b) const {
        const BlockedView& view = m_plan.view;
        const int64_t block = view.block;
        const int64_t blocks = view.blocks();
        const int64_t spatial = view.spatial;
        const int64_t planes = view.batch * blocks;
        const int64_t tilePositions = kTile / block;
        const int64_t chunks = (spatial + tilePositions - 1) / tilePositions;
        const int64_t planesPerTask = std::max<int64_t>(1, tilePositions / std::max<int64_t>(1, spatial));
        const bool chunked = spatial >= tilePositions;
        const int64_t tasks = chunked ? planes * chunks : (planes + planesPerTask - 1) / planesPerTask;
        const int64_t tailLanes = view.channels % block;
#pragma omp parallel if (parallel())
        {
            std::vector<float> scratch(size_t(kScratchPerOperand) * m_plan.operands.size());
            std::vector<TileOperand> tileOperands(m_plan.inputCount);
            // The plane each operand's pattern was last filled for: a thread's tiles come in plane order.
            std::vector<int64_t> patternPlane(m_plan.operands.size(), -1);
            const auto doTile = [&](int64_t plane, int64_t s0, int64_t s1) {
                const int64_t n = plane / blocks;
                const int64_t cb = plane % blocks;
                const int64_t count = (s1 - s0) * block;
                for (size_t k = 0; k < m_plan.operands.size(); ++k) {
                    const Operand& operand = m_plan.operands[k];
                    const float* base = b.bases[k] + n * operand.batchStride;
                    float* own = scratch.data() + k * kScratchPerOperand;
                    switch (operand.mode) {
                        case Operand::Mode::Pattern:
                            if (patternPlane[k] != plane) {
                                for (int64_t i = 0; i < kPatternLength; ++i) {
                                    const int64_t c = cb * block + i % block;
                                    own[i] = c < view.channels ? base[operand.channelOffset(c)] : 0.0f;
                                }
                                patternPlane[k] = plane;
                            }
                            tileOperands[operand.input] = {own, kPatternLength - 1};
                            break;
                        case Operand::Mode::Contiguous: {
                            const float* from = base + (cb * spatial + s0) * block;
                            if (b.copy[k]) {
                                std::memcpy(own, from, size_t(count) * sizeof(float));
                                from = own;
                            }
                            tileOperands[operand.input] = {from, -1};
                            break;
                        }
                        case Operand::Mode::Gather:
                            for (int64_t lane = 0; lane < block; ++lane) {
                                const int64_t c = cb * block + lane;
                                const float* channel = base + (c < view.channels ? operand.channelOffset(c) : 0);
                                for (int64_t s = s0; s < s1; ++s) {
                                    own[(s - s0) * block + lane] =
                                        c < view.channels ? channel[s * operand.spatialStride] : 0.0f;
                                }
                            }
                            tileOperands[operand.input] = {own, -1};
                            break;
                    }
                }
                const int64_t at = (plane * spatial + s0) * block;
                m_runner(m_plan.steps.data(), m_plan.steps.size(), b.x + at, b.y + at, count, tileOperands.data());
                if (tailLanes != 0 && cb == blocks - 1) {
                    for (int64_t s = 0; s < s1 - s0; ++s) {
                        std::fill(b.y + at + s * block + tailLanes, b.y + at + (s + 1) * block, 0.0f);
                    }
                }
            };
#pragma omp for schedule(static)
            for (int64_t task = 0; task < tasks; ++task) {
                if (chunked) {
                    const int64_t s0 = task % chunks * tilePositions;
                    doTile(task / chunks, s0, std::min(spatial, s0 + tilePositions));
                } else {
                    const int64_t last = std::min(planes, (task + 1) * planesPerTask);
                    for (int64_t plane = task * planesPerTask; plane < last; ++plane) doTile(plane, 0, spatial);
                }
            }
        }
    }

    Plan m_plan;
    StepRunner m_runner;
    StorageConversions m_conversions;

    // `n` stored values from `from` widened into `to`.
    void widen(Storage storage, const std::byte* from, float* to, int64_t n) const {
        if (storage.type == DataType::BFloat16) {
            m_conversions.widenBf16(reinterpret_cast<const uint16_t*>(from), to, n);
        } else {
            m_conversions.widenInt8(reinterpret_cast<const int8_t*>(from), storage.scale, to, n);
        }
    }
    void narrow(Storage storage, const float* from, std::byte* to, int64_t n) const {
        if (storage.type == DataType::BFloat16) {
            m_conversions.narrowBf16(from, reinterpret_cast<uint16_t*>(to), n);
        } else {
            m_conversions.narrowInt8(from, 1.0f / storage.scale, reinterpret_cast<int8_t*>(to), n);
        }
    }
};

void offer(const char* id, const tactics::LayerConfig& config, Isa isa, std::vector<PointwiseStep> steps,
           size_t dataInput, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
           std::vector<tactics::SkippedTactic>& skipped) {
    Result<Plan> plan = makePlan(config, std::move(steps), dataInput);
    if (!plan.isOk()) {
        skipped.push_back({id, kLibrary, plan.status().message()});
        return;
    }
    tactics.push_back(std::make_unique<KilnTactic>(
        id, [plan = std::move(plan).value(), isa]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(std::make_unique<PointwiseKernel>(plan, isa));
        }));
}

}  // namespace

void addPointwiseTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    switch (layer.kind()) {
        case LayerKind::PointwiseChain:
            offer("kiln:pointwise-chain", config, isa, layer.paramsAs<PointwiseChainParams>().steps, 0, tactics,
                  skipped);
            return;
        case LayerKind::Activation: {
            PointwiseStep step;
            step.kind = PointwiseStep::Kind::Activation;
            step.activation = layer.paramsAs<ActivationParams>();
            offer("kiln:activation", config, isa, {step}, 0, tactics, skipped);
            return;
        }
        case LayerKind::Unary: {
            PointwiseStep step;
            step.kind = PointwiseStep::Kind::Unary;
            step.unary = layer.paramsAs<UnaryParams>().op;
            offer("kiln:unary", config, isa, {step}, 0, tactics, skipped);
            return;
        }
        case LayerKind::Elementwise: {
            constexpr const char* kId = "kiln:elementwise";
            const ElementwiseOp op = layer.paramsAs<ElementwiseParams>().op;
            if (!isArithmetic(op)) {
                skipped.push_back({kId, kLibrary, std::string(toString(op)) + " is not an arithmetic operation"});
                return;
            }
            const Tensor* a = layer.input(0);
            const Tensor* b = layer.input(1);
            const Tensor* output = layer.output(0);
            if (!a || !b || !output) {
                skipped.push_back({kId, kLibrary, "needs two inputs and an output"});
                return;
            }
            // The input of the output's shape is the data; the other one is the operand broadcast to it.
            const size_t data = a->dims() == output->dims() ? 0 : b->dims() == output->dims() ? 1 : 2;
            if (data == 2) {
                skipped.push_back({kId, kLibrary,
                                   "neither input has the output's shape " + dimsText(output->dims()) +
                                       " (both broadcast); the reference kernel runs it"});
                return;
            }
            PointwiseStep step;
            step.kind = PointwiseStep::Kind::Elementwise;
            step.op = op;
            step.operand = data == 0 ? 1 : 0;
            step.operandFirst = data == 1;
            offer(kId, config, isa, {step}, data, tactics, skipped);
            return;
        }
        default:
            return;
    }
}

}  // namespace kiln::cpu::fast
