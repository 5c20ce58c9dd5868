// The message catalogue; see kiln/message.h. Ids are grouped by who says them: "pass." the optimization
// passes' log entries, "build." the builder's log, "onnx." the ONNX importer's errors, "file." file
// reading.
#include "kiln/message.h"

#include <cassert>

namespace kiln {

const std::vector<MessageTemplate>& messageCatalog() {
    static const std::vector<MessageTemplate> catalog = {
        {"pass.removed_dead", "removed %1: no network output depends on it"},
        {"pass.removed_identity", "removed identity %1"},
        {"pass.folded_constant", "folded %1 into the constant %2"},
        {"pass.folded_qdq", "folded %1: range %2 on %3"},
        {"pass.removed_empty_pad", "removed %1 (it pads nothing)"},
        {"pass.folded_pad", "folded %1 into the padding of %2"},
        {"pass.folded_batch_norm", "fused %1 (batch norm %2 folded into the weights)"},
        {"pass.folded_scale", "fused %1 (scale %2 folded into the weights)"},
        {"pass.fused_activation", "fused %1 (activation applied as the output is written)"},
        {"pass.fused_residual_add", "fused %1 (residual add applied as the output is written)"},
        {"pass.fused_matmul_activation", "fused %1 (activation applied as the product is written)"},
        {"pass.fused_matmul_bias", "fused %1 (bias applied as the product is written)"},
        {"pass.fused_matmul_residual_add", "fused %1 (residual add applied as the product is written)"},
        {"pass.fused_pointwise_chain", "fused %1 (pointwise chain %2 run as one layer)"},
        {"pass.fused_horizontal", "fused %1 (one convolution writing each sibling's output)"},
        {"pass.fused_gelu", "fused %1 (GELU, from %2)"},
        {"pass.fused_gelu_tanh", "fused %1 (GELU, tanh form, from %2)"},
        {"pass.fused_layer_norm", "fused %1 (layer normalization, %2, from %3)"},
        {"pass.fused_attention", "fused %1 (attention, from %2)"},
        {"pass.merged_slices", "merged %1 (one split writing the outputs of %2)"},
        {"pass.elided_concat_back_to_back", "elided %1: its inputs already lie back to back in %2"},
        {"pass.elided_concat_in_place", "elided %1: %2 are written in place into %3"},
        {"pass.elided_view", "elided %1: %2 is a view of %3"},
        {"pass.permutation_into_producer", "folded the channel permutation %1 into %2's output channels"},
        {"pass.permutation_into_readers", "folded the channel permutation %1 into its readers: %2"},
        {"pass.permutation_passed_on",
         "%1 computes on the unpermuted channels into %2; its readers take the permutation: %3"},
        {"pass.reformatted", "reformatted %1 from %2 to %3 for %4"},
        {"build.phase_time", "phase %1: %2 ms"},
        {"build.kept_precision", "kept %1 in %2 (%3)"},
        {"build.ran_precision", "ran %1 in %2 (%3)"},
        {"build.precision_unmet", "%1 runs in %2, not %3 (%4): %5"},
        {"build.linear_fallback", "%1 runs linear in its own type: no %2 tactic runs it in %3"},
        {"build.layer_precisions_ignored",
         "the layer precisions were ignored: precision constraints are 'none' (give --precisionConstraints obey or "
         "prefer to apply them)"},
        {"build.timing_cache_unreadable", "%1; it is ignored and will be replaced by this build's timings"},
        {"build.timing_cache_foreign",
         "timing cache '%1' is not a Kiln timing cache; it is ignored and will be replaced by this build's timings"},
        {"build.timing_cache_version",
         "timing cache '%1' has format version %2; this Kiln reads version %3; it is ignored and will be replaced by "
         "this build's timings"},
        {"build.timing_cache_length",
         "timing cache '%1' is truncated or has trailing bytes (%2 body bytes, header says %3); it is ignored and will "
         "be replaced by this build's timings"},
        {"build.timing_cache_corrupt",
         "timing cache '%1' is corrupt (its hash does not match); it is ignored and will be replaced by this build's "
         "timings"},
        {"build.timing_cache_undecodable",
         "timing cache '%1' could not be decoded; it is ignored and will be replaced by this build's timings"},
        {"build.timing_cache_stale",
         "timing cache '%1' was measured by kiln %2 on '%3'; this is kiln %4 on '%5': its timings do not apply here; "
         "it is ignored and will be replaced by this build's timings"},
        {"build.failed", "the build failed: %1"},
        {"plan.empty", "the plan is empty (0 bytes): not a Kiln plan file"},
        {"plan.not_a_plan", "not a Kiln plan file: it does not start with 'KILNPLAN'; give a file that 'kiln build' wrote"},
        {"plan.truncated", "the plan is truncated: its header declares %1 bytes, but there are %2; copy the file again or rebuild the plan"},
        {"plan.format_version", "the plan has format version %1; kiln %2 reads format version %3 only: rebuild the plan"},
        {"plan.header_corrupt", "the plan is corrupt: header hash mismatch; copy the file again or rebuild the plan"},
        {"plan.weights_misplaced", "the plan is corrupt: its weight blob starts at byte %1 instead of %2; rebuild the plan"},
        {"plan.trailing_bytes", "the plan is corrupt: it has %1 bytes after its weight blob; copy the file again or rebuild the plan"},
        {"plan.body_corrupt", "the plan is corrupt: body hash mismatch; copy the file again or rebuild the plan"},
        {"plan.foreign", "this plan was built for %1 with kiln %2; this machine is %3 with kiln %4: rebuild the plan"},
        {"file.not_found", "%1 '%2' does not exist"},
        {"onnx.empty", "%1 is not a valid ONNX model: it is empty"},
        {"onnx.not_protobuf",
         "%1 is not a valid ONNX model: its bytes do not decode as an ONNX protobuf (the file may be truncated "
         "or of another kind)"},
        {"onnx.no_graph", "%1 is not a valid ONNX model: it has no graph, IR version or opset import"},
        {"onnx.no_default_opset", "the model imports no version of the default ONNX operator set"},
        {"onnx.opset_out_of_range",
         "the model uses opset %1; Kiln supports opsets %2 to %3 (convert it with onnx.version_converter)"},
        {"onnx.unsupported_operator", "the model has 1 node with operators Kiln does not support: %1"},
        {"onnx.unsupported_operators", "the model has %1 nodes with operators Kiln does not support: %2"},
        {"onnx.checker_rejected", "the ONNX checker rejected %1: %2"},
    };
    return catalog;
}

const char* messageTemplate(std::string_view id) {
    for (const MessageTemplate& entry : messageCatalog()) {
        if (id == entry.id) return entry.english;
    }
    return nullptr;
}

std::string formatMessage(std::string_view pattern, const std::vector<std::string>& args) {
    std::string text;
    text.reserve(pattern.size() + 32);
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
        if (pattern[i] == '%' && next >= '1' && next <= '9' && size_t(next - '1') < args.size()) {
            text += args[size_t(next - '1')];
            ++i;
        } else {
            text += pattern[i];
        }
    }
    return text;
}

std::string listedNames(const std::vector<std::string>& names, size_t most) {
    std::string text;
    for (size_t i = 0; i < names.size() && i < most; ++i)
        text += (i ? ", " : "") + names[i];
    if (names.size() > most) text += " and " + std::to_string(names.size() - most) + " more";
    return text;
}

Message makeMessage(std::string_view id, std::vector<std::string> args) {
    Message message;
    message.id = std::string(id);
    if (const char* pattern = messageTemplate(id)) {
        message.text = formatMessage(pattern, args);
    } else {
        assert(!"a message id that is not in the catalogue");
        message.text = message.id;
        for (const std::string& arg : args) message.text += " " + arg;
    }
    message.args = std::move(args);
    return message;
}

Status messageStatus(StatusCode code, std::string_view id, std::vector<std::string> args) {
    return Status(code, makeMessage(id, std::move(args)).text);
}

namespace {

// Matches `pattern` against text[start, end) exactly, each placeholder taking the shortest text that lets
// the rest match; fills `args` by placeholder number.
bool matchFrom(std::string_view pattern, std::string_view text, std::vector<std::string>& args) {
    if (pattern.empty()) return text.empty();
    if (pattern.size() >= 2 && pattern[0] == '%' && pattern[1] >= '1' && pattern[1] <= '9') {
        const size_t slot = size_t(pattern[1] - '1');
        if (args.size() <= slot) args.resize(slot + 1);
        for (size_t length = 1; length <= text.size(); ++length) {
            if (matchFrom(pattern.substr(2), text.substr(length), args)) {
                args[slot] = std::string(text.substr(0, length));
                return true;
            }
        }
        return false;
    }
    return !text.empty() && text[0] == pattern[0] && matchFrom(pattern.substr(1), text.substr(1), args);
}

}  // namespace

std::optional<Message> matchMessage(std::string_view text) {
    // The message proper starts at the beginning or after a context's ": "; the longest that fits wins.
    // Where two templates fit (one's placeholder can hold the other's words), the one that spells out more
    // of the text is the message.
    size_t start = 0;
    while (start < text.size()) {
        std::optional<Message> best;
        size_t bestLiteral = 0;
        for (const MessageTemplate& entry : messageCatalog()) {
            std::vector<std::string> args;
            if (!matchFrom(entry.english, text.substr(start), args)) continue;
            size_t argumentLength = 0;
            for (const std::string& arg : args) argumentLength += arg.size();
            const size_t literal = text.size() - start - argumentLength;
            if (!best || literal > bestLiteral) {
                best = Message{entry.id, std::move(args), std::string(text.substr(start))};
                bestLiteral = literal;
            }
        }
        if (best) return best;
        const size_t separator = text.find(": ", start);
        if (separator == std::string_view::npos) break;
        start = separator + 2;
    }
    return std::nullopt;
}

}  // namespace kiln
