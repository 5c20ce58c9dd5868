// Item roles shared by the table models in this library, so that a proxy can sort numbers as numbers
// instead of as the text the table shows.
#pragma once

#include <Qt>

namespace kiln::views {

// Holds a value that orders the column naturally: a number for counts and indices, else the text.
inline constexpr int SortRole = Qt::UserRole + 1;

}  // namespace kiln::views
