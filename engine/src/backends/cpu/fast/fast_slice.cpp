// Slice kernel (fast_slice.h).
#include "backends/cpu/fast/fast_slice.h"

#include <cstring>
#include <string>

namespace kiln::cpu::fast {

namespace {

constexpr const char* kSliceId = "kiln:slice";
constexpr const char* kSplitId = "kiln:split";

// Split along `axis` of [outer][extent][inner]: output k holds rows of sizes[k] * inner elements.
struct SplitPlan {
    int64_t outer = 1;
    int64_t extent = 1;
    int64_t inner = 1;
    std::vector<int64_t> sizes;
};

template <typename T>
class SplitKernel final : public tactics::Kernel {
public:
    explicit SplitKernel(SplitPlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const SplitPlan& p = m_plan;
        if (args.inputs.empty() || !args.inputs[0] || args.outputs.size() != p.sizes.size()) {
            return invalidArgument("the split kernel needs an input and one output per part");
        }
        const auto* in = reinterpret_cast<const T*>(args.inputs[0]);
        const int64_t tasks = p.outer * int64_t(p.sizes.size());
#pragma omp parallel for if (worthParallel(p.outer * p.extent * p.inner * int64_t(sizeof(T)) * 2)) schedule(static)
        for (int64_t task = 0; task < tasks; ++task) {
            const int64_t o = task / int64_t(p.sizes.size());
            const size_t part = size_t(task % int64_t(p.sizes.size()));
            int64_t offset = 0;
            for (size_t k = 0; k < part; ++k) offset += p.sizes[k];
            const int64_t row = p.sizes[part] * p.inner;
            if (row == 0 || !args.outputs[part]) continue;
            std::memcpy(reinterpret_cast<T*>(args.outputs[part]) + o * row, in + (o * p.extent + offset) * p.inner,
                        size_t(row) * sizeof(T));
        }
        return Status::ok();
    }

private:
    SplitPlan m_plan;
};

struct SlicePlan {
    Dims outDims;                   // output extents with unit axes dropped (at least one axis)
    std::vector<int64_t> inSteps;   // input elements between neighbours along each output axis
    int64_t first = 0;              // input offset of the first output element
};

template <typename T>
class SliceKernel final : public tactics::Kernel {
public:
    explicit SliceKernel(SlicePlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the slice kernel needs an input and an output");
        }
        const SlicePlan& p = m_plan;
        const auto* in = reinterpret_cast<const T*>(args.inputs[0]) + p.first;
        auto* out = reinterpret_cast<T*>(args.outputs[0]);
        const size_t rank = p.outDims.size();
        const int64_t row = p.outDims[rank - 1];
        const int64_t step = p.inSteps[rank - 1];
        const int64_t rows = volume(p.outDims) / std::max<int64_t>(row, 1);
        if (row == 0 || rows == 0) return Status::ok();
#pragma omp parallel for if (worthParallel(rows * row * int64_t(sizeof(T)) * 2)) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            int64_t offset = 0;
            int64_t rest = r;
            for (size_t axis = rank - 1; axis-- > 0;) {
                offset += rest % p.outDims[axis] * p.inSteps[axis];
                rest /= p.outDims[axis];
            }
            const T* source = in + offset;
            T* target = out + r * row;
            if (step == 1) {
                std::memcpy(target, source, size_t(row) * sizeof(T));
            } else {
                for (int64_t i = 0; i < row; ++i) target[i] = source[i * step];
            }
        }
        return Status::ok();
    }

private:
    SlicePlan m_plan;
};

}  // namespace

void addSliceTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kSliceId, kLibrary, reason}); };
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    const auto& p = layer.paramsAs<SliceParams>();
    const Dims& in = input->dims();
    const Dims& out = output->dims();
    if (p.starts.size() != in.size() || p.steps.size() != in.size() || out.size() != in.size()) {
        return skip("the slice does not name every axis");
    }
    // Row-major strides of the input; each output axis walks its input axis by `step`.
    std::vector<int64_t> strides(in.size(), 1);
    for (size_t i = in.size(); i-- > 1;) strides[i - 1] = strides[i] * in[i];
    SlicePlan plan;
    for (size_t axis = 0; axis < in.size(); ++axis) {
        if (out[axis] == 0) return skip("the output is empty");
        // The shape inference clamped starts into range for the step's direction.
        const int64_t start = p.starts[axis];
        if (start < 0 || start >= in[axis]) return skip("a start lies outside its axis");
        plan.first += start * strides[axis];
        if (out[axis] == 1) continue;
        plan.outDims.push_back(out[axis]);
        plan.inSteps.push_back(p.steps[axis] * strides[axis]);
    }
    if (plan.outDims.empty()) {
        plan.outDims.push_back(1);
        plan.inSteps.push_back(1);
    }
    const size_t elementSize = movedElementSize(config);
    tactics.push_back(std::make_unique<KilnTactic>(kSliceId, [plan, elementSize]() {
        return kernelForElementSize<SliceKernel>(elementSize, plan);
    }));
}

void addSplitTactics(const tactics::LayerConfig& config, Isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kSplitId, kLibrary, reason}); };
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    for (size_t k = 1; k < layer.outputs().size(); ++k) {
        if (config.outputFormats.size() <= k || config.outputFormats[k] != config.outputFormats[0] ||
            !isLinearLayout(layer.output(k)->dims(), config.outputFormats[k])) {
            return skip("its outputs are not all linear and stored alike");
        }
    }
    const auto& p = layer.paramsAs<SplitParams>();
    const Dims& dims = layer.input(0)->dims();
    if (p.axis < 0 || size_t(p.axis) >= dims.size() || p.sizes.size() != layer.outputs().size()) {
        return skip("the axis or the sizes do not fit the input");
    }
    SplitPlan plan;
    plan.sizes = p.sizes;
    plan.extent = dims[size_t(p.axis)];
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (int64_t(axis) < p.axis) plan.outer *= dims[axis];
        if (int64_t(axis) > p.axis) plan.inner *= dims[axis];
    }
    const size_t elementSize = movedElementSize(config);
    tactics.push_back(std::make_unique<KilnTactic>(kSplitId, [plan, elementSize]() {
        return kernelForElementSize<SplitKernel>(elementSize, plan);
    }));
}

}  // namespace kiln::cpu::fast
