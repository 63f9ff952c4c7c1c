/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-update.c: editing a credential, and replacing its token
 *
 * A new token is stored under a new keyring item first; the old item is
 * cleared only after the metadata points at the new one. The journal
 * names both items until then (tessera-store-journal.c).
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include "tessera-store-private.h"

static void
finish_update (GTask  *task,
               GError *error)
{
  ChangeData *data = g_task_get_task_data (task);

  _tessera_credential_set_busy (data->credential, FALSE);
  /* NULL when an item it names is still to be deleted: recovery does. */
  _tessera_store_journal_close (g_task_get_source_object (task), data->journal);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_update_rollback_cleared (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    {
      g_message ("Could not remove the key stored by a failed change: %s", error->message);
      g_clear_pointer (&data->journal, g_free);
    }

  finish_update (task, g_steal_pointer (&data->error));
}

static void
on_update_relabelled (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_debug ("Could not relabel the keyring item: %s", error->message);

  finish_update (task, NULL);
}

/* A rename or another account: an item stored by an older Tessera has a
 * label that names both, so store the same token again under the same
 * attributes, which replaces the item with one whose label names
 * neither. Best effort: the metadata is already saved. */
static void
on_update_relabel_lookup (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autofree char *label = NULL;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (value == NULL)
    {
      if (error != NULL)
        g_debug ("Could not relabel the keyring item: %s", error->message);
      finish_update (task, NULL);
      return;
    }

  label = _tessera_store_build_label ();
  tessera_secret_backend_store_async (tessera_store_get_secret_backend (self), data->secret_id, label, value, NULL,
                                      on_update_relabelled, g_steal_pointer (&task));
}

static void
on_update_old_cleared (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* The new token is in place and in use; an old item that could not be
   * deleted is left behind, which is untidy but loses nothing. */
  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_message ("Could not delete the replaced key of credential %s: %s", data->id, error->message);

  finish_update (task, NULL);
}

static gboolean
write_update (TesseraStore  *self,
              ChangeData    *data,
              GError       **error)
{
  TesseraCredential *credential = data->credential;
  gboolean context_changed;
  g_auto(TesseraSettingsBatch) batch = { 0, };

  context_changed = g_strcmp0 (data->account_id, tessera_credential_get_account_id (credential)) != 0 ||
                    g_strcmp0 (data->base_url, tessera_credential_get_base_url (credential)) != 0;

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, data->id));
  tessera_settings_batch_set_string (&batch, "name", data->name);
  tessera_settings_batch_set_string (&batch, "description", data->description);
  tessera_settings_batch_set_string (&batch, "account-id", data->account_id);
  tessera_settings_batch_set_string (&batch, "base-url", data->base_url);
  if (data->token != NULL)
    {
      tessera_settings_batch_set_enum (&batch, "kind", tessera_token_get_kind (data->token));
      tessera_settings_batch_set_string (&batch, "secret-id", data->secret_id);
    }

  if (data->verification != NULL)
    _tessera_store_batch_set_verification (&batch, data->verification);
  else if (data->token != NULL || context_changed)
    _tessera_store_batch_forget_verification (&batch);

  if (!tessera_settings_batch_apply (&batch, error))
    return FALSE;

  _tessera_credential_reload (credential);
  return TRUE;
}

static void
on_update_stored (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    {
      /* The metadata still points at the old item; a new one may exist. */
      if (_tessera_store_secret_may_be_stored (error))
        {
          _tessera_store_clear_stray_secret (self, data->secret_id, data->journal);
          g_clear_pointer (&data->journal, g_free);
        }
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  if (!_tessera_store_is_current (self, data->credential))
    {
      data->error = _tessera_store_not_found_error ();
      tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), data->secret_id, NULL,
                                          on_update_rollback_cleared, g_steal_pointer (&task));
      return;
    }

  if (!write_update (self, data, &error))
    {
      /* The metadata still points at the old item: drop the new one. */
      data->error = g_steal_pointer (&error);
      tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), data->secret_id, NULL,
                                          on_update_rollback_cleared, g_steal_pointer (&task));
      return;
    }

  /* Only now, with the metadata pointing at the new item, the old one
   * can go. */
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), data->old_secret_id, NULL,
                                      on_update_old_cleared, g_steal_pointer (&task));
}

static void
on_update_journal_opened (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = TESSERA_STORE (source);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  GCancellable *cancellable;

  if (!_tessera_store_journal_open_finish (self, result, &error))
    {
      g_clear_pointer (&data->journal, g_free);
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  label = _tessera_store_build_label ();
  cancellable = g_task_get_cancellable (task);
  tessera_secret_backend_store_async (tessera_store_get_secret_backend (self), data->secret_id, label,
                                      tessera_token_get_value (data->token), cancellable,
                                      on_update_stored, g_steal_pointer (&task));
}

/* Takes ownership of @owned_task. */
static void
write_update_keeping_token (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!write_update (self, data, &error))
    {
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  if (!data->relabel)
    {
      finish_update (task, NULL);
      return;
    }

  tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (self), data->secret_id, NULL,
                                       on_update_relabel_lookup, g_steal_pointer (&task));
}

/* The account changed but the token did not: it must still match. */
static void
on_update_checked_token (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autoptr(TesseraToken) stored = NULL;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (error != NULL)
    {
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  if (value != NULL)
    stored = tessera_token_parse (value, NULL);

  if (stored != NULL && !tessera_store_validate_account_id (data->account_id, stored, &error))
    {
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  write_update_keeping_token (g_steal_pointer (&task));
}

void
tessera_store_update_async (TesseraStore        *self,
                            const char          *id,
                            const char          *name,
                            const char          *description,
                            const char          *account_id,
                            const char          *base_url,
                            TesseraToken        *new_token,
                            TesseraVerification *verification,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;
  ChangeData *data;
  gboolean account_changed;

  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (verification == NULL || TESSERA_IS_VERIFICATION (verification));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_update_async);
  g_task_set_check_cancellable (task, FALSE);

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
    {
      g_task_return_error (task, _tessera_store_busy_error ());
      return;
    }

  data = g_new0 (ChangeData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) _tessera_store_change_data_free);
  data->credential = g_object_ref (credential);
  data->id = g_strdup (id);
  data->token = new_token != NULL ? tessera_token_ref (new_token) : NULL;
  data->verification = verification != NULL ? g_object_ref (verification) : NULL;
  data->name = _tessera_store_normalize_name (name != NULL ? name : tessera_credential_get_name (credential));
  data->description = g_strstrip (g_strdup (description != NULL ? description
                                                                : tessera_credential_get_description (credential)));
  data->account_id = account_id != NULL ? _tessera_store_resolve_account (account_id, new_token)
                                        : g_strdup (tessera_credential_get_account_id (credential));

  if (!tessera_store_validate_name (self, id, data->name, &error) ||
      !tessera_store_validate_description (data->description, &error) ||
      (new_token != NULL && !tessera_store_validate_account_id (data->account_id, new_token, &error)) ||
      (new_token == NULL && !tessera_store_validate_account_id (data->account_id, NULL, &error)) ||
      !(data->base_url = base_url != NULL ? _tessera_store_resolve_base_url (self, base_url, &error)
                                          : g_strdup (tessera_credential_get_base_url (credential))))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  account_changed = g_strcmp0 (data->account_id, tessera_credential_get_account_id (credential)) != 0;
  data->relabel = account_changed || g_strcmp0 (data->name, tessera_credential_get_name (credential)) != 0;
  data->old_secret_id = g_strdup (_tessera_credential_get_secret_id (credential));

  _tessera_credential_set_busy (credential, TRUE);

  if (new_token != NULL)
    {
      /* A new revision needs its own attributes, or storing it would
       * overwrite the old item before the metadata points at the new one. */
      data->secret_id = g_uuid_string_random ();
      data->journal = _tessera_store_journal_entry_new ("replace", data->id, data->secret_id, data->old_secret_id);
      _tessera_store_journal_open_async (self, data->journal, on_update_journal_opened, g_steal_pointer (&task));
    }
  else if (account_changed)
    {
      data->secret_id = g_strdup (data->old_secret_id);
      tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (self), data->secret_id, cancellable,
                                           on_update_checked_token, g_steal_pointer (&task));
    }
  else
    {
      data->secret_id = g_strdup (data->old_secret_id);
      write_update_keeping_token (g_steal_pointer (&task));
    }
}

gboolean
tessera_store_update_finish (TesseraStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_update_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tessera_store_set_org_project:
 * @org: (nullable): the organization scripts work in; %NULL or "" for none
 * @project: (nullable): the project, with @org
 *
 * What `tessera env` and `exec` give scripts when no .tessera file names
 * an org (see tessera_store_resolve()). Written at once, under the
 * settings lock.
 *
 * Returns: %FALSE with @error set when @id is gone or the write failed
 */
gboolean
tessera_store_set_org_project (TesseraStore  *self,
                               const char    *id,
                               const char    *org,
                               const char    *project,
                               GError       **error)
{
  g_auto(TesseraSettingsBatch) batch = { 0, };
  TesseraCredential *credential;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  credential = tessera_store_lookup (self, id);
  if (credential == NULL)
    {
      g_propagate_error (error, _tessera_store_not_found_error ());
      return FALSE;
    }

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, id));
  tessera_settings_batch_set_string (&batch, "org", org != NULL ? org : "");
  tessera_settings_batch_set_string (&batch, "project", org != NULL && project != NULL ? project : "");

  return tessera_settings_batch_apply (&batch, error);
}
