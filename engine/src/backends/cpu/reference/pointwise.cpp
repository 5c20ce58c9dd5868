// Reference kernels for the pointwise family: Activation, Unary, Elementwise (numpy broadcasting),
// Select and Cast. FP16 tensors are widened to FP32, computed there and rounded back once, which is
// what a careful FP16 kernel is expected to match. Integer arithmetic wraps like two's complement
// hardware instead of invoking undefined behaviour, and integer division by zero is reported.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {

namespace {

// Walks an output shape in row-major order and keeps, for each input, the offset of the element that
// output position reads (inputs are addressed through their own, possibly broadcast, strides).
class StridedWalker {
public:
    StridedWalker(const Dims& dims, std::vector<std::vector<int64_t>> strides)
        : m_dims(dims),
          m_strides(std::move(strides)),
          m_counter(dims.size(), 0),
          m_offsets(m_strides.size(), 0) {}

    int64_t offset(size_t input) const { return m_offsets[input]; }

    void next() {
        for (size_t axis = m_dims.size(); axis-- > 0;) {
            ++m_counter[axis];
            for (size_t k = 0; k < m_strides.size(); ++k)
                m_offsets[k] += m_strides[k][axis];
            if (m_counter[axis] < m_dims[axis])
                return;
            for (size_t k = 0; k < m_strides.size(); ++k)
                m_offsets[k] -= m_strides[k][axis] * m_dims[axis];
            m_counter[axis] = 0;
        }
    }

private:
    Dims m_dims;
    std::vector<std::vector<int64_t>> m_strides;
    std::vector<int64_t> m_counter;
    std::vector<int64_t> m_offsets;
};

// Calls `kernel(inputs, outputs)` with every FP16 tensor replaced by an FP32 copy, then rounds the
// FP32 results back into the FP16 outputs.
template <typename Kernel>
Status withFloat16AsFloat32(const KernelInputs& in, KernelOutputs& out, Kernel kernel) {
    bool anyHalf = false;
    for (const HostTensor* t : in)
        anyHalf = anyHalf || (t != nullptr && t->type() == DataType::Float16);
    for (const HostTensor& t : out)
        anyHalf = anyHalf || t.type() == DataType::Float16;
    if (!anyHalf)
        return kernel(in, out);

    std::vector<HostTensor> widened;
    widened.reserve(in.size());
    KernelInputs wideIn;
    for (const HostTensor* t : in) {
        if (t != nullptr && t->type() == DataType::Float16) {
            widened.push_back(widenToFloat32(*t));
            wideIn.push_back(&widened.back());
        } else {
            wideIn.push_back(t);
        }
    }
    KernelOutputs wideOut;
    for (const HostTensor& t : out) {
        wideOut.emplace_back(t.type() == DataType::Float16 ? DataType::Float32 : t.type(), t.dims());
    }
    KILN_RETURN_IF_ERROR(kernel(wideIn, wideOut));
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].type() == DataType::Float16) {
            narrowToFloat16(wideOut[i], out[i]);
        } else {  // copy, not assign: `out` may view memory owned by an execution context
            std::memcpy(out[i].bytes(), wideOut[i].bytes(), out[i].byteSize());
        }
    }
    return Status::ok();
}

Status unexpectedType(const char* what, DataType type) {
    return internalError(std::string(what) + " reference kernel received a " + toString(type) +
                         " tensor that shape inference should have rejected");
}

// Two's complement wrap-around (well defined for unsigned arithmetic and, since C++20, for the
// conversion back to a signed type).
template <typename T>
T wrap(uint64_t bits) {
    return static_cast<T>(static_cast<int64_t>(bits));
}

template <typename T, typename R, typename Fn>
void broadcastBinary(const HostTensor& a, const HostTensor& b, HostTensor& out, Fn fn) {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    R* po = out.data<R>();
    StridedWalker walker(out.dims(),
                         {broadcastStrides(a.dims(), out.dims()), broadcastStrides(b.dims(), out.dims())});
    for (int64_t i = 0; i < out.elementCount(); ++i, walker.next()) {
        po[i] = fn(pa[walker.offset(0)], pb[walker.offset(1)]);
    }
}

template <typename T, typename Fn>
void mapElements(const HostTensor& in, HostTensor& out, Fn fn) {
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    for (int64_t i = 0; i < in.elementCount(); ++i)
        dst[i] = fn(src[i]);
}

template <typename T>
Status unaryInteger(UnaryOp op, const HostTensor& in, HostTensor& out) {
    switch (op) {
        case UnaryOp::Abs:
            mapElements<T>(in, out, [](T x) { return x < 0 ? wrap<T>(0 - static_cast<uint64_t>(x)) : x; });
            return Status::ok();
        case UnaryOp::Neg:
            mapElements<T>(in, out, [](T x) { return wrap<T>(0 - static_cast<uint64_t>(x)); });
            return Status::ok();
        case UnaryOp::Sign:
            mapElements<T>(in, out, [](T x) { return static_cast<T>((x > 0) - (x < 0)); });
            return Status::ok();
        default:
            return internalError(std::string("unary ") + toString(op) + " has no integer reference kernel");
    }
}

Status runUnary(const UnaryParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    switch (x.type()) {
        case DataType::Float32:
            if (p.op == UnaryOp::Not)
                return unexpectedType("Unary Not", x.type());
            mapElements<float>(x, y, [&](float v) { return applyUnary(p.op, v); });
            return Status::ok();
        case DataType::Int8:
            return unaryInteger<int8_t>(p.op, x, y);
        case DataType::Int32:
            return unaryInteger<int32_t>(p.op, x, y);
        case DataType::Int64:
            return unaryInteger<int64_t>(p.op, x, y);
        case DataType::Bool:
            if (p.op != UnaryOp::Not)
                return unexpectedType(toString(p.op), x.type());
            mapElements<uint8_t>(x, y, [](uint8_t v) { return static_cast<uint8_t>(v == 0 ? 1 : 0); });
            return Status::ok();
        case DataType::Float16:
        case DataType::BFloat16:
            break;
    }
    return unexpectedType("Unary", x.type());
}

template <typename T>
bool compare(ElementwiseOp op, T a, T b) {
    switch (op) {
        case ElementwiseOp::Equal:
            return a == b;
        case ElementwiseOp::Less:
            return a < b;
        case ElementwiseOp::Greater:
            return a > b;
        default:
            return false;
    }
}

bool isComparison(ElementwiseOp op) {
    return op == ElementwiseOp::Equal || op == ElementwiseOp::Less || op == ElementwiseOp::Greater;
}

template <typename T>
void comparisonKernel(ElementwiseOp op, const HostTensor& a, const HostTensor& b, HostTensor& out) {
    broadcastBinary<T, uint8_t>(a, b, out,
                                [op](T x, T y) { return static_cast<uint8_t>(compare(op, x, y)); });
}

template <typename T>
Status integerArithmetic(ElementwiseOp op, const HostTensor& a, const HostTensor& b, HostTensor& out) {
    bool divisionByZero = false;
    broadcastBinary<T, T>(a, b, out, [&](T x, T y) -> T {
        const uint64_t ux = static_cast<uint64_t>(x);
        const uint64_t uy = static_cast<uint64_t>(y);
        switch (op) {
            case ElementwiseOp::Add:
                return wrap<T>(ux + uy);
            case ElementwiseOp::Sub:
                return wrap<T>(ux - uy);
            case ElementwiseOp::Mul:
                return wrap<T>(ux * uy);
            case ElementwiseOp::Div:
                if (y == 0) {
                    divisionByZero = true;
                    return 0;
                }
                // The lowest value divided by -1 overflows; negation with wrap-around is its defined form.
                if (y == -1)
                    return wrap<T>(0 - ux);
                return static_cast<T>(x / y);
            case ElementwiseOp::Pow:
                return saturatingCast<T>(std::pow(double(x), double(y)));
            case ElementwiseOp::Max:
                return x > y ? x : y;
            case ElementwiseOp::Min:
                return x < y ? x : y;
            case ElementwiseOp::PRelu:
                return x < 0 ? wrap<T>(ux * uy) : x;
            default:
                return 0;
        }
    });
    if (divisionByZero) {
        return invalidArgument(std::string("integer Div by zero: input 1 (b) of type ") + toString(b.type()) +
                               " holds a 0 divisor; integer division by zero has no defined result");
    }
    return Status::ok();
}

template <typename T>
Status integerElementwise(ElementwiseOp op, const HostTensor& a, const HostTensor& b, HostTensor& out) {
    if (isComparison(op)) {
        comparisonKernel<T>(op, a, b, out);
        return Status::ok();
    }
    return integerArithmetic<T>(op, a, b, out);
}

Status boolElementwise(ElementwiseOp op, const HostTensor& a, const HostTensor& b, HostTensor& out) {
    broadcastBinary<uint8_t, uint8_t>(a, b, out, [op](uint8_t x, uint8_t y) -> uint8_t {
        const bool p = x != 0;
        const bool q = y != 0;
        switch (op) {
            case ElementwiseOp::And:
                return p && q;
            case ElementwiseOp::Or:
                return p || q;
            default:
                return compare(op, p, q);
        }
    });
    return Status::ok();
}

Status runElementwise(const ElementwiseParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& a = *in[0];
    const HostTensor& b = *in[1];
    HostTensor& y = out[0];
    switch (a.type()) {
        case DataType::Float32:
            if (isComparison(p.op)) {
                comparisonKernel<float>(p.op, a, b, y);
            } else {
                broadcastBinary<float, float>(a, b, y,
                                              [&](float x, float z) { return applyArithmetic(p.op, x, z); });
            }
            return Status::ok();
        case DataType::Int8:
            return integerElementwise<int8_t>(p.op, a, b, y);
        case DataType::Int32:
            return integerElementwise<int32_t>(p.op, a, b, y);
        case DataType::Int64:
            return integerElementwise<int64_t>(p.op, a, b, y);
        case DataType::Bool:
            return boolElementwise(p.op, a, b, y);
        case DataType::Float16:
        case DataType::BFloat16:
            break;
    }
    return unexpectedType("Elementwise", a.type());
}

}  // namespace

Status runReference(const ActivationParams& p, const KernelInputs& in, KernelOutputs& out) {
    return withFloat16AsFloat32(in, out, [&p](const KernelInputs& wideIn, KernelOutputs& wideOut) -> Status {
        if (wideIn[0]->type() != DataType::Float32)
            return unexpectedType("Activation", wideIn[0]->type());
        mapElements<float>(*wideIn[0], wideOut[0], [&p](float x) { return applyActivation(p, x); });
        return Status::ok();
    });
}

Status runReference(const UnaryParams& p, const KernelInputs& in, KernelOutputs& out) {
    return withFloat16AsFloat32(in, out, [&p](const KernelInputs& wideIn, KernelOutputs& wideOut) {
        return runUnary(p, wideIn, wideOut);
    });
}

Status runReference(const ElementwiseParams& p, const KernelInputs& in, KernelOutputs& out) {
    return withFloat16AsFloat32(in, out, [&p](const KernelInputs& wideIn, KernelOutputs& wideOut) {
        return runElementwise(p, wideIn, wideOut);
    });
}

Status runReference(const SelectParams&, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& condition = *in[0];
    const HostTensor& x = *in[1];
    const HostTensor& y = *in[2];
    HostTensor& result = out[0];
    const size_t elementSize = dataTypeSize(result.type());
    const Dims& dims = result.dims();
    StridedWalker walker(dims, {broadcastStrides(condition.dims(), dims), broadcastStrides(x.dims(), dims),
                                broadcastStrides(y.dims(), dims)});
    const uint8_t* pc = condition.data<uint8_t>();
    for (int64_t i = 0; i < result.elementCount(); ++i, walker.next()) {
        const bool takeX = pc[walker.offset(0)] != 0;
        const std::byte* src =
            takeX ? x.bytes() + walker.offset(1) * elementSize : y.bytes() + walker.offset(2) * elementSize;
        std::memcpy(result.bytes() + i * elementSize, src, elementSize);
    }
    return Status::ok();
}

Status runReference(const CastParams&, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    withDataType(x.type(), [&](auto from) {
        withDataType(y.type(), [&](auto to) {
            for (int64_t i = 0; i < x.elementCount(); ++i)
                storeCastValue<to.value>(y.bytes(), i, loadCastValue<from.value>(x.bytes(), i));
        });
    });
    return Status::ok();
}

}  // namespace kiln::cpu
