// Plugins the engine tests register by code (namespace "test"):
//   RowSum v1    y[i...] = scale * sum_k x[i..., k]: the last axis summed away (FP32); field "scale".
//   Negate v1    y = -x, in FP32 and FP16 (a sign flip, exact in both), to see one tactic per precision.
//                Its namespace is the creator's ("test" unless given).
// Each counts its CPU runs, so that a test can tell a plugin ran.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kiln/plugin.h"

namespace kiln::test {

inline std::atomic<int> g_rowSumRuns{0};

class RowSumPlugin final : public Plugin {
public:
    explicit RowSumPlugin(float scale) : m_scale(scale) {}
    std::string name() const override { return "RowSum"; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return "test"; }
    PluginFields fields() const override { return {PluginField::ofFloat("scale", m_scale)}; }
    int32_t outputCount() const override { return 1; }
    Result<std::vector<TensorDesc>> outputDescs(const std::vector<TensorDesc>& inputs) const override {
        if (inputs.size() != 1 || inputs[0].dims.empty())
            return invalidModel("RowSum takes one input of rank 1 or more");
        Dims dims = inputs[0].dims;
        dims.pop_back();
        return std::vector<TensorDesc>{{DataType::Float32, dims}};
    }
    int64_t workspaceBytes(const std::vector<TensorDesc>&) const override { return 64; }
    Status enqueue(const PluginTensors& t) const override {
        if (!t.workspace) return internalError("RowSum was given no workspace");
        const Dims& dims = t.inputDescs[0].dims;
        const int64_t row = dims.back();
        const int64_t rows = volume(dims) / row;
        const auto* x = static_cast<const float*>(t.inputs[0]);
        auto* y = static_cast<float*>(t.outputs[0]);
        for (int64_t r = 0; r < rows; ++r) {
            float sum = 0.0f;
            for (int64_t k = 0; k < row; ++k)
                sum += x[r * row + k];
            y[r] = m_scale * sum;
        }
        ++g_rowSumRuns;
        return Status::ok();
    }
    std::vector<uint8_t> serialize() const override { return serializeFields(fields()); }
    std::unique_ptr<Plugin> clone() const override { return std::make_unique<RowSumPlugin>(m_scale); }

private:
    float m_scale;
};

class RowSumCreator final : public PluginCreator {
public:
    std::string name() const override { return "RowSum"; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return "test"; }
    std::vector<PluginFieldSpec> fieldSpecs() const override { return {{"scale", PluginFieldType::Float}}; }
    Result<std::unique_ptr<Plugin>> create(const std::string&, const PluginFields& fields) const override {
        const PluginField* scale = findField(fields, "scale");
        if (scale && (scale->type != PluginFieldType::Float || scale->floats.size() != 1)) {
            return invalidModel("RowSum's field scale must be one float");
        }
        return std::unique_ptr<Plugin>(std::make_unique<RowSumPlugin>(scale ? scale->floats[0] : 1.0f));
    }
    Result<std::unique_ptr<Plugin>> deserialize(const std::string& layerName,
                                                const std::vector<uint8_t>& bytes) const override {
        KILN_ASSIGN_OR_RETURN(PluginFields fields, deserializeFields(bytes));
        return create(layerName, fields);
    }
};

class NegatePlugin final : public Plugin {
public:
    explicit NegatePlugin(std::string ns = "test") : m_namespace(std::move(ns)) {}
    std::string name() const override { return "Negate"; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return m_namespace; }
    PluginFields fields() const override { return {}; }
    int32_t outputCount() const override { return 1; }
    Result<std::vector<TensorDesc>> outputDescs(const std::vector<TensorDesc>& inputs) const override {
        if (inputs.size() != 1) return invalidModel("Negate takes one input");
        return std::vector<TensorDesc>{inputs[0]};
    }
    std::vector<DataType> supportedPrecisions() const override {
        return {DataType::Float32, DataType::Float16};
    }
    Status enqueue(const PluginTensors& t) const override {
        const int64_t count = volume(t.inputDescs[0].dims);
        if (t.inputDescs[0].type == DataType::Float16) {
            const auto* x = static_cast<const uint16_t*>(t.inputs[0]);
            auto* y = static_cast<uint16_t*>(t.outputs[0]);
            for (int64_t i = 0; i < count; ++i)
                y[i] = uint16_t(x[i] ^ 0x8000u);
            return Status::ok();
        }
        if (t.inputDescs[0].type != DataType::Float32) return unsupported("Negate runs FP32 and FP16");
        const auto* x = static_cast<const float*>(t.inputs[0]);
        auto* y = static_cast<float*>(t.outputs[0]);
        for (int64_t i = 0; i < count; ++i)
            y[i] = -x[i];
        return Status::ok();
    }
    std::vector<uint8_t> serialize() const override { return {}; }
    std::unique_ptr<Plugin> clone() const override { return std::make_unique<NegatePlugin>(m_namespace); }

private:
    std::string m_namespace;
};

class NegateCreator final : public PluginCreator {
public:
    explicit NegateCreator(std::string ns = "test") : m_namespace(std::move(ns)) {}
    std::string name() const override { return "Negate"; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return m_namespace; }
    std::vector<PluginFieldSpec> fieldSpecs() const override { return {}; }
    Result<std::unique_ptr<Plugin>> create(const std::string&, const PluginFields&) const override {
        return std::unique_ptr<Plugin>(std::make_unique<NegatePlugin>(m_namespace));
    }
    Result<std::unique_ptr<Plugin>> deserialize(const std::string&,
                                                const std::vector<uint8_t>& bytes) const override {
        if (!bytes.empty()) return invalidModel("Negate stores no bytes");
        return std::unique_ptr<Plugin>(std::make_unique<NegatePlugin>(m_namespace));
    }

private:
    std::string m_namespace;
};

// The creator of the plugin layer in the plan tests' every-kind network ("test.every_kind" namespace,
// apart from the creators single tests register and remove), registered for the life of the process.
inline std::shared_ptr<const PluginCreator> everyKindPluginCreator() {
    static const std::shared_ptr<const PluginCreator> creator = [] {
        auto made = std::make_shared<NegateCreator>("test.every_kind");
        (void)PluginRegistry::global().add(made);
        return made;
    }();
    return creator;
}

// Registers a creator for the life of a test and removes it after.
class ScopedCreator {
public:
    explicit ScopedCreator(std::shared_ptr<const PluginCreator> creator) : m_creator(std::move(creator)) {
        m_added = PluginRegistry::global().add(m_creator).isOk();
    }
    ~ScopedCreator() {
        if (m_added)
            PluginRegistry::global().remove(m_creator->name(), m_creator->version(),
                                            m_creator->pluginNamespace());
    }
    bool added() const { return m_added; }

private:
    std::shared_ptr<const PluginCreator> m_creator;
    bool m_added = false;
};

}  // namespace kiln::test
