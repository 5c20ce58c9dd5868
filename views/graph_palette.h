// The colors of the layer graph: one palette per color mode (layer type, precision, measured latency,
// error against FP32)
// and the words the legend uses for each color. Kept apart from the items so that the legend and the
// nodes cannot disagree about what a color means.
#pragma once

#include <QColor>
#include <QCoreApplication>
#include <QString>

namespace kiln::views {

// Layer kinds grouped the way people read a network: what computes, what only moves data.
enum class LayerCategory {
    Convolution,
    Pooling,
    Pointwise,
    Normalization,
    Elementwise,
    DataMovement,
    MatrixMultiply,
    Plugin,  // custom layers from plugin libraries
    Other,
};

inline constexpr int kLayerCategoryCount = 9;

class GraphPalette {
    Q_DECLARE_TR_FUNCTIONS(kiln::views::GraphPalette)

public:
    // `kind` is LayerRecord::kind ("Convolution", "PointwiseChain", ...); unknown kinds are Other.
    static LayerCategory category(const QString& kind);
    static QColor categoryColor(LayerCategory category);
    static QString categoryName(LayerCategory category);

    // `precision` is LayerRecord::precision ("FP32", "FP16", "INT8", ...).
    static QColor precisionColor(const QString& precision);
    // The legend's word for a precision: the name itself, or "Other" for what has no own color.
    static QString precisionName(const QString& precision);
    static bool hasOwnPrecisionColor(const QString& precision);

    // `fraction` of the slowest layer's time, 0 (white) to 1 (red); clamped.
    static QColor latencyColor(double fraction);
    static QColor unmeasuredColor();

    // A layer's error against FP32 as a `fraction` of the shown range (on a log scale), 0 (green, the
    // smallest) through yellow to 1 (red, the largest); clamped.
    static QColor errorColor(double fraction);
    // A layer whose output holds NaN or infinity where FP32's does not.
    static QColor overflowColor();

    // Layers that execute nothing (their outputs alias their inputs).
    static QColor elidedColor();
    static QString elidedName();

    // Dark or light text, whichever reads better on `fill`.
    static QColor textColorOn(const QColor& fill);
};

}  // namespace kiln::views
