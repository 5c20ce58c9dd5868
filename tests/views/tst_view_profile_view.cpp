// Tests for ProfileView: the layer table's cells and numeric sorting by header clicks, the chart's
// horizontal bars in both orders, the slowest layers that fit the height with the rest in one bar (recounted
// on resize), clicks on bars and rows selecting layers, the latency statistics, and the CSV, JSON and PNG
// exports read back, including a failed export that must leave no file.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <qcustomplot.h>

#include "profile_view.h"

using kiln::views::LayerProfile;
using kiln::views::ProfileResult;
using kiln::views::ProfileView;

namespace {

LayerProfile layer(const QString& name, const QString& type, double ms, double percent, const QString& tactic) {
    LayerProfile profile;
    profile.name = name;
    profile.type = type;
    profile.precision = QStringLiteral("FP32");
    profile.tactic = tactic;
    profile.milliseconds = ms;
    profile.percent = percent;
    return profile;
}

// Five layers summing to 20 ms. As text, "10.000" would sort before "2.000": numeric sorting shows.
// The last name holds a comma and quotes, which CSV must quote.
ProfileResult sampleProfile() {
    ProfileResult profile;
    profile.layers = {layer("conv1 + relu1", "Convolution", 10.0, 50.0, "onednn:jit:avx512_core"),
                      layer("pool1", "Pooling", 1.0, 5.0, "kiln:reference"),
                      layer("conv2", "Convolution", 2.0, 10.0, "onednn:jit:avx2"),
                      layer("fc", "Gemm", 6.5, 32.5, "onednn:gemm"),
                      layer("softmax, \"final\"", "Softmax", 0.5, 2.5, "kiln:reference")};
    profile.layers[0].averageMilliseconds = 10.2;
    profile.endToEndMilliseconds = {25, 21, 24, 22, 23, 30, 26, 27, 29, 28};
    profile.iterations = 10;
    return profile;
}

QString cell(const QAbstractItemModel* model, int row, int column) {
    return model->data(model->index(row, column)).toString();
}

QStringList column(const QAbstractItemModel* model, int columnIndex) {
    QStringList values;
    for (int row = 0; row < model->rowCount(); ++row)
        values << cell(model, row, columnIndex);
    return values;
}

// Minimal RFC 4180 reader: quoted fields with doubled quotes, no line breaks inside fields.
QStringList parseCsvLine(const QString& line) {
    QStringList fields;
    QString field;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < line.size() && line[i + 1] == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            fields << field;
            field.clear();
        } else {
            field += c;
        }
    }
    fields << field;
    return fields;
}

QCPBars* bars(const ProfileView& view) {
    auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("profileChart"));
    return chart ? qobject_cast<QCPBars*>(chart->plottable(0)) : nullptr;
}

QCPBars* otherBar(const ProfileView& view) {
    auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("profileChart"));
    return chart ? qobject_cast<QCPBars*>(chart->plottable(1)) : nullptr;
}

// A ResNet-50-like profile: a stem, 16 bottleneck blocks of three fused convolutions and a residual add,
// pooling and the classifier; 68 layers whose times vary as a real profile's do (fixed, not random).
ProfileResult resnetLikeProfile() {
    ProfileResult profile;
    profile.layers.push_back(layer("conv1 + bn1 + relu", "Convolution", 1.90, 0, "onednn:jit:avx2"));
    profile.layers.push_back(layer("maxpool", "Pooling", 0.35, 0, "onednn:pooling"));
    const int blocks[] = {3, 4, 6, 3};
    for (int stage = 0; stage < 4; ++stage) {
        for (int block = 0; block < blocks[stage]; ++block) {
            const QString prefix = QStringLiteral("layer%1.%2.").arg(stage + 1).arg(block);
            const double scale = 0.6 + 0.1 * ((stage * 7 + block * 3) % 5);
            profile.layers.push_back(layer(prefix + "conv1 + " + prefix + "bn1 + " + prefix + "relu", "Convolution",
                                           0.30 * scale, 0, "onednn:jit:avx2"));
            profile.layers.push_back(layer(prefix + "conv2 + " + prefix + "bn2 + " + prefix + "relu", "Convolution",
                                           0.95 * scale + 0.01 * block, 0, "onednn:jit:avx2"));
            profile.layers.push_back(layer(prefix + "conv3 + " + prefix + "bn3 + " + prefix + "add + relu",
                                           "Convolution", 0.55 * scale + 0.02 * stage, 0, "onednn:jit:avx2"));
            profile.layers.push_back(layer(prefix + "downsample", "Reformat", 0.04 + 0.01 * block, 0, "kiln:reference"));
        }
    }
    profile.layers.push_back(layer("avgpool", "Pooling", 0.06, 0, "onednn:pooling"));
    profile.layers.push_back(layer("fc", "Gemm", 0.42, 0, "onednn:gemm"));
    double total = 0.0;
    for (const LayerProfile& entry : profile.layers) total += entry.milliseconds;
    for (LayerProfile& entry : profile.layers) entry.percent = 100.0 * entry.milliseconds / total;
    profile.endToEndMilliseconds = {total * 1.02, total * 1.01, total * 1.05};
    profile.iterations = 3;
    return profile;
}

// The pixel height of a bar of the chart (its key is the row, top to bottom from 1).
double barPixels(QCustomPlot* chart, double width) {
    return std::abs(chart->yAxis->coordToPixel(1.0 + width / 2) - chart->yAxis->coordToPixel(1.0 - width / 2));
}

void clickRow(QTableView* table, int row) {
    const QRect rect = table->visualRect(table->model()->index(row, ProfileView::NameColumn));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
}

}  // namespace

class TestProfileView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void tableShowsEveryLayer() {
        ProfileView view;
        view.setProfile(sampleProfile());
        auto* table = view.findChild<QTableView*>(QStringLiteral("layerTable"));
        QVERIFY(table);
        const QAbstractItemModel* model = table->model();
        QCOMPARE(model->rowCount(), 5);
        QCOMPARE(model->columnCount(), int(ProfileView::ColumnCount));
        QCOMPARE(model->headerData(ProfileView::TimeColumn, Qt::Horizontal).toString(), QStringLiteral("Time (ms)"));
        // Execution order first, fixed decimals, numbers right-aligned.
        QCOMPARE(cell(model, 0, ProfileView::NameColumn), QStringLiteral("conv1 + relu1"));
        QCOMPARE(cell(model, 0, ProfileView::TypeColumn), QStringLiteral("Convolution"));
        QCOMPARE(cell(model, 0, ProfileView::TimeColumn), QStringLiteral("10.000"));
        QCOMPARE(cell(model, 0, ProfileView::PercentColumn), QStringLiteral("50.0"));
        QCOMPARE(cell(model, 0, ProfileView::PrecisionColumn), QStringLiteral("FP32"));
        QCOMPARE(cell(model, 0, ProfileView::TacticColumn), QStringLiteral("onednn:jit:avx512_core"));
        QCOMPARE(cell(model, 3, ProfileView::PercentColumn), QStringLiteral("32.5"));
        const int alignment = model->data(model->index(0, ProfileView::TimeColumn), Qt::TextAlignmentRole).toInt();
        QVERIFY(alignment & Qt::AlignRight);
    }

    void headerClicksSortNumerically() {
        ProfileView view;
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setProfile(sampleProfile());
        auto* table = view.findChild<QTableView*>(QStringLiteral("layerTable"));
        QHeaderView* header = table->horizontalHeader();
        const QPoint timeHeader(header->sectionViewportPosition(ProfileView::TimeColumn) +
                                    header->sectionSize(ProfileView::TimeColumn) / 2,
                                header->height() / 2);
        // The first click on the time column puts the slowest layer on top; the second reverses.
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, timeHeader);
        QCOMPARE(column(table->model(), ProfileView::NameColumn),
                 (QStringList{"conv1 + relu1", "fc", "conv2", "pool1", "softmax, \"final\""}));
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, timeHeader);
        QCOMPARE(column(table->model(), ProfileView::NameColumn),
                 (QStringList{"softmax, \"final\"", "pool1", "conv2", "fc", "conv1 + relu1"}));
        // Back to execution order through the # column.
        const QPoint indexHeader(header->sectionViewportPosition(ProfileView::IndexColumn) + 5, header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, indexHeader);
        QCOMPARE(cell(table->model(), 0, ProfileView::NameColumn), QStringLiteral("conv1 + relu1"));
        QCOMPARE(cell(table->model(), 4, ProfileView::IndexColumn), QStringLiteral("4"));
    }

    void chartHasOneBarPerLayerInEitherOrder() {
        ProfileView view;
        view.setProfile(sampleProfile());
        QCPBars* chartBars = bars(view);
        QVERIFY(chartBars);
        QCOMPARE(chartBars->dataCount(), 5);
        QCOMPARE(view.chartLayerNames(),
                 (QStringList{"conv1 + relu1", "pool1", "conv2", "fc", "softmax, \"final\""}));
        QCOMPARE(chartBars->dataMainValue(1), 1.0);

        auto* order = view.findChild<QComboBox*>(QStringLiteral("orderBox"));
        QVERIFY(order);
        order->setCurrentIndex(1);
        QCOMPARE(view.chartOrder(), ProfileView::ChartOrder::SlowestFirst);
        QCOMPARE(view.chartLayerNames(), (QStringList{"conv1 + relu1", "fc", "conv2", "pool1", "softmax, \"final\""}));
        QCOMPARE(chartBars->dataCount(), 5);
        QCOMPARE(chartBars->dataMainValue(0), 10.0);
        QCOMPARE(chartBars->dataMainValue(1), 6.5);
        QCOMPARE(chartBars->dataMainValue(4), 0.5);

        view.setChartOrder(ProfileView::ChartOrder::Execution);
        QCOMPARE(order->currentIndex(), 0);
        QCOMPARE(chartBars->dataMainValue(1), 1.0);

        view.clear();
        QCOMPARE(chartBars->dataCount(), 0);
        QVERIFY(view.chartLayerNames().isEmpty());
    }

    void clickingABarSelectsItsLayer() {
        ProfileView view;
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setProfile(sampleProfile());
        view.setChartOrder(ProfileView::ChartOrder::SlowestFirst);
        auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("profileChart"));
        chart->replot();
        QSignalSpy selected(&view, &ProfileView::layerSelected);

        // Second bar from the top when slowest first: fc (6.5 ms); click the middle of the bar.
        const QPoint fcBar(int(chart->xAxis->coordToPixel(3.0)), int(chart->yAxis->coordToPixel(2.0)));
        QTest::mouseClick(chart, Qt::LeftButton, {}, fcBar);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.takeFirst().at(0).toString(), QStringLiteral("fc"));
        QCOMPARE(view.selectedLayer(), QStringLiteral("fc"));
        // The table follows the chart.
        auto* table = view.findChild<QTableView*>(QStringLiteral("layerTable"));
        QCOMPARE(cell(table->model(), table->currentIndex().row(), ProfileView::NameColumn), QStringLiteral("fc"));

        // Empty space beyond the end of a short bar selects nothing.
        const QPoint abovePool(int(chart->xAxis->coordToPixel(8.0)), int(chart->yAxis->coordToPixel(4.0)));
        QTest::mouseClick(chart, Qt::LeftButton, {}, abovePool);
        QCOMPARE(selected.count(), 0);
    }

    // Horizontal bars: the layers on the vertical axis, top to bottom, the time along the horizontal one.
    void barsAreHorizontalWithTheNamesBeside() {
        ProfileView view;
        view.setProfile(sampleProfile());
        QCPBars* chartBars = bars(view);
        QCOMPARE(chartBars->keyAxis(), chartBars->parentPlot()->yAxis);
        QCOMPARE(chartBars->valueAxis(), chartBars->parentPlot()->xAxis);
        QVERIFY(chartBars->keyAxis()->rangeReversed());
        auto ticker = chartBars->keyAxis()->ticker().dynamicCast<QCPAxisTickerText>();
        QVERIFY(ticker);
        QCOMPARE(ticker->ticks().value(1.0), QStringLiteral("conv1 + relu1"));
        QCOMPARE(ticker->ticks().value(4.0), QStringLiteral("fc"));
        QCOMPARE(chartBars->keyAxis()->tickLabelRotation(), 0.0);
        // Every layer fits: no bar for the rest.
        QCOMPARE(view.chartOtherLayerCount(), 0);
        QCOMPARE(otherBar(view)->dataCount(), 0);
    }

    // A profile of more layers than fit: the slowest have bars of their own, the rest one bar of their sum,
    // and every bar is thick enough to read, at the chart's height and after resizing.
    void manyLayersShowTheSlowestAndSummarizeTheRest() {
        const ProfileResult profile = resnetLikeProfile();
        ProfileView view;
        view.resize(1000, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setProfile(profile);
        view.setChartOrder(ProfileView::ChartOrder::SlowestFirst);
        auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("profileChart"));
        const auto check = [&](const char* when) {
            chart->replot();
            const int capacity = view.chartBarCapacity(chart->height());
            const QStringList names = view.chartLayerNames();
            QVERIFY2(names.size() + 1 == capacity, when);
            QCOMPARE(view.chartOtherLayerCount(), int(profile.layers.size()) - names.size());
            QCOMPARE(bars(view)->dataCount(), names.size());
            QCOMPARE(otherBar(view)->dataCount(), 1);
            // The bars are the slowest layers: none of the rest is slower than the fastest of them.
            double fastestShown = 1e9;
            double rest = 0.0;
            for (const LayerProfile& entry : profile.layers) {
                if (names.contains(entry.name)) fastestShown = std::min(fastestShown, entry.milliseconds);
            }
            for (const LayerProfile& entry : profile.layers) {
                if (names.contains(entry.name)) continue;
                QVERIFY2(entry.milliseconds <= fastestShown, qPrintable(entry.name));
                rest += entry.milliseconds;
            }
            QVERIFY(std::abs(otherBar(view)->dataMainValue(0) - rest) < 1e-9);
            QCOMPARE(otherBar(view)->dataMainKey(0), double(names.size() + 1));
            auto ticker = bars(view)->keyAxis()->ticker().dynamicCast<QCPAxisTickerText>();
            // (No catalogue is loaded here: the source text, whose English plural kiln_en.ts supplies.)
            QCOMPARE(ticker->ticks().value(double(names.size() + 1)),
                     QStringLiteral("other (%1 layer(s))").arg(view.chartOtherLayerCount()));
            // Readable: each bar at least 12 pixels tall, the whole chart's rows inside its height.
            QVERIFY2(barPixels(chart, bars(view)->width()) >= 12.0, qPrintable(QString::number(barPixels(chart, bars(view)->width()))));
        };
        check("at 1000 x 600");
        QVERIFY2(view.chartLayerNames().size() >= 8, qPrintable(QString::number(view.chartLayerNames().size())));
        QCOMPARE(view.chartLayerNames().first(), QStringLiteral("conv1 + bn1 + relu"));

        // Hovering the last bar tells what it stands for, with the slowest of its layers by name.
        const int otherKey = view.chartLayerNames().size() + 1;
        const QPoint onOther(int(chart->xAxis->coordToPixel(chart->xAxis->range().upper * 0.5)),
                             int(chart->yAxis->coordToPixel(otherKey)));
        QTest::mouseMove(chart, onOther);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().startsWith(QStringLiteral("%1 other layer(s): ").arg(view.chartOtherLayerCount())),
                 qPrintable(QToolTip::text()));
        const LayerProfile* slowestLeft = nullptr;
        for (const LayerProfile& entry : profile.layers) {
            if (view.chartLayerNames().contains(entry.name)) continue;
            if (!slowestLeft || entry.milliseconds > slowestLeft->milliseconds) slowestLeft = &entry;
        }
        QVERIFY(slowestLeft);
        QVERIFY2(QToolTip::text().contains(QLatin1Char('\n') + slowestLeft->name + QStringLiteral(": ")),
                 qPrintable(QToolTip::text()));
        // A layer's own bar names its layer whole.
        QTest::mouseMove(chart, QPoint(int(chart->xAxis->coordToPixel(0.1)), int(chart->yAxis->coordToPixel(2.0))));
        QTRY_VERIFY(QToolTip::text().startsWith(view.chartLayerNames().at(1) + QLatin1Char('\n')));
        QToolTip::hideText();

        if (qEnvironmentVariableIsSet("KILN_SCREENSHOT_DIR")) {
            view.grab().save(QDir(qEnvironmentVariable("KILN_SCREENSHOT_DIR")).filePath("profile.png"));
        }

        // Taller: more bars; shorter: fewer, still readable.
        const int before = view.chartLayerNames().size();
        view.resize(1000, 1000);
        QTRY_VERIFY(view.chartLayerNames().size() > before);
        check("at 1000 x 1000");
        view.resize(1000, 420);
        QTRY_VERIFY(view.chartLayerNames().size() < before);
        check("at 1000 x 420");

        // Execution order keeps the same bars, in the order the layers run.
        const QStringList slowest = view.chartLayerNames();
        view.setChartOrder(ProfileView::ChartOrder::Execution);
        QStringList inOrder;
        for (const LayerProfile& entry : profile.layers) {
            if (slowest.contains(entry.name)) inOrder << entry.name;
        }
        QCOMPARE(view.chartLayerNames(), inOrder);
    }

    void clickingARowSelectsItsLayer() {
        ProfileView view;
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setProfile(sampleProfile());
        auto* table = view.findChild<QTableView*>(QStringLiteral("layerTable"));
        QSignalSpy selected(&view, &ProfileView::layerSelected);

        clickRow(table, 1);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("pool1"));
        // Clicking the same row again selects it again (the graph may have moved on meanwhile).
        clickRow(table, 1);
        QTest::qWait(10);
        QCOMPARE(selected.count(), 2);
        // The keyboard moves the selection too, once per step.
        table->setFocus();
        QTest::keyClick(table, Qt::Key_Down);
        QCOMPARE(selected.count(), 3);
        QCOMPARE(selected.at(2).at(0).toString(), QStringLiteral("conv2"));
        // The chart highlights the selected layer's bar (position 2 in execution order).
        QCOMPARE(bars(view)->selection(), QCPDataSelection(QCPDataRange(2, 3)));
    }

    void programmaticSelectionEmitsNothing() {
        ProfileView view;
        view.setProfile(sampleProfile());
        QSignalSpy selected(&view, &ProfileView::layerSelected);
        view.selectLayer(QStringLiteral("fc"));
        QCOMPARE(selected.count(), 0);
        QCOMPARE(view.selectedLayer(), QStringLiteral("fc"));
        QCOMPARE(bars(view)->selection(), QCPDataSelection(QCPDataRange(3, 4)));
        auto* table = view.findChild<QTableView*>(QStringLiteral("layerTable"));
        QCOMPARE(table->currentIndex().row(), 3);
        view.selectLayer(QStringLiteral("no such layer"));
        QVERIFY(view.selectedLayer().isEmpty());
        QVERIFY(bars(view)->selection().isEmpty());
        QCOMPARE(selected.count(), 0);
    }

    void showsLatencyStatisticsAndTypeBreakdown() {
        ProfileView view;
        view.setProfile(sampleProfile());
        // Runs 21..30 shuffled: median (25 + 26) / 2, mean 255 / 10, p90 rank 9 = 29, p99 rank 10 = 30.
        const auto label = [&view](const char* name) {
            QLabel* found = view.findChild<QLabel*>(QString::fromLatin1(name));
            return found ? found->text() : QStringLiteral("(missing)");
        };
        QCOMPARE(label("latencyRuns"), QStringLiteral("10"));
        QCOMPARE(label("latencyMinimum"), QStringLiteral("21.000 ms"));
        QCOMPARE(label("latencyMedian"), QStringLiteral("25.500 ms"));
        QCOMPARE(label("latencyMean"), QStringLiteral("25.500 ms"));
        QCOMPARE(label("latencyP90"), QStringLiteral("29.000 ms"));
        QCOMPARE(label("latencyP99"), QStringLiteral("30.000 ms"));
        QCOMPARE(label("latencyMaximum"), QStringLiteral("30.000 ms"));
        QCOMPARE(label("latencyLayerSum"), QStringLiteral("20.000 ms"));

        auto* types = view.findChild<QTableView*>(QStringLiteral("typeTable"));
        QVERIFY(types);
        QCOMPARE(types->model()->rowCount(), 4);
        QCOMPARE(cell(types->model(), 0, 0), QStringLiteral("Convolution"));
        QCOMPARE(cell(types->model(), 0, 1), QStringLiteral("2"));
        QCOMPARE(cell(types->model(), 0, 2), QStringLiteral("12.000"));
        QCOMPARE(cell(types->model(), 0, 3), QStringLiteral("60.0"));
        QCOMPARE(cell(types->model(), 3, 0), QStringLiteral("Softmax"));

        view.clear();
        QCOMPARE(label("latencyRuns"), QStringLiteral("0"));
        QCOMPARE(label("latencyMedian"), QStringLiteral("—"));
        QCOMPARE(types->model()->rowCount(), 0);
    }

    void exportsCsv() {
        QTemporaryDir dir;
        ProfileView view;
        view.setProfile(sampleProfile());
        const QString path = dir.filePath(QStringLiteral("profile.csv"));
        QString error;
        QVERIFY2(view.exportCsv(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 6);
        QCOMPARE(parseCsvLine(lines[0]), (QStringList{"index", "name", "type", "median_ms", "average_ms", "percent",
                                                      "precision", "tactic"}));
        const QStringList first = parseCsvLine(lines[1]);
        QCOMPARE(first.size(), 8);
        QCOMPARE(first[1], QStringLiteral("conv1 + relu1"));
        QCOMPARE(first[3].toDouble(), 10.0);
        QCOMPARE(first[4].toDouble(), 10.2);
        QCOMPARE(first[5].toDouble(), 50.0);
        QCOMPARE(first[7], QStringLiteral("onednn:jit:avx512_core"));
        // The average is unknown for the others: an empty field, not a made-up number.
        QCOMPARE(parseCsvLine(lines[2])[4], QString());
        const QStringList last = parseCsvLine(lines[5]);
        QCOMPARE(last.size(), 8);
        QCOMPARE(last[0], QStringLiteral("4"));
        QCOMPARE(last[1], QStringLiteral("softmax, \"final\""));
        QCOMPARE(last[3].toDouble(), 0.5);
        // Only the file itself is left: the temporary file was renamed over it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"profile.csv"});
    }

    void exportsJsonInTrtexecLayout() {
        QTemporaryDir dir;
        ProfileView view;
        view.setProfile(sampleProfile());
        const QString path = dir.filePath(QStringLiteral("profile.json"));
        QString error;
        QVERIFY2(view.exportJson(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QVERIFY(document.isArray());
        const QJsonArray array = document.array();
        QCOMPARE(array.size(), 6);
        QCOMPARE(array[0].toObject().value("count").toInt(), 10);
        QCOMPARE(array[0].toObject().size(), 1);
        const QJsonObject conv = array[1].toObject();
        QCOMPARE(conv.value("name").toString(), QStringLiteral("conv1 + relu1"));
        QCOMPARE(conv.value("averageMs").toDouble(), 10.2);
        QCOMPARE(conv.value("medianMs").toDouble(), 10.0);
        // trtexec's timeMs is the layer's time over all runs: 10.2 ms average * 10 runs.
        QVERIFY(std::abs(conv.value("timeMs").toDouble() - 102.0) < 1e-9);
        QCOMPARE(conv.value("percentage").toDouble(), 50.0);
        // Without an average, the median stands in: 6.5 ms * 10 runs.
        const QJsonObject fc = array[4].toObject();
        QCOMPARE(fc.value("name").toString(), QStringLiteral("fc"));
        QCOMPARE(fc.value("averageMs").toDouble(), 6.5);
        QCOMPARE(fc.value("timeMs").toDouble(), 65.0);
        QCOMPARE(array[5].toObject().value("name").toString(), QStringLiteral("softmax, \"final\""));
    }

    // A profile measured here carries the engine's summary: the export is the engine's writer's bytes,
    // the same as 'kiln profile --exportProfile' writes.
    void exportsTheEnginesSummaryByteForByte() {
        kiln::LayerTimeCollector collector;
        for (int run = 0; run < 3; ++run) {
            collector.reportLayerTime("conv1 + relu1", 1.25f + float(run));
            collector.reportLayerTime("softmax", 0.5f);
        }
        ProfileResult profile;
        profile.iterations = 3;
        profile.engineLayers = kiln::summarizeLayerTimes(collector, 3);
        for (const kiln::LayerTimeSummary& layer : profile.engineLayers) profile.layers.push_back(kiln::views::layerProfileOf(layer));
        ProfileView view;
        view.setProfile(profile);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("profile.json"));
        QString error;
        QVERIFY2(view.exportJson(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray::fromStdString(kiln::profileJson(profile.engineLayers, 3)));
    }

    void exportsChartAsPng() {
        QTemporaryDir dir;
        ProfileView view;
        view.setProfile(sampleProfile());
        const QString path = dir.filePath(QStringLiteral("chart.png"));
        QString error;
        QVERIFY2(view.exportChartPng(path, &error), qPrintable(error));
        QImage image;
        QVERIFY(image.load(path, "PNG"));
        // The view was never shown: the export uses a readable default size instead of the hidden size.
        QCOMPARE(image.size(), QSize(1200, 600));
        // Something was drawn besides the white background (the bars are steel blue).
        bool coloured = false;
        for (int y = 0; y < image.height() && !coloured; y += 4) {
            for (int x = 0; x < image.width() && !coloured; x += 4) {
                const QColor pixel = image.pixelColor(x, y);
                coloured = pixel.blue() > pixel.red() + 40;
            }
        }
        QVERIFY(coloured);

        // Shown, the export has the chart's width (wider than the minimum here) and at least 400 pixels height.
        view.resize(1000, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto* chart = view.findChild<QCustomPlot*>(QStringLiteral("profileChart"));
        QVERIFY(chart->width() > 800);
        QVERIFY2(view.exportChartPng(path, &error), qPrintable(error));
        QVERIFY(image.load(path, "PNG"));
        QCOMPARE(image.size(), QSize(chart->width(), std::max(chart->height(), 400)));
    }

    void failedExportLeavesNoFile() {
        QTemporaryDir dir;
        // A regular file where a folder should be: writing under it fails even for a superuser.
        const QString blocker = dir.filePath(QStringLiteral("not-a-folder"));
        QFile blockerFile(blocker);
        QVERIFY(blockerFile.open(QIODevice::WriteOnly));
        blockerFile.close();
        ProfileView view;
        view.setProfile(sampleProfile());
        for (const QString& name : {QStringLiteral("p.csv"), QStringLiteral("p.json"), QStringLiteral("p.png")}) {
            const QString path = blocker + QLatin1Char('/') + name;
            QString error;
            bool written = true;
            if (name.endsWith(QLatin1String("csv"))) written = view.exportCsv(path, &error);
            else if (name.endsWith(QLatin1String("json"))) written = view.exportJson(path, &error);
            else written = view.exportChartPng(path, &error);
            QVERIFY(!written);
            QVERIFY2(error.contains(QDir::toNativeSeparators(path)), qPrintable(error));
            QVERIFY2(error.size() > path.size() + 20, qPrintable(error));  // the reason follows the name
            QVERIFY(!QFile::exists(path));
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot), QStringList{"not-a-folder"});
    }

    void exportDoesNotReplaceAFileOnFailure() {
        QTemporaryDir dir;
        ProfileView view;
        view.setProfile(sampleProfile());
        // A folder in the way of the file: the export fails and the folder stays as it was.
        const QString path = dir.filePath(QStringLiteral("taken.json"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("taken.json")));
        QString error;
        QVERIFY(!view.exportJson(path, &error));
        QVERIFY(error.contains(QStringLiteral("taken.json")));
        QVERIFY(QFileInfo(path).isDir());
    }
};

QTEST_MAIN(TestProfileView)
#include "tst_view_profile_view.moc"
