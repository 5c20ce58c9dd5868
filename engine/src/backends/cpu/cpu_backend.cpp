// The CPU backend. Its queue is the calling thread: a kernel has finished when run() returns, so
// synchronizing does nothing and the timer reads the steady clock. Memory is ordinary host memory,
// 256-byte aligned like device allocations, so the same code serves both.
#include "backends/cpu/cpu_backend.h"

#include <omp.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>

#include "backends/cpu/fast/fast_provider.h"
#include "backends/cpu/onednn/onednn_provider.h"
#include "backends/cpu/reference/reference_tactics.h"
#include "tactics/plugin_tactics.h"
#include "tactics/simulated_precision.h"
#include "tactics/tactic.h"

namespace kiln::cpu {

namespace {

constexpr size_t kAlignment = 256;

class HostBuffer final : public backends::DeviceBuffer {
public:
    explicit HostBuffer(size_t bytes) {
        m_size = bytes;
        const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
        m_data = static_cast<std::byte*>(std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded));
    }
    ~HostBuffer() override { std::free(m_data); }
    bool valid() const { return m_data != nullptr; }
};

class HostStream final : public backends::Stream {
public:
    void* native() const override { return nullptr; }
    Status synchronize() override { return Status::ok(); }
};

class SteadyTimer final : public backends::Timer {
public:
    void start(backends::Stream&) override { m_start = std::chrono::steady_clock::now(); }
    void stop(backends::Stream&) override { m_stop = std::chrono::steady_clock::now(); }
    Result<double> milliseconds() override { return std::chrono::duration<double, std::milli>(m_stop - m_start).count(); }

private:
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_stop;
};

std::string cpuModelName() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
    return "CPU";
}

class CpuBackend final : public backends::Backend {
public:
    const char* name() const override { return "cpu"; }
    std::optional<std::string> unavailableReason() const override { return std::nullopt; }
    std::string fingerprint() const override { return cpuFingerprint(); }
    std::string deviceDescription() const override {
        const int block = tactics::preferredCpuChannelBlock();
        return cpuModelName() + (block == 16 ? " (AVX-512)" : block == 8 ? " (AVX2)" : "");
    }

    // FP16 and BF16 are simulated (this backend has no such kernels yet), and INT8 where no INT8 kernel
    // runs a layer: FP32 kernels between conversions (tactics/simulated_precision.h).
    std::vector<const tactics::TacticProvider*> providers() const override {
        static const std::vector<const tactics::TacticProvider*> base{
            &fastProvider(), &onednnProvider(), &referenceProvider(), &tactics::cpuPluginProvider()};
        static const std::unique_ptr<tactics::TacticProvider> fp16 =
            tactics::makeSimulatedProvider(DataType::Float16, base);
        static const std::unique_ptr<tactics::TacticProvider> bf16 =
            tactics::makeSimulatedProvider(DataType::BFloat16, base);
        static const std::unique_ptr<tactics::TacticProvider> int8 = tactics::makeSimulatedProvider(DataType::Int8, base);
        return {&fastProvider(),  &onednnProvider(), &referenceProvider(), &tactics::cpuPluginProvider(),
                fp16.get(),       bf16.get(),        int8.get()};
    }
    bool supportsPrecision(DataType precision) const override {
        return precision == DataType::Float32 || precision == DataType::Float16 || precision == DataType::BFloat16 ||
               precision == DataType::Int8;
    }
    // The fast kernels run Attention layers, oneDNN MatMuls with their epilogues (and the reference kernels
    // both, as everything).
    bool runsAttention() const override { return true; }
    bool runsMatMulEpilogues() const override { return true; }
    bool ranksTacticsOnPartOfTheBatch() const override { return true; }
    // INT8 tensors are dense channels-last: the only layout oneDNN's fast INT8 convolutions read and
    // write, so consecutive INT8 convolutions pass their tensors on without reorders.
    // BF16 tensors too where the CPU has AMX: oneDNN's AMX convolutions read and write channels-last only.
    TensorFormat preferredFormat(DataType precision) const override {
        if (precision == DataType::Int8) return TensorFormat::nhwc(0, DataType::Int8);
        if (precision == DataType::BFloat16 && onednnHasAmx()) return TensorFormat::nhwc(0, DataType::BFloat16);
        TensorFormat format = TensorFormat::blocked(tactics::preferredCpuChannelBlock());
        if (precision != DataType::Float32) format.storage = precision;
        return format;
    }

    bool hostAddressable() const override { return true; }
    Result<std::shared_ptr<backends::DeviceBuffer>> allocate(size_t bytes) const override {
        auto buffer = std::make_shared<HostBuffer>(bytes);
        if (!buffer->valid()) {
            return unsupported("out of memory: cannot allocate " + std::to_string(bytes) +
                               " bytes of host memory; build for smaller shapes or free memory");
        }
        return std::shared_ptr<backends::DeviceBuffer>(std::move(buffer));
    }
    Result<std::shared_ptr<backends::DeviceBuffer>> allocateStaging(size_t bytes) const override {
        return allocate(bytes);
    }
    Status copy(void* target, const void* source, size_t bytes, backends::CopyDirection,
                backends::Stream&) const override {
        if (bytes) std::memcpy(target, source, bytes);
        return Status::ok();
    }
    Status fill(void* target, int value, size_t bytes, backends::Stream&) const override {
        if (bytes) std::memset(target, value, bytes);
        return Status::ok();
    }
    Result<std::unique_ptr<backends::Stream>> createStream() const override {
        return std::unique_ptr<backends::Stream>(std::make_unique<HostStream>());
    }
    Result<std::unique_ptr<backends::Stream>> wrapStream(void*) const override { return createStream(); }
    Result<std::unique_ptr<backends::Timer>> createTimer() const override {
        return std::unique_ptr<backends::Timer>(std::make_unique<SteadyTimer>());
    }
};

}  // namespace

KernelThreads::KernelThreads(int threads) {
    if (threads <= 0) return;
    m_previous = omp_get_max_threads();
    omp_set_num_threads(threads);
}

KernelThreads::~KernelThreads() {
    if (m_previous > 0) omp_set_num_threads(m_previous);
}

std::string cpuFingerprint() {
#if defined(__x86_64__) || defined(__i386__)
#if defined(__x86_64__)
    std::string fingerprint = "cpu x86_64";
#else
    std::string fingerprint = "cpu x86";
#endif
    __builtin_cpu_init();
    // Listed from the oldest extension to the newest, the order kernels fall back through.
    const auto add = [&fingerprint](bool supported, const char* name) {
        if (supported) fingerprint += std::string(" ") + name;
    };
    add(__builtin_cpu_supports("sse4.2"), "sse4.2");
    add(__builtin_cpu_supports("avx"), "avx");
    add(__builtin_cpu_supports("avx2"), "avx2");
    add(__builtin_cpu_supports("fma"), "fma");
    // F16C from CPUID leaf 1 (ECX bit 29): not every compiler's __builtin_cpu_supports knows it.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    add(__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0, "f16c");
    add(__builtin_cpu_supports("avx512f"), "avx512f");
    add(__builtin_cpu_supports("avx512bw"), "avx512bw");
    add(__builtin_cpu_supports("avx512vl"), "avx512vl");
    add(__builtin_cpu_supports("avx512vnni"), "avx512vnni");
    add(__builtin_cpu_supports("avx512bf16"), "avx512bf16");
    return fingerprint;
#elif defined(__aarch64__)
    return "cpu aarch64";
#else
    return "cpu unknown-architecture";
#endif
}

const backends::Backend& cpuBackend() {
    static const CpuBackend backend;
    return backend;
}

}  // namespace kiln::cpu
