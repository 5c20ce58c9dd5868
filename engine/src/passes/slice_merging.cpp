// Slice merging (slice_merging.h): at each Slice, match read-only the Slices of its input that cut the
// same axis into parts which, ordered by start, tile it; then add one Split over them, give it their
// output tensors and remove them.
#include "passes/slice_merging.h"

#include <algorithm>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Part {
    Layer* slice = nullptr;
    int64_t start = 0;
    int64_t size = 0;
};

struct Match {
    Tensor* data = nullptr;
    int64_t axis = 0;
    std::vector<Part> parts;  // ordered along the axis
};

// The axis a step-1 Slice of `layer` cuts, with its start and size, when every other axis is whole and
// the part is not empty; nothing otherwise (a Slice of the whole tensor cuts no axis).
std::optional<std::pair<int64_t, Part>> cutAlongOneAxis(Layer* layer) {
    if (layer->kind() != LayerKind::Slice || layer->isElided()) return std::nullopt;
    const auto& p = layer->paramsAs<SliceParams>();
    const Dims& dims = layer->input(0)->dims();
    if (p.starts.size() != dims.size() || p.ends.size() != dims.size() || p.steps.size() != dims.size()) {
        return std::nullopt;
    }
    const Dims& part = layer->output(0)->dims();
    std::optional<std::pair<int64_t, Part>> cut;
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (p.steps[axis] != 1) return std::nullopt;
        if (part[axis] == dims[axis] && p.starts[axis] == 0) continue;
        if (cut || part[axis] <= 0 || p.starts[axis] < 0 || p.starts[axis] + part[axis] > dims[axis]) {
            return std::nullopt;
        }
        cut = std::pair<int64_t, Part>{int64_t(axis), Part{layer, p.starts[axis], part[axis]}};
    }
    return cut;
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* layer) {
    const auto first = cutAlongOneAxis(layer);
    if (!first) return std::nullopt;
    Match m;
    m.data = layer->input(0);
    m.axis = first->first;
    // Each reader is listed once, and a Slice reads only its data.
    for (Layer* reader : network.consumersOf(m.data)) {
        if (reader->precisionConstraint() != layer->precisionConstraint()) continue;
        const auto cut = cutAlongOneAxis(reader);
        if (cut && cut->first == m.axis) m.parts.push_back(cut->second);
    }
    std::sort(m.parts.begin(), m.parts.end(), [](const Part& a, const Part& b) { return a.start < b.start; });
    int64_t next = 0;
    for (const Part& part : m.parts) {
        if (part.start != next) return std::nullopt;
        next += part.size;
    }
    if (m.parts.size() < 2 || next != m.data->dims()[size_t(m.axis)]) return std::nullopt;
    return m;
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    std::vector<Layer*> slices;
    SplitParams params{m.axis, {}};
    for (const Part& part : m.parts) {
        slices.push_back(part.slice);
        params.sizes.push_back(part.size);
    }
    const std::string name = patternLayerName(network, slices, "Split");
    const std::string merged = joinedNames(slices);
    // The slices' own output tensors stay; the split takes over writing each of them.
    KILN_RETURN_IF_ERROR(mergeSiblings(network, slices, name, params, {m.data}));
    log.record(makeMessage("pass.merged_slices", {name, merged}), {name});
    return Status::ok();
}

}  // namespace

Status mergeSlices(NetworkDefinition& network, PassLog& log) {
    return rewriteEachMatchAndSort(
        network, [&](Layer* layer) { return matchAt(network, layer); },
        [&](const Match& match) { return rewrite(network, match, log); });
}

}  // namespace kiln::passes
