// Plugin layers on the CUDA backend: a plugin without a CUDA enqueue is refused by a CUDA build, the
// error naming the plugin and why, while the same network builds for the CPU.
#include <gtest/gtest.h>

#include "engine/plugins/test_plugins.h"
#include "gpu_test_util.h"
#include "kiln/builder.h"

namespace kiln::test {
namespace {

TEST(CudaPlugin, APluginWithoutCudaEnqueueIsRefusedNamingIt) {
    KILN_REQUIRE_GPU();
    auto creator = std::make_shared<RowSumCreator>();
    ScopedCreator registered(creator);
    ASSERT_TRUE(registered.added());
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {2, 8}).value();
    auto plugin = creator->create("rowsum", {});
    ASSERT_TRUE(plugin.isOk());
    Tensor* y =
        network
            .addLayer("rowsum", PluginParams{std::shared_ptr<const Plugin>(std::move(plugin).value())}, {x},
                      {"y"})
            .value()
            ->output(0);
    ASSERT_TRUE(network.markOutput(y).isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    config.backend = "cuda";
    const auto refused = Builder::build(network, config);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("rowsum"), std::string::npos) << refused.status().message();
    EXPECT_NE(refused.status().message().find("test::RowSum v1 has no CUDA enqueue"), std::string::npos)
        << refused.status().message();
    config.backend = "cpu";
    const auto built = Builder::build(network, config);
    EXPECT_TRUE(built.isOk()) << built.status().message();
}

}  // namespace
}  // namespace kiln::test
