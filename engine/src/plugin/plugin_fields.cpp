// Plugin fields: construction, lookup, description and the checked byte layout plugins may serialize
// their fields in (kiln/plugin.h).
#include <cstring>
#include <sstream>

#include "kiln/plugin.h"

namespace kiln {

namespace {

// Layout: u32 field count, then per field: u32 name length, name, u8 type, u32 value count, values
// (int64 or float32 each, or the string's bytes). Little-endian, as every platform Kiln runs on.
template <typename T>
void put(std::vector<uint8_t>& out, T value) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

class ByteReader {
public:
    explicit ByteReader(const std::vector<uint8_t>& bytes) : m_bytes(bytes) {}
    template <typename T>
    bool get(T& value) {
        if (m_bytes.size() - m_at < sizeof(T)) return false;
        std::memcpy(&value, m_bytes.data() + m_at, sizeof(T));
        m_at += sizeof(T);
        return true;
    }
    bool getBytes(void* target, size_t size) {
        if (m_bytes.size() - m_at < size) return false;
        if (size) std::memcpy(target, m_bytes.data() + m_at, size);
        m_at += size;
        return true;
    }
    size_t remaining() const { return m_bytes.size() - m_at; }

private:
    const std::vector<uint8_t>& m_bytes;
    size_t m_at = 0;
};

}  // namespace

const char* toString(PluginFieldType type) {
    switch (type) {
        case PluginFieldType::Int:
            return "int";
        case PluginFieldType::Float:
            return "float";
        case PluginFieldType::String:
            return "string";
        case PluginFieldType::Ints:
            return "ints";
        case PluginFieldType::Floats:
            return "floats";
    }
    return "unknown";
}

const PluginField* findField(const PluginFields& fields, const std::string& name) {
    for (const PluginField& field : fields) {
        if (field.name == name) return &field;
    }
    return nullptr;
}

std::string describeFields(const PluginFields& fields) {
    std::ostringstream out;
    for (size_t i = 0; i < fields.size(); ++i) {
        const PluginField& f = fields[i];
        out << (i ? " " : "") << f.name << "=";
        switch (f.type) {
            case PluginFieldType::Int:
                out << (f.ints.empty() ? 0 : f.ints[0]);
                break;
            case PluginFieldType::Float:
                out << (f.floats.empty() ? 0.0f : f.floats[0]);
                break;
            case PluginFieldType::String:
                out << '"' << f.text << '"';
                break;
            case PluginFieldType::Ints:
                out << "[";
                for (size_t j = 0; j < f.ints.size(); ++j)
                    out << (j ? "," : "") << f.ints[j];
                out << "]";
                break;
            case PluginFieldType::Floats:
                out << "[";
                for (size_t j = 0; j < f.floats.size(); ++j)
                    out << (j ? "," : "") << f.floats[j];
                out << "]";
                break;
        }
    }
    return out.str();
}

std::vector<uint8_t> serializeFields(const PluginFields& fields) {
    std::vector<uint8_t> out;
    put(out, uint32_t(fields.size()));
    for (const PluginField& f : fields) {
        put(out, uint32_t(f.name.size()));
        out.insert(out.end(), f.name.begin(), f.name.end());
        put(out, uint8_t(f.type));
        switch (f.type) {
            case PluginFieldType::Int:
            case PluginFieldType::Ints:
                put(out, uint32_t(f.ints.size()));
                for (int64_t v : f.ints)
                    put(out, v);
                break;
            case PluginFieldType::Float:
            case PluginFieldType::Floats:
                put(out, uint32_t(f.floats.size()));
                for (float v : f.floats)
                    put(out, v);
                break;
            case PluginFieldType::String:
                put(out, uint32_t(f.text.size()));
                out.insert(out.end(), f.text.begin(), f.text.end());
                break;
        }
    }
    return out;
}

Result<PluginFields> deserializeFields(const std::vector<uint8_t>& bytes) {
    ByteReader in(bytes);
    uint32_t count = 0;
    if (!in.get(count)) return invalidModel("plugin fields: the field count is cut off");
    PluginFields fields;
    for (uint32_t i = 0; i < count; ++i) {
        const std::string where = "plugin field " + std::to_string(i);
        uint32_t nameSize = 0;
        if (!in.get(nameSize) || nameSize > in.remaining())
            return invalidModel(where + ": the name is cut off");
        PluginField f;
        f.name.resize(nameSize);
        (void)in.getBytes(f.name.data(), nameSize);
        uint8_t type = 0;
        uint32_t size = 0;
        if (!in.get(type) || type > uint8_t(PluginFieldType::Floats)) {
            return invalidModel(where + " '" + f.name + "': the type is missing or unknown");
        }
        f.type = PluginFieldType(type);
        if (!in.get(size)) return invalidModel(where + " '" + f.name + "': the value count is cut off");
        const size_t elementSize = f.type == PluginFieldType::String                                     ? 1
                                   : (f.type == PluginFieldType::Int || f.type == PluginFieldType::Ints) ? 8
                                                                                                         : 4;
        if (size_t(size) * elementSize > in.remaining()) {
            return invalidModel(where + " '" + f.name + "': " + std::to_string(size) + " values declared, " +
                                std::to_string(in.remaining()) + " bytes left");
        }
        if ((f.type == PluginFieldType::Int || f.type == PluginFieldType::Float) && size != 1) {
            return invalidModel(where + " '" + f.name + "': a single " + toString(f.type) + " holds " +
                                std::to_string(size) + " values");
        }
        if (f.type == PluginFieldType::String) {
            f.text.resize(size);
            (void)in.getBytes(f.text.data(), size);
        } else if (elementSize == 8) {
            f.ints.resize(size);
            (void)in.getBytes(f.ints.data(), size_t(size) * 8);
        } else {
            f.floats.resize(size);
            (void)in.getBytes(f.floats.data(), size_t(size) * 4);
        }
        fields.push_back(std::move(f));
    }
    if (in.remaining() != 0) {
        return invalidModel("plugin fields: " + std::to_string(in.remaining()) +
                            " bytes follow the last field");
    }
    return fields;
}

std::string pluginKey(const std::string& name, const std::string& version,
                      const std::string& pluginNamespace) {
    return (pluginNamespace.empty() ? "" : pluginNamespace + "::") + name + " v" + version;
}

}  // namespace kiln
