// The Profile panel on its own: it profiles the engine it is given and reports each executed layer's
// latency, keeps its buttons to what can run, refuses a sweep of an engine with fixed shapes saying why,
// and drops the outcome of a profile whose engine was replaced while it ran.
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "profile_panel.h"
#include "profile_view.h"

using kiln::workbench::ProfilePanel;

class TestProfilePanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        kiln::Result<kiln::NetworkDefinition> network =
            kiln::parseOnnxFile(KILN_SOURCE_DIR "/resources/sample/kiln_sample.onnx");
        QVERIFY2(network, network.status().message().c_str());
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(*network, {});
        QVERIFY2(engine, engine.status().message().c_str());
        m_engine = std::move(engine).value();
    }

    void profilesTheEngineAndReportsEveryExecutedLayer() {
        ProfilePanel panel;
        auto* profile = panel.findChild<QPushButton*>("profileButton");
        QVERIFY(!profile->isEnabled());  // no engine yet
        panel.setEngine(m_engine, {}, QStringLiteral("ready"));
        QVERIFY(profile->isEnabled());
        QVERIFY(!panel.findChild<QPushButton*>("sweepButton")->isEnabled());  // fixed shapes
        panel.findChild<QSpinBox*>("profileRunsSpin")->setValue(3);
        panel.findChild<QSpinBox*>("profileWarmUpSpin")->setValue(1);

        QSignalSpy latencies(&panel, &ProfilePanel::latenciesChanged);
        QSignalSpy finished(&panel, &ProfilePanel::finished);
        panel.startProfile();
        QVERIFY(panel.isRunning());
        QVERIFY(!profile->isEnabled());
        QVERIFY(finished.wait(30000));
        QVERIFY(panel.hasProfile());
        QVERIFY(profile->isEnabled());

        QCOMPARE(latencies.count(), 1);
        using Latencies = QHash<QString, double>;
        const Latencies times = latencies.takeFirst().at(0).value<Latencies>();
        size_t executed = 0;
        for (const kiln::LayerRecord& layer : m_engine->report().layersAfter) {
            if (layer.elided) continue;
            ++executed;
            QVERIFY2(times.contains(QString::fromStdString(layer.name)), layer.name.c_str());
        }
        QCOMPARE(size_t(times.size()), executed);
        QVERIFY(panel.findChild<QLabel*>("profileStatusLabel")->text().startsWith(QStringLiteral("3 runs: median")));
        QCOMPARE(panel.view()->profile().layers.size(), size_t(times.size()));
    }

    void refusesToStartWhileNotAllowed() {
        ProfilePanel panel;
        panel.setEngine(m_engine, {}, QString());
        panel.setStartAllowed(false);
        QVERIFY(!panel.findChild<QPushButton*>("profileButton")->isEnabled());
        panel.startProfile();
        QVERIFY(!panel.isRunning());
    }

    void sweepOfFixedShapesSaysWhatItNeeds() {
        ProfilePanel panel;
        panel.setEngine(m_engine, {}, QString());
        panel.startSweep();
        QVERIFY(!panel.isRunning());
        QVERIFY(panel.findChild<QLabel*>("profileStatusLabel")->text().contains(QStringLiteral("range of shapes")));
    }

    void profileOfAReplacedEngineIsDropped() {
        ProfilePanel panel;
        panel.setEngine(m_engine, {}, QString());
        panel.findChild<QSpinBox*>("profileRunsSpin")->setValue(100000);
        QSignalSpy finished(&panel, &ProfilePanel::finished);
        panel.startProfile();
        QVERIFY(panel.isRunning());
        QSignalSpy latencies(&panel, &ProfilePanel::latenciesChanged);
        panel.setEngine(nullptr, {}, QStringLiteral("replaced"));
        QVERIFY(finished.wait(30000));
        // Only the clearing of the replaced engine's latencies; the cancelled profile shows nothing.
        QCOMPARE(latencies.count(), 1);
        using Latencies = QHash<QString, double>;
        QVERIFY(latencies.at(0).at(0).value<Latencies>().isEmpty());
        QCOMPARE(panel.findChild<QLabel*>("profileStatusLabel")->text(), QStringLiteral("replaced"));
        QVERIFY(!panel.hasProfile());
        QVERIFY(panel.view()->profile().layers.empty());
    }

private:
    std::shared_ptr<const kiln::Engine> m_engine;
};

QTEST_MAIN(TestProfilePanel)
#include "tst_workbench_profile_panel.moc"
