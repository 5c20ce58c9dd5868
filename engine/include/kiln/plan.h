// Plan files: a built Engine serialized for later loading on the same kind of machine. A plan starts
// with a fixed header (magic, format version, kiln version, backend, device fingerprint, lengths and
// hashes), which is checked before anything else, then a protobuf body (network, memory plan, build
// report) and a weight blob. A plan is refused, with a message naming both sides, when it comes from
// another kiln version, backend or device: plans are rebuilt, never converted.
#pragma once

#include <memory>
#include <string>

#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

// The bytes of a plan file for `engine`, stamped with this kiln version and this machine's
// fingerprint for the engine's backend.
Result<std::string> serializePlan(const Engine& engine);

// Checks the header, the hash, the kiln version, the backend and this machine's fingerprint, then
// rebuilds the network through the NetworkDefinition API (so every shape is inferred and checked
// again) and validates every reference, offset and length in the body. Never trusts the bytes.
Result<std::shared_ptr<Engine>> deserializePlan(const std::string& bytes);

// Writes atomically: a temporary file beside `path`, flushed to disk, then renamed over `path`. On any
// error nothing is left behind and an existing file at `path` is untouched.
Status writePlanFile(const std::string& path, const Engine& engine);

Result<std::shared_ptr<Engine>> readPlanFile(const std::string& path);

// Whether `path` is a regular file that starts as a plan does (its magic), so that a tool can tell a plan
// from a model by content. Only regular files are opened: a FIFO would wait for a writer.
bool isPlanFile(const std::string& path);

// What a plan built for `backend` on this machine depends on, as one line starting with the backend
// name. "cpu": the architecture and the ISA extensions kernels choose between
// ("cpu x86_64 avx avx2 fma f16c avx512f"). A backend this build or machine cannot run says why
// ("cuda unavailable: no CUDA device").
std::string deviceFingerprint(const std::string& backend);

}  // namespace kiln
