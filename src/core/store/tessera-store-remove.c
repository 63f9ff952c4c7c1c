/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-remove.c: removing a credential, undoing that, committing it
 *
 * The credential leaves the model at once; nothing is deleted until
 * commit. Committing takes the id out of the list first (the moment it is
 * gone), then the secret, then resets the keys; a failing keyring puts the
 * id back. The journal names the removal from before the list write until
 * the keys are reset, so that the next process finishes a removal this
 * one could not (tessera-store-journal.c).
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>

#include "tessera-store-private.h"

gboolean
tessera_store_remove (TesseraStore  *self,
                      const char    *id,
                      GError       **error)
{
  TesseraCredential *credential;
  PendingRemoval *removal;
  guint position;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL || !_tessera_store_find_index (self, id, &position))
    {
      g_propagate_error (error, _tessera_store_not_found_error ());
      return FALSE;
    }

  credential = g_ptr_array_index (self->items, position);
  if (_tessera_credential_get_busy (credential))
    {
      g_propagate_error (error, _tessera_store_busy_error ());
      return FALSE;
    }

  removal = g_new0 (PendingRemoval, 1);
  removal->credential = g_object_ref (credential);
  removal->position = position;
  g_ptr_array_add (self->pending, removal);

  _tessera_credential_set_selected (credential, FALSE);
  _tessera_store_splice_items (self, position, 1, NULL);
  _tessera_store_sync_selection (self);

  return TRUE;
}

/* Puts a removed credential back where it was. The model is the list in
 * the settings, less the pending removals: where the list has it, so that
 * other removals committed meanwhile do not shift it. */
static void
restore_pending (TesseraStore *self,
                 guint         index)
{
  PendingRemoval *removal = g_ptr_array_index (self->pending, index);
  g_autoptr(TesseraCredential) credential = g_object_ref (removal->credential);
  const char *id = tessera_credential_get_id (credential);
  g_auto(GStrv) ids = _tessera_store_dup_list (self);
  guint position = 0;
  guint i;

  for (i = 0; ids[i] != NULL && strcmp (ids[i], id) != 0; i++)
    if (_tessera_store_find_index (self, ids[i], NULL))
      position++;
  if (ids[i] == NULL)
    position = removal->position;
  position = MIN (position, self->items->len);

  g_ptr_array_remove_index (self->pending, index);
  _tessera_store_splice_items (self, position, 0, credential);
  _tessera_store_sync_selection (self);
}

gboolean
tessera_store_undo_remove (TesseraStore  *self,
                           const char    *id,
                           GError       **error)
{
  guint index;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL || _tessera_store_find_pending (self, id, &index) == NULL)
    {
      g_propagate_error (error, _tessera_store_not_found_error ());
      return FALSE;
    }

  if (_tessera_credential_get_busy (((PendingRemoval *) g_ptr_array_index (self->pending, index))->credential))
    {
      g_propagate_error (error, _tessera_store_busy_error ());
      return FALSE;
    }

  restore_pending (self, index);
  return TRUE;
}

typedef struct
{
  TesseraCredential *credential;
  guint              list_position;  /* where the id was, to put it back */
  gboolean           was_selected;
  char              *journal;
  guint              stale_retries;  /* waits for another process's write */
} CommitData;

static void
commit_data_free (CommitData *data)
{
  g_free (data->journal);
  g_clear_object (&data->credential);
  g_free (data);
}

static void
on_commit_cleared (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  CommitData *data = g_task_get_task_data (task);
  const char *id = tessera_credential_get_id (data->credential);
  g_autoptr(GError) error = NULL;
  guint index;

  _tessera_credential_set_busy (data->credential, FALSE);

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error) &&
      _tessera_store_secret_may_be_stored (error))
    {
      /* Cancelled, or no answer in time: the key may be gone already, so
       * putting the id back could list a credential without its key. The
       * id stays out of the list, and the journal entry stays for the
       * next process to finish the removal. */
      g_debug ("Removal of %s interrupted after the list: %s", id, error->message);
      if (_tessera_store_find_pending (self, id, &index) != NULL)
        g_ptr_array_remove_index (self->pending, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (error != NULL)
    {
      g_autoptr(GError) restore_error = NULL;

      /* The keyring kept the token: put the id back, so that the
       * credential is whole and visible again rather than an orphaned
       * secret. Into the list as it is now: another process may have
       * changed it meanwhile. */
      if (tessera_settings_writer_begin (_tessera_store_get_writer (self), NULL, &restore_error))
        {
          g_auto(GStrv) ids = _tessera_store_dup_list (self);

          if (!g_strv_contains ((const char * const *) ids, id))
            {
              g_auto(GStrv) restored = _tessera_store_strv_with ((const char * const *) ids, id, data->list_position);

              _tessera_store_write_list (self, (const char * const *) restored,
                                         data->was_selected ? id : NULL, &restore_error);
            }
          tessera_settings_writer_end (_tessera_store_get_writer (self));
        }
      if (restore_error != NULL)
        g_warning ("Could not restore credential %s after a failed removal: %s",
                   id, restore_error->message);
      else
        _tessera_store_journal_close (self, data->journal);

      if (_tessera_store_find_pending (self, id, &index) != NULL)
        restore_pending (self, index);

      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  {
    g_auto(TesseraSettingsBatch) batch = { 0, };
    g_autoptr(GError) reset_error = NULL;

    /* Reset, not left behind: a deleted credential leaves no keys. */
    tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, id));
    tessera_settings_batch_reset_all (&batch);
    if (!tessera_settings_batch_apply (&batch, &reset_error))
      g_message ("Could not reset the settings of removed credential %s: %s", id, reset_error->message);
    else
      _tessera_store_journal_close (self, data->journal);
  }

  if (_tessera_store_find_pending (self, id, &index) != NULL)
    g_ptr_array_remove_index (self->pending, index);

  g_debug ("Removed credential %s", id);
  g_task_return_boolean (task, TRUE);
}

static gboolean
commit_clear_idle (gpointer user_data)
{
  GTask *task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  CommitData *data = g_task_get_task_data (task);

  /* Not cancellable: the id is out of the list, the key goes too. (A
   * cancel while libsecret was still connecting to the Secret Service
   * also made it answer twice.) A keyring that does not answer is the
   * caller's deadline; the journal finishes the removal later. */
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), _tessera_credential_get_secret_id (data->credential),
                                      NULL, on_commit_cleared, task);
  return G_SOURCE_REMOVE;
}

static gboolean on_commit_retry (gpointer user_data);

/* With the settings lock held (a level the caller ends): the id leaves
 * the list, then the key goes. Takes ownership of @owned_task. */
static void
commit_locked (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  CommitData *data = g_task_get_task_data (task);
  const char *id = tessera_credential_get_id (data->credential);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) old_ids = NULL;
  g_auto(GStrv) new_ids = NULL;
  g_autofree char *selected = NULL;
  gboolean stale;
  guint index;
  gboolean ok;

  if (_tessera_store_find_pending (self, id, &index) == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), &stale, &error))
    {
      /* Another process wrote a moment ago: our settings backend sees it
       * once the main loop has run its file monitor. */
      if (stale && data->stale_retries++ < 40)
        {
          g_timeout_add (50, on_commit_retry, g_steal_pointer (&task));
          return;
        }
      restore_pending (self, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  old_ids = _tessera_store_dup_list (self);
  for (data->list_position = 0; old_ids[data->list_position] != NULL; data->list_position++)
    if (strcmp (old_ids[data->list_position], id) == 0)
      break;

  selected = g_settings_get_string (self->settings, "selected-credential");
  data->was_selected = g_strcmp0 (selected, id) == 0;

  /* The id leaves the list first: from here on the credential is gone for
   * every reader, even if the rest is interrupted; the journal, written
   * before, says what is left to do. */
  new_ids = _tessera_store_strv_without ((const char * const *) old_ids, id);
  data->journal = _tessera_store_journal_entry_new ("remove", id, _tessera_credential_get_secret_id (data->credential), NULL);
  ok = _tessera_store_journal_open_locked (self, data->journal, &error);
  if (ok && !_tessera_store_write_list (self, (const char * const *) new_ids, data->was_selected ? "" : NULL, &error))
    {
      /* Nothing was removed: nothing for a later process to finish. */
      _tessera_store_journal_close (self, data->journal);
      ok = FALSE;
    }
  tessera_settings_writer_end (_tessera_store_get_writer (self));
  if (!ok)
    {
      restore_pending (self, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _tessera_credential_set_busy (data->credential, TRUE);
  /* From the main loop, once the settings lock is let go: the keyring's
   * own lock may take a moment, and another process may be waiting for
   * ours while it holds that one. */
  g_idle_add (commit_clear_idle, g_steal_pointer (&task));
}

static void
on_commit_locked (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  CommitData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint index;

  _tessera_credential_set_busy (data->credential, FALSE);
  if (!tessera_settings_writer_lock_finish (_tessera_store_get_writer (self), result, &error))
    {
      if (_tessera_store_find_pending (self, tessera_credential_get_id (data->credential), &index) != NULL)
        restore_pending (self, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  commit_locked (g_steal_pointer (&task));
  tessera_settings_writer_end (_tessera_store_get_writer (self));
}

/* Free, the lock is taken at once; held by another process, a thread
 * waits for it (the credential busy meanwhile: no Undo under it). Takes
 * ownership of @task. */
static void
commit_start (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  CommitData *data = g_task_get_task_data (task);

  if (tessera_settings_writer_try_lock (_tessera_store_get_writer (self)))
    {
      commit_locked (task);
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      return;
    }

  _tessera_credential_set_busy (data->credential, TRUE);
  tessera_settings_writer_lock_async (_tessera_store_get_writer (self), NULL, on_commit_locked, task);
}

static gboolean
on_commit_retry (gpointer user_data)
{
  commit_start (user_data);
  return G_SOURCE_REMOVE;
}

void
tessera_store_commit_remove_async (TesseraStore        *self,
                                   const char          *id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PendingRemoval *removal;
  CommitData *data;
  guint index;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_commit_remove_async);
  g_task_set_check_cancellable (task, FALSE);

  removal = id != NULL ? _tessera_store_find_pending (self, id, &index) : NULL;
  if (removal == NULL)
    {
      g_task_return_error (task, _tessera_store_not_found_error ());
      return;
    }

  if (_tessera_credential_get_busy (removal->credential))
    {
      g_task_return_error (task, _tessera_store_busy_error ());
      return;
    }

  data = g_new0 (CommitData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) commit_data_free);
  data->credential = g_object_ref (removal->credential);

  commit_start (g_steal_pointer (&task));
}

gboolean
tessera_store_commit_remove_finish (TesseraStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_commit_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  GStrv   ids;
  guint   next;
  GError *error;      /* the first failure */
} CommitAllData;

static void
commit_all_data_free (CommitAllData *data)
{
  g_strfreev (data->ids);
  g_clear_error (&data->error);
  g_free (data);
}

static void commit_next (GTask *task);

static void
on_commit_all_one (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  CommitAllData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_store_commit_remove_finish (TESSERA_STORE (source), result, &error) &&
      data->error == NULL)
    data->error = g_steal_pointer (&error);

  commit_next (task);
}

/* One at a time: each may bring up an unlock prompt. */
static void
commit_next (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  CommitAllData *data = g_task_get_task_data (task);

  while (data->ids[data->next] != NULL)
    {
      const char *id = data->ids[data->next++];

      if (_tessera_store_find_pending (self, id, NULL) == NULL)
        continue;

      tessera_store_commit_remove_async (self, id, g_task_get_cancellable (task),
                                         on_commit_all_one, task);
      return;
    }

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_boolean (task, TRUE);

  g_object_unref (task);
}

void
tessera_store_commit_all_async (TesseraStore        *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GTask *task;
  CommitAllData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_commit_all_async);
  g_task_set_check_cancellable (task, FALSE);

  for (guint i = 0; i < self->pending->len; i++)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i);

      g_strv_builder_add (builder, tessera_credential_get_id (removal->credential));
    }

  data = g_new0 (CommitAllData, 1);
  data->ids = g_strv_builder_end (builder);
  g_task_set_task_data (task, data, (GDestroyNotify) commit_all_data_free);

  commit_next (task);
}

gboolean
tessera_store_commit_all_finish (TesseraStore  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_commit_all_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
