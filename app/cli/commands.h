// The `kiln` commands. Each takes the arguments after its name and returns the process exit code;
// errors are printed to standard error as "kiln: error: ...".
#pragma once

#include <string>
#include <vector>

namespace kiln::cli {

int buildCommand(const std::vector<std::string>& args);
int inspectCommand(const std::vector<std::string>& args);
int runCommand(const std::vector<std::string>& args);
int profileCommand(const std::vector<std::string>& args);
int compareCommand(const std::vector<std::string>& args);
int comparePlansCommand(const std::vector<std::string>& args);
int calibrateCommand(const std::vector<std::string>& args);

// Prints "kiln: error: MESSAGE" to standard error and returns `exitCode`.
int fail(int exitCode, const std::string& message);

}  // namespace kiln::cli
