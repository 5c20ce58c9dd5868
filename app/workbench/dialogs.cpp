// See dialogs.h.
#include "dialogs.h"

#include <QFileDialog>
#include <QMessageBox>

namespace kiln::workbench {

QString chooseFile(QWidget* parent, const FileChooser& chooser, const FileRequest& request) {
    if (chooser) return chooser(request);
    if (request.mode == FileRequest::Mode::Save) {
        return QFileDialog::getSaveFileName(parent, request.title, request.path, request.filter);
    }
    return QFileDialog::getOpenFileName(parent, request.title, request.path, request.filter);
}

void openMessage(QMessageBox* box) {
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

}  // namespace kiln::workbench
