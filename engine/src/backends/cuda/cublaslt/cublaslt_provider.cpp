// cuBLASLt as a tactic provider ("cublaslt") for Gemm and MatMul layers on linear tensors: FP32 (TF32
// where allowed), or held as FP16 in an FP16 build (FP16 tensor-core products accumulated in FP32, the
// constant operands converted to FP16 when a kernel is made).
//
// Kiln's matrices are row-major and cuBLASLt's column-major, so every product is described transposed:
// row-major Y = op(A) op(B) is column-major Y^T = op(B)^T op(A)^T over the same bytes. The layer's B is
// cuBLASLt's A and the layer's A its B, and a C over Y's columns ([N]) is a bias over the rows of D,
// which is what the BIAS epilogue adds. A MatMul whose B has no batch folds its batch into M; other
// batches are strided, with stride 0 for an operand broadcast over all of them. Each algorithm the
// heuristic offers is a tactic of its own whose id spells the algorithm's configuration, so that loading
// a plan rebuilds that algorithm rather than whatever the heuristic would pick by then.
#include "backends/cuda/cublaslt/cublaslt_provider.h"
#include "backends/cuda/cublaslt/cublaslt_library.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "backends/cuda/cuda_common.h"

namespace kiln::cuda {

namespace {

using tactics::KernelArgs;
using tactics::LayerConfig;
using tactics::SkippedTactic;
using tactics::Tactic;

constexpr int kRequestedAlgorithms = 8;
constexpr uint64_t kMaxWorkspaceBytes = uint64_t(32) << 20;
// Constants are copies this provider makes with cudaMalloc, which aligns to 256 bytes.
constexpr uint32_t kConstantAlignment = 256;
// Activations lie in a context's arena at multiples of 64 bytes, or at an alias's offset from one. 16
// bytes is all an FP32 or FP16 kernel's widest loads need, so no more is asked of callers that bind their
// own memory (setTensorAddress).
constexpr uint32_t kActivationAlignment = 16;

std::string libraryName() {
    return "cuBLASLt " + libraryVersion(lt::cublasLtGetVersion());
}

enum class Precision : uint8_t { Fp32, Tf32, Fp16 };

const char* precisionName(Precision precision) {
    switch (precision) {
        case Precision::Tf32:
            return "tf32";
        case Precision::Fp16:
            return "fp16";
        default:
            return "fp32";
    }
}

cublasComputeType_t computeType(Precision precision) {
    return precision == Precision::Tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}

// The type of A, B, C and D in memory; alpha and beta are floats either way.
cudaDataType_t storedType(Precision precision) {
    return precision == Precision::Fp16 ? CUDA_R_16F : CUDA_R_32F;
}

// How Gemm's beta * C reaches the product.
enum class Addend : uint8_t {
    None,    // no C, or beta 0 (the reference ignores C then)
    Bias,    // C is [N] or [1, N] and beta is 1: the BIAS epilogue adds it to every row of Y
    Matrix,  // beta * C with C the full [M, N] (a constant broadcast to it once, when instantiated)
};

// One matrix as cuBLASLt sees it: column-major, with the transposition applied to it.
struct Operand {
    cublasOperation_t op = CUBLAS_OP_N;
    uint64_t rows = 0;
    uint64_t cols = 0;
    int64_t ld = 0;
    int64_t batchStride = 0;
    uint32_t alignment = kActivationAlignment;  // bytes the run's address is assumed to be aligned to
};

// The column-major view of a row-major [rows, cols] matrix, which is its transpose; `transposed` when
// the product reads the stored matrix transposed.
Operand columnMajor(int64_t rows, int64_t cols, bool transposed, uint32_t alignment) {
    return {transposed ? CUBLAS_OP_T : CUBLAS_OP_N, uint64_t(cols), uint64_t(rows), cols, 0, alignment};
}

// A layer's product in cuBLASLt's terms (see the top of the file for why A and B trade places).
struct Problem {
    Precision precision = Precision::Fp32;
    Operand a;  // the layer's B
    Operand b;  // the layer's A
    Operand d;  // Y, and C when C is a matrix
    int32_t batchCount = 1;
    float alpha = 1.0f;
    float beta = 0.0f;  // nonzero only with Addend::Matrix
    Addend addend = Addend::None;
    bool constantC = false;
    uint32_t cAlignment = kActivationAlignment;  // of the C matrix or the bias; of D when there is no C
    bool relu = false;
};

// The alignment a run's address of `tensor` is assumed to have (see the constants above).
uint32_t alignmentOf(const Tensor& tensor) {
    if (tensor.isConstant()) return kConstantAlignment;
    const int64_t offset = tensor.alias() ? tensor.alias()->byteOffset : 0;
    uint32_t alignment = kActivationAlignment;
    while (offset % alignment != 0)
        alignment /= 2;
    return alignment;
}

// The precision of the products for `config`: FP16 in an FP16 build, FP32 otherwise.
Precision basePrecision(const LayerConfig& config) {
    return config.precision == DataType::Float16 ? Precision::Fp16 : Precision::Fp32;
}

// The products read and write linear FP32 tensors, all of them stored as FP16 for Precision::Fp16
// (constants are FP32 in the network; kernels convert their copies).
Status requireLinear(const LayerConfig& config, Precision precision) {
    const DataType stored = precision == Precision::Fp16 ? DataType::Float16 : DataType::Float32;
    if (config.precision != DataType::Float32 && config.precision != DataType::Float16) {
        return unsupported(std::string("runs FP32 and FP16 only, not ") + toString(config.precision));
    }
    const Layer& layer = *config.layer;
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (!input) continue;
        if (input->type() != DataType::Float32) {
            return unsupported("input " + std::to_string(i) + " is " + toString(input->type()) +
                               ", not FP32");
        }
        if (input->isConstant()) continue;
        const TensorFormat format = config.inputFormats.at(i);
        if (!format.isLinear()) return unsupported("needs linear tensors");
        if (storageType(input->type(), format) != stored) {
            return unsupported(std::string("runs ") + toString(stored) + " tensors here; input " +
                               std::to_string(i) + " is " + toString(storageType(input->type(), format)));
        }
    }
    const TensorFormat format = config.outputFormats.at(0);
    if (!format.isLinear()) return unsupported("needs linear tensors");
    if (storageType(layer.output(0)->type(), format) != stored) {
        return unsupported(std::string("runs ") + toString(stored) + " tensors here; the output is " +
                           toString(storageType(layer.output(0)->type(), format)));
    }
    return Status::ok();
}

// cuBLASLt takes 32-bit extents and batch counts.
Status checkExtents(const Problem& problem) {
    for (const Operand* operand : {&problem.a, &problem.b, &problem.d}) {
        if (operand->rows > uint64_t(INT32_MAX) || operand->cols > uint64_t(INT32_MAX) ||
            operand->ld > INT32_MAX) {
            return unsupported("a matrix extent is beyond 2^31 - 1, which cuBLASLt does not take");
        }
    }
    return Status::ok();
}

// cuBLASLt has no use for products without elements; the Kiln CUDA direct kernels write those.
Status checkNotEmpty(const Layer& layer, int64_t k) {
    if (volume(layer.output(0)->dims()) == 0) return unsupported("the output is empty");
    if (k == 0) return unsupported("K is 0: there is nothing to multiply");
    return Status::ok();
}

Result<Problem> describeGemm(const Layer& layer, Precision precision) {
    const auto& p = layer.paramsAs<GemmParams>();
    const Dims& a = layer.input(0)->dims();
    const Dims& b = layer.input(1)->dims();
    const int64_t m = layer.output(0)->dims()[0];
    const int64_t n = layer.output(0)->dims()[1];
    KILN_RETURN_IF_ERROR(checkNotEmpty(layer, p.transA ? a[0] : a[1]));
    Problem problem;
    problem.precision = precision;
    problem.a = columnMajor(b[0], b[1], p.transB, alignmentOf(*layer.input(1)));
    problem.b = columnMajor(a[0], a[1], p.transA, alignmentOf(*layer.input(0)));
    problem.d = columnMajor(m, n, false, alignmentOf(*layer.output(0)));
    problem.alpha = p.alpha;
    problem.cAlignment = problem.d.alignment;
    const Tensor* c = layer.input(2);
    if (c && p.beta != 0.0f) {
        const Dims& dims = c->dims();
        const bool row = !dims.empty() && dims.back() == n && volume(dims) == n;
        problem.constantC = c->isConstant();
        problem.cAlignment = alignmentOf(*c);
        if (row && p.beta == 1.0f) {
            problem.addend = Addend::Bias;
        } else if (c->isConstant() || volume(dims) == m * n) {
            problem.addend = Addend::Matrix;
            problem.beta = p.beta;
        } else {
            return unsupported(
                "C " + toString(dims) + " is computed at run time and would need broadcasting to " +
                toString(Dims{m, n}) + "; cuBLASLt reads a full C, or an [N] bias with beta 1");
        }
    }
    if (p.activation) {
        if (p.activation->type != ActivationType::Relu) {
            return unsupported(std::string("cuBLASLt has no ") + toString(p.activation->type) +
                               " epilogue (only ReLU and GELU, and Kiln has no GELU)");
        }
        problem.relu = true;
    }
    KILN_RETURN_IF_ERROR(checkExtents(problem));
    return problem;
}

// Rank-1 operands are promoted as numpy does: A [K] is [1, K], B [K] is [K, 1]; the promoted axis is
// absent from Y, whose bytes are the same either way.
Result<Problem> describeMatMul(const Layer& layer, Precision precision) {
    // MatMul epilogue fusion runs for the CPU only; a MatMul with one is a network built by hand.
    if (layer.inputs().size() > 2 || layer.paramsAs<MatMulParams>().activation) {
        return unsupported("a MatMul with a fused bias, residual or activation is not offered (those run on the CPU)");
    }
    const Dims& a = layer.input(0)->dims();
    const Dims& b = layer.input(1)->dims();
    const int64_t m = a.size() >= 2 ? a[a.size() - 2] : 1;
    const int64_t k = a.back();
    const int64_t n = b.size() >= 2 ? b.back() : 1;
    KILN_RETURN_IF_ERROR(checkNotEmpty(layer, k));
    const int64_t batch = volume(layer.output(0)->dims()) / (m * n);
    const int64_t batchesOfA =
        volume(Dims(a.begin(), a.end() - std::ptrdiff_t(std::min<size_t>(a.size(), 2))));
    const int64_t batchesOfB =
        volume(Dims(b.begin(), b.end() - std::ptrdiff_t(std::min<size_t>(b.size(), 2))));
    const uint32_t alignA = alignmentOf(*layer.input(0));
    const uint32_t alignB = alignmentOf(*layer.input(1));
    const uint32_t alignY = alignmentOf(*layer.output(0));
    Problem problem;
    problem.precision = precision;
    problem.cAlignment = alignY;
    if (batchesOfB == 1 && batchesOfA == batch) {
        // One B for every batch, whose A matrices are consecutive rows: a single product of batch * M rows.
        problem.a = columnMajor(k, n, false, alignB);
        problem.b = columnMajor(batch * m, k, false, alignA);
        problem.d = columnMajor(batch * m, n, false, alignY);
    } else {
        if ((batchesOfA != batch && batchesOfA != 1) || (batchesOfB != batch && batchesOfB != 1)) {
            return unsupported("the batch axes of A " + toString(a) + " and B " + toString(b) +
                               " broadcast against each other; cuBLASLt's strided batches can only repeat a "
                               "whole operand");
        }
        if (batch > INT32_MAX) return unsupported("more than 2^31 - 1 batches");
        problem.a = columnMajor(k, n, false, alignB);
        problem.a.batchStride = batchesOfB == 1 ? 0 : k * n;
        problem.b = columnMajor(m, k, false, alignA);
        problem.b.batchStride = batchesOfA == 1 ? 0 : m * k;
        problem.d = columnMajor(m, n, false, alignY);
        problem.d.batchStride = m * n;
        problem.batchCount = int32_t(batch);
    }
    KILN_RETURN_IF_ERROR(checkExtents(problem));
    return problem;
}

Result<Problem> describe(const LayerConfig& config, Precision precision) {
    KILN_RETURN_IF_ERROR(requireLinear(config, precision));
    return config.layer->kind() == LayerKind::Gemm ? describeGemm(*config.layer, precision)
                                                   : describeMatMul(*config.layer, precision);
}

template <typename T>
Status setOperationAttribute(cublasLtMatmulDesc_t operation, cublasLtMatmulDescAttributes_t attribute,
                             const T& value) {
    KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtMatmulDescSetAttribute(operation, attribute, &value, sizeof value),
                                "describing a matrix product");
    return Status::ok();
}

template <typename T>
Status setLayoutAttribute(cublasLtMatrixLayout_t layout, cublasLtMatrixLayoutAttribute_t attribute,
                          const T& value) {
    KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtMatrixLayoutSetAttribute(layout, attribute, &value, sizeof value),
                                "describing a matrix");
    return Status::ok();
}

// A problem's operation and matrix layouts, initialised in place: cuBLASLt allocates nothing for them,
// so there is nothing to destroy; they stay where they were initialised.
class Descriptors {
public:
    Descriptors() = default;
    Descriptors(const Descriptors&) = delete;
    Descriptors& operator=(const Descriptors&) = delete;

    // `bias` is the bias's device address, or any address of the same alignment while it is not known:
    // the heuristic and the algorithm check read only its alignment.
    Status init(const Problem& problem, const void* bias) {
        KILN_CUBLAS_RETURN_IF_ERROR(
            lt::cublasLtMatmulDescInit(&m_operation, computeType(problem.precision), CUDA_R_32F),
            "describing a matrix product");
        const cudaDataType_t type = storedType(problem.precision);
        KILN_RETURN_IF_ERROR(
            setOperationAttribute(&m_operation, CUBLASLT_MATMUL_DESC_TRANSA, int32_t(problem.a.op)));
        KILN_RETURN_IF_ERROR(
            setOperationAttribute(&m_operation, CUBLASLT_MATMUL_DESC_TRANSB, int32_t(problem.b.op)));
        const bool addsBias = problem.addend == Addend::Bias;
        const uint32_t epilogue = problem.relu
                                      ? (addsBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU)
                                      : (addsBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT);
        KILN_RETURN_IF_ERROR(setOperationAttribute(&m_operation, CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue));
        if (addsBias) KILN_RETURN_IF_ERROR(setBias(bias));
        KILN_RETURN_IF_ERROR(initLayout(m_a, problem.a, type, problem.batchCount));
        KILN_RETURN_IF_ERROR(initLayout(m_b, problem.b, type, problem.batchCount));
        return initLayout(m_d, problem.d, type, problem.batchCount);
    }

    Status setBias(const void* bias) {
        return setOperationAttribute(&m_operation, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
    }

    cublasLtMatmulDesc_t operation() { return &m_operation; }
    cublasLtMatrixLayout_t a() { return &m_a; }
    cublasLtMatrixLayout_t b() { return &m_b; }
    // D's layout, which C shares: C is either Y's shape or not read (beta 0, with D's address).
    cublasLtMatrixLayout_t d() { return &m_d; }

private:
    static Status initLayout(cublasLtMatrixLayoutOpaque_t& layout, const Operand& operand,
                             cudaDataType_t type, int32_t batchCount) {
        KILN_CUBLAS_RETURN_IF_ERROR(
            lt::cublasLtMatrixLayoutInit(&layout, type, operand.rows, operand.cols, operand.ld),
            "describing a matrix");
        if (batchCount == 1) return Status::ok();
        KILN_RETURN_IF_ERROR(setLayoutAttribute(&layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, batchCount));
        return setLayoutAttribute(&layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, operand.batchStride);
    }

    cublasLtMatmulDescOpaque_t m_operation{};
    cublasLtMatrixLayoutOpaque_t m_a{};
    cublasLtMatrixLayoutOpaque_t m_b{};
    cublasLtMatrixLayoutOpaque_t m_d{};
};

// Where the bias is not known yet, an address with the alignment it is assumed to have.
const void* placeholderBias(const Problem& problem) {
    return reinterpret_cast<const void*>(uintptr_t(problem.cAlignment));
}

// The configuration attributes that pick an algorithm besides its id, as the tactic id spells them.
// SPLITK_NUM is signed (the heuristic offers some algorithms with -1); the others are unsigned.
struct ConfigField {
    const char* name;
    cublasLtMatmulAlgoConfigAttributes_t attribute;
    size_t bytes;  // 4 (int32_t or uint32_t) or 2 (uint16_t)
    bool isSigned;
};
constexpr std::array<ConfigField, 8> kConfigFields = {{
    {"tile", CUBLASLT_ALGO_CONFIG_TILE_ID, 4, false},
    {"stages", CUBLASLT_ALGO_CONFIG_STAGES_ID, 4, false},
    {"splitk", CUBLASLT_ALGO_CONFIG_SPLITK_NUM, 4, true},
    {"reduction", CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, 4, false},
    {"swizzle", CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, 4, false},
    {"custom", CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, 4, false},
    {"inner", CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, 2, false},
    {"cluster", CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, 2, false},
}};

// An algorithm as a tactic id names it: the precision, the algorithm id and the fields above.
struct AlgoKey {
    Precision precision = Precision::Fp32;
    int32_t algoId = 0;
    std::array<int64_t, kConfigFields.size()> values{};
};

// "cublaslt:fp32:algo21:tile20:stages19:splitk1:reduction0:swizzle0:custom0:inner0:cluster0"
std::string tacticId(const AlgoKey& key) {
    std::string id =
        std::string("cublaslt:") + precisionName(key.precision) + ":algo" + std::to_string(key.algoId);
    for (size_t i = 0; i < kConfigFields.size(); ++i) {
        id += std::string(":") + kConfigFields[i].name + std::to_string(key.values[i]);
    }
    return id;
}

// The number after `prefix` in `field`, when that is all the field holds and it lies in [low, high].
std::optional<int64_t> parseField(std::string_view field, std::string_view prefix, int64_t low,
                                  int64_t high) {
    if (field.substr(0, prefix.size()) != prefix) return std::nullopt;
    int64_t value = 0;
    const char* first = field.data() + prefix.size();
    const char* last = field.data() + field.size();
    const auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last || first == last || value < low || value > high) {
        return std::nullopt;
    }
    return value;
}

std::optional<AlgoKey> parseTacticId(std::string_view id) {
    std::vector<std::string_view> fields;
    for (size_t at = 0;;) {
        const size_t next = id.find(':', at);
        fields.push_back(id.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
        if (next == std::string_view::npos) break;
        at = next + 1;
    }
    if (fields.size() != 3 + kConfigFields.size() || fields[0] != "cublaslt") return std::nullopt;
    AlgoKey key;
    if (fields[1] == "tf32") {
        key.precision = Precision::Tf32;
    } else if (fields[1] == "fp16") {
        key.precision = Precision::Fp16;
    } else if (fields[1] != "fp32") {
        return std::nullopt;
    }
    const std::optional<int64_t> algoId = parseField(fields[2], "algo", 0, INT32_MAX);
    if (!algoId) return std::nullopt;
    key.algoId = int32_t(*algoId);
    for (size_t i = 0; i < kConfigFields.size(); ++i) {
        const ConfigField& field = kConfigFields[i];
        const int64_t low = field.isSigned ? INT32_MIN : 0;
        const int64_t high = field.bytes == 2 ? UINT16_MAX : field.isSigned ? INT32_MAX : UINT32_MAX;
        const std::optional<int64_t> value = parseField(fields[3 + i], field.name, low, high);
        if (!value) return std::nullopt;
        key.values[i] = *value;
    }
    return key;
}

Result<AlgoKey> keyOf(const cublasLtMatmulAlgo_t& algo, Precision precision) {
    AlgoKey key;
    key.precision = precision;
    size_t written = 0;
    KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtMatmulAlgoConfigGetAttribute(
                                    &algo, CUBLASLT_ALGO_CONFIG_ID, &key.algoId, sizeof key.algoId, &written),
                                "reading an algorithm's configuration");
    for (size_t i = 0; i < kConfigFields.size(); ++i) {
        const ConfigField& field = kConfigFields[i];
        cublasStatus_t status;
        if (field.bytes == 2) {
            uint16_t value = 0;
            status =
                lt::cublasLtMatmulAlgoConfigGetAttribute(&algo, field.attribute, &value, sizeof value, &written);
            key.values[i] = value;
        } else if (field.isSigned) {
            int32_t value = 0;
            status =
                lt::cublasLtMatmulAlgoConfigGetAttribute(&algo, field.attribute, &value, sizeof value, &written);
            key.values[i] = value;
        } else {
            uint32_t value = 0;
            status =
                lt::cublasLtMatmulAlgoConfigGetAttribute(&algo, field.attribute, &value, sizeof value, &written);
            key.values[i] = value;
        }
        KILN_CUBLAS_RETURN_IF_ERROR(status, std::string("reading an algorithm's ") + field.name);
    }
    return key;
}

Result<cublasLtMatmulAlgo_t> buildAlgo(cublasLtHandle_t handle, const AlgoKey& key) {
    cublasLtMatmulAlgo_t algo{};
    const cudaDataType_t type = storedType(key.precision);
    KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtMatmulAlgoInit(handle, computeType(key.precision), CUDA_R_32F,
                                                           type, type, type, type, key.algoId, &algo),
                                "creating algorithm " + std::to_string(key.algoId));
    for (size_t i = 0; i < kConfigFields.size(); ++i) {
        const ConfigField& field = kConfigFields[i];
        cublasStatus_t status;
        if (field.bytes == 2) {
            const uint16_t value = uint16_t(key.values[i]);
            status = lt::cublasLtMatmulAlgoConfigSetAttribute(&algo, field.attribute, &value, sizeof value);
        } else if (field.isSigned) {
            const int32_t value = int32_t(key.values[i]);
            status = lt::cublasLtMatmulAlgoConfigSetAttribute(&algo, field.attribute, &value, sizeof value);
        } else {
            const uint32_t value = uint32_t(key.values[i]);
            status = lt::cublasLtMatmulAlgoConfigSetAttribute(&algo, field.attribute, &value, sizeof value);
        }
        KILN_CUBLAS_RETURN_IF_ERROR(status, std::string("setting an algorithm's ") + field.name);
    }
    return algo;
}

// The workspace `algo` needs for the described product; an error when cuBLASLt would not run it.
Result<size_t> checkAlgo(cublasLtHandle_t handle, Descriptors& descriptors,
                         const cublasLtMatmulAlgo_t& algo) {
    cublasLtMatmulHeuristicResult_t result{};
    KILN_CUBLAS_RETURN_IF_ERROR(
        lt::cublasLtMatmulAlgoCheck(handle, descriptors.operation(), descriptors.a(), descriptors.b(),
                                descriptors.d(), descriptors.d(), &algo, &result),
        "checking the algorithm");
    if (result.workspaceSize > kMaxWorkspaceBytes) {
        return unsupported("the algorithm needs " + std::to_string(result.workspaceSize) +
                           " bytes of workspace, more than the " + std::to_string(kMaxWorkspaceBytes) +
                           " offered");
    }
    return result.workspaceSize;
}

// A cuBLASLt handle for the heuristic queries and algorithm checks of one call; runs use their stream's.
struct HandleDeleter {
    void operator()(cublasLtHandle_t handle) const { lt::cublasLtDestroy(handle); }
};
using OwnedHandle = std::unique_ptr<cublasLtContext, HandleDeleter>;

Result<OwnedHandle> createHandle() {
    const DeviceInfo& device = deviceInfo();
    if (!device.present) return unsupported("no CUDA device: " + device.problem);
    cublasLtHandle_t handle = nullptr;
    KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtCreate(&handle), "creating a cuBLASLt handle");
    return OwnedHandle(handle);
}

// `count` floats as the product reads them: as they are, or converted to FP16.
Result<std::shared_ptr<CudaBuffer>> uploadOperand(const float* values, size_t count, Precision precision) {
    if (precision != Precision::Fp16) return upload(values, count * sizeof(float));
    std::vector<uint16_t> halves(count);
    for (size_t i = 0; i < count; ++i)
        halves[i] = floatToHalf(values[i]);
    return upload(halves.data(), count * sizeof(uint16_t));
}

// C broadcast to [M, N], row-major like Y.
std::vector<float> broadcastToMatrix(const HostTensor& c, int64_t m, int64_t n) {
    Dims dims = c.dims();
    while (dims.size() < 2)
        dims.insert(dims.begin(), 1);
    std::vector<float> matrix(size_t(m * n));
    const float* source = c.data<float>();
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            matrix[size_t(i * n + j)] = source[(dims[0] == 1 ? 0 : i) * dims[1] + (dims[1] == 1 ? 0 : j)];
        }
    }
    return matrix;
}

class MatmulKernel final : public tactics::Kernel {
public:
    MatmulKernel(const Layer& layer, const Problem& problem, const cublasLtMatmulAlgo_t& algo,
                 size_t workspace, std::string id)
        : m_layer(layer), m_problem(problem), m_algo(algo), m_workspace(workspace), m_id(std::move(id)) {}

    // Copies the constant operands to the device, describes the product and checks the algorithm
    // against the description once more, now with the bias's real address.
    Status prepare() {
        const Precision precision = m_problem.precision;
        for (size_t i = 0; i < 2; ++i) {
            const Tensor* input = m_layer.input(i);
            if (!input->isConstant()) continue;
            const HostTensor& data = *input->constantData();
            KILN_ASSIGN_OR_RETURN(m_constants[i],
                                  uploadOperand(data.data<float>(), size_t(data.elementCount()), precision));
        }
        const Tensor* c = m_layer.input(2);
        if (m_problem.addend == Addend::Bias && m_problem.constantC) {
            const HostTensor& data = *c->constantData();
            KILN_ASSIGN_OR_RETURN(m_constants[2],
                                  uploadOperand(data.data<float>(), size_t(data.elementCount()), precision));
        } else if (m_problem.addend == Addend::Matrix && m_problem.constantC) {
            const std::vector<float> matrix =
                broadcastToMatrix(*c->constantData(), int64_t(m_problem.d.cols), int64_t(m_problem.d.rows));
            KILN_ASSIGN_OR_RETURN(m_constants[2], uploadOperand(matrix.data(), matrix.size(), precision));
        }
        m_descriptors = std::make_unique<Descriptors>();
        const void* bias = m_constants[2] ? m_constants[2]->data() : placeholderBias(m_problem);
        KILN_RETURN_IF_ERROR(m_descriptors->init(m_problem, bias));
        KILN_ASSIGN_OR_RETURN(OwnedHandle handle, createHandle());
        KILN_ASSIGN_OR_RETURN(const size_t workspace, checkAlgo(handle.get(), *m_descriptors, m_algo));
        if (workspace > m_workspace) {
            return internalError("tactic '" + m_id + "' was offered with " + std::to_string(m_workspace) +
                                 " bytes of workspace but needs " + std::to_string(workspace));
        }
        return Status::ok();
    }

    Status run(const KernelArgs& args) const override {
        const void* a = operand(args, 0);
        const void* b = operand(args, 1);
        void* d = args.outputs[0];
        const void* c = m_problem.addend == Addend::Matrix ? operand(args, 2) : d;
        KILN_RETURN_IF_ERROR(checkAlignment(a, m_problem.b.alignment, "input 0 (A)"));
        KILN_RETURN_IF_ERROR(checkAlignment(b, m_problem.a.alignment, "input 1 (B)"));
        KILN_RETURN_IF_ERROR(checkAlignment(d, m_problem.d.alignment, "output 0"));
        if (m_problem.addend != Addend::None) {
            KILN_RETURN_IF_ERROR(checkAlignment(operand(args, 2), m_problem.cAlignment, "input 2 (C)"));
        }
        KILN_ASSIGN_OR_RETURN(cublasLtHandle_t handle, streamOf(args).cublasLt());
        const auto multiply = [&] {
            return lt::cublasLtMatmul(handle, m_descriptors->operation(), &m_problem.alpha, b, m_descriptors->a(),
                                  a, m_descriptors->b(), &m_problem.beta, c, m_descriptors->d(), d,
                                  m_descriptors->d(), &m_algo, args.workspace, m_workspace,
                                  streamOf(args).stream());
        };
        cublasStatus_t status;
        if (m_problem.addend == Addend::Bias && !m_problem.constantC) {
            // The bias address is part of the operation, which every context running this kernel shares;
            // cuBLASLt reads it while issuing the product, so the lock spans both.
            const std::lock_guard<std::mutex> lock(m_biasMutex);
            KILN_RETURN_IF_ERROR(m_descriptors->setBias(args.inputs[2]));
            status = multiply();
        } else {
            status = multiply();
        }
        KILN_CUBLAS_RETURN_IF_ERROR(status, "running '" + m_layer.name() + "' with " + m_id);
        return Status::ok();
    }

private:
    // The device address of input `index`: this kernel's copy for a constant.
    const void* operand(const KernelArgs& args, size_t index) const {
        return m_constants[index] ? m_constants[index]->data() : args.inputs[index];
    }

    // A misaligned address would fail inside cuBLASLt with a less helpful message, or fault the device.
    Status checkAlignment(const void* address, uint32_t alignment, const char* what) const {
        if (reinterpret_cast<uintptr_t>(address) % alignment == 0) return Status::ok();
        return unsupported("tactic '" + m_id + "' of '" + m_layer.name() + "' needs " + what +
                           " at an address aligned to " + std::to_string(alignment) + " bytes");
    }

    const Layer& m_layer;
    const Problem m_problem;
    const cublasLtMatmulAlgo_t m_algo;
    const size_t m_workspace;
    const std::string m_id;
    std::unique_ptr<Descriptors> m_descriptors;
    // Device copies of constant inputs A, B and C (C broadcast to [M, N] for Addend::Matrix).
    std::array<std::shared_ptr<CudaBuffer>, 3> m_constants;
    mutable std::mutex m_biasMutex;
};

class MatmulTactic final : public Tactic {
public:
    MatmulTactic(const Layer& layer, const Problem& problem, const AlgoKey& key,
                 const cublasLtMatmulAlgo_t& algo, size_t workspace)
        : m_layer(layer), m_problem(problem), m_key(key), m_algo(algo), m_workspace(workspace) {}

    std::string id() const override { return tacticId(m_key); }
    std::string library() const override { return libraryName(); }
    int64_t workspaceBytes() const override { return int64_t(m_workspace); }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(
        std::vector<tactics::WeightBlob> weights) const override {
        if (!weights.empty()) {
            return invalidModel("tactic '" + id() + "' prepares no weights, but " +
                                std::to_string(weights.size()) + " blobs were given; rebuild the plan");
        }
        auto kernel = std::make_unique<MatmulKernel>(m_layer, m_problem, m_algo, m_workspace, id());
        KILN_RETURN_IF_ERROR(kernel->prepare());
        return std::unique_ptr<tactics::Kernel>(std::move(kernel));
    }

private:
    const Layer& m_layer;
    Problem m_problem;
    AlgoKey m_key;
    cublasLtMatmulAlgo_t m_algo;
    size_t m_workspace;
};

// The tactic for algorithm `key`, rebuilt from its configuration and checked against the product; the
// way both enumerate() and find() make tactics, so that the two agree.
Result<std::unique_ptr<Tactic>> rebuildTactic(const Layer& layer, const Problem& problem, const AlgoKey& key,
                                              cublasLtHandle_t handle, Descriptors& descriptors) {
    KILN_ASSIGN_OR_RETURN(const cublasLtMatmulAlgo_t algo, buildAlgo(handle, key));
    KILN_ASSIGN_OR_RETURN(const size_t workspace, checkAlgo(handle, descriptors, algo));
    return std::unique_ptr<Tactic>(std::make_unique<MatmulTactic>(layer, problem, key, algo, workspace));
}

class Provider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "cublaslt"; }

    void enumerate(const LayerConfig& config, std::vector<std::unique_ptr<Tactic>>& tactics,
                   std::vector<SkippedTactic>& skipped) const override {
        if (!handles(config)) return;
        std::vector<Precision> precisions = {basePrecision(config)};
        if (config.allowTf32 && precisions[0] == Precision::Fp32) precisions.push_back(Precision::Tf32);
        for (const Precision precision : precisions) {
            const std::string family = std::string("cublaslt:") + precisionName(precision);
            Result<Problem> problem = describe(config, precision);
            const Status status = problem.isOk() ? offerAlgorithms(*config.layer, *problem, tactics, skipped)
                                                 : problem.status();
            if (!status.isOk()) skipped.push_back({family, libraryName(), status.message()});
        }
    }

    Result<std::unique_ptr<Tactic>> find(const LayerConfig& config, const std::string& id) const override {
        const std::optional<AlgoKey> key = parseTacticId(id);
        if (!handles(config)) return notFound("cuBLASLt has no tactics for this layer");
        if (!key) return notFound("'" + id + "' is not the id of a cuBLASLt tactic");
        Result<std::unique_ptr<Tactic>> tactic = rebuild(config, *key);
        if (!tactic.isOk()) {
            return notFound("tactic '" + id + "' cannot run layer '" + config.layer->name() +
                            "' here: " + tactic.status().message());
        }
        return tactic;
    }

private:
    static bool handles(const LayerConfig& config) {
        return config.layer &&
               (config.layer->kind() == LayerKind::Gemm || config.layer->kind() == LayerKind::MatMul);
    }

    static Result<std::unique_ptr<Tactic>> rebuild(const LayerConfig& config, const AlgoKey& key) {
        KILN_ASSIGN_OR_RETURN(const Problem problem, describe(config, key.precision));
        KILN_ASSIGN_OR_RETURN(OwnedHandle handle, createHandle());
        Descriptors descriptors;
        KILN_RETURN_IF_ERROR(descriptors.init(problem, placeholderBias(problem)));
        return rebuildTactic(*config.layer, problem, key, handle.get(), descriptors);
    }

    // One tactic per algorithm the heuristic offers; algorithms that cannot be rebuilt from their
    // configuration are skipped, as a plan could not recreate them.
    static Status offerAlgorithms(const Layer& layer, const Problem& problem,
                                  std::vector<std::unique_ptr<Tactic>>& tactics,
                                  std::vector<SkippedTactic>& skipped) {
        KILN_ASSIGN_OR_RETURN(OwnedHandle handle, createHandle());
        Descriptors descriptors;
        KILN_RETURN_IF_ERROR(descriptors.init(problem, placeholderBias(problem)));
        cublasLtMatmulPreferenceOpaque_t preference{};
        KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtMatmulPreferenceInit(&preference),
                                    "describing the heuristic query");
        const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> alignments[] = {
            {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, problem.a.alignment},
            {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, problem.b.alignment},
            {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
             problem.addend == Addend::Matrix ? problem.cAlignment : problem.d.alignment},
            {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, problem.d.alignment},
        };
        for (const auto& [attribute, alignment] : alignments) {
            KILN_CUBLAS_RETURN_IF_ERROR(
                lt::cublasLtMatmulPreferenceSetAttribute(&preference, attribute, &alignment, sizeof alignment),
                "describing the heuristic query");
        }
        KILN_CUBLAS_RETURN_IF_ERROR(
            lt::cublasLtMatmulPreferenceSetAttribute(&preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                 &kMaxWorkspaceBytes, sizeof kMaxWorkspaceBytes),
            "describing the heuristic query");
        std::array<cublasLtMatmulHeuristicResult_t, kRequestedAlgorithms> results{};
        int returned = 0;
        KILN_CUBLAS_RETURN_IF_ERROR(
            lt::cublasLtMatmulAlgoGetHeuristic(handle.get(), descriptors.operation(), descriptors.a(),
                                           descriptors.b(), descriptors.d(), descriptors.d(), &preference,
                                           kRequestedAlgorithms, results.data(), &returned),
            "asking cuBLASLt's heuristic for algorithms");
        std::set<std::string> offered;
        for (int i = 0; i < returned; ++i) {
            if (results[size_t(i)].state != CUBLAS_STATUS_SUCCESS) continue;
            KILN_ASSIGN_OR_RETURN(const AlgoKey key, keyOf(results[size_t(i)].algo, problem.precision));
            const std::string id = tacticId(key);
            if (!offered.insert(id).second) continue;
            Result<std::unique_ptr<Tactic>> tactic =
                rebuildTactic(layer, problem, key, handle.get(), descriptors);
            if (tactic.isOk()) {
                tactics.push_back(std::move(tactic).value());
            } else {
                skipped.push_back(
                    {id, libraryName(), "cannot be rebuilt from its id: " + tactic.status().message()});
            }
        }
        if (offered.empty()) return unsupported("cuBLASLt's heuristic offers no algorithm for this product");
        return Status::ok();
    }
};

}  // namespace

const tactics::TacticProvider& cublasLtProvider() {
    static const Provider provider;
    return provider;
}

}  // namespace kiln::cuda
