/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-preferences-dialog.h: the settings a person may change */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TESSERA_TYPE_PREFERENCES_DIALOG (tessera_preferences_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TesseraPreferencesDialog, tessera_preferences_dialog, TESSERA, PREFERENCES_DIALOG, AdwPreferencesDialog)

AdwDialog *tessera_preferences_dialog_new (GSettings *settings);

G_END_DECLS
