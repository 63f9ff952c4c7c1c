/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window-lifecycle.c: Rotate Key…, Renew… and Delete… with its
 * "Also revoke the key on Harness" (see tessera-window-private.h and
 * core/store/tessera-store-lifecycle.c) */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-error.h"
#include "tessera-window-private.h"

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
                                tessera_error_get_message (error));
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
      if (unsaved_key != NULL && !tessera_window_is_closed (data->self))
        show_unsaved_key (data->self, error, unsaved_key);
      else
        {
          tessera_secure_free (unsaved_key);
          tessera_window_report_error (data->self, error);
        }
      return;
    }

  if (tessera_window_is_closed (data->self))
    return;

  /* TRANSLATORS: %s is a credential's name */
  title = g_strdup_printf (_("Rotated the key of “%s”"), data->name);
  tessera_window_show_toast (data->self, title);
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
      if (unsaved_key != NULL && !tessera_window_is_closed (data->self))
        show_unsaved_key (data->self, error, unsaved_key);
      else
        {
          tessera_secure_free (unsaved_key);
          tessera_window_report_error (data->self, error);
        }
      return;
    }

  if (tessera_window_is_closed (data->self))
    return;

  date = g_date_time_new_from_unix_local (data->valid_to_ms / 1000);
  day = g_date_time_format (date, "%x");
  if (revoke_error != NULL)
    /* TRANSLATORS: %s are a credential's name, a date, then why the old token could not be deleted */
    title = g_strdup_printf (_("Renewed “%s” until %s. The old token was not revoked and its key still works: %s "
                               "Delete it in Harness."),
                             data->name, day, tessera_error_get_message (revoke_error));
  else
    /* TRANSLATORS: %s are a credential's name, then a date */
    title = g_strdup_printf (_("Renewed “%s” until %s"), data->name, day);
  tessera_window_show_toast (data->self, title);
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

/* Delete…: the confirmation, where the key can be revoked too. Unchecked,
 * it is the plain delete with Undo (win.delete-credential); checked, the
 * token is deleted on Harness first (tessera_store_revoke_async()), which
 * cannot be undone, and the credential only once Harness did. */

static void
revoke_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Lifecycle) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (!tessera_store_revoke_finish (TESSERA_STORE (source), result, &error))
    {
      if (tessera_window_is_cancelled (error) || tessera_window_is_closed (data->self))
        return;

      /* Harness refused (or could not be asked): the credential is kept. */
      if (tessera_store_lookup (data->self->store, data->id) != NULL &&
          !tessera_window_is_keyring_problem (error))
        {
          /* TRANSLATORS: %s are a credential's name, then why Harness did not revoke its key */
          title = g_strdup_printf (_("“%s” was not revoked and is kept: %s"), data->name,
                                   tessera_error_get_message (error));
          tessera_window_show_toast (data->self, title);
        }
      else
        tessera_window_report_error (data->self, error);
      return;
    }

  if (tessera_window_is_closed (data->self))
    return;

  /* No Undo: the key no longer works anywhere. */
  /* TRANSLATORS: %s is a credential's name */
  title = g_strdup_printf (_("Revoked and deleted “%s”"), data->name);
  tessera_window_show_toast (data->self, title);
}

static void
revoke_toggled_cb (GtkCheckButton *check,
                   AdwAlertDialog *dialog)
{
  adw_alert_dialog_set_response_label (dialog, "delete",
                                       gtk_check_button_get_active (check) ? _("_Revoke and Delete") : _("_Delete"));
}

static void
confirm_delete_cb (AdwAlertDialog *dialog,
                   const char     *response,
                   TesseraWindow  *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "credential-id");
  GtkCheckButton *revoke = g_object_get_data (G_OBJECT (dialog), "revoke-check");
  TesseraCredential *credential = tessera_store_lookup (self->store, id);

  if (!g_str_equal (response, "delete") || credential == NULL)
    return;

  if (!gtk_check_button_get_active (revoke))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.delete-credential", "s", id);
      return;
    }

  tessera_store_revoke_async (self->store, id, self->cancellable, revoke_done_cb, lifecycle_new (self, credential));
}

static void
confirm_delete_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TesseraWindow *self = TESSERA_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  TesseraCredential *credential = tessera_store_lookup (self->store, id);
  GtkWidget *check;
  AdwDialog *dialog;

  if (credential == NULL)
    return;

  dialog = adw_alert_dialog_new (_("Delete Credential?"), NULL);
  /* TRANSLATORS: %s is a credential's name */
  adw_alert_dialog_format_body (ADW_ALERT_DIALOG (dialog),
                                _("“%s” is deleted from Tessera, and can be brought back with Undo for a few seconds. "
                                  "A key that is also revoked stops working everywhere at once: that cannot be undone."),
                                tessera_credential_get_name (credential));

  check = gtk_check_button_new_with_mnemonic (_("Also _revoke the key on Harness"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Also revoke the key on Harness"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("The key stops working at once, for every script that uses it. This cannot be undone."),
                                  -1);
  gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
  adw_alert_dialog_set_extra_child (ADW_ALERT_DIALOG (dialog), check);

  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  "cancel", _("_Cancel"),
                                  "delete", _("_Delete"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), "cancel");
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), "cancel");
  /* The buttons stay side by side when "Revoke and Delete" replaces
   * "Delete", rather than the dialog changing shape under the pointer. */
  adw_alert_dialog_set_prefer_wide_layout (ADW_ALERT_DIALOG (dialog), TRUE);
  g_object_set_data_full (G_OBJECT (dialog), "credential-id", g_strdup (id), g_free);
  g_object_set_data (G_OBJECT (dialog), "revoke-check", check);
  g_signal_connect_object (check, "toggled", G_CALLBACK (revoke_toggled_cb), dialog, G_CONNECT_DEFAULT);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_delete_cb), self, G_CONNECT_DEFAULT);
  adw_dialog_present (dialog, GTK_WIDGET (self));
}

/* Installs win.rotate-key, win.renew-credential and
 * win.confirm-delete-credential. */
void
tessera_window_class_add_lifecycle_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.rotate-key", "s", rotate_key_action);
  gtk_widget_class_install_action (widget_class, "win.renew-credential", "s", renew_credential_action);
  gtk_widget_class_install_action (widget_class, "win.confirm-delete-credential", "s", confirm_delete_action);
}
