// LintView: one row per hint with its severity, message and layer count, a summary of how many are
// warnings, what to do for the hint picked, and picking a hint reports its layers.
#include <QLabel>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include "lint_view.h"

using kiln::views::LintView;

class TestLintView : public QObject {
    Q_OBJECT

private slots:
    void showsTheHintsAndSelectsTheirLayers() {
        LintView view;
        std::vector<kiln::LintHint> hints = {
            {"reference-kernel", kiln::HintSeverity::Warning, "1 layer runs on the reference kernels: exp (Unary)",
             "look at the candidates", {"exp"}},
            {"copying-concat", kiln::HintSeverity::Info, "concat copies its 2 inputs", "write them in place",
             {"concat", "a", "b"}},
        };
        view.setHints(hints);
        auto* list = view.findChild<QTreeWidget*>("lintList");
        QVERIFY(list);
        QCOMPARE(list->topLevelItemCount(), 2);
        QCOMPARE(view.hintCount(), 2);
        QCOMPARE(list->topLevelItem(0)->text(LintView::SeverityColumn), QStringLiteral("Warning"));
        QCOMPARE(list->topLevelItem(1)->text(LintView::HintColumn), QStringLiteral("concat copies its 2 inputs"));
        QCOMPARE(list->topLevelItem(1)->text(LintView::LayersColumn), QStringLiteral("3"));
        auto* summary = view.findChild<QLabel*>("lintSummary");
        QVERIFY2(summary->text().startsWith("2 hint") && summary->text().contains("1 of them"), qPrintable(summary->text()));

        QSignalSpy selected(&view, &LintView::layersSelected);
        list->setCurrentItem(list->topLevelItem(1));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toStringList(), (QStringList{"concat", "a", "b"}));
        auto* advice = view.findChild<QLabel*>("lintAdvice");
        QVERIFY(advice->text().contains("write them in place"));

        view.setHints({});
        QCOMPARE(list->topLevelItemCount(), 0);
        QVERIFY(summary->text().startsWith("No hints"));
        view.clear();
        QCOMPARE(view.hintCount(), 0);
    }
};

QTEST_MAIN(TestLintView)
#include "tst_view_lint_view.moc"
