// The backend registry, in one explicit list, and the defaults of optional backend capabilities.
#include "backends/backend.h"

#include "backends/cpu/cpu_backend.h"
#ifdef KILN_HAVE_CUDA
#include "backends/cuda/cuda_backend.h"
#endif

namespace kiln::backends {

namespace {

#ifndef KILN_HAVE_CUDA
// What "cuda" is in a build without the CUDA toolkit: a backend that says so to every question.
class MissingBackend final : public Backend {
public:
    MissingBackend(const char* name, std::string reason) : m_name(name), m_reason(std::move(reason)) {}
    const char* name() const override { return m_name; }
    std::optional<std::string> unavailableReason() const override { return m_reason; }
    std::string fingerprint() const override { return std::string(m_name) + " unavailable: " + m_reason; }
    std::string deviceDescription() const override { return m_reason; }
    std::vector<const tactics::TacticProvider*> providers() const override { return {}; }
    bool supportsPrecision(DataType) const override { return false; }
    TensorFormat preferredFormat(DataType) const override { return {}; }
    bool hostAddressable() const override { return false; }
    Result<std::shared_ptr<DeviceBuffer>> allocate(size_t) const override { return refuse(); }
    Result<std::shared_ptr<DeviceBuffer>> allocateStaging(size_t) const override { return refuse(); }
    Status copy(void*, const void*, size_t, CopyDirection, Stream&) const override { return refuse(); }
    Status fill(void*, int, size_t, Stream&) const override { return refuse(); }
    Result<std::unique_ptr<Stream>> createStream() const override { return refuse(); }
    Result<std::unique_ptr<Stream>> wrapStream(void*) const override { return refuse(); }
    Result<std::unique_ptr<Timer>> createTimer() const override { return refuse(); }

private:
    Status refuse() const { return unsupported(std::string("the ") + m_name + " backend is unavailable: " + m_reason); }
    const char* m_name;
    std::string m_reason;
};

const Backend& missingCuda() {
    static const MissingBackend backend("cuda", "this kiln was built without CUDA");
    return backend;
}
#endif

}  // namespace

Status Stream::waitFor(Stream& other) { return other.synchronize(); }

std::optional<std::string> Backend::incompatibility(const std::string& planFingerprint) const {
    if (planFingerprint == fingerprint()) return std::nullopt;
    return std::string("another device");
}

Result<std::unique_ptr<CapturedWork>> Backend::capture(Stream&, const std::function<Status()>&) const {
    return unsupported(std::string("the ") + name() + " backend cannot record work for replay");
}

Status Backend::flushCaches(Stream&) const { return Status::ok(); }
void Backend::pushRange(const std::string&) const {}
void Backend::popRange() const {}

const Backend& cpuBackend() { return cpu::cpuBackend(); }

const Backend* findBackend(const std::string& name) {
    if (name == "cpu") return &cpu::cpuBackend();
    if (name == "cuda") {
#ifdef KILN_HAVE_CUDA
        return &cuda::cudaBackend();
#else
        return &missingCuda();
#endif
    }
    return nullptr;
}

std::vector<const tactics::TacticProvider*> providersFor(const std::string& name) {
    const Backend* found = findBackend(name);
    return found ? found->providers() : std::vector<const tactics::TacticProvider*>{};
}

std::vector<std::string> backendNames() { return {"cpu", "cuda"}; }

Result<const Backend*> availableBackend(const std::string& name) {
    const Backend* backend = findBackend(name);
    if (!backend) return unsupported("kiln has no backend named '" + name + "'; use 'cpu' or 'cuda'");
    if (const auto reason = backend->unavailableReason()) {
        return unsupported("the " + name + " backend is unavailable: " + *reason + "; use the cpu backend");
    }
    return backend;
}

}  // namespace kiln::backends
