// The oneDNN provider: routes each layer kind to its recipes. Kinds oneDNN has no primitive for
// (shuffles, reductions, resize, ...) get nothing, as the TacticProvider contract asks.
#include "backends/cpu/onednn/onednn_provider.h"

#include <exception>

#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu {
namespace {

class OnednnProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "onednn"; }

    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        if (!config.layer) return;
        // The recipes catch oneDNN's errors themselves; this is the last line against anything else
        // (an allocation failure) leaving the provider.
        try {
            if (tactics::storesReducedPrecision(config)) {
                dispatchReduced(config, tactics, skipped);
            } else {
                dispatch(config, tactics, skipped);
            }
        } catch (const std::exception& e) {
            skipped.push_back({"onednn", onednn::libraryName(),
                               std::string("unexpected error while enumerating: ") + e.what()});
        } catch (...) {
            skipped.push_back({"onednn", onednn::libraryName(), "unexpected error while enumerating"});
        }
    }

private:
    // Layers with tensors stored in reduced precision: INT8 and BF16 convolutions and poolings, and BF16
    // matrix products, run here; FP16 storage and the other layers are the simulated provider's (tactics/simulated_precision.h).
    static void dispatchReduced(const tactics::LayerConfig& config,
                                std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                                std::vector<tactics::SkippedTactic>& skipped) {
        const bool int8Input = !config.inputFormats.empty() && config.inputFormats[0].storage == DataType::Int8;
        if (config.layer->kind() == LayerKind::Convolution && int8Input) {
            onednn::enumerateInt8Convolution(config, tactics, skipped);
        }
        if (config.layer->kind() == LayerKind::Pooling && int8Input) {
            onednn::enumerateInt8Pooling(config, tactics, skipped);
        }
        const bool bf16Input = !config.inputFormats.empty() && config.inputFormats[0].storage == DataType::BFloat16;
        if (config.layer->kind() == LayerKind::Convolution && bf16Input) {
            onednn::enumerateBf16Convolution(config, tactics, skipped);
        }
        if (config.layer->kind() == LayerKind::Pooling && bf16Input) {
            onednn::enumerateBf16Pooling(config, tactics, skipped);
        }
        if ((config.layer->kind() == LayerKind::Gemm || config.layer->kind() == LayerKind::MatMul) && bf16Input) {
            onednn::enumerateBf16Matmul(config, tactics, skipped);
        }
    }

    static void dispatch(const tactics::LayerConfig& config,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
        switch (config.layer->kind()) {
            case LayerKind::Convolution:
                return onednn::enumerateConvolution(config, tactics, skipped);
            case LayerKind::Deconvolution:
                return onednn::enumerateDeconvolution(config, tactics, skipped);
            case LayerKind::Gemm:
                return onednn::enumerateGemm(config, tactics, skipped);
            case LayerKind::MatMul:
                return onednn::enumerateMatMul(config, tactics, skipped);
            case LayerKind::Pooling:
                return onednn::enumeratePooling(config, tactics, skipped);
            case LayerKind::Lrn:
                return onednn::enumerateLrn(config, tactics, skipped);
            case LayerKind::Softmax:
                return onednn::enumerateSoftmax(config, tactics, skipped);
            case LayerKind::BatchNorm:
                return onednn::enumerateBatchNorm(config, tactics, skipped);
            case LayerKind::Activation:
                return onednn::enumerateActivation(config, tactics, skipped);
            case LayerKind::Unary:
                return onednn::enumerateUnary(config, tactics, skipped);
            case LayerKind::Elementwise:
                return onednn::enumerateElementwise(config, tactics, skipped);
            default:
                return;
        }
    }
};

}  // namespace

namespace {
// cpu_isa values are bit sets, each containing the ones it extends.
bool effectiveIsaIncludes(dnnl::cpu_isa wanted) {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    return (isa & static_cast<unsigned>(wanted)) == static_cast<unsigned>(wanted);
}
}  // namespace

bool onednnHasAmx() { return effectiveIsaIncludes(dnnl::cpu_isa::avx512_core_amx); }
bool onednnHasBf16() { return effectiveIsaIncludes(dnnl::cpu_isa::avx512_core_bf16); }

const tactics::TacticProvider& onednnProvider() {
    static const OnednnProvider provider;
    return provider;
}

}  // namespace kiln::cpu
