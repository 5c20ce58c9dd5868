// The engine's messages in the user's language. The engine says things in English with a stable id and
// arguments (kiln/message.h); these functions look the id up in a table of translatable templates with
// the same %1 %2 placeholders and fill in the arguments. A message whose id the table does not know, or
// that has none, is shown in English as the engine wrote it.
#pragma once

#include <QString>
#include <QStringList>
#include <string>
#include <vector>

#include "kiln/message.h"

namespace kiln::views {

class EngineMessages {
public:
    // The message in the user's language: its text with the part the id describes translated, and what
    // stands before that part (a "[pass] " tag, an error's contexts) kept, with a known pass name
    // translated. Without an id, the text is looked up as statusText() does.
    static QString text(const kiln::Message& message);
    static QString text(const std::string& id, const std::vector<std::string>& args, const std::string& english);
    // A Status's message (an error from the engine or a parser) in the user's language: the catalogued
    // message that ends it is translated, the contexts before it are kept.
    static QString statusText(const std::string& english);
    // A pass's name ("batch-norm folding") in the user's language; an unknown name as it is.
    static QString passName(const std::string& pass);

    // The ids the table translates, and the English template of each, for tests that hold it to the
    // engine's catalogue.
    static QStringList knownIds();
    static QString englishTemplate(const QString& id);
};

}  // namespace kiln::views
