// "reference:naive" wraps runReferenceLayer: the kernel views the arena's bytes as linear tensors.
#include "backends/cpu/reference/reference_tactics.h"

#include <algorithm>

#include "kiln/reference_executor.h"

namespace kiln::cpu {

namespace {

constexpr const char* kReferenceId = "reference:naive";

class ReferenceKernel final : public tactics::Kernel {
public:
    explicit ReferenceKernel(const Layer& layer) : m_layer(layer) {}

    Status run(const tactics::KernelArgs& args) const override {
        std::vector<HostTensor> inputViews(m_layer.inputs().size());
        std::vector<const HostTensor*> inputs;
        for (size_t i = 0; i < m_layer.inputs().size(); ++i) {
            const Tensor* tensor = m_layer.inputs()[i];
            if (!tensor) {
                inputs.push_back(nullptr);
            } else if (tensor->isConstant()) {
                inputs.push_back(tensor->constantData().get());
            } else {
                inputViews[i] = HostTensor::view(tensor->type(), tensor->dims(), const_cast<std::byte*>(args.inputs[i]));
                inputs.push_back(&inputViews[i]);
            }
        }
        std::vector<HostTensor> outputs;
        for (size_t i = 0; i < m_layer.outputs().size(); ++i) {
            const Tensor* tensor = m_layer.outputs()[i];
            outputs.push_back(HostTensor::view(tensor->type(), tensor->dims(), args.outputs[i]));
        }
        return runReferenceLayer(m_layer, inputs, outputs);
    }

private:
    // The reference kernel reads parameters and constants from the layer itself; the Engine that owns
    // this kernel owns the layer too, and both live as long as the Engine.
    const Layer& m_layer;
};

class ReferenceTactic final : public tactics::Tactic {
public:
    explicit ReferenceTactic(const Layer& layer) : m_layer(layer) {}
    std::string id() const override { return kReferenceId; }
    std::string library() const override { return "Kiln"; }
    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob> weights) const override {
        if (!weights.empty()) return invalidModel("the reference tactic takes no prepared weights");
        return std::unique_ptr<tactics::Kernel>(std::make_unique<ReferenceKernel>(m_layer));
    }

private:
    const Layer& m_layer;
};

class ReferenceProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "reference"; }
    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        // FP16 storage is the simulated provider's (tactics/simulated_precision.h); plugin layers run
        // through their plugin's own tactics (tactics/plugin_tactics.h).
        if (tactics::storesReducedPrecision(config)) return;
        if (config.layer->kind() == LayerKind::Plugin) return;
        auto linear = [](const TensorFormat& format) { return format.isLinear(); };
        if (!std::all_of(config.inputFormats.begin(), config.inputFormats.end(), linear) ||
            !std::all_of(config.outputFormats.begin(), config.outputFormats.end(), linear)) {
            skipped.push_back({kReferenceId, "Kiln", "needs linear (NCHW) tensors"});
            return;
        }
        if (config.precision != DataType::Float32) {
            skipped.push_back({kReferenceId, "Kiln", std::string("runs FP32 only, not ") + toString(config.precision)});
            return;
        }
        tactics.push_back(std::make_unique<ReferenceTactic>(*config.layer));
    }
};

}  // namespace

const tactics::TacticProvider& referenceProvider() {
    static const ReferenceProvider provider;
    return provider;
}

}  // namespace kiln::cpu
