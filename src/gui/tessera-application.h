/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-application.h: the GUI application
 *
 * Owns the one TesseraStore every window shows. At quit it commits the
 * removals still waiting for their Undo toast, holding the application
 * until the keyring has answered.
 */
#pragma once

#include <adwaita.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_APPLICATION (tessera_application_get_type ())

G_DECLARE_FINAL_TYPE (TesseraApplication, tessera_application, TESSERA, APPLICATION, AdwApplication)

TesseraApplication *tessera_application_new       (void);
TesseraStore       *tessera_application_get_store (TesseraApplication *self);
/* What GNOME Shell's search asks for (tessera-search-provider.c). */
void                tessera_application_show_credential (TesseraApplication *self,
                                                         const char         *id);
void                tessera_application_show_search     (TesseraApplication *self,
                                                         const char         *text);

G_END_DECLS
