// Tests for the profile statistics (profile_data.h): median, mean, extremes and nearest-rank percentiles
// on vectors whose answers are worked out by hand below, per-layer summaries, shares and the breakdown
// by layer type.
#include <QTest>
#include <cmath>

#include "profile_data.h"

using namespace kiln::views;

namespace {

LayerProfile layer(const QString& name, const QString& type, double ms) {
    LayerProfile profile;
    profile.name = name;
    profile.type = type;
    profile.milliseconds = ms;
    return profile;
}

}  // namespace

class TestProfileData : public QObject {
    Q_OBJECT

private slots:
    void medianOfOddAndEvenCounts() {
        QCOMPARE(median({5.0, 1.0, 3.0}), 3.0);
        // Even count: the mean of the two middle values 2 and 3.
        QCOMPARE(median({4.0, 1.0, 3.0, 2.0}), 2.5);
        QCOMPARE(median({7.0}), 7.0);
    }

    void meanMinimumMaximum() {
        const std::vector<double> values = {10.0, 2.0, 8.0, 4.0, 6.0};
        QCOMPARE(mean(values), 6.0);  // 30 / 5
        QCOMPARE(minimum(values), 2.0);
        QCOMPARE(maximum(values), 10.0);
        QCOMPARE(median(values), 6.0);
    }

    void nearestRankPercentiles() {
        // Unsorted 1..10: rank = ceil(p / 100 * 10).
        const std::vector<double> values = {7, 3, 10, 1, 9, 2, 8, 4, 6, 5};
        QCOMPARE(percentile(values, 90.0), 9.0);   // rank 9
        QCOMPARE(percentile(values, 99.0), 10.0);  // rank ceil(9.9) = 10
        QCOMPARE(percentile(values, 50.0), 5.0);   // rank 5
        QCOMPARE(percentile(values, 0.0), 1.0);    // rank 0 counts as the first
        QCOMPARE(percentile(values, 100.0), 10.0);
        QCOMPARE(percentile(values, 91.0), 10.0);  // rank ceil(9.1) = 10
        // Out-of-range requests clamp instead of reading outside the list.
        QCOMPARE(percentile(values, 150.0), 10.0);
        QCOMPARE(percentile(values, -5.0), 1.0);

        std::vector<double> hundred;
        for (int i = 100; i >= 1; --i)
            hundred.push_back(double(i));
        QCOMPARE(percentile(hundred, 90.0), 90.0);
        QCOMPARE(percentile(hundred, 99.0), 99.0);
    }

    void emptyListsHaveNoValue() {
        QVERIFY(std::isnan(median({})));
        QVERIFY(std::isnan(mean({})));
        QVERIFY(std::isnan(minimum({})));
        QVERIFY(std::isnan(maximum({})));
        QVERIFY(std::isnan(percentile({}, 90.0)));
        const LatencyStatistics stats = latencyStatistics({});
        QCOMPARE(stats.count, 0);
        QVERIFY(std::isnan(stats.median));
        QVERIFY(std::isnan(stats.p99));
    }

    void latencyStatisticsOfRuns() {
        // 1..10 shuffled: min 1, median (5 + 6) / 2, mean 55 / 10, p90 rank 9, p99 rank 10, max 10.
        const LatencyStatistics stats = latencyStatistics({5, 1, 4, 2, 3, 10, 6, 7, 9, 8});
        QCOMPARE(stats.count, 10);
        QCOMPARE(stats.minimum, 1.0);
        QCOMPARE(stats.median, 5.5);
        QCOMPARE(stats.mean, 5.5);
        QCOMPARE(stats.p90, 9.0);
        QCOMPARE(stats.p99, 10.0);
        QCOMPARE(stats.maximum, 10.0);
    }

    void summarizesOneLayer() {
        // One slow outlier run: the median (2) ignores it, the mean (13 / 3) does not.
        const LayerProfile profile = summarizeLayerTimes(QStringLiteral("conv1"), {1.0, 2.0, 10.0});
        QCOMPARE(profile.name, QStringLiteral("conv1"));
        QCOMPARE(profile.milliseconds, 2.0);
        QVERIFY(std::abs(profile.averageMilliseconds - 13.0 / 3.0) < 1e-12);
        const LayerProfile none = summarizeLayerTimes(QStringLiteral("x"), {});
        QCOMPARE(none.milliseconds, 0.0);
        QVERIFY(none.averageMilliseconds < 0.0);
    }

    void percentagesOfTheLayerSum() {
        std::vector<LayerProfile> layers = {layer("a", "Convolution", 1.0), layer("b", "Pooling", 3.0)};
        assignPercentages(layers);
        QCOMPARE(layers[0].percent, 25.0);
        QCOMPARE(layers[1].percent, 75.0);
        QCOMPARE(totalLayerMilliseconds(layers), 4.0);

        std::vector<LayerProfile> zero = {layer("a", "Convolution", 0.0)};
        assignPercentages(zero);
        QCOMPARE(zero[0].percent, 0.0);
    }

    void breakdownGroupsByType() {
        // Convolution 10 + 2 = 12 of 20 (60 %), Gemm 6.5 (32.5 %), Pooling 1 (5 %), Softmax 0.5 (2.5 %).
        const std::vector<LayerProfile> layers = {layer("conv1", "Convolution", 10.0), layer("pool", "Pooling", 1.0),
                                                  layer("conv2", "Convolution", 2.0), layer("fc", "Gemm", 6.5),
                                                  layer("softmax", "Softmax", 0.5)};
        const std::vector<TypeBreakdown> types = breakdownByType(layers);
        QCOMPARE(types.size(), size_t(4));
        QCOMPARE(types[0].type, QStringLiteral("Convolution"));
        QCOMPARE(types[0].layerCount, 2);
        QCOMPARE(types[0].milliseconds, 12.0);
        QCOMPARE(types[0].percent, 60.0);
        QCOMPARE(types[1].type, QStringLiteral("Gemm"));
        QCOMPARE(types[1].percent, 32.5);
        QCOMPARE(types[2].type, QStringLiteral("Pooling"));
        QCOMPARE(types[3].type, QStringLiteral("Softmax"));
        QCOMPARE(types[3].layerCount, 1);
        QCOMPARE(types[3].percent, 2.5);
    }

    void breakdownTiesOrderByName() {
        const std::vector<TypeBreakdown> types =
            breakdownByType({layer("p", "Pooling", 3.0), layer("c", "Convolution", 3.0)});
        QCOMPARE(types[0].type, QStringLiteral("Convolution"));
        QCOMPARE(types[1].type, QStringLiteral("Pooling"));
        QCOMPARE(types[0].percent, 50.0);
    }
};

QTEST_GUILESS_MAIN(TestProfileData)
#include "tst_view_profile_data.moc"
