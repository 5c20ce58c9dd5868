// Builds the main window's widgets and connects them to the Document, the build and profile jobs and the
// views; see main_window.h.
#include "main_window.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelection>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <algorithm>

#include "build_panel.h"
#include "exports.h"
#include "profile_panel.h"
#include "selection_sync.h"
#include "build_report_view.h"
#include "calibration_panel.h"
#include "comparison_window.h"
#include "comparison_graph_view.h"
#include "kiln/lint.h"
#include "layer_table_model.h"
#include "lint_view.h"
#include "preferences.h"
#include "precision_panel.h"
#include "precision_view.h"
#include "preferences_dialog.h"
#include "profile_view.h"
#include "properties_panel.h"
#include "recent_files.h"
#include "table_roles.h"
#include "tactic_view.h"
#include "tensor_table_model.h"

namespace kiln::workbench {

namespace {

enum Page { WelcomePage, GraphPage };

// Bumped when the docks change, so that a layout saved by an older version is not applied to new docks.
constexpr int kWindowStateVersion = 4;

// Columns that may hold long text (parameter summaries, lists of tensor names) would otherwise grow
// as wide as their longest cell and push the rest off screen; the full text stays in the tooltip.
constexpr int kMaxInitialColumnWidth = 360;
// Rows measured when fitting columns: measuring every row of a thousand-layer model stalls the GUI.
constexpr int kColumnFitRows = 64;

bool hasSuffix(const QString& path, const QString& suffix) {
    return QFileInfo(path).suffix().compare(suffix, Qt::CaseInsensitive) == 0;
}

bool isOpenableSuffix(const QString& path) {
    static const QStringList suffixes = {QStringLiteral("onnx"), QStringLiteral("plan"), QStringLiteral("engine"),
                                         QStringLiteral("prototxt"), QStringLiteral("caffemodel"), QStringLiteral("json")};
    return suffixes.contains(QFileInfo(path).suffix(), Qt::CaseInsensitive);
}

// The local model or plan file a drag carries (a Caffe net's .prototxt first, with the .caffemodel
// dropped with it as `weights`), or an empty string when it carries none.
QString openablePathFromMime(const QMimeData* mime, QString* weights = nullptr) {
    if (!mime || !mime->hasUrls()) return {};
    QString first;
    QString prototxt;
    QString caffemodel;
    for (const QUrl& url : mime->urls()) {
        if (!url.isLocalFile() || !isOpenableSuffix(url.toLocalFile())) continue;
        const QString file = url.toLocalFile();
        if (first.isEmpty()) first = file;
        if (prototxt.isEmpty() && hasSuffix(file, QStringLiteral("prototxt"))) prototxt = file;
        if (caffemodel.isEmpty() && hasSuffix(file, QStringLiteral("caffemodel"))) caffemodel = file;
    }
    if (weights && !prototxt.isEmpty()) *weights = caffemodel;
    return prototxt.isEmpty() ? first : prototxt;
}

void fitColumns(QTableView* view) {
    view->resizeColumnsToContents();
    QHeaderView* header = view->horizontalHeader();
    for (int column = 0; column < header->count(); ++column) {
        if (header->sectionSize(column) > kMaxInitialColumnWidth) header->resizeSection(column, kMaxInitialColumnWidth);
    }
}

QString fileNameOf(const QString& path) {
    return QFileInfo(path).fileName();
}

bool samePath(const QString& a, const QString& b) {
    return QFileInfo(a).absoluteFilePath() == QFileInfo(b).absoluteFilePath();
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_document(new Document(this)),
      m_buildJob(new BuildJob(this)),
      m_layerModel(new views::LayerTableModel(this)),
      m_tensorModel(new views::TensorTableModel(this)),
      m_layerProxy(new QSortFilterProxyModel(this)),
      m_tensorProxy(new QSortFilterProxyModel(this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    setDocumentMode(true);

    m_layerProxy->setSourceModel(m_layerModel);
    m_layerProxy->setFilterKeyColumn(views::LayerTableModel::NameColumn);
    m_tensorProxy->setSourceModel(m_tensorModel);
    m_tensorProxy->setFilterKeyColumn(views::TensorTableModel::NameColumn);
    for (QSortFilterProxyModel* proxy : {m_layerProxy, m_tensorProxy}) {
        proxy->setSortRole(views::SortRole);
        proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
        connect(proxy, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateTabTitles);
        connect(proxy, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateTabTitles);
        connect(proxy, &QAbstractItemModel::modelReset, this, &MainWindow::updateTabTitles);
        connect(proxy, &QAbstractItemModel::layoutChanged, this, &MainWindow::updateTabTitles);
    }

    m_graph = new views::ComparisonGraphView;
    m_graph->setObjectName(QStringLiteral("comparisonGraph"));
    m_pages = new QStackedWidget;
    m_pages->insertWidget(WelcomePage, createWelcomePage());
    m_pages->insertWidget(GraphPage, m_graph);
    setCentralWidget(m_pages);

    m_exports = new Exports(m_document, this, &m_fileChooser);
    createActions();
    createDocks();
    createMenus();
    createToolBar();
    createStatusBar();
    updateTabTitles();

    connect(m_document, &Document::loadingStarted, this, &MainWindow::onLoadingStarted);
    connect(m_document, &Document::loaded, this, &MainWindow::onLoaded);
    connect(m_document, &Document::failed, this, &MainWindow::onFailed);
    connect(m_buildJob, &BuildJob::phaseStarted, this, &MainWindow::onBuildPhase);
    connect(m_buildJob, &BuildJob::finished, this, &MainWindow::onBuildFinished);
    connect(m_profilePanel, &ProfilePanel::started, this, [this] {
        updateActions();
        updateTitle();
    });
    connect(m_profilePanel, &ProfilePanel::percentChanged, this, &MainWindow::updateTitle);
    connect(m_profilePanel, &ProfilePanel::finished, this, [this] {
        updateActions();
        updateTitle();
        emit profileFinished();
    });
    connect(m_profilePanel, &ProfilePanel::statusMessage, this, [this](const QString& text, int timeoutMs) {
        statusBar()->showMessage(text, timeoutMs);
    });
    connect(m_profilePanel, &ProfilePanel::showRequested, this, [this] {
        m_profileDock->show();
        m_profileDock->raise();
    });
    connect(m_profilePanel, &ProfilePanel::latenciesChanged, m_graph, &views::ComparisonGraphView::setLayerLatencies);
    connect(m_profilePanel, &ProfilePanel::recordedProfileRequested, this, &MainWindow::openTensorRtProfile);
    m_profilePanel->setShapesProvider([this](ShapeMap& shapes) { m_buildPanel->inputShapes(shapes, nullptr); });
    connect(m_exports, &Exports::statusMessage, this, [this](const QString& text, int timeoutMs) {
        if (text.isEmpty()) statusBar()->clearMessage();
        else statusBar()->showMessage(text, timeoutMs);
    });
    connect(m_exports, &Exports::planExportStarted, this, [this] {
        m_busyIndicator->show();
        updateActions();
    });
    connect(m_exports, &Exports::planExportFinished, this, [this](const QString& path, const QString& error) {
        m_busyIndicator->setVisible(m_document->isLoading());
        if (error.isEmpty()) m_buildPanel->appendLog(tr("Plan written to %1.").arg(QDir::toNativeSeparators(path)));
        updateActions();
        emit planExportFinished(path, error);
    });

    m_selection = new SelectionSync(m_document,
                                    {m_graph, m_properties, m_tacticView, profileView(), m_layerView, m_layerModel,
                                     m_layerProxy},
                                    this);
    connect(m_reportView, &views::BuildReportView::layersSelected, m_selection, &SelectionSync::selectLayers);
    connect(m_lintView, &views::LintView::layersSelected, m_selection, &SelectionSync::selectLayers);

    connect(m_buildPanel, &BuildPanel::buildRequested, this, &MainWindow::startBuild);
    connect(m_buildPanel, &BuildPanel::cancelRequested, this, &MainWindow::cancelBuild);
    connect(m_buildPanel, &BuildPanel::reopenRequested, this,
            [this](const QString& path, const ShapeMap& shapes) { m_document->open(path, shapes); });
    m_calibrationPanel->setBackendProvider([this] { return m_buildPanel->settings().backend; });
    connect(m_calibrationPanel, &CalibrationPanel::calibrationChanged, this, &MainWindow::onCalibrationChanged);
    m_precisionPanel->setSettingsProvider([this] { return m_buildPanel->settings(); });
    connect(m_precisionPanel, &PrecisionPanel::shownErrorsChanged, this, &MainWindow::onPrecisionErrorsShown);
    connect(m_precisionPanel, &PrecisionPanel::comparisonFinished, this, &MainWindow::onComparisonFinished);
    connect(m_precisionPanel, &PrecisionPanel::applyRequested, this, &MainWindow::applyLayerPrecisions);
    connect(m_precisionPanel, &PrecisionPanel::layerSelected, this, [this](const QString& name) {
        // The compared engine's layer, when the shown engine has one of that name.
        if (m_selection->afterRecord(name)) m_selection->select(name, true, SelectionSource::Other);
    });
    connect(m_buildPanel, &BuildPanel::timingCacheChanged, this, [](bool enabled, const QString& path) {
        Preferences preferences = Preferences::load();
        preferences.useTimingCache = enabled;
        if (!path.isEmpty()) preferences.timingCachePath = path;
        preferences.save();
    });

    m_defaultState = saveState(kWindowStateVersion);
    reportPluginLoading(Preferences::load().loadPluginLibraries());
    readSettings();
    updateActions();
    updateTitle();
}

MainWindow::~MainWindow() {
    // The jobs wait for their workers in their own destructors; a plan being written is waited for here,
    // since the engine it serializes belongs to the document.
    delete m_exports;
    // Emptying the graphs while every view is alive: a GraphView destroyed with selected nodes reports
    // their deselection to a half-destroyed ComparisonGraphView.
    disconnect(m_graph, nullptr, this, nullptr);
    m_graph->clear();
}

// ---------------------------------------------------------------------------------------------------
// Construction

void MainWindow::createActions() {
    QStyle* style = this->style();
    m_openAction = new QAction(style->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open…"), this);
    m_openAction->setObjectName(QStringLiteral("openAction"));
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open an ONNX model or a Kiln plan"));
    m_openAction->setToolTip(tr("Open an ONNX model or a Kiln plan (%1)")
                                 .arg(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::showOpenDialog);

    m_exportPlanAction = new QAction(style->standardIcon(QStyle::SP_DialogSaveButton), tr("Export &Plan…"), this);
    m_exportPlanAction->setObjectName(QStringLiteral("exportPlanAction"));
    m_exportPlanAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportPlanAction->setStatusTip(tr("Save the built engine as a plan file for this machine"));
    connect(m_exportPlanAction, &QAction::triggered, m_exports, &Exports::exportPlan);

    m_exportReportAction = new QAction(tr("Export Build &Report…"), this);
    m_exportReportAction->setObjectName(QStringLiteral("exportReportAction"));
    m_exportReportAction->setStatusTip(tr("Save what the build decided as JSON"));
    connect(m_exportReportAction, &QAction::triggered, m_exports, &Exports::exportReport);
    m_exportGraphAction = new QAction(tr("Export &Graph…"), this);
    m_exportGraphAction->setObjectName(QStringLiteral("exportGraphAction"));
    m_exportGraphAction->setStatusTip(tr("Save the graph after fusion (before fusion while there is no engine), "
                                         "with its colors and legend, as PNG or SVG"));
    connect(m_exportGraphAction, &QAction::triggered, this, [this] { exportGraph(false); });
    m_exportVisibleGraphAction = new QAction(tr("Export &Visible Part of the Graph…"), this);
    m_exportVisibleGraphAction->setObjectName(QStringLiteral("exportVisibleGraphAction"));
    m_exportVisibleGraphAction->setStatusTip(tr("Save the part of the graph in view as PNG or SVG"));
    connect(m_exportVisibleGraphAction, &QAction::triggered, this, [this] { exportGraph(true); });

    m_exportProfileCsvAction = new QAction(tr("Profile as &CSV…"), this);
    m_exportProfileCsvAction->setObjectName(QStringLiteral("exportProfileCsvAction"));
    connect(m_exportProfileCsvAction, &QAction::triggered, this, [this] { m_exports->exportProfile(profileView(), QStringLiteral("csv")); });
    m_exportProfileJsonAction = new QAction(tr("Profile as &JSON…"), this);
    m_exportProfileJsonAction->setObjectName(QStringLiteral("exportProfileJsonAction"));
    connect(m_exportProfileJsonAction, &QAction::triggered, this, [this] { m_exports->exportProfile(profileView(), QStringLiteral("json")); });
    m_exportProfilePngAction = new QAction(tr("Profile Chart as &PNG…"), this);
    m_exportProfilePngAction->setObjectName(QStringLiteral("exportProfilePngAction"));
    connect(m_exportProfilePngAction, &QAction::triggered, this, [this] { m_exports->exportProfile(profileView(), QStringLiteral("png")); });

    m_preferencesAction = new QAction(tr("Pre&ferences…"), this);
    m_preferencesAction->setObjectName(QStringLiteral("preferencesAction"));
    m_preferencesAction->setShortcut(QKeySequence::Preferences);
    m_preferencesAction->setMenuRole(QAction::PreferencesRole);
    connect(m_preferencesAction, &QAction::triggered, this, &MainWindow::showPreferences);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_buildAction = new QAction(style->standardIcon(QStyle::SP_MediaPlay), tr("&Build"), this);
    m_buildAction->setObjectName(QStringLiteral("buildAction"));
    m_buildAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    m_buildAction->setStatusTip(tr("Optimize the model into an engine with the Build panel's options"));
    connect(m_buildAction, &QAction::triggered, this, &MainWindow::startBuild);

    m_cancelBuildAction = new QAction(style->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel Build"), this);
    m_cancelBuildAction->setObjectName(QStringLiteral("cancelBuildAction"));
    m_cancelBuildAction->setStatusTip(tr("Stop the running build"));
    connect(m_cancelBuildAction, &QAction::triggered, this, &MainWindow::cancelBuild);

    m_profileAction = new QAction(style->standardIcon(QStyle::SP_MediaSeekForward), tr("&Profile"), this);
    m_profileAction->setObjectName(QStringLiteral("profileAction"));
    m_profileAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_profileAction->setStatusTip(tr("Run the engine repeatedly on random inputs and time every layer"));
    connect(m_profileAction, &QAction::triggered, this, &MainWindow::startProfile);

    m_cancelProfileAction = new QAction(tr("Cancel P&rofile"), this);
    m_cancelProfileAction->setObjectName(QStringLiteral("cancelProfileAction"));
    connect(m_cancelProfileAction, &QAction::triggered, this, &MainWindow::cancelProfile);

    m_resetLayoutAction = new QAction(tr("&Reset Layout"), this);
    m_resetLayoutAction->setObjectName(QStringLiteral("resetLayoutAction"));
    connect(m_resetLayoutAction, &QAction::triggered, this, [this] {
        restoreState(m_defaultState, kWindowStateVersion);
        sizeDocks();
    });
}

void MainWindow::createMenus() {
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(m_openAction);
    m_recentMenu = fileMenu->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    updateRecentFilesMenu(RecentFiles::load());
    fileMenu->addSeparator();
    fileMenu->addAction(m_exportPlanAction);
    fileMenu->addAction(m_exportReportAction);
    fileMenu->addAction(m_exportGraphAction);
    fileMenu->addAction(m_exportVisibleGraphAction);
    QMenu* profileExports = fileMenu->addMenu(tr("Export Pro&file"));
    profileExports->setObjectName(QStringLiteral("exportProfileMenu"));
    profileExports->addAction(m_exportProfileCsvAction);
    profileExports->addAction(m_exportProfileJsonAction);
    profileExports->addAction(m_exportProfilePngAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_preferencesAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_quitAction);

    QMenu* buildMenu = menuBar()->addMenu(tr("&Build"));
    buildMenu->addAction(m_buildAction);
    buildMenu->addAction(m_cancelBuildAction);
    buildMenu->addSeparator();
    buildMenu->addAction(m_profileAction);
    buildMenu->addAction(m_cancelProfileAction);
    buildMenu->addSeparator();
    buildMenu->addAction(tr("Co&mpare Engines…"), this, &MainWindow::showComparisonWindow)
        ->setObjectName(QStringLiteral("compareEnginesAction"));

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : {m_propertiesDock, m_layersDock, m_buildDock, m_reportDock, m_profileDock, m_tacticsDock,
                              m_lintDock, m_calibrationDock, m_precisionDock})
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_resetLayoutAction);

    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    QAction* about = helpMenu->addAction(tr("&About Kiln Workbench"), this, &MainWindow::showAbout);
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::createToolBar() {
    QToolBar* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setMovable(false);
    toolBar->addAction(m_openAction);
    toolBar->addSeparator();
    toolBar->addAction(m_buildAction);
    toolBar->addAction(m_cancelBuildAction);
    toolBar->addAction(m_profileAction);
    toolBar->addSeparator();
    toolBar->addAction(m_exportPlanAction);
}

QDockWidget* MainWindow::addDock(const QString& title, const QString& objectName, QWidget* widget,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createDocks() {
    m_properties = new views::PropertiesPanel;
    m_properties->setObjectName(QStringLiteral("propertiesPanel"));
    m_buildPanel = new BuildPanel;
    m_reportView = new views::BuildReportView;
    m_reportView->setObjectName(QStringLiteral("buildReportView"));
    m_profilePanel = new ProfilePanel;
    m_tacticView = new views::TacticView;
    m_tacticView->setObjectName(QStringLiteral("tacticView"));
    m_lintView = new views::LintView;
    m_lintView->setObjectName(QStringLiteral("lintView"));
    m_calibrationPanel = new CalibrationPanel;
    m_precisionPanel = new PrecisionPanel;

    m_propertiesDock = addDock(tr("Properties"), QStringLiteral("propertiesDock"), m_properties, Qt::RightDockWidgetArea);
    m_layersDock = addDock(tr("Layers"), QStringLiteral("layersDock"), createLayersPanel(), Qt::RightDockWidgetArea);
    m_buildDock = addDock(tr("Build"), QStringLiteral("buildDock"), m_buildPanel, Qt::LeftDockWidgetArea);
    m_reportDock = addDock(tr("Build Report"), QStringLiteral("buildReportDock"), m_reportView, Qt::BottomDockWidgetArea);
    m_profileDock = addDock(tr("Profile"), QStringLiteral("profileDock"), m_profilePanel, Qt::BottomDockWidgetArea);
    m_tacticsDock = addDock(tr("Tactics"), QStringLiteral("tacticsDock"), m_tacticView, Qt::BottomDockWidgetArea);
    m_lintDock = addDock(tr("Lint"), QStringLiteral("lintDock"), m_lintView, Qt::BottomDockWidgetArea);
    m_calibrationDock = addDock(tr("Calibration"), QStringLiteral("calibrationDock"), m_calibrationPanel,
                                Qt::BottomDockWidgetArea);
    m_precisionDock = addDock(tr("Precision"), QStringLiteral("precisionDock"), m_precisionPanel,
                              Qt::BottomDockWidgetArea);
    tabifyDockWidget(m_propertiesDock, m_layersDock);
    tabifyDockWidget(m_reportDock, m_profileDock);
    tabifyDockWidget(m_profileDock, m_tacticsDock);
    tabifyDockWidget(m_tacticsDock, m_lintDock);
    tabifyDockWidget(m_lintDock, m_calibrationDock);
    tabifyDockWidget(m_calibrationDock, m_precisionDock);
    m_propertiesDock->raise();
    m_reportDock->raise();
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    // Adding the docks laid them out side by side for a moment, which set the window's minimum width
    // to their sum; the tabbed layout needs far less.
    layout()->activate();
}

void MainWindow::sizeDocks() {
    // The graphs get most of the window; the panels around them what they need to be read.
    resizeDocks({m_buildDock, m_propertiesDock}, {330, 380}, Qt::Horizontal);
    resizeDocks({m_reportDock}, {std::max(300, height() * 35 / 100)}, Qt::Vertical);
}

QWidget* MainWindow::createWelcomePage() {
    auto* page = new QWidget;
    auto* title = new QLabel(tr("Kiln Workbench"));
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.8);
    titleFont.setBold(true);
    title->setFont(titleFont);
    title->setAlignment(Qt::AlignCenter);

    auto* text = new QLabel(tr("Open an ONNX model to see its layer graph, build an optimized engine, compare the "
                               "graphs before and after fusion, and profile where the time goes. Use File ▸ Open "
                               "(%1), or drop a .onnx or .plan file here.")
                                .arg(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
    text->setObjectName(QStringLiteral("welcomeLabel"));
    text->setAlignment(Qt::AlignCenter);
    text->setWordWrap(true);
    text->setFixedWidth(560);
    // Added without an alignment, so that the layout asks the wrapped text for its height at that width.
    auto* textRow = new QHBoxLayout;
    textRow->addStretch(1);
    textRow->addWidget(text);
    textRow->addStretch(1);

    auto* open = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open Model…"));
    open->setObjectName(QStringLiteral("welcomeOpenButton"));
    connect(open, &QPushButton::clicked, this, &MainWindow::showOpenDialog);

    auto* layout = new QVBoxLayout(page);
    layout->addStretch(2);
    layout->addWidget(title);
    layout->addSpacing(12);
    layout->addLayout(textRow);
    layout->addSpacing(16);
    layout->addWidget(open, 0, Qt::AlignHCenter);
    layout->addStretch(3);
    return page;
}

QWidget* MainWindow::createLayersPanel() {
    m_layerSource = new QComboBox;
    m_layerSource->setObjectName(QStringLiteral("layerSourceCombo"));
    m_layerSource->addItem(tr("Before fusion (model)"));
    m_layerSource->addItem(tr("After fusion (engine)"));
    connect(m_layerSource, &QComboBox::activated, this, [this](int index) { setLayerTableSource(index == 1); });

    m_filterEdit = new QLineEdit;
    m_filterEdit->setObjectName(QStringLiteral("layerFilterEdit"));
    m_filterEdit->setPlaceholderText(tr("Filter layers and tensors by name"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &MainWindow::applyFilter);
    auto* findShortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), this);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_layersDock->show();
        m_layersDock->raise();
        m_filterEdit->setFocus(Qt::ShortcutFocusReason);
        m_filterEdit->selectAll();
    });

    m_layerView = createTable(m_layerProxy, QStringLiteral("modelLayerTable"));
    m_tensorView = createTable(m_tensorProxy, QStringLiteral("modelTensorTable"));
    m_layerView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("modelTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_layerView, QString());
    m_tabs->addTab(m_tensorView, QString());

    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 4, 4, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show:")));
    top->addWidget(m_layerSource, 1);
    layout->addLayout(top);
    layout->addWidget(m_filterEdit);
    layout->addWidget(m_tabs);
    return panel;
}

QTableView* MainWindow::createTable(QSortFilterProxyModel* proxy, const QString& objectName) {
    auto* view = new QTableView;
    view->setObjectName(objectName);
    view->setModel(proxy);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setWordWrap(false);
    view->setTextElideMode(Qt::ElideRight);
    view->verticalHeader()->hide();
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setResizeContentsPrecision(kColumnFitRows);
    // No sort indicator at first: the rows keep network order until the user picks a column.
    view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    view->setSortingEnabled(true);
    return view;
}

void MainWindow::createStatusBar() {
    m_pathLabel = new QLabel;
    m_pathLabel->setObjectName(QStringLiteral("modelPathLabel"));
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_pathLabel, 1);

    m_busyIndicator = new QProgressBar;
    m_busyIndicator->setObjectName(QStringLiteral("busyIndicator"));
    m_busyIndicator->setRange(0, 0);
    m_busyIndicator->setMaximumWidth(140);
    m_busyIndicator->setMaximumHeight(statusBar()->fontMetrics().height());
    m_busyIndicator->hide();
    statusBar()->addPermanentWidget(m_busyIndicator);

    m_summaryLabel = new QLabel;
    m_summaryLabel->setObjectName(QStringLiteral("modelSummaryLabel"));
    statusBar()->addPermanentWidget(m_summaryLabel);
}

// ---------------------------------------------------------------------------------------------------
// Files

void MainWindow::openFile(const QString& path, const QString& weightsPath) {
    QString net = path;
    QString weights = weightsPath;
    QSettings settings;
    if (hasSuffix(path, QStringLiteral("caffemodel"))) {
        // Weights alone: their net is the .prototxt of the same name, or the one the user names.
        const QFileInfo info(path);
        net = info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".prototxt"));
        if (!QFileInfo(net).isFile()) {
            net = chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, tr("Choose the Net of %1").arg(info.fileName()), info.absolutePath(),
                              tr("Caffe nets (*.prototxt);;All files (*)")});
            if (net.isEmpty()) return;
        }
        weights = path;
    } else if (Document::isCaffeNet(path) && weights.isEmpty() && Document::weightsBeside(path).isEmpty()) {
        const QString key = QStringLiteral("caffeWeights/") + QFileInfo(path).absoluteFilePath();
        weights = settings.value(key).toString();
        if (!QFileInfo(weights).isFile()) {
            weights = chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, tr("Choose the Weights of %1").arg(QFileInfo(path).fileName()),
                                  QFileInfo(path).absolutePath(), tr("Caffe weights (*.caffemodel);;All files (*)")});
            if (weights.isEmpty()) return;
        }
    }
    if (Document::isCaffeNet(net) && !weights.isEmpty()) {
        settings.setValue(QStringLiteral("caffeWeights/") + QFileInfo(net).absoluteFilePath(), QFileInfo(weights).absoluteFilePath());
    }
    m_document->open(net, {}, weights);
}

void MainWindow::showOpenDialog() {
    QSettings settings;
    const QString startDirectory = settings.value(QStringLiteral("lastDirectory"), QDir::homePath()).toString();
    const QString path =
        chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, tr("Open Model or Plan"), startDirectory,
                    tr("Models and plans (*.onnx *.prototxt *.caffemodel *.plan *.engine *.json);;ONNX models (*.onnx);;"
                       "Caffe nets (*.prototxt *.caffemodel);;Kiln plans (*.plan *.engine);;"
                       "TensorRT engine graphs, trtexec --exportLayerInfo (*.json);;All files (*)")});
    if (path.isEmpty()) return;
    settings.setValue(QStringLiteral("lastDirectory"), QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::onLoadingStarted(const QString& path) {
    m_busyIndicator->show();
    statusBar()->showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(path)));
    updateActions();
    updateTitle();
}

void MainWindow::onLoaded(const QString& path) {
    m_busyIndicator->setVisible(m_exports->isWritingPlan());
    statusBar()->clearMessage();
    // Work on the previous model is of no use any more: stop it and drop what it brings.
    if (m_buildJob->isRunning()) {
        m_discardBuild = true;
        m_buildJob->cancel();
    }
    m_selection->clear();
    m_properties->clear();
    m_profilePanel->setEngine(nullptr, {}, tr("Build the model (or open a plan), then profile it."));
    m_reportView->clear();
    m_tacticView->clear();
    m_lintView->clear();
    m_selection->reindex();

    // The views take the new file one per turn of the event loop (see runInSteps): on a large model,
    // all at once they would freeze the window for the sum of their times.
    std::vector<std::function<void()>> steps;
    if (m_document->kind() == FileKind::TensorRtEngine) {
        const views::TensorRtEngine& engine = *m_document->tensorRtEngine();
        m_calibrationPanel->setModel({}, nullptr, tr("A TensorRT engine is built already: open its ONNX model to calibrate it."));
        m_precisionPanel->setModel(nullptr, tr("A TensorRT engine is built already: open its ONNX model to compare precisions."));
        m_shownModel.clear();
        steps = tensorRtEngineSteps();
        m_buildPanel->appendLog(tr("Opened TensorRT engine %1: %n layer(s).", nullptr, int(engine.layers.size()))
                                    .arg(fileNameOf(path)));
    } else if (m_document->kind() == FileKind::Plan) {
        const Engine& engine = *m_document->engine();
        m_calibrationPanel->setModel({}, nullptr, tr("A plan is built already: open its ONNX model to calibrate it."));
        m_precisionPanel->setModel(nullptr, tr("A plan is built already: open its ONNX model to compare precisions."));
        m_shownModel.clear();
        steps = engineSteps();
        m_buildPanel->setPlanInputs(engine.bindings());
        m_buildPanel->appendLog(tr("Opened plan %1: %2 layers after fusion (%3 before), backend %4.")
                                    .arg(fileNameOf(path))
                                    .arg(engine.report().layersAfter.size())
                                    .arg(engine.report().layersBefore.size())
                                    .arg(QString::fromStdString(engine.backend())));
    } else {
        steps.push_back([this] { m_graph->setNetworkLayers(m_document->layersBefore()); });
        steps.push_back([this] { setLayerTableSource(false); });
        m_buildPanel->setModelInputs(path, m_document->declaredInputs(), m_document->inputShapes());
        // Calibrated ranges and compared errors belong to the network they were made on, even when the
        // same file is opened again with other shapes; layer constraints name model nodes and stay for
        // the same model.
        m_calibrationPanel->setModel(path, m_document->network());
        m_precisionPanel->setModel(m_document->network());
        if (!samePath(m_shownModel, path)) m_buildPanel->setLayerPrecisions({});
        m_shownModel = path;
        m_buildPanel->appendLog(tr("Opened model %1: %n layer(s).", nullptr, int(m_document->layersBefore().size()))
                                    .arg(fileNameOf(path)));
        if (m_document->shapesBySymbol()) {
            m_buildPanel->appendLog(tr("Layer shapes are shown by symbol (“/” rounds down); the model was imported "
                                       "at assumed sizes (%1): change them under Inputs and press “Open with These "
                                       "Shapes”.")
                                        .arg(m_document->assumedShapes()),
                                    BuildPanel::LogLevel::Warning);
        } else if (!m_document->assumedShapes().isEmpty()) {
            m_buildPanel->appendLog(tr("Symbolic dimensions are shown at assumed sizes (%1): change them under "
                                       "Inputs and press “Open with These Shapes”.")
                                        .arg(m_document->assumedShapes()),
                                    BuildPanel::LogLevel::Warning);
        }
    }
    m_pages->setCurrentIndex(GraphPage);
    m_pathLabel->setText(QDir::toNativeSeparators(path));
    updateSummary();
    updateActions();
    updateTitle();
    steps.push_back([this, path] { updateRecentFilesMenu(RecentFiles::add(path)); });

    const bool rebuild = !m_buildAfterLoading.isEmpty() && samePath(m_buildAfterLoading, path) && m_document->network();
    m_buildAfterLoading.clear();
    steps.push_back([this, path, rebuild] {
        emit fileShown(path);
        if (rebuild) startBuild();
    });
    runInSteps(std::move(steps));
}

void MainWindow::onFailed(const QString& path, const QString& message, LoadProblem problem) {
    m_busyIndicator->setVisible(m_exports->isWritingPlan());
    statusBar()->clearMessage();
    if (samePath(m_buildAfterLoading, path)) m_buildAfterLoading.clear();
    if (!QFileInfo::exists(path)) updateRecentFilesMenu(RecentFiles::remove(path));
    updateActions();
    updateTitle();

    if (problem == LoadProblem::SymbolicShapes) {
        m_buildPanel->setModelInputs(path, m_document->pendingInputs(), {}, message);
        m_buildPanel->appendLog(tr("%1 has inputs with symbolic dimensions: give them shapes under Inputs and "
                                   "press “Open with These Shapes”.")
                                    .arg(fileNameOf(path)),
                                BuildPanel::LogLevel::Warning);
        m_buildDock->show();
        m_buildDock->raise();
        statusBar()->showMessage(tr("%1 needs input shapes: enter them in the Build panel.").arg(fileNameOf(path)));
        return;
    }
    showOpenError(path, message, problem);
}

void MainWindow::showOpenError(const QString& path, const QString& message, LoadProblem problem) {
    const QString file = QDir::toNativeSeparators(path);
    auto* box = new QMessageBox(this);
    box->setObjectName(QStringLiteral("loadErrorBox"));
    box->setIcon(QMessageBox::Warning);
    QPushButton* rebuild = nullptr;
    const QString stillOpen = m_document->filePath().isEmpty()
                                  ? QString()
                                  : tr("\n\n%1 is still open.").arg(fileNameOf(m_document->filePath()));
    switch (problem) {
    case LoadProblem::ForeignPlan:
        box->setWindowTitle(tr("Plan built elsewhere"));
        box->setText(tr("%1 was built by another Kiln version or for another machine, so it cannot run here.")
                         .arg(file));
        box->setInformativeText(
            tr("%1\n\nPlans run only where they were built: the same Kiln version, backend and device. Rebuild "
               "it from its ONNX model: “Rebuild from Model…” opens the model and starts a build here.%2")
                .arg(message, stillOpen));
        break;
    case LoadProblem::BadEngineExport:
        box->setWindowTitle(tr("Could not read the TensorRT engine"));
        box->setText(tr("Could not read %1.").arg(file));
        box->setInformativeText(tr("%1\n\nOpen the JSON that trtexec writes with --exportLayerInfo (built with "
                                   "--profilingVerbosity=detailed for the layers' fields); its --exportProfile "
                                   "JSON, named *.profile.json beside it, gives the times.%2")
                                    .arg(message, stillOpen));
        break;
    case LoadProblem::DamagedPlan:
        box->setWindowTitle(tr("Damaged plan"));
        box->setText(tr("%1 is not a usable Kiln plan.").arg(file));
        box->setInformativeText(tr("%1\n\nIf the file was copied from elsewhere, copy it again. Otherwise rebuild "
                                   "it from its ONNX model with “Rebuild from Model…”.%2")
                                    .arg(message, stillOpen));
        break;
    default:
        box->setWindowTitle(tr("Could not open model"));
        box->setText(tr("Could not open %1.").arg(file));
        box->setInformativeText(tr("%1\n\nCheck that the file is an ONNX model and is complete (export it again "
                                   "if in doubt), or open another file.%2")
                                    .arg(message, stillOpen));
        break;
    }
    if (problem == LoadProblem::ForeignPlan || problem == LoadProblem::DamagedPlan) {
        rebuild = box->addButton(tr("Rebuild from Model…"), QMessageBox::AcceptRole);
        rebuild->setObjectName(QStringLiteral("rebuildFromModelButton"));
        box->addButton(QMessageBox::Close);
        box->setDefaultButton(rebuild);
        connect(box, &QMessageBox::buttonClicked, this, [this, rebuild, path](QAbstractButton* button) {
            // After the box has closed, so that a file dialog does not open on top of it.
            if (button == rebuild) QTimer::singleShot(0, this, [this, path] { rebuildFromModel(path); });
        });
    } else {
        box->addButton(QMessageBox::Ok);
    }
    openMessage(box);
}

void MainWindow::rebuildFromModel(const QString& planPath) {
    const QFileInfo plan(planPath);
    const QString beside = plan.absoluteDir().filePath(plan.completeBaseName() + QStringLiteral(".onnx"));
    const QString proposed = QFileInfo::exists(beside) ? beside : plan.absolutePath();
    const QString model = chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, tr("Rebuild from Model"), proposed,
                                      tr("ONNX models (*.onnx);;All files (*)")});
    if (model.isEmpty()) return;
    m_buildAfterLoading = QFileInfo(model).absoluteFilePath();
    openFile(model);
}

// ---------------------------------------------------------------------------------------------------
// Build

void MainWindow::startBuild() {
    if (m_buildJob->isRunning() || m_profilePanel->isRunning() || !m_document->network()) return;
    BuildSettings settings = m_buildPanel->settings();
    QString rangeProblem;
    if (!m_buildPanel->inputProfiles(settings.profiles, &rangeProblem)) {
        m_buildPanel->showInputsProblem(rangeProblem);
        m_buildPanel->appendLog(tr("Not built: %1").arg(rangeProblem), BuildPanel::LogLevel::Warning);
        m_buildDock->show();
        m_buildDock->raise();
        return;
    }
    m_buildPanel->showInputsProblem(QString());
    if (!settings.profiles.empty()) {
        settings.modelPath = QFile::encodeName(m_document->filePath()).toStdString();
        QStringList ranges;
        for (const auto& [name, range] : settings.profiles.front().inputs) {
            ranges << QStringLiteral("%1 %2").arg(QString::fromStdString(name), QString::fromStdString(toString(range)));
        }
        m_buildPanel->appendLog(tr("Building one engine for a range of shapes: %1.").arg(ranges.join(QStringLiteral("; "))));
    }
    if (!settings.timingCachePath.empty()) {
        QDir().mkpath(QFileInfo(QString::fromStdString(settings.timingCachePath)).absolutePath());
    }
    m_runningBuild = settings;
    m_discardBuild = false;
    m_buildPercent = 0;
    m_buildPanel->buildStarted(fileNameOf(m_document->filePath()), settings);
    m_buildDock->show();
    m_buildDock->raise();
    m_buildJob->start(m_document->network(), settings);
    statusBar()->showMessage(tr("Building…"));
    updateActions();
    updateTitle();
}

void MainWindow::cancelBuild() {
    if (!m_buildJob->isRunning()) return;
    m_buildJob->cancel();
    m_buildPanel->appendLog(tr("Cancelling the build…"));
    statusBar()->showMessage(tr("Cancelling the build…"));
}

void MainWindow::onBuildPhase(const QString& phase, int step, int stepCount) {
    m_buildPanel->phaseStarted(phase, step, stepCount);
    m_buildPercent = stepCount > 0 ? step * 100 / stepCount : 0;
    statusBar()->showMessage(tr("Building: %1…").arg(BuildPanel::phaseDisplayName(phase)));
    updateTitle();
}

void MainWindow::onBuildFinished() {
    const BuildJob::Outcome& outcome = m_buildJob->outcome();
    m_buildPanel->buildFinished(outcome);
    const bool discard = m_discardBuild;
    m_discardBuild = false;
    if (outcome.engine && !discard) {
        m_document->setEngine(outcome.engine, m_runningBuild.precisionName());
        statusBar()->showMessage(tr("Build finished in %1 s.").arg(outcome.wallMilliseconds / 1000.0, 0, 'f', 2), 8000);
        updateActions();
        updateTitle();
        updateSummary();
        showEngine([this] { emit buildFinished(); });
        return;
    }
    if (outcome.code == StatusCode::Cancelled || discard) {
        statusBar()->showMessage(tr("Build cancelled."), 8000);
    } else {
        statusBar()->showMessage(tr("Build failed: see the Build panel."), 8000);
        m_buildDock->show();
        m_buildDock->raise();
    }
    updateActions();
    updateTitle();
    updateSummary();
    emit buildFinished();
}

void MainWindow::runInSteps(std::vector<std::function<void()>> steps) {
    // Each step runs from its own zero timer, scheduled by the previous one, so that the event loop
    // (painting, input, progress) gets a turn between them. A newer call abandons an older sequence.
    const int sequence = ++m_stepSequence;
    auto remaining = std::make_shared<std::vector<std::function<void()>>>(std::move(steps));
    std::reverse(remaining->begin(), remaining->end());
    auto runNext = std::make_shared<std::function<void()>>();
    *runNext = [this, sequence, remaining, weakNext = std::weak_ptr<std::function<void()>>(runNext)] {
        if (sequence != m_stepSequence || remaining->empty()) return;
        std::function<void()> step = std::move(remaining->back());
        remaining->pop_back();
        step();
        if (auto next = weakNext.lock(); next && !remaining->empty()) QTimer::singleShot(0, this, *next);
    };
    m_pendingSteps = runNext;
    (*runNext)();
}

void MainWindow::showEngine(std::function<void()> done) {
    std::vector<std::function<void()>> steps = engineSteps();
    if (done) steps.push_back(std::move(done));
    runInSteps(std::move(steps));
}

std::vector<std::function<void()>> MainWindow::engineSteps() {
    const std::shared_ptr<const Engine> engine = m_document->engine();
    if (!engine) return {};
    m_selection->reindex();
    return {
        [this, engine] { m_graph->setReport(engine->report()); },
        [this, engine] { m_reportView->setReport(engine->report()); },
        [this, engine] { m_tacticView->setReport(engine->report()); },
        [this, engine] { m_lintView->setHints(lintEngine(*engine)); },
        [this, engine] {
            m_profilePanel->setEngine(engine, m_document->declaredInputs(), tr("The engine is ready to profile."));
            setLayerTableSource(true);
            m_selection->restore();
            emit engineShown();
        },
    };
}

std::vector<std::function<void()>> MainWindow::tensorRtEngineSteps() {
    const std::shared_ptr<const views::TensorRtEngine> engine = m_document->tensorRtEngine();
    if (!engine) return {};
    m_selection->reindex();
    return {
        [this, engine] {
            BuildReport report;
            report.layersAfter = engine->layers;
            m_graph->setReport(report);
            m_graph->beforeView()->setPlaceholderText(
                tr("TensorRT's exports hold the engine alone: there is no graph before fusion. Open the ONNX "
                   "model it was built from to see that one."));
        },
        [this] {
            m_reportView->clear();
            m_tacticView->clear();
            m_profilePanel->showRecordedEngine(tr("A TensorRT engine is shown from its JSON exports: Kiln cannot "
                                                  "build or run it. Its times come from trtexec's --exportProfile JSON."));
        },
        [this] { showTensorRtTimes(); },
        [this] {
            setLayerTableSource(true);
            emit engineShown();
        },
    };
}

void MainWindow::showTensorRtTimes() {
    const std::shared_ptr<const views::TensorRtEngine> engine = m_document->tensorRtEngine();
    if (!engine) return;
    m_lintView->setHints(lintRecordedLayers(views::lintLayersOf(*engine), true));
    if (engine->times.empty() && engine->profileOnly.empty()) {
        m_profilePanel->setRecordedProfile({}, tr("No profile beside the engine: open trtexec's --exportProfile JSON."), {});
    } else {
        // Short: the label does not wrap, and sets the window's least width.
        m_profilePanel->setRecordedProfile(
            views::profileResultOf(*engine),
            tr("%1 runs profiled by trtexec; the layers add up to %2.")
                .arg(engine->profiledRuns)
                .arg(tr("%1 ms").arg(engine->totalAverageMs, 0, 'f', engine->totalAverageMs < 10 ? 3 : 1)),
            tr("Average times per run from %1").arg(QDir::toNativeSeparators(m_document->tensorRtProfilePath())));
    }
    updateActions();
}

void MainWindow::openTensorRtProfile() {
    if (!m_document->tensorRtEngine()) return;
    const QString path = chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, tr("Open TensorRT Profile"),
                                     QFileInfo(m_document->filePath()).absolutePath(),
                                     tr("trtexec profiles, --exportProfile (*.json);;All files (*)")});
    if (path.isEmpty()) return;
    QString error;
    if (!m_document->setTensorRtProfile(path, &error)) {
        showOpenError(path, error, LoadProblem::BadEngineExport);
        return;
    }
    showTensorRtTimes();
    m_profileDock->show();
    m_profileDock->raise();
}

// ---------------------------------------------------------------------------------------------------
// Profile

void MainWindow::startProfile() {
    if (!m_buildJob->isRunning()) m_profilePanel->startProfile();
}

void MainWindow::startSweep() {
    if (!m_buildJob->isRunning()) m_profilePanel->startSweep();
}

void MainWindow::cancelProfile() {
    m_profilePanel->cancel();
}

ProfileJob* MainWindow::profileJob() const {
    return m_profilePanel->job();
}

views::ProfileView* MainWindow::profileView() const {
    return m_profilePanel->view();
}

// ---------------------------------------------------------------------------------------------------
// Calibration and precision

void MainWindow::onCalibrationChanged() {
    const std::map<std::string, float> ranges = m_calibrationPanel->dynamicRanges();
    m_buildPanel->setCalibration(ranges, m_calibrationPanel->description());
    m_precisionPanel->setInt8Ranges(ranges);
    if (!ranges.empty()) {
        m_buildPanel->appendLog(tr("INT8 ranges from the Calibration panel: %1.").arg(m_calibrationPanel->description()));
    }
}

void MainWindow::onPrecisionErrorsShown() {
    const views::PrecisionView* view = m_precisionPanel->view();
    const QString measure = view->shownPrecision().isEmpty()
                                ? QString()
                                : tr("%1, %2", "precision, error measure")
                                      .arg(view->shownPrecision(), views::PrecisionView::metricName(view->metric()));
    m_graph->setLayerErrors(view->layerErrors(), view->nodeErrors(), measure);
}

void MainWindow::onComparisonFinished() {
    if (m_precisionPanel->job()->comparisonOutcome().code != StatusCode::Ok) return;
    // What the comparison found is best read on the graph: color it by error.
    m_graph->setColorMode(views::GraphView::ColorMode::Error);
    statusBar()->showMessage(tr("Precision comparison finished: the graph is colored by error against FP32."), 8000);
}

void MainWindow::applyLayerPrecisions(const QStringList& nodes, BuildSettings::Precision precision) {
    m_buildPanel->setLayerPrecisions(nodes);
    m_buildPanel->setPrecision(precision);
    m_buildPanel->appendLog(nodes.isEmpty() ? tr("The bisection keeps no layer in FP32.")
                                            : tr("The bisection keeps in FP32: %1.").arg(nodes.join(QStringLiteral(", "))));
    if (m_buildJob->isRunning() || m_profilePanel->isRunning()) {
        statusBar()->showMessage(tr("The constraints are in the Build panel: build when the running job is done."), 8000);
        return;
    }
    startBuild();
}

// ---------------------------------------------------------------------------------------------------
// Exports

void MainWindow::exportPlanTo(const QString& path) {
    m_exports->writePlan(path);
}

bool MainWindow::exportReportTo(const QString& path) {
    return m_exports->writeReport(path);
}

views::GraphView* MainWindow::exportedGraph() const {
    views::GraphView* after = m_graph->afterView();
    return after->nodeCount() > 0 ? after : m_graph->beforeView();
}

void MainWindow::exportGraph(bool visibleOnly) {
    const QString suffix = exportedGraph() == m_graph->afterView() ? QStringLiteral("_after_fusion") : QStringLiteral("_graph");
    m_exports->exportGraph(exportedGraph(), suffix, visibleOnly);
}

bool MainWindow::exportGraphTo(const QString& path, bool visibleOnly) {
    return m_exports->writeGraph(exportedGraph(), path, visibleOnly);
}

void MainWindow::showComparisonWindow() {
    if (!m_comparisonWindow) {
        m_comparisonWindow = new ComparisonWindow(m_document, m_buildPanel, this);
        // The main window's chooser as it is at each request (tests set it after the window exists).
        m_comparisonWindow->setFileChooser(
            [this](const FileRequest& request) { return chooseFile(m_comparisonWindow, m_fileChooser, request); });
    }
    m_comparisonWindow->show();
    m_comparisonWindow->raise();
    m_comparisonWindow->activateWindow();
}

// ---------------------------------------------------------------------------------------------------
// Preferences and about

void MainWindow::showPreferences() {
    const Preferences before = Preferences::load();
    auto* dialog = new PreferencesDialog(before, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, before] {
        const Preferences preferences = dialog->preferences();
        preferences.save();
        m_buildPanel->setTimingCache(preferences.useTimingCache, preferences.timingCachePath);
        m_profilePanel->setRunCounts(preferences.profileIterations, preferences.profileWarmUp);
        if (preferences.pluginLibraries != before.pluginLibraries)
            reportPluginLoading(preferences.loadPluginLibraries());
        if (preferences.language != before.language) {
            statusBar()->showMessage(tr("The new language takes effect the next time Kiln starts."), 10000);
        }
    });
    dialog->open();
}

void MainWindow::reportPluginLoading(const QStringList& errors) {
    if (errors.isEmpty()) return;
    statusBar()->showMessage(tr("Plugin libraries not loaded: %1").arg(errors.join(QStringLiteral("; "))),
                             30000);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Kiln Workbench"),
                       tr("<h3>Kiln Workbench %1</h3><p>Inspect, optimize and profile neural-network models: the "
                          "layer graph before and after fusion, what each optimization chose, what each kernel "
                          "candidate cost, and where the time goes.</p>")
                           .arg(QApplication::applicationVersion()));
}

// ---------------------------------------------------------------------------------------------------
// Selection

void MainWindow::selectLayer(const QString& name, bool afterFusion) {
    m_selection->select(name, afterFusion, SelectionSource::Other);
}

const QString& MainWindow::selectedLayer() const {
    return m_selection->selectedLayer();
}

bool MainWindow::selectedLayerIsAfterFusion() const {
    return m_selection->selectedAfterFusion();
}

void MainWindow::setLayerTableSource(bool afterFusion) {
    std::shared_ptr<const NetworkDefinition> network =
        afterFusion ? m_selection->engineNetwork() : m_document->network();
    const std::shared_ptr<const views::TensorRtEngine>& tensorRt = m_document->tensorRtEngine();
    if (!network && !tensorRt) {
        afterFusion = !afterFusion;
        network = afterFusion ? m_selection->engineNetwork() : m_document->network();
    }
    const bool showsAfter = afterFusion || tensorRt;
    if (tensorRt) {
        // An engine known by its records alone: no network, so no tensor table either.
        m_layerModel->setRecords(tensorRt->layers);
    } else {
        m_layerModel->setNetwork(network);
    }
    m_tensorModel->setNetwork(network);
    fitColumns(m_layerView);
    fitColumns(m_tensorView);
    {
        const QSignalBlocker blocker(m_layerSource);
        m_layerSource->setCurrentIndex(showsAfter ? 1 : 0);
    }
    updateActions();
    m_selection->setTableShowsAfter(showsAfter);
}

// ---------------------------------------------------------------------------------------------------
// Window state

void MainWindow::applyFilter(const QString& text) {
    m_layerProxy->setFilterFixedString(text);
    m_tensorProxy->setFilterFixedString(text);
}

void MainWindow::updateTabTitles() {
    const auto title = [](const QString& name, int shown, int total) {
        return shown == total ? tr("%1 (%2)").arg(name).arg(total) : tr("%1 (%2 of %3)").arg(name).arg(shown).arg(total);
    };
    m_tabs->setTabText(0, title(tr("Layers"), m_layerProxy->rowCount(), m_layerModel->rowCount()));
    m_tabs->setTabText(1, title(tr("Tensors"), m_tensorProxy->rowCount(), m_tensorModel->rowCount()));
}

void MainWindow::updateRecentFilesMenu(const QStringList& files) {
    m_recentMenu->clear();
    for (int i = 0; i < files.size(); ++i) {
        const QString& file = files[i];
        // The number is the menu mnemonic, so the first nine entries open from the keyboard.
        QAction* action = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(fileNameOf(file)), this,
                                                  [this, file] { openFile(file); });
        action->setToolTip(QDir::toNativeSeparators(file));
        action->setStatusTip(QDir::toNativeSeparators(file));
        action->setData(file);
    }
    if (!files.isEmpty()) {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("&Clear Menu"), this, [this] {
            RecentFiles::clear();
            updateRecentFilesMenu({});
        });
    }
    m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::updateActions() {
    const bool building = m_buildJob->isRunning();
    const bool profiling = m_profilePanel->isRunning();
    const bool hasModel = m_document->network() != nullptr;
    const bool hasEngine = m_document->engine() != nullptr;
    m_buildAction->setEnabled(hasModel && !building && !profiling);
    m_cancelBuildAction->setEnabled(building);
    m_profileAction->setEnabled(hasEngine && !building && !profiling);
    m_cancelProfileAction->setEnabled(profiling);
    m_exportPlanAction->setEnabled(hasEngine && !m_exports->isWritingPlan());
    m_exportReportAction->setEnabled(hasEngine);
    const bool hasGraph = m_document->network() || m_document->engine();
    m_exportGraphAction->setEnabled(hasGraph);
    m_exportVisibleGraphAction->setEnabled(hasGraph);
    const bool hasProfile = m_profilePanel->hasProfile();
    m_exportProfileCsvAction->setEnabled(hasProfile);
    m_exportProfileJsonAction->setEnabled(hasProfile);
    m_exportProfilePngAction->setEnabled(hasProfile);
    m_profilePanel->setStartAllowed(!building);

    // An engine TensorRT built is read from its exports: shown, never built or run here.
    const bool tensorRt = m_document->tensorRtEngine() != nullptr;
    const QString tensorRtReason = tr("A TensorRT engine is shown from its JSON exports: Kiln cannot build or "
                                      "run it. Its times come from trtexec's --exportProfile JSON.");
    m_buildAction->setToolTip(tensorRt ? tensorRtReason : QString());
    m_buildAction->setStatusTip(tensorRt ? tensorRtReason : tr("Optimize the model into an engine with the Build panel's options"));
    m_profileAction->setToolTip(tensorRt ? tensorRtReason : QString());
    m_profileAction->setStatusTip(tensorRt ? tensorRtReason : tr("Run the engine repeatedly on random inputs and time every layer"));

    QString reason;
    if (tensorRt) {
        reason = tensorRtReason;
    } else if (m_document->kind() == FileKind::Plan && m_document->engine() && !hasModel) {
        reason = tr("A plan is already built: open its ONNX model to build again.");
    } else if (!hasModel) {
        reason = tr("Open an ONNX model first.");
    } else if (profiling) {
        reason = tr("Wait for the profile to finish.");
    }
    m_buildPanel->setBuildAvailable(hasModel && !profiling, reason);

    auto* afterItem = qobject_cast<QStandardItemModel*>(m_layerSource->model());
    if (afterItem) {
        afterItem->item(0)->setEnabled(hasModel && m_document->kind() == FileKind::Model);
        afterItem->item(1)->setEnabled(hasEngine || tensorRt);
    }
}

void MainWindow::updateTitle() {
    QString file = fileNameOf(m_document->filePath());
    QString state;
    if (m_document->isLoading()) {
        file = fileNameOf(m_document->loadingPath());
        state = tr("loading…");
    } else if (m_buildJob->isRunning()) {
        state = tr("building %1 %").arg(m_buildPercent);
    } else if (m_profilePanel->isRunning()) {
        state = tr("profiling %1 %").arg(m_profilePanel->percent());
    } else if (const std::shared_ptr<const Engine>& engine = m_document->engine()) {
        const QString precision = m_document->enginePrecision();
        const QString backend = QString::fromStdString(engine->backend());
        state = m_document->kind() == FileKind::Plan ? tr("plan, %1, %2").arg(precision, backend)
                                                     : tr("built, %1, %2").arg(precision, backend);
    } else if (const auto& tensorRt = m_document->tensorRtEngine()) {
        state = tr("TensorRT engine, %1").arg(Document::precisionOf(tensorRt->layers));
    } else if (!file.isEmpty()) {
        state = tr("not built");
    }
    setWindowTitle(file.isEmpty() ? tr("Kiln Workbench") : tr("%1 — %2", "file — state").arg(file, state));
}

void MainWindow::updateSummary() {
    const std::shared_ptr<const NetworkDefinition>& network = m_document->network();
    const std::shared_ptr<const Engine>& engine = m_document->engine();
    QString summary;
    if (network) {
        summary = tr("%1, %2", "layer count, tensor count")
                      .arg(tr("%n layer(s)", nullptr, int(network->layers().size())),
                           tr("%n tensor(s)", nullptr, int(network->tensors().size())));
    }
    if (engine) {
        const QString fused = tr("%1 → %2 layers after fusion")
                                  .arg(engine->report().layersBefore.size())
                                  .arg(engine->report().layersAfter.size());
        summary = summary.isEmpty() ? fused : tr("%1; %2", "model summary; engine summary").arg(summary, fused);
    }
    if (const auto& tensorRt = m_document->tensorRtEngine()) {
        summary = tr("TensorRT engine: %n layer(s)", nullptr, int(tensorRt->layers.size()));
    }
    m_summaryLabel->setText(summary);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    writeSettings();
    m_buildJob->cancel();
    m_profilePanel->cancel();
    m_calibrationPanel->cancelCalibration();
    m_precisionPanel->cancel();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!openablePathFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QString weights;
    const QString path = openablePathFromMime(event->mimeData(), &weights);
    if (path.isEmpty()) return;
    event->acceptProposedAction();
    openFile(path, weights);
}

void MainWindow::readSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray())) resize(1400, 900);
    if (!restoreState(settings.value(QStringLiteral("state")).toByteArray(), kWindowStateVersion)) sizeDocks();
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("tab"), 0).toInt());
    settings.endGroup();
    m_buildPanel->restoreSettings();
    m_calibrationPanel->restoreSettings();
    m_precisionPanel->restoreSettings();
    const Preferences preferences = Preferences::load();
    m_buildPanel->setTimingCache(preferences.useTimingCache, preferences.timingCachePath);
}

void MainWindow::writeSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState(kWindowStateVersion));
    settings.setValue(QStringLiteral("tab"), m_tabs->currentIndex());
    settings.endGroup();
    m_buildPanel->saveSettings();
    m_calibrationPanel->saveSettings();
    m_precisionPanel->saveSettings();
}

}  // namespace kiln::workbench
