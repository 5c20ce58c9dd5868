// Einsum import (lowered to Transpose, ReduceSum, Reshape and MatMul layers) against a brute-force
// oracle written here from the definition: every assignment of values to the labels, the product of
// the operands' elements at it, summed into the output element its output labels name. Inputs are
// small integers, so every sum is exact in float32 and the outputs are compared for equality.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

HostTensor smallIntegers(const Dims& dims, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> value(-3, 3);
    HostTensor tensor(DataType::Float32, dims);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) tensor.data<float>()[i] = float(value(rng));
    return tensor;
}

// The oracle. `operands` and `output` spell one label per axis (ellipses already written out as
// labels); a label names the same extent wherever it appears, except that an extent of 1 broadcasts.
HostTensor bruteForceEinsum(const std::vector<std::string>& operands, const std::string& output,
                            const std::vector<HostTensor>& inputs) {
    std::map<char, int64_t> extents;  // an extent of 1 gives way to any other, 0 included
    for (size_t k = 0; k < operands.size(); ++k) {
        for (size_t axis = 0; axis < operands[k].size(); ++axis) {
            const auto [it, added] = extents.emplace(operands[k][axis], inputs[k].dims()[axis]);
            if (!added && it->second == 1) it->second = inputs[k].dims()[axis];
        }
    }
    Dims outDims;
    for (char label : output) outDims.push_back(extents.at(label));
    HostTensor out(DataType::Float32, outDims);
    for (const auto& [label, extent] : extents) {
        if (extent == 0) return out;  // no assignment of values to the labels: every sum is empty
    }
    std::vector<char> labels;
    for (const auto& [label, extent] : extents) labels.push_back(label);
    std::map<char, int64_t> at;
    for (char label : labels) at[label] = 0;
    auto offset = [&](const std::string& spelled, const Dims& dims) {
        int64_t position = 0;
        for (size_t axis = 0; axis < spelled.size(); ++axis) {
            position = position * dims[axis] + (dims[axis] == 1 ? 0 : at[spelled[axis]]);
        }
        return position;
    };
    while (true) {
        double product = 1.0;
        for (size_t k = 0; k < operands.size(); ++k) {
            product *= inputs[k].data<float>()[offset(operands[k], inputs[k].dims())];
        }
        out.data<float>()[offset(output, outDims)] += float(product);
        size_t i = 0;
        for (; i < labels.size(); ++i) {
            if (++at[labels[i]] < extents[labels[i]]) break;
            at[labels[i]] = 0;
        }
        if (i == labels.size()) break;
    }
    return out;
}

struct Case {
    std::string equation;               // as the node's attribute has it
    std::vector<Dims> dims;             // of the inputs
    std::vector<std::string> operands;  // the oracle's spelling
    std::string output;
};

Result<NetworkDefinition> importEinsum(const std::string& equation, const std::vector<Dims>& dims) {
    OnnxModelBuilder b(13);
    std::vector<std::string> names;
    for (size_t k = 0; k < dims.size(); ++k) {
        names.push_back("x" + std::to_string(k));
        std::vector<OnnxDim> shape(dims[k].begin(), dims[k].end());
        b.input(names.back(), shape);
    }
    setAttr(b.node("Einsum", names, {"y"}, "einsum"), "equation", equation);
    b.output("y");
    return parseOnnxBytes(b.bytes(), "", {});
}

TEST(OnnxEinsum, MatchesTheDefinition) {
    const std::vector<Case> cases = {
        // MaxViT's attention, as torchvision exports it: capital labels and spaces.
        {"B G H I D, B G H J D -> B G H I J", {{1, 2, 3, 4, 5}, {1, 2, 3, 6, 5}}, {"BGHID", "BGHJD"}, "BGHIJ"},
        {"B G H I J, B G H J D -> B G H I D", {{1, 2, 3, 4, 6}, {1, 2, 3, 6, 5}}, {"BGHIJ", "BGHJD"}, "BGHID"},
        {"bhqd,bhkd->bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}, {"bhqd", "bhkd"}, "bhqk"},
        {"ij->ji", {{3, 4}}, {"ij"}, "ji"},
        {"ij->i", {{3, 4}}, {"ij"}, "i"},
        {"ij->", {{3, 4}}, {"ij"}, ""},
        {"i,i", {{5}, {5}}, {"i", "i"}, ""},                              // implicit output: a scalar
        {"ij,jk", {{3, 4}, {4, 2}}, {"ij", "jk"}, "ik"},                  // implicit output: i, k
        {"ba,ac", {{3, 4}, {4, 2}}, {"ba", "ac"}, "bc"},                  // implicit output in letter order
        {"ij,kl->iljk", {{2, 3}, {4, 5}}, {"ij", "kl"}, "iljk"},          // outer product
        {"ij,jk->k", {{3, 4}, {4, 2}}, {"ij", "jk"}, "k"},                // i summed before the MatMul
        {"bij,bjk->bik", {{1, 3, 4}, {5, 4, 2}}, {"bij", "bjk"}, "bik"},  // batch axis broadcast from 1
        {"...ij,...jk->...ik", {{2, 3, 4, 5}, {5, 6}}, {"pqij", "jk"}, "pqik"},
        {"...ij,...jk", {{2, 3, 4}, {2, 4, 5}}, {"pij", "pjk"}, "pik"},
        {"bn,anm,bm->ba", {{2, 3}, {4, 3, 5}, {2, 5}}, {"bn", "anm", "bm"}, "ba"},  // three operands
        {"ij,ij,ij->i", {{3, 4}, {3, 4}, {3, 4}}, {"ij", "ij", "ij"}, "i"},       // a label in all three
        {"ij,ij->i", {{3, 1}, {3, 4}}, {"ij", "ij"}, "i"},                        // a summed label broadcast
        {"ij,jk->ik", {{3, 4}, {1, 2}}, {"ij", "jk"}, "ik"},                      // ... from either side
        {"a...b,b...c->a...c", {{2, 3, 4}, {4, 3, 5}}, {"apb", "bpc"}, "apc"},    // '...' in the middle
        {"Ab,bc", {{2, 3}, {3, 4}}, {"Ab", "bc"}, "Ac"},                          // capitals sort first
        {"bij,bjk->bik", {{0, 0, 3}, {1, 3, 4}}, {"bij", "bjk"}, "bik"},          // 0 against 1 is 0
        {"ij,jk->ik", {{2, 0}, {0, 3}}, {"ij", "jk"}, "ik"},                      // an empty sum is 0
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.equation);
        Result<NetworkDefinition> network = importEinsum(c.equation, c.dims);
        ASSERT_TRUE(network.isOk()) << network.status().message();
        TensorMap inputs;
        std::vector<HostTensor> values;
        for (size_t k = 0; k < c.dims.size(); ++k) {
            values.push_back(smallIntegers(c.dims[k], uint32_t(7 + k)));
            inputs["x" + std::to_string(k)] = values.back();
        }
        Result<TensorMap> outputs = ReferenceExecutor(*network).execute(inputs);
        ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
        const HostTensor expected = bruteForceEinsum(c.operands, c.output, values);
        EXPECT_EQ(compareTensors(outputs->at("y"), expected, 0.0, 0.0), "");
    }
}

TEST(OnnxEinsum, OnlyMatMulReshapeTransposeAndReduceLayers) {
    Result<NetworkDefinition> network = importEinsum("B G H I D, B G H J D -> B G H I J", {{1, 2, 3, 4, 5}, {1, 2, 3, 6, 5}});
    ASSERT_TRUE(network.isOk()) << network.status().message();
    int matmuls = 0;
    for (const auto& layer : network->layers()) {
        const LayerKind kind = layer->kind();
        EXPECT_TRUE(kind == LayerKind::MatMul || kind == LayerKind::Reshape || kind == LayerKind::Transpose ||
                    kind == LayerKind::Reduce || kind == LayerKind::Identity)
            << layer->name();
        matmuls += kind == LayerKind::MatMul;
    }
    EXPECT_EQ(matmuls, 1);
}

TEST(OnnxEinsum, RefusesWhatItCannotMeanOrDo) {
    auto message = [](const std::string& equation, const std::vector<Dims>& dims) {
        Result<NetworkDefinition> network = importEinsum(equation, dims);
        return network.isOk() ? std::string() : network.status().message();
    };
    EXPECT_NE(message("ii->i", {{3, 3}}).find("repeats 'i' within operand 0 (a diagonal or trace)"), std::string::npos);
    EXPECT_NE(message("ij,jk->ik", {{3, 4}, {5, 2}}).find("label 'j' has extent 4 in one operand and 5 in the other"),
              std::string::npos);
    EXPECT_NE(message("ij->ik", {{3, 4}}).find("the output label 'k' is repeated or names no operand's axis"),
              std::string::npos);
    EXPECT_NE(message("ijk->i", {{3, 4}}).find("does not fit input 0 of rank 2"), std::string::npos);
    EXPECT_NE(message("ij,jk->ik", {{3, 4}}).find("names 2 operands; the node has 1 inputs"), std::string::npos);
    EXPECT_NE(message("i1->i", {{3, 4}}).find("labels are letters"), std::string::npos);
    EXPECT_NE(message("a...->0", {{3, 4, 5}}).find("the output has '0'; labels are letters"), std::string::npos);
    EXPECT_NE(message("...ij->ij", {{2, 3, 4}}).find("the operands have '...' axes but the output does not"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test
