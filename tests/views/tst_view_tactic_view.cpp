// Tests for TacticView: a layer's candidates from a report built by hand appear as bars (fastest first,
// the chosen one in its own green series) and as table rows (the chosen one bold on green, skipped ones
// with their reason, times relative to the chosen one); original layer names lead to the fused layer;
// the timing summary; the layer box picks another layer.
#include <qcustomplot.h>
#include <QComboBox>
#include <QLabel>
#include <QMap>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include "tactic_view.h"

using kiln::views::TacticView;

namespace {

kiln::BuildReport sampleReport() {
    kiln::LayerRecord conv;
    conv.name = "conv1 + relu1";
    conv.kind = "Convolution";
    conv.precision = "FP32";
    conv.provenance = {"conv1", "relu1"};
    conv.tactic = "onednn:jit:avx512_core";
    conv.candidates = {{"kiln:direct", "Kiln", 0.30, "", false},
                       {"onednn:jit:avx512_core", "oneDNN 2.6.3", 0.12, "", true},
                       {"kiln:winograd", "Kiln", -1, "needs a 3x3 kernel", false},
                       {"onednn:gemm", "oneDNN 2.6.3", 0.20, "", false},
                       {"cudnn:implicit_gemm", "cuDNN", -1, "no CUDA device", false}};
    kiln::LayerRecord pool;
    pool.name = "pool1";
    pool.kind = "Pooling";
    pool.precision = "FP32";
    pool.provenance = {"pool1"};
    pool.tactic = "kiln:pool";
    pool.candidates = {{"kiln:pool", "Kiln", 0.05, "", true}};
    pool.timingFromCache = true;
    pool.timingBatch = 8;
    kiln::LayerRecord flatten;
    flatten.name = "flatten";
    flatten.kind = "Shuffle";
    flatten.elided = true;

    kiln::BuildReport report;
    report.layersAfter = {conv, pool, flatten};
    report.timingMilliseconds = 1234.5;
    report.timingCacheHits = 1;
    report.timingCacheMisses = 1;
    return report;
}

QString cell(const QAbstractItemModel* model, int row, int column, int role = Qt::DisplayRole) {
    return model->data(model->index(row, column), role).toString();
}

QString labelText(const QWidget& root, const char* name) {
    const auto* label = root.findChild<QLabel*>(QString::fromLatin1(name));
    return label ? label->text() : QStringLiteral("(no label %1)").arg(QString::fromLatin1(name));
}

}  // namespace

class TestTacticView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void chartsTimedCandidatesFastestFirst() {
        TacticView view;
        view.setReport(sampleReport());
        view.showLayer(QStringLiteral("conv1 + relu1"));
        QCOMPARE(view.currentLayer(), QStringLiteral("conv1 + relu1"));
        QCOMPARE(view.chartTactics(), (QStringList{"onednn:jit:avx512_core", "onednn:gemm", "kiln:direct"}));
        auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("tacticChart"));
        QVERIFY(chart);
        QCOMPARE(chart->plottableCount(), 2);
        auto* chosen = qobject_cast<QCPBars*>(chart->plottable(0));
        auto* others = qobject_cast<QCPBars*>(chart->plottable(1));
        // The chosen tactic is the only bar of the green series, at the first position.
        QCOMPARE(chosen->dataCount(), 1);
        QCOMPARE(chosen->dataMainKey(0), 1.0);
        QCOMPARE(chosen->dataMainValue(0), 0.12);
        QCOMPARE(chosen->brush().color(), QColor(60, 160, 80));
        QCOMPARE(others->dataCount(), 2);  // skipped candidates have no bar
        QCOMPARE(others->dataMainValue(0), 0.20);
        QCOMPARE(others->dataMainValue(1), 0.30);
        QVERIFY(others->brush().color() != chosen->brush().color());
    }

    void tableHighlightsTheWinnerAndGivesSkipReasons() {
        TacticView view;
        view.setReport(sampleReport());
        view.showLayer(QStringLiteral("conv1 + relu1"));
        auto* table = view.findChild<QTableView*>(QStringLiteral("candidateTable"));
        QVERIFY(table);
        const QAbstractItemModel* model = table->model();
        QCOMPARE(model->rowCount(), 5);
        // Sorted by time: timed candidates fastest first, skipped ones after them.
        QCOMPARE(cell(model, 0, TacticView::TacticColumn), QStringLiteral("onednn:jit:avx512_core"));
        QCOMPARE(cell(model, 0, TacticView::LibraryColumn), QStringLiteral("oneDNN 2.6.3"));
        QCOMPARE(cell(model, 0, TacticView::TimeColumn), QStringLiteral("0.1200"));
        QCOMPARE(cell(model, 0, TacticView::RelativeColumn), QStringLiteral("1.00×"));
        QCOMPARE(cell(model, 0, TacticView::NoteColumn), QStringLiteral("chosen"));
        QCOMPARE(cell(model, 1, TacticView::TacticColumn), QStringLiteral("onednn:gemm"));
        QCOMPARE(cell(model, 1, TacticView::RelativeColumn), QStringLiteral("1.67×"));  // 0.20 / 0.12
        QCOMPARE(cell(model, 2, TacticView::RelativeColumn), QStringLiteral("2.50×"));  // 0.30 / 0.12
        QCOMPARE(cell(model, 2, TacticView::NoteColumn), QString());
        QStringList skipped = {cell(model, 3, TacticView::NoteColumn), cell(model, 4, TacticView::NoteColumn)};
        skipped.sort();
        QCOMPARE(skipped, (QStringList{"skipped: needs a 3x3 kernel", "skipped: no CUDA device"}));
        QCOMPARE(cell(model, 3, TacticView::TimeColumn), QStringLiteral("—"));

        // The winner row is bold on green in every column; the others are not.
        for (int column = 0; column < TacticView::ColumnCount; ++column) {
            const QModelIndex winner = model->index(0, column);
            QVERIFY(model->data(winner, Qt::FontRole).value<QFont>().bold());
            QCOMPARE(model->data(winner, Qt::BackgroundRole).value<QBrush>().color(), QColor(214, 240, 218));
            QVERIFY(!model->data(model->index(1, column), Qt::FontRole).value<QFont>().bold());
        }
        QVERIFY(model->data(model->index(3, 0), Qt::FontRole).value<QFont>().italic());
        QVERIFY(model->data(model->index(0, TacticView::TimeColumn), Qt::TextAlignmentRole).toInt() & Qt::AlignRight);

        QVERIFY(labelText(view, "layerSummary").contains(QStringLiteral("5 candidates, 3 timed, 2 skipped")));
        QVERIFY(labelText(view, "layerSummary").contains(QStringLiteral("Chosen: onednn:jit:avx512_core (0.1200 ms)")));
        QVERIFY(!labelText(view, "layerSummary").contains(QStringLiteral("images of the batch")));
    }

    // Candidates timed again in the network: each row says its time there, and the summary the chosen
    // one's (it need not be the fastest alone).
    void networkTimesAppearInTheNotesAndTheSummary() {
        kiln::BuildReport report = sampleReport();
        auto& candidates = report.layersAfter[0].candidates;
        candidates[0].networkMilliseconds = 0.25;  // kiln:direct
        candidates[1].networkMilliseconds = 0.40;  // onednn:jit, fastest alone
        candidates[1].chosen = false;
        candidates[3].networkMilliseconds = 0.22;  // onednn:gemm, fastest in the network
        candidates[3].chosen = true;
        report.layersAfter[0].tactic = "onednn:gemm";
        TacticView view;
        view.setReport(report);
        view.showLayer(QStringLiteral("conv1 + relu1"));
        const QAbstractItemModel* model =
            view.findChild<QTableView*>(QStringLiteral("candidateTable"))->model();
        QMap<QString, QString> notes;
        for (int row = 0; row < model->rowCount(); ++row)
            notes[cell(model, row, TacticView::TacticColumn)] = cell(model, row, TacticView::NoteColumn);
        QCOMPARE(notes.value("onednn:gemm"), QStringLiteral("chosen; 0.2200 ms in the network"));
        QCOMPARE(notes.value("onednn:jit:avx512_core"), QStringLiteral("0.4000 ms in the network"));
        QCOMPARE(notes.value("kiln:direct"), QStringLiteral("0.2500 ms in the network"));
        QCOMPARE(notes.value("kiln:winograd"), QStringLiteral("skipped: needs a 3x3 kernel"));
        QVERIFY2(labelText(view, "layerSummary")
                     .contains(QStringLiteral(
                         "Close candidates ran again in the network; the chosen one took 0.2200 ms there.")),
                 qPrintable(labelText(view, "layerSummary")));
    }

    void originalLayerNamesLeadToTheFusedLayer() {
        TacticView view;
        view.setReport(sampleReport());
        view.showLayer(QStringLiteral("relu1"));
        QCOMPARE(view.currentLayer(), QStringLiteral("conv1 + relu1"));
        QCOMPARE(view.chartTactics().size(), 3);

        view.showLayer(QStringLiteral("pool1"));
        QCOMPARE(view.currentLayer(), QStringLiteral("pool1"));
        QVERIFY(labelText(view, "layerSummary").contains(QStringLiteral("Times from the timing cache.")));
        QVERIFY(labelText(view, "layerSummary")
                    .contains(QStringLiteral(
                        "Timed on 8 images of the batch; the chosen tactic runs all of them.")));

        view.showLayer(QStringLiteral("no such layer"));
        QVERIFY(view.currentLayer().isEmpty());
        QVERIFY(view.chartTactics().isEmpty());
        QVERIFY(labelText(view, "layerSummary").contains(QStringLiteral("\"no such layer\"")));
        QCOMPARE(view.findChild<QTableView*>(QStringLiteral("candidateTable"))->model()->rowCount(), 0);

        view.showLayer(QStringLiteral("flatten"));
        QCOMPARE(view.currentLayer(), QStringLiteral("flatten"));
        QVERIFY(labelText(view, "layerSummary").contains(QStringLiteral("elided")));
    }

    void summarizesTimingTime() {
        TacticView view;
        QVERIFY(labelText(view, "timingSummary").contains(QStringLiteral("Build the model")));
        view.setReport(sampleReport());
        QCOMPARE(labelText(view, "timingSummary"),
                 QStringLiteral("Timing tactics took 1234.5 ms; timing cache hits: 1, misses: 1."));
        kiln::BuildReport cached = sampleReport();
        cached.timingMilliseconds = 0.0;
        cached.timingCacheHits = 0;
        cached.timingCacheMisses = 0;
        view.setReport(cached);
        QCOMPARE(labelText(view, "timingSummary"), QStringLiteral("This build timed no tactics."));
        view.clear();
        QVERIFY(view.currentLayer().isEmpty());
        QVERIFY(labelText(view, "timingSummary").contains(QStringLiteral("Build the model")));
    }

    void layerBoxPicksAnotherLayer() {
        TacticView view;
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setReport(sampleReport());
        view.showLayer(QStringLiteral("conv1 + relu1"));
        auto* box = view.findChild<QComboBox*>(QStringLiteral("layerBox"));
        QVERIFY(box);
        QCOMPARE(box->count(), 3);
        QCOMPARE(box->currentText(), QStringLiteral("conv1 + relu1"));
        QSignalSpy selected(&view, &TacticView::layerSelected);
        box->setFocus();
        QTest::keyClick(box, Qt::Key_Down);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("pool1"));
        QCOMPARE(view.currentLayer(), QStringLiteral("pool1"));
        QCOMPARE(view.chartTactics(), QStringList{"kiln:pool"});
        // Showing a layer from outside moves the box without emitting.
        view.showLayer(QStringLiteral("conv1 + relu1"));
        QCOMPARE(box->currentText(), QStringLiteral("conv1 + relu1"));
        QCOMPARE(selected.count(), 1);
    }
};

QTEST_MAIN(TestTacticView)
#include "tst_view_tactic_view.moc"
