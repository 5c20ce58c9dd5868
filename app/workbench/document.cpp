// Background loading of models and plans into a Document; see document.h.
#include "document.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStringList>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <optional>

#include "engine_messages.h"
#include "kiln/plan.h"
#include "kiln/symbolic_shapes.h"

namespace kiln::workbench {

namespace {

// "input: batch × 3 × 32 × 32", with the symbolic name (or "?") where the extent is not fixed.
QString describeDeclaredShape(const OnnxInputInfo& input) {
    QStringList extents;
    for (const std::string& extent : declaredExtents(input)) extents << QString::fromStdString(extent);
    return QStringLiteral("%1: %2").arg(QString::fromStdString(input.name), extents.join(QStringLiteral(" × ")));
}

// "target (INT64 × 2)": a shape tensor, by the values it holds.
QString shapeTensorText(const OnnxInputInfo& input) {
    return QStringLiteral("%1 (%2 × %3)").arg(QString::fromStdString(input.name), QString::fromStdString(toString(input.type)))
        .arg(volume(input.dims));
}

bool isSymbolic(const OnnxInputInfo& input) {
    return std::any_of(input.dims.begin(), input.dims.end(), [](int64_t extent) { return extent < 0; });
}

void loadPlan(Document::LoadOutcome& outcome) {
    Result<std::shared_ptr<Engine>> engine = readPlanFile(QFile::encodeName(outcome.path).toStdString());
    if (!engine) {
        // Unsupported is what the reader says of an intact plan from another version, backend or device;
        // everything else means the bytes themselves cannot be used.
        outcome.problem = engine.status().code() == StatusCode::Unsupported ? LoadProblem::ForeignPlan
                                                                           : LoadProblem::DamagedPlan;
        outcome.errorMessage = views::EngineMessages::statusText(engine.status().message());
        return;
    }
    outcome.layers = (*engine)->report().layersBefore;
    outcome.engine = std::move(engine).value();
}

void loadTensorRtEngine(Document::LoadOutcome& outcome) {
    auto engine = std::make_shared<views::TensorRtEngine>();
    const QString profile = views::tensorRtProfileBeside(outcome.path);
    QString error;
    if (!views::readTensorRtEngine(outcome.path, profile, *engine, &error)) {
        outcome.problem = LoadProblem::BadEngineExport;
        outcome.errorMessage = error;
        return;
    }
    outcome.tensorRtProfilePath = profile.isEmpty() ? QString() : QFileInfo(profile).absoluteFilePath();
    outcome.tensorRtEngine = std::move(engine);
}

// Gives each layer's output shapes by symbol ("batchx64xH/2") where they can be derived from the model
// at `shapes`; true when they could.
bool showShapesBySymbol(std::vector<LayerRecord>& layers, const std::string& fileName, const ShapeMap& shapes) {
    Result<std::shared_ptr<const NetworkSource>> source = onnxNetworkSource(fileName);
    if (!source) return false;
    Result<SymbolicShapes> symbolic = deriveSymbolicShapes(**source, shapes);
    if (!symbolic) return false;
    for (LayerRecord& record : layers) {
        for (size_t i = 0; i < record.outputs.size() && i < record.outputDims.size(); ++i) {
            auto it = symbolic->tensors.find(record.outputs[i]);
            if (it != symbolic->tensors.end()) record.outputDims[i] = toString(it->second);
        }
    }
    return true;
}

void loadModel(Document::LoadOutcome& outcome, const std::vector<OnnxInputInfo>* knownInputs) {
    const std::string fileName = QFile::encodeName(outcome.path).toStdString();
    // Reading the inputs parses the whole file; a re-open with shapes already knows them.
    Result<std::vector<OnnxInputInfo>> declared =
        knownInputs ? Result<std::vector<OnnxInputInfo>>(*knownInputs) : readOnnxInputs(fileName);
    if (!declared) {
        outcome.problem = LoadProblem::Unreadable;
        outcome.errorMessage = views::EngineMessages::statusText(declared.status().message());
        return;
    }
    outcome.declaredInputs = *declared;

    // A model with symbolic dimensions opens at once: the dimensions the user has not sized yet take
    // assumed sizes (parseOnnxFileAssumingShapes), and the window says which.
    QStringList missing;
    QStringList symbolic;
    for (const OnnxInputInfo& input : *declared) {
        if (!isSymbolic(input)) continue;
        symbolic << describeDeclaredShape(input);
        if (outcome.inputShapes.count(input.name) == 0) missing << describeDeclaredShape(input);
    }
    OnnxParseOptions options;
    options.inputShapes = outcome.inputShapes;
    // A shape tensor's entry holds its values, which the import takes as the tensor itself; they are
    // not assumed (no value suits every model), so a model opens once they are given.
    QStringList valuesMissing;
    for (const OnnxInputInfo& input : *declared) {
        if (!input.isShapeTensor) continue;
        auto given = options.inputShapes.find(input.name);
        if (given == options.inputShapes.end()) {
            valuesMissing << shapeTensorText(input);
            continue;
        }
        symbolic << shapeTensorText(input);  // the values given are as likely a culprit as shapes
        Result<HostTensor> value = shapeTensorValue(input, std::vector<int64_t>(given->second.begin(), given->second.end()));
        if (!value) {
            outcome.problem = LoadProblem::SymbolicShapes;
            outcome.errorMessage = views::EngineMessages::statusText(value.status().message());
            return;
        }
        options.inputValues.emplace(input.name, std::move(value).value());
        options.inputShapes.erase(given);
    }
    if (!valuesMissing.isEmpty()) {
        outcome.problem = LoadProblem::SymbolicShapes;
        outcome.errorMessage = Document::tr("These inputs are shape tensors, whose values decide shapes: %1. Type "
                                            "their values under Inputs (e.g. 2x-1) and press “Open with These "
                                            "Shapes”.")
                                   .arg(valuesMissing.join(QStringLiteral("; ")));
        return;
    }
    Result<AssumedShapesImport> imported = parseOnnxFileAssumingShapes(fileName, options);
    Result<NetworkDefinition> parsed = imported ? Result<NetworkDefinition>(std::move(imported->network))
                                                : Result<NetworkDefinition>(imported.status());
    if (!missing.isEmpty()) {
        if (!parsed) {
            outcome.problem = LoadProblem::SymbolicShapes;
            outcome.errorMessage =
                Document::tr("These inputs have symbolic dimensions: %1. The model does not open with every "
                             "symbolic dimension at 1, 32 or 224 (at 1: %2): enter a shape for each of them in "
                             "the Build panel and press “Open with These Shapes”.")
                    .arg(missing.join(QStringLiteral("; ")), views::EngineMessages::statusText(parsed.status().message()));
            return;
        }
        QStringList assumed;
        for (const OnnxInputInfo& input : *declared) {
            const auto& names = imported->assumedInputs;
            if (std::find(names.begin(), names.end(), input.name) == names.end()) continue;
            assumed << QStringLiteral("%1 as %2").arg(describeDeclaredShape(input),
                                                      QString::fromStdString(toString(imported->inputShapes.at(input.name))));
        }
        outcome.assumedShapes = assumed.join(QStringLiteral("; "));
        for (const auto& [name, dims] : imported->inputShapes) outcome.inputShapes[name] = dims;
    }
    if (!parsed) {
        const QString message = views::EngineMessages::statusText(parsed.status().message());
        if (!symbolic.isEmpty()) {
            // The shapes given are the likely culprit: keep asking for them, with the parser's reason.
            outcome.problem = LoadProblem::SymbolicShapes;
            outcome.errorMessage =
                Document::tr("The model could not be opened with the shapes given for %1: %2")
                    .arg(symbolic.join(QStringLiteral("; ")), message);
        } else {
            outcome.problem = LoadProblem::Unreadable;
            outcome.errorMessage = message;
        }
        return;
    }
    if (const Status valid = parsed->validate(); !valid) {
        outcome.problem = LoadProblem::Unreadable;
        outcome.errorMessage = views::EngineMessages::statusText(valid.message());
        return;
    }
    auto network = std::make_shared<const NetworkDefinition>(std::move(parsed).value());
    outcome.layers = describeLayers(*network);
    if (!outcome.assumedShapes.isEmpty()) {
        outcome.shapesBySymbol = showShapesBySymbol(outcome.layers, fileName, outcome.inputShapes);
    }
    outcome.network = std::move(network);
}

// A Caffe net: its inputs are fixed by the prototxt (shapes given replace them, same rank), its weights
// come from the caffemodel.
void loadCaffeNet(Document::LoadOutcome& outcome) {
    const std::string fileName = QFile::encodeName(outcome.path).toStdString();
    if (outcome.weightsPath.isEmpty()) {
        outcome.problem = LoadProblem::Unreadable;
        outcome.errorMessage =
            Document::tr("A Caffe net needs its weights: open the .prototxt together with its .caffemodel (select "
                         "both), or put %1 beside it.")
                .arg(QFileInfo(outcome.path).completeBaseName() + QStringLiteral(".caffemodel"));
        return;
    }
    Result<std::vector<CaffeInputInfo>> declared = readCaffeInputs(fileName);
    if (!declared) {
        outcome.problem = LoadProblem::Unreadable;
        outcome.errorMessage = views::EngineMessages::statusText(declared.status().message());
        return;
    }
    CaffeParseOptions options;
    for (const CaffeInputInfo& input : *declared) {
        OnnxInputInfo info;
        info.name = input.name;
        info.dims = input.dims;
        outcome.declaredInputs.push_back(std::move(info));
        if (auto given = outcome.inputShapes.find(input.name); given != outcome.inputShapes.end()) {
            options.inputShapes.insert(*given);
        }
    }
    Result<NetworkDefinition> parsed =
        parseCaffeFiles(fileName, QFile::encodeName(outcome.weightsPath).toStdString(), options);
    if (!parsed) {
        outcome.problem = LoadProblem::Unreadable;
        outcome.errorMessage = views::EngineMessages::statusText(parsed.status().message());
        return;
    }
    auto network = std::make_shared<const NetworkDefinition>(std::move(parsed).value());
    outcome.layers = describeLayers(*network);
    outcome.network = std::move(network);
}

}  // namespace

bool Document::isCaffeNet(const QString& path) {
    return QFileInfo(path).suffix().compare(QStringLiteral("prototxt"), Qt::CaseInsensitive) == 0;
}

QString Document::weightsBeside(const QString& path) {
    const QFileInfo info(path);
    const QString beside = info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".caffemodel"));
    return QFileInfo(beside).isFile() ? beside : QString();
}

FileKind fileKindOf(const QString& path) {
    if (isPlanFile(QFile::encodeName(path).toStdString())) return FileKind::Plan;
    static const QStringList planSuffixes = {QStringLiteral("plan"), QStringLiteral("engine")};
    const QString suffix = QFileInfo(path).suffix();
    if (suffix.compare(QStringLiteral("json"), Qt::CaseInsensitive) == 0) return FileKind::TensorRtEngine;
    return planSuffixes.contains(suffix, Qt::CaseInsensitive) ? FileKind::Plan : FileKind::Model;
}

Document::Document(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<LoadOutcome>::finished, this, &Document::finishLoading);
}

Document::~Document() {
    m_watcher.waitForFinished();
    for (QFuture<LoadOutcome>& future : m_superseded)
        future.waitForFinished();
}

void Document::open(const QString& path, const ShapeMap& shapes, const QString& weightsPath) {
    if (m_watcher.isRunning()) m_superseded.append(m_watcher.future());
    m_superseded.removeIf([](const QFuture<LoadOutcome>& future) { return future.isFinished(); });
    m_loadingPath = path;
    // Shapes come from the Build panel for the model whose inputs were just read: reuse them.
    std::optional<std::vector<OnnxInputInfo>> known;
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (!shapes.empty() && absolute == m_pendingPath && !m_pendingInputs.empty()) known = m_pendingInputs;
    if (!shapes.empty() && absolute == m_filePath && !m_declaredInputs.empty()) known = m_declaredInputs;
    QString weights = weightsPath;
    if (isCaffeNet(path) && weights.isEmpty()) weights = weightsBeside(path);
    if (isCaffeNet(path) && weights.isEmpty() && absolute == m_filePath) weights = m_weightsPath;
    if (!isCaffeNet(path)) weights.clear();
    m_watcher.setFuture(QtConcurrent::run([path, shapes, known, weights] {
        return Document::load(path, shapes, known ? &*known : nullptr, weights);
    }));
    emit loadingStarted(path);
}

Document::LoadOutcome Document::load(const QString& path, const ShapeMap& shapes,
                                     const std::vector<OnnxInputInfo>* declaredInputs, const QString& weightsPath) {
    LoadOutcome outcome;
    outcome.path = path;
    outcome.weightsPath = weightsPath.isEmpty() ? QString() : QFileInfo(weightsPath).absoluteFilePath();
    outcome.inputShapes = shapes;
    if (!QFileInfo(path).isFile()) {
        outcome.kind = fileKindOf(path);
        outcome.problem = outcome.kind == FileKind::Plan             ? LoadProblem::DamagedPlan
                          : outcome.kind == FileKind::TensorRtEngine ? LoadProblem::BadEngineExport
                                                                     : LoadProblem::Unreadable;
        outcome.errorMessage = tr("The file does not exist or is not a regular file.");
        return outcome;
    }
    outcome.kind = fileKindOf(path);
    if (outcome.kind == FileKind::Plan) {
        loadPlan(outcome);
    } else if (outcome.kind == FileKind::TensorRtEngine) {
        loadTensorRtEngine(outcome);
    } else if (isCaffeNet(path)) {
        loadCaffeNet(outcome);
    } else {
        loadModel(outcome, declaredInputs);
    }
    return outcome;
}

QString Document::precisionOf(const Engine& engine) {
    return precisionOf(engine.report().layersAfter);
}

QString Document::precisionOf(const std::vector<LayerRecord>& layers) {
    QStringList precisions;
    for (const LayerRecord& layer : layers) {
        const QString precision = QString::fromStdString(layer.precision);
        if (!layer.elided && !precision.isEmpty() && !precisions.contains(precision)) precisions << precision;
    }
    precisions.sort();
    return precisions.isEmpty() ? QStringLiteral("FP32") : precisions.join(QStringLiteral(", "));
}

bool Document::setTensorRtProfile(const QString& path, QString* error) {
    if (!m_tensorRtEngine) {
        if (error) *error = tr("No TensorRT engine is open: open its engine graph JSON first.");
        return false;
    }
    auto engine = std::make_shared<views::TensorRtEngine>();
    if (!views::readTensorRtEngine(m_filePath, path, *engine, error)) return false;
    m_tensorRtEngine = std::move(engine);
    m_tensorRtProfilePath = QFileInfo(path).absoluteFilePath();
    return true;
}

const std::vector<LayerRecord>& Document::layersAfter() const {
    static const std::vector<LayerRecord> none;
    if (m_engine) return m_engine->report().layersAfter;
    return m_tensorRtEngine ? m_tensorRtEngine->layers : none;
}

void Document::setEngine(std::shared_ptr<const Engine> engine, const QString& precision) {
    m_engine = std::move(engine);
    m_enginePrecision = m_engine ? precision : QString();
    emit engineChanged();
}

void Document::finishLoading() {
    const LoadOutcome outcome = m_watcher.result();
    m_loadingPath.clear();
    if (outcome.problem != LoadProblem::None) {
        const bool symbolic = outcome.problem == LoadProblem::SymbolicShapes;
        m_pendingInputs = symbolic ? outcome.declaredInputs : std::vector<OnnxInputInfo>();
        m_pendingPath = symbolic ? QFileInfo(outcome.path).absoluteFilePath() : QString();
        emit failed(outcome.path, outcome.errorMessage, outcome.problem);
        return;
    }
    m_pendingInputs.clear();
    m_pendingPath.clear();
    m_filePath = QFileInfo(outcome.path).absoluteFilePath();
    m_weightsPath = outcome.weightsPath;
    m_kind = outcome.kind;
    m_network = outcome.network;
    m_layersBefore = outcome.layers;
    m_declaredInputs = outcome.declaredInputs;
    m_inputShapes = outcome.inputShapes;
    m_assumedShapes = outcome.assumedShapes;
    m_shapesBySymbol = outcome.shapesBySymbol;
    m_engine = outcome.engine;
    m_enginePrecision = m_engine ? precisionOf(*m_engine) : QString();
    m_tensorRtEngine = outcome.tensorRtEngine;
    m_tensorRtProfilePath = outcome.tensorRtProfilePath;
    emit loaded(m_filePath);
}

}  // namespace kiln::workbench
