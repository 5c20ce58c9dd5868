// What every oneDNN tactic shares: the process-wide CPU engine, memory descriptors for Kiln's tensor
// formats, activations as chains of oneDNN eltwise steps, and the machinery that turns a "recipe" (how
// to describe one layer to oneDNN) into one tactic per oneDNN implementation, a weight-preparing step
// and a thread-safe kernel. oneDNN's headers stay inside this folder; nothing here is included by the
// engine core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "kiln/layers.h"
#include "tactics/tactic.h"

namespace kiln::cpu::onednn {

// One CPU engine for the process; oneDNN primitives are created on it and run on streams of it.
const dnnl::engine& cpuEngine();
// "oneDNN 2.6.3", from the library that is loaded (not the headers Kiln was built with).
const std::string& libraryName();

inline constexpr const char* kReferenceImplementationReason =
    "oneDNN reference implementation (too slow to time)";

// oneDNN dims of a Kiln shape; a scalar becomes {1} (oneDNN has no rank-0 tensors).
dnnl::memory::dims toDnnlDims(const Dims& dims);
// Row-major descriptor of `dims` (any rank up to oneDNN's 12), FP32 unless told.
dnnl::memory::desc plainDesc(const Dims& dims, dnnl::memory::data_type type = dnnl::memory::data_type::f32);
// Descriptor of an activation of `dims` in `format` with elements of `type` (FP32 unless told): plain,
// nCw/nChw/nCdhw with 4, 8 or 16 channels a block, or channels-last nwc/nhwc/ndhwc. Unsupported: other
// blocks, blocked and channels-last tensors of rank < 3 or > 5, channels-last tensors whose channels
// are padded (a channel count that is not a multiple of the padding).
Result<dnnl::memory::desc> activationDesc(const Dims& dims, TensorFormat format,
                                          dnnl::memory::data_type type = dnnl::memory::data_type::f32);

// The spatial parameters of a convolution in oneDNN's terms: dilation counts the gaps (Kiln's
// dilation - 1), pads split into the begin and end pads.
struct Window {
    dnnl::memory::dims strides;
    dnnl::memory::dims dilates;
    dnnl::memory::dims padLeft;
    dnnl::memory::dims padRight;
};
Window windowOf(const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                const std::vector<int64_t>& dilations);

// One oneDNN eltwise function: dst = f(src; alpha, beta).
struct EltwiseStep {
    dnnl::algorithm algorithm = dnnl::algorithm::eltwise_relu;
    float alpha = 0.0f;
    float beta = 0.0f;
};
// A Kiln activation as eltwise steps applied in order; Unsupported when oneDNN cannot express it.
Result<std::vector<EltwiseStep>> eltwiseSteps(const ActivationParams& activation);
// The steps as post-ops (appended to `ops`).
void appendEltwise(dnnl::post_ops& ops, const std::vector<EltwiseStep>& steps);

// Attributes every Kiln primitive uses: a user scratchpad (from KernelArgs::workspace, so that one
// primitive can run in several execution contexts at once), plus `ops`.
dnnl::primitive_attr makeAttr(const dnnl::post_ops& ops = dnnl::post_ops());

// Where a primitive argument's memory comes from at run time. Workspace operands are intermediate
// tensors at `byteOffset` in the recipe's buffer area (Recipe::bufferBytes) of the workspace.
struct Operand {
    enum class Source : uint8_t { Input, Output, Blob, Workspace };
    int arg = 0;  // DNNL_ARG_*
    dnnl::memory::desc desc;
    Source source = Source::Input;
    size_t index = 0;        // input, output or blob index (unused for the workspace)
    int64_t byteOffset = 0;  // into that buffer (a slice of a split output's bias, ...)
};

// One primitive execution of a kernel. Steps run in order on the caller's thread; each may use the
// whole workspace after the recipe's buffers as its scratchpad.
struct Step {
    dnnl::primitive primitive;
    std::vector<Operand> operands;
    dnnl::memory::desc scratchpad;
    // A copy of input `first` into output `second` (a fused residual placed where the output goes):
    // skipped when the two are the same memory and `aliasIsCopy` (same format), refused when they
    // are the same memory in different formats (an in-place reorder has no defined result).
    std::optional<std::pair<size_t, size_t>> copyOf;
    bool aliasIsCopy = true;
};

// How to describe one layer configuration to oneDNN. A recipe may need several primitives ("parts":
// one per split output, or eltwise steps in a chain); a tactic picks the same implementation for
// every part. Methods may throw dnnl::error: the tactic catches it.
class Recipe {
public:
    virtual ~Recipe() = default;
    // The middle of the tactic ids: "convolution" gives "onednn:convolution:<implementation>".
    virtual std::string primitive() const = 0;
    virtual size_t partCount() const { return 1; }
    // A fresh primitive descriptor iterator for `part`, created with allow_empty (so empty when oneDNN
    // has no implementation); see PdFactory for why the recipe owns the operation descriptors.
    virtual dnnl::primitive_desc makePd(size_t part) const = 0;
    // Weight blobs for the chosen implementations (one primitive descriptor per part). The tactic puts
    // a signature blob (library, implementation, weight layouts) in front and checks it before
    // makeSteps sees the rest.
    virtual Result<std::vector<tactics::WeightBlob>> prepareWeights(
        const std::vector<dnnl::primitive_desc>& pds) const;
    // The steps that run the layer with `blobs` (from prepareWeights, possibly read back from a plan:
    // every size is checked here).
    virtual Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                                const std::vector<tactics::WeightBlob>& blobs) const = 0;
    // Bytes of intermediate tensors (Operand::Source::Workspace) at the start of the workspace, a
    // multiple of 64; the steps' scratchpad follows them.
    virtual int64_t bufferBytes() const { return 0; }
    // Indices of the layer's constant inputs whose values the recipe itself reads when it is made (not
    // only when it prepares weights): a plan must keep them, since a loaded plan makes the recipe again.
    virtual std::vector<size_t> constantsRead() const { return {}; }
};

// Makes fresh primitive descriptor iterators for one operation. oneDNN 2.x's iterator keeps a pointer
// to the operation descriptor it was created from, so the factory owns that descriptor: it must
// outlive every iteration (next_impl) over the implementations.
using PdFactory = std::function<dnnl::primitive_desc()>;

template <typename Primitive>
PdFactory pdFactory(typename Primitive::desc desc, dnnl::primitive_attr attr) {
    auto owned = std::make_shared<const typename Primitive::desc>(std::move(desc));
    return [owned, attr]() -> dnnl::primitive_desc {
        return typename Primitive::primitive_desc(*owned, attr, cpuEngine(), true);
    };
}

// A recipe of one primitive without weights that reads input `sourceInput` (DNNL_ARG_SRC) and writes
// output 0 (DNNL_ARG_DST), plus `extraOperands` (inputs such as batch-norm statistics).
class SimpleRecipe final : public Recipe {
public:
    SimpleRecipe(std::string primitive, PdFactory make, std::vector<Operand> extraOperands = {},
                 size_t sourceInput = 0)
        : m_primitive(std::move(primitive)),
          m_make(std::move(make)),
          m_extraOperands(std::move(extraOperands)),
          m_sourceInput(sourceInput) {}

    std::string primitive() const override { return m_primitive; }
    dnnl::primitive_desc makePd(size_t) const override { return m_make(); }
    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<tactics::WeightBlob>& blobs) const override;

private:
    std::string m_primitive;
    PdFactory m_make;
    std::vector<Operand> m_extraOperands;
    size_t m_sourceInput = 0;
};

using RecipeFactory = std::function<Result<std::shared_ptr<const Recipe>>(const tactics::LayerConfig&)>;

// Refuses what commonRefusal refuses, then enumerates the implementations of the recipe `make`
// returns, or records why there is none, under "onednn:<primitive>".
void enumerateRecipe(const std::string& primitive, const tactics::LayerConfig& config,
                     const RecipeFactory& make, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped);
// The same without commonRefusal, for recipes that check the configuration themselves (those of
// reduced-precision layers): `make` returns Unsupported with the reason.
void enumerateCheckedRecipe(const std::string& primitive, const tactics::LayerConfig& config,
                            const RecipeFactory& make, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                            std::vector<tactics::SkippedTactic>& skipped);

// Appends one tactic per non-reference oneDNN implementation the recipe has (named by oneDNN's
// implementation string, which every part must offer), and the reference ones (and a recipe oneDNN
// has no implementation of) to `skipped`.
void enumerateImplementations(const std::shared_ptr<const Recipe>& recipe,
                              std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                              std::vector<tactics::SkippedTactic>& skipped);

// A SkippedTactic "onednn:<primitive>" for a configuration that no oneDNN tactic of that kind can run.
void skip(const std::string& primitive, const std::string& reason,
          std::vector<tactics::SkippedTactic>& skipped);

// Common refusals: precision other than FP32, tensors that are not FP32, empty tensors. Returns the
// reason, or nothing when the layer may be tried.
std::optional<std::string> commonRefusal(const tactics::LayerConfig& config);

// Checks that `blob` holds exactly `bytes` bytes; names the blob in the error.
Status checkBlobSize(const tactics::WeightBlob& blob, size_t bytes, const std::string& what);
// The bytes of `source` (described by `sourceDesc`) reordered into `targetDesc`.
tactics::WeightBlob reorderToBlob(const void* source, const dnnl::memory::desc& sourceDesc,
                                  const dnnl::memory::desc& targetDesc);

}  // namespace kiln::cpu::onednn
