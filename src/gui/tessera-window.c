/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window.c: the main window, a grid of credential tiles */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-credential-dialog.h"
#include "tessera-preferences-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-window.h"

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

G_DEFINE_FINAL_TYPE (TesseraWindow, tessera_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_VERIFY_ON_OPEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  TesseraStore *store;
  char         *id;
  gboolean      undone;
} PendingDelete;

static void
pending_delete_free (gpointer data)
{
  PendingDelete *pending = data;

  g_clear_object (&pending->store);
  g_free (pending->id);
  g_free (pending);
}

static gboolean
is_keyring_problem (const GError *error)
{
  return g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE) ||
         g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_CANCELLED);
}

/* Callbacks hold a reference on the window; once it is closed they have
 * nothing left to show. */
static gboolean
is_closed (TesseraWindow *self)
{
  return g_cancellable_is_cancelled (self->cancellable);
}

/* Toasts go through the overlay's own queue. (libadwaita 1.2 needed one
 * of ours: its queue aborted or wrote to freed memory when a toast was
 * dismissed while sliding in or while the one it pushed aside faded out;
 * fixed since. test-window /window/delete-undo-among-toasts runs those
 * races, under ASan in the sanitizer build.) */
/* Titles hold credential names and server sentences: plain text, never
 * markup (a name with "&" or "<" would be cut or misread). */
static AdwToast *
new_toast (const char *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_use_markup (toast, FALSE);
  return toast;
}

static void
show_toast (TesseraWindow *self,
            const char    *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, new_toast (title));
}

typedef void (*UndoFunc) (TesseraWindow *self,
                          AdwToast      *toast);

/* A toast that went (timed out, closed, replaced) can no longer be undone
 * by Ctrl+Z, though the overlay keeps it a moment while it fades out. */
static void
undo_toast_dismissed_cb (TesseraWindow *self,
                         AdwToast      *toast)
{
  if (self->undo_toast == toast)
    g_clear_weak_pointer (&self->undo_toast);
}

/* @toast offers Undo through @undo, by its button or by Ctrl+Z (the
 * latest such toast while it shows). */
static void
add_undo_toast (TesseraWindow *self,
                AdwToast      *toast,
                UndoFunc       undo)
{
  adw_toast_set_button_label (toast, _("_Undo"));
  g_object_set_data (G_OBJECT (toast), "tessera-undo", undo);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (undo_toast_dismissed_cb), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->undo_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  g_autoptr(AdwToast) toast = NULL;
  UndoFunc undo;

  if (self->undo_toast == NULL)
    return;

  /* As its button does: undo, then the toast goes. */
  toast = g_object_ref (self->undo_toast);
  undo = g_object_get_data (G_OBJECT (toast), "tessera-undo");
  g_clear_weak_pointer (&self->undo_toast);
  undo (self, toast);
  adw_toast_dismiss (toast);
}

static void
show_keyring_problem (TesseraWindow *self,
                      const GError  *error)
{
  const char *message;

  if (g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED))
    message = _("Your keyring is locked, so tokens can’t be read or saved. Unlock it, then retry. Nothing has been changed.");
  else
    message = _("Tessera can’t reach your keyring (the Secret Service), so tokens can’t be read or saved. Nothing has been changed.");

  adw_banner_set_title (self->keyring_banner, message);
  adw_banner_set_revealed (self->keyring_banner, TRUE);
}

static void
hide_keyring_problem (TesseraWindow *self)
{
  adw_banner_set_revealed (self->keyring_banner, FALSE);
}

/* The one place a failed store call turns into something on screen. */
static void
report_error (TesseraWindow *self,
              const GError  *error)
{
  if (is_cancelled (error) || is_closed (self))
    return;

  if (is_keyring_problem (error))
    show_keyring_problem (self, error);
  else
    show_toast (self, error->message);
}

static void
update_visible_page (TesseraWindow *self)
{
  const char *page;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0)
    page = "no-results";
  else
    page = "grid";

  /* A status page's icon is rendered at 128 pixels from its SVG once the
   * page is in the window, shown or not: each is given its icon when it is
   * first shown, not at every start behind the grid. */
  if (strcmp (page, "empty") == 0)
    adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), APP_ID "-symbolic");
  else if (strcmp (page, "no-results") == 0)
    adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->no_results_page), "system-search-symbolic");

  gtk_stack_set_visible_child_name (GTK_STACK (self->main_stack), page);
}

/* What the search looks in: a credential's text fields, casefolded once
 * and kept on the credential until one of them changes (see
 * credential_notify_cb), so that a keystroke does not fold every
 * credential again. */

static const char *searched_fields[] = {
  "name", "description", "account-id", "account-name", "owner-name", "owner-email", NULL,
};

typedef struct
{
  char *folded[G_N_ELEMENTS (searched_fields) - 1];
} SearchText;

static GQuark
search_text_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("tessera-window-search-text");

  return quark;
}

static void
search_text_free (gpointer data)
{
  SearchText *text = data;

  for (guint i = 0; i < G_N_ELEMENTS (text->folded); i++)
    g_free (text->folded[i]);
  g_free (text);
}

static void credential_notify_cb (TesseraWindow     *self,
                                  GParamSpec        *pspec,
                                  TesseraCredential *credential);

/* A credential's folded text is kept until one of its searched fields
 * changes: the window follows a credential from the first time it
 * searches it, not every credential from the start (10 000 handlers). */
static const SearchText *
get_search_text (TesseraWindow     *self,
                 TesseraCredential *credential)
{
  SearchText *text = g_object_get_qdata (G_OBJECT (credential), search_text_quark ());
  const char *fields[G_N_ELEMENTS (text->folded)];

  if (text != NULL)
    return text;

  /* Undo puts a credential back, and a window may follow it already. */
  if (g_signal_handler_find (credential, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                             credential_notify_cb, self) == 0)
    g_signal_connect_object (credential, "notify", G_CALLBACK (credential_notify_cb),
                             self, G_CONNECT_SWAPPED);

  fields[0] = tessera_credential_get_name (credential);
  fields[1] = tessera_credential_get_description (credential);
  fields[2] = tessera_credential_get_account_id (credential);
  fields[3] = tessera_credential_get_account_name (credential);
  fields[4] = tessera_credential_get_owner_name (credential);
  fields[5] = tessera_credential_get_owner_email (credential);

  text = g_new0 (SearchText, 1);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i] != NULL && *fields[i] != '\0')
      text->folded[i] = g_utf8_casefold (fields[i], -1);
  g_object_set_qdata_full (G_OBJECT (credential), search_text_quark (), text, search_text_free);

  return text;
}

static gboolean
credential_matches (gpointer item,
                    gpointer user_data)
{
  TesseraWindow *self = user_data;
  const SearchText *text;

  if (self->search_folded == NULL)
    return TRUE;

  text = get_search_text (self, TESSERA_CREDENTIAL (item));
  for (guint i = 0; i < G_N_ELEMENTS (text->folded); i++)
    if (text->folded[i] != NULL && strstr (text->folded[i], self->search_folded) != NULL)
      return TRUE;

  return FALSE;
}

/* The "Add credential" tile is not a search result, and on a narrow
 * window it gives way to the header's button: one column of cards. */
static void
update_add_tile (TesseraWindow *self)
{
  gboolean wanted = self->search_folded == NULL && !self->narrow;
  gboolean shown = g_list_model_get_n_items (G_LIST_MODEL (self->add_model)) > 0;

  if (shown && !wanted)
    g_list_store_remove_all (self->add_model);
  else if (!shown && wanted)
    g_list_store_append (self->add_model, self->add_item);
}

static void grid_width_changed_cb (TesseraWindow *self);

static void
narrow_apply_cb (TesseraWindow *self)
{
  self->narrow = TRUE;
  update_add_tile (self);
  grid_width_changed_cb (self);
}

static void
narrow_unapply_cb (TesseraWindow *self)
{
  self->narrow = FALSE;
  update_add_tile (self);
  grid_width_changed_cb (self);
}

static void
apply_search (TesseraWindow *self,
              const char    *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *folded = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;
  g_autofree char *old = g_steal_pointer (&self->search_folded);
  GtkFilterChange change;

  if (g_strcmp0 (old, folded) == 0)
    return;

  if (old == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (folded == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (strstr (folded, old) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (strstr (old, folded) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;

  self->search_folded = g_steal_pointer (&folded);

  update_add_tile (self);

  gtk_filter_changed (GTK_FILTER (self->filter), change);
  update_visible_page (self);
}

static void
search_changed_cb (TesseraWindow  *self,
                   GtkSearchEntry *entry)
{
  /* Replacing the text empties the entry first, which the search entry
   * reports at once: the whole list, and the "Add credential" tile, would
   * come back for an instant. */
  if (!self->setting_search_text)
    apply_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
stop_search_cb (TesseraWindow  *self,
                GtkSearchEntry *entry)
{
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  /* Back to the tiles, not to a hidden entry. */
  gtk_widget_grab_focus (self->grid_view);
}

static GtkWidget *
create_add_tile (void)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *image = gtk_image_new_from_icon_name ("list-add-symbolic");
  GtkWidget *label = gtk_label_new (_("Add Credential"));

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_image_set_pixel_size (GTK_IMAGE (image), 32);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), label);

  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.add-credential");
  gtk_widget_set_size_request (button, 260, 160);
  gtk_widget_add_css_class (button, "card");
  gtk_widget_add_css_class (button, "add-tile");
  gtk_widget_set_tooltip_text (button, _("Add a Harness API key"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Add credential"),
                                  -1);

  return button;
}

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  TesseraWindow            *self)
{
  /* Tiles handle clicks and keys themselves; the store holds the selection. */
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 TesseraWindow            *self)
{
  GObject *object = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);

  if (TESSERA_IS_CREDENTIAL (object))
    {
      if (!TESSERA_IS_CREDENTIAL_TILE (child))
        {
          /* A new tile for each new list item. Moving tiles between list
           * items when GTK 4.8 destroys one was tried for search speed and
           * dropped: the median stayed at ~35 ms, and it moved accessible
           * widgets between parents, which GTK 4.8's AT-SPI support is
           * not tested for. */
          child = tessera_credential_tile_new ();
          gtk_list_item_set_child (item, child);
        }
      tessera_credential_tile_set_credential (TESSERA_CREDENTIAL_TILE (child),
                                              TESSERA_CREDENTIAL (object));
    }
  else if (child == NULL || TESSERA_IS_CREDENTIAL_TILE (child))
    {
      gtk_list_item_set_child (item, create_add_tile ());
    }
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   TesseraWindow            *self)
{
  GtkWidget *child = gtk_list_item_get_child (item);

  if (TESSERA_IS_CREDENTIAL_TILE (child))
    tessera_credential_tile_set_credential (TESSERA_CREDENTIAL_TILE (child), NULL);
}

static gboolean
store_is_empty (TesseraWindow *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0;
}

static void
update_verifying (TesseraWindow *self)
{
  gboolean verifying = tessera_store_get_verifying (self->store);

  gtk_stack_set_visible_child_name (GTK_STACK (self->verify_stack), verifying ? "busy" : "idle");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.verify-all",
                                 !verifying && !store_is_empty (self));
  if (!verifying)
    gtk_widget_set_visible (self->verify_progress, FALSE);
}

/* With no credentials there is nothing to verify or search: typing in
 * the window no longer starts a search, and one under way ends. */
static void
update_empty_state (TesseraWindow *self)
{
  gboolean empty = store_is_empty (self);

  update_verifying (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", !empty);
  gtk_widget_set_sensitive (self->search_button, !empty);
  gtk_search_bar_set_key_capture_widget (GTK_SEARCH_BAR (self->search_bar),
                                         empty ? NULL : GTK_WIDGET (self));

  if (empty && (self->search_folded != NULL ||
                gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (self->search_bar))))
    tessera_window_set_search_text (self, NULL);
}

/* A credential renamed (by the editor, or by another process through the
 * settings) while a search is on may now match or no longer match: filter
 * again then, and only then, not on every status or "checking" change. */
static void
credential_notify_cb (TesseraWindow     *self,
                      GParamSpec        *pspec,
                      TesseraCredential *credential)
{
  if (!g_strv_contains (searched_fields, pspec->name))
    return;

  /* The folded text is out of date, whether or not a search is on. */
  g_object_set_qdata (G_OBJECT (credential), search_text_quark (), NULL);

  if (self->search_folded != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
store_items_changed_cb (TesseraWindow *self,
                        guint          position,
                        guint          removed,
                        guint          added)
{
  update_empty_state (self);
  update_visible_page (self);
}

static void
filter_items_changed_cb (TesseraWindow *self)
{
  update_visible_page (self);
}

static void
verifying_changed_cb (TesseraWindow *self)
{
  update_verifying (self);
}

static void
verify_progress_cb (TesseraWindow *self,
                    guint          done,
                    guint          total,
                    TesseraStore  *store)
{
  gboolean verifying = tessera_store_get_verifying (store);

  gtk_widget_set_visible (self->verify_progress, verifying && total > 0);
  if (total > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->verify_progress),
                                   (double) MIN (done, total) / total);
}

/* What Verify All found, in a line: "5 verified, 1 expired, 1 couldn’t
 * be checked". */
static char *
describe_verify_all (TesseraStore *store)
{
  GListModel *model = G_LIST_MODEL (store);
  guint verified = 0, expired = 0, rejected = 0, unchecked = 0, missing = 0;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);

      switch (tessera_credential_get_status (credential))
        {
        case TESSERA_CREDENTIAL_STATUS_VERIFIED:
          if (tessera_credential_get_days_to_expiry (credential) < 0)
            expired++;
          else
            verified++;
          break;
        case TESSERA_CREDENTIAL_STATUS_EXPIRED:
          expired++;
          break;
        case TESSERA_CREDENTIAL_STATUS_REJECTED:
        case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
          rejected++;
          break;
        case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
          missing++;
          break;
        case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
        case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
        default:
          unchecked++;
          break;
        }
    }

  /* TRANSLATORS: the parts of Verify All's summary, joined with ", " */
  if (verified > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u verified", "%u verified", verified), verified));
  if (expired > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u expired", "%u expired", expired), expired));
  if (rejected > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u rejected", "%u rejected", rejected), rejected));
  if (missing > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u missing its key", "%u missing their keys", missing), missing));
  if (unchecked > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%u couldn’t be checked", "%u couldn’t be checked", unchecked),
                                             unchecked));
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (_(", "), (char **) parts->pdata);
}

static void
verify_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean announce = self->announce_verify_all;

  self->announce_verify_all = FALSE;

  /* Each credential's own outcome is on its tile; only a keyring that
   * cannot be reached concerns the whole window. */
  if (!tessera_store_verify_all_finish (TESSERA_STORE (source), result, &error))
    {
      g_debug ("Verifying credentials: %s", error->message);
      if (is_keyring_problem (error))
        report_error (self, error);
      return;
    }

  /* Asked for (not the check of stale ones on opening): say how it went. */
  if (announce && !is_closed (self) && !store_is_empty (self))
    {
      g_autofree char *summary = describe_verify_all (self->store);

      show_toast (self, summary);
    }
}

static void
start_verify_all (TesseraWindow *self,
                  gboolean       only_stale)
{
  if (!only_stale)
    self->announce_verify_all = TRUE;
  tessera_store_verify_all_async (self->store, only_stale, self->cancellable,
                                  verify_all_cb, g_object_ref (self));
}

static void
add_credential_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);

  adw_dialog_present (tessera_credential_dialog_new (self->store, NULL), GTK_WIDGET (self));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);

  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), TRUE);
  gtk_widget_grab_focus (self->search_entry);
}

static void
verify_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  start_verify_all (TESSERA_WINDOW (widget), FALSE);
}

static void
reconcile_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (is_closed (self))
    return;

  if (!tessera_store_reconcile_finish (TESSERA_STORE (source), result, &error))
    {
      report_error (self, error);
      return;
    }

  hide_keyring_problem (self);
  start_verify_all (self, TRUE);
}

static void
retry_keyring_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);

  tessera_store_reconcile_async (self->store, self->cancellable,
                                 reconcile_cb, g_object_ref (self));
}

/* Puts the keyboard focus on a credential's tile (scrolled into view),
 * as after Undo: the person carries on where the tile is back. */
static void
focus_credential (TesseraWindow *self,
                  const char    *id)
{
  GListModel *model = G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (self->grid_view)));
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (TESSERA_IS_CREDENTIAL (item) &&
          g_strcmp0 (tessera_credential_get_id (TESSERA_CREDENTIAL (item)), id) == 0)
        {
          gtk_grid_view_scroll_to (GTK_GRID_VIEW (self->grid_view), i, GTK_LIST_SCROLL_FOCUS, NULL);
          return;
        }
    }
}

static void
undo_select_cb (TesseraWindow *self,
                AdwToast      *toast)
{
  const char *previous = g_object_get_data (G_OBJECT (toast), "previous-id");
  g_autoptr(GError) error = NULL;

  /* "": none was selected before. The one chosen then may be gone. */
  if (!tessera_store_select (self->store, previous, &error))
    report_error (self, error);
  else if (*previous != '\0')
    focus_credential (self, previous);
}

static void
select_now (TesseraWindow *self,
            const char    *id)
{
  g_autofree char *previous = g_strdup (tessera_store_get_selected_id (self->store));
  g_autofree char *title = NULL;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;
  AdwToast *toast;

  if (g_strcmp0 (previous, id) == 0)
    return;

  if (!tessera_store_select (self->store, id, &error))
    {
      report_error (self, error);
      return;
    }

  /* What scripts use changed: say so, with a way back. A quicker click
   * replaces the toast, whose Undo would go back further than asked. */
  credential = tessera_store_lookup (self->store, id);
  title = g_strdup_printf (_("Scripts now use “%s”"), tessera_credential_get_name (credential));
  toast = new_toast (title);
  g_object_set_data_full (G_OBJECT (toast), "previous-id", g_strdup (previous != NULL ? previous : ""), g_free);
  if (self->select_toast != NULL)
    adw_toast_dismiss (self->select_toast);
  g_set_weak_pointer (&self->select_toast, toast);
  add_undo_toast (self, toast, undo_select_cb);
}

/* Why scripts would fail with this credential, or NULL when they would
 * not (as far as the last check knows). */
static const char *
broken_reason (TesseraCredential *credential)
{
  switch (tessera_credential_get_status (credential))
    {
    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
      return _("Its key has expired: Harness will turn scripts that use it away.");

    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
      if (tessera_credential_get_days_to_expiry (credential) < 0)
        return _("Its key has expired: Harness will turn scripts that use it away.");
      return NULL;

    case TESSERA_CREDENTIAL_STATUS_REJECTED:
      return _("Harness rejected its key when it was last checked: scripts that use it will fail.");

    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
      return _("Its key is missing from the keyring: scripts that use it will get no key.");

    /* The key works, or may: no reason to ask. */
    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
    default:
      return NULL;
    }
}

static void
confirm_select_cb (AdwAlertDialog *dialog,
                   const char     *response,
                   TesseraWindow  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "credential-id");

  if (g_str_equal (response, "select"))
    select_now (self, id);
}

static void
select_credential_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  TesseraCredential *credential = tessera_store_lookup (self->store, id);
  const char *reason;
  AdwDialog *dialog;

  if (credential == NULL || tessera_credential_get_selected (credential))
    return;

  /* A click should not quietly hand scripts a key that cannot work. */
  reason = broken_reason (credential);
  if (reason == NULL)
    {
      select_now (self, id);
      return;
    }

  dialog = adw_alert_dialog_new (NULL, reason);
  /* TRANSLATORS: %s is a credential's name */
  adw_alert_dialog_format_heading (ADW_ALERT_DIALOG (dialog), _("Use “%s” for Scripts?"),
                                   tessera_credential_get_name (credential));
  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  "cancel", _("_Cancel"),
                                  "select", _("_Use Anyway"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), "select", ADW_RESPONSE_DESTRUCTIVE);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), "cancel");
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "credential-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_select_cb), self, G_CONNECT_DEFAULT);
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

static void
edit_credential_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  TesseraCredential *credential;

  credential = tessera_store_lookup (self->store, g_variant_get_string (parameter, NULL));
  if (credential == NULL)
    return;

  adw_dialog_present (tessera_credential_dialog_new (self->store, credential), GTK_WIDGET (self));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);

  adw_dialog_present (tessera_preferences_dialog_new (tessera_store_get_settings (self->store)), widget);
}

/* "Replace Key…" on an expired, expiring, rejected or keyless tile: the
 * editor, ready for the new key. */
static void
replace_key_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  TesseraCredential *credential;
  AdwDialog *dialog;

  credential = tessera_store_lookup (self->store, g_variant_get_string (parameter, NULL));
  if (credential == NULL)
    return;

  dialog = tessera_credential_dialog_new (self->store, credential);
  tessera_credential_dialog_focus_key (TESSERA_CREDENTIAL_DIALOG (dialog));
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

/* One credential's check, started from its tile. */
typedef struct
{
  TesseraWindow *self;
  char          *id;
} VerifyOne;

static void
verify_one_free (VerifyOne *data)
{
  g_object_unref (data->self);
  g_free (data->id);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VerifyOne, verify_one_free)

static void
verify_credential_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(VerifyOne) data = user_data;
  TesseraWindow *self = data->self;
  const char *id = data->id;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;

  tessera_store_verify_finish (TESSERA_STORE (source), result, &error);

  /* The tile already shows the new state; the toast says why, and which
   * credential it is about (another may be checked at the same time). */
  if (error != NULL && !is_cancelled (error) && !is_closed (self) && !is_keyring_problem (error) &&
      (credential = tessera_store_lookup (self->store, id)) != NULL)
    {
      /* TRANSLATORS: a credential's name, then why its check failed */
      g_autofree char *title = g_strdup_printf (_("“%s”: %s"), tessera_credential_get_name (credential),
                                                error->message);
      show_toast (self, title);
    }
  else if (error != NULL)
    report_error (self, error);
  else if (!is_closed (self))
    hide_keyring_problem (self);
}

static void
verify_credential_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  VerifyOne *data = g_new0 (VerifyOne, 1);

  data->self = g_object_ref (self);
  data->id = g_variant_dup_string (parameter, NULL);
  tessera_store_verify_async (self->store, data->id, self->cancellable, verify_credential_cb, data);
}

static gboolean
clipboard_timeout_cb (gpointer user_data)
{
  TesseraWindow *self = user_data;

  self->clipboard_timeout_id = 0;
  tessera_window_clear_copied_token (self);

  return G_SOURCE_REMOVE;
}

/* Offered as text and with the hint KDE's and other clipboard managers
 * read to keep a secret out of their history. */
static GdkContentProvider *
create_token_provider (char *token)
{
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) hint = NULL;
  GdkContentProvider *providers[2];

  text = g_bytes_new_with_free_func (token, strlen (token),
                                     (GDestroyNotify) tessera_secure_free, token);
  hint = g_bytes_new_static ("secret", strlen ("secret"));

  providers[0] = gdk_content_provider_new_for_bytes ("text/plain;charset=utf-8", text);
  providers[1] = gdk_content_provider_new_for_bytes ("x-kde-passwordManagerHint", hint);

  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}

static void
lookup_token_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GdkClipboard *clipboard;
  char *token;
  guint seconds;

  token = tessera_store_lookup_token_finish (TESSERA_STORE (source), result, &error);
  if (token == NULL)
    {
      report_error (self, error);
      return;
    }

  if (is_closed (self))
    {
      tessera_secure_free (token);
      return;
    }

  hide_keyring_problem (self);
  tessera_window_clear_copied_token (self);

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  self->copied_token = create_token_provider (token);
  gdk_clipboard_set_content (clipboard, self->copied_token);
  self->clipboard_timeout_id = g_timeout_add (self->clipboard_timeout_ms,
                                              clipboard_timeout_cb, self);

  seconds = (self->clipboard_timeout_ms + 999) / 1000;
  message = g_strdup_printf (_("Token copied — clears in %u s"), seconds);
  show_toast (self, message);
}

static void
copy_token_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);

  tessera_store_lookup_token_async (self->store, g_variant_get_string (parameter, NULL),
                                    self->cancellable, lookup_token_cb, g_object_ref (self));
}

static void
copy_account_id_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  TesseraCredential *credential;
  const char *account_id;

  credential = tessera_store_lookup (self->store, g_variant_get_string (parameter, NULL));
  if (credential == NULL)
    return;

  account_id = tessera_credential_get_account_id (credential);
  if (account_id == NULL || *account_id == '\0')
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), account_id);
  show_toast (self, _("Account ID copied"));
}

static void
commit_remove_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_commit_remove_finish (TESSERA_STORE (source), result, &error))
    {
      g_warning ("Could not delete a credential’s token: %s", error->message);
      report_error (self, error);
    }
}

static void
undo_delete_cb (TesseraWindow *self,
                AdwToast      *toast)
{
  PendingDelete *pending = g_object_get_data (G_OBJECT (toast), "pending-delete");
  g_autoptr(GError) error = NULL;

  pending->undone = TRUE;
  if (!tessera_store_undo_remove (pending->store, pending->id, &error))
    report_error (self, error);
  else
    focus_credential (self, pending->id);
}

static void
delete_toast_dismissed_cb (TesseraWindow *self,
                           AdwToast      *toast)
{
  PendingDelete *pending = g_object_get_data (G_OBJECT (toast), "pending-delete");

  /* A closing window dismisses its toasts: the application commits the
   * removals still pending once the last window is gone. */
  if (!pending->undone && !is_closed (self))
    tessera_store_commit_remove_async (pending->store, pending->id, NULL,
                                       commit_remove_cb, g_object_ref (self));
}

static void
delete_credential_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  TesseraCredential *credential;
  PendingDelete *pending;
  AdwToast *toast;

  credential = tessera_store_lookup (self->store, id);
  if (credential == NULL)
    return;

  title = g_strdup_printf (_("Deleted “%s”"), tessera_credential_get_name (credential));

  if (!tessera_store_remove (self->store, id, &error))
    {
      report_error (self, error);
      return;
    }

  pending = g_new0 (PendingDelete, 1);
  pending->store = g_object_ref (self->store);
  pending->id = g_strdup (id);

  toast = new_toast (title);
  g_object_set_data_full (G_OBJECT (toast), "pending-delete", pending, pending_delete_free);
  g_signal_connect_swapped (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self);
  /* Undo must be in reach now, not after the toasts before it time out.
   * An earlier delete's toast goes too: that removal becomes final, as if
   * its toast had timed out. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_dismiss_all (self->toast_overlay);
  add_undo_toast (self, toast, undo_delete_cb);
}

/* Rotate Key… and Renew… (tessera-store-lifecycle.c) */

#define ROTATE_GRACE_SECONDS (24 * 60 * 60)
#define DEFAULT_RENEW_DAYS   90

typedef struct
{
  TesseraWindow *self;
  char          *id;
  char          *name;
  gint64         valid_to_ms;
} Lifecycle;

static void
lifecycle_free (Lifecycle *data)
{
  g_object_unref (data->self);
  g_free (data->id);
  g_free (data->name);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Lifecycle, lifecycle_free)

static Lifecycle *
lifecycle_new (TesseraWindow     *self,
               TesseraCredential *credential)
{
  Lifecycle *data = g_new0 (Lifecycle, 1);

  data->self = g_object_ref (self);
  data->id = g_strdup (tessera_credential_get_id (credential));
  data->name = g_strdup (tessera_credential_get_name (credential));

  return data;
}

static void
copy_unsaved_key_cb (AdwAlertDialog *dialog,
                     const char     *response,
                     TesseraWindow  *self)
{
  const char *key = g_object_get_data (G_OBJECT (dialog), "unsaved-key");

  if (g_str_equal (response, "copy"))
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), key);
}

/* Harness made a key that could not be saved: it is shown once, to be
 * copied, rather than lost. */
static void
show_unsaved_key (TesseraWindow *self,
                  const GError  *error,
                  char          *key)
{
  AdwDialog *dialog;
  GtkWidget *label;

  dialog = adw_alert_dialog_new (_("New Key Not Saved"), NULL);
  /* TRANSLATORS: %s says why the key could not be saved */
  adw_alert_dialog_format_body (ADW_ALERT_DIALOG (dialog),
                                _("Harness made a new key, but it could not be saved: %s "
                                  "Copy it now and keep it safe: it is shown only once. The credential keeps its old key."),
                                error->message);
  label = gtk_label_new (key);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_CHAR);
  gtk_widget_add_css_class (label, "monospace");
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (dialog), label);
  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  "close", _("_Close"),
                                  "copy", _("_Copy Key"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), "copy", ADW_RESPONSE_SUGGESTED);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), "copy");
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), "close");
  adw_alert_dialog_set_prefer_wide_layout (ADW_ALERT_DIALOG (dialog), TRUE);
  g_object_set_data_full (G_OBJECT (dialog), "unsaved-key", key, (GDestroyNotify) tessera_secure_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (copy_unsaved_key_cb), self, G_CONNECT_DEFAULT);
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

static void
rotate_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Lifecycle) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  char *unsaved_key = NULL;

  if (!tessera_store_rotate_finish (TESSERA_STORE (source), result, &unsaved_key, &error))
    {
      if (unsaved_key != NULL && !is_closed (data->self))
        show_unsaved_key (data->self, error, unsaved_key);
      else
        {
          tessera_secure_free (unsaved_key);
          report_error (data->self, error);
        }
      return;
    }

  if (is_closed (data->self))
    return;

  /* TRANSLATORS: %s is a credential's name */
  title = g_strdup_printf (_("Rotated the key of “%s”"), data->name);
  show_toast (data->self, title);
}

static void
confirm_rotate_cb (AdwAlertDialog *dialog,
                   const char     *response,
                   TesseraWindow  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "credential-id");
  TesseraCredential *credential = tessera_store_lookup (self->store, id);

  if (!g_str_equal (response, "rotate") || credential == NULL)
    return;

  tessera_store_rotate_async (self->store, id, ROTATE_GRACE_SECONDS, self->cancellable,
                              rotate_done_cb, lifecycle_new (self, credential));
}

static void
rotate_key_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  TesseraCredential *credential = tessera_store_lookup (self->store, id);
  AdwDialog *dialog;

  if (credential == NULL)
    return;

  /* The name goes in the body: the heading does not wrap in a narrow
   * dialog. */
  dialog = adw_alert_dialog_new (_("Rotate Key?"), NULL);
  /* TRANSLATORS: %s is a credential's name */
  adw_alert_dialog_format_body (ADW_ALERT_DIALOG (dialog),
                                _("Harness makes a new key for “%s” and Tessera saves it in place of the old one, "
                                  "which keeps working for 24 hours, so running scripts do not break. "
                                  "Rotation keeps the expiry: the new key expires when the old one would have."),
                                tessera_credential_get_name (credential));
  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  "cancel", _("_Cancel"),
                                  "rotate", _("_Rotate Key"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), "rotate", ADW_RESPONSE_SUGGESTED);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), "rotate");
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "credential-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_rotate_cb), self, G_CONNECT_DEFAULT);
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

static void
renew_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Lifecycle) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) revoke_error = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *day = NULL;
  g_autofree char *title = NULL;
  char *unsaved_key = NULL;

  if (!tessera_store_renew_finish (TESSERA_STORE (source), result, &unsaved_key, &revoke_error, &error))
    {
      if (unsaved_key != NULL && !is_closed (data->self))
        show_unsaved_key (data->self, error, unsaved_key);
      else
        {
          tessera_secure_free (unsaved_key);
          report_error (data->self, error);
        }
      return;
    }

  if (is_closed (data->self))
    return;

  date = g_date_time_new_from_unix_local (data->valid_to_ms / 1000);
  day = g_date_time_format (date, "%x");
  if (revoke_error != NULL)
    /* TRANSLATORS: %s are a credential's name, a date, then why the old token could not be deleted */
    title = g_strdup_printf (_("Renewed “%s” until %s. The old token is still on Harness: %s"),
                             data->name, day, revoke_error->message);
  else
    /* TRANSLATORS: %s are a credential's name, then a date */
    title = g_strdup_printf (_("Renewed “%s” until %s"), data->name, day);
  show_toast (data->self, title);
}

static void
confirm_renew_cb (AdwAlertDialog *dialog,
                  const char     *response,
                  TesseraWindow  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "credential-id");
  AdwSpinRow *days = g_object_get_data (G_OBJECT (dialog), "days-row");
  TesseraCredential *credential = tessera_store_lookup (self->store, id);
  Lifecycle *data;

  if (!g_str_equal (response, "renew") || credential == NULL)
    return;

  data = lifecycle_new (self, credential);
  data->valid_to_ms = g_get_real_time () / 1000 + (gint64) adw_spin_row_get_value (days) * 24 * 60 * 60 * 1000;
  tessera_store_renew_async (self->store, id, data->valid_to_ms, self->cancellable, renew_done_cb, data);
}

static void
renew_credential_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  TesseraCredential *credential = tessera_store_lookup (self->store, id);
  GtkWidget *list;
  GtkWidget *days;
  AdwDialog *dialog;

  if (credential == NULL)
    return;

  dialog = adw_alert_dialog_new (_("Renew Token?"), NULL);
  /* TRANSLATORS: %s is a credential's name */
  adw_alert_dialog_format_body (ADW_ALERT_DIALOG (dialog),
                                _("Harness makes a new token for “%s” on the same API key, Tessera saves its key, "
                                  "then the old token is deleted. The key must still be valid."),
                                tessera_credential_get_name (credential));

  days = adw_spin_row_new_with_range (1, 365, 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (days), _("Expires in Days"));
  adw_spin_row_set_value (ADW_SPIN_ROW (days), DEFAULT_RENEW_DAYS);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), days);
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (dialog), list);

  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  "cancel", _("_Cancel"),
                                  "renew", _("_Renew"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), "renew", ADW_RESPONSE_SUGGESTED);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), "renew");
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "credential-id", g_strdup (id), g_free);
  g_object_set_data (G_OBJECT (dialog), "days-row", days);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_renew_cb), self, G_CONNECT_DEFAULT);
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

static void
load_window_state (TesseraWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), MAX (width, 360), MAX (height, 294));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (TesseraWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
tessera_window_close_request (GtkWindow *window)
{
  TesseraWindow *self = TESSERA_WINDOW (window);

  save_window_state (self);
  tessera_window_clear_copied_token (self);

  return GTK_WINDOW_CLASS (tessera_window_parent_class)->close_request (window);
}

/* GTK's grid view (4.8, and still 4.18: 192 tiles for a 900-pixel window)
 * creates, binds and measures about 30 rows of
 * max-columns tiles (~190) before the window first draws, whatever fits
 * on screen: at a thousand credentials that was most of the start-up.
 * The grid starts with the tiles that fit in the window (see
 * grid_first_items()) and grows by a few tiles each frame once the window
 * is on screen, until it reaches what the grid view keeps alive; then it
 * gets the whole model, which creates no more tiles. */
#define GRID_ITEMS_PER_FRAME 12
#define GRID_MAX_FIRST_ITEMS 36
/* The most columns the grid shows (also in tessera-window.ui) */
#define GRID_MAX_COLUMNS 6
/* Bounds below a tile's width (its width-request) and height, and the
 * grid's padding plus the header bar: enough tiles for the first frame. */
#define TILE_MIN_WIDTH 260
#define TILE_MIN_HEIGHT 150
#define GRID_MARGIN 24
#define HEADER_HEIGHT 47

static guint
grid_first_items (TesseraWindow *self)
{
  int width, height;
  guint columns, rows;

  /* A maximized window's size is not known before it is shown. */
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    return GRID_MAX_FIRST_ITEMS;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  columns = CLAMP ((width - GRID_MARGIN) / TILE_MIN_WIDTH, 1, GRID_MAX_COLUMNS);
  rows = MAX (height - HEADER_HEIGHT - GRID_MARGIN, 0) / TILE_MIN_HEIGHT + 1;

  return MIN (columns * rows, GRID_MAX_FIRST_ITEMS);
}

static gboolean
grow_grid_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);
  guint size = gtk_slice_list_model_get_size (self->grid_slice);
  guint total = g_list_model_get_n_items (gtk_slice_list_model_get_model (self->grid_slice));
  guint live = gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->grid_view)) * 33;

  if (size + GRID_ITEMS_PER_FRAME < MIN (total, live))
    {
      gtk_slice_list_model_set_size (self->grid_slice, size + GRID_ITEMS_PER_FRAME);
      return G_SOURCE_CONTINUE;
    }

  gtk_slice_list_model_set_size (self->grid_slice, G_MAXUINT);
  self->grid_tick_id = 0;
  return G_SOURCE_REMOVE;
}

/* GTK's grid view (4.8 and 4.18) keeps about 30 rows of max-columns tiles alive, and
 * rebinds them all when a search changes what they show. Max-columns
 * follows what fits in the grid's width, counted as the grid view counts
 * its columns (its width over its widest cell's least width), so the grid
 * shows the same columns: in a 900 pixel wide window, 3 columns keep ~100
 * tiles alive, not ~190. */
static gboolean
fit_grid_columns_cb (gpointer user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);
  int cell_width = 0;
  int fit;

  self->fit_columns_id = 0;

  for (GtkWidget *cell = gtk_widget_get_first_child (self->grid_view);
       cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      int min = 0;

      if (!gtk_widget_get_visible (cell))
        continue;
      gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
      cell_width = MAX (cell_width, min);
    }

  /* A narrow window: one column of cards, however small a tile can be.
   * Otherwise, with no cell yet, the grid keeps what it has. */
  if (self->narrow)
    fit = 1;
  else if (cell_width > 0)
    fit = CLAMP (gtk_widget_get_width (self->grid_view) / cell_width, 1, GRID_MAX_COLUMNS);
  else
    return G_SOURCE_REMOVE;

  if ((guint) fit != gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->grid_view)))
    gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->grid_view), fit);

  return G_SOURCE_REMOVE;
}

/* The adjustment changes while the grid is being allocated, when a new
 * max-columns would not lay it out again: set it right after. */
static void
grid_width_changed_cb (TesseraWindow *self)
{
  if (self->fit_columns_id == 0)
    self->fit_columns_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, fit_grid_columns_cb, self, NULL);
}

static void
grid_mapped_cb (TesseraWindow *self)
{
  if (self->grid_tick_id == 0 && gtk_slice_list_model_get_size (self->grid_slice) != G_MAXUINT)
    self->grid_tick_id = gtk_widget_add_tick_callback (self->grid_view, grow_grid_cb, self, NULL);
}

static void
grid_unmapped_cb (TesseraWindow *self)
{
  if (self->grid_tick_id != 0)
    gtk_widget_remove_tick_callback (self->grid_view, self->grid_tick_id);
  self->grid_tick_id = 0;
}

static gboolean
verify_stale_cb (gpointer user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);

  self->verify_stale_id = 0;
  start_verify_all (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* Stale credentials are checked once the window is on screen: finding
 * them reads every credential, which the first frame does not need. */
static void
verify_on_open_cb (TesseraWindow *self)
{
  g_signal_handlers_disconnect_by_func (self, verify_on_open_cb, NULL);
  if (self->verify_stale_id == 0)
    self->verify_stale_id = g_idle_add (verify_stale_cb, self);
}

static void
tessera_window_constructed (GObject *object)
{
  TesseraWindow *self = TESSERA_WINDOW (object);
  g_autoptr(GListStore) sections = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  G_OBJECT_CLASS (tessera_window_parent_class)->constructed (object);

  g_assert (TESSERA_IS_STORE (self->store));

  self->settings = g_object_ref (tessera_store_get_settings (self->store));

  self->filter = gtk_custom_filter_new (credential_matches, self, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->store)),
                                                  GTK_FILTER (g_object_ref (self->filter)));

  self->add_item = g_object_new (G_TYPE_OBJECT, NULL);
  self->add_model = g_list_store_new (G_TYPE_OBJECT);
  g_list_store_append (self->add_model, self->add_item);

  sections = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (sections, self->add_model);
  g_list_store_append (sections, self->filter_model);
  self->grid_slice = gtk_slice_list_model_new (G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&sections)))),
                                               0, 0);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->grid_slice)));
  g_signal_connect_object (self->grid_view, "map", G_CALLBACK (grid_mapped_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->grid_view, "unmap", G_CALLBACK (grid_unmapped_cb), self, G_CONNECT_SWAPPED);
  /* The grid's horizontal adjustment changes with its width. */
  g_signal_connect_object (gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->grid_view)), "changed",
                           G_CALLBACK (grid_width_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_grid_view_set_model (GTK_GRID_VIEW (self->grid_view), GTK_SELECTION_MODEL (selection));

  g_signal_connect_object (self->store, "items-changed",
                           G_CALLBACK (store_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->filter_model, "items-changed",
                           G_CALLBACK (filter_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "notify::verifying",
                           G_CALLBACK (verifying_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "verify-progress",
                           G_CALLBACK (verify_progress_cb), self, G_CONNECT_SWAPPED);

  /* Sized once the window's size is known, before anything is drawn. */
  load_window_state (self);
  gtk_slice_list_model_set_size (self->grid_slice, grid_first_items (self));
  update_visible_page (self);
  update_empty_state (self);

  if (self->verify_on_open)
    g_signal_connect (self, "map", G_CALLBACK (verify_on_open_cb), NULL);
}

static void
tessera_window_dispose (GObject *object)
{
  TesseraWindow *self = TESSERA_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  tessera_window_clear_copied_token (self);
  g_clear_weak_pointer (&self->select_toast);
  g_clear_weak_pointer (&self->undo_toast);

  g_clear_handle_id (&self->verify_stale_id, g_source_remove);
  g_clear_handle_id (&self->fit_columns_id, g_source_remove);
  if (self->grid_view != NULL)
    grid_unmapped_cb (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TESSERA_TYPE_WINDOW);

  g_clear_object (&self->grid_slice);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->add_model);
  g_clear_object (&self->add_item);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tessera_window_parent_class)->dispose (object);
}

static void
tessera_window_finalize (GObject *object)
{
  TesseraWindow *self = TESSERA_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->search_folded);

  G_OBJECT_CLASS (tessera_window_parent_class)->finalize (object);
}

static void
tessera_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TesseraWindow *self = TESSERA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_VERIFY_ON_OPEN:
      g_value_set_boolean (value, self->verify_on_open);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  TesseraWindow *self = TESSERA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_VERIFY_ON_OPEN:
      self->verify_on_open = g_value_get_boolean (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_window_class_init (TesseraWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = tessera_window_constructed;
  object_class->dispose = tessera_window_dispose;
  object_class->finalize = tessera_window_finalize;
  object_class->get_property = tessera_window_get_property;
  object_class->set_property = tessera_window_set_property;

  window_class->close_request = tessera_window_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         TESSERA_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* Re-verify stale credentials in the background when the window opens. */
  properties[PROP_VERIFY_ON_OPEN] =
    g_param_spec_boolean ("verify-on-open", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TESSERA_TYPE_CREDENTIAL_TILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tessera/Tessera/tessera-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, verify_stack);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, verify_progress);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, keyring_banner);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, TesseraWindow, grid_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, narrow_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, narrow_unapply_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_unbind_cb);

  gtk_widget_class_install_action (widget_class, "win.add-credential", NULL, add_credential_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.verify-all", NULL, verify_all_action);
  gtk_widget_class_install_action (widget_class, "win.retry-keyring", NULL, retry_keyring_action);
  gtk_widget_class_install_action (widget_class, "win.select-credential", "s", select_credential_action);
  gtk_widget_class_install_action (widget_class, "win.edit-credential", "s", edit_credential_action);
  gtk_widget_class_install_action (widget_class, "win.replace-key", "s", replace_key_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.verify-credential", "s", verify_credential_action);
  gtk_widget_class_install_action (widget_class, "win.copy-token", "s", copy_token_action);
  gtk_widget_class_install_action (widget_class, "win.copy-account-id", "s", copy_account_id_action);
  gtk_widget_class_install_action (widget_class, "win.delete-credential", "s", delete_credential_action);
  gtk_widget_class_install_action (widget_class, "win.rotate-key", "s", rotate_key_action);
  gtk_widget_class_install_action (widget_class, "win.renew-credential", "s", renew_credential_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  /* A binding, not an accelerator: the search entry's own Ctrl+Z (text
   * undo) comes first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
}

static void
tessera_window_init (TesseraWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->clipboard_timeout_ms = DEFAULT_CLIPBOARD_TIMEOUT_MS;
  self->verify_on_open = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Typing anywhere in the window starts a search (once there is
   * something to search, see update_empty_state()). */
  gtk_search_bar_connect_entry (GTK_SEARCH_BAR (self->search_bar), GTK_EDITABLE (self->search_entry));
}

/**
 * tessera_window_new:
 * @application: (nullable): the application
 * @store: the credentials to show
 *
 * Returns: (transfer none): a new window, which GTK owns until it is
 *   destroyed
 */
TesseraWindow *
tessera_window_new (GtkApplication *application,
                    TesseraStore   *store)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);

  return g_object_new (TESSERA_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       NULL);
}

/**
 * tessera_window_get_store:
 *
 * Returns: (transfer none): the store the window shows
 */
TesseraStore *
tessera_window_get_store (TesseraWindow *self)
{
  g_return_val_if_fail (TESSERA_IS_WINDOW (self), NULL);

  return self->store;
}

void
tessera_window_clear_copied_token (TesseraWindow *self)
{
  GdkClipboard *clipboard;

  g_return_if_fail (TESSERA_IS_WINDOW (self));

  g_clear_handle_id (&self->clipboard_timeout_id, g_source_remove);

  if (self->copied_token == NULL)
    return;

  /* Only when it still holds our token: the user may have copied
   * something else since. */
  clipboard = gdk_display_get_clipboard (gtk_widget_get_display (GTK_WIDGET (self)));
  if (gdk_clipboard_get_content (clipboard) == self->copied_token)
    gdk_clipboard_set_content (clipboard, NULL);

  g_clear_object (&self->copied_token);
}

/**
 * tessera_window_get_filter_model:
 *
 * Returns: (transfer none): the credentials that match the search
 */
GListModel *
tessera_window_get_filter_model (TesseraWindow *self)
{
  g_return_val_if_fail (TESSERA_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->filter_model);
}

void
tessera_window_set_search_text (TesseraWindow *self,
                                const char    *text)
{
  g_return_if_fail (TESSERA_IS_WINDOW (self));

  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), text != NULL && *text != '\0');
  self->setting_search_text = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  self->setting_search_text = FALSE;
  /* Apply now rather than after the entry's typing delay. */
  apply_search (self, text);
}

void
tessera_window_set_clipboard_timeout (TesseraWindow *self,
                                      guint          timeout_ms)
{
  g_return_if_fail (TESSERA_IS_WINDOW (self));

  self->clipboard_timeout_ms = timeout_ms;
}

gboolean
tessera_window_get_keyring_problem (TesseraWindow *self)
{
  g_return_val_if_fail (TESSERA_IS_WINDOW (self), FALSE);

  return adw_banner_get_revealed (self->keyring_banner);
}

/**
 * tessera_window_get_visible_page:
 *
 * Returns: "empty", "no-results" or "grid"
 */
const char *
tessera_window_get_visible_page (TesseraWindow *self)
{
  g_return_val_if_fail (TESSERA_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (GTK_STACK (self->main_stack));
}
