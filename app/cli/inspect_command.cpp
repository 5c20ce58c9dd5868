// `kiln inspect`: what a model became after import — its layers with parameters and provenance, its
// tensors, inputs and outputs — or, for a plan, what the build made of it — its layers with provenance,
// precision, tactic and elision, its bindings and its memory — as aligned tables or as JSON. The JSON
// follows the layout of trtexec's --exportLayerInfo ("Layers" with "Name", "LayerType", "Inputs",
// "Outputs"; "Bindings") so tools that read that file can read this one; for a model it adds what only
// the import knows.
#include <algorithm>
#include <iostream>
#include <map>

#include "commands.h"
#include "engine_loading.h"
#include "kiln/device.h"
#include "kiln/json_writer.h"
#include "kiln/lint.h"
#include "kiln/message.h"
#include "kiln/plan.h"
#include "kiln/symbolic_shapes.h"
#include "model_loading.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

std::string tensorRole(const Tensor& tensor) {
    std::string role;
    if (tensor.isNetworkInput())
        role = "input";
    else if (tensor.isConstant())
        role = "constant";
    else
        role = "activation";
    if (tensor.isNetworkOutput()) role += ", output";
    return role;
}

std::string joinedNames(const std::vector<Tensor*>& tensors) {
    std::string text;
    for (const Tensor* tensor : tensors) {
        if (!text.empty()) text += ", ";
        text += tensor != nullptr ? tensor->name() : std::string("(none)");
    }
    return text;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

struct Counts {
    int64_t constants = 0;
    int64_t activations = 0;
    std::map<std::string, int64_t> layersByKind;
};

Counts countNetwork(const NetworkDefinition& network) {
    Counts counts;
    for (const auto& tensor : network.tensors()) {
        if (tensor->isConstant())
            ++counts.constants;
        else if (!tensor->isNetworkInput())
            ++counts.activations;
    }
    for (const auto& layer : network.layers())
        ++counts.layersByKind[toString(layer->kind())];
    return counts;
}

// The symbolic shape of `tensor` ("Nx64xH/2xW/2"), or "" where none was derived.
std::string symbolicShape(const SymbolicShapes* symbolic, const Tensor& tensor) {
    if (!symbolic) return {};
    auto it = symbolic->tensors.find(tensor.name());
    return it == symbolic->tensors.end() ? std::string() : toString(it->second);
}

// `declared`: the model's inputs as it declares them, symbolic names included ("batchx3x224x224"),
// shown beside the dims the network was imported at; empty for a plan. `symbolic`: each tensor's
// dimensions as expressions of the symbolic ones, shown beside its dims; null for none.
void printTables(const std::string& path, const NetworkDefinition& network,
                 const std::vector<OnnxInputInfo>& declared = {}, const SymbolicShapes* symbolic = nullptr) {
    std::ostream& out = std::cout;
    out << "Model: " << path;
    if (!network.name().empty()) out << " (" << network.name() << ")";
    out << "\n\n";

    const auto bindingTable = [&](const char* title, const std::vector<Tensor*>& tensors, bool inputs) {
        out << title << " (" << tensors.size() << "):\n";
        const bool showDeclared = inputs && !declared.empty();
        TextTable table(showDeclared ? std::vector<std::string>{"Name", "Type", "Dims", "Declared"}
                                     : std::vector<std::string>{"Name", "Type", "Dims"});
        for (const Tensor* tensor : tensors) {
            std::vector<std::string> row{tensor->name(), toString(tensor->type()), toString(tensor->dims())};
            if (showDeclared) {
                std::string text = "-";  // an input the import made (none today)
                for (const OnnxInputInfo& input : declared) {
                    if (input.name == tensor->name()) text = declaredShape(input);
                }
                row.push_back(text);
            }
            table.addRow(row);
        }
        table.print(out);
        out << '\n';
    };
    bindingTable("Inputs", network.inputs(), true);
    bindingTable("Outputs", network.outputs(), false);
    if (symbolic) {
        out << "Output shapes by symbol:";
        for (const Tensor* tensor : network.outputs()) out << ' ' << tensor->name() << ' ' << symbolicShape(symbolic, *tensor) << ';';
        out << " (\"/\" rounds down, \"?\": no integer form)\n\n";
    }

    out << "Layers (" << network.layers().size() << "):\n";
    TextTable layers({"#", "Name", "Kind", "Inputs", "Outputs", "Provenance", "Parameters"});
    for (size_t i = 0; i < network.layers().size(); ++i) {
        const Layer& layer = *network.layers()[i];
        layers.addRow({std::to_string(i), layer.name(), toString(layer.kind()), joinedNames(layer.inputs()),
                       joinedNames(layer.outputs()), joined(layer.provenance()), describeLayer(layer)});
    }
    layers.print(out);
    out << '\n';

    out << "Tensors (" << network.tensors().size() << "):\n";
    TextTable tensors(symbolic ? std::vector<std::string>{"Name", "Type", "Dims", "Symbolic", "Role"}
                               : std::vector<std::string>{"Name", "Type", "Dims", "Role"});
    for (const auto& tensor : network.tensors()) {
        std::vector<std::string> row{tensor->name(), toString(tensor->type()), toString(tensor->dims())};
        if (symbolic) row.push_back(symbolicShape(symbolic, *tensor));
        row.push_back(tensorRole(*tensor));
        tensors.addRow(row);
    }
    tensors.print(out);
    out << '\n';

    const Counts counts = countNetwork(network);
    out << "Layer kinds:";
    const char* separator = " ";
    for (const auto& [kind, count] : counts.layersByKind) {
        out << separator << kind << ' ' << count;
        separator = ", ";
    }
    out << "\nTotal: " << network.layers().size() << " layers, " << network.tensors().size() << " tensors ("
        << counts.constants << " constants, " << counts.activations << " activations), "
        << network.inputs().size() << " inputs, " << network.outputs().size() << " outputs\n";
}

void writeTensorRef(JsonWriter& json, const Tensor* tensor) {
    json.beginObject();
    json.key("Name");
    json.value(tensor != nullptr ? tensor->name() : std::string());
    if (tensor != nullptr) {
        json.key("Dimensions");
        json.intArray(tensor->dims());
        json.key("Format/Datatype");
        json.value(std::string("Row major linear ") + toString(tensor->type()));
    }
    json.endObject();
}

void writeTensorList(JsonWriter& json, const std::vector<Tensor*>& tensors) {
    json.beginArray();
    for (const Tensor* tensor : tensors)
        writeTensorRef(json, tensor);
    json.endArray();
}

void printJson(const std::string& path, const NetworkDefinition& network, const SymbolicShapes* symbolic = nullptr) {
    JsonWriter json(std::cout);
    json.beginObject();
    json.key("Model");
    json.value(path);
    json.key("NetworkName");
    json.value(network.name());

    json.key("Layers");
    json.beginArray();
    for (const auto& layer : network.layers()) {
        json.beginObject();
        json.key("Name");
        json.value(layer->name());
        json.key("LayerType");
        json.value(toString(layer->kind()));
        json.key("Parameters");
        json.value(describeLayer(*layer));
        json.key("Inputs");
        writeTensorList(json, layer->inputs());
        json.key("Outputs");
        writeTensorList(json, layer->outputs());
        json.key("Provenance");
        json.stringArray(layer->provenance());
        json.endObject();
    }
    json.endArray();

    std::vector<std::string> bindings;
    for (const Tensor* tensor : network.inputs())
        bindings.push_back(tensor->name());
    for (const Tensor* tensor : network.outputs())
        bindings.push_back(tensor->name());
    json.key("Bindings");
    json.stringArray(bindings);
    json.key("Inputs");
    writeTensorList(json, network.inputs());
    json.key("Outputs");
    writeTensorList(json, network.outputs());

    json.key("Tensors");
    json.beginArray();
    for (const auto& tensor : network.tensors()) {
        json.beginObject();
        json.key("Name");
        json.value(tensor->name());
        json.key("Datatype");
        json.value(toString(tensor->type()));
        json.key("Dimensions");
        json.intArray(tensor->dims());
        if (symbolic && symbolic->tensors.count(tensor->name())) {
            std::vector<std::string> dims;
            for (const DimExpression& dim : symbolic->tensors.at(tensor->name())) dims.push_back(toString(dim));
            json.key("SymbolicDimensions");
            json.stringArray(dims);
        }
        json.key("Role");
        json.value(tensorRole(*tensor));
        json.endObject();
    }
    json.endArray();

    const Counts counts = countNetwork(network);
    json.key("Counts");
    json.beginObject();
    json.key("Layers");
    json.value(int64_t(network.layers().size()));
    json.key("Tensors");
    json.value(int64_t(network.tensors().size()));
    json.key("Constants");
    json.value(counts.constants);
    json.key("Activations");
    json.value(counts.activations);
    json.key("Inputs");
    json.value(int64_t(network.inputs().size()));
    json.key("Outputs");
    json.value(int64_t(network.outputs().size()));
    json.key("LayersByKind");
    json.beginObject();
    for (const auto& [kind, count] : counts.layersByKind) {
        json.key(kind);
        json.value(count);
    }
    json.endObject();
    json.endObject();
    json.endObject();
}

void printPlanTables(const std::string& path, const Engine& engine) {
    std::ostream& out = std::cout;
    const BuildReport& report = engine.report();
    const NetworkDefinition& network = engine.network();
    out << "Plan: " << path << " (backend " << engine.backend() << ")\nDevice: " << engine.deviceDescription()
        << "\n\n";

    out << "Bindings (" << engine.bindings().size() << "):\n";
    TextTable bindings({"Name", "Direction", "Type", "Dims"});
    for (const Binding& binding : engine.bindings()) {
        bindings.addRow({binding.name, binding.isInput ? "input" : "output", toString(binding.type),
                         toString(binding.dims)});
    }
    bindings.print(out);
    out << '\n';
    const std::vector<OptimizationProfile> profiles = engine.profiles();
    if (!profiles.empty()) {
        out << "Optimization profiles (" << profiles.size()
            << "; -1 above is a dimension they let vary; the layers below are those of profile 0's opt shapes):\n";
        TextTable table({"Profile", "Input", "Min", "Opt", "Max"});
        for (size_t p = 0; p < profiles.size(); ++p) {
            for (const auto& [name, range] : profiles[p].inputs) {
                table.addRow({std::to_string(p), name, toString(range.min), toString(range.opt), toString(range.max)});
            }
        }
        table.print(out);
        out << '\n';
    }

    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : report.layersAfter)
        records[record.name] = &record;
    int64_t elided = 0;
    out << "Layers (" << network.layers().size() << "):\n";
    TextTable layers({"#", "Name", "Kind", "Precision", "Tactic", "Elided", "Provenance", "Parameters"});
    for (size_t i = 0; i < network.layers().size(); ++i) {
        const Layer& layer = *network.layers()[i];
        const auto record = records.find(layer.name());
        const bool known = record != records.end();
        elided += layer.isElided() ? 1 : 0;
        layers.addRow({std::to_string(i), layer.name(), toString(layer.kind()),
                       known ? record->second->precision : std::string("-"),
                       known && !record->second->tactic.empty() ? record->second->tactic : std::string("-"),
                       layer.isElided() ? "yes" : "no", joined(layer.provenance()), describeLayer(layer)});
    }
    layers.print(out);
    out << '\n';

    const int64_t contextBytes = engine.contextMemoryBytes();
    out << "Memory: weights " << formatBytes(engine.weightBytes())
        << " held by the engine (the constants its kernels read and their prepared weights); activation arena "
        << formatBytes(engine.memoryPlan().arenaBytes) << " and workspace " << formatBytes(engine.workspaceBytes()) << " per execution context, for "
        << formatBytes(report.activationBytes) << " of activations";
    if (!engine.profiles().empty()) {
        out << "; " << formatBytes(contextBytes) << " for the largest shape of its profiles";
    }
    out << "\n";
    const uint64_t budget = memoryBudgetBytes();
    if (engine.backend() == "cpu" && budget > 0 && uint64_t(contextBytes) > budget) {
        out << "warning: an execution context needs more than " << describeMemoryBudget() << "; it will not run here\n";
    }
    out << "Total: " << report.layersBefore.size() << " layers in the model, " << network.layers().size()
        << " in the plan (" << int64_t(network.layers().size()) - elided << " executed, " << elided
        << " elided), " << report.changes.size() << " changes by the passes\n";
}

void printLint(const std::string& path, const std::vector<LintHint>& hints) {
    std::ostream& out = std::cout;
    out << "Plan: " << path << "\n";
    if (hints.empty()) {
        out << "Lint: no hints\n";
        return;
    }
    out << "Lint: " << hints.size() << (hints.size() == 1 ? " hint" : " hints") << "\n";
    for (const LintHint& hint : hints) {
        out << "\n" << toString(hint.severity) << " [" << hint.id << "] " << hint.message << "\n";
        // A long list is cut short here; --json gives every layer.
        out << "  layers: " << listedNames(hint.layers, 8) << "\n";
        out << "  what to do: " << hint.advice << "\n";
    }
}

int inspectPlan(const InspectOptions& options) {
    Result<std::shared_ptr<Engine>> engine = readPlanFile(options.modelPath);
    if (!engine) return fail(kExitFailure, engine.status().message());
    if (Status status = checkShapesAgainstPlan(**engine, options.shapes); !status) {
        return fail(kExitUsage, status.message());
    }
    if (options.lint) {
        const std::vector<LintHint> hints = lintEngine(**engine);
        if (options.json) {
            std::cout << lintJson(hints);
        } else {
            printLint(options.modelPath, hints);
        }
        return kExitSuccess;
    }
    if (options.json)
        std::cout << (*engine)->layerInformationJson();
    else
        printPlanTables(options.modelPath, **engine);
    return kExitSuccess;
}

}  // namespace

int inspectCommand(const std::vector<std::string>& args) {
    Result<Parsed<InspectOptions>> parsed = parseInspectArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << inspectHelp();
        return kExitSuccess;
    }
    const InspectOptions& options = parsed->options;

    if (isPlanFile(options.modelPath)) {
        const int code = inspectPlan(options);
        if (code != kExitSuccess) return code;
    } else if (options.lint) {
        return fail(kExitUsage, "--lint reads what a build made: build the model first (kiln build " + options.modelPath +
                                    " -o model.plan), then run kiln inspect model.plan --lint");
    } else {
        // A model with symbolic dimensions is shown at once, at assumed sizes it names (as Netron and
        // Polygraphy show a model without asking for shapes).
        std::optional<NetworkDefinition> network;
        std::string assumed;
        ShapeMap shapes;
        if (int code = importAssumingShapes(options.modelPath, options.weightsPath.value_or(""), options.shapes, network,
                                            assumed, &shapes);
            code != kExitSuccess) {
            return code;
        }
        // Shown at assumed sizes, the dimensions are also given as expressions of the symbolic ones.
        std::optional<SymbolicShapes> symbolic;
        if (!assumed.empty()) {
            Result<std::shared_ptr<const NetworkSource>> source = onnxNetworkSource(options.modelPath);
            Result<SymbolicShapes> derived = source ? deriveSymbolicShapes(**source, shapes) : source.status();
            if (derived) symbolic = std::move(derived).value();
        }
        const SymbolicShapes* symbols = symbolic ? &*symbolic : nullptr;
        if (options.json) {
            printJson(options.modelPath, *network, symbols);
        } else {
            if (!assumed.empty()) {
                std::cout << "Symbolic dimensions shown at assumed sizes: " << printable(assumed)
                          << " (give --shapes to choose others)\n\n";
            }
            Result<std::vector<OnnxInputInfo>> declared = readModelInputs(options.modelPath);
            printTables(options.modelPath, *network, declared ? *declared : std::vector<OnnxInputInfo>{}, symbols);
        }
    }
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli
