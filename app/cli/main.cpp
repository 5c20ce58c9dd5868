// The `kiln` command: dispatches to a command (build, inspect, run, profile) and turns errors into messages
// on standard error and exit codes (0 success, 1 model or run failure, 2 wrong command line).
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "commands.h"
#include "kiln/device.h"
#include "kiln/openmp_spinning.h"
#include "kiln/plugin.h"
#include "options.h"
#include "text_table.h"

namespace kiln::cli {

int fail(int exitCode, const std::string& message) {
    std::cerr << "kiln: error: " << printable(message, true) << '\n';
    return exitCode;
}

namespace {

int dispatch(std::vector<std::string> args) {
    // Plugin libraries first: model import, plan loading and even --help after them may need their creators.
    const auto libraries = takePluginLibraries(args);
    if (!libraries) return fail(kExitUsage, libraries.status().message());
    if (Status loaded = loadPluginLibraries(*libraries); !loaded.isOk())
        return fail(kExitFailure, loaded.message());
    if (args.empty()) {
        return fail(
            kExitUsage,
            "no command given; use 'kiln build MODEL -o PLAN', 'kiln inspect MODEL', 'kiln run MODEL' "
            "or 'kiln profile MODEL', see 'kiln --help'");
    }
    const std::string& command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << mainHelp();
        return kExitSuccess;
    }
    if (command == "--version") {
        std::cout << "kiln " << KILN_VERSION << '\n';
        for (const BackendInfo& backend : backendInfos()) {
            std::cout << "backend " << backend.name << ": " << (backend.available ? "" : "unavailable, ")
                      << backend.description << '\n';
        }
        return kExitSuccess;
    }
    if (command == "build") return buildCommand(rest);
    if (command == "inspect") return inspectCommand(rest);
    if (command == "run") return runCommand(rest);
    if (command == "compare") return compareCommand(rest);
    if (command == "compare-plans") return comparePlansCommand(rest);
    if (command == "calibrate") return calibrateCommand(rest);
    if (command == "profile") return profileCommand(rest);
    if (command.rfind('-', 0) == 0) {
        return fail(kExitUsage,
                    "unknown option '" + command + "'; options go after the command, see 'kiln --help'");
    }
    return fail(kExitUsage, "unknown command '" + command +
                                "'; the commands are build, inspect, run, profile, compare, compare-plans and calibrate, see 'kiln --help'");
}

}  // namespace

}  // namespace kiln::cli

int main(int argc, char** argv) {
    kiln::rerunWithBoundedOpenMpSpinning(argv);  // shares the cores well with other programs
    // The engine reports errors as values; this only keeps an unexpected exception (out of memory on a
    // huge model) from ending the process without a message.
    try {
        return kiln::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::bad_alloc&) {
        return kiln::cli::fail(kiln::cli::kExitFailure,
                               "out of memory: this machine could not give the command the memory it needs; free "
                               "memory, use smaller input shapes, or build for a smaller batch");
    } catch (const std::exception& e) {
        return kiln::cli::fail(kiln::cli::kExitFailure, std::string("unexpected failure: ") + e.what());
    }
}
