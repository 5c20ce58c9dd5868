// The plan file layout shared by the writer and the reader, and hooks for tests that need plans a normal
// build never writes (another kiln version, backend, device or format version; an edited body).
//
// Layout, all integers little-endian:
//   offset  size  field
//        0     8  magic "KILNPLAN"
//        8     4  format version (uint32)
//       12     4  header size (uint32, kPlanHeaderSize since format version 1)
//       16    32  kiln version, NUL-padded
//       48    32  backend name, NUL-padded
//       80   256  device fingerprint, NUL-padded
//      336     8  body length (uint64): the protobuf body starts right after the header
//      344     8  weight blob offset (uint64): the first multiple of 64 at or after the body's end
//      352     8  weight blob length (uint64): the blob runs to the end of the file
//      360     8  content hash (uint64): 64-bit FNV-1a of every byte after the header
//      368     8  header hash (uint64): 64-bit FNV-1a of the 368 bytes before it
// Each constant lies in the weight blob at an offset that is a multiple of 64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

inline constexpr char kPlanMagic[8] = {'K', 'I', 'L', 'N', 'P', 'L', 'A', 'N'};
// Raised where prepared weights change layout, so that an older plan is refused, not misread. 2: kiln:gemm
// packs B in steps of 256 values of k.
inline constexpr uint32_t kPlanFormatVersion = 2;
inline constexpr size_t kPlanVersionFieldSize = 32;
inline constexpr size_t kPlanBackendFieldSize = 32;
inline constexpr size_t kPlanFingerprintFieldSize = 256;
inline constexpr size_t kPlanHeaderSize = 376;
inline constexpr uint64_t kPlanWeightAlignment = 64;

// What a plan is stamped with and checked against when it is loaded.
struct PlanStamp {
    uint32_t formatVersion = kPlanFormatVersion;
    std::string kilnVersion;
    std::string backend;
    std::string deviceFingerprint;
};

// The stamp serializePlan() writes for an engine of `backend` built here.
PlanStamp currentPlanStamp(const std::string& backend);

uint64_t fnv1a64(std::string_view bytes);

// Where the parts of a plan lie, as its header declares them.
struct PlanLayout {
    PlanStamp stamp;
    uint64_t bodyLength = 0;
    uint64_t weightsOffset = 0;
    uint64_t weightsLength = 0;
};

// Header, body, padding to kPlanWeightAlignment, weight blob; lengths and hashes filled in.
Result<std::string> assemblePlan(const PlanStamp& stamp, std::string_view body, std::string_view weights);

// Every check that needs only the header and the byte count: the size, the magic, the format version,
// the header hash, the declared lengths against the file size, then the content hash. Leaves the
// stamp to checkPlanStamp().
Result<PlanLayout> checkPlanHeader(std::string_view planBytes);

// Refuses a plan from another kiln version, for a backend this machine cannot run or for another
// device, naming both sides.
Status checkPlanStamp(const PlanStamp& stamp);

// serializePlan() with a stamp of the caller's choosing.
Result<std::string> serializePlanStamped(const Engine& engine, const PlanStamp& stamp);

// The protobuf body of a plan in protobuf text format, and the inverse: the plan with its body
// replaced by `text` (header lengths and hashes recomputed, weight blob kept). For tests that feed
// the reader bodies that no writer produces.
Result<std::string> planBodyAsText(const std::string& planBytes);
Result<std::string> replacePlanBody(const std::string& planBytes, const std::string& bodyText);

// Recomputes the content and header hashes of a plan whose bytes were edited in place, so that the
// reader gets past the hash checks and meets the edit itself.
Status resealPlan(std::string& planBytes);

}  // namespace kiln
