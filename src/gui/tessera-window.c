/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window.c: the main window, a grid of credential tiles */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-credential-dialog.h"
#include "tessera-preferences-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-error.h"
#include "tessera-window-private.h"


G_DEFINE_FINAL_TYPE (TesseraWindow, tessera_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  PROP_VERIFY_ON_OPEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
tessera_window_is_keyring_problem (const GError *error)
{
  return error != NULL && tessera_error_get_category (error) == TESSERA_ERROR_CATEGORY_KEYRING;
}

gboolean
tessera_window_is_cancelled (const GError *error)
{
  return error != NULL && tessera_error_get_category (error) == TESSERA_ERROR_CATEGORY_CANCELLED;
}

/* Callbacks hold a reference on the window; once it is closed they have
 * nothing left to show. */
gboolean
tessera_window_is_closed (TesseraWindow *self)
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
AdwToast *
tessera_window_new_toast (const char *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_use_markup (toast, FALSE);
  return toast;
}

void
tessera_window_show_toast (TesseraWindow *self,
            const char    *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, tessera_window_new_toast (title));
}


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
void
tessera_window_add_undo_toast (TesseraWindow *self,
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
show_keyring_problem (TesseraWindow *self,
                      const GError  *error)
{
  /* The core's sentence: locked, or no keyring at all. */
  adw_banner_set_title (self->keyring_banner, tessera_error_get_message (error));
  adw_banner_set_revealed (self->keyring_banner, TRUE);
}

void
tessera_window_hide_keyring_problem (TesseraWindow *self)
{
  adw_banner_set_revealed (self->keyring_banner, FALSE);
}

/* The one place a failed store call turns into something on screen. */
void
tessera_window_report_error (TesseraWindow *self,
              const GError  *error)
{
  if (tessera_window_is_cancelled (error) || tessera_window_is_closed (self))
    return;

  if (tessera_window_is_keyring_problem (error))
    show_keyring_problem (self, error);
  else
    tessera_window_show_toast (self, tessera_error_get_message (error));
}

void
tessera_window_update_visible_page (TesseraWindow *self)
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

gboolean
tessera_window_store_is_empty (TesseraWindow *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0;
}

static void
update_verifying (TesseraWindow *self)
{
  gboolean verifying = tessera_store_get_verifying (self->store);

  gtk_stack_set_visible_child_name (GTK_STACK (self->verify_stack), verifying ? "busy" : "idle");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.verify-all",
                                 !verifying && !tessera_window_store_is_empty (self));
  if (!verifying)
    gtk_widget_set_visible (self->verify_progress, FALSE);
}

/* With no credentials there is nothing to verify or search: typing in
 * the window no longer starts a search, and one under way ends. */
static void
update_empty_state (TesseraWindow *self)
{
  gboolean empty = tessera_window_store_is_empty (self);

  update_verifying (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", !empty);
  gtk_widget_set_sensitive (self->search_button, !empty);
  gtk_search_bar_set_key_capture_widget (GTK_SEARCH_BAR (self->search_bar),
                                         empty ? NULL : GTK_WIDGET (self));

  if (empty && (self->search_folded != NULL ||
                gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (self->search_bar))))
    tessera_window_set_search_text (self, NULL);
}

static void
store_items_changed_cb (TesseraWindow *self,
                        guint          position,
                        guint          removed,
                        guint          added)
{
  update_empty_state (self);
  tessera_window_update_visible_page (self);
}

static void
filter_items_changed_cb (TesseraWindow *self)
{
  tessera_window_update_visible_page (self);
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

static void
load_window_state (TesseraWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), MAX (width, 360), MAX (height, 294));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

typedef struct
{
  TesseraWindow *window;        /* held, as every callback holds it */
  GApplication  *application;   /* held and kept running until written */
} SaveState;

static void
on_window_state_saved (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  SaveState *save = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_save_window_state_finish (TESSERA_STORE (source), result, &error))
    g_debug ("Could not save the window's size: %s", error->message);

  if (save->application != NULL)
    {
      g_application_release (save->application);
      g_object_unref (save->application);
    }
  g_object_unref (save->window);
  g_free (save);
}

/* Through the lock every Tessera process writes under, waited for off the
 * main loop; the application stays until it is written. */
static void
save_window_state (TesseraWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  SaveState *save = g_new0 (SaveState, 1);
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  save->window = g_object_ref (self);
  if (application != NULL)
    {
      save->application = G_APPLICATION (g_object_ref (application));
      g_application_hold (save->application);
    }
  tessera_store_save_window_state_async (self->store, width, height,
                                         gtk_window_is_maximized (GTK_WINDOW (self)),
                                         on_window_state_saved, save);
}

static gboolean
tessera_window_close_request (GtkWindow *window)
{
  TesseraWindow *self = TESSERA_WINDOW (window);

  save_window_state (self);
  tessera_window_clear_copied_token (self);

  return GTK_WINDOW_CLASS (tessera_window_parent_class)->close_request (window);
}

static void
recover_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  /* Held until the recovery ends, as every callback holds it. */
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint removed = 0;

  /* Nothing to show: what could not be done is left for the next start. */
  if (!tessera_store_recover_finish (TESSERA_STORE (source), result, &removed, &error))
    g_debug ("Recovery stopped: %s", error->message);
  else if (removed > 0)
    g_debug ("Recovery dealt with %u interrupted operations or orphans", removed);
}

static gboolean
verify_stale_cb (gpointer user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);

  self->verify_stale_id = 0;
  /* After the first frame: what an interrupted Tessera left behind. */
  tessera_store_recover_async (self->store, self->cancellable, recover_cb, g_object_ref (self));
  tessera_window_start_verify_all (self, TRUE);
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

  self->filter = gtk_custom_filter_new (tessera_window_credential_matches, self, NULL);
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
  g_signal_connect_object (self->grid_view, "map", G_CALLBACK (tessera_window_grid_mapped_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->grid_view, "unmap", G_CALLBACK (tessera_window_grid_unmapped_cb), self, G_CONNECT_SWAPPED);
  /* The grid's horizontal adjustment changes with its width. */
  g_signal_connect_object (gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->grid_view)), "changed",
                           G_CALLBACK (tessera_window_grid_width_changed_cb), self, G_CONNECT_SWAPPED);
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
  gtk_slice_list_model_set_size (self->grid_slice, tessera_window_grid_first_items (self));
  tessera_window_update_visible_page (self);
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
  if (self->focus_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->focus_tick_id);
  self->focus_tick_id = 0;
  g_clear_pointer (&self->focus_pending_id, g_free);
  if (self->grid_view != NULL)
    tessera_window_grid_unmapped_cb (self);
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
  tessera_window_class_add_grid_callbacks (widget_class);

  tessera_window_class_add_actions (widget_class);
  tessera_window_class_add_lifecycle_actions (widget_class);
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
  tessera_window_apply_search (self, text);
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
