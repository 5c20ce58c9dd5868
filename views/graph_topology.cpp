// Builds the graph view's nodes and edges from layer records; see graph_topology.h.
#include "graph_topology.h"

#include <QHash>
#include <algorithm>
#include <map>

namespace kiln::views {

namespace {

void appendUnique(std::vector<int>& values, int value) {
    if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

class TopologyBuilder {
public:
    explicit TopologyBuilder(const std::vector<LayerRecord>& layers) : m_layers(layers) {}

    GraphTopology build() {
        const int layerCount = static_cast<int>(m_layers.size());
        m_topology.layerCount = layerCount;
        m_topology.nodes.resize(size_t(layerCount));
        for (int i = 0; i < layerCount; ++i) {
            m_topology.nodes[size_t(i)].name = QString::fromStdString(m_layers[size_t(i)].name);
        }
        indexTensors();
        computeDepths();
        for (const QString& tensor : m_tensorOrder)
            connectTensor(tensor);
        return std::move(m_topology);
    }

private:
    // Producers first (the first writer wins if a malformed report names two), then readers, and the
    // order in which tensors are met so that the edges come out the same on every run.
    void indexTensors() {
        for (int i = 0; i < int(m_layers.size()); ++i) {
            for (const std::string& output : m_layers[size_t(i)].outputs) {
                const QString name = QString::fromStdString(output);
                if (name.isEmpty() || m_producer.contains(name)) continue;
                m_producer.insert(name, i);
                m_tensorOrder.push_back(name);
            }
        }
        for (int i = 0; i < int(m_layers.size()); ++i) {
            const std::vector<std::string>& inputs = m_layers[size_t(i)].inputs;
            for (size_t slot = 0; slot < inputs.size(); ++slot) {
                const QString name = QString::fromStdString(inputs[slot]);
                if (name.isEmpty()) continue;
                std::vector<int>& readers = m_consumers[name];
                if (slot == 0 && !m_producer.contains(name) && !m_inputNode.contains(name)) {
                    // Records do not say which producer-less tensors are weights; a layer's first
                    // input is its data input for every kind the engine knows, so those are drawn.
                    addNetworkInput(name);
                }
                if (m_producer.value(name, -1) != i) appendUnique(readers, i);
            }
        }
    }

    void addNetworkInput(const QString& tensor) {
        GraphNode node;
        node.kind = GraphNodeKind::NetworkInput;
        node.name = tensor;
        m_inputNode.insert(tensor, int(m_topology.nodes.size()));
        m_topology.nodes.push_back(std::move(node));
        m_tensorOrder.push_back(tensor);
    }

    // Longest path from the inputs, counted in layers: consumers at equal depth share a branch point.
    void computeDepths() {
        m_depth.assign(m_layers.size(), 1);
        for (int i = 0; i < int(m_layers.size()); ++i) {
            for (const std::string& input : m_layers[size_t(i)].inputs) {
                const int producer = m_producer.value(QString::fromStdString(input), -1);
                if (producer < 0 || producer >= i) continue;
                m_depth[size_t(i)] = std::max(m_depth[size_t(i)], m_depth[size_t(producer)] + 1);
            }
        }
    }

    void connectTensor(const QString& tensor) {
        const auto readers = m_consumers.constFind(tensor);
        if (readers == m_consumers.constEnd() || readers->empty()) return;
        const int producer = m_producer.value(tensor, -1);
        const int source = producer >= 0 ? producer : m_inputNode.value(tensor, -1);
        if (source < 0) return;  // a weight or another constant: not drawn

        if (producer >= 0) {
            for (int reader : *readers) {
                appendUnique(m_topology.nodes[size_t(producer)].consumers, reader);
                appendUnique(m_topology.nodes[size_t(reader)].producers, producer);
            }
        }

        std::map<int, std::vector<int>> byDepth;
        for (int reader : *readers)
            byDepth[m_depth[size_t(reader)]].push_back(reader);
        if (int(byDepth.size()) < kTrunkMinimumDepths) {
            for (int reader : *readers)
                addEdge(source, reader, true);
            return;
        }
        // The nearest readers hang straight off the producer; every deeper group branches off a
        // junction further down the trunk, and the deepest group ends it.
        int trunk = source;
        int group = 0;
        const int lastGroup = int(byDepth.size()) - 1;
        for (const auto& [depth, groupReaders] : byDepth) {
            if (group > 0 && group < lastGroup) {
                const int junction = addJunction();
                addEdge(trunk, junction, false);
                trunk = junction;
            }
            for (int reader : groupReaders)
                addEdge(group == 0 ? source : trunk, reader, true);
            ++group;
        }
    }

    int addJunction() {
        GraphNode node;
        node.kind = GraphNodeKind::Junction;
        m_topology.nodes.push_back(std::move(node));
        return int(m_topology.nodes.size()) - 1;
    }

    void addEdge(int tail, int head, bool arrow) {
        if (tail != head) m_topology.edges.push_back({tail, head, arrow});
    }

    const std::vector<LayerRecord>& m_layers;
    GraphTopology m_topology;
    QHash<QString, int> m_producer;
    QHash<QString, int> m_inputNode;
    QHash<QString, std::vector<int>> m_consumers;
    std::vector<QString> m_tensorOrder;
    std::vector<int> m_depth;
};

}  // namespace

GraphTopology buildGraphTopology(const std::vector<LayerRecord>& layers) {
    return TopologyBuilder(layers).build();
}

}  // namespace kiln::views
