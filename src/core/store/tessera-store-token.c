/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-token.c: looking a credential's token up in the keyring,
 * and noting when it is missing (or back)
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-store-private.h"
#include "tessera-words.h"

static void
record_token_missing (TesseraStore      *self,
                      TesseraCredential *credential)
{
  _tessera_store_record_status (self, credential, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING, "token-missing");
}

GError *
_tessera_store_token_missing_error (TesseraCredential *credential)
{
  /* The terminal has no Replace button: it says what to type instead. */
  if (tessera_words_get_audience () == TESSERA_AUDIENCE_TERMINAL)
    return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING,
                                _("The keyring has no key for this credential. Remove it with “tessera remove”, then add the key again with “tessera add”."));

  return g_error_new (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING,
                      _("The keyring has no key for “%s”. Replace the key to use it again."),
                      tessera_credential_get_name (credential));
}

typedef struct
{
  TesseraCredential *credential;
  char              *secret_id;
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_clear_object (&data->credential);
  g_free (data->secret_id);
  g_free (data);
}

/* Records what a lookup found: a missing token, or one that came back. */
void
_tessera_store_note_lookup_result (TesseraStore      *self,
                                   TesseraCredential *credential,
                                   const char        *secret_id,
                                   gboolean           found)
{
  /* The token was replaced meanwhile: this lookup says nothing about it. */
  if (g_strcmp0 (secret_id, _tessera_credential_get_secret_id (credential)) != 0)
    return;

  if (!found && tessera_credential_get_status (credential) != TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING)
    record_token_missing (self, credential);
  else if (found && tessera_credential_get_status (credential) == TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING)
    _tessera_store_record_status (self, credential, TESSERA_CREDENTIAL_STATUS_UNVERIFIED, "");
}

static void
on_token_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LookupData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (error != NULL)
    {
      /* Locked, absent or failing: that says nothing about the token. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _tessera_store_note_lookup_result (self, data->credential, data->secret_id, value != NULL);

  if (value == NULL)
    g_task_return_error (task, _tessera_store_token_missing_error (data->credential));
  else
    g_task_return_pointer (task, g_steal_pointer (&value), (GDestroyNotify) tessera_secure_free);
}

void
tessera_store_lookup_token_async (TesseraStore        *self,
                                  const char          *id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TesseraCredential *credential;
  LookupData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_lookup_token_async);

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  data = g_new0 (LookupData, 1);
  data->credential = g_object_ref (credential);
  data->secret_id = g_strdup (_tessera_credential_get_secret_id (credential));
  g_task_set_task_data (task, data, (GDestroyNotify) lookup_data_free);

  tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (self), data->secret_id, cancellable,
                                       on_token_looked_up, g_steal_pointer (&task));
}

/**
 * tessera_store_lookup_token_finish:
 *
 * Returns: (transfer full) (nullable): the token; free with
 *   tessera_secure_free()
 */
char *
tessera_store_lookup_token_finish (TesseraStore  *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_lookup_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
