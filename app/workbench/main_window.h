// The workbench's main window: the graph before and after fusion in the middle, docks around it for the
// layer and tensor tables, a layer's properties, the build (options, progress, log), the build report,
// the profile, the tactics, INT8 calibration and the precision comparison, and File / Build / View menus
// with a toolbar. It opens models and plans (menu, recent files, drag and drop, command line), runs
// builds in the background and keeps one layer selected across every view. Window layout, options and
// recent files persist in QSettings. Loading is the Document's job, building the BuildJob's, profiling
// the ProfilePanel's, writing files the Exports', calibrating and comparing precisions the panels' own
// jobs; this class connects them to the views and to each other (calibrated ranges and kept layers reach
// the Build panel, comparison errors and profiled latencies color the graph).
#pragma once

#include <QHash>
#include <QMainWindow>
#include <functional>
#include <memory>
#include <vector>

#include "build_job.h"
#include "dialogs.h"
#include "document.h"
#include "profile_job.h"
#include "selection_sync.h"

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QMessageBox;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace kiln::views {
class BuildReportView;
class ComparisonGraphView;
class LayerTableModel;
class ProfileView;
class PropertiesPanel;
class TacticView;
class LintView;
class GraphView;
class TensorTableModel;
}  // namespace kiln::views

namespace kiln::workbench {

class BuildPanel;
class CalibrationPanel;
class ComparisonWindow;
class Exports;
class PrecisionPanel;
class ProfilePanel;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // The file dialogs' requests; tests answer them without a dialog through setFileChooser().
    using FileRequest = workbench::FileRequest;
    using FileChooser = workbench::FileChooser;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Document* document() const { return m_document; }
    BuildJob* buildJob() const { return m_buildJob; }
    ProfileJob* profileJob() const;
    views::ComparisonGraphView* graphView() const { return m_graph; }
    views::PropertiesPanel* propertiesPanel() const { return m_properties; }
    views::BuildReportView* buildReportView() const { return m_reportView; }
    views::ProfileView* profileView() const;
    ProfilePanel* profilePanel() const { return m_profilePanel; }
    views::TacticView* tacticView() const { return m_tacticView; }
    views::LintView* lintView() const { return m_lintView; }
    BuildPanel* buildPanel() const { return m_buildPanel; }
    CalibrationPanel* calibrationPanel() const { return m_calibrationPanel; }
    PrecisionPanel* precisionPanel() const { return m_precisionPanel; }
    // The Compare Engines window; null until first shown.
    ComparisonWindow* comparisonWindow() const { return m_comparisonWindow; }
    QTableView* layerTable() const { return m_layerView; }

    // The selected layer and whether it is an after-fusion layer; empty when none.
    const QString& selectedLayer() const;
    bool selectedLayerIsAfterFusion() const;

    // Replaces the file dialogs (Open, Export, Rebuild from model).
    void setFileChooser(FileChooser chooser) { m_fileChooser = std::move(chooser); }

public slots:
    // Starts loading a model or plan; the window keeps showing what it has until the new one arrives.
    // A Caffe net opens from its .prototxt or its .caffemodel: the other file is `weightsPath`, else the
    // one of the same name beside it, else the one it was opened with before, else the user chooses it.
    void openFile(const QString& path, const QString& weightsPath = {});
    // Builds the open model with the Build panel's options, in the background.
    void startBuild();
    void cancelBuild();
    // Profiles the engine (built or loaded from a plan) with the runs set in the Profile dock.
    void startProfile();
    // Runs an engine built for a range of shapes at each extent typed in the sweep box for its first
    // varying dimension, and plots latency and throughput against it.
    void startSweep();
    void cancelProfile();
    // Selects a layer everywhere: graph, properties, layer table, tactics. `afterFusion` says which
    // graph the name belongs to.
    void selectLayer(const QString& name, bool afterFusion);
    // Writes the engine as a plan file in the background; planExportFinished follows.
    void exportPlanTo(const QString& path);
    // Writes the build report as JSON (atomically); on failure shows why and returns false.
    bool exportReportTo(const QString& path);
    // Writes the graph after fusion (before fusion while there is none) to `path`, PNG or SVG by its suffix.
    bool exportGraphTo(const QString& path, bool visibleOnly);
    // Shows the Compare Engines window (made on first use).
    void showComparisonWindow();

signals:
    // Every view shows the file that has loaded (a build of it may start next).
    void fileShown(const QString& path);
    // Every view shows the engine of a build or a plan.
    void engineShown();
    void buildFinished();
    void profileFinished();
    // `error` is empty when the plan was written.
    void planExportFinished(const QString& path, const QString& error);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    using SelectionSource = SelectionSync::Source;

    void createActions();
    void createMenus();
    void createToolBar();
    void createDocks();
    void sizeDocks();
    QWidget* createWelcomePage();
    QWidget* createLayersPanel();
    QTableView* createTable(QSortFilterProxyModel* proxy, const QString& objectName);
    void createStatusBar();
    QDockWidget* addDock(const QString& title, const QString& objectName, QWidget* widget, Qt::DockWidgetArea area);

    void showOpenDialog();
    // The graph after fusion (before fusion while there is none), which File › Export Graph writes.
    views::GraphView* exportedGraph() const;
    void exportGraph(bool visibleOnly);
    void showPreferences();
    // Shows in the status bar which plugin libraries (Preferences::pluginLibraries) could not be loaded.
    void reportPluginLoading(const QStringList& errors);
    void showAbout();
    void rebuildFromModel(const QString& planPath);

    void onLoadingStarted(const QString& path);
    void onLoaded(const QString& path);
    void onFailed(const QString& path, const QString& message, LoadProblem problem);
    void showOpenError(const QString& path, const QString& message, LoadProblem problem);
    void onBuildPhase(const QString& phase, int step, int stepCount);
    void onBuildFinished();
    void onCalibrationChanged();
    void onPrecisionErrorsShown();
    void onComparisonFinished();
    void applyLayerPrecisions(const QStringList& nodes, BuildSettings::Precision precision);

    // The steps that show the TensorRT engine the document holds (graph, layers, lint, profile).
    std::vector<std::function<void()>> tensorRtEngineSteps();
    // Shows the TensorRT engine's times (profile view, graph latencies) and lint, which depends on them.
    void showTensorRtTimes();
    // Asks for a profile JSON of the TensorRT engine shown and shows its times.
    void openTensorRtProfile();
    // Shows the document's engine in every view, one view per turn of the event loop; `done` follows.
    void showEngine(std::function<void()> done);
    // The steps of showEngine(), for a sequence that does more.
    std::vector<std::function<void()>> engineSteps();
    // Runs `steps` one per turn of the event loop, in order; a later call abandons what is left.
    void runInSteps(std::vector<std::function<void()>> steps);
    void setLayerTableSource(bool afterFusion);

    void applyFilter(const QString& text);
    void updateTabTitles();
    void updateRecentFilesMenu(const QStringList& files);
    void updateActions();
    void updateTitle();
    void updateSummary();

    void readSettings();
    void writeSettings() const;

    Document* m_document = nullptr;
    BuildJob* m_buildJob = nullptr;
    FileChooser m_fileChooser;

    // Central area.
    QStackedWidget* m_pages = nullptr;
    views::ComparisonGraphView* m_graph = nullptr;

    // Docks.
    views::PropertiesPanel* m_properties = nullptr;
    BuildPanel* m_buildPanel = nullptr;
    views::BuildReportView* m_reportView = nullptr;
    ProfilePanel* m_profilePanel = nullptr;
    views::TacticView* m_tacticView = nullptr;
    views::LintView* m_lintView = nullptr;
    CalibrationPanel* m_calibrationPanel = nullptr;
    PrecisionPanel* m_precisionPanel = nullptr;
    ComparisonWindow* m_comparisonWindow = nullptr;
    QDockWidget* m_buildDock = nullptr;
    QDockWidget* m_calibrationDock = nullptr;
    QDockWidget* m_precisionDock = nullptr;
    QDockWidget* m_profileDock = nullptr;
    QDockWidget* m_reportDock = nullptr;
    QDockWidget* m_tacticsDock = nullptr;
    QDockWidget* m_lintDock = nullptr;
    QDockWidget* m_propertiesDock = nullptr;
    QDockWidget* m_layersDock = nullptr;

    // Layers dock.
    views::LayerTableModel* m_layerModel = nullptr;
    views::TensorTableModel* m_tensorModel = nullptr;
    QSortFilterProxyModel* m_layerProxy = nullptr;
    QSortFilterProxyModel* m_tensorProxy = nullptr;
    QComboBox* m_layerSource = nullptr;
    QLineEdit* m_filterEdit = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTableView* m_layerView = nullptr;
    QTableView* m_tensorView = nullptr;

    // Actions.
    QAction* m_openAction = nullptr;
    QAction* m_exportPlanAction = nullptr;
    QAction* m_exportReportAction = nullptr;
    QAction* m_exportGraphAction = nullptr;
    QAction* m_exportVisibleGraphAction = nullptr;
    QAction* m_exportProfileCsvAction = nullptr;
    QAction* m_exportProfileJsonAction = nullptr;
    QAction* m_exportProfilePngAction = nullptr;
    QAction* m_preferencesAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_buildAction = nullptr;
    QAction* m_cancelBuildAction = nullptr;
    QAction* m_profileAction = nullptr;
    QAction* m_cancelProfileAction = nullptr;
    QAction* m_resetLayoutAction = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;

    // Status bar.
    QLabel* m_pathLabel = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QProgressBar* m_busyIndicator = nullptr;

    SelectionSync* m_selection = nullptr;

    // Progress shown in the title bar.
    int m_buildPercent = 0;
    // The model file the panels show, so that a different model's layer constraints are dropped.
    QString m_shownModel;
    // A model opened by "Rebuild from model…" builds as soon as it has loaded.
    QString m_buildAfterLoading;
    // The settings of the running build, kept for the engine's description once it is done.
    BuildSettings m_runningBuild;
    // A build of a model that was replaced while it ran is finished and dropped.
    bool m_discardBuild = false;

    // runInSteps(): the current sequence's number, and its next step (owned here; timers hold it weakly).
    int m_stepSequence = 0;
    std::shared_ptr<std::function<void()>> m_pendingSteps;

    Exports* m_exports = nullptr;
    QByteArray m_defaultState;
};

}  // namespace kiln::workbench
