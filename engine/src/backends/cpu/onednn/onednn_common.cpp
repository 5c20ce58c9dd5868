// The shared machinery of the oneDNN tactics: engine, descriptors, activation mapping, and the generic
// tactic and kernel that run the primitives a recipe describes. Every entry point from the tactic
// interface catches oneDNN's exceptions and returns a Status instead.
#include "backends/cpu/onednn/onednn_common.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>

#include <omp.h>

namespace kiln::cpu::onednn {

namespace {

using tactics::WeightBlob;

// Runs `fn` (returning a Result or Status) and turns any exception into an Internal or Unsupported
// status naming `what`, so that no exception crosses the tactic interface.
template <typename Fn>
auto guarded(const std::string& what, Fn fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const dnnl::error& e) {
        const bool unimplemented = e.status == dnnl_unimplemented;
        const std::string message =
            what + ": oneDNN reports '" + e.what() + "' (status " + std::to_string(int(e.status)) + ")";
        return Status(unimplemented ? StatusCode::Unsupported : StatusCode::Internal, message);
    } catch (const std::bad_alloc&) {
        return internalError(what + ": out of memory");
    } catch (const std::exception& e) {
        return internalError(what + ": " + e.what());
    } catch (...) {
        return internalError(what + ": unknown exception from oneDNN");
    }
}

// The stream a thread executes on: oneDNN streams are cheap but not free to create, and a stream must
// not be used by two threads at once, so every thread keeps its own.
dnnl::stream& threadStream() {
    thread_local dnnl::stream stream(cpuEngine());
    return stream;
}

tactics::WeightBlob signatureOf(const std::string& implementation, const std::vector<dnnl::primitive_desc>& pds);
Result<std::vector<dnnl::primitive_desc>> seekImplementation(const Recipe& recipe, const std::string& key);

// What a kernel needs to make its primitives again for another number of threads.
struct Remake {
    std::shared_ptr<const Recipe> recipe;
    std::string implementation;
    WeightBlob signature;     // the weights' layouts: primitives made again must read the same
    int64_t workspaceBytes = 0;
};

class PrimitiveKernel final : public tactics::Kernel {
public:
    // The blobs are read in place (their own 64-byte-aligned bytes, or a loaded plan's). The steps were
    // made for the calling thread's OpenMP thread count.
    PrimitiveKernel(std::vector<Step> steps, std::vector<WeightBlob> blobs, int64_t bufferBytes,
                    std::vector<size_t> constantsRead, Remake remake)
        : m_steps(std::make_shared<const std::vector<Step>>(std::move(steps))),
          m_threads(omp_get_max_threads()),
          m_blobs(std::move(blobs)),
          m_bufferBytes(bufferBytes),
          m_constantsRead(std::move(constantsRead)),
          m_remake(std::move(remake)) {}

    Status run(const tactics::KernelArgs& args) const override {
        return guarded("oneDNN kernel", [&]() -> Status {
            dnnl::stream& stream = threadStream();
            const std::shared_ptr<const std::vector<Step>> steps = stepsForThisTeam();
            for (const Step& step : *steps) {
                if (step.copyOf) {
                    const auto [input, output] = *step.copyOf;
                    if (input < args.inputs.size() && output < args.outputs.size() &&
                        static_cast<const void*>(args.inputs[input]) ==
                            static_cast<const void*>(args.outputs[output])) {
                        if (step.aliasIsCopy) continue;
                        return invalidArgument("oneDNN kernel: input " + std::to_string(input) +
                                               " and output " + std::to_string(output) +
                                               " share memory but have different formats");
                    }
                }
                std::unordered_map<int, dnnl::memory> memories;
                for (const Operand& operand : step.operands) {
                    KILN_ASSIGN_OR_RETURN(std::byte * base, pointerOf(operand, args));
                    memories.emplace(operand.arg,
                                     dnnl::memory(operand.desc, cpuEngine(), base + operand.byteOffset));
                }
                if (step.scratchpad.get_size() > 0) {
                    if (!args.workspace) {
                        return invalidArgument(
                            "oneDNN kernel: KernelArgs::workspace is null; the tactic needs its "
                            "workspaceBytes() of scratch memory");
                    }
                    memories.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(step.scratchpad, cpuEngine(),
                                                                       args.workspace + m_bufferBytes));
                }
                step.primitive.execute(stream, memories);
            }
            stream.wait();
            return Status::ok();
        });
    }

    bool readsInput(size_t index) const override {
        if (std::find(m_constantsRead.begin(), m_constantsRead.end(), index) != m_constantsRead.end()) return true;
        for (const Step& step : *m_steps) {
            if (step.copyOf && step.copyOf->first == index) return true;
            for (const Operand& operand : step.operands) {
                if (operand.source == Operand::Source::Input && operand.index == index) return true;
            }
        }
        return false;
    }

private:
    // oneDNN fixes a primitive's thread count when it is made, whatever the count when it runs: a run
    // on fewer threads (an execution context's smaller team while other programs keep cores busy) gets
    // primitives made for that count, once, reading the same weights. Where they would read them in
    // another layout or need more scratch memory, the original primitives run.
    std::shared_ptr<const std::vector<Step>> stepsForThisTeam() const {
        const int threads = omp_get_max_threads();
        if (threads == m_threads) return m_steps;
        const std::lock_guard<std::mutex> lock(m_teamsMutex);
        auto& steps = m_teams[threads];
        if (!steps) steps = remade();
        return steps;
    }

    std::shared_ptr<const std::vector<Step>> remade() const {
        auto pds = seekImplementation(*m_remake.recipe, m_remake.implementation);
        if (!pds.isOk() || signatureOf(m_remake.implementation, *pds) != m_remake.signature) return m_steps;
        auto steps = m_remake.recipe->makeSteps(*pds, m_blobs);
        if (!steps.isOk()) return m_steps;
        for (const Step& step : *steps) {
            if (m_bufferBytes + int64_t(step.scratchpad.get_size()) > m_remake.workspaceBytes) return m_steps;
        }
        return std::make_shared<const std::vector<Step>>(std::move(steps).value());
    }

    Result<std::byte*> pointerOf(const Operand& operand, const tactics::KernelArgs& args) const {
        switch (operand.source) {
            case Operand::Source::Input:
                if (operand.index >= args.inputs.size() || !args.inputs[operand.index]) {
                    return invalidArgument("oneDNN kernel: input " + std::to_string(operand.index) +
                                           " is missing from the kernel arguments");
                }
                // oneDNN memory objects take non-const handles; inputs are only ever read.
                return const_cast<std::byte*>(args.inputs[operand.index]);
            case Operand::Source::Output:
                if (operand.index >= args.outputs.size() || !args.outputs[operand.index]) {
                    return invalidArgument("oneDNN kernel: output " + std::to_string(operand.index) +
                                           " is missing from the kernel arguments");
                }
                return args.outputs[operand.index];
            case Operand::Source::Blob:
                if (operand.index >= m_blobs.size()) {
                    return internalError("oneDNN kernel: blob " + std::to_string(operand.index) +
                                         " does not exist");
                }
                return const_cast<std::byte*>(m_blobs[operand.index].data());  // oneDNN only reads weights
            case Operand::Source::Workspace:
                if (!args.workspace) {
                    return invalidArgument(
                        "oneDNN kernel: KernelArgs::workspace is null; the tactic keeps intermediate "
                        "tensors in its workspaceBytes() of scratch memory");
                }
                return args.workspace;
        }
        return internalError("oneDNN kernel: unknown operand source");
    }

    std::shared_ptr<const std::vector<Step>> m_steps;
    int m_threads = 1;  // what m_steps were made for
    std::vector<WeightBlob> m_blobs;
    int64_t m_bufferBytes = 0;  // the recipe's intermediate tensors, in front of the scratchpad
    std::vector<size_t> m_constantsRead;  // constant inputs the recipe read when it was made
    Remake m_remake;
    mutable std::mutex m_teamsMutex;
    mutable std::map<int, std::shared_ptr<const std::vector<Step>>> m_teams;  // steps per other thread count
};

// A primitive descriptor's implementations in oneDNN's order of preference, each listed once. oneDNN
// 2.6's iterator consults the primitive cache by position: once primitives of this operation have
// been created, it returns those cached descriptors first and then starts over from the top of its
// list, so an implementation can come twice and the order can change from one enumeration to the
// next. An implementation's name therefore identifies it; its position does not.
struct Implementation {
    std::string name;
    int64_t scratchpadBytes = 0;
};

std::vector<Implementation> implementationsOf(dnnl::primitive_desc pd) {
    std::vector<Implementation> result;
    if (!pd) return result;
    do {
        const std::string name = pd.impl_info_str();
        const bool seen = std::any_of(result.begin(), result.end(),
                                      [&](const Implementation& impl) { return impl.name == name; });
        if (!seen) result.push_back({name, int64_t(pd.scratchpad_desc().get_size())});
    } while (pd.next_impl());
    return result;
}

// The layout of a memory descriptor as text: what the bytes of a prepared blob mean.
std::string layoutOf(const dnnl::memory::desc& md) {
    const dnnl_memory_desc_t& d = md.data;
    std::string text = "dims";
    for (int i = 0; i < d.ndims; ++i) {
        text += " " + std::to_string(d.dims[i]) + "/" + std::to_string(d.padded_dims[i]);
    }
    text += " kind " + std::to_string(int(d.format_kind));
    if (d.format_kind == dnnl_blocked) {
        const dnnl_blocking_desc_t& b = d.format_desc.blocking;
        text += " strides";
        for (int i = 0; i < d.ndims; ++i)
            text += " " + std::to_string(b.strides[i]);
        text += " blocks";
        for (int i = 0; i < b.inner_nblks; ++i) {
            text += " " + std::to_string(b.inner_blks[i]) + "@" + std::to_string(b.inner_idxs[i]);
        }
    } else if (d.format_kind == dnnl_format_kind_wino) {
        const dnnl_wino_desc_t& w = d.format_desc.wino_desc;
        for (int64_t v :
             {int64_t(w.wino_format), int64_t(w.r), int64_t(w.alpha), int64_t(w.ic), int64_t(w.oc),
              int64_t(w.ic_block), int64_t(w.oc_block), int64_t(w.ic2_block), int64_t(w.oc2_block)}) {
            text += " " + std::to_string(v);
        }
    }
    text += " extra " + std::to_string(d.extra.flags) + " bytes " + std::to_string(md.get_size());
    return text;
}

// The first blob of every oneDNN tactic: the library, the implementation and the layout of each part's
// weights. Prepared weights are only meaningful in that layout, and a layout can change with the
// oneDNN version, the CPU or even the thread count while the byte count stays the same, so a blob
// that does not match is refused instead of being read in the wrong order.
tactics::WeightBlob signatureOf(const std::string& implementation,
                                const std::vector<dnnl::primitive_desc>& pds) {
    std::string text = libraryName() + "\n" + implementation + "\n";
    for (const dnnl::primitive_desc& pd : pds) {
        const dnnl::memory::desc weights = pd.weights_desc(0);
        text += "weights " + (weights.get_size() > 0 ? layoutOf(weights) : std::string("none")) + "\n";
    }
    const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
    return tactics::WeightBlob(bytes, bytes + text.size());
}

// oneDNN names its reference implementations "ref:any", "ref_int8:...", "lrn_ref:any", "bnorm_ref:any":
// the part before the first ':' is "ref" or has a "ref" word in it.
bool isReferenceImplementation(const std::string& key) {
    const std::string kind = key.substr(0, key.find(':'));
    return kind == "ref" || kind.rfind("ref_", 0) == 0 ||
           (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "_ref") == 0);
}

// The primitive descriptor of every part at implementation `key`.
Result<std::vector<dnnl::primitive_desc>> seekImplementation(const Recipe& recipe, const std::string& key) {
    std::vector<dnnl::primitive_desc> pds;
    for (size_t part = 0; part < recipe.partCount(); ++part) {
        dnnl::primitive_desc pd = recipe.makePd(part);
        bool found = false;
        if (pd) {
            do {
                found = pd.impl_info_str() == key;
            } while (!found && pd.next_impl());
        }
        if (!found) {
            return notFound(libraryName() + " has no '" + key + "' implementation of this " +
                            recipe.primitive() + " here (part " + std::to_string(part) +
                            "); the plan was built with another oneDNN or CPU: rebuild it on this machine");
        }
        pds.push_back(pd);
    }
    return pds;
}

class PrimitiveTactic final : public tactics::Tactic {
public:
    PrimitiveTactic(std::shared_ptr<const Recipe> recipe, std::string implementation, int64_t workspaceBytes)
        : m_recipe(std::move(recipe)),
          m_implementation(std::move(implementation)),
          m_workspaceBytes(workspaceBytes) {}

    std::string id() const override { return "onednn:" + m_recipe->primitive() + ":" + m_implementation; }
    std::string library() const override { return libraryName(); }
    int64_t workspaceBytes() const override { return m_workspaceBytes; }

    Result<std::vector<WeightBlob>> prepareWeights() const override {
        return guarded(
            "preparing weights for tactic '" + id() + "'", [&]() -> Result<std::vector<WeightBlob>> {
                KILN_ASSIGN_OR_RETURN(std::vector<dnnl::primitive_desc> pds,
                                      seekImplementation(*m_recipe, m_implementation));
                KILN_ASSIGN_OR_RETURN(std::vector<WeightBlob> blobs, m_recipe->prepareWeights(pds));
                blobs.insert(blobs.begin(), signatureOf(m_implementation, pds));
                return blobs;
            });
    }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<WeightBlob> weights) const override {
        return guarded(
            "instantiating tactic '" + id() + "'", [&]() -> Result<std::unique_ptr<tactics::Kernel>> {
                KILN_ASSIGN_OR_RETURN(std::vector<dnnl::primitive_desc> pds,
                                      seekImplementation(*m_recipe, m_implementation));
                if (weights.empty() || weights[0] != signatureOf(m_implementation, pds)) {
                    return invalidModel("the weights of tactic '" + id() +
                                        "' were prepared for another oneDNN, "
                                        "CPU or weight layout than this machine's (their first blob does not "
                                        "describe this implementation); rebuild the plan on this machine");
                }
                WeightBlob signature = std::move(weights[0]);
                weights.erase(weights.begin());
                KILN_ASSIGN_OR_RETURN(std::vector<Step> steps, m_recipe->makeSteps(pds, weights));
                const int64_t buffers = m_recipe->bufferBytes();
                for (const Step& step : steps) {
                    if (buffers + int64_t(step.scratchpad.get_size()) > m_workspaceBytes) {
                        return internalError("tactic '" + id() + "' needs " + std::to_string(buffers) +
                                             " bytes of buffers and " +
                                             std::to_string(step.scratchpad.get_size()) +
                                             " bytes of scratchpad but declared a workspace of " +
                                             std::to_string(m_workspaceBytes));
                    }
                }
                return std::unique_ptr<tactics::Kernel>(
                    std::make_unique<PrimitiveKernel>(std::move(steps), std::move(weights), buffers, m_recipe->constantsRead(),
                                                      Remake{m_recipe, m_implementation, std::move(signature), m_workspaceBytes}));
            });
    }

private:
    std::shared_ptr<const Recipe> m_recipe;
    std::string m_implementation;
    int64_t m_workspaceBytes = 0;
};

}  // namespace

const dnnl::engine& cpuEngine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

const std::string& libraryName() {
    static const std::string name = [] {
        const dnnl_version_t* version = dnnl_version();
        return "oneDNN " + std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
               std::to_string(version->patch);
    }();
    return name;
}

dnnl::memory::dims toDnnlDims(const Dims& dims) {
    if (dims.empty()) return {1};
    return dnnl::memory::dims(dims.begin(), dims.end());
}

dnnl::memory::desc plainDesc(const Dims& dims, dnnl::memory::data_type type) {
    const dnnl::memory::dims shape = toDnnlDims(dims);
    dnnl::memory::dims strides(shape.size(), 1);
    for (size_t i = shape.size(); i-- > 1;)
        strides[i - 1] = strides[i] * shape[i];
    return dnnl::memory::desc(shape, type, strides);
}

Result<dnnl::memory::desc> activationDesc(const Dims& dims, TensorFormat format,
                                          dnnl::memory::data_type type) {
    using Tag = dnnl::memory::format_tag;
    if (format.channelsLast) {
        // Dense channels-last only: a padded one would need its padded lanes kept at zero, which
        // oneDNN does not do for a strided destination.
        const size_t rank = dims.size();
        const int64_t padding = std::max(format.channelBlock, 1);
        if (rank < 3 || rank > 5) {
            return unsupported("oneDNN tactics take channels-last tensors of rank 3 to 5, not rank " +
                               std::to_string(rank));
        }
        if (dims[1] % padding != 0) {
            return unsupported("oneDNN tactics take dense channels-last tensors; " + std::to_string(dims[1]) +
                               " channels padded to a multiple of " + std::to_string(padding) + " are not");
        }
        const Tag tag = rank == 3 ? Tag::nwc : rank == 4 ? Tag::nhwc : Tag::ndhwc;
        return dnnl::memory::desc(toDnnlDims(dims), type, tag);
    }
    if (format.isLinear()) return plainDesc(dims, type);
    // Rows: ranks 3, 4, 5; columns: blocks of 4, 8, 16 channels.
    static constexpr Tag kTags[3][3] = {{Tag::nCw4c, Tag::nCw8c, Tag::nCw16c},
                                        {Tag::nChw4c, Tag::nChw8c, Tag::nChw16c},
                                        {Tag::nCdhw4c, Tag::nCdhw8c, Tag::nCdhw16c}};
    const size_t rank = dims.size();
    const int block = format.channelBlock;
    const int column = block == 4 ? 0 : block == 8 ? 1 : block == 16 ? 2 : -1;
    if (rank < 3 || rank > 5 || column < 0) {
        return unsupported("oneDNN has no layout for a rank-" + std::to_string(rank) + " tensor blocked by " +
                           std::to_string(block) + " channels (it has 4, 8 and 16 for ranks 3 to 5)");
    }
    const Tag tag = kTags[rank - 3][column];
    return dnnl::memory::desc(toDnnlDims(dims), type, tag);
}

Window windowOf(const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                const std::vector<int64_t>& dilations) {
    Window w;
    const size_t spatial = strides.size();
    for (size_t i = 0; i < spatial; ++i) {
        w.strides.push_back(strides[i]);
        w.dilates.push_back(dilations[i] - 1);
        w.padLeft.push_back(pads[i]);
        w.padRight.push_back(pads[i + spatial]);
    }
    return w;
}

Result<std::vector<EltwiseStep>> eltwiseSteps(const ActivationParams& a) {
    using A = dnnl::algorithm;
    switch (a.type) {
        case ActivationType::Relu:
            return std::vector<EltwiseStep>{{A::eltwise_relu, 0.0f, 0.0f}};
        case ActivationType::LeakyRelu:  // oneDNN's relu with alpha is x > 0 ? x : alpha * x
            return std::vector<EltwiseStep>{{A::eltwise_relu, a.alpha, 0.0f}};
        case ActivationType::Sigmoid:
            return std::vector<EltwiseStep>{{A::eltwise_logistic, 0.0f, 0.0f}};
        case ActivationType::Tanh:
            return std::vector<EltwiseStep>{{A::eltwise_tanh, 0.0f, 0.0f}};
        case ActivationType::Clip:  // oneDNN's clip is min(max(x, alpha), beta), as Kiln's
            return std::vector<EltwiseStep>{{A::eltwise_clip, a.alpha, a.beta}};
        case ActivationType::HardSigmoid:  // oneDNN 2.6 has no hardsigmoid: clip(alpha * x + beta, 0, 1)
            return std::vector<EltwiseStep>{{A::eltwise_linear, a.alpha, a.beta},
                                            {A::eltwise_clip, 0.0f, 1.0f}};
        case ActivationType::HardSwish:  // oneDNN 2.6's hardswish is x * relu6(x + 3) / 6, without parameters
            return std::vector<EltwiseStep>{{A::eltwise_hardswish, 0.0f, 0.0f}};
        case ActivationType::Elu:
            return std::vector<EltwiseStep>{{A::eltwise_elu, a.alpha, 0.0f}};
        case ActivationType::Selu:  // beta * elu_alpha(x): oneDNN 2.6 has no selu
            return std::vector<EltwiseStep>{{A::eltwise_elu, a.alpha, 0.0f},
                                            {A::eltwise_linear, a.beta, 0.0f}};
        case ActivationType::Softplus:  // soft_relu is log(1 + exp(x))
            return std::vector<EltwiseStep>{{A::eltwise_soft_relu, 0.0f, 0.0f}};
        case ActivationType::Gelu:
            return std::vector<EltwiseStep>{{A::eltwise_gelu_erf, 0.0f, 0.0f}};
        case ActivationType::GeluTanh:
            return std::vector<EltwiseStep>{{A::eltwise_gelu_tanh, 0.0f, 0.0f}};
    }
    return unsupported(std::string("activation ") + toString(a.type) + " has no oneDNN eltwise form");
}

void appendEltwise(dnnl::post_ops& ops, const std::vector<EltwiseStep>& steps) {
    for (const EltwiseStep& step : steps)
        ops.append_eltwise(1.0f, step.algorithm, step.alpha, step.beta);
}

dnnl::primitive_attr makeAttr(const dnnl::post_ops& ops) {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_post_ops(ops);
    return attr;
}

Result<std::vector<WeightBlob>> Recipe::prepareWeights(const std::vector<dnnl::primitive_desc>&) const {
    return std::vector<WeightBlob>{};
}

void enumerateImplementations(const std::shared_ptr<const Recipe>& recipe,
                              std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                              std::vector<tactics::SkippedTactic>& skipped) {
    const std::string prefix = "onednn:" + recipe->primitive();
    Status status = guarded("describing the layer to oneDNN", [&]() -> Status {
        // Implementations every part has, in the first part's order, with the largest scratchpad.
        std::vector<Implementation> common = implementationsOf(recipe->makePd(0));
        for (size_t part = 1; part < recipe->partCount(); ++part) {
            const std::vector<Implementation> others = implementationsOf(recipe->makePd(part));
            std::vector<Implementation> kept;
            for (Implementation impl : common) {
                auto match = std::find_if(others.begin(), others.end(),
                                          [&](const Implementation& o) { return o.name == impl.name; });
                if (match == others.end()) continue;
                impl.scratchpadBytes = std::max(impl.scratchpadBytes, match->scratchpadBytes);
                kept.push_back(impl);
            }
            common = std::move(kept);
        }
        if (common.empty()) {
            skipped.push_back({prefix, libraryName(), "oneDNN has no implementation of this configuration"});
        }
        for (const Implementation& impl : common) {
            if (isReferenceImplementation(impl.name)) {
                skipped.push_back({prefix + ":" + impl.name, libraryName(), kReferenceImplementationReason});
            } else {
                tactics.push_back(std::make_unique<PrimitiveTactic>(
                    recipe, impl.name, recipe->bufferBytes() + impl.scratchpadBytes));
            }
        }
        return Status::ok();
    });
    if (!status) skipped.push_back({prefix, libraryName(), status.message()});
}

Result<std::vector<Step>> SimpleRecipe::makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                                  const std::vector<WeightBlob>& blobs) const {
    if (!blobs.empty()) return invalidModel("the oneDNN " + m_primitive + " tactic takes no weight blobs");
    const dnnl::primitive_desc& pd = pds[0];
    Step step;
    step.primitive = dnnl::primitive(pd);
    step.operands.push_back({DNNL_ARG_SRC, pd.src_desc(0), Operand::Source::Input, m_sourceInput});
    step.operands.push_back({DNNL_ARG_DST, pd.dst_desc(0), Operand::Source::Output, 0});
    step.operands.insert(step.operands.end(), m_extraOperands.begin(), m_extraOperands.end());
    step.scratchpad = pd.scratchpad_desc();
    std::vector<Step> steps;
    steps.push_back(std::move(step));
    return steps;
}

void enumerateRecipe(const std::string& primitive, const tactics::LayerConfig& config,
                     const RecipeFactory& make, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped) {
    if (std::optional<std::string> refusal = commonRefusal(config)) return skip(primitive, *refusal, skipped);
    enumerateCheckedRecipe(primitive, config, make, tactics, skipped);
}

void enumerateCheckedRecipe(const std::string& primitive, const tactics::LayerConfig& config,
                            const RecipeFactory& make, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                            std::vector<tactics::SkippedTactic>& skipped) {
    Result<std::shared_ptr<const Recipe>> recipe =
        guarded("describing the layer to oneDNN",
                [&]() -> Result<std::shared_ptr<const Recipe>> { return make(config); });
    if (!recipe) return skip(primitive, recipe.status().message(), skipped);
    enumerateImplementations(*recipe, tactics, skipped);
}

void skip(const std::string& primitive, const std::string& reason,
          std::vector<tactics::SkippedTactic>& skipped) {
    skipped.push_back({"onednn:" + primitive, libraryName(), reason});
}

std::optional<std::string> commonRefusal(const tactics::LayerConfig& config) {
    if (config.precision != DataType::Float32) {
        return std::string("runs FP32 only, not ") + toString(config.precision);
    }
    const Layer& layer = *config.layer;
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.inputs()[i];
        if (!input) continue;
        if (input->type() != DataType::Float32) {
            return "needs FP32 tensors; input " + std::to_string(i) + " is " + toString(input->type());
        }
        if (volume(input->dims()) == 0) return "input " + std::to_string(i) + " is empty";
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        const Tensor* output = layer.outputs()[i];
        if (output->type() != DataType::Float32) {
            return "needs FP32 tensors; output " + std::to_string(i) + " is " + toString(output->type());
        }
        if (volume(output->dims()) == 0) return "output " + std::to_string(i) + " is empty";
    }
    if (config.inputFormats.size() != layer.inputs().size() ||
        config.outputFormats.size() != layer.outputs().size()) {
        return "the configuration lists " + std::to_string(config.inputFormats.size()) + " input and " +
               std::to_string(config.outputFormats.size()) + " output formats for a layer with " +
               std::to_string(layer.inputs().size()) + " inputs and " +
               std::to_string(layer.outputs().size()) + " outputs";
    }
    return std::nullopt;
}

Status checkBlobSize(const WeightBlob& blob, size_t bytes, const std::string& what) {
    if (blob.size() != bytes) {
        return invalidModel(what + " holds " + std::to_string(blob.size()) +
                            " bytes; the oneDNN implementation " + "needs " + std::to_string(bytes) +
                            " (the plan is damaged or from another build)");
    }
    return Status::ok();
}

WeightBlob reorderToBlob(const void* source, const dnnl::memory::desc& sourceDesc,
                         const dnnl::memory::desc& targetDesc) {
    WeightBlob blob(targetDesc.get_size());
    dnnl::memory from(sourceDesc, cpuEngine(), const_cast<void*>(source));
    dnnl::memory to(targetDesc, cpuEngine(), blob.mutableData());
    dnnl::stream stream(cpuEngine());
    dnnl::reorder(from, to).execute(stream, from, to);
    stream.wait();
    return blob;
}

}  // namespace kiln::cpu::onednn
