// Loading cuBLASLt on first use; see cublaslt_library.h.
#include "backends/cuda/cublaslt/cublaslt_library.h"

#include <dlfcn.h>

namespace kiln::cuda::lt {

namespace {

struct Library {
    void* handle = nullptr;
    std::string error;
};

const Library& library() {
    static const Library loaded = [] {
        Library library;
        // The library Kiln was built against, found as the dynamic linker finds libraries (the
        // program's run path, LD_LIBRARY_PATH, the system's), else where the toolkit had it.
        for (const char* name : {KILN_CUBLASLT_SONAME, KILN_CUBLASLT_PATH}) {
            library.handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (library.handle) return library;
            const char* why = dlerror();
            library.error += std::string(library.error.empty() ? "" : "; ") + (why ? why : name);
        }
        library.error = "cuBLASLt (" KILN_CUBLASLT_SONAME ") cannot be loaded: " + library.error +
                        "; install the CUDA toolkit's cuBLASLt or add its folder to LD_LIBRARY_PATH (the other "
                        "tactics run without it)";
        return library;
    }();
    return loaded;
}

}  // namespace

void* symbol(const char* name) {
    const Library& loaded = library();
    return loaded.handle ? dlsym(loaded.handle, name) : nullptr;
}

std::string loadError() { return library().error; }

}  // namespace kiln::cuda::lt
