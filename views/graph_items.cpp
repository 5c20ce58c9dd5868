// Painting of the graph view's items; see graph_items.h.
#include "graph_items.h"

#include <QLineF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <cmath>

#include "graph_palette.h"

namespace kiln::views {

namespace {

// Below these scales text is too small to read, and rounded corners too small to see.
constexpr double kTextLevelOfDetail = 0.4;
constexpr double kRoundLevelOfDetail = 0.25;
constexpr double kCornerRadius = 6;
// The selection border stays this many device pixels wide at every zoom.
constexpr double kSelectionWidth = 3;
constexpr double kSelectionMargin = 4;

const QColor kSelectionColor(0x15, 0x65, 0xc0);
const QColor kEdgeColor(0x78, 0x90, 0x9c);

double levelOfDetail(const QStyleOptionGraphicsItem* option, const QPainter* painter) {
    return option->levelOfDetailFromTransform(painter->worldTransform());
}

}  // namespace

GraphNodeItem::GraphNodeItem(int layerIndex, const QString& name, const QStringList& lines,
                             const QSizeF& size, bool elided, const GraphItemStyle* style)
    : m_layerIndex(layerIndex),
      m_name(name),
      m_lines(lines),
      m_rect(-size.width() / 2, -size.height() / 2, size.width(), size.height()),
      m_elided(elided),
      m_style(style) {
    setFlag(ItemIsSelectable);
    setCacheMode(DeviceCoordinateCache);
    setZValue(1);
}

QRectF GraphNodeItem::boundingRect() const {
    // The selection border is cosmetic: at 100 % and above it stays inside this margin, and zoomed
    // out the margin covers more device pixels than the border needs.
    return m_rect.adjusted(-kSelectionMargin, -kSelectionMargin, kSelectionMargin, kSelectionMargin);
}

QPainterPath GraphNodeItem::shape() const {
    QPainterPath path;
    path.addRect(m_rect);
    return path;
}

void GraphNodeItem::setFillColor(const QColor& color) {
    if (color == m_fill) return;
    m_fill = color;
    update();
}

void GraphNodeItem::setLines(const QStringList& lines) {
    if (lines == m_lines) return;
    m_lines = lines;
    update();
}

void GraphNodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const double lod = levelOfDetail(option, painter);
    const QColor fill = m_elided ? GraphPalette::elidedColor() : m_fill;
    QPen border(m_elided ? QColor(0x9e, 0x9e, 0x9e) : fill.darker(160), 1);
    if (m_elided) border.setStyle(Qt::DashLine);
    if (isSelected()) {
        border = QPen(kSelectionColor, kSelectionWidth);
        border.setCosmetic(true);
    }
    painter->setPen(border);
    painter->setBrush(fill);
    if (lod < kRoundLevelOfDetail) {
        // So far out the text is gone; a selected layer must still stand out among hundreds.
        if (isSelected()) painter->setBrush(kSelectionColor);
        painter->drawRect(m_rect);
        return;
    }
    painter->drawRoundedRect(m_rect, kCornerRadius, kCornerRadius);
    if (lod < kTextLevelOfDetail || !m_style) return;

    painter->setPen(m_elided ? QColor(0x75, 0x75, 0x75) : GraphPalette::textColorOn(fill));
    const double left = m_rect.left() + m_style->padding;
    const double width = m_rect.width() - 2 * m_style->padding;
    double top = m_rect.top() + m_style->padding;
    for (int i = 0; i < m_lines.size(); ++i) {
        const bool isName = i == 0;
        const double lineHeight = isName ? m_style->nameLineHeight : m_style->detailLineHeight;
        painter->setFont(isName ? m_style->nameFont : m_style->detailFont);
        painter->drawText(QRectF(left, top, width, lineHeight), Qt::AlignCenter, m_lines[i]);
        top += lineHeight;
    }
}

GraphInputItem::GraphInputItem(const QString& tensorName, const QString& label, const QSizeF& size,
                               const GraphItemStyle* style)
    : m_tensorName(tensorName),
      m_label(label),
      m_rect(-size.width() / 2, -size.height() / 2, size.width(), size.height()),
      m_style(style) {
    setCacheMode(DeviceCoordinateCache);
    setZValue(1);
}

QRectF GraphInputItem::boundingRect() const {
    return m_rect.adjusted(-1, -1, 1, 1);
}

void GraphInputItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    painter->setPen(QPen(QColor(0x60, 0x7d, 0x8b), 1));
    painter->setBrush(QColor(0xfa, 0xfa, 0xfa));
    painter->drawEllipse(m_rect);
    if (levelOfDetail(option, painter) < kTextLevelOfDetail || !m_style) return;
    painter->setPen(QColor(0x21, 0x21, 0x21));
    painter->setFont(m_style->detailFont);
    painter->drawText(m_rect, Qt::AlignCenter, m_label);
}

GraphJunctionItem::GraphJunctionItem() {
    setZValue(1);
}

QRectF GraphJunctionItem::boundingRect() const {
    return QRectF(-3, -3, 6, 6);
}

void GraphJunctionItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setPen(Qt::NoPen);
    painter->setBrush(kEdgeColor);
    painter->drawEllipse(QRectF(-2.5, -2.5, 5, 5));
}

GraphEdgeItem::GraphEdgeItem(const std::vector<QPointF>& points, const QPointF* arrowTip) {
    setAcceptedMouseButtons(Qt::NoButton);
    if (!points.empty()) {
        m_path.moveTo(points.front());
        for (size_t i = 1; i + 2 < points.size(); i += 3)
            m_path.cubicTo(points[i], points[i + 1], points[i + 2]);
    }
    if (arrowTip && !points.empty()) {
        // Graphviz ends the curve at the arrowhead's base and gives the tip separately.
        const QLineF axis(points.back(), *arrowTip);
        if (axis.length() > 0) {
            const QPointF normal = QPointF(-axis.dy(), axis.dx()) / axis.length() * (axis.length() * 0.35);
            m_arrow << *arrowTip << points.back() + normal << points.back() - normal;
        }
    }
    m_bounds = m_path.controlPointRect().united(m_arrow.boundingRect()).adjusted(-2, -2, 2, 2);
}

QPainterPath GraphEdgeItem::shape() const {
    // Edges are not picked by clicks: an edge's box would cover the nodes and the empty space around
    // it, and the view pans when the press reaches no item.
    return QPainterPath();
}

void GraphEdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    QPen pen(kEdgeColor, 1.3);
    pen.setCosmetic(true);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    if (m_arrow.isEmpty() || levelOfDetail(option, painter) < kRoundLevelOfDetail) return;
    painter->setBrush(kEdgeColor);
    painter->drawPolygon(m_arrow);
}

}  // namespace kiln::views
