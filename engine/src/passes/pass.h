// The shape every optimization pass has: a function that first matches read-only, then rewrites, and
// records each change it makes. A pattern that does not fit leaves the network untouched and is not
// an error; an error means the network could not be rewritten consistently.
#pragma once

#include <string>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/message.h"
#include "kiln/network.h"
#include "kiln/status.h"

namespace kiln::passes {

class PassLog {
public:
    explicit PassLog(std::string pass, std::vector<PassChange>& changes)
        : m_pass(std::move(pass)), m_changes(changes) {}

    // A change is told as a catalogued message (kiln/message.h): its text is the description, its id and
    // arguments go along so that the workbench can show it in the user's language.
    void record(Message message, std::vector<std::string> resultingLayers) {
        m_changes.push_back({m_pass, std::move(message.text), std::move(resultingLayers), std::move(message.id),
                             std::move(message.args)});
    }

private:
    std::string m_pass;
    std::vector<PassChange>& m_changes;
};

using PassFunction = Status (*)(NetworkDefinition& network, PassLog& log);

struct PassEntry {
    const char* name;  // "batch-norm folding"
    PassFunction run;
};

// The ordered list of passes a build runs (pipeline.cpp): with fusion off, only the passes that
// execution needs.
// `channelSlices`: whether a channel range of an activation is contiguous memory in the build's
// preferred layout (false for channels-last), which horizontal fusion and concat elimination need.
// The fused layers only some backends run; their passes run only where the build's backend does.
struct BackendFusions {
    bool attention = false;        // Attention layers (attention fusion)
    bool matMulEpilogues = false;  // MatMul with a bias, residual or activation (MatMul epilogue fusion)
};
std::vector<PassEntry> optimizationPipeline(bool enableFusion, bool channelSlices = true, BackendFusions fusions = {});

}  // namespace kiln::passes
