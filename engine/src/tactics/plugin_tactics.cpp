// Plugin tactics (plugin_tactics.h).
#include "tactics/plugin_tactics.h"

#include <algorithm>

#include "backends/backend.h"
#include "kiln/plugin.h"

namespace kiln::tactics {

namespace {

std::string precisionSuffix(DataType precision) {
    switch (precision) {
        case DataType::Float16:
            return "fp16";
        case DataType::BFloat16:
            return "bf16";
        case DataType::Int8:
            return "int8";
        default:
            return "fp32";
    }
}

std::string tacticId(const Plugin& plugin, DataType precision) {
    const std::string ns = plugin.pluginNamespace();
    return "plugin:" + (ns.empty() ? "" : ns + "::") + plugin.name() + ":v" + plugin.version() + ":" +
           precisionSuffix(precision);
}

std::string libraryOf(const Plugin& plugin) {
    for (const PluginRegistry::Entry& entry : PluginRegistry::global().list()) {
        const PluginCreator& creator = *entry.creator;
        if (creator.name() == plugin.name() && creator.version() == plugin.version() &&
            creator.pluginNamespace() == plugin.pluginNamespace()) {
            return entry.library.empty() ? "plugin" : "plugin " + entry.library;
        }
    }
    return "plugin";
}

// The types the plugin sees: each tensor's storage type in its (linear) format.
std::vector<TensorDesc> descsOf(const std::vector<Tensor*>& tensors,
                                const std::vector<TensorFormat>& formats) {
    std::vector<TensorDesc> descs;
    for (size_t i = 0; i < tensors.size(); ++i) {
        if (!tensors[i]) {
            descs.push_back({});
            continue;
        }
        const TensorFormat format = i < formats.size() ? formats[i] : TensorFormat{};
        descs.push_back({storageType(tensors[i]->type(), format), tensors[i]->dims()});
    }
    return descs;
}

class PluginKernel final : public Kernel {
public:
    PluginKernel(std::shared_ptr<const Plugin> plugin, std::vector<TensorDesc> inputs,
                 std::vector<TensorDesc> outputs, bool cuda)
        : m_plugin(std::move(plugin)),
          m_inputs(std::move(inputs)),
          m_outputs(std::move(outputs)),
          m_cuda(cuda) {}

    Status run(const KernelArgs& args) const override {
        PluginTensors tensors;
        tensors.inputDescs = m_inputs;
        tensors.outputDescs = m_outputs;
        tensors.inputs.assign(args.inputs.begin(), args.inputs.end());
        tensors.outputs.assign(args.outputs.begin(), args.outputs.end());
        tensors.workspace = args.workspace;
        if (!m_cuda) return m_plugin->enqueue(tensors);
        return m_plugin->enqueueCuda(tensors, args.stream ? args.stream->native() : nullptr);
    }

private:
    std::shared_ptr<const Plugin> m_plugin;
    std::vector<TensorDesc> m_inputs;
    std::vector<TensorDesc> m_outputs;
    bool m_cuda = false;
};

class PluginTactic final : public Tactic {
public:
    PluginTactic(std::shared_ptr<const Plugin> plugin, DataType precision, std::vector<TensorDesc> inputs,
                 std::vector<TensorDesc> outputs, bool cuda)
        : m_plugin(std::move(plugin)),
          m_precision(precision),
          m_inputs(std::move(inputs)),
          m_outputs(std::move(outputs)),
          m_cuda(cuda) {}

    std::string id() const override { return tacticId(*m_plugin, m_precision); }
    std::string library() const override { return libraryOf(*m_plugin); }
    int64_t workspaceBytes() const override {
        return std::max<int64_t>(0, m_plugin->workspaceBytes(m_inputs));
    }
    Result<std::unique_ptr<Kernel>> instantiate(std::vector<WeightBlob> weights) const override {
        if (!weights.empty()) return invalidModel("plugin tactics take no prepared weights");
        return std::unique_ptr<Kernel>(std::make_unique<PluginKernel>(m_plugin, m_inputs, m_outputs, m_cuda));
    }

private:
    std::shared_ptr<const Plugin> m_plugin;
    DataType m_precision;
    std::vector<TensorDesc> m_inputs;
    std::vector<TensorDesc> m_outputs;
    bool m_cuda;
};

class PluginProvider final : public TacticProvider {
public:
    explicit PluginProvider(bool cuda) : m_cuda(cuda) {}
    std::string name() const override { return "plugin"; }

    void enumerate(const LayerConfig& config, std::vector<std::unique_ptr<Tactic>>& tactics,
                   std::vector<SkippedTactic>& skipped) const override {
        if (!config.layer || config.layer->kind() != LayerKind::Plugin) return;
        const auto& plugin = config.layer->paramsAs<PluginParams>().plugin;
        if (!plugin) return;
        for (const DataType precision : plugin->supportedPrecisions()) {
            const std::string id = tacticId(*plugin, precision);
            auto skip = [&](const std::string& reason) {
                skipped.push_back({id, libraryOf(*plugin), reason});
            };
            if (m_cuda && !plugin->hasCudaEnqueue()) {
                skip("plugin " + pluginKey(plugin->name(), plugin->version(), plugin->pluginNamespace()) +
                     " has no CUDA enqueue; build for the CPU (--device cpu) to run it");
                continue;
            }
            if (const std::string refusal = refusalFor(config, precision); !refusal.empty()) {
                skip(refusal);
                continue;
            }
            tactics.push_back(std::make_unique<PluginTactic>(
                plugin, precision, descsOf(config.layer->inputs(), config.inputFormats),
                descsOf(config.layer->outputs(), config.outputFormats), m_cuda));
        }
    }

private:
    // Empty when the tactic of `precision` runs `config`: every tensor linear, every floating-point
    // activation stored in `precision` (FP32: in its own type).
    std::string refusalFor(const LayerConfig& config, DataType precision) const {
        if (config.precision != precision) {
            return std::string("the layer runs in ") + toString(config.precision) + ", this tactic in " +
                   toString(precision);
        }
        auto check = [&](const std::vector<Tensor*>& tensors,
                         const std::vector<TensorFormat>& formats) -> std::string {
            for (size_t i = 0; i < tensors.size(); ++i) {
                if (!tensors[i]) continue;
                const TensorFormat format = i < formats.size() ? formats[i] : TensorFormat{};
                if (!format.isLinear()) return "plugins read and write linear tensors only";
                if (tensors[i]->isConstant()) {
                    if (m_cuda) return "plugin layers with constant inputs run on the CPU only";
                    continue;
                }
                const DataType stored = storageType(tensors[i]->type(), format);
                if (isFloatingPoint(tensors[i]->type()) && stored != precision) {
                    return std::string("tensor '") + tensors[i]->name() + "' is stored in " +
                           toString(stored) + ", not " + toString(precision);
                }
            }
            return {};
        };
        if (std::string refusal = check(config.layer->inputs(), config.inputFormats); !refusal.empty())
            return refusal;
        return check(config.layer->outputs(), config.outputFormats);
    }

    bool m_cuda;
};

}  // namespace

std::string pluginTacticId(const Layer& layer, DataType precision) {
    if (layer.kind() != LayerKind::Plugin || !layer.paramsAs<PluginParams>().plugin) return {};
    return tacticId(*layer.paramsAs<PluginParams>().plugin, precision);
}

const TacticProvider& cpuPluginProvider() {
    static const PluginProvider provider(false);
    return provider;
}

const TacticProvider& cudaPluginProvider() {
    static const PluginProvider provider(true);
    return provider;
}

}  // namespace kiln::tactics
