// Helpers the ONNX import tests share: an FP32 tensor from values, a model parsed or the test failed, and
// a refusal checked for its status code and a part of its message.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/onnx_parser.h"
#include "parsers/onnx/onnx_model_builder.h"

namespace kiln::test {

inline HostTensor floatTensor(const Dims& dims, const std::vector<float>& values) {
    HostTensor tensor(DataType::Float32, dims);
    std::copy(values.begin(), values.end(), tensor.data<float>());
    return tensor;
}

inline NetworkDefinition parseOrFail(const OnnxModelBuilder& b, const OnnxParseOptions& options = {}) {
    auto result = parseOnnxBytes(b.bytes(), "", options);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    if (!result.isOk()) return NetworkDefinition();
    return std::move(result).value();
}

inline void expectRefused(const OnnxModelBuilder& b, StatusCode code, const std::string& part) {
    auto result = parseOnnxBytes(b.bytes(), "");
    ASSERT_FALSE(result.isOk()) << "the model was accepted";
    EXPECT_EQ(result.status().code(), code) << result.status().message();
    EXPECT_NE(result.status().message().find(part), std::string::npos) << result.status().message();
}

}  // namespace kiln::test
