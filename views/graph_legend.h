// The small panel that says what the node colors of a graph view mean: a swatch per category or
// precision, or a gradient for measured latency. The graph view fills it whenever the color mode or
// the data changes, from the same palette the nodes are painted with, and keeps it beside its canvas,
// never over a node; an exported picture gets it painted beside the graph the same way.
#pragma once

#include <QColor>
#include <QFrame>
#include <QList>
#include <QStringList>

class QPainter;

namespace kiln::views {

class GraphLegend : public QFrame {
    Q_OBJECT

public:
    struct Entry {
        QColor color;
        QString label;
        bool dashed = false;  // drawn with a dashed border, as elided layers are
    };

    explicit GraphLegend(QWidget* parent = nullptr);

    void setTitle(const QString& title);
    QString title() const { return m_title; }
    void setEntries(const QList<Entry>& entries);
    // A color ramp from `low` to `high`, with a word under each end, shown above the entries.
    void setGradient(const QColor& low, const QColor& high, const QString& lowLabel,
                     const QString& highLabel);
    void clearGradient();

    // Every text the legend shows below its title, in order: gradient ends first, then entries.
    QStringList labels() const;
    const QList<Entry>& entries() const { return m_entries; }

    QSize sizeHint() const override;
    // Its full width, but no height of its own: a short view clips the last entries rather than refusing to
    // shrink.
    QSize minimumSizeHint() const override { return QSize(sizeHint().width(), 0); }

    // Paints the legend, frame and all, into `rect` (of sizeHint()'s size) of any paint device.
    void paint(QPainter& painter, const QRect& rect) const;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_title;
    QList<Entry> m_entries;
    bool m_hasGradient = false;
    QColor m_low;
    QColor m_high;
    QString m_lowLabel;
    QString m_highLabel;
};

}  // namespace kiln::views
