// Colors of the layer graph; see graph_palette.h. The fills are light so that the dark label text
// stays readable in every mode.
#include "graph_palette.h"

#include <QHash>
#include <algorithm>

namespace kiln::views {

LayerCategory GraphPalette::category(const QString& kind) {
    static const QHash<QString, LayerCategory> categories = {
        {QStringLiteral("Convolution"), LayerCategory::Convolution},
        {QStringLiteral("Deconvolution"), LayerCategory::Convolution},
        {QStringLiteral("Pooling"), LayerCategory::Pooling},
        {QStringLiteral("Activation"), LayerCategory::Pointwise},
        {QStringLiteral("Unary"), LayerCategory::Pointwise},
        {QStringLiteral("PointwiseChain"), LayerCategory::Pointwise},
        {QStringLiteral("Quantize"), LayerCategory::Pointwise},
        {QStringLiteral("Dequantize"), LayerCategory::Pointwise},
        {QStringLiteral("BatchNorm"), LayerCategory::Normalization},
        {QStringLiteral("InstanceNorm"), LayerCategory::Normalization},
        {QStringLiteral("LayerNorm"), LayerCategory::Normalization},
        {QStringLiteral("LRN"), LayerCategory::Normalization},
        {QStringLiteral("Softmax"), LayerCategory::Normalization},
        {QStringLiteral("Elementwise"), LayerCategory::Elementwise},
        {QStringLiteral("Concat"), LayerCategory::DataMovement},
        {QStringLiteral("Split"), LayerCategory::DataMovement},
        {QStringLiteral("Slice"), LayerCategory::DataMovement},
        {QStringLiteral("Reshape"), LayerCategory::DataMovement},
        {QStringLiteral("Transpose"), LayerCategory::DataMovement},
        {QStringLiteral("Gather"), LayerCategory::DataMovement},
        {QStringLiteral("Pad"), LayerCategory::DataMovement},
        {QStringLiteral("Expand"), LayerCategory::DataMovement},
        {QStringLiteral("Tile"), LayerCategory::DataMovement},
        {QStringLiteral("DepthToSpace"), LayerCategory::DataMovement},
        {QStringLiteral("SpaceToDepth"), LayerCategory::DataMovement},
        {QStringLiteral("Identity"), LayerCategory::DataMovement},
        {QStringLiteral("Cast"), LayerCategory::DataMovement},
        {QStringLiteral("Reformat"), LayerCategory::DataMovement},
        {QStringLiteral("MatMul"), LayerCategory::MatrixMultiply},
        {QStringLiteral("Gemm"), LayerCategory::MatrixMultiply},
        {QStringLiteral("Plugin"), LayerCategory::Plugin},
    };
    return categories.value(kind, LayerCategory::Other);
}

QColor GraphPalette::categoryColor(LayerCategory category) {
    switch (category) {
        case LayerCategory::Convolution:
            return QColor(0x90, 0xca, 0xf9);  // blue
        case LayerCategory::Pooling:
            return QColor(0xce, 0x93, 0xd8);  // purple
        case LayerCategory::Pointwise:
            return QColor(0xff, 0xcc, 0x80);  // orange
        case LayerCategory::Normalization:
            return QColor(0xa5, 0xd6, 0xa7);  // green
        case LayerCategory::Elementwise:
            return QColor(0xff, 0xf5, 0x9d);  // yellow
        case LayerCategory::DataMovement:
            return QColor(0xb0, 0xbe, 0xc5);  // blue grey
        case LayerCategory::MatrixMultiply:
            return QColor(0xef, 0x9a, 0x9a);  // red
        case LayerCategory::Plugin:
            return QColor(0x80, 0xde, 0xea);  // cyan
        case LayerCategory::Other:
            return QColor(0xe6, 0xd3, 0xc3);  // beige
    }
    return QColor(Qt::lightGray);
}

QString GraphPalette::categoryName(LayerCategory category) {
    switch (category) {
        case LayerCategory::Convolution:
            return tr("Convolution");
        case LayerCategory::Pooling:
            return tr("Pooling");
        case LayerCategory::Pointwise:
            return tr("Activation / pointwise");
        case LayerCategory::Normalization:
            return tr("Normalization");
        case LayerCategory::Elementwise:
            return tr("Elementwise");
        case LayerCategory::DataMovement:
            return tr("Concat / shuffle");
        case LayerCategory::MatrixMultiply:
            return tr("MatMul / Gemm");
        case LayerCategory::Plugin:
            return tr("Plugin");
        case LayerCategory::Other:
            return tr("Other");
    }
    return tr("Other");
}

bool GraphPalette::hasOwnPrecisionColor(const QString& precision) {
    return precision == QLatin1String("FP32") || precision == QLatin1String("FP16") ||
           precision == QLatin1String("INT8");
}

QColor GraphPalette::precisionColor(const QString& precision) {
    // Apart from the layer-type colors, so that switching modes visibly changes every node.
    if (precision == QLatin1String("FP32")) return QColor(0x9f, 0xa8, 0xda);  // indigo
    if (precision == QLatin1String("FP16")) return QColor(0x80, 0xcb, 0xc4);  // teal
    if (precision == QLatin1String("INT8")) return QColor(0xff, 0xab, 0x91);  // deep orange
    return QColor(0xe0, 0xe0, 0xe0);
}

QString GraphPalette::precisionName(const QString& precision) {
    return hasOwnPrecisionColor(precision) ? precision : tr("Other");
}

QColor GraphPalette::latencyColor(double fraction) {
    const double t = std::clamp(fraction, 0.0, 1.0);
    const QColor cold(0xff, 0xff, 0xff);
    const QColor hot(0xd3, 0x2f, 0x2f);
    return QColor::fromRgbF(float(cold.redF() + t * (hot.redF() - cold.redF())),
                            float(cold.greenF() + t * (hot.greenF() - cold.greenF())),
                            float(cold.blueF() + t * (hot.blueF() - cold.blueF())));
}

QColor GraphPalette::errorColor(double fraction) {
    // Green, yellow, red: the traffic-light reading people expect of "good" to "bad", light enough for
    // the dark label text.
    const double t = std::clamp(fraction, 0.0, 1.0);
    const QColor stops[] = {QColor(0xa5, 0xd6, 0xa7), QColor(0xff, 0xf1, 0x76), QColor(0xef, 0x9a, 0x9a)};
    const double scaled = t * 2.0;
    const int segment = std::min(int(scaled), 1);
    const double u = scaled - segment;
    const QColor& from = stops[segment];
    const QColor& to = stops[segment + 1];
    return QColor::fromRgbF(float(from.redF() + u * (to.redF() - from.redF())),
                            float(from.greenF() + u * (to.greenF() - from.greenF())),
                            float(from.blueF() + u * (to.blueF() - from.blueF())));
}

QColor GraphPalette::overflowColor() {
    return QColor(0xc6, 0x28, 0x28);
}

QColor GraphPalette::unmeasuredColor() {
    return QColor(0xe0, 0xe0, 0xe0);
}

QColor GraphPalette::elidedColor() {
    return QColor(0xf2, 0xf2, 0xf2);
}

QString GraphPalette::elidedName() {
    return tr("Elided (executes nothing)");
}

QColor GraphPalette::textColorOn(const QColor& fill) {
    // Relative luminance with the sRGB weights; below the midpoint dark text loses contrast.
    const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
    return luminance < 0.45 ? QColor(Qt::white) : QColor(0x21, 0x21, 0x21);
}

}  // namespace kiln::views
