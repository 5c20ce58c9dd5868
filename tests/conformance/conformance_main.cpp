// kiln_conformance: runs the ONNX backend test data (Debian's libonnx-testdata) through the ONNX parser
// and the reference executor, prints a tally per suite, and fails when a case on the must-pass list
// does not pass. The list only grows: --write-passing produces the current passing set to commit.
//
// Exit codes: 0 every selected must-pass case passed, 1 one did not, 2 wrong command line,
// 77 the test data is not installed (ctest reports the test as skipped).
#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "conformance_case.h"

namespace {

namespace fs = std::filesystem;
using kiln::conformance::CaseResult;
using kiln::conformance::Outcome;

constexpr int kExitUsage = 2;
constexpr int kExitNoData = 77;
// Cases slower than this are listed with --verbose, to keep the whole run well under two minutes.
constexpr double kSlowCaseSeconds = 2.0;

struct Options {
    fs::path dataDirectory = "/usr/share/libonnx-testdata/data";
    std::vector<std::string> suites = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    std::string mustPassFile;
    std::string filter;
    std::string writePassingFile;
    bool verbose = false;
    bool listSkipped = false;
    kiln::conformance::ExecutionPath path = kiln::conformance::ExecutionPath::Reference;
    bool helpRequested = false;
};

const char* const kUsage =
    "Usage: kiln_conformance [--data DIR] [--suites node,pytorch-converted,pytorch-operator,simple]\n"
    "                        [--must-pass FILE] [--filter SUBSTRING] [--write-passing FILE] [--verbose]\n"
    "                        [--list-skipped] [--engine]\n"
    "  --engine        build each model with every optimization pass and run it in an execution\n"
    "                  context, instead of running the imported network on the reference executor\n"
    "  --verbose       print every failed and skipped case with its reason, and slow cases\n"
    "  --list-skipped  print one line per skipped case: 'skipped SUITE/CASE: REASON'\n";

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty())
            items.push_back(item);
    }
    return items;
}

bool parseOptions(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--verbose") {
            options.verbose = true;
            continue;
        }
        if (arg == "--list-skipped") {
            options.listSkipped = true;
            continue;
        }
        if (arg == "--engine") {
            options.path = kiln::conformance::ExecutionPath::Engine;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            options.helpRequested = true;
            return true;
        }
        if (i + 1 >= argc) {
            std::cerr << "kiln_conformance: " << arg
                      << (arg.rfind("--", 0) == 0 ? " needs a value\n" : ": unknown\n") << kUsage;
            return false;
        }
        const std::string value = argv[++i];
        if (arg == "--data")
            options.dataDirectory = value;
        else if (arg == "--suites")
            options.suites = splitList(value);
        else if (arg == "--must-pass")
            options.mustPassFile = value;
        else if (arg == "--filter")
            options.filter = value;
        else if (arg == "--write-passing")
            options.writePassingFile = value;
        else {
            std::cerr << "kiln_conformance: unknown argument '" << arg << "'\n" << kUsage;
            return false;
        }
    }
    if (options.suites.empty()) {
        std::cerr << "kiln_conformance: --suites names no suite\n" << kUsage;
        return false;
    }
    return true;
}

// "suite/case" lines; '#' starts a comment, blank lines are ignored.
bool readMustPass(const std::string& path, std::vector<std::string>& names) {
    std::ifstream in(path);
    if (!in) {
        std::cerr << "kiln_conformance: cannot read the must-pass list '" << path << "'\n";
        return false;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = line.substr(0, line.find('#'));
        const size_t begin = line.find_first_not_of(" \t\r");
        if (begin == std::string::npos)
            continue;
        line = line.substr(begin, line.find_last_not_of(" \t\r") - begin + 1);
        if (line.find('/') == std::string::npos || line.find_first_of(" \t") != std::string::npos) {
            std::cerr << "kiln_conformance: " << path << ":" << number << ": '" << line
                      << "' is not a suite/case name\n";
            return false;
        }
        names.push_back(line);
    }
    return true;
}

bool writePassing(const std::string& path, const std::vector<std::string>& passing) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary);
        out << "# ONNX backend test cases (libonnx-testdata) that must pass; kiln_conformance fails when "
               "one\n"
               "# does not. Regenerate with: kiln_conformance --write-passing "
               "tests/conformance/must_pass.txt\n";
        for (const std::string& name : passing)
            out << name << '\n';
        out.close();
        if (!out) {
            std::cerr << "kiln_conformance: cannot write '" << temporary << "'\n";
            return false;
        }
    }
    std::error_code error;
    fs::rename(temporary, path, error);
    if (error) {
        std::cerr << "kiln_conformance: cannot write '" << path << "': " << error.message() << '\n';
        return false;
    }
    return true;
}

// A crash-free failure (an exception escaping the engine, which it must not throw) is recorded
// against the case and the run goes on.
CaseResult runGuarded(const fs::path& caseDirectory, kiln::conformance::ExecutionPath path) {
    try {
        return kiln::conformance::runCase(caseDirectory, path);
    } catch (const std::exception& e) {
        return {Outcome::Failed, std::string("exception: ") + e.what()};
    } catch (...) {
        return {Outcome::Failed, "unknown exception"};
    }
}

struct Tally {
    int passed = 0;
    int failed = 0;
    int unsupported = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parseOptions(argc, argv, options))
        return kExitUsage;
    if (options.helpRequested) {
        std::cout << kUsage;
        return 0;
    }
    std::vector<std::string> mustPass;
    if (!options.mustPassFile.empty() && !readMustPass(options.mustPassFile, mustPass))
        return kExitUsage;
    if (!fs::is_directory(options.dataDirectory)) {
        std::cout << "ONNX backend test data not found at " << options.dataDirectory.string()
                  << " (install libonnx-testdata or pass --data DIR); nothing run\n";
        return kExitNoData;
    }

    std::map<std::string, Outcome> outcomes;
    std::map<std::string, std::string> reasons;
    std::vector<std::string> passing;
    Tally total;
    for (const std::string& suite : options.suites) {
        const fs::path suiteDirectory = options.dataDirectory / suite;
        if (!fs::is_directory(suiteDirectory)) {
            std::cerr << "kiln_conformance: no suite '" << suite << "' in " << options.dataDirectory.string()
                      << '\n';
            return kExitUsage;
        }
        std::vector<std::string> cases;
        for (const fs::directory_entry& entry : fs::directory_iterator(suiteDirectory)) {
            if (entry.is_directory())
                cases.push_back(entry.path().filename().string());
        }
        std::sort(cases.begin(), cases.end());

        Tally tally;
        for (const std::string& caseName : cases) {
            const std::string name = suite + "/" + caseName;
            if (name.find(options.filter) == std::string::npos)
                continue;
            const auto start = std::chrono::steady_clock::now();
            const CaseResult result = runGuarded(suiteDirectory / caseName, options.path);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            outcomes[name] = result.outcome;
            reasons[name] = result.reason;
            if (result.outcome == Outcome::Passed) {
                ++tally.passed;
                passing.push_back(name);
            } else if (result.outcome == Outcome::Failed) {
                ++tally.failed;
            } else {
                ++tally.unsupported;
            }
            if (options.listSkipped && !options.verbose && result.outcome == Outcome::Unsupported)
                std::cout << "skipped " << name << ": " << result.reason << '\n';
            if (options.verbose) {
                if (result.outcome == Outcome::Failed)
                    std::cout << "FAILED " << name << ": " << result.reason << '\n';
                if (result.outcome == Outcome::Unsupported)
                    std::cout << "skipped " << name << ": " << result.reason << '\n';
                if (seconds > kSlowCaseSeconds)
                    std::cout << "slow " << name << ": " << seconds << " s\n";
            }
        }
        std::cout << suite << ": " << tally.passed << " passed, " << tally.failed << " failed, "
                  << tally.unsupported << " skipped (unsupported)\n";
        total.passed += tally.passed;
        total.failed += tally.failed;
        total.unsupported += tally.unsupported;
    }

    // A must-pass case counts when its suite ran and the filter selects it; one that no longer exists
    // in the data counts as not passing, so a renamed case cannot silently drop out of the list.
    const std::set<std::string> selectedSuites(options.suites.begin(), options.suites.end());
    std::vector<std::string> notPassing;
    for (const std::string& name : mustPass) {
        if (selectedSuites.count(name.substr(0, name.find('/'))) == 0)
            continue;
        if (name.find(options.filter) == std::string::npos)
            continue;
        const auto outcome = outcomes.find(name);
        if (outcome == outcomes.end()) {
            notPassing.push_back(name + ": not in the test data");
        } else if (outcome->second != Outcome::Passed) {
            notPassing.push_back(name + ": " +
                                 (outcome->second == Outcome::Failed ? "failed: " : "unsupported: ") +
                                 reasons[name]);
        }
    }
    if (!notPassing.empty()) {
        std::cout << notPassing.size() << " must-pass case" << (notPassing.size() == 1 ? "" : "s")
                  << " did not pass:\n";
        for (const std::string& line : notPassing)
            std::cout << "  " << line << '\n';
    }

    if (!options.writePassingFile.empty()) {
        std::sort(passing.begin(), passing.end());
        if (!writePassing(options.writePassingFile, passing))
            return 1;
    }
    std::cout << total.passed << " passed, " << total.failed << " failed, " << total.unsupported
              << " skipped\n";
    return notPassing.empty() ? 0 : 1;
}
