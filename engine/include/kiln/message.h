// Messages with stable ids: what the engine says to people (a pass's log entry, a warning, an error)
// as an id ("pass.fused_activation"), its arguments (layer and tensor names, numbers) and the English
// text made from the id's template. The CLI prints the text; the workbench looks the id up in its own
// translated templates and fills in the arguments, falling back to the text for an id it does not know.
// An id, once published, keeps its meaning and its arguments; a changed message gets a new id.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/status.h"

namespace kiln {

struct Message {
    std::string id;                 // empty for a message that has none: only its text can be shown
    std::vector<std::string> args;  // %1, %2, ... of the id's template
    std::string text;               // English, the arguments in place
};

struct MessageTemplate {
    const char* id;
    const char* english;  // with placeholders %1 ... %9, each used once
};

// Every catalogued message, in a fixed order.
const std::vector<MessageTemplate>& messageCatalog();
// The English template of `id`; nullptr for an id not in the catalogue.
const char* messageTemplate(std::string_view id);
// `pattern` with each %N replaced by args[N-1]; a placeholder without an argument is left as it is.
std::string formatMessage(std::string_view pattern, const std::vector<std::string>& args);
// "a, b, c and 4 more": the first `most` of `names` joined with ", ", then how many were left out.
std::string listedNames(const std::vector<std::string>& names, size_t most);
// The message of a catalogued id. An id not in the catalogue is a bug: the message keeps the id and its
// text lists the arguments, so nothing said is lost.
Message makeMessage(std::string_view id, std::vector<std::string> args);
// An error status whose message is a catalogued one.
Status messageStatus(StatusCode code, std::string_view id, std::vector<std::string> args);
// The catalogued message that ends `text` (a Status's message, after the contexts withContext() put before
// it), with its arguments; nothing when no template fits. A Status carries text alone, so an application
// that shows it in another language finds its id here: the errors made with messageStatus() are found
// exactly, their contexts are what comes before the returned message's text.
std::optional<Message> matchMessage(std::string_view text);

}  // namespace kiln
