// The Calibration panel: where the calibration data is (a .npy batch or a folder of them), the algorithm
// (entropy, min-max, percentile, MSE) and the calibration cache; Calibrate with a progress bar and Cancel;
// a log of what happened (a cache reused, or why not); and the result — every activation's scale and
// threshold in a table, the histogram of the one picked. Its ranges are what INT8 builds and INT8
// comparisons use. The panel owns its background job and can be used without the main window.
#pragma once

#include <QElapsedTimer>
#include <QString>
#include <QWidget>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "calibration_job.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace kiln::views {
class CalibrationView;
}

namespace kiln::workbench {

class CalibrationPanel : public QWidget {
    Q_OBJECT

public:
    enum class LogLevel { Info, Warning, Error };
    // Which backend the calibration engine runs on (the Build panel's); CPU when not set.
    using BackendProvider = std::function<std::string()>;

    explicit CalibrationPanel(QWidget* parent = nullptr);

    // The model to calibrate: its file (whose hash a cache records) and its network. A null network
    // leaves nothing to calibrate and `reason` says why. Drops the previous model's calibration.
    void setModel(const QString& modelPath, std::shared_ptr<const NetworkDefinition> network,
                  const QString& reason = {});
    void setBackendProvider(BackendProvider provider) { m_backendProvider = std::move(provider); }

    // The settings the widgets hold, for the model set.
    CalibrationSettings settings() const;
    void setDataPath(const QString& path);
    void setCachePath(const QString& path);
    void setAlgorithm(CalibrationAlgorithm algorithm);

    // Starts calibrating (or loading the cache) with the settings shown; does nothing while a job runs.
    void startCalibration();
    void cancelCalibration();
    bool isCalibrating() const { return m_job->isRunning(); }

    // The result shown (null before a calibration succeeded) and the ranges it gives INT8 builds
    // (scale × 127 by tensor name), with the words that describe it ("12 tensors, entropy, 4 batches").
    std::shared_ptr<const views::CalibrationResult> result() const { return m_result; }
    std::map<std::string, float> dynamicRanges() const;
    QString description() const;

    CalibrationJob* job() const { return m_job; }
    views::CalibrationView* view() const { return m_view; }
    QString statusText() const;
    QString logText() const;

    void saveSettings() const;
    void restoreSettings();

signals:
    // The ranges changed: a calibration succeeded, or a new model dropped them.
    void calibrationChanged();
    void calibrationFinished();

private:
    QWidget* createSettingsColumn();
    void onProgress(int done, int total);
    void onFinished();
    void appendLog(const QString& text, LogLevel level = LogLevel::Info);
    void setStatus(const QString& text, LogLevel level);
    void logCacheNote(const CalibrationJob::CacheNote& note, const QString& cachePath);
    void updateButtons();

    CalibrationJob* m_job = nullptr;
    BackendProvider m_backendProvider;
    QString m_modelPath;
    std::shared_ptr<const NetworkDefinition> m_network;
    QString m_unavailableReason;
    std::shared_ptr<const views::CalibrationResult> m_result;
    // A calibration of a model that was replaced while it ran is finished and dropped.
    bool m_discard = false;
    CalibrationSettings m_running;
    QElapsedTimer m_clock;

    QLineEdit* m_dataPath = nullptr;
    QPushButton* m_browseFile = nullptr;
    QPushButton* m_browseFolder = nullptr;
    QComboBox* m_algorithm = nullptr;
    QDoubleSpinBox* m_percentile = nullptr;
    QLineEdit* m_cachePath = nullptr;
    QPushButton* m_browseCache = nullptr;
    QPushButton* m_calibrateButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QPlainTextEdit* m_log = nullptr;
    views::CalibrationView* m_view = nullptr;
};

}  // namespace kiln::workbench
