// ISA detection, the blocked view of a tensor and the parallel copy shared by the Kiln CPU kernels.
#include "backends/cpu/fast/fast_common.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

namespace kiln::cpu::fast {

const char* isaName(Isa isa) {
    switch (isa) {
        case Isa::Scalar: return "scalar";
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
    }
    return "unknown";
}

bool isaSupported(Isa isa) {
    __builtin_cpu_init();
    switch (isa) {
        case Isa::Scalar: return true;
        case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case Isa::Avx512: return __builtin_cpu_supports("avx512f");
    }
    return false;
}

Isa bestIsa() {
    if (isaSupported(Isa::Avx512)) return Isa::Avx512;
    if (isaSupported(Isa::Avx2)) return Isa::Avx2;
    return Isa::Scalar;
}

BlockedView viewOf(const Dims& dims, TensorFormat format) {
    BlockedView view;
    if (dims.size() < 2) {
        view.channels = 1;
        view.spatial = volume(dims);
        return view;
    }
    view.batch = dims[0];
    view.channels = dims[1];
    for (size_t axis = 2; axis < dims.size(); ++axis) view.spatial *= dims[axis];
    // Channels-last is one block holding every (padded) channel: [N][1][spatial][C padded].
    const int64_t padding = std::max(format.channelBlock, 1);
    view.block = format.isLinear()       ? 1
                 : format.channelsLast ? (view.channels + padding - 1) / padding * padding
                                       : format.channelBlock;
    return view;
}

bool isLinearLayout(const Dims& dims, TensorFormat format) { return format.isLinear() || dims.size() < 2; }

bool worthParallel(int64_t bytes) {
    // Below this a single core moves the data in a few microseconds, about what waking the team takes.
    constexpr int64_t kSerialBytes = int64_t(128) << 10;
    return bytes >= kSerialBytes && omp_get_max_threads() > 1;
}

int teamSize() { return omp_get_max_threads(); }

int64_t dynamicChunk(int64_t units, int64_t together) {
    return std::max<int64_t>(1, std::min(together, units / (4 * int64_t(teamSize()))));
}

void parallelCopy(std::byte* target, const std::byte* source, size_t bytes) {
    if (bytes == 0 || target == source) return;
    if (!worthParallel(int64_t(bytes))) {
        std::memcpy(target, source, bytes);
        return;
    }
    // Chunks of whole cache lines, a few per thread so that a slow thread does not hold up the rest.
    const size_t chunks = size_t(teamSize()) * 4;
    const size_t chunk = ((bytes + chunks - 1) / chunks + 63) / 64 * 64;
    const int64_t count = int64_t((bytes + chunk - 1) / chunk);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) {
        const size_t begin = size_t(i) * chunk;
        std::memcpy(target + begin, source + begin, std::min(chunk, bytes - begin));
    }
}

std::string movingRefusal(const tactics::LayerConfig& config, size_t input, bool channelBlocks) {
    const Layer& layer = *config.layer;
    const Tensor* in = input < layer.inputs().size() ? layer.input(input) : nullptr;
    const Tensor* out = layer.outputs().empty() ? nullptr : layer.output(0);
    if (!in || !out || config.inputFormats.size() <= input || config.outputFormats.empty()) {
        return "needs an input, an output and their formats";
    }
    const TensorFormat from = config.inputFormats[input];
    const TensorFormat to = config.outputFormats[0];
    const auto movable = [&](const Tensor* tensor, TensorFormat format) {
        return isLinearLayout(tensor->dims(), format) || (channelBlocks && format.isBlocked());
    };
    if (!movable(in, from) || !movable(out, to)) {
        return channelBlocks ? "runs linear and channel-blocked tensors only" : "runs linear tensors only";
    }
    if (from.storage != to.storage) return "the input and output are stored in different types";
    if (from.storage == DataType::Int8 && in->dynamicRange() != out->dynamicRange()) {
        return "the input and output are stored in INT8 with different scales";
    }
    const size_t size = movedElementSize(config, input);
    if (size != 1 && size != 2 && size != 4 && size != 8) return "elements of " + std::to_string(size) + " bytes";
    return {};
}

std::string linearOwnTypeRefusal(const tactics::LayerConfig& config) {
    const Layer& layer = *config.layer;
    if (layer.inputs().empty() || !layer.input(0) || layer.outputs().empty() || config.inputFormats.empty() ||
        config.outputFormats.empty()) {
        return "needs an input, an output and their formats";
    }
    if (!config.inputFormats[0].isDefault() || !config.outputFormats[0].isDefault()) {
        return "runs linear tensors stored in their own types only";
    }
    return {};
}

size_t movedElementSize(const tactics::LayerConfig& config, size_t input) {
    return dataTypeSize(config.inputFormats[input].storage.value_or(config.layer->input(input)->type()));
}

Result<std::unique_ptr<tactics::Kernel>> KilnTactic::instantiate(std::vector<tactics::WeightBlob> weights) const {
    if (!weights.empty()) {
        return invalidModel("tactic '" + m_id + "' takes no prepared weights but was given " +
                            std::to_string(weights.size()) + "; rebuild the plan");
    }
    return m_factory();
}

}  // namespace kiln::cpu::fast
