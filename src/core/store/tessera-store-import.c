/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-import.c: importing the keys of the Harness CLIs
 *
 * The keys found by tessera_import_source_find() go through the one
 * checked save (tessera_store_add_checked_async()), one after the other:
 * a key saved already (the same key, looked up in the keyring) and a name
 * taken by another credential are skipped. Then, when asked, the keys now
 * saved leave their files (tessera_import_source_scrub(), in a thread).
 * What happened to each is kept on its TesseraImportSource.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include "tessera-store-private.h"

typedef struct
{
  GPtrArray               *sources;
  TesseraStoreImportFlags  flags;
  gboolean                 import;       /* go on after marking */
  guint                    index;        /* the source being looked at */
  GPtrArray               *candidates;   /* credentials that may hold its key */
  guint                    candidate;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_clear_pointer (&data->sources, g_ptr_array_unref);
  g_clear_pointer (&data->candidates, g_ptr_array_unref);
  g_free (data);
}

static void mark_next   (GTask *owned_task);
static void import_next (GTask *owned_task);

/* Marking: which keys are saved already */

static void
on_candidate_token (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  TesseraImportSource *source = g_ptr_array_index (data->sources, data->index);
  TesseraCredential *credential = g_ptr_array_index (data->candidates, data->candidate);
  g_auto(TesseraSecret) value = NULL;
  g_autoptr(GError) error = NULL;

  value = tessera_store_lookup_token_finish (TESSERA_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (value != NULL && g_strcmp0 (value, tessera_token_get_value (tessera_import_source_get_token (source))) == 0)
    {
      tessera_import_source_set_stored_as (source, tessera_credential_get_name (credential),
                                           tessera_credential_get_status (credential) == TESSERA_CREDENTIAL_STATUS_VERIFIED);
      data->index++;
      g_clear_pointer (&data->candidates, g_ptr_array_unref);
    }
  else
    {
      data->candidate++;
    }

  mark_next (g_steal_pointer (&task));
}

/* Takes ownership of @owned_task. */
static void
mark_next (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  ImportData *data = g_task_get_task_data (task);

  while (data->index < data->sources->len)
    {
      TesseraImportSource *source = g_ptr_array_index (data->sources, data->index);
      TesseraToken *token = tessera_import_source_get_token (source);

      if (token == NULL)
        {
          data->index++;
          continue;
        }

      if (data->candidates == NULL)
        {
          GListModel *model = G_LIST_MODEL (self);
          const char *account = tessera_token_get_account_id (token);

          tessera_import_source_set_stored_as (source, NULL, FALSE);
          data->candidates = g_ptr_array_new_with_free_func (g_object_unref);
          data->candidate = 0;
          for (guint i = 0; i < g_list_model_get_n_items (model); i++)
            {
              g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);

              if (account == NULL || g_strcmp0 (account, tessera_credential_get_account_id (credential)) == 0)
                g_ptr_array_add (data->candidates, g_steal_pointer (&credential));
            }
        }

      if (data->candidate < data->candidates->len)
        {
          TesseraCredential *credential = g_ptr_array_index (data->candidates, data->candidate);
          GCancellable *cancellable = g_task_get_cancellable (task);

          tessera_store_lookup_token_async (self, tessera_credential_get_id (credential),
                                            cancellable,
                                            on_candidate_token, g_steal_pointer (&task));
          return;
        }

      g_clear_pointer (&data->candidates, g_ptr_array_unref);
      data->index++;
    }

  if (!data->import)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  data->index = 0;
  import_next (g_steal_pointer (&task));
}

static ImportData *
import_data_new (GTask                   *task,
                 GPtrArray               *sources,
                 TesseraStoreImportFlags  flags,
                 gboolean                 import)
{
  ImportData *data = g_new0 (ImportData, 1);

  data->sources = g_ptr_array_ref (sources);
  data->flags = flags;
  data->import = import;
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);

  return data;
}

void
tessera_store_mark_stored_async (TesseraStore        *self,
                                 GPtrArray           *sources,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (sources != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_mark_stored_async);
  import_data_new (task, sources, TESSERA_STORE_IMPORT_NONE, FALSE);
  mark_next (g_steal_pointer (&task));
}

gboolean
tessera_store_mark_stored_finish (TesseraStore  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Scrubbing, in a thread: files are written */

static gboolean
may_scrub (TesseraImportSource     *source,
           TesseraStoreImportFlags  flags)
{
  switch (tessera_import_source_get_outcome (source))
    {
    case TESSERA_IMPORT_OUTCOME_IMPORTED:
      return TRUE;
    case TESSERA_IMPORT_OUTCOME_ALREADY_STORED:
      return tessera_import_source_get_stored_verified (source) || !(flags & TESSERA_STORE_IMPORT_VERIFY);
    case TESSERA_IMPORT_OUTCOME_PENDING:
    case TESSERA_IMPORT_OUTCOME_NAME_TAKEN:
    case TESSERA_IMPORT_OUTCOME_NO_API_KEY:
    case TESSERA_IMPORT_OUTCOME_FAILED:
    default:
      return FALSE;
    }
}

static void
scrub_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ImportData *data = task_data;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter iter;
  GPtrArray *group;

  for (guint i = 0; i < data->sources->len; i++)
    {
      TesseraImportSource *source = g_ptr_array_index (data->sources, i);
      const char *path = tessera_import_source_get_path (source);

      if (!may_scrub (source, data->flags))
        continue;
      group = g_hash_table_lookup (files, path);
      if (group == NULL)
        g_hash_table_insert (files, (gpointer) path, group = g_ptr_array_new ());
      g_ptr_array_add (group, source);
    }

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &group))
    {
      g_autoptr(GError) error = NULL;

      if (!tessera_import_source_scrub (group, &error))
        for (guint i = 0; i < group->len; i++)
          tessera_import_source_set_scrubbed (g_ptr_array_index (group, i), FALSE, error);
    }

  g_task_return_boolean (task, TRUE);
}

/* Importing */

static void
on_added (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ImportData *data = g_task_get_task_data (task);
  TesseraImportSource *source = g_ptr_array_index (data->sources, data->index);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = tessera_store_add_checked_finish (TESSERA_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The profile's org and project, for `tessera env` and `exec`. A failure
   * leaves a credential that works without them: it is logged. */
  if (credential != NULL && tessera_import_source_get_org (source) != NULL)
    {
      g_autoptr(GError) org_error = NULL;

      if (!tessera_store_set_org_project (TESSERA_STORE (object), tessera_credential_get_id (credential),
                                          tessera_import_source_get_org (source),
                                          tessera_import_source_get_project (source), &org_error))
        g_message ("Could not save the org and project of %s: %s",
                   tessera_credential_get_id (credential), org_error->message);
    }

  if (credential != NULL)
    {
      tessera_import_source_set_stored_as (source, tessera_credential_get_name (credential),
                                           (data->flags & TESSERA_STORE_IMPORT_VERIFY) != 0);
      tessera_import_source_set_outcome (source, TESSERA_IMPORT_OUTCOME_IMPORTED, NULL);
    }
  else
    {
      tessera_import_source_set_outcome (source, TESSERA_IMPORT_OUTCOME_FAILED, error);
    }

  data->index++;
  import_next (g_steal_pointer (&task));
}

/* Takes ownership of @owned_task. */
static void
import_next (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  ImportData *data = g_task_get_task_data (task);

  for (; data->index < data->sources->len; data->index++)
    {
      TesseraImportSource *source = g_ptr_array_index (data->sources, data->index);
      TesseraToken *token = tessera_import_source_get_token (source);
      g_autofree char *description = NULL;
      GCancellable *cancellable = g_task_get_cancellable (task);

      if (token == NULL)
        {
          tessera_import_source_set_outcome (source, TESSERA_IMPORT_OUTCOME_NO_API_KEY, NULL);
          continue;
        }
      /* The same key in two files (hc and the unified CLI logged in with
       * one key): saved once, by the first. */
      for (guint i = 0; i < data->index && tessera_import_source_get_stored_as (source) == NULL; i++)
        {
          TesseraImportSource *earlier = g_ptr_array_index (data->sources, i);
          TesseraToken *earlier_token = tessera_import_source_get_token (earlier);

          if (tessera_import_source_get_outcome (earlier) == TESSERA_IMPORT_OUTCOME_IMPORTED &&
              earlier_token != NULL && tessera_token_equal (earlier_token, token))
            tessera_import_source_set_stored_as (source, tessera_import_source_get_stored_as (earlier),
                                                 tessera_import_source_get_stored_verified (earlier));
        }
      if (tessera_import_source_get_stored_as (source) != NULL)
        {
          tessera_import_source_set_outcome (source, TESSERA_IMPORT_OUTCOME_ALREADY_STORED, NULL);
          continue;
        }
      if (tessera_store_find_by_name (self, tessera_import_source_get_name (source)) != NULL)
        {
          tessera_import_source_set_outcome (source, TESSERA_IMPORT_OUTCOME_NAME_TAKEN, NULL);
          continue;
        }

      description = tessera_import_source_dup_description (source);
      tessera_store_add_checked_async (self, tessera_import_source_get_name (source), description,
                                       tessera_import_source_get_account_id (source),
                                       tessera_import_source_get_base_url (source),
                                       token,
                                       (data->flags & TESSERA_STORE_IMPORT_VERIFY) ? TESSERA_STORE_SAVE_VERIFY
                                                                                  : TESSERA_STORE_SAVE_NONE,
                                       cancellable, on_added, g_steal_pointer (&task));
      return;
    }

  if (data->flags & TESSERA_STORE_IMPORT_SCRUB)
    g_task_run_in_thread (task, scrub_thread);
  else
    g_task_return_boolean (task, TRUE);
}

void
tessera_store_import_async (TesseraStore            *self,
                            GPtrArray               *sources,
                            TesseraStoreImportFlags  flags,
                            GCancellable            *cancellable,
                            GAsyncReadyCallback      callback,
                            gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (sources != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_import_async);
  import_data_new (task, sources, flags, TRUE);
  mark_next (g_steal_pointer (&task));
}

gboolean
tessera_store_import_finish (TesseraStore  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
