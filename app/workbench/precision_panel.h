// The Precision panel: which reduced precisions to compare with FP32 (FP16; INT8 once the model is
// calibrated), the inputs to compare on (seeded random values of a chosen magnitude, or a .npy file) and
// the runs each latency is the median of; Compare with progress and Cancel; the comparison itself (per-layer
// error chart, tensor table, latencies side by side); and the bisection: a tolerance, Bisect, the model
// nodes it keeps in FP32, and "Apply and Rebuild", which hands them to the Build panel. The panel owns its
// background job and can be used without the main window.
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "precision_job.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace kiln::views {
class PrecisionView;
}

namespace kiln::workbench {

class PrecisionPanel : public QWidget {
    Q_OBJECT

public:
    // The builder options the comparison builds with (the Build panel's); defaults when not set.
    using SettingsProvider = std::function<BuildSettings()>;

    explicit PrecisionPanel(QWidget* parent = nullptr);

    // The model to compare; a null network leaves nothing to compare and `reason` says why. Drops the
    // previous model's comparison and bisection.
    void setModel(std::shared_ptr<const NetworkDefinition> network, const QString& reason = {});
    void setSettingsProvider(SettingsProvider provider) { m_settingsProvider = std::move(provider); }
    // The calibrated ranges INT8 comparisons use; INT8 can be chosen only with some.
    void setInt8Ranges(const std::map<std::string, float>& ranges);

    // The settings the widgets hold.
    ComparisonSettings settings() const;
    void setComparedPrecisions(bool fp16, bool int8);
    void setInputAmplitude(double amplitude);
    void setTolerance(double tolerance);
    double tolerance() const;

    void startComparison();
    void startBisection();
    void cancel();
    bool isRunning() const { return m_job->isRunning(); }

    // The model nodes the last bisection keeps in FP32 (empty before one, or when none need to be).
    QStringList keptNodes() const;
    // Hands the bisection's answer to whoever builds: applyRequested.
    void applyBisection();

    PrecisionJob* job() const { return m_job; }
    views::PrecisionView* view() const { return m_view; }
    QString statusText() const;
    QString bisectionText() const;

    void saveSettings() const;
    void restoreSettings();

signals:
    void comparisonFinished();
    void bisectionFinished();
    // The per-layer errors shown changed (see views::PrecisionView::layerErrors): a comparison, or
    // another precision or measure picked. Empty after setModel().
    void shownErrorsChanged();
    // The user picked a layer of the compared engine in the chart or the table.
    void layerSelected(const QString& layer);
    // "Apply and Rebuild": build `precision` with `nodes` kept in FP32.
    void applyRequested(const QStringList& nodes, kiln::workbench::BuildSettings::Precision precision);

private:
    QWidget* createSettingsColumn();
    QWidget* createBisectionGroup();
    void onProgress(int step, int total, const QString& description);
    void onComparisonFinished();
    void onBisectionStep(int keptNodes, double worstOutputError, bool meets);
    void onBisectionFinished();
    void setStatus(const QString& text, bool error = false);
    void updateButtons();

    PrecisionJob* m_job = nullptr;
    SettingsProvider m_settingsProvider;
    std::shared_ptr<const NetworkDefinition> m_network;
    QString m_unavailableReason;
    std::map<std::string, float> m_int8Ranges;
    // Work on a model that was replaced while it ran is finished and dropped.
    bool m_discard = false;
    int m_bisectionSteps = 0;
    bool m_bisectionFound = false;
    BuildSettings::Precision m_bisectedPrecision = BuildSettings::Precision::FP16;

    QCheckBox* m_fp16 = nullptr;
    QCheckBox* m_bf16 = nullptr;
    QCheckBox* m_int8 = nullptr;
    QDoubleSpinBox* m_amplitude = nullptr;
    QLineEdit* m_inputPath = nullptr;
    QSpinBox* m_latencyRuns = nullptr;
    QPushButton* m_compareButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;

    QComboBox* m_bisectPrecision = nullptr;
    QLineEdit* m_tolerance = nullptr;
    QPushButton* m_bisectButton = nullptr;
    QLabel* m_bisectionResult = nullptr;
    QListWidget* m_keptNodes = nullptr;
    QPushButton* m_applyButton = nullptr;

    views::PrecisionView* m_view = nullptr;
};

}  // namespace kiln::workbench
