// The oneDNN tactics of single layers timed one by one, outside the engine's build: what a tactic costs
// on this CPU, and what a run costs beyond its arithmetic.
//
//   kiln_onednn_kernel_bench conv      every tactic of a ResNet-50 stage-1 convolution (3x3, 64 -> 64,
//                                      56x56, bias and ReLU), 16-channel blocked and linear: median and
//                                      minimum of 20 runs after 3 warm-up runs, GFLOP/s, workspace
//   kiln_onednn_kernel_bench overhead  the fixed cost of one run (memory objects, stream, primitive
//                                      dispatch) of each eltwise tactic on a 16-element ReLU
//
// Run with OMP_NUM_THREADS set to the thread count of interest.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/tactics/onednn_test_util.h"

namespace kiln::test {
namespace {

bool failed(const Status& status, const char* what) {
    if (status.isOk()) return false;
    std::fprintf(stderr, "%s: %s\n", what, status.message().c_str());
    return true;
}

int benchmarkStage1Convolution() {
    std::mt19937 rng(4);
    HostTensor data = randomTensor({1, 64, 56, 56}, rng);
    HostTensor weights = randomTensor({64, 64, 3, 3}, rng);
    HostTensor bias = randomTensor({64}, rng);
    ConvolutionParams p;
    p.strides = {1, 1};
    p.pads = {1, 1, 1, 1};
    p.dilations = {1, 1};
    p.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(p, {&data, &weights, &bias}, {true, false, false});
    if (failed(net.status(), "network")) return 1;
    for (const FormatCase& f : {blockedFormats(16), linearFormats()}) {
        setFormats(*net->layer, f);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
        Enumeration e = enumerateOnednn(config);
        const std::vector<std::byte> input = tactics::toFormat(data, config.inputFormats[0]);
        std::vector<std::byte> output(size_t(net->layer->output(0)->storageBytes()));
        for (const auto& tactic : e.tactics) {
            Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
            if (failed(blobs.status(), tactic->id().c_str())) return 1;
            Result<std::unique_ptr<tactics::Kernel>> kernel = tactic->instantiate(std::move(blobs).value());
            if (failed(kernel.status(), tactic->id().c_str())) return 1;
            std::vector<std::byte> workspace(size_t(tactic->workspaceBytes()) + 64);
            tactics::KernelArgs args;
            args.inputs = {input.data(), weights.bytes(), bias.bytes()};
            args.outputs = {output.data()};
            args.workspace = reinterpret_cast<std::byte*>(
                (reinterpret_cast<uintptr_t>(workspace.data()) + 63) & ~uintptr_t(63));
            std::vector<double> times;
            for (int run = 0; run < 23; ++run) {
                const auto start = std::chrono::steady_clock::now();
                if (failed((*kernel)->run(args), tactic->id().c_str())) return 1;
                const auto end = std::chrono::steady_clock::now();
                if (run >= 3) times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
            }
            std::sort(times.begin(), times.end());
            const double median = times[times.size() / 2];
            const double gflops = 2.0 * 64 * 64 * 9 * 56 * 56 / (median * 1e6);
            std::printf("%-30s %-55s median %7.3f ms (min %7.3f)  %6.1f GFLOP/s  workspace %lld B\n",
                        formatName(f).c_str(), tactic->id().c_str(), median, times.front(), gflops,
                        static_cast<long long>(tactic->workspaceBytes()));
        }
    }
    return 0;
}

int benchmarkRunOverhead() {
    std::mt19937 rng(1);
    HostTensor data = randomTensor({1, 16, 1, 1}, rng);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(ActivationParams{}, {&data}, {true});
    if (failed(net.status(), "network")) return 1;
    Enumeration e = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    std::vector<float> output(16);
    for (const auto& tactic : e.tactics) {
        Result<std::vector<tactics::WeightBlob>> blobs = tactic->prepareWeights();
        if (failed(blobs.status(), tactic->id().c_str())) return 1;
        Result<std::unique_ptr<tactics::Kernel>> kernel = tactic->instantiate(std::move(blobs).value());
        if (failed(kernel.status(), tactic->id().c_str())) return 1;
        tactics::KernelArgs args;
        args.inputs = {data.bytes()};
        args.outputs = {reinterpret_cast<std::byte*>(output.data())};
        constexpr int kRuns = 20000;
        const auto start = std::chrono::steady_clock::now();
        for (int run = 0; run < kRuns; ++run) {
            if (failed((*kernel)->run(args), tactic->id().c_str())) return 1;
        }
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        std::printf("%-40s %.2f us per run\n", tactic->id().c_str(), us / kRuns);
    }
    return 0;
}

}  // namespace
}  // namespace kiln::test

int main(int argc, char** argv) {
    const std::string what = argc == 2 ? argv[1] : "";
    if (what == "conv") return kiln::test::benchmarkStage1Convolution();
    if (what == "overhead") return kiln::test::benchmarkRunOverhead();
    std::fprintf(stderr, "usage: kiln_onednn_kernel_bench conv|overhead\n");
    return 2;
}
