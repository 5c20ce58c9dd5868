// Tests for Document: background loading of generated models and of plans, the messages and kinds of
// failed loads, shapes for symbolic inputs, keeping the previous model after a failure, the engine of a
// build, and superseding a load in progress.
#include <QSignalSpy>
#include <QThreadPool>
#include <QTemporaryDir>
#include <QTest>

#include "document.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
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
        m_shapeTensorPath = m_dir.filePath("shape_tensor.onnx");
        QVERIFY(kiln::testing::writeShapeTensorModel(m_shapeTensorPath));
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
        QCOMPARE(failed.first().at(2).value<kiln::workbench::LoadProblem>(), kiln::workbench::LoadProblem::Unreadable);
        QVERIFY(!document.network());
        QVERIFY(document.filePath().isEmpty());
    }

    void symbolicDimensionsOpenAtAssumedSizes() {
        const Document::LoadOutcome outcome = Document::load(m_symbolicPath);
        QCOMPARE(outcome.problem, kiln::workbench::LoadProblem::None);
        QVERIFY(outcome.network);
        QCOMPARE(outcome.network->findTensor("output")->dims(), kiln::Dims({1, 3, 8, 8}));
        QCOMPARE(outcome.inputShapes.at("input"), kiln::Dims({1, 3, 8, 8}));
        QVERIFY2(outcome.assumedShapes.contains("input: batch × 3 × 8 × 8 as 1x3x8x8"), qPrintable(outcome.assumedShapes));
        QCOMPARE(outcome.declaredInputs.size(), size_t(1));
        QCOMPARE(outcome.declaredInputs[0].dims, std::vector<int64_t>({-1, 3, 8, 8}));
        // The graph shows the layers' shapes by symbol, not at the assumed batch.
        QVERIFY(outcome.shapesBySymbol);
        QCOMPARE(outcome.layers.size(), size_t(1));
        QCOMPARE(outcome.layers[0].outputDims, std::vector<std::string>({"batchx3x8x8"}));
    }

    void shapeTensorModelOpensOnceItsValuesAreGiven() {
        const Document::LoadOutcome missing = Document::load(m_shapeTensorPath);
        QCOMPARE(missing.problem, kiln::workbench::LoadProblem::SymbolicShapes);
        QVERIFY2(missing.errorMessage.contains("target (INT64 × 2)"), qPrintable(missing.errorMessage));
        QCOMPARE(missing.declaredInputs.size(), size_t(2));
        QVERIFY(missing.declaredInputs[1].isShapeTensor);

        const Document::LoadOutcome opened = Document::load(m_shapeTensorPath, {{"target", {3, -1}}});
        QVERIFY2(opened.problem == kiln::workbench::LoadProblem::None, qPrintable(opened.errorMessage));
        QCOMPARE(opened.network->findTensor("y")->dims(), kiln::Dims({3, 4}));
        QCOMPARE(opened.network->inputs().size(), size_t(1));  // the values are part of the network now
        QCOMPARE(opened.inputShapes.at("target"), kiln::Dims({3, -1}));

        const Document::LoadOutcome wrong = Document::load(m_shapeTensorPath, {{"target", {5, -1}}});
        QCOMPARE(wrong.problem, kiln::workbench::LoadProblem::SymbolicShapes);
        QVERIFY2(wrong.errorMessage.contains("reshape"), qPrintable(wrong.errorMessage));
    }

    void symbolicModelOpensWithShapes() {
        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        document.open(m_symbolicPath);
        QVERIFY(loaded.wait(10000));
        QVERIFY(!document.assumedShapes().isEmpty());

        document.open(m_symbolicPath, {{"input", {3, 3, 8, 8}}});
        QVERIFY(loaded.wait(10000));
        QCOMPARE(document.network()->findTensor("output")->dims(), kiln::Dims({3, 3, 8, 8}));
        QCOMPARE(document.inputShapes().at("input"), kiln::Dims({3, 3, 8, 8}));
        QVERIFY(document.assumedShapes().isEmpty());  // the user's own shape now
        QVERIFY(document.pendingInputs().empty());
        QCOMPARE(document.layersBefore().size(), size_t(1));
        QCOMPARE(document.layersBefore()[0].name, std::string("relu"));
        QVERIFY(!document.shapesBySymbol());  // at the user's shapes, the graph shows them
        QCOMPARE(document.layersBefore()[0].outputDims, std::vector<std::string>({"3x3x8x8"}));

        // A shape that contradicts the model's fixed extents keeps asking, with the parser's reason.
        const Document::LoadOutcome wrong = Document::load(m_symbolicPath, {{"input", {3, 4, 8, 8}}});
        QCOMPARE(wrong.problem, kiln::workbench::LoadProblem::SymbolicShapes);
        QVERIFY2(wrong.errorMessage.contains("input"), qPrintable(wrong.errorMessage));
    }

    void plansLoadAndAreRecognizedByContent() {
        kiln::Result<kiln::NetworkDefinition> network = kiln::parseOnnxFile(m_cnnPath.toStdString());
        QVERIFY(network);
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(*network, {});
        QVERIFY2(engine, engine.status().message().c_str());
        // Named like a model, but a plan inside: the content decides.
        const QString planPath = m_dir.filePath("actually_a_plan.onnx");
        QVERIFY(kiln::writePlanFile(planPath.toStdString(), **engine));
        QCOMPARE(kiln::workbench::fileKindOf(planPath), kiln::workbench::FileKind::Plan);
        QCOMPARE(kiln::workbench::fileKindOf(m_cnnPath), kiln::workbench::FileKind::Model);
        QCOMPARE(kiln::workbench::fileKindOf(m_dir.filePath("missing.plan")), kiln::workbench::FileKind::Plan);

        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        document.open(planPath);
        QVERIFY(loaded.wait(10000));
        QCOMPARE(document.kind(), kiln::workbench::FileKind::Plan);
        QVERIFY(!document.network());
        QVERIFY(document.engine());
        QCOMPARE(document.enginePrecision(), QStringLiteral("FP32"));
        QCOMPARE(document.layersBefore().size(), size_t(kiln::testing::kSmallCnnLayerCount));
        QCOMPARE(document.engine()->report().layersAfter.size(), (*engine)->report().layersAfter.size());
    }

    void engineOfABuildIsKeptUntilTheNextFile() {
        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        document.open(m_cnnPath);
        QVERIFY(loaded.wait(10000));
        QVERIFY(!document.engine());
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(*document.network(), {});
        QVERIFY(engine);
        QSignalSpy changed(&document, &Document::engineChanged);
        document.setEngine(*engine, QStringLiteral("FP32"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(document.engine(), std::shared_ptr<const kiln::Engine>(*engine));
        document.open(m_cnnPath);
        QVERIFY(loaded.wait(10000));
        QVERIFY(!document.engine());
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

    // Deleting a document while its file loads waits for the load (the worker must not outlive the
    // document it reports to) and reports nothing afterwards.
    void destroyedWhileLoading() {
        QThreadPool* pool = QThreadPool::globalInstance();
        pool->waitForDone();
        auto* document = new Document;
        int reports = 0;
        QObject receiver;
        connect(document, &Document::loaded, &receiver, [&reports] { ++reports; });
        connect(document, &Document::failed, &receiver, [&reports] { ++reports; });
        document->open(m_cnnPath);
        QVERIFY(document->isLoading());
        delete document;
        // The destructor returned after the load did; its pool thread only has to return from the task.
        QTRY_COMPARE_WITH_TIMEOUT(pool->activeThreadCount(), 0, 50);
        QTest::qWait(200);
        QCoreApplication::sendPostedEvents();
        QCOMPARE(reports, 0);
    }

private:
    QTemporaryDir m_dir;
    QString m_cnnPath;
    QString m_shapeTensorPath;
    QString m_symbolicPath;
    QString m_corruptPath;
};

QTEST_GUILESS_MAIN(TestDocument)
#include "tst_document.moc"
