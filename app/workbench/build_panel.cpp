// Widgets of the Build panel; see build_panel.h.
#include "build_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QStandardItemModel>
#include <QDateTime>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QScrollArea>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStringList>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "kiln/device.h"
#include "kiln/plan.h"

namespace kiln::workbench {

namespace {

enum InputColumn { NameColumn, DeclaredColumn, ShapeColumn, MinColumn, MaxColumn, InputColumnCount };

constexpr int kMiB = 1 << 20;
const char* const kErrorColor = "#b3261e";
const char* const kWarningColor = "#8a5a00";

bool isSymbolic(const OnnxInputInfo& input) {
    return std::any_of(input.dims.begin(), input.dims.end(), [](int64_t extent) { return extent < 0; });
}

// An input whose row the user edits: one with symbolic dimensions, or a shape tensor (its values).
bool isEditable(const OnnxInputInfo& input) { return isSymbolic(input) || input.isShapeTensor; }

// "batch×3×224×224": what the model declares, symbolic names where sizes are open; for a shape tensor,
// its type and how many values it holds.
QString declaredText(const OnnxInputInfo& input) {
    if (input.isShapeTensor) {
        return BuildPanel::tr("shape tensor (%1 × %2)").arg(QString::fromStdString(toString(input.type))).arg(volume(input.dims));
    }
    QStringList extents;
    for (const std::string& extent : declaredExtents(input)) extents << QString::fromStdString(extent);
    return extents.isEmpty() ? BuildPanel::tr("scalar") : extents.join(QStringLiteral("×"));
}

QString dimsText(const Dims& dims) {
    QStringList extents;
    for (int64_t extent : dims)
        extents << QString::number(extent);
    return extents.join(QStringLiteral("x"));
}

// The shape to offer for an input: the one given before, else the declared one with 1 for each open
// extent (the usual batch size for inspecting and profiling a model).
QString suggestedShape(const OnnxInputInfo& input, const ShapeMap& shapes) {
    if (const auto it = shapes.find(input.name); it != shapes.end()) return dimsText(it->second);
    if (input.isShapeTensor) return QString();  // no value suits every model: the user gives them
    Dims dims = input.dims;
    for (int64_t& extent : dims)
        extent = extent < 0 ? 1 : extent;
    return dimsText(dims);
}

QTableWidgetItem* readOnlyItem(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

QString backendLabel(const QString& backend) {
    if (backend == QStringLiteral("cpu")) return BuildPanel::tr("CPU");
    if (backend == QStringLiteral("cuda")) return BuildPanel::tr("CUDA GPU");
    return backend;
}

}  // namespace

BuildPanel::BuildPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("buildPanel"));
    // Options on top (scrolling when the dock is short), progress and log below taking the rest: the
    // log is what grows during a build.
    m_options = new QWidget;
    auto* optionsLayout = new QVBoxLayout(m_options);
    optionsLayout->setContentsMargins(0, 0, 0, 0);
    optionsLayout->addWidget(createInputsGroup());
    optionsLayout->addWidget(createOptionsGroup());
    optionsLayout->addStretch(1);
    m_optionsScroll = new QScrollArea;
    m_optionsScroll->setWidget(m_options);
    m_optionsScroll->setWidgetResizable(true);
    m_optionsScroll->setFrameShape(QFrame::NoFrame);
    m_optionsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_optionsScroll->viewport()->installEventFilter(this);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(QStringLiteral("buildSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_optionsScroll);
    m_splitter->addWidget(createProgressGroup());
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({m_options->sizeHint().height(), 2 * m_options->sizeHint().height()});
    auto* splitter = m_splitter;

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);
    updateButtons();
}

QWidget* BuildPanel::createInputsGroup() {
    auto* group = new QGroupBox(tr("Inputs"));
    m_inputsMessage = new QLabel;
    m_inputsMessage->setObjectName(QStringLiteral("inputsMessage"));
    m_inputsMessage->setWordWrap(true);
    m_inputsMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_inputsMessage->setStyleSheet(QStringLiteral("QLabel { background: #fff4d6; color: #5c3d00; "
                                                  "border: 1px solid #e0b84c; border-radius: 3px; padding: 6px; }"));
    m_inputsMessage->hide();

    m_inputTable = new QTableWidget(0, InputColumnCount);
    m_inputTable->setObjectName(QStringLiteral("inputShapesTable"));
    m_inputTable->setHorizontalHeaderLabels({tr("Input"), tr("Declared"), tr("Shape to use"), tr("Range min"),
                                             tr("Range max")});
    m_inputTable->verticalHeader()->hide();
    m_inputTable->horizontalHeader()->setStretchLastSection(true);
    m_inputTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_inputTable->setSelectionMode(QAbstractItemView::NoSelection);
    m_inputTable->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_inputTable->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    fitInputTable();
    m_inputTable->setToolTip(tr("Give each symbolic dimension a size, e.g. 1x3x224x224. For an engine that runs "
                                "a range of shapes, also give the range's smallest and largest shape: the "
                                "shape to use is the one tactics are timed at."));

    m_reopenButton = new QPushButton(tr("Open with These Shapes"));
    m_reopenButton->setObjectName(QStringLiteral("reopenButton"));
    m_reopenButton->setToolTip(tr("Open the model again with the shapes in the table"));
    connect(m_reopenButton, &QPushButton::clicked, this, &BuildPanel::requestReopen);

    auto* layout = new QVBoxLayout(group);
    layout->addWidget(m_inputsMessage);
    layout->addWidget(m_inputTable);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(m_reopenButton);
    layout->addLayout(row);
    return group;
}

QWidget* BuildPanel::createOptionsGroup() {
    auto* group = new QGroupBox(tr("Builder options"));
    auto* form = new QFormLayout(group);

    m_precision = new QComboBox;
    m_precision->setObjectName(QStringLiteral("precisionCombo"));
    m_precision->addItem(tr("FP32"), int(BuildSettings::Precision::FP32));
    m_precision->addItem(tr("FP16 allowed"), int(BuildSettings::Precision::FP16));
    m_precision->addItem(tr("BF16 allowed"), int(BuildSettings::Precision::BF16));
    m_precision->addItem(tr("INT8 allowed"), int(BuildSettings::Precision::INT8));
    m_precision->setToolTip(tr("Which kernel precisions the builder may choose"));
    form->addRow(tr("&Precision:"), m_precision);

    m_calibrationLabel = new QLabel;
    m_calibrationLabel->setObjectName(QStringLiteral("int8RangesLabel"));
    m_calibrationLabel->setWordWrap(true);
    m_calibrationLabel->setToolTip(tr("The activation ranges an INT8 build quantizes with, from the Calibration panel"));
    form->addRow(tr("INT8 ranges:"), m_calibrationLabel);
    setCalibration({}, QString());

    m_layerPrecisions = new QLineEdit;
    m_layerPrecisions->setObjectName(QStringLiteral("layerPrecisionsEdit"));
    m_layerPrecisions->setPlaceholderText(tr("model nodes, e.g. conv1, layer4.*:fp16"));
    m_layerPrecisions->setClearButtonEnabled(true);
    m_layerPrecisions->setToolTip(tr("Model nodes (names, or patterns with * and ?) whose layers run in a precision of "
                                     "their own, separated by commas: a node alone stays in FP32, node:fp16, "
                                     "node:bf16 or node:int8 asks for that precision whatever the build's. The "
                                     "Precision panel's bisection fills this in."));
    form->addRow(tr("&Layer precisions:"), m_layerPrecisions);

    m_constraints = new QComboBox;
    m_constraints->setObjectName(QStringLiteral("precisionConstraintsCombo"));
    m_constraints->addItem(tr("Obey"), int(PrecisionConstraints::Obey));
    m_constraints->addItem(tr("Prefer"), int(PrecisionConstraints::Prefer));
    m_constraints->setToolTip(tr("What a build does with a layer that cannot run in the precision asked for it. "
                                 "Obey: fail, naming it and why. Prefer: run it in the precision it would have had "
                                 "and say so in the log."));
    form->addRow(tr("Co&nstraints:"), m_constraints);

    // Every backend is listed with its device; one this machine cannot run is shown but cannot be
    // chosen, and says why (no CUDA device: builds use the CPU).
    m_backend = new QComboBox;
    m_backend->setObjectName(QStringLiteral("backendCombo"));
    for (const BackendInfo& backend : backendInfos()) {
        const QString name = QString::fromStdString(backend.name);
        const QString device = QString::fromStdString(backend.description);
        if (backend.available) {
            m_backend->addItem(tr("%1 — %2").arg(backendLabel(name), device), name);
            m_backend->setItemData(m_backend->count() - 1, QString::fromStdString(deviceFingerprint(backend.name)),
                                   Qt::ToolTipRole);
            continue;
        }
        m_backend->addItem(backend.name == "cuda" ? tr("No CUDA device: using the CPU backend")
                                                  : tr("%1 unavailable").arg(backendLabel(name)),
                           QString());
        const int index = m_backend->count() - 1;
        m_backend->setItemData(index, device, Qt::ToolTipRole);
        if (auto* model = qobject_cast<QStandardItemModel*>(m_backend->model())) {
            model->item(index)->setEnabled(false);
        }
    }
    form->addRow(tr("&Backend:"), m_backend);

    m_fusion = new QCheckBox(tr("&Fuse layers"));
    m_fusion->setObjectName(QStringLiteral("fusionCheck"));
    m_fusion->setChecked(true);
    m_fusion->setToolTip(tr("Off: only what execution needs, no rewriting of the graph"));
    form->addRow(tr("Optimization:"), m_fusion);

    m_workspace = new QSpinBox;
    m_workspace->setObjectName(QStringLiteral("workspaceSpin"));
    m_workspace->setRange(1, 1 << 20);
    m_workspace->setValue(1024);
    m_workspace->setSuffix(tr(" MiB"));
    m_workspace->setToolTip(tr("Scratch memory a tactic may use"));
    form->addRow(tr("&Workspace limit:"), m_workspace);

    m_timingIterations = new QSpinBox;
    m_timingIterations->setObjectName(QStringLiteral("timingIterationsSpin"));
    m_timingIterations->setRange(1, 1000);
    m_timingIterations->setValue(10);
    m_timingIterations->setToolTip(tr("Timed runs per tactic candidate; the median counts"));
    form->addRow(tr("&Timing iterations:"), m_timingIterations);

    m_useTimingCache = new QCheckBox(tr("Use a timing &cache"));
    m_useTimingCache->setObjectName(QStringLiteral("buildTimingCacheCheck"));
    m_timingCachePath = new QLineEdit;
    m_timingCachePath->setObjectName(QStringLiteral("buildTimingCacheEdit"));
    m_browseTimingCache = new QPushButton(tr("…"));
    m_browseTimingCache->setToolTip(tr("Choose the timing cache file"));
    m_browseTimingCache->setMaximumWidth(32);
    auto* cacheRow = new QHBoxLayout;
    cacheRow->addWidget(m_timingCachePath, 1);
    cacheRow->addWidget(m_browseTimingCache);
    form->addRow(m_useTimingCache);
    form->addRow(tr("Cache file:"), cacheRow);
    const auto announce = [this] {
        m_timingCachePath->setEnabled(m_useTimingCache->isChecked() && !m_building);
        m_browseTimingCache->setEnabled(m_useTimingCache->isChecked() && !m_building);
        emit timingCacheChanged(m_useTimingCache->isChecked(), m_timingCachePath->text().trimmed());
    };
    connect(m_useTimingCache, &QCheckBox::toggled, this, announce);
    connect(m_timingCachePath, &QLineEdit::editingFinished, this, announce);
    connect(m_browseTimingCache, &QPushButton::clicked, this, [this, announce] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Timing Cache File"), m_timingCachePath->text(),
                                                          tr("Timing caches (*.cache);;All files (*)"), nullptr,
                                                          QFileDialog::DontConfirmOverwrite);
        if (path.isEmpty()) return;
        m_timingCachePath->setText(path);
        announce();
    });
    return group;
}

QWidget* BuildPanel::createProgressGroup() {
    m_buildButton = new QPushButton(tr("&Build"));
    m_buildButton->setObjectName(QStringLiteral("buildButton"));
    m_buildButton->setDefault(true);
    connect(m_buildButton, &QPushButton::clicked, this, &BuildPanel::buildRequested);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelBuildButton"));
    connect(m_cancelButton, &QPushButton::clicked, this, &BuildPanel::cancelRequested);

    m_status = new QLabel(tr("Not built yet."));
    m_status->setObjectName(QStringLiteral("buildStatusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_phaseBox = new QWidget;
    m_phaseGrid = new QGridLayout(m_phaseBox);
    m_phaseGrid->setContentsMargins(0, 0, 0, 0);
    m_phaseGrid->setColumnStretch(1, 1);

    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("buildLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(20000);
    m_log->setMinimumHeight(80);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setPlaceholderText(tr("The build log shows each phase, what the passes changed and any warnings."));
    QFont mono = m_log->font();
    mono.setStyleHint(QFont::Monospace);
    mono.setFamily(QStringLiteral("monospace"));
    m_log->setFont(mono);

    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_buildButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_phaseBox);
    layout->addWidget(new QLabel(tr("Build log:")));
    layout->addWidget(m_log, 1);
    return box;
}

void BuildPanel::setModelInputs(const QString& modelPath, const std::vector<OnnxInputInfo>& declared,
                                const ShapeMap& shapes, const QString& problem) {
    m_modelPath = modelPath;
    m_declared = declared;
    m_inputTable->setRowCount(0);
    bool anySymbolic = false;
    for (const OnnxInputInfo& input : declared) {
        const int row = m_inputTable->rowCount();
        m_inputTable->insertRow(row);
        m_inputTable->setItem(row, NameColumn, readOnlyItem(QString::fromStdString(input.name)));
        m_inputTable->setItem(row, DeclaredColumn, readOnlyItem(declaredText(input)));
        const bool symbolic = isEditable(input);
        anySymbolic = anySymbolic || symbolic;
        QTableWidgetItem* shape = symbolic ? new QTableWidgetItem(suggestedShape(input, shapes))
                                           : readOnlyItem(suggestedShape(input, shapes));
        shape->setToolTip(input.isShapeTensor ? tr("Its values decide shapes: double-click and type them, e.g. 2x-1")
                          : symbolic          ? tr("Double-click to edit, e.g. 1x3x224x224")
                                              : tr("The model fixes this shape."));
        if (symbolic) {
            QFont bold = shape->font();
            bold.setBold(true);
            shape->setFont(bold);
        }
        m_inputTable->setItem(row, ShapeColumn, shape);
        for (const int column : {int(MinColumn), int(MaxColumn)}) {
            QTableWidgetItem* bound = symbolic ? new QTableWidgetItem() : readOnlyItem(QString());
            bound->setToolTip(symbolic ? tr("Leave empty for one shape; give min and max for a range, e.g. 1x3x224x224 "
                                            "to 32x3x224x224")
                                       : tr("The model fixes this shape."));
            m_inputTable->setItem(row, column, bound);
        }
    }
    fitInputTable();
    m_inputsMessage->setText(problem);
    m_inputsMessage->setVisible(!problem.isEmpty());
    m_reopenButton->setVisible(anySymbolic);
    m_reopenButton->setEnabled(anySymbolic && !m_modelPath.isEmpty());
    m_reopenButton->setText(problem.isEmpty() ? tr("Re-open with These Shapes") : tr("Open with These Shapes"));
    updateOptionsHeight();
    if (!problem.isEmpty()) {
        // The inputs are what the user has to deal with now: give them the room they need.
        const int total = m_splitter->height();
        const int wanted = std::min(m_options->minimumHeight() + 24, total * 2 / 3);
        if (total > 0 && m_splitter->sizes().value(0) < wanted) m_splitter->setSizes({wanted, total - wanted});
        // Enter anywhere in the table re-opens: the one thing the user came here to do.
        m_reopenButton->setDefault(true);
        m_inputTable->setFocus(Qt::OtherFocusReason);
        if (m_inputTable->rowCount() > 0) m_inputTable->setCurrentCell(0, ShapeColumn);
    }
}

void BuildPanel::setPlanInputs(const std::vector<Binding>& bindings) {
    m_modelPath.clear();
    m_declared.clear();
    m_inputTable->setRowCount(0);
    for (const Binding& binding : bindings) {
        if (!binding.isInput) continue;
        const int row = m_inputTable->rowCount();
        m_inputTable->insertRow(row);
        m_inputTable->setItem(row, NameColumn, readOnlyItem(QString::fromStdString(binding.name)));
        m_inputTable->setItem(row, DeclaredColumn, readOnlyItem(dimsText(binding.dims)));
        m_inputTable->setItem(row, ShapeColumn, readOnlyItem(dimsText(binding.dims)));
        m_inputTable->setItem(row, MinColumn, readOnlyItem(QString()));
        m_inputTable->setItem(row, MaxColumn, readOnlyItem(QString()));
    }
    fitInputTable();
    m_inputsMessage->hide();
    m_reopenButton->hide();
}

bool BuildPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_optionsScroll->viewport() && event->type() == QEvent::Resize) updateOptionsHeight();
    return QWidget::eventFilter(watched, event);
}

void BuildPanel::updateOptionsHeight() {
    // The scroll area would squeeze the options into its height instead of scrolling: the wrapped message
    // above the inputs reports too small a minimum. Their height at the width they get is the minimum.
    QLayout* layout = m_options->layout();
    const int width = m_optionsScroll->viewport()->width();
    m_options->setMinimumHeight(layout->hasHeightForWidth() ? layout->totalHeightForWidth(width)
                                                            : layout->totalSizeHint().height());
}

void BuildPanel::fitInputTable() {
    // As tall as its rows (up to four; a model with more inputs scrolls), so that the options below stay
    // in view.
    constexpr int kMaxVisibleRows = 4;
    const int rows = std::clamp(m_inputTable->rowCount(), 1, kMaxVisibleRows);
    const int rowHeight = m_inputTable->verticalHeader()->defaultSectionSize();
    m_inputTable->setFixedHeight(m_inputTable->horizontalHeader()->sizeHint().height() + rows * rowHeight +
                                 2 * m_inputTable->frameWidth() + 2);
}

// The values typed for shape tensor `input` (`parts`, split as shapes are), which may be negative (a
// Reshape's -1) or zero.
std::optional<Dims> BuildPanel::typedValues(const QString& typed, const QStringList& parts, const OnnxInputInfo& input,
                                            QString& problem) const {
    Dims values;
    for (const QString& part : parts) {
        bool ok = false;
        values.push_back(part.toLongLong(&ok));
        if (!ok) {
            problem = tr("“%1” are not values; write one integer per value, e.g. 2x-1").arg(typed);
            return std::nullopt;
        }
    }
    if (int64_t(values.size()) != volume(input.dims)) {
        problem = tr("the shape tensor holds %1 values; %2 were given").arg(volume(input.dims)).arg(values.size());
        return std::nullopt;
    }
    return values;
}

// The shape typed in `column` of `row` for `input`, written the ways people write shapes: 1x3x224x224,
// 1×3×224×224, 1,3,224,224, [1, 3, 224, 224]. Null with `problem` when it is not a valid shape.
std::optional<Dims> BuildPanel::typedShape(int row, int column, const OnnxInputInfo& input, QString& problem) const {
    const QString typed = m_inputTable->item(row, column) ? m_inputTable->item(row, column)->text() : QString();
    QString text = typed.trimmed();
    text.replace(QChar(0x00D7), QLatin1Char('x')).replace(QLatin1Char('X'), QLatin1Char('x'));
    text.remove(QLatin1Char('[')).remove(QLatin1Char(']')).remove(QLatin1Char('(')).remove(QLatin1Char(')'));
    const QStringList parts = text.split(QRegularExpression(QStringLiteral("[\\s,;x]+")), Qt::SkipEmptyParts);
    if (input.isShapeTensor) return typedValues(typed, parts, input, problem);
    text = parts.join(QLatin1Char('x'));
    Result<Dims> dims = parseDims(text.toStdString());
    if (!dims || text.isEmpty()) {
        problem = tr("“%1” is not a shape; write one size per dimension, e.g. 1x3x224x224").arg(typed);
        return std::nullopt;
    }
    if (dims->size() != input.dims.size()) {
        problem = tr("the model declares %n dimension(s)", nullptr, int(input.dims.size()));
        return std::nullopt;
    }
    for (size_t axis = 0; axis < dims->size(); ++axis) {
        if ((*dims)[axis] < 1) {
            problem = tr("dimension %1 must be at least 1").arg(axis);
            return std::nullopt;
        }
        if (input.dims[axis] >= 0 && input.dims[axis] != (*dims)[axis]) {
            problem = tr("dimension %1 is fixed to %2 by the model").arg(axis).arg(input.dims[axis]);
            return std::nullopt;
        }
    }
    return *dims;
}

bool BuildPanel::inputShapes(ShapeMap& shapes, QString* error) const {
    shapes.clear();
    for (int row = 0; row < m_inputTable->rowCount() && row < int(m_declared.size()); ++row) {
        const OnnxInputInfo& input = m_declared[size_t(row)];
        if (!isEditable(input)) continue;
        QString problem;
        const std::optional<Dims> dims = typedShape(row, ShapeColumn, input, problem);
        if (!dims) {
            if (error) *error = tr("Input %1: %2.").arg(QString::fromStdString(input.name), problem);
            return false;
        }
        shapes[input.name] = *dims;
    }
    return true;
}

bool BuildPanel::inputProfiles(std::vector<OptimizationProfile>& profiles, QString* error) const {
    profiles.clear();
    ShapeMap shapes;
    if (!inputShapes(shapes, error)) return false;
    OptimizationProfile profile;
    for (int row = 0; row < m_inputTable->rowCount() && row < int(m_declared.size()); ++row) {
        const OnnxInputInfo& input = m_declared[size_t(row)];
        if (!isEditable(input)) continue;
        const QString name = QString::fromStdString(input.name);
        const bool hasMin = !m_inputTable->item(row, MinColumn)->text().trimmed().isEmpty();
        const bool hasMax = !m_inputTable->item(row, MaxColumn)->text().trimmed().isEmpty();
        if (!hasMin && !hasMax) {
            const Dims& dims = shapes.at(input.name);
            profile.inputs[input.name] = {dims, dims, dims};
            continue;
        }
        QString problem;
        std::optional<Dims> low, high;
        if (!hasMin || !hasMax) {
            problem = tr("give both the smallest and the largest shape of the range, or neither");
        } else if (!(low = typedShape(row, MinColumn, input, problem))) {
            problem = tr("range min: %1").arg(problem);
        } else if (!(high = typedShape(row, MaxColumn, input, problem))) {
            problem = tr("range max: %1").arg(problem);
        } else {
            const Dims& opt = shapes.at(input.name);
            for (size_t axis = 0; axis < opt.size() && problem.isEmpty(); ++axis) {
                if (!((*low)[axis] <= opt[axis] && opt[axis] <= (*high)[axis])) {
                    problem = (input.isShapeTensor ? tr("value %1 must satisfy min ≤ value to use ≤ max (%2 ≤ %3 ≤ %4)")
                                                   : tr("dimension %1 must satisfy min ≤ shape to use ≤ max (%2 ≤ %3 ≤ %4)"))
                                  .arg(axis).arg((*low)[axis]).arg(opt[axis]).arg((*high)[axis]);
                }
            }
        }
        if (!problem.isEmpty()) {
            if (error) *error = tr("Input %1: %2.").arg(name, problem);
            return false;
        }
        profile.inputs[input.name] = {*low, shapes.at(input.name), *high};
    }
    const bool ranged = std::any_of(profile.inputs.begin(), profile.inputs.end(),
                                    [](const auto& entry) { return entry.second.min != entry.second.max; });
    if (ranged) profiles.push_back(std::move(profile));
    return true;
}

void BuildPanel::showInputsProblem(const QString& problem) {
    m_inputsMessage->setText(problem);
    m_inputsMessage->setVisible(!problem.isEmpty());
}

void BuildPanel::requestReopen() {
    ShapeMap shapes;
    QString error;
    if (!inputShapes(shapes, &error)) {
        m_inputsMessage->setText(error);
        m_inputsMessage->show();
        return;
    }
    emit reopenRequested(m_modelPath, shapes);
}

void BuildPanel::setPrecision(BuildSettings::Precision precision) {
    m_precision->setCurrentIndex(std::max(0, m_precision->findData(int(precision))));
}

void BuildPanel::setCalibration(const std::map<std::string, float>& ranges, const QString& description) {
    m_dynamicRanges = ranges;
    if (ranges.empty()) {
        m_calibrationLabel->setText(tr("none: calibrate in the Calibration panel"));
        m_calibrationLabel->setStyleSheet(QStringLiteral("color: #6b6b6b;"));
    } else {
        m_calibrationLabel->setText(description.isEmpty() ? tr("%n tensor(s)", nullptr, int(ranges.size()))
                                                          : description);
        m_calibrationLabel->setStyleSheet(QString());
    }
}

void BuildPanel::setLayerPrecisions(const QStringList& nodes) {
    m_layerPrecisions->setText(nodes.join(QStringLiteral(", ")));
}

std::vector<LayerPrecision> BuildPanel::layerPrecisions() const {
    // The --layerPrecisions spelling: NODE:PRECISION; a node alone stays in FP32. A suffix that names no
    // precision is left in the pattern, which the build then refuses by name.
    std::vector<LayerPrecision> constraints;
    for (QString entry : m_layerPrecisions->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        entry = entry.trimmed();
        DataType precision = DataType::Float32;
        const qsizetype colon = entry.lastIndexOf(QLatin1Char(':'));
        if (colon > 0) {
            const QString suffix = entry.mid(colon + 1).trimmed().toLower();
            static const std::pair<const char*, DataType> kNames[] = {{"fp32", DataType::Float32},
                                                                      {"fp16", DataType::Float16},
                                                                      {"bf16", DataType::BFloat16},
                                                                      {"int8", DataType::Int8}};
            for (const auto& [name, type] : kNames) {
                if (suffix == QLatin1String(name)) {
                    precision = type;
                    entry = entry.left(colon).trimmed();
                }
            }
        }
        if (!entry.isEmpty()) constraints.push_back({entry.toStdString(), precision});
    }
    return constraints;
}

BuildSettings BuildPanel::settings() const {
    BuildSettings settings;
    settings.precision = BuildSettings::Precision(m_precision->currentData().toInt());
    settings.backend = m_backend->currentData().toString().toStdString();
    if (settings.backend.empty()) settings.backend = "cpu";
    settings.enableFusion = m_fusion->isChecked();
    settings.workspaceLimitBytes = int64_t(m_workspace->value()) * kMiB;
    settings.timingIterations = m_timingIterations->value();
    if (m_useTimingCache->isChecked()) settings.timingCachePath = m_timingCachePath->text().trimmed().toStdString();
    settings.dynamicRanges = m_dynamicRanges;
    settings.layerPrecisions = layerPrecisions();
    settings.precisionConstraints = PrecisionConstraints(m_constraints->currentData().toInt());
    return settings;
}

void BuildPanel::setTimingCache(bool enabled, const QString& path) {
    const QSignalBlocker blockCheck(m_useTimingCache);
    m_useTimingCache->setChecked(enabled);
    m_timingCachePath->setText(path);
    m_timingCachePath->setEnabled(enabled && !m_building);
    m_browseTimingCache->setEnabled(enabled && !m_building);
}

void BuildPanel::setBuildAvailable(bool available, const QString& reason) {
    m_buildAvailable = available;
    m_buildButton->setToolTip(available ? tr("Build an engine from the open model") : reason);
    updateButtons();
}

void BuildPanel::updateButtons() {
    m_buildButton->setEnabled(m_buildAvailable && !m_building);
    m_cancelButton->setEnabled(m_building);
    for (QWidget* option : std::initializer_list<QWidget*>{m_precision, m_layerPrecisions, m_constraints, m_backend, m_fusion,
                                                           m_workspace, m_timingIterations, m_useTimingCache}) {
        option->setEnabled(!m_building);
    }
    m_timingCachePath->setEnabled(!m_building && m_useTimingCache->isChecked());
    m_browseTimingCache->setEnabled(!m_building && m_useTimingCache->isChecked());
}

QString BuildPanel::phaseDisplayName(const QString& phase) {
    if (phase == QStringLiteral("passes")) return tr("Optimization passes");
    if (phase == QStringLiteral("tactics")) return tr("Tactic selection");
    if (phase == QStringLiteral("memory")) return tr("Memory planning");
    if (phase == QStringLiteral("network timing")) return tr("Timing in the network");
    if (phase == QStringLiteral("formats")) return tr("Format selection");
    if (phase == QStringLiteral("calibration")) return tr("Calibration");
    return phase;
}

void BuildPanel::buildStarted(const QString& modelName, const BuildSettings& settings) {
    m_building = true;
    m_currentPhase.clear();
    m_currentBar = nullptr;
    while (QLayoutItem* item = m_phaseGrid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    setStatus(tr("Building…"), LogLevel::Info);
    const QString cache = settings.timingCachePath.empty()
                              ? tr("no timing cache")
                              : tr("timing cache %1").arg(QString::fromStdString(settings.timingCachePath));
    appendLog(tr("Build of %1 started: %2, backend %3, fusion %4, workspace %5 MiB, %6 timing iterations, %7.")
                  .arg(modelName, settings.precisionName(), QString::fromStdString(settings.backend),
                       settings.enableFusion ? tr("on") : tr("off"))
                  .arg(settings.workspaceLimitBytes / kMiB)
                  .arg(settings.timingIterations)
                  .arg(cache));
    m_uncalibratedInt8 = settings.precision == BuildSettings::Precision::INT8 && settings.dynamicRanges.empty();
    if (settings.precision == BuildSettings::Precision::INT8 && !m_uncalibratedInt8) {
        appendLog(tr("INT8 ranges: %1.").arg(m_calibrationLabel->text()));
    }
    if (!settings.layerPrecisions.empty()) {
        QStringList entries;
        for (const LayerPrecision& constraint : settings.layerPrecisions) {
            entries << QStringLiteral("%1:%2").arg(QString::fromStdString(constraint.pattern),
                                                   QString::fromLatin1(toString(constraint.precision)).toLower());
        }
        appendLog(tr("Layer precisions (%1): %2.")
                      .arg(settings.precisionConstraints == PrecisionConstraints::Obey ? tr("obeyed") : tr("preferred"),
                           entries.join(QStringLiteral(", "))));
    }
    updateButtons();
}

void BuildPanel::finishCurrentPhase(const QString& format) {
    if (!m_currentBar) return;
    m_currentBar->setRange(0, 1);
    m_currentBar->setValue(format.isEmpty() ? 1 : 0);
    m_currentBar->setFormat(format.isEmpty() ? tr("%1 ms").arg(m_phaseClock.elapsed()) : format);
    if (format.isEmpty()) {
        appendLog(tr("Phase “%1” finished in %2 ms.")
                      .arg(phaseDisplayName(m_currentPhase))
                      .arg(m_phaseClock.elapsed()));
    }
    m_currentBar = nullptr;
}

void BuildPanel::phaseStarted(const QString& phase, int step, int stepCount) {
    if (!m_building) return;
    finishCurrentPhase({});
    m_currentPhase = phase;
    m_phaseClock.start();
    auto* label = new QLabel(phaseDisplayName(phase));
    auto* bar = new QProgressBar;
    bar->setObjectName(QStringLiteral("phaseProgress_%1").arg(phase));
    // The builder reports phase starts only, so a running phase shows activity rather than a fraction.
    bar->setRange(0, 0);
    bar->setTextVisible(true);
    bar->setMaximumHeight(fontMetrics().height() + 4);
    const int row = m_phaseGrid->rowCount();
    m_phaseGrid->addWidget(label, row, 0);
    m_phaseGrid->addWidget(bar, row, 1);
    m_currentBar = bar;
    setStatus(tr("Building: %1 (step %2 of %3)…").arg(phaseDisplayName(phase)).arg(step + 1).arg(stepCount),
              LogLevel::Info);
    appendLog(tr("Phase “%1” started (step %2 of %3).").arg(phaseDisplayName(phase)).arg(step + 1).arg(stepCount));
}

void BuildPanel::buildFinished(const BuildJob::Outcome& outcome) {
    m_building = false;
    const double seconds = outcome.wallMilliseconds / 1000.0;
    if (outcome.engine) {
        finishCurrentPhase({});
        const BuildReport& report = outcome.engine->report();
        // The builder's own clock is exact; the bars timed the queued notifications until now.
        for (const PhaseTime& phase : report.phases) {
            const QString name = QStringLiteral("phaseProgress_%1").arg(QString::fromStdString(phase.phase));
            if (auto* bar = m_phaseBox->findChild<QProgressBar*>(name)) {
                bar->setFormat(tr("%1 ms").arg(phase.milliseconds, 0, 'f', phase.milliseconds < 10 ? 1 : 0));
            }
        }
        // The builder's log: the verbose entries (every pass change) in one block, as thousands of appends
        // would keep the GUI busy on a large model; warnings each on their own, marked.
        QStringList verbose;
        for (const auto& [severity, message] : outcome.log) {
            if (severity == Severity::Verbose) verbose << message;
        }
        if (!verbose.isEmpty()) appendLog(verbose.join(QLatin1Char('\n')));
        for (const auto& [severity, message] : outcome.log) {
            if (severity == Severity::Warning) appendLog(tr("Warning: %1").arg(message), LogLevel::Warning);
        }
        if (report.timingCacheHits + report.timingCacheMisses > 0) {
            appendLog(tr("Tactic timing took %1 ms; timing cache hits: %2, misses: %3.")
                          .arg(report.timingMilliseconds, 0, 'f', 1)
                          .arg(report.timingCacheHits)
                          .arg(report.timingCacheMisses));
        }
        if (report.timingReuses > 0)
            appendLog(tr("%n layer(s) took the timings of an identical layer.", nullptr, report.timingReuses));
        const QString summary =
            tr("Built in %1 s: %2 → %3 layers, %4 changes, activation arena %5 MiB (%6 MiB without reuse).")
                .arg(seconds, 0, 'f', 2)
                .arg(report.layersBefore.size())
                .arg(report.layersAfter.size())
                .arg(report.changes.size())
                .arg(double(report.arenaBytes) / kMiB, 0, 'f', 2)
                .arg(double(report.activationBytes) / kMiB, 0, 'f', 2);
        appendLog(summary);
        appendLog(tr("Engine memory: weights %1 MiB (the constants its kernels read and their prepared weights); "
                     "each execution context %2 MiB (activation arena and workspace).")
                      .arg(double(outcome.engine->weightBytes()) / kMiB, 0, 'f', 2)
                      .arg(double(outcome.engine->contextMemoryBytes()) / kMiB, 0, 'f', 2));
        setStatus(summary, LogLevel::Info);
    } else if (outcome.code == StatusCode::Cancelled) {
        finishCurrentPhase(tr("cancelled"));
        appendLog(tr("Build cancelled."), LogLevel::Warning);
        setStatus(tr("Build cancelled."), LogLevel::Warning);
    } else {
        finishCurrentPhase(tr("failed"));
        appendLog(tr("Build failed: %1").arg(outcome.message), LogLevel::Error);
        setStatus(tr("Build failed: %1").arg(outcome.message), LogLevel::Error);
        if (m_uncalibratedInt8) {
            appendLog(tr("To build INT8, calibrate the model in the Calibration panel (with calibration data, or "
                         "a calibration cache made for this model), then build again."),
                      LogLevel::Warning);
        }
    }
    updateButtons();
}

void BuildPanel::setStatus(const QString& text, LogLevel level) {
    m_status->setText(text);
    m_status->setStyleSheet(level == LogLevel::Error     ? QStringLiteral("color: %1;").arg(kErrorColor)
                            : level == LogLevel::Warning ? QStringLiteral("color: %1;").arg(kWarningColor)
                                                         : QString());
}

void BuildPanel::appendLog(const QString& text, LogLevel level) {
    const QString time = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    QStringList lines = text.split(QLatin1Char('\n'));
    if (level == LogLevel::Info) {
        // Plain text: a large model's hundreds of pass changes would take long to parse as HTML.
        for (QString& line : lines)
            line = QStringLiteral("%1 %2").arg(time, line);
        m_log->appendPlainText(lines.join(QLatin1Char('\n')));
        return;
    }
    for (QString& line : lines)
        line = QStringLiteral("%1 %2").arg(time, line.toHtmlEscaped());
    m_log->appendHtml(QStringLiteral("<span style=\"color:%1\">%2</span>")
                          .arg(level == LogLevel::Error ? kErrorColor : kWarningColor, lines.join(QStringLiteral("<br>"))));
}

QString BuildPanel::logText() const {
    return m_log->toPlainText();
}

QString BuildPanel::statusText() const {
    return m_status->text();
}

void BuildPanel::saveSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("build"));
    settings.setValue(QStringLiteral("precision"), m_precision->currentData());
    settings.setValue(QStringLiteral("backend"), m_backend->currentData());
    settings.setValue(QStringLiteral("fusion"), m_fusion->isChecked());
    settings.setValue(QStringLiteral("workspaceMiB"), m_workspace->value());
    settings.setValue(QStringLiteral("timingIterations"), m_timingIterations->value());
    settings.endGroup();
}

void BuildPanel::restoreSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("build"));
    const int precision = m_precision->findData(settings.value(QStringLiteral("precision"), 0));
    m_precision->setCurrentIndex(std::max(precision, 0));
    const int backend = m_backend->findData(settings.value(QStringLiteral("backend"), QStringLiteral("cpu")));
    m_backend->setCurrentIndex(std::max(backend, 0));
    m_fusion->setChecked(settings.value(QStringLiteral("fusion"), true).toBool());
    m_workspace->setValue(settings.value(QStringLiteral("workspaceMiB"), 1024).toInt());
    m_timingIterations->setValue(settings.value(QStringLiteral("timingIterations"), 10).toInt());
    settings.endGroup();
}

}  // namespace kiln::workbench
