// Timing cache files: a 32-byte header ("KILNTIME", uint32 format version, uint32 zero, uint64 body
// length, uint64 FNV-1a-64 of the body; little-endian) and a protobuf body naming the Kiln version and
// device fingerprint it was measured with.
#include "builder/timing_cache.h"

#include "kiln/file_reading.h"
#include "kiln/message.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"
#include "plan.pb.h"
#include "plan/plan_format.h"

namespace kiln::builder {

namespace {

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'T', 'I', 'M', 'E'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 32;

void putU64(std::string& bytes, size_t at, uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes[at + size_t(i)] = char((value >> (8 * i)) & 0xff);
}
uint64_t getU64(const std::string& bytes, size_t at) {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t(uint8_t(bytes[at + size_t(i)])) << (8 * i);
    return value;
}

}  // namespace

std::string layerSignature(const Layer& layer, DataType precision) {
    std::ostringstream out;
    out << toString(layer.kind()) << '|' << describeLayer(layer) << '|' << toString(precision);
    for (const Tensor* input : layer.inputs()) {
        out << "|in ";
        if (!input) {
            out << '-';
            continue;
        }
        out << toString(input->type()) << ' ' << toString(input->dims()) << ' '
            << (input->isConstant() ? std::string("const") : toString(input->format(), input->dims().size()));
    }
    for (const Tensor* output : layer.outputs()) {
        out << "|out " << toString(output->type()) << ' ' << toString(output->dims()) << ' '
            << toString(output->format(), output->dims().size());
    }
    return out.str();
}

TimingCache TimingCache::load(const std::string& path, const std::string& device, std::vector<std::string>& warnings) {
    TimingCache cache(device);
    constexpr uint64_t kLargestCache = uint64_t(1) << 30;
    Result<std::string> read = readRegularFile(path, "timing cache", kLargestCache);
    if (!read) {
        if (read.status().code() != StatusCode::NotFound)
            warnings.push_back(makeMessage("build.timing_cache_unreadable", {read.status().message()}).text);
        return cache;  // a missing cache is simply cold
    }
    const std::string bytes = std::move(read).value();
    if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
        warnings.push_back(makeMessage("build.timing_cache_foreign", {path}).text);
        return cache;
    }
    const uint32_t version = uint32_t(getU64(bytes, 8) & 0xffffffffu);
    if (version != kFormatVersion) {
        warnings.push_back(makeMessage("build.timing_cache_version",
                                       {path, std::to_string(version), std::to_string(kFormatVersion)}).text);
        return cache;
    }
    const uint64_t length = getU64(bytes, 16);
    if (length != bytes.size() - kHeaderBytes) {
        warnings.push_back(makeMessage("build.timing_cache_length",
                                       {path, std::to_string(bytes.size() - kHeaderBytes), std::to_string(length)})
                               .text);
        return cache;
    }
    const std::string_view body(bytes.data() + kHeaderBytes, bytes.size() - kHeaderBytes);
    if (fnv1a64(body) != getU64(bytes, 24)) {
        warnings.push_back(makeMessage("build.timing_cache_corrupt", {path}).text);
        return cache;
    }
    plan_proto::TimingCache proto;
    if (!proto.ParseFromArray(body.data(), int(body.size()))) {
        warnings.push_back(makeMessage("build.timing_cache_undecodable", {path}).text);
        return cache;
    }
    if (proto.kiln_version() != KILN_VERSION || proto.device() != device) {
        warnings.push_back(makeMessage("build.timing_cache_stale",
                                       {path, proto.kiln_version(), proto.device(), KILN_VERSION, device})
                               .text);
        return cache;
    }
    for (const auto& entry : proto.entries()) {
        Entry loaded;
        loaded.chosen = entry.chosen();
        for (const auto& candidate : entry.candidates()) {
            loaded.candidates.push_back(
                {candidate.tactic(), candidate.library(), candidate.milliseconds(), candidate.skip_reason(),
                 candidate.tactic() == entry.chosen(),
                 candidate.network_milliseconds() > 0.0 ? candidate.network_milliseconds() : -1.0});
        }
        loaded.timingBatch = entry.timing_batch();
        cache.m_entries[entry.signature()] = std::move(loaded);
    }
    return cache;
}

std::string TimingCache::serialize() const {
    plan_proto::TimingCache proto;
    proto.set_kiln_version(KILN_VERSION);
    proto.set_device(m_device);
    for (const auto& [signature, entry] : m_entries) {
        auto& out = *proto.add_entries();
        out.set_signature(signature);
        out.set_chosen(entry.chosen);
        out.set_timing_batch(entry.timingBatch);
        for (const TacticCandidate& candidate : entry.candidates) {
            auto& c = *out.add_candidates();
            c.set_tactic(candidate.tactic);
            c.set_library(candidate.library);
            c.set_milliseconds(candidate.milliseconds);
            c.set_skip_reason(candidate.skipReason);
            if (candidate.networkMilliseconds > 0.0)
                c.set_network_milliseconds(candidate.networkMilliseconds);
        }
    }
    std::string body;
    proto.SerializeToString(&body);
    std::string bytes(kHeaderBytes, '\0');
    std::memcpy(bytes.data(), kMagic, sizeof kMagic);
    putU64(bytes, 8, kFormatVersion);
    putU64(bytes, 16, body.size());
    putU64(bytes, 24, fnv1a64(body));
    return bytes + body;
}

Status TimingCache::save(const std::string& path) const {
    return writeFileAtomically(path, serialize()).withContext("saving the timing cache");
}

const TimingCache::Entry* TimingCache::find(const std::string& signature) const {
    auto it = m_entries.find(signature);
    return it == m_entries.end() ? nullptr : &it->second;
}

void TimingCache::store(const std::string& signature, Entry entry) {
    entry.fromThisBuild = true;
    m_entries[signature] = std::move(entry);
    m_modified = true;
}

}  // namespace kiln::builder
