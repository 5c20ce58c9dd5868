// Entry point of the Kiln workbench: sets up the application, its translations and the main window,
// and opens the model named on the command line, if any.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "main_window.h"
#include "translations.h"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Kiln"));
    QApplication::setApplicationName(QStringLiteral("Kiln Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(KILN_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/kiln.png")));
    kiln::workbench::installTranslations(app, QLocale::system());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Inspect, optimize and profile neural-network models."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QCoreApplication::translate("main", "The ONNX model to open."),
                                 QStringLiteral("[model.onnx]"));
    parser.process(app);

    kiln::workbench::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openFile(parser.positionalArguments().constFirst());
    return QApplication::exec();
}
