// Painting and sizing of the graph legend; see graph_legend.h.
#include "graph_legend.h"

#include <QLinearGradient>
#include <QPainter>
#include <algorithm>

namespace kiln::views {

namespace {

constexpr int kMargin = 8;
constexpr int kSwatch = 12;
constexpr int kSpacing = 6;
constexpr int kGradientWidth = 140;
constexpr int kGradientHeight = 10;

}  // namespace

GraphLegend::GraphLegend(QWidget* parent) : QFrame(parent) {
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setFocusPolicy(Qt::NoFocus);
}

void GraphLegend::setTitle(const QString& title) {
    m_title = title;
    updateGeometry();
    update();
}

void GraphLegend::setEntries(const QList<Entry>& entries) {
    m_entries = entries;
    updateGeometry();
    update();
}

void GraphLegend::setGradient(const QColor& low, const QColor& high, const QString& lowLabel,
                              const QString& highLabel) {
    m_hasGradient = true;
    m_low = low;
    m_high = high;
    m_lowLabel = lowLabel;
    m_highLabel = highLabel;
    updateGeometry();
    update();
}

void GraphLegend::clearGradient() {
    m_hasGradient = false;
    updateGeometry();
    update();
}

QStringList GraphLegend::labels() const {
    QStringList result;
    if (m_hasGradient) result << m_lowLabel << m_highLabel;
    for (const Entry& entry : m_entries)
        result << entry.label;
    return result;
}

QSize GraphLegend::sizeHint() const {
    const QFontMetrics metrics(font());
    QFont titleFont = font();
    titleFont.setBold(true);
    const QFontMetrics titleMetrics(titleFont);
    const int line = std::max(metrics.height(), kSwatch);
    int width = titleMetrics.horizontalAdvance(m_title);
    int height = titleMetrics.height();
    if (m_hasGradient) {
        width = std::max(
            {width, kGradientWidth,
             metrics.horizontalAdvance(m_lowLabel) + kSpacing + metrics.horizontalAdvance(m_highLabel)});
        height += kSpacing + kGradientHeight + metrics.height();
    }
    for (const Entry& entry : m_entries) {
        width = std::max(width, kSwatch + kSpacing + metrics.horizontalAdvance(entry.label));
        height += kSpacing / 2 + line;
    }
    return QSize(width + 2 * kMargin, height + 2 * kMargin);
}

void GraphLegend::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paint(painter, rect());
}

void GraphLegend::paint(QPainter& painter, const QRect& area) const {
    painter.save();
    painter.translate(area.topLeft());
    const int width = area.width();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QColor(0xbd, 0xbd, 0xbd));
    painter.setBrush(QColor(255, 255, 255, 235));
    painter.drawRoundedRect(QRectF(0, 0, area.width(), area.height()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);

    const QFontMetrics metrics(font());
    QFont titleFont = font();
    titleFont.setBold(true);
    const QFontMetrics titleMetrics(titleFont);
    const int line = std::max(metrics.height(), kSwatch);
    const int right = width - kMargin;
    int y = kMargin;
    painter.setPen(QColor(0x21, 0x21, 0x21));
    painter.setFont(titleFont);
    painter.drawText(QRect(kMargin, y, right - kMargin, titleMetrics.height()),
                     Qt::AlignLeft | Qt::AlignVCenter, m_title);
    y += titleMetrics.height();
    painter.setFont(font());

    if (m_hasGradient) {
        y += kSpacing;
        const QRect bar(kMargin, y, right - kMargin, kGradientHeight);
        QLinearGradient gradient(bar.topLeft(), bar.topRight());
        gradient.setColorAt(0, m_low);
        gradient.setColorAt(1, m_high);
        painter.setPen(QColor(0x9e, 0x9e, 0x9e));
        painter.setBrush(gradient);
        painter.drawRect(bar);
        y += kGradientHeight;
        painter.setPen(QColor(0x21, 0x21, 0x21));
        const QRect labels(kMargin, y, right - kMargin, metrics.height());
        painter.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, m_lowLabel);
        painter.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, m_highLabel);
        y += metrics.height();
    }
    for (const Entry& entry : m_entries) {
        y += kSpacing / 2;
        QPen border(entry.color.darker(160));
        if (entry.dashed) border = QPen(QColor(0x9e, 0x9e, 0x9e), 1, Qt::DashLine);
        painter.setPen(border);
        painter.setBrush(entry.color);
        painter.drawRect(QRectF(kMargin + 0.5, y + (line - kSwatch) / 2 + 0.5, kSwatch - 1, kSwatch - 1));
        painter.setPen(QColor(0x21, 0x21, 0x21));
        painter.drawText(QRect(kMargin + kSwatch + kSpacing, y, right - kMargin - kSwatch - kSpacing, line),
                         Qt::AlignLeft | Qt::AlignVCenter, entry.label);
        y += line;
    }
    painter.restore();
}

}  // namespace kiln::views
