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

#include "kiln/builder.h"
#include "kiln/calibration.h"
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
    bool fp16 = false;                                 // --fp16: FP16 kernels allowed (simulated on the CPU)
    bool bf16 = false;                                 // --bf16: BF16 kernels allowed (simulated on the CPU)
    bool int8 = false;                                 // --int8: INT8 allowed, with calibrated ranges from:
    std::optional<std::string> calibPath;              //   --calib: .npy batches (a file or a folder)
    std::optional<std::string> calibCachePath;         //   --calibCache: a calibration cache, reused or written
    std::string calibAlgorithm = "entropy";            //   --calibAlgo
    double percentile = 99.99;                         //   --percentile (for --calibAlgo percentile)
    ImagePreprocessing calibImages;                    //   --calibResize, --calibMean, --calibStd, --calibBgr, --calibNhwc
    std::vector<std::pair<std::string, DataType>> layerPrecisions;  // --layerPrecisions NODE:PRECISION,...
    PrecisionConstraints precisionConstraints = PrecisionConstraints::Obey;  // --precisionConstraints
    std::optional<std::string> timingCachePath;
    int timingIterations = 10;
    int workspaceMiB = 1024;
    int memoryLimitMiB = 0;  // --memoryLimit: host memory a build, context or input may take; 0: the machine's
    bool flushL2 = false;
    bool exhaustiveTiming = false;  // --exhaustiveTiming: no early stops in tactic timing
    bool noNetworkTiming = false;   // --noNetworkTiming: no timing of close candidates in the network
    int threads = 0;       // --threads: CPU threads for the kernels; 0: every core
    bool verbose = false;  // --verbose: a build's phases as lines on standard error, even off a terminal
    bool quiet = false;    // --quiet: no progress and no warnings, only results and errors
};

// Whether a build with these options needs calibrated ranges: --int8, or a layer asked to run in INT8.
bool needsCalibration(const BuilderOptions& options);

struct InspectOptions {
    std::string modelPath;  // an ONNX model, a Caffe net's prototxt or a plan
    std::optional<std::string> weightsPath;  // --weights: a Caffe net's .caffemodel
    ShapeMap shapes;
    bool json = false;
    bool lint = false;  // --lint: a plan's lint hints instead of its layers
};

struct InputFile {
    std::string name;
    std::string path;
};

struct RunOptions {
    std::string modelPath;  // an ONNX model, a Caffe net's prototxt or a plan
    std::optional<std::string> weightsPath;  // --weights: a Caffe net's .caffemodel
    std::vector<InputFile> inputs;
    std::optional<std::string> outputDirectory;  // --outputDir (also --output-dir)
    ShapeMap shapes;
    int iterations = 1;        // at least this many timed runs
    int warmUpMs = 0;          // --warmUp: untimed runs for this many milliseconds first
    double durationS = 0.0;    // --duration: and timed runs for at least this many seconds
    std::vector<double> percentiles{90.0, 95.0, 99.0};
    bool noFusion = false;
    bool cudaGraph = true;  // replay runs as CUDA graphs where the engine allows (--noCudaGraph turns it off)
    bool adaptiveThreads = true;  // CPU runs on fewer threads while cores are busy (--fixedThreads turns it off)
    BuilderOptions builder;
    // --check: the engine's outputs against the reference executor's on the same inputs, each element
    // within atol + rtol * |reference|; unset tolerances take defaults for the build's precision.
    bool check = false;
    bool checkLayers = false;  // --checkLayers: --check on every tensor the engine keeps, not only outputs
    std::optional<double> atol;
    std::optional<double> rtol;
};

struct BuildOptions {
    std::string modelPath;  // an ONNX model or a Caffe net's prototxt
    std::optional<std::string> weightsPath;  // --weights: a Caffe net's .caffemodel
    std::string planPath;
    ShapeMap shapes;
    // Dynamic shapes: one entry per optimization profile (each --minShapes/--optShapes/--maxShapes
    // given again starts another profile).
    std::vector<ShapeMap> minShapes;
    std::vector<ShapeMap> optShapes;
    std::vector<ShapeMap> maxShapes;
    bool noFusion = false;
    BuilderOptions builder;
    std::optional<std::string> layerInfoPath;
    std::optional<std::string> reportPath;
};

// kiln compare: the same model built in several precisions, every tensor compared.
struct CompareOptions {
    std::string modelPath;
    std::vector<InputFile> inputs;
    ShapeMap shapes;
    std::vector<DataType> precisions{DataType::Float32, DataType::Float16};  // the first is the reference
    bool noFusion = false;
    BuilderOptions builder;
    std::optional<std::string> jsonPath;  // --json FILE ('-': standard output)
    bool bisect = false;
    double tolerance = 1e-2;
    int iterations = 10;
    int warmUpMs = 200;  // --warmUp, per precision
    bool allTensors = false;  // print every tensor, not only the outputs and the worst layers
};

// kiln calibrate: activation scales from calibration data, kept in a calibration cache.
struct CalibrateOptions {
    std::string modelPath;
    ShapeMap shapes;
    BuilderOptions builder;  // --calib, --calibCache (both required), --calibAlgo, --percentile
};

struct ProfileOptions {
    std::string modelPath;  // an ONNX model, a Caffe net's prototxt or a plan
    std::optional<std::string> weightsPath;  // --weights: a Caffe net's .caffemodel
    std::vector<InputFile> inputs;
    ShapeMap shapes;
    // trtexec's meanings: warm-up runs for warmUpMs, then at least `iterations` timed runs and at least
    // durationS seconds of them; statistics with these percentiles and over avgRuns consecutive runs.
    int iterations = 10;
    int warmUpMs = 200;
    double durationS = 0.0;
    int avgRuns = 10;
    std::vector<double> percentiles{90.0, 95.0, 99.0};
    // The end-to-end figures from runs without the profiler, then as many profiled runs for the layers.
    bool separateProfileRun = false;
    // On a device backend every timed run reads inputs already in device memory and leaves its outputs
    // there (trtexec's --noDataTransfers); the CPU has no transfers to leave out.
    bool noDataTransfers = false;
    bool noFusion = false;
    bool cudaGraph = true;  // replay runs as CUDA graphs where the engine allows (--noCudaGraph turns it off)
    bool adaptiveThreads = true;  // CPU runs on fewer threads while cores are busy (--fixedThreads turns it off)
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

// kiln compare-plans A B: two plans of one model, layers matched through provenance.
struct ComparePlansOptions {
    std::string planA;
    std::string planB;
    int iterations = 50;  // profiled runs of each engine
    int warmUpMs = 200;
    int top = 30;         // groups shown, the largest time differences first (0: all)
    std::optional<std::string> csvPath;
    std::optional<std::string> jsonPath;
};

Result<Parsed<InspectOptions>> parseInspectArguments(const std::vector<std::string>& args);
Result<Parsed<ComparePlansOptions>> parseComparePlansArguments(const std::vector<std::string>& args);
Result<Parsed<RunOptions>> parseRunArguments(const std::vector<std::string>& args);
Result<Parsed<BuildOptions>> parseBuildArguments(const std::vector<std::string>& args);
Result<Parsed<ProfileOptions>> parseProfileArguments(const std::vector<std::string>& args);
Result<Parsed<CompareOptions>> parseCompareArguments(const std::vector<std::string>& args);
Result<Parsed<CalibrateOptions>> parseCalibrateArguments(const std::vector<std::string>& args);

// Removes every --plugins LIB[,LIB] (or --plugins=LIB[,LIB]) from `args`, wherever it stands, and
// returns the libraries in order: every command loads them before it reads anything else.
Result<std::vector<std::string>> takePluginLibraries(std::vector<std::string>& args);

// "fp32" -> FP32, "fp16" -> FP16, "int8", "bf16"...: a precision as flags spell it.
Result<DataType> parsePrecision(std::string_view text, std::string_view flag);

// Adds the entries of a --shapes value ("x:1x3x224x224,y:1x10") to `shapes`.
// NAME:DIMS,... as --shapes (or --minShapes, --optShapes, --maxShapes: `flag` names it in errors).
Status parseShapes(std::string_view value, ShapeMap& shapes, std::string_view flag = "--shapes");

// "x:1x3x224x224,y:1x10", the --shapes spelling of `shapes`.
std::string formatShapes(const ShapeMap& shapes);

const char* mainHelp();
const char* inspectHelp();
const char* runHelp();
const char* buildHelp();
const char* profileHelp();
const char* compareHelp();
const char* comparePlansHelp();
const char* calibrateHelp();

}  // namespace kiln::cli
