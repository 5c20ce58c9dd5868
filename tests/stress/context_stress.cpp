// kiln_context_stress MODEL.onnx CONTEXTS INFERENCES: builds the model (static input shapes), runs
// INFERENCES inferences spread over CONTEXTS execution contexts on as many threads, each on one of a few
// seeded inputs, and checks every output bit for bit against a single context's. Between the first tenth
// of the runs and the end, the process's resident memory may not grow by more than 16 MiB: a context that
// allocated per run would. Under LeakSanitizer, whatever the runs leave behind is reported at exit.
// Exit status 0 on success, 1 with a message otherwise.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/runtime.h"

namespace {

using namespace kiln;

int failure(const std::string& message) {
    std::fprintf(stderr, "context_stress: %s\n", message.c_str());
    return 1;
}

// Resident set size in KiB, from /proc/self/status (0 where it cannot be read).
long residentKib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            long kib = 0;
            status >> kib;
            return kib;
        }
        status.ignore(1 << 16, '\n');
    }
    return 0;
}

HostTensor seededInput(const Dims& dims, uint32_t seed) {
    HostTensor tensor(DataType::Float32, dims);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) tensor.data<float>()[i] = uniform(rng);
    return tensor;
}

bool sameBits(const TensorMap& a, const TensorMap& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [name, tensor] : a) {
        auto other = b.find(name);
        if (other == b.end() || other->second.byteSize() != tensor.byteSize() ||
            std::memcmp(other->second.bytes(), tensor.bytes(), tensor.byteSize()) != 0) {
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) return failure("usage: kiln_context_stress MODEL.onnx CONTEXTS INFERENCES");
    const int contexts = std::atoi(argv[2]);
    const int inferences = std::atoi(argv[3]);
    if (contexts < 1 || inferences < contexts) return failure("CONTEXTS >= 1 and INFERENCES >= CONTEXTS");
    Result<NetworkDefinition> network = parseOnnxFile(argv[1]);
    if (!network) return failure(network.status().message());
    BuilderConfig config;
    config.timingIterations = 1;
    Result<std::shared_ptr<Engine>> engine = Builder::build(*network, config);
    if (!engine) return failure(engine.status().message());

    // A few inputs and what one context computes for each.
    constexpr int kInputs = 4;
    std::vector<TensorMap> inputs(kInputs);
    std::vector<TensorMap> expected(kInputs);
    {
        Result<std::unique_ptr<ExecutionContext>> context = (*engine)->createExecutionContext();
        if (!context) return failure(context.status().message());
        for (int i = 0; i < kInputs; ++i) {
            for (const Tensor* input : network->inputs()) inputs[i][input->name()] = seededInput(input->dims(), 100 + i);
            Result<TensorMap> outputs = (*context)->execute(inputs[i]);
            if (!outputs) return failure(outputs.status().message());
            expected[i] = std::move(outputs).value();
        }
    }

    std::atomic<int> next{0};
    std::atomic<int> mismatches{0};
    std::atomic<long> residentAfterWarmUp{0};
    std::vector<std::string> errors(static_cast<size_t>(contexts));
    std::vector<std::thread> threads;
    for (int t = 0; t < contexts; ++t) {
        threads.emplace_back([&, t] {
            Result<std::unique_ptr<ExecutionContext>> context = (*engine)->createExecutionContext();
            if (!context) {
                errors[size_t(t)] = context.status().message();
                return;
            }
            for (int run = next++; run < inferences; run = next++) {
                if (run == inferences / 10) residentAfterWarmUp = residentKib();
                const int which = run % kInputs;
                Result<TensorMap> outputs = (*context)->execute(inputs[which]);
                if (!outputs) {
                    errors[size_t(t)] = outputs.status().message();
                    return;
                }
                if (!sameBits(*outputs, expected[which])) ++mismatches;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& error : errors) {
        if (!error.empty()) return failure(error);
    }
    if (mismatches > 0) return failure(std::to_string(mismatches) + " runs differed from a single context's outputs");
    const long grownKib = residentKib() - residentAfterWarmUp;
    std::printf("%d inferences on %d contexts: every output bit-identical to one context's; resident memory grew "
                "%ld KiB after the first tenth\n",
                inferences, contexts, grownKib);
    if (residentAfterWarmUp > 0 && grownKib > 16 * 1024) {
        return failure("resident memory grew by " + std::to_string(grownKib / 1024) + " MiB after the first tenth of the runs");
    }
    return 0;
}
