// Pad kernel (fast_pad.h).
#include "backends/cpu/fast/fast_pad.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "backends/cpu/scalar_math.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kPadId = "kiln:pad";

struct PadPlan {
    Dims inDims;
    Dims outDims;
    std::vector<int64_t> begin;  // each axis' begin pad (negative: cropped)
    PadMode mode = PadMode::Constant;
    HostTensor fill;  // the value, one element of the stored type
    size_t elementSize = 4;
};

// Where output position `position` of an axis of `extent` input elements reads, or -1 in a constant pad.
// Shape inference keeps reflect pads below the extent, so one reflection suffices.
int64_t sourceOf(int64_t position, int64_t begin, int64_t extent, PadMode mode) {
    const int64_t source = position - begin;
    if (source >= 0 && source < extent) return source;
    switch (mode) {
        case PadMode::Constant:
            return -1;
        case PadMode::Edge:
            return std::clamp<int64_t>(source, 0, extent - 1);
        case PadMode::Reflect:
            return source < 0 ? -source : 2 * (extent - 1) - source;
    }
    return -1;
}

template <typename T>
class PadKernel final : public tactics::Kernel {
public:
    explicit PadKernel(PadPlan plan) : m_plan(std::move(plan)) {
        std::memcpy(&m_fill, m_plan.fill.bytes(), sizeof(T));
        m_inStrides.assign(m_plan.inDims.size(), 1);
        for (size_t axis = m_plan.inDims.size(); axis-- > 1;) {
            m_inStrides[axis - 1] = m_inStrides[axis] * m_plan.inDims[axis];
        }
    }

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the pad kernel needs an input and an output");
        }
        const auto* in = reinterpret_cast<const T*>(args.inputs[0]);
        auto* out = reinterpret_cast<T*>(args.outputs[0]);
        const PadPlan& p = m_plan;
        const size_t last = p.outDims.size() - 1;
        const int64_t row = p.outDims[last];
        const int64_t total = volume(p.outDims);
        if (total == 0) return Status::ok();
        const int64_t rows = total / row;
        const int64_t extent = p.inDims[last];
        const int64_t begin = p.begin[last];
        // The output positions [lo, hi) of a row read the input row as it is; the rest are pads.
        const int64_t lo = std::clamp<int64_t>(begin, 0, row);
        const int64_t hi = std::clamp<int64_t>(begin + extent, lo, row);
#pragma omp parallel for if (worthParallel(total * int64_t(sizeof(T)) * 2)) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            T* target = out + r * row;
            int64_t offset = 0;
            bool inside = true;
            int64_t rest = r;
            for (size_t axis = last; axis-- > 0;) {
                const int64_t position = rest % p.outDims[axis];
                rest /= p.outDims[axis];
                const int64_t source = sourceOf(position, p.begin[axis], p.inDims[axis], p.mode);
                if (source < 0) {
                    inside = false;
                    break;
                }
                offset += source * m_inStrides[axis];
            }
            if (!inside || extent == 0) {
                std::fill(target, target + row, m_fill);
                continue;
            }
            const T* source = in + offset;
            std::memcpy(target + lo, source + (lo - begin), size_t(hi - lo) * sizeof(T));
            for (int64_t j = 0; j < lo; ++j)
                target[j] = element(source, j, begin, extent);
            for (int64_t j = hi; j < row; ++j)
                target[j] = element(source, j, begin, extent);
        }
        return Status::ok();
    }

private:
    // Output position `j` of an innermost row outside the input's copy.
    T element(const T* source, int64_t j, int64_t begin, int64_t extent) const {
        const int64_t from = sourceOf(j, begin, extent, m_plan.mode);
        return from < 0 ? m_fill : source[from];
    }

    PadPlan m_plan;
    std::vector<int64_t> m_inStrides;
    T m_fill{};
};

}  // namespace

void addPadTactics(const tactics::LayerConfig& config, Isa,
                   std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kPadId, kLibrary, reason}); };
    if (const std::string refusal = movingRefusal(config); !refusal.empty()) return skip(refusal);
    const Layer& layer = *config.layer;
    const auto& params = layer.paramsAs<PadParams>();
    const Tensor* input = layer.input(0);
    const size_t rank = input->dims().size();
    if (rank == 0 || params.pads.size() != 2 * rank)
        return skip("needs a rank of 1 or more and two pads per axis");
    const DataType stored = config.inputFormats[0].storage.value_or(input->type());
    if (stored == DataType::Int8 && input->type() != DataType::Int8) {
        return skip("INT8 storage of another type: the pad value would need the tensor's scale");
    }
    PadPlan plan;
    plan.inDims = input->dims();
    plan.outDims = layer.output(0)->dims();
    plan.begin.assign(params.pads.begin(), params.pads.begin() + int64_t(rank));
    plan.mode = params.mode;
    plan.fill = padValueElement(stored, params.value);
    plan.elementSize = movedElementSize(config);
    if (params.mode != PadMode::Constant) {
        for (size_t axis = 0; axis < rank; ++axis) {
            const bool padded = params.pads[axis] > 0 || params.pads[axis + rank] > 0;
            if (padded && plan.inDims[axis] == 0)
                return skip("edge and reflect pads need elements to repeat");
        }
    }
    const auto make = [plan]() { return kernelForElementSize<PadKernel>(plan.elementSize, plan); };
    tactics.push_back(std::make_unique<KilnTactic>(kPadId, make));
}

}  // namespace kiln::cpu::fast
