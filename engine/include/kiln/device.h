// What compute devices this build can use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

// True when this build of the engine includes the CUDA backend.
constexpr bool builtWithCuda() {
#ifdef KILN_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

// Number of CUDA devices present now; 0 when the CUDA backend is not built or no device (or driver)
// is present.
int cudaDeviceCount();

// A backend as a user is offered it: whether it can run here, and its device or why not.
struct BackendInfo {
    std::string name;         // "cpu", "cuda": the --backend value
    bool available = false;
    std::string description;  // the device ("NVIDIA H200 (sm_90, ...)") or why it is unavailable
};

// Every backend Kiln has, in the order a user is offered them.
std::vector<BackendInfo> backendInfos();

// This machine's physical memory in bytes (0 when it cannot be told). Host allocations larger than it
// are refused before they are made: memory is not zero-filled, so an oversized allocation would
// otherwise succeed and end in the out-of-memory killer once it is written.
uint64_t physicalMemoryBytes();

// The host memory a build, an engine's execution context or an input may take: this machine's physical
// memory unless set (the CLI's --memoryLimit). Larger needs are refused before anything is allocated.
uint64_t memoryBudgetBytes();
// Sets the budget for this process; 0 returns to the machine's physical memory.
void setMemoryBudgetBytes(uint64_t bytes);
// "the memory budget of 1.0 GiB (--memoryLimit)" or "this machine's 23.5 GiB of memory": for messages.
std::string describeMemoryBudget();

// "12.3 GiB": a byte count for messages.
std::string formatByteCount(uint64_t bytes);

}  // namespace kiln
