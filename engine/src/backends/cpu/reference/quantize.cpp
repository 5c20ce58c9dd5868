// Reference kernels for Quantize and Dequantize with ONNX's semantics: QuantizeLinear divides by the
// scale in FP32, rounds half to even, adds the zero point and saturates to [-128, 127];
// DequantizeLinear subtracts the zero point and multiplies by the scale. The scale and zero point are
// one value, or one per index along the axis.
#include <cmath>
#include <cstdint>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {

namespace {

// Which scale (and zero point) element each data element uses: element i of the data is at index
// (i / inner) % extent along the axis; a one-value scale is index 0 for every element.
struct QuantizationIndex {
    int64_t inner = 1;
    int64_t extent = 1;

    static QuantizationIndex of(const Dims& data, const HostTensor& scale, int64_t axis) {
        QuantizationIndex index;
        if (scale.elementCount() == 1 && scale.dims().size() <= 1) return index;
        index.extent = data[size_t(axis)];
        for (size_t i = size_t(axis) + 1; i < data.size(); ++i) index.inner *= data[i];
        return index;
    }

    int64_t operator()(int64_t element) const { return extent == 1 ? 0 : element / inner % extent; }
};

int64_t zeroPointAt(const HostTensor* zeroPoint, int64_t index) {
    return zeroPoint ? zeroPoint->valueAsInt64(index) : 0;
}

}  // namespace

Status runReference(const QuantizeParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& data = *in[0];
    const HostTensor& scale = *in[1];
    const HostTensor* zeroPoint = in.size() > 2 ? in[2] : nullptr;
    const QuantizationIndex index = QuantizationIndex::of(data.dims(), scale, p.axis);
    const float* x = data.data<float>();
    const float* scales = scale.data<float>();
    int8_t* y = out[0].data<int8_t>();
    for (int64_t i = 0; i < data.elementCount(); ++i) {
        const int64_t k = index(i);
        const float zero = float(zeroPointAt(zeroPoint, k));
        const float quotient = x[i] / scales[k];
        // NaN has no integer; it becomes the zero point, which dequantizes to 0.
        const float shifted = std::isnan(quotient) ? zero : roundHalfToEven(quotient) + zero;
        y[i] = int8_t(std::fmin(std::fmax(shifted, -128.0f), 127.0f));
    }
    return Status::ok();
}

Status runReference(const DequantizeParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& data = *in[0];
    const HostTensor& scale = *in[1];
    const HostTensor* zeroPoint = in.size() > 2 ? in[2] : nullptr;
    const QuantizationIndex index = QuantizationIndex::of(data.dims(), scale, p.axis);
    const float* scales = scale.data<float>();
    float* y = out[0].data<float>();
    for (int64_t i = 0; i < data.elementCount(); ++i) {
        const int64_t k = index(i);
        // In 64 bits: an INT32 value minus its zero point may not fit 32.
        y[i] = float(data.valueAsInt64(i) - zeroPointAt(zeroPoint, k)) * scales[k];
    }
    return Status::ok();
}

}  // namespace kiln::cpu
