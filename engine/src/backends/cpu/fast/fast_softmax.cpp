// Softmax kernel (fast_softmax.h).
#include "backends/cpu/fast/fast_softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "backends/cpu/fast/fast_pointwise.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kSoftmaxId = "kiln:softmax";
// Inner lanes one task handles: with rows of up to a few thousand elements the tile stays in L2.
constexpr int64_t kLanes = 256;

struct SoftmaxPlan {
    int64_t outer = 1;
    int64_t length = 1;
    int64_t inner = 1;
    bool log = false;
    Isa isa = Isa::Scalar;
};

class SoftmaxKernel final : public tactics::Kernel {
public:
    explicit SoftmaxKernel(SoftmaxPlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the softmax kernel needs an input and an output");
        }
        const SoftmaxPlan& p = m_plan;
        const auto* x = reinterpret_cast<const float*>(args.inputs[0]);
        auto* y = reinterpret_cast<float*>(args.outputs[0]);
        const int64_t tiles = (p.inner + kLanes - 1) / kLanes;
        const int64_t lanesPerTile = std::min(p.inner, kLanes);
#pragma omp parallel if (worthParallel(p.outer * p.length * p.inner * 8))
        {
            std::vector<float> shifted(size_t(p.length * lanesPerTile));
            std::vector<float> exponentials(size_t(p.length * lanesPerTile));
            std::vector<float> maximum(static_cast<size_t>(lanesPerTile));
            std::vector<double> sum(static_cast<size_t>(lanesPerTile));
#pragma omp for schedule(static)
            for (int64_t task = 0; task < p.outer * tiles; ++task) {
                const int64_t o = task / tiles;
                const int64_t first = task % tiles * kLanes;
                const int64_t lanes = std::min(kLanes, p.inner - first);
                const float* in = x + o * p.length * p.inner + first;
                float* out = y + o * p.length * p.inner + first;
                // The reference's maximum (std::max), which passes over NaNs; they spoil the sum anyway.
                std::fill(maximum.begin(), maximum.begin() + lanes, -std::numeric_limits<float>::infinity());
                for (int64_t j = 0; j < p.length; ++j) {
                    const float* row = in + j * p.inner;
                    for (int64_t i = 0; i < lanes; ++i) maximum[size_t(i)] = std::max(maximum[size_t(i)], row[i]);
                }
                for (int64_t j = 0; j < p.length; ++j) {
                    const float* row = in + j * p.inner;
                    float* target = shifted.data() + j * lanes;
                    for (int64_t i = 0; i < lanes; ++i) target[i] = row[i] - maximum[size_t(i)];
                }
                evaluateVectorFunction(p.isa, VectorFunction::Exp, shifted.data(), exponentials.data(), p.length * lanes);
                std::fill(sum.begin(), sum.begin() + lanes, 0.0);
                for (int64_t j = 0; j < p.length; ++j) {
                    const float* e = exponentials.data() + j * lanes;
                    for (int64_t i = 0; i < lanes; ++i) sum[size_t(i)] += double(e[i]);
                }
                if (p.log) {
                    for (int64_t i = 0; i < lanes; ++i) maximum[size_t(i)] = float(std::log(sum[size_t(i)]));
                    for (int64_t j = 0; j < p.length; ++j) {
                        const float* s = shifted.data() + j * lanes;
                        float* row = out + j * p.inner;
                        for (int64_t i = 0; i < lanes; ++i) row[i] = s[i] - maximum[size_t(i)];
                    }
                } else {
                    for (int64_t i = 0; i < lanes; ++i) maximum[size_t(i)] = float(1.0 / sum[size_t(i)]);
                    for (int64_t j = 0; j < p.length; ++j) {
                        const float* e = exponentials.data() + j * lanes;
                        float* row = out + j * p.inner;
                        for (int64_t i = 0; i < lanes; ++i) row[i] = e[i] * maximum[size_t(i)];
                    }
                }
            }
        }
        return Status::ok();
    }

private:
    SoftmaxPlan m_plan;
};

}  // namespace

void addSoftmaxTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kSoftmaxId, kLibrary, reason}); };
    if (!layer.input(0) || !layer.output(0) || config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs an input, an output and their formats");
    }
    if (layer.input(0)->type() != DataType::Float32 || config.inputFormats[0].storage.value_or(DataType::Float32) != DataType::Float32 ||
        config.outputFormats[0].storage.value_or(DataType::Float32) != DataType::Float32) {
        return skip("runs FP32 tensors only");
    }
    const Dims& dims = layer.input(0)->dims();
    if (!isLinearLayout(dims, config.inputFormats[0]) || !isLinearLayout(dims, config.outputFormats[0])) {
        return skip("runs linear tensors only");
    }
    const auto& p = layer.paramsAs<SoftmaxParams>();
    if (dims.empty() || p.axis < 0 || size_t(p.axis) >= dims.size()) return skip("the axis is out of range");
    SoftmaxPlan plan;
    plan.log = p.log;
    plan.isa = isa;
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (int64_t(axis) < p.axis) {
            plan.outer *= dims[axis];
        } else if (int64_t(axis) == p.axis || p.flattenFromAxis) {
            plan.length *= dims[axis];
        } else {
            plan.inner *= dims[axis];
        }
    }
    if (plan.length == 0 || plan.inner == 0) return skip("the tensor is empty");
    tactics.push_back(std::make_unique<KilnTactic>(kSoftmaxId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<SoftmaxKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast
