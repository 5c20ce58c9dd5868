// Layer-norm kernel (fast_layer_norm.h). One row body, force-inlined into a function per instruction
// set so that the compiler vectorizes it for that set (the engine is built for plain x86-64).
#include "backends/cpu/fast/fast_layer_norm.h"

#include <cmath>
#include <string>

#include "backends/cpu/fast/fast_pointwise.h"

// clang under the sanitizers cannot vectorize the `omp simd` loops below and says so for each; the loops
// are correct either way.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

namespace kiln::cpu::fast {

namespace {

constexpr const char* kLayerNormId = "kiln:layer-norm";

struct LayerNormPlan {
    // InstanceNorm: one scale and bias per row (channel = row % channels) instead of per position.
    bool perRow = false;
    int64_t channels = 1;
    int64_t rows = 0;
    int64_t length = 0;
    float epsilon = 1e-5f;
    bool hasBias = false;
    bool bf16Input = false;
    bool bf16Output = false;
    Isa isa = Isa::Scalar;
};

// y = (x - mean) / sqrt(variance + epsilon) * scale (+ bias) for one row of `n` floats; with `stride` 0
// the row's one scale and bias apply to every position.
__attribute__((always_inline)) inline void normalizeRowBody(const float* x, const float* scale, const float* bias,
                                                            float* y, int64_t n, float epsilon, int64_t stride) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]);
    const double mean = sum / double(n);
    double squares = 0.0;
#pragma omp simd reduction(+ : squares)
    for (int64_t i = 0; i < n; ++i) {
        const double deviation = double(x[i]) - mean;
        squares += deviation * deviation;
    }
    const float factor = float(1.0 / std::sqrt(squares / double(n) + double(epsilon)));
    // The mean as a float plus the float nearest its remainder: x - center is exact for the x near the
    // mean (Sterbenz), so a row far from zero keeps the digits of its deviations.
    const float center = float(mean);
    const float remainder = float(mean - double(center));
    if (stride == 0) {
        const float rowFactor = factor * scale[0];
        const float shift = bias ? bias[0] : 0.0f;
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) y[i] = ((x[i] - center) - remainder) * rowFactor + shift;
    } else if (bias) {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) y[i] = ((x[i] - center) - remainder) * factor * scale[i] + bias[i];
    } else {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) y[i] = ((x[i] - center) - remainder) * factor * scale[i];
    }
}

using RowFunction = void (*)(const float*, const float*, const float*, float*, int64_t, float, int64_t);

void normalizeRowScalar(const float* x, const float* scale, const float* bias, float* y, int64_t n, float epsilon,
                        int64_t stride) {
    normalizeRowBody(x, scale, bias, y, n, epsilon, stride);
}
__attribute__((target("avx2,fma"))) void normalizeRowAvx2(const float* x, const float* scale, const float* bias,
                                                          float* y, int64_t n, float epsilon, int64_t stride) {
    normalizeRowBody(x, scale, bias, y, n, epsilon, stride);
}
__attribute__((target("avx512f,avx2,fma"))) void normalizeRowAvx512(const float* x, const float* scale,
                                                                    const float* bias, float* y, int64_t n,
                                                                    float epsilon, int64_t stride) {
    normalizeRowBody(x, scale, bias, y, n, epsilon, stride);
}

RowFunction rowFunction(Isa isa) {
    switch (isa) {
        case Isa::Avx512: return normalizeRowAvx512;
        case Isa::Avx2: return normalizeRowAvx2;
        case Isa::Scalar: break;
    }
    return normalizeRowScalar;
}

class LayerNormKernel final : public tactics::Kernel {
public:
    explicit LayerNormKernel(LayerNormPlan plan) : m_plan(plan) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 2 || args.outputs.empty() || !args.inputs[0] || !args.inputs[1] || !args.outputs[0] ||
            (m_plan.hasBias && (args.inputs.size() < 3 || !args.inputs[2]))) {
            return invalidArgument("the layer-norm kernel needs data, scale, " +
                                   std::string(m_plan.hasBias ? "bias " : "") + "and an output");
        }
        const LayerNormPlan& p = m_plan;
        const auto* scale = reinterpret_cast<const float*>(args.inputs[1]);
        const auto* bias = p.hasBias ? reinterpret_cast<const float*>(args.inputs[2]) : nullptr;
        const RowFunction row = rowFunction(p.isa);
        const StorageConversions convert = storageConversions(p.isa);
        const bool staged = p.bf16Input || p.bf16Output;
        const int64_t elementBytes = p.bf16Input ? 2 : 4;
        const bool parallel = worthParallel(p.rows * p.length * elementBytes * 2);
#pragma omp parallel if (parallel)
        {
            // BF16 rows are widened into `in`, normalised into `out`, and narrowed from there.
            std::vector<float> in(staged ? size_t(p.length) : 0);
            std::vector<float> out(staged ? size_t(p.length) : 0);
#pragma omp for schedule(static)
            for (int64_t r = 0; r < p.rows; ++r) {
                const int64_t offset = r * p.length;
                const float* x;
                if (p.bf16Input) {
                    convert.widenBf16(reinterpret_cast<const uint16_t*>(args.inputs[0]) + offset, in.data(), p.length);
                    x = in.data();
                } else {
                    x = reinterpret_cast<const float*>(args.inputs[0]) + offset;
                }
                float* y = p.bf16Output ? out.data() : reinterpret_cast<float*>(args.outputs[0]) + offset;
                if (p.perRow) {
                    const int64_t channel = r % p.channels;
                    row(x, scale + channel, bias ? bias + channel : nullptr, y, p.length, p.epsilon, 0);
                } else {
                    row(x, scale, bias, y, p.length, p.epsilon, 1);
                }
                if (p.bf16Output) {
                    convert.narrowBf16(out.data(), reinterpret_cast<uint16_t*>(args.outputs[0]) + offset, p.length);
                }
            }
        }
        return Status::ok();
    }

private:
    LayerNormPlan m_plan;
};

}  // namespace

void addLayerNormTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kLayerNormId, kLibrary, reason}); };
    const bool instance = layer.kind() == LayerKind::InstanceNorm;
    if (layer.inputs().size() < 2 || !layer.input(0) || !layer.input(1) || !layer.output(0) ||
        config.inputFormats.size() < layer.inputs().size() || config.outputFormats.empty()) {
        return skip("needs data, scale, an output and their formats");
    }
    const auto storage = [](const TensorFormat& format) { return format.storage.value_or(DataType::Float32); };
    const DataType inStorage = storage(config.inputFormats[0]);
    const DataType outStorage = storage(config.outputFormats[0]);
    if ((inStorage != DataType::Float32 && inStorage != DataType::BFloat16) ||
        (outStorage != DataType::Float32 && outStorage != DataType::BFloat16)) {
        return skip("reads and writes FP32 or BF16 storage only");
    }
    const Dims& dims = layer.input(0)->dims();
    if (!isLinearLayout(dims, config.inputFormats[0]) || !isLinearLayout(dims, config.outputFormats[0])) {
        return skip("runs linear tensors only");
    }
    const bool hasBias = layer.inputs().size() > 2 && layer.input(2) != nullptr;
    for (size_t index = 1; index < (hasBias ? 3u : 2u); ++index) {
        if (storage(config.inputFormats[index]) != DataType::Float32 ||
            !isLinearLayout(layer.input(index)->dims(), config.inputFormats[index])) {
            return skip("reads its scale and bias as linear FP32 only");
        }
    }
    LayerNormPlan plan;
    // LayerNorm normalises the axes from `axis` on; InstanceNorm the spatial axes of each (n, c) plane.
    const int64_t axis = instance ? 2 : layer.paramsAs<LayerNormParams>().axis;
    if (instance && dims.size() < 3) return skip("instance norm needs spatial axes");
    plan.perRow = instance;
    plan.channels = instance ? dims[1] : 1;
    plan.rows = 1;
    plan.length = 1;
    for (size_t a = 0; a < dims.size(); ++a) (int64_t(a) < axis ? plan.rows : plan.length) *= dims[a];
    if (plan.length == 0) return skip("the normalised axes are empty");
    plan.epsilon = instance ? layer.paramsAs<InstanceNormParams>().epsilon : layer.paramsAs<LayerNormParams>().epsilon;
    plan.hasBias = hasBias;
    plan.bf16Input = inStorage == DataType::BFloat16;
    plan.bf16Output = outStorage == DataType::BFloat16;
    plan.isa = isa;
    tactics.push_back(std::make_unique<KilnTactic>(kLayerNormId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<LayerNormKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast
