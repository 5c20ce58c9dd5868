// Loads the workbench's translations (compiled into the program under :/i18n) and Qt's own for the
// user's language, so that every string the workbench and its views show follows the system locale.
#pragma once

#include <QLocale>

class QCoreApplication;

namespace kiln::workbench {

// Installs translators on `app` for `locale`. English needs one too: it supplies the plural forms
// ("1 layer", "2 layers") that the source strings leave open. Returns whether Kiln's own strings for
// `locale` were found (false means the English text is shown).
bool installTranslations(QCoreApplication& app, const QLocale& locale);

}  // namespace kiln::workbench
