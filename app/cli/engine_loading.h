// The engine that `run` and `profile` execute and the values they feed it. A path names either a plan
// (recognized by its magic bytes, whatever the file is called) or an ONNX model, which is imported and
// built in memory. Inputs come from .npy files, checked against the engine's bindings before anything
// runs, or are seeded random values so that two runs see the same data.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kiln/builder.h"
#include "kiln/plan.h"
#include "file_output.h"
#include "kiln/runtime.h"
#include "options.h"
#include "text_table.h"

namespace kiln::cli {

// Checks --shapes against a plan, whose input shapes were fixed when it was built: every name must be
// an input binding and every shape must equal the binding's.
Status checkShapesAgainstPlan(const Engine& engine, const ShapeMap& shapes);

struct EngineRequest {
    std::string path;
    std::string weights;  // a Caffe net's caffemodel (path is then its prototxt); empty otherwise
    ShapeMap shapes;
    std::vector<InputFile> inputFiles;
    bool enableFusion = true;
    BuilderOptions builder;
};

// One optimization profile in which every input of `shapes` is fixed at its shape (a shape tensor at
// its values): how a model with shape tensors is built for --shapes.
OptimizationProfile fixedProfile(const ShapeMap& shapes);

// The builder configuration the command line asked for.
BuilderConfig builderConfig(bool enableFusion, const BuilderOptions& timing);

// The cache files a build reads and writes back (--timingCacheFile, --calibCache), for checkDistinctPaths.
std::vector<NamedPath> builderCachePaths(const BuilderOptions& options);

struct PreparedEngine {
    std::shared_ptr<Engine> engine;
    bool fromPlan = false;
    TensorMap inputs;  // one value per input binding
    TextTable inputTable{{"Input", "Type", "Dims", "Values"}};
    std::shared_ptr<ILogger> logger;  // the runtime's log for contexts (--verbose, --quiet)
};

// Loads or builds the engine `request` names and reads or generates its inputs. On failure prints the
// error and returns its exit code (kExitUsage for a command line that cannot work, kExitFailure for a
// bad file or a failed build); returns kExitSuccess otherwise.
// A context for the prepared engine with the prepared inputs' shapes set and derived (for a plan with
// dynamic shapes), so that the first timed run does not pay for deriving its shape.
Result<std::unique_ptr<ExecutionContext>> createContext(const PreparedEngine& prepared);

int prepareEngine(const EngineRequest& request, PreparedEngine& prepared);

// The items one inference carries, for throughput: the leading dimension of the network's first
// input as prepared, where that input has a batch axis (rank 2 or more); 1 otherwise.
int64_t batchOf(const PreparedEngine& prepared);


}  // namespace kiln::cli
