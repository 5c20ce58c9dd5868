// Cast kernel (fast_cast.h).
#include "backends/cpu/fast/fast_cast.h"

#include <string>

#include "backends/cpu/scalar_math.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kCastId = "kiln:cast";

template <DataType From, DataType To>
class CastKernel final : public tactics::Kernel {
public:
    explicit CastKernel(int64_t count) : m_count(count) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the cast kernel needs an input and an output");
        }
        const void* in = args.inputs[0];
        void* out = args.outputs[0];
        const int64_t count = m_count;
#pragma omp parallel for if (worthParallel(count * int64_t(dataTypeSize(From) + dataTypeSize(To)))) \
    schedule(static)
        for (int64_t i = 0; i < count; ++i)
            storeCastValue<To>(out, i, loadCastValue<From>(in, i));
        return Status::ok();
    }

private:
    int64_t m_count;
};

}  // namespace

void addCastTactics(const tactics::LayerConfig& config, Isa,
                    std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kCastId, kLibrary, reason}); };
    const Layer& layer = *config.layer;
    if (const std::string refusal = linearOwnTypeRefusal(config); !refusal.empty()) return skip(refusal);
    const Tensor* in = layer.input(0);
    const Tensor* out = layer.output(0);
    const DataType from = in->type();
    const DataType to = out->type();
    const int64_t count = volume(in->dims());
    withDataType(from, [&](auto source) {
        withDataType(to, [&](auto target) {
            tactics.push_back(
                std::make_unique<KilnTactic>(kCastId, [count]() -> Result<std::unique_ptr<tactics::Kernel>> {
                    return std::unique_ptr<tactics::Kernel>(
                        std::make_unique<CastKernel<decltype(source)::value, decltype(target)::value>>(
                            count));
                }));
        });
    });
}

}  // namespace kiln::cpu::fast
