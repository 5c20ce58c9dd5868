// Symbolic shapes derived from a network source; see kiln/symbolic_shapes.h.
#include "kiln/symbolic_shapes.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>

#include "kiln/network.h"

namespace kiln {

namespace {

// How far each symbol moves for its probe. A power of two, so that a dimension that halves at each
// stride-2 layer changes by a whole number there.
constexpr int64_t kProbeStep = 32;
// The point every symbol moves to for the check: odd first (it tells floor from ceil), and a whole
// number of probe steps when a model refuses odd extents.
constexpr int64_t kCheckSteps[] = {2 * kProbeStep + 1, 2 * kProbeStep};

using TensorShapes = std::map<std::string, Dims>;

int64_t floorDiv(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t positiveMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }

struct SymbolicInput {
    std::string name;
    std::vector<std::string> symbols;  // per dimension; empty where fixed
};

// The source's network with every symbol at `values`, as tensor shapes by name; nullopt when the
// source does not instantiate there.
std::optional<TensorShapes> shapesAt(const NetworkSource& source, const std::vector<SymbolicInput>& inputs,
                                     std::map<std::string, Dims> shapes, const std::map<std::string, int64_t>& values) {
    for (const SymbolicInput& in : inputs) {
        Dims& dims = shapes[in.name];
        for (size_t axis = 0; axis < in.symbols.size() && axis < dims.size(); ++axis) {
            if (!in.symbols[axis].empty()) dims[axis] = values.at(in.symbols[axis]);
        }
    }
    Result<NetworkDefinition> network = source.instantiate(shapes);
    if (!network) return std::nullopt;
    TensorShapes result;
    for (const auto& tensor : network->tensors()) result[tensor->name()] = tensor->dims();
    return result;
}

std::optional<int64_t> dimAt(const std::optional<TensorShapes>& shapes, const std::string& tensor, size_t axis,
                             size_t rank) {
    if (!shapes) return std::nullopt;
    auto it = shapes->find(tensor);
    if (it == shapes->end() || it->second.size() != rank) return std::nullopt;
    return it->second[axis];
}

DimExpression unknown() {
    DimExpression dim;
    dim.known = false;
    return dim;
}

DimExpression constantDim(int64_t value) {
    DimExpression dim;
    dim.constant = value;
    return dim;
}

// The probes of one derivation: the base point, one per symbol moved alone, one per pair moved together
// (made when a dimension needs it) and the check point.
class Probes {
public:
    Probes(const NetworkSource& source, std::vector<SymbolicInput> inputs, std::map<std::string, Dims> shapes,
           std::map<std::string, int64_t> base)
        : m_source(source), m_inputs(std::move(inputs)), m_shapes(std::move(shapes)), m_base(std::move(base)) {
        for (const auto& [symbol, value] : m_base) m_single[symbol] = at({symbol});
        for (const int64_t step : kCheckSteps) {
            std::map<std::string, int64_t> values = m_base;
            for (auto& [symbol, value] : values) value += step;
            m_check = shapesAt(m_source, m_inputs, m_shapes, values);
            if (m_check) {
                m_checkValues = values;
                break;
            }
        }
    }

    const std::map<std::string, int64_t>& base() const { return m_base; }
    const std::optional<TensorShapes>& single(const std::string& symbol) const { return m_single.at(symbol); }
    const std::optional<TensorShapes>& pair(const std::string& s, const std::string& t) {
        const std::pair<std::string, std::string> key{s, t};
        auto it = m_pairs.find(key);
        if (it == m_pairs.end()) it = m_pairs.emplace(key, at({s, t})).first;
        return it->second;
    }
    const std::optional<TensorShapes>& check() const { return m_check; }
    const std::map<std::string, int64_t>& checkValues() const { return m_checkValues; }

private:
    std::optional<TensorShapes> at(const std::set<std::string>& moved) const {
        std::map<std::string, int64_t> values = m_base;
        for (const std::string& symbol : moved) values[symbol] += kProbeStep;
        return shapesAt(m_source, m_inputs, m_shapes, values);
    }

    const NetworkSource& m_source;
    std::vector<SymbolicInput> m_inputs;
    std::map<std::string, Dims> m_shapes;
    std::map<std::string, int64_t> m_base;
    std::map<std::string, std::optional<TensorShapes>> m_single;
    std::map<std::pair<std::string, std::string>, std::optional<TensorShapes>> m_pairs;
    std::optional<TensorShapes> m_check;
    std::map<std::string, int64_t> m_checkValues;
};

// (p*s + c) / q through (base, d0) and (base + step, d1): one candidate c per residue; those that also
// give `checked` at the check point, floor and ceil forms first.
DimExpression fitOneSymbol(const std::string& symbol, int64_t v, int64_t d0, int64_t d1, int64_t checkValue,
                           int64_t checked) {
    int64_t p = d1 - d0;
    int64_t q = kProbeStep;
    const int64_t g = std::gcd(p, q);
    p /= g;
    q /= g;
    DimExpression dim;
    dim.terms[{symbol}] = p;
    dim.divisor = q;
    std::vector<int64_t> candidates;
    for (int64_t c = q * d0 - p * v; c < q * d0 - p * v + q; ++c) {
        dim.constant = c;
        if (dim.evaluate({{symbol, checkValue}}) == checked) candidates.push_back(c);
    }
    if (candidates.empty()) return unknown();
    std::stable_sort(candidates.begin(), candidates.end(), [q](int64_t a, int64_t b) {
        auto rank = [q](int64_t c) { return positiveMod(c, q) == 0 ? 0 : positiveMod(c, q) == q - 1 ? 1 : 2; };
        return rank(a) < rank(b);
    });
    dim.constant = candidates.front();
    return dim;
}

DimExpression fit(Probes& probes, const std::string& tensor, size_t axis, size_t rank, int64_t d0) {
    std::vector<std::string> movers;
    bool unprobed = false;
    for (const auto& [symbol, value] : probes.base()) {
        const std::optional<int64_t> d = dimAt(probes.single(symbol), tensor, axis, rank);
        if (!d) unprobed = true;
        else if (*d != d0) movers.push_back(symbol);
    }
    const std::optional<int64_t> checked = dimAt(probes.check(), tensor, axis, rank);
    if (movers.empty()) {
        // Constant where every symbol's probe says so, or where a missing probe is covered by the check.
        if (!unprobed || (checked && *checked == d0)) return constantDim(d0);
        return unknown();
    }
    if (unprobed || !checked) return unknown();

    const auto& base = probes.base();
    DimExpression dim;
    if (movers.size() == 1) {
        const std::string& s = movers.front();
        return fitOneSymbol(s, base.at(s), d0, *dimAt(probes.single(s), tensor, axis, rank),
                            probes.checkValues().at(s), *checked);
    }
    // Whole coefficients: c + sum a_s*s (+ k*s*t for two symbols).
    std::map<std::string, int64_t> slope;  // d(s moved) - d0
    for (const std::string& s : movers) slope[s] = *dimAt(probes.single(s), tensor, axis, rank) - d0;
    if (movers.size() == 2) {
        const std::string &s = movers[0], &t = movers[1];
        const std::optional<int64_t> both = dimAt(probes.pair(s, t), tensor, axis, rank);
        if (!both) return unknown();
        const int64_t cross = *both - slope[s] - slope[t] - d0;  // k * step^2
        if (cross % (kProbeStep * kProbeStep) != 0) return unknown();
        const int64_t k = cross / (kProbeStep * kProbeStep);
        if (k != 0) {
            dim.terms[{s, t}] = k;
            slope[s] -= k * kProbeStep * base.at(t);
            slope[t] -= k * kProbeStep * base.at(s);
        }
    }
    int64_t constant = d0;
    for (const std::string& s : movers) {
        if (slope[s] % kProbeStep != 0) return unknown();
        const int64_t a = slope[s] / kProbeStep;
        if (a != 0) dim.terms[{s}] = a;
        constant -= a * base.at(s);
    }
    for (const auto& [term, coefficient] : dim.terms) {
        if (term.size() == 2) constant -= coefficient * base.at(term[0]) * base.at(term[1]);
    }
    dim.constant = constant;
    if (dim.evaluate(probes.checkValues()) != *checked) return unknown();
    return dim;
}

std::string termText(const std::vector<std::string>& symbols, int64_t coefficient) {
    std::string text = coefficient == 1 ? "" : coefficient == -1 ? "-" : std::to_string(coefficient) + "*";
    for (size_t i = 0; i < symbols.size(); ++i) text += (i ? "*" : "") + symbols[i];
    return text;
}

std::string sumText(const DimExpression& dim, int64_t constant) {
    std::string text;
    for (const auto& [symbols, coefficient] : dim.terms) {
        const std::string term = termText(symbols, coefficient);
        text += text.empty() || term[0] == '-' ? term : "+" + term;
    }
    if (constant != 0 || text.empty()) {
        text += (constant < 0 || text.empty()) ? std::to_string(constant) : "+" + std::to_string(constant);
    }
    return text;
}

}  // namespace

std::optional<int64_t> DimExpression::evaluate(const std::map<std::string, int64_t>& symbols) const {
    if (!known) return std::nullopt;
    int64_t sum = constant;
    for (const auto& [names, coefficient] : terms) {
        int64_t product = coefficient;
        for (const std::string& name : names) {
            auto it = symbols.find(name);
            if (it == symbols.end()) return std::nullopt;
            product *= it->second;
        }
        sum += product;
    }
    return floorDiv(sum, divisor);
}

std::string toString(const DimExpression& dim) {
    if (!dim.known) return "?";
    if (dim.divisor == 1) return sumText(dim, dim.constant);
    const int64_t q = dim.divisor;
    const int64_t rest = positiveMod(dim.constant, q);
    const int64_t whole = floorDiv(dim.constant, q);
    const std::string after = whole == 0 ? "" : whole > 0 ? "+" + std::to_string(whole) : std::to_string(whole);
    const std::string terms = sumText(dim, 0);
    const bool single = dim.terms.size() == 1 && terms.find_first_of("+-", 1) == std::string::npos;
    const std::string numerator = single ? terms : "(" + terms + ")";
    if (rest == 0) return numerator + "/" + std::to_string(q) + after;
    if (rest == q - 1) return "ceil(" + numerator + "/" + std::to_string(q) + ")" + after;
    return "(" + sumText(dim, dim.constant) + ")/" + std::to_string(q);
}

std::string toString(const std::vector<DimExpression>& dims) {
    std::string text;
    for (size_t i = 0; i < dims.size(); ++i) text += (i ? "x" : "") + toString(dims[i]);
    return text;
}

std::vector<std::string> symbolsOf(const SourceInput& input) {
    std::vector<std::string> symbols(input.dims.size());
    if (input.isShapeTensor) return symbols;
    for (size_t axis = 0; axis < input.dims.size(); ++axis) {
        if (input.dims[axis] >= 0) continue;
        const bool named = axis < input.dimNames.size() && !input.dimNames[axis].empty();
        symbols[axis] = named ? input.dimNames[axis] : input.name + ".d" + std::to_string(axis);
    }
    return symbols;
}

Status checkSharedSymbols(const std::vector<SourceInput>& inputs, const std::map<std::string, Dims>& shapes,
                          const std::string& where) {
    struct Setter {
        std::string input;
        size_t axis;
        int64_t extent;
    };
    std::map<std::string, Setter> seen;
    for (const SourceInput& input : inputs) {
        auto shape = shapes.find(input.name);
        if (shape == shapes.end()) continue;
        const std::vector<std::string> symbols = symbolsOf(input);
        for (size_t axis = 0; axis < symbols.size() && axis < shape->second.size(); ++axis) {
            if (symbols[axis].empty()) continue;
            const int64_t extent = shape->second[axis];
            auto [it, first] = seen.emplace(symbols[axis], Setter{input.name, axis, extent});
            if (first || it->second.extent == extent) continue;
            return invalidArgument(where + ": dimension " + std::to_string(axis) + " of input '" + input.name + "' is '" +
                                   symbols[axis] + "', which dimension " + std::to_string(it->second.axis) +
                                   " of input '" + it->second.input + "' sets to " + std::to_string(it->second.extent) +
                                   ", but it was given " + std::to_string(extent) + "; give every dimension named '" +
                                   symbols[axis] + "' the same extent");
        }
    }
    return Status::ok();
}

Result<SymbolicShapes> deriveSymbolicShapes(const NetworkSource& source, const std::map<std::string, Dims>& shapes) {
    KILN_RETURN_IF_ERROR(checkSharedSymbols(source.inputs(), shapes, "symbolic shapes"));
    KILN_ASSIGN_OR_RETURN(const NetworkDefinition network, source.instantiate(shapes));
    SymbolicShapes result;
    std::vector<SymbolicInput> inputs;
    for (const SourceInput& input : source.inputs()) {
        SymbolicInput in{input.name, symbolsOf(input)};
        auto shape = shapes.find(input.name);
        for (size_t axis = 0; axis < in.symbols.size(); ++axis) {
            if (in.symbols[axis].empty()) continue;
            if (shape == shapes.end() || axis >= shape->second.size()) {
                return invalidArgument("symbolic shapes: input '" + input.name + "' has the symbolic dimension '" +
                                       in.symbols[axis] + "' but no shape was given for it");
            }
            result.symbols[in.symbols[axis]] = shape->second[axis];
        }
        inputs.push_back(std::move(in));
    }
    std::optional<Probes> probes;
    if (!result.symbols.empty()) probes.emplace(source, std::move(inputs), shapes, result.symbols);
    for (const auto& tensor : network.tensors()) {
        std::vector<DimExpression>& dims = result.tensors[tensor->name()];
        const Dims& extents = tensor->dims();
        for (size_t axis = 0; axis < extents.size(); ++axis) {
            dims.push_back(probes ? fit(*probes, tensor->name(), axis, extents.size(), extents[axis])
                                  : constantDim(extents[axis]));
        }
    }
    return result;
}

}  // namespace kiln
