// Seeded random inputs; see random_inputs.h.
#include "random_inputs.h"

#include <random>

namespace kiln::workbench {

TensorMap randomInputs(const std::vector<Binding>& bindings, uint32_t seed, float amplitude) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> distribution(-amplitude, amplitude);
    TensorMap inputs;
    for (const Binding& binding : bindings) {
        if (!binding.isInput) continue;
        HostTensor tensor(binding.type, binding.dims);
        const int64_t count = tensor.elementCount();
        if (binding.type == DataType::Float32) {
            float* data = tensor.data<float>();
            for (int64_t i = 0; i < count; ++i) data[i] = distribution(generator);
        } else if (binding.type == DataType::Float16) {
            uint16_t* data = tensor.data<uint16_t>();
            for (int64_t i = 0; i < count; ++i) data[i] = floatToHalf(distribution(generator));
        }
        inputs.emplace(binding.name, std::move(tensor));
    }
    return inputs;
}

}  // namespace kiln::workbench
