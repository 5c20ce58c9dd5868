// The registry of network-source readers, and the checks of a shape against a profile.
#include "kiln/network_source.h"

#include <mutex>

namespace kiln {

namespace {

std::mutex& registryMutex() {
    static std::mutex mutex;
    return mutex;
}

std::map<std::string, NetworkSourceReader>& registry() {
    static std::map<std::string, NetworkSourceReader> readers;
    return readers;
}

}  // namespace

void registerNetworkSourceReader(const std::string& kind, NetworkSourceReader reader) {
    std::lock_guard lock(registryMutex());
    registry()[kind] = std::move(reader);
}

Result<std::shared_ptr<const NetworkSource>> readNetworkSource(const std::string& kind, const std::string& bytes) {
    NetworkSourceReader reader;
    {
        std::lock_guard lock(registryMutex());
        auto it = registry().find(kind);
        if (it == registry().end()) {
            return unsupported("this plan has dynamic shapes and derives each shape's network from its '" + kind +
                               "' model, but this program has no reader for '" + kind +
                               "' models; load it with the kiln command or the workbench, or rebuild it with "
                               "static shapes (--shapes)");
        }
        reader = it->second;
    }
    return reader(bytes);
}

std::string toString(const ShapeRange& range) {
    return toString(range.min) + " to " + toString(range.max) + " (opt " + toString(range.opt) + ")";
}

Status checkShapeInProfile(const std::string& input, const Dims& dims, const OptimizationProfile& profile,
                           size_t profileIndex) {
    auto it = profile.inputs.find(input);
    if (it == profile.inputs.end()) {
        return invalidArgument("'" + input + "' has no dynamic shape in optimization profile " +
                               std::to_string(profileIndex));
    }
    const ShapeRange& range = it->second;
    const std::string where = "input '" + input + "' of optimization profile " + std::to_string(profileIndex) +
                              " takes " + (range.values ? "the values " : "") + toString(range);
    const char* what = range.values ? "value" : "dimension";
    if (dims.size() != range.min.size()) {
        if (range.values) {
            return invalidArgument("shape tensor '" + input + "' was given " + std::to_string(dims.size()) + " values (" +
                                   toString(dims) + "); " + where + ", " + std::to_string(range.min.size()) + " values");
        }
        return invalidArgument("input '" + input + "' was given rank " + std::to_string(dims.size()) + " (" +
                               toString(dims) + "); " + where + ", rank " + std::to_string(range.min.size()));
    }
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (dims[axis] < 0 && !range.values) {
            return invalidArgument("input '" + input + "' was given " + toString(dims) + ": dimension " +
                                   std::to_string(axis) + " is negative; " + where);
        }
        if (dims[axis] < range.min[axis] || dims[axis] > range.max[axis]) {
            return invalidArgument("input '" + input + "' was given " + toString(dims) + ": " + what + " " +
                                   std::to_string(axis) + " is " + std::to_string(dims[axis]) + ", outside " +
                                   std::to_string(range.min[axis]) + "..." + std::to_string(range.max[axis]) + "; " +
                                   where + ": give " + (range.values ? "values" : "a shape") +
                                   " inside it, or rebuild with a wider --minShapes/--maxShapes");
        }
    }
    return Status::ok();
}

}  // namespace kiln
