// oneDNN matmul tactics for Gemm and MatMul, on linear tensors. Constant 2-D weights are reordered at
// build time into the layout the implementation picks; other operands are read where they lie, the
// transposes of Gemm being strides of the same memory. Gemm's alpha * op(A) op(B) + beta * C maps to:
//   - alpha: folded into constant weights while they are reordered, else an eltwise linear post-op;
//   - beta * C: prepared once when C is constant (else C is read at run time, for beta 1 only), then
//     the bias when it is a row ([N] or [1, N]), else a binary add post-op.
// The fused activation follows as eltwise post-ops. BF16 layers run the same recipes on bfloat16 A and B.
// Constant 2-D FP32 weights are also offered transposed ("matmul_bt": B stored [N, K]), whatever
// layout the layer holds them in: where oneDNN's choice is plain [K, N] (its gemm on AVX2), rows of
// 2^n x 3 floats put every row of a panel in the same cache sets (4K aliasing), and [N, K] runs a
// 768 -> 3072 projection about twice as fast. The builder times both.
#include <algorithm>

#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_provider.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;
using tactics::WeightBlob;

// Where an operand of the matmul comes from: a layer input read at run time, or a prepared blob.
struct Source {
    bool prepared = false;
    size_t input = 0;
};

// The layout constant weights are prepared in: oneDNN's choice, or [N, K] (rows of K).
enum class WeightLayout { Chosen, Transposed };

class MatmulRecipe final : public Recipe {
public:
    memory::desc src;                                   // input 0 (A)
    memory::desc weights;                               // B as the layer holds it
    std::shared_ptr<const HostTensor> constantWeights;  // set: reordered into the implementation's layout
    float weightScale = 1.0f;                           // applied to constant weights while reordering
    memory::desc dst;
    std::optional<memory::desc> bias;
    Source biasSource;
    std::optional<memory::desc> addend;  // binary post-op operand
    int addendPostOp = 0;
    Source addendSource;
    // A constant C term, multiplied by `cScale` and broadcast to `constantCDesc` (2-D) into the blob
    // that is the bias or the addend.
    std::shared_ptr<const HostTensor> constantC;
    Dims constantCDims;  // C's own dims as 2-D
    memory::desc constantCDesc;
    float cScale = 1.0f;
    // The type A and B are multiplied in: f32, or bf16 for BF16 layers (constant weights are reordered
    // to bfloat16; the product accumulates in FP32, and the bias stays FP32).
    memory::data_type type = memory::data_type::f32;
    WeightLayout weightLayout = WeightLayout::Chosen;
    PdFactory factory;

    // Describes the operation once every field above is set.
    void finish(const dnnl::primitive_attr& attr) {
        memory::desc w = weights;
        if (constantWeights) {
            w = weightLayout == WeightLayout::Transposed
                    ? memory::desc(weights.dims(), type, memory::format_tag::ba)
                    : memory::desc(weights.dims(), type, memory::format_tag::any);
        }
        factory = pdFactory<dnnl::matmul>(
            bias ? dnnl::matmul::desc(src, w, *bias, dst) : dnnl::matmul::desc(src, w, dst), attr);
    }

    std::string primitive() const override {
        if (type == memory::data_type::bf16) return "matmul_bf16";
        return weightLayout == WeightLayout::Transposed ? "matmul_bt" : "matmul";
    }
    dnnl::primitive_desc makePd(size_t) const override { return factory(); }

    Result<std::vector<WeightBlob>> prepareWeights(
        const std::vector<dnnl::primitive_desc>& pds) const override {
        std::vector<WeightBlob> blobs;
        if (constantWeights) {
            std::vector<float> scaled;
            const float* source = constantWeights->data<float>();
            if (weightScale != 1.0f) {
                scaled.assign(source, source + constantWeights->elementCount());
                for (float& value : scaled)
                    value *= weightScale;
                source = scaled.data();
            }
            blobs.push_back(reorderToBlob(source, weights, pds[0].weights_desc(0)));
        }
        if (constantC) {
            WeightBlob blob(constantCDesc.get_size());
            float* target = reinterpret_cast<float*>(blob.mutableData());
            const float* c = constantC->data<float>();
            const memory::dims dims = constantCDesc.dims();
            for (int64_t i = 0; i < dims[0]; ++i) {
                for (int64_t j = 0; j < dims[1]; ++j) {
                    const int64_t source =
                        (constantCDims[0] == 1 ? 0 : i) * constantCDims[1] + (constantCDims[1] == 1 ? 0 : j);
                    target[i * dims[1] + j] = float(double(cScale) * c[source]);
                }
            }
            blobs.push_back(std::move(blob));
        }
        return blobs;
    }

    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<WeightBlob>& blobs) const override {
        const size_t expected = (constantWeights ? 1 : 0) + (constantC ? 1 : 0);
        if (blobs.size() != expected) {
            return invalidModel("the oneDNN matmul tactic takes " + std::to_string(expected) +
                                " weight blobs; got " + std::to_string(blobs.size()));
        }
        const dnnl::primitive_desc& pd = pds[0];
        Step step;
        step.primitive = dnnl::primitive(pd);
        step.operands.push_back({DNNL_ARG_SRC, pd.src_desc(0), Operand::Source::Input, 0});
        size_t blob = 0;
        if (constantWeights) {
            KILN_RETURN_IF_ERROR(checkBlobSize(blobs[blob], pd.weights_desc(0).get_size(), "weight blob 0"));
            step.operands.push_back({DNNL_ARG_WEIGHTS, pd.weights_desc(0), Operand::Source::Blob, blob++});
        } else {
            step.operands.push_back({DNNL_ARG_WEIGHTS, weights, Operand::Source::Input, 1});
        }
        if (constantC) {
            KILN_RETURN_IF_ERROR(
                checkBlobSize(blobs[blob], constantCDesc.get_size(), "blob " + std::to_string(blob)));
        }
        auto operandOf = [&](int arg, const memory::desc& desc, const Source& source) -> Operand {
            return source.prepared ? Operand{arg, desc, Operand::Source::Blob, blob}
                                   : Operand{arg, desc, Operand::Source::Input, source.input};
        };
        if (bias) step.operands.push_back(operandOf(DNNL_ARG_BIAS, *bias, biasSource));
        if (addend) {
            step.operands.push_back(operandOf(DNNL_ARG_ATTR_MULTIPLE_POST_OP(addendPostOp) | DNNL_ARG_SRC_1,
                                              *addend, addendSource));
        }
        step.operands.push_back({DNNL_ARG_DST, pd.dst_desc(0), Operand::Source::Output, 0});
        step.scratchpad = pd.scratchpad_desc();
        std::vector<Step> steps;
        steps.push_back(std::move(step));
        return steps;
    }
};

memory::desc stridedDesc(const memory::dims& dims, const memory::dims& strides,
                         memory::data_type type = memory::data_type::f32) {
    return memory::desc(dims, type, strides);
}

// The oneDNN type of a tensor stored in `format`: bf16 for BF16 storage, else f32.
memory::data_type storedType(const TensorFormat& format) {
    return format.storage == DataType::BFloat16 ? memory::data_type::bf16 : memory::data_type::f32;
}

// For a BF16 layer: A, and B where it is computed at run time, stored in BF16 (oneDNN multiplies
// operands of one type); the output in BF16 or FP32.
Status requireBf16Operands(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    if (config.precision != DataType::BFloat16) return unsupported("runs BF16 layers only");
    for (size_t i = 0; i < 2; ++i) {
        if (!layer.input(i)->isConstant() && config.inputFormats[i].storage != DataType::BFloat16) {
            return unsupported("needs A and a computed B stored in BF16; input " + std::to_string(i) + " is not");
        }
    }
    for (size_t i = 0; i < config.inputFormats.size(); ++i) {
        const auto storage = config.inputFormats[i].storage;
        if (storage && *storage != DataType::BFloat16) return unsupported("input " + std::to_string(i) + " is not FP32 or BF16");
    }
    const auto output = config.outputFormats[0].storage;
    if (output && *output != DataType::BFloat16) return unsupported("the output is not stored in FP32 or BF16");
    if (!onednnHasBf16()) {
        return unsupported("this CPU has no BF16 instructions (AVX-512 BF16); the simulated BF16 tactics run it");
    }
    return Status::ok();
}

Status requireLinear(const LayerConfig& config) {
    for (const TensorFormat& format : config.inputFormats) {
        if (!format.isLinear()) return unsupported("needs linear (NCHW) tensors");
    }
    for (const TensorFormat& format : config.outputFormats) {
        if (!format.isLinear()) return unsupported("needs linear (NCHW) tensors");
    }
    return Status::ok();
}

// Refuses the transposed layout where it does not apply: constant 2-D FP32 weights only.
Status checkWeightLayout(const MatmulRecipe& recipe, WeightLayout layout) {
    if (layout == WeightLayout::Chosen) return Status::ok();
    if (!recipe.constantWeights || recipe.weights.dims().size() != 2 ||
        recipe.type != memory::data_type::f32) {
        return unsupported(
            "transposed weights are offered for constant 2-D (or batch-free) FP32 weights only");
    }
    return Status::ok();
}

Result<std::shared_ptr<const Recipe>> gemmRecipe(const LayerConfig& config, WeightLayout layout) {
    KILN_RETURN_IF_ERROR(requireLinear(config));
    const Layer& layer = *config.layer;
    const auto& p = layer.paramsAs<GemmParams>();
    const Dims& a = layer.input(0)->dims();
    const int64_t m = layer.output(0)->dims()[0];
    const int64_t n = layer.output(0)->dims()[1];
    const int64_t k = p.transA ? a[0] : a[1];
    auto recipe = std::make_shared<MatmulRecipe>();
    recipe->type = storedType(config.inputFormats[0]);
    recipe->src = stridedDesc({m, k}, p.transA ? memory::dims{1, m} : memory::dims{k, 1}, recipe->type);
    const bool constantB = layer.input(1)->isConstant();
    recipe->weights = stridedDesc({k, n}, p.transB ? memory::dims{1, k} : memory::dims{n, 1},
                                  constantB ? memory::data_type::f32 : storedType(config.inputFormats[1]));
    if (constantB) recipe->constantWeights = layer.input(1)->constantData();
    recipe->weightLayout = layout;
    KILN_RETURN_IF_ERROR(checkWeightLayout(*recipe, layout));
    recipe->dst = plainDesc({m, n}, storedType(config.outputFormats[0]));

    dnnl::post_ops ops;
    bool linearBeforeBinary = false;
    if (p.alpha != 1.0f) {
        if (recipe->constantWeights) {
            recipe->weightScale = p.alpha;
        } else {
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, p.alpha, 0.0f);
            linearBeforeBinary = true;
        }
    }
    const Tensor* c = layer.input(2);
    bool binaryAdd = false;
    if (c && p.beta != 0.0f) {
        Dims cDims = c->dims();
        while (cDims.size() < 2)
            cDims.insert(cDims.begin(), 1);
        memory::desc cDesc = plainDesc(cDims, c->isConstant() ? memory::data_type::f32 : storedType(config.inputFormats[2]));
        Source source{false, 2};
        if (c->isConstant()) {
            recipe->constantC = c->constantData();
            recipe->constantCDims = cDims;
            // oneDNN's jit matmul adds a [M, 1] operand only in its reference implementation: a
            // constant one is prepared at its full [M, N] size instead.
            if (cDims[0] > 1 && cDims[1] == 1 && n > 1) cDesc = plainDesc({m, n});
            recipe->constantCDesc = cDesc;
            recipe->cScale = p.beta;
            source = {true, 0};
        } else if (p.beta != 1.0f) {
            return unsupported("a C computed at run time with beta " + std::to_string(p.beta) +
                               " is not offered: oneDNN cannot scale a bias or binary operand");
        }
        // The bias is added to the accumulator, before any post-op: only where alpha is already in it.
        // oneDNN's jit implementations take a [1, N] bias only.
        if (cDesc.dims() == memory::dims{1, n} && recipe->weightScale == p.alpha &&
            cDesc.data_type() == memory::data_type::f32) {
            recipe->bias = cDesc;
            recipe->biasSource = source;
        } else {
            recipe->addendPostOp = ops.len();
            ops.append_binary(dnnl::algorithm::binary_add, cDesc);
            recipe->addend = cDesc;
            recipe->addendSource = source;
            binaryAdd = true;
        }
    }
    if (p.activation) {
        KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps, eltwiseSteps(*p.activation));
        const bool linearAfter = std::any_of(steps.begin(), steps.end(), [](const EltwiseStep& s) {
            return s.algorithm == dnnl::algorithm::eltwise_linear;
        });
        // oneDNN 2.6's jit matmul computes linear, binary, linear post-op chains wrongly (the second
        // linear lands before the binary add).
        if (linearBeforeBinary && binaryAdd && linearAfter) {
            return unsupported(std::string("alpha with a run-time B, a full C and ") +
                               toString(p.activation->type) +
                               " is not offered: oneDNN 2.6 computes that post-op chain wrongly");
        }
        appendEltwise(ops, steps);
    }
    recipe->finish(makeAttr(ops));
    return std::shared_ptr<const Recipe>(std::move(recipe));
}

// `dims` with leading 1s up to `rank`.
memory::dims padRank(const Dims& dims, size_t rank) {
    memory::dims padded(rank - std::min(rank, dims.size()), 1);
    padded.insert(padded.end(), dims.begin(), dims.end());
    return padded;
}

Result<std::shared_ptr<const Recipe>> matMulRecipe(const LayerConfig& config, WeightLayout layout) {
    KILN_RETURN_IF_ERROR(requireLinear(config));
    const Layer& layer = *config.layer;
    // Rank-1 operands as numpy promotes them: A [K] is [1, K], B [K] is [K, 1].
    Dims a = layer.input(0)->dims();
    Dims b = layer.input(1)->dims();
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    size_t rank = std::max(a.size(), b.size());
    if (rank > DNNL_MAX_NDIMS) return unsupported("oneDNN matmul takes at most 12 dimensions");
    memory::dims aDims = padRank(a, rank);
    memory::dims bDims = padRank(b, rank);
    // B without batch dimensions (a projection's weights): A's batch dimensions are more rows of one
    // product, [batch * M, K] x [K, N], the same bytes, instead of a batch of thin ones (a [197, 1, 768]
    // sequence-first activation would otherwise be 197 products of one row each).
    if (rank > 2 && std::all_of(bDims.begin(), bDims.end() - 2, [](int64_t extent) { return extent == 1; })) {
        int64_t rows = 1;
        for (size_t i = 0; i + 1 < rank; ++i) rows *= aDims[i];
        aDims = {rows, aDims[rank - 1]};
        bDims = {bDims[rank - 2], bDims[rank - 1]};
        rank = 2;
    }
    memory::dims dstDims(rank);
    for (size_t i = 0; i + 2 < rank; ++i)
        dstDims[i] = std::max(aDims[i], bDims[i]);
    dstDims[rank - 2] = aDims[rank - 2];
    dstDims[rank - 1] = bDims[rank - 1];
    auto recipe = std::make_shared<MatmulRecipe>();
    recipe->type = storedType(config.inputFormats[0]);
    recipe->src = plainDesc(Dims(aDims.begin(), aDims.end()), recipe->type);
    // Constant weights get the implementation's own layout at build time: 2-D ones (those of any rank
    // without batch dimensions are 2-D by now), and every one in a BF16 layer, which must be reordered to
    // bfloat16 anyway.
    const bool constantB = layer.input(1)->isConstant();
    const bool prepared = constantB && (rank == 2 || recipe->type == memory::data_type::bf16);
    recipe->weights = plainDesc(Dims(bDims.begin(), bDims.end()),
                                constantB ? memory::data_type::f32 : storedType(config.inputFormats[1]));
    if (prepared) recipe->constantWeights = layer.input(1)->constantData();
    recipe->weightLayout = layout;
    KILN_RETURN_IF_ERROR(checkWeightLayout(*recipe, layout));
    recipe->dst = plainDesc(Dims(dstDims.begin(), dstDims.end()), storedType(config.outputFormats[0]));
    if (volume(Dims(dstDims.begin(), dstDims.end())) != volume(layer.output(0)->dims())) {
        return internalError("matmul output " + toString(layer.output(0)->dims()) +
                             " does not match the operands");
    }
    // The epilogue: the bias [N] added to the accumulator (a constant one prepared as [1, N], oneDNN's
    // jit implementations take no other), the residual as a binary add post-op, the activation as eltwise
    // post-ops.
    dnnl::post_ops ops;
    const Tensor* bias = layer.inputs().size() > 2 ? layer.input(2) : nullptr;
    if (bias) {
        if (rank != 2 || !bias->isConstant()) {
            return unsupported("a bias is offered on a product with 2-D (or batch-free) weights, as a constant");
        }
        const int64_t n = dstDims[1];
        recipe->constantC = bias->constantData();
        recipe->constantCDims = {1, n};
        recipe->constantCDesc = plainDesc({1, n});
        recipe->bias = recipe->constantCDesc;
        recipe->biasSource = {true, 0};
    }
    const Tensor* residual = layer.inputs().size() > 3 ? layer.input(3) : nullptr;
    if (residual) {
        const memory::desc desc = plainDesc(Dims(dstDims.begin(), dstDims.end()), storedType(config.inputFormats[3]));
        recipe->addendPostOp = ops.len();
        ops.append_binary(dnnl::algorithm::binary_add, desc);
        recipe->addend = desc;
        recipe->addendSource = {false, 3};
    }
    if (const auto& activation = layer.paramsAs<MatMulParams>().activation) {
        KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps, eltwiseSteps(*activation));
        appendEltwise(ops, steps);
    }
    recipe->finish(makeAttr(ops));
    return std::shared_ptr<const Recipe>(std::move(recipe));
}

// The recipe in oneDNN's layout, then, where that one runs and the weights are constant, in the
// transposed one.
void enumerateBothLayouts(const LayerConfig& config, TacticList& tactics, SkippedList& skipped,
                          Result<std::shared_ptr<const Recipe>> (*make)(const LayerConfig&, WeightLayout)) {
    const size_t before = tactics.size();
    enumerateRecipe(
        "matmul", config, [make](const LayerConfig& c) { return make(c, WeightLayout::Chosen); }, tactics,
        skipped);
    const Layer& layer = *config.layer;
    if (tactics.size() == before || !layer.input(1)->isConstant()) return;
    enumerateRecipe(
        "matmul_bt", config, [make](const LayerConfig& c) { return make(c, WeightLayout::Transposed); },
        tactics, skipped);
}

}  // namespace

void enumerateGemm(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateBothLayouts(config, tactics, skipped, gemmRecipe);
}

void enumerateMatMul(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateBothLayouts(config, tactics, skipped, matMulRecipe);
}

void enumerateBf16Matmul(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    const bool gemm = config.layer->kind() == LayerKind::Gemm;
    enumerateCheckedRecipe(
        "matmul_bf16", config,
        [gemm](const LayerConfig& c) -> Result<std::shared_ptr<const Recipe>> {
            KILN_RETURN_IF_ERROR(requireBf16Operands(c));
            return gemm ? gemmRecipe(c, WeightLayout::Chosen) : matMulRecipe(c, WeightLayout::Chosen);
        },
        tactics, skipped);
}

}  // namespace kiln::cpu::onednn
