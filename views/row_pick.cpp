// A mouse press on the viewport is seen by an event filter before the view moves the current index, so
// a current-index change caused by the mouse is left to the `clicked` signal that follows the release;
// every other change (arrow keys, Page Down, typing a name) reports at once. See row_pick.h.
#include "row_pick.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QItemSelectionModel>
#include <QTimer>

namespace kiln::views {

namespace {

class RowPickTracker : public QObject {
public:
    RowPickTracker(QAbstractItemView* view, std::function<void(const QModelIndex&)> handler)
        : QObject(view), m_handler(std::move(handler)) {
        view->viewport()->installEventFilter(this);
        connect(view, &QAbstractItemView::clicked, this, [this](const QModelIndex& index) {
            m_mouseDown = false;
            if (index.isValid()) m_handler(index);
        });
        if (QItemSelectionModel* selection = view->selectionModel()) {
            // currentChanged, not currentRowChanged: in a tree, the first child of another parent has the
            // same row number; moving along a row (another column) is no new pick.
            connect(selection, &QItemSelectionModel::currentChanged, this,
                    [this](const QModelIndex& current, const QModelIndex& previous) {
                        const bool sameRow = current.row() == previous.row() && current.parent() == previous.parent();
                        if (!m_mouseDown && current.isValid() && !sameRow) m_handler(current);
                    });
        }
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::MouseButtonDblClick) {
            m_mouseDown = true;
        } else if (event->type() == QEvent::MouseButtonRelease) {
            // `clicked` comes while the view handles this release; a press that ends outside any row
            // brings no click, so the flag is cleared after the release either way.
            QTimer::singleShot(0, this, [this] { m_mouseDown = false; });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void(const QModelIndex&)> m_handler;
    bool m_mouseDown = false;
};

}  // namespace

void onRowPicked(QAbstractItemView* view, std::function<void(const QModelIndex&)> handler) {
    new RowPickTracker(view, std::move(handler));
}

}  // namespace kiln::views
