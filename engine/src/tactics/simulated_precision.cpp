// Simulated FP16: conversions around an FP32 tactic. The workspace holds the wrapped tactic's own
// workspace, then an FP32 copy of every FP16 input and output in the same layout (padded lanes
// included, so blocked formats convert as they lie).
#include "tactics/simulated_precision.h"

#include <cstring>

namespace kiln::tactics {

namespace {

constexpr const char* kPrefix = "simfp16:";
constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

bool isHalf(const TensorFormat& format) { return format.storage == DataType::Float16; }

// Where each converted tensor's FP32 copy lies in the workspace, after the wrapped tactic's part.
struct ScratchLayout {
    std::vector<int64_t> inputOffsets;   // -1: not converted
    std::vector<int64_t> outputOffsets;  // -1: not converted
    std::vector<int64_t> inputElements;
    std::vector<int64_t> outputElements;
    int64_t bytes = 0;
};

ScratchLayout scratchLayout(const LayerConfig& config, int64_t innerWorkspace) {
    ScratchLayout layout;
    int64_t at = alignUp(innerWorkspace);
    const Layer& layer = *config.layer;
    auto place = [&](const Tensor* tensor, const TensorFormat& format, std::vector<int64_t>& offsets,
                     std::vector<int64_t>& elements) {
        if (!tensor || tensor->isConstant() || !isHalf(format)) {
            offsets.push_back(-1);
            elements.push_back(0);
            return;
        }
        const int64_t count = storageByteSize(tensor->type(), tensor->dims(), format) / 2;
        offsets.push_back(at);
        elements.push_back(count);
        at += alignUp(count * int64_t(sizeof(float)));
    };
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        place(layer.input(i), config.inputFormats[i], layout.inputOffsets, layout.inputElements);
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        place(layer.output(i), config.outputFormats[i], layout.outputOffsets, layout.outputElements);
    }
    layout.bytes = at;
    return layout;
}

void halvesToFloats(const std::byte* source, float* target, int64_t count) {
    const auto* halves = reinterpret_cast<const uint16_t*>(source);
#pragma omp parallel for if (count > (1 << 16))
    for (int64_t i = 0; i < count; ++i) target[i] = halfToFloat(halves[i]);
}

void floatsToHalves(const float* source, std::byte* target, int64_t count) {
    auto* halves = reinterpret_cast<uint16_t*>(target);
#pragma omp parallel for if (count > (1 << 16))
    for (int64_t i = 0; i < count; ++i) halves[i] = floatToHalf(source[i]);
}

class SimulatedKernel final : public Kernel {
public:
    SimulatedKernel(std::unique_ptr<Kernel> inner, ScratchLayout layout)
        : m_inner(std::move(inner)), m_layout(std::move(layout)) {}

    Status run(const KernelArgs& args) const override {
        KernelArgs inner = args;
        for (size_t i = 0; i < args.inputs.size(); ++i) {
            if (m_layout.inputOffsets[i] < 0) continue;
            auto* copy = reinterpret_cast<float*>(args.workspace + m_layout.inputOffsets[i]);
            halvesToFloats(args.inputs[i], copy, m_layout.inputElements[i]);
            inner.inputs[i] = reinterpret_cast<const std::byte*>(copy);
        }
        for (size_t i = 0; i < args.outputs.size(); ++i) {
            if (m_layout.outputOffsets[i] >= 0) inner.outputs[i] = args.workspace + m_layout.outputOffsets[i];
        }
        KILN_RETURN_IF_ERROR(m_inner->run(inner));
        for (size_t i = 0; i < args.outputs.size(); ++i) {
            if (m_layout.outputOffsets[i] < 0) continue;
            floatsToHalves(reinterpret_cast<const float*>(inner.outputs[i]), args.outputs[i], m_layout.outputElements[i]);
        }
        return Status::ok();
    }

    bool readsInput(size_t index) const override { return m_inner->readsInput(index); }

private:
    std::unique_ptr<Kernel> m_inner;
    ScratchLayout m_layout;
};

class SimulatedTactic final : public Tactic {
public:
    SimulatedTactic(std::unique_ptr<Tactic> inner, const LayerConfig& config)
        : m_inner(std::move(inner)), m_layout(scratchLayout(config, m_inner->workspaceBytes())) {}

    std::string id() const override { return kPrefix + m_inner->id(); }
    std::string library() const override { return m_inner->library() + " (FP16 simulated)"; }
    int64_t workspaceBytes() const override { return m_layout.bytes; }
    Result<std::vector<WeightBlob>> prepareWeights() const override { return m_inner->prepareWeights(); }
    Result<std::unique_ptr<Kernel>> instantiate(std::vector<WeightBlob> weights) const override {
        KILN_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, m_inner->instantiate(std::move(weights)));
        return std::unique_ptr<Kernel>(std::make_unique<SimulatedKernel>(std::move(kernel), m_layout));
    }

private:
    std::unique_ptr<Tactic> m_inner;
    ScratchLayout m_layout;
};

bool anyHalf(const LayerConfig& config) {
    for (const TensorFormat& format : config.inputFormats) {
        if (isHalf(format)) return true;
    }
    for (const TensorFormat& format : config.outputFormats) {
        if (isHalf(format)) return true;
    }
    return false;
}

class SimulatedFp16Provider final : public TacticProvider {
public:
    explicit SimulatedFp16Provider(std::vector<const TacticProvider*> base) : m_base(std::move(base)) {}

    std::string name() const override { return "simfp16"; }

    void enumerate(const LayerConfig& config, std::vector<std::unique_ptr<Tactic>>& tactics,
                   std::vector<SkippedTactic>& skipped) const override {
        if (!config.layer || !anyHalf(config)) return;
        const LayerConfig plain = withoutStorage(config);
        std::vector<std::unique_ptr<Tactic>> inner;
        std::vector<SkippedTactic> innerSkipped;
        for (const TacticProvider* provider : m_base) provider->enumerate(plain, inner, innerSkipped);
        for (auto& tactic : inner) tactics.push_back(std::make_unique<SimulatedTactic>(std::move(tactic), config));
        for (SkippedTactic& skip : innerSkipped) {
            skipped.push_back({kPrefix + skip.id, skip.library + " (FP16 simulated)", std::move(skip.reason)});
        }
    }

    Result<std::unique_ptr<Tactic>> find(const LayerConfig& config, const std::string& id) const override {
        if (id.rfind(kPrefix, 0) != 0) return notFound("'" + id + "' is not a simulated FP16 tactic");
        const std::string innerId = id.substr(std::string(kPrefix).size());
        const TacticProvider* provider = providerOf(m_base, innerId);
        if (!provider) return notFound("there is no tactic '" + innerId + "' to simulate FP16 with");
        KILN_ASSIGN_OR_RETURN(std::unique_ptr<Tactic> inner, provider->find(withoutStorage(config), innerId));
        return std::unique_ptr<Tactic>(std::make_unique<SimulatedTactic>(std::move(inner), config));
    }

private:
    std::vector<const TacticProvider*> m_base;
};

}  // namespace

LayerConfig withoutStorage(const LayerConfig& config) {
    LayerConfig plain = config;
    for (TensorFormat& format : plain.inputFormats) format.storage.reset();
    for (TensorFormat& format : plain.outputFormats) format.storage.reset();
    plain.precision = DataType::Float32;
    return plain;
}

std::unique_ptr<TacticProvider> makeSimulatedFp16Provider(std::vector<const TacticProvider*> base) {
    return std::make_unique<SimulatedFp16Provider>(std::move(base));
}

}  // namespace kiln::tactics
