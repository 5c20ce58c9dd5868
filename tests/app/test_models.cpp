// Writes the test models described in test_models.h.
#include "test_models.h"

#include <onnx/onnx_pb.h>

#include <QFile>
#include <fstream>
#include <string>
#include <vector>

namespace kiln::testing {

namespace {

void setTensorType(onnx::ValueInfoProto* info, const std::string& name, const std::vector<int64_t>& dims,
                   const std::string& symbolicFirstDim = {}) {
    info->set_name(name);
    auto* tensorType = info->mutable_type()->mutable_tensor_type();
    tensorType->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensorType->mutable_shape();
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i == 0 && !symbolicFirstDim.empty()) {
            shape->add_dim()->set_dim_param(symbolicFirstDim);
        } else {
            shape->add_dim()->set_dim_value(dims[i]);
        }
    }
}

void addWeights(onnx::GraphProto* graph, const std::string& name, const std::vector<int64_t>& dims) {
    onnx::TensorProto* tensor = graph->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    int64_t count = 1;
    for (int64_t d : dims) {
        tensor->add_dims(d);
        count *= d;
    }
    // Values do not matter to the tables; a simple ramp keeps them distinct and finite.
    for (int64_t i = 0; i < count; ++i)
        tensor->add_float_data(0.01f * static_cast<float>(i % 17));
}

onnx::NodeProto* addNode(onnx::GraphProto* graph, const std::string& name, const std::string& op,
                         const std::vector<std::string>& inputs, const std::string& output) {
    onnx::NodeProto* node = graph->add_node();
    node->set_name(name);
    node->set_op_type(op);
    for (const std::string& input : inputs)
        node->add_input(input);
    node->add_output(output);
    return node;
}

void addIntsAttribute(onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& values) {
    onnx::AttributeProto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values)
        attribute->add_ints(v);
}

void addIntAttribute(onnx::NodeProto* node, const std::string& name, int64_t value) {
    onnx::AttributeProto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(value);
}

onnx::ModelProto newModel(const std::string& graphName) {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("kiln-tests");
    onnx::OperatorSetIdProto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    model.mutable_graph()->set_name(graphName);
    return model;
}

bool writeBytes(const QString& path, const std::string& bytes) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return file.write(bytes.data(), static_cast<qint64>(bytes.size())) == static_cast<qint64>(bytes.size());
}

}  // namespace

bool writeSmallCnnModel(const QString& path) {
    onnx::ModelProto model = newModel("small_cnn");
    onnx::GraphProto* graph = model.mutable_graph();
    setTensorType(graph->add_input(), "input", {1, 3, 8, 8});
    addWeights(graph, "conv1_w", {4, 3, 3, 3});
    addWeights(graph, "conv1_b", {4});
    addWeights(graph, "fc_w", {10, 64});
    addWeights(graph, "fc_b", {10});

    onnx::NodeProto* conv = addNode(graph, "conv1", "Conv", {"input", "conv1_w", "conv1_b"}, "conv1_out");
    addIntsAttribute(conv, "kernel_shape", {3, 3});
    addIntsAttribute(conv, "pads", {1, 1, 1, 1});
    addNode(graph, "relu1", "Relu", {"conv1_out"}, "relu1_out");
    onnx::NodeProto* pool = addNode(graph, "pool1", "MaxPool", {"relu1_out"}, "pool1_out");
    addIntsAttribute(pool, "kernel_shape", {2, 2});
    addIntsAttribute(pool, "strides", {2, 2});
    addNode(graph, "flatten", "Flatten", {"pool1_out"}, "flatten_out");
    onnx::NodeProto* fc = addNode(graph, "fc", "Gemm", {"flatten_out", "fc_w", "fc_b"}, "output");
    addIntAttribute(fc, "transB", 1);
    setTensorType(graph->add_output(), "output", {1, 10});
    return writeBytes(path, model.SerializeAsString());
}

bool writeSymbolicBatchModel(const QString& path) {
    onnx::ModelProto model = newModel("symbolic_batch");
    onnx::GraphProto* graph = model.mutable_graph();
    setTensorType(graph->add_input(), "input", {-1, 3, 8, 8}, "batch");
    addNode(graph, "relu", "Relu", {"input"}, "output");
    setTensorType(graph->add_output(), "output", {-1, 3, 8, 8}, "batch");
    return writeBytes(path, model.SerializeAsString());
}

bool writeShapeTensorModel(const QString& path) {
    onnx::ModelProto model = newModel("shape_tensor");
    onnx::GraphProto* graph = model.mutable_graph();
    setTensorType(graph->add_input(), "x", {2, 6});
    onnx::ValueInfoProto* target = graph->add_input();
    setTensorType(target, "target", {2});
    target->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
    addNode(graph, "reshape", "Reshape", {"x", "target"}, "y");
    onnx::ValueInfoProto* output = graph->add_output();
    output->set_name("y");
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("rows");
    output->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("columns");
    return writeBytes(path, model.SerializeAsString());
}

bool writeFp16HostileModel(const QString& path) {
    onnx::ModelProto model = newModel("fp16_hostile");
    onnx::GraphProto* graph = model.mutable_graph();
    setTensorType(graph->add_input(), "x", {1, 4, 8, 8});
    onnx::TensorProto* scale = graph->add_initializer();
    scale->set_name("scale");
    scale->set_data_type(onnx::TensorProto::FLOAT);
    scale->add_float_data(1e-5f);
    addWeights(graph, "conv1_w", {8, 4, 3, 3});
    addWeights(graph, "conv1_b", {8});
    addWeights(graph, "conv2_w", {8, 8, 3, 3});
    addWeights(graph, "conv2_b", {8});

    addNode(graph, "normalize", "Mul", {"x", "scale"}, "normalized");
    onnx::NodeProto* conv1 = addNode(graph, "conv1", "Conv", {"normalized", "conv1_w", "conv1_b"}, "conv1_out");
    addIntsAttribute(conv1, "kernel_shape", {3, 3});
    addIntsAttribute(conv1, "pads", {1, 1, 1, 1});
    addNode(graph, "relu1", "Relu", {"conv1_out"}, "relu1_out");
    onnx::NodeProto* conv2 = addNode(graph, "conv2", "Conv", {"relu1_out", "conv2_w", "conv2_b"}, "y");
    addIntsAttribute(conv2, "kernel_shape", {3, 3});
    addIntsAttribute(conv2, "pads", {1, 1, 1, 1});
    setTensorType(graph->add_output(), "y", {1, 8, 8, 8});
    return writeBytes(path, model.SerializeAsString());
}

bool writeCorruptModel(const QString& path) {
    // A truncated varint header followed by text: protobuf rejects it, and it is no other format either.
    return writeBytes(path, std::string("\x0a\xff\xff\xff\xff this is not an ONNX model"));
}

}  // namespace kiln::testing
