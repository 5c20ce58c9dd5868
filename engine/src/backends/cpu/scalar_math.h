// The scalar math of the pointwise layers (and a Pad layer's fill value), shared by the kernel sets as their one definition: the
// reference kernels apply it element by element, Kiln's vector kernels fall back to it for what they do
// not vectorize (and are tested against it), fused activations of Convolution and Gemm apply the same.
#pragma once

#include "kiln/layers.h"
#include "kiln/types.h"

namespace kiln::cpu {

// The scalar function of an Activation layer.
float applyActivation(const ActivationParams& p, float x);
// The scalar functions of FP32 Unary (not Not) and arithmetic Elementwise layers.
float applyUnary(UnaryOp op, float x);
float applyArithmetic(ElementwiseOp op, float a, float b);
// A Pad layer's value as one element of `type`; integers truncate toward zero and saturate (NaN is 0).
HostTensor padValueElement(DataType type, double value);

}  // namespace kiln::cpu
