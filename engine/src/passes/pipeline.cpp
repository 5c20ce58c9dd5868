// The ordered list of optimization passes: the one place that says which passes a build runs and in
// which order. Folding and dead-layer elimination come first so that later passes see only live layers
// with constant weights. QDQ folding follows constant folding, which has made quantized weights FP32
// constants by then; it runs with fusion off too, since an INT8 build of a quantized model takes its
// ranges from it. Batch-norm folding precedes vertical fusion so that conv + bn + relu ends as one
// layer, and vertical fusion precedes pointwise-chain fusion so that an activation joins the convolution
// before it rather than a chain. Layer-norm and GELU fusion come before pointwise-chain fusion, which
// would otherwise take parts of their patterns into chains, and GELU fusion before vertical fusion, so
// that a GELU joins the convolution, Gemm or MatMul before it. Attention and MatMul epilogue fusion run only
// where the backend runs their layers; the epilogues come after attention fusion, which reads plain MatMuls. The aliasing passes come last, horizontal fusion
// before concat elimination so that the fused outputs' views are known when concat inputs are placed,
// and reshape elimination after both so that a reshape never claims a tensor that a concat could have
// placed. Channel-permutation folding follows the fusions, so that the weights it permutes are the
// folded ones and an activation has joined its convolution, and precedes the aliasing passes, so that
// the Gathers it makes of a shuffle's slices write into a concat as the slices would have. Slice merging
// follows it too (it reads a shuffle's Slices one by one) and precedes the aliasing passes, so that a
// concat sees the Split that writes its inputs.
// Where the build lays activations out channels-last (CUDA FP16), a channel range of a tensor is not
// contiguous: horizontal fusion's split outputs and concat elimination's slices would have to stay
// linear FP32, so both are left out and concats copy.
#include "passes/pass.h"

#include "passes/attention_fusion.h"
#include "passes/batch_norm_folding.h"
#include "passes/channel_permutation_folding.h"
#include "passes/concat_elimination.h"
#include "passes/constant_folding.h"
#include "passes/dead_layer_elimination.h"
#include "passes/gelu_fusion.h"
#include "passes/horizontal_fusion.h"
#include "passes/identity_elimination.h"
#include "passes/layer_norm_fusion.h"
#include "passes/matmul_epilogue_fusion.h"
#include "passes/pad_folding.h"
#include "passes/pointwise_chain_fusion.h"
#include "passes/qdq_folding.h"
#include "passes/reshape_elimination.h"
#include "passes/slice_merging.h"
#include "passes/vertical_fusion.h"

namespace kiln::passes {

std::vector<PassEntry> optimizationPipeline(bool enableFusion, bool channelSlices, BackendFusions fusions) {
    if (!enableFusion) {
        return {
            {"constant folding", foldConstants},
            {"QDQ folding", foldQuantizeDequantize},
            {"dead-layer elimination", eliminateDeadLayers},
        };
    }
    std::vector<PassEntry> passes{
        {"constant folding", foldConstants},
        {"QDQ folding", foldQuantizeDequantize},
        {"dead-layer elimination", eliminateDeadLayers},
        {"identity elimination", eliminateIdentities},
        {"pad folding", foldPads},
        {"batch-norm folding", foldBatchNorms},
        {"layer-norm fusion", fuseLayerNorms},
        {"GELU fusion", fuseGelus},
        {"attention fusion", fuseAttention},
        {"MatMul epilogue fusion", fuseMatMulEpilogues},
        {"vertical fusion", fuseVertically},
        {"pointwise-chain fusion", fusePointwiseChains},
        {"channel-permutation folding", foldChannelPermutations},
        {"slice merging", mergeSlices},
        {"horizontal fusion", fuseHorizontally},
        {"concat elimination", eliminateConcats},
        {"reshape elimination", eliminateReshapes},
    };
    std::erase_if(passes, [&](const PassEntry& entry) {
        return (!fusions.attention && entry.run == fuseAttention) ||
               (!fusions.matMulEpilogues && entry.run == fuseMatMulEpilogues) ||
               (!channelSlices && (entry.run == fuseHorizontally || entry.run == eliminateConcats));
    });
    return passes;
}

}  // namespace kiln::passes
