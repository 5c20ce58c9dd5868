// The distribution of one activation's magnitudes over the calibration data: a histogram of |x| on a
// logarithmic count axis (the tails that decide a threshold are orders of magnitude rarer than the bulk),
// the clipping threshold as a vertical line labelled with its value, and the values beyond it — the ones
// INT8 saturates — in another color.
#pragma once

#include <QString>
#include <QWidget>

#include "kiln/calibration.h"

class QCPBars;
class QCPItemStraightLine;
class QCPItemText;
class QCPTextElement;
class QCustomPlot;

namespace kiln::views {

class ActivationHistogramView : public QWidget {
    Q_OBJECT

public:
    explicit ActivationHistogramView(QWidget* parent = nullptr);

    // Shows the histogram of `tensor` with the clipping `threshold` that `algorithm` chose (no line when
    // the threshold is not positive).
    void setHistogram(const QString& tensor, const ActivationHistogram& histogram, double threshold,
                      const QString& algorithm);
    // No histogram to show: says why in the middle of the plot.
    void showMessage(const QString& text);
    void clear();

    bool hasHistogram() const { return m_hasHistogram; }
    const QString& tensor() const { return m_tensor; }
    // Where the threshold line stands on the |x| axis; NaN when none is drawn.
    double thresholdLineX() const;
    const QString& message() const { return m_messageText; }
    bool isCountAxisLogarithmic() const;
    // The bars drawn: the calibration's bins merged so that each stays a few pixels wide.
    int displayedBinCount() const { return m_displayedBins; }
    QCustomPlot* plot() const { return m_plot; }

private:
    QCustomPlot* m_plot = nullptr;
    QCPTextElement* m_title = nullptr;
    QCPBars* m_kept = nullptr;
    QCPBars* m_clipped = nullptr;
    QCPItemStraightLine* m_line = nullptr;
    QCPItemText* m_lineLabel = nullptr;
    QCPItemText* m_message = nullptr;
    QString m_tensor;
    QString m_messageText;
    bool m_hasHistogram = false;
    int m_displayedBins = 0;
};

}  // namespace kiln::views
