// What every tactic provider shares: a layer's configuration, lookup of a tactic by id, and the
// provider of an id. Which providers a backend has is the backend's (Backend::providers()).
#include "tactics/tactic.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace kiln::tactics {

namespace {

// 64-byte aligned, zeroed bytes (at least one, so that data() is never null).
std::shared_ptr<std::byte> alignedBytes(size_t size) {
    const size_t capacity = std::max<size_t>(64, (size + 63) / 64 * 64);
    auto* bytes = static_cast<std::byte*>(std::aligned_alloc(64, capacity));
    if (!bytes) throw std::bad_alloc();
    std::memset(bytes, 0, capacity);
    return std::shared_ptr<std::byte>(bytes, [](std::byte* p) { std::free(p); });
}

}  // namespace

WeightBlob::WeightBlob(size_t size) : m_size(size), m_ownsBytes(true) {
    auto bytes = alignedBytes(size);
    m_data = bytes.get();
    m_owner = std::move(bytes);
}

WeightBlob::WeightBlob(const std::byte* first, const std::byte* last) : WeightBlob(size_t(last - first)) {
    if (m_size > 0) std::memcpy(mutableData(), first, m_size);
}

WeightBlob WeightBlob::view(const std::byte* data, size_t size, std::shared_ptr<const void> owner) {
    WeightBlob blob;
    blob.m_owner = std::move(owner);
    blob.m_data = data;
    blob.m_size = size;
    return blob;
}

std::byte* WeightBlob::mutableData() {
    // The bytes are this blob's own allocation (never a view's): writing them changes no one else's.
    return m_ownsBytes ? const_cast<std::byte*>(m_data) : nullptr;
}

bool WeightBlob::operator==(const WeightBlob& other) const {
    return m_size == other.m_size && (m_size == 0 || std::memcmp(m_data, other.m_data, m_size) == 0);
}

LayerConfig LayerConfig::of(const Layer& layer) {
    LayerConfig config;
    config.layer = &layer;
    for (const Tensor* input : layer.inputs()) {
        config.inputFormats.push_back(input && !input->isConstant() ? input->format() : TensorFormat{});
    }
    for (const Tensor* output : layer.outputs()) config.outputFormats.push_back(output->format());
    // A layer runs in reduced precision when the builder stores its first output in a narrower type
    // (an FP32 tensor held as FP16); otherwise it computes in the network's own types.
    if (const Tensor* output = layer.output(0); output && output->format().storage) {
        config.precision = *output->format().storage;
    }
    return config;
}

bool storesReducedPrecision(const LayerConfig& config) {
    const auto reduced = [](const TensorFormat& format) { return format.storage.has_value(); };
    return std::any_of(config.inputFormats.begin(), config.inputFormats.end(), reduced) ||
           std::any_of(config.outputFormats.begin(), config.outputFormats.end(), reduced);
}

Result<std::unique_ptr<Tactic>> TacticProvider::find(const LayerConfig& config, const std::string& id) const {
    std::vector<std::unique_ptr<Tactic>> tactics;
    std::vector<SkippedTactic> skipped;
    enumerate(config, tactics, skipped);
    for (auto& tactic : tactics) {
        if (tactic->id() == id) return std::move(tactic);
    }
    for (const SkippedTactic& skip : skipped) {
        if (skip.id == id) {
            return notFound("tactic '" + id + "' cannot run layer '" + config.layer->name() + "' here: " + skip.reason);
        }
    }
    std::string offered;
    for (const auto& tactic : tactics) offered += (offered.empty() ? "" : ", ") + tactic->id();
    return notFound("there is no tactic '" + id + "' for layer '" + config.layer->name() +
                    "' in this build of Kiln on this machine (it offers " + (offered.empty() ? "none" : offered) + ")");
}

const TacticProvider* providerOf(const std::vector<const TacticProvider*>& providers, const std::string& tacticId) {
    for (const TacticProvider* provider : providers) {
        const std::string prefix = provider->name() + ":";
        if (tacticId.compare(0, prefix.size(), prefix) == 0) return provider;
    }
    return nullptr;
}

int preferredCpuChannelBlock() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 16;
    if (__builtin_cpu_supports("avx2")) return 8;
    return 0;
}

}  // namespace kiln::tactics
