// TensorRT engine exports read into LayerRecords (tensorrt_engine.h).
#include "tensorrt_engine.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <map>

namespace kiln::views {

namespace {

// "Row major linear FP32", "Thirty-two wide channel vectorized row major Int8 format", "Channel major
// FP16 format where channel % 8 == 0" -> the precision Kiln's views name it by.
std::string precisionOf(const QString& format) {
    if (format.contains(QLatin1String("Int8"), Qt::CaseInsensitive)) return "INT8";
    if (format.contains(QLatin1String("FP16")) || format.contains(QLatin1String("Half"))) return "FP16";
    if (format.contains(QLatin1String("BF16"))) return "BF16";
    if (format.contains(QLatin1String("FP32")) || format.contains(QLatin1String("Float"))) return "FP32";
    if (format.contains(QLatin1String("Int32"))) return "INT32";
    if (format.contains(QLatin1String("Bool"))) return "BOOL";
    return {};
}

QString listText(const QJsonValue& value) {
    if (!value.isArray()) return value.toVariant().toString();
    QStringList parts;
    for (const QJsonValue& item : value.toArray()) parts << item.toVariant().toString();
    return parts.join(QLatin1Char('x'));
}

// The typed fields as one line: "Kernel 3x3 Stride 2x2 PrePadding 1x1 ... Activation CLIPPED_RELU".
std::string parameterSummary(const QJsonObject& layer) {
    static const char* const kFields[] = {"Kernel", "Stride", "PrePadding", "PostPadding", "Dilation", "Groups",
                                          "OutMaps", "Activation", "PoolingType", "WindowSize", "Operation",
                                          "ParameterSubType"};
    QStringList parts;
    for (const char* field : kFields) {
        const QJsonValue value = layer.value(QLatin1String(field));
        if (!value.isUndefined() && !value.isNull()) parts << QStringLiteral("%1 %2").arg(QLatin1String(field), listText(value));
    }
    return parts.join(QLatin1Char(' ')).toStdString();
}

// The model nodes a fused name lists: "a + b + PWN(c, d)" -> a, b, c, d.
std::vector<std::string> partsOf(const QString& name) {
    std::vector<std::string> parts;
    static const QRegularExpression pointwise(QStringLiteral("^PWN\\((.*)\\)$"));
    for (QString part : name.split(QStringLiteral(" + "), Qt::SkipEmptyParts)) {
        part = part.trimmed();
        const QRegularExpressionMatch match = pointwise.match(part);
        if (match.hasMatch()) {
            for (const QString& inner : match.captured(1).split(QStringLiteral(", "), Qt::SkipEmptyParts)) {
                parts.push_back(inner.trimmed().toStdString());
            }
        } else {
            parts.push_back(part.toStdString());
        }
    }
    return parts;
}

bool readTensors(const QJsonObject& layer, const char* key, int index, std::vector<std::string>& names,
                 std::vector<std::string>* dims, std::vector<std::string>* formats, QString* error) {
    const QJsonValue value = layer.value(QLatin1String(key));
    if (value.isUndefined()) return true;
    if (!value.isArray()) {
        *error = QCoreApplication::translate("TensorRtEngine", "layer %1 ('%2'): \"%3\" is not a list of tensors").arg(index).arg(layer.value("Name").toString(), QLatin1String(key));
        return false;
    }
    for (const QJsonValue& tensor : value.toArray()) {
        if (tensor.isString()) {  // layer-names-only verbosity
            names.push_back(tensor.toString().toStdString());
            continue;
        }
        if (!tensor.isObject() || !tensor.toObject().value("Name").isString()) {
            *error = QCoreApplication::translate("TensorRtEngine", "layer %1 ('%2'): an entry of \"%3\" has no \"Name\"").arg(index).arg(layer.value("Name").toString(), QLatin1String(key));
            return false;
        }
        const QJsonObject object = tensor.toObject();
        names.push_back(object.value("Name").toString().toStdString());
        if (dims) dims->push_back(listText(object.value("Dimensions")).toStdString());
        if (formats) formats->push_back(object.value("Format/Datatype").toString().toStdString());
    }
    return true;
}

bool parseGraph(const QByteArray& bytes, TensorRtEngine& engine, QString* error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (document.isNull()) {
        *error = QCoreApplication::translate("TensorRtEngine", "the engine graph is not JSON (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset);
        return false;
    }
    const QJsonValue layers = document.object().value("Layers");
    if (!document.isObject() || !layers.isArray()) {
        *error = QCoreApplication::translate("TensorRtEngine", "the engine graph has no \"Layers\" list: give the file trtexec writes with --exportLayerInfo "
                    "(and --profilingVerbosity=detailed for the layers' fields)");
        return false;
    }
    int index = 0;
    for (const QJsonValue& value : layers.toArray()) {
        LayerRecord record;
        QVariantMap fields;
        if (value.isString()) {  // --profilingVerbosity=layer_names_only
            record.name = value.toString().toStdString();
            record.kind = "Unknown";
        } else if (value.isObject() && value.toObject().value("Name").isString()) {
            const QJsonObject layer = value.toObject();
            fields = layer.toVariantMap();
            record.name = layer.value("Name").toString().toStdString();
            record.kind = layer.value("LayerType").toString(layer.value("ParameterType").toString(QStringLiteral("Unknown"))).toStdString();
            record.parameters = parameterSummary(layer);
            record.tactic = layer.value("TacticName").toString(layer.value("TacticValue").toString()).toStdString();
            if (!readTensors(layer, "Inputs", index, record.inputs, nullptr, nullptr, error) ||
                !readTensors(layer, "Outputs", index, record.outputs, &record.outputDims, &record.outputFormats, error)) {
                return false;
            }
            if (!record.outputFormats.empty()) record.precision = precisionOf(QString::fromStdString(record.outputFormats.front()));
        } else {
            *error = QCoreApplication::translate("TensorRtEngine", "layer %1 of the engine graph is neither a name nor an object with a \"Name\"").arg(index);
            return false;
        }
        record.provenance = partsOf(QString::fromStdString(record.name));
        engine.layers.push_back(std::move(record));
        engine.fields.push_back(std::move(fields));
        ++index;
    }
    for (const QJsonValue& binding : document.object().value("Bindings").toArray()) engine.bindings << binding.toString();
    return true;
}

bool parseProfile(const QByteArray& bytes, TensorRtEngine& engine, QString* error) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (document.isNull()) {
        *error = QCoreApplication::translate("TensorRtEngine", "the profile is not JSON (%1 at byte %2)").arg(parseError.errorString()).arg(parseError.offset);
        return false;
    }
    if (!document.isArray()) {
        *error = QCoreApplication::translate("TensorRtEngine", "the profile is not a list of layer records: give the file trtexec writes with --exportProfile");
        return false;
    }
    std::map<std::string, size_t> layers;
    for (size_t i = 0; i < engine.layers.size(); ++i) layers.emplace(engine.layers[i].name, i);
    int index = 0;
    for (const QJsonValue& value : document.array()) {
        const QJsonObject record = value.toObject();
        if (!value.isObject()) {
            *error = QCoreApplication::translate("TensorRtEngine", "profile record %1 is not an object").arg(index);
            return false;
        }
        if (record.contains("count") && !record.contains("name")) {
            engine.profiledRuns = record.value("count").toInt();
            ++index;
            continue;
        }
        if (!record.value("name").isString()) {
            *error = QCoreApplication::translate("TensorRtEngine", "profile record %1 has no \"name\"").arg(index);
            return false;
        }
        TensorRtLayerTime time;
        time.name = record.value("name").toString();
        const std::pair<const char*, double*> numbers[] = {{"timeMs", &time.totalMs}, {"averageMs", &time.averageMs},
                                                           {"medianMs", &time.medianMs}, {"percentage", &time.percentage}};
        for (const auto& [key, target] : numbers) {
            const QJsonValue number = record.value(QLatin1String(key));
            if (number.isUndefined()) continue;
            if (!number.isDouble()) {
                *error = QCoreApplication::translate("TensorRtEngine", "profile record %1 ('%2'): \"%3\" is not a number").arg(index).arg(time.name, QLatin1String(key));
                return false;
            }
            *target = number.toDouble();
        }
        engine.totalAverageMs += time.averageMs;
        (layers.count(time.name.toStdString()) ? engine.times : engine.profileOnly).push_back(time);
        ++index;
    }
    return true;
}

QByteArray readAll(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QCoreApplication::translate("TensorRtEngine", "cannot read %1: %2").arg(path, file.errorString());
        return {};
    }
    return file.readAll();
}

}  // namespace

bool parseTensorRtEngine(const QByteArray& graph, const QByteArray& profile, TensorRtEngine& engine, QString* error) {
    QString problem;
    TensorRtEngine read;
    const bool ok = parseGraph(graph, read, &problem) && (profile.isNull() || parseProfile(profile, read, &problem));
    if (!ok) {
        if (error) *error = problem;
        return false;
    }
    engine = std::move(read);
    return true;
}

bool readTensorRtEngine(const QString& graphPath, const QString& profilePath, TensorRtEngine& engine, QString* error) {
    QString problem;
    const QByteArray graph = readAll(graphPath, &problem);
    if (!problem.isEmpty()) {
        if (error) *error = problem;
        return false;
    }
    QByteArray profile;
    if (!profilePath.isEmpty()) {
        profile = readAll(profilePath, &problem);
        if (!problem.isEmpty()) {
            if (error) *error = problem;
            return false;
        }
        if (profile.isNull()) profile = QByteArray("");
    }
    if (!parseTensorRtEngine(graph, profile, engine, &problem)) {
        const bool inProfile = problem.startsWith(QLatin1String("the profile")) || problem.startsWith(QLatin1String("profile"));
        if (error) *error = QStringLiteral("%1: %2").arg(inProfile ? profilePath : graphPath, problem);
        return false;
    }
    return true;
}

ProfileResult profileResultOf(const TensorRtEngine& engine) {
    std::map<QString, const LayerRecord*> records;
    for (const LayerRecord& record : engine.layers) records.emplace(QString::fromStdString(record.name), &record);
    ProfileResult profile;
    profile.iterations = engine.profiledRuns;
    const auto add = [&](const TensorRtLayerTime& time) {
        LayerProfile layer;
        layer.name = time.name;
        layer.milliseconds = time.averageMs;
        layer.averageMilliseconds = time.averageMs;
        const auto found = records.find(time.name);
        if (found != records.end()) {
            layer.type = QString::fromStdString(found->second->kind);
            layer.precision = QString::fromStdString(found->second->precision);
            layer.tactic = QString::fromStdString(found->second->tactic);
        } else {
            layer.type = QStringLiteral("Unknown");
        }
        profile.layers.push_back(layer);
    };
    // The graph's layers in the profile's order, then the records of layers the graph does not have.
    for (const TensorRtLayerTime& time : engine.times) add(time);
    for (const TensorRtLayerTime& time : engine.profileOnly) add(time);
    assignPercentages(profile.layers);
    return profile;
}

std::vector<RecordedLayer> lintLayersOf(const TensorRtEngine& engine) {
    std::map<std::string, double> times;
    for (const TensorRtLayerTime& time : engine.times) times.emplace(time.name.toStdString(), time.averageMs);
    std::vector<RecordedLayer> layers;
    for (size_t i = 0; i < engine.layers.size(); ++i) {
        RecordedLayer layer;
        layer.record = engine.layers[i];
        const QVariantMap fields = i < engine.fields.size() ? engine.fields[i] : QVariantMap();
        const QString operation = fields.value(QStringLiteral("ParameterType")).toString();
        if (!operation.isEmpty()) layer.record.kind = operation.toStdString();
        for (const QVariant& input : fields.value(QStringLiteral("Inputs")).toList()) {
            layer.inputDims.push_back(listText(QJsonValue::fromVariant(input.toMap().value(QStringLiteral("Dimensions")))).toStdString());
        }
        bool isNumber = false;
        const qlonglong groups = fields.value(QStringLiteral("Groups")).toLongLong(&isNumber);
        if (isNumber && groups > 0) layer.groups = groups;
        const auto time = times.find(layer.record.name);
        if (time != times.end()) layer.milliseconds = time->second;
        layers.push_back(std::move(layer));
    }
    return layers;
}

QString tensorRtProfileBeside(const QString& graphPath) {
    if (!graphPath.endsWith(QLatin1String(".graph.json"))) return {};
    const QString profile = graphPath.left(graphPath.size() - int(QStringLiteral(".graph.json").size())) + QStringLiteral(".profile.json");
    return QFileInfo(profile).isFile() ? profile : QString();
}

}  // namespace kiln::views
