// A plugin library built for another plugin API version (999): the loader must refuse it.
#include <cstdint>

namespace kiln {
class PluginCreator;
}

extern "C" __attribute__((visibility("default"))) int32_t kilnGetPluginCreators(
    int32_t, int32_t* count, kiln::PluginCreator* const** creators) {
    *count = 0;
    *creators = nullptr;
    return 999;
}
