// How the workbench asks for files and shows messages, shared by the main window and the classes it
// hands work to: a file request that tests answer without a dialog, and non-blocking message boxes.
#pragma once

#include <QString>
#include <functional>

class QMessageBox;
class QWidget;

namespace kiln::workbench {

// What a file dialog is asked for.
struct FileRequest {
    enum class Mode { Open, Save } mode = Mode::Open;
    QString title;
    QString path;  // the folder to start in, or the file to propose
    QString filter;
};
// Returns the chosen path, or an empty string when the user cancelled.
using FileChooser = std::function<QString(const FileRequest&)>;

// Answers `request` with `chooser` when there is one, else with a file dialog over `parent`.
QString chooseFile(QWidget* parent, const FileChooser& chooser, const FileRequest& request);

// Shows `box` without blocking; it deletes itself when closed and its text can be selected and copied.
void openMessage(QMessageBox* box);

}  // namespace kiln::workbench
