// Transpose kernel (fast_transpose.h).
#include "backends/cpu/fast/fast_transpose.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <type_traits>

#include <omp.h>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kTransposeId = "kiln:transpose";
// Elements per tile side when the innermost axis moves: 32 x 32 of 4 bytes is 4 KiB, in L1 with its
// source lines.
constexpr int64_t kTile = 32;

struct TransposePlan {
    Dims outDims;                     // simplified output extents
    std::vector<int64_t> inStrides;   // input stride (elements) of each output axis
    size_t elementSize = 4;
    int64_t moved = -1;               // the output axis the input's innermost axis went to; -1: it stays last
};

// Row-major strides of `dims`.
std::vector<int64_t> stridesOf(const Dims& dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
    return strides;
}

// `count` rows of `row` elements, `stride` elements apart in `source`, one after another into `target`.
// The rows of a channel-blocked tensor's view are blocks of 8 or 16 four-byte lanes: copies of a size
// known when compiling.
template <typename T>
void copyRows(const T* source, int64_t stride, T* target, int64_t row, int64_t count) {
    const size_t bytes = size_t(row) * sizeof(T);
    const auto copy = [&](auto size) {
        for (int64_t i = 0; i < count; ++i)
            std::memcpy(target + i * row, source + i * stride, size);
    };
    if (bytes == 32) return copy(std::integral_constant<size_t, 32>{});
    if (bytes == 64) return copy(std::integral_constant<size_t, 64>{});
    copy(bytes);
}

template <typename T>
class TransposeKernel final : public tactics::Kernel {
public:
    explicit TransposeKernel(TransposePlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the transpose kernel needs an input and an output");
        }
        const auto* in = reinterpret_cast<const T*>(args.inputs[0]);
        auto* out = reinterpret_cast<T*>(args.outputs[0]);
        const TransposePlan& p = m_plan;
        const size_t rank = p.outDims.size();
        const int64_t total = volume(p.outDims);
        if (total == 0) return Status::ok();
        const bool parallel = worthParallel(total * int64_t(sizeof(T)) * 2);
        if (p.moved < 0) {
            // The innermost axis stays: rows of it are copied whole, each thread an equal share of them.
            // Rows that follow each other along the output's second-innermost axis (a run) lie a fixed
            // stride apart in the input, so the input offset is worked out once per run.
            const int64_t row = p.outDims[rank - 1];
            const int64_t rows = total / row;
            const size_t runAxis = rank >= 2 ? rank - 2 : 0;
            const int64_t run = rank >= 2 ? p.outDims[runAxis] : 1;
            const int64_t runStride = rank >= 2 ? p.inStrides[runAxis] : 0;
#pragma omp parallel if (parallel)
            {
                const int64_t threads = omp_get_num_threads();
                const int64_t thread = omp_get_thread_num();
                const int64_t last = rows * (thread + 1) / threads;
                for (int64_t r = rows * thread / threads; r < last;) {
                    const int64_t inRun = r % run;
                    const int64_t count = std::min(run - inRun, last - r);
                    copyRows(in + inputOffset(r / run, runAxis) + inRun * runStride, runStride, out + r * row,
                             row, count);
                    r += count;
                }
            }
            return Status::ok();
        }
        // Tiles over (moved axis a, output's innermost axis b): read along a (input-contiguous), write
        // along b (output-contiguous). Every other output axis is an outer index.
        const size_t a = size_t(p.moved);
        const size_t b = rank - 1;
        const int64_t extentA = p.outDims[a];
        const int64_t extentB = p.outDims[b];
        const int64_t strideB = p.inStrides[b];
        const std::vector<int64_t> outStrides = stridesOf(p.outDims);
        const int64_t outStrideA = outStrides[a];
        const int64_t outer = total / (extentA * extentB);
        const int64_t tilesA = (extentA + kTile - 1) / kTile;
        const int64_t tilesB = (extentB + kTile - 1) / kTile;
        const int64_t tasks = outer * tilesA * tilesB;
#pragma omp parallel for if (parallel) schedule(static)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t o = task / (tilesA * tilesB);
            const int64_t tile = task % (tilesA * tilesB);
            const int64_t a0 = tile / tilesB * kTile;
            const int64_t b0 = tile % tilesB * kTile;
            const int64_t a1 = std::min(extentA, a0 + kTile);
            const int64_t b1 = std::min(extentB, b0 + kTile);
            // The outer index's offsets, from its digits over the axes other than a and b.
            int64_t inBase = 0;
            int64_t outBase = 0;
            int64_t rest = o;
            for (size_t axis = rank; axis-- > 0;) {
                if (axis == a || axis == b) continue;
                const int64_t digit = rest % p.outDims[axis];
                rest /= p.outDims[axis];
                inBase += digit * p.inStrides[axis];
                outBase += digit * outStrides[axis];
            }
            for (int64_t j = b0; j < b1; ++j) {
                const T* source = in + inBase + j * strideB;
                T* target = out + outBase + j;
                for (int64_t i = a0; i < a1; ++i) target[i * outStrideA] = source[i];
            }
        }
        return Status::ok();
    }

private:
    // The input offset of output row `r` (every output axis before `last`, row-major).
    int64_t inputOffset(int64_t r, size_t last) const {
        int64_t offset = 0;
        for (size_t axis = last; axis-- > 0;) {
            offset += r % m_plan.outDims[axis] * m_plan.inStrides[axis];
            r /= m_plan.outDims[axis];
        }
        return offset;
    }

    TransposePlan m_plan;
};

}  // namespace

void simplifyPermutation(Dims& dims, std::vector<int64_t>& perm) {
    // Drop unit axes, renumbering the permutation.
    std::vector<int64_t> newIndex(dims.size(), -1);
    Dims keptDims;
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (dims[axis] == 1) continue;
        newIndex[axis] = int64_t(keptDims.size());
        keptDims.push_back(dims[axis]);
    }
    std::vector<int64_t> keptPerm;
    for (int64_t axis : perm) {
        if (newIndex[size_t(axis)] >= 0) keptPerm.push_back(newIndex[size_t(axis)]);
    }
    // Where each input axis lands in the output; input axes j and j + 1 merge when they land side by side.
    std::vector<size_t> position(keptDims.size());
    for (size_t i = 0; i < keptPerm.size(); ++i) position[size_t(keptPerm[i])] = i;
    Dims mergedDims;
    std::vector<size_t> groupPosition;  // the output position of each merged input axis
    for (size_t axis = 0; axis < keptDims.size(); ++axis) {
        if (axis > 0 && position[axis] == position[axis - 1] + 1) {
            mergedDims.back() *= keptDims[axis];
        } else {
            mergedDims.push_back(keptDims[axis]);
            groupPosition.push_back(position[axis]);
        }
    }
    // The merged permutation: merged input axes in the order of their output positions.
    std::vector<int64_t> mergedPerm(mergedDims.size());
    std::iota(mergedPerm.begin(), mergedPerm.end(), int64_t(0));
    std::sort(mergedPerm.begin(), mergedPerm.end(),
              [&](int64_t x, int64_t y) { return groupPosition[size_t(x)] < groupPosition[size_t(y)]; });
    if (mergedDims.empty()) {
        mergedDims.push_back(1);
        mergedPerm.push_back(0);
    }
    dims = std::move(mergedDims);
    perm = std::move(mergedPerm);
}

namespace {

// A channel-blocked tensor [N, C, d2, ...] whose C is a multiple of its block b is stored as the linear
// tensor [N, C / b, d2, ..., b]. A transpose that reads or writes such tensors is a transpose of those
// views: each input axis becomes one piece, or two where a block splits it (its blocks and the lanes of
// a block), the input's memory order and the output's list the pieces, and the view's permutation maps
// the one onto the other. A split axis that is not the blocked tensor's channel axis (the input axis that
// becomes a blocked output's channels) keeps its two pieces side by side.
struct BlockedViews {
    Dims dims;                  // the input's view
    std::vector<int64_t> perm;  // the output's view, as input view axes
};

Result<BlockedViews> blockedViews(const Dims& dims, const std::vector<int64_t>& perm, int inBlock,
                                  int outBlock) {
    const int64_t rank = int64_t(dims.size());
    if (rank < 3) return unsupported("a channel-blocked transpose needs a rank of 3 or more");
    std::vector<int64_t> block(dims.size(), 0);  // the block that splits each input axis, 0: none
    const auto split = [&](int64_t axis, int b, const char* side) -> Status {
        if (dims[size_t(axis)] % b != 0) {
            return unsupported(std::string("the ") + side + "'s channels (" +
                               std::to_string(dims[size_t(axis)]) + ") are not a multiple of its block (" +
                               std::to_string(b) + ")");
        }
        if (block[size_t(axis)] != 0 && block[size_t(axis)] != b) {
            return unsupported("the input and output keep their channels in blocks of different sizes");
        }
        block[size_t(axis)] = b;
        return Status::ok();
    };
    if (inBlock > 0) KILN_RETURN_IF_ERROR(split(1, inBlock, "input"));
    if (outBlock > 0) KILN_RETURN_IF_ERROR(split(perm[1], outBlock, "output"));
    // A piece: input axis, and 0 for a whole axis, 1 for an axis' blocks, 2 for the lanes of a block.
    using Piece = std::pair<int64_t, int>;
    const auto pieces = [&](const std::vector<int64_t>& axes, int64_t deferredAxis) {
        std::vector<Piece> list;
        for (int64_t axis : axes) {
            if (block[size_t(axis)] == 0) {
                list.push_back({axis, 0});
            } else {
                list.push_back({axis, 1});
                if (axis != deferredAxis) list.push_back({axis, 2});
            }
        }
        if (deferredAxis >= 0) list.push_back({deferredAxis, 2});
        return list;
    };
    std::vector<int64_t> inputAxes(dims.size());
    std::iota(inputAxes.begin(), inputAxes.end(), int64_t(0));
    const std::vector<Piece> in = pieces(inputAxes, inBlock > 0 ? 1 : -1);
    const std::vector<Piece> out = pieces(perm, outBlock > 0 ? perm[1] : -1);
    BlockedViews views;
    for (const auto& [axis, part] : in) {
        const int64_t b = block[size_t(axis)];
        views.dims.push_back(part == 0 ? dims[size_t(axis)] : part == 1 ? dims[size_t(axis)] / b : b);
    }
    for (const Piece& piece : out)
        views.perm.push_back(int64_t(std::find(in.begin(), in.end(), piece) - in.begin()));
    return views;
}

}  // namespace

void addTransposeTactics(const tactics::LayerConfig& config, Isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kTransposeId, kLibrary, reason}); };
    const bool transpose = layer.kind() == LayerKind::Transpose;
    if (const std::string refusal = movingRefusal(config, 0, transpose); !refusal.empty())
        return skip(refusal);
    const Tensor* input = layer.input(0);
    const size_t elementSize = movedElementSize(config);
    Dims dims = input->dims();
    std::vector<int64_t> perm;
    if (transpose) {
        perm = layer.paramsAs<TransposeParams>().perm;
        if (perm.size() != dims.size()) return skip("the permutation's length is not the input's rank");
        const TensorFormat from = config.inputFormats[0];
        const TensorFormat to = config.outputFormats[0];
        if (from.isBlocked() || to.isBlocked()) {
            auto views = blockedViews(dims, perm, from.isBlocked() ? from.channelBlock : 0,
                                      to.isBlocked() ? to.channelBlock : 0);
            if (!views.isOk()) return skip(views.status().message());
            dims = std::move(views->dims);
            perm = std::move(views->perm);
        }
    } else {
        // DepthToSpace and SpaceToDepth are transposes of a 6-D view of [N, C, H, W] (ONNX's definitions).
        if (dims.size() != 4) return skip("needs a 4-D input");
        const int64_t n = dims[0], c = dims[1], h = dims[2], w = dims[3];
        if (layer.kind() == LayerKind::DepthToSpace) {
            const auto& p = layer.paramsAs<DepthToSpaceParams>();
            const int64_t b = p.blockSize;
            if (b <= 0 || c % (b * b) != 0) return skip("the channels are not a multiple of the block size squared");
            dims = p.columnRowDepth ? Dims{n, c / (b * b), b, b, h, w} : Dims{n, b, b, c / (b * b), h, w};
            perm = p.columnRowDepth ? std::vector<int64_t>{0, 1, 4, 2, 5, 3} : std::vector<int64_t>{0, 3, 4, 1, 5, 2};
        } else {
            const int64_t b = layer.paramsAs<SpaceToDepthParams>().blockSize;
            if (b <= 0 || h % b != 0 || w % b != 0) return skip("the height or width is not a multiple of the block size");
            dims = Dims{n, c, h / b, b, w / b, b};
            perm = {0, 3, 5, 1, 2, 4};
        }
    }
    simplifyPermutation(dims, perm);
    TransposePlan plan;
    plan.elementSize = elementSize;
    const std::vector<int64_t> inStrides = stridesOf(dims);
    for (int64_t axis : perm) {
        plan.outDims.push_back(dims[size_t(axis)]);
        plan.inStrides.push_back(inStrides[size_t(axis)]);
    }
    const int64_t innermost = int64_t(dims.size()) - 1;
    if (perm.back() != innermost) {
        plan.moved = int64_t(std::find(perm.begin(), perm.end(), innermost) - perm.begin());
    }
    const auto make = [plan]() { return kernelForElementSize<TransposeKernel>(plan.elementSize, plan); };
    tactics.push_back(std::make_unique<KilnTactic>(kTransposeId, make));
}

}  // namespace kiln::cpu::fast
