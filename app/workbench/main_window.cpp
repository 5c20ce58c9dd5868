// Builds the main window's widgets and connects them to the Document; see main_window.h.
#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "document.h"
#include "layer_table_model.h"
#include "recent_files.h"
#include "table_roles.h"
#include "tensor_table_model.h"

namespace kiln::workbench {

namespace {

enum Page { WelcomePage, ModelPage };

// Columns that may hold long text (parameter summaries, lists of tensor names) would otherwise grow
// as wide as their longest cell and push the rest off screen; the full text stays in the tooltip.
constexpr int kMaxInitialColumnWidth = 360;

// The local .onnx file a drag carries, or an empty string when it carries none.
QString modelPathFromMime(const QMimeData* mime) {
    if (!mime || !mime->hasUrls()) return {};
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile() &&
            QFileInfo(url.toLocalFile()).suffix().compare(QStringLiteral("onnx"), Qt::CaseInsensitive) == 0) {
            return url.toLocalFile();
        }
    }
    return {};
}

void fitColumns(QTableView* view) {
    view->resizeColumnsToContents();
    QHeaderView* header = view->horizontalHeader();
    for (int column = 0; column < header->count(); ++column) {
        if (header->sectionSize(column) > kMaxInitialColumnWidth) {
            header->resizeSection(column, kMaxInitialColumnWidth);
        }
    }
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_document(new Document(this)),
      m_layerModel(new views::LayerTableModel(this)),
      m_tensorModel(new views::TensorTableModel(this)),
      m_layerProxy(new QSortFilterProxyModel(this)),
      m_tensorProxy(new QSortFilterProxyModel(this)) {
    setWindowTitle(tr("Kiln"));
    setAcceptDrops(true);

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

    auto* welcome = new QLabel(tr("Open an ONNX model with File ▸ Open (%1), or drop a .onnx file here.")
                                   .arg(QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText)));
    welcome->setObjectName(QStringLiteral("welcomeLabel"));
    welcome->setAlignment(Qt::AlignCenter);
    welcome->setWordWrap(true);

    m_pages = new QStackedWidget;
    m_pages->insertWidget(WelcomePage, welcome);
    m_pages->insertWidget(ModelPage, createModelPage());
    setCentralWidget(m_pages);

    createMenus();
    createStatusBar();
    updateTabTitles();

    connect(m_document, &Document::loadingStarted, this, &MainWindow::onLoadingStarted);
    connect(m_document, &Document::loaded, this, &MainWindow::onLoaded);
    connect(m_document, &Document::failed, this, &MainWindow::onFailed);

    readSettings();
}

void MainWindow::createMenus() {
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));

    QAction* openAction = fileMenu->addAction(tr("&Open…"), this, &MainWindow::showOpenDialog);
    openAction->setObjectName(QStringLiteral("openAction"));
    openAction->setShortcut(QKeySequence::Open);
    openAction->setStatusTip(tr("Open an ONNX model"));

    m_recentMenu = fileMenu->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    updateRecentFilesMenu(RecentFiles::load());

    fileMenu->addSeparator();
    QAction* quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setObjectName(QStringLiteral("quitAction"));
    quitAction->setShortcut(QKeySequence::Quit);
    quitAction->setMenuRole(QAction::QuitRole);
}

QWidget* MainWindow::createModelPage() {
    m_filterEdit = new QLineEdit;
    m_filterEdit->setObjectName(QStringLiteral("filterEdit"));
    m_filterEdit->setPlaceholderText(tr("Filter layers and tensors by name"));
    m_filterEdit->setClearButtonEnabled(true);
    connect(m_filterEdit, &QLineEdit::textChanged, this, &MainWindow::applyFilter);
    auto* findShortcut = new QShortcut(QKeySequence::Find, this);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_filterEdit->setFocus(Qt::ShortcutFocusReason);
        m_filterEdit->selectAll();
    });

    m_layerView = createTable(m_layerProxy, QStringLiteral("layerTable"));
    m_tensorView = createTable(m_tensorProxy, QStringLiteral("tensorTable"));

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("modelTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_layerView, QString());
    m_tabs->addTab(m_tensorView, QString());

    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_filterEdit);
    layout->addWidget(m_tabs);
    return page;
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

void MainWindow::openFile(const QString& path) {
    m_document->open(path);
}

void MainWindow::showOpenDialog() {
    QSettings settings;
    const QString startDirectory =
        settings.value(QStringLiteral("lastDirectory"), QDir::homePath()).toString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), startDirectory,
                                                      tr("ONNX models (*.onnx);;All files (*)"));
    if (path.isEmpty()) return;
    settings.setValue(QStringLiteral("lastDirectory"), QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::onLoadingStarted(const QString& path) {
    m_busyIndicator->show();
    statusBar()->showMessage(tr("Loading %1…").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::onLoaded(const QString& path) {
    m_busyIndicator->hide();
    statusBar()->clearMessage();

    const std::shared_ptr<const NetworkDefinition>& network = m_document->network();
    m_layerModel->setNetwork(network);
    m_tensorModel->setNetwork(network);
    fitColumns(m_layerView);
    fitColumns(m_tensorView);
    m_pages->setCurrentIndex(ModelPage);

    setWindowTitle(tr("%1 — Kiln").arg(QFileInfo(path).fileName()));
    m_pathLabel->setText(QDir::toNativeSeparators(path));
    m_summaryLabel->setText(
        tr("%1, %2", "layer count, tensor count")
            .arg(tr("%n layer(s)", nullptr, static_cast<int>(network->layers().size())),
                 tr("%n tensor(s)", nullptr, static_cast<int>(network->tensors().size()))));
    updateRecentFilesMenu(RecentFiles::add(path));
}

void MainWindow::onFailed(const QString& path, const QString& message) {
    m_busyIndicator->hide();
    statusBar()->clearMessage();
    if (!QFileInfo::exists(path)) updateRecentFilesMenu(RecentFiles::remove(path));

    auto* box =
        new QMessageBox(QMessageBox::Warning, tr("Could not open model"),
                        tr("Could not open %1.").arg(QDir::toNativeSeparators(path)), QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("loadErrorBox"));
    box->setInformativeText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::applyFilter(const QString& text) {
    m_layerProxy->setFilterFixedString(text);
    m_tensorProxy->setFilterFixedString(text);
}

void MainWindow::updateTabTitles() {
    const auto title = [](const QString& name, int shown, int total) {
        return shown == total ? tr("%1 (%2)").arg(name).arg(total)
                              : tr("%1 (%2 of %3)").arg(name).arg(shown).arg(total);
    };
    m_tabs->setTabText(0, title(tr("Layers"), m_layerProxy->rowCount(), m_layerModel->rowCount()));
    m_tabs->setTabText(1, title(tr("Tensors"), m_tensorProxy->rowCount(), m_tensorModel->rowCount()));
}

void MainWindow::updateRecentFilesMenu(const QStringList& files) {
    m_recentMenu->clear();
    for (int i = 0; i < files.size(); ++i) {
        const QString& file = files[i];
        // The number is the menu mnemonic, so the first nine entries open from the keyboard.
        QAction* action =
            m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(file).fileName()), this,
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

void MainWindow::closeEvent(QCloseEvent* event) {
    writeSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!modelPathFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QString path = modelPathFromMime(event->mimeData());
    if (path.isEmpty()) return;
    event->acceptProposedAction();
    openFile(path);
}

void MainWindow::readSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray())) resize(1200, 760);
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("tab"), 0).toInt());
    settings.endGroup();
}

void MainWindow::writeSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("tab"), m_tabs->currentIndex());
    settings.endGroup();
}

}  // namespace kiln::workbench
