// How long the CPU backend's idle threads spin before they sleep, for programs that embed Kiln.
//
// The CPU kernels (Kiln's and oneDNN's) run on libgomp's OpenMP threads. libgomp lets a thread that
// waits for work spin for 300,000 iterations (about a millisecond) before it sleeps: on a quiet machine
// that saves a wake-up per parallel region, but on a desktop, where other programs compete for the
// cores, the spinning threads take the cycles that the thread a region waits for needs. Measured with
// `bench/cpu/bench.py --background-load 2` (2 cores, batch 1): with the default, Kiln's median latency
// under load grew 4.4x (ResNet-50) and 4.4x (BERT-style encoder) where ONNX Runtime's grew 3.0x and
// 2.4x; with 10,000 iterations (tens of microseconds) the quiet latencies stayed the same and the loaded
// ones halved. Sleeping at once (OMP_WAIT_POLICY=passive) cost MobileNetV2 80 % when quiet.
//
// libgomp reads this from the environment (GOMP_SPINCOUNT) once, while it is loaded, before main()
// runs, so it cannot be changed from inside a running program.
#pragma once

namespace kiln {

// The spin count Kiln's programs run with: "10000".
extern const char* const kOpenMpSpinCount;

// When neither GOMP_SPINCOUNT nor OMP_WAIT_POLICY is set, sets GOMP_SPINCOUNT to kOpenMpSpinCount and
// runs the program again (execv of /proc/self/exe with `argv`, a few milliseconds), so that libgomp
// loads with it; a user's own setting is kept. Call it first thing in main(). Returns when nothing
// needed doing, or when the program could not be run again (it then goes on with libgomp's default).
void rerunWithBoundedOpenMpSpinning(char** argv);

}  // namespace kiln
