// Tells a view's owner when the user picks a row: a mouse click (on another row or on the current one
// again, to select its layer in the graph once more) or a keyboard move. A plain `clicked` misses the
// keyboard and `currentChanged` misses a second click on the same row; together they would report a
// click twice. The profile table and the build report list both need exactly one report per pick.
#pragma once

#include <QModelIndex>
#include <functional>

class QAbstractItemView;

namespace kiln::views {

// Calls `handler` with the picked index each time the user picks a row of `view`. Call it after the
// view has its model (the connection follows the selection model present now). The connections live
// as long as the view.
void onRowPicked(QAbstractItemView* view, std::function<void(const QModelIndex&)> handler);

}  // namespace kiln::views
