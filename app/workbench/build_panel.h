// The Build panel: the model's inputs with the shapes to use for symbolic dimensions (and a button that
// re-opens the model with them), the builder options (precision, the INT8 ranges the Calibration panel
// gave, the model nodes to keep in FP32, backend, fusion, workspace limit, timing iterations, timing
// cache), Build and Cancel, one progress bar per build phase and a timestamped build log. It displays and
// collects; the main window runs the build.
#pragma once

#include <optional>

#include <QElapsedTimer>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "build_job.h"
#include "document.h"

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QSplitter;
class QTableWidget;

namespace kiln::workbench {

class BuildPanel : public QWidget {
    Q_OBJECT

public:
    enum class LogLevel { Info, Warning, Error };

    explicit BuildPanel(QWidget* parent = nullptr);

    // Shows the inputs of the model at `modelPath` as it declares them, with `shapes` (or 1 for each
    // symbolic extent) in the editable column. A non-empty `problem` says why the model is not open
    // yet; it is shown above the table and the re-open button becomes the default action.
    void setModelInputs(const QString& modelPath, const std::vector<OnnxInputInfo>& declared,
                        const ShapeMap& shapes, const QString& problem = {});
    // A plan has fixed inputs: shows its bindings, read-only.
    void setPlanInputs(const std::vector<Binding>& bindings);
    // The shapes typed for the symbolic inputs; on a malformed entry returns false and says why.
    bool inputShapes(ShapeMap& shapes, QString* error) const;
    // Dynamic shapes: one optimization profile from the inputs given a range (min and max, with the
    // shape to use as opt); empty when no input has one. False, with `error`, for a malformed range.
    bool inputProfiles(std::vector<OptimizationProfile>& profiles, QString* error) const;
    // Shows a problem with the inputs above the table.
    void showInputsProblem(const QString& problem);

    BuildSettings settings() const;
    void setPrecision(BuildSettings::Precision precision);
    void setTimingCache(bool enabled, const QString& path);
    // The calibrated ranges INT8 builds use (empty: none yet), and how they were made, for the panel
    // ("12 tensors, entropy, 4 batches").
    void setCalibration(const std::map<std::string, float>& ranges, const QString& description);
    bool hasCalibration() const { return !m_dynamicRanges.empty(); }
    // Sets the layer precisions to these model nodes (names or patterns with * and ?) kept in FP32 (the
    // bisection's answer).
    void setLayerPrecisions(const QStringList& nodes);
    // The layer precisions typed: "conv1, layer4.*:fp16" (a node alone stays in FP32).
    std::vector<LayerPrecision> layerPrecisions() const;
    // Whether Build can start (a model is open and nothing else runs).
    void setBuildAvailable(bool available, const QString& reason = {});

    // Progress display of the main window's build.
    void buildStarted(const QString& modelName, const BuildSettings& settings);
    void phaseStarted(const QString& phase, int step, int stepCount);
    void buildFinished(const BuildJob::Outcome& outcome);
    bool isBuilding() const { return m_building; }

    void appendLog(const QString& text, LogLevel level = LogLevel::Info);
    QString logText() const;
    // The state line under the buttons ("Built in 1.2 s: 42 → 30 layers", "Build cancelled").
    QString statusText() const;

    void saveSettings() const;
    void restoreSettings();

    // How phases are named on screen ("passes" → "Optimization passes"); unknown ones as they are.
    static QString phaseDisplayName(const QString& phase);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

signals:
    void buildRequested();
    void cancelRequested();
    void reopenRequested(const QString& modelPath, const kiln::workbench::ShapeMap& shapes);
    void timingCacheChanged(bool enabled, const QString& path);

private:
    QWidget* createInputsGroup();
    QWidget* createOptionsGroup();
    QWidget* createProgressGroup();
    void requestReopen();
    std::optional<Dims> typedValues(const QString& typed, const QStringList& parts, const OnnxInputInfo& input,
                                    QString& problem) const;
    std::optional<Dims> typedShape(int row, int column, const OnnxInputInfo& input, QString& problem) const;
    void fitInputTable();
    void updateOptionsHeight();
    void finishCurrentPhase(const QString& format);
    void setStatus(const QString& text, LogLevel level);
    void updateButtons();

    QWidget* m_options = nullptr;
    QScrollArea* m_optionsScroll = nullptr;
    QSplitter* m_splitter = nullptr;

    // Inputs.
    QLabel* m_inputsMessage = nullptr;
    QTableWidget* m_inputTable = nullptr;
    QPushButton* m_reopenButton = nullptr;
    QString m_modelPath;
    std::vector<OnnxInputInfo> m_declared;

    // Options.
    QComboBox* m_precision = nullptr;
    QComboBox* m_backend = nullptr;
    QCheckBox* m_fusion = nullptr;
    QSpinBox* m_workspace = nullptr;
    QSpinBox* m_timingIterations = nullptr;
    QCheckBox* m_useTimingCache = nullptr;
    QLineEdit* m_timingCachePath = nullptr;
    QPushButton* m_browseTimingCache = nullptr;
    QLabel* m_calibrationLabel = nullptr;
    QLineEdit* m_layerPrecisions = nullptr;
    QComboBox* m_constraints = nullptr;
    std::map<std::string, float> m_dynamicRanges;

    // Progress.
    QPushButton* m_buildButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QLabel* m_status = nullptr;
    QWidget* m_phaseBox = nullptr;
    QGridLayout* m_phaseGrid = nullptr;
    QPlainTextEdit* m_log = nullptr;

    bool m_building = false;
    bool m_buildAvailable = false;
    // Whether the running build is an INT8 build without calibrated ranges, to say what to do if it fails.
    bool m_uncalibratedInt8 = false;
    QString m_currentPhase;
    QProgressBar* m_currentBar = nullptr;
    QElapsedTimer m_phaseClock;
};

}  // namespace kiln::workbench
