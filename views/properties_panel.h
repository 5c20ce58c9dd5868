// The properties of the layer or tensor selected in the graph: a layer's type, attributes, inputs and
// outputs with shapes and data types, statistics and a histogram of each constant input (weights,
// biases), its provenance, and after a build its precision, tactic and output formats. Statistics of
// large constants are computed on a worker thread so that selecting a layer with a large
// fully-connected weight never freezes the window; they appear when ready.
#pragma once

#include <QFutureWatcher>
#include <QHash>
#include <QVariantMap>
#include <QWidget>
#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/network.h"
#include "weight_statistics.h"

class QLabel;
class QScrollArea;
class QVBoxLayout;

namespace kiln::views {

class PropertiesPanel : public QWidget {
    Q_OBJECT

public:
    explicit PropertiesPanel(QWidget* parent = nullptr);
    ~PropertiesPanel() override;  // cancels and waits for statistics still being computed

    // Shows the layer `layerName` of `network`; `record` (may be null, before a build) adds what the
    // build decided. A layer that exists only in `record` (a fused layer the network does not hold) is
    // shown from the record, with the shapes of whichever of its tensors the network knows.
    void showLayer(std::shared_ptr<const NetworkDefinition> network, const QString& layerName,
                   const LayerRecord* record);
    // Adds to the layer shown every field of it as the file it was read from has it (an engine built
    // elsewhere), known to Kiln or not: text and numbers as they are, lists and objects as compact JSON.
    void addFileFields(const QString& heading, const QVariantMap& fields);
    void showTensor(std::shared_ptr<const NetworkDefinition> network, const QString& tensorName);
    void clear();
    QString currentTitle() const;  // "conv1 (Convolution)", "conv1_w (Tensor)"; empty when cleared

    // True while statistics of a large constant shown now are being computed.
    bool isComputingStatistics() const;
    // The statistics shown for the constant `tensorName`, once computed.
    std::optional<WeightStatistics> weightStatistics(const QString& tensorName) const;

signals:
    // The statistics computed off the GUI thread for the item shown now are displayed.
    void statisticsReady();

private:
    using StatisticsList = std::vector<std::pair<QString, WeightStatistics>>;

    void beginContent(const QString& title);
    void addNote(const QString& text);
    // A plugin layer's creator key and one row per field.
    void addPluginSection(const PluginParams& params);
    void addTensorTable(const QString& heading, const QString& objectName, const std::vector<QString>& names,
                        const NetworkDefinition* network, const std::vector<QString>& fallbackDims);
    void addWeightSections(const std::vector<const Tensor*>& constants);
    void showStatistics(const QString& tensorName, const WeightStatistics& stats);
    void cancelStatistics();
    void onStatisticsFinished();

    QScrollArea* m_scroll = nullptr;
    QWidget* m_content = nullptr;
    QVBoxLayout* m_contentLayout = nullptr;
    QString m_title;
    std::shared_ptr<const NetworkDefinition> m_network;

    QHash<QString, QWidget*> m_weightSections;  // constant name -> its group box, for late statistics
    QHash<QString, WeightStatistics> m_statistics;
    QFutureWatcher<StatisticsList> m_statisticsWatcher;
    std::shared_ptr<std::atomic<bool>> m_cancelStatistics;
};

}  // namespace kiln::views
