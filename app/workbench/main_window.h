// The workbench's main window. It shows the open Document's network as tables of layers and tensors,
// offers File actions (open, recent models, quit), accepts a dropped .onnx file, and keeps its geometry
// and the recent-models list in QSettings. It displays; loading is the Document's job.
#pragma once

#include <QMainWindow>

class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace kiln::views {
class LayerTableModel;
class TensorTableModel;
}  // namespace kiln::views

namespace kiln::workbench {

class Document;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

    Document* document() const { return m_document; }

public slots:
    // Starts loading `path`; the window keeps showing the current model until the new one arrives.
    void openFile(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createMenus();
    QWidget* createModelPage();
    QTableView* createTable(QSortFilterProxyModel* proxy, const QString& objectName);
    void createStatusBar();

    void showOpenDialog();
    void onLoadingStarted(const QString& path);
    void onLoaded(const QString& path);
    void onFailed(const QString& path, const QString& message);
    void applyFilter(const QString& text);
    void updateTabTitles();
    void updateRecentFilesMenu(const QStringList& files);

    void readSettings();
    void writeSettings() const;

    Document* m_document = nullptr;
    views::LayerTableModel* m_layerModel = nullptr;
    views::TensorTableModel* m_tensorModel = nullptr;
    QSortFilterProxyModel* m_layerProxy = nullptr;
    QSortFilterProxyModel* m_tensorProxy = nullptr;

    QStackedWidget* m_pages = nullptr;
    QLineEdit* m_filterEdit = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTableView* m_layerView = nullptr;
    QTableView* m_tensorView = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_pathLabel = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QProgressBar* m_busyIndicator = nullptr;
};

}  // namespace kiln::workbench
