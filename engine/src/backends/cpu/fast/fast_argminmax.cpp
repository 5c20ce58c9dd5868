// ArgMinMax kernel (fast_argminmax.h).
#include "backends/cpu/fast/fast_argminmax.h"

#include <algorithm>
#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kArgMinMaxId = "kiln:argminmax";
// Inner positions one task keeps best values for: 1024 floats and their indices stay in L1.
constexpr int64_t kChunk = 1024;

struct ArgPlan {
    int64_t outer = 1;
    int64_t length = 1;
    int64_t inner = 1;
    bool max = true;
    bool last = false;  // select_last_index
};

class ArgMinMaxKernel final : public tactics::Kernel {
public:
    explicit ArgMinMaxKernel(ArgPlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the ArgMinMax kernel needs an input and an output");
        }
        const auto* x = reinterpret_cast<const float*>(args.inputs[0]);
        auto* y = reinterpret_cast<int64_t*>(args.outputs[0]);
        const ArgPlan p = m_plan;
        const int64_t chunks = (p.inner + kChunk - 1) / kChunk;
        const int64_t tasks = p.outer * chunks;
#pragma omp parallel for if (worthParallel(p.outer * p.length * p.inner * int64_t(sizeof(float)))) \
    schedule(static)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t o = task / chunks;
            const int64_t i0 = task % chunks * kChunk;
            const int64_t count = std::min(kChunk, p.inner - i0);
            const float* base = x + o * p.length * p.inner + i0;
            int64_t* target = y + o * p.inner + i0;
            if (p.inner == 1) {
                *target = walk(base, p);
                continue;
            }
            float best[kChunk];
            std::copy(base, base + count, best);
            std::fill(target, target + count, int64_t(0));
            for (int64_t j = 1; j < p.length; ++j) {
                const float* row = base + j * p.inner;
                for (int64_t i = 0; i < count; ++i) {
                    const float v = row[i];
                    const bool better = p.max ? v > best[i] : v < best[i];
                    if (better || (p.last && v == best[i])) {
                        best[i] = v;
                        target[i] = j;
                    }
                }
            }
        }
        return Status::ok();
    }

private:
    // The index along the axis of one row of contiguous values.
    static int64_t walk(const float* row, const ArgPlan& p) {
        int64_t index = 0;
        float best = row[0];
        for (int64_t j = 1; j < p.length; ++j) {
            const float v = row[j];
            const bool better = p.max ? v > best : v < best;
            if (better || (p.last && v == best)) {
                best = v;
                index = j;
            }
        }
        return index;
    }

    ArgPlan m_plan;
};

}  // namespace

void addArgMinMaxTactics(const tactics::LayerConfig& config, Isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kArgMinMaxId, kLibrary, reason}); };
    const Layer& layer = *config.layer;
    if (const std::string refusal = linearOwnTypeRefusal(config); !refusal.empty()) return skip(refusal);
    const Tensor* in = layer.input(0);
    const Tensor* out = layer.output(0);
    if (in->type() != DataType::Float32 || out->type() != DataType::Int64) {
        return skip("runs FP32 inputs with INT64 indices only");
    }
    const auto& params = layer.paramsAs<ArgMinMaxParams>();
    const Dims& dims = in->dims();
    if (params.axis < 0 || size_t(params.axis) >= dims.size())
        return skip("the axis is outside the input's rank");
    ArgPlan plan;
    plan.max = params.max;
    plan.last = params.selectLastIndex;
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (int64_t(axis) < params.axis) plan.outer *= dims[axis];
        if (int64_t(axis) > params.axis) plan.inner *= dims[axis];
    }
    plan.length = dims[size_t(params.axis)];
    if (plan.length == 0) return skip("the axis is empty");
    tactics.push_back(
        std::make_unique<KilnTactic>(kArgMinMaxId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(std::make_unique<ArgMinMaxKernel>(plan));
        }));
}

}  // namespace kiln::cpu::fast
