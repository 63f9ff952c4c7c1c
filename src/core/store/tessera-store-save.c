/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-save.c: saving what the user typed, checked with Harness
 *
 * The one path from a pasted key to a saved credential: the fields are
 * checked, the base URL and the account resolved (an empty one is the
 * default), Harness is asked (unless the user chose to save without
 * verifying), and only then is the credential added or updated, with
 * what Harness said.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-base-url.h"
#include "tessera-harness-error-private.h"
#include "tessera-store-private.h"
#include "tessera-words.h"

typedef struct
{
  char                *id;             /* update: the credential edited */
  char                *name;           /* as given; NULL keeps (update) */
  char                *description;
  char                *account_id;
  char                *base_url;
  char                *check_account;  /* resolved: what Harness is asked about */
  char                *check_base_url;
  TesseraToken        *token;          /* the new token, or NULL (update) */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->id);
  g_free (data->name);
  g_free (data->description);
  g_free (data->account_id);
  g_free (data->base_url);
  g_free (data->check_account);
  g_free (data->check_base_url);
  g_clear_pointer (&data->token, tessera_token_unref);
  g_free (data);
}

static SaveData *
save_data_new (GTask               *task,
               const char          *name,
               const char          *description,
               const char          *account_id,
               const char          *base_url,
               TesseraToken        *token)
{
  SaveData *data = g_new0 (SaveData, 1);

  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  data->name = g_strdup (name);
  data->description = g_strdup (description);
  data->account_id = g_strdup (account_id);
  data->base_url = g_strdup (base_url);
  data->token = token != NULL ? tessera_token_ref (token) : NULL;

  return data;
}

/* Harness answered, but says the key is not valid now. */
static GError *
not_accepted_error (void)
{
  return tessera_harness_error_new_literal (TESSERA_HARNESS_ERROR_TOKEN_REJECTED, NULL,
                                            tessera_words_pick (_("Harness says the key is not valid now. It may have expired or not be valid yet."),
                                                                _("Harness says this API key is not valid; it was not saved.")));
}

static void save_checked (GTask               *owned_task,
                          TesseraVerification *verification);

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;

  verification = tessera_harness_client_verify_finish (TESSERA_HARNESS_CLIENT (source), result, &error);
  if (verification == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!tessera_verification_get_valid (verification))
    {
      g_task_return_error (task, not_accepted_error ());
      return;
    }

  save_checked (g_steal_pointer (&task), verification);
}

/* Takes ownership of @owned_task. */
static void
verify (GTask        *owned_task,
        TesseraToken *token)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  tessera_harness_client_verify_async (tessera_store_get_client (self),
                                       data->check_base_url,
                                       *data->check_account != '\0' ? data->check_account : NULL,
                                       token,
                                       cancellable,
                                       on_verified,
                                       g_steal_pointer (&task));
}

/* An edit without a new key, to another account or server: the stored
 * key must still be good there. */
static void
on_stored_token (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TesseraToken) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  value = tessera_store_lookup_token_finish (TESSERA_STORE (source), result, &error);
  if (value != NULL)
    stored = tessera_token_parse (value, &error);

  if (stored == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  verify (g_steal_pointer (&task), stored);
}

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;

  credential = tessera_store_add_finish (TESSERA_STORE (source), result, &error);
  if (credential == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, credential, g_object_unref);
}

static void
on_updated (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_update_finish (TESSERA_STORE (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Takes ownership of @owned_task. @verification: (nullable): %NULL saves
 * "unverified" */
static void
save_checked (GTask               *owned_task,
              TesseraVerification *verification)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (data->id == NULL)
    tessera_store_add_async (self, data->name, data->description, data->check_account, data->check_base_url,
                             data->token, verification, cancellable, on_added, g_steal_pointer (&task));
  else
    tessera_store_update_async (self, data->id, data->name, data->description, data->account_id,
                                data->base_url != NULL ? data->check_base_url : NULL,
                                data->token, verification, cancellable, on_updated, g_steal_pointer (&task));
}

void
tessera_store_add_checked_async (TesseraStore          *self,
                                 const char            *name,
                                 const char            *description,
                                 const char            *account_id,
                                 const char            *base_url,
                                 TesseraToken          *token,
                                 TesseraStoreSaveFlags  flags,
                                 GCancellable          *cancellable,
                                 GAsyncReadyCallback    callback,
                                 gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SaveData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_add_checked_async);
  /* As tessera_store_add_async(): the result says what happened. */
  g_task_set_check_cancellable (task, FALSE);

  data = save_data_new (task, name, description, account_id, base_url, token);
  data->check_account = _tessera_store_resolve_account (account_id, token);

  /* Everything the add would refuse, before Harness is asked. */
  if (!tessera_store_validate_name (self, NULL, name, &error) ||
      !tessera_store_validate_description (description, &error) ||
      !tessera_store_validate_account_id (data->check_account, token, &error) ||
      !(data->check_base_url = _tessera_store_resolve_base_url (self, base_url, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (flags & TESSERA_STORE_SAVE_VERIFY)
    verify (g_steal_pointer (&task), token);
  else
    save_checked (g_steal_pointer (&task), NULL);
}

TesseraCredential *
tessera_store_add_checked_finish (TesseraStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_add_checked_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Whether the credential would go to another account or server. */
static gboolean
moves (TesseraCredential *credential,
       const char        *account_id,
       const char        *base_url)
{
  g_autofree char *old_base_url = tessera_base_url_normalize (tessera_credential_get_base_url (credential), NULL);

  return g_strcmp0 (base_url, old_base_url) != 0 ||
         g_strcmp0 (account_id, tessera_credential_get_account_id (credential)) != 0;
}

gboolean
tessera_store_update_asks_harness (TesseraStore *self,
                                   const char   *id,
                                   const char   *account_id,
                                   const char   *base_url,
                                   TesseraToken *new_token)
{
  TesseraCredential *credential;
  g_autofree char *account = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  if (new_token != NULL)
    return TRUE;

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    return FALSE;

  account = account_id != NULL ? _tessera_store_resolve_account (account_id, NULL)
                               : g_strdup (tessera_credential_get_account_id (credential));
  url = base_url != NULL ? _tessera_store_resolve_base_url (self, base_url, NULL)
                         : g_strdup (tessera_credential_get_base_url (credential));

  return url != NULL && moves (credential, account, url);
}

void
tessera_store_update_checked_async (TesseraStore          *self,
                                    const char            *id,
                                    const char            *name,
                                    const char            *description,
                                    const char            *account_id,
                                    const char            *base_url,
                                    TesseraToken          *new_token,
                                    TesseraStoreSaveFlags  flags,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;
  SaveData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_update_checked_async);
  g_task_set_check_cancellable (task, FALSE);

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  data = save_data_new (task, name, description, account_id, base_url, new_token);
  data->id = g_strdup (id);
  data->check_account = account_id != NULL ? _tessera_store_resolve_account (account_id, new_token)
                                           : g_strdup (tessera_credential_get_account_id (credential));

  if ((name != NULL && !tessera_store_validate_name (self, id, name, &error)) ||
      !tessera_store_validate_description (description, &error) ||
      !tessera_store_validate_account_id (data->check_account, new_token, &error) ||
      !(data->check_base_url = base_url != NULL ? _tessera_store_resolve_base_url (self, base_url, &error)
                                                : g_strdup (tessera_credential_get_base_url (credential))))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!(flags & TESSERA_STORE_SAVE_VERIFY) ||
      (new_token == NULL && !moves (credential, data->check_account, data->check_base_url)))
    save_checked (g_steal_pointer (&task), NULL);
  else if (new_token != NULL)
    verify (g_steal_pointer (&task), new_token);
  else
    tessera_store_lookup_token_async (self, id, cancellable, on_stored_token, g_steal_pointer (&task));
}

gboolean
tessera_store_update_checked_finish (TesseraStore  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_update_checked_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
