// Resize kernel (fast_resize.h).
#include "backends/cpu/fast/fast_resize.h"

#include <string>

#include "tactics/resize_coordinates.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kResizeId = "kiln:resize";

struct ResizePlan {
    bool linear = false;
    int64_t planes = 1;  // the passed-through leading axes
    int64_t inHeight = 1;
    int64_t inWidth = 1;
    std::vector<tactics::AxisSample> rows;     // one per output row
    std::vector<tactics::AxisSample> columns;  // one per output column
};

class ResizeKernel final : public tactics::Kernel {
public:
    explicit ResizeKernel(ResizePlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the resize kernel needs an input and an output");
        }
        const ResizePlan& p = m_plan;
        const auto* x = reinterpret_cast<const float*>(args.inputs[0]);
        auto* y = reinterpret_cast<float*>(args.outputs[0]);
        const int64_t outHeight = int64_t(p.rows.size());
        const int64_t outWidth = int64_t(p.columns.size());
        const int64_t tasks = p.planes * outHeight;
#pragma omp parallel for if (worthParallel(tasks * outWidth * 8)) schedule(static)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t plane = task / outHeight;
            const tactics::AxisSample& r = p.rows[size_t(task % outHeight)];
            const float* low = x + (plane * p.inHeight + r.low) * p.inWidth;
            const float* high = x + (plane * p.inHeight + r.high) * p.inWidth;
            float* out = y + task * outWidth;
            if (!p.linear) {
                for (int64_t w = 0; w < outWidth; ++w) out[w] = low[p.columns[size_t(w)].low];
                continue;
            }
            for (int64_t w = 0; w < outWidth; ++w) {
                const tactics::AxisSample& c = p.columns[size_t(w)];
                // The reference's corner order (row bit first) and its skipping of zero weights.
                const float weights[4] = {r.lowWeight * c.lowWeight, r.highWeight * c.lowWeight,
                                          r.lowWeight * c.highWeight, r.highWeight * c.highWeight};
                const float values[4] = {low[c.low], high[c.low], low[c.high], high[c.high]};
                float sum = 0.0f;
                for (int corner = 0; corner < 4; ++corner) {
                    if (weights[corner] != 0.0f) sum += weights[corner] * values[corner];
                }
                out[w] = sum;
            }
        }
        return Status::ok();
    }

private:
    ResizePlan m_plan;
};

}  // namespace

void addResizeTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kResizeId, kLibrary, reason}); };
    if (!layer.input(0) || !layer.output(0) || config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs an input, an output and their formats");
    }
    const auto storage = [](const TensorFormat& format) { return format.storage.value_or(DataType::Float32); };
    if (layer.input(0)->type() != DataType::Float32 || storage(config.inputFormats[0]) != DataType::Float32 ||
        storage(config.outputFormats[0]) != DataType::Float32) {
        return skip("runs FP32 tensors only");
    }
    const Dims& in = layer.input(0)->dims();
    const Dims& out = layer.output(0)->dims();
    if (!isLinearLayout(in, config.inputFormats[0]) || !isLinearLayout(out, config.outputFormats[0])) {
        return skip("runs linear tensors only");
    }
    const auto& p = layer.paramsAs<ResizeParams>();
    const size_t rank = in.size();
    if (rank < 2 || out.size() != rank || p.outputDims.size() != rank || p.scales.size() != rank) {
        return skip("needs at least two axes and a scale for each");
    }
    ResizePlan plan;
    plan.linear = p.mode == ResizeMode::Linear;
    for (size_t axis = 0; axis + 2 < rank; ++axis) {
        if (p.scales[axis] != 1.0f || out[axis] != in[axis]) {
            return skip("resizes axis " + std::to_string(axis) + "; only the last two axes are resized here");
        }
        plan.planes *= in[axis];
    }
    plan.inHeight = in[rank - 2];
    plan.inWidth = in[rank - 1];
    if (plan.inHeight == 0 || plan.inWidth == 0 || volume(out) == 0) return skip("the tensor is empty");
    plan.rows = tactics::resizeAxisSamples(p, rank - 2, plan.inHeight);
    plan.columns = tactics::resizeAxisSamples(p, rank - 1, plan.inWidth);
    tactics.push_back(std::make_unique<KilnTactic>(kResizeId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<ResizeKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast
