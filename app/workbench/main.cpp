// Entry point of the Kiln workbench: sets up the application, its translations (the language chosen in
// Preferences, else the system's) and the main window, and opens the model, plan or TensorRT engine graph
// named on the command line, if any; --build builds it once it has loaded and --profile profiles the result.
// --quit-after-load quits once that is done, with an exit status saying whether the window showed the file
// (for scripts that check an installation).
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <cstdio>

#include "main_window.h"
#include "kiln/openmp_spinning.h"
#include "preferences.h"
#include "translations.h"

namespace {

// Ends the event loop with `status`, saying why on standard output or standard error.
void finish(int status, const QString& message) {
    std::fprintf(status == 0 ? stdout : stderr, "kiln-workbench: %s\n", qPrintable(message));
    std::fflush(status == 0 ? stdout : stderr);
    QCoreApplication::exit(status);
}

// --quit-after-load: quits after the last step the command line asked for, or as soon as one fails.
void quitWhenDone(kiln::workbench::MainWindow& window, bool build, bool profile) {
    using kiln::workbench::MainWindow;
    QObject::connect(window.document(), &kiln::workbench::Document::failed, &window,
                     [](const QString& path, const QString& message) {
                         finish(1, QCoreApplication::translate("main", "could not open %1: %2").arg(path, message));
                     });
    const auto shown = [&window](const QString& what) {
        if (!window.isVisible()) {
            finish(1, QCoreApplication::translate("main", "the window did not show."));
            return;
        }
        finish(0, what);
    };
    // What main() starts once the file is shown: a build of a model with --build, else a profile with --profile.
    QObject::connect(&window, &MainWindow::fileShown, &window, [&window, build, profile, shown](const QString& path) {
        if (!(build && window.document()->network()) && !profile) {
            shown(QCoreApplication::translate("main", "showed %1.").arg(path));
        }
    });
    QObject::connect(&window, &MainWindow::buildFinished, &window, [&window, profile, shown] {
        if (!window.document()->engine()) {
            finish(1, QCoreApplication::translate("main", "the build failed."));
        } else if (!profile) {
            shown(QCoreApplication::translate("main", "built %1.").arg(window.document()->filePath()));
        }
    });
    QObject::connect(&window, &MainWindow::profileFinished, &window,
                     [shown] { shown(QCoreApplication::translate("main", "profile finished.")); });
}

}  // namespace

int main(int argc, char* argv[]) {
    kiln::rerunWithBoundedOpenMpSpinning(argv);  // shares the cores well with the desktop's other programs
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Kiln"));
    QApplication::setApplicationName(QStringLiteral("Kiln Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(KILN_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/kiln.png")));
    // The installed desktop entry (installer/): Wayland compositors take the window's icon and name from it.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.kiln.Workbench"));
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
    const QCommandLineOption quitAfterLoad(
        QStringLiteral("quit-after-load"),
        QCoreApplication::translate("main", "Quit once the file is shown (and built or profiled, when asked): exit "
                                            "status 0 when the window showed it, 1 when it could not be opened or "
                                            "built."));
    parser.addOption(build);
    parser.addOption(profile);
    parser.addOption(quitAfterLoad);
    parser.process(app);
    if (parser.isSet(quitAfterLoad) && parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "%s\n",
                     qPrintable(QCoreApplication::translate("main", "kiln-workbench: --quit-after-load needs a file "
                                                                    "to open.")));
        return 2;
    }

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
        if (parser.isSet(quitAfterLoad)) quitWhenDone(window, buildAfterLoading, profileWhenReady);
        const QStringList files = parser.positionalArguments();
        window.openFile(files.constFirst(), files.size() > 1 ? files[1] : QString());
    }
    return QApplication::exec();
}
