// Sample plugin library: com.example::ScaledSoftsign v1, an activation Kiln does not have,
//   y = alpha * x / (1 + |x|)
// with one float field, alpha (default 1). FP32, linear, CPU only: CUDA builds refuse it, saying so.
// It uses nothing but kiln/plugin.h's inline parts, so the library needs no link to libkiln.
#include <cmath>
#include <cstring>
#include <string>

#include "kiln/plugin.h"

namespace {

constexpr const char* kName = "ScaledSoftsign";
constexpr const char* kVersion = "1";
constexpr const char* kNamespace = "com.example";

class ScaledSoftsign final : public kiln::Plugin {
public:
    explicit ScaledSoftsign(float alpha) : m_alpha(alpha) {}

    std::string name() const override { return kName; }
    std::string version() const override { return kVersion; }
    std::string pluginNamespace() const override { return kNamespace; }
    kiln::PluginFields fields() const override { return {kiln::PluginField::ofFloat("alpha", m_alpha)}; }

    int32_t outputCount() const override { return 1; }
    kiln::Result<std::vector<kiln::TensorDesc>> outputDescs(
        const std::vector<kiln::TensorDesc>& inputs) const override {
        if (inputs.size() != 1) {
            return kiln::invalidModel("ScaledSoftsign takes one input, not " + std::to_string(inputs.size()));
        }
        if (inputs[0].type != kiln::DataType::Float32)
            return kiln::unsupported("ScaledSoftsign's input must be FP32");
        return std::vector<kiln::TensorDesc>{inputs[0]};
    }

    kiln::Status enqueue(const kiln::PluginTensors& tensors) const override {
        if (tensors.inputs.size() != 1 || tensors.outputs.size() != 1 || !tensors.inputs[0] ||
            !tensors.outputs[0]) {
            return kiln::invalidArgument("ScaledSoftsign needs one input and one output");
        }
        int64_t count = 1;
        for (int64_t extent : tensors.inputDescs[0].dims)
            count *= extent;
        const auto* x = static_cast<const float*>(tensors.inputs[0]);
        auto* y = static_cast<float*>(tensors.outputs[0]);
        for (int64_t i = 0; i < count; ++i)
            y[i] = m_alpha * x[i] / (1.0f + std::fabs(x[i]));
        return kiln::Status::ok();
    }

    std::vector<uint8_t> serialize() const override {
        std::vector<uint8_t> bytes(sizeof(float));
        std::memcpy(bytes.data(), &m_alpha, sizeof(float));
        return bytes;
    }
    std::unique_ptr<kiln::Plugin> clone() const override { return std::make_unique<ScaledSoftsign>(m_alpha); }

private:
    float m_alpha;
};

class ScaledSoftsignCreator final : public kiln::PluginCreator {
public:
    std::string name() const override { return kName; }
    std::string version() const override { return kVersion; }
    std::string pluginNamespace() const override { return kNamespace; }
    std::vector<kiln::PluginFieldSpec> fieldSpecs() const override {
        return {{"alpha", kiln::PluginFieldType::Float}};
    }

    kiln::Result<std::unique_ptr<kiln::Plugin>> create(const std::string& layerName,
                                                       const kiln::PluginFields& fields) const override {
        float alpha = 1.0f;
        for (const kiln::PluginField& field : fields) {
            if (field.name != "alpha") {
                return kiln::invalidModel("layer '" + layerName + "': ScaledSoftsign has no field '" +
                                          field.name + "'; it takes alpha (float)");
            }
            if (field.type != kiln::PluginFieldType::Float || field.floats.size() != 1) {
                return kiln::invalidModel("layer '" + layerName +
                                          "': ScaledSoftsign's field alpha must be one float");
            }
            alpha = field.floats[0];
            if (!std::isfinite(alpha)) {
                return kiln::invalidModel("layer '" + layerName + "': ScaledSoftsign's alpha must be finite");
            }
        }
        return std::unique_ptr<kiln::Plugin>(std::make_unique<ScaledSoftsign>(alpha));
    }

    kiln::Result<std::unique_ptr<kiln::Plugin>> deserialize(
        const std::string& layerName, const std::vector<uint8_t>& bytes) const override {
        if (bytes.size() != sizeof(float)) {
            return kiln::invalidModel("layer '" + layerName +
                                      "': ScaledSoftsign stores 4 bytes, the plan holds " +
                                      std::to_string(bytes.size()));
        }
        float alpha = 0.0f;
        std::memcpy(&alpha, bytes.data(), sizeof(float));
        if (!std::isfinite(alpha)) {
            return kiln::invalidModel("layer '" + layerName +
                                      "': ScaledSoftsign's stored alpha is not finite");
        }
        return std::unique_ptr<kiln::Plugin>(std::make_unique<ScaledSoftsign>(alpha));
    }
};

ScaledSoftsignCreator* creator() {
    static ScaledSoftsignCreator instance;
    return &instance;
}

}  // namespace

KILN_PLUGIN_EXPORT_CREATORS(creator())
