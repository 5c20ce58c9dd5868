// What a build tells an ILogger (BuilderConfig::logger) when it ends: its failure as an error, or its
// warnings, a summary (info), and every pass change and phase time (verbose).
#pragma once

#include <memory>

#include "kiln/logger.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln::builder {

void logBuild(ILogger* logger, const Result<std::shared_ptr<Engine>>& engine);

}  // namespace kiln::builder
