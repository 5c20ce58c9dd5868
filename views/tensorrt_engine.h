// An engine built elsewhere by TensorRT, read from the JSON that trtexec writes, so that the views can
// show it as they show a Kiln plan (as TensorRT Engine Explorer does): the engine graph from
// `--exportLayerInfo` with `--profilingVerbosity=detailed` ({"Layers": [...], "Bindings": [...]}) and,
// optionally, the per-layer timings from `--exportProfile` ([{"count": N}, {"name", "timeMs",
// "averageMs", "medianMs", "percentage"}, ...]).
//
// Each layer becomes a LayerRecord: its name, LayerType, the model nodes it came from (TensorRT joins a
// fused layer's parts with " + "; "PWN(a, b)" names pointwise parts), inputs and outputs with their
// dimensions and formats, the precision its outputs are stored in, the tactic (name, else value) and its
// typed fields as the parameter summary. Every field of a layer, known or not, is kept in `fields`, so a
// newer TensorRT's additions are shown rather than lost. Profile records that name no graph layer
// (reformatting copies some versions add) are kept in `profileOnly`.
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/lint.h"
#include "profile_data.h"

namespace kiln::views {

struct TensorRtLayerTime {
    QString name;
    double totalMs = 0.0;
    double averageMs = 0.0;
    double medianMs = 0.0;
    double percentage = 0.0;
};

struct TensorRtEngine {
    std::vector<LayerRecord> layers;
    std::vector<QVariantMap> fields;  // every field of each layer as the file has it, in layer order
    QStringList bindings;
    // From the profile (empty without one): runs profiled, each layer's times, the records of layers the
    // graph does not have, and the sum of every record's average.
    int profiledRuns = 0;
    std::vector<TensorRtLayerTime> times;  // in the profile's order
    std::vector<TensorRtLayerTime> profileOnly;
    double totalAverageMs = 0.0;
};

// Reads the graph JSON at `graphPath` and, when `profilePath` is not empty, the profile JSON. On failure
// returns false with `error` naming the file, what is wrong in it (the field and its place) and what to do.
bool readTensorRtEngine(const QString& graphPath, const QString& profilePath, TensorRtEngine& engine, QString* error);

// The same from the files' contents.
bool parseTensorRtEngine(const QByteArray& graph, const QByteArray& profile, TensorRtEngine& engine, QString* error);

// The profile as the profile view shows it: one row per profile record (those of layers the graph does not
// have too), each at its average time per run, the time trtexec's totals and percentages are made of, so
// that the view's sum of the layers equals the file's.
ProfileResult profileResultOf(const TensorRtEngine& engine);

// The layers as lint takes them (kiln/lint.h): each record with the operation TensorRT's "ParameterType"
// names as its kind (else its "LayerType"), its input dimensions and groups from the file, and its average
// time from the profile (none without one).
std::vector<RecordedLayer> lintLayersOf(const TensorRtEngine& engine);

// The profile JSON beside a graph JSON, by trtexec's naming: "X.graph.json" -> "X.profile.json" (empty
// when there is no such file).
QString tensorRtProfileBeside(const QString& graphPath);

}  // namespace kiln::views
