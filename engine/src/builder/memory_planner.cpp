// Memory planning by lifetimes. Each tensor that owns its bytes (its aliases live inside it) gets a
// block that is live from the layer that first writes into it to the last layer that reads it or an
// alias of it. Blocks are placed largest first at the lowest offset that overlaps no block live at
// the same time (greedy by size), which packs well for the chain-and-branch shapes of networks.
// A pointwise layer may write over its first input when that input dies there ("in place").
#include "builder/memory_planner.h"

#include <algorithm>
#include <map>

namespace kiln {

namespace {

const Tensor* rootOf(const Tensor* tensor) { return tensor->alias() ? tensor->alias()->base : tensor; }

int64_t bytesOf(const Tensor* tensor) { return tensor->storageBytes(); }

int64_t alignUp(int64_t value) { return (value + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

struct Block {
    int64_t bytes = 0;
    int64_t first = 0;  // first layer index that writes it (-1: before the first layer)
    int64_t last = 0;   // last layer index that reads it
    int64_t offset = -1;
};

bool canRunInPlace(const Layer& layer) {
    switch (layer.kind()) {
        case LayerKind::Activation:
        case LayerKind::Unary:
        case LayerKind::Elementwise:
        case LayerKind::PointwiseChain: return true;
        default: return false;
    }
}

}  // namespace

int64_t activationBytes(const NetworkDefinition& network) {
    int64_t total = 0;
    for (const auto& tensor : network.tensors()) {
        if (!tensor->isConstant() && !tensor->alias()) total += bytesOf(tensor.get());
    }
    return total;
}

Result<MemoryPlan> planMemory(const NetworkDefinition& network) {
    const auto& layers = network.layers();
    const int64_t end = int64_t(layers.size());
    std::map<const Tensor*, Block> blocks;  // by root tensor
    auto touch = [&](const Tensor* tensor, int64_t index, bool writes) {
        const Tensor* root = rootOf(tensor);
        auto [it, inserted] = blocks.try_emplace(root);
        Block& block = it->second;
        if (inserted) {
            block.bytes = bytesOf(root);
            block.first = block.last = index;
        }
        if (writes) block.first = std::min(block.first, index);
        block.last = std::max(block.last, index);
    };
    for (const Tensor* input : network.inputs()) touch(input, -1, true);
    for (int64_t i = 0; i < end; ++i) {
        for (const Tensor* output : layers[size_t(i)]->outputs()) touch(output, i, true);
        for (const Tensor* input : layers[size_t(i)]->inputs()) {
            if (input && !input->isConstant()) touch(input, i, false);
        }
    }
    for (const Tensor* output : network.outputs()) {
        if (!output->isConstant()) touch(output, end, false);
    }

    // In place: the output takes over the block of an input that dies at this layer.
    std::map<const Tensor*, const Tensor*> sharesWith;  // output root -> root whose block it uses
    auto blockOwner = [&](const Tensor* root) {
        for (auto it = sharesWith.find(root); it != sharesWith.end(); it = sharesWith.find(root)) root = it->second;
        return root;
    };
    for (int64_t i = 0; i < end; ++i) {
        const Layer& layer = *layers[size_t(i)];
        if (!canRunInPlace(layer) || layer.isElided() || layer.outputs().size() != 1) continue;
        const Tensor* output = layer.output(0);
        const Tensor* input = layer.input(0);
        if (!input || input->isConstant() || input->isNetworkInput() || output->alias() || input->alias()) continue;
        if (input->dims() != output->dims() || input->storageBytes() != output->storageBytes() ||
            !(input->format() == output->format())) {
            continue;
        }
        const bool hasAliases = std::any_of(network.tensors().begin(), network.tensors().end(),
                                            [&](const auto& t) { return t->alias() && t->alias()->base == output; });
        if (hasAliases) continue;
        const Tensor* owner = blockOwner(input);
        Block& inputBlock = blocks.at(owner);
        if (inputBlock.last != i) continue;
        inputBlock.last = blocks.at(output).last;
        sharesWith[output] = owner;
        blocks.erase(output);
    }

    std::vector<Block*> order;
    for (auto& [tensor, block] : blocks) order.push_back(&block);
    // Largest first; equal sizes by lifetime, so the plan does not depend on where tensors happen to lie
    // in memory (the blocks are keyed by pointer).
    std::sort(order.begin(), order.end(), [](const Block* a, const Block* b) {
        if (a->bytes != b->bytes) return a->bytes > b->bytes;
        if (a->first != b->first) return a->first < b->first;
        return a->last < b->last;
    });
    std::vector<const Block*> placed;
    int64_t arenaBytes = 0;
    for (Block* block : order) {
        // Candidate offsets: 0 and the end of every placed block live at the same time.
        std::vector<const Block*> live;
        for (const Block* other : placed) {
            if (other->first <= block->last && block->first <= other->last) live.push_back(other);
        }
        std::sort(live.begin(), live.end(), [](const Block* a, const Block* b) { return a->offset < b->offset; });
        int64_t offset = 0;
        for (const Block* other : live) {
            if (offset + block->bytes <= other->offset) break;
            offset = std::max(offset, alignUp(other->offset + other->bytes));
        }
        block->offset = offset;
        placed.push_back(block);
        arenaBytes = std::max(arenaBytes, alignUp(offset + block->bytes));
    }

    MemoryPlan plan;
    plan.arenaBytes = arenaBytes;
    for (const auto& tensor : network.tensors()) {
        if (tensor->isConstant()) continue;
        const int64_t aliasOffset = tensor->alias() ? tensor->alias()->byteOffset : 0;
        auto it = blocks.find(blockOwner(rootOf(tensor.get())));
        if (it == blocks.end()) continue;  // read and written by nobody (an unused tensor)
        plan.offsets[tensor->name()] = it->second.offset + aliasOffset;
    }
    return plan;
}

}  // namespace kiln
