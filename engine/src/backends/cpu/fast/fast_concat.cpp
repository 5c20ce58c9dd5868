// Concat kernel: the output is `outer` rows; input i fills bytes [column_i, column_i + row_i) of each.
// A channels-last channel concat is the same with one row per pixel. INT8 inputs whose scale is not the
// output's are requantized on the way.
// Rows are cut into chunks so that a concat of a few big inputs (a channel concat at batch 1 is one
// row per input) still keeps every thread busy.
#include "backends/cpu/fast/fast_concat.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "backends/cpu/fast/fast_pointwise.h"
#include "tactics/formats.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kConcatId = "kiln:concat";
// Largest piece of a row one task copies.
constexpr int64_t kChunkBytes = int64_t(128) << 10;

struct ConcatPlan {
    int64_t outer = 1;
    int64_t outputRow = 0;           // bytes
    std::vector<int64_t> rows;       // bytes of each input per outer index
    std::vector<int64_t> columns;    // where each input's row starts in the output row
    std::vector<int64_t> chunks;     // pieces each input's row is copied in
    std::vector<int64_t> firstTask;  // prefix sums of chunks, per outer index
    int64_t tasksPerOuter = 0;
    // Padded lanes to zero after the copies (a blocked output whose channels are not a block multiple).
    BlockedView padded;
    int64_t padLanes = 0;
    size_t elementSize = 4;
    // INT8 inputs stored with another scale than the output's are requantized while copied (as the
    // simulated concat would: widened to q * scale, narrowed with the output's scale); the rest are
    // copied as they are.
    std::vector<float> requantizeScales;  // per input; 0 where the bytes are copied
    float outputInverse = 1.0f;
};

int64_t product(const Dims& dims, size_t begin, size_t end) {
    int64_t result = 1;
    for (size_t axis = begin; axis < end; ++axis) result *= dims[axis];
    return result;
}

// Elements requantized at a time: the FP32 values stay in L1.
constexpr int64_t kRequantizeBlock = 4096;

class ConcatKernel final : public tactics::Kernel {
public:
    ConcatKernel(ConcatPlan plan, Isa isa) : m_plan(std::move(plan)), m_conversions(storageConversions(isa)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const ConcatPlan& p = m_plan;
        if (args.inputs.size() < p.rows.size() || args.outputs.empty() || !args.outputs[0]) {
            return invalidArgument("the concat kernel needs " + std::to_string(p.rows.size()) + " inputs");
        }
        for (size_t i = 0; i < p.rows.size(); ++i) {
            if (p.rows[i] > 0 && !args.inputs[i]) return invalidArgument("concat input " + std::to_string(i) + " is null");
        }
        std::byte* out = args.outputs[0];
        const int64_t tasks = p.outer * p.tasksPerOuter;
        const bool parallel = worthParallel(p.outer * p.outputRow * 2);
        const bool requantizes = std::any_of(p.requantizeScales.begin(), p.requantizeScales.end(),
                                             [](float scale) { return scale != 0.0f; });
#pragma omp parallel if (parallel)
        {
            std::vector<float> values(requantizes ? size_t(kRequantizeBlock) : 0);
#pragma omp for schedule(static)
            for (int64_t task = 0; task < tasks; ++task) {
                const int64_t o = task / p.tasksPerOuter;
                const int64_t local = task % p.tasksPerOuter;
                const size_t i = size_t(std::upper_bound(p.firstTask.begin(), p.firstTask.end(), local) -
                                        p.firstTask.begin()) - 1;
                const int64_t begin = (local - p.firstTask[i]) * kChunkBytes;
                const int64_t bytes = std::min(kChunkBytes, p.rows[i] - begin);
                std::byte* target = out + o * p.outputRow + p.columns[i] + begin;
                const std::byte* source = args.inputs[i] + o * p.rows[i] + begin;
                if (!requantizes || p.requantizeScales[i] == 0.0f) {
                    std::memcpy(target, source, size_t(bytes));
                    continue;
                }
                for (int64_t at = 0; at < bytes; at += kRequantizeBlock) {  // INT8: a byte per element
                    const int64_t count = std::min(kRequantizeBlock, bytes - at);
                    m_conversions.widenInt8(reinterpret_cast<const int8_t*>(source + at), p.requantizeScales[i],
                                            values.data(), count);
                    m_conversions.narrowInt8(values.data(), p.outputInverse, reinterpret_cast<int8_t*>(target + at),
                                             count);
                }
            }
        }
        if (p.padLanes > 0) {
            const BlockedView& v = p.padded;
            const int64_t laneBytes = int64_t(p.elementSize);
            const int64_t valid = v.block - p.padLanes;
            for (int64_t n = 0; n < v.batch; ++n) {
                std::byte* last = out + (n * v.batchStride() + (v.blocks() - 1) * v.spatial * v.block) * laneBytes;
                for (int64_t s = 0; s < v.spatial; ++s) {
                    std::memset(last + (s * v.block + valid) * laneBytes, 0, size_t(p.padLanes * laneBytes));
                }
            }
        }
        return Status::ok();
    }

private:
    ConcatPlan m_plan;
    StorageConversions m_conversions;
};

}  // namespace

void addConcatTactics(const tactics::LayerConfig& config, Isa isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const auto skip = [&](std::string reason) { skipped.push_back({kConcatId, kLibrary, std::move(reason)}); };
    const Tensor* output = layer.output(0);
    if (!output || layer.inputs().empty() || config.inputFormats.size() != layer.inputs().size() ||
        config.outputFormats.empty()) {
        skip("needs inputs, one output and their formats");
        return;
    }
    const Dims& dims = output->dims();
    const size_t axis = size_t(layer.paramsAs<ConcatParams>().axis);
    if (axis >= dims.size()) {
        skip("axis " + std::to_string(axis) + " is outside the output's rank " + std::to_string(dims.size()));
        return;
    }
    const TensorFormat format = config.outputFormats[0];
    const bool linear = isLinearLayout(dims, format);
    if (!linear && format.channelsLast && (format.channelBlock > 1 || axis != 1)) {
        skip("channels-last tensors are concatenated along unpadded channels only: along another axis, or "
             "with padded channels, their channels interleave");
        return;
    }
    if (!linear && !format.channelsLast && format.channelBlock <= 0) {
        skip("channel block " + std::to_string(format.channelBlock) + " is not positive");
        return;
    }
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (!input || input->dims().size() != dims.size() || input->type() != output->type()) {
            skip("input " + std::to_string(i) + " is absent or differs from the output in rank or type");
            return;
        }
        const bool sameLayout = linear ? isLinearLayout(input->dims(), config.inputFormats[i])
                                       : config.inputFormats[i] == format;
        if (!sameLayout) {
            skip("input " + std::to_string(i) + " is " + toString(config.inputFormats[i], dims.size()) +
                 " but the output is " + toString(format, dims.size()) + "; every tensor must share one format");
            return;
        }
    }

    // Reduced storage is copied as it is (a concat computes nothing); INT8 inputs of another scale than
    // the output's are requantized.
    ConcatPlan plan;
    plan.requantizeScales.assign(layer.inputs().size(), 0.0f);
    if (format.storage == DataType::Int8) {
        if (!output->dynamicRange() || !(*output->dynamicRange() > 0.0f)) {
            skip("the output is stored in INT8 without a calibrated range");
            return;
        }
        plan.outputInverse = 1.0f / tactics::storageScale(*output);
        for (size_t i = 0; i < layer.inputs().size(); ++i) {
            const Tensor* input = layer.input(i);
            if (input->dynamicRange() == output->dynamicRange()) continue;
            if (!input->dynamicRange() || !(*input->dynamicRange() > 0.0f)) {
                skip("input " + std::to_string(i) + " is stored in INT8 without a calibrated range");
                return;
            }
            plan.requantizeScales[i] = tactics::storageScale(*input);
        }
    }
    plan.elementSize = dataTypeSize(format.storage.value_or(output->type()));
    const int64_t elementSize = int64_t(plan.elementSize);
    if (!linear && format.channelsLast) {
        // [N][spatial...][C]: each pixel's channels are one output row, each input's one piece of it.
        plan.outer = dims[0] * product(dims, 2, dims.size());
        for (const Tensor* input : layer.inputs()) plan.rows.push_back(input->dims()[1] * elementSize);
    } else if (linear) {
        plan.outer = product(dims, 0, axis);
        const int64_t inner = product(dims, axis + 1, dims.size()) * elementSize;
        for (const Tensor* input : layer.inputs()) plan.rows.push_back(input->dims()[axis] * inner);
    } else {
        // The blocked storage is the row-major array [N][blocks][spatial...][block].
        const int64_t block = format.channelBlock;
        plan.padded = viewOf(dims, format);
        plan.padLanes = (block - dims[1] % block) % block;
        if (axis == 1) {
            int64_t channel = 0;
            for (size_t i = 0; i < layer.inputs().size(); ++i) {
                if (channel % block != 0) {
                    skip("input " + std::to_string(i) + " starts at channel " + std::to_string(channel) +
                         ", not a multiple of the channel block " + std::to_string(block));
                    return;
                }
                const BlockedView view = viewOf(layer.input(i)->dims(), format);
                plan.rows.push_back(view.batchStride() * elementSize);
                channel += layer.input(i)->dims()[1];
            }
            plan.outer = dims[0];
        } else {
            const int64_t blocks = plan.padded.blocks();
            plan.outer = axis == 0 ? 1 : dims[0] * blocks * product(dims, 2, axis);
            const int64_t inner = product(dims, axis + 1, dims.size()) * (axis == 0 ? 1 : block) * elementSize;
            for (const Tensor* input : layer.inputs()) {
                plan.rows.push_back(axis == 0 ? viewOf(input->dims(), format).batchStride() * input->dims()[0] * elementSize
                                              : input->dims()[axis] * inner);
            }
        }
    }
    int64_t column = 0;
    for (int64_t row : plan.rows) {
        plan.columns.push_back(column);
        plan.firstTask.push_back(plan.tasksPerOuter);
        const int64_t chunks = (row + kChunkBytes - 1) / kChunkBytes;
        plan.chunks.push_back(chunks);
        plan.tasksPerOuter += chunks;
        column += row;
    }
    plan.outputRow = column;
    if (plan.outer * plan.outputRow != storageByteSize(output->type(), dims, format)) {
        skip("the inputs' storage does not add up to the output's (" + std::to_string(plan.outer * plan.outputRow) +
             " of " + std::to_string(storageByteSize(output->type(), dims, format)) + " bytes)");
        return;
    }
    tactics.push_back(std::make_unique<KilnTactic>(kConcatId, [plan, isa]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<ConcatKernel>(plan, isa));
    }));
}

}  // namespace kiln::cpu::fast
