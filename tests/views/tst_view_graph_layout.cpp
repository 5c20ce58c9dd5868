// Tests for the graph view's pure parts: the nodes and edges built from layer records (network
// inputs, weights left out, tensors read at many depths drawn as one trunk with branch points) and
// the Graphviz dot layout itself (positions top to bottom, routed edges with arrowheads, the cancel
// flag, a DenseNet-like block laid out in bounded time).
#include <QElapsedTimer>
#include <QTest>
#include <algorithm>
#include <atomic>

#include "graph_layout.h"
#include "graph_topology.h"
#include "kiln/build_report.h"

using kiln::LayerRecord;
using kiln::views::GraphEdge;
using kiln::views::GraphLayoutRequest;
using kiln::views::GraphNodeKind;
using kiln::views::GraphTopology;

namespace {

LayerRecord record(const std::string& name, const std::string& kind, std::vector<std::string> inputs,
                   std::vector<std::string> outputs) {
    LayerRecord layer;
    layer.name = name;
    layer.kind = kind;
    layer.inputs = std::move(inputs);
    layer.outputs = std::move(outputs);
    for (size_t i = 0; i < layer.outputs.size(); ++i)
        layer.outputDims.push_back("1x4");
    layer.precision = "FP32";
    return layer;
}

bool hasEdge(const GraphTopology& topology, int tail, int head) {
    return std::any_of(topology.edges.begin(), topology.edges.end(),
                       [&](const GraphEdge& edge) { return edge.tail == tail && edge.head == head; });
}

int countKind(const GraphTopology& topology, GraphNodeKind kind) {
    return int(std::count_if(topology.nodes.begin(), topology.nodes.end(),
                             [kind](const kiln::views::GraphNode& node) { return node.kind == kind; }));
}

// A DenseNet block of `layers` dense layers: every layer's output is read by the concatenation of
// every later layer. Dense layer i is concat_i, then `extraSteps` activations, then conv_i, which
// writes f<i+1>; "x" is f0. Without extra steps layer i is concat (record 2i) -> conv (2i + 1).
std::vector<LayerRecord> denseBlock(int layers, int extraSteps = 0) {
    std::vector<LayerRecord> records;
    for (int i = 0; i < layers; ++i) {
        std::vector<std::string> features;
        for (int f = 0; f <= i; ++f)
            features.push_back(f == 0 ? "x" : "f" + std::to_string(f));
        const std::string index = std::to_string(i);
        std::string tensor = "cat" + index;
        records.push_back(record("concat" + index, "Concat", features, {tensor}));
        for (int step = 0; step < extraSteps; ++step) {
            const std::string name = "act" + index + "_" + std::to_string(step);
            records.push_back(record(name, "Activation", {tensor}, {name + "_out"}));
            tensor = name + "_out";
        }
        records.push_back(
            record("conv" + index, "Convolution", {tensor, "w" + index}, {"f" + std::to_string(i + 1)}));
    }
    return records;
}

GraphLayoutRequest requestFor(const GraphTopology& topology) {
    GraphLayoutRequest request;
    for (const kiln::views::GraphNode& node : topology.nodes) {
        GraphLayoutRequest::Node spec;
        spec.width = node.kind == GraphNodeKind::Junction ? 5 : 120;
        spec.height = node.kind == GraphNodeKind::Junction ? 5 : 50;
        spec.shape = node.kind == GraphNodeKind::Junction ? GraphLayoutRequest::Shape::Point
                                                          : GraphLayoutRequest::Shape::Box;
        request.nodes.push_back(spec);
    }
    for (const GraphEdge& edge : topology.edges)
        request.edges.push_back({edge.tail, edge.head, edge.arrow});
    return request;
}

}  // namespace

class TestGraphLayout : public QObject {
    Q_OBJECT

private slots:
    void chainHasOneEdgePerTensorAndAnInputNode() {
        const std::vector<LayerRecord> layers = {
            record("conv", "Convolution", {"data", "weights", ""}, {"a"}),
            record("relu", "Activation", {"a"}, {"b"}),
        };
        const GraphTopology topology = kiln::views::buildGraphTopology(layers);
        QCOMPARE(topology.layerCount, 2);
        // Layers keep their record index; "data" (read as a data input) gets a node, "weights" not.
        QCOMPARE(int(topology.nodes.size()), 3);
        QCOMPARE(topology.nodes[0].name, QStringLiteral("conv"));
        QCOMPARE(topology.nodes[1].name, QStringLiteral("relu"));
        QCOMPARE(topology.nodes[2].kind, GraphNodeKind::NetworkInput);
        QCOMPARE(topology.nodes[2].name, QStringLiteral("data"));
        QCOMPARE(int(topology.edges.size()), 2);
        QVERIFY(hasEdge(topology, 2, 0));
        QVERIFY(hasEdge(topology, 0, 1));
        QCOMPARE(topology.nodes[1].producers, std::vector<int>{0});
        QCOMPARE(topology.nodes[0].consumers, std::vector<int>{1});
        QVERIFY(topology.nodes[0].producers.empty());
    }

    void branchesAtOneDepthAreDirectEdges() {
        // Inception-style: one tensor read by four layers that all sit one step below it.
        std::vector<LayerRecord> layers = {record("stem", "Activation", {"x"}, {"s"})};
        for (int i = 0; i < 4; ++i)
            layers.push_back(
                record("b" + std::to_string(i), "Convolution", {"s", "w"}, {"o" + std::to_string(i)}));
        layers.push_back(record("cat", "Concat", {"o0", "o1", "o2", "o3"}, {"y"}));
        const GraphTopology topology = kiln::views::buildGraphTopology(layers);
        QCOMPARE(countKind(topology, GraphNodeKind::Junction), 0);
        for (int i = 1; i <= 4; ++i)
            QVERIFY(hasEdge(topology, 0, i));
        QCOMPARE(topology.nodes[0].consumers, (std::vector<int>{1, 2, 3, 4}));
        QCOMPARE(topology.nodes[5].producers, (std::vector<int>{1, 2, 3, 4}));
    }

    void tensorReadAtManyDepthsBecomesATrunk() {
        // x is read by concat0..concat3, at depths 1, 3, 5 and 7: one direct edge to the nearest,
        // then a trunk with a branch point for each deeper depth but the last.
        const std::vector<LayerRecord> layers = denseBlock(4);
        const GraphTopology topology = kiln::views::buildGraphTopology(layers);
        QCOMPARE(topology.layerCount, 8);
        const int input = 8;
        QCOMPARE(topology.nodes[size_t(input)].kind, GraphNodeKind::NetworkInput);
        QVERIFY(hasEdge(topology, input, 0));
        QVERIFY(!hasEdge(topology, input, 2));
        QVERIFY(!hasEdge(topology, input, 4));
        QVERIFY(!hasEdge(topology, input, 6));
        // Readers of x: 4 depths -> 2 junctions; f1: 3 depths -> 1; f2: 2 depths -> none; f3: 1 -> none.
        QCOMPARE(countKind(topology, GraphNodeKind::Junction), 3);
        for (size_t i = 0; i < topology.nodes.size(); ++i) {
            if (topology.nodes[i].kind != GraphNodeKind::Junction) continue;
            // A branch point has one way in, no arrowhead on it, and at least two ways out.
            const auto in = std::count_if(topology.edges.begin(), topology.edges.end(),
                                          [i](const GraphEdge& edge) { return edge.head == int(i); });
            const auto out = std::count_if(topology.edges.begin(), topology.edges.end(),
                                           [i](const GraphEdge& edge) { return edge.tail == int(i); });
            QCOMPARE(in, 1);
            QVERIFY(out >= 2);
            for (const GraphEdge& edge : topology.edges) {
                if (edge.head == int(i)) QVERIFY(!edge.arrow);
            }
        }
        // Navigation ignores the trunk: conv0's output is read by concat1, concat2 and concat3.
        QCOMPARE(topology.nodes[1].consumers, (std::vector<int>{2, 4, 6}));
        QCOMPARE(topology.nodes[6].producers, (std::vector<int>{1, 3, 5}));
    }

    void malformedRecordsDoNotBreakIt() {
        // Out of order, a tensor nobody writes read in a weight slot, a layer reading its own output.
        const std::vector<LayerRecord> layers = {
            record("late", "Activation", {"early_out"}, {"late_out"}),
            record("early", "Activation", {"x"}, {"early_out"}),
            record("loop", "Activation", {"loop_out"}, {"loop_out"}),
            record("weird", "Elementwise", {"late_out", "ghost"}, {}),
        };
        const GraphTopology topology = kiln::views::buildGraphTopology(layers);
        QCOMPARE(topology.layerCount, 4);
        QVERIFY(hasEdge(topology, 1, 0));
        QVERIFY(hasEdge(topology, 0, 3));
        for (const GraphEdge& edge : topology.edges)
            QVERIFY(edge.tail != edge.head);
        QVERIFY(kiln::views::buildGraphTopology({}).nodes.empty());
    }

    void dotPlacesNodesTopToBottomAndRoutesEdges() {
        const GraphTopology topology = kiln::views::buildGraphTopology({
            record("a", "Activation", {"x"}, {"a_out"}),
            record("b", "Activation", {"a_out"}, {"b_out"}),
            record("c", "Activation", {"b_out"}, {"c_out"}),
        });
        const GraphLayoutRequest request = requestFor(topology);
        const kiln::views::GraphLayoutResult result = kiln::views::layoutGraph(request);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.nodeCenters.size(), request.nodes.size());
        // Boxes of height 50 on consecutive ranks: centres at least one box apart, downwards.
        QVERIFY(result.nodeCenters[1].y() - result.nodeCenters[0].y() >= 50);
        QVERIFY(result.nodeCenters[2].y() - result.nodeCenters[1].y() >= 50);
        QVERIFY(result.bounds.contains(result.nodeCenters[0]) &&
                result.bounds.contains(result.nodeCenters[2]));
        QCOMPARE(result.edgePoints.size(), request.edges.size());
        for (size_t e = 0; e < request.edges.size(); ++e) {
            const std::vector<QPointF>& points = result.edgePoints[e];
            QVERIFY(points.size() >= 4);
            QCOMPARE((points.size() - 1) % 3, size_t(0));
            QVERIFY(result.hasArrow[e]);
            // The arrow ends at the top of the head's box (y grows downwards).
            const QPointF head = result.nodeCenters[size_t(request.edges[e].head)];
            QVERIFY(std::abs(result.arrowTips[e].y() - (head.y() - 25)) < 2);
            QVERIFY(points.front().y() < result.arrowTips[e].y());
        }
        QVERIFY(result.milliseconds >= 0);
    }

    void edgesIntoBranchPointsHaveNoArrow() {
        const GraphTopology topology = kiln::views::buildGraphTopology(denseBlock(4));
        const GraphLayoutRequest request = requestFor(topology);
        const kiln::views::GraphLayoutResult result = kiln::views::layoutGraph(request);
        QVERIFY2(result.ok, qPrintable(result.error));
        for (size_t e = 0; e < request.edges.size(); ++e)
            QCOMPARE(bool(result.hasArrow[e]), request.edges[e].arrow);
    }

    void cancelledBeforeItStartsDoesNothing() {
        const GraphLayoutRequest request = requestFor(kiln::views::buildGraphTopology(denseBlock(3)));
        const std::atomic_bool cancelled{true};
        const kiln::views::GraphLayoutResult result = kiln::views::layoutGraph(request, &cancelled);
        QVERIFY(result.cancelled);
        QVERIFY(!result.ok);
        QVERIFY(result.nodeCenters.empty());
    }

    void edgesToMissingNodesAreSkipped() {
        GraphLayoutRequest request;
        request.nodes = {{100, 40, GraphLayoutRequest::Shape::Box},
                         {100, 40, GraphLayoutRequest::Shape::Ellipse}};
        request.edges = {{1, 0, true}, {0, 7, true}, {-1, 0, true}};
        const kiln::views::GraphLayoutResult result = kiln::views::layoutGraph(request);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.edgePoints.size(), size_t(3));
        QVERIFY(!result.edgePoints[0].empty());
        QVERIFY(result.edgePoints[1].empty());
        QVERIFY(result.edgePoints[2].empty());
    }

    void denseBlockOf24LayersStaysFast() {
        // DenseNet-121's largest block, seven layers per dense layer as in the model. dot gives every
        // edge one virtual node per rank it crosses, and its time grows with their number: with one
        // edge per reader the edges of this block run about 96 times the graph's height (about 6 s,
        // the whole model minutes); with trunks about 12 times (a fraction of a second).
        const std::vector<LayerRecord> layers = denseBlock(24, 5);
        const GraphTopology topology = kiln::views::buildGraphTopology(layers);
        QElapsedTimer clock;
        clock.start();
        const kiln::views::GraphLayoutResult result = kiln::views::layoutGraph(requestFor(topology));
        const qint64 elapsed = clock.elapsed();
        QVERIFY2(result.ok, qPrintable(result.error));
        double edgeLength = 0;
        for (const std::vector<QPointF>& points : result.edgePoints) {
            if (!points.empty()) edgeLength += points.back().y() - points.front().y();
        }
        const double heights = edgeLength / result.bounds.height();
        QVERIFY2(heights < 30,
                 qPrintable(QStringLiteral("edges %1 graph heights long, %2 ms").arg(heights).arg(elapsed)));
        // Generous: only a machine far busier than a loaded CI runner takes this long with trunks.
        QVERIFY2(elapsed < 30000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
        // The last concatenation reads all 24 feature maps and comes after every convolution.
        const size_t lastConcat = layers.size() - 7;
        QCOMPARE(layers[lastConcat].name, std::string("concat23"));
        for (size_t i = 0; i < lastConcat; ++i) {
            if (layers[i].kind == "Convolution")
                QVERIFY(result.nodeCenters[i].y() < result.nodeCenters[lastConcat].y());
        }
    }
};

QTEST_GUILESS_MAIN(TestGraphLayout)
#include "tst_view_graph_layout.moc"
