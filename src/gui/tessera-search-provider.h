/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-search-provider.h: GNOME Shell's search, answered from the store
 *
 * org.gnome.Shell.SearchProvider2 at APP_PATH "SearchProvider" on the
 * application's connection: typing part of a credential's name in the
 * overview shows it with its kind and status, never its key; choosing it
 * opens the window on its tile. Exported by TesseraApplication's
 * dbus_register, so that it answers when the bus starts Tessera for the
 * Shell, with no window.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TESSERA_SEARCH_PROVIDER_PATH APP_PATH "SearchProvider"

#define TESSERA_TYPE_SEARCH_PROVIDER (tessera_search_provider_get_type ())

G_DECLARE_FINAL_TYPE (TesseraSearchProvider, tessera_search_provider, TESSERA, SEARCH_PROVIDER, GObject)

/* @application: a TesseraApplication, not referenced (it owns the provider) */
TesseraSearchProvider *tessera_search_provider_new      (GApplication           *application);
gboolean               tessera_search_provider_export   (TesseraSearchProvider  *self,
                                                         GDBusConnection        *connection,
                                                         GError                **error);
void                   tessera_search_provider_unexport (TesseraSearchProvider  *self);
/* Stops holding the application after the Shell's last call (Quit). */
void                   tessera_search_provider_let_go   (TesseraSearchProvider  *self);

G_END_DECLS
