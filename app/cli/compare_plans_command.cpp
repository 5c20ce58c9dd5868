// `kiln compare-plans A B`: two plans of one model side by side, their layers matched through provenance
// (kiln/engine_comparison.h), each engine profiled on the same seeded inputs in alternating rounds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "engine_loading.h"
#include "kiln/engine_comparison.h"
#include "kiln/file_writing.h"
#include "kiln/profiling.h"
#include "options.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

struct Side {
    PreparedEngine prepared;
    std::unique_ptr<ExecutionContext> context;
};

std::string fixed(double value, int digits = 3) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*f", digits, value);
    return text;
}

std::string names(const std::vector<std::string>& layers) {
    if (layers.empty()) return "-";
    std::string text = layers.front();
    if (layers.size() > 1) text += " (+" + std::to_string(layers.size() - 1) + ")";
    return text;
}

std::string difference(const std::string& a, const std::string& b) {
    if (a == b) return a.empty() ? "-" : a;
    return (a.empty() ? "-" : a) + " | " + (b.empty() ? "-" : b);
}

}  // namespace

int comparePlansCommand(const std::vector<std::string>& args) {
    Result<Parsed<ComparePlansOptions>> parsed = parseComparePlansArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << comparePlansHelp();
        return kExitSuccess;
    }
    const ComparePlansOptions& options = parsed->options;
    Side sides[2];
    const std::string paths[2] = {options.planA, options.planB};
    for (int i = 0; i < 2; ++i) {
        if (!isPlanFile(paths[i])) {
            return fail(kExitUsage, "'" + paths[i] + "' is no plan: kiln compare-plans compares two built engines; build "
                                        "the model first (kiln build MODEL -o PLAN)");
        }
        EngineRequest request;
        request.path = paths[i];
        request.builder.quiet = true;
        if (int code = prepareEngine(request, sides[i].prepared); code != kExitSuccess) return code;
        Result<std::unique_ptr<ExecutionContext>> context = createContext(sides[i].prepared);
        if (!context) return fail(kExitFailure, paths[i] + ": " + context.status().message());
        sides[i].context = std::move(context).value();
    }
    const Engine& a = *sides[0].prepared.engine;
    const Engine& b = *sides[1].prepared.engine;
    if (a.bindings().size() != b.bindings().size()) {
        std::cerr << "kiln: warning: the plans have different bindings (" << a.bindings().size() << " and "
                  << b.bindings().size() << "); are they of one model?\n";
    }

    auto once = [](Side& side) -> Status { return side.context->execute(side.prepared.inputs).status(); };
    for (Side& side : sides) {
        const auto start = std::chrono::steady_clock::now();
        do {
            if (Status ran = once(side); !ran) return fail(kExitFailure, ran.message());
        } while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(options.warmUpMs));
    }
    // Rounds of runs alternating between the engines, so that both see the machine in the same state.
    size_t failed = 0;
    Result<std::vector<SideProfile>> profiled = profileSideBySide(
        {sides[0].context.get(), sides[1].context.get()}, {sides[0].prepared.inputs, sides[1].prepared.inputs},
        options.iterations, 10, {}, &failed);
    if (!profiled) return fail(kExitFailure, paths[failed] + ": " + profiled.status().message());
    const std::vector<SideProfile>& profiles = profiled.value();
    const EngineComparison comparison =
        compareEngines(a, b, profiles[0].layerTimes, profiles[1].layerTimes, median(profiles[0].latenciesMs),
                       median(profiles[1].latenciesMs));

    std::vector<std::pair<std::string, std::string>> files;
    if (options.csvPath) files.emplace_back(*options.csvPath, comparisonCsv(comparison));
    if (options.jsonPath) files.emplace_back(*options.jsonPath, comparisonJson(comparison));
    if (Status written = writeFilesTogether(files); !written) return fail(kExitFailure, written.message());

    std::ostream& out = std::cout;
    out << "A: " << options.planA << " (" << a.backend() << ")\nB: " << options.planB << " (" << b.backend() << ")\n\n";
    TextTable summary({"", "A", "B", "B/A"});
    auto ratio = [](double x, double y) { return x > 0.0 ? fixed(y / x, 2) : std::string("-"); };
    summary.addRow({"Latency (median ms)", fixed(comparison.a.latencyMs), fixed(comparison.b.latencyMs),
                    ratio(comparison.a.latencyMs, comparison.b.latencyMs)});
    summary.addRow({"Executed layers", std::to_string(comparison.a.executedLayers), std::to_string(comparison.b.executedLayers),
                    ratio(double(comparison.a.executedLayers), double(comparison.b.executedLayers))});
    summary.addRow({"Elided layers", std::to_string(comparison.a.elidedLayers), std::to_string(comparison.b.elidedLayers), ""});
    summary.addRow({"Activation arena", formatBytes(comparison.a.arenaBytes), formatBytes(comparison.b.arenaBytes),
                    ratio(double(comparison.a.arenaBytes), double(comparison.b.arenaBytes))});
    summary.addRow({"Weights", formatBytes(comparison.a.weightBytes), formatBytes(comparison.b.weightBytes),
                    ratio(double(comparison.a.weightBytes), double(comparison.b.weightBytes))});
    summary.print(out);

    std::vector<const LayerGroupComparison*> groups;
    for (const LayerGroupComparison& group : comparison.groups) groups.push_back(&group);
    std::stable_sort(groups.begin(), groups.end(), [](const auto* x, const auto* y) {
        return std::abs(x->millisecondsB - x->millisecondsA) > std::abs(y->millisecondsB - y->millisecondsA);
    });
    const size_t shown = options.top == 0 ? groups.size() : std::min(groups.size(), size_t(options.top));
    out << "\nLayer groups (" << comparison.groups.size() << ", matched through provenance; "
        << (shown < groups.size() ? "the " + std::to_string(shown) + " largest differences" : std::string("all"))
        << ", per run):\n";
    TextTable table({"A layers", "B layers", "A ms", "B ms", "B/A", "Precision A | B", "Tactic A | B", "Format A | B"});
    for (size_t i = 0; i < shown; ++i) {
        const LayerGroupComparison& g = *groups[i];
        table.addRow({names(g.layersA), names(g.layersB), fixed(g.millisecondsA), fixed(g.millisecondsB),
                      ratio(g.millisecondsA, g.millisecondsB), difference(g.precisionA, g.precisionB),
                      difference(g.tacticA, g.tacticB), difference(g.formatA, g.formatB)});
    }
    table.print(out);
    out << "(" << options.iterations << " profiled runs of each engine after " << options.warmUpMs
        << " ms of warm-up; B/A above 1: A is faster)\n";
    for (const auto& [path, contents] : files) out << "Written: " << path << '\n';
    out.flush();
    if (!out) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli
