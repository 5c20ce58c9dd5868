// Entry point of the Kiln workbench: sets up the application, its translations (the language chosen in
// Preferences, else the system's) and the main window, and opens the model, plan or TensorRT engine graph
// named on the command line, if any; --build builds it once it has loaded and --profile profiles the result.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "main_window.h"
#include "kiln/openmp_spinning.h"
#include "preferences.h"
#include "translations.h"

int main(int argc, char* argv[]) {
    kiln::rerunWithBoundedOpenMpSpinning(argv);  // shares the cores well with the desktop's other programs
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Kiln"));
    QApplication::setApplicationName(QStringLiteral("Kiln Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(KILN_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/kiln.png")));
    kiln::workbench::installTranslations(app, kiln::workbench::Preferences::load().locale());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Inspect, optimize and profile neural-network models."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QCoreApplication::translate("main", "The ONNX model, Caffe net, Kiln plan or TensorRT "
                                                                     "engine graph (trtexec --exportLayerInfo) to open."),
                                 QStringLiteral("[model.onnx|net.prototxt|engine.plan|engine.graph.json]"));
    parser.addPositionalArgument(QStringLiteral("weights"),
                                 QCoreApplication::translate("main", "A Caffe net's weights, when they are not beside it "
                                                                     "under the same name."),
                                 QStringLiteral("[net.caffemodel]"));
    const QCommandLineOption build(QStringLiteral("build"),
                                   QCoreApplication::translate("main", "Build the model once it has loaded."));
    const QCommandLineOption profile(
        QStringLiteral("profile"), QCoreApplication::translate("main", "Profile the engine once it is built or loaded."));
    parser.addOption(build);
    parser.addOption(profile);
    parser.process(app);

    kiln::workbench::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) {
        const bool buildAfterLoading = parser.isSet(build);
        const bool profileWhenReady = parser.isSet(profile);
        QObject::connect(&window, &kiln::workbench::MainWindow::fileShown, &window,
                         [&window, buildAfterLoading, profileWhenReady] {
                             if (buildAfterLoading && window.document()->network()) {
                                 window.startBuild();
                             } else if (profileWhenReady) {
                                 window.startProfile();
                             }
                         },
                         Qt::SingleShotConnection);
        if (profileWhenReady) {
            QObject::connect(window.buildJob(), &kiln::workbench::BuildJob::finished, &window,
                             [&window] { window.startProfile(); }, Qt::SingleShotConnection);
        }
        const QStringList files = parser.positionalArguments();
        window.openFile(files.constFirst(), files.size() > 1 ? files[1] : QString());
    }
    return QApplication::exec();
}
