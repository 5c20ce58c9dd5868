// The translatable templates of the engine's messages; see engine_messages.h. Each row's English is the
// engine catalogue's template for the id, word for word (a test holds them together), so lupdate offers
// translators the text the CLI prints.
#include "engine_messages.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace kiln::views {

namespace {

constexpr const char* kContext = "kiln::views::EngineMessages";

struct Row {
    const char* id;
    const char* english;
};

const Row kTemplates[] = {
    {"pass.removed_dead", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "removed %1: no network output depends on it")},
    {"pass.removed_identity", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "removed identity %1")},
    {"pass.folded_constant", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "folded %1 into the constant %2")},
    {"pass.folded_qdq", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "folded %1: range %2 on %3")},
    {"pass.removed_empty_pad", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "removed %1 (it pads nothing)")},
    {"pass.folded_pad", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "folded %1 into the padding of %2")},
    {"pass.folded_batch_norm",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (batch norm %2 folded into the weights)")},
    {"pass.folded_scale", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (scale %2 folded into the weights)")},
    {"pass.fused_activation",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (activation applied as the output is written)")},
    {"pass.fused_residual_add",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (residual add applied as the output is written)")},
    {"pass.fused_matmul_activation",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (activation applied as the product is written)")},
    {"pass.fused_matmul_bias",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (bias applied as the product is written)")},
    {"pass.fused_matmul_residual_add",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (residual add applied as the product is written)")},
    {"pass.fused_pointwise_chain",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (pointwise chain %2 run as one layer)")},
    {"pass.fused_horizontal",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (one convolution writing each sibling's output)")},
    {"pass.fused_gelu", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (GELU, from %2)")},
    {"pass.fused_gelu_tanh", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (GELU, tanh form, from %2)")},
    {"pass.fused_layer_norm",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (layer normalization, %2, from %3)")},
    {"pass.fused_attention", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "fused %1 (attention, from %2)")},
    {"pass.merged_slices",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "merged %1 (one split writing the outputs of %2)")},
    {"pass.elided_concat_back_to_back",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "elided %1: its inputs already lie back to back in %2")},
    {"pass.elided_concat_in_place",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "elided %1: %2 are written in place into %3")},
    {"pass.elided_view", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "elided %1: %2 is a view of %3")},
    {"pass.permutation_into_producer",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "folded the channel permutation %1 into %2's output channels")},
    {"pass.permutation_into_readers",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "folded the channel permutation %1 into its readers: %2")},
    {"pass.permutation_passed_on",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "%1 computes on the unpermuted channels into %2; its readers take the permutation: %3")},
    {"pass.reformatted", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "reformatted %1 from %2 to %3 for %4")},
    {"build.phase_time", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "phase %1: %2 ms")},
    {"build.kept_precision", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "kept %1 in %2 (%3)")},
    {"build.ran_precision", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "ran %1 in %2 (%3)")},
    {"build.precision_unmet", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "%1 runs in %2, not %3 (%4): %5")},
    {"build.linear_fallback",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "%1 runs linear in its own type: no %2 tactic runs it in %3")},
    {"build.layer_precisions_ignored",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the layer precisions were ignored: precision constraints are 'none' (give "
                       "--precisionConstraints obey or prefer to apply them)")},
    {"build.timing_cache_unreadable",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "%1; it is ignored and will be replaced by this build's timings")},
    {"build.timing_cache_foreign",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' is not a Kiln timing cache; it is ignored and will be replaced by this "
                       "build's timings")},
    {"build.timing_cache_version",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' has format version %2; this Kiln reads version %3; it is ignored and will be "
                       "replaced by this build's timings")},
    {"build.timing_cache_length",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' is truncated or has trailing bytes (%2 body bytes, header says %3); it is "
                       "ignored and will be replaced by this build's timings")},
    {"build.timing_cache_corrupt",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' is corrupt (its hash does not match); it is ignored and will be replaced by "
                       "this build's timings")},
    {"build.timing_cache_undecodable",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' could not be decoded; it is ignored and will be replaced by this build's "
                       "timings")},
    {"build.timing_cache_stale",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "timing cache '%1' was measured by kiln %2 on '%3'; this is kiln %4 on '%5': its timings do not "
                       "apply here; it is ignored and will be replaced by this build's timings")},
    {"build.failed", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "the build failed: %1")},
    {"plan.empty",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is empty (0 bytes): not a Kiln plan file")},
    {"plan.not_a_plan",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "not a Kiln plan file: it does not start with 'KILNPLAN'; give a file that 'kiln build' wrote")},
    {"plan.truncated",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is truncated: its header declares %1 bytes, but there are %2; copy the file again or rebuild the plan")},
    {"plan.format_version",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan has format version %1; kiln %2 reads format version %3 only: rebuild the plan")},
    {"plan.header_corrupt",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is corrupt: header hash mismatch; copy the file again or rebuild the plan")},
    {"plan.weights_misplaced",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is corrupt: its weight blob starts at byte %1 instead of %2; rebuild the plan")},
    {"plan.trailing_bytes",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is corrupt: it has %1 bytes after its weight blob; copy the file again or rebuild the plan")},
    {"plan.body_corrupt",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the plan is corrupt: body hash mismatch; copy the file again or rebuild the plan")},
    {"plan.foreign",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "this plan was built for %1 with kiln %2; this machine is %3 with kiln %4: rebuild the plan")},
    {"file.not_found", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "%1 '%2' does not exist")},
    {"onnx.empty", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "%1 is not a valid ONNX model: it is empty")},
    {"onnx.not_protobuf",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "%1 is not a valid ONNX model: its bytes do not decode as an ONNX protobuf (the file may be "
                       "truncated or of another kind)")},
    {"onnx.no_graph",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "%1 is not a valid ONNX model: it has no graph, IR version or opset import")},
    {"onnx.no_default_opset",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "the model imports no version of the default ONNX operator set")},
    {"onnx.opset_out_of_range",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages",
                       "the model uses opset %1; Kiln supports opsets %2 to %3 (convert it with onnx.version_converter)")},
    {"onnx.unsupported_operator",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "the model has 1 node with operators Kiln does not support: %1")},
    {"onnx.unsupported_operators",
     QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "the model has %1 nodes with operators Kiln does not support: %2")},
    {"onnx.checker_rejected", QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "the ONNX checker rejected %1: %2")},
};

// The passes' names as the pipeline and the builder give them.
const char* const kPassNames[] = {
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "constant folding"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "QDQ folding"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "dead-layer elimination"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "identity elimination"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "pad folding"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "batch-norm folding"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "layer-norm fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "GELU fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "attention fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "MatMul epilogue fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "vertical fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "pointwise-chain fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "channel-permutation folding"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "slice merging"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "horizontal fusion"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "concat elimination"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "reshape elimination"),
    QT_TRANSLATE_NOOP("kiln::views::EngineMessages", "format assignment"),
};

const Row* findRow(const std::string& id) {
    for (const Row& row : kTemplates) {
        if (id == row.id) return &row;
    }
    return nullptr;
}

// Each %N of `pattern` replaced by args[N-1] in one pass, so that an argument holding "%1" stays as it is.
QString substitute(const QString& pattern, const std::vector<std::string>& args) {
    QString text;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar next = i + 1 < pattern.size() ? pattern[i + 1] : QChar();
        if (pattern[i] == QLatin1Char('%') && next >= QLatin1Char('1') && next <= QLatin1Char('9') &&
            size_t(next.unicode() - '1') < args.size()) {
            text += QString::fromStdString(args[size_t(next.unicode() - '1')]);
            ++i;
        } else {
            text += pattern[i];
        }
    }
    return text;
}

// What stands before a message's translated part: a "[pass] " tag gets the pass's translated name.
QString translatedPrefix(const QString& prefix) {
    static const QRegularExpression tag(QStringLiteral("^\\[(.+)\\] $"));
    const QRegularExpressionMatch match = tag.match(prefix);
    if (!match.hasMatch()) return prefix;
    return QStringLiteral("[%1] ").arg(EngineMessages::passName(match.captured(1).toStdString()));
}

}  // namespace

QString EngineMessages::text(const kiln::Message& message) {
    return text(message.id, message.args, message.text);
}

QString EngineMessages::text(const std::string& id, const std::vector<std::string>& args, const std::string& english) {
    // Without an id (a plan written before messages had them) the text may still be a catalogued one.
    if (id.empty()) return statusText(english);
    const Row* row = findRow(id);
    if (!row) return QString::fromStdString(english);
    // The id describes the end of the text; anything before it (a tag, contexts) is kept.
    const std::string core = kiln::formatMessage(row->english, args);
    if (english.size() < core.size() || english.compare(english.size() - core.size(), core.size(), core) != 0)
        return QString::fromStdString(english);
    const QString prefix = QString::fromStdString(english.substr(0, english.size() - core.size()));
    return translatedPrefix(prefix) + substitute(QCoreApplication::translate(kContext, row->english), args);
}

QString EngineMessages::statusText(const std::string& english) {
    std::optional<kiln::Message> message = kiln::matchMessage(english);
    // A build log's pass change: "[pass] description".
    const size_t tagEnd = english.find("] ");
    if (!message && !english.empty() && english.front() == '[' && tagEnd != std::string::npos)
        message = kiln::matchMessage(std::string_view(english).substr(tagEnd + 2));
    if (!message) return QString::fromStdString(english);
    return text(message->id, message->args, english);
}

QString EngineMessages::passName(const std::string& pass) {
    for (const char* name : kPassNames) {
        if (pass == name) return QCoreApplication::translate(kContext, name);
    }
    return QString::fromStdString(pass);
}

QStringList EngineMessages::knownIds() {
    QStringList ids;
    for (const Row& row : kTemplates) ids << QString::fromLatin1(row.id);
    return ids;
}

QString EngineMessages::englishTemplate(const QString& id) {
    const Row* row = findRow(id.toStdString());
    return row ? QString::fromLatin1(row->english) : QString();
}

}  // namespace kiln::views
