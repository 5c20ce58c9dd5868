// Parsing of the `kiln` command lines. Flags are spelled like trtexec's (--shapes, --iterations,
// --warmUp) and take their value either as the next argument or after '='. Every error names the flag
// and shows a correct spelling, because the person reading it is about to retype the command.
#include "options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <cstdlib>
#include <limits>

#include "kiln/caffe_parser.h"

namespace kiln::cli {

namespace {

// One flag a command accepts and what it does with its value. `example` is a valid value, shown when
// the value is missing.
struct Flag {
    std::string_view name;
    bool takesValue = false;
    std::string_view example;
    std::function<Status(std::string_view flag, const std::string& value)> apply;
};

bool isHelp(const std::string& arg) {
    return arg == "--help" || arg == "-h";
}

// A lone "-" and negative numbers are values, not flags.
bool looksLikeFlag(const std::string& arg) {
    if (arg.rfind("--", 0) == 0) return true;
    return arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9');
}

// Walks `args`, applying each known flag to its value and handing every other argument to
// `onPositional`. `command` names the command in messages ("kiln run").
Status scanArguments(const std::vector<std::string>& args, std::string_view command,
                     const std::vector<Flag>& flags,
                     const std::function<Status(const std::string&)>& onPositional) {
    const std::string seeHelp = "; see '" + std::string(command) + " --help'";
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (!looksLikeFlag(arg)) {
            KILN_RETURN_IF_ERROR(onPositional(arg));
            continue;
        }
        const size_t equals = arg.find('=');
        const std::string flag = arg.substr(0, equals);
        const Flag* spec = nullptr;
        for (const Flag& candidate : flags) {
            if (candidate.name == flag) spec = &candidate;
        }
        if (spec == nullptr) {
            return invalidArgument("unknown flag '" + flag + "' for '" + std::string(command) + "'" +
                                   seeHelp);
        }
        std::string value;
        if (!spec->takesValue) {
            if (equals != std::string::npos) return invalidArgument(flag + " takes no value" + seeHelp);
        } else if (equals != std::string::npos) {
            value = arg.substr(equals + 1);
        } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
            value = args[++i];
        } else {
            return invalidArgument(flag + " needs a value, e.g. " + flag + " " + std::string(spec->example));
        }
        if (spec->takesValue && value.empty()) {
            return invalidArgument(flag + " needs a non-empty value, e.g. " + flag + " " +
                                   std::string(spec->example));
        }
        KILN_RETURN_IF_ERROR(spec->apply(spec->name, value));
    }
    return Status::ok();
}

Status parseCount(std::string_view flag, const std::string& value, int minimum, int& count) {
    int parsed = 0;
    const char* end = value.data() + value.size();
    const auto [stop, error] = std::from_chars(value.data(), end, parsed);
    if (error != std::errc() || stop != end || parsed < minimum) {
        return invalidArgument(std::string(flag) + " must be a whole number from " + std::to_string(minimum) +
                               " to " + std::to_string(std::numeric_limits<int>::max()) + ", not '" + value +
                               "'");
    }
    count = parsed;
    return Status::ok();
}

Status setModelPath(std::string_view command, const std::string& arg, std::string& modelPath) {
    if (!modelPath.empty()) {
        return invalidArgument("unexpected argument '" + arg + "': '" + std::string(command) +
                               "' takes one MODEL (already given: '" + modelPath + "')");
    }
    modelPath = arg;
    return Status::ok();
}

// `acceptsPlan`: the command also takes a plan file in place of the model.
Status requireModelPath(std::string_view command, const std::string& modelPath, bool acceptsPlan) {
    if (modelPath.empty()) {
        return invalidArgument(std::string("missing MODEL: give the path of an ONNX model") +
                               (acceptsPlan ? " or a Kiln plan" : "") + ", e.g. '" + std::string(command) +
                               " model.onnx'");
    }
    return Status::ok();
}

// A Caffe net (MODEL.prototxt) needs its weights (--weights FILE.caffemodel); nothing else takes them.
Status checkWeightsPath(std::string_view command, const std::string& modelPath,
                        const std::optional<std::string>& weightsPath) {
    const bool caffe = isCaffePrototxtPath(modelPath);
    if (caffe && !weightsPath) {
        return invalidArgument("'" + modelPath + "' is a Caffe net description: give its trained weights with --weights, "
                               "e.g. '" + std::string(command) + " " + modelPath + " --weights model.caffemodel'");
    }
    if (!caffe && weightsPath) {
        return invalidArgument("--weights is for a Caffe net (MODEL.prototxt); '" + modelPath +
                               "' is read as an ONNX model or a plan, which holds its own weights");
    }
    return Status::ok();
}

Status setOnce(std::string_view flag, const std::string& value, std::optional<std::string>& target) {
    if (target) return invalidArgument(std::string(flag) + " is given twice; give it once");
    target = value;
    return Status::ok();
}

Status parseInputFile(const std::string& value, std::vector<InputFile>& inputs) {
    const size_t equals = value.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == value.size()) {
        return invalidArgument("--input '" + value +
                               "' is not NAME=FILE; write e.g. --input images=images.npy");
    }
    InputFile input{value.substr(0, equals), value.substr(equals + 1)};
    for (const InputFile& existing : inputs) {
        if (existing.name == input.name) {
            return invalidArgument("--input gives input '" + input.name + "' twice ('" + existing.path +
                                   "' and '" + input.path + "'); give one file per input");
        }
    }
    inputs.push_back(std::move(input));
    return Status::ok();
}

// The flags several commands share. Each binds the option it fills, so a command's parser lists only
// which of them it takes.

// --minShapes, --optShapes, --maxShapes: each occurrence is the next optimization profile's.
Flag profileShapesFlag(std::string_view name, std::vector<ShapeMap>& profiles) {
    return {name, true, "x:1x3x224x224", [&profiles](std::string_view flag, const std::string& value) {
                profiles.emplace_back();
                return parseShapes(value, profiles.back(), flag);
            }};
}

Flag shapesFlag(ShapeMap& shapes) {
    return {"--shapes", true, "x:1x3x224x224,y:1x10",
            [&shapes](std::string_view, const std::string& value) { return parseShapes(value, shapes); }};
}

Flag inputFlag(std::vector<InputFile>& inputs) {
    return {"--input", true, "images=images.npy",
            [&inputs](std::string_view, const std::string& value) { return parseInputFile(value, inputs); }};
}

// A count of at least `minimum` (--iterations, --warmUp).
Flag countFlag(std::string_view name, std::string_view example, int minimum, int& count) {
    return {name, true, example, [minimum, &count](std::string_view flag, const std::string& value) {
                return parseCount(flag, value, minimum, count);
            }};
}

// A number >= 0 (--atol, --rtol), given at most once.
Flag toleranceFlag(std::string_view name, std::optional<double>& target) {
    return {name, true, "1e-4", [&target](std::string_view flag, const std::string& value) -> Status {
                char* end = nullptr;
                const double number = std::strtod(value.c_str(), &end);
                if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(number) || number < 0.0) {
                    return invalidArgument(std::string(flag) + " must be a number >= 0, e.g. 1e-4, not '" + value + "'");
                }
                if (target) return invalidArgument(std::string(flag) + " is given twice; give it once");
                target = number;
                return Status::ok();
            }};
}

// A flag without value that turns an option on (--noFusion, --json).
Flag switchFlag(std::string_view name, bool& target) {
    return {name, false, "", [&target](std::string_view, const std::string&) {
                target = true;
                return Status::ok();
            }};
}

// A path to write to (--output-dir, --exportProfile, ...), given at most once.
Flag pathFlag(std::string_view name, std::string_view example, std::optional<std::string>& target) {
    return {name, true, example, [&target](std::string_view flag, const std::string& value) {
                return setOnce(flag, value, target);
            }};
}

Status parseBackend(std::string_view flag, const std::string& value, std::optional<std::string>& backend) {
    if (value != "cpu" && value != "cuda") {
        return invalidArgument(std::string(flag) + " is 'cpu' or 'cuda', not '" + value + "'");
    }
    if (backend) return invalidArgument(std::string(flag) + " is given twice; give it once");
    backend = value;
    return Status::ok();
}

Status parseLayerPrecisions(std::string_view flag, const std::string& value,
                            std::vector<std::pair<std::string, DataType>>& constraints) {
    size_t start = 0;
    while (start <= value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        const std::string entry = value.substr(start, end - start);
        const size_t colon = entry.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
            return invalidArgument(std::string(flag) + " entry '" + entry +
                                   "' is not NODE:PRECISION; write e.g. " + std::string(flag) + " conv1:fp32,layer4.*:fp16");
        }
        KILN_ASSIGN_OR_RETURN(const DataType precision, parsePrecision(entry.substr(colon + 1), flag));
        constraints.emplace_back(entry.substr(0, colon), precision);
        start = end + 1;
    }
    return Status::ok();
}

// "a,b,c": three numbers, one per channel (positive ones for a divisor).
Status parseTriple(std::string_view flag, const std::string& value, float (&target)[3], bool positive) {
    float parsed[3];
    const char* at = value.c_str();
    for (int i = 0; i < 3; ++i) {
        char* end = nullptr;
        parsed[i] = std::strtof(at, &end);
        const char expected = i < 2 ? ',' : '\0';
        if (end == at || *end != expected || !std::isfinite(parsed[i]) || (positive && !(parsed[i] > 0.0f))) {
            return invalidArgument(std::string(flag) + " takes three " + (positive ? "positive " : "") +
                                   "numbers, one per channel, e.g. " + std::string(flag) + " 0.5,0.5,0.5; not '" + value + "'");
        }
        at = end + 1;
    }
    std::copy(parsed, parsed + 3, target);
    return Status::ok();
}

// The flags that set how a build is done: backend, precision and tactic timing.
// The percentile the percentile calibration keeps. 'build', 'calibrate' and 'compare' also take it as
// --percentile; 'run' and 'profile' do not, where --percentile names latency percentiles as in trtexec.
Flag calibPercentileFlag(std::string_view name, BuilderOptions& builder) {
    return {name, true, "99.99", [&builder](std::string_view flag, const std::string& value) -> Status {
                char* end = nullptr;
                const double percentile = std::strtod(value.c_str(), &end);
                if (end != value.c_str() + value.size() || !(percentile > 0.0 && percentile <= 100.0)) {
                    return invalidArgument(std::string(flag) + " is a number in (0, 100], e.g. 99.99, not '" + value + "'");
                }
                builder.percentile = percentile;
                return Status::ok();
            }};
}

// A number of seconds >= 0 (--duration).
Flag secondsFlag(std::string_view name, double& target) {
    return {name, true, "3", [&target](std::string_view flag, const std::string& value) -> Status {
                char* end = nullptr;
                const double seconds = std::strtod(value.c_str(), &end);
                if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(seconds) || seconds < 0.0 ||
                    seconds > 86400.0) {
                    return invalidArgument(std::string(flag) + " is a number of seconds from 0 to 86400, e.g. 3, not '" +
                                           value + "'");
                }
                target = seconds;
                return Status::ok();
            }};
}

// Latency percentiles, e.g. 90,95,99 (trtexec's --percentile).
Flag percentilesFlag(std::vector<double>& target) {
    return {"--percentile", true, "90,95,99", [&target](std::string_view flag, const std::string& value) -> Status {
                std::vector<double> percents;
                size_t start = 0;
                while (start <= value.size()) {
                    size_t stop = value.find(',', start);
                    if (stop == std::string::npos) stop = value.size();
                    const std::string item = value.substr(start, stop - start);
                    char* end = nullptr;
                    const double percent = std::strtod(item.c_str(), &end);
                    if (item.empty() || end != item.c_str() + item.size() || !(percent >= 0.0 && percent <= 100.0)) {
                        return invalidArgument(std::string(flag) + " is a list of percentiles from 0 to 100, e.g. 90,95,99; '" +
                                               item + "' is not one");
                    }
                    percents.push_back(percent);
                    start = stop + 1;
                }
                target = std::move(percents);
                return Status::ok();
            }};
}

std::vector<Flag> builderFlags(BuilderOptions& builder) {
    return {
        switchFlag("--fp16", builder.fp16),
        switchFlag("--bf16", builder.bf16),
        switchFlag("--int8", builder.int8),
        pathFlag("--calib", "calibration/", builder.calibPath),
        pathFlag("--calibCache", "model.calib", builder.calibCachePath),
        {"--calibAlgo", true, "entropy",
         [&builder](std::string_view flag, const std::string& value) -> Status {
             if (value != "entropy" && value != "minmax" && value != "percentile" && value != "mse") {
                 return invalidArgument(std::string(flag) + " is entropy, minmax, percentile or mse, not '" + value + "'");
             }
             builder.calibAlgorithm = value;
             return Status::ok();
         }},
        countFlag("--calibResize", "256", 0, builder.calibImages.resize),
        {"--calibMean", true, "0.485,0.456,0.406",
         [&builder](std::string_view flag, const std::string& value) {
             return parseTriple(flag, value, builder.calibImages.mean, false);
         }},
        {"--calibStd", true, "0.229,0.224,0.225",
         [&builder](std::string_view flag, const std::string& value) {
             return parseTriple(flag, value, builder.calibImages.std, true);
         }},
        switchFlag("--calibBgr", builder.calibImages.bgr),
        switchFlag("--calibNhwc", builder.calibImages.nhwc),
        calibPercentileFlag("--calibPercentile", builder),
        {"--layerPrecisions", true, "conv1:fp32,layer4.*:fp16",
         [&builder](std::string_view flag, const std::string& value) {
             return parseLayerPrecisions(flag, value, builder.layerPrecisions);
         }},
        {"--precisionConstraints", true, "prefer",
         [&builder](std::string_view flag, const std::string& value) -> Status {
             if (value == "obey") {
                 builder.precisionConstraints = PrecisionConstraints::Obey;
             } else if (value == "prefer") {
                 builder.precisionConstraints = PrecisionConstraints::Prefer;
             } else if (value == "none") {
                 builder.precisionConstraints = PrecisionConstraints::None;
             } else {
                 return invalidArgument(std::string(flag) + " is obey, prefer or none, not '" + value + "'");
             }
             return Status::ok();
         }},
        {"--backend", true, "cuda",
         [&builder](std::string_view flag, const std::string& value) {
             return parseBackend(flag, value, builder.backend);
         }},
        switchFlag("--tf32", builder.tf32),
        pathFlag("--timingCacheFile", "kiln.timing", builder.timingCachePath),
        countFlag("--avgTiming", "10", 1, builder.timingIterations),
        countFlag("--workspace", "1024", 0, builder.workspaceMiB),
        countFlag("--memoryLimit", "4096", 1, builder.memoryLimitMiB),
        switchFlag("--flushL2", builder.flushL2),
        switchFlag("--exhaustiveTiming", builder.exhaustiveTiming),
        switchFlag("--noNetworkTiming", builder.noNetworkTiming),
        {"--threads", true, "2",
         [&builder](std::string_view flag, const std::string& value) -> Status {
             KILN_RETURN_IF_ERROR(parseCount(flag, value, 1, builder.threads));
             if (builder.threads > kMaxThreads) {
                 return invalidArgument(std::string(flag) + " is at most " + std::to_string(kMaxThreads) + ", not " + value);
             }
             return Status::ok();
         }},
        switchFlag("--verbose", builder.verbose),
        switchFlag("--quiet", builder.quiet),
    };
}

// --noCudaGraph turns replay off; --useCudaGraph (trtexec's spelling) asks for the default.
// --fixedThreads keeps every run on the engine's threads.
std::vector<Flag> contextFlags(bool& cudaGraph, bool& adaptiveThreads) {
    return {
        {"--fixedThreads", false, "", [&adaptiveThreads](std::string_view, const std::string&) {
             adaptiveThreads = false;
             return Status::ok();
         }},
        {"--noCudaGraph", false, "", [&cudaGraph](std::string_view, const std::string&) {
             cudaGraph = false;
             return Status::ok();
         }},
        {"--useCudaGraph", false, "", [&cudaGraph](std::string_view, const std::string&) {
             cudaGraph = true;
             return Status::ok();
         }},
    };
}

// Appends `more` to `flags`.
std::vector<Flag> withFlags(std::vector<Flag> flags, std::vector<Flag> more) {
    flags.insert(flags.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    return flags;
}

// What every command does with its line: a --help anywhere asks for the help only; otherwise the
// flags `flagsFor` binds to the options are applied and exactly one MODEL must be given
// (`acceptsPlan`: or a plan).
template <typename Options>
Result<Parsed<Options>> parseCommand(const std::vector<std::string>& args, std::string_view command,
                                     bool acceptsPlan,
                                     const std::function<std::vector<Flag>(Options&)>& flagsFor) {
    Parsed<Options> parsed;
    parsed.helpRequested = std::any_of(args.begin(), args.end(), isHelp);
    if (parsed.helpRequested) return parsed;
    Options& options = parsed.options;
    KILN_RETURN_IF_ERROR(scanArguments(args, command, flagsFor(options), [&](const std::string& arg) {
        return setModelPath(command, arg, options.modelPath);
    }));
    KILN_RETURN_IF_ERROR(requireModelPath(command, options.modelPath, acceptsPlan));
    if constexpr (requires { options.weightsPath; }) {
        KILN_RETURN_IF_ERROR(checkWeightsPath(command, options.modelPath, options.weightsPath));
    } else if (isCaffePrototxtPath(options.modelPath)) {
        return invalidArgument("'" + std::string(command) + "' takes ONNX models; a Caffe net ('" + options.modelPath +
                               "') works with inspect, build, run and profile, given --weights FILE.caffemodel");
    }
    if constexpr (requires { options.builder.quiet; }) {
        if (options.builder.verbose && options.builder.quiet) {
            return invalidArgument("--verbose and --quiet contradict each other; give one");
        }
    }
    return parsed;
}

}  // namespace

bool needsCalibration(const BuilderOptions& options) {
    return options.int8 || (options.precisionConstraints != PrecisionConstraints::None &&
                            std::any_of(options.layerPrecisions.begin(), options.layerPrecisions.end(),
                                        [](const auto& entry) { return entry.second == DataType::Int8; }));
}

Result<std::vector<std::string>> takePluginLibraries(std::vector<std::string>& args) {
    std::vector<std::string> libraries;
    std::vector<std::string> rest;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string value;
        if (args[i] == "--plugins") {
            if (i + 1 >= args.size() || args[i + 1].empty() || args[i + 1].rfind("--", 0) == 0) {
                return invalidArgument("--plugins needs a value: the plugin libraries, LIB.so[,LIB.so]");
            }
            value = args[++i];
        } else if (args[i].rfind("--plugins=", 0) == 0) {
            value = args[i].substr(std::string("--plugins=").size());
        } else {
            rest.push_back(args[i]);
            continue;
        }
        size_t start = 0;
        while (start <= value.size()) {
            const size_t comma = std::min(value.find(',', start), value.size());
            if (comma == start) {
                return invalidArgument("--plugins '" + value +
                                       "' has an empty library name; give LIB.so[,LIB.so]");
            }
            libraries.push_back(value.substr(start, comma - start));
            start = comma + 1;
        }
    }
    args = std::move(rest);
    return libraries;
}

Result<DataType> parsePrecision(std::string_view text, std::string_view flag) {
    if (text == "fp32") return DataType::Float32;
    if (text == "fp16") return DataType::Float16;
    if (text == "bf16") return DataType::BFloat16;
    if (text == "int8") return DataType::Int8;
    return invalidArgument(std::string(flag) + ": '" + std::string(text) +
                           "' is no precision; use fp32, fp16, bf16 or int8");
}

Status parseShapes(std::string_view value, ShapeMap& shapes, std::string_view flagName) {
    const std::string flag(flagName);
    const std::string example =
        "; write NAME:DIMS entries separated by ',', e.g. " + flag + " x:1x3x224x224,y:1x10";
    size_t start = 0;
    while (start <= value.size()) {
        size_t end = value.find(',', start);
        if (end == std::string_view::npos) end = value.size();
        const std::string entry(value.substr(start, end - start));
        // Input names may themselves contain ':' (TensorFlow-style "input:0"); the dims never do.
        const size_t colon = entry.rfind(':');
        if (entry.empty() || colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
            return invalidArgument(flag + " entry '" + entry + "' is not NAME:DIMS" + example);
        }
        const std::string name = entry.substr(0, colon);
        Result<Dims> dims = parseDims(entry.substr(colon + 1));
        if (!dims) {
            return invalidArgument(flag + " entry '" + entry + "': " + dims.status().message());
        }
        if (shapes.count(name) != 0) {
            return invalidArgument(flag + " gives input '" + name + "' twice; give one shape per input");
        }
        shapes.emplace(name, std::move(dims).value());
        start = end + 1;
    }
    return Status::ok();
}

std::string formatShapes(const ShapeMap& shapes) {
    std::string text;
    for (const auto& [name, dims] : shapes) {
        if (!text.empty()) text += ',';
        text += name + ":" + toString(dims);
    }
    return text;
}

Result<Parsed<InspectOptions>> parseInspectArguments(const std::vector<std::string>& args) {
    return parseCommand<InspectOptions>(
        args, "kiln inspect", true, [](InspectOptions& options) -> std::vector<Flag> {
            return {shapesFlag(options.shapes), switchFlag("--json", options.json), switchFlag("--lint", options.lint),
                    pathFlag("--weights", "model.caffemodel", options.weightsPath)};
        });
}

Result<Parsed<ComparePlansOptions>> parseComparePlansArguments(const std::vector<std::string>& args) {
    Parsed<ComparePlansOptions> parsed;
    parsed.helpRequested = std::any_of(args.begin(), args.end(), isHelp);
    if (parsed.helpRequested) return parsed;
    ComparePlansOptions& options = parsed.options;
    const std::vector<Flag> flags = {countFlag("--iterations", "50", 1, options.iterations),
                                     countFlag("--warmUp", "200", 0, options.warmUpMs),
                                     countFlag("--top", "30", 0, options.top),
                                     pathFlag("--csv", "comparison.csv", options.csvPath),
                                     pathFlag("--json", "comparison.json", options.jsonPath)};
    std::vector<std::string> plans;
    KILN_RETURN_IF_ERROR(scanArguments(args, "kiln compare-plans", flags, [&](const std::string& arg) -> Status {
        if (plans.size() == 2) {
            return invalidArgument("kiln compare-plans takes two plans; '" + arg + "' is a third");
        }
        plans.push_back(arg);
        return Status::ok();
    }));
    if (plans.size() != 2) {
        return invalidArgument("kiln compare-plans needs two plans, e.g. kiln compare-plans fused.plan unfused.plan");
    }
    options.planA = plans[0];
    options.planB = plans[1];
    return parsed;
}

Result<Parsed<RunOptions>> parseRunArguments(const std::vector<std::string>& args) {
    return parseCommand<RunOptions>(args, "kiln run", true, [](RunOptions& options) -> std::vector<Flag> {
        return withFlags({
            inputFlag(options.inputs),
            pathFlag("--weights", "model.caffemodel", options.weightsPath),
            pathFlag("--outputDir", "outputs", options.outputDirectory),
            pathFlag("--output-dir", "outputs", options.outputDirectory),
            shapesFlag(options.shapes),
            countFlag("--iterations", "10", 1, options.iterations),
            countFlag("--warmUp", "200", 0, options.warmUpMs),
            secondsFlag("--duration", options.durationS),
            percentilesFlag(options.percentiles),
            switchFlag("--noFusion", options.noFusion),
            switchFlag("--check", options.check),
            switchFlag("--checkLayers", options.checkLayers),
            toleranceFlag("--atol", options.atol),
            toleranceFlag("--rtol", options.rtol),
        }, withFlags(builderFlags(options.builder), contextFlags(options.cudaGraph, options.adaptiveThreads)));
    });
}

Result<Parsed<BuildOptions>> parseBuildArguments(const std::vector<std::string>& args) {
    // -o and --saveEngine are two spellings of one flag, so they share one "given twice" check.
    std::optional<std::string> planPath;
    const auto setPlanPath = [&planPath](std::string_view, const std::string& value) -> Status {
        if (planPath)
            return invalidArgument("the plan path (-o or --saveEngine) is given twice; give it once");
        planPath = value;
        return Status::ok();
    };
    Result<Parsed<BuildOptions>> parsed = parseCommand<BuildOptions>(
        args, "kiln build", false, [&](BuildOptions& options) -> std::vector<Flag> {
            return withFlags({
                {"-o", true, "model.plan", setPlanPath},
                {"--saveEngine", true, "model.plan", setPlanPath},
                pathFlag("--weights", "model.caffemodel", options.weightsPath),
                shapesFlag(options.shapes),
                profileShapesFlag("--minShapes", options.minShapes),
                profileShapesFlag("--optShapes", options.optShapes),
                profileShapesFlag("--maxShapes", options.maxShapes),
                switchFlag("--noFusion", options.noFusion),
                pathFlag("--exportLayerInfo", "layers.json", options.layerInfoPath),
                pathFlag("--exportReport", "report.json", options.reportPath),
                calibPercentileFlag("--percentile", options.builder),
            }, builderFlags(options.builder));
        });
    if (!parsed || parsed->helpRequested) return parsed;
    if (!planPath) {
        return invalidArgument("missing -o PLAN: say where to write the plan, e.g. 'kiln build " +
                               parsed->options.modelPath + " -o model.plan'");
    }
    parsed->options.planPath = *planPath;
    return parsed;
}

Result<Parsed<ProfileOptions>> parseProfileArguments(const std::vector<std::string>& args) {
    return parseCommand<ProfileOptions>(
        args, "kiln profile", true, [](ProfileOptions& options) -> std::vector<Flag> {
            return withFlags({
                inputFlag(options.inputs),
                pathFlag("--weights", "model.caffemodel", options.weightsPath),
                shapesFlag(options.shapes),
                countFlag("--iterations", "10", 1, options.iterations),
                countFlag("--warmUp", "200", 0, options.warmUpMs),
                secondsFlag("--duration", options.durationS),
                countFlag("--avgRuns", "10", 1, options.avgRuns),
                percentilesFlag(options.percentiles),
                switchFlag("--separateProfileRun", options.separateProfileRun),
                switchFlag("--noDataTransfers", options.noDataTransfers),
                switchFlag("--noFusion", options.noFusion),
                pathFlag("--exportProfile", "profile.json", options.profilePath),
                pathFlag("--exportLayerInfo", "layers.json", options.layerInfoPath),
                pathFlag("--exportTimes", "times.json", options.timesPath),
            }, withFlags(builderFlags(options.builder), contextFlags(options.cudaGraph, options.adaptiveThreads)));
        });
}

Result<Parsed<CompareOptions>> parseCompareArguments(const std::vector<std::string>& args) {
    return parseCommand<CompareOptions>(
        args, "kiln compare", false, [](CompareOptions& options) -> std::vector<Flag> {
            return withFlags({
                inputFlag(options.inputs),
                shapesFlag(options.shapes),
                {"--precisions", true, "fp32,fp16",
                 [&options](std::string_view flag, const std::string& value) -> Status {
                     options.precisions.clear();
                     size_t start = 0;
                     while (start <= value.size()) {
                         size_t end = value.find(',', start);
                         if (end == std::string::npos) end = value.size();
                         KILN_ASSIGN_OR_RETURN(const DataType precision,
                                               parsePrecision(value.substr(start, end - start), flag));
                         options.precisions.push_back(precision);
                         start = end + 1;
                     }
                     if (options.precisions.size() < 2) {
                         return invalidArgument(std::string(flag) + " needs two precisions or more, the first the "
                                                                    "reference, e.g. --precisions fp32,fp16");
                     }
                     return Status::ok();
                 }},
                switchFlag("--noFusion", options.noFusion),
                pathFlag("--json", "compare.json", options.jsonPath),
                switchFlag("--bisect", options.bisect),
                {"--tolerance", true, "0.01",
                 [&options](std::string_view flag, const std::string& value) -> Status {
                     char* end = nullptr;
                     const double tolerance = std::strtod(value.c_str(), &end);
                     if (end != value.c_str() + value.size() || !(tolerance > 0.0)) {
                         return invalidArgument(std::string(flag) + " must be a positive number, e.g. 0.01, not '" +
                                                value + "'");
                     }
                     options.tolerance = tolerance;
                     return Status::ok();
                 }},
                countFlag("--iterations", "10", 1, options.iterations),
                countFlag("--warmUp", "200", 0, options.warmUpMs),
                switchFlag("--allTensors", options.allTensors),
                calibPercentileFlag("--percentile", options.builder),
            }, builderFlags(options.builder));
        });
}

Result<Parsed<CalibrateOptions>> parseCalibrateArguments(const std::vector<std::string>& args) {
    Result<Parsed<CalibrateOptions>> parsed = parseCommand<CalibrateOptions>(
        args, "kiln calibrate", false, [&](CalibrateOptions& options) -> std::vector<Flag> {
            return withFlags({shapesFlag(options.shapes), calibPercentileFlag("--percentile", options.builder)},
                             builderFlags(options.builder));
        });
    if (!parsed || parsed->helpRequested) return parsed;
    if (!parsed->options.builder.calibPath) {
        return invalidArgument("missing --calib: give the calibration data, a .npy file or a folder of them "
                               "(one batch per file)");
    }
    if (!parsed->options.builder.calibCachePath) return invalidArgument("missing --calibCache FILE: say where to keep the scales");
    return parsed;
}

const char* mainHelp() {
    return R"(Usage: kiln COMMAND [OPTIONS]

Build, inspect, run and profile neural-network models with Kiln.

Commands:
  build MODEL -o PLAN      Optimize a model for the CPU or a CUDA GPU and save it as a plan
  inspect MODEL_OR_PLAN    Show the layers of a model as imported, or of a plan as built
  run MODEL_OR_PLAN        Run a model or a plan, time it and save its outputs
  profile MODEL_OR_PLAN    Time every layer of a model or a plan and the whole run
  compare MODEL            Build a model in several precisions and compare every tensor and latency
  compare-plans A B        Two plans of one model side by side: layers matched by provenance, their times
  calibrate MODEL          Measure every activation's INT8 scale on calibration data, into a cache

A plan is recognized by its content, whatever its file name. A MODEL.prototxt is a Caffe net, whose
trained weights inspect, build, run and profile take with --weights MODEL.caffemodel; any other file is
read as ONNX.

Options:
  -h, --help      Show this help ('kiln COMMAND --help' shows a command's options)
  --version       Show the Kiln version

Every command takes --plugins LIB.so[,LIB.so] (repeatable): plugin libraries, loaded before anything
else, whose creators import the model's custom operators and run its plugin layers; a plan with plugin
layers loads only with the libraries that provide them.

Exit status: 0 on success, 1 when the model, plan, its data or the run fails, 2 for a wrong command
line.
)";
}

const char* buildHelp() {
    return R"(Usage: kiln build MODEL [--weights FILE.caffemodel] -o PLAN [--backend cpu|cuda] [--tf32] [--fp16 | --bf16 | --int8 --calib DATA]
                  [--calibCache FILE] [--layerPrecisions NODE:PRECISION,... [--precisionConstraints obey|prefer|none]]
                  [--shapes NAME:DIMS,...]
                  [--minShapes NAME:DIMS,... --optShapes NAME:DIMS,... --maxShapes NAME:DIMS,...]...
                  [--noFusion] [--exportLayerInfo FILE.json] [--exportReport FILE.json]
                  [--timingCacheFile FILE] [--avgTiming N] [--workspace MIB] [--memoryLimit MIB] [--flushL2]
                  [--exhaustiveTiming] [--noNetworkTiming]
                  [--verbose | --quiet]

Imports an ONNX model (or a Caffe net: MODEL.prototxt with --weights), optimizes it for this machine's CPU or GPU (constant folding, batch-norm folding,
layer-norm, GELU, attention (CPU) and MatMul epilogue (CPU) fusion, vertical, pointwise-chain and
horizontal fusion, copy elimination, memory formats, tactic timing:
every candidate kernel of every layer is run and the fastest kept, memory planning) and writes the
result as a plan that 'kiln run', 'kiln inspect' and 'kiln profile' load without rebuilding. Prints
the layer counts before and after, what each pass changed, the activation memory and the time of
each build phase.
Every file is written completely or not at all. While it builds, a line on standard error shows the
phase and, while tactics are timed, the layer and the time left (when standard error is a terminal).
Ctrl-C cancels the build: nothing is written and the exit status is 130; a second Ctrl-C ends it at once.

Options:
  -o, --saveEngine PLAN      Where to write the plan (its directory must exist)
  --weights FILE.caffemodel  The trained weights of a Caffe net: MODEL is then its deploy .prototxt,
                             whose input shapes are fixed (--shapes must agree; no dynamic shapes)
  --backend cpu|cuda         Build for the CPU (default) or for CUDA device 0 (cuDNN, cuBLASLt and
                             Kiln's CUDA kernels); a CUDA plan runs only on the same GPU model with
                             the same CUDA, cuDNN and cuBLASLt versions
  --tf32                     Let FP32 layers compute in TF32 on tensor cores (CUDA; faster, 10-bit
                             mantissa products)
  --fp16                     Let layers run in FP16 (channels-last on CUDA; simulated on the CPU:
                             FP32 kernels with every tensor rounded to half between layers)
  --bf16                     Let layers run in BF16 (CPU only, simulated: FP32 kernels with every
                             tensor rounded to bfloat16 between layers)
  --int8                     Let layers run in INT8, with ranges from calibration (CPU: oneDNN INT8
                             kernels where they exist, simulated elsewhere)
  --calib FILE_OR_DIR        Calibration batches (.npy) for --int8
  --calibCache FILE          Calibration cache: reused when it matches model, algorithm and data,
                             written otherwise; alone, used as it is
  --calibAlgo ALGO           entropy (default), minmax, percentile (--percentile P, also spelled
                             --calibPercentile) or mse
  --layerPrecisions LIST     Run the layers of these model nodes in a precision of their own (fp32, fp16,
                             bf16 or int8; INT8 needs --calib or --calibCache), whatever the build's:
                             e.g. conv1:fp32,layer4.*:fp16 in an INT8 build. Patterns take * and ?;
                             where several match a layer, the last decides
  --precisionConstraints MODE
                             obey (default): a layer that cannot run in the precision asked fails
                             the build, naming it and why; prefer: it runs in the precision it would
                             have had and the build report says so; none: --layerPrecisions is ignored
  --shapes NAME:DIMS,...     Concrete shapes of inputs with symbolic dimensions, e.g. x:1x3x224x224
  --minShapes, --optShapes, --maxShapes NAME:DIMS,...
                             Dynamic shapes: a range of shapes per input (an optimization profile);
                             the plan runs any shape inside it ('kiln run --shapes'), with the
                             tactics timed at opt and memory for max. Give the three again for
                             another profile. Inputs in --shapes stay fixed
  --noFusion                 Only what execution needs: no folding or fusion of layers
  --exportLayerInfo FILE     Write the built layers and bindings as JSON (the layout of trtexec's
                             --exportLayerInfo)
  --exportReport FILE        Write the build report as JSON: layers before and after with their
                             provenance, each pass's changes, formats, every tactic candidate's
                             time, memory and phase times
  --timingCacheFile FILE     Keep tactic timings in FILE and reuse them: a rebuild with a warm
                             cache skips timing (a corrupt or foreign cache is ignored and replaced)
  --avgTiming N              Timed runs per tactic candidate, at most; the median decides (default 10;
                             3 once a candidate's runs add up to 100 ms; 1 where a layer has one).
                             Candidates within 15% of the best are then run again in turns, up to 5
                             runs each in 40 ms, and those medians decide (the machine's speed drifts)
  --workspace MIB            Scratch memory a tactic may use, in MiB (default 1024)
  --memoryLimit MIB          Host memory a tensor or an execution context may take, in MiB; more is
                             refused before it is allocated (default: this machine's memory)
  --flushL2                  Evict the GPU's L2 cache before every timed tactic run
  --exhaustiveTiming         Time every candidate --avgTiming times, none stopped early (a sole candidate,
                             a hopeless one, long runs), every layer at its own batch (the CPU otherwise times
                             convolutions and poolings of 32 or more images on an eighth of them, at least 8):
                             slow; the reference the early stops are checked against
  --noNetworkTiming          Keep each layer's fastest candidate alone. By default, on the CPU, where a
                             run of the network is short (batch 1 of most models), candidates within 1.7
                             times a layer's fastest run again in the network (a variant of it per rank of
                             candidate, in turns, every layer timed), and the layers' fastest there (3 %
                             faster than their choice) are kept where the network also runs faster with them end to end: a layer
                             finds its weights and inputs in the caches as the layers before it left
                             them, which timing it alone does not show
  --threads N                CPU threads the kernels run on, when timed and in the plan (default: every
                             core); recorded in the plan and part of the timing cache's key
  --verbose                  Print each build phase on standard error as a line of its own, also
                             when it is not a terminal (a log)
  --quiet                    No progress line and no warnings: only results and errors
  --plugins LIB[,LIB]        Load plugin libraries (custom layers) first; repeatable
  -h, --help                 Show this help
)";
}

const char* inspectHelp() {
    return R"(Usage: kiln inspect MODEL_OR_PLAN [--weights FILE.caffemodel] [--shapes NAME:DIMS,...] [--json] [--lint]

For an ONNX model or a Caffe net: its layers as imported (name, kind, parameters, inputs, outputs and the model
nodes they came from), every tensor with its type and dimensions, and the network inputs and outputs.
For a plan: its built layers (name, kind, parameters, provenance, precision, tactic, whether the
layer was elided), its bindings and its activation memory.

Options:
  --shapes NAME:DIMS,...  Concrete shapes of inputs with symbolic dimensions, e.g. x:1x3x224x224,y:1x10
                          (a plan's shapes are fixed when it is built; given ones must agree)
  --json                  Write JSON to standard output instead of tables (for a plan: the layout
                          of trtexec's --exportLayerInfo)
  --lint                  A plan: what could be faster instead of its layers, each hint with its severity,
                          layers and what to do (reference kernels, reformats' share of the time, unfused
                          activations, copying concats, channel padding, layers far below the roofline of
                          this engine's fastest layers); with --json as {"Hints": [...]}
  --weights FILE          The trained weights (.caffemodel) of a Caffe net: MODEL is then its deploy
                          .prototxt, which fixes the input shapes
  --plugins LIB[,LIB]     Load plugin libraries (custom layers) first; repeatable
  -h, --help              Show this help
)";
}

const char* runHelp() {
    return R"(Usage: kiln run MODEL_OR_PLAN [--weights FILE.caffemodel] [--input NAME=FILE.npy]... [--outputDir DIR]
                [--shapes NAME:DIMS,...] [--iterations N] [--warmUp MS] [--duration S]
                [--percentile P,...] [--noFusion] [--backend cpu|cuda] [--tf32] [--noCudaGraph]
                [--fixedThreads] [--check [--checkLayers] [--atol A] [--rtol R]]

Runs a plan, or builds a model (ONNX, or a Caffe net's .prototxt with --weights) in memory and runs it, on the CPU or the GPU the plan was built
for (--backend for a model); prints the latency, host-to-device copies included, and saves
every output as DIR/NAME.npy. Inputs without a file get random values (fixed seed 0: floats uniform
in [-1, 1), integers 0, booleans false), so two runs see the same data.

Options:
  --input NAME=FILE.npy   Values of input NAME, a NumPy .npy array (repeat for each input)
  --weights FILE          The trained weights (.caffemodel) of a Caffe net given as MODEL.prototxt
  --outputDir DIR         Save outputs in DIR (created when the run succeeds; nothing is written otherwise;
                          also spelled --output-dir).
                          Characters other than letters, digits, '.', '-' and '_' in output names are
                          replaced by '_' in file names.
  --shapes NAME:DIMS,...  Shapes of inputs with symbolic dimensions, e.g. x:1x3x224x224,y:1x10
                          (default: the shapes of the --input files; a plan's shapes are fixed)
  --iterations N          At least N timed runs (default 1); the outputs saved are the last run's
  --warmUp MS             Untimed runs for MS milliseconds before timing, as trtexec (default 0)
  --duration S            Timed runs for at least S seconds, as trtexec (default 0: --iterations alone)
  --percentile P,...      Latency percentiles to print (default 90,95,99)
  --noFusion              Build the model without folding or fusion (no effect on a plan)
  --backend cpu|cuda      Where to build and run a model (a plan runs where it was built for)
  --tf32                  Allow TF32 math for FP32 layers when building for CUDA
  --fp16, --bf16, --int8  Allow FP16, BF16 or INT8 when building a model (INT8 with --calib / --calibCache;
                          see 'kiln build --help'); --layerPrecisions NODE:PRECISION,... and
                          --precisionConstraints obey|prefer|none set layers' own precisions
  --noCudaGraph           Do not replay runs as CUDA graphs (they are by default where possible)
  --fixedThreads          CPU: every run on the engine's threads. By default a run uses fewer while other
                          programs keep cores busy and fewer are faster (the context times its runs)
  --timingCacheFile FILE  Reuse and update tactic timings kept in FILE (when building a model)
  --verbose, --quiet      A model built in memory: its phases as lines on standard error (--verbose), or
                          no progress line and no warnings (--quiet)
  --check                 Are the outputs right? Runs the model's network as imported (no fusion, no
                          tactics) on the reference kernels with the same inputs and compares every
                          output: each element must lie within atol + rtol * |reference|. Prints the worst
                          error per output and exits with 1 beyond tolerance (the outputs are still
                          saved). Needs the model (ONNX or Caffe), not a plan
  --checkLayers           --check on every tensor the engine computes that the model has too (fused
                          layers' outputs, matched by name; no extra outputs, so fusions stay), in
                          execution order, naming the first beyond tolerance (implies --check)
  --atol A, --rtol R      The tolerances of --check. Defaults for the build's precision: FP32 1e-4 and
                          1e-3 (other summation orders, Winograd and FFT transforms); FP16 and BF16 2e-2
                          and 2e-2; INT8 1e-1 and 1e-1, a coarse screen only
  --plugins LIB[,LIB]     Load plugin libraries (custom layers) first; repeatable
  -h, --help              Show this help
)";
}

const char* profileHelp() {
    return R"(Usage: kiln profile MODEL_OR_PLAN [--weights FILE.caffemodel] [--iterations N] [--warmUp MS] [--duration S] [--avgRuns N]
                    [--percentile P,...] [--separateProfileRun] [--noDataTransfers]
                    [--shapes NAME:DIMS,...] [--input NAME=FILE.npy]... [--noFusion]
                    [--backend cpu|cuda] [--tf32]
                    [--noCudaGraph] [--fixedThreads] [--exportProfile FILE.json] [--exportLayerInfo FILE.json]
                    [--exportTimes FILE.json]

Runs a plan, or a model built in memory (ONNX, or a Caffe net's .prototxt with --weights): warm-up runs, then timed runs, measuring every
executed layer, with trtexec's meaning of the flags. Prints the layers sorted by time (average per
run, share of the total, precision and tactic), the end-to-end latency (min, max, mean, median and
percentiles) and the throughput (inferences and, with a batch, items per second). On CUDA the
layers are timed with CUDA events in profiled runs, and the end-to-end figures come from separate
runs on device-resident inputs (replayed as a CUDA graph where possible), as trtexec's GPU compute
time; the throughput follows from the batch. Inputs without a file get seeded random values, as in
'kiln run'.

Options:
  --iterations N          At least N timed runs (default 10)
  --warmUp MS             Untimed runs for MS milliseconds before timing (default 200)
  --duration S            Timed runs for at least S seconds too (default 0: --iterations alone;
                          trtexec's default is 3)
  --avgRuns N             Also report the spread of the averages of N consecutive runs (default 10)
  --percentile P,...      Latency percentiles to print (default 90,95,99)
  --separateProfileRun    Time the end-to-end runs without the profiler attached, then profile as
                          many runs for the layer table (the profiler's own cost stays out of the
                          latency)
  --noDataTransfers       On a device (CUDA): the inputs are copied to the device once, and every
                          timed run reads them there and leaves its outputs there, so the latency
                          is the device's alone. No effect on the CPU, which has no transfers
  --shapes NAME:DIMS,...  Shapes of inputs with symbolic dimensions, e.g. x:1x3x224x224
  --input NAME=FILE.npy   Values of input NAME (repeat for each input)
  --weights FILE          The trained weights (.caffemodel) of a Caffe net given as MODEL.prototxt
  --noFusion              Build the model without folding or fusion (no effect on a plan)
  --backend cpu|cuda      Where to build and run a model (a plan runs where it was built for)
  --tf32                  Allow TF32 math for FP32 layers when building for CUDA
  --fp16, --bf16, --int8  Allow FP16, BF16 or INT8 when building a model (see 'kiln build --help')
  --noCudaGraph           Do not replay the end-to-end runs as CUDA graphs
  --fixedThreads          CPU: every run on the engine's threads. By default a run uses fewer while other
                          programs keep cores busy and fewer are faster (the context times its runs)
  --exportProfile FILE    Write per-layer times as JSON in the layout of trtexec's --exportProfile:
                          [{"count": N}, {"name", "timeMs", "averageMs", "medianMs", "percentage"}...]
                          with layers in execution order and timeMs summed over the N runs
  --exportLayerInfo FILE  Write the engine's layers and bindings as JSON
  --exportTimes FILE      Write every timed run as JSON in the layout of trtexec's --exportTimes:
                          [{"startHtoDMs", "endHtoDMs", "startComputeMs", "endComputeMs",
                          "startDtoHMs", "endDtoHMs", "latencyMs", "computeMs", "h2dMs", "d2hMs"}, ...]
                          in ms from the first timed run (latency with host copies; compute on
                          device-resident inputs, equal to the latency on the CPU)
  --timingCacheFile FILE  Reuse and update tactic timings kept in FILE (when building a model)
  --verbose, --quiet      A model built in memory: its phases as lines on standard error (--verbose), or
                          no progress line and no warnings (--quiet)
  --plugins LIB[,LIB]     Load plugin libraries (custom layers) first; repeatable
  -h, --help              Show this help
)";
}

const char* calibrateHelp() {
    return R"(Usage: kiln calibrate MODEL --calib FILE_OR_DIR --calibCache FILE [--calibAlgo ALGO]
                      [--percentile P] [--shapes NAME:DIMS,...] [--backend cpu|cuda]

Runs the model in FP32 on the calibration data (each .npy file one batch of the model's input, of
exactly its type and shape; a folder is read in name order; a folder of images, .png, .jpg or .bmp,
is decoded, resized, centre-cropped and normalized into batches) and derives the INT8 scale of every
activation: entropy (TensorRT's: the threshold that loses the least information, by KL divergence),
minmax (the largest magnitude), percentile (the P-th percentile of the magnitudes) or mse (the least
expected squared error). Writes them to the calibration cache, a text file of 'tensor: scale' lines
under a header naming the algorithm, the data and the model's hash. A cache that matches all three is
reused; one that does not, or is damaged, is reported and replaced.

Options:
  --calib FILE_OR_DIR    Calibration batches as .npy (NaN, infinity, wrong shapes or types are refused)
  --calibCache FILE      Where the scales are kept
  --calibAlgo ALGO       entropy (default), minmax, percentile or mse
  --calibResize N        For a folder of images: resize the shorter side to N first (then centre crop)
  --calibMean R,G,B      Subtracted per channel after scaling to [0, 1] (default 0,0,0)
  --calibStd R,G,B       Divided by per channel after the mean (default 1,1,1)
  --calibBgr             Feed the channels as BGR; --calibNhwc: the input is NHWC
  --percentile P         For percentile: the share of magnitudes kept, in percent (default 99.99;
                         also spelled --calibPercentile)
  --shapes NAME:DIMS,... Shapes of inputs with symbolic dimensions
  --plugins LIB[,LIB]    Load plugin libraries (custom layers) first; repeatable
  -h, --help             Show this help
)";
}

const char* comparePlansHelp() {
    return R"(Usage: kiln compare-plans PLAN_A PLAN_B [--iterations N] [--warmUp MS] [--top N] [--csv FILE] [--json FILE]

Two engines of one model side by side (FP32 against FP16, fused against --noFusion, yesterday's plan
against today's): runs each with the profiler attached (seeded random inputs, the runs of the two
interleaved in rounds), matches their layers through provenance (the model nodes each built layer came
from: layers that share a node are one group, so a fused "conv + relu" meets the separate conv and relu
of the other plan, and a concat elided in one meets the copying concat of the other; reformats stand
alone), and prints both engines' executed and elided layers, activation arena, weights and median
latency, then the groups, largest time difference first: each side's layers and time per run, B/A,
precisions, tactics and output formats where they differ.

Options:
  --iterations N  Profiled runs of each engine (default 50), in rounds of 10 alternating between the two
  --warmUp MS     Untimed runs of each engine before timing (default 200)
  --top N         Groups printed (default 30; 0: every group)
  --csv FILE      Write every group as CSV
  --json FILE     Write the comparison as JSON: {"A": {...}, "B": {...}, "Groups": [...]}
  -h, --help      Show this help
)";
}

const char* compareHelp() {
    return R"(Usage: kiln compare MODEL [--precisions fp32,fp16] [--shapes NAME:DIMS,...] [--input NAME=FILE.npy]...
                    [--backend cpu|cuda] [--layerPrecisions NODE:PRECISION,...] [--json FILE]
                    [--bisect [--tolerance T]] [--iterations N] [--warmUp MS] [--allTensors]

Builds the model once per precision (the first is the reference), runs every engine on the same inputs
while observing every tensor (no extra outputs are added, so each engine keeps its fusions), and
compares every tensor that both engines compute: max absolute error, mean relative error (sum|a-r| /
sum|r|), cosine similarity and signal-to-noise ratio. Prints the network outputs, the layers that add
the most error, and each precision's latency with its speedup over the reference. FP16 on the CPU is
simulated (tensors rounded through half precision at every layer boundary).

With --bisect, finds a smallest set of layers to keep in FP32 so that every output's max absolute
error is at most T (default 0.01) times the output's largest magnitude in the reference, and prints
it as a ready --layerPrecisions argument naming model nodes. Each step is a build and a run.

Options:
  --precisions LIST       Precisions to build (fp32, fp16, bf16, int8), the first the reference
                          (default fp32,fp16)
  --shapes NAME:DIMS,...  Shapes of inputs with symbolic dimensions, e.g. x:1x3x224x224
  --input NAME=FILE.npy   Values of input NAME (default: seeded random values, as in 'kiln run')
  --backend cpu|cuda      Where to build and run (default cpu)
  --layerPrecisions LIST  These model nodes' layers' own precisions in the reduced builds (see 'kiln
                          build --help'; also --precisionConstraints); the reference ignores them
  --json FILE             Write every comparison, latency and bisection step as JSON ('-': standard output)
  --bisect                Find the layers to keep in FP32 for --tolerance
  --tolerance T           Largest output error allowed, relative to the output's magnitude (default 0.01)
  --iterations N          Timed runs per precision (default 10); --warmUp MS of untimed runs first
                          (default 200)
  --allTensors            Print every compared tensor, not only the outputs and the 10 worst layers
  --verbose, --quiet      Each build's phases as lines on standard error (--verbose), or no progress line
                          and no warnings (--quiet)
  --plugins LIB[,LIB]     Load plugin libraries (custom layers) first; repeatable
  -h, --help              Show this help
)";
}

}  // namespace kiln::cli
