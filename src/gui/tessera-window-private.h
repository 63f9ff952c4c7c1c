/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window-private.h: what the files of TesseraWindow share
 *
 * tessera-window.c         the class: construction, state, toasts, errors
 * tessera-window-grid.c    the grid: its model, the search, the tiles, sizing
 * tessera-window-actions.c the window's actions (win.*)
 */
#pragma once

#include "tessera-window.h"

G_BEGIN_DECLS

#define DEFAULT_CLIPBOARD_TIMEOUT_MS (30 * 1000)

struct _TesseraWindow
{
  AdwApplicationWindow  parent_instance;

  TesseraStore         *store;
  GSettings            *settings;
  GCancellable         *cancellable;
  gboolean              verify_on_open;
  gboolean              announce_verify_all;   /* Verify All was asked for */

  /* grid model: [add item] + store filtered by the search */
  GtkCustomFilter      *filter;
  GtkFilterListModel   *filter_model;
  GListStore           *add_model;
  GObject              *add_item;
  char                 *search_folded;
  /* what the grid shows of it, grown after the window is mapped (see
   * grow_grid_cb()); NULL once it is all of it */
  GtkSliceListModel    *grid_slice;
  guint                 grid_tick_id;
  guint                 verify_stale_id;
  guint                 fit_columns_id;
  /* tessera_window_set_search_text() is replacing the entry's text. */
  gboolean              setting_search_text;
  /* the narrow breakpoint applies (a phone-sized window) */
  gboolean              narrow;
  /* the tile to focus once the grid has made it (focus_credential()) */
  char                 *focus_pending_id;
  gint64                focus_deadline;      /* frame time, µs */
  gint64                focus_settled_since; /* frame time, µs; 0: not on it */
  guint                 focus_tick_id;

  /* the token we put on the clipboard, to clear it again */
  GdkContentProvider   *copied_token;
  guint                 clipboard_timeout_ms;
  guint                 clipboard_timeout_id;

  /* the toast of the last selection, while it shows (weak) */
  AdwToast             *select_toast;
  /* the last toast with Undo (a delete or a selection), for Ctrl+Z (weak) */
  AdwToast             *undo_toast;

  /* template */
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *verify_stack;
  GtkWidget            *verify_progress;
  GtkWidget            *search_button;
  GtkWidget            *search_bar;
  GtkWidget            *search_entry;
  AdwBanner            *keyring_banner;
  GtkWidget            *main_stack;
  GtkWidget            *empty_page;
  GtkWidget            *no_results_page;
  GtkWidget            *grid_view;
};

/* tessera-window.c */
typedef void (*UndoFunc) (TesseraWindow *self,
                          AdwToast      *toast);

gboolean  tessera_window_is_keyring_problem   (const GError      *error);
gboolean  tessera_window_is_cancelled         (const GError      *error);
gboolean  tessera_window_is_closed            (TesseraWindow     *self);
AdwToast *tessera_window_new_toast            (const char        *title);
void      tessera_window_show_toast           (TesseraWindow     *self,
                                               const char        *title);
void      tessera_window_add_undo_toast       (TesseraWindow     *self,
                                               AdwToast          *toast,
                                               UndoFunc           undo);
void      tessera_window_hide_keyring_problem (TesseraWindow     *self);
void      tessera_window_report_error         (TesseraWindow     *self,
                                               const GError      *error);
void      tessera_window_update_visible_page  (TesseraWindow     *self);
gboolean  tessera_window_store_is_empty       (TesseraWindow     *self);

/* tessera-window-grid.c */
gboolean  tessera_window_credential_matches   (gpointer           item,
                                               gpointer           user_data);
guint     tessera_window_grid_first_items     (TesseraWindow     *self);
void      tessera_window_grid_width_changed_cb (TesseraWindow    *self);
void      tessera_window_grid_mapped_cb       (TesseraWindow     *self);
void      tessera_window_grid_unmapped_cb     (TesseraWindow     *self);
void      tessera_window_credential_notify_cb (TesseraWindow     *self,
                                               GParamSpec        *pspec,
                                               TesseraCredential *credential);
void      tessera_window_apply_search         (TesseraWindow     *self,
                                               const char        *text);
void      tessera_window_class_add_grid_callbacks (GtkWidgetClass *widget_class);

/* tessera-window-actions.c */
void      tessera_window_start_verify_all     (TesseraWindow     *self,
                                               gboolean           only_stale);
void      tessera_window_class_add_actions    (GtkWidgetClass    *widget_class);

/* tessera-window-lifecycle.c */
void      tessera_window_class_add_lifecycle_actions (GtkWidgetClass *widget_class);

G_END_DECLS
