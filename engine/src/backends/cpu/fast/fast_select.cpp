// Select kernel (fast_select.h).
#include "backends/cpu/fast/fast_select.h"

#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kSelectId = "kiln:select";

struct SelectPlan {
    Dims outDims;
    std::vector<int64_t>
        strides[3];  // condition's, x's and y's element stride along each output axis (0: broadcast)
    size_t elementSize = 4;
};

// The element strides of a tensor of `dims` read as `output` (ranks aligned on the right).
std::vector<int64_t> broadcastStrides(const Dims& dims, const Dims& output) {
    std::vector<int64_t> strides(output.size(), 0);
    int64_t stride = 1;
    for (size_t k = 0; k < dims.size(); ++k) {
        const size_t axis = dims.size() - 1 - k;
        const size_t outAxis = output.size() - 1 - k;
        strides[outAxis] = dims[axis] == 1 ? 0 : stride;
        stride *= dims[axis];
    }
    return strides;
}

template <typename T>
class SelectKernel final : public tactics::Kernel {
public:
    explicit SelectKernel(SelectPlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 3 || args.outputs.empty() || !args.inputs[0] || !args.inputs[1] ||
            !args.inputs[2] || !args.outputs[0]) {
            return invalidArgument("the select kernel needs a condition, x, y and an output");
        }
        const auto* condition = reinterpret_cast<const uint8_t*>(args.inputs[0]);
        const auto* x = reinterpret_cast<const T*>(args.inputs[1]);
        const auto* y = reinterpret_cast<const T*>(args.inputs[2]);
        auto* out = reinterpret_cast<T*>(args.outputs[0]);
        const SelectPlan& p = m_plan;
        const size_t last = p.outDims.size() - 1;
        const int64_t row = p.outDims[last];
        const int64_t total = volume(p.outDims);
        if (total == 0) return Status::ok();
        const int64_t rows = total / row;
        const int64_t sc = p.strides[0][last], sx = p.strides[1][last], sy = p.strides[2][last];
#pragma omp parallel for if (worthParallel(total * int64_t(sizeof(T)) * 3)) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            int64_t oc = 0, ox = 0, oy = 0;
            int64_t rest = r;
            for (size_t axis = last; axis-- > 0;) {
                const int64_t digit = rest % p.outDims[axis];
                rest /= p.outDims[axis];
                oc += digit * p.strides[0][axis];
                ox += digit * p.strides[1][axis];
                oy += digit * p.strides[2][axis];
            }
            const uint8_t* c = condition + oc;
            const T* a = x + ox;
            const T* b = y + oy;
            T* target = out + r * row;
            for (int64_t i = 0; i < row; ++i)
                target[i] = c[i * sc] != 0 ? a[i * sx] : b[i * sy];
        }
        return Status::ok();
    }

private:
    SelectPlan m_plan;
};

}  // namespace

void addSelectTactics(const tactics::LayerConfig& config, Isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kSelectId, kLibrary, reason}); };
    const Layer& layer = *config.layer;
    if (layer.inputs().size() != 3 || layer.outputs().size() != 1 || config.inputFormats.size() != 3 ||
        config.outputFormats.empty()) {
        return skip("needs a condition, x, y, an output and their formats");
    }
    for (size_t i = 0; i < 3; ++i) {
        if (!layer.input(i) || !config.inputFormats[i].isDefault()) {
            return skip("runs linear tensors stored in their own types only");
        }
    }
    if (!config.outputFormats[0].isDefault())
        return skip("runs linear tensors stored in their own types only");
    if (layer.input(0)->type() != DataType::Bool) return skip("the condition is not BOOL");
    const Dims& output = layer.output(0)->dims();
    if (output.empty()) return skip("needs an output of rank 1 or more");
    SelectPlan plan;
    plan.outDims = output;
    for (size_t i = 0; i < 3; ++i) {
        if (layer.input(i)->dims().size() > output.size())
            return skip("an input has a higher rank than the output");
        plan.strides[i] = broadcastStrides(layer.input(i)->dims(), output);
    }
    plan.elementSize = dataTypeSize(layer.output(0)->type());
    const auto make = [plan]() { return kernelForElementSize<SelectKernel>(plan.elementSize, plan); };
    tactics.push_back(std::make_unique<KilnTactic>(kSelectId, make));
}

}  // namespace kiln::cpu::fast
