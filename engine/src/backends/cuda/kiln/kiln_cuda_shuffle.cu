// Kiln CUDA tactics for data-movement layers: Identity, Reshape, Concat, Split, Slice, Transpose,
// Gather, Pad, Expand, Tile, DepthToSpace, SpaceToDepth, Resize and Reformat. Only linear Resize and a
// Reformat between FP32 and FP16 storage touch values; everything else copies elements by their size
// and so works for every data type, moving 16-byte units where a copy is contiguous and aligned.
// Reformat reads and writes channel-blocked and channels-last tensors, and so do Concat and Split along
// channels, for channels-last tensors only (FP16 builds, where channel slices are not contiguous and
// concats stay layers). Slice, Transpose, Expand, DepthToSpace and SpaceToDepth are all one strided view
// of the input, simplified once so that each element decodes as few axes as the layout allows; linear
// Concat and Split are row copies, channels-last ones gathers of each pixel's channels. run() only
// issues kernels on the run's stream, so a run can be captured in a CUDA graph.
//
// Gather cannot report an index outside [-extent, extent) without synchronizing, so the output slices
// such an index selects are written as zeros (the reference kernel rejects the layer instead).
#include "backends/cuda/kiln/kiln_cuda_shuffle.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <cuda_fp16.h>

#include "backends/cuda/kiln/kiln_cuda_common.h"
#include "tactics/formats.h"
#include "tactics/resize_coordinates.h"

namespace kiln::cuda {

namespace {

// Calls `body(T{})` with the unsigned type of `bytes` (1, 2, 4 or 8) bytes.
template <typename Body>
void forElementSize(size_t bytes, Body&& body) {
    switch (bytes) {
        case 1: body(uint8_t{}); break;
        case 2: body(uint16_t{}); break;
        case 4: body(uint32_t{}); break;
        case 8: body(uint64_t{}); break;
    }
}

// The same for the units of copies that move several elements at once: also uint4 for 16 bytes.
template <typename Body>
void forUnitSize(size_t bytes, Body&& body) {
    if (bytes == 16) return body(uint4{0, 0, 0, 0});
    forElementSize(bytes, body);
}

// The largest of 16, 8, 4, 2 and 1 that divides every value (addresses, sizes and strides in bytes).
size_t commonAlignment(std::initializer_list<uint64_t> values) {
    uint64_t bits = 16;
    for (uint64_t value : values) bits |= value;
    return size_t(bits & (~bits + 1));
}

uint64_t address(const void* pointer) { return uint64_t(reinterpret_cast<uintptr_t>(pointer)); }

int64_t volumeOf(const ShapeDesc& shape) {
    int64_t count = 1;
    for (int axis = 0; axis < shape.rank; ++axis) count *= shape.extents[axis];
    return count;
}

// Blocks for `count` units of work, at most `cap`: grid-stride loops cover the rest.
unsigned cappedBlocks(int64_t count, int64_t cap) {
    return unsigned(std::min<int64_t>(blocksFor(count), cap));
}

// --- Strided views: Slice, Transpose, Expand, DepthToSpace, SpaceToDepth -------------------------

// Output element i (row-major over shape.extents) reads input element base + sum(coordinate * stride),
// with shape.strides the input strides of the output axes (negative for a reversed axis, 0 for a
// broadcast one).
struct StridedView {
    ShapeDesc shape;
    int64_t base = 0;
};

// Drops extent-1 axes and merges each axis into its outer neighbour when the input walks the two as
// one (the outer stride is the inner stride times the inner extent): the same elements, fewer axes to
// decode per element.
StridedView simplified(const StridedView& view) {
    StridedView result;
    result.base = view.base;
    ShapeDesc& shape = result.shape;
    for (int axis = 0; axis < view.shape.rank; ++axis) {
        const int64_t extent = view.shape.extents[axis];
        const int64_t stride = view.shape.strides[axis];
        if (extent == 1) continue;
        if (shape.rank > 0 && shape.strides[shape.rank - 1] == stride * extent) {
            shape.extents[shape.rank - 1] *= extent;
            shape.strides[shape.rank - 1] = stride;
            continue;
        }
        shape.extents[shape.rank] = extent;
        shape.strides[shape.rank] = stride;
        ++shape.rank;
    }
    return result;
}

// When the innermost axis is contiguous in the input and every run of it starts aligned in both
// tensors, views runs of elements as single units of up to 16 bytes: one wide load and store moves
// several elements. Returns the unit size in bytes.
size_t widened(StridedView& view, size_t elementSize, const void* input, const void* output) {
    ShapeDesc& shape = view.shape;
    const int last = shape.rank - 1;
    if (last < 0 || shape.strides[last] != 1) return elementSize;
    uint64_t bits = address(input) | address(output) | uint64_t(shape.extents[last]) * elementSize |
                    uint64_t(view.base) * elementSize;
    for (int axis = 0; axis < last; ++axis) bits |= uint64_t(shape.strides[axis]) * elementSize;
    const size_t unit = commonAlignment({bits});
    if (unit <= elementSize) return elementSize;
    const int64_t factor = int64_t(unit / elementSize);
    shape.extents[last] /= factor;
    for (int axis = 0; axis < last; ++axis) shape.strides[axis] /= factor;
    view.base /= factor;
    return unit;
}

template <typename T>
__global__ void stridedCopyKernel(const T* input, T* output, ShapeDesc view, int64_t base, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i;
        int64_t source = base;
        for (int axis = view.rank - 1; axis >= 0; --axis) {
            const int64_t extent = view.extents[axis];
            source += rest % extent * view.strides[axis];
            rest /= extent;
        }
        output[i] = input[source];
    }
}

inline constexpr int kTransposeTile = 32;
inline constexpr int kTransposeTileRows = 8;
// Below this many rows or columns a transpose tile would be mostly empty; the strided copy serves.
inline constexpr int64_t kTiledTransposeMinimum = 16;

// Output [batches][columns][rows] from an input [batches][rows][columns] with rows `pitch` elements
// and batches `batchStride` elements apart, through a tile in shared memory so that both the reads
// and the writes are coalesced.
template <typename T>
__global__ void tiledTransposeKernel(const T* input, T* output, int64_t batches, int64_t rows,
                                     int64_t columns, int64_t pitch, int64_t batchStride) {
    // One column of padding keeps the column reads of the tile on distinct banks.
    __shared__ T tile[kTransposeTile][kTransposeTile + 1];
    const int64_t rowTiles = (rows + kTransposeTile - 1) / kTransposeTile;
    const int64_t columnTiles = (columns + kTransposeTile - 1) / kTransposeTile;
    const int64_t tiles = batches * rowTiles * columnTiles;
    for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
        const int64_t batch = t / (rowTiles * columnTiles);
        const int64_t firstRow = t / columnTiles % rowTiles * kTransposeTile;
        const int64_t firstColumn = t % columnTiles * kTransposeTile;
        const T* in = input + batch * batchStride;
        T* out = output + batch * rows * columns;
        for (int k = threadIdx.y; k < kTransposeTile; k += blockDim.y) {
            const int64_t row = firstRow + k;
            const int64_t column = firstColumn + threadIdx.x;
            if (row < rows && column < columns) tile[k][threadIdx.x] = in[row * pitch + column];
        }
        __syncthreads();
        for (int k = threadIdx.y; k < kTransposeTile; k += blockDim.y) {
            const int64_t column = firstColumn + k;
            const int64_t row = firstRow + threadIdx.x;
            if (row < rows && column < columns) out[column * rows + row] = tile[threadIdx.x][k];
        }
        __syncthreads();
    }
}

// The view of an input of `inputDims` whose output axis d is input axis perm[d].
StridedView permutedView(const Dims& inputDims, const std::vector<int64_t>& perm) {
    const ShapeDesc input = denseShape(inputDims);
    StridedView view;
    view.shape.rank = input.rank;
    for (int axis = 0; axis < input.rank; ++axis) {
        view.shape.extents[axis] = input.extents[perm[size_t(axis)]];
        view.shape.strides[axis] = input.strides[perm[size_t(axis)]];
    }
    return view;
}

StridedView sliceView(const Dims& inputDims, const Dims& outputDims, const SliceParams& p) {
    const ShapeDesc input = denseShape(inputDims);
    StridedView view;
    view.shape = denseShape(outputDims);
    for (int axis = 0; axis < input.rank; ++axis) {
        view.shape.strides[axis] = input.strides[axis] * p.steps[size_t(axis)];
        view.base += input.strides[axis] * p.starts[size_t(axis)];
    }
    return view;
}

// DepthToSpace and SpaceToDepth are transposes of a 6-axis view of the 4-axis input.
StridedView depthToSpaceView(const Dims& d, const DepthToSpaceParams& p) {
    const int64_t b = p.blockSize;
    const int64_t channels = d[1] / (b * b);
    // DCR splits the input channel as [row offset][column offset][channel], CRD as [channel][row][column];
    // the output is [N][channel][H][row offset][W][column offset] either way.
    if (p.columnRowDepth) return permutedView({d[0], channels, b, b, d[2], d[3]}, {0, 1, 4, 2, 5, 3});
    return permutedView({d[0], b, b, channels, d[2], d[3]}, {0, 3, 4, 1, 5, 2});
}

StridedView spaceToDepthView(const Dims& d, const SpaceToDepthParams& p) {
    const int64_t b = p.blockSize;
    return permutedView({d[0], d[1], d[2] / b, b, d[3] / b, b}, {0, 3, 5, 1, 2, 4});
}

class StridedCopyKernel final : public KilnCudaKernel {
public:
    StridedCopyKernel(const Layer& layer, StridedView view, const char* what)
        : KilnCudaKernel(layer), m_view(simplified(view)), m_count(volumeOf(view.shape)), m_what(what) {
        // A view that reads a [rows][columns] matrix (rows `pitch` apart) column by column, per batch, is
        // a batched transpose.
        const ShapeDesc& s = m_view.shape;
        const int r = s.rank;
        m_tiled = (r == 2 || r == 3) && s.strides[r - 2] == 1 && s.strides[r - 1] > 0 &&
                  s.extents[r - 1] >= kTiledTransposeMinimum && s.extents[r - 2] >= kTiledTransposeMinimum;
    }

    Status run(const tactics::KernelArgs& args) const override {
        if (m_count == 0) return Status::ok();
        const size_t elementSize = dataTypeSize(m_layer.output(0)->type());
        const std::byte* in = input(args, 0);
        std::byte* out = args.outputs[0];
        if (m_tiled) {
            const ShapeDesc& s = m_view.shape;
            const int r = s.rank;
            const int64_t batches = r == 3 ? s.extents[0] : 1;
            const int64_t batchStride = r == 3 ? s.strides[0] : 0;
            const int64_t rows = s.extents[r - 1];
            const int64_t columns = s.extents[r - 2];
            const int64_t tiles = batches * ((rows + kTransposeTile - 1) / kTransposeTile) *
                                  ((columns + kTransposeTile - 1) / kTransposeTile);
            forElementSize(elementSize, [&](auto zero) {
                using T = decltype(zero);
                tiledTransposeKernel<T><<<unsigned(std::min<int64_t>(tiles, 1 << 20)),
                                          dim3(kTransposeTile, kTransposeTileRows), 0, stream(args)>>>(
                    reinterpret_cast<const T*>(in) + m_view.base, reinterpret_cast<T*>(out), batches, rows,
                    columns, s.strides[r - 1], batchStride);
            });
            return launched(m_what);
        }
        StridedView view = m_view;
        const size_t unit = widened(view, elementSize, in, out);
        const int64_t units = volumeOf(view.shape);
        forUnitSize(unit, [&](auto zero) {
            using T = decltype(zero);
            stridedCopyKernel<T><<<blocksFor(units), kThreadsPerBlock, 0, stream(args)>>>(
                reinterpret_cast<const T*>(in), reinterpret_cast<T*>(out), view.shape, view.base, units);
        });
        return launched(m_what);
    }

private:
    StridedView m_view;
    int64_t m_count;
    const char* m_what;
    bool m_tiled = false;
};

// --- Identity and Reshape ---------------------------------------------------------------------

// Identity and a Reshape that could not become a view: the bytes are copied unchanged.
class CopyKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;
    Status run(const tactics::KernelArgs& args) const override {
        const size_t bytes = size_t(m_layer.output(0)->storageBytes());
        KILN_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(args.outputs[0], input(args, 0), bytes, cudaMemcpyDeviceToDevice, stream(args)),
            "copying '" + m_layer.name() + "'");
        return Status::ok();
    }
};

// --- Concat and Split -------------------------------------------------------------------------

// `rows` rows of `rowBytes` bytes, `sourcePitch` and `targetPitch` bytes apart. The blocks of a launch
// from `firstBlock` up to the next copy's first block work on this copy.
struct RowCopy {
    const std::byte* source;
    std::byte* target;
    int64_t rows;
    int64_t rowBytes;
    int64_t sourcePitch;
    int64_t targetPitch;
    int64_t firstBlock;
    int32_t unitBytes;  // bytes per load and store: 16, 8, 4, 2 or 1
};

// Copies per launch: the launch's parameters (about 60 bytes a copy) stay well inside the 4 KiB that
// every CUDA version passes.
inline constexpr int kRowCopiesPerLaunch = 32;
// Blocks one copy gets at most: about as many threads as the GPU keeps resident, each moving several
// units in a grid-stride loop.
inline constexpr int64_t kBlocksPerRowCopy = 1024;

struct RowCopyLaunch {
    RowCopy copies[kRowCopiesPerLaunch];
    int count;
};

template <typename T>
__device__ void copyRows(const RowCopy& copy, int64_t block, int64_t blocks) {
    const int64_t rowUnits = copy.rowBytes / int64_t(sizeof(T));
    const int64_t sourcePitch = copy.sourcePitch / int64_t(sizeof(T));
    const int64_t targetPitch = copy.targetPitch / int64_t(sizeof(T));
    const int64_t count = copy.rows * rowUnits;
    const T* source = reinterpret_cast<const T*>(copy.source);
    T* target = reinterpret_cast<T*>(copy.target);
    for (int64_t i = block * blockDim.x + threadIdx.x; i < count; i += blocks * blockDim.x) {
        const int64_t row = i / rowUnits;
        const int64_t column = i - row * rowUnits;
        target[row * targetPitch + column] = source[row * sourcePitch + column];
    }
}

// __grid_constant__ lets a block index the copies in parameter memory without a local copy of all.
__global__ void rowCopyKernel(const __grid_constant__ RowCopyLaunch launch) {
    int c = 0;
    while (c + 1 < launch.count && launch.copies[c + 1].firstBlock <= int64_t(blockIdx.x)) ++c;
    const RowCopy& copy = launch.copies[c];
    const int64_t end = c + 1 < launch.count ? launch.copies[c + 1].firstBlock : int64_t(gridDim.x);
    const int64_t block = int64_t(blockIdx.x) - copy.firstBlock;
    const int64_t blocks = end - copy.firstBlock;
    switch (copy.unitBytes) {
        case 16: copyRows<uint4>(copy, block, blocks); break;
        case 8: copyRows<uint64_t>(copy, block, blocks); break;
        case 4: copyRows<uint32_t>(copy, block, blocks); break;
        case 2: copyRows<uint16_t>(copy, block, blocks); break;
        default: copyRows<uint8_t>(copy, block, blocks); break;
    }
}

// Issues the copies (none of them empty), a batch of them per launch, each with blocks in proportion
// to its size so that small copies never wait for a large one's blocks.
void launchRowCopies(std::vector<RowCopy>& copies, cudaStream_t stream) {
    for (size_t first = 0; first < copies.size(); first += kRowCopiesPerLaunch) {
        RowCopyLaunch launch{};
        launch.count = int(std::min<size_t>(kRowCopiesPerLaunch, copies.size() - first));
        int64_t blocks = 0;
        for (int c = 0; c < launch.count; ++c) {
            RowCopy copy = copies[first + size_t(c)];
            // Pitches only matter between rows.
            const bool manyRows = copy.rows > 1;
            copy.unitBytes = int32_t(commonAlignment(
                {address(copy.source), address(copy.target), uint64_t(copy.rowBytes),
                 manyRows ? uint64_t(copy.sourcePitch) : 0, manyRows ? uint64_t(copy.targetPitch) : 0}));
            copy.firstBlock = blocks;
            blocks += cappedBlocks(copy.rows * copy.rowBytes / copy.unitBytes, kBlocksPerRowCopy);
            launch.copies[c] = copy;
        }
        rowCopyKernel<<<unsigned(blocks), kThreadsPerBlock, 0, stream>>>(launch);
    }
}

int64_t product(const Dims& dims, size_t begin, size_t end) {
    int64_t result = 1;
    for (size_t axis = begin; axis < end; ++axis) result *= dims[axis];
    return result;
}

// Concat and Split see a tensor as `outer` rows (the axes before the concatenation axis); each of the
// pieces fills the same run of bytes of every row of the whole.
struct RowPieces {
    int64_t outer = 1;
    int64_t wholeRow = 0;          // bytes of one row of the whole tensor
    std::vector<int64_t> rows;     // bytes of one row of each piece
    std::vector<int64_t> columns;  // where each piece starts in a row of the whole
};

RowPieces rowPieces(const std::vector<Tensor*>& pieces, size_t axis) {
    RowPieces result;
    const Dims& dims = pieces.front()->dims();
    const int64_t inner =
        product(dims, axis + 1, dims.size()) * int64_t(dataTypeSize(pieces.front()->type()));
    result.outer = product(dims, 0, axis);
    for (const Tensor* piece : pieces) {
        result.columns.push_back(result.wholeRow);
        result.rows.push_back(piece->dims()[axis] * inner);
        result.wholeRow += result.rows.back();
    }
    return result;
}

class ConcatKernel final : public KilnCudaKernel {
public:
    explicit ConcatKernel(const Layer& layer)
        : KilnCudaKernel(layer),
          m_pieces(rowPieces(layer.inputs(), size_t(layer.paramsAs<ConcatParams>().axis))) {}

    Status run(const tactics::KernelArgs& args) const override {
        std::vector<RowCopy> copies;
        for (size_t i = 0; i < m_pieces.rows.size(); ++i) {
            const int64_t row = m_pieces.rows[i];
            if (row == 0 || m_pieces.outer == 0) continue;
            copies.push_back({input(args, i), args.outputs[0] + m_pieces.columns[i], m_pieces.outer, row, row,
                              m_pieces.wholeRow, 0, 1});
        }
        if (copies.empty()) return Status::ok();
        launchRowCopies(copies, stream(args));
        return launched("concat");
    }

private:
    RowPieces m_pieces;
};

class SplitKernel final : public KilnCudaKernel {
public:
    explicit SplitKernel(const Layer& layer)
        : KilnCudaKernel(layer),
          m_pieces(rowPieces(layer.outputs(), size_t(layer.paramsAs<SplitParams>().axis))) {}

    Status run(const tactics::KernelArgs& args) const override {
        std::vector<RowCopy> copies;
        for (size_t i = 0; i < m_pieces.rows.size(); ++i) {
            const int64_t row = m_pieces.rows[i];
            if (row == 0 || m_pieces.outer == 0) continue;
            copies.push_back({input(args, 0) + m_pieces.columns[i], args.outputs[i], m_pieces.outer, row,
                              m_pieces.wholeRow, row, 0, 1});
        }
        if (copies.empty()) return Status::ok();
        launchRowCopies(copies, stream(args));
        return launched("split");
    }

private:
    RowPieces m_pieces;
};

// --- Channels-last Concat and Split ---------------------------------------------------------------

// A channels-last tensor is [pixels][pitch] elements: pixels = N * spatial, pitch = the channels
// rounded up to the format's padding, the lanes past the channels zero. A channel Concat fills each
// output pixel from every input's pixel in turn, and a channel Split each output from a window of the
// input's, so both are gathers into a channels-last target: piece k of a gather fills channels
// [start, start + channels) of every target pixel from a source whose pixels are `pitch` apart.
struct ChannelPiece {
    const std::byte* source;
    int64_t start;
    int64_t channels;
    int64_t pitch;
};

// Pieces per launch: about 2 KiB of parameters, inside the 4 KiB that every CUDA version passes, and
// more inputs than DenseNet's concats have.
inline constexpr int kChannelPiecesPerLaunch = 64;

// Writes channels [begin, end) of every pixel of `target`: each channel from the piece that holds
// it (the pieces in order of start, none empty), zero where none does (the padded lanes). A concat of
// more inputs than one launch takes is several gathers, each over its inputs' channels.
struct ChannelGather {
    ChannelPiece pieces[kChannelPiecesPerLaunch];
    int count;
    std::byte* target;
    int64_t pitch;
    int64_t pixels;
    int64_t begin;
    int64_t end;
};

// The last piece that starts at or before `channel` (the first when none does).
__device__ int pieceAt(const ChannelGather& gather, int64_t channel) {
    int low = 0;
    int high = gather.count - 1;
    while (low < high) {
        const int middle = (low + high + 1) / 2;
        if (gather.pieces[middle].start <= channel) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    return low;
}

// Every quantity of the gather is in units of T (a piece never starts or ends inside a unit). A thread
// assembles a 16-byte group of units of one target pixel and stores it with one wide store where the
// target's pixels allow: a group of one uint4 when every piece is 16-byte aligned (each group then
// comes from a single source load), else units gathered one at a time, single elements at worst
// (FP16 channel counts that are not multiples of 8).
template <typename T>
__global__ void channelGatherKernel(const __grid_constant__ ChannelGather gather, bool wideStores) {
    constexpr int kGroup = int(sizeof(uint4) / sizeof(T));
    union Group {
        uint4 wide;
        T units[kGroup];
    };
    const int64_t firstGroup = gather.begin / kGroup;
    const int64_t groups = (gather.end + kGroup - 1) / kGroup - firstGroup;
    const int64_t count = gather.pixels * groups;
    // A stride that is a multiple of the groups of a pixel keeps a thread on the same group of every
    // pixel it visits: it looks the group's piece up once.
    const int64_t threads = int64_t(gridDim.x) * blockDim.x;
    const int64_t stride = threads >= groups ? threads / groups * groups : threads;
    const int64_t thread = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (thread >= stride) return;
    int64_t lookedUp = -1;
    int firstPiece = 0;
    for (int64_t i = thread; i < count; i += stride) {
        const int64_t pixel = i / groups;
        const int64_t first = (firstGroup + i % groups) * kGroup;
        if (first != lookedUp) {
            firstPiece = pieceAt(gather, first);
            lookedUp = first;
        }
        Group group;
        int k = firstPiece;
#pragma unroll
        for (int lane = 0; lane < kGroup; ++lane) {
            const int64_t channel = first + lane;
            while (k + 1 < gather.count && gather.pieces[k + 1].start <= channel) ++k;
            const ChannelPiece& piece = gather.pieces[k];
            const int64_t offset = channel - piece.start;
            group.units[lane] = offset >= 0 && offset < piece.channels
                                    ? reinterpret_cast<const T*>(piece.source)[pixel * piece.pitch + offset]
                                    : T{};
        }
        T* row = reinterpret_cast<T*>(gather.target) + pixel * gather.pitch;
        if (wideStores && first >= gather.begin && first + kGroup <= gather.end) {
            *reinterpret_cast<uint4*>(row + first) = group.wide;
            continue;
        }
#pragma unroll
        for (int lane = 0; lane < kGroup; ++lane) {
            const int64_t channel = first + lane;
            if (channel >= gather.begin && channel < gather.end) row[channel] = group.units[lane];
        }
    }
}

// Issues `gather`, given in elements of `elementSize` bytes (at least one piece, the range not empty),
// in the widest units that every address, channel count, start and pitch is a multiple of.
void launchChannelGather(ChannelGather gather, size_t elementSize, cudaStream_t stream) {
    const uint64_t size = elementSize;
    uint64_t bits = address(gather.target) | uint64_t(gather.pitch) * size | uint64_t(gather.begin) * size |
                    uint64_t(gather.end) * size;
    for (int k = 0; k < gather.count; ++k) {
        const ChannelPiece& piece = gather.pieces[k];
        bits |= address(piece.source) | uint64_t(piece.start) * size | uint64_t(piece.channels) * size |
                uint64_t(piece.pitch) * size;
    }
    const size_t unit = std::max(elementSize, commonAlignment({bits}));
    const int64_t factor = int64_t(unit / elementSize);
    gather.pitch /= factor;
    gather.begin /= factor;
    gather.end /= factor;
    for (int k = 0; k < gather.count; ++k) {
        gather.pieces[k].start /= factor;
        gather.pieces[k].channels /= factor;
        gather.pieces[k].pitch /= factor;
    }
    const bool wideStores = commonAlignment({address(gather.target), uint64_t(gather.pitch) * unit}) == 16;
    const int64_t group = int64_t(sizeof(uint4) / unit);
    const int64_t groups = (gather.end + group - 1) / group - gather.begin / group;
    // As many blocks as a row copy gets at most: threads loop over pixels, each on one group.
    const unsigned blocks = cappedBlocks(gather.pixels * groups, kBlocksPerRowCopy);
    forUnitSize(unit, [&](auto zero) {
        using T = decltype(zero);
        channelGatherKernel<T><<<blocks, kThreadsPerBlock, 0, stream>>>(gather, wideStores);
    });
}

// Channels of a channels-last tensor's pixel in `format`, padding included.
int64_t paddedChannels(int64_t channels, TensorFormat format) {
    const int64_t padding = std::max(format.channelBlock, 1);
    return (channels + padding - 1) / padding * padding;
}

// What the channels-last Concat and Split share: the tensors' pitches in the formats of the config and
// device copies of the constant inputs laid out as output 0 is (the format the layer runs in).
class ChannelsLastKernel : public KilnCudaKernel {
public:
    ChannelsLastKernel(const Layer& layer, const tactics::LayerConfig& config)
        : KilnCudaKernel(layer), m_layout(config.outputFormats[0]) {
        const Tensor& output = *layer.output(0);
        m_elementSize = dataTypeSize(storageType(output.type(), m_layout));
        const Dims& dims = output.dims();
        m_pixels = dims[0] * product(dims, 2, dims.size());
        for (size_t i = 0; i < layer.inputs().size(); ++i) {
            const Tensor& input = *layer.input(i);
            const TensorFormat format = input.isConstant() ? m_layout : config.inputFormats[i];
            m_inputPitches.push_back(paddedChannels(input.dims()[1], format));
        }
        for (size_t i = 0; i < layer.outputs().size(); ++i) {
            m_outputPitches.push_back(paddedChannels(layer.output(i)->dims()[1], config.outputFormats[i]));
        }
    }

    // The constants go to the device in the channels-last layout, not as the base class's linear copies.
    Status prepare() override {
        m_constantCopies.assign(m_layer.inputs().size(), nullptr);
        for (size_t i = 0; i < m_layer.inputs().size(); ++i) {
            const Tensor& input = *m_layer.input(i);
            if (!input.isConstant()) continue;
            const std::vector<std::byte> bytes = tactics::toFormat(*input.constantData(), m_layout);
            KILN_ASSIGN_OR_RETURN(m_constantCopies[i], upload(bytes.data(), bytes.size()));
        }
        return Status::ok();
    }

protected:
    const std::byte* source(const tactics::KernelArgs& args, size_t index) const {
        return m_constantCopies[index] ? m_constantCopies[index]->data() : args.inputs[index];
    }

    TensorFormat m_layout;
    size_t m_elementSize = 0;
    int64_t m_pixels = 0;
    std::vector<int64_t> m_inputPitches;
    std::vector<int64_t> m_outputPitches;

private:
    std::vector<std::shared_ptr<CudaBuffer>> m_constantCopies;  // per input; null for activations
};

class ChannelsLastConcatKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;

    Status run(const tactics::KernelArgs& args) const override {
        if (m_pixels == 0 || m_outputPitches[0] == 0) return Status::ok();
        ChannelGather gather{};
        gather.target = args.outputs[0];
        gather.pitch = m_outputPitches[0];
        gather.pixels = m_pixels;
        int64_t start = 0;
        for (size_t i = 0; i < m_inputPitches.size(); ++i) {
            const int64_t channels = m_layer.input(i)->dims()[1];
            if (channels == 0) continue;
            if (gather.count == kChannelPiecesPerLaunch) {
                gather.end = start;
                launchChannelGather(gather, m_elementSize, stream(args));
                gather.count = 0;
            }
            if (gather.count == 0) gather.begin = start;
            gather.pieces[gather.count++] = {source(args, i), start, channels, m_inputPitches[i]};
            start += channels;
        }
        // The last gather also zeroes the output's padded lanes.
        gather.end = gather.pitch;
        launchChannelGather(gather, m_elementSize, stream(args));
        return launched("channels-last concat");
    }
};

class ChannelsLastSplitKernel final : public ChannelsLastKernel {
public:
    using ChannelsLastKernel::ChannelsLastKernel;

    Status run(const tactics::KernelArgs& args) const override {
        bool issued = false;
        int64_t start = 0;
        for (size_t i = 0; i < m_outputPitches.size(); ++i) {
            const int64_t channels = m_layer.output(i)->dims()[1];
            if (m_pixels > 0 && m_outputPitches[i] > 0) {
                ChannelGather gather{};
                gather.pieces[0] = {source(args, 0) + start * int64_t(m_elementSize), 0, channels,
                                    m_inputPitches[0]};
                gather.count = 1;
                gather.target = args.outputs[i];
                gather.pitch = m_outputPitches[i];
                gather.pixels = m_pixels;
                gather.end = gather.pitch;
                launchChannelGather(gather, m_elementSize, stream(args));
                issued = true;
            }
            start += channels;
        }
        return issued ? launched("channels-last split") : Status::ok();
    }
};

// Why the channels-last Concat or Split cannot run `config`, or nothing. It joins or splits the
// channels of channels-last tensors that hold one element type in memory; each may have its own
// padding, and constants are laid out as output 0 is.
std::optional<std::string> channelsLastRefusal(const tactics::LayerConfig& config, int64_t axis) {
    const Layer& layer = *config.layer;
    const size_t rank = layer.output(0)->dims().size();
    struct Named {
        std::string name;
        const Tensor* tensor;
        TensorFormat format;
    };
    std::vector<Named> tensors;
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (input->isConstant()) continue;
        tensors.push_back({"input " + std::to_string(i), input, config.inputFormats[i]});
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        tensors.push_back({"output " + std::to_string(i), layer.output(i), config.outputFormats[i]});
    }
    for (const Named& t : tensors) {
        if (!t.format.channelsLast) {
            return "needs channels-last tensors; " + t.name + " is " + toString(t.format, rank);
        }
    }
    const DataType stored = storageType(layer.output(0)->type(), config.outputFormats[0]);
    for (const Named& t : tensors) {
        const DataType type = storageType(t.tensor->type(), t.format);
        if (type != stored) {
            return std::string("needs one element type in memory; output 0 holds ") + toString(stored) +
                   ", " + t.name + " " + toString(type);
        }
    }
    if (axis != 1) return "joins or splits channels (axis 1) only, not axis " + std::to_string(axis);
    return std::nullopt;
}

// --- Gather ---------------------------------------------------------------------------------------

// The output is [outer][count][inner]: slice (o, j) is data slice (o, indices[j]) of `inner` units.
template <typename T, typename Index>
__global__ void gatherKernel(const T* data, const Index* indices, T* output, int64_t extent, int64_t count,
                             int64_t inner, int64_t total) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t k = i % inner;
        const int64_t slice = i / inner;
        const int64_t j = slice % count;
        const int64_t o = slice / count;
        int64_t index = int64_t(indices[j]);
        if (index < 0) index += extent;
        output[i] = index >= 0 && index < extent ? data[(o * extent + index) * inner + k] : T{};
    }
}

class GatherKernel final : public KilnCudaKernel {
public:
    explicit GatherKernel(const Layer& layer) : KilnCudaKernel(layer) {
        const Dims& dims = layer.input(0)->dims();
        const size_t axis = size_t(layer.paramsAs<GatherParams>().axis);
        m_outer = product(dims, 0, axis);
        m_extent = dims[axis];
        m_count = volume(layer.input(1)->dims());
        m_innerBytes = product(dims, axis + 1, dims.size()) * int64_t(dataTypeSize(layer.input(0)->type()));
    }

    Status run(const tactics::KernelArgs& args) const override {
        if (m_outer * m_count * m_innerBytes == 0) return Status::ok();
        const std::byte* data = input(args, 0);
        const std::byte* indices = input(args, 1);
        std::byte* out = args.outputs[0];
        // Every slice starts a multiple of innerBytes into both tensors: a slice moves in units of
        // up to 16 bytes when the tensors' addresses allow.
        const size_t elementSize = dataTypeSize(m_layer.input(0)->type());
        const size_t unit =
            std::max(elementSize, commonAlignment({address(data), address(out), uint64_t(m_innerBytes)}));
        const int64_t inner = m_innerBytes / int64_t(unit);
        const int64_t total = m_outer * m_count * inner;
        const bool wideIndices = m_layer.input(1)->type() == DataType::Int64;
        forUnitSize(unit, [&](auto zero) {
            using T = decltype(zero);
            const T* in = reinterpret_cast<const T*>(data);
            T* y = reinterpret_cast<T*>(out);
            if (wideIndices) {
                gatherKernel<<<blocksFor(total), kThreadsPerBlock, 0, stream(args)>>>(
                    in, reinterpret_cast<const int64_t*>(indices), y, m_extent, m_count, inner, total);
            } else {
                gatherKernel<<<blocksFor(total), kThreadsPerBlock, 0, stream(args)>>>(
                    in, reinterpret_cast<const int32_t*>(indices), y, m_extent, m_count, inner, total);
            }
        });
        return launched("gather");
    }

private:
    int64_t m_outer = 1;
    int64_t m_extent = 0;
    int64_t m_count = 0;
    int64_t m_innerBytes = 0;
};

// --- Pad --------------------------------------------------------------------------------------

struct PadGeometry {
    ShapeDesc input;  // the input's extents and strides
    int64_t outputExtents[kMaxRank];
    int64_t padsBegin[kMaxRank];  // negative: the axis is cropped
    PadMode mode;
};

template <typename T>
__global__ void padKernel(const T* input, T* output, PadGeometry g, T fill, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i;
        int64_t source = 0;
        bool inside = true;
        for (int axis = g.input.rank - 1; axis >= 0; --axis) {
            const int64_t extent = g.input.extents[axis];
            int64_t coordinate = rest % g.outputExtents[axis] - g.padsBegin[axis];
            rest /= g.outputExtents[axis];
            if (coordinate < 0 || coordinate >= extent) {
                if (g.mode == PadMode::Constant) {
                    inside = false;
                    break;
                }
                // Shape inference keeps reflect pads below the extent: one reflection suffices.
                coordinate = g.mode == PadMode::Edge ? (coordinate < 0 ? 0 : extent - 1)
                             : coordinate < 0        ? -coordinate
                                                     : 2 * (extent - 1) - coordinate;
            }
            source += coordinate * g.input.strides[axis];
        }
        output[i] = inside ? input[source] : fill;
    }
}

template <typename T>
T saturated(double value) {
    if (std::isnan(value)) return 0;
    if (value <= double(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (value >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return T(value);
}

// The bytes of the pad value as one element of `type` (in the low bytes), converted as the reference
// kernel converts it: integers truncate toward zero and saturate, BOOL is value != 0.
uint64_t padFillBits(DataType type, double value) {
    switch (type) {
        case DataType::Float32: return std::bit_cast<uint32_t>(float(value));
        case DataType::Float16: return floatToHalf(float(value));
        case DataType::Int8: return uint8_t(saturated<int8_t>(value));
        case DataType::Int32: return uint32_t(saturated<int32_t>(value));
        case DataType::Int64: return uint64_t(saturated<int64_t>(value));
        case DataType::Bool: return value != 0.0 ? 1 : 0;
        case DataType::BFloat16: return floatToBFloat16(float(value));
    }
    return 0;
}

class PadKernel final : public KilnCudaKernel {
public:
    explicit PadKernel(const Layer& layer) : KilnCudaKernel(layer) {
        const PadParams& p = layer.paramsAs<PadParams>();
        m_geometry.input = denseShape(layer.input(0)->dims());
        const Dims& output = layer.output(0)->dims();
        for (size_t axis = 0; axis < output.size(); ++axis) {
            m_geometry.outputExtents[axis] = output[axis];
            m_geometry.padsBegin[axis] = p.pads[axis];
        }
        m_geometry.mode = p.mode;
        m_count = volume(output);
        m_fill = padFillBits(layer.output(0)->type(), p.value);
    }

    Status run(const tactics::KernelArgs& args) const override {
        if (m_count == 0) return Status::ok();
        forElementSize(dataTypeSize(m_layer.output(0)->type()), [&](auto zero) {
            using T = decltype(zero);
            padKernel<T><<<blocksFor(m_count), kThreadsPerBlock, 0, stream(args)>>>(
                reinterpret_cast<const T*>(input(args, 0)), reinterpret_cast<T*>(args.outputs[0]), m_geometry,
                T(m_fill), m_count);
        });
        return launched("pad");
    }

private:
    PadGeometry m_geometry{};
    int64_t m_count = 0;
    uint64_t m_fill = 0;
};

// --- Tile -------------------------------------------------------------------------------------

template <typename T>
__global__ void tileKernel(const T* input, T* output, ShapeDesc outputShape, ShapeDesc inputShape,
                           int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i;
        int64_t source = 0;
        for (int axis = outputShape.rank - 1; axis >= 0; --axis) {
            const int64_t coordinate = rest % outputShape.extents[axis];
            rest /= outputShape.extents[axis];
            source += coordinate % inputShape.extents[axis] * inputShape.strides[axis];
        }
        output[i] = input[source];
    }
}

class TileKernel final : public KilnCudaKernel {
public:
    explicit TileKernel(const Layer& layer)
        : KilnCudaKernel(layer),
          m_output(denseShape(layer.output(0)->dims())),
          m_input(denseShape(layer.input(0)->dims())),
          m_count(volume(layer.output(0)->dims())) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (m_count == 0) return Status::ok();
        forElementSize(dataTypeSize(m_layer.output(0)->type()), [&](auto zero) {
            using T = decltype(zero);
            tileKernel<T><<<blocksFor(m_count), kThreadsPerBlock, 0, stream(args)>>>(
                reinterpret_cast<const T*>(input(args, 0)), reinterpret_cast<T*>(args.outputs[0]), m_output,
                m_input, m_count);
        });
        return launched("tile");
    }

private:
    ShapeDesc m_output;
    ShapeDesc m_input;
    int64_t m_count;
};

// --- Resize -----------------------------------------------------------------------------------

// Where output position x of one axis reads: lowWeight * in[low] + highWeight * in[high], with the
// input positions stored as element offsets (position times the axis stride).
struct ResizeSample {
    int64_t lowOffset = 0;
    int64_t highOffset = 0;
    float lowWeight = 1.0f;
    float highWeight = 0.0f;
};

struct ResizeGeometry {
    ShapeDesc output;
    int64_t firstSample[kMaxRank];  // where each axis's samples start in the sample table
};

// The coordinate transform and the rounding below repeat the reference kernel's float arithmetic
// operation by operation, on the host, so that both pick the same input positions and weights.
float sourceCoordinate(ResizeCoordinateMode mode, float x, float scale, int64_t outputExtent,
                       int64_t inputExtent) {
    switch (mode) {
        case ResizeCoordinateMode::HalfPixel: return (x + 0.5f) / scale - 0.5f;
        case ResizeCoordinateMode::PytorchHalfPixel:
            return outputExtent > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
        case ResizeCoordinateMode::AlignCorners:
            return tactics::alignCornersSource(x, scale, outputExtent, inputExtent);
        case ResizeCoordinateMode::Asymmetric: return x / scale;
        case ResizeCoordinateMode::TfHalfPixelForNn: return (x + 0.5f) / scale;
    }
    return x;
}

int64_t nearestIndex(ResizeNearestMode mode, float x) {
    switch (mode) {
        case ResizeNearestMode::RoundPreferFloor:
            return int64_t(x == std::floor(x) + 0.5f ? std::floor(x) : std::round(x));
        case ResizeNearestMode::RoundPreferCeil: return int64_t(std::round(x));
        case ResizeNearestMode::Floor: return int64_t(std::floor(x));
        case ResizeNearestMode::Ceil: return int64_t(std::ceil(x));
    }
    return 0;
}

void appendAxisSamples(const ResizeParams& p, size_t axis, int64_t inputExtent, int64_t stride,
                       std::vector<ResizeSample>& samples) {
    const int64_t outputExtent = p.outputDims[axis];
    const float scale = p.scales[axis];
    // An unchanged axis maps straight through, as in ONNX Runtime.
    const bool passThrough = scale == 1.0f && outputExtent == inputExtent;
    const float last = float(inputExtent - 1);
    for (int64_t x = 0; x < outputExtent; ++x) {
        ResizeSample s;
        int64_t low = x;
        int64_t high = x;
        if (!passThrough) {
            // Clamped before the integer conversion so that a far-out coordinate cannot overflow it.
            const float coordinate =
                std::clamp(sourceCoordinate(p.coordinateMode, float(x), scale, outputExtent, inputExtent),
                           -1.0f, last + 1.0f);
            if (p.mode == ResizeMode::Nearest) {
                low = high = std::clamp<int64_t>(nearestIndex(p.nearestMode, coordinate), 0, inputExtent - 1);
            } else {
                const float clamped = std::clamp(coordinate, 0.0f, last);
                low = std::min(int64_t(clamped), inputExtent - 1);
                high = std::min(low + 1, inputExtent - 1);
                if (high != low) {
                    s.highWeight = clamped - float(low);
                    s.lowWeight = 1.0f - s.highWeight;
                }
            }
        }
        s.lowOffset = low * stride;
        s.highOffset = high * stride;
        samples.push_back(s);
    }
}

template <typename T>
__global__ void resizeNearestKernel(const T* input, T* output, const ResizeSample* samples, ResizeGeometry g,
                                    int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        int64_t rest = i;
        int64_t source = 0;
        for (int axis = g.output.rank - 1; axis >= 0; --axis) {
            source += samples[g.firstSample[axis] + rest % g.output.extents[axis]].lowOffset;
            rest /= g.output.extents[axis];
        }
        output[i] = input[source];
    }
}

__device__ float toFloat(float value) { return value; }
__device__ float toFloat(uint16_t half) { return __half2float(__ushort_as_half(half)); }
__device__ void store(float* target, float value) { *target = value; }
__device__ void store(uint16_t* target, float value) { *target = __half_as_ushort(__float2half_rn(value)); }

// Sums the 2^Rank corners of each output's cell in the reference kernel's order, with its products
// and sums rounded one by one (no fused multiply-add), so that the results are the reference's.
// Element is float, or uint16_t holding FP16 (computed in FP32, as the reference does).
template <int Rank, typename Element>
__global__ void resizeLinearKernel(const Element* input, Element* output, const ResizeSample* samples,
                                   ResizeGeometry g, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        ResizeSample s[Rank];
        int64_t rest = i;
#pragma unroll
        for (int axis = Rank - 1; axis >= 0; --axis) {
            s[axis] = samples[g.firstSample[axis] + rest % g.output.extents[axis]];
            rest /= g.output.extents[axis];
        }
        float sum = 0.0f;
#pragma unroll
        for (unsigned corner = 0; corner < (1u << Rank); ++corner) {
            float weight = 1.0f;
            int64_t offset = 0;
#pragma unroll
            for (int axis = 0; axis < Rank; ++axis) {
                // The reference stops at a zero weight; a fixed trip count keeps the loop unrolled.
                if (weight == 0.0f) continue;
                const bool high = (corner >> axis) & 1u;
                weight = __fmul_rn(weight, high ? s[axis].highWeight : s[axis].lowWeight);
                offset += high ? s[axis].highOffset : s[axis].lowOffset;
            }
            if (weight != 0.0f) sum = __fadd_rn(sum, __fmul_rn(weight, toFloat(input[offset])));
        }
        store(output + i, sum);
    }
}

// Linear interpolation sums 2^rank corners per output; five axes (32 corners) cover NCDHW.
inline constexpr int kMaxLinearResizeRank = 5;

class ResizeKernel final : public KilnCudaKernel {
public:
    using KilnCudaKernel::KilnCudaKernel;

    Status prepare() override {
        KILN_RETURN_IF_ERROR(KilnCudaKernel::prepare());
        const ResizeParams& p = m_layer.paramsAs<ResizeParams>();
        const ShapeDesc input = denseShape(m_layer.input(0)->dims());
        m_geometry.output = denseShape(m_layer.output(0)->dims());
        m_count = volume(m_layer.output(0)->dims());
        std::vector<ResizeSample> samples;
        for (int axis = 0; axis < input.rank; ++axis) {
            m_geometry.firstSample[axis] = int64_t(samples.size());
            appendAxisSamples(p, size_t(axis), input.extents[axis], input.strides[axis], samples);
        }
        if (m_count == 0) return Status::ok();
        KILN_ASSIGN_OR_RETURN(m_samples, upload(samples.data(), samples.size() * sizeof(ResizeSample)));
        return Status::ok();
    }

    Status run(const tactics::KernelArgs& args) const override {
        if (m_count == 0) return Status::ok();
        const ResizeSample* samples = m_samples->as<ResizeSample>();
        const std::byte* in = input(args, 0);
        std::byte* out = args.outputs[0];
        const DataType type = m_layer.output(0)->type();
        if (m_layer.paramsAs<ResizeParams>().mode == ResizeMode::Nearest) {
            forElementSize(dataTypeSize(type), [&](auto zero) {
                using T = decltype(zero);
                resizeNearestKernel<T><<<blocksFor(m_count), kThreadsPerBlock, 0, stream(args)>>>(
                    reinterpret_cast<const T*>(in), reinterpret_cast<T*>(out), samples, m_geometry, m_count);
            });
            return launched("resize");
        }
        if (type == DataType::Float16) {
            launchLinear(reinterpret_cast<const uint16_t*>(in), reinterpret_cast<uint16_t*>(out), samples,
                         args);
        } else {
            launchLinear(reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out), samples, args);
        }
        return launched("resize");
    }

private:
    template <typename Element>
    void launchLinear(const Element* in, Element* out, const ResizeSample* samples,
                      const tactics::KernelArgs& args) const {
        const auto launch = [&](auto kernel) {
            kernel<<<blocksFor(m_count), kThreadsPerBlock, 0, stream(args)>>>(in, out, samples, m_geometry,
                                                                              m_count);
        };
        switch (m_geometry.output.rank) {
            case 1: launch(resizeLinearKernel<1, Element>); break;
            case 2: launch(resizeLinearKernel<2, Element>); break;
            case 3: launch(resizeLinearKernel<3, Element>); break;
            case 4: launch(resizeLinearKernel<4, Element>); break;
            case 5: launch(resizeLinearKernel<5, Element>); break;
        }
    }

    ResizeGeometry m_geometry{};
    int64_t m_count = 0;
    std::shared_ptr<CudaBuffer> m_samples;
};

// --- Reformat ---------------------------------------------------------------------------------

// A [N, C, spatial...] tensor as [batch][blocks][spatial][block] (tactics/formats.h's elementOffset).
// Linear is the case of blocks of one channel, and channels-last that of one block holding every
// channel, padded: [N][1][spatial][C rounded up].
struct BlockedLayout {
    int64_t batch = 1;
    int64_t channels = 1;
    int64_t spatial = 1;
    int64_t block = 1;
    int64_t blocks = 1;
};

BlockedLayout blockedLayout(const Dims& dims, TensorFormat format) {
    BlockedLayout layout;
    if (dims.size() == 1) layout.channels = dims[0];
    if (dims.size() >= 2) {
        layout.batch = dims[0];
        layout.channels = dims[1];
        layout.spatial = product(dims, 2, dims.size());
        if (format.channelsLast) {
            const int64_t padding = std::max(format.channelBlock, 1);
            layout.block = std::max<int64_t>(1, (layout.channels + padding - 1) / padding * padding);
        } else if (format.isBlocked()) {
            layout.block = format.channelBlock;
        }
    }
    layout.blocks = (layout.channels + layout.block - 1) / layout.block;
    return layout;
}

// Element conversion on the way: none when both sides store the same type (moved as unsigned
// integers), FP32 <-> FP16 rounding to nearest even otherwise.
template <typename Out, typename In>
__device__ Out converted(In value) {
    return value;
}
template <>
__device__ __half converted<__half, float>(float value) {
    return __float2half_rn(value);
}
template <>
__device__ float converted<float, __half>(__half value) {
    return __half2float(value);
}

// Any pair of layouts, one output element (padded lanes included) at a time.
template <typename In, typename Out>
__global__ void reformatKernel(const In* input, Out* output, BlockedLayout from, BlockedLayout to,
                               int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t lane = i % to.block;
        int64_t rest = i / to.block;
        const int64_t s = rest % to.spatial;
        rest /= to.spatial;
        const int64_t channel = rest % to.blocks * to.block + lane;
        const int64_t n = rest / to.blocks;
        const int64_t source =
            ((n * from.blocks + channel / from.block) * from.spatial + s) * from.block + channel % from.block;
        output[i] = channel < to.channels ? converted<Out>(input[source]) : Out{};
    }
}

// Linear <-> blocked (or channels-last) goes through a tile of `lanes` channels of one block by
// `positions` spatial positions in shared memory, so that the linear side is read or written along
// its planes and the blocked side along its runs of lanes, both coalesced. A tile row holds lanes + 1
// elements: the column walk of the linear side then lands on distinct banks.
struct ReformatTiling {
    int lanes;      // channels of a block per tile: the whole block when it is small
    int positions;  // spatial positions per tile
    int64_t tiles;
};

inline constexpr int64_t kReformatTileElements = 2048;
inline constexpr int64_t kWholeBlockLanes = 64;

ReformatTiling reformatTiling(const BlockedLayout& blocked) {
    ReformatTiling tiling;
    tiling.lanes = int(blocked.block <= kWholeBlockLanes ? blocked.block : 32);
    tiling.positions = int(std::min(blocked.spatial, kReformatTileElements / tiling.lanes));
    const int64_t lanePieces = (blocked.block + tiling.lanes - 1) / tiling.lanes;
    tiling.tiles = blocked.batch * blocked.blocks * lanePieces *
                   ((blocked.spatial + tiling.positions - 1) / tiling.positions);
    return tiling;
}

// Where tile t lies: batch entry, channel block, first lane within the block and first position.
struct ReformatTile {
    int64_t n;
    int64_t channelBlock;
    int firstLane;
    int lanes;  // fewer than the tiling's at the end of a block that is not a multiple of them
    int64_t firstPosition;
};

__device__ ReformatTile reformatTile(const BlockedLayout& blocked, const ReformatTiling& tiling, int64_t t) {
    const int64_t spatialTiles = (blocked.spatial + tiling.positions - 1) / tiling.positions;
    const int64_t lanePieces = (blocked.block + tiling.lanes - 1) / tiling.lanes;
    ReformatTile tile;
    tile.firstPosition = t % spatialTiles * tiling.positions;
    t /= spatialTiles;
    tile.firstLane = int(t % lanePieces) * tiling.lanes;
    tile.lanes = int(std::min<int64_t>(tiling.lanes, blocked.block - tile.firstLane));
    t /= lanePieces;
    tile.channelBlock = t % blocked.blocks;
    tile.n = t / blocked.blocks;
    return tile;
}

extern __shared__ __align__(16) unsigned char reformatShared[];

template <typename In, typename Out>
__global__ void linearToBlockedKernel(const In* input, Out* output, BlockedLayout to, ReformatTiling tiling) {
    Out* tile = reinterpret_cast<Out*>(reformatShared);
    const int pitch = tiling.lanes + 1;
    for (int64_t t = blockIdx.x; t < tiling.tiles; t += gridDim.x) {
        const ReformatTile where = reformatTile(to, tiling, t);
        const int elements = where.lanes * tiling.positions;
        const int64_t firstChannel = where.channelBlock * to.block + where.firstLane;
        for (int e = threadIdx.x; e < elements; e += blockDim.x) {
            const int lane = e / tiling.positions;
            const int p = e % tiling.positions;
            const int64_t channel = firstChannel + lane;
            const int64_t s = where.firstPosition + p;
            tile[p * pitch + lane] =
                channel < to.channels && s < to.spatial
                    ? converted<Out>(input[(where.n * to.channels + channel) * to.spatial + s])
                    : Out{};
        }
        __syncthreads();
        Out* target =
            output +
            ((where.n * to.blocks + where.channelBlock) * to.spatial + where.firstPosition) * to.block +
            where.firstLane;
        for (int e = threadIdx.x; e < elements; e += blockDim.x) {
            const int p = e / where.lanes;
            const int lane = e % where.lanes;
            if (where.firstPosition + p < to.spatial) target[p * to.block + lane] = tile[p * pitch + lane];
        }
        __syncthreads();
    }
}

template <typename In, typename Out>
__global__ void blockedToLinearKernel(const In* input, Out* output, BlockedLayout from,
                                      ReformatTiling tiling) {
    Out* tile = reinterpret_cast<Out*>(reformatShared);
    const int pitch = tiling.lanes + 1;
    for (int64_t t = blockIdx.x; t < tiling.tiles; t += gridDim.x) {
        const ReformatTile where = reformatTile(from, tiling, t);
        const int elements = where.lanes * tiling.positions;
        const In* source =
            input +
            ((where.n * from.blocks + where.channelBlock) * from.spatial + where.firstPosition) * from.block +
            where.firstLane;
        for (int e = threadIdx.x; e < elements; e += blockDim.x) {
            const int p = e / where.lanes;
            const int lane = e % where.lanes;
            if (where.firstPosition + p < from.spatial) {
                tile[p * pitch + lane] = converted<Out>(source[p * from.block + lane]);
            }
        }
        __syncthreads();
        const int64_t firstChannel = where.channelBlock * from.block + where.firstLane;
        for (int e = threadIdx.x; e < elements; e += blockDim.x) {
            const int lane = e / tiling.positions;
            const int p = e % tiling.positions;
            const int64_t channel = firstChannel + lane;
            const int64_t s = where.firstPosition + p;
            if (channel < from.channels && s < from.spatial) {
                output[(where.n * from.channels + channel) * from.spatial + s] = tile[p * pitch + lane];
            }
        }
        __syncthreads();
    }
}

class ReformatKernel final : public KilnCudaKernel {
public:
    ReformatKernel(const Layer& layer, TensorFormat from, TensorFormat to)
        : KilnCudaKernel(layer),
          m_from(blockedLayout(layer.input(0)->dims(), from)),
          m_to(blockedLayout(layer.output(0)->dims(), to)),
          m_fromType(storageType(layer.input(0)->type(), from)),
          m_toType(storageType(layer.output(0)->type(), to)) {}

    Status run(const tactics::KernelArgs& args) const override {
        const int64_t count = m_to.batch * m_to.blocks * m_to.spatial * m_to.block;
        if (count == 0) return Status::ok();
        const std::byte* in = input(args, 0);
        std::byte* out = args.outputs[0];
        if (m_from.block == 1 && m_to.block == 1 && m_fromType == m_toType) {
            KILN_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(out, in, size_t(count) * dataTypeSize(m_toType),
                                                      cudaMemcpyDeviceToDevice, stream(args)),
                                      "copying '" + m_layer.name() + "'");
            return Status::ok();
        }
        if (m_fromType == m_toType) {
            forElementSize(dataTypeSize(m_toType), [&](auto zero) {
                using T = decltype(zero);
                launch(reinterpret_cast<const T*>(in), reinterpret_cast<T*>(out), count, stream(args));
            });
        } else if (m_fromType == DataType::Float32) {
            launch(reinterpret_cast<const float*>(in), reinterpret_cast<__half*>(out), count, stream(args));
        } else {
            launch(reinterpret_cast<const __half*>(in), reinterpret_cast<float*>(out), count, stream(args));
        }
        return launched("reformat");
    }

private:
    template <typename In, typename Out>
    void launch(const In* x, Out* y, int64_t count, cudaStream_t stream) const {
        if ((m_from.block == 1) != (m_to.block == 1)) {
            const bool toBlocked = m_from.block == 1;
            const ReformatTiling tiling = reformatTiling(toBlocked ? m_to : m_from);
            const size_t shared = size_t(tiling.positions) * size_t(tiling.lanes + 1) * sizeof(Out);
            const unsigned blocks = unsigned(std::min<int64_t>(tiling.tiles, 1 << 20));
            if (toBlocked) {
                linearToBlockedKernel<<<blocks, kThreadsPerBlock, shared, stream>>>(x, y, m_to, tiling);
            } else {
                blockedToLinearKernel<<<blocks, kThreadsPerBlock, shared, stream>>>(x, y, m_from, tiling);
            }
            return;
        }
        reformatKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream>>>(x, y, m_from, m_to, count);
    }

    BlockedLayout m_from;
    BlockedLayout m_to;
    DataType m_fromType;  // the element types in memory
    DataType m_toType;
};

// --- Offering ---------------------------------------------------------------------------------

// The tactic id of each layer kind of the family; null for the kinds outside it.
const char* shuffleTacticId(LayerKind kind) {
    switch (kind) {
        case LayerKind::Identity:
        case LayerKind::Reshape: return "kiln-cuda:copy";
        case LayerKind::Concat: return "kiln-cuda:concat";
        case LayerKind::Split: return "kiln-cuda:split";
        case LayerKind::Slice: return "kiln-cuda:slice";
        case LayerKind::Transpose: return "kiln-cuda:transpose";
        case LayerKind::Gather: return "kiln-cuda:gather";
        case LayerKind::Pad: return "kiln-cuda:pad";
        case LayerKind::Expand: return "kiln-cuda:expand";
        case LayerKind::Tile: return "kiln-cuda:tile";
        case LayerKind::DepthToSpace: return "kiln-cuda:depth-to-space";
        case LayerKind::SpaceToDepth: return "kiln-cuda:space-to-depth";
        case LayerKind::Resize: return "kiln-cuda:resize";
        case LayerKind::Reformat: return "kiln-cuda:reformat";
        default: return nullptr;
    }
}

// A channel Concat or Split of channels-last tensors, beside the linear kernels of its kind: a config
// suits one or the other.
void addChannelsLastTactic(const tactics::LayerConfig& config,
                           std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                           std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const bool concat = layer.kind() == LayerKind::Concat;
    const char* id = concat ? "kiln-cuda:concat:nhwc" : "kiln-cuda:split:nhwc";
    const int64_t axis = concat ? layer.paramsAs<ConcatParams>().axis : layer.paramsAs<SplitParams>().axis;
    if (const std::optional<std::string> refusal = channelsLastRefusal(config, axis)) {
        return skip(skipped, id, *refusal);
    }
    if (concat) {
        tactics.push_back(makeTactic<ChannelsLastConcatKernel>(id, layer, config));
    } else {
        tactics.push_back(makeTactic<ChannelsLastSplitKernel>(id, layer, config));
    }
}

}  // namespace

void addShuffleTactics(const tactics::LayerConfig& config,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const LayerKind kind = layer.kind();
    const char* id = shuffleTacticId(kind);
    if (!id) return;
    if (kind == LayerKind::Reformat) {
        if (config.inputFormats.empty() || config.outputFormats.empty() ||
            config.inputFormats[0].channelBlock < 0 || config.outputFormats[0].channelBlock < 0) {
            return skip(skipped, id, "needs an input and an output format with non-negative channel blocks");
        }
        const DataType from = storageType(layer.input(0)->type(), config.inputFormats[0]);
        const DataType to = storageType(layer.output(0)->type(), config.outputFormats[0]);
        const bool halfAndFloat = (from == DataType::Float32 && to == DataType::Float16) ||
                                  (from == DataType::Float16 && to == DataType::Float32);
        if (from != to && !halfAndFloat) {
            return skip(skipped, id,
                        std::string("converts storage between FP32 and FP16 only, not ") + toString(from) +
                            " to " + toString(to));
        }
        tactics.push_back(
            makeTactic<ReformatKernel>(id, layer, config.inputFormats[0], config.outputFormats[0]));
        return;
    }
    if (kind == LayerKind::Concat || kind == LayerKind::Split) {
        addChannelsLastTactic(config, tactics, skipped);
    }
    if (!allLinear(config)) {
        return skip(skipped, id, "needs linear tensors (only Reformat converts channel-blocked ones)");
    }
    // The kernels that index through ShapeDesc hold up to kMaxRank axes; the others flatten.
    const size_t rank = layer.output(0)->dims().size();
    const bool rankFits = rank <= size_t(kMaxRank);
    const std::string rankReason = "rank " + std::to_string(rank) + " is above " + std::to_string(kMaxRank);
    const Dims& inputDims = layer.input(0)->dims();
    const Dims& outputDims = layer.output(0)->dims();
    switch (kind) {
        case LayerKind::Identity:
        case LayerKind::Reshape: tactics.push_back(makeTactic<CopyKernel>(id, layer)); return;
        case LayerKind::Concat: tactics.push_back(makeTactic<ConcatKernel>(id, layer)); return;
        case LayerKind::Split: tactics.push_back(makeTactic<SplitKernel>(id, layer)); return;
        case LayerKind::Gather: tactics.push_back(makeTactic<GatherKernel>(id, layer)); return;
        case LayerKind::Slice:
            if (!rankFits) return skip(skipped, id, rankReason);
            tactics.push_back(makeTactic<StridedCopyKernel>(
                id, layer, sliceView(inputDims, outputDims, layer.paramsAs<SliceParams>()), "slice"));
            return;
        case LayerKind::Transpose:
            if (!rankFits) return skip(skipped, id, rankReason);
            tactics.push_back(makeTactic<StridedCopyKernel>(
                id, layer, permutedView(inputDims, layer.paramsAs<TransposeParams>().perm), "transpose"));
            return;
        case LayerKind::Expand:
            if (!rankFits) return skip(skipped, id, rankReason);
            tactics.push_back(makeTactic<StridedCopyKernel>(
                id, layer, StridedView{broadcastShape(inputDims, outputDims), 0}, "expand"));
            return;
        case LayerKind::DepthToSpace:
            tactics.push_back(makeTactic<StridedCopyKernel>(
                id, layer, depthToSpaceView(inputDims, layer.paramsAs<DepthToSpaceParams>()),
                "depth-to-space"));
            return;
        case LayerKind::SpaceToDepth:
            tactics.push_back(makeTactic<StridedCopyKernel>(
                id, layer, spaceToDepthView(inputDims, layer.paramsAs<SpaceToDepthParams>()),
                "space-to-depth"));
            return;
        case LayerKind::Pad:
            if (!rankFits) return skip(skipped, id, rankReason);
            tactics.push_back(makeTactic<PadKernel>(id, layer));
            return;
        case LayerKind::Tile:
            if (!rankFits) return skip(skipped, id, rankReason);
            tactics.push_back(makeTactic<TileKernel>(id, layer));
            return;
        case LayerKind::Resize: {
            const ResizeParams& p = layer.paramsAs<ResizeParams>();
            // Shape inference admits only FP32 and FP16 to linear interpolation.
            if (p.mode == ResizeMode::Nearest) {
                if (!rankFits) return skip(skipped, id, rankReason);
            } else if (rank > size_t(kMaxLinearResizeRank)) {
                return skip(skipped, id,
                            "linear interpolation over rank " + std::to_string(rank) + " (up to " +
                                std::to_string(kMaxLinearResizeRank) + " axes)");
            }
            tactics.push_back(makeTactic<ResizeKernel>(id, layer));
            return;
        }
        default: return;
    }
}

}  // namespace kiln::cuda
