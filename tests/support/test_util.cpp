#include "support/test_util.h"

#include <cmath>
#include <random>
#include <sstream>

namespace kiln::test {

HostTensor randomTensor(const Dims& dims, uint32_t seed, float low, float high) {
    HostTensor tensor(DataType::Float32, dims);
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> distribution(low, high);
    float* data = tensor.data<float>();
    for (int64_t i = 0; i < tensor.elementCount(); ++i) data[i] = distribution(generator);
    return tensor;
}

std::string compareTensors(const HostTensor& actual, const HostTensor& expected, double rtol, double atol) {
    std::ostringstream out;
    if (actual.type() != expected.type()) {
        out << "type " << toString(actual.type()) << " != expected " << toString(expected.type());
        return out.str();
    }
    if (actual.dims() != expected.dims()) {
        out << "dims " << toString(actual.dims()) << " != expected " << toString(expected.dims());
        return out.str();
    }
    int64_t mismatches = 0;
    int64_t first = -1;
    double worst = 0.0;
    for (int64_t i = 0; i < actual.elementCount(); ++i) {
        const double a = actual.valueAsDouble(i);
        const double b = expected.valueAsDouble(i);
        const bool bothNan = std::isnan(a) && std::isnan(b);
        const bool sameInf = std::isinf(a) && std::isinf(b) && (a > 0) == (b > 0);
        if (bothNan || sameInf) continue;
        const double error = std::fabs(a - b);
        if (!(error <= atol + rtol * std::fabs(b))) {
            if (first < 0) first = i;
            ++mismatches;
        }
        if (error > worst || std::isnan(error)) worst = error;
    }
    if (mismatches == 0) return {};
    out << mismatches << " of " << actual.elementCount() << " elements differ; first at " << first << ": "
        << actual.valueAsDouble(first) << " vs expected " << expected.valueAsDouble(first)
        << "; largest error " << worst;
    return out.str();
}

}  // namespace kiln::test
