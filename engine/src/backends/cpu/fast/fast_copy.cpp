// Copy kernel (fast_copy.h).
#include "backends/cpu/fast/fast_copy.h"

#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kCopyId = "kiln:copy";

class CopyKernel final : public tactics::Kernel {
public:
    explicit CopyKernel(size_t bytes) : m_bytes(bytes) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the copy kernel needs an input and an output");
        }
        if (args.outputs[0] != args.inputs[0]) parallelCopy(args.outputs[0], args.inputs[0], m_bytes);
        return Status::ok();
    }

private:
    size_t m_bytes;
};

}  // namespace

void addCopyTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kCopyId, kLibrary, reason}); };
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    const Layer& layer = *config.layer;
    if (volume(layer.input(0)->dims()) != volume(layer.output(0)->dims())) {
        return skip("the input and output hold different numbers of elements");
    }
    const size_t bytes = size_t(volume(layer.output(0)->dims())) * movedElementSize(config);
    tactics.push_back(std::make_unique<KilnTactic>(kCopyId, [bytes]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<CopyKernel>(bytes));
    }));
}

}  // namespace kiln::cpu::fast
