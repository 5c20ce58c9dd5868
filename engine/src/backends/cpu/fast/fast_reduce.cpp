// Reduce kernel (fast_reduce.h).
#include "backends/cpu/fast/fast_reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kReduceId = "kiln:reduce";
// Inner elements one task accumulates at a time (a double each): 16 KiB of partial results.
constexpr int64_t kInnerChunk = 2048;

struct ReducePlan {
    ReduceOp op = ReduceOp::Sum;
    bool bf16Input = false;   // stored in bfloat16: read widened, exactly
    bool bf16Output = false;  // the FP32 result rounded to bfloat16 once
    int64_t outer = 1;
    int64_t reduced = 1;
    int64_t inner = 1;
};

bool offered(ReduceOp op) {
    switch (op) {
        case ReduceOp::Sum: case ReduceOp::Mean: case ReduceOp::Max: case ReduceOp::Min: case ReduceOp::SumSquare:
        case ReduceOp::L1: case ReduceOp::L2: case ReduceOp::LogSum: return true;
        default: return false;
    }
}

// The accumulation of one value, as the reference does it.
inline double accumulate(ReduceOp op, double acc, float x) {
    switch (op) {
        case ReduceOp::L1: return acc + std::fabs(double(x));
        case ReduceOp::SumSquare: case ReduceOp::L2: return acc + double(x) * x;
        case ReduceOp::Max: return x > acc || std::isnan(x) ? double(x) : acc;
        case ReduceOp::Min: return x < acc || std::isnan(x) ? double(x) : acc;
        default: return acc + x;
    }
}

// Combines two partial results of one output (NaN wins in max and min, as in the sequential rule).
inline double combine(ReduceOp op, double a, double b) {
    if (op == ReduceOp::Max) return b > a || std::isnan(b) ? b : a;
    if (op == ReduceOp::Min) return b < a || std::isnan(b) ? b : a;
    return a + b;
}

double initial(ReduceOp op) {
    if (op == ReduceOp::Max) return -std::numeric_limits<double>::infinity();
    if (op == ReduceOp::Min) return std::numeric_limits<double>::infinity();
    return 0.0;
}

float finish(ReduceOp op, double value, int64_t count) {
    if (op == ReduceOp::Mean) value /= double(count);
    if (op == ReduceOp::L2) value = std::sqrt(value);
    if (op == ReduceOp::LogSum) value = std::log(value);
    return float(value);
}

template <ReduceOp Op>
class ReduceKernel final : public tactics::Kernel {
public:
    explicit ReduceKernel(ReducePlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the reduce kernel needs an input and an output");
        }
        const auto* in = args.inputs[0];
        auto* out = args.outputs[0];
        if (m_plan.bf16Input) {
            if (m_plan.bf16Output) return runTyped(reinterpret_cast<const uint16_t*>(in), reinterpret_cast<uint16_t*>(out));
            return runTyped(reinterpret_cast<const uint16_t*>(in), reinterpret_cast<float*>(out));
        }
        if (m_plan.bf16Output) return runTyped(reinterpret_cast<const float*>(in), reinterpret_cast<uint16_t*>(out));
        return runTyped(reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out));
    }

private:
    static float load(float value) { return value; }
    static float load(uint16_t value) { return bfloat16ToFloat(value); }
    static void store(float& target, float value) { target = value; }
    static void store(uint16_t& target, float value) { target = floatToBFloat16(value); }

    template <typename In, typename Out>
    Status runTyped(const In* x, Out* y) const {
        const ReducePlan& p = m_plan;
        const bool parallel = worthParallel(p.outer * p.reduced * p.inner * int64_t(sizeof(In)));
        if (p.inner == 1) {
            // Each output reduces one contiguous row: four partial results, interleaved.
#pragma omp parallel for if (parallel) schedule(static)
            for (int64_t o = 0; o < p.outer; ++o) {
                const In* row = x + o * p.reduced;
                double partial[4] = {initial(Op), initial(Op), initial(Op), initial(Op)};
                int64_t r = 0;
                for (; r + 4 <= p.reduced; r += 4) {
                    for (int lane = 0; lane < 4; ++lane) partial[lane] = accumulate(Op, partial[lane], load(row[r + lane]));
                }
                for (; r < p.reduced; ++r) partial[0] = accumulate(Op, partial[0], load(row[r]));
                const double value = combine(Op, combine(Op, partial[0], partial[1]), combine(Op, partial[2], partial[3]));
                store(y[o], finish(Op, value, p.reduced));
            }
            return Status::ok();
        }
        // Each output element of a chunk of the inner axis accumulates down the reduced axis.
        const int64_t chunks = (p.inner + kInnerChunk - 1) / kInnerChunk;
#pragma omp parallel if (parallel)
        {
            std::vector<double> acc(size_t(std::min(p.inner, kInnerChunk)));
#pragma omp for schedule(static)
            for (int64_t task = 0; task < p.outer * chunks; ++task) {
                const int64_t o = task / chunks;
                const int64_t begin = task % chunks * kInnerChunk;
                const int64_t count = std::min(kInnerChunk, p.inner - begin);
                std::fill(acc.begin(), acc.begin() + count, initial(Op));
                for (int64_t r = 0; r < p.reduced; ++r) {
                    const In* line = x + (o * p.reduced + r) * p.inner + begin;
                    for (int64_t i = 0; i < count; ++i) acc[size_t(i)] = accumulate(Op, acc[size_t(i)], load(line[i]));
                }
                Out* target = y + o * p.inner + begin;
                for (int64_t i = 0; i < count; ++i) store(target[i], finish(Op, acc[size_t(i)], p.reduced));
            }
        }
        return Status::ok();
    }

    ReducePlan m_plan;
};

template <ReduceOp Op>
Result<std::unique_ptr<tactics::Kernel>> makeKernel(const ReducePlan& plan) {
    return std::unique_ptr<tactics::Kernel>(std::make_unique<ReduceKernel<Op>>(plan));
}

}  // namespace

void addReduceTactics(const tactics::LayerConfig& config, Isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kReduceId, kLibrary, reason}); };
    const auto& p = layer.paramsAs<ReduceParams>();
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (!input || !output || config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs an input, an output and their formats");
    }
    if (input->type() != DataType::Float32 || output->type() != DataType::Float32) return skip("runs FP32 tensors only");
    const auto storage = [](const TensorFormat& format) { return format.storage.value_or(DataType::Float32); };
    const DataType inStorage = storage(config.inputFormats[0]);
    const DataType outStorage = storage(config.outputFormats[0]);
    if ((inStorage != DataType::Float32 && inStorage != DataType::BFloat16) ||
        (outStorage != DataType::Float32 && outStorage != DataType::BFloat16)) {
        return skip("reads and writes FP32 or BF16 storage only");
    }
    if (!offered(p.op)) return skip(std::string("reduction ") + toString(p.op) + " is left to the reference kernel");
    if (!isLinearLayout(input->dims(), config.inputFormats[0]) || !isLinearLayout(output->dims(), config.outputFormats[0])) {
        return skip("runs linear tensors only");
    }
    // [outer][reduced][inner], the reduced axes one run once unit axes are set aside.
    const Dims& dims = input->dims();
    ReducePlan plan;
    plan.op = p.op;
    plan.bf16Input = inStorage == DataType::BFloat16;
    plan.bf16Output = outStorage == DataType::BFloat16;
    int firstReduced = -1;
    int lastReduced = -1;
    for (int64_t axis : p.axes) {
        if (axis < 0 || size_t(axis) >= dims.size()) return skip("axis " + std::to_string(axis) + " is out of range");
        if (dims[size_t(axis)] == 1) continue;
        firstReduced = firstReduced < 0 ? int(axis) : std::min(firstReduced, int(axis));
        lastReduced = std::max(lastReduced, int(axis));
    }
    for (int axis = firstReduced; axis >= 0 && axis <= lastReduced; ++axis) {
        const bool reduced = std::find(p.axes.begin(), p.axes.end(), int64_t(axis)) != p.axes.end();
        if (!reduced && dims[size_t(axis)] != 1) {
            return skip("the reduced axes are not one run (axis " + std::to_string(axis) + " lies between them)");
        }
    }
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        const bool reduced = std::find(p.axes.begin(), p.axes.end(), int64_t(axis)) != p.axes.end();
        if (reduced) {
            plan.reduced *= dims[axis];
        } else if (firstReduced < 0 || int(axis) < firstReduced) {
            plan.outer *= dims[axis];
        } else {
            plan.inner *= dims[axis];
        }
    }
    if (plan.reduced == 0) return skip("the reduced axes are empty");
    ReduceOp op = p.op;
    tactics.push_back(std::make_unique<KilnTactic>(kReduceId, [plan, op]() -> Result<std::unique_ptr<tactics::Kernel>> {
        switch (op) {
            case ReduceOp::Sum: return makeKernel<ReduceOp::Sum>(plan);
            case ReduceOp::Mean: return makeKernel<ReduceOp::Mean>(plan);
            case ReduceOp::Max: return makeKernel<ReduceOp::Max>(plan);
            case ReduceOp::Min: return makeKernel<ReduceOp::Min>(plan);
            case ReduceOp::SumSquare: return makeKernel<ReduceOp::SumSquare>(plan);
            case ReduceOp::L1: return makeKernel<ReduceOp::L1>(plan);
            case ReduceOp::L2: return makeKernel<ReduceOp::L2>(plan);
            case ReduceOp::LogSum: return makeKernel<ReduceOp::LogSum>(plan);
            default: break;
        }
        return unsupported("this reduction has no Kiln kernel");
    }));
}

}  // namespace kiln::cpu::fast
