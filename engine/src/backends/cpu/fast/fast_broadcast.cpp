// Expand and Tile kernel (fast_broadcast.h).
#include "backends/cpu/fast/fast_broadcast.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kiln::cpu::fast {

namespace {

struct BroadcastPlan {
    Dims outDims;                    // output extents (rank at least 1)
    Dims inDims;                     // input extents aligned to the output's rank
    std::vector<int64_t> inStrides;  // row-major strides of inDims
};

template <typename T>
class BroadcastKernel final : public tactics::Kernel {
public:
    explicit BroadcastKernel(BroadcastPlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the expand/tile kernel needs an input and an output");
        }
        const BroadcastPlan& p = m_plan;
        const auto* in = reinterpret_cast<const T*>(args.inputs[0]);
        auto* out = reinterpret_cast<T*>(args.outputs[0]);
        const size_t rank = p.outDims.size();
        const int64_t row = p.outDims[rank - 1];
        const int64_t inRow = p.inDims[rank - 1];
        const int64_t total = volume(p.outDims);
        if (total == 0) return Status::ok();
        const int64_t rows = total / row;
#pragma omp parallel for if (worthParallel(total * int64_t(sizeof(T)))) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            int64_t offset = 0;
            int64_t rest = r;
            for (size_t axis = rank - 1; axis-- > 0;) {
                offset += rest % p.outDims[axis] % p.inDims[axis] * p.inStrides[axis];
                rest /= p.outDims[axis];
            }
            const T* source = in + offset;
            T* target = out + r * row;
            if (inRow == row) {
                std::memcpy(target, source, size_t(row) * sizeof(T));
            } else if (inRow == 1) {
                std::fill(target, target + row, source[0]);
            } else {
                for (int64_t at = 0; at < row; at += inRow) std::memcpy(target + at, source, size_t(inRow) * sizeof(T));
            }
        }
        return Status::ok();
    }

private:
    BroadcastPlan m_plan;
};

}  // namespace

void addBroadcastTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const char* id = layer.kind() == LayerKind::Tile ? "kiln:tile" : "kiln:expand";
    auto skip = [&](const std::string& reason) { skipped.push_back({id, kLibrary, reason}); };
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    BroadcastPlan plan;
    plan.outDims = output->dims();
    const Dims& own = input->dims();
    if (own.size() > plan.outDims.size()) return skip("the input has a higher rank than the output");
    plan.inDims.assign(plan.outDims.size() - own.size(), 1);
    plan.inDims.insert(plan.inDims.end(), own.begin(), own.end());
    for (size_t axis = 0; axis < plan.outDims.size(); ++axis) {
        const int64_t in = plan.inDims[axis];
        const int64_t out = plan.outDims[axis];
        // Expand: equal, or 1 broadcast; Tile: a whole number of copies.
        if (in == 0 ? out != 0 : out % in != 0) {
            return skip("output axis " + std::to_string(axis) + " (" + std::to_string(out) +
                        ") is not a whole number of input extents (" + std::to_string(in) + ")");
        }
        if (layer.kind() == LayerKind::Expand && in != out && in != 1) {
            return skip("axis " + std::to_string(axis) + " neither matches nor broadcasts");
        }
    }
    if (plan.outDims.empty()) {
        plan.outDims.push_back(1);
        plan.inDims.push_back(1);
    }
    plan.inStrides.assign(plan.inDims.size(), 1);
    for (size_t i = plan.inDims.size(); i-- > 1;) plan.inStrides[i - 1] = plan.inStrides[i] * plan.inDims[i];
    const size_t elementSize = movedElementSize(config);
    tactics.push_back(std::make_unique<KilnTactic>(id, [plan, elementSize]() {
        return kernelForElementSize<BroadcastKernel>(elementSize, plan);
    }));
}

}  // namespace kiln::cpu::fast
