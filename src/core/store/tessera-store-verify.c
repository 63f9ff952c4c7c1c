/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-verify.c: asking Harness about a credential's token (one,
 * or all of them a few at a time) and recording the answer; and reconcile,
 * which marks credentials whose token is gone from the keyring
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-base-url.h"
#include "tessera-error.h"
#include "tessera-harness-error-private.h"
#include "tessera-status-detail.h"
#include "tessera-store-private.h"

typedef struct
{
  TesseraCredential       *credential;
  char                    *secret_id;
  TesseraCredentialStatus  status;    /* what finish returns */
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  g_clear_object (&data->credential);
  g_free (data->secret_id);
  g_free (data);
}

static void
finish_verify (GTask  *task,
               GError *error)
{
  VerifyData *data = g_task_get_task_data (task);

  _tessera_credential_set_checking (data->credential, FALSE);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, data->status);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_CANCELLED);
}

static TesseraCredentialStatus
status_for_harness_error (const GError *error)
{
  /* Network trouble, a server error, a proxy page: nothing about the
   * token. It could not be checked, which is never "rejected". */
  if (tessera_harness_error_is_transient (error) || error->domain != TESSERA_HARNESS_ERROR)
    return TESSERA_CREDENTIAL_STATUS_UNREACHABLE;

  switch ((TesseraHarnessError) error->code)
    {
    case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
    case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
      return TESSERA_CREDENTIAL_STATUS_REJECTED;
    case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
      return TESSERA_CREDENTIAL_STATUS_EXPIRED;
    case TESSERA_HARNESS_ERROR_FORBIDDEN:
      return TESSERA_CREDENTIAL_STATUS_FORBIDDEN;
    case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
    case TESSERA_HARNESS_ERROR_INSECURE_URL:
    case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
    case TESSERA_HARNESS_ERROR_BAD_REQUEST:
    case TESSERA_HARNESS_ERROR_RATE_LIMITED:
    case TESSERA_HARNESS_ERROR_SERVER_ERROR:
    case TESSERA_HARNESS_ERROR_NOT_HARNESS:
    case TESSERA_HARNESS_ERROR_REDIRECTED:
    case TESSERA_HARNESS_ERROR_TLS:
    case TESSERA_HARNESS_ERROR_NETWORK:
    case TESSERA_HARNESS_ERROR_TIMED_OUT:
    case TESSERA_HARNESS_ERROR_CANCELLED:
    case TESSERA_HARNESS_ERROR_TOKEN_LIMIT:
    default:
      /* The request itself was wrong (URL, account, a 400): the key was
       * not judged either. */
      return TESSERA_CREDENTIAL_STATUS_UNREACHABLE;
    }
}

/* Writes the outcome of a check. @verification or @error. */
static void
record_verification (TesseraStore        *self,
                     VerifyData          *data,
                     TesseraVerification *verification,
                     const GError        *error)
{
  TesseraCredential *credential = data->credential;
  g_auto(TesseraSettingsBatch) batch = { 0, };
  g_autoptr(GError) write_error = NULL;

  if (!_tessera_store_is_current (self, credential) ||
                     g_strcmp0 (data->secret_id, _tessera_credential_get_secret_id (credential)) != 0)
    return;

  /* Removed by another process while it was checked: writing its status
   * would bring back the settings that process just cleared. */
  if (_tessera_store_removed_elsewhere (self, tessera_credential_get_id (credential)))
    return;

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, tessera_credential_get_id (credential)));

  if (verification != NULL)
    {
      _tessera_store_batch_set_verification (&batch, verification);
    }
  else
    {
      const char *correlation_id = tessera_harness_error_get_correlation_id (error);
      g_autofree char *code = NULL;
      g_auto(GStrv) args = NULL;

      tessera_status_detail_from_error (error, &code, &args);
      tessera_settings_batch_set_enum (&batch, "status", data->status);
      _tessera_store_batch_set_status_detail (&batch, code, (const char * const *) args);
      tessera_settings_batch_set_string (&batch, "correlation-id", correlation_id);
      /* Harness answered about the token: that was a check. A failure to
       * reach it was not. */
      if (data->status != TESSERA_CREDENTIAL_STATUS_UNREACHABLE)
        tessera_settings_batch_set_int64 (&batch, "last-verified", _tessera_store_now_seconds ());
    }

  if (!tessera_settings_batch_apply (&batch, &write_error))
    g_message ("Could not record the check of credential %s: %s",
               tessera_credential_get_id (credential), write_error->message);

  _tessera_credential_reload (credential);
}

static void
on_verify_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  VerifyData *data = g_task_get_task_data (task);
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;

  verification = tessera_harness_client_verify_finish (TESSERA_HARNESS_CLIENT (source), result, &error);

  if (verification == NULL && is_cancelled (error))
    {
      finish_verify (task, g_steal_pointer (&error));
      return;
    }

  if (verification != NULL)
    data->status = tessera_verification_get_valid (verification) ? TESSERA_CREDENTIAL_STATUS_VERIFIED
                                                                  : TESSERA_CREDENTIAL_STATUS_EXPIRED;
  else
    data->status = status_for_harness_error (error);

  record_verification (self, data, verification, error);

  if (verification != NULL && !tessera_verification_get_valid (verification))
    error = tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, NULL, "not-valid-now", NULL);

  finish_verify (task, g_steal_pointer (&error));
}

static gboolean
network_available (TesseraStore *self,
                   const char   *base_url)
{
  if (tessera_base_url_is_loopback (base_url))
    return TRUE;

  if (self->network_monitor == NULL)
    self->network_monitor = g_object_ref (g_network_monitor_get_default ());

  return g_network_monitor_get_network_available (self->network_monitor);
}

static void
on_verify_token (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  VerifyData *data = g_task_get_task_data (task);
  TesseraCredential *credential = data->credential;
  const char *account_id = tessera_credential_get_account_id (credential);
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autoptr(TesseraToken) token = NULL;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (error != NULL)
    {
      /* Locked, absent or failing keyring: the status stays as it was. */
      finish_verify (task, g_steal_pointer (&error));
      return;
    }

  _tessera_store_note_lookup_result (self, credential, data->secret_id, value != NULL);
  data->status = tessera_credential_get_status (credential);

  if (value == NULL)
    {
      finish_verify (task, _tessera_store_token_missing_error (credential));
      return;
    }

  token = tessera_token_parse (value, &error);
  if (token == NULL)
    {
      data->status = TESSERA_CREDENTIAL_STATUS_REJECTED;
      record_verification (self, data, NULL, error);
      finish_verify (task, g_steal_pointer (&error));
      return;
    }

  if (!network_available (self, tessera_credential_get_base_url (credential)))
    {
      error = tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NETWORK, NULL, "offline", NULL);
      data->status = TESSERA_CREDENTIAL_STATUS_UNREACHABLE;
      record_verification (self, data, NULL, error);
      finish_verify (task, g_steal_pointer (&error));
      return;
    }

  tessera_harness_client_verify_async (tessera_store_get_client (self),
                                       tessera_credential_get_base_url (credential),
                                       *account_id != '\0' ? account_id : NULL,
                                       token,
                                       g_task_get_cancellable (task),
                                       on_verify_checked,
                                       g_object_ref (task));
}

void
tessera_store_verify_async (TesseraStore        *self,
                            const char          *id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TesseraCredential *credential;
  VerifyData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_verify_async);

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  data = g_new0 (VerifyData, 1);
  data->credential = g_object_ref (credential);
  data->secret_id = g_strdup (_tessera_credential_get_secret_id (credential));
  data->status = tessera_credential_get_status (credential);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);

  if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
    {
      g_task_return_error (task, _tessera_store_busy_error ());
      return;
    }

  _tessera_credential_set_checking (credential, TRUE);
  tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (self), data->secret_id, cancellable,
                                       on_verify_token, g_steal_pointer (&task));
}

/**
 * tessera_store_verify_finish:
 *
 * Returns: the credential's status after the check, also when @error is
 *   set (a rejected key is both)
 */
TesseraCredentialStatus
tessera_store_verify_finish (TesseraStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  VerifyData *data;
  gssize status;

  g_return_val_if_fail (TESSERA_IS_STORE (self), TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_return_val_if_fail (g_task_is_valid (result, self), TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_verify_async,
                        TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  status = g_task_propagate_int (G_TASK (result), error);
  if (status >= 0)
    return (TesseraCredentialStatus) status;

  data = g_task_get_task_data (G_TASK (result));
  if (data == NULL)
    return TESSERA_CREDENTIAL_STATUS_UNVERIFIED;

  return tessera_credential_get_status (data->credential);
}

/* Public API: verify all */

typedef struct
{
  GPtrArray *queue;      /* TesseraCredential still to start */
  guint      next;
  guint      running;
  guint      done;
  guint      total;
  GError    *error;      /* a keyring failure that stopped the run */
} VerifyAllData;

static void
verify_all_data_free (VerifyAllData *data)
{
  g_clear_pointer (&data->queue, g_ptr_array_unref);
  g_clear_error (&data->error);
  g_free (data);
}

static void verify_all_pump (GTask *task);

static gboolean
is_keyring_unavailable (const GError *error)
{
  return error != NULL && tessera_error_get_category (error) == TESSERA_ERROR_CATEGORY_KEYRING;
}

static void
on_verify_all_one (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  VerifyAllData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  tessera_store_verify_finish (self, result, &error);

  /* One locked or missing keyring would fail every other check the same
   * way, each with its own prompt: stop starting new ones. */
  if (is_keyring_unavailable (error) && data->error == NULL)
    data->error = g_steal_pointer (&error);

  data->running--;
  data->done++;
  _tessera_store_emit_verify_progress (self, data->done, data->total);

  verify_all_pump (task);
}

static void
verify_all_pump (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  VerifyAllData *data = g_task_get_task_data (task);
  gboolean stop = data->error != NULL || g_cancellable_is_cancelled (g_task_get_cancellable (task));

  while (!stop && data->next < data->queue->len && data->running < MAX (self->max_concurrent, 1))
    {
      TesseraCredential *credential = g_ptr_array_index (data->queue, data->next++);

      data->running++;
      tessera_store_verify_async (self, tessera_credential_get_id (credential),
                                  g_task_get_cancellable (task), on_verify_all_one, task);
    }

  if (data->running > 0 || (!stop && data->next < data->queue->len))
    return;

  _tessera_store_set_verifying (self, FALSE);

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);

  g_object_unref (task);
}

void
tessera_store_verify_all_async (TesseraStore        *self,
                                gboolean             only_stale,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  VerifyAllData *data;
  gint64 now = _tessera_store_now_seconds ();
  gint64 reverify_after;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_verify_all_async);

  if (self->verifying)
    {
      g_task_return_new_error (task, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY,
                               _("The credentials are already being checked."));
      g_object_unref (task);
      return;
    }

  reverify_after = g_settings_get_uint (self->settings, "reverify-after");

  data = g_new0 (VerifyAllData, 1);
  data->queue = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_all_data_free);

  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);
      gint64 last = tessera_credential_get_last_verified (credential);

      if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
        continue;
      if (only_stale && last > 0 && now - last < reverify_after)
        continue;

      g_ptr_array_add (data->queue, g_object_ref (credential));
    }

  data->total = data->queue->len;
  _tessera_store_set_verifying (self, TRUE);
  _tessera_store_emit_verify_progress (self, 0, data->total);

  verify_all_pump (task);
}

gboolean
tessera_store_verify_all_finish (TesseraStore  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_verify_all_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Public API: reconcile */

typedef struct
{
  GPtrArray *credentials;   /* TesseraCredential */
  GStrv      secret_ids;    /* as they were when looked up */
  GArray    *found;         /* gboolean per credential */
} ReconcileData;

static void
reconcile_data_free (ReconcileData *data)
{
  g_clear_pointer (&data->credentials, g_ptr_array_unref);
  g_strfreev (data->secret_ids);
  g_clear_pointer (&data->found, g_array_unref);
  g_free (data);
}

static void reconcile_next (GTask *task);

static void
on_reconcile_looked_up (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReconcileData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  gboolean found;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (error != NULL)
    {
      /* A locked or absent keyring proves nothing: change nothing. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  found = value != NULL;
  g_array_append_val (data->found, found);
  reconcile_next (g_steal_pointer (&task));
}

/* All lookups first, one at a time; the statuses change only when every
 * lookup answered. */
static void
reconcile_next (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  ReconcileData *data = g_task_get_task_data (task);
  guint i = data->found->len;

  if (i < data->credentials->len)
    {
      tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (self), data->secret_ids[i],
                                           g_task_get_cancellable (task),
                                           on_reconcile_looked_up, task);
      return;
    }

  for (i = 0; i < data->credentials->len; i++)
    _tessera_store_note_lookup_result (self, g_ptr_array_index (data->credentials, i), data->secret_ids[i],
                                       g_array_index (data->found, gboolean, i));

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
tessera_store_reconcile_async (TesseraStore        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GTask *task;
  ReconcileData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_reconcile_async);

  data = g_new0 (ReconcileData, 1);
  data->credentials = g_ptr_array_new_with_free_func (g_object_unref);
  data->found = g_array_new (FALSE, FALSE, sizeof (gboolean));
  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      g_ptr_array_add (data->credentials, g_object_ref (credential));
      g_strv_builder_add (builder, _tessera_credential_get_secret_id (credential));
    }
  data->secret_ids = g_strv_builder_end (builder);
  g_task_set_task_data (task, data, (GDestroyNotify) reconcile_data_free);

  reconcile_next (task);
}

gboolean
tessera_store_reconcile_finish (TesseraStore  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_reconcile_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
