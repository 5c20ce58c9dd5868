// A program outside the Kiln tree that embeds the engine as a user of libkiln-dev would: it is built against
// an installed Kiln (find_package(Kiln) or pkg-config) by tests/package/check_installed_package.sh and by
// installer/test_packages.sh.
//
// usage: kiln_consumer [MODEL.onnx]
// Builds a network by hand (y = relu(x + b)), runs it, saves it as a plan in memory and runs the plan again;
// with MODEL.onnx it also imports, builds and runs that model on zeros. Prints what it computed and exits
// with status 1, saying why, when something fails or a value is not the expected one.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kiln/builder.h"
#include "kiln/caffe_parser.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "kiln/runtime.h"

namespace {

int failure(const std::string& message) {
    std::fprintf(stderr, "kiln_consumer: %s\n", message.c_str());
    return 1;
}

kiln::Result<kiln::TensorMap> runOnce(const kiln::Engine& engine, const kiln::TensorMap& inputs) {
    auto context = engine.createExecutionContext();
    if (!context) return context.status();
    return (*context)->execute(inputs);
}

std::string joined(const kiln::HostTensor& tensor, int64_t count) {
    std::string text;
    for (int64_t i = 0; i < count && i < tensor.elementCount(); ++i) {
        char number[32];
        std::snprintf(number, sizeof(number), "%s%g", i ? " " : "", tensor.data<float>()[i]);
        text += number;
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kiln;

    NetworkDefinition network;
    auto x = network.addInput("x", DataType::Float32, {1, 4});
    HostTensor bias(DataType::Float32, {1, 4});
    const float biasValues[] = {1.0f, 2.0f, 3.0f, 4.0f};
    for (int i = 0; i < 4; ++i) bias.data<float>()[i] = biasValues[i];
    auto b = network.addConstant("b", std::move(bias));
    if (!x || !b) return failure("could not add the network's input and constant");
    auto add = network.addLayer("add", ElementwiseParams{ElementwiseOp::Add}, {*x, *b}, {"sum"});
    if (!add) return failure(add.status().message());
    auto relu = network.addLayer("relu", ActivationParams{ActivationType::Relu}, {(*add)->output(0)}, {"y"});
    if (!relu) return failure(relu.status().message());
    if (Status marked = network.markOutput((*relu)->output(0)); !marked) return failure(marked.message());

    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    if (!engine) return failure("build: " + engine.status().message());

    HostTensor input(DataType::Float32, {1, 4});
    const float inputValues[] = {-5.0f, -1.0f, 0.5f, 2.0f};
    for (int i = 0; i < 4; ++i) input.data<float>()[i] = inputValues[i];
    auto outputs = runOnce(**engine, {{"x", input}});
    if (!outputs) return failure("run: " + outputs.status().message());
    const std::string computed = joined(outputs->at("y"), 4);
    std::printf("hand-built network: %s\n", computed.c_str());
    if (computed != "0 1 3.5 6") return failure("relu(x + b) gave '" + computed + "', expected '0 1 3.5 6'");

    auto plan = serializePlan(**engine);
    if (!plan) return failure("serialize: " + plan.status().message());
    auto loaded = deserializePlan(*plan);
    if (!loaded) return failure("deserialize: " + loaded.status().message());
    auto again = runOnce(**loaded, {{"x", input}});
    if (!again) return failure("run from the plan: " + again.status().message());
    if (joined(again->at("y"), 4) != computed) return failure("the plan computed another result");
    std::printf("plan of %zu bytes, same result\n", plan->size());

    // The Caffe parser links and says what is wrong with a file that is not there.
    auto caffe = readCaffeInputs("missing.prototxt");
    if (caffe) return failure("a missing prototxt was read");

    if (argc > 1) {
        auto model = parseOnnxFile(argv[1]);
        if (!model) return failure(model.status().message());
        auto modelEngine = Builder::build(*model, config);
        if (!modelEngine) return failure("build of " + std::string(argv[1]) + ": " + modelEngine.status().message());
        TensorMap inputs;
        for (const Binding& binding : (*modelEngine)->bindings()) {
            if (binding.isInput) inputs.emplace(binding.name, HostTensor(binding.type, binding.dims));
        }
        auto modelOutputs = runOnce(**modelEngine, inputs);
        if (!modelOutputs) return failure("run of " + std::string(argv[1]) + ": " + modelOutputs.status().message());
        for (const auto& [name, tensor] : *modelOutputs) {
            std::printf("%s: output %s %s: %s\n", argv[1], name.c_str(), toString(tensor.dims()).c_str(),
                        joined(tensor, 3).c_str());
        }
    }
    return 0;
}
