// The Kiln side of bench/cpu: loads one plan and its input .npy files, then answers commands on
// standard input, one per line, so that the driver can interleave it with ONNX Runtime in one run
// without reloading either:
//   run N      -> "ok T1 T2 ... TN"  (milliseconds of N timed runs of ExecutionContext::execute)
//   save DIR   -> "ok"               (writes every output of the last run as DIR/<name>.npy)
//   threads    -> "ok N:RUNS ..."    (how many of the runs so far used N CPU threads)
//   quit
// usage: kiln_latency_server PLAN [--fixedThreads] NAME=input.npy [NAME=input.npy ...]
//   --fixedThreads  every run on the engine's threads (ExecutionContext::setAdaptiveThreads(false))
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "kiln/npy.h"
#include "kiln/onnx_parser.h"
#include "kiln/openmp_spinning.h"
#include "kiln/plan.h"

int main(int argc, char** argv) {
    kiln::rerunWithBoundedOpenMpSpinning(argv);  // as the kiln command runs
    if (argc < 3) {
        std::cerr << "usage: kiln_latency_server PLAN NAME=input.npy [NAME=input.npy ...]\n";
        return 2;
    }
    kiln::registerOnnxSourceReader();  // plans with dynamic shapes keep their ONNX model
    auto engine = kiln::readPlanFile(argv[1]);
    if (!engine) {
        std::cout << "error " << engine.status().message() << std::endl;
        return 1;
    }
    kiln::TensorMap inputs;
    bool adaptiveThreads = true;
    for (int i = 2; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--fixedThreads") {
            adaptiveThreads = false;
            continue;
        }
        const size_t eq = argument.find('=');
        auto value = kiln::readNpy(argument.substr(eq + 1));
        if (eq == std::string::npos || !value) {
            std::cout << "error input '" << argument << "' is not NAME=FILE.npy of a readable file" << std::endl;
            return 1;
        }
        inputs[argument.substr(0, eq)] = std::move(value).value();
    }
    auto context = (*engine)->createExecutionContext();
    if (!context) {
        std::cout << "error " << context.status().message() << std::endl;
        return 1;
    }
    (*context)->setAdaptiveThreads(adaptiveThreads);
    std::map<int, int> runsPerThreads;
    kiln::TensorMap outputs;
    std::cout << "ready" << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream words(line);
        std::string command, argument;
        words >> command >> argument;
        if (command == "run") {
            std::ostringstream reply;
            reply << "ok";
            for (int i = 0; i < std::stoi(argument); ++i) {
                const auto start = std::chrono::steady_clock::now();
                auto result = (*context)->execute(inputs);
                const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
                if (!result) {
                    std::cout << "error " << result.status().message() << std::endl;
                    return 1;
                }
                outputs = std::move(result).value();
                ++runsPerThreads[(*context)->lastRunThreads()];
                reply << ' ' << elapsed.count();
            }
            std::cout << reply.str() << std::endl;
        } else if (command == "save") {
            std::filesystem::create_directories(argument);
            for (const auto& [name, value] : outputs) {
                if (auto status = kiln::writeNpy(argument + "/" + name + ".npy", value); !status) {
                    std::cout << "error " << status.message() << std::endl;
                    return 1;
                }
            }
            std::cout << "ok" << std::endl;
        } else if (command == "threads") {
            std::ostringstream reply;
            reply << "ok";
            for (const auto& [threads, runs] : runsPerThreads) reply << ' ' << threads << ':' << runs;
            std::cout << reply.str() << std::endl;
        } else if (command == "quit") {
            return 0;
        } else {
            std::cout << "error unknown command '" << line << "'" << std::endl;
        }
    }
    return 0;
}
