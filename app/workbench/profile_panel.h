// The Profile panel: the runs and warm-up runs to time, Profile, Sweep (an engine built for a range of
// shapes, run at each extent typed for its first varying dimension) and Cancel, progress and the
// latency figures of the last run; below them the per-layer profile and the sweep's chart. It owns the
// ProfileJob that runs in the background; the main window gives it the engine and the input shapes and
// shows what it reports (layer latencies on the graph, the selected layer elsewhere). For an engine
// Kiln cannot run (one TensorRT built, read from its exports) it shows times measured elsewhere and
// offers to open them instead.
#pragma once

#include <QHash>
#include <QString>
#include <QWidget>
#include <functional>
#include <memory>
#include <vector>

#include "document.h"
#include "profile_job.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace kiln::views {
struct ProfileResult;
class ProfileView;
class ShapeSweepView;
}  // namespace kiln::views

namespace kiln::workbench {

class ProfilePanel : public QWidget {
    Q_OBJECT

public:
    explicit ProfilePanel(QWidget* parent = nullptr);

    views::ProfileView* view() const { return m_view; }
    views::ShapeSweepView* sweepView() const { return m_sweepView; }
    ProfileJob* job() const { return m_job; }
    bool isRunning() const { return m_job->isRunning(); }
    // How far the running profile or sweep is, in percent.
    int percent() const { return m_percent; }
    // Whether the last profile succeeded and has layers to export.
    bool hasProfile() const;

    // The shapes an engine built for a range of shapes runs at (the Build panel's).
    using ShapesProvider = std::function<void(ShapeMap& shapes)>;
    void setShapesProvider(ShapesProvider provider) { m_shapes = std::move(provider); }

    // The engine to profile (null: none) and the model's inputs as declared, whose dimension names label
    // a sweep. Clears what the panel showed; a running profile of the previous engine is dropped when it
    // ends. `status` replaces the panel's status line.
    void setEngine(std::shared_ptr<const Engine> engine, std::vector<OnnxInputInfo> declaredInputs,
                   const QString& status);
    // An engine that is shown but cannot run here: Profile, Sweep and the run counts are disabled with
    // `reason` as their tooltip, and "Open Profile JSON…" (recordedProfileRequested) takes their place
    // until setEngine() is called.
    void showRecordedEngine(const QString& reason);
    // Times measured elsewhere (an empty profile: none yet), with `status` and its tooltip `statusTip`.
    void setRecordedProfile(const views::ProfileResult& profile, const QString& status, const QString& statusTip);

    // Whether a profile may start now, as far as other jobs are concerned (no build running).
    void setStartAllowed(bool allowed);
    void setRunCounts(int iterations, int warmUp);

public slots:
    void startProfile();
    void startSweep();
    void cancel();

signals:
    void started();
    void percentChanged(int percent);
    void finished();
    // A line for the status bar, shown for `timeoutMs` (0: until replaced).
    void statusMessage(const QString& text, int timeoutMs);
    // The panel wants to be seen (a profile started).
    void showRequested();
    void layerSelected(const QString& name);
    // Each executed layer's median time from the last profile (empty: none).
    void latenciesChanged(const QHash<QString, double>& milliseconds);
    // The user asks to open the recorded times of an engine that cannot run here.
    void recordedProfileRequested();

private:
    void onProgress(int done, int total);
    void onFinished();
    void start(const ProfileSettings& settings, const QString& status, const QString& statusBarText);
    void showProblem(const QString& text);
    void updateControls();

    ProfileJob* m_job = nullptr;
    ShapesProvider m_shapes;
    std::shared_ptr<const Engine> m_engine;
    std::vector<OnnxInputInfo> m_declaredInputs;
    bool m_startAllowed = true;
    QString m_recordedReason;  // not empty while the engine shown cannot run here
    // The engine was replaced while a profile of it ran: its outcome is dropped.
    bool m_discard = false;
    int m_percent = 0;
    QString m_sweepDimension;  // what the running sweep varies, for its chart
    bool m_sweepPerItem = false;

    QSpinBox* m_runs = nullptr;
    QSpinBox* m_warmUp = nullptr;
    QPushButton* m_profileButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QPushButton* m_openRecordedButton = nullptr;
    QLineEdit* m_sweepValues = nullptr;
    QPushButton* m_sweepButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    views::ProfileView* m_view = nullptr;
    views::ShapeSweepView* m_sweepView = nullptr;
};

}  // namespace kiln::workbench
