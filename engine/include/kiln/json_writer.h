// A small streaming JSON writer for the engine's and the CLI's JSON exports: objects, arrays, strings,
// numbers and booleans,
// indented two spaces per level. Strings are escaped per RFC 8259; bytes that are not valid UTF-8
// (model files do not guarantee it) become U+FFFD so the document always parses.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// `s` as a JSON string literal, quotes included.
std::string jsonQuote(std::string_view s);

class JsonWriter {
public:
    explicit JsonWriter(std::ostream& out) : m_out(out) {}

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    // Names the next value inside an object.
    void key(std::string_view name);
    void value(std::string_view text);
    void value(const char* text) { value(std::string_view(text)); }
    void value(int64_t number);
    void value(int number) { value(int64_t(number)); }
    void value(double number);
    void value(bool flag);
    void stringArray(const std::vector<std::string>& items);
    void intArray(const std::vector<int64_t>& items);

private:
    // Writes the separator and indentation due before a value or key at the current level.
    void beforeValue();
    void newline();

    struct Level {
        bool isObject = false;
        bool empty = true;
    };

    std::ostream& m_out;
    std::vector<Level> m_levels;
    bool m_afterKey = false;
};

}  // namespace kiln
