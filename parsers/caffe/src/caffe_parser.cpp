// The Caffe import pipeline: read the prototxt (text) and the caffemodel (binary), bring V1 layers to
// the current form, keep the layers of the TEST phase, declare the inputs, list every unsupported layer
// type at once, give every blob version its own tensor name (in-place layers write a blob again), find
// each layer's weights by name, then import the layers in order through the importer table and mark the
// blobs that nothing reads as the network's outputs.
#include "kiln/caffe_parser.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>

#include "caffe.pb.h"
#include "kiln/file_reading.h"
#include "layer_context.h"
#include "layer_importers.h"

namespace kiln {

namespace {

using namespace caffe_import;

using BlobList = google::protobuf::RepeatedPtrField<caffe::BlobProto>;

// A protobuf message cannot exceed 2 GiB.
constexpr uint64_t kLargestFile = uint64_t(INT32_MAX);
constexpr int kTextNestingLimit = 32;

// Collects the first syntax error of a prototxt with its position (the tokenizer counts from 0).
class TextErrors : public google::protobuf::io::ErrorCollector {
public:
    void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
        if (m_message.empty()) {
            m_message = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " +
                        message;
        }
    }
    void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
    const std::string& message() const { return m_message; }

private:
    std::string m_message;
};

// `source` is how messages name the file: "'deploy.prototxt'" or "the prototxt".
Result<caffe::NetParameter> parsePrototxt(const std::string& text, const std::string& source) {
    caffe::NetParameter net;
    TextErrors errors;
    google::protobuf::TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    // Deploy files carry training settings (fillers, learning rates, data sources) that inference does not
    // read and this schema leaves out.
    parser.AllowUnknownField(true);
    parser.AllowUnknownExtension(true);
    // Caffe's messages nest a few levels deep; a deeper text is hostile and would exhaust the stack.
    parser.SetRecursionLimit(kTextNestingLimit);
    if (!parser.ParseFromString(text, &net)) {
        return invalidModel(source + " is not a valid Caffe prototxt: " +
                            (errors.message().empty() ? std::string("it does not parse") : errors.message()) +
                            "; fix the text there");
    }
    return net;
}

Result<caffe::NetParameter> parseCaffemodel(const std::string& bytes, const std::string& source) {
    if (bytes.empty()) return invalidModel(source + " is not a valid caffemodel: it is empty");
    caffe::NetParameter net;
    if (!net.ParseFromString(bytes)) {
        return invalidModel(
            source +
            " is not a valid caffemodel: its bytes do not decode as a Caffe NetParameter (the "
            "file may be truncated, or be a prototxt: the weights are the binary .caffemodel)");
    }
    return net;
}

// The current type name of a V1 layer type (Caffe's UpgradeV1LayerType).
std::string v1TypeName(caffe::V1LayerParameter::LayerType type) {
    static const std::map<caffe::V1LayerParameter::LayerType, std::string> names = {
        {caffe::V1LayerParameter::ABSVAL, "AbsVal"},
        {caffe::V1LayerParameter::ACCURACY, "Accuracy"},
        {caffe::V1LayerParameter::ARGMAX, "ArgMax"},
        {caffe::V1LayerParameter::BNLL, "BNLL"},
        {caffe::V1LayerParameter::CONCAT, "Concat"},
        {caffe::V1LayerParameter::CONTRASTIVE_LOSS, "ContrastiveLoss"},
        {caffe::V1LayerParameter::CONVOLUTION, "Convolution"},
        {caffe::V1LayerParameter::DATA, "Data"},
        {caffe::V1LayerParameter::DECONVOLUTION, "Deconvolution"},
        {caffe::V1LayerParameter::DROPOUT, "Dropout"},
        {caffe::V1LayerParameter::DUMMY_DATA, "DummyData"},
        {caffe::V1LayerParameter::EUCLIDEAN_LOSS, "EuclideanLoss"},
        {caffe::V1LayerParameter::ELTWISE, "Eltwise"},
        {caffe::V1LayerParameter::EXP, "Exp"},
        {caffe::V1LayerParameter::FLATTEN, "Flatten"},
        {caffe::V1LayerParameter::HDF5_DATA, "HDF5Data"},
        {caffe::V1LayerParameter::HDF5_OUTPUT, "HDF5Output"},
        {caffe::V1LayerParameter::HINGE_LOSS, "HingeLoss"},
        {caffe::V1LayerParameter::IM2COL, "Im2col"},
        {caffe::V1LayerParameter::IMAGE_DATA, "ImageData"},
        {caffe::V1LayerParameter::INFOGAIN_LOSS, "InfogainLoss"},
        {caffe::V1LayerParameter::INNER_PRODUCT, "InnerProduct"},
        {caffe::V1LayerParameter::LRN, "LRN"},
        {caffe::V1LayerParameter::MEMORY_DATA, "MemoryData"},
        {caffe::V1LayerParameter::MULTINOMIAL_LOGISTIC_LOSS, "MultinomialLogisticLoss"},
        {caffe::V1LayerParameter::MVN, "MVN"},
        {caffe::V1LayerParameter::POOLING, "Pooling"},
        {caffe::V1LayerParameter::POWER, "Power"},
        {caffe::V1LayerParameter::RELU, "ReLU"},
        {caffe::V1LayerParameter::SIGMOID, "Sigmoid"},
        {caffe::V1LayerParameter::SIGMOID_CROSS_ENTROPY_LOSS, "SigmoidCrossEntropyLoss"},
        {caffe::V1LayerParameter::SILENCE, "Silence"},
        {caffe::V1LayerParameter::SOFTMAX, "Softmax"},
        {caffe::V1LayerParameter::SOFTMAX_LOSS, "SoftmaxWithLoss"},
        {caffe::V1LayerParameter::SPLIT, "Split"},
        {caffe::V1LayerParameter::SLICE, "Slice"},
        {caffe::V1LayerParameter::TANH, "TanH"},
        {caffe::V1LayerParameter::WINDOW_DATA, "WindowData"},
        {caffe::V1LayerParameter::THRESHOLD, "Threshold"},
    };
    auto it = names.find(type);
    return it == names.end() ? "V1 type " + std::to_string(static_cast<int>(type)) : it->second;
}

// The V1 layer in the current form; its blobs move (a V1 caffemodel's weights are not copied).
caffe::LayerParameter upgradeV1Layer(caffe::V1LayerParameter& v1) {
    caffe::LayerParameter layer;
    layer.set_name(v1.name());
    layer.set_type(v1TypeName(v1.type()));
    *layer.mutable_bottom() = v1.bottom();
    *layer.mutable_top() = v1.top();
    *layer.mutable_include() = v1.include();
    *layer.mutable_exclude() = v1.exclude();
    layer.mutable_blobs()->Swap(v1.mutable_blobs());
    if (v1.has_concat_param()) *layer.mutable_concat_param() = v1.concat_param();
    if (v1.has_convolution_param()) *layer.mutable_convolution_param() = v1.convolution_param();
    if (v1.has_dropout_param()) *layer.mutable_dropout_param() = v1.dropout_param();
    if (v1.has_eltwise_param()) *layer.mutable_eltwise_param() = v1.eltwise_param();
    if (v1.has_inner_product_param()) *layer.mutable_inner_product_param() = v1.inner_product_param();
    if (v1.has_lrn_param()) *layer.mutable_lrn_param() = v1.lrn_param();
    if (v1.has_pooling_param()) *layer.mutable_pooling_param() = v1.pooling_param();
    if (v1.has_power_param()) *layer.mutable_power_param() = v1.power_param();
    if (v1.has_relu_param()) *layer.mutable_relu_param() = v1.relu_param();
    if (v1.has_softmax_param()) *layer.mutable_softmax_param() = v1.softmax_param();
    if (v1.has_slice_param()) *layer.mutable_slice_param() = v1.slice_param();
    return layer;
}

// Moves V1 layers (NetParameter.layers) into the current list; a net gives one form or the other.
Status upgradeV1Layers(caffe::NetParameter& net, const std::string& source) {
    if (net.layers_size() == 0) return Status::ok();
    if (net.layer_size() > 0) {
        return invalidModel(source +
                            " has layers in both the current form ('layer') and the V1 form ('layers'); "
                            "write every layer in one form");
    }
    for (caffe::V1LayerParameter& v1 : *net.mutable_layers())
        *net.add_layer() = upgradeV1Layer(v1);
    net.clear_layers();
    return Status::ok();
}

// Whether a layer belongs to the TEST phase (the one inference runs), by its include and exclude rules.
bool inTestPhase(const caffe::LayerParameter& layer) {
    auto matches = [](const caffe::NetStateRule& rule) {
        return !rule.has_phase() || rule.phase() == caffe::TEST;
    };
    if (std::any_of(layer.exclude().begin(), layer.exclude().end(), matches)) return false;
    return layer.include_size() == 0 || std::any_of(layer.include().begin(), layer.include().end(), matches);
}

std::string describeLayer(const caffe::LayerParameter& layer) {
    return "layer '" + layer.name() + "' (type " + layer.type() + ")";
}

// The net's layers of the TEST phase, each with a name (a nameless one gets "<type>_<index>").
std::vector<const caffe::LayerParameter*> testLayers(caffe::NetParameter& net) {
    std::vector<const caffe::LayerParameter*> layers;
    for (int i = 0; i < net.layer_size(); ++i) {
        caffe::LayerParameter* layer = net.mutable_layer(i);
        if (layer->name().empty()) layer->set_name(layer->type() + "_" + std::to_string(i));
        if (inTestPhase(*layer)) layers.push_back(layer);
    }
    return layers;
}

Result<std::vector<CaffeInputInfo>> declaredInputs(const caffe::NetParameter& net,
                                                   const std::vector<const caffe::LayerParameter*>& layers,
                                                   const std::string& source) {
    std::vector<CaffeInputInfo> inputs;
    const int count = net.input_size();
    if (net.input_shape_size() > 0 && net.input_dim_size() > 0) {
        return invalidModel(source + " gives both input_shape and input_dim; give the input shapes one way");
    }
    if (count > 0 && net.input_shape_size() != count && net.input_dim_size() != 4 * count) {
        return invalidModel(
            source + " declares " + std::to_string(count) + " input" + (count == 1 ? "" : "s") + " but " +
            std::to_string(net.input_shape_size()) + " input_shape and " +
            std::to_string(net.input_dim_size()) +
            " input_dim entries; give one input_shape per input (or four input_dim values per input)");
    }
    if (count == 0 && (net.input_shape_size() > 0 || net.input_dim_size() > 0)) {
        return invalidModel(
            source + " gives input_shape or input_dim without naming the input; add 'input: \"data\"'");
    }
    for (int i = 0; i < count; ++i) {
        CaffeInputInfo input{net.input(i), {}};
        if (net.input_shape_size() > 0) {
            input.dims.assign(net.input_shape(i).dim().begin(), net.input_shape(i).dim().end());
        } else {
            input.dims.assign(net.input_dim().begin() + 4 * i, net.input_dim().begin() + 4 * i + 4);
        }
        inputs.push_back(std::move(input));
    }
    for (const caffe::LayerParameter* layer : layers) {
        if (layer->type() != "Input") continue;
        const auto& shapes = layer->input_param().shape();
        if (layer->top_size() == 0 || (shapes.size() != 1 && shapes.size() != layer->top_size())) {
            return invalidModel(source + ": " + describeLayer(*layer) + " has " +
                                std::to_string(layer->top_size()) + " tops and " +
                                std::to_string(shapes.size()) +
                                " input_param shapes; give one shape, or one per top");
        }
        for (int t = 0; t < layer->top_size(); ++t) {
            const caffe::BlobShape& shape = shapes.Get(shapes.size() == 1 ? 0 : t);
            inputs.push_back({layer->top(t), Dims(shape.dim().begin(), shape.dim().end())});
        }
    }
    std::set<std::string> seen;
    for (const CaffeInputInfo& input : inputs) {
        if (input.name.empty()) return invalidModel(source + " declares an input without a name");
        if (!seen.insert(input.name).second) {
            return invalidModel(source + " declares input '" + input.name + "' twice");
        }
        KILN_RETURN_IF_ERROR(checkDims(input.dims, source + ": input '" + input.name + "'"));
    }
    return inputs;
}

Status findUnsupportedLayers(const std::vector<const caffe::LayerParameter*>& layers,
                             const std::string& source) {
    std::vector<std::string> found;
    for (const caffe::LayerParameter* layer : layers) {
        if (layer->type() != "Input" && !findImporter(layer->type()) && !findPluginCreator(layer->type())) {
            found.push_back(describeLayer(*layer));
        }
    }
    if (found.empty()) return Status::ok();
    std::string list;
    for (size_t i = 0; i < found.size(); ++i)
        list += (i ? ", " : "") + found[i];
    return unsupported(source + " has " + std::to_string(found.size()) + " layer" +
                       (found.size() == 1 ? "" : "s") + " of types Kiln does not support: " + list +
                       " (a plugin library that provides a type can be loaded with --plugins)");
}

// How each layer reads and writes: the tensor name of every bottom and top. A blob written again (an
// in-place layer) gets a new tensor each time; its last version keeps the blob's name, earlier ones are
// named "blob/layer". A BatchNorm whose only reader is a foldable Scale writes the Scale's top itself.
struct Wiring {
    std::vector<std::vector<std::string>> bottoms;
    std::vector<std::vector<std::string>> tops;
    std::map<size_t, size_t> foldedScales;  // BatchNorm index -> Scale index
    std::set<size_t> skipped;               // Input layers and folded Scales
    std::vector<std::string> outputs;       // tensors nothing reads, in the order they are written
};

Result<Wiring> wire(const std::vector<const caffe::LayerParameter*>& layers,
                    const std::vector<CaffeInputInfo>& inputs, std::set<std::string>& reserved,
                    const std::string& source) {
    std::map<std::string, size_t> lastWriter;
    for (size_t i = 0; i < layers.size(); ++i) {
        for (const std::string& top : layers[i]->top())
            lastWriter[top] = i;
    }
    std::set<std::string> taken;
    auto fresh = [&](const std::string& base) {
        std::string name = base;
        for (int suffix = 2; reserved.count(name) || taken.count(name); ++suffix)
            name = base + "_" + std::to_string(suffix);
        taken.insert(name);
        return name;
    };

    Wiring wiring;
    wiring.bottoms.resize(layers.size());
    wiring.tops.resize(layers.size());
    std::map<std::string, std::string> current;  // blob -> tensor of its latest version
    std::map<std::string, std::vector<size_t>> readers;
    for (const CaffeInputInfo& input : inputs) {
        current[input.name] = input.name;
        taken.insert(input.name);
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        const caffe::LayerParameter& layer = *layers[i];
        if (layer.type() == "Input") {
            wiring.skipped.insert(i);
            continue;
        }
        for (const std::string& bottom : layer.bottom()) {
            auto it = current.find(bottom);
            if (it == current.end()) {
                return invalidModel(
                    source + ": " + describeLayer(layer) + " reads bottom '" + bottom +
                    "', which no input or earlier layer produces; declare it as an input or fix the name");
            }
            wiring.bottoms[i].push_back(it->second);
            readers[it->second].push_back(i);
        }
        for (const std::string& top : layer.top()) {
            if (top.empty())
                return invalidModel(source + ": " + describeLayer(layer) + " has a top without a name");
            const bool last = lastWriter.at(top) == i;
            const std::string name = last && !taken.count(top) ? top : fresh(top + "/" + layer.name());
            taken.insert(name);
            reserved.insert(name);
            current[top] = name;
            wiring.tops[i].push_back(name);
        }
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        if (layers[i]->type() != "BatchNorm" || wiring.tops[i].size() != 1) continue;
        auto bnReaders = readers.find(wiring.tops[i][0]);
        if (bnReaders == readers.end() || bnReaders->second.size() != 1 ||
            !scaleFoldsIntoBatchNorm(*layers[bnReaders->second[0]])) {
            continue;
        }
        const size_t scale = bnReaders->second[0];
        wiring.foldedScales[i] = scale;
        wiring.skipped.insert(scale);
        wiring.tops[i] = wiring.tops[scale];
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        if (wiring.skipped.count(i)) continue;
        for (const std::string& tensor : wiring.tops[i]) {
            if (!readers.count(tensor)) wiring.outputs.push_back(tensor);
        }
    }
    return wiring;
}

// The weights of every layer of the caffemodel that has any, by layer name (the first of a name wins).
std::map<std::string, const BlobList*> weightsByLayer(const caffe::NetParameter& weights) {
    std::map<std::string, const BlobList*> found;
    for (const caffe::LayerParameter& layer : weights.layer()) {
        if (layer.blobs_size() > 0) found.emplace(layer.name(), &layer.blobs());
    }
    return found;
}

Status addInputs(NetworkDefinition& network, const std::vector<CaffeInputInfo>& inputs,
                 const CaffeParseOptions& options) {
    std::set<std::string> names;
    for (const CaffeInputInfo& input : inputs) {
        names.insert(input.name);
        Dims dims = input.dims;
        if (auto given = options.inputShapes.find(input.name); given != options.inputShapes.end()) {
            if (given->second.size() != dims.size()) {
                return invalidArgument("the shape given for input '" + input.name + "' (" +
                                       toString(given->second) + ") has " +
                                       std::to_string(given->second.size()) +
                                       " dimensions; the prototxt declares " + toString(dims));
            }
            KILN_RETURN_IF_ERROR(checkDims(given->second, "the shape given for input '" + input.name + "'"));
            dims = given->second;
        }
        KILN_RETURN_IF_ERROR(network.addInput(input.name, DataType::Float32, dims).status());
    }
    for (const auto& [name, dims] : options.inputShapes) {
        if (names.count(name)) continue;
        std::string known;
        for (const std::string& input : names)
            known += (known.empty() ? "'" : ", '") + input + "'";
        return invalidArgument("a shape is given for '" + name +
                               "', which is not an input of the net (inputs: " +
                               (known.empty() ? std::string("none") : known) + ")");
    }
    return Status::ok();
}

Result<NetworkDefinition> importNet(caffe::NetParameter& net, caffe::NetParameter& weights,
                                    const CaffeParseOptions& options, const std::string& prototxtSource,
                                    const std::string& weightsSource) {
    KILN_RETURN_IF_ERROR(upgradeV1Layers(net, prototxtSource));
    KILN_RETURN_IF_ERROR(upgradeV1Layers(weights, weightsSource));
    const std::vector<const caffe::LayerParameter*> layers = testLayers(net);
    KILN_ASSIGN_OR_RETURN(std::vector<CaffeInputInfo> inputs, declaredInputs(net, layers, prototxtSource));
    KILN_RETURN_IF_ERROR(findUnsupportedLayers(layers, prototxtSource));
    std::set<std::string> reserved;
    for (const caffe::LayerParameter* layer : layers) {
        reserved.insert(layer->bottom().begin(), layer->bottom().end());
        reserved.insert(layer->top().begin(), layer->top().end());
    }
    KILN_ASSIGN_OR_RETURN(Wiring wiring, wire(layers, inputs, reserved, prototxtSource));
    if (wiring.outputs.empty()) {
        return invalidModel(prototxtSource +
                            " has no layer whose top is left for the output; a deploy net ends in layers "
                            "whose tops nothing reads");
    }
    const std::map<std::string, const BlobList*> blobs = weightsByLayer(weights);

    NetworkDefinition network;
    network.setName(net.name());
    KILN_RETURN_IF_ERROR(addInputs(network, inputs, options));
    ImportContext context(network, reserved);
    for (size_t i = 0; i < layers.size(); ++i) {
        if (wiring.skipped.count(i)) continue;
        const caffe::LayerParameter& layer = *layers[i];
        std::vector<Tensor*> bottoms;
        for (const std::string& name : wiring.bottoms[i]) {
            Tensor* tensor = network.findTensor(name);
            if (!tensor)
                return internalError(describeLayer(layer) + ": bottom '" + name +
                                     "' was not imported before it");
            bottoms.push_back(tensor);
        }
        auto lookup = [&](const caffe::LayerParameter& of) -> const BlobList* {
            auto it = blobs.find(of.name());
            if (it != blobs.end()) return it->second;
            return of.blobs_size() > 0 ? &of.blobs() : nullptr;
        };
        FoldedScale folded;
        if (auto scale = wiring.foldedScales.find(i); scale != wiring.foldedScales.end()) {
            folded.layer = layers[scale->second];
            folded.blobs = lookup(*folded.layer);
        }
        LayerContext layerContext(context, layer, std::move(bottoms), wiring.tops[i], lookup(layer), folded);
        const std::string where = prototxtSource + ": " + describeLayer(layer);
        const auto pluginCreator = findPluginCreator(layer.type());
        Status status = pluginCreator ? importPlugin(layerContext, *pluginCreator)
                                      : findImporter(layer.type())(layerContext);
        if (!status.isOk()) return status.withContext(where);
        for (const std::string& top : wiring.tops[i]) {
            if (!network.findTensor(top))
                return internalError(where + ": the importer did not produce top '" + top + "'");
        }
    }
    for (const std::string& output : wiring.outputs) {
        KILN_RETURN_IF_ERROR(
            network.markOutput(network.findTensor(output)).withContext("output '" + output + "'"));
    }
    KILN_RETURN_IF_ERROR(network.validate().withContext("the imported network is inconsistent"));
    return network;
}

Result<NetworkDefinition> parseLogged(const std::string& text, const std::string& bytes,
                                      const CaffeParseOptions& options, const std::string& prototxtSource,
                                      const std::string& weightsSource) {
    Result<NetworkDefinition> network = [&]() -> Result<NetworkDefinition> {
        KILN_ASSIGN_OR_RETURN(caffe::NetParameter net, parsePrototxt(text, prototxtSource));
        KILN_ASSIGN_OR_RETURN(caffe::NetParameter weights, parseCaffemodel(bytes, weightsSource));
        return importNet(net, weights, options, prototxtSource, weightsSource);
    }();
    if (options.logger) {
        if (network) {
            options.logger->log(Severity::Info, "imported " + prototxtSource + " with " + weightsSource +
                                                    " into " + std::to_string(network->layers().size()) +
                                                    " layers");
        } else {
            options.logger->log(Severity::Error,
                                "importing " + prototxtSource + " failed: " + network.status().message());
        }
    }
    return network;
}

}  // namespace

Result<NetworkDefinition> parseCaffeFiles(const std::string& prototxt, const std::string& caffemodel,
                                          const CaffeParseOptions& options) {
    Result<std::string> text = readRegularFile(prototxt, "the prototxt", kLargestFile);
    Result<std::string> bytes = text ? readRegularFile(caffemodel, "the caffemodel", kLargestFile) : text;
    if (!bytes) {
        if (options.logger)
            options.logger->log(Severity::Error,
                                "importing '" + prototxt + "' failed: " + bytes.status().message());
        return bytes.status();
    }
    return parseLogged(*text, *bytes, options, "'" + prototxt + "'", "'" + caffemodel + "'");
}

Result<NetworkDefinition> parseCaffeBytes(const std::string& prototxtText, const std::string& caffemodelBytes,
                                          const CaffeParseOptions& options) {
    return parseLogged(prototxtText, caffemodelBytes, options, "the prototxt", "the caffemodel");
}

Result<std::vector<CaffeInputInfo>> readCaffeInputs(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(std::string text, readRegularFile(path, "the prototxt", kLargestFile));
    const std::string source = "'" + path + "'";
    KILN_ASSIGN_OR_RETURN(caffe::NetParameter net, parsePrototxt(text, source));
    KILN_RETURN_IF_ERROR(upgradeV1Layers(net, source));
    return declaredInputs(net, testLayers(net), source);
}

bool isCaffePrototxtPath(const std::string& path) {
    const std::string suffix = ".prototxt";
    if (path.size() < suffix.size()) return false;
    return std::equal(suffix.rbegin(), suffix.rend(), path.rbegin(),
                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

}  // namespace kiln
