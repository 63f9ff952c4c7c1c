/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-widgets.h: finding widgets the way a person does (rows by their
 * titles, labels by their words) and reading the clipboard, in the UI
 * tests (test-window, test-dialog, test-leak-audit-ui)
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef gboolean (*TestWidgetMatch) (GtkWidget  *widget,
                                     const char *text);

/* The first widget, @root or below it (depth first), that @match accepts
 * with @text; %NULL if none. */
GtkWidget *test_find_widget     (GtkWidget    *root,
                                 TestWidgetMatch match,
                                 const char   *text);
/* A GtkLabel showing @text. */
gboolean   test_label_has_text  (GtkWidget    *widget,
                                 const char   *text);
/* An AdwPreferencesRow titled @title. */
gboolean   test_row_has_title   (GtkWidget    *widget,
                                 const char   *title);
/* A GtkButton showing the icon @icon_name. */
gboolean   test_button_has_icon (GtkWidget    *widget,
                                 const char   *icon_name);
/* The row titled @title under @root; the test fails if there is none. */
GtkWidget *test_find_row        (GtkWidget    *root,
                                 const char   *title);
/* The clipboard's text, "" when it holds none (waits for it). Free it
 * with tessera_secure_free() when it may be a key. */
char      *test_read_clipboard  (GdkClipboard *clipboard);

G_END_DECLS
