// The items the graph view's scene is made of: a layer (rounded box with name, type and output
// shape), a network input (ellipse), a branch point of a tensor trunk (dot) and an edge (Graphviz's
// Bézier route with an arrowhead). Painting is kept cheap for models of several hundred layers: text
// is laid out once when the item is made, and zoomed far out a layer is only a colored box.
#pragma once

#include <QFont>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QPolygonF>

namespace kiln::views {

// Fonts and measures shared by every item of one view, fixed before the layout starts (the layout
// needs the node sizes they give).
struct GraphItemStyle {
    QFont nameFont;
    QFont detailFont;
    double nameLineHeight = 0;
    double detailLineHeight = 0;
    double padding = 8;
    double minimumWidth = 110;
    double maximumWidth = 300;
};

class GraphNodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 701 };

    // `lines`: name, type, output shape, each already elided to fit `size`.
    GraphNodeItem(int layerIndex, const QString& name, const QStringList& lines, const QSizeF& size,
                  bool elided, const GraphItemStyle* style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    int layerIndex() const { return m_layerIndex; }
    const QString& name() const { return m_name; }
    bool isElided() const { return m_elided; }
    const QColor& fillColor() const { return m_fill; }
    void setFillColor(const QColor& color);
    void setLines(const QStringList& lines);

private:
    int m_layerIndex;
    QString m_name;
    QStringList m_lines;
    QRectF m_rect;
    bool m_elided;
    QColor m_fill = Qt::white;
    const GraphItemStyle* m_style;
};

class GraphInputItem : public QGraphicsItem {
public:
    enum { Type = UserType + 702 };
    GraphInputItem(const QString& tensorName, const QString& label, const QSizeF& size,
                   const GraphItemStyle* style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
    const QString& tensorName() const { return m_tensorName; }

private:
    QString m_tensorName;
    QString m_label;
    QRectF m_rect;
    const GraphItemStyle* m_style;
};

class GraphJunctionItem : public QGraphicsItem {
public:
    enum { Type = UserType + 703 };
    GraphJunctionItem();
    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
};

class GraphEdgeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 704 };
    // `points`: a start point then three points per cubic piece. `arrowTip` null: no arrowhead.
    GraphEdgeItem(const std::vector<QPointF>& points, const QPointF* arrowTip);

    int type() const override { return Type; }
    QRectF boundingRect() const override { return m_bounds; }
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QPainterPath m_path;
    QPolygonF m_arrow;
    QRectF m_bounds;
};

}  // namespace kiln::views
