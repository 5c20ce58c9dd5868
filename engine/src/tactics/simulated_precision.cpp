// Simulated reduced precision: conversions around an FP32 tactic. The workspace holds the wrapped tactic's own
// workspace, then an FP32 copy of every reduced input and output in the same layout (padded lanes
// included, so blocked formats convert as they lie).
#include "tactics/simulated_precision.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln::tactics {

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

std::string prefixOf(DataType storage) {
    return storage == DataType::Int8 ? "simint8:" : storage == DataType::BFloat16 ? "simbf16:" : "simfp16:";
}
std::string suffixOf(DataType storage) { return std::string(" (") + toString(storage) + " simulated)"; }

// One tensor the simulated kernel converts: where its FP32 copy lies in the workspace (after the
// wrapped tactic's part), how many stored elements it has, and for INT8 its scale.
struct Conversion {
    int64_t offset = -1;  // -1: not converted
    int64_t elements = 0;
    float scale = 1.0f;
};

struct ScratchLayout {
    DataType storage = DataType::Float16;
    std::vector<Conversion> inputs;
    std::vector<Conversion> outputs;
    int64_t bytes = 0;
};

ScratchLayout scratchLayout(const LayerConfig& config, DataType storage, int64_t innerWorkspace) {
    ScratchLayout layout;
    layout.storage = storage;
    int64_t at = alignUp(innerWorkspace);
    const Layer& layer = *config.layer;
    auto place = [&](const Tensor* tensor, const TensorFormat& format) {
        Conversion conversion;
        if (tensor && !tensor->isConstant() && format.storage == storage) {
            conversion.elements = storageByteSize(tensor->type(), tensor->dims(), format) /
                                  int64_t(dataTypeSize(storage));
            conversion.offset = at;
            // A symmetric INT8 scale: the calibrated threshold maps to 127.
            if (storage == DataType::Int8) conversion.scale = tensor->dynamicRange().value_or(127.0f) / 127.0f;
            at += alignUp(conversion.elements * int64_t(sizeof(float)));
        }
        return conversion;
    };
    for (size_t i = 0; i < layer.inputs().size(); ++i) layout.inputs.push_back(place(layer.input(i), config.inputFormats[i]));
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        layout.outputs.push_back(place(layer.output(i), config.outputFormats[i]));
    }
    layout.bytes = at;
    return layout;
}

void widen(DataType storage, const std::byte* source, float* target, const Conversion& c) {
    const int64_t count = c.elements;
    if (storage == DataType::Int8) {
        const auto* values = reinterpret_cast<const int8_t*>(source);
#pragma omp parallel for if (count > (1 << 16))
        for (int64_t i = 0; i < count; ++i) target[i] = float(values[i]) * c.scale;
        return;
    }
    const auto* halves = reinterpret_cast<const uint16_t*>(source);
    if (storage == DataType::BFloat16) {
#pragma omp parallel for if (count > (1 << 16))
        for (int64_t i = 0; i < count; ++i) target[i] = bfloat16ToFloat(halves[i]);
        return;
    }
#pragma omp parallel for if (count > (1 << 16))
    for (int64_t i = 0; i < count; ++i) target[i] = halfToFloat(halves[i]);
}

void narrow(DataType storage, const float* source, std::byte* target, const Conversion& c) {
    const int64_t count = c.elements;
    if (storage == DataType::Int8) {
        auto* values = reinterpret_cast<int8_t*>(target);
        const float inverse = 1.0f / c.scale;
#pragma omp parallel for if (count > (1 << 16))
        for (int64_t i = 0; i < count; ++i) {
            const float q = std::nearbyint(source[i] * inverse);
            values[i] = q == q ? int8_t(std::clamp(q, -127.0f, 127.0f)) : int8_t(0);  // NaN: 0, as quantizeToInt8
        }
        return;
    }
    auto* halves = reinterpret_cast<uint16_t*>(target);
    if (storage == DataType::BFloat16) {
#pragma omp parallel for if (count > (1 << 16))
        for (int64_t i = 0; i < count; ++i) halves[i] = floatToBFloat16(source[i]);
        return;
    }
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
            const Conversion& c = m_layout.inputs[i];
            if (c.offset < 0) continue;
            auto* copy = reinterpret_cast<float*>(args.workspace + c.offset);
            widen(m_layout.storage, args.inputs[i], copy, c);
            inner.inputs[i] = reinterpret_cast<const std::byte*>(copy);
        }
        for (size_t i = 0; i < args.outputs.size(); ++i) {
            if (m_layout.outputs[i].offset >= 0) inner.outputs[i] = args.workspace + m_layout.outputs[i].offset;
        }
        KILN_RETURN_IF_ERROR(m_inner->run(inner));
        for (size_t i = 0; i < args.outputs.size(); ++i) {
            const Conversion& c = m_layout.outputs[i];
            if (c.offset < 0) continue;
            narrow(m_layout.storage, reinterpret_cast<const float*>(inner.outputs[i]), args.outputs[i], c);
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
    SimulatedTactic(std::unique_ptr<Tactic> inner, const LayerConfig& config, DataType storage)
        : m_inner(std::move(inner)), m_layout(scratchLayout(config, storage, m_inner->workspaceBytes())) {}

    std::string id() const override { return prefixOf(m_layout.storage) + m_inner->id(); }
    std::string library() const override { return m_inner->library() + suffixOf(m_layout.storage); }
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

bool anyStored(const LayerConfig& config, DataType storage) {
    for (const TensorFormat& format : config.inputFormats) {
        if (format.storage == storage) return true;
    }
    for (const TensorFormat& format : config.outputFormats) {
        if (format.storage == storage) return true;
    }
    return false;
}

// Whether every tensor stored in `storage` can be converted: INT8 needs each one's calibrated range.
bool convertible(const LayerConfig& config, DataType storage) {
    if (storage != DataType::Int8) return true;
    const Layer& layer = *config.layer;
    for (size_t i = 0; i < config.inputFormats.size(); ++i) {
        if (config.inputFormats[i].storage == storage && !layer.input(i)->dynamicRange()) return false;
    }
    for (size_t i = 0; i < config.outputFormats.size(); ++i) {
        if (config.outputFormats[i].storage == storage && !layer.output(i)->dynamicRange()) return false;
    }
    return true;
}

class SimulatedProvider final : public TacticProvider {
public:
    SimulatedProvider(DataType storage, std::vector<const TacticProvider*> base)
        : m_storage(storage), m_base(std::move(base)) {}

    std::string name() const override { return prefixOf(m_storage).substr(0, prefixOf(m_storage).size() - 1); }

    void enumerate(const LayerConfig& config, std::vector<std::unique_ptr<Tactic>>& tactics,
                   std::vector<SkippedTactic>& skipped) const override {
        if (!config.layer || !anyStored(config, m_storage)) return;
        if (!convertible(config, m_storage)) {
            skipped.push_back({prefixOf(m_storage) + "*", "Kiln", "a tensor stored in INT8 has no calibrated range"});
            return;
        }
        const LayerConfig plain = withoutStorage(config);
        std::vector<std::unique_ptr<Tactic>> inner;
        std::vector<SkippedTactic> innerSkipped;
        for (const TacticProvider* provider : m_base) provider->enumerate(plain, inner, innerSkipped);
        for (auto& tactic : inner) {
            tactics.push_back(std::make_unique<SimulatedTactic>(std::move(tactic), config, m_storage));
        }
        for (SkippedTactic& skip : innerSkipped) {
            skipped.push_back({prefixOf(m_storage) + skip.id, skip.library + suffixOf(m_storage), std::move(skip.reason)});
        }
    }

    Result<std::unique_ptr<Tactic>> find(const LayerConfig& config, const std::string& id) const override {
        const std::string prefix = prefixOf(m_storage);
        if (id.rfind(prefix, 0) != 0) return notFound("'" + id + "' is not a " + name() + " tactic");
        if (!convertible(config, m_storage)) return notFound("'" + id + "': a tensor stored in INT8 has no range");
        const std::string innerId = id.substr(prefix.size());
        const TacticProvider* provider = providerOf(m_base, innerId);
        if (!provider) return notFound("there is no tactic '" + innerId + "' to simulate with");
        KILN_ASSIGN_OR_RETURN(std::unique_ptr<Tactic> inner, provider->find(withoutStorage(config), innerId));
        return std::unique_ptr<Tactic>(std::make_unique<SimulatedTactic>(std::move(inner), config, m_storage));
    }

private:
    DataType m_storage;
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

std::unique_ptr<TacticProvider> makeSimulatedProvider(DataType storage, std::vector<const TacticProvider*> base) {
    return std::make_unique<SimulatedProvider>(storage, std::move(base));
}

}  // namespace kiln::tactics
