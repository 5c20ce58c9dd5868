// The Compare Engines window: two engines chosen side by side (a plan file, the engine the workbench
// shows, or the open model built with other options: the Build panel's, without fusion, in FP16) are
// built or loaded and profiled in the background by a EngineComparisonJob, with progress and cancel, and
// shown in an EngineComparisonView; its exports (CSV, JSON, PNG) are offered here. Problems (a plan that does
// not load, a build that fails, an export that cannot be written) are shown in the window.
#pragma once

#include <QString>
#include <QWidget>

#include "dialogs.h"
#include "engine_comparison_job.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace kiln::views {
class EngineComparisonView;
}

namespace kiln::workbench {

class BuildPanel;
class Document;

class ComparisonWindow : public QWidget {
    Q_OBJECT

public:
    enum class Side { A, B };
    // What a side compares; the order of the side's choice box.
    enum class Choice { ShownEngine, PlanFile, BuildWithPanelOptions, BuildWithoutFusion, BuildInFp16 };
    enum class ExportFormat { Csv, Json, ChartPng, WindowPng };
    // `document` gives the engine shown and the open network; `buildPanel` (may be null) the options
    // that builds start from and the input shapes the open network has. Neither is owned.
    ComparisonWindow(Document* document, BuildPanel* buildPanel, QWidget* parent = nullptr);

    // Answers the window's file requests (Browse…, Export) instead of a dialog, as tests do.
    void setFileChooser(FileChooser chooser) { m_fileChooser = std::move(chooser); }

    void setChoice(Side side, Choice choice, const QString& planPath = {});
    Choice choice(Side side) const;

    // Starts comparing the two sides as chosen; comparisonFinished follows.
    void startComparison();
    void cancelComparison();
    bool isRunning() const { return m_job->isRunning(); }

    // Writes what is shown; false with the reason shown in the window (and in *error when given).
    bool exportTo(ExportFormat format, const QString& path, QString* error = nullptr);

    views::EngineComparisonView* view() const { return m_view; }
    EngineComparisonJob* job() const { return m_job; }
    // The problem shown (empty when none) and the state line ("Compared in 2.1 s: ...").
    QString errorText() const;
    QString statusText() const;

signals:
    void comparisonFinished();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct SideWidgets {
        QComboBox* choice = nullptr;
        QLineEdit* path = nullptr;
        QPushButton* browse = nullptr;
    };

    QWidget* createSideRow(Side side, SideWidgets& widgets);
    EngineComparisonSide sideRequest(Side side) const;
    QString sideName(Side side) const;
    void browse(Side side);
    void exportWithDialog(ExportFormat format);
    void onProgress(const QString& stage, int done, int total);
    void onFinished();
    void showError(const QString& message);
    void updateControls();

    Document* m_document;
    BuildPanel* m_buildPanel;
    EngineComparisonJob* m_job = nullptr;
    FileChooser m_fileChooser;

    SideWidgets m_sides[2];
    QSpinBox* m_runs = nullptr;
    QSpinBox* m_warmUp = nullptr;
    QPushButton* m_compareButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QToolButton* m_exportButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    views::EngineComparisonView* m_view = nullptr;
    QString m_runningNames[2];
    qint64 m_startedMs = 0;
};

}  // namespace kiln::workbench
