// Gather kernel (fast_gather.h).
#include "backends/cpu/fast/fast_gather.h"

#include <cstring>
#include <string>
#include <vector>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kGatherId = "kiln:gather";

struct GatherPlan {
    int64_t outer = 1;
    int64_t extent = 1;
    int64_t rowBytes = 0;   // bytes of one [inner] row
    int64_t count = 0;      // indices
    bool int32Indices = false;
    int64_t axis = 0;
};

class GatherKernel final : public tactics::Kernel {
public:
    explicit GatherKernel(GatherPlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 2 || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the gather kernel needs data, indices and an output");
        }
        const GatherPlan& p = m_plan;
        if (p.count == 0 || p.rowBytes == 0 || p.outer == 0) return Status::ok();
        if (!args.inputs[1]) return invalidArgument("the gather kernel's indices are null");
        // Indices first, checked as the reference checks them (negative ones count from the end).
        std::vector<int64_t> rows(size_t(p.count));
        for (int64_t j = 0; j < p.count; ++j) {
            const int64_t index = p.int32Indices ? reinterpret_cast<const int32_t*>(args.inputs[1])[j]
                                                 : reinterpret_cast<const int64_t*>(args.inputs[1])[j];
            if (index < -p.extent || index >= p.extent) {
                return invalidArgument("Gather index " + std::to_string(index) + " at position " + std::to_string(j) +
                                       " of input 1 (indices) is out of range for axis " + std::to_string(p.axis) +
                                       " of extent " + std::to_string(p.extent) + "; expected " +
                                       std::to_string(-p.extent) + " <= index < " + std::to_string(p.extent));
            }
            rows[size_t(j)] = index < 0 ? index + p.extent : index;
        }
        const std::byte* data = args.inputs[0];
        std::byte* out = args.outputs[0];
        const int64_t total = p.outer * p.count;
#pragma omp parallel for if (worthParallel(total * p.rowBytes * 2)) schedule(static)
        for (int64_t task = 0; task < total; ++task) {
            const int64_t o = task / p.count;
            const int64_t j = task % p.count;
            std::memcpy(out + task * p.rowBytes, data + (o * p.extent + rows[size_t(j)]) * p.rowBytes, size_t(p.rowBytes));
        }
        return Status::ok();
    }

private:
    GatherPlan m_plan;
};

}  // namespace

void addGatherTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kGatherId, kLibrary, reason}); };
    const Tensor* data = layer.input(0);
    const Tensor* indices = layer.input(1);
    const Tensor* output = layer.output(0);
    if (!data || !indices || !output || config.inputFormats.size() < 2 || config.outputFormats.empty()) {
        return skip("needs data, indices, an output and their formats");
    }
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    if (!isLinearLayout(indices->dims(), config.inputFormats[1])) return skip("runs linear tensors only");
    if (config.inputFormats[1].storage) return skip("the indices are stored in another type");
    if (indices->type() != DataType::Int32 && indices->type() != DataType::Int64) return skip("indices are INT32 or INT64");
    const int64_t axis = layer.paramsAs<GatherParams>().axis;
    const Dims& dims = data->dims();
    if (axis < 0 || size_t(axis) >= dims.size()) return skip("the axis is out of range");
    GatherPlan plan;
    plan.axis = axis;
    plan.extent = dims[size_t(axis)];
    int64_t inner = 1;
    for (size_t i = 0; i < size_t(axis); ++i) plan.outer *= dims[i];
    for (size_t i = size_t(axis) + 1; i < dims.size(); ++i) inner *= dims[i];
    plan.rowBytes = inner * int64_t(movedElementSize(config));
    plan.count = volume(indices->dims());
    plan.int32Indices = indices->type() == DataType::Int32;
    tactics.push_back(std::make_unique<KilnTactic>(kGatherId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<GatherKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast
