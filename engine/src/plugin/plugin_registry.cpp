// The global plugin registry and the loader of plugin libraries (kiln/plugin.h). Libraries stay
// loaded for the life of the process: their creators, and the plugins those made, live in them.
#include <dlfcn.h>

#include <algorithm>
#include <filesystem>

#include "kiln/plugin.h"

namespace kiln {

namespace {

bool sameKey(const PluginCreator& creator, const std::string& name, const std::string& version,
             const std::string& pluginNamespace) {
    return creator.name() == name && creator.version() == version &&
           creator.pluginNamespace() == pluginNamespace;
}

// Numeric versions compare as numbers ("10" after "9"), others as text.
bool versionAfter(const std::string& a, const std::string& b) {
    const bool numeric = !a.empty() && !b.empty() && a.find_first_not_of("0123456789") == std::string::npos &&
                         b.find_first_not_of("0123456789") == std::string::npos && a.size() < 10 &&
                         b.size() < 10;
    if (numeric) return std::stol(a) > std::stol(b);
    return a > b;
}

std::string origin(const std::string& library) {
    return library.empty() ? "registered by code" : "from " + library;
}

}  // namespace

PluginRegistry& PluginRegistry::global() {
    static PluginRegistry registry;
    return registry;
}

Status PluginRegistry::add(std::shared_ptr<const PluginCreator> creator, const std::string& library) {
    if (!creator) return invalidArgument("cannot register a null plugin creator");
    const std::string name = creator->name();
    const std::string version = creator->version();
    const std::string ns = creator->pluginNamespace();
    if (name.empty() || version.empty()) {
        return invalidArgument("a plugin creator " + origin(library) + " has an empty name or version");
    }
    std::lock_guard lock(m_mutex);
    for (const Entry& entry : m_entries) {
        if (!sameKey(*entry.creator, name, version, ns)) continue;
        if (entry.creator.get() == creator.get()) return Status::ok();
        return invalidArgument("plugin " + pluginKey(name, version, ns) + " " + origin(library) +
                               " is already registered (" + origin(entry.library) +
                               "); load only one library that provides it");
    }
    m_entries.push_back({std::move(creator), library});
    return Status::ok();
}

bool PluginRegistry::remove(const std::string& name, const std::string& version,
                            const std::string& pluginNamespace) {
    std::lock_guard lock(m_mutex);
    auto it = std::find_if(m_entries.begin(), m_entries.end(), [&](const Entry& e) {
        return sameKey(*e.creator, name, version, pluginNamespace);
    });
    if (it == m_entries.end()) return false;
    m_entries.erase(it);
    return true;
}

std::shared_ptr<const PluginCreator> PluginRegistry::find(const std::string& name, const std::string& version,
                                                          const std::string& pluginNamespace) const {
    std::lock_guard lock(m_mutex);
    for (const Entry& entry : m_entries) {
        if (sameKey(*entry.creator, name, version, pluginNamespace)) return entry.creator;
    }
    return nullptr;
}

std::vector<std::shared_ptr<const PluginCreator>> PluginRegistry::findAll(
    const std::string& name, const std::string& pluginNamespace) const {
    std::vector<std::shared_ptr<const PluginCreator>> found;
    {
        std::lock_guard lock(m_mutex);
        for (const Entry& entry : m_entries) {
            if (entry.creator->name() == name && entry.creator->pluginNamespace() == pluginNamespace) {
                found.push_back(entry.creator);
            }
        }
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return versionAfter(a->version(), b->version()); });
    return found;
}

std::vector<PluginRegistry::Entry> PluginRegistry::list() const {
    std::lock_guard lock(m_mutex);
    return m_entries;
}

std::vector<std::string> PluginRegistry::libraries() const {
    std::lock_guard lock(m_mutex);
    return m_libraryNames;
}

Status PluginRegistry::loadLibrary(const std::string& path) {
    std::error_code error;
    if (path.empty()) return invalidArgument("empty plugin library path; give the path of a .so file");
    if (!std::filesystem::is_regular_file(path, error)) {
        return notFound("plugin library '" + path +
                        "' does not exist or is not a file; check the path given to --plugins");
    }
    const std::string canonical = std::filesystem::canonical(path, error).string();
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [loaded, handle] : m_libraries) {
            if (loaded == canonical) return Status::ok();
        }
    }
    // RTLD_LOCAL keeps one library's symbols from resolving another's; RTLD_NOW reports a missing
    // symbol here rather than at the first call.
    void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* reason = dlerror();
        return invalidArgument("cannot load plugin library '" + path +
                               "': " + (reason ? reason : "unknown error"));
    }
    dlerror();
    auto entry = reinterpret_cast<PluginEntryPoint>(dlsym(handle, KILN_PLUGIN_ENTRY_POINT));
    if (!entry) {
        dlclose(handle);
        return invalidArgument("'" + path + "' is not a Kiln plugin library: it does not export " +
                               KILN_PLUGIN_ENTRY_POINT +
                               " (define it with KILN_PLUGIN_EXPORT_CREATORS, kiln/plugin.h)");
    }
    int32_t count = 0;
    PluginCreator* const* creators = nullptr;
    const int32_t libraryVersion = entry(kPluginApiVersion, &count, &creators);
    if (libraryVersion != kPluginApiVersion) {
        dlclose(handle);
        return unsupported("plugin library '" + path + "' was built for Kiln plugin API version " +
                           std::to_string(libraryVersion) + "; this Kiln has plugin API version " +
                           std::to_string(kPluginApiVersion) +
                           ": rebuild the library against this Kiln's kiln/plugin.h");
    }
    if (count < 0 || (count > 0 && !creators)) {
        dlclose(handle);
        return invalidArgument("plugin library '" + path + "' returned " + std::to_string(count) +
                               " creators without a list");
    }
    // Check every key before registering any, so that a refused library leaves the registry as it was.
    std::vector<std::shared_ptr<const PluginCreator>> owned;
    for (int32_t i = 0; i < count; ++i) {
        if (!creators[i]) {
            dlclose(handle);
            return invalidArgument("plugin library '" + path + "': creator " + std::to_string(i) +
                                   " is null");
        }
        // The library owns its creators; the registry only refers to them.
        owned.emplace_back(creators[i], [](const PluginCreator*) {});
    }
    std::lock_guard lock(m_mutex);
    for (const auto& creator : owned) {
        for (const Entry& existing : m_entries) {
            if (sameKey(*existing.creator, creator->name(), creator->version(), creator->pluginNamespace())) {
                // The message first: the creator's code goes with the library.
                const Status refused = invalidArgument(
                    "plugin " + pluginKey(creator->name(), creator->version(), creator->pluginNamespace()) +
                    " from " + path + " is already registered (" + origin(existing.library) +
                    "); load only one library that provides it");
                owned.clear();
                dlclose(handle);
                return refused;
            }
        }
    }
    for (auto& creator : owned)
        m_entries.push_back({std::move(creator), path});
    m_libraries.emplace_back(canonical, handle);
    m_libraryNames.push_back(path);
    return Status::ok();
}

Status loadPluginLibraries(const std::vector<std::string>& paths) {
    for (const std::string& path : paths)
        KILN_RETURN_IF_ERROR(PluginRegistry::global().loadLibrary(path));
    return Status::ok();
}

}  // namespace kiln
