// The fixed plan header: writing it, and the checks that run on it before the body is touched. Every
// integer is written byte by byte in little-endian order, whatever the host's order.
#include <cstring>

#include "backends/backend.h"
#include "kiln/message.h"
#include "kiln/plan.h"
#include "plan/device_fingerprint.h"
#include "plan/plan_format.h"

namespace kiln {

namespace {

constexpr size_t kFormatVersionAt = 8;
constexpr size_t kHeaderSizeAt = 12;
constexpr size_t kKilnVersionAt = 16;
constexpr size_t kBackendAt = kKilnVersionAt + kPlanVersionFieldSize;
constexpr size_t kFingerprintAt = kBackendAt + kPlanBackendFieldSize;
constexpr size_t kBodyLengthAt = kFingerprintAt + kPlanFingerprintFieldSize;
constexpr size_t kWeightsOffsetAt = kBodyLengthAt + 8;
constexpr size_t kWeightsLengthAt = kWeightsOffsetAt + 8;
constexpr size_t kContentHashAt = kWeightsLengthAt + 8;
constexpr size_t kHeaderHashAt = kContentHashAt + 8;
static_assert(kHeaderHashAt + 8 == kPlanHeaderSize);

void putLittleEndian(std::string& bytes, size_t at, uint64_t value, size_t width) {
    for (size_t i = 0; i < width; ++i)
        bytes[at + i] = char((value >> (8 * i)) & 0xff);
}

uint64_t getLittleEndian(std::string_view bytes, size_t at, size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i)
        value |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
    return value;
}

Status putText(std::string& bytes, size_t at, size_t fieldSize, const std::string& text, const char* what) {
    if (text.size() > fieldSize || text.find('\0') != std::string::npos) {
        return invalidArgument(std::string("the ") + what + " '" + text +
                               "' does not fit the plan header's " + std::to_string(fieldSize) +
                               "-byte field");
    }
    bytes.replace(at, text.size(), text);
    return Status::ok();
}

std::string getText(std::string_view bytes, size_t at, size_t fieldSize) {
    const std::string_view field = bytes.substr(at, fieldSize);
    return std::string(field.substr(0, field.find('\0')));
}

uint64_t alignUp(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

void seal(std::string& bytes) {
    putLittleEndian(bytes, kContentHashAt, fnv1a64(std::string_view(bytes).substr(kPlanHeaderSize)), 8);
    putLittleEndian(bytes, kHeaderHashAt, fnv1a64(std::string_view(bytes).substr(0, kHeaderHashAt)), 8);
}

Status truncated(uint64_t declared, size_t actual) {
    return messageStatus(StatusCode::InvalidModel, "plan.truncated", {std::to_string(declared), std::to_string(actual)});
}

}  // namespace

uint64_t fnv1a64(std::string_view bytes) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        hash ^= uint8_t(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

PlanStamp currentPlanStamp(const std::string& backend) {
    return PlanStamp{kPlanFormatVersion, KILN_VERSION, backend, deviceFingerprint(backend)};
}

Result<std::string> assemblePlan(const PlanStamp& stamp, std::string_view body, std::string_view weights) {
    const uint64_t weightsOffset = alignUp(kPlanHeaderSize + body.size(), kPlanWeightAlignment);
    std::string bytes(weightsOffset, '\0');
    bytes.replace(0, sizeof(kPlanMagic), kPlanMagic, sizeof(kPlanMagic));
    putLittleEndian(bytes, kFormatVersionAt, stamp.formatVersion, 4);
    putLittleEndian(bytes, kHeaderSizeAt, kPlanHeaderSize, 4);
    KILN_RETURN_IF_ERROR(
        putText(bytes, kKilnVersionAt, kPlanVersionFieldSize, stamp.kilnVersion, "kiln version"));
    KILN_RETURN_IF_ERROR(putText(bytes, kBackendAt, kPlanBackendFieldSize, stamp.backend, "backend name"));
    KILN_RETURN_IF_ERROR(putText(bytes, kFingerprintAt, kPlanFingerprintFieldSize, stamp.deviceFingerprint,
                                 "device fingerprint"));
    putLittleEndian(bytes, kBodyLengthAt, body.size(), 8);
    putLittleEndian(bytes, kWeightsOffsetAt, weightsOffset, 8);
    putLittleEndian(bytes, kWeightsLengthAt, weights.size(), 8);
    bytes.replace(kPlanHeaderSize, body.size(), body);
    bytes.append(weights);
    seal(bytes);
    return bytes;
}

Result<PlanLayout> checkPlanHeader(std::string_view bytes) {
    if (bytes.empty()) return messageStatus(StatusCode::InvalidModel, "plan.empty", {});
    const size_t magicBytes = std::min(bytes.size(), sizeof(kPlanMagic));
    if (std::memcmp(bytes.data(), kPlanMagic, magicBytes) != 0) {
        return messageStatus(StatusCode::InvalidModel, "plan.not_a_plan", {});
    }
    if (bytes.size() < kHeaderSizeAt + 4) return truncated(kPlanHeaderSize, bytes.size());
    const uint64_t formatVersion = getLittleEndian(bytes, kFormatVersionAt, 4);
    if (formatVersion != kPlanFormatVersion) {
        return messageStatus(StatusCode::Unsupported, "plan.format_version",
                             {std::to_string(formatVersion), KILN_VERSION, std::to_string(kPlanFormatVersion)});
    }
    if (bytes.size() < kPlanHeaderSize) return truncated(kPlanHeaderSize, bytes.size());
    if (getLittleEndian(bytes, kHeaderHashAt, 8) != fnv1a64(bytes.substr(0, kHeaderHashAt)) ||
        getLittleEndian(bytes, kHeaderSizeAt, 4) != kPlanHeaderSize) {
        return messageStatus(StatusCode::InvalidModel, "plan.header_corrupt", {});
    }

    PlanLayout layout;
    layout.stamp.formatVersion = uint32_t(formatVersion);
    layout.stamp.kilnVersion = getText(bytes, kKilnVersionAt, kPlanVersionFieldSize);
    layout.stamp.backend = getText(bytes, kBackendAt, kPlanBackendFieldSize);
    layout.stamp.deviceFingerprint = getText(bytes, kFingerprintAt, kPlanFingerprintFieldSize);
    layout.bodyLength = getLittleEndian(bytes, kBodyLengthAt, 8);
    layout.weightsOffset = getLittleEndian(bytes, kWeightsOffsetAt, 8);
    layout.weightsLength = getLittleEndian(bytes, kWeightsLengthAt, 8);

    // Each comparison is arranged so that no sum of declared values can overflow.
    const uint64_t size = bytes.size();
    if (layout.bodyLength > size - kPlanHeaderSize)
        return truncated(kPlanHeaderSize + layout.bodyLength, size);
    const uint64_t bodyEnd = kPlanHeaderSize + layout.bodyLength;
    if (layout.weightsOffset != alignUp(bodyEnd, kPlanWeightAlignment)) {
        return messageStatus(StatusCode::InvalidModel, "plan.weights_misplaced",
                             {std::to_string(layout.weightsOffset), std::to_string(alignUp(bodyEnd, kPlanWeightAlignment))});
    }
    if (layout.weightsOffset > size || layout.weightsLength > size - layout.weightsOffset) {
        return truncated(
            layout.weightsOffset > size ? layout.weightsOffset : layout.weightsOffset + layout.weightsLength,
            size);
    }
    if (layout.weightsOffset + layout.weightsLength != size) {
        return messageStatus(StatusCode::InvalidModel, "plan.trailing_bytes",
                             {std::to_string(size - layout.weightsOffset - layout.weightsLength)});
    }
    if (getLittleEndian(bytes, kContentHashAt, 8) != fnv1a64(bytes.substr(kPlanHeaderSize))) {
        return messageStatus(StatusCode::InvalidModel, "plan.body_corrupt", {});
    }
    return layout;
}

Status checkPlanStamp(const PlanStamp& stamp) {
    std::string machine;
    std::optional<std::string> problem;
    if (const auto reason = backendUnavailableReason(stamp.backend)) {
        machine = deviceFingerprint("cpu") + " without " + stamp.backend + " (" + *reason + ")";
        problem = *reason;
    } else {
        const backends::Backend& backend = *backends::findBackend(stamp.backend);
        machine = backend.fingerprint();
        problem = backend.incompatibility(stamp.deviceFingerprint);
    }
    if (!problem && stamp.kilnVersion == KILN_VERSION) return Status::ok();
    const bool available = !backendUnavailableReason(stamp.backend);
    return messageStatus(StatusCode::Unsupported, "plan.foreign",
                         {stamp.deviceFingerprint, stamp.kilnVersion, machine,
                          KILN_VERSION + (problem && available ? " (" + *problem + ")" : std::string())});
}

Status resealPlan(std::string& planBytes) {
    if (planBytes.size() < kPlanHeaderSize) {
        return invalidArgument("resealPlan: " + std::to_string(planBytes.size()) +
                               " bytes hold no plan header");
    }
    seal(planBytes);
    return Status::ok();
}

}  // namespace kiln
