// Tests for PrecisionView's error chart: horizontal bars with the layer names beside them, the layers with
// the largest errors that fit the chart's height (an overflow first among them) in network order, the
// rest in one bar as long as their largest error, recounted when the chart is resized.
#include <QTest>
#include <cmath>
#include <qcustomplot.h>

#include "precision_view.h"

using kiln::views::PrecisionComparison;
using kiln::views::PrecisionRunResult;
using kiln::views::PrecisionView;

namespace {

// 60 layers "layer0" .. "layer59" whose mean relative errors rise and fall along the network; "layer7"
// overflowed.
PrecisionComparison sixtyLayers() {
    PrecisionComparison comparison;
    PrecisionRunResult reference;
    reference.precision = QStringLiteral("FP32");
    reference.medianMilliseconds = 2.0;
    PrecisionRunResult reduced;
    reduced.precision = QStringLiteral("FP16");
    reduced.medianMilliseconds = 1.0;
    for (int i = 0; i < 60; ++i) {
        kiln::TensorError error;
        error.tensor = "t" + std::to_string(i);
        error.layer = "layer" + std::to_string(i);
        error.meanRelativeError = 1e-4 * (1.0 + (i * 37) % 60);
        error.cosineSimilarity = 0.999;
        error.nonFinite = i == 7;
        reduced.errors.push_back(error);
    }
    comparison.runs = {reference, reduced};
    comparison.latencyRuns = 5;
    return comparison;
}

}  // namespace

class TestPrecisionChart : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void largestErrorsFitTheHeightAndTheRestShareABar() {
        PrecisionView view;
        view.resize(900, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(sixtyLayers());
        view.setMetric(PrecisionView::Metric::MeanRelativeError);
        QCustomPlot* chart = view.errorChart();
        auto* errorBars = qobject_cast<QCPBars*>(chart->plottable(0));
        auto* otherBar = qobject_cast<QCPBars*>(chart->plottable(2));
        QVERIFY(errorBars && otherBar);
        // Horizontal: the layers along the vertical axis, top to bottom.
        QCOMPARE(errorBars->keyAxis(), chart->yAxis);
        QVERIFY(chart->yAxis->rangeReversed());

        const auto check = [&] {
            const QStringList names = view.chartLayerNames();
            QVERIFY(names.size() >= 2);
            QVERIFY(names.size() < 60);
            QCOMPARE(names.size() + view.chartOtherLayerCount(), 60);
            // The overflowed layer has a bar; in network order.
            QVERIFY(names.contains(QStringLiteral("layer7")));
            for (int i = 1; i < names.size(); ++i)
                QVERIFY(names[i - 1].mid(5).toInt() < names[i].mid(5).toInt());
            // No layer left out has a larger error than a finite one shown; the other bar is the largest left out.
            double smallestShown = INFINITY;
            const QVector<double> values = view.chartValues();
            for (double value : values) smallestShown = std::min(smallestShown, value);
            double largestLeft = 0.0;
            for (int i = 0; i < 60; ++i) {
                if (names.contains(QStringLiteral("layer%1").arg(i))) continue;
                const double value = 1e-4 * (1.0 + (i * 37) % 60);
                QVERIFY(value <= smallestShown);
                largestLeft = std::max(largestLeft, value);
            }
            QCOMPARE(otherBar->dataCount(), 1);
            QVERIFY(std::abs(otherBar->dataMainValue(0) - largestLeft) < 1e-12);
            auto ticker = chart->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
            QVERIFY(ticker);
            QCOMPARE(ticker->ticks().value(double(names.size() + 1)),
                     QStringLiteral("other (%1 layer(s))").arg(view.chartOtherLayerCount()));
            const double rowPixels =
                std::abs(chart->yAxis->coordToPixel(2.0) - chart->yAxis->coordToPixel(1.0));
            QVERIFY2(rowPixels >= 16.0, qPrintable(QString::number(rowPixels)));
        };
        check();
        const int before = view.chartLayerNames().size();
        view.resize(900, 1100);
        QTRY_VERIFY(view.chartLayerNames().size() > before);
        check();
    }
};

QTEST_MAIN(TestPrecisionChart)
#include "tst_view_precision_chart.moc"
