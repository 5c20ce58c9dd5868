// Sample plugin library: LeakyRelu v1 in the default ONNX domain, a replacement for Kiln's built-in
// LeakyRelu (y = x < 0 ? alpha * x : x, alpha 0.01 by default, as ONNX says). Its creator says
// replacesBuiltin(), so parsers use it for ONNX LeakyRelu nodes once the library is loaded: loading it
// is the opt-in. FP32, linear, CPU only.
#include <cmath>
#include <cstring>
#include <string>

#include "kiln/plugin.h"

namespace {

constexpr const char* kName = "LeakyRelu";
constexpr const char* kVersion = "1";
constexpr const char* kNamespace = "";

class LeakyRelu final : public kiln::Plugin {
public:
    explicit LeakyRelu(float alpha) : m_alpha(alpha) {}

    std::string name() const override { return kName; }
    std::string version() const override { return kVersion; }
    std::string pluginNamespace() const override { return kNamespace; }
    kiln::PluginFields fields() const override { return {kiln::PluginField::ofFloat("alpha", m_alpha)}; }

    int32_t outputCount() const override { return 1; }
    kiln::Result<std::vector<kiln::TensorDesc>> outputDescs(
        const std::vector<kiln::TensorDesc>& inputs) const override {
        if (inputs.size() != 1)
            return kiln::invalidModel("LeakyRelu takes one input, not " + std::to_string(inputs.size()));
        if (inputs[0].type != kiln::DataType::Float32)
            return kiln::unsupported("the LeakyRelu plugin runs FP32 inputs only");
        return std::vector<kiln::TensorDesc>{inputs[0]};
    }

    kiln::Status enqueue(const kiln::PluginTensors& tensors) const override {
        if (tensors.inputs.size() != 1 || tensors.outputs.size() != 1 || !tensors.inputs[0] ||
            !tensors.outputs[0]) {
            return kiln::invalidArgument("LeakyRelu needs one input and one output");
        }
        int64_t count = 1;
        for (int64_t extent : tensors.inputDescs[0].dims)
            count *= extent;
        const auto* x = static_cast<const float*>(tensors.inputs[0]);
        auto* y = static_cast<float*>(tensors.outputs[0]);
        for (int64_t i = 0; i < count; ++i)
            y[i] = x[i] < 0.0f ? m_alpha * x[i] : x[i];
        return kiln::Status::ok();
    }

    std::vector<uint8_t> serialize() const override {
        std::vector<uint8_t> bytes(sizeof(float));
        std::memcpy(bytes.data(), &m_alpha, sizeof(float));
        return bytes;
    }
    std::unique_ptr<kiln::Plugin> clone() const override { return std::make_unique<LeakyRelu>(m_alpha); }

private:
    float m_alpha;
};

class LeakyReluCreator final : public kiln::PluginCreator {
public:
    std::string name() const override { return kName; }
    std::string version() const override { return kVersion; }
    std::string pluginNamespace() const override { return kNamespace; }
    std::vector<kiln::PluginFieldSpec> fieldSpecs() const override {
        return {{"alpha", kiln::PluginFieldType::Float}};
    }
    bool replacesBuiltin() const override { return true; }

    kiln::Result<std::unique_ptr<kiln::Plugin>> create(const std::string& layerName,
                                                       const kiln::PluginFields& fields) const override {
        float alpha = 0.01f;
        for (const kiln::PluginField& field : fields) {
            if (field.name != "alpha") {
                return kiln::invalidModel("layer '" + layerName + "': LeakyRelu has no field '" + field.name +
                                          "'; it takes alpha (float)");
            }
            if (field.type != kiln::PluginFieldType::Float || field.floats.size() != 1 ||
                !std::isfinite(field.floats[0])) {
                return kiln::invalidModel("layer '" + layerName +
                                          "': LeakyRelu's field alpha must be one finite float");
            }
            alpha = field.floats[0];
        }
        return std::unique_ptr<kiln::Plugin>(std::make_unique<LeakyRelu>(alpha));
    }

    kiln::Result<std::unique_ptr<kiln::Plugin>> deserialize(
        const std::string& layerName, const std::vector<uint8_t>& bytes) const override {
        if (bytes.size() != sizeof(float)) {
            return kiln::invalidModel("layer '" + layerName + "': LeakyRelu stores 4 bytes, the plan holds " +
                                      std::to_string(bytes.size()));
        }
        float alpha = 0.0f;
        std::memcpy(&alpha, bytes.data(), sizeof(float));
        if (!std::isfinite(alpha))
            return kiln::invalidModel("layer '" + layerName + "': LeakyRelu's stored alpha is not finite");
        return std::unique_ptr<kiln::Plugin>(std::make_unique<LeakyRelu>(alpha));
    }
};

LeakyReluCreator* creator() {
    static LeakyReluCreator instance;
    return &instance;
}

}  // namespace

KILN_PLUGIN_EXPORT_CREATORS(creator())
