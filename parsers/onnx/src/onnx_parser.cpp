// The ONNX import pipeline: read and parse the protobuf, check opsets, graph structure (duplicates,
// dangling inputs, cycles) and op support before any import work, make input shapes concrete, load
// initializers, let the ONNX checker look at the whole model, then import the nodes in topological
// order through the importer table and mark the graph outputs.
#include "kiln/onnx_parser.h"

#include "kiln/file_reading.h"
#include "kiln/message.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "importer_context.h"
#include "importers.h"
#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "tensor_proto.h"

namespace kiln {

namespace {

using namespace onnx_import;

constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 22;

// The operators whose inputs or attributes changed after opset 17, with the opset of the change: Kiln's
// importers read their later forms, which an ONNX checker of opset 17 (Debian 12's ONNX 1.12) does not
// know (an axes input, num_outputs, antialias, dilations, saturate, block_size) or has no schema for
// (Gelu, Mish, GroupNormalization). Only changes of types (opsets 21 and 22 add INT4 and BF16 to many
// operators) leave the schema's inputs and attributes as they were.
const std::map<std::string, int64_t>& operatorsChangedAfterOpset17() {
    static const std::map<std::string, int64_t> changed = {
        {"ReduceMean", 18},
        {"ReduceMax", 18},
        {"ReduceMin", 18},
        {"ReduceProd", 18},
        {"ReduceL1", 18},
        {"ReduceL2", 18},
        {"ReduceLogSum", 18},
        {"ReduceLogSumExp", 18},
        {"ReduceSumSquare", 18},
        {"Split", 18},
        {"Pad", 18},
        {"Resize", 18},
        {"AveragePool", 19},
        {"Cast", 19},
        {"QuantizeLinear", 19},
        {"DequantizeLinear", 21},
        {"Gelu", 20},
        {"Mish", 18},
        {"GroupNormalization", 18},
    };
    return changed;
}

// The newest opset of the default domain that this build's ONNX checker knows.
int64_t checkerOpset() {
    const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    const auto found = ranges.find(onnx::ONNX_DOMAIN);
    return found == ranges.end() ? 0 : int64_t(found->second.second);
}

bool isDefaultDomain(const std::string& domain) {
    return domain.empty() || domain == "ai.onnx";
}

// A protobuf message cannot exceed 2 GiB; larger weights live in external data files.
Result<std::string> readWholeFile(const std::string& path) {
    return readRegularFile(path, "the model", uint64_t(INT32_MAX));
}

std::string folderOf(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

// `source` is how messages name the model: "'path/model.onnx'" or "the model".
Result<onnx::ModelProto> parseModelProto(const std::string& bytes, const std::string& source) {
    if (bytes.empty()) {
        return messageStatus(StatusCode::InvalidModel, "onnx.empty", {source});
    }
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes)) {
        return messageStatus(StatusCode::InvalidModel, "onnx.not_protobuf", {source});
    }
    if (!model.has_graph() || model.ir_version() <= 0 || model.opset_import_size() == 0) {
        return messageStatus(StatusCode::InvalidModel, "onnx.no_graph", {source});
    }
    return model;
}

bool pluginNamespaceRegistered(const std::string& domain) {
    for (const PluginRegistry::Entry& entry : PluginRegistry::global().list()) {
        if (entry.creator->pluginNamespace() == domain) return true;
    }
    return false;
}

// The default-domain opset. ai.onnx.ml may be imported as long as no node uses it (exporters add it
// routinely), and the namespace of a registered plugin creator (its nodes import as plugin layers);
// any other domain is refused.
Result<int64_t> defaultOpset(const onnx::ModelProto& model) {
    int64_t opset = -1;
    for (const auto& import : model.opset_import()) {
        if (isDefaultDomain(import.domain())) {
            opset = import.version();
        } else if (import.domain() != "ai.onnx.ml" && !pluginNamespaceRegistered(import.domain())) {
            std::set<std::string> ops;
            for (const auto& node : model.graph().node()) {
                if (node.domain() == import.domain()) ops.insert(node.op_type());
            }
            std::string used;
            for (const std::string& op : ops)
                used += (used.empty() ? ", used by op " : ", ") + op;
            return unsupported(
                "the model imports operator domain '" + import.domain() + "' (version " +
                std::to_string(import.version()) + used +
                "); Kiln supports only the default ONNX domain and the namespaces of registered "
                "plugins: load a plugin library that provides this domain's operators with --plugins");
        }
    }
    if (opset < 0) return messageStatus(StatusCode::InvalidModel, "onnx.no_default_opset", {});
    if (opset < kMinOpset || opset > kMaxOpset) {
        return messageStatus(StatusCode::Unsupported, "onnx.opset_out_of_range",
                             {std::to_string(opset), std::to_string(kMinOpset), std::to_string(kMaxOpset)});
    }
    return opset;
}

// Names for every node: its own, or "<OpType>_<index>" when it has none, made unique.
std::vector<std::string> nodeNames(const onnx::GraphProto& graph) {
    std::set<std::string> taken;
    for (const auto& node : graph.node())
        taken.insert(node.name());
    std::vector<std::string> names;
    std::set<std::string> used;
    for (int i = 0; i < graph.node_size(); ++i) {
        const auto& node = graph.node(i);
        std::string base = node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
        std::string name = base;
        for (int suffix = 2; used.count(name) || (node.name().empty() && taken.count(name)); ++suffix) {
            name = base + "_" + std::to_string(suffix);
        }
        used.insert(name);
        names.push_back(name);
    }
    return names;
}

std::string describeNode(const onnx::NodeProto& node, const std::string& name) {
    return "node '" + name + "' (op " + node.op_type() + ")";
}

// Checks that every value has one source and every read has a source, and returns the nodes in an
// order where producers come first (the model's own order when it already is one).
Result<std::vector<int>> sortNodes(const onnx::GraphProto& graph, const std::vector<std::string>& names) {
    std::set<std::string> provided;
    for (const auto& init : graph.initializer()) {
        if (!provided.insert(init.name()).second) {
            return invalidModel("tensor name '" + init.name() + "' is used by two initializers");
        }
    }
    std::set<std::string> inputNames;
    for (const auto& input : graph.input()) {
        if (!inputNames.insert(input.name()).second) {
            return invalidModel("graph input '" + input.name() + "' is listed twice");
        }
        provided.insert(input.name());
    }
    std::map<std::string, int> producer;
    for (int i = 0; i < graph.node_size(); ++i) {
        for (const std::string& output : graph.node(i).output()) {
            if (output.empty()) continue;
            auto [it, inserted] = producer.emplace(output, i);
            if (!inserted) {
                return invalidModel("duplicate tensor name '" + output + "': it is written by " +
                                    describeNode(graph.node(it->second), names[it->second]) + " and by " +
                                    describeNode(graph.node(i), names[i]) +
                                    "; every tensor needs its own name");
            }
            if (provided.count(output)) {
                return invalidModel("duplicate tensor name '" + output +
                                    "': " + describeNode(graph.node(i), names[i]) +
                                    " writes it, but it is also a graph input or initializer");
            }
        }
    }
    const int count = graph.node_size();
    std::vector<std::vector<int>> consumers(count);
    std::vector<int> pending(count, 0);
    for (int i = 0; i < count; ++i) {
        for (const std::string& input : graph.node(i).input()) {
            if (input.empty()) continue;
            auto it = producer.find(input);
            if (it != producer.end()) {
                consumers[it->second].push_back(i);
                ++pending[i];
            } else if (!provided.count(input)) {
                return invalidModel(describeNode(graph.node(i), names[i]) + " reads tensor '" + input +
                                    "', which no node, initializer or graph input provides");
            }
        }
    }
    for (const auto& output : graph.output()) {
        if (!producer.count(output.name()) && !provided.count(output.name())) {
            return notFound("graph output '" + output.name() +
                            "' is not produced by any node, initializer or input");
        }
    }

    std::set<int> ready;
    for (int i = 0; i < count; ++i) {
        if (pending[i] == 0) ready.insert(i);
    }
    std::vector<int> order;
    while (!ready.empty()) {
        const int node = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(node);
        for (int consumer : consumers[node]) {
            if (--pending[consumer] == 0) ready.insert(consumer);
        }
    }
    if (static_cast<int>(order.size()) == count) return order;

    // Every node left waits on another node left, so walking back through producers must loop.
    int current = 0;
    while (pending[current] == 0)
        ++current;
    std::vector<int> path;
    std::map<int, size_t> position;
    while (!position.count(current)) {
        position[current] = path.size();
        path.push_back(current);
        for (const std::string& input : graph.node(current).input()) {
            auto it = producer.find(input);
            if (it != producer.end() && pending[it->second] > 0) {
                current = it->second;
                break;
            }
        }
    }
    std::string cycle;
    for (size_t k = path.size(); k-- > position[current];) {
        cycle += describeNode(graph.node(path[k]), names[path[k]]) + " -> ";
    }
    cycle += describeNode(graph.node(current), names[current]);
    return invalidModel("the graph has a cycle: " + cycle + "; ONNX graphs must be acyclic");
}

Status findUnsupportedNodes(const onnx::GraphProto& graph, const std::vector<std::string>& names,
                            int64_t opset) {
    // Grouped by operator, in the order of each one's first node: a detection model's post-processing
    // has hundreds of nodes of a few operators, and the operators are what the reader needs.
    struct Group {
        std::string what;  // "op TopK (opset 17)"
        std::string hint;  // what to do, for operators of other domains
        std::vector<std::string> nodes;  // their names, quoted
    };
    constexpr size_t kNamedNodes = 3;
    std::vector<Group> groups;
    size_t count = 0;
    for (int i = 0; i < graph.node_size(); ++i) {
        const auto& node = graph.node(i);
        if (findPluginCreator(node)) continue;
        Group group;
        if (!isDefaultDomain(node.domain())) {
            group.what = "op " + node.op_type() + " of domain '" + node.domain() + "'";
            group.hint = " (load a plugin library that provides it with --plugins)";
        } else if (!findImporter(node.op_type())) {
            group.what = "op " + node.op_type() + " (opset " + std::to_string(opset) + ")";
        } else {
            continue;
        }
        ++count;
        auto known =
            std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.what == group.what; });
        if (known == groups.end()) known = groups.insert(groups.end(), std::move(group));
        known->nodes.push_back("'" + names[i] + "'");
    }
    if (groups.empty()) return Status::ok();
    std::string list;
    for (const Group& group : groups) {
        list += (list.empty() ? "" : "; ") + group.what + " at ";
        list += group.nodes.size() == 1 ? "node " : std::to_string(group.nodes.size()) + " nodes: ";
        list += listedNames(group.nodes, kNamedNodes) + group.hint;
    }
    if (count == 1) return messageStatus(StatusCode::Unsupported, "onnx.unsupported_operator", {list});
    return messageStatus(StatusCode::Unsupported, "onnx.unsupported_operators",
                         {std::to_string(count), list});
}

// The ONNX checker, with the model's folder so it can see external data files. The checker reports by
// throwing; nothing it throws leaves this function.
Status runChecker(const onnx::ModelProto& model, const std::string& baseDirectory,
                  const std::string& source) {
    try {
        onnx::checker::CheckerContext context;
        context.set_ir_version(static_cast<int>(model.ir_version()));
        std::unordered_map<std::string, int> opsets;
        for (const auto& import : model.opset_import()) {
            opsets[isDefaultDomain(import.domain()) ? "" : import.domain()] =
                static_cast<int>(import.version());
        }
        context.set_opset_imports(opsets);
        context.set_model_dir(baseDirectory.empty() ? "." : baseDirectory);
        onnx::checker::LexicalScopeContext lexicalScope;
        onnx::checker::check_graph(model.graph(), context, lexicalScope);
    } catch (const std::exception& e) {
        return messageStatus(StatusCode::InvalidModel, "onnx.checker_rejected", {source, e.what()});
    } catch (...) {
        return invalidModel("the ONNX checker rejected " + source);
    }
    return Status::ok();
}

Result<OnnxInputInfo> describeInput(const onnx::ValueInfoProto& input, bool& hasShape) {
    const std::string what = "input '" + input.name() + "'";
    if (!input.type().has_tensor_type()) {
        return unsupported(what + " is not a tensor; sequence, map and optional inputs are not supported");
    }
    const auto& tensorType = input.type().tensor_type();
    OnnxInputInfo info;
    info.name = input.name();
    KILN_ASSIGN_OR_RETURN(info.type, dataTypeFromOnnx(tensorType.elem_type(), what));
    hasShape = tensorType.has_shape();
    for (const auto& dim : tensorType.shape().dim()) {
        if (dim.has_dim_value()) {
            // A negative or huge extent is malformed, not symbolic: say so rather than ask for --shapes.
            if (dim.dim_value() < 0 || dim.dim_value() > kMaxElementCount) {
                return invalidModel(what + " has dimension " + std::to_string(info.dims.size()) + " of " +
                                    std::to_string(dim.dim_value()) +
                                    "; extents must be between 0 and 2^40: fix the input's shape in the model");
            }
            info.dims.push_back(dim.dim_value());
            info.dimNames.emplace_back();
        } else {
            info.dims.push_back(-1);
            info.dimNames.push_back(dim.has_dim_param() ? dim.dim_param() : std::string());
        }
    }
    return info;
}

// "x:1x3x224x224": the model's dims with 1 for every unknown one, as an example for --shapes.
std::string shapeHint(const OnnxInputInfo& info) {
    Dims example;
    for (int64_t d : info.dims)
        example.push_back(d >= 0 ? d : 1);
    return info.name + ":" + (example.empty() ? std::string("1") : toString(example));
}

// Makes one input's dims concrete from the model and the caller's shapes.
Result<Dims> concreteInputDims(const onnx::ValueInfoProto& input, const OnnxInputInfo& info, bool hasShape,
                               const OnnxParseOptions& options) {
    auto given = options.inputShapes.find(info.name);
    if (given != options.inputShapes.end()) {
        const Dims& dims = given->second;
        if (hasShape) {
            if (dims.size() != info.dims.size()) {
                return invalidArgument("the shape given for input '" + info.name + "' (" + toString(dims) +
                                       ") has " + std::to_string(dims.size()) +
                                       " dimensions, but the model declares " +
                                       std::to_string(info.dims.size()));
            }
            for (size_t i = 0; i < dims.size(); ++i) {
                if (input.type().tensor_type().shape().dim(static_cast<int>(i)).has_dim_value() &&
                    dims[i] != info.dims[i]) {
                    return invalidArgument("the shape given for input '" + info.name + "' (" +
                                           toString(dims) + ") has " + std::to_string(dims[i]) +
                                           " in dimension " + std::to_string(i) +
                                           ", but the model fixes it to " + std::to_string(info.dims[i]));
                }
            }
        }
        KILN_RETURN_IF_ERROR(checkDims(dims, "the shape given for input '" + info.name + "'"));
        return dims;
    }
    if (!hasShape) {
        return invalidArgument("input '" + info.name +
                               "' has no shape in the model; give its shape with --shapes " + info.name +
                               ":DxDxD");
    }
    for (size_t i = 0; i < info.dims.size(); ++i) {
        if (input.type().tensor_type().shape().dim(static_cast<int>(i)).has_dim_value()) continue;
        const std::string symbol = info.dimNames[i].empty() ? "unknown" : "'" + info.dimNames[i] + "'";
        return invalidArgument("input '" + info.name + "' dimension " + std::to_string(i) + " is symbolic (" +
                               symbol + "); give its size with --shapes " + shapeHint(info));
    }
    Dims dims(info.dims.begin(), info.dims.end());
    KILN_RETURN_IF_ERROR(checkDims(dims, "input '" + info.name + "'"));
    return dims;
}

Status addInputs(NetworkDefinition& network, const onnx::GraphProto& graph, const OnnxParseOptions& options) {
    std::set<std::string> initializers;
    for (const auto& init : graph.initializer())
        initializers.insert(init.name());
    std::set<std::string> inputNames;
    for (const auto& input : graph.input()) {
        if (initializers.count(input.name())) continue;
        bool hasShape = false;
        KILN_ASSIGN_OR_RETURN(OnnxInputInfo info, describeInput(input, hasShape));
        inputNames.insert(info.name);
        if (auto value = options.inputValues.find(info.name); value != options.inputValues.end()) {
            if (value->second.type() != info.type) {
                return invalidArgument("the value given for input '" + info.name + "' is " +
                                       toString(value->second.type()) + "; the model declares " + toString(info.type));
            }
            KILN_RETURN_IF_ERROR(network.addConstant(info.name, value->second).status());
            continue;
        }
        KILN_ASSIGN_OR_RETURN(Dims dims, concreteInputDims(input, info, hasShape, options));
        KILN_RETURN_IF_ERROR(network.addInput(info.name, info.type, dims).status());
    }
    for (const auto& [name, value] : options.inputValues) {
        if (!inputNames.count(name)) {
            return invalidArgument("a value is given for '" + name + "', which is not an input of the model");
        }
    }
    for (const auto& [name, dims] : options.inputShapes) {
        if (inputNames.count(name)) continue;
        std::string known;
        for (const std::string& input : inputNames)
            known += (known.empty() ? "'" : ", '") + input + "'";
        return invalidArgument("a shape is given for '" + name +
                               "', which is not an input of the model (inputs: " +
                               (known.empty() ? std::string("none") : known) + ")");
    }
    return Status::ok();
}

Status addInitializers(NetworkDefinition& network, const onnx::GraphProto& graph,
                       const std::string& baseDirectory) {
    if (graph.sparse_initializer_size() > 0) {
        return unsupported("sparse initializer '" + graph.sparse_initializer(0).values().name() +
                           "' is not supported");
    }
    for (const auto& init : graph.initializer()) {
        KILN_ASSIGN_OR_RETURN(HostTensor tensor, tensorFromProto(init, baseDirectory));
        KILN_RETURN_IF_ERROR(network.addConstant(init.name(), std::move(tensor)).status());
    }
    return Status::ok();
}

// The checker refuses default-domain operators it does not know, and a plugin may import such an
// operator (one ONNX lacks, named like the plugin): those nodes are checked as nodes of a domain of their
// own, and put back as they were afterwards. So are the nodes of operators that changed after the
// newest opset the checker knows, in a model of a later opset: their importers check them.
Status runCheckerWithPluginNodes(onnx::ModelProto& model, int64_t opset, const std::string& baseDirectory,
                                 const std::string& source) {
    constexpr const char* kPluginDomain = "kiln.plugin";
    const int64_t known = checkerOpset();
    std::vector<onnx::NodeProto*> moved;
    for (onnx::NodeProto& node : *model.mutable_graph()->mutable_node()) {
        if (!isDefaultDomain(node.domain())) continue;
        const bool plugin = !findImporter(node.op_type()) && findPluginCreator(node);
        const auto changed = operatorsChangedAfterOpset17().find(node.op_type());
        const bool newer = changed != operatorsChangedAfterOpset17().end() && opset >= changed->second &&
                           known < changed->second;
        if (plugin || newer) moved.push_back(&node);
    }
    if (moved.empty()) return runChecker(model, baseDirectory, source);
    std::vector<std::string> domains;
    for (onnx::NodeProto* node : moved) {
        domains.push_back(node->domain());
        node->set_domain(kPluginDomain);
    }
    auto* import = model.add_opset_import();
    import->set_domain(kPluginDomain);
    import->set_version(1);
    const Status checked = runChecker(model, baseDirectory, source);
    model.mutable_opset_import()->RemoveLast();
    for (size_t i = 0; i < moved.size(); ++i)
        moved[i]->set_domain(domains[i]);
    return checked;
}

// Puts the nodes into `order` so the checker, which insists on topological order, sees a sorted graph.
void reorderNodes(onnx::GraphProto& graph, const std::vector<int>& order) {
    bool sorted = true;
    for (size_t i = 0; i < order.size(); ++i)
        sorted = sorted && order[i] == static_cast<int>(i);
    if (sorted) return;
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (int index : order)
        *nodes.Add() = graph.node(index);
    graph.mutable_node()->Swap(&nodes);
}

Result<NetworkDefinition> parseModel(const std::string& bytes, const std::string& baseDirectory,
                                     const OnnxParseOptions& options, const std::string& source) {
    KILN_ASSIGN_OR_RETURN(onnx::ModelProto model, parseModelProto(bytes, source));
    KILN_ASSIGN_OR_RETURN(int64_t opset, defaultOpset(model));
    onnx::GraphProto& graph = *model.mutable_graph();

    const std::vector<std::string> names = nodeNames(graph);
    KILN_ASSIGN_OR_RETURN(std::vector<int> order, sortNodes(graph, names));
    KILN_RETURN_IF_ERROR(findUnsupportedNodes(graph, names, opset));
    KILN_RETURN_IF_ERROR(refuseUnsignedQuantization(graph, names));

    NetworkDefinition network;
    network.setName(graph.name());
    KILN_RETURN_IF_ERROR(addInputs(network, graph, options));
    KILN_RETURN_IF_ERROR(addInitializers(network, graph, baseDirectory));

    std::vector<std::string> sortedNames;
    for (int index : order)
        sortedNames.push_back(names[index]);
    reorderNodes(graph, order);
    KILN_RETURN_IF_ERROR(runCheckerWithPluginNodes(model, opset, baseDirectory, source));

    std::set<std::string> reserved;
    for (const auto& node : graph.node()) {
        reserved.insert(node.output().begin(), node.output().end());
    }
    for (const auto& input : graph.input())
        reserved.insert(input.name());
    for (const auto& init : graph.initializer())
        reserved.insert(init.name());
    ImporterContext context(network, opset, baseDirectory, std::move(reserved));
    context.setShapeInputsFound(options.shapeInputsFound);

    for (int i = 0; i < graph.node_size(); ++i) {
        const onnx::NodeProto& node = graph.node(i);
        const std::string where = "node '" + sortedNames[i] + "' (op " + node.op_type() + ")";
        NodeContext nodeContext(context, node, sortedNames[i]);
        const auto pluginCreator = findPluginCreator(node);
        Status status = pluginCreator ? importPlugin(nodeContext, *pluginCreator)
                                      : findImporter(node.op_type())(nodeContext);
        if (!status.isOk()) return status.withContext(where);
        for (const std::string& output : node.output()) {
            if (!output.empty() && !network.findTensor(output)) {
                return internalError(where + ": the importer did not produce output '" + output + "'");
            }
        }
    }

    for (const auto& output : graph.output()) {
        Tensor* tensor = network.findTensor(output.name());
        if (!tensor) {
            return notFound("graph output '" + output.name() +
                            "' is not produced by any node, initializer or input");
        }
        KILN_RETURN_IF_ERROR(network.markOutput(tensor).withContext("graph output '" + output.name() + "'"));
    }
    KILN_RETURN_IF_ERROR(network.validate().withContext("the imported network is inconsistent"));
    if (options.logger) {
        options.logger->log(Severity::Info, "imported " + source + ": " + std::to_string(graph.node_size()) +
                                                " nodes (opset " + std::to_string(opset) + (model.producer_name().empty() ? "" : ", from " + model.producer_name()) +
                                                ") into " + std::to_string(network.layers().size()) + " layers");
    }
    return network;
}

Result<NetworkDefinition> parseModelLogged(const std::string& bytes, const std::string& baseDirectory,
                                           const OnnxParseOptions& options, const std::string& source) {
    Result<NetworkDefinition> network = parseModel(bytes, baseDirectory, options, source);
    if (!network && options.logger) options.logger->log(Severity::Error, "importing " + source + " failed: " + network.status().message());
    return network;
}

}  // namespace

Result<NetworkDefinition> parseOnnxFile(const std::string& path, const OnnxParseOptions& options) {
    Result<std::string> bytes = readWholeFile(path);
    if (!bytes) {
        if (options.logger) options.logger->log(Severity::Error, "importing '" + path + "' failed: " + bytes.status().message());
        return bytes.status();
    }
    return parseModelLogged(*bytes, folderOf(path), options, "'" + path + "'");
}

Result<AssumedShapesImport> parseOnnxFileAssumingShapes(const std::string& path, const OnnxParseOptions& options) {
    KILN_ASSIGN_OR_RETURN(std::vector<OnnxInputInfo> inputs, readOnnxInputs(path));
    AssumedShapesImport result{NetworkDefinition(), options.inputShapes, {}};
    std::vector<const OnnxInputInfo*> unsized;
    for (const OnnxInputInfo& input : inputs) {
        const bool symbolic = std::any_of(input.dims.begin(), input.dims.end(), [](int64_t d) { return d < 0; });
        if (symbolic && !options.inputShapes.count(input.name)) {
            unsized.push_back(&input);
            result.assumedInputs.push_back(input.name);
        }
    }
    if (unsized.empty()) {
        KILN_ASSIGN_OR_RETURN(result.network, parseOnnxFile(path, options));
        return result;
    }
    std::optional<Status> firstFailure;
    for (const int64_t size : {int64_t(1), int64_t(32), int64_t(224)}) {
        OnnxParseOptions tried = options;
        tried.logger = nullptr;  // a size that does not fit is no error of the import; the outcome is logged below
        for (const OnnxInputInfo* input : unsized) {
            Dims dims = input->dims;
            for (int64_t& extent : dims) extent = extent < 0 ? size : extent;
            tried.inputShapes[input->name] = dims;
        }
        Result<NetworkDefinition> parsed = parseOnnxFile(path, tried);
        if (parsed) {
            result.network = std::move(parsed).value();
            result.inputShapes = tried.inputShapes;
            if (options.logger) {
                options.logger->log(Severity::Info, "imported '" + path + "' with its symbolic dimensions at " +
                                                        std::to_string(size) + " (" + std::to_string(result.network.layers().size()) +
                                                        " layers)");
            }
            return result;
        }
        if (!firstFailure) firstFailure = parsed.status();
    }
    if (options.logger) options.logger->log(Severity::Error, "importing '" + path + "' failed: " + firstFailure->message());
    return *firstFailure;
}

Result<NetworkDefinition> parseOnnxBytes(const std::string& bytes, const std::string& baseDirectory,
                                         const OnnxParseOptions& options) {
    return parseModelLogged(bytes, baseDirectory, options, "the model");
}

namespace {

// The operands whose values decide an output's shape (or axes), by op: what the importers read as
// constants (NodeContext::constantInts) and a shape tensor may therefore feed.
const std::map<std::string, std::vector<int>>& shapeOperands() {
    static const std::map<std::string, std::vector<int>> operands = {
        {"Reshape", {1}},  {"Expand", {1}},    {"Tile", {1}},      {"Slice", {1, 2, 3, 4}},
        {"Pad", {1}},      {"Resize", {3}},    {"Squeeze", {1}},   {"Unsqueeze", {1}},
        {"Split", {1}},    {"ConstantOfShape", {0}}, {"Range", {0, 1, 2}},
    };
    return operands;
}

// The names of the graph values that some shape operand reads, directly or through other nodes
// (Shape and Size read only their input's shape, so the walk stops there).
std::set<std::string> valuesDecidingShapes(const onnx::GraphProto& graph) {
    std::map<std::string, const onnx::NodeProto*> producers;
    for (const auto& node : graph.node()) {
        for (const std::string& output : node.output()) producers[output] = &node;
    }
    std::set<std::string> seen;
    std::vector<std::string> pending;
    for (const auto& node : graph.node()) {
        const bool reduction = node.op_type().rfind("Reduce", 0) == 0;
        auto operands = shapeOperands().find(node.op_type());
        if (operands == shapeOperands().end() && !reduction) continue;
        const std::vector<int> indices = reduction ? std::vector<int>{1} : operands->second;
        for (int index : indices) {
            if (index < node.input_size() && !node.input(index).empty()) pending.push_back(node.input(index));
        }
    }
    while (!pending.empty()) {
        const std::string name = std::move(pending.back());
        pending.pop_back();
        if (!seen.insert(name).second) continue;
        auto producer = producers.find(name);
        if (producer == producers.end()) continue;
        const onnx::NodeProto& node = *producer->second;
        if (node.op_type() == "Shape" || node.op_type() == "Size") continue;
        for (const std::string& input : node.input()) {
            if (!input.empty()) pending.push_back(input);
        }
    }
    return seen;
}

Result<std::vector<OnnxInputInfo>> graphInputs(const onnx::ModelProto& model) {
    std::set<std::string> initializers;
    for (const auto& init : model.graph().initializer())
        initializers.insert(init.name());
    const std::set<std::string> decidingShapes = valuesDecidingShapes(model.graph());
    std::vector<OnnxInputInfo> inputs;
    for (const auto& input : model.graph().input()) {
        if (initializers.count(input.name())) continue;
        bool hasShape = false;
        KILN_ASSIGN_OR_RETURN(OnnxInputInfo info, describeInput(input, hasShape));
        // As TensorRT's shape tensors: integers, rank 0 or 1, of fixed size.
        info.isShapeTensor = decidingShapes.count(info.name) && hasShape &&
                             (info.type == DataType::Int64 || info.type == DataType::Int32) && info.dims.size() <= 1 &&
                             std::none_of(info.dims.begin(), info.dims.end(), [](int64_t d) { return d < 0; });
        inputs.push_back(std::move(info));
    }
    return inputs;
}

// A shape tensor's values as the constant an import takes in its place (OnnxParseOptions::inputValues).
Result<HostTensor> valuesTensor(const SourceInput& input, const std::vector<int64_t>& values) {
    return integerTensor(input.type, input.dims, values).withContext("shape tensor '" + input.name + "'");
}

// An ONNX model kept as bytes, imported again for each set of input shapes.
class OnnxNetworkSource final : public NetworkSource {
public:
    OnnxNetworkSource(std::string bytes, std::vector<SourceInput> inputs)
        : m_bytes(std::move(bytes)), m_inputs(std::move(inputs)) {}
    std::string kind() const override { return "onnx"; }
    const std::string& bytes() const override { return m_bytes; }
    const std::vector<SourceInput>& inputs() const override { return m_inputs; }
    Result<NetworkDefinition> instantiate(const std::map<std::string, Dims>& shapes) const override {
        OnnxParseOptions options;
        for (const auto& [name, dims] : shapes) {
            auto input = std::find_if(m_inputs.begin(), m_inputs.end(), [&name = name](const SourceInput& in) { return in.name == name; });
            if (input != m_inputs.end() && input->isShapeTensor) {
                KILN_ASSIGN_OR_RETURN(options.inputValues[name], valuesTensor(*input, dims));
            } else {
                options.inputShapes[name] = dims;
            }
        }
        return parseModel(m_bytes, "", options, "the model");
    }

private:
    std::string m_bytes;
    std::vector<SourceInput> m_inputs;
};

// The largest model protobuf serializes (2 GiB less a margin for the message's own fields).
constexpr uint64_t kLargestInlineModel = (uint64_t(1) << 31) - (uint64_t(1) << 20);

// Calls visit(tensor) for every tensor of `graph` and its subgraphs: initializers and node attributes.
template <typename Visit>
Status forEachTensor(onnx::GraphProto& graph, Visit& visit) {
    for (onnx::TensorProto& tensor : *graph.mutable_initializer()) KILN_RETURN_IF_ERROR(visit(tensor));
    for (onnx::NodeProto& node : *graph.mutable_node()) {
        for (onnx::AttributeProto& attribute : *node.mutable_attribute()) {
            if (attribute.has_t()) KILN_RETURN_IF_ERROR(visit(*attribute.mutable_t()));
            for (onnx::TensorProto& tensor : *attribute.mutable_tensors()) KILN_RETURN_IF_ERROR(visit(tensor));
            if (attribute.has_g()) KILN_RETURN_IF_ERROR(forEachTensor(*attribute.mutable_g(), visit));
            for (onnx::GraphProto& subgraph : *attribute.mutable_graphs()) KILN_RETURN_IF_ERROR(forEachTensor(subgraph, visit));
        }
    }
    return Status::ok();
}

// Moves the data of every tensor kept in an external data file into the model (as raw data), so that its
// bytes alone make it whole: a plan with dynamic shapes keeps those bytes and imports them again at each
// shape, wherever the plan is loaded. The files are read with the same checks as an import. Returns
// whether anything moved.
Result<bool> inlineExternalData(onnx::ModelProto& model, const std::string& baseDirectory, const std::string& source) {
    bool moved = false;
    auto visit = [&](onnx::TensorProto& tensor) -> Status {
        if (tensor.data_location() != onnx::TensorProto::EXTERNAL) return Status::ok();
        KILN_ASSIGN_OR_RETURN(HostTensor data, onnx_import::tensorFromProto(tensor, baseDirectory).withContext(source));
        tensor.clear_external_data();
        tensor.set_data_location(onnx::TensorProto::DEFAULT);
        tensor.set_raw_data(reinterpret_cast<const char*>(data.bytes()), data.byteSize());
        moved = true;
        if (model.ByteSizeLong() > kLargestInlineModel) {
            return unsupported(source + " with the data of its external files is larger than the 2 GiB a model can "
                               "hold in one piece, and a plan with dynamic shapes keeps the model whole: build it "
                               "for fixed shapes with --shapes");
        }
        return Status::ok();
    };
    KILN_RETURN_IF_ERROR(forEachTensor(*model.mutable_graph(), visit));
    return moved;
}

// `baseDirectory`: where the model's external data files are, or empty where the model must be whole (a
// plan's copy of it).
Result<std::shared_ptr<const NetworkSource>> makeOnnxSource(std::string bytes, const std::string& source,
                                                          const std::optional<std::string>& baseDirectory) {
    KILN_ASSIGN_OR_RETURN(onnx::ModelProto model, parseModelProto(bytes, source));
    if (baseDirectory) {
        KILN_ASSIGN_OR_RETURN(const bool moved, inlineExternalData(model, *baseDirectory, source));
        if (moved && !model.SerializeToString(&bytes)) {
            return internalError(source + ": the model with its external data inlined could not be serialized");
        }
    } else {
        bool external = false;
        auto visit = [&](onnx::TensorProto& tensor) {
            external = external || tensor.data_location() == onnx::TensorProto::EXTERNAL;
            return Status::ok();
        };
        KILN_RETURN_IF_ERROR(forEachTensor(*model.mutable_graph(), visit));
        if (external) {
            return invalidModel(source + " refers to external data files, which a plan never does: the plan is "
                                "damaged; build it again");
        }
    }
    KILN_ASSIGN_OR_RETURN(std::vector<OnnxInputInfo> infos, graphInputs(model));
    std::vector<SourceInput> inputs;
    for (OnnxInputInfo& info : infos) inputs.push_back({info.name, info.type, info.dims, info.dimNames, info.isShapeTensor});
    return std::shared_ptr<const NetworkSource>(std::make_shared<OnnxNetworkSource>(std::move(bytes), std::move(inputs)));
}

// Plans with dynamic shapes load wherever this file is linked (every program that parses ONNX).
const bool kReaderRegistered = [] {
    registerOnnxSourceReader();
    return true;
}();

}  // namespace

void registerOnnxSourceReader() {
    registerNetworkSourceReader("onnx", [](const std::string& bytes) {
        return makeOnnxSource(bytes, "the plan's ONNX model", std::nullopt);
    });
}

std::vector<std::string> declaredExtents(const OnnxInputInfo& input) {
    std::vector<std::string> extents;
    for (size_t axis = 0; axis < input.dims.size(); ++axis) {
        if (input.dims[axis] >= 0) {
            extents.push_back(std::to_string(input.dims[axis]));
        } else if (axis < input.dimNames.size() && !input.dimNames[axis].empty()) {
            extents.push_back(input.dimNames[axis]);
        } else {
            extents.push_back("?");
        }
    }
    return extents;
}

Result<HostTensor> shapeTensorValue(const OnnxInputInfo& input, const std::vector<int64_t>& values) {
    return valuesTensor({input.name, input.type, input.dims, input.dimNames, true}, values);
}

Result<std::vector<OnnxInputInfo>> readOnnxInputs(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    KILN_ASSIGN_OR_RETURN(onnx::ModelProto model, parseModelProto(bytes, "'" + path + "'"));
    return graphInputs(model);
}

Result<std::shared_ptr<const NetworkSource>> onnxNetworkSource(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    return makeOnnxSource(std::move(bytes), "'" + path + "'", folderOf(path));
}

Result<HostTensor> readOnnxTensorFile(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    onnx::TensorProto proto;
    if (bytes.empty() || !proto.ParseFromString(bytes)) {
        return invalidModel("'" + path + "' is not a serialized ONNX tensor (TensorProto)");
    }
    auto tensor = tensorFromProto(proto, folderOf(path));
    if (!tensor.isOk()) return tensor.status().withContext("'" + path + "'");
    return tensor;
}

}  // namespace kiln
