// Builds the panel's content afresh for each selection (a few forms, two tensor tables and one histogram
// per constant input), which keeps every selection independent of the last. See properties_panel.h.
#include "properties_panel.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <algorithm>
#include <qcustomplot.h>

#include "kiln/plugin.h"

namespace kiln::views {

namespace {

constexpr int kHistogramBins = 32;
constexpr int kHistogramHeight = 110;

QString fromStd(const std::string& text) {
    return QString::fromStdString(text);
}

QString joined(const std::vector<std::string>& items, const QString& separator) {
    QStringList list;
    for (const std::string& item : items)
        list << fromStd(item);
    return list.join(separator);
}

// A value label the user can select and copy, wrapping long attribute and provenance lists.
QLabel* valueLabel(const QString& text, const QString& objectName) {
    auto* label = new QLabel(text);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    // A long word (a kernel's name, a tensor list as JSON) must not widen the whole panel past its dock:
    // the label takes the width the form gives it, wraps where it can and keeps the rest in its tooltip.
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    label->setToolTip(text);
    return label;
}

QFormLayout* newForm(QWidget* parent) {
    auto* form = new QFormLayout(parent);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setLabelAlignment(Qt::AlignLeft);
    return form;
}

bool isIntegerType(DataType type) {
    return type == DataType::Int8 || type == DataType::Int32 || type == DataType::Int64 || type == DataType::Bool;
}

// Six significant digits: enough to compare weights by eye, short enough for a narrow dock.
QString formatValue(double value, bool integer) {
    if (integer) return QString::number(qint64(value));
    return QString::number(value, 'g', 6);
}

QCustomPlot* histogramPlot(const WeightStatistics& stats) {
    auto* plot = new QCustomPlot;
    plot->setObjectName(QStringLiteral("histogram"));
    plot->setMinimumHeight(kHistogramHeight);
    plot->setMaximumHeight(kHistogramHeight);
    QFont small = plot->font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    plot->xAxis->setTickLabelFont(small);
    plot->yAxis->setTickLabelFont(small);
    plot->axisRect()->setAutoMargins(QCP::msLeft | QCP::msBottom);
    plot->axisRect()->setMargins(QMargins(0, 4, 6, 0));

    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(70, 130, 180));
    const int bins = int(stats.histogram.size());
    const double range = stats.maximum - stats.minimum;
    // Equal values fall in one bin; give it a visible width around the value.
    const double width = range > 0.0 ? range / bins : std::max(std::abs(stats.minimum), 1.0) * 0.1;
    QVector<double> keys;
    QVector<double> counts;
    double highest = 0.0;
    for (int bin = 0; bin < bins; ++bin) {
        keys << (range > 0.0 ? stats.minimum + (bin + 0.5) * width : stats.minimum);
        counts << double(stats.histogram[size_t(bin)]);
        highest = std::max(highest, counts.back());
    }
    bars->setWidth(width);
    bars->setData(keys, counts, true);
    if (range > 0.0) {
        plot->xAxis->setRange(stats.minimum, stats.maximum);
    } else {
        plot->xAxis->setRange(stats.minimum - width, stats.minimum + width);
    }
    plot->yAxis->setRange(0.0, highest * 1.05 + 1e-9);
    plot->yAxis->ticker()->setTickCount(3);
    plot->xAxis->ticker()->setTickCount(4);
    return plot;
}

// JSON with a space after each comma and colon, so that a long list wraps in a narrow panel:
// {"Name": "317", "Dimensions": [1, 3, 224, 224]}.
QString jsonText(const QJsonValue& value) {
    if (value.isArray()) {
        QStringList items;
        for (const QJsonValue& item : value.toArray()) items << jsonText(item);
        return QStringLiteral("[%1]").arg(items.join(QStringLiteral(", ")));
    }
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        QStringList items;
        for (auto it = object.begin(); it != object.end(); ++it) items << QStringLiteral("%1: %2").arg(jsonText(it.key()), jsonText(it.value()));
        return QStringLiteral("{%1}").arg(items.join(QStringLiteral(", ")));
    }
    // A scalar: as JSON writes it (strings quoted and escaped).
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

}  // namespace

PropertiesPanel::PropertiesPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_scroll);
    connect(&m_statisticsWatcher, &QFutureWatcher<StatisticsList>::finished, this,
            &PropertiesPanel::onStatisticsFinished);
    clear();
}

PropertiesPanel::~PropertiesPanel() {
    if (m_cancelStatistics) m_cancelStatistics->store(true);
    m_statisticsWatcher.waitForFinished();
}

void PropertiesPanel::cancelStatistics() {
    // The job still running (if any) stops at its next check and its result is dropped: the watcher
    // is pointed at the next job, or ignores a job whose flag was raised.
    if (m_cancelStatistics) m_cancelStatistics->store(true);
    m_cancelStatistics.reset();
    m_weightSections.clear();
    m_statistics.clear();
}

void PropertiesPanel::beginContent(const QString& title) {
    cancelStatistics();
    m_title = title;
    m_content = new QWidget;
    m_contentLayout = new QVBoxLayout(m_content);
    auto* heading = new QLabel(title);
    heading->setObjectName(QStringLiteral("title"));
    heading->setTextFormat(Qt::PlainText);
    heading->setWordWrap(true);
    heading->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont font = heading->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.15);
    heading->setFont(font);
    m_contentLayout->addWidget(heading);
    // setWidget deletes the previous content with its sections.
    m_scroll->setWidget(m_content);
}

void PropertiesPanel::addNote(const QString& text) {
    auto* note = new QLabel(text);
    note->setObjectName(QStringLiteral("note"));
    note->setWordWrap(true);
    note->setEnabled(false);
    m_contentLayout->addWidget(note);
}

void PropertiesPanel::clear() {
    m_network.reset();
    beginContent(QString());
    addNote(tr("Select a layer or a tensor in the graph to see its properties."));
    m_contentLayout->addStretch(1);
}

QString PropertiesPanel::currentTitle() const {
    return m_title;
}

bool PropertiesPanel::isComputingStatistics() const {
    return m_cancelStatistics != nullptr;
}

std::optional<WeightStatistics> PropertiesPanel::weightStatistics(const QString& tensorName) const {
    const auto it = m_statistics.find(tensorName);
    if (it == m_statistics.end()) return std::nullopt;
    return *it;
}

void PropertiesPanel::addTensorTable(const QString& heading, const QString& objectName,
                                     const std::vector<QString>& names, const NetworkDefinition* network,
                                     const std::vector<QString>& fallbackDims) {
    auto* box = new QGroupBox(heading);
    auto* layout = new QVBoxLayout(box);
    auto* table = new QTreeWidget;
    table->setObjectName(objectName);
    table->setRootIsDecorated(false);
    table->setColumnCount(4);
    table->setHeaderLabels({tr("Name"), tr("Shape"), tr("Type"), tr("Role")});
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFocusPolicy(Qt::NoFocus);
    for (size_t i = 0; i < names.size(); ++i) {
        const QString& name = names[i];
        const Tensor* tensor = network && !name.isEmpty() ? network->findTensor(name.toStdString()) : nullptr;
        QStringList cells;
        if (name.isEmpty()) {
            cells << tr("(none)") << QString() << QString() << tr("omitted optional input");
        } else if (!tensor) {
            const QString dims = i < fallbackDims.size() ? fallbackDims[i] : QString();
            cells << name << dims << QString() << QString();
        } else {
            QString role = tr("activation");
            if (tensor->isNetworkInput()) role = tr("network input");
            else if (tensor->isConstant()) role = tr("constant");
            if (tensor->isNetworkOutput()) role = tr("network output");
            cells << name << fromStd(toString(tensor->dims())) << QString::fromUtf8(toString(tensor->type())) << role;
        }
        auto* item = new QTreeWidgetItem(table, cells);
        item->setToolTip(0, name);
    }
    table->header()->setStretchLastSection(false);
    table->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < 4; ++column)
        table->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    // The whole list shows without an inner scroll bar: the panel itself scrolls.
    const int rowHeight = table->sizeHintForRow(0) > 0 ? table->sizeHintForRow(0) : table->fontMetrics().height() + 6;
    table->setFixedHeight(table->header()->sizeHint().height() + rowHeight * std::max<int>(int(names.size()), 1) +
                          2 * table->frameWidth() + 2);
    table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(table);
    m_contentLayout->addWidget(box);
}

void PropertiesPanel::addWeightSections(const std::vector<const Tensor*>& constants) {
    std::vector<std::pair<QString, std::shared_ptr<const HostTensor>>> large;
    for (const Tensor* tensor : constants) {
        const QString name = fromStd(tensor->name());
        if (m_weightSections.contains(name)) continue;  // a constant read twice shows once
        auto* box = new QGroupBox(tr("Weights: %1").arg(name));
        box->setObjectName(QStringLiteral("weights:%1").arg(name));
        auto* form = newForm(box);
        form->addRow(tr("Shape:"), valueLabel(tr("%1 (%2)").arg(fromStd(toString(tensor->dims())),
                                                                 QString::fromUtf8(toString(tensor->type()))),
                                              QStringLiteral("shapeValue")));
        box->setProperty("integerValues", isIntegerType(tensor->type()));
        m_weightSections.insert(name, box);
        m_contentLayout->addWidget(box);
        const std::shared_ptr<const HostTensor>& data = tensor->constantData();
        if (data->elementCount() > kSynchronousStatisticsLimit) {
            form->addRow(tr("Statistics:"), valueLabel(tr("computing…"), QStringLiteral("pendingValue")));
            large.emplace_back(name, data);
        } else {
            showStatistics(name, computeWeightStatistics(*data, kHistogramBins));
        }
    }
    if (large.empty()) return;
    m_cancelStatistics = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<bool>> cancel = m_cancelStatistics;
    m_statisticsWatcher.setFuture(QtConcurrent::run([large = std::move(large), cancel] {
        StatisticsList results;
        for (const auto& [name, data] : large) {
            if (cancel->load()) break;
            results.emplace_back(name, computeWeightStatistics(*data, kHistogramBins, cancel.get()));
        }
        return results;
    }));
}

void PropertiesPanel::showStatistics(const QString& tensorName, const WeightStatistics& stats) {
    QWidget* box = m_weightSections.value(tensorName);
    if (!box) return;
    m_statistics.insert(tensorName, stats);
    auto* form = qobject_cast<QFormLayout*>(box->layout());
    if (QLabel* pending = box->findChild<QLabel*>(QStringLiteral("pendingValue"))) form->removeRow(pending);

    const bool integer = box->property("integerValues").toBool();
    const QLocale locale;
    form->addRow(tr("Count:"), valueLabel(locale.toString(qint64(stats.count)), QStringLiteral("countValue")));
    if (stats.finiteCount == 0) {
        form->addRow(tr("Values:"), valueLabel(tr("no finite values"), QStringLiteral("minimumValue")));
        return;
    }
    form->addRow(tr("Minimum:"), valueLabel(formatValue(stats.minimum, integer), QStringLiteral("minimumValue")));
    form->addRow(tr("Maximum:"), valueLabel(formatValue(stats.maximum, integer), QStringLiteral("maximumValue")));
    form->addRow(tr("Mean:"), valueLabel(formatValue(stats.mean, false), QStringLiteral("meanValue")));
    form->addRow(tr("Std. deviation:"),
                 valueLabel(formatValue(stats.standardDeviation, false), QStringLiteral("deviationValue")));
    const double zeroPercent = 100.0 * double(stats.zeroCount) / double(stats.count);
    form->addRow(tr("Zeros:"), valueLabel(tr("%1 (%2 %)").arg(locale.toString(qint64(stats.zeroCount)))
                                              .arg(zeroPercent, 0, 'f', 1),
                                          QStringLiteral("zerosValue")));
    if (stats.finiteCount < stats.count) {
        form->addRow(tr("NaN or infinite:"), valueLabel(locale.toString(qint64(stats.count - stats.finiteCount)),
                                                        QStringLiteral("nonFiniteValue")));
    }
    form->addRow(histogramPlot(stats));
}

void PropertiesPanel::onStatisticsFinished() {
    // A job whose selection was replaced was cancelled; its (partial) result is not shown.
    if (!m_cancelStatistics || m_cancelStatistics->load()) return;
    const QFuture<StatisticsList> future = m_statisticsWatcher.future();
    if (future.resultCount() == 0) return;
    for (const auto& [name, stats] : future.result())
        showStatistics(name, stats);
    m_cancelStatistics.reset();
    emit statisticsReady();
}

void PropertiesPanel::addPluginSection(const PluginParams& params) {
    if (!params.plugin) return;
    const Plugin& plugin = *params.plugin;
    auto* box = new QGroupBox(tr("Plugin"));
    box->setObjectName(QStringLiteral("pluginSection"));
    QFormLayout* form = newForm(box);
    form->addRow(tr("Name:"), valueLabel(fromStd(plugin.name()), QStringLiteral("pluginNameValue")));
    form->addRow(tr("Version:"), valueLabel(fromStd(plugin.version()), QStringLiteral("pluginVersionValue")));
    form->addRow(tr("Namespace:"),
                 valueLabel(plugin.pluginNamespace().empty() ? tr("none") : fromStd(plugin.pluginNamespace()),
                            QStringLiteral("pluginNamespaceValue")));
    const PluginFields fields = plugin.fields();
    if (fields.empty())
        form->addRow(tr("Fields:"), valueLabel(tr("none"), QStringLiteral("pluginFieldsValue")));
    for (const PluginField& field : fields) {
        // describeFields writes "name=value"; the row shows the name and type as its label.
        const std::string text = describeFields({field});
        form->addRow(tr("%1 (%2):").arg(fromStd(field.name), QString::fromUtf8(toString(field.type))),
                     valueLabel(fromStd(text.substr(field.name.size() + 1)),
                                QStringLiteral("pluginField_") + fromStd(field.name)));
    }
    m_contentLayout->addWidget(box);
}

void PropertiesPanel::showLayer(std::shared_ptr<const NetworkDefinition> network, const QString& layerName,
                                const LayerRecord* record) {
    const Layer* layer = network ? network->findLayer(layerName.toStdString()) : nullptr;
    if (!layer && !record) {
        m_network = std::move(network);
        beginContent(layerName);
        addNote(tr("There is no layer named \"%1\" in this network.").arg(layerName));
        m_contentLayout->addStretch(1);
        return;
    }
    const QString type = layer ? QString::fromUtf8(toString(layer->kind())) : fromStd(record->kind);
    m_network = std::move(network);
    beginContent(tr("%1 (%2)").arg(layerName, type));

    auto* general = new QGroupBox(tr("Layer"));
    general->setObjectName(QStringLiteral("layerSection"));
    QFormLayout* form = newForm(general);
    form->addRow(tr("Type:"), valueLabel(type, QStringLiteral("typeValue")));
    const QString attributes = layer ? fromStd(describeLayer(*layer)) : fromStd(record->parameters);
    form->addRow(tr("Attributes:"),
                 valueLabel(attributes.isEmpty() ? tr("none") : attributes, QStringLiteral("attributesValue")));
    const std::vector<std::string>& provenance = record ? record->provenance : layer->provenance();
    form->addRow(tr("Provenance:"), valueLabel(provenance.empty() ? tr("none") : joined(provenance, QStringLiteral(", ")),
                                               QStringLiteral("provenanceValue")));
    if (layer && layer->precisionConstraint()) {
        form->addRow(tr("Required precision:"),
                     valueLabel(QString::fromUtf8(toString(*layer->precisionConstraint())),
                                QStringLiteral("constraintValue")));
    }
    m_contentLayout->addWidget(general);
    if (layer && layer->kind() == LayerKind::Plugin) addPluginSection(layer->paramsAs<PluginParams>());

    if (record && (!record->tactic.empty() || !record->precision.empty() || record->elided)) {
        auto* build = new QGroupBox(tr("Build"));
        build->setObjectName(QStringLiteral("buildSection"));
        QFormLayout* buildForm = newForm(build);
        if (!record->precision.empty())
            buildForm->addRow(tr("Precision:"), valueLabel(fromStd(record->precision), QStringLiteral("precisionValue")));
        if (record->elided) {
            buildForm->addRow(tr("Tactic:"), valueLabel(tr("elided: its outputs alias its inputs, nothing runs"),
                                                        QStringLiteral("tacticValue")));
        } else if (!record->tactic.empty()) {
            buildForm->addRow(tr("Tactic:"), valueLabel(fromStd(record->tactic), QStringLiteral("tacticValue")));
        }
        if (!record->outputFormats.empty()) {
            buildForm->addRow(tr("Output formats:"), valueLabel(joined(record->outputFormats, QStringLiteral(", ")),
                                                                QStringLiteral("formatsValue")));
        }
        if (!record->candidates.empty()) {
            int timed = 0;
            for (const TacticCandidate& candidate : record->candidates)
                timed += candidate.milliseconds >= 0.0 ? 1 : 0;
            QString source = record->timingReused      ? tr("times of an identical layer of this build")
                             : record->timingFromCache ? tr("times from the timing cache")
                                                       : tr("timed during the build");
            if (record->timingBatch > 0) source += tr(", on %1 images of the batch").arg(record->timingBatch);
            buildForm->addRow(tr("Candidates:"),
                              valueLabel(tr("%1 considered, %2 timed; %3")
                                             .arg(record->candidates.size())
                                             .arg(timed)
                                             .arg(source),
                                         QStringLiteral("candidatesValue")));
        }
        m_contentLayout->addWidget(build);
    }

    std::vector<QString> inputs;
    std::vector<QString> outputs;
    std::vector<QString> outputDims;
    std::vector<const Tensor*> constants;
    if (layer) {
        for (const Tensor* tensor : layer->inputs()) {
            inputs.push_back(tensor ? fromStd(tensor->name()) : QString());
            if (tensor && tensor->isConstant()) constants.push_back(tensor);
        }
        for (const Tensor* tensor : layer->outputs())
            outputs.push_back(fromStd(tensor->name()));
    } else {
        for (const std::string& name : record->inputs) {
            inputs.push_back(fromStd(name));
            const Tensor* tensor = m_network ? m_network->findTensor(name) : nullptr;
            if (tensor && tensor->isConstant()) constants.push_back(tensor);
        }
        for (const std::string& name : record->outputs)
            outputs.push_back(fromStd(name));
        for (const std::string& dims : record->outputDims)
            outputDims.push_back(fromStd(dims));
    }
    addTensorTable(tr("Inputs"), QStringLiteral("inputsTable"), inputs, m_network.get(), {});
    addTensorTable(tr("Outputs"), QStringLiteral("outputsTable"), outputs, m_network.get(), outputDims);
    addWeightSections(constants);
    // Without a network (an engine known by its records alone) there is nothing the inputs could be found in.
    const bool inputsUnknown = m_network && std::any_of(inputs.begin(), inputs.end(), [this](const QString& name) {
        return !name.isEmpty() && !m_network->findTensor(name.toStdString());
    });
    if (inputsUnknown) {
        addNote(tr("Some inputs of this layer were made by the build and are not in the network shown, so their "
                   "shapes and values are not known here."));
    }
    m_contentLayout->addStretch(1);
}

void PropertiesPanel::addFileFields(const QString& heading, const QVariantMap& fields) {
    auto* box = new QGroupBox(heading);
    box->setObjectName(QStringLiteral("fileFieldsSection"));
    QFormLayout* form = newForm(box);
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it) {
        const QJsonValue value = QJsonValue::fromVariant(it.value());
        const QString text = value.isArray() || value.isObject() ? jsonText(value) : it.value().toString();
        form->addRow(tr("%1:").arg(it.key()), valueLabel(text, QStringLiteral("field_") + it.key()));
    }
    if (fields.isEmpty()) form->addRow(valueLabel(tr("The file gives this layer by name only."), QStringLiteral("noFieldsValue")));
    // Above the stretch that ends the content.
    m_contentLayout->insertWidget(std::max(0, m_contentLayout->count() - 1), box);
}

void PropertiesPanel::showTensor(std::shared_ptr<const NetworkDefinition> network, const QString& tensorName) {
    const Tensor* tensor = network ? network->findTensor(tensorName.toStdString()) : nullptr;
    m_network = std::move(network);
    if (!tensor) {
        beginContent(tensorName);
        addNote(tr("There is no tensor named \"%1\" in this network.").arg(tensorName));
        m_contentLayout->addStretch(1);
        return;
    }
    beginContent(tr("%1 (Tensor)").arg(tensorName));
    auto* general = new QGroupBox(tr("Tensor"));
    general->setObjectName(QStringLiteral("tensorSection"));
    QFormLayout* form = newForm(general);
    form->addRow(tr("Shape:"), valueLabel(fromStd(toString(tensor->dims())), QStringLiteral("shapeValue")));
    form->addRow(tr("Data type:"), valueLabel(QString::fromUtf8(toString(tensor->type())), QStringLiteral("typeValue")));
    QStringList roles;
    if (tensor->isNetworkInput()) roles << tr("network input");
    if (tensor->isConstant()) roles << tr("constant");
    if (tensor->isNetworkOutput()) roles << tr("network output");
    if (roles.isEmpty()) roles << tr("activation");
    form->addRow(tr("Role:"), valueLabel(roles.join(QStringLiteral(", ")), QStringLiteral("roleValue")));
    const QLocale locale;
    form->addRow(tr("Size:"), valueLabel(tr("%1 elements, %2 bytes")
                                             .arg(locale.toString(qint64(volume(tensor->dims()))),
                                                  locale.toString(qint64(volume(tensor->dims()) *
                                                                         int64_t(dataTypeSize(tensor->type()))))),
                                         QStringLiteral("sizeValue")));
    form->addRow(tr("Producer:"),
                 valueLabel(tensor->producer() ? fromStd(tensor->producer()->name()) : tr("none"),
                            QStringLiteral("producerValue")));
    QStringList consumers;
    for (const Layer* consumer : m_network->consumersOf(tensor))
        consumers << fromStd(consumer->name());
    form->addRow(tr("Consumers:"), valueLabel(consumers.isEmpty() ? tr("none") : consumers.join(QStringLiteral(", ")),
                                              QStringLiteral("consumersValue")));
    if (tensor->alias()) {
        form->addRow(tr("Alias of:"), valueLabel(tr("%1 from byte %2")
                                                     .arg(fromStd(tensor->alias()->base->name()))
                                                     .arg(tensor->alias()->byteOffset),
                                                 QStringLiteral("aliasValue")));
    }
    if (tensor->dynamicRange()) {
        form->addRow(tr("Dynamic range:"),
                     valueLabel(tr("±%1").arg(double(*tensor->dynamicRange()), 0, 'g', 6), QStringLiteral("rangeValue")));
    }
    m_contentLayout->addWidget(general);
    if (tensor->isConstant()) addWeightSections({tensor});
    m_contentLayout->addStretch(1);
}

}  // namespace kiln::views
