/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential-dialog.c: the add / edit credential dialog
 *
 * A form over the store: every check is the store's or the core's own
 * (tessera_token_parse, tessera_store_validate_*, tessera_base_url_normalize),
 * run as the user types so that Save is only enabled for a form the store
 * will accept. Save asks Harness first and writes only what Harness
 * accepted, or, when Harness could not be reached, what the user chose to
 * save unverified.
 */
#define G_LOG_DOMAIN "tessera-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-base-url.h"
#include "tessera-credential-dialog.h"

struct _TesseraCredentialDialog
{
  AdwDialog            parent_instance;

  TesseraStore        *store;
  TesseraCredential   *credential;          /* NULL when adding */

  TesseraToken        *token;               /* parsed from the key row, NULL when empty or invalid */
  TesseraToken        *saving_token;        /* the token being verified, for "save without verifying" */
  GCancellable        *cancellable;
  char                *autofilled_account;  /* what we last put in the account row ourselves */
  char                *banner_text;
  GtkWidget           *focus_before_busy;   /* weak */

  guint                filling : 1;         /* setting rows from code, not from the user */
  guint                busy : 1;
  guint                valid : 1;
  guint                name_touched : 1;
  guint                key_touched : 1;
  guint                account_touched : 1;

  /* Template children */
  AdwWindowTitle      *window_title;
  GtkButton           *cancel_button;
  GtkButton           *save_button;
  GtkStack            *save_stack;
  GtkRevealer         *banner_revealer;
  GtkWidget           *banner;
  GtkImage            *banner_icon;
  GtkLabel            *banner_title;
  GtkLabel            *banner_body;
  GtkButton           *save_unverified_button;
  AdwPreferencesPage  *page;
  AdwEntryRow         *name_row;
  GtkWidget           *name_message_row;
  GtkLabel            *name_message;
  AdwEntryRow         *description_row;
  GtkWidget           *description_message_row;
  GtkLabel            *description_message;
  AdwPasswordEntryRow *key_row;
  GtkWidget           *key_message_row;
  GtkImage            *key_message_icon;
  GtkLabel            *key_message;
  AdwExpanderRow      *help_row;
  AdwEntryRow         *account_row;
  GtkWidget           *account_message_row;
  GtkLabel            *account_message;
  AdwExpanderRow      *server_row;
  AdwEntryRow         *base_url_row;
  GtkWidget           *base_url_message_row;
  GtkLabel            *base_url_message;
};

G_DEFINE_FINAL_TYPE (TesseraCredentialDialog, tessera_credential_dialog, ADW_TYPE_DIALOG)

enum {
  PROP_0,
  PROP_STORE,
  PROP_CREDENTIAL,
  PROP_BUSY,
  N_PROPS
};

enum {
  SAVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void save_credential (TesseraCredentialDialog *self,
                             TesseraVerification     *verification);

static gboolean
is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text++)
    {
      if (!g_ascii_isspace (*text))
        return FALSE;
    }

  return TRUE;
}

static char *
dup_trimmed (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

static void
set_row_text (TesseraCredentialDialog *self,
              AdwEntryRow             *row,
              const char              *text)
{
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  self->filling = FALSE;
}

/* Shows @text under @row: an error (red, and the row flagged) or a hint.
 * The same words become the row's accessible description, so a screen
 * reader hears them with the field. */
static void
show_field_message (GtkWidget  *row,
                    GtkWidget  *message_row,
                    GtkLabel   *label,
                    const char *text,
                    gboolean    is_error)
{
  gboolean has_text = text != NULL && *text != '\0';

  gtk_label_set_text (label, has_text ? text : "");
  gtk_widget_set_visible (message_row, has_text);

  if (has_text && is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
      gtk_widget_add_css_class (row, "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      gtk_widget_remove_css_class (row, "error");
    }

  if (has_text)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  gtk_accessible_update_state (GTK_ACCESSIBLE (row),
                               GTK_ACCESSIBLE_STATE_INVALID,
                               has_text && is_error ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

static void
hide_banner (TesseraCredentialDialog *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->save_unverified_button), FALSE);
  g_clear_pointer (&self->banner_text, g_free);
}

static void
show_banner (TesseraCredentialDialog *self,
             GtkMessageType           type,
             const char              *title,
             const char              *body,
             gboolean                 offer_unverified)
{
  gtk_widget_remove_css_class (self->banner, type == GTK_MESSAGE_WARNING ? "error" : "warning");
  gtk_widget_add_css_class (self->banner, type == GTK_MESSAGE_WARNING ? "warning" : "error");
  gtk_image_set_from_icon_name (self->banner_icon,
                                type == GTK_MESSAGE_WARNING ? "network-offline-symbolic" : "dialog-error-symbolic");
  gtk_label_set_text (self->banner_title, title);
  gtk_label_set_text (self->banner_body, body);
  gtk_widget_set_visible (GTK_WIDGET (self->save_unverified_button), offer_unverified);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);

  g_free (self->banner_text);
  self->banner_text = g_strdup_printf ("%s\n%s", title, body);

  /* Announce it: the user pressed Save and is waiting for an answer. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->banner),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, body,
                                  -1);
}

static const char *
failure_title (const GError *error)
{
  if (error->domain == TESSERA_HARNESS_ERROR)
    {
      switch ((TesseraHarnessError) error->code)
        {
        case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
          return _("Harness did not accept this API key");
        case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
          return _("This API key has expired");
        case TESSERA_HARNESS_ERROR_FORBIDDEN:
          return _("Harness refused access with this API key");
        case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
          return _("The API key belongs to another account");
        case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
          return _("The account ID is missing");
        case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
        case TESSERA_HARNESS_ERROR_INSECURE_URL:
          return _("The API base URL can’t be used");
        case TESSERA_HARNESS_ERROR_BAD_REQUEST:
        case TESSERA_HARNESS_ERROR_TOKEN_LIMIT:
          return _("Harness turned the request away");
        case TESSERA_HARNESS_ERROR_RATE_LIMITED:
        case TESSERA_HARNESS_ERROR_SERVER_ERROR:
        case TESSERA_HARNESS_ERROR_NOT_HARNESS:
        case TESSERA_HARNESS_ERROR_REDIRECTED:
        case TESSERA_HARNESS_ERROR_TLS:
        case TESSERA_HARNESS_ERROR_NETWORK:
        case TESSERA_HARNESS_ERROR_TIMED_OUT:
        case TESSERA_HARNESS_ERROR_CANCELLED:
        default:
          return _("Couldn’t check the API key with Harness");
        }
    }

  if (error->domain == TESSERA_STORE_ERROR)
    return _("Couldn’t save the credential");

  return _("Couldn’t check the API key");
}

static void
show_failure (TesseraCredentialDialog *self,
              const GError            *error)
{
  g_autoptr(GString) body = g_string_new (error->message);
  gboolean transient = FALSE;

  if (error->domain == TESSERA_HARNESS_ERROR)
    {
      const char *correlation_id = tessera_harness_error_get_correlation_id (error);

      transient = tessera_harness_error_is_transient (error);

      if (transient)
        g_string_append_printf (body, "\n%s", _("You can save the credential now and verify it later."));

      if (correlation_id != NULL && *correlation_id != '\0')
        {
          g_string_append_c (body, '\n');
          /* Translators: the id Harness gave the failed request, for a support ticket */
          g_string_append_printf (body, _("Reference: %s"), correlation_id);
        }
    }

  show_banner (self,
               transient ? GTK_MESSAGE_WARNING : GTK_MESSAGE_ERROR,
               failure_title (error),
               body->str,
               transient);
}

static void
set_busy (TesseraCredentialDialog *self,
          gboolean                 busy)
{
  busy = !!busy;

  if (self->busy == busy)
    return;

  self->busy = busy;

  /* Keep the focus out of the form while it is insensitive, and give it
   * back afterwards; Cancel is what the keyboard can do meanwhile. */
  if (busy)
    {
      g_set_weak_pointer (&self->focus_before_busy, adw_dialog_get_focus (ADW_DIALOG (self)));
      gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_unverified_button), !busy);
  gtk_stack_set_visible_child_name (self->save_stack, busy ? "spinner" : "label");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "credential-dialog.save", self->valid && !busy);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, busy, -1);

  if (!busy)
    adw_window_title_set_subtitle (self->window_title, NULL);

  if (!busy && self->focus_before_busy != NULL)
    {
      /* Back where the user was, without selecting all of that row's text. */
      if (GTK_IS_TEXT (self->focus_before_busy))
        gtk_text_grab_focus_without_selecting (GTK_TEXT (self->focus_before_busy));
      else
        gtk_widget_grab_focus (self->focus_before_busy);
      g_clear_weak_pointer (&self->focus_before_busy);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
update_key_message (TesseraCredentialDialog *self,
                    const GError            *error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *icon_name = NULL;
  gboolean is_error = FALSE;

  if (error != NULL)
    {
      if (self->key_touched)
        g_string_append (text, error->message);
      is_error = TRUE;
    }
  else if (self->token != NULL)
    {
      TesseraCredentialKind kind = tessera_token_get_kind (self->token);

      icon_name = kind == TESSERA_CREDENTIAL_KIND_SAT ? "tessera-service-account-symbolic" : "avatar-default-symbolic";
      g_string_append (text, tessera_credential_kind_to_string (kind));

      if (tessera_token_is_legacy (self->token))
        g_string_append_printf (text, "\n%s", _("An older key that doesn’t include the account: enter the account ID below."));
      else if (!tessera_token_has_usual_shape (self->token))
        g_string_append_printf (text, "\n%s", _("This key is shorter or longer than Harness keys usually are. It may still work."));
    }
  else if (self->credential != NULL)
    {
      const char *hint = tessera_credential_get_token_hint (self->credential);

      if (hint != NULL && *hint != '\0')
        /* Translators: %s is the masked current key, e.g. pat.abc.•••• */
        g_string_printf (text, _("Leave empty to keep the current key: %s"), hint);
      else
        g_string_append (text, _("Leave empty to keep the current key."));
    }

  gtk_image_set_from_icon_name (self->key_message_icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (self->key_message_icon), icon_name != NULL);

  show_field_message (GTK_WIDGET (self->key_row), self->key_message_row, self->key_message,
                      text->str, is_error);
}

/* Runs every check on every change: the form is small and the checks are
 * cheap, and one place deciding validity keeps Save honest. @key_changed:
 * the user changed the key, so the account row may follow it. */
static void
update_form (TesseraCredentialDialog *self,
             gboolean                 key_changed)
{
  g_autoptr(GError) name_error = NULL;
  g_autoptr(GError) description_error = NULL;
  g_autoptr(GError) key_error = NULL;
  g_autoptr(GError) account_error = NULL;
  g_autoptr(GError) url_error = NULL;
  g_autofree char *base_url = NULL;
  const char *exclude_id = self->credential != NULL ? tessera_credential_get_id (self->credential) : NULL;
  const char *key_text;
  const char *account;
  const char *token_account = NULL;
  gboolean name_ok, description_ok, key_ok, account_ok, url_ok;

  /* Name */
  name_ok = tessera_store_validate_name (self->store, exclude_id,
                                         gtk_editable_get_text (GTK_EDITABLE (self->name_row)),
                                         &name_error);
  show_field_message (GTK_WIDGET (self->name_row), self->name_message_row, self->name_message,
                      !name_ok && self->name_touched ? name_error->message : NULL, TRUE);

  /* Description */
  description_ok = tessera_store_validate_description (gtk_editable_get_text (GTK_EDITABLE (self->description_row)),
                                                      &description_error);
  show_field_message (GTK_WIDGET (self->description_row), self->description_message_row, self->description_message,
                      description_ok ? _("Optional. A description helps others understand what this credential is for.")
                                     : description_error->message,
                      !description_ok);

  /* API key: parsed straight from the row's buffer, never copied out */
  g_clear_pointer (&self->token, tessera_token_unref);
  key_text = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  if (is_blank (key_text))
    {
      key_ok = self->credential != NULL;
      if (!key_ok)
        g_set_error_literal (&key_error, TESSERA_TOKEN_ERROR, TESSERA_TOKEN_ERROR_EMPTY,
                             _("Paste the API key you copied from Harness."));
    }
  else
    {
      self->token = tessera_token_parse (key_text, &key_error);
      key_ok = self->token != NULL;
    }

  update_key_message (self, key_error);

  /* Account identifier: follows the key until the user types their own,
   * and goes with the key it came from. Only a change of the key moves it:
   * rewriting the account row while the user edits it would mix their
   * typing with ours. An empty key when editing stands for the stored one,
   * whose account is the credential's. */
  if (self->token != NULL)
    token_account = tessera_token_get_account_id (self->token);
  else if (self->credential != NULL && is_blank (key_text))
    token_account = tessera_credential_get_account_id (self->credential);

  account = gtk_editable_get_text (GTK_EDITABLE (self->account_row));

  if (key_changed &&
      (is_blank (account) || g_strcmp0 (account, self->autofilled_account) == 0))
    {
      g_free (self->autofilled_account);
      self->autofilled_account = g_strdup (token_account);
      set_row_text (self, self->account_row, token_account);
      account = gtk_editable_get_text (GTK_EDITABLE (self->account_row));
    }

  account_ok = tessera_store_validate_account_id (account, self->token, &account_error);

  if (!account_ok && (self->account_touched || self->token != NULL))
    show_field_message (GTK_WIDGET (self->account_row), self->account_message_row, self->account_message,
                        account_error->message, TRUE);
  else if (self->token != NULL && token_account != NULL && g_strcmp0 (account, token_account) == 0)
    show_field_message (GTK_WIDGET (self->account_row), self->account_message_row, self->account_message,
                        _("Filled in from the API key."), FALSE);
  else if (is_blank (account))
    show_field_message (GTK_WIDGET (self->account_row), self->account_message_row, self->account_message,
                        _("Filled in from the API key when the key includes it."), FALSE);
  else
    show_field_message (GTK_WIDGET (self->account_row), self->account_message_row, self->account_message,
                        NULL, FALSE);

  /* Server */
  base_url = tessera_base_url_normalize (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)), &url_error);
  url_ok = base_url != NULL;

  show_field_message (GTK_WIDGET (self->base_url_row), self->base_url_message_row, self->base_url_message,
                      url_ok ? _("A Harness SaaS cluster, your vanity URL or a Self-Managed Platform address.")
                             : url_error->message,
                      !url_ok);
  adw_expander_row_set_subtitle (self->server_row,
                                 url_ok ? base_url : gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)));
  if (!url_ok)
    adw_expander_row_set_expanded (self->server_row, TRUE);

  self->valid = name_ok && description_ok && key_ok && account_ok && url_ok;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "credential-dialog.save", self->valid && !self->busy);
}

/* Where Enter takes the user when the form can't be saved yet. */
static GtkWidget *
first_invalid_row (TesseraCredentialDialog *self)
{
  GtkWidget *rows[] = {
    GTK_WIDGET (self->name_row),
    GTK_WIDGET (self->description_row),
    GTK_WIDGET (self->key_row),
    GTK_WIDGET (self->account_row),
    GTK_WIDGET (self->base_url_row),
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      if (gtk_widget_has_css_class (rows[i], "error"))
        return rows[i];
    }

  if (is_blank (gtk_editable_get_text (GTK_EDITABLE (self->name_row))))
    return rows[0];
  if (self->token == NULL && self->credential == NULL)
    return rows[2];

  return NULL;
}

static char *
dup_account_for_save (TesseraCredentialDialog *self,
                      TesseraToken            *token)
{
  g_autofree char *account = dup_trimmed (GTK_EDITABLE (self->account_row));

  if (*account == '\0' && token != NULL && tessera_token_get_account_id (token) != NULL)
    return g_strdup (tessera_token_get_account_id (token));

  return g_steal_pointer (&account);
}

static char *
dup_base_url (TesseraCredentialDialog *self)
{
  return tessera_base_url_normalize (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)), NULL);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_CANCELLED);
}

/* The dialog was closed while a request ran: nothing left to update. */
static gboolean
is_gone (TesseraCredentialDialog *self)
{
  return self->store == NULL;
}

static void
saved (TesseraCredentialDialog *self,
       TesseraCredential       *credential)
{
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SAVED], 0, credential);
  adw_dialog_close (ADW_DIALOG (self));
}

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(TesseraCredentialDialog) self = user_data;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = tessera_store_add_finish (TESSERA_STORE (object), result, &error);

  if (is_cancelled (error) || is_gone (self))
    return;

  if (credential == NULL)
    {
      set_busy (self, FALSE);
      show_failure (self, error);
      return;
    }

  saved (self, credential);
}

static void
update_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TesseraCredentialDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_update_finish (TESSERA_STORE (object), result, &error))
    {
      if (is_cancelled (error) || is_gone (self))
        return;

      set_busy (self, FALSE);
      show_failure (self, error);
      return;
    }

  saved (self, self->credential);
}

/* @verification: (nullable): %NULL saves without Harness's word */
static void
save_credential (TesseraCredentialDialog *self,
                 TesseraVerification     *verification)
{
  g_autofree char *name = dup_trimmed (GTK_EDITABLE (self->name_row));
  g_autofree char *description = dup_trimmed (GTK_EDITABLE (self->description_row));
  g_autofree char *account = dup_account_for_save (self, self->saving_token);
  g_autofree char *base_url = dup_base_url (self);

  adw_window_title_set_subtitle (self->window_title, _("Saving…"));

  if (self->credential == NULL)
    tessera_store_add_async (self->store, name, description, account, base_url,
                             self->saving_token, verification, self->cancellable,
                             add_cb, g_object_ref (self));
  else
    tessera_store_update_async (self->store, tessera_credential_get_id (self->credential),
                                name, description, account, base_url,
                                self->saving_token, verification, self->cancellable,
                                update_cb, g_object_ref (self));
}

static void
verify_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TesseraCredentialDialog) self = user_data;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;

  verification = tessera_harness_client_verify_finish (TESSERA_HARNESS_CLIENT (object), result, &error);

  if (is_cancelled (error) || is_gone (self))
    return;

  if (verification == NULL)
    {
      set_busy (self, FALSE);
      show_failure (self, error);
      return;
    }

  if (!tessera_verification_get_valid (verification))
    {
      set_busy (self, FALSE);
      show_banner (self, GTK_MESSAGE_ERROR,
                   _("Harness did not accept this API key"),
                   _("Harness says the key is not valid now. It may have expired or not be valid yet."),
                   FALSE);
      return;
    }

  save_credential (self, verification);
}

static void
verify (TesseraCredentialDialog *self,
        TesseraToken            *token)
{
  g_autofree char *account = dup_account_for_save (self, token);
  g_autofree char *base_url = dup_base_url (self);

  adw_window_title_set_subtitle (self->window_title, _("Checking the key with Harness…"));

  tessera_harness_client_verify_async (tessera_store_get_client (self->store),
                                       base_url,
                                       *account != '\0' ? account : NULL,
                                       token,
                                       self->cancellable,
                                       verify_cb,
                                       g_object_ref (self));
}

/* Editing without a new key, but with another server or account: the
 * stored key must still be good there. */
static void
lookup_token_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TesseraCredentialDialog) self = user_data;
  g_autoptr(TesseraToken) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  value = tessera_store_lookup_token_finish (TESSERA_STORE (object), result, &error);

  if (is_cancelled (error) || is_gone (self))
    return;

  if (value != NULL)
    stored = tessera_token_parse (value, &error);

  if (stored == NULL)
    {
      set_busy (self, FALSE);
      show_banner (self, GTK_MESSAGE_ERROR,
                   _("Couldn’t read the stored API key"),
                   error->message,
                   FALSE);
      return;
    }

  verify (self, stored);
}

static gboolean
server_or_account_changed (TesseraCredentialDialog *self)
{
  g_autofree char *base_url = dup_base_url (self);
  g_autofree char *account = dup_trimmed (GTK_EDITABLE (self->account_row));
  g_autofree char *old_base_url = tessera_base_url_normalize (tessera_credential_get_base_url (self->credential), NULL);

  return g_strcmp0 (base_url, old_base_url) != 0 ||
         g_strcmp0 (account, tessera_credential_get_account_id (self->credential)) != 0;
}

static void
start_save (TesseraCredentialDialog *self,
            gboolean                 verified)
{
  hide_banner (self);
  set_busy (self, TRUE);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* "Save without verifying" saves the key the failed check was for. */
  if (verified)
    {
      g_clear_pointer (&self->saving_token, tessera_token_unref);
      if (self->token != NULL)
        self->saving_token = tessera_token_ref (self->token);
    }

  if (!verified)
    save_credential (self, NULL);
  else if (self->saving_token != NULL)
    verify (self, self->saving_token);
  else if (server_or_account_changed (self))
    tessera_store_lookup_token_async (self->store,
                                      tessera_credential_get_id (self->credential),
                                      self->cancellable,
                                      lookup_token_cb,
                                      g_object_ref (self));
  else
    save_credential (self, NULL);
}

static void
field_changed_cb (TesseraCredentialDialog *self,
                  GtkEditable             *row)
{
  if (self->filling)
    return;

  if (row == GTK_EDITABLE (self->name_row))
    self->name_touched = TRUE;
  else if (row == GTK_EDITABLE (self->key_row))
    self->key_touched = TRUE;
  else if (row == GTK_EDITABLE (self->account_row))
    self->account_touched = TRUE;

  /* What the banner said was about the form as it was. */
  if (!self->busy)
    hide_banner (self);

  update_form (self, row == GTK_EDITABLE (self->key_row));
}

static void
entry_activated_cb (TesseraCredentialDialog *self,
                    AdwEntryRow             *row)
{
  GtkWidget *invalid;

  if (self->busy)
    return;

  if (self->valid)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "credential-dialog.save", NULL);
      return;
    }

  self->name_touched = self->key_touched = self->account_touched = TRUE;
  update_form (self, FALSE);

  invalid = first_invalid_row (self);
  if (invalid != NULL)
    gtk_widget_grab_focus (invalid);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (widget);

  if (!self->valid || self->busy)
    return;

  start_save (self, TRUE);
}

static void
save_unverified_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (widget);

  if (!self->valid || self->busy)
    return;

  start_save (self, FALSE);
}

static void
use_cluster_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), g_variant_get_string (parameter, NULL));
  gtk_editable_set_position (GTK_EDITABLE (self->base_url_row), -1);
}

/* The key never outlives the dialog on screen. */
static void
clear_key (TesseraCredentialDialog *self)
{
  if (self->key_row != NULL)
    set_row_text (self, ADW_ENTRY_ROW (self->key_row), NULL);
  g_clear_pointer (&self->token, tessera_token_unref);
  g_clear_pointer (&self->saving_token, tessera_token_unref);
}

/* Closed by Cancel, Escape, a click outside a sheet or after Save: stop
 * what runs and forget the key at once, not when the dialog is freed. */
static void
tessera_credential_dialog_closed (AdwDialog *dialog)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (dialog);

  g_cancellable_cancel (self->cancellable);
  clear_key (self);

  if (ADW_DIALOG_CLASS (tessera_credential_dialog_parent_class)->closed != NULL)
    ADW_DIALOG_CLASS (tessera_credential_dialog_parent_class)->closed (dialog);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  adw_dialog_close (ADW_DIALOG (widget));
}

static void
fill_from_credential (TesseraCredentialDialog *self)
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *default_base_url = NULL;

  if (self->credential == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Add Credential"));
      adw_dialog_set_title (ADW_DIALOG (self), _("Add Credential"));

      default_base_url = g_settings_get_string (tessera_store_get_settings (self->store), "default-base-url");
      set_row_text (self, self->base_url_row,
                    !is_blank (default_base_url) ? default_base_url : TESSERA_DEFAULT_BASE_URL);
    }
  else
    {
      adw_window_title_set_title (self->window_title, _("Edit Credential"));
      adw_dialog_set_title (ADW_DIALOG (self), _("Edit Credential"));

      set_row_text (self, self->name_row, tessera_credential_get_name (self->credential));
      set_row_text (self, self->description_row, tessera_credential_get_description (self->credential));
      set_row_text (self, self->account_row, tessera_credential_get_account_id (self->credential));
      set_row_text (self, self->base_url_row, tessera_credential_get_base_url (self->credential));

      /* The account shown came from the stored key: a new key may replace it. */
      self->autofilled_account = g_strdup (tessera_credential_get_account_id (self->credential));
    }

  update_form (self, FALSE);
}

/* The key lives in a GtkPasswordEntryBuffer: non-pageable memory that GTK
 * wipes when the buffer is freed. */
static void
use_secure_buffer (AdwPasswordEntryRow *row)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (row));
  g_autoptr(GtkEntryBuffer) buffer = gtk_password_entry_buffer_new ();

  if (GTK_IS_TEXT (delegate))
    gtk_text_set_buffer (GTK_TEXT (delegate), buffer);
}

/* libadwaita 1.2 gives the key row's show/hide icon a tooltip but no
 * accessible name: a screen reader would call it "GtkImage". */
static void
name_peek_button (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (child)) == GTK_ACCESSIBLE_ROLE_BUTTON)
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show or hide the API key"),
                                        -1);
      else
        name_peek_button (child);
    }
}

static void
tessera_credential_dialog_constructed (GObject *object)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (object);

  G_OBJECT_CLASS (tessera_credential_dialog_parent_class)->constructed (object);

  g_return_if_fail (TESSERA_IS_STORE (self->store));

  fill_from_credential (self);
  adw_dialog_set_focus (ADW_DIALOG (self), GTK_WIDGET (self->name_row));
}

static void
tessera_credential_dialog_dispose (GObject *object)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  clear_key (self);
  g_clear_weak_pointer (&self->focus_before_busy);

  gtk_widget_dispose_template (GTK_WIDGET (self), TESSERA_TYPE_CREDENTIAL_DIALOG);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->credential);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tessera_credential_dialog_parent_class)->dispose (object);
}

static void
tessera_credential_dialog_finalize (GObject *object)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (object);

  g_free (self->autofilled_account);
  g_free (self->banner_text);

  G_OBJECT_CLASS (tessera_credential_dialog_parent_class)->finalize (object);
}

static void
tessera_credential_dialog_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, tessera_credential_dialog_get_store (self));
      break;

    case PROP_CREDENTIAL:
      g_value_set_object (value, tessera_credential_dialog_get_credential (self));
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, tessera_credential_dialog_get_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_credential_dialog_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  TesseraCredentialDialog *self = TESSERA_CREDENTIAL_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_CREDENTIAL:
      self->credential = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_credential_dialog_class_init (TesseraCredentialDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwDialogClass *dialog_class = ADW_DIALOG_CLASS (klass);

  object_class->constructed = tessera_credential_dialog_constructed;
  object_class->dispose = tessera_credential_dialog_dispose;
  object_class->finalize = tessera_credential_dialog_finalize;
  object_class->get_property = tessera_credential_dialog_get_property;
  object_class->set_property = tessera_credential_dialog_set_property;

  dialog_class->closed = tessera_credential_dialog_closed;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         TESSERA_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* NULL to add a new credential */
  properties[PROP_CREDENTIAL] =
    g_param_spec_object ("credential", NULL, NULL,
                         TESSERA_TYPE_CREDENTIAL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /* TRUE while asking Harness or saving */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TesseraCredentialDialog::saved:
   * @credential: the credential as the store now has it
   *
   * Emitted once the store has saved the credential, just before the
   * dialog closes.
   */
  signals[SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TESSERA_TYPE_CREDENTIAL);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tessera/Tessera/tessera-credential-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, save_stack);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, banner);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, banner_icon);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, banner_title);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, banner_body);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, save_unverified_button);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, page);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, name_message_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, name_message);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, description_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, description_message_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, description_message);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, key_message_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, key_message_icon);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, key_message);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, help_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, account_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, account_message_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, account_message);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, base_url_message_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialDialog, base_url_message);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "credential-dialog.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "credential-dialog.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "credential-dialog.save-unverified", NULL, save_unverified_action);
  gtk_widget_class_install_action (widget_class, "credential-dialog.use-cluster", "s", use_cluster_action);

}

static void
tessera_credential_dialog_init (TesseraCredentialDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->filling = TRUE;
  use_secure_buffer (self->key_row);
  self->filling = FALSE;
  name_peek_button (GTK_WIDGET (self->key_row));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "credential-dialog.save", FALSE);
}

/**
 * tessera_credential_dialog_new:
 * @store: where the credential is saved
 * @credential: (nullable): the credential to edit, or %NULL to add one
 *
 * A dialog that checks the API key with Harness, saves through @store
 * and closes itself once saved. The caller presents it on its window
 * with adw_dialog_present().
 *
 * Returns: (transfer floating): the dialog
 */
AdwDialog *
tessera_credential_dialog_new (TesseraStore      *store,
                               TesseraCredential *credential)
{
  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);
  g_return_val_if_fail (credential == NULL || TESSERA_IS_CREDENTIAL (credential), NULL);

  return g_object_new (TESSERA_TYPE_CREDENTIAL_DIALOG,
                       "store", store,
                       "credential", credential,
                       NULL);
}

/**
 * tessera_credential_dialog_get_store:
 *
 * Returns: (transfer none): the store the dialog saves to
 */
TesseraStore *
tessera_credential_dialog_get_store (TesseraCredentialDialog *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self), NULL);

  return self->store;
}

/**
 * tessera_credential_dialog_get_credential:
 *
 * Returns: (transfer none) (nullable): the credential being edited, or
 *   %NULL when adding
 */
TesseraCredential *
tessera_credential_dialog_get_credential (TesseraCredentialDialog *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self), NULL);

  return self->credential;
}

/**
 * tessera_credential_dialog_get_busy:
 *
 * Returns: %TRUE while the dialog asks Harness or saves
 */
gboolean
tessera_credential_dialog_get_busy (TesseraCredentialDialog *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self), FALSE);

  return self->busy;
}

/**
 * tessera_credential_dialog_get_field_message:
 * @row_title: the title of an entry row, e.g. "Credential name"
 * @is_error: (out) (optional): whether the message is an error
 *
 * For tests: the text shown under a row.
 *
 * Returns: (nullable): the message, or %NULL when none is shown
 */
const char *
tessera_credential_dialog_get_field_message (TesseraCredentialDialog *self,
                                             const char              *row_title,
                                             gboolean                *is_error)
{
  struct {
    AdwPreferencesRow *row;
    GtkWidget         *message_row;
    GtkLabel          *message;
  } fields[] = {
    { ADW_PREFERENCES_ROW (self->name_row), self->name_message_row, self->name_message },
    { ADW_PREFERENCES_ROW (self->description_row), self->description_message_row, self->description_message },
    { ADW_PREFERENCES_ROW (self->key_row), self->key_message_row, self->key_message },
    { ADW_PREFERENCES_ROW (self->account_row), self->account_message_row, self->account_message },
    { ADW_PREFERENCES_ROW (self->base_url_row), self->base_url_message_row, self->base_url_message },
  };

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self), NULL);
  g_return_val_if_fail (row_title != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (g_strcmp0 (adw_preferences_row_get_title (fields[i].row), row_title) != 0)
        continue;

      if (is_error != NULL)
        *is_error = gtk_widget_has_css_class (GTK_WIDGET (fields[i].row), "error");

      if (!gtk_widget_get_visible (fields[i].message_row))
        return NULL;

      return gtk_label_get_text (fields[i].message);
    }

  g_return_val_if_reached (NULL);
}

/**
 * tessera_credential_dialog_get_banner_text:
 *
 * For tests: the failure the dialog shows above the form.
 *
 * Returns: (nullable): its title and text on two lines, or %NULL
 */
const char *
tessera_credential_dialog_get_banner_text (TesseraCredentialDialog *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self), NULL);

  return self->banner_text;
}

/**
 * tessera_credential_dialog_focus_key:
 *
 * Starts the dialog in the API key row, for "Replace Key…": the rest of
 * the credential stays as it is.
 */
void
tessera_credential_dialog_focus_key (TesseraCredentialDialog *self)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL_DIALOG (self));

  adw_dialog_set_focus (ADW_DIALOG (self), GTK_WIDGET (self->key_row));
}
