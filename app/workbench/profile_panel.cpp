// The Profile panel's controls and the runs it starts; see profile_panel.h.
#include "profile_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include "preferences.h"
#include "profile_view.h"
#include "shape_sweep_view.h"

namespace kiln::workbench {

namespace {

QString formatMs(double milliseconds) {
    return ProfilePanel::tr("%1 ms").arg(milliseconds, 0, 'f', milliseconds < 10 ? 3 : 1);
}

const QString kProblemStyle = QStringLiteral("color: #b3261e;");

// Each profiled layer's median time by name, for the graph's latency colors.
QHash<QString, double> latenciesOf(const views::ProfileResult& profile) {
    QHash<QString, double> latencies;
    for (const views::LayerProfile& layer : profile.layers)
        latencies.insert(layer.name, layer.milliseconds);
    return latencies;
}

}  // namespace

ProfilePanel::ProfilePanel(QWidget* parent) : QWidget(parent), m_job(new ProfileJob(this)) {
    setObjectName(QStringLiteral("profilePanel"));
    const Preferences preferences = Preferences::load();
    m_runs = new QSpinBox;
    m_runs->setObjectName(QStringLiteral("profileRunsSpin"));
    m_runs->setRange(1, 100000);
    m_runs->setValue(preferences.profileIterations);
    m_runs->setToolTip(tr("Timed runs; each layer's time is its median over them"));
    m_warmUp = new QSpinBox;
    m_warmUp->setObjectName(QStringLiteral("profileWarmUpSpin"));
    m_warmUp->setRange(0, 100000);
    m_warmUp->setValue(preferences.profileWarmUp);
    m_warmUp->setToolTip(tr("Untimed runs first, so that caches and allocations settle"));
    const auto store = [this] {
        Preferences stored = Preferences::load();
        stored.profileIterations = m_runs->value();
        stored.profileWarmUp = m_warmUp->value();
        stored.save();
    };
    connect(m_runs, &QSpinBox::editingFinished, this, store);
    connect(m_warmUp, &QSpinBox::editingFinished, this, store);

    m_profileButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Profile"));
    m_profileButton->setObjectName(QStringLiteral("profileButton"));
    connect(m_profileButton, &QPushButton::clicked, this, &ProfilePanel::startProfile);
    m_openRecordedButton = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open Profile JSON…"));
    m_openRecordedButton->setObjectName(QStringLiteral("tensorRtProfileButton"));
    m_openRecordedButton->setToolTip(tr("Show the per-layer times trtexec wrote with --exportProfile for this engine"));
    m_openRecordedButton->hide();
    connect(m_openRecordedButton, &QPushButton::clicked, this, &ProfilePanel::recordedProfileRequested);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelProfileButton"));
    connect(m_cancelButton, &QPushButton::clicked, this, &ProfilePanel::cancel);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("profileProgress"));
    m_progress->setMaximumWidth(200);
    m_progress->hide();
    m_status = new QLabel(tr("Build the model (or open a plan), then profile it."));
    m_status->setObjectName(QStringLiteral("profileStatusLabel"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_sweepValues = new QLineEdit(QStringLiteral("1,2,4,8,16,32"));
    m_sweepValues->setObjectName(QStringLiteral("sweepValuesEdit"));
    m_sweepValues->setMaximumWidth(160);
    m_sweepValues->setToolTip(tr("Extents of the first dimension an engine built for a range of shapes lets "
                                 "vary (usually the batch), separated by commas"));
    m_sweepButton = new QPushButton(tr("Sweep"));
    m_sweepButton->setObjectName(QStringLiteral("sweepButton"));
    m_sweepButton->setToolTip(tr("Run the engine at each extent and plot latency and throughput against it"));
    connect(m_sweepButton, &QPushButton::clicked, this, &ProfilePanel::startSweep);

    m_view = new views::ProfileView;
    m_view->setObjectName(QStringLiteral("profileView"));
    m_sweepView = new views::ShapeSweepView;
    m_sweepView->setObjectName(QStringLiteral("sweepView"));
    m_sweepView->hide();

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Runs:")));
    bar->addWidget(m_runs);
    bar->addWidget(new QLabel(tr("Warm-up:")));
    bar->addWidget(m_warmUp);
    bar->addWidget(m_profileButton);
    bar->addWidget(m_openRecordedButton);
    bar->addWidget(new QLabel(tr("Sweep:")));
    bar->addWidget(m_sweepValues);
    bar->addWidget(m_sweepButton);
    bar->addWidget(m_cancelButton);
    bar->addWidget(m_progress);
    bar->addWidget(m_status, 1);

    // The profile view needs more height than the graphs can spare at first; it scrolls until the user
    // gives its dock more room.
    auto* content = new QWidget;
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(m_sweepView);
    contentLayout->addWidget(m_view, 1);
    auto* scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addLayout(bar);
    layout->addWidget(scroll, 1);

    connect(m_job, &ProfileJob::progress, this, &ProfilePanel::onProgress);
    connect(m_job, &ProfileJob::finished, this, &ProfilePanel::onFinished);
    updateControls();
}

bool ProfilePanel::hasProfile() const {
    if (!m_recordedReason.isEmpty()) return !m_view->profile().layers.empty();
    return m_engine && !m_job->isRunning() && m_job->outcome().code == StatusCode::Ok &&
           !m_job->outcome().profile.layers.empty();
}

void ProfilePanel::setEngine(std::shared_ptr<const Engine> engine, std::vector<OnnxInputInfo> declaredInputs,
                             const QString& status) {
    if (m_job->isRunning()) {
        m_discard = true;
        m_job->cancel();
    }
    m_engine = std::move(engine);
    m_declaredInputs = std::move(declaredInputs);
    m_recordedReason.clear();
    m_view->clear();
    m_sweepView->clear();
    m_sweepView->hide();
    m_status->setText(status);
    m_status->setToolTip(QString());
    m_status->setStyleSheet(QString());
    emit latenciesChanged({});
    updateControls();
}

void ProfilePanel::showRecordedEngine(const QString& reason) {
    setEngine(nullptr, {}, QString());
    m_recordedReason = reason;
    updateControls();
}

void ProfilePanel::setRecordedProfile(const views::ProfileResult& profile, const QString& status,
                                      const QString& statusTip) {
    if (profile.layers.empty()) {
        m_view->clear();
    } else {
        m_view->setProfile(profile);
    }
    emit latenciesChanged(latenciesOf(profile));
    m_status->setText(status);
    m_status->setToolTip(statusTip);
    m_status->setStyleSheet(QString());
}

void ProfilePanel::setStartAllowed(bool allowed) {
    m_startAllowed = allowed;
    updateControls();
}

void ProfilePanel::setRunCounts(int iterations, int warmUp) {
    m_runs->setValue(iterations);
    m_warmUp->setValue(warmUp);
}

void ProfilePanel::updateControls() {
    const bool running = m_job->isRunning();
    const bool recorded = !m_recordedReason.isEmpty();
    const bool canStart = m_engine && m_startAllowed && !running;
    m_profileButton->setEnabled(canStart);
    m_profileButton->setVisible(!recorded);
    m_profileButton->setToolTip(m_recordedReason);
    m_openRecordedButton->setVisible(recorded);
    m_sweepButton->setEnabled(canStart && m_engine->hasDynamicShapes());
    m_cancelButton->setEnabled(running);
    m_runs->setEnabled(!running && !recorded);
    m_warmUp->setEnabled(!running && !recorded);
}

void ProfilePanel::showProblem(const QString& text) {
    m_status->setText(text);
    m_status->setStyleSheet(kProblemStyle);
}

void ProfilePanel::start(const ProfileSettings& settings, const QString& status, const QString& statusBarText) {
    m_discard = false;
    m_percent = 0;
    const int runs = settings.iterations + settings.warmUp;
    m_progress->setRange(0, settings.sweepValues.empty() ? runs : int(settings.sweepValues.size()) * runs);
    m_progress->setValue(0);
    m_progress->show();
    m_status->setText(status);
    m_status->setStyleSheet(QString());
    m_job->start(m_engine, settings);
    updateControls();
    emit showRequested();
    emit statusMessage(statusBarText, 0);
    emit started();
}

void ProfilePanel::startProfile() {
    if (m_job->isRunning() || !m_startAllowed || !m_engine) return;
    ProfileSettings settings;
    settings.iterations = m_runs->value();
    settings.warmUp = m_warmUp->value();
    // An engine for a range of shapes runs at the Build panel's shapes to use (else each profile's opt).
    if (m_engine->hasDynamicShapes() && m_shapes) m_shapes(settings.shapes);
    start(settings, tr("Profiling: %1 runs after %2 warm-up runs…").arg(settings.iterations).arg(settings.warmUp),
          tr("Profiling…"));
}

void ProfilePanel::startSweep() {
    if (m_job->isRunning() || !m_startAllowed || !m_engine) return;
    const std::vector<OptimizationProfile> profiles = m_engine->profiles();
    ProfileSettings settings;
    // The first input dimension profile 0 lets vary.
    for (const auto& [name, range] : profiles.empty() ? std::map<std::string, ShapeRange>() : profiles.front().inputs) {
        for (size_t axis = 0; axis < range.min.size() && settings.sweepInput.empty(); ++axis) {
            if (range.min[axis] == range.max[axis]) continue;
            settings.sweepInput = name;
            settings.sweepAxis = axis;
        }
        if (!settings.sweepInput.empty()) break;
    }
    if (settings.sweepInput.empty()) {
        showProblem(tr("A sweep needs an engine built for a range of shapes: give the input a Range min and max in "
                       "the Build panel and build."));
        return;
    }
    const ShapeRange& range = profiles.front().inputs.at(settings.sweepInput);
    const int64_t low = range.min[settings.sweepAxis];
    const int64_t high = range.max[settings.sweepAxis];
    for (const QString& part : m_sweepValues->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong value = part.trimmed().toLongLong(&ok);
        if (!ok || value < low || value > high) {
            showProblem(tr("Sweep: “%1” is not an extent between %2 and %3, the range the engine was built for.")
                            .arg(part.trimmed())
                            .arg(low)
                            .arg(high));
            return;
        }
        settings.sweepValues.push_back(value);
    }
    if (settings.sweepValues.empty()) {
        showProblem(tr("Sweep: give the extents to run, e.g. 1,2,4,8."));
        return;
    }
    if (m_shapes) m_shapes(settings.shapes);
    settings.iterations = m_runs->value();
    settings.warmUp = m_warmUp->value();
    QString symbol;
    for (const OnnxInputInfo& input : m_declaredInputs) {
        if (input.name == settings.sweepInput && settings.sweepAxis < input.dimNames.size()) {
            symbol = QString::fromStdString(input.dimNames[settings.sweepAxis]);
        }
    }
    const QString inputName = QString::fromStdString(settings.sweepInput);
    m_sweepDimension = symbol.isEmpty()
                           ? tr("%1 dimension %2").arg(inputName).arg(settings.sweepAxis)
                           : tr("%1 dimension %2 (%3)").arg(inputName).arg(settings.sweepAxis).arg(symbol);
    m_sweepPerItem = settings.sweepAxis == 0;
    start(settings, tr("Sweeping %1 over %2…").arg(m_sweepDimension, m_sweepValues->text()), tr("Sweeping…"));
}

void ProfilePanel::cancel() {
    if (!m_job->isRunning()) return;
    m_job->cancel();
    m_status->setText(tr("Cancelling the profile…"));
}

void ProfilePanel::onProgress(int done, int total) {
    m_progress->setRange(0, total);
    m_progress->setValue(done);
    const int percent = total > 0 ? done * 100 / total : 0;
    if (percent != m_percent) {
        m_percent = percent;
        emit percentChanged(percent);
    }
}

void ProfilePanel::onFinished() {
    const ProfileJob::Outcome& outcome = m_job->outcome();
    m_progress->hide();
    const bool discard = m_discard;
    m_discard = false;
    if (discard) {
        // A newer file replaced the engine this profile ran.
    } else if (outcome.code == StatusCode::Ok && !outcome.sweep.isEmpty()) {
        m_sweepView->setSweep(m_sweepDimension, outcome.sweep, m_sweepPerItem);
        m_sweepView->show();
        QStringList points;
        for (const views::SweepPoint& point : outcome.sweep) {
            points << tr("%1: %2").arg(point.value).arg(formatMs(point.medianMilliseconds));
        }
        m_status->setText(tr("Sweep of %1: %2.").arg(m_sweepDimension, points.join(QStringLiteral(", "))));
        m_status->setStyleSheet(QString());
        emit statusMessage(tr("Sweep finished."), 8000);
    } else if (outcome.code == StatusCode::Ok) {
        m_view->setProfile(outcome.profile);
        emit latenciesChanged(latenciesOf(outcome.profile));
        const views::LatencyStatistics statistics = views::latencyStatistics(outcome.profile.endToEndMilliseconds);
        m_status->setText(tr("%1 runs: median %2, mean %3, p90 %4, max %5.")
                              .arg(statistics.count)
                              .arg(formatMs(statistics.median), formatMs(statistics.mean), formatMs(statistics.p90),
                                   formatMs(statistics.maximum)));
        m_status->setStyleSheet(QString());
        emit statusMessage(tr("Profile finished: median %1 per run.").arg(formatMs(statistics.median)), 8000);
    } else if (outcome.code == StatusCode::Cancelled) {
        m_status->setText(tr("Profile cancelled."));
        m_status->setStyleSheet(QString());
        emit statusMessage(tr("Profile cancelled."), 8000);
    } else {
        showProblem(tr("Profile failed: %1").arg(outcome.message));
        emit statusMessage(tr("Profile failed."), 8000);
    }
    updateControls();
    emit finished();
}

}  // namespace kiln::workbench
