// Fuzz target: the .npy reader. Any bytes are read or refused with a message, never a crash; a tensor
// that reads writes back (npyBytes) as bytes that read as the same tensor.
#include <cstring>

#include "fuzz_support.h"
#include "kiln/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiln;
    fuzz::setUp();
    const std::string path = fuzz::scratchPath("input.npy");
    fuzz::writeBytes(path, data, size);
    Result<HostTensor> tensor = readNpy(path);
    if (!tensor) {
        if (tensor.status().message().empty()) fuzz::fail("a .npy file was refused without a message");
        return 0;
    }
    const std::string again = npyBytes(*tensor);
    fuzz::writeBytes(path, again.data(), again.size());
    Result<HostTensor> reread = readNpy(path);
    if (!reread) fuzz::fail("a tensor read from a .npy file does not read back: " + reread.status().message());
    if (reread->type() != tensor->type() || reread->dims() != tensor->dims() ||
        reread->byteSize() != tensor->byteSize() ||
        (tensor->byteSize() > 0 && std::memcmp(reread->bytes(), tensor->bytes(), tensor->byteSize()) != 0)) {
        fuzz::fail("a tensor read from a .npy file reads back different");
    }
    return 0;
}
