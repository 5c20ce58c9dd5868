// Aligned plain-text tables for the CLI's human-readable output, and the spelling of the times and sizes
// that go in them.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace kiln::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : m_header(std::move(header)) {}

    // Cells may hold names from a file: their control characters are escaped (see printable()).
    void addRow(std::vector<std::string> cells);
    bool empty() const { return m_rows.empty(); }

    // Writes the header and rows, each line starting with `indent`; columns are separated by two
    // spaces and the last one is not padded, so long parameter lists do not leave trailing blanks.
    void print(std::ostream& out, const std::string& indent = "  ") const;

private:
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
};

// `text` with every control character (and DEL) written as \xHH, so that a name from a file cannot
// move the cursor, change colors or clear the terminal; `keepNewlines` leaves line breaks and tabs
// (for messages that are laid out in lines). Bytes of 0x80 and above (UTF-8) are kept.
std::string printable(const std::string& text, bool keepNewlines = false);

// "1.234 ms": milliseconds with three decimals, enough for per-layer times of a few microseconds.
std::string formatMs(double ms);

// "512 B", "12.3 KiB", "4.50 MiB": binary units with three significant digits.
std::string formatBytes(int64_t bytes);

}  // namespace kiln::cli
