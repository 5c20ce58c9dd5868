// Plugin layers: custom layers that code outside Kiln implements, as TensorRT's IPluginV2DynamicExt,
// IPluginCreator and plugin registry do. A PluginCreator, known by name, version and namespace, makes
// Plugin instances from typed fields (an imported node's attributes) or from the bytes a plan stored.
// A Plugin answers for its outputs' types and shapes, the precisions it runs, its workspace, and runs
// on the CPU (enqueue) and optionally on a CUDA stream (enqueueCuda). Creators live in the global
// PluginRegistry, registered by code or by loading a plugin library: a shared library that exports
// KILN_PLUGIN_ENTRY_POINT (define it with KILN_PLUGIN_EXPORT_CREATORS). The interface is versioned by
// kPluginApiVersion; a library built against another version is refused, naming both.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// The version of this interface. Any change to the classes below that breaks a compiled plugin
// library raises it.
inline constexpr int32_t kPluginApiVersion = 1;

// The C function a plugin library exports, and its signature: it returns the API version the library
// was built against and, when `apiVersion` (the loader's) equals it, sets *count and *creators to the
// library's creators, which live as long as the library stays loaded.
#define KILN_PLUGIN_ENTRY_POINT "kilnGetPluginCreators"

enum class PluginFieldType : uint8_t { Int, Float, String, Ints, Floats };
const char* toString(PluginFieldType type);  // "int", "float", "string", "ints", "floats"

// One named, typed value: a node attribute on its way to a creator. Int and Ints keep their values in
// `ints` (one for Int), Float and Floats in `floats`, String in `text`.
struct PluginField {
    std::string name;
    PluginFieldType type = PluginFieldType::Int;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::string text;

    // Inline, so that a plugin library uses them without linking libkiln.
    static PluginField ofInt(std::string name, int64_t value) {
        return {std::move(name), PluginFieldType::Int, {value}, {}, {}};
    }
    static PluginField ofFloat(std::string name, float value) {
        return {std::move(name), PluginFieldType::Float, {}, {value}, {}};
    }
    static PluginField ofString(std::string name, std::string value) {
        return {std::move(name), PluginFieldType::String, {}, {}, std::move(value)};
    }
    static PluginField ofInts(std::string name, std::vector<int64_t> values) {
        return {std::move(name), PluginFieldType::Ints, std::move(values), {}, {}};
    }
    static PluginField ofFloats(std::string name, std::vector<float> values) {
        return {std::move(name), PluginFieldType::Floats, {}, std::move(values), {}};
    }

    bool operator==(const PluginField& other) const = default;
};
using PluginFields = std::vector<PluginField>;

// The functions below are libkiln's: code linked with it (plugins registered by code) may call them; a
// plugin library cannot count on the loading process to export them, and the sample libraries do not.

// The field named `name`, or null.
const PluginField* findField(const PluginFields& fields, const std::string& name);
// "alpha=0.5 axes=[1,2] mode=\"fast\"": the fields as reports and the workbench show them.
std::string describeFields(const PluginFields& fields);
// The fields as bytes and back; the reader checks every size against the bytes it has and says which
// field is damaged: a serialize() and deserialize() pair for plugins registered by code.
std::vector<uint8_t> serializeFields(const PluginFields& fields);
Result<PluginFields> deserializeFields(const std::vector<uint8_t>& bytes);

// A field a creator accepts: its name and type.
struct PluginFieldSpec {
    std::string name;
    PluginFieldType type = PluginFieldType::Float;
};

// What one run of a plugin gets: every non-constant and constant input and every output, linear
// (row-major) in `types` (the storage type: the precision the tactic runs, or the tensor's own type
// for non-floating-point tensors), and the workspace (workspaceBytes() bytes, 64-byte aligned). Device
// pointers for enqueueCuda, host pointers for enqueue. Absent optional inputs are null.
struct PluginTensors {
    std::vector<TensorDesc> inputDescs;
    std::vector<const void*> inputs;
    std::vector<TensorDesc> outputDescs;
    std::vector<void*> outputs;
    void* workspace = nullptr;
};

class Plugin {
public:
    virtual ~Plugin() = default;

    // The creator's key: what the plan records and what the registry finds the creator by.
    virtual std::string name() const = 0;
    virtual std::string version() const = 0;
    virtual std::string pluginNamespace() const = 0;
    // The fields the plugin was made with (for describeParams and the workbench).
    virtual PluginFields fields() const = 0;

    virtual int32_t outputCount() const = 0;
    // The outputs' types and shapes for inputs of these types and shapes, or which input is wrong.
    virtual Result<std::vector<TensorDesc>> outputDescs(const std::vector<TensorDesc>& inputs) const = 0;
    // The precisions the plugin runs its floating-point tensors in, all linear; Float32 at least.
    // Builds offer one tactic per precision listed here.
    virtual std::vector<DataType> supportedPrecisions() const { return {DataType::Float32}; }
    virtual int64_t workspaceBytes(const std::vector<TensorDesc>& inputs) const {
        (void)inputs;
        return 0;
    }

    // Runs on the CPU. Engines share a plugin between execution contexts: enqueue must be safe to call
    // concurrently (keep per-run state in the workspace).
    virtual Status enqueue(const PluginTensors& tensors) const = 0;
    // Whether enqueueCuda runs; a plugin without it is refused by CUDA builds with the reason.
    virtual bool hasCudaEnqueue() const { return false; }
    // Issues the work to `cudaStream` (a cudaStream_t) and returns.
    virtual Status enqueueCuda(const PluginTensors& tensors, void* cudaStream) const {
        (void)tensors;
        (void)cudaStream;
        return unsupported("plugin " + pluginNamespace() + "::" + name() + " has no CUDA implementation");
    }

    // The bytes its creator's deserialize() makes the same plugin from.
    virtual std::vector<uint8_t> serialize() const = 0;
    virtual std::unique_ptr<Plugin> clone() const = 0;
};

class PluginCreator {
public:
    virtual ~PluginCreator() = default;
    virtual std::string name() const = 0;
    virtual std::string version() const = 0;
    virtual std::string pluginNamespace() const = 0;
    virtual std::vector<PluginFieldSpec> fieldSpecs() const = 0;
    // Whether parsers use this creator for nodes of an operator Kiln imports itself (a replacement of a
    // built-in layer). Without it, a creator is used only for operators Kiln does not know.
    virtual bool replacesBuiltin() const { return false; }
    // A plugin for layer `layerName` from these fields; errors name the field at fault.
    virtual Result<std::unique_ptr<Plugin>> create(const std::string& layerName,
                                                   const PluginFields& fields) const = 0;
    virtual Result<std::unique_ptr<Plugin>> deserialize(const std::string& layerName,
                                                        const std::vector<uint8_t>& bytes) const = 0;
};

using PluginEntryPoint = int32_t (*)(int32_t apiVersion, int32_t* count, PluginCreator* const** creators);

// "com.example::ScaledSoftsign v1" (no "::" with an empty namespace).
std::string pluginKey(const std::string& name, const std::string& version,
                      const std::string& pluginNamespace);

// The creators a process knows, by name, version and namespace. Thread-safe.
class PluginRegistry {
public:
    static PluginRegistry& global();

    // Registers `creator`; `library` says where it came from (empty: registered by code). A creator with
    // the same key is an error naming both origins, unless it is the very same object (loading a
    // library twice).
    Status add(std::shared_ptr<const PluginCreator> creator, const std::string& library = {});
    // Removes the creator with this key; false when there is none.
    bool remove(const std::string& name, const std::string& version, const std::string& pluginNamespace);
    // The creator with this key, or null.
    std::shared_ptr<const PluginCreator> find(const std::string& name, const std::string& version,
                                              const std::string& pluginNamespace) const;
    // Creators whose name is `name` in `pluginNamespace`, any version, highest version first.
    std::vector<std::shared_ptr<const PluginCreator>> findAll(const std::string& name,
                                                              const std::string& pluginNamespace) const;
    struct Entry {
        std::shared_ptr<const PluginCreator> creator;
        std::string library;
    };
    std::vector<Entry> list() const;

    // Loads a plugin library (dlopen) and registers its creators. Loading the same file again does
    // nothing. A missing file, a missing entry point, another API version or a duplicate key is an
    // error naming the library.
    Status loadLibrary(const std::string& path);
    // The libraries loaded so far, as given to loadLibrary.
    std::vector<std::string> libraries() const;

private:
    mutable std::mutex m_mutex;
    std::vector<Entry> m_entries;
    std::vector<std::pair<std::string, void*>> m_libraries;  // canonical path, dlopen handle
    std::vector<std::string> m_libraryNames;
};

// Loads every library of `paths` in order into the global registry; stops at the first error.
Status loadPluginLibraries(const std::vector<std::string>& paths);

}  // namespace kiln

// Defines the entry point of a plugin library returning the creators listed (pointers to objects that
// live as long as the library, such as function-local statics).
#define KILN_PLUGIN_EXPORT_CREATORS(...)                                               \
    extern "C" __attribute__((visibility("default"))) int32_t kilnGetPluginCreators(   \
        int32_t apiVersion, int32_t* count, ::kiln::PluginCreator* const** creators) { \
        static ::kiln::PluginCreator* const list[] = {__VA_ARGS__};                    \
        if (apiVersion != ::kiln::kPluginApiVersion) return ::kiln::kPluginApiVersion; \
        *count = int32_t(sizeof(list) / sizeof(list[0]));                              \
        *creators = list;                                                              \
        return ::kiln::kPluginApiVersion;                                              \
    }
