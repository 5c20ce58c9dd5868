// LRN kernel (fast_lrn.h).
#include "backends/cpu/fast/fast_lrn.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kLrnId = "kiln:lrn";
// Spatial positions one task normalizes: their window sums (doubles) stay in L1.
constexpr int64_t kChunk = 256;

struct LrnPlan {
    int64_t batch = 1;
    int64_t channels = 1;
    int64_t inner = 1;  // spatial positions
    int64_t below = 0;  // window channels before and after each channel
    int64_t above = 0;
    double scale = 0.0;  // alpha / size
    float bias = 1.0f;
    float beta = 0.75f;
};

class LrnKernel final : public tactics::Kernel {
public:
    explicit LrnKernel(LrnPlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the LRN kernel needs an input and an output");
        }
        const auto* x = reinterpret_cast<const float*>(args.inputs[0]);
        auto* y = reinterpret_cast<float*>(args.outputs[0]);
        const LrnPlan p = m_plan;
        const int64_t chunks = (p.inner + kChunk - 1) / kChunk;
        const int64_t tasks = p.batch * chunks;
        const bool threeQuarters = p.beta == 0.75f;
#pragma omp parallel for if (worthParallel(p.batch * p.channels * p.inner * (p.below + p.above + 1) * 4)) \
    schedule(static)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t n = task / chunks;
            const int64_t i0 = task % chunks * kChunk;
            const int64_t count = std::min(kChunk, p.inner - i0);
            const float* image = x + n * p.channels * p.inner + i0;
            float* result = y + n * p.channels * p.inner + i0;
            double sums[kChunk];
            for (int64_t c = 0; c < p.channels; ++c) {
                const int64_t first = std::max<int64_t>(0, c - p.below);
                const int64_t last = std::min<int64_t>(p.channels - 1, c + p.above);
                std::fill(sums, sums + count, 0.0);
                for (int64_t j = first; j <= last; ++j) {
                    const float* plane = image + j * p.inner;
                    for (int64_t i = 0; i < count; ++i) {
                        const double v = plane[i];
                        sums[i] += v * v;
                    }
                }
                const float* in = image + c * p.inner;
                float* out = result + c * p.inner;
                if (threeQuarters) {
                    // t^0.75 = sqrt(t) * sqrt(sqrt(t)), in double: vector square roots where the reference
                    // calls pow, and one rounding to FP32 as there.
                    for (int64_t i = 0; i < count; ++i) {
                        const double root = std::sqrt(double(p.bias) + p.scale * sums[i]);
                        out[i] = float(double(in[i]) / (root * std::sqrt(root)));
                    }
                } else {
                    for (int64_t i = 0; i < count; ++i) {
                        out[i] = float(double(in[i]) /
                                       std::pow(double(p.bias) + p.scale * sums[i], double(p.beta)));
                    }
                }
            }
        }
        return Status::ok();
    }

private:
    LrnPlan m_plan;
};

}  // namespace

void addLrnTactics(const tactics::LayerConfig& config, Isa,
                   std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kLrnId, kLibrary, reason}); };
    const Layer& layer = *config.layer;
    const Tensor* in = layer.inputs().empty() ? nullptr : layer.input(0);
    if (!in || layer.outputs().empty() || config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs an input, an output and their formats");
    }
    if (!config.inputFormats[0].isDefault() || !config.outputFormats[0].isDefault()) {
        return skip("runs linear FP32 tensors only");
    }
    if (in->type() != DataType::Float32 || config.precision != DataType::Float32) {
        return skip("runs linear FP32 tensors only");
    }
    const Dims& dims = in->dims();
    if (dims.size() < 2) return skip("needs a channel axis");
    const auto& params = layer.paramsAs<LrnParams>();
    if (params.size < 1) return skip("the window size is below 1");
    LrnPlan plan;
    plan.batch = dims[0];
    plan.channels = dims[1];
    for (size_t axis = 2; axis < dims.size(); ++axis)
        plan.inner *= dims[axis];
    plan.below = (params.size - 1) / 2;
    plan.above = params.size - 1 - plan.below;
    plan.scale = double(params.alpha) / double(params.size);
    plan.bias = params.bias;
    plan.beta = params.beta;
    tactics.push_back(
        std::make_unique<KilnTactic>(kLrnId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
            return std::unique_ptr<tactics::Kernel>(std::make_unique<LrnKernel>(plan));
        }));
}

}  // namespace kiln::cpu::fast
