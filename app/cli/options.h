// Command-line parsing for the `kiln` command: the options of each command, their help texts, and the
// parsing of flag values (--shapes, --input, counts). Parsing only checks syntax; whether a named input
// exists is checked against the model later.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln::cli {

// Exit codes: usage errors (a malformed or incomplete command line) are told apart from failures of
// the model, its data or the engine, so scripts can react differently.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using ShapeMap = std::map<std::string, Dims>;

// How the builder builds: the backend (--backend cpu|cuda), TF32 math (--tf32) and how it times
// tactics (trtexec's --timingCacheFile, --avgTiming, --workspace; --flushL2).
struct BuilderOptions {
    std::optional<std::string> backend;  // cpu when not given
    bool tf32 = false;
    std::optional<std::string> timingCachePath;
    int timingIterations = 10;
    int workspaceMiB = 1024;
    bool flushL2 = false;
};

struct InspectOptions {
    std::string modelPath;  // an ONNX model or a plan
    ShapeMap shapes;
    bool json = false;
};

struct InputFile {
    std::string name;
    std::string path;
};

struct RunOptions {
    std::string modelPath;  // an ONNX model or a plan
    std::vector<InputFile> inputs;
    std::optional<std::string> outputDirectory;
    ShapeMap shapes;
    int iterations = 1;
    int warmUp = 0;
    bool noFusion = false;
    bool cudaGraph = true;  // replay runs as CUDA graphs where the engine allows (--noCudaGraph turns it off)
    BuilderOptions builder;
};

struct BuildOptions {
    std::string modelPath;
    std::string planPath;
    ShapeMap shapes;
    bool noFusion = false;
    BuilderOptions builder;
    std::optional<std::string> layerInfoPath;
    std::optional<std::string> reportPath;
};

struct ProfileOptions {
    std::string modelPath;  // an ONNX model or a plan
    std::vector<InputFile> inputs;
    ShapeMap shapes;
    int iterations = 10;
    int warmUp = 2;
    bool noFusion = false;
    bool cudaGraph = true;  // replay runs as CUDA graphs where the engine allows (--noCudaGraph turns it off)
    BuilderOptions builder;
    std::optional<std::string> profilePath;
    std::optional<std::string> layerInfoPath;
    std::optional<std::string> timesPath;
};

// What a command line asked for: the options, or only the command's help.
template <typename Options>
struct Parsed {
    bool helpRequested = false;
    Options options;
};

Result<Parsed<InspectOptions>> parseInspectArguments(const std::vector<std::string>& args);
Result<Parsed<RunOptions>> parseRunArguments(const std::vector<std::string>& args);
Result<Parsed<BuildOptions>> parseBuildArguments(const std::vector<std::string>& args);
Result<Parsed<ProfileOptions>> parseProfileArguments(const std::vector<std::string>& args);

// Adds the entries of a --shapes value ("x:1x3x224x224,y:1x10") to `shapes`.
Status parseShapes(std::string_view value, ShapeMap& shapes);

// "x:1x3x224x224,y:1x10", the --shapes spelling of `shapes`.
std::string formatShapes(const ShapeMap& shapes);

const char* mainHelp();
const char* inspectHelp();
const char* runHelp();
const char* buildHelp();
const char* profileHelp();

}  // namespace kiln::cli
