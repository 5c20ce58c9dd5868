// The timing cache: what each candidate tactic cost for a layer signature (kind, parameters, shapes,
// formats, precision) on one device with one Kiln version, kept in a file between builds so that a
// rebuild skips timing. A file that cannot be used (missing, corrupt, foreign, stale) is reported as a
// warning and replaced when the build saves the cache; it never stops a build or decides a tactic.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/network.h"
#include "kiln/status.h"

namespace kiln::builder {

// What decides a layer's timings: kind, parameters, input and output types, shapes and formats
// (weights by shape only), precision.
std::string layerSignature(const Layer& layer, DataType precision);

class TimingCache {
public:
    struct Entry {
        std::string chosen;
        std::vector<TacticCandidate> candidates;
        bool fromThisBuild = false;  // stored by this process, not read from a file
        int64_t timingBatch = 0;     // the batch the candidates ran at, when not the layer's own
    };

    // An empty cache for `device` (a device fingerprint).
    explicit TimingCache(std::string device) : m_device(std::move(device)) {}

    // Reads `path`; anything that keeps it from being used is appended to `warnings` and the cache
    // starts empty. A missing file is no warning (the first build makes it).
    static TimingCache load(const std::string& path, const std::string& device, std::vector<std::string>& warnings);

    // Writes every entry atomically.
    Status save(const std::string& path) const;

    const Entry* find(const std::string& signature) const;
    void store(const std::string& signature, Entry entry);

    size_t size() const { return m_entries.size(); }
    bool isModified() const { return m_modified; }

    // The bytes save() writes (for tests that corrupt them).
    std::string serialize() const;

private:
    std::string m_device;
    std::map<std::string, Entry> m_entries;
    bool m_modified = false;
};

}  // namespace kiln::builder
