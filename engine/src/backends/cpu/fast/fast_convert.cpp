// Storage conversion kernel (fast_convert.h).
#include "backends/cpu/fast/fast_convert.h"

#include <algorithm>
#include <string>

#include "backends/cpu/fast/fast_pointwise.h"
#include "tactics/formats.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kConvertId = "kiln:convert";
// Elements one task converts.
constexpr int64_t kChunk = 16384;

struct ConvertPlan {
    DataType from = DataType::Float32;  // storage types
    DataType to = DataType::Float32;
    float fromScale = 1.0f;             // INT8: x = q * scale
    float toInverse = 1.0f;
    int64_t elements = 0;               // stored elements, padded lanes included
};

class ConvertKernel final : public tactics::Kernel {
public:
    ConvertKernel(ConvertPlan plan, Isa isa) : m_plan(plan), m_conversions(storageConversions(isa)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the conversion kernel needs an input and an output");
        }
        const ConvertPlan& p = m_plan;
        const int64_t chunks = (p.elements + kChunk - 1) / kChunk;
#pragma omp parallel if (worthParallel(p.elements * 6))
        {
            // An FP32 tile between two reduced types; unused when one side is FP32.
            std::vector<float> tile(p.from != DataType::Float32 && p.to != DataType::Float32 ? size_t(kChunk) : 0);
#pragma omp for schedule(static)
            for (int64_t chunk = 0; chunk < chunks; ++chunk) {
                const int64_t begin = chunk * kChunk;
                const int64_t count = std::min(kChunk, p.elements - begin);
                // The chunk in FP32: the input itself, or widened into the output (FP32) or the tile.
                const float* wide = reinterpret_cast<const float*>(args.inputs[0]) + begin;
                if (p.from != DataType::Float32) {
                    float* target = p.to == DataType::Float32 ? reinterpret_cast<float*>(args.outputs[0]) + begin : tile.data();
                    if (p.from == DataType::BFloat16) {
                        m_conversions.widenBf16(reinterpret_cast<const uint16_t*>(args.inputs[0]) + begin, target, count);
                    } else {
                        m_conversions.widenInt8(reinterpret_cast<const int8_t*>(args.inputs[0]) + begin, p.fromScale, target, count);
                    }
                    wide = target;
                }
                if (p.to == DataType::BFloat16) {
                    m_conversions.narrowBf16(wide, reinterpret_cast<uint16_t*>(args.outputs[0]) + begin, count);
                } else if (p.to == DataType::Int8) {
                    m_conversions.narrowInt8(wide, p.toInverse, reinterpret_cast<int8_t*>(args.outputs[0]) + begin, count);
                }
            }
        }
        return Status::ok();
    }

private:
    ConvertPlan m_plan;
    StorageConversions m_conversions;
};

bool convertible(DataType type) {
    return type == DataType::Float32 || type == DataType::BFloat16 || type == DataType::Int8;
}

}  // namespace

void addConvertTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kConvertId, kLibrary, reason}); };
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (!input || !output || config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs an input, an output and their formats");
    }
    TensorFormat from = config.inputFormats[0];
    TensorFormat to = config.outputFormats[0];
    if (input->type() != DataType::Float32 || output->type() != DataType::Float32) return skip("converts FP32 tensors only");
    ConvertPlan plan;
    plan.from = from.storage.value_or(DataType::Float32);
    plan.to = to.storage.value_or(DataType::Float32);
    if (plan.from == plan.to) return skip("the input and output are stored alike: nothing to convert");
    if (!convertible(plan.from) || !convertible(plan.to)) return skip("converts between FP32, BF16 and INT8 only");
    from.storage.reset();
    to.storage.reset();
    if (!(from == to) && !(isLinearLayout(input->dims(), from) && isLinearLayout(output->dims(), to))) {
        return skip("changes the layout too; kiln:reformat and the simulated tactics do that");
    }
    if (input->dims() != output->dims()) return skip("the input and output shapes differ");
    if (plan.from == DataType::Int8) {
        if (!input->dynamicRange()) return skip("the input is stored in INT8 without a calibrated range");
        plan.fromScale = tactics::storageScale(*input);
    }
    if (plan.to == DataType::Int8) {
        if (!output->dynamicRange()) return skip("the output is stored in INT8 without a calibrated range");
        plan.toInverse = 1.0f / tactics::storageScale(*output);
    }
    plan.elements = storageByteSize(DataType::Float32, input->dims(), from) / int64_t(sizeof(float));
    tactics.push_back(std::make_unique<KilnTactic>(kConvertId, [plan, isa]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<ConvertKernel>(plan, isa));
    }));
}

}  // namespace kiln::cpu::fast
