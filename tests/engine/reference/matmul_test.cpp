// Tests of the MatMul and Gemm reference kernels and their shape inference. The random-data oracle
// computes every output element as a dot product, locating operands by reducing output coordinates
// modulo the operand extents (how numpy broadcasting reads), unlike the kernel's stride tables.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// Kernel and oracle both sum exact float products in double and round once: about one float ulp apart.
constexpr double kRtol = 1e-6;
constexpr double kAtol = 1e-6;

// Reads element `position` (aligned to the right of a longer output position) of a broadcast operand.
float broadcastRead(const HostTensor& t, const std::vector<int64_t>& position) {
    const Dims& dims = t.dims();
    const size_t skip = position.size() - dims.size();
    int64_t index = 0;
    for (size_t axis = 0; axis < dims.size(); ++axis)
        index = index * dims[axis] + position[skip + axis] % dims[axis];
    return t.data<float>()[index];
}

HostTensor matmulByDotProducts(const HostTensor& a, const HostTensor& b) {
    // Promote rank-1 operands as numpy does, multiply, then drop the promoted axes.
    const bool vectorA = a.dims().size() == 1;
    const bool vectorB = b.dims().size() == 1;
    const HostTensor pa = vectorA ? a.reshaped({1, a.dims()[0]}) : a;
    const HostTensor pb = vectorB ? b.reshaped({b.dims()[0], 1}) : b;
    const Dims& da = pa.dims();
    const Dims& db = pb.dims();
    const int64_t m = da[da.size() - 2], k = da.back(), n = db.back();
    const size_t batchRank = std::max(da.size(), db.size()) - 2;
    Dims batch(batchRank, 1);
    for (size_t i = 0; i < batchRank; ++i) {
        const size_t fromEnd = batchRank - i;
        const int64_t ea = fromEnd <= da.size() - 2 ? da[da.size() - 2 - fromEnd] : 1;
        const int64_t eb = fromEnd <= db.size() - 2 ? db[db.size() - 2 - fromEnd] : 1;
        batch[i] = std::max(ea, eb);
    }
    Dims full = batch;
    full.push_back(m);
    full.push_back(n);
    HostTensor y(DataType::Float32, full);
    for (int64_t index = 0; index < y.elementCount(); ++index) {
        std::vector<int64_t> position(full.size());
        int64_t rest = index;
        for (size_t axis = full.size(); axis-- > 0;) {
            position[axis] = rest % full[axis];
            rest /= full[axis];
        }
        std::vector<int64_t> posA = position, posB = position;
        double sum = 0.0;
        for (int64_t kk = 0; kk < k; ++kk) {
            posA.back() = kk;
            posB[posB.size() - 2] = kk;
            sum += double(broadcastRead(pa, posA)) * broadcastRead(pb, posB);
        }
        y.data<float>()[index] = static_cast<float>(sum);
    }
    Dims outDims = batch;
    if (!vectorA)
        outDims.push_back(m);
    if (!vectorB)
        outDims.push_back(n);
    return y.reshaped(outDims);
}

void expectMatMulMatchesOracle(const Dims& aDims, const Dims& bDims, const Dims& expectedDims,
                               uint32_t seed) {
    const HostTensor a = randomTensor(aDims, seed);
    const HostTensor b = randomTensor(bDims, seed + 1);
    auto result = runComputeLayer(MatMulParams{}, {&a, &b});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->at(0).dims(), expectedDims);
    EXPECT_EQ(compareTensors(result->at(0), matmulByDotProducts(a, b), kRtol, kAtol), "");
}

TEST(MatMulReference, HandComputed) {
    const HostTensor a = floatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
    const HostTensor b = floatTensor({3, 2}, {7, 8, 9, 10, 11, 12});
    auto result = runComputeLayer(MatMulParams{}, {&a, &b});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({2, 2}, {58, 64, 139, 154}), 0.0, 0.0), "");
}

TEST(MatMulReference, HandComputedVectorDotProductIsScalar) {
    const HostTensor a = floatTensor({3}, {1, 2, 3});
    const HostTensor b = floatTensor({3}, {4, 5, 6});
    auto result = runComputeLayer(MatMulParams{}, {&a, &b});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({}, {32}), 0.0, 0.0), "");
}

TEST(MatMulReference, MatchesOracleForPlainAndVectorOperands) {
    expectMatMulMatchesOracle({5, 7}, {7, 3}, {5, 3}, 10);
    expectMatMulMatchesOracle({7}, {7, 4}, {4}, 20);
    expectMatMulMatchesOracle({5, 7}, {7}, {5}, 30);
    expectMatMulMatchesOracle({2, 3, 7}, {7}, {2, 3}, 40);
    expectMatMulMatchesOracle({7}, {2, 7, 3}, {2, 3}, 50);
}

TEST(MatMulReference, MatchesOracleWithBatchBroadcasting) {
    expectMatMulMatchesOracle({2, 1, 3, 4}, {5, 4, 2}, {2, 5, 3, 2}, 60);
    expectMatMulMatchesOracle({3, 4, 6}, {6, 5}, {3, 4, 5}, 70);
    expectMatMulMatchesOracle({1, 4, 6}, {3, 6, 5}, {3, 4, 5}, 80);
}

TEST(MatMulShapeInference, RejectsMismatchedInnerAndBatchDimensions) {
    const HostTensor a(DataType::Float32, {2, 3, 4});
    const HostTensor b(DataType::Float32, {5, 2});
    auto inner = runComputeLayer(MatMulParams{}, {&a, &b});
    ASSERT_FALSE(inner.isOk());
    EXPECT_EQ(inner.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(inner.status().message().find("inner dimensions differ"), std::string::npos)
        << inner.status().message();

    const HostTensor c(DataType::Float32, {3, 4, 5});
    auto batch = runComputeLayer(MatMulParams{}, {&a, &c});
    ASSERT_FALSE(batch.isOk());
    EXPECT_EQ(batch.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(batch.status().message().find("do not broadcast"), std::string::npos)
        << batch.status().message();

    const HostTensor scalar(DataType::Float32, {});
    auto rankZero = runComputeLayer(MatMulParams{}, {&a, &scalar});
    ASSERT_FALSE(rankZero.isOk());
    EXPECT_NE(rankZero.status().message().find("expected at least 1"), std::string::npos)
        << rankZero.status().message();
}

// Gemm oracle: explicit transposed copies, then a textbook triple loop.
HostTensor gemmByTransposedCopies(const HostTensor& a, const HostTensor& b, const HostTensor* c,
                                  const GemmParams& p) {
    auto transposed = [](const HostTensor& t) {
        const int64_t rows = t.dims()[0], cols = t.dims()[1];
        HostTensor out(DataType::Float32, {cols, rows});
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t q = 0; q < cols; ++q)
                out.data<float>()[q * rows + r] = t.data<float>()[r * cols + q];
        }
        return out;
    };
    const HostTensor opA = p.transA ? transposed(a) : a;
    const HostTensor opB = p.transB ? transposed(b) : b;
    const int64_t m = opA.dims()[0], k = opA.dims()[1], n = opB.dims()[1];
    HostTensor y(DataType::Float32, {m, n});
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double sum = 0.0;
            for (int64_t kk = 0; kk < k; ++kk)
                sum += double(opA.data<float>()[i * k + kk]) * opB.data<float>()[kk * n + j];
            double value = p.alpha * sum;
            if (c)
                value += p.beta * double(broadcastRead(*c, {i, j}));
            y.data<float>()[i * n + j] = static_cast<float>(value);
        }
    }
    return y;
}

GemmParams gemmParams(bool transA, bool transB, float alpha, float beta) {
    GemmParams p;
    p.transA = transA;
    p.transB = transB;
    p.alpha = alpha;
    p.beta = beta;
    return p;
}

TEST(GemmReference, HandComputedWithTransposesAndBias) {
    // A^T = [[1, 2], [3, 4]], B^T = [[1, 0], [1, 1]] so A^T B^T = [[3, 2], [7, 4]]; 2 * that + 10 * C.
    const HostTensor a = floatTensor({2, 2}, {1, 3, 2, 4});
    const HostTensor b = floatTensor({2, 2}, {1, 1, 0, 1});
    const HostTensor c = floatTensor({2}, {1, -1});
    auto result = runComputeLayer(gemmParams(true, true, 2.0f, 10.0f), {&a, &b, &c});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({2, 2}, {16, -6, 24, -2}), 0.0, 0.0), "");
}

TEST(GemmReference, MatchesOracleForEveryTransposeAndBiasShape) {
    const int64_t m = 5, k = 7, n = 4;
    const std::vector<Dims> biasShapes = {{}, {n}, {m, 1}, {1, n}, {m, n}, {1}};
    uint32_t seed = 100;
    for (bool transA : {false, true}) {
        for (bool transB : {false, true}) {
            const HostTensor a = randomTensor(transA ? Dims{k, m} : Dims{m, k}, seed++);
            const HostTensor b = randomTensor(transB ? Dims{n, k} : Dims{k, n}, seed++);
            const GemmParams p = gemmParams(transA, transB, 0.75f, -1.5f);
            auto noBias = runComputeLayer(p, {&a, &b, nullptr});
            ASSERT_TRUE(noBias.isOk()) << noBias.status().message();
            EXPECT_EQ(compareTensors(noBias->at(0), gemmByTransposedCopies(a, b, nullptr, p), kRtol, kAtol),
                      "");
            for (const Dims& biasShape : biasShapes) {
                SCOPED_TRACE("transA " + std::to_string(transA) + " transB " + std::to_string(transB) +
                             " C " + toString(biasShape));
                const HostTensor c = randomTensor(biasShape, seed++);
                auto result = runComputeLayer(p, {&a, &b, &c});
                ASSERT_TRUE(result.isOk()) << result.status().message();
                EXPECT_EQ(compareTensors(result->at(0), gemmByTransposedCopies(a, b, &c, p), kRtol, kAtol),
                          "");
            }
        }
    }
}

TEST(GemmShapeInference, RejectsBadOperands) {
    const HostTensor a(DataType::Float32, {3, 4});
    const HostTensor b(DataType::Float32, {5, 6});
    auto inner = runComputeLayer(GemmParams{}, {&a, &b, nullptr});
    ASSERT_FALSE(inner.isOk());
    EXPECT_EQ(inner.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(inner.status().message().find("has K = 4"), std::string::npos) << inner.status().message();

    const HostTensor bt(DataType::Float32, {4, 6});
    const HostTensor badBias(DataType::Float32, {3, 2});
    auto bias = runComputeLayer(GemmParams{}, {&a, &bt, &badBias});
    ASSERT_FALSE(bias.isOk());
    EXPECT_EQ(bias.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(bias.status().message().find("input 2 (C) has shape 3x2"), std::string::npos)
        << bias.status().message();

    const HostTensor rank3(DataType::Float32, {1, 3, 4});
    auto rank = runComputeLayer(GemmParams{}, {&rank3, &bt, nullptr});
    ASSERT_FALSE(rank.isOk());
    EXPECT_EQ(rank.status().code(), StatusCode::InvalidModel);
}

}  // namespace
}  // namespace kiln::test
