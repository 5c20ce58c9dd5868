// How much the activation layout decides which oneDNN convolution runs: one 3x3 convolution
// (256 -> 256 channels, 56x56, batch 8) in FP32, BF16 and INT8 (u8 in, s8 weights), with channel-blocked
// (nChw16c, what Kiln's CPU builds use) and NHWC activations; prints oneDNN's implementation and the mean
// of 20 runs after 3 warm-up runs. On a CPU with AMX, oneDNN's AMX kernels take NHWC only.
//
// Build and run (Debian's libdnnl-dev):
//   g++ -O2 -std=c++17 bench/cpu/onednn_layouts.cpp -ldnnl -o /tmp/onednn_layouts
//   OMP_NUM_THREADS=2 /tmp/onednn_layouts
// (INT8 with nChw16c is left out: oneDNN 2.6 runs it on a reference kernel for minutes.)
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include <dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

double meanMilliseconds(primitive& p, stream& s, std::unordered_map<int, memory>& args) {
    for (int i = 0; i < 3; ++i) p.execute(s, args);
    s.wait();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) p.execute(s, args);
    s.wait();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 20;
}

void measure(engine& e, stream& s, dt type, tag layout) {
    const memory::dims src{8, 256, 56, 56}, weights{256, 256, 3, 3}, dst{8, 256, 56, 56};
    const dt weightType = type == dt::u8 ? dt::s8 : type;
    const memory::desc srcDesc(src, type, layout), dstDesc(dst, type, layout);
    const memory::desc weightDesc(weights, weightType, tag::any), biasDesc({256}, dt::f32, tag::a);
    const convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct, srcDesc,
                                         weightDesc, biasDesc, dstDesc, {1, 1}, {1, 1}, {1, 1});
    const convolution_forward::primitive_desc pd(desc, e);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(srcDesc, e)},
                                         {DNNL_ARG_WEIGHTS, memory(pd.weights_desc(), e)},
                                         {DNNL_ARG_BIAS, memory(biasDesc, e)},
                                         {DNNL_ARG_DST, memory(dstDesc, e)}};
    convolution_forward conv(pd);
    const char* typeName = type == dt::bf16 ? "bf16" : type == dt::u8 ? "u8" : "f32";
    std::printf("%-4s %-8s %-36s %8.3f ms\n", typeName, layout == tag::nhwc ? "NHWC" : "nChw16c",
                pd.impl_info_str(), meanMilliseconds(conv, s, args));
    std::fflush(stdout);
}

}  // namespace

int main() {
    engine e(engine::kind::cpu, 0);
    stream s(e);
    measure(e, s, dt::f32, tag::nChw16c);
    measure(e, s, dt::f32, tag::nhwc);
    measure(e, s, dt::bf16, tag::nChw16c);
    measure(e, s, dt::bf16, tag::nhwc);
    measure(e, s, dt::u8, tag::nhwc);
    return 0;
}
