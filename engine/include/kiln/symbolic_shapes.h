// Symbolic shapes: each tensor's dimensions as expressions of a model's symbolic input dimensions
// ("batch", "2*seq+1", "ceil(width/2)", "batch*seq"), as Netron and ONNX Runtime's symbolic shape
// inference show them. Networks hold concrete shapes (a NetworkSource instantiates one per shape), so
// the expressions are derived from the source: the network is instantiated at the given shapes and
// again with each symbol moved, and each dimension's change is fitted to an integer form
//     (c0 + c1*s + c2*t + c3*s*t) / q      ("/" dividing and rounding down, as shape arithmetic does)
// which is then checked at a further point where every symbol has moved. A dimension whose change fits
// no such form, or could not be checked, is "?".
//
// Same-named symbols are one symbol: every input dimension named "batch" moves together, and a profile
// or a run must give them one extent (checkSharedSymbols).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kiln/network_source.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// One dimension as an expression of the symbols.
struct DimExpression {
    int64_t constant = 0;
    // coefficient per product of symbols (one or two names, sorted)
    std::map<std::vector<std::string>, int64_t> terms;
    int64_t divisor = 1;  // rounds down
    bool known = true;    // false: fits no form ("?")

    // The value at `symbols` (every symbol of a term must be given); nullopt where unknown.
    std::optional<int64_t> evaluate(const std::map<std::string, int64_t>& symbols) const;
};

// "batch", "64", "2*seq+1", "width/4", "ceil(width/2)", "(width-6)/4", "batch*seq", "?"
std::string toString(const DimExpression& dim);

struct SymbolicShapes {
    // the symbols, each with the extent it had at the shapes given
    std::map<std::string, int64_t> symbols;
    // every tensor of the network at those shapes (inputs, constants, layer outputs), by name
    std::map<std::string, std::vector<DimExpression>> tensors;
};

// The symbol of each symbolic dimension of `input`: its name in the model, else "<input>.d<axis>";
// empty where the dimension is fixed. Shape tensors have none (their values are given per run).
std::vector<std::string> symbolsOf(const SourceInput& input);

// "batchx3x224x224"
std::string toString(const std::vector<DimExpression>& dims);

// Derives the symbolic shape of every tensor of `source`'s network at `shapes` (a concrete shape for
// each input with a symbolic dimension, and the values of each shape tensor, as instantiate takes).
// Fails only when the source does not instantiate at `shapes`; a symbol whose moved instantiations
// fail leaves the dimensions that depend on it "?".
Result<SymbolicShapes> deriveSymbolicShapes(const NetworkSource& source, const std::map<std::string, Dims>& shapes);

// Refuses shapes that give one symbol two extents ("dimension 0 of 'mask' is 'batch', which 'ids'
// sets to 4"), naming both inputs and what to do. `shapes` are by input name; inputs absent are skipped.
Status checkSharedSymbols(const std::vector<SourceInput>& inputs, const std::map<std::string, Dims>& shapes,
                          const std::string& where);

}  // namespace kiln
