/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window-actions.c: the window's actions (see tessera-window-private.h) */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-credential-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-import-dialog.h"
#include "tessera-preferences-dialog.h"
#include "tessera-error.h"
#include "tessera-window-private.h"

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
      if (tessera_window_is_keyring_problem (error))
        tessera_window_report_error (self, error);
      return;
    }

  /* Asked for (not the check of stale ones on opening): say how it went. */
  if (announce && !tessera_window_is_closed (self) && !tessera_window_store_is_empty (self))
    {
      g_autofree char *summary = describe_verify_all (self->store);

      tessera_window_show_toast (self, summary);
    }
}

void
tessera_window_start_verify_all (TesseraWindow *self,
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
  tessera_window_start_verify_all (TESSERA_WINDOW (widget), FALSE);
}

static void
reconcile_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TesseraWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (tessera_window_is_closed (self))
    return;

  if (!tessera_store_reconcile_finish (TESSERA_STORE (source), result, &error))
    {
      tessera_window_report_error (self, error);
      return;
    }

  tessera_window_hide_keyring_problem (self);
  tessera_window_start_verify_all (self, TRUE);
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

/* Whether @focus is in the tile of credential @id. */
static gboolean
focus_is_on_credential (GtkWidget  *focus,
                        const char *id)
{
  for (GtkWidget *w = focus; w != NULL && id != NULL; w = gtk_widget_get_parent (w))
    {
      /* The grid's cell holds the tile: the focus may be on either. */
      GtkWidget *child = TESSERA_IS_CREDENTIAL_TILE (w) ? w : gtk_widget_get_first_child (w);

      if (child != NULL && TESSERA_IS_CREDENTIAL_TILE (child))
        {
          TesseraCredential *credential = tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (child));

          return credential != NULL && g_strcmp0 (tessera_credential_get_id (credential), id) == 0;
        }
    }

  return FALSE;
}

/* Puts the keyboard focus on a credential's tile (scrolled into view),
 * as after Undo: the person carries on where the tile is back. The grid
 * makes the tile when it next lays itself out, so this tries again on the
 * next frames until the focus is there, and stays there a second. */
static gboolean
focus_pending_cb (GtkWidget     *widget,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  GListModel *model = G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (self->grid_view)));
  guint n = g_list_model_get_n_items (model);
  GtkWidget *focus;
  gint64 now;

  /* Done once the focus has stayed on that tile for a second: the toast
   * whose Undo was pressed goes away meanwhile and may take the focus
   * with it, the grid may first focus the cell where the tile will be,
   * and a late style change (the settings portal answering) may lay the
   * grid out again. Counted in frame time, not frames: on a slow machine
   * frames are few. Ten seconds at most. */
  now = gdk_frame_clock_get_frame_time (clock);
  focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus_is_on_credential (focus, self->focus_pending_id))
    {
      if (self->focus_settled_since == 0)
        self->focus_settled_since = now;
    }
  else if (self->focus_settled_since != 0 && focus != NULL && focus != GTK_WIDGET (self))
    {
      /* It had landed, and went to another widget: the person moved on.
       * (Lost to nothing, as when the grid lays itself out again, it is
       * put back.) */
      self->focus_deadline = now;
    }
  else
    self->focus_settled_since = 0;

  if (self->focus_deadline == 0)
    self->focus_deadline = now + 10 * G_USEC_PER_SEC;
  if ((self->focus_settled_since == 0 || now - self->focus_settled_since < G_USEC_PER_SEC) &&
      now < self->focus_deadline)
    {
      /* Not there (yet, or again): scroll to the tile and focus it. */
      for (guint i = 0; i < n && self->focus_settled_since == 0; i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          if (TESSERA_IS_CREDENTIAL (item) &&
              g_strcmp0 (tessera_credential_get_id (TESSERA_CREDENTIAL (item)), self->focus_pending_id) == 0)
            gtk_grid_view_scroll_to (GTK_GRID_VIEW (self->grid_view), i, GTK_LIST_SCROLL_FOCUS, NULL);
        }
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&self->focus_pending_id, g_free);
  self->focus_tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
focus_credential (TesseraWindow *self,
                  const char    *id)
{
  g_free (self->focus_pending_id);
  self->focus_pending_id = g_strdup (id);
  /* a second after the focus lands, at most ten seconds (focus_pending_cb()) */
  self->focus_deadline = 0;
  self->focus_settled_since = 0;
  if (self->focus_tick_id == 0)
    self->focus_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), focus_pending_cb, NULL, NULL);
}

/**
 * tessera_window_show_credential:
 * @id: a credential's id
 *
 * Shows the credential's tile, as a reminder's "Open" and a search
 * result ask: a search that hides it is cleared, then the tile is
 * scrolled to and focused.
 *
 * Returns: %FALSE when there is no such credential (removed since)
 */
gboolean
tessera_window_show_credential (TesseraWindow *self,
                                const char    *id)
{
  TesseraCredential *credential;

  g_return_val_if_fail (TESSERA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  credential = tessera_store_lookup (self->store, id);
  if (credential == NULL)
    return FALSE;

  /* The search entry keeps the focus through its bar's closing. */
  if (!tessera_window_credential_matches (credential, self))
    {
      tessera_window_set_search_text (self, NULL);
      gtk_widget_grab_focus (self->grid_view);
    }
  focus_credential (self, id);

  return TRUE;
}

void
tessera_window_show_search (TesseraWindow *self,
                            const char    *text)
{
  g_return_if_fail (TESSERA_IS_WINDOW (self));

  tessera_window_set_search_text (self, text);
  if (text != NULL && *text != '\0' && gtk_widget_get_sensitive (self->search_button))
    gtk_widget_grab_focus (self->search_entry);
}

static void
undo_select_cb (TesseraWindow *self,
                AdwToast      *toast)
{
  const char *previous = g_object_get_data (G_OBJECT (toast), "previous-id");
  g_autoptr(GError) error = NULL;

  /* "": none was selected before. The one chosen then may be gone. */
  if (!tessera_store_select (self->store, previous, &error))
    tessera_window_report_error (self, error);
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
      tessera_window_report_error (self, error);
      return;
    }

  /* What scripts use changed: say so, with a way back. A quicker click
   * replaces the toast, whose Undo would go back further than asked. */
  credential = tessera_store_lookup (self->store, id);
  title = g_strdup_printf (_("Scripts now use “%s”"), tessera_credential_get_name (credential));
  toast = tessera_window_new_toast (title);
  g_object_set_data_full (G_OBJECT (toast), "previous-id", g_strdup (previous != NULL ? previous : ""), g_free);
  if (self->select_toast != NULL)
    adw_toast_dismiss (self->select_toast);
  g_set_weak_pointer (&self->select_toast, toast);
  tessera_window_add_undo_toast (self, toast, undo_select_cb);
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

/* "Import from Harness CLI…": what the import did, in a toast when all
 * went well, else each key's sentence in an alert. */
static void
import_finished_cb (TesseraWindow *self,
                    GPtrArray     *sources)
{
  g_autoptr(GString) body = g_string_new (NULL);
  guint imported = 0;
  guint scrubbed = 0;
  gboolean problem = FALSE;

  if (tessera_window_is_closed (self))
    return;

  for (guint i = 0; i < sources->len; i++)
    {
      TesseraImportSource *source = g_ptr_array_index (sources, i);
      g_autofree char *summary = tessera_import_source_dup_summary (source);

      if (tessera_import_source_get_outcome (source) == TESSERA_IMPORT_OUTCOME_IMPORTED)
        imported++;
      else
        problem = TRUE;
      if (tessera_import_source_get_scrubbed (source))
        scrubbed++;
      if (tessera_import_source_get_scrub_error (source) != NULL)
        problem = TRUE;

      if (body->len > 0)
        g_string_append_c (body, '\n');
      g_string_append (body, summary);
    }

  if (!problem)
    {
      g_autofree char *title = NULL;

      if (scrubbed > 0)
        title = g_strdup_printf (ngettext ("Imported %u credential and removed its key from the file",
                                           "Imported %u credentials and removed their keys from the files",
                                           imported), imported);
      else
        title = g_strdup_printf (ngettext ("Imported %u credential", "Imported %u credentials", imported), imported);
      tessera_window_show_toast (self, title);
      return;
    }

  {
    AdwDialog *alert = adw_alert_dialog_new (_("Not Everything Was Imported"), body->str);

    adw_alert_dialog_add_response (ADW_ALERT_DIALOG (alert), "close", _("_Close"));
    adw_dialog_present (alert, GTK_WIDGET (self));
  }
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  g_autofree char *cli_home = tessera_import_source_dup_default_cli_home ();
  AdwDialog *dialog = tessera_import_dialog_new (self->store, g_get_home_dir (), cli_home);

  g_signal_connect_object (dialog, "finished", G_CALLBACK (import_finished_cb), self, G_CONNECT_SWAPPED);
  adw_dialog_present (dialog, widget);
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
  if (error != NULL && !tessera_window_is_cancelled (error) && !tessera_window_is_closed (self) && !tessera_window_is_keyring_problem (error) &&
      (credential = tessera_store_lookup (self->store, id)) != NULL)
    {
      /* TRANSLATORS: a credential's name, then why its check failed */
      g_autofree char *title = g_strdup_printf (_("“%s”: %s"), tessera_credential_get_name (credential),
                                                tessera_error_get_message (error));
      tessera_window_show_toast (self, title);
    }
  else if (error != NULL)
    tessera_window_report_error (self, error);
  else if (!tessera_window_is_closed (self))
    tessera_window_hide_keyring_problem (self);
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
      tessera_window_report_error (self, error);
      return;
    }

  if (tessera_window_is_closed (self))
    {
      tessera_secure_free (token);
      return;
    }

  tessera_window_hide_keyring_problem (self);
  tessera_window_clear_copied_token (self);

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  self->copied_token = create_token_provider (token);
  gdk_clipboard_set_content (clipboard, self->copied_token);
  self->clipboard_timeout_id = g_timeout_add (self->clipboard_timeout_ms,
                                              clipboard_timeout_cb, self);

  seconds = (self->clipboard_timeout_ms + 999) / 1000;
  message = g_strdup_printf (_("Token copied — clears in %u s"), seconds);
  tessera_window_show_toast (self, message);
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
  tessera_window_show_toast (self, _("Account ID copied"));
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
      tessera_window_report_error (self, error);
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
    tessera_window_report_error (self, error);
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
  if (!pending->undone && !tessera_window_is_closed (self))
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
      tessera_window_report_error (self, error);
      return;
    }

  pending = g_new0 (PendingDelete, 1);
  pending->store = g_object_ref (self->store);
  pending->id = g_strdup (id);

  toast = tessera_window_new_toast (title);
  g_object_set_data_full (G_OBJECT (toast), "pending-delete", pending, pending_delete_free);
  g_signal_connect_swapped (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), self);
  /* Undo must be in reach now, not after the toasts before it time out.
   * An earlier delete's toast goes too: that removal becomes final, as if
   * its toast had timed out. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_dismiss_all (self->toast_overlay);
  tessera_window_add_undo_toast (self, toast, undo_delete_cb);
}

/* Installs the window's actions (win.*) and their key bindings. */
void
tessera_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.add-credential", NULL, add_credential_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.verify-all", NULL, verify_all_action);
  gtk_widget_class_install_action (widget_class, "win.retry-keyring", NULL, retry_keyring_action);
  gtk_widget_class_install_action (widget_class, "win.select-credential", "s", select_credential_action);
  gtk_widget_class_install_action (widget_class, "win.edit-credential", "s", edit_credential_action);
  gtk_widget_class_install_action (widget_class, "win.replace-key", "s", replace_key_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.verify-credential", "s", verify_credential_action);
  gtk_widget_class_install_action (widget_class, "win.copy-token", "s", copy_token_action);
  gtk_widget_class_install_action (widget_class, "win.copy-account-id", "s", copy_account_id_action);
  gtk_widget_class_install_action (widget_class, "win.delete-credential", "s", delete_credential_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  /* A binding, not an accelerator: the search entry's own Ctrl+Z (text
   * undo) comes first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
}
