// What the workbench has open: an ONNX model (its network, the layer records the graph shows, the
// inputs it declares and the shapes given to symbolic ones), a plan file (its engine) or an engine TensorRT
// built, read from trtexec's JSON exports (its layer records, fields and times: shown, never run), plus
// the engine of the latest build. A Document loads files in the background; windows and views only display what it
// holds and react to its signals. A failed load leaves what was open in place.
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/network.h"
#include "kiln/caffe_parser.h"
#include "kiln/onnx_parser.h"
#include "kiln/runtime.h"
#include "tensorrt_engine.h"

namespace kiln::workbench {

// Concrete shapes for inputs by name, as OnnxParseOptions::inputShapes takes them.
using ShapeMap = std::map<std::string, Dims>;

// What a file holds, recognized by content (a plan starts with "KILNPLAN") and else by suffix (.json: the
// engine graph trtexec writes with --exportLayerInfo).
enum class FileKind { Model, Plan, TensorRtEngine };
FileKind fileKindOf(const QString& path);

// Why a file could not be opened, so that the window can say what to do about it.
enum class LoadProblem {
    None,
    Unreadable,      // the model file is missing, damaged or not a model Kiln supports
    SymbolicShapes,  // the model is fine but some input dimensions need concrete sizes
    ForeignPlan,     // the plan is intact but was built by another Kiln version, backend or device
    DamagedPlan,     // the plan file is missing, truncated, corrupt or not a plan
    BadEngineExport, // the TensorRT engine JSON (or its profile) is missing, malformed or not trtexec's
};

class Document : public QObject {
    Q_OBJECT

public:
    // What a background load hands back to the GUI thread: a network or an engine, or why not.
    struct LoadOutcome {
        QString path;
        QString weightsPath;  // a Caffe net's .caffemodel (empty for other files)
        FileKind kind = FileKind::Model;
        std::shared_ptr<const NetworkDefinition> network;  // a model's network
        std::shared_ptr<const Engine> engine;              // a plan's engine
        std::shared_ptr<const views::TensorRtEngine> tensorRtEngine;  // a TensorRT engine's exports
        QString tensorRtProfilePath;                       // the profile read with them (empty when none)
        std::vector<LayerRecord> layers;                   // the layers before fusion, for the graph
        std::vector<OnnxInputInfo> declaredInputs;         // a model's inputs as the file declares them
        ShapeMap inputShapes;                              // the shapes the load used
        // Set when symbolic dimensions were given sizes the user did not choose (the model opens at
        // once): which, for the window to say.
        QString assumedShapes;
        // Set when the layers' output shapes are given by symbol ("batchx64xH/2"), as they are for a model
        // shown at assumed sizes whose symbolic shapes could be derived.
        bool shapesBySymbol = false;
        LoadProblem problem = LoadProblem::None;
        QString errorMessage;
    };

    explicit Document(QObject* parent = nullptr);
    // Waits for loads still running, so that no parse is left using the engine while the application
    // tears down. The parser has no cancel point, so this can take as long as the parse.
    ~Document() override;

    // Starts loading the model or plan at `path` off the GUI thread; `loaded` or `failed` follows.
    // `shapes` gives concrete shapes to model inputs with symbolic dimensions. A Caffe net (a .prototxt)
    // takes its weights from `weightsPath`, else from the .caffemodel of the same name beside it, else
    // from the weights it was last opened with. Opening another file while one is loading supersedes
    // it: only the latest request reports.
    void open(const QString& path, const ShapeMap& shapes = {}, const QString& weightsPath = {});

    // Whether `path` names a Caffe net description (.prototxt), which needs its weights (.caffemodel).
    static bool isCaffeNet(const QString& path);
    // The .caffemodel of the same name beside the .prototxt `path`, or an empty string.
    static QString weightsBeside(const QString& path);

    bool isLoading() const { return m_watcher.isRunning(); }
    // The file being loaded (empty when none).
    const QString& loadingPath() const { return m_loadingPath; }
    // The file shown (absolute); empty until a load has succeeded.
    const QString& filePath() const { return m_filePath; }
    // The weights of the Caffe net shown (absolute); empty for other files.
    const QString& weightsPath() const { return m_weightsPath; }
    FileKind kind() const { return m_kind; }
    // The model's network; null until a model has loaded, and null while a plan is shown.
    const std::shared_ptr<const NetworkDefinition>& network() const { return m_network; }
    // The layers before fusion: the model's layers, or those a plan's build report recorded.
    const std::vector<LayerRecord>& layersBefore() const { return m_layersBefore; }
    const std::vector<OnnxInputInfo>& declaredInputs() const { return m_declaredInputs; }
    const ShapeMap& inputShapes() const { return m_inputShapes; }
    // Non-empty when the open model's symbolic dimensions were given assumed sizes (which ones).
    const QString& assumedShapes() const { return m_assumedShapes; }
    // Whether layersBefore() gives output shapes by symbol instead of at the assumed sizes.
    bool shapesBySymbol() const { return m_shapesBySymbol; }
    // The inputs of the model whose last load failed for want of shapes (empty otherwise).
    const std::vector<OnnxInputInfo>& pendingInputs() const { return m_pendingInputs; }

    // The TensorRT engine shown (with FileKind::TensorRtEngine), else null; and the profile JSON its times
    // came from (empty when none).
    const std::shared_ptr<const views::TensorRtEngine>& tensorRtEngine() const { return m_tensorRtEngine; }
    const QString& tensorRtProfilePath() const { return m_tensorRtProfilePath; }
    // Reads the times of the TensorRT engine shown from the profile JSON at `path` (trtexec's
    // --exportProfile); on failure keeps the times it had and returns false with `error` naming the file
    // and what is wrong.
    bool setTensorRtProfile(const QString& path, QString* error);
    // The layers after fusion: the engine's, or the TensorRT engine's; empty when there are none.
    const std::vector<LayerRecord>& layersAfter() const;

    // The engine of the latest build, or the plan's; null before either.
    const std::shared_ptr<const Engine>& engine() const { return m_engine; }
    // Short facts of how the engine was built, for the title bar: "FP32", "cpu".
    const QString& enginePrecision() const { return m_enginePrecision; }
    // A model's engine comes from a build; setting one replaces the previous (null clears it).
    void setEngine(std::shared_ptr<const Engine> engine, const QString& precision);

    // Parses the model or reads the plan at `path` and explains failures; runs on a worker thread.
    // `declaredInputs`, when given, are the model's inputs as read before (saves reading them again).
    static LoadOutcome load(const QString& path, const ShapeMap& shapes = {},
                            const std::vector<OnnxInputInfo>* declaredInputs = nullptr,
                            const QString& weightsPath = {});

    // The precision a built engine runs in, from its layers ("FP32", or "FP16, FP32" when mixed).
    static QString precisionOf(const Engine& engine);
    // The same of layer records (those not elided).
    static QString precisionOf(const std::vector<LayerRecord>& layers);

signals:
    void loadingStarted(const QString& path);
    void loaded(const QString& path);
    // With LoadProblem::SymbolicShapes, pendingInputs() lists what the model declares.
    void failed(const QString& path, const QString& message, kiln::workbench::LoadProblem problem);
    void engineChanged();

private:
    void finishLoading();

    QFutureWatcher<LoadOutcome> m_watcher;
    // Loads that a newer open() superseded; they still run and are waited for on destruction.
    QList<QFuture<LoadOutcome>> m_superseded;
    QString m_loadingPath;
    QString m_filePath;
    QString m_weightsPath;
    FileKind m_kind = FileKind::Model;
    std::shared_ptr<const NetworkDefinition> m_network;
    std::vector<LayerRecord> m_layersBefore;
    std::vector<OnnxInputInfo> m_declaredInputs;
    ShapeMap m_inputShapes;
    QString m_assumedShapes;
    bool m_shapesBySymbol = false;
    std::shared_ptr<const Engine> m_engine;
    QString m_enginePrecision;
    std::shared_ptr<const views::TensorRtEngine> m_tensorRtEngine;
    QString m_tensorRtProfilePath;
    // What the last failed load of a model with symbolic inputs declared, for the build panel.
    std::vector<OnnxInputInfo> m_pendingInputs;
    QString m_pendingPath;
};

}  // namespace kiln::workbench

Q_DECLARE_METATYPE(kiln::workbench::LoadProblem)
