// The oneDNN tactics of each layer kind: each function appends the tactics (one per oneDNN
// implementation) that can run `config`, and the ones that cannot with the reason. The provider picks
// the function by layer kind.
#pragma once

#include <memory>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::cpu::onednn {

using TacticList = std::vector<std::unique_ptr<tactics::Tactic>>;
using SkippedList = std::vector<tactics::SkippedTactic>;

void enumerateConvolution(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
// A convolution whose data input is stored in INT8 (onednn_int8_convolution.cpp).
void enumerateInt8Convolution(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
// Convolutions of BF16 layers (activations stored in BF16), where the CPU has BF16 instructions.
void enumerateBf16Convolution(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
// A pooling whose input and output are stored in INT8 with one scale (onednn_pooling.cpp).
void enumerateInt8Pooling(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
// A pooling whose input and output are stored in BF16.
void enumerateBf16Pooling(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateDeconvolution(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateGemm(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateMatMul(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
// Gemm and MatMul layers of BF16 (A and a computed B stored in BF16), where the CPU has BF16 instructions.
void enumerateBf16Matmul(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumeratePooling(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateLrn(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateSoftmax(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateBatchNorm(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateActivation(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateUnary(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);
void enumerateElementwise(const tactics::LayerConfig& config, TacticList& tactics, SkippedList& skipped);

}  // namespace kiln::cpu::onednn
