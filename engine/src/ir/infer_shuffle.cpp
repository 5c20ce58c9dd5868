// Shape inference for the data-movement family: Concat, Split, Slice, Reshape, Transpose, Gather, Pad,
// Expand, Tile, DepthToSpace, SpaceToDepth and Identity. These layers accept every element type; the
// checks here are about shapes and parameters, and they guarantee that the reference kernels never
// index outside their inputs.
#include <limits>
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

namespace {

std::string listToString(const std::vector<int64_t>& values) {
    std::string text = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            text += ", ";
        text += std::to_string(values[i]);
    }
    return text + "]";
}

std::string rankText(size_t rank) {
    return std::to_string(rank) + (rank == 1 ? " dimension" : " dimensions");
}

Status expectAxis(int64_t axis, size_t rank, const char* layer) {
    if (axis < 0 || axis >= static_cast<int64_t>(rank)) {
        return invalidModel(std::string(layer) + " axis " + std::to_string(axis) +
                            " is out of range for input 0 (data) with " + rankText(rank) +
                            "; expected 0 <= axis < " + std::to_string(rank));
    }
    return Status::ok();
}

Status expectParamCount(const char* layer, const char* param, size_t count, size_t expected, size_t rank) {
    if (count != expected) {
        return invalidModel(std::string(layer) + " " + param + " has " + std::to_string(count) +
                            " entries; expected " + std::to_string(expected) + " for input 0 (data) with " +
                            rankText(rank));
    }
    return Status::ok();
}

InferResult single(DataType type, Dims dims, const char* layer) {
    KILN_RETURN_IF_ERROR(checkDims(dims, std::string("output of ") + layer));
    return std::vector<TensorDesc>{{type, std::move(dims)}};
}

}  // namespace

InferResult inferOutputs(const ConcatParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, std::numeric_limits<size_t>::max()));
    for (size_t i = 1; i < in.size(); ++i) {
        if (in[i] == nullptr)
            return invalidModel("input " + std::to_string(i) + " of Concat is missing");
    }
    const Tensor* first = in[0];
    const size_t rank = first->dims().size();
    KILN_RETURN_IF_ERROR(expectAxis(p.axis, rank, "Concat"));
    Dims dims = first->dims();
    for (size_t i = 1; i < in.size(); ++i) {
        const Tensor* t = in[i];
        const std::string which = "input " + std::to_string(i) + " (" + t->name() + ")";
        if (t->type() != first->type()) {
            return invalidModel(which + " of Concat has type " + toString(t->type()) + " but input 0 has " +
                                toString(first->type()) + "; all inputs must have the same type");
        }
        if (t->dims().size() != rank) {
            return invalidModel(which + " of Concat has " + rankText(t->dims().size()) + "; expected " +
                                std::to_string(rank) + " like input 0");
        }
        for (size_t d = 0; d < rank; ++d) {
            if (static_cast<int64_t>(d) == p.axis)
                continue;
            if (t->dims()[d] != first->dims()[d]) {
                return invalidModel(which + " of Concat has shape " + toString(t->dims()) +
                                    " but input 0 has " + toString(first->dims()) +
                                    "; extents must agree except on axis " + std::to_string(p.axis));
            }
        }
        dims[p.axis] += t->dims()[p.axis];
    }
    return single(first->type(), std::move(dims), "Concat");
}

InferResult inferOutputs(const SplitParams& p, const InferInputs& in, size_t numOutputs) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const size_t rank = data->dims().size();
    KILN_RETURN_IF_ERROR(expectAxis(p.axis, rank, "Split"));
    if (p.sizes.empty() || p.sizes.size() != numOutputs) {
        return invalidModel("Split sizes " + listToString(p.sizes) + " have " +
                            std::to_string(p.sizes.size()) + " entries but the layer has " +
                            std::to_string(numOutputs) + " outputs; give one size per output");
    }
    int64_t total = 0;
    for (int64_t size : p.sizes) {
        if (size < 0)
            return invalidModel("Split sizes " + listToString(p.sizes) + " hold a negative size");
        total += size;
    }
    const int64_t extent = data->dims()[p.axis];
    if (total != extent) {
        return invalidModel("Split sizes " + listToString(p.sizes) + " add up to " + std::to_string(total) +
                            " but input 0 (data) of shape " + toString(data->dims()) + " has extent " +
                            std::to_string(extent) + " on axis " + std::to_string(p.axis));
    }
    std::vector<TensorDesc> outputs;
    for (int64_t size : p.sizes) {
        Dims dims = data->dims();
        dims[p.axis] = size;
        outputs.push_back({data->type(), std::move(dims)});
    }
    return outputs;
}

InferResult inferOutputs(const SliceParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const size_t rank = data->dims().size();
    KILN_RETURN_IF_ERROR(expectParamCount("Slice", "starts", p.starts.size(), rank, rank));
    KILN_RETURN_IF_ERROR(expectParamCount("Slice", "ends", p.ends.size(), rank, rank));
    KILN_RETURN_IF_ERROR(expectParamCount("Slice", "steps", p.steps.size(), rank, rank));
    Dims dims(rank);
    for (size_t d = 0; d < rank; ++d) {
        const int64_t start = p.starts[d];
        const int64_t end = p.ends[d];
        const int64_t step = p.steps[d];
        const int64_t extent = data->dims()[d];
        const std::string where = "Slice on axis " + std::to_string(d) + " (start " + std::to_string(start) +
                                  ", end " + std::to_string(end) + ", step " + std::to_string(step) +
                                  ", extent " + std::to_string(extent) + ")";
        if (step == 0)
            return invalidModel(where + ": step must not be 0");
        if (start < -1 || start > extent || end < -1 || end > extent) {
            return invalidModel(where + ": start and end must be resolved to [-1, extent]");
        }
        // start and end lie in [-1, extent], so their distance cannot overflow; the step can be anything,
        // so it is only ever divided into that distance (never added to it or negated at INT64_MIN).
        int64_t count = 0;
        if (step > 0 && end > start)
            count = 1 + (end - start - 1) / step;
        if (step < 0 && start > end)
            count = step == std::numeric_limits<int64_t>::min() ? 1 : 1 + (start - end - 1) / -step;
        // Every element read must lie inside the input; the first and last one bound them all.
        const int64_t last = start + (count - 1) * step;
        if (count > 0 && (start < 0 || start >= extent || last < 0 || last >= extent)) {
            return invalidModel(where + ": reads outside the input; resolve start and end to the extent");
        }
        dims[d] = count;
    }
    return single(data->type(), std::move(dims), "Slice");
}

InferResult inferOutputs(const ReshapeParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    KILN_RETURN_IF_ERROR(checkDims(p.outputDims, "Reshape output dims"));
    if (volume(p.outputDims) != volume(data->dims())) {
        return invalidModel("Reshape output dims " + toString(p.outputDims) + " hold " +
                            std::to_string(volume(p.outputDims)) + " elements but input 0 (data) of shape " +
                            toString(data->dims()) + " holds " + std::to_string(volume(data->dims())));
    }
    return std::vector<TensorDesc>{{data->type(), p.outputDims}};
}

InferResult inferOutputs(const TransposeParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const size_t rank = data->dims().size();
    KILN_RETURN_IF_ERROR(expectParamCount("Transpose", "perm", p.perm.size(), rank, rank));
    std::vector<bool> seen(rank, false);
    Dims dims(rank);
    for (size_t d = 0; d < rank; ++d) {
        const int64_t axis = p.perm[d];
        if (axis < 0 || axis >= static_cast<int64_t>(rank) || seen[axis]) {
            return invalidModel("Transpose perm " + listToString(p.perm) + " is not a permutation of 0.." +
                                std::to_string(static_cast<int64_t>(rank) - 1));
        }
        seen[axis] = true;
        dims[d] = data->dims()[axis];
    }
    return std::vector<TensorDesc>{{data->type(), std::move(dims)}};
}

InferResult inferOutputs(const GatherParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 2));
    const Tensor* data = in[0];
    const Tensor* indices = in[1];
    KILN_RETURN_IF_ERROR(expectAxis(p.axis, data->dims().size(), "Gather"));
    if (indices->type() != DataType::Int32 && indices->type() != DataType::Int64) {
        return invalidModel(std::string("input 1 (indices) of Gather has type ") + toString(indices->type()) +
                            "; expected INT32 or INT64");
    }
    const Dims& dataDims = data->dims();
    Dims dims(dataDims.begin(), dataDims.begin() + p.axis);
    dims.insert(dims.end(), indices->dims().begin(), indices->dims().end());
    dims.insert(dims.end(), dataDims.begin() + p.axis + 1, dataDims.end());
    return single(data->type(), std::move(dims), "Gather");
}

InferResult inferOutputs(const PadParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const size_t rank = data->dims().size();
    KILN_RETURN_IF_ERROR(expectParamCount("Pad", "pads", p.pads.size(), 2 * rank, rank));
    Dims dims(rank);
    for (size_t d = 0; d < rank; ++d) {
        const int64_t extent = data->dims()[d];
        const int64_t begin = p.pads[d];
        const int64_t end = p.pads[rank + d];
        const std::string where = "Pad on axis " + std::to_string(d) + " (pads " + std::to_string(begin) +
                                  " and " + std::to_string(end) + ", extent " + std::to_string(extent) + ")";
        if (begin < -kMaxElementCount || begin > kMaxElementCount || end < -kMaxElementCount ||
            end > kMaxElementCount) {
            return invalidModel(where + ": pads are out of range");
        }
        const int64_t padded = extent + begin + end;
        if (padded < 0)
            return invalidModel(where + ": negative pads crop more than the whole extent");
        const bool grows = begin > 0 || end > 0;
        if (p.mode == PadMode::Reflect && grows && (begin >= extent || end >= extent)) {
            return invalidModel(where + ": reflect padding needs each pad to be smaller than the extent");
        }
        if (p.mode == PadMode::Edge && grows && extent == 0) {
            return invalidModel(where + ": edge padding needs a non-empty extent to copy from");
        }
        dims[d] = padded;
    }
    return single(data->type(), std::move(dims), "Pad");
}

InferResult inferOutputs(const ExpandParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    KILN_RETURN_IF_ERROR(checkDims(p.outputDims, "Expand output dims"));
    Result<Dims> broadcast = broadcastDims(data->dims(), p.outputDims);
    if (!broadcast.isOk() || *broadcast != p.outputDims) {
        return invalidModel("input 0 (data) of shape " + toString(data->dims()) +
                            " does not broadcast to Expand output dims " + toString(p.outputDims) +
                            "; every input extent must be 1 or equal the output extent");
    }
    return std::vector<TensorDesc>{{data->type(), p.outputDims}};
}

InferResult inferOutputs(const TileParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const size_t rank = data->dims().size();
    KILN_RETURN_IF_ERROR(expectParamCount("Tile", "repeats", p.repeats.size(), rank, rank));
    Dims dims(rank);
    for (size_t d = 0; d < rank; ++d) {
        const int64_t repeat = p.repeats[d];
        const int64_t extent = data->dims()[d];
        if (repeat < 0 || (extent > 0 && repeat > kMaxElementCount / extent)) {
            return invalidModel("Tile repeats " + listToString(p.repeats) + " hold " +
                                std::to_string(repeat) + " on axis " + std::to_string(d) +
                                "; expected a non-negative count whose tiled " +
                                "extent stays within limits");
        }
        dims[d] = extent * repeat;
    }
    return single(data->type(), std::move(dims), "Tile");
}

InferResult inferOutputs(const DepthToSpaceParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    KILN_RETURN_IF_ERROR(expectRank(data, 0, "data", 4));
    const int64_t block = p.blockSize;
    if (block < 1 || block > 65536) {
        return invalidModel("DepthToSpace blocksize " + std::to_string(block) +
                            " must be between 1 and 65536");
    }
    const Dims& d = data->dims();
    if (d[1] % (block * block) != 0) {
        return invalidModel("DepthToSpace blocksize " + std::to_string(block) + ": the channel extent " +
                            std::to_string(d[1]) + " of input 0 (data) of shape " + toString(d) +
                            " is not divisible by blocksize * blocksize = " + std::to_string(block * block));
    }
    return single(data->type(), {d[0], d[1] / (block * block), d[2] * block, d[3] * block}, "DepthToSpace");
}

InferResult inferOutputs(const SpaceToDepthParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    KILN_RETURN_IF_ERROR(expectRank(data, 0, "data", 4));
    const int64_t block = p.blockSize;
    if (block < 1 || block > 65536) {
        return invalidModel("SpaceToDepth blocksize " + std::to_string(block) +
                            " must be between 1 and 65536");
    }
    const Dims& d = data->dims();
    if (d[1] > kMaxElementCount / (block * block)) {
        return invalidModel("SpaceToDepth blocksize " + std::to_string(block) +
                            " makes the channel extent of " + "input 0 (data) of shape " + toString(d) +
                            " too large");
    }
    if (d[2] % block != 0 || d[3] % block != 0) {
        return invalidModel("SpaceToDepth blocksize " + std::to_string(block) +
                            " does not divide the height " + std::to_string(d[2]) + " and width " +
                            std::to_string(d[3]) + " of input 0 (data) of shape " + toString(d));
    }
    return single(data->type(), {d[0], d[1] * block * block, d[2] / block, d[3] / block}, "SpaceToDepth");
}

InferResult inferOutputs(const IdentityParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

InferResult inferOutputs(const ReformatParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

}  // namespace kiln::detail
