// The Kiln CPU provider: one explicit table from layer kind to the family of Kiln kernels that runs it.
// Kinds without an entry get nothing (oneDNN and the reference cover them).
#include "backends/cpu/fast/fast_provider.h"

#include "backends/cpu/fast/fast_argminmax.h"
#include "backends/cpu/fast/fast_attention.h"
#include "backends/cpu/fast/fast_broadcast.h"
#include "backends/cpu/fast/fast_cast.h"
#include "backends/cpu/fast/fast_concat.h"
#include "backends/cpu/fast/fast_convert.h"
#include "backends/cpu/fast/fast_copy.h"
#include "backends/cpu/fast/fast_direct_convolution.h"
#include "backends/cpu/fast/fast_gather.h"
#include "backends/cpu/fast/fast_gemm.h"
#include "backends/cpu/fast/fast_layer_norm.h"
#include "backends/cpu/fast/fast_lrn.h"
#include "backends/cpu/fast/fast_pad.h"
#include "backends/cpu/fast/fast_pointwise.h"
#include "backends/cpu/fast/fast_pooling.h"
#include "backends/cpu/fast/fast_quantize.h"
#include "backends/cpu/fast/fast_reduce.h"
#include "backends/cpu/fast/fast_reformat.h"
#include "backends/cpu/fast/fast_resize.h"
#include "backends/cpu/fast/fast_select.h"
#include "backends/cpu/fast/fast_slice.h"
#include "backends/cpu/fast/fast_softmax.h"
#include "backends/cpu/fast/fast_transpose.h"
#include "backends/cpu/fast/fast_winograd.h"

namespace kiln::cpu {

namespace {

class FastProvider final : public tactics::TacticProvider {
public:
    explicit FastProvider(fast::Isa isa) : m_isa(isa) {}

    std::string name() const override { return "kiln"; }

    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        if (!config.layer) return;
        // Reduced storage is the simulated provider's (tactics/simulated_precision.h), except the layers
        // that move what is stored (concat, transpose, slice, pad, gather, expand, tile, reshape, identity;
        // INT8 ones requantize where scales differ, or refuse), the pointwise kernels, which widen tiles to
        // FP32 and narrow the results back, reductions and layer norms of BF16 tensors, and reformats that
        // change only the storage type.
        if (tactics::storesReducedPrecision(config)) {
            switch (config.layer->kind()) {
                case LayerKind::Reformat: fast::addConvertTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Reduce: fast::addReduceTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Reshape:
                case LayerKind::Identity: fast::addCopyTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::LayerNorm: fast::addLayerNormTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Concat: fast::addConcatTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Transpose: fast::addTransposeTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Slice: fast::addSliceTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Pad: fast::addPadTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Gather: fast::addGatherTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::Expand:
                case LayerKind::Tile: fast::addBroadcastTactics(config, m_isa, tactics, skipped); return;
                case LayerKind::PointwiseChain:
                case LayerKind::Activation:
                case LayerKind::Unary:
                case LayerKind::Elementwise: fast::addPointwiseTactics(config, m_isa, tactics, skipped); return;
                default: return;
            }
        }
        switch (config.layer->kind()) {
            case LayerKind::Reformat: fast::addReformatTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::PointwiseChain:
            case LayerKind::Activation:
            case LayerKind::Unary:
            case LayerKind::Elementwise: fast::addPointwiseTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Concat: fast::addConcatTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Pooling: fast::addPoolingTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Transpose:
            case LayerKind::DepthToSpace:
            case LayerKind::SpaceToDepth: fast::addTransposeTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Reduce: fast::addReduceTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Reshape:
            case LayerKind::Identity: fast::addCopyTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::LayerNorm:
            case LayerKind::InstanceNorm: fast::addLayerNormTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Slice: fast::addSliceTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Pad: fast::addPadTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Cast: fast::addCastTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Select: fast::addSelectTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::ArgMinMax: fast::addArgMinMaxTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Lrn: fast::addLrnTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Quantize:
            case LayerKind::Dequantize: fast::addQuantizeTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Split: fast::addSplitTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Softmax: fast::addSoftmaxTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Attention: fast::addAttentionTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::MatMul:
            case LayerKind::Gemm:
                fast::addGemmTactics(config, m_isa, tactics, skipped);
                return;
            case LayerKind::Resize: fast::addResizeTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Gather: fast::addGatherTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Expand:
            case LayerKind::Tile: fast::addBroadcastTactics(config, m_isa, tactics, skipped); return;
            case LayerKind::Convolution:
                fast::addWinogradTactics(config, m_isa, tactics, skipped);
                fast::addDirectConvolutionTactics(config, m_isa, tactics, skipped);
                return;
            default: return;
        }
    }

private:
    fast::Isa m_isa;
};

}  // namespace

const tactics::TacticProvider& fastProvider() {
    static const FastProvider provider(fast::bestIsa());
    return provider;
}

std::unique_ptr<tactics::TacticProvider> makeFastProvider(fast::Isa isa) { return std::make_unique<FastProvider>(isa); }

}  // namespace kiln::cpu
