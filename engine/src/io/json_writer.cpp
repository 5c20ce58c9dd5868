// JSON output for reports and exports; see kiln/json_writer.h.
#include "kiln/json_writer.h"

#include <cmath>
#include <iomanip>
#include <locale>
#include <sstream>

namespace kiln {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one
// (overlong forms, surrogates and values above U+10FFFF included).
size_t utf8SequenceLength(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    size_t length = 0;
    uint32_t codePoint = 0;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        codePoint = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        codePoint = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        return 0;
    }
    if (i + length > s.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        codePoint = (codePoint << 6) | (byte(i + k) & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < smallest[length] || codePoint > 0x10FFFF) return 0;
    if (codePoint >= 0xD800 && codePoint <= 0xDFFF) return 0;
    return length;
}

}  // namespace

std::string jsonQuote(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    static const char hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    const size_t length = utf8SequenceLength(s, i);
                    if (length == 0) {
                        out += "\\ufffd";
                        ++i;
                        continue;
                    }
                    out.append(s.substr(i, length));
                    i += length;
                    continue;
                }
        }
        ++i;
    }
    out += '"';
    return out;
}

void JsonWriter::newline() {
    m_out << '\n';
    for (size_t i = 0; i < m_levels.size(); ++i)
        m_out << "  ";
}

void JsonWriter::beforeValue() {
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_levels.empty()) return;
    Level& level = m_levels.back();
    if (!level.empty) m_out << ',';
    level.empty = false;
    newline();
}

void JsonWriter::beginObject() {
    beforeValue();
    m_out << '{';
    m_levels.push_back({true, true});
}

void JsonWriter::endObject() {
    const bool empty = m_levels.back().empty;
    m_levels.pop_back();
    if (!empty) newline();
    m_out << '}';
    if (m_levels.empty()) m_out << '\n';
}

void JsonWriter::beginArray() {
    beforeValue();
    m_out << '[';
    m_levels.push_back({false, true});
}

void JsonWriter::endArray() {
    const bool empty = m_levels.back().empty;
    m_levels.pop_back();
    if (!empty) newline();
    m_out << ']';
    if (m_levels.empty()) m_out << '\n';
}

void JsonWriter::key(std::string_view name) {
    beforeValue();
    m_out << jsonQuote(name) << ": ";
    m_afterKey = true;
}

void JsonWriter::value(std::string_view text) {
    beforeValue();
    m_out << jsonQuote(text);
}

void JsonWriter::value(int64_t number) {
    beforeValue();
    m_out << number;
}

void JsonWriter::value(double number) {
    beforeValue();
    if (!std::isfinite(number)) {  // JSON has no NaN or infinity
        m_out << "null";
        return;
    }
    std::ostringstream text;
    text.imbue(std::locale::classic());
    text << std::setprecision(10) << number;
    m_out << text.str();
}

void JsonWriter::value(bool flag) {
    beforeValue();
    m_out << (flag ? "true" : "false");
}

// Short lists stay on one line: dimensions and tensor names read better that way.
void JsonWriter::stringArray(const std::vector<std::string>& items) {
    beforeValue();
    m_out << '[';
    for (size_t i = 0; i < items.size(); ++i)
        m_out << (i > 0 ? ", " : "") << jsonQuote(items[i]);
    m_out << ']';
}

void JsonWriter::intArray(const std::vector<int64_t>& items) {
    beforeValue();
    m_out << '[';
    for (size_t i = 0; i < items.size(); ++i)
        m_out << (i > 0 ? ", " : "") << items[i];
    m_out << ']';
}

}  // namespace kiln
