// Quantize and Dequantize kernels (fast_quantize.h).
#include "backends/cpu/fast/fast_quantize.h"

#include <cmath>
#include <string>

#include "backends/cpu/scalar_math.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kQuantizeId = "kiln:quantize";

struct QuantizePlan {
    int64_t outer = 1;
    int64_t extent = 1;  // scales (1: one for every element)
    int64_t inner = 1;
    DataType zeroType = DataType::Int8;  // the zero point's type, where there is one
    bool hasZero = false;
};

int64_t zeroAt(const void* zero, DataType type, int64_t k) {
    if (!zero) return 0;
    return type == DataType::Int32 ? static_cast<const int32_t*>(zero)[k]
                                   : static_cast<const int8_t*>(zero)[k];
}

class QuantizeKernel final : public tactics::Kernel {
public:
    explicit QuantizeKernel(QuantizePlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 2 || args.outputs.empty() || !args.inputs[0] || !args.inputs[1] ||
            !args.outputs[0]) {
            return invalidArgument("the quantize kernel needs data, a scale and an output");
        }
        const auto* x = reinterpret_cast<const float*>(args.inputs[0]);
        const auto* scales = reinterpret_cast<const float*>(args.inputs[1]);
        const void* zero = m_plan.hasZero && args.inputs.size() > 2 ? args.inputs[2] : nullptr;
        auto* y = reinterpret_cast<int8_t*>(args.outputs[0]);
        const QuantizePlan p = m_plan;
        const int64_t rows = p.outer * p.extent;
#pragma omp parallel for if (worthParallel(rows * p.inner * 5)) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t k = r % p.extent;
            const float scale = scales[k];
            const float zeroPoint = float(zeroAt(zero, p.zeroType, k));
            const float* in = x + r * p.inner;
            int8_t* out = y + r * p.inner;
            for (int64_t i = 0; i < p.inner; ++i) {
                const float quotient = in[i] / scale;
                // NaN has no integer; it becomes the zero point, which dequantizes to 0.
                const float shifted =
                    std::isnan(quotient) ? zeroPoint : roundHalfToEven(quotient) + zeroPoint;
                out[i] = int8_t(std::fmin(std::fmax(shifted, -128.0f), 127.0f));
            }
        }
        return Status::ok();
    }

private:
    QuantizePlan m_plan;
};

template <typename Q>
class DequantizeKernel final : public tactics::Kernel {
public:
    explicit DequantizeKernel(QuantizePlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 2 || args.outputs.empty() || !args.inputs[0] || !args.inputs[1] ||
            !args.outputs[0]) {
            return invalidArgument("the dequantize kernel needs data, a scale and an output");
        }
        const auto* q = reinterpret_cast<const Q*>(args.inputs[0]);
        const auto* scales = reinterpret_cast<const float*>(args.inputs[1]);
        const void* zero = m_plan.hasZero && args.inputs.size() > 2 ? args.inputs[2] : nullptr;
        auto* y = reinterpret_cast<float*>(args.outputs[0]);
        const QuantizePlan p = m_plan;
        const int64_t rows = p.outer * p.extent;
#pragma omp parallel for if (worthParallel(rows * p.inner * int64_t(sizeof(Q) + 4))) schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t k = r % p.extent;
            const float scale = scales[k];
            const int64_t zeroPoint = zeroAt(zero, p.zeroType, k);
            const Q* in = q + r * p.inner;
            float* out = y + r * p.inner;
            // In 64 bits: an INT32 value minus its zero point may not fit 32.
            for (int64_t i = 0; i < p.inner; ++i)
                out[i] = float(int64_t(in[i]) - zeroPoint) * scale;
        }
        return Status::ok();
    }

private:
    QuantizePlan m_plan;
};

}  // namespace

void addQuantizeTactics(const tactics::LayerConfig& config, Isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped) {
    auto skip = [&](const std::string& reason) { skipped.push_back({kQuantizeId, kLibrary, reason}); };
    const Layer& layer = *config.layer;
    const bool quantize = layer.kind() == LayerKind::Quantize;
    if (layer.inputs().size() < 2 || !layer.input(0) || !layer.input(1) || layer.outputs().size() != 1 ||
        config.inputFormats.empty() || config.outputFormats.empty()) {
        return skip("needs data, a scale, an output and their formats");
    }
    if (const std::string refusal = linearOwnTypeRefusal(config); !refusal.empty()) return skip(refusal);
    const Tensor* data = layer.input(0);
    const Tensor* scale = layer.input(1);
    const Tensor* zero = layer.inputs().size() > 2 ? layer.input(2) : nullptr;
    if (scale->type() != DataType::Float32) return skip("the scale is not FP32");
    const DataType dataType = data->type();
    if (quantize ? dataType != DataType::Float32
                 : dataType != DataType::Int8 && dataType != DataType::Int32) {
        return skip(quantize ? "quantizes FP32 data only" : "dequantizes INT8 and INT32 data only");
    }
    QuantizePlan plan;
    const Dims& dims = data->dims();
    const int64_t axis =
        quantize ? layer.paramsAs<QuantizeParams>().axis : layer.paramsAs<DequantizeParams>().axis;
    // As the reference reads them: a one-value scale of rank 0 or 1 serves every element.
    const bool perTensor = volume(scale->dims()) == 1 && scale->dims().size() <= 1;
    if (perTensor) {
        plan.inner = volume(dims);
    } else {
        if (axis < 0 || size_t(axis) >= dims.size()) return skip("the axis is outside the data's rank");
        plan.extent = dims[size_t(axis)];
        for (size_t a = 0; a < size_t(axis); ++a)
            plan.outer *= dims[a];
        for (size_t a = size_t(axis) + 1; a < dims.size(); ++a)
            plan.inner *= dims[a];
    }
    if (zero) {
        if (zero->type() != DataType::Int8 && zero->type() != DataType::Int32)
            return skip("the zero point is not INT8 or INT32");
        plan.hasZero = true;
        plan.zeroType = zero->type();
    }
    if (quantize) {
        tactics.push_back(
            std::make_unique<KilnTactic>(kQuantizeId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
                return std::unique_ptr<tactics::Kernel>(std::make_unique<QuantizeKernel>(plan));
            }));
    } else if (dataType == DataType::Int8) {
        tactics.push_back(
            std::make_unique<KilnTactic>(kQuantizeId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
                return std::unique_ptr<tactics::Kernel>(std::make_unique<DequantizeKernel<int8_t>>(plan));
            }));
    } else {
        tactics.push_back(
            std::make_unique<KilnTactic>(kQuantizeId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
                return std::unique_ptr<tactics::Kernel>(std::make_unique<DequantizeKernel<int32_t>>(plan));
            }));
    }
}

}  // namespace kiln::cpu::fast
