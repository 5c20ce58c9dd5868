// A TensorRT-style logger: what the builder and the parsers have to say, each message with a severity,
// handed to whatever the application shows it in (the kiln command's standard error, a log window).
// Results that a caller acts on still come back as Status and in the build report; the logger is for
// people.
#pragma once

#include <string>

#include "kiln/message.h"

namespace kiln {

enum class Severity {
    InternalError,  // Kiln itself is wrong
    Error,          // what was asked failed; the Status that comes back says the same
    Warning,        // it worked, but not all as asked (a timing cache ignored, a constraint not obeyed)
    Info,           // what was done (a model imported, an engine built)
    Verbose,        // the details (every pass change, every build phase's time)
};

const char* toString(Severity severity);

class ILogger {
public:
    virtual ~ILogger() = default;
    // Called on the thread that does the work; an implementation that is shared between threads
    // synchronizes itself.
    virtual void log(Severity severity, const std::string& message) = 0;
    // A catalogued message (kiln/message.h), for loggers that show it in the user's language; by default
    // its English text goes to log().
    virtual void logMessage(Severity severity, const Message& message) { log(severity, message.text); }
};

}  // namespace kiln
