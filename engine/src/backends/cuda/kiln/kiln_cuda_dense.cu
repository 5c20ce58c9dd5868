// Kiln CUDA tactics for direct Convolution, Deconvolution, MatMul and Gemm kernels: one thread per output
// element sums its products in FP32, then applies the layer's bias, residual, C term and activation in
// the reference kernels' order. They run every configuration the reference kernels run, so they are
// the fallback where cuDNN and cuBLASLt offer nothing, and the oracle GPU tests can trust.
#include "backends/cuda/kiln/kiln_cuda_dense.h"

#include <algorithm>
#include <optional>
#include <string>

#include "backends/cuda/kiln/kiln_cuda_common.h"
#include "backends/cuda/kiln/kiln_cuda_pointwise_math.cuh"

namespace kiln::cuda {

namespace {

// The fused activation, if any, with the reference's formulas (kiln_cuda_pointwise_math.cuh).
struct Epilogue {
    bool active = false;
    ActivationParams activation;
};

Epilogue epilogueOf(const std::optional<ActivationParams>& activation) {
    return activation ? Epilogue{true, *activation} : Epilogue{};
}

__device__ float applyEpilogue(const Epilogue& epilogue, float x) {
    if (!epilogue.active) return x;
    const ActivationParams& p = epilogue.activation;
    return activate(p.type, p.alpha, p.beta, x);
}

// A convolution problem with exactly three spatial axes; missing leading axes have extent 1, as the
// reference views it.
struct ConvGeometry {
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t groups = 1;
    int64_t in[3] = {1, 1, 1};
    int64_t out[3] = {1, 1, 1};
    int64_t kernel[3] = {1, 1, 1};
    int64_t stride[3] = {1, 1, 1};
    int64_t dilation[3] = {1, 1, 1};
    int64_t padBegin[3] = {0, 0, 0};
};

ConvGeometry makeGeometry(const Dims& data, const Dims& weights, int64_t outChannels, const Dims& output,
                          const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                          const std::vector<int64_t>& dilations, int64_t groups) {
    ConvGeometry g;
    g.inChannels = data[1];
    g.outChannels = outChannels;
    g.groups = groups;
    const size_t spatial = data.size() - 2;
    const size_t offset = 3 - spatial;
    for (size_t i = 0; i < spatial; ++i) {
        g.in[offset + i] = data[i + 2];
        g.out[offset + i] = output[i + 2];
        g.kernel[offset + i] = weights[i + 2];
        g.stride[offset + i] = strides[i];
        g.dilation[offset + i] = dilations[i];
        g.padBegin[offset + i] = pads[i];
    }
    return g;
}

// Output element i of one output tensor, holding `channels` output channels from `firstChannel` on:
// the taps of its window that fall inside the input, over the input channels of its group. A residual
// is read at the element's own index (there are no split outputs with a residual), so it may share
// memory with the output.
__global__ void convolutionKernel(const float* x, const float* w, const float* bias, const float* residual,
                                  float* y, ConvGeometry g, int64_t firstChannel, int64_t channels,
                                  Epilogue epilogue, int64_t count) {
    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
    const int64_t inPerGroup = g.inChannels / g.groups;
    const int64_t outPerGroup = g.outChannels / g.groups;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t position = i % outPlane;
        const int64_t k = firstChannel + i / outPlane % channels;
        const int64_t n = i / outPlane / channels;
        const int64_t od = position / (g.out[1] * g.out[2]);
        const int64_t oh = position / g.out[2] % g.out[1];
        const int64_t ow = position % g.out[2];
        const int64_t group = k / outPerGroup;
        const float* groupInput = x + (n * g.inChannels + group * inPerGroup) * inPlane;
        const float* kernel = w + k * inPerGroup * taps;
        float sum = bias ? bias[k] : 0.0f;
        for (int64_t c = 0; c < inPerGroup; ++c) {
            const float* plane = groupInput + c * inPlane;
            for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t id = od * g.stride[0] - g.padBegin[0] + kd * g.dilation[0];
                if (id < 0 || id >= g.in[0]) continue;
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                    const int64_t ih = oh * g.stride[1] - g.padBegin[1] + kh * g.dilation[1];
                    if (ih < 0 || ih >= g.in[1]) continue;
                    for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                        const int64_t iw = ow * g.stride[2] - g.padBegin[2] + kw * g.dilation[2];
                        if (iw < 0 || iw >= g.in[2]) continue;
                        const float tap =
                            kernel[((c * g.kernel[0] + kd) * g.kernel[1] + kh) * g.kernel[2] + kw];
                        sum = fmaf(tap, plane[(id * g.in[1] + ih) * g.in[2] + iw], sum);
                    }
                }
            }
        }
        if (residual) sum += residual[i];
        y[i] = applyEpilogue(epilogue, sum);
    }
}

// Output element i gathers what the reference scatters: input position p reaches output position
// p * stride - pad + tap * dilation, so along each axis the taps whose (o + pad - tap * dilation) is a
// non-negative multiple of the stride, landing inside the input, contribute.
__global__ void deconvolutionKernel(const float* x, const float* w, const float* bias, float* y,
                                    ConvGeometry g, int64_t count) {
    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
    const int64_t inPerGroup = g.inChannels / g.groups;
    const int64_t outPerGroup = g.outChannels / g.groups;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t position = i % outPlane;
        const int64_t k = i / outPlane % g.outChannels;
        const int64_t n = i / outPlane / g.outChannels;
        const int64_t od = position / (g.out[1] * g.out[2]);
        const int64_t oh = position / g.out[2] % g.out[1];
        const int64_t ow = position % g.out[2];
        const int64_t group = k / outPerGroup;
        const int64_t kInGroup = k % outPerGroup;
        float sum = bias ? bias[k] : 0.0f;
        for (int64_t c = 0; c < inPerGroup; ++c) {
            const int64_t channel = group * inPerGroup + c;
            const float* plane = x + (n * g.inChannels + channel) * inPlane;
            const float* kernel = w + (channel * outPerGroup + kInGroup) * taps;
            for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t td = od + g.padBegin[0] - kd * g.dilation[0];
                if (td < 0 || td % g.stride[0] != 0 || td / g.stride[0] >= g.in[0]) continue;
                const int64_t id = td / g.stride[0];
                for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                    const int64_t th = oh + g.padBegin[1] - kh * g.dilation[1];
                    if (th < 0 || th % g.stride[1] != 0 || th / g.stride[1] >= g.in[1]) continue;
                    const int64_t ih = th / g.stride[1];
                    for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                        const int64_t tw = ow + g.padBegin[2] - kw * g.dilation[2];
                        if (tw < 0 || tw % g.stride[2] != 0 || tw / g.stride[2] >= g.in[2]) continue;
                        const int64_t iw = tw / g.stride[2];
                        const float tap = kernel[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
                        sum = fmaf(tap, plane[(id * g.in[1] + ih) * g.in[2] + iw], sum);
                    }
                }
            }
        }
        y[i] = sum;
    }
}

// A batch of matrix products Y[b] = alpha * op(A)[b] op(B)[b] + beta * C, C broadcast to [M, N].
// MatMul is a batch without alpha or C; Gemm a single product.
struct ProductGeometry {
    int64_t m = 0;
    int64_t n = 0;
    int64_t k = 0;
    // Element strides of op(A) and op(B) along their rows and columns.
    int64_t aRow = 0;
    int64_t aCol = 0;
    int64_t bRow = 0;
    int64_t bCol = 0;
    // The output's batch axes, with the element strides of A's and B's matrices along each (0 where
    // the operand is broadcast).
    ShapeDesc batchA;
    ShapeDesc batchB;
    float alpha = 1.0f;
    float beta = 0.0f;
    int64_t cRow = 0;
    int64_t cCol = 0;
};

__global__ void productKernel(const float* a, const float* b, const float* c, float* y, ProductGeometry g,
                              Epilogue epilogue, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t column = i % g.n;
        const int64_t row = i / g.n % g.m;
        int64_t rest = i / g.n / g.m;
        int64_t aOffset = row * g.aRow;
        int64_t bOffset = column * g.bCol;
        for (int axis = g.batchA.rank - 1; axis >= 0; --axis) {
            const int64_t coordinate = rest % g.batchA.extents[axis];
            rest /= g.batchA.extents[axis];
            aOffset += coordinate * g.batchA.strides[axis];
            bOffset += coordinate * g.batchB.strides[axis];
        }
        float sum = 0.0f;
        for (int64_t kk = 0; kk < g.k; ++kk)
            sum = fmaf(a[aOffset + kk * g.aCol], b[bOffset + kk * g.bRow], sum);
        float value = g.alpha * sum;
        if (c) value += g.beta * c[row * g.cRow + column * g.cCol];
        y[i] = applyEpilogue(epilogue, value);
    }
}

class ConvolutionKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        const auto& p = m_layer.paramsAs<ConvolutionParams>();
        const Dims& weights = m_layer.input(1)->dims();
        m_geometry = makeGeometry(m_layer.input(0)->dims(), weights, weights[0], m_layer.output(0)->dims(),
                                  p.strides, p.pads, p.dilations, p.groups);
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        const auto& p = m_layer.paramsAs<ConvolutionParams>();
        const auto* x = reinterpret_cast<const float*>(input(args, 0));
        const auto* w = reinterpret_cast<const float*>(input(args, 1));
        const auto* bias = reinterpret_cast<const float*>(m_layer.input(2) ? input(args, 2) : nullptr);
        const auto* residual = reinterpret_cast<const float*>(m_layer.input(3) ? input(args, 3) : nullptr);
        // Split outputs each hold the next run of output channels.
        int64_t firstChannel = 0;
        for (size_t i = 0; i < m_layer.outputs().size(); ++i) {
            const Tensor& output = *m_layer.output(i);
            const int64_t channels = output.dims()[1];
            const int64_t count = volume(output.dims());
            if (count > 0) {
                convolutionKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
                    x, w, bias, residual, reinterpret_cast<float*>(args.outputs[i]), m_geometry, firstChannel,
                    channels, epilogueOf(p.activation), count);
                KILN_RETURN_IF_ERROR(launched("convolution"));
            }
            firstChannel += channels;
        }
        return Status::ok();
    }

private:
    ConvGeometry m_geometry;
};

class DeconvolutionKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        const auto& p = m_layer.paramsAs<DeconvolutionParams>();
        const Dims& output = m_layer.output(0)->dims();
        m_geometry = makeGeometry(m_layer.input(0)->dims(), m_layer.input(1)->dims(), output[1], output,
                                  p.strides, p.pads, p.dilations, p.groups);
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t count = volume(m_layer.output(0)->dims());
        if (count == 0) return Status::ok();
        deconvolutionKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
            reinterpret_cast<const float*>(input(args, 0)), reinterpret_cast<const float*>(input(args, 1)),
            reinterpret_cast<const float*>(m_layer.input(2) ? input(args, 2) : nullptr),
            reinterpret_cast<float*>(args.outputs[0]), m_geometry, count);
        return launched("deconvolution");
    }

private:
    ConvGeometry m_geometry;
};

// The number of batch axes of a MatMul's output: the axes before its matrix axes.
size_t matMulBatchRank(const Layer& layer) {
    const size_t matrixAxes =
        (layer.input(0)->dims().size() >= 2 ? 1 : 0) + (layer.input(1)->dims().size() >= 2 ? 1 : 0);
    return layer.output(0)->dims().size() - matrixAxes;
}

// MatMul and Gemm: the geometry is worked out once; run() only reads it.
class ProductKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        if (m_layer.kind() == LayerKind::Gemm) {
            prepareGemm();
        } else {
            prepareMatMul();
        }
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t count = volume(m_layer.output(0)->dims());
        if (count == 0) return Status::ok();
        productKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream(args)>>>(
            reinterpret_cast<const float*>(input(args, 0)), reinterpret_cast<const float*>(input(args, 1)),
            reinterpret_cast<const float*>(m_readsC ? input(args, 2) : nullptr),
            reinterpret_cast<float*>(args.outputs[0]), m_geometry, m_epilogue, count);
        return launched(m_layer.kind() == LayerKind::Gemm ? "gemm" : "matmul");
    }

private:
    void prepareGemm() {
        const auto& p = m_layer.paramsAs<GemmParams>();
        const Dims& a = m_layer.input(0)->dims();
        ProductGeometry& g = m_geometry;
        g.m = m_layer.output(0)->dims()[0];
        g.n = m_layer.output(0)->dims()[1];
        g.k = p.transA ? a[0] : a[1];
        g.aRow = p.transA ? 1 : g.k;
        g.aCol = p.transA ? g.m : 1;
        g.bRow = p.transB ? 1 : g.n;
        g.bCol = p.transB ? g.k : 1;
        g.alpha = p.alpha;
        // The reference ignores C when beta is 0, NaNs and all.
        const Tensor* c = m_layer.input(2);
        m_readsC = c && p.beta != 0.0f;
        if (m_readsC) {
            const ShapeDesc cShape = broadcastShape(c->dims(), {g.m, g.n});
            g.beta = p.beta;
            g.cRow = cShape.strides[0];
            g.cCol = cShape.strides[1];
        }
        m_epilogue = epilogueOf(p.activation);
    }

    // Rank-1 operands are promoted as numpy does: A [K] is [1, K], B [K] is [K, 1].
    void prepareMatMul() {
        const Dims& a = m_layer.input(0)->dims();
        const Dims& b = m_layer.input(1)->dims();
        const Dims& y = m_layer.output(0)->dims();
        ProductGeometry& g = m_geometry;
        g.m = a.size() >= 2 ? a[a.size() - 2] : 1;
        g.k = a.back();
        g.n = b.size() >= 2 ? b.back() : 1;
        g.aRow = g.k;
        g.aCol = 1;
        g.bRow = g.n;
        g.bCol = 1;
        const Dims batch(y.begin(), y.begin() + std::ptrdiff_t(matMulBatchRank(m_layer)));
        const Dims batchA(a.begin(), a.end() - std::ptrdiff_t(std::min<size_t>(a.size(), 2)));
        const Dims batchB(b.begin(), b.end() - std::ptrdiff_t(std::min<size_t>(b.size(), 2)));
        g.batchA = broadcastShape(batchA, batch);
        g.batchB = broadcastShape(batchB, batch);
        for (int axis = 0; axis < g.batchA.rank; ++axis) {
            g.batchA.strides[axis] *= g.m * g.k;
            g.batchB.strides[axis] *= g.k * g.n;
        }
    }

    ProductGeometry m_geometry;
    Epilogue m_epilogue;
    bool m_readsC = false;
};

// Why these kernels cannot run `config`, if they cannot: they read and write linear FP32 tensors.
std::optional<std::string> unsupportedFormats(const tactics::LayerConfig& config) {
    if (config.precision != DataType::Float32) {
        return std::string("runs FP32 only, not ") + toString(config.precision);
    }
    if (!allLinear(config)) return "needs linear tensors";
    for (const Tensor* input : config.layer->inputs()) {
        if (input && input->type() != DataType::Float32) {
            return "runs FP32 only; input '" + input->name() + "' is " + toString(input->type());
        }
    }
    return std::nullopt;
}

}  // namespace

void addDenseTactics(const tactics::LayerConfig& config,
                     std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    std::string id;
    switch (layer.kind()) {
        case LayerKind::Convolution:
            id = "kiln-cuda:dense:convolution";
            break;
        case LayerKind::Deconvolution:
            id = "kiln-cuda:dense:deconvolution";
            break;
        case LayerKind::MatMul:
            id = "kiln-cuda:dense:matmul";
            break;
        case LayerKind::Gemm:
            id = "kiln-cuda:dense:gemm";
            break;
        default:
            return;
    }
    if (const std::optional<std::string> reason = unsupportedFormats(config)) {
        return skip(skipped, id, *reason);
    }
    switch (layer.kind()) {
        case LayerKind::Convolution:
            tactics.push_back(makeTactic<ConvolutionKernel>(id, layer));
            return;
        case LayerKind::Deconvolution:
            tactics.push_back(makeTactic<DeconvolutionKernel>(id, layer));
            return;
        case LayerKind::MatMul:
            if (layer.inputs().size() > 2 || layer.paramsAs<MatMulParams>().activation) {
                return skip(skipped, id, "a fused bias, residual or activation is not offered (those run on the CPU)");
            }
            if (matMulBatchRank(layer) > size_t(kMaxRank)) {
                return skip(skipped, id, "more than " + std::to_string(kMaxRank) + " batch axes");
            }
            tactics.push_back(makeTactic<ProductKernel>(id, layer));
            return;
        default:
            tactics.push_back(makeTactic<ProductKernel>(id, layer));
            return;
    }
}

}  // namespace kiln::cuda
