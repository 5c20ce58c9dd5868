// Tactics: one way to run one (fused) layer on one backend. The builder asks every provider of the
// backend for the tactics that can run a layer with the formats the builder chose, times each on dummy
// data, keeps the fastest and records every candidate. A tactic prepares the layer's weights once at
// build time (e.g. reordered into the blocked layout its kernel reads); the prepared bytes are stored
// in the plan, and loading a plan recreates the same tactic by id from them without timing again.
//
// Lifetimes: a Tactic is created for one LayerConfig and lives no longer than the layer. A Kernel may
// keep references to its layer and the layer's constants: the Engine that owns the kernel owns the
// network too. A Kernel is shared by the engine's execution contexts, so run() must be safe to call
// concurrently (per-run scratch memory comes from the workspace argument, private to one context).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln::backends {
class Stream;
}

namespace kiln::tactics {

// What a tactic is asked to run: a layer of the optimized network with the formats of its tensors.
// The formats are the tensors' own (Tensor::format()); they are repeated here so that a tactic never
// needs to look anywhere else. Constant inputs are always linear.
struct LayerConfig {
    const Layer* layer = nullptr;
    std::vector<TensorFormat> inputFormats;   // one per layer input (linear for absent and constant ones)
    std::vector<TensorFormat> outputFormats;  // one per layer output
    // The reduced precision the builder chose (the storage type of the first output), else FP32.
    DataType precision = DataType::Float32;
    // Whether FP32 layers may use TF32 tensor-core math (--tf32). Tactics that do have ids of their own,
    // so a plan recreates them whatever this says.
    bool allowTf32 = false;

    static LayerConfig of(const Layer& layer);  // the formats as the tensors have them now
};

// Whether any tensor of `config` is stored in another type than its own (FP16 storage of an FP32
// tensor): providers whose kernels read and write tensors in their own types offer nothing then.
bool storesReducedPrecision(const LayerConfig& config);

// Bytes a tactic derives from the layer's weights at build time; stored in the plan as they are. A
// blob is immutable once prepared, so copies share its bytes: either its own (64-byte aligned, as
// kernels read them in place) or a loaded plan's, read in place and kept alive by the blob.
class WeightBlob {
public:
    WeightBlob() = default;
    explicit WeightBlob(size_t size);                          // its own zeroed bytes, to be filled once
    WeightBlob(const std::byte* first, const std::byte* last);  // its own copy of [first, last)
    // Bytes that `owner` holds (such as a loaded plan's), not copied.
    static WeightBlob view(const std::byte* data, size_t size, std::shared_ptr<const void> owner);

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const std::byte* data() const { return m_data; }
    // Writable bytes while the blob is being filled: a blob with its own bytes, before any copy (null
    // for a view).
    std::byte* mutableData();
    bool operator==(const WeightBlob& other) const;

private:
    std::shared_ptr<const void> m_owner;
    const std::byte* m_data = nullptr;
    size_t m_size = 0;
    bool m_ownsBytes = false;
};

// Memory for one run of a kernel. Inputs and outputs point at the first byte of each tensor in its
// format, in the backend's memory (device memory for "cuda"). Absent optional inputs are null.
// Constant inputs point at the constant's linear data in host memory: CPU kernels with prepared
// weights usually ignore those, and device kernels never read them (they read the copies they made
// when they were instantiated).
struct KernelArgs {
    std::vector<const std::byte*> inputs;
    std::vector<std::byte*> outputs;
    std::byte* workspace = nullptr;  // workspaceBytes() bytes, 64-byte aligned; private to the caller
    // The queue to issue work to; kernels of a device backend return once their work is issued. Null
    // for the CPU backend, whose kernels run when called.
    backends::Stream* stream = nullptr;
};

class Kernel {
public:
    virtual ~Kernel() = default;
    virtual Status run(const KernelArgs& args) const = 0;
    // Whether run() reads input `index` (through KernelArgs::inputs or the layer). A kernel whose
    // prepared weights replace a constant input says false for it, and a plan then stores only that
    // constant's shape.
    virtual bool readsInput(size_t index) const {
        (void)index;
        return true;
    }
};

class Tactic {
public:
    virtual ~Tactic() = default;
    // Stable and unique within the backend: "onednn:convolution:jit:avx512_core", "reference:naive".
    virtual std::string id() const = 0;
    // Where the kernel comes from, with the version when it is a library: "oneDNN 2.6.3", "Kiln".
    virtual std::string library() const = 0;
    // Scratch memory one run needs.
    virtual int64_t workspaceBytes() const { return 0; }
    // Derives the weight blobs the kernel reads; none by default.
    virtual Result<std::vector<WeightBlob>> prepareWeights() const { return std::vector<WeightBlob>{}; }
    // A kernel ready to run, from blobs prepareWeights() made (now or in an earlier build, read back
    // from a plan: check their sizes, never trust them).
    virtual Result<std::unique_ptr<Kernel>> instantiate(std::vector<WeightBlob> weights) const = 0;
};

// A tactic that could not be offered, and why ("needs NCHW layout", "groups > 1").
struct SkippedTactic {
    std::string id;
    std::string library;
    std::string reason;
};

// A family of tactics: the reference kernels, oneDNN, Kiln's own CPU kernels, later cuDNN/cuBLASLt.
class TacticProvider {
public:
    virtual ~TacticProvider() = default;
    virtual std::string name() const = 0;  // the id prefix of its tactics: "onednn", "kiln"
    // Appends the tactics that can run `config`; appends to `skipped` those it has for this kind of
    // layer but that cannot run this configuration, with the reason. Appends nothing for layer kinds
    // it does not handle at all.
    virtual void enumerate(const LayerConfig& config, std::vector<std::unique_ptr<Tactic>>& tactics,
                           std::vector<SkippedTactic>& skipped) const = 0;
    // Recreates the tactic `id` for `config` (plan loading, timing-cache hits). NotFound when this
    // provider has no such tactic for the configuration.
    virtual Result<std::unique_ptr<Tactic>> find(const LayerConfig& config, const std::string& id) const;
};

// The provider whose tactics' ids start with "<name>:"; null when none.
const TacticProvider* providerOf(const std::vector<const TacticProvider*>& providers, const std::string& tacticId);

// The channel block the CPU backend lays activations out in: 16 with AVX-512, 8 with AVX2, 0 (linear
// only) otherwise.
int preferredCpuChannelBlock();

}  // namespace kiln::tactics
