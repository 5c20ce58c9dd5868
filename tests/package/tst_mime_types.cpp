// The MIME types installer/kiln-mime.xml gives the shared MIME database, read through Qt's QMimeDatabase as a
// file manager would: a Kiln plan is known by the magic the plan writer puts first, whatever its name, and
// ONNX models and Caffe weights by their names.
#include <QDir>
#include <QFile>
#include <QMimeDatabase>
#include <QTemporaryDir>
#include <QTest>

#include "plan/plan_format.h"

class TestMimeTypes : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dataDir.isValid());
        QVERIFY(QDir(m_dataDir.path()).mkpath(QStringLiteral("mime/packages")));
        QVERIFY(QFile::copy(QStringLiteral(KILN_SOURCE_DIR "/installer/kiln-mime.xml"),
                            m_dataDir.filePath(QStringLiteral("mime/packages/kiln.xml"))));
        // Before the first QMimeDatabase: the database reads its folders once.
        const QByteArray system = qgetenv("XDG_DATA_DIRS");
        qputenv("XDG_DATA_DIRS", QFile::encodeName(m_dataDir.path()) + ':' +
                                     (system.isEmpty() ? QByteArray("/usr/local/share:/usr/share") : system));
    }

    void planKnownByMagic_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("firstBytes");
        QTest::addColumn<QString>("expected");
        const QByteArray magic(kiln::kPlanMagic, sizeof(kiln::kPlanMagic));
        QTest::newRow("plan named .plan") << "model.plan" << magic << "application/x-kiln-plan";
        QTest::newRow("plan without a suffix") << "engine" << magic << "application/x-kiln-plan";
        QTest::newRow("plan named .bin") << "engine.bin" << magic << "application/x-kiln-plan";
        QTest::newRow("other bytes without a suffix")
            << "engine" << QByteArray("KILNPLAX") << "application/octet-stream";
    }
    void planKnownByMagic() {
        QFETCH(QString, name);
        QFETCH(QByteArray, firstBytes);
        QFETCH(QString, expected);
        const QString path = writeFile(name, firstBytes + QByteArray(56, '\x01'));
        QCOMPARE(QMimeDatabase().mimeTypeForFile(path).name(), expected);
    }

    void modelsKnownByName_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ONNX") << "resnet50.onnx" << "application/x-onnx";
        QTest::newRow("Caffe weights") << "googlenet.caffemodel" << "application/x-caffe-model";
    }
    void modelsKnownByName() {
        QFETCH(QString, name);
        QFETCH(QString, expected);
        // An ONNX model starts like any protobuf message (ir_version, field 1).
        const QString path = writeFile(name, QByteArray("\x08\x07\x12\x07pytorch", 11));
        const QMimeType type = QMimeDatabase().mimeTypeForFile(path);
        QCOMPARE(type.name(), expected);
        QVERIFY(!type.comment().isEmpty());
    }

private:
    QString writeFile(const QString& name, const QByteArray& bytes) {
        const QString path = m_files.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size()) return {};
        return path;
    }

    QTemporaryDir m_dataDir;
    QTemporaryDir m_files;
};

QTEST_GUILESS_MAIN(TestMimeTypes)
#include "tst_mime_types.moc"
