// The Kiln CPU tactics: none yet.
#include "backends/cpu/kiln/kiln_provider.h"

namespace kiln::cpu {
namespace {
class EmptyProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "kiln"; }
    void enumerate(const tactics::LayerConfig&, std::vector<std::unique_ptr<tactics::Tactic>>&,
                   std::vector<tactics::SkippedTactic>&) const override {}
};
}  // namespace
const tactics::TacticProvider& kilnProvider() {
    static const EmptyProvider provider;
    return provider;
}
}  // namespace kiln::cpu
