// A shared library that is no Kiln plugin library: it exports no kilnGetPluginCreators.
extern "C" __attribute__((visibility("default"))) int notAPluginEntryPoint() {
    return 1;
}
