// The node-and-edge structure the graph view lays out, derived from layer records: one node per layer
// (same index as its record), one small node per network input, edges from producer to consumer
// through tensors. A tensor read at many different depths (DenseNet's concatenations read every
// earlier feature map of a block) is drawn as one trunk with a branch point per depth instead of one
// edge per consumer: dot gives every edge one virtual node per rank it crosses, so separate edges
// cost quadratically many and make DenseNet-121 take minutes to lay out, where the trunk costs as
// much as its longest branch. Pure data, no widgets: safe to build on any thread.
#pragma once

#include <QString>
#include <vector>

#include "kiln/build_report.h"

namespace kiln::views {

enum class GraphNodeKind {
    Layer,         // a layer record
    NetworkInput,  // a tensor no layer produces that a layer reads as its data input
    Junction,      // a branch point of a tensor trunk
};

struct GraphNode {
    GraphNodeKind kind = GraphNodeKind::Layer;
    QString name;  // layer name, input tensor name; empty for junctions
    // For layers: the layer nodes that produce what this layer reads, and those that read what it
    // writes, without junctions in between (keyboard navigation walks these).
    std::vector<int> producers;
    std::vector<int> consumers;
};

struct GraphEdge {
    int tail = 0;
    int head = 0;
    bool arrow = true;  // false on the way into a junction: the arrow belongs at the consumer
};

struct GraphTopology {
    // Nodes [0, layerCount) are the layers in record order; inputs and junctions follow.
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
    int layerCount = 0;
};

// A tensor whose consumers sit at this many different depths or more is drawn as a trunk.
inline constexpr int kTrunkMinimumDepths = 3;

// Records in execution order (as describeLayers and the builder give them). Records out of order or
// naming tensors nobody writes are drawn as far as they make sense; nothing here fails.
GraphTopology buildGraphTopology(const std::vector<LayerRecord>& layers);

}  // namespace kiln::views
