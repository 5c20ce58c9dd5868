// The plugin registry and the loader of plugin libraries: registration by key, duplicates, versions,
// the sample library, and the clear refusals of a missing file, a library without the entry point and a
// library built for another plugin API version.
#include <gtest/gtest.h>

#include "engine/plugins/test_plugins.h"
#include "kiln/plugin.h"

namespace kiln::test {
namespace {

// A creator whose key is chosen by the test.
class KeyedCreator final : public PluginCreator {
public:
    KeyedCreator(std::string name, std::string version, std::string ns, bool replaces = false)
        : m_name(std::move(name)),
          m_version(std::move(version)),
          m_namespace(std::move(ns)),
          m_replaces(replaces) {}
    std::string name() const override { return m_name; }
    std::string version() const override { return m_version; }
    std::string pluginNamespace() const override { return m_namespace; }
    std::vector<PluginFieldSpec> fieldSpecs() const override { return {}; }
    bool replacesBuiltin() const override { return m_replaces; }
    Result<std::unique_ptr<Plugin>> create(const std::string&, const PluginFields&) const override {
        return unsupported("a keyed creator makes no plugins");
    }
    Result<std::unique_ptr<Plugin>> deserialize(const std::string&,
                                                const std::vector<uint8_t>&) const override {
        return unsupported("a keyed creator makes no plugins");
    }

private:
    std::string m_name, m_version, m_namespace;
    bool m_replaces;
};

TEST(PluginRegistry, FindsACreatorByNameVersionAndNamespaceOnly) {
    PluginRegistry registry;
    auto creator = std::make_shared<KeyedCreator>("Op", "1", "ns");
    ASSERT_TRUE(registry.add(creator).isOk());
    EXPECT_EQ(registry.find("Op", "1", "ns"), creator);
    EXPECT_EQ(registry.find("Op", "2", "ns"), nullptr);
    EXPECT_EQ(registry.find("Op", "1", ""), nullptr);
    EXPECT_EQ(registry.find("op", "1", "ns"), nullptr);
    ASSERT_EQ(registry.list().size(), 1u);
    EXPECT_EQ(registry.list()[0].library, "");
    EXPECT_TRUE(registry.remove("Op", "1", "ns"));
    EXPECT_FALSE(registry.remove("Op", "1", "ns"));
    EXPECT_EQ(registry.find("Op", "1", "ns"), nullptr);
}

TEST(PluginRegistry, RefusesAnotherCreatorWithTheSameKeyButNotTheSameOneTwice) {
    PluginRegistry registry;
    auto first = std::make_shared<KeyedCreator>("Op", "1", "ns");
    ASSERT_TRUE(registry.add(first, "libfirst.so").isOk());
    EXPECT_TRUE(registry.add(first, "libfirst.so").isOk());
    const Status duplicate = registry.add(std::make_shared<KeyedCreator>("Op", "1", "ns"), "libsecond.so");
    ASSERT_FALSE(duplicate.isOk());
    EXPECT_EQ(duplicate.code(), StatusCode::InvalidArgument);
    EXPECT_NE(duplicate.message().find("ns::Op v1"), std::string::npos) << duplicate.message();
    EXPECT_NE(duplicate.message().find("libsecond.so"), std::string::npos) << duplicate.message();
    EXPECT_NE(duplicate.message().find("libfirst.so"), std::string::npos) << duplicate.message();
    EXPECT_EQ(registry.list().size(), 1u);
    EXPECT_TRUE(registry.add(std::make_shared<KeyedCreator>("Op", "2", "ns")).isOk());
    EXPECT_EQ(registry.list().size(), 2u);
}

TEST(PluginRegistry, FindAllPutsTheHighestVersionFirstComparingNumbersAsNumbers) {
    PluginRegistry registry;
    for (const char* version : {"9", "10", "2"}) {
        ASSERT_TRUE(registry.add(std::make_shared<KeyedCreator>("Op", version, "ns")).isOk());
    }
    ASSERT_TRUE(registry.add(std::make_shared<KeyedCreator>("Op", "99", "other")).isOk());
    const auto found = registry.findAll("Op", "ns");
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0]->version(), "10");
    EXPECT_EQ(found[1]->version(), "9");
    EXPECT_EQ(found[2]->version(), "2");
}

TEST(PluginRegistry, RefusesANullCreatorAndAnEmptyName) {
    PluginRegistry registry;
    EXPECT_EQ(registry.add(nullptr).code(), StatusCode::InvalidArgument);
    EXPECT_EQ(registry.add(std::make_shared<KeyedCreator>("", "1", "ns")).code(),
              StatusCode::InvalidArgument);
    EXPECT_TRUE(registry.list().empty());
}

TEST(PluginFields, SerializeThenDeserializeGivesTheSameFields) {
    const PluginFields fields = {PluginField::ofInt("axis", -3),
                                 PluginField::ofFloat("alpha", 0.25f),
                                 PluginField::ofString("mode", "fast"),
                                 PluginField::ofInts("pads", {1, 2, 3}),
                                 PluginField::ofFloats("scales", {0.5f, -1.5f}),
                                 PluginField::ofInts("none", {})};
    const auto read = deserializeFields(serializeFields(fields));
    ASSERT_TRUE(read.isOk()) << read.status().message();
    EXPECT_EQ(*read, fields);
    EXPECT_EQ(describeFields(fields),
              "axis=-3 alpha=0.25 mode=\"fast\" pads=[1,2,3] scales=[0.5,-1.5] none=[]");
}

TEST(PluginFields, EveryCutOfTheBytesIsRefusedAndExtraBytesToo) {
    const std::vector<uint8_t> bytes =
        serializeFields({PluginField::ofString("mode", "fast"), PluginField::ofInts("pads", {1, 2})});
    for (size_t size = 0; size < bytes.size(); ++size) {
        const auto read = deserializeFields(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(size)));
        EXPECT_FALSE(read.isOk()) << "a cut at " << size << " of " << bytes.size() << " bytes was accepted";
    }
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0);
    const auto read = deserializeFields(longer);
    ASSERT_FALSE(read.isOk());
    EXPECT_NE(read.status().message().find("1 bytes follow"), std::string::npos) << read.status().message();
}

TEST(PluginLibrary, TheSampleLibraryRegistersItsCreatorAndLoadingItTwiceIsHarmless) {
    PluginRegistry registry;
    const Status loaded = registry.loadLibrary(KILN_SAMPLE_SOFTSIGN_PLUGIN);
    ASSERT_TRUE(loaded.isOk()) << loaded.message();
    const auto creator = registry.find("ScaledSoftsign", "1", "com.example");
    ASSERT_NE(creator, nullptr);
    ASSERT_EQ(creator->fieldSpecs().size(), 1u);
    EXPECT_EQ(creator->fieldSpecs()[0].name, "alpha");
    EXPECT_EQ(creator->fieldSpecs()[0].type, PluginFieldType::Float);
    EXPECT_FALSE(creator->replacesBuiltin());
    ASSERT_EQ(registry.list().size(), 1u);
    EXPECT_EQ(registry.list()[0].library, KILN_SAMPLE_SOFTSIGN_PLUGIN);

    EXPECT_TRUE(registry.loadLibrary(KILN_SAMPLE_SOFTSIGN_PLUGIN).isOk());
    EXPECT_EQ(registry.list().size(), 1u);
    EXPECT_EQ(registry.libraries(), std::vector<std::string>{KILN_SAMPLE_SOFTSIGN_PLUGIN});

    // The creator works through the interface alone: fields in, the plugin's own bytes back.
    auto plugin = creator->create("act", {PluginField::ofFloat("alpha", 2.0f)});
    ASSERT_TRUE(plugin.isOk()) << plugin.status().message();
    EXPECT_EQ(describeFields((*plugin)->fields()), "alpha=2");
    auto again = creator->deserialize("act", (*plugin)->serialize());
    ASSERT_TRUE(again.isOk()) << again.status().message();
    EXPECT_EQ((*again)->fields(), (*plugin)->fields());
    const auto wrongField = creator->create("act", {PluginField::ofInt("beta", 1)});
    ASSERT_FALSE(wrongField.isOk());
    EXPECT_NE(wrongField.status().message().find("'beta'"), std::string::npos)
        << wrongField.status().message();
}

TEST(PluginLibrary, AMissingFileIsNotFoundNamingThePath) {
    PluginRegistry registry;
    const Status status = registry.loadLibrary("/nonexistent/libnothing.so");
    ASSERT_FALSE(status.isOk());
    EXPECT_EQ(status.code(), StatusCode::NotFound);
    EXPECT_NE(status.message().find("/nonexistent/libnothing.so"), std::string::npos) << status.message();
    EXPECT_TRUE(registry.list().empty());
}

TEST(PluginLibrary, AFileThatIsNoSharedLibraryIsRefusedNamingIt) {
    PluginRegistry registry;
    const Status status = registry.loadLibrary(KILN_SAMPLE_SOFTSIGN_SOURCE);
    ASSERT_FALSE(status.isOk());
    EXPECT_NE(status.message().find("cannot load plugin library"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(KILN_SAMPLE_SOFTSIGN_SOURCE), std::string::npos) << status.message();
}

TEST(PluginLibrary, ALibraryWithoutTheEntryPointIsRefusedNamingItAndTheSymbol) {
    PluginRegistry registry;
    const Status status = registry.loadLibrary(KILN_TEST_NO_ENTRY_LIBRARY);
    ASSERT_FALSE(status.isOk());
    EXPECT_NE(status.message().find(KILN_TEST_NO_ENTRY_LIBRARY), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("kilnGetPluginCreators"), std::string::npos) << status.message();
    EXPECT_TRUE(registry.list().empty());
    EXPECT_TRUE(registry.libraries().empty());
}

TEST(PluginLibrary, ALibraryBuiltForAnotherApiVersionIsRefusedNamingBothVersions) {
    PluginRegistry registry;
    const Status status = registry.loadLibrary(KILN_TEST_OTHER_API_LIBRARY);
    ASSERT_FALSE(status.isOk());
    EXPECT_EQ(status.code(), StatusCode::Unsupported);
    EXPECT_NE(status.message().find(KILN_TEST_OTHER_API_LIBRARY), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("plugin API version 999"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("plugin API version " + std::to_string(kPluginApiVersion)),
              std::string::npos)
        << status.message();
    EXPECT_TRUE(registry.list().empty());
}

TEST(PluginLibrary, ALibraryWhoseCreatorIsAlreadyRegisteredIsRefusedWhole) {
    PluginRegistry registry;
    ASSERT_TRUE(registry.add(std::make_shared<KeyedCreator>("ScaledSoftsign", "1", "com.example")).isOk());
    const Status status = registry.loadLibrary(KILN_SAMPLE_SOFTSIGN_PLUGIN);
    ASSERT_FALSE(status.isOk());
    EXPECT_NE(status.message().find("com.example::ScaledSoftsign v1"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("registered by code"), std::string::npos) << status.message();
    EXPECT_EQ(registry.list().size(), 1u);
    EXPECT_TRUE(registry.libraries().empty());
}

}  // namespace
}  // namespace kiln::test
