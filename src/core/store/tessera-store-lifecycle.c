/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-lifecycle.c: rotate, renew and revoke a credential's token
 * on Harness (harness-api.md §6)
 *
 * Each works on what the last verification kept with the metadata
 * (token-identifier, api-key-identifier, parent-identifier, api-key-type,
 * and org-identifier, project-identifier for a scoped key);
 * a credential never verified is verified first. What happens when a step
 * fails:
 *   rotate  Harness refuses: nothing changed. The new key cannot be
 *           checked: it is stored anyway, unverified (Harness made it).
 *           The keyring or the settings fail: the new key is handed back
 *           once (unsaved_key) so the user can copy it; the old key stays
 *           the credential's and works until the grace period ends.
 *   renew   create refused (token limit…): nothing changed. Storing
 *           fails: as rotate, and the old token is not deleted. Deleting
 *           the old token fails: the new key is the credential's already;
 *           revoke_error says why the old one is still on Harness.
 *   revoke  Harness refuses: the credential is kept, and the error says
 *           why. Removing it locally fails after Harness deleted the
 *           token: the error is the store's, the key no longer works.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>

#include "tessera-harness-error-private.h"
#include "tessera-store-private.h"

#define MAX_GRACE_SECONDS (7 * 24 * 60 * 60)

typedef enum
{
  OPERATION_ROTATE,
  OPERATION_RENEW,
  OPERATION_REVOKE,
} Operation;

typedef struct
{
  Operation     operation;
  char         *id;
  gint64        when_ms;             /* rotate: rotateTimestamp; renew: validTo */
  char         *base_url;
  char         *account_id;          /* NULL: the token's */
  char         *identifier;
  char         *api_key_identifier;
  char         *parent_identifier;
  char         *api_key_type;
  char         *org_identifier;      /* "": an account-level key */
  char         *project_identifier;
  gboolean      verified_first;
  TesseraToken *old_token;
  TesseraToken *new_token;
  char         *new_key;             /* wiped when freed */
  GError       *revoke_error;        /* renew: the old token is still on Harness */
} LifecycleData;

static void
lifecycle_data_free (LifecycleData *data)
{
  g_free (data->id);
  g_free (data->base_url);
  g_free (data->account_id);
  g_free (data->identifier);
  g_free (data->api_key_identifier);
  g_free (data->parent_identifier);
  g_free (data->api_key_type);
  g_free (data->org_identifier);
  g_free (data->project_identifier);
  g_clear_pointer (&data->old_token, tessera_token_unref);
  g_clear_pointer (&data->new_token, tessera_token_unref);
  g_clear_pointer (&data->new_key, tessera_secure_free);
  g_clear_error (&data->revoke_error);
  g_free (data);
}

static TesseraHarnessTokenRef
old_ref (LifecycleData *data)
{
  TesseraHarnessTokenRef ref = {
    .identifier = data->identifier,
    .api_key_identifier = data->api_key_identifier,
    .parent_identifier = data->parent_identifier,
    .api_key_type = data->api_key_type,
    .org_identifier = data->org_identifier,
    .project_identifier = data->project_identifier,
  };

  return ref;
}

static gboolean
has_string (const char *s)
{
  return s != NULL && s[0] != '\0';
}

/* Reads the token's description from the settings; FALSE when a part is
 * missing. */
static gboolean
read_description (TesseraStore  *self,
                  LifecycleData *data)
{
  TesseraCredential *credential = tessera_store_lookup (self, data->id);
  g_autoptr(GSettings) settings = NULL;
  const char *account_id;

  if (credential == NULL)
    return FALSE;

  settings = _tessera_store_new_credential_settings (self, data->id);
  g_set_str (&data->base_url, tessera_credential_get_base_url (credential));
  account_id = tessera_credential_get_account_id (credential);
  g_set_str (&data->account_id, has_string (account_id) ? account_id : NULL);
  g_free (data->identifier);
  data->identifier = g_settings_get_string (settings, "token-identifier");
  g_free (data->api_key_identifier);
  data->api_key_identifier = g_settings_get_string (settings, "api-key-identifier");
  g_free (data->parent_identifier);
  data->parent_identifier = g_settings_get_string (settings, "parent-identifier");
  g_free (data->api_key_type);
  data->api_key_type = g_settings_get_string (settings, "api-key-type");
  g_free (data->org_identifier);
  data->org_identifier = g_settings_get_string (settings, "org-identifier");
  g_free (data->project_identifier);
  data->project_identifier = g_settings_get_string (settings, "project-identifier");

  return has_string (data->identifier) && has_string (data->api_key_identifier) &&
         has_string (data->parent_identifier) && has_string (data->api_key_type);
}

static void
return_error (GTask  *task,
              GError *error)
{
  g_task_return_error (task, error);
}

/* Renew: the old token is deleted with the new key, which works whatever
 * happens to the old one meanwhile. */
static void
on_old_deleted (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LifecycleData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tessera_harness_client_delete_finish (TESSERA_HARNESS_CLIENT (source), result, &error))
    data->revoke_error = error;

  g_task_return_boolean (task, TRUE);
}

static void
on_new_key_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  TesseraHarnessTokenRef ref;

  if (!tessera_store_update_finish (self, result, &error))
    {
      /* data->new_key stays for finish to hand over once. */
      return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Stored: the key need not be handed back any more. */
  g_clear_pointer (&data->new_key, tessera_secure_free);

  if (data->operation != OPERATION_RENEW)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  ref = old_ref (data);
  cancellable = g_task_get_cancellable (task);
  tessera_harness_client_delete_async (tessera_store_get_client (self), data->base_url, data->account_id,
                                       data->new_token, &ref, cancellable, on_old_deleted, g_steal_pointer (&task));
}

static void
on_new_key_verified (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;

  /* Harness made this key: it is stored even when the check fails (it is
   * then "not verified"), as it is the only copy there is. The
   * cancellable is not passed on for the same reason. */
  verification = tessera_harness_client_verify_finish (TESSERA_HARNESS_CLIENT (source), result, &error);
  if (verification == NULL)
    g_message ("The new key of credential %s could not be checked: %s", data->id, error->message);

  tessera_store_update_async (self, data->id, NULL, NULL, NULL, NULL, data->new_token, verification,
                              NULL, on_new_key_stored, g_steal_pointer (&task));
}

static void
on_new_key (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (data->operation == OPERATION_ROTATE)
    data->new_key = tessera_harness_client_rotate_finish (TESSERA_HARNESS_CLIENT (source), result, &error);
  else
    data->new_key = tessera_harness_client_create_finish (TESSERA_HARNESS_CLIENT (source), result, &error);

  if (data->new_key == NULL)
    {
      return_error (task, error);
      return;
    }

  /* The parser accepts only keys of Harness's shape. */
  data->new_token = tessera_token_parse (data->new_key, NULL);
  g_assert (data->new_token != NULL);

  tessera_harness_client_verify_async (tessera_store_get_client (self), data->base_url, data->account_id,
                                       data->new_token, NULL, on_new_key_verified, g_steal_pointer (&task));
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!tessera_store_commit_remove_finish (TESSERA_STORE (source), result, &error))
    return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_revoked (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tessera_harness_client_delete_finish (TESSERA_HARNESS_CLIENT (source), result, &error))
    {
      /* Harness keeps the token, so the credential stays too. */
      return_error (task, error);
      return;
    }

  if (!tessera_store_remove (self, data->id, &error))
    {
      return_error (task, error);
      return;
    }

  /* Not cancellable: the token is gone on Harness, so is the credential. */
  tessera_store_commit_remove_async (self, data->id, NULL, on_removed, g_steal_pointer (&task));
}

/* Renew: a new identifier on the same API key. Harness identifiers are
 * letters, digits, "_" and "$", starting with a letter or "_". */
static char *
renewed_identifier (const char *identifier)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d%H%M%S");
  g_autofree char *base = g_strdup (identifier);
  char *suffix = strstr (base, "_renewed_");

  if (suffix != NULL)
    *suffix = '\0';

  /* Two renewals within a second must not collide. */
  return g_strdup_printf ("%.100s_renewed_%s_%04x", base, stamp, g_random_int_range (0, 0x10000));
}

static void
on_old_key (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  TesseraHarnessClient *client = tessera_store_get_client (self);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  char *value;
  TesseraHarnessTokenRef ref;

  value = tessera_store_lookup_token_finish (self, result, &error);
  if (value == NULL)
    {
      return_error (task, g_steal_pointer (&error));
      return;
    }

  data->old_token = tessera_token_parse (value, &error);
  tessera_secure_free (value);
  if (data->old_token == NULL)
    {
      return_error (task, g_steal_pointer (&error));
      return;
    }

  ref = old_ref (data);

  switch (data->operation)
    {
    case OPERATION_ROTATE:
      tessera_harness_client_rotate_async (client, data->base_url, data->account_id, data->old_token, &ref,
                                           data->when_ms, cancellable, on_new_key, g_steal_pointer (&task));
      break;

    case OPERATION_RENEW:
      {
        g_autofree char *identifier = renewed_identifier (data->identifier);
        TesseraHarnessTokenRef renewed = ref;

        renewed.identifier = identifier;
        tessera_harness_client_create_async (client, data->base_url, data->account_id, data->old_token,
                                             &renewed, NULL, data->when_ms, cancellable,
                                             on_new_key, g_steal_pointer (&task));
      }
      break;

    case OPERATION_REVOKE:
    default:
      tessera_harness_client_delete_async (client, data->base_url, data->account_id, data->old_token, &ref,
                                           cancellable, on_revoked, g_steal_pointer (&task));
      break;
    }
}

static void start (GTask *task);

static void
on_described (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  tessera_store_verify_finish (self, result, &error);
  if (error != NULL)
    {
      return_error (task, g_steal_pointer (&error));
      return;
    }

  start (g_steal_pointer (&task));
}

static void
start (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  LifecycleData *data = g_task_get_task_data (task);
  TesseraCredential *credential = tessera_store_lookup (self, data->id);

  if (credential == NULL)
    {
      return_error (task, _tessera_store_not_found_error ());
      g_object_unref (task);
      return;
    }

  if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
    {
      return_error (task, _tessera_store_busy_error ());
      g_object_unref (task);
      return;
    }

  if (!read_description (self, data))
    {
      /* Only Harness can say what it calls this token: ask it once. */
      if (!data->verified_first)
        {
          data->verified_first = TRUE;
          tessera_store_verify_async (self, data->id, g_task_get_cancellable (task), on_described, task);
          return;
        }

      return_error (task, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_BAD_REQUEST, NULL,
                                                            "token-not-described", NULL));
      g_object_unref (task);
      return;
    }

  tessera_store_lookup_token_async (self, data->id, g_task_get_cancellable (task), on_old_key, task);
}

static void
lifecycle_async (TesseraStore        *self,
                 Operation            operation,
                 gpointer             source_tag,
                 const char          *id,
                 gint64               when_ms,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task;
  LifecycleData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  data = g_new0 (LifecycleData, 1);
  data->operation = operation;
  data->id = g_strdup (id);
  data->when_ms = when_ms;
  g_task_set_task_data (task, data, (GDestroyNotify) lifecycle_data_free);

  start (task);
}

static gboolean
lifecycle_finish (TesseraStore  *self,
                  GAsyncResult  *result,
                  gpointer       source_tag,
                  char         **unsaved_key,
                  GError       **revoke_error,
                  GError       **error)
{
  LifecycleData *data;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  data = g_task_get_task_data (G_TASK (result));

  if (unsaved_key != NULL)
    *unsaved_key = g_steal_pointer (&data->new_key);
  if (revoke_error != NULL && data->revoke_error != NULL)
    g_propagate_error (revoke_error, g_steal_pointer (&data->revoke_error));

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Public API */

/**
 * tessera_store_rotate_async:
 * @id: the credential
 * @grace_seconds: how long the old key keeps working, at most 7 days
 *
 * Asks Harness for a new key in place of the credential's (same identifier,
 * same expiry: Harness copies validTo), checks it, stores it and only then
 * makes it the credential's key. The old key works until @grace_seconds
 * from now.
 */
void
tessera_store_rotate_async (TesseraStore        *self,
                            const char          *id,
                            guint                grace_seconds,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (grace_seconds <= MAX_GRACE_SECONDS);

  lifecycle_async (self, OPERATION_ROTATE, tessera_store_rotate_async, id,
                   g_get_real_time () / 1000 + (gint64) grace_seconds * 1000,
                   cancellable, callback, user_data);
}

/**
 * tessera_store_rotate_finish:
 * @unsaved_key: (out) (optional) (nullable): when Harness made a new key
 *   that could not be stored, that key (handed out once; free it with
 *   tessera_secure_free()); else %NULL
 *
 * Returns: %TRUE when the new key is the credential's
 */
gboolean
tessera_store_rotate_finish (TesseraStore  *self,
                             GAsyncResult  *result,
                             char         **unsaved_key,
                             GError       **error)
{
  return lifecycle_finish (self, result, tessera_store_rotate_async, unsaved_key, NULL, error);
}

/**
 * tessera_store_renew_async:
 * @valid_to_ms: when the new token expires, epoch ms
 *
 * Creates a new token on the same API key that expires at @valid_to_ms,
 * checks and stores it, then deletes the old token on Harness.
 */
void
tessera_store_renew_async (TesseraStore        *self,
                           const char          *id,
                           gint64               valid_to_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (id != NULL);

  lifecycle_async (self, OPERATION_RENEW, tessera_store_renew_async, id, valid_to_ms,
                   cancellable, callback, user_data);
}

/**
 * tessera_store_renew_finish:
 * @unsaved_key: (out) (optional) (nullable): as for
 *   tessera_store_rotate_finish()
 * @revoke_error: (out) (optional) (nullable): when the new key is stored
 *   but Harness did not delete the old token, why
 *
 * Returns: %TRUE when the new key is the credential's
 */
gboolean
tessera_store_renew_finish (TesseraStore  *self,
                            GAsyncResult  *result,
                            char         **unsaved_key,
                            GError       **revoke_error,
                            GError       **error)
{
  return lifecycle_finish (self, result, tessera_store_renew_async, unsaved_key, revoke_error, error);
}

/**
 * tessera_store_revoke_async:
 *
 * Deletes the credential's token on Harness, then the credential. When
 * Harness refuses, the credential is kept and the error says why.
 */
void
tessera_store_revoke_async (TesseraStore        *self,
                            const char          *id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (id != NULL);

  lifecycle_async (self, OPERATION_REVOKE, tessera_store_revoke_async, id, 0, cancellable, callback, user_data);
}

gboolean
tessera_store_revoke_finish (TesseraStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return lifecycle_finish (self, result, tessera_store_revoke_async, NULL, NULL, error);
}
