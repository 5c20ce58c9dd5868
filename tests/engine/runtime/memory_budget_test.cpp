// Memory a machine cannot have is refused before it is asked for: a build whose tensors exceed the
// physical memory, and an execution context whose arena does (memory is not zero-filled, so such an
// allocation would succeed and end in the out-of-memory killer once written).
#include <gtest/gtest.h>

#include "engine/plan/plan_test_networks.h"
#include "kiln/builder.h"
#include "kiln/device.h"

namespace kiln::test {
namespace {

// x [2^20, 2^20] FP32 (4 TiB) -> ReLU -> y: valid shapes, impossible memory.
Result<NetworkDefinition> hugeNetwork() {
    NetworkDefinition network;
    KILN_ASSIGN_OR_RETURN(Tensor * x, network.addInput("x", DataType::Float32, {int64_t(1) << 20, int64_t(1) << 20}));
    KILN_ASSIGN_OR_RETURN(Layer * relu, network.addLayer("relu", ActivationParams{}, {x}, {"y"}));
    KILN_RETURN_IF_ERROR(network.markOutput(relu->output(0)));
    return network;
}

TEST(MemoryBudget, PhysicalMemoryIsKnown) {
    EXPECT_GT(physicalMemoryBytes(), uint64_t(1) << 28);  // every machine that runs the tests has 256 MiB
    EXPECT_EQ(formatByteCount(uint64_t(3) << 39), "1.5 TiB");
    EXPECT_EQ(formatByteCount(512), "512 B");
}

TEST(MemoryBudget, BuildRefusesATensorLargerThanTheMachine) {
    ASSERT_LT(physicalMemoryBytes(), uint64_t(4) << 40) << "this test assumes less than 4 TiB of memory";
    auto network = hugeNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    auto engine = Builder::build(network.value(), BuilderConfig{});
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("tensor 'x' (1048576x1048576) needs 4.0 TiB"), std::string::npos)
        << engine.status().message();
}

TEST(MemoryBudget, ContextRefusesAnArenaLargerThanTheMachine) {
    ASSERT_LT(physicalMemoryBytes(), uint64_t(4) << 40) << "this test assumes less than 4 TiB of memory";
    auto network = hugeNetwork();
    ASSERT_TRUE(network.isOk());
    auto engine = wrapInEngine(std::move(network).value());  // as a plan reader would make it
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = engine.value()->createExecutionContext();
    ASSERT_FALSE(context.isOk());
    EXPECT_NE(context.status().message().find("more than this machine's"), std::string::npos)
        << context.status().message();
}

}  // namespace
}  // namespace kiln::test
