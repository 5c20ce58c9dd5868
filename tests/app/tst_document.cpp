// Tests for Document: background loading of generated models, the messages of failed loads, keeping the
// previous model after a failure, and superseding a load in progress.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "document.h"
#include "test_models.h"

using kiln::workbench::Document;

class TestDocument : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_cnnPath = m_dir.filePath("small_cnn.onnx");
        m_symbolicPath = m_dir.filePath("symbolic.onnx");
        m_corruptPath = m_dir.filePath("corrupt.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_cnnPath));
        QVERIFY(kiln::testing::writeSymbolicBatchModel(m_symbolicPath));
        QVERIFY(kiln::testing::writeCorruptModel(m_corruptPath));
    }

    void loadsInTheBackground() {
        Document document;
        QSignalSpy started(&document, &Document::loadingStarted);
        QSignalSpy loaded(&document, &Document::loaded);
        QSignalSpy failed(&document, &Document::failed);
        document.open(m_cnnPath);
        QCOMPARE(started.count(), 1);
        // The result arrives through the event loop, never inside open().
        QCOMPARE(loaded.count(), 0);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(loaded.first().first().toString(), m_cnnPath);
        QCOMPARE(document.filePath(), m_cnnPath);
        QVERIFY(document.network());
        QCOMPARE(static_cast<int>(document.network()->layers().size()), kiln::testing::kSmallCnnLayerCount);
        QVERIFY(document.network()->findLayer("conv1"));
        QVERIFY(!document.isLoading());
    }

    void corruptFileFailsAndKeepsTheModel() {
        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        document.open(m_cnnPath);
        QVERIFY(loaded.wait(10000));
        const auto network = document.network();

        QSignalSpy failed(&document, &Document::failed);
        document.open(m_corruptPath);
        QVERIFY(failed.wait(10000));
        QCOMPARE(failed.first().at(0).toString(), m_corruptPath);
        QVERIFY(!failed.first().at(1).toString().isEmpty());
        QCOMPARE(document.network(), network);
        QCOMPARE(document.filePath(), m_cnnPath);
    }

    void missingFileFails() {
        Document document;
        QSignalSpy failed(&document, &Document::failed);
        document.open(m_dir.filePath("does_not_exist.onnx"));
        QVERIFY(failed.wait(10000));
        QVERIFY(!document.network());
        QVERIFY(document.filePath().isEmpty());
    }

    void symbolicDimensionsAreExplained() {
        const Document::LoadOutcome outcome = Document::load(m_symbolicPath);
        QVERIFY(!outcome.network);
        QVERIFY2(outcome.errorMessage.contains("symbolic dimensions"), qPrintable(outcome.errorMessage));
        QVERIFY2(outcome.errorMessage.contains("input: batch × 3 × 8 × 8"), qPrintable(outcome.errorMessage));
    }

    void newerOpenSupersedesOlder() {
        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        QSignalSpy failed(&document, &Document::failed);
        document.open(m_corruptPath);
        document.open(m_cnnPath);
        QVERIFY(loaded.wait(10000));
        // Give a stray report from the first load the chance to arrive; none may.
        QTest::qWait(200);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(document.filePath(), m_cnnPath);
    }

    void destroyedWhileLoading() {
        auto* document = new Document;
        document->open(m_cnnPath);
        delete document;
    }

private:
    QTemporaryDir m_dir;
    QString m_cnnPath;
    QString m_symbolicPath;
    QString m_corruptPath;
};

QTEST_GUILESS_MAIN(TestDocument)
#include "tst_document.moc"
