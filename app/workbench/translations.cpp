// Picks and installs translation catalogues; see translations.h.
#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace kiln::workbench {

bool installTranslations(QCoreApplication& app, const QLocale& locale) {
    auto* kilnTranslator = new QTranslator(&app);
    const bool found =
        kilnTranslator->load(locale, QStringLiteral("kiln"), QStringLiteral("_"), QStringLiteral(":/i18n"));
    if (found || kilnTranslator->load(QStringLiteral(":/i18n/kiln_en"))) {
        QCoreApplication::installTranslator(kilnTranslator);
    }

    // Qt's catalogue translates the standard buttons and dialogs (OK, Cancel, the file dialog).
    auto* qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qtTranslator);
    }
    return found;
}

}  // namespace kiln::workbench
