// Aligned plain-text tables; see text_table.h.
#include "text_table.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace kiln::cli {

std::string printable(const std::string& text, bool keepNewlines) {
    std::string result;
    result.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 || byte == 0x7f) && !(keepNewlines && (c == '\n' || c == '\t'))) {
            static const char kHex[] = "0123456789abcdef";
            result += "\\x";
            result += kHex[byte >> 4];
            result += kHex[byte & 15];
        } else {
            result += c;
        }
    }
    return result;
}

void TextTable::addRow(std::vector<std::string> cells) {
    for (std::string& cell : cells) cell = printable(cell);
    m_rows.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out, const std::string& indent) const {
    std::vector<size_t> widths(m_header.size(), 0);
    const auto measure = [&](const std::vector<std::string>& cells) {
        for (size_t i = 0; i < cells.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], cells[i].size());
    };
    measure(m_header);
    for (const auto& row : m_rows)
        measure(row);

    const auto printRow = [&](const std::vector<std::string>& cells) {
        std::string line = indent;
        for (size_t i = 0; i < widths.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : std::string();
            line += cell;
            if (i + 1 < widths.size()) line += std::string(widths[i] - cell.size() + 2, ' ');
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    };
    printRow(m_header);
    for (const auto& row : m_rows)
        printRow(row);
}

std::string formatMs(double ms) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << ms << " ms";
    return out.str();
}

std::string formatBytes(int64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes) / 1024.0;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    std::ostringstream out;
    out << std::fixed
        << std::setprecision(value < 10.0    ? 2
                             : value < 100.0 ? 1
                                             : 0)
        << value << ' ' << units[unit];
    return out.str();
}

}  // namespace kiln::cli
