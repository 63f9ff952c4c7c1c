/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window.h: the main window, a grid of credential tiles
 *
 * Binds to a TesseraStore and keeps no state of its own beyond what is on
 * screen: every change goes through the store, and tiles follow the
 * credentials' property notifications.
 */
#pragma once

#include <adwaita.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_WINDOW (tessera_window_get_type ())

G_DECLARE_FINAL_TYPE (TesseraWindow, tessera_window, TESSERA, WINDOW, AdwApplicationWindow)

TesseraWindow *tessera_window_new                   (GtkApplication *application,
                                                     TesseraStore   *store);
TesseraStore  *tessera_window_get_store             (TesseraWindow  *self);

/* The search bar open with @text in it, the grid showing its results. */
void           tessera_window_show_search           (TesseraWindow  *self,
                                                     const char     *text);

/* Clears the copied token from the clipboard now, if it is still there. */
void           tessera_window_clear_copied_token    (TesseraWindow  *self);

/* Scrolls to and focuses a credential's tile, clearing a search that
 * hides it; FALSE when there is no such credential. */
gboolean       tessera_window_show_credential       (TesseraWindow  *self,
                                                     const char     *id);

/* For tests. */
GListModel    *tessera_window_get_filter_model      (TesseraWindow  *self);
void           tessera_window_set_search_text       (TesseraWindow  *self,
                                                     const char     *text);
void           tessera_window_set_clipboard_timeout (TesseraWindow  *self,
                                                     guint           timeout_ms);
gboolean       tessera_window_get_keyring_problem   (TesseraWindow  *self);
const char    *tessera_window_get_visible_page      (TesseraWindow  *self);

G_END_DECLS
