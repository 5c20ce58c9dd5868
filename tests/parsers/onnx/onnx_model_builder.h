// Builds small ONNX models in C++ for the parser tests: inputs, outputs, initializers, nodes with
// attributes, serialized into a temporary folder that is removed afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include <unistd.h>

#include "onnx/onnx_pb.h"

namespace kiln::test {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    explicit TempDir(const std::string& tag) {
        m_path = std::filesystem::temp_directory_path() /
                 ("kiln_onnx_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(s_counter++));
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }

    std::string writeFile(const std::string& name, const std::string& bytes) const {
        const std::filesystem::path file = m_path / name;
        std::ofstream out(file, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return file.string();
    }

private:
    static inline int s_counter = 0;
    std::filesystem::path m_path;
};

// A dimension of a declared input: a fixed extent or a symbolic name.
using OnnxDim = std::variant<int64_t, std::string>;

class OnnxModelBuilder {
public:
    explicit OnnxModelBuilder(int64_t opset = 13) {
        m_model.set_ir_version(7);
        m_model.set_producer_name("kiln-tests");
        auto* import = m_model.add_opset_import();
        import->set_domain("");
        import->set_version(opset);
        m_model.mutable_graph()->set_name("test_graph");
    }

    onnx::ModelProto& model() { return m_model; }
    onnx::GraphProto& graph() { return *m_model.mutable_graph(); }

    onnx::ValueInfoProto& input(const std::string& name, const std::vector<OnnxDim>& dims,
                                int32_t type = onnx::TensorProto::FLOAT) {
        auto* value = graph().add_input();
        value->set_name(name);
        auto* tensorType = value->mutable_type()->mutable_tensor_type();
        tensorType->set_elem_type(type);
        auto* shape = tensorType->mutable_shape();
        for (const OnnxDim& dim : dims) {
            auto* d = shape->add_dim();
            if (std::holds_alternative<int64_t>(dim)) {
                d->set_dim_value(std::get<int64_t>(dim));
            } else {
                d->set_dim_param(std::get<std::string>(dim));
            }
        }
        return *value;
    }

    // The checker wants a shape on graph outputs; the parser takes output shapes from the layers, so
    // tests leave the dims out unless they matter.
    void output(const std::string& name, int32_t type = onnx::TensorProto::FLOAT,
                const std::vector<int64_t>& dims = {}) {
        auto* value = graph().add_output();
        value->set_name(name);
        auto* tensorType = value->mutable_type()->mutable_tensor_type();
        tensorType->set_elem_type(type);
        auto* shape = tensorType->mutable_shape();
        for (int64_t d : dims)
            shape->add_dim()->set_dim_value(d);
    }

    onnx::TensorProto& initializer(const std::string& name, const std::vector<int64_t>& dims,
                                   const std::vector<float>& values) {
        auto* tensor = graph().add_initializer();
        tensor->set_name(name);
        tensor->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : dims)
            tensor->add_dims(d);
        for (float v : values)
            tensor->add_float_data(v);
        return *tensor;
    }

    onnx::TensorProto& initializerInt64(const std::string& name, const std::vector<int64_t>& dims,
                                        const std::vector<int64_t>& values) {
        auto* tensor = graph().add_initializer();
        tensor->set_name(name);
        tensor->set_data_type(onnx::TensorProto::INT64);
        for (int64_t d : dims)
            tensor->add_dims(d);
        for (int64_t v : values)
            tensor->add_int64_data(v);
        return *tensor;
    }

    onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "") {
        auto* node = graph().add_node();
        node->set_op_type(op);
        node->set_name(name);
        for (const auto& in : inputs)
            node->add_input(in);
        for (const auto& out : outputs)
            node->add_output(out);
        return *node;
    }

    std::string bytes() const { return m_model.SerializeAsString(); }

private:
    onnx::ModelProto m_model;
};

inline void setAttr(onnx::NodeProto& node, const std::string& name, int64_t value) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(value);
}

inline void setAttr(onnx::NodeProto& node, const std::string& name, float value) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::FLOAT);
    attr->set_f(value);
}

inline void setAttr(onnx::NodeProto& node, const std::string& name, const std::string& value) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::STRING);
    attr->set_s(value);
}

inline void setAttr(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values)
        attr->add_ints(v);
}

inline void setAttr(onnx::NodeProto& node, const std::string& name, const onnx::TensorProto& value) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(onnx::AttributeProto::TENSOR);
    *attr->mutable_t() = value;
}

}  // namespace kiln::test
