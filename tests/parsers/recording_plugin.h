// A plugin creator for the parser tests, keyed as a test asks: its plugin multiplies its one input by
// the float field "scale" (3 when absent), and the creator keeps the fields it was last given, so a test
// can see what a parser passed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kiln/plugin.h"

namespace kiln::test {

class ScalePlugin final : public Plugin {
public:
    ScalePlugin(std::string name, std::string ns, PluginFields fields, float scale)
        : m_name(std::move(name)), m_namespace(std::move(ns)), m_fields(std::move(fields)), m_scale(scale) {}
    std::string name() const override { return m_name; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return m_namespace; }
    PluginFields fields() const override { return m_fields; }
    int32_t outputCount() const override { return 1; }
    Result<std::vector<TensorDesc>> outputDescs(const std::vector<TensorDesc>& inputs) const override {
        if (inputs.size() != 1) return invalidModel("takes one input");
        return std::vector<TensorDesc>{inputs[0]};
    }
    Status enqueue(const PluginTensors& t) const override {
        const auto* x = static_cast<const float*>(t.inputs[0]);
        auto* y = static_cast<float*>(t.outputs[0]);
        for (int64_t i = 0; i < volume(t.inputDescs[0].dims); ++i)
            y[i] = m_scale * x[i];
        return Status::ok();
    }
    std::vector<uint8_t> serialize() const override { return serializeFields(m_fields); }
    std::unique_ptr<Plugin> clone() const override { return std::make_unique<ScalePlugin>(*this); }

private:
    std::string m_name, m_namespace;
    PluginFields m_fields;
    float m_scale;
};

class RecordingCreator final : public PluginCreator {
public:
    RecordingCreator(std::string name, std::string ns, bool replacesBuiltin = false)
        : m_name(std::move(name)), m_namespace(std::move(ns)), m_replaces(replacesBuiltin) {}
    std::string name() const override { return m_name; }
    std::string version() const override { return "1"; }
    std::string pluginNamespace() const override { return m_namespace; }
    std::vector<PluginFieldSpec> fieldSpecs() const override { return {{"scale", PluginFieldType::Float}}; }
    bool replacesBuiltin() const override { return m_replaces; }
    Result<std::unique_ptr<Plugin>> create(const std::string&, const PluginFields& fields) const override {
        *m_received = fields;
        ++*m_creations;
        const PluginField* scale = findField(fields, "scale");
        return std::unique_ptr<Plugin>(std::make_unique<ScalePlugin>(
            m_name, m_namespace, fields, scale && !scale->floats.empty() ? scale->floats[0] : 3.0f));
    }
    Result<std::unique_ptr<Plugin>> deserialize(const std::string& layer,
                                                const std::vector<uint8_t>& bytes) const override {
        KILN_ASSIGN_OR_RETURN(PluginFields fields, deserializeFields(bytes));
        return create(layer, fields);
    }
    const PluginFields& received() const { return *m_received; }
    int creations() const { return *m_creations; }

private:
    std::string m_name, m_namespace;
    bool m_replaces;
    std::shared_ptr<PluginFields> m_received = std::make_shared<PluginFields>();
    std::shared_ptr<int> m_creations = std::make_shared<int>(0);
};

// Registers a creator in the global registry for the life of a test.
class ScopedRegistration {
public:
    explicit ScopedRegistration(std::shared_ptr<const PluginCreator> creator)
        : m_creator(std::move(creator)) {
        m_added = PluginRegistry::global().add(m_creator).isOk();
    }
    ~ScopedRegistration() {
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
