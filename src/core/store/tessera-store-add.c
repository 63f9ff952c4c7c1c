/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-add.c: adding a credential
 *
 * The secret first, then the credential's keys, then the id in the list
 * (the moment it exists); a failure undoes the earlier steps. Before the
 * first, the journal says what is about to be written (a process killed
 * on the way is undone by the next one: tessera-store-journal.c).
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-store-private.h"
#include "tessera-text.h"

#define STALE_RETRY_MS 50
#define STALE_RETRIES 40

/* Helpers shared with update */

/* The label of every keyring item: the same for all, naming neither the
 * credential nor its account. The Secret Service shows labels (and
 * attributes) to every program of the session even while the keyring is
 * locked, and a name is whatever the user typed: a customer, a project,
 * once even a pasted key. "Harness API key (Tessera)" still tells a
 * Seahorse user what the item is and which program owns it; which
 * credential it belongs to is in Tessera's settings ("secret-id"). */
char *
_tessera_store_build_label (void)
{
  /* Translators: the label of every keyring item, shown by Seahorse and
   * secret-tool even while the keyring is locked. */
  return g_strdup (_("Harness API key (Tessera)"));
}

void
_tessera_store_change_data_free (ChangeData *data)
{
  g_free (data->id);
  g_free (data->secret_id);
  g_free (data->old_secret_id);
  g_free (data->name);
  g_free (data->description);
  g_free (data->account_id);
  g_free (data->base_url);
  g_free (data->journal);
  g_clear_pointer (&data->token, tessera_token_unref);
  g_clear_object (&data->verification);
  g_clear_object (&data->credential);
  g_clear_error (&data->error);
  g_free (data);
}

/* Whether a failed store may still have stored the secret: the keyring
 * did not answer in time, the connection broke, or the caller cancelled
 * while the request was on its way. */
gboolean
_tessera_store_secret_may_be_stored (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
}

typedef struct
{
  GWeakRef  store;     /* not held: the failure is already reported */
  char     *journal;
} StrayData;

static void
on_stray_secret_cleared (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  StrayData *stray = user_data;
  g_autoptr(TesseraStore) store = g_weak_ref_get (&stray->store);
  g_autoptr(GError) error = NULL;

  /* Only once the key is gone does the journal forget it: if this
   * process ends first, the next one deletes it. */
  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_message ("Could not remove a key whose storing was interrupted: %s", error->message);
  else if (store != NULL)
    _tessera_store_journal_close (store, stray->journal);

  if (store != NULL)
    store->background--;
  g_weak_ref_clear (&stray->store);
  g_free (stray->journal);
  g_free (stray);
}

/* In the background, holding only the backend: the failure is reported
 * at once, and no key is left behind for a change that did not happen.
 * Then @journal (nullable), the change's journal entry, is cleared. A
 * command line waits for it before it exits
 * (tessera_store_get_background_work()): cut short, a write of
 * libsecret's file backend can leave the keyring file unreadable. */
void
_tessera_store_clear_stray_secret (TesseraStore *self,
                                   const char   *secret_id,
                                   const char   *journal)
{
  StrayData *stray = g_new0 (StrayData, 1);

  g_weak_ref_init (&stray->store, self);
  stray->journal = g_strdup (journal);
  self->background++;
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), secret_id, NULL, on_stray_secret_cleared, stray);
}

/* After a failure past the keyring step: take the just-stored secret out
 * again, then report the failure that caused it. */
static void
on_rollback_cleared (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_message ("Could not remove the key stored by a failed change: %s", error->message);
  else
    _tessera_store_journal_close (g_task_get_source_object (task), data->journal);

  g_task_return_error (task, g_steal_pointer (&data->error));
}

static gboolean
rollback_secret_idle (gpointer user_data)
{
  GTask *task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);

  /* Not cancellable: the undo must happen even if the caller gave up. */
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), data->secret_id, NULL,
                                      on_rollback_cleared, task);
  return G_SOURCE_REMOVE;
}

/* From the main loop, once the settings lock this step took is let go:
 * the keyring's own lock may take a moment, and another process may be
 * waiting for ours while it holds that one. */
static void
rollback_secret (GTask  *task,
                 GError *error)
{
  ChangeData *data = g_task_get_task_data (task);

  data->error = error;
  g_idle_add (rollback_secret_idle, task);
}

/* Add */

static void add_write_settings (GTask *owned_task);

static gboolean
on_add_retry (gpointer user_data)
{
  add_write_settings (user_data);
  return G_SOURCE_REMOVE;
}

/* The secret is stored: the metadata, then the id in the list. Takes
 * ownership of @owned_task. */
static void
add_write_settings (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) new_ids = NULL;
  g_autofree char *folded = NULL;
  gboolean stale;

  /* From the name check to the list write, no other process writes. */
  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), &stale, &error))
    {
      /* Another process wrote a moment ago: our settings backend sees it
       * once the main loop has run its file monitor. */
      if (stale && data->stale_retries++ < STALE_RETRIES)
        {
          g_timeout_add (STALE_RETRY_MS, on_add_retry, g_steal_pointer (&task));
          return;
        }

      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }

  /* Another add may have taken the name while the keyring was busy. */
  folded = tessera_text_fold (data->name);
  if (_tessera_store_find_by_folded_name (self, folded, NULL) != NULL)
    {
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      tessera_store_validate_name (self, NULL, data->name, &error);
      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }

  {
    g_auto(TesseraSettingsBatch) batch = { 0, };

    tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, data->id));
    tessera_settings_batch_set_string (&batch, "name", data->name);
    tessera_settings_batch_set_string (&batch, "description", data->description);
    tessera_settings_batch_set_string (&batch, "account-id", data->account_id);
    tessera_settings_batch_set_string (&batch, "base-url", data->base_url);
    tessera_settings_batch_set_enum (&batch, "kind", tessera_token_get_kind (data->token));
    tessera_settings_batch_set_int64 (&batch, "created", _tessera_store_now_seconds ());
    tessera_settings_batch_set_string (&batch, "secret-id", data->secret_id);
    if (data->verification != NULL)
      _tessera_store_batch_set_verification (&batch, data->verification);
    else
      _tessera_store_batch_forget_verification (&batch);

    if (!tessera_settings_batch_apply (&batch, &error))
      {
        tessera_settings_writer_end (_tessera_store_get_writer (self));
        rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
        return;
      }
  }

  ids = _tessera_store_dup_list (self);
  new_ids = _tessera_store_strv_with ((const char * const *) ids, data->id, G_MAXUINT);
  /* With none selected (the first credential, or the selected one was
   * removed), the new one is what scripts use: in the same write as the
   * list, so no process ever sees it listed but not selected. */
  if (!_tessera_store_write_list (self, (const char * const *) new_ids,
                                  tessera_store_get_selected_id (self) == NULL ? data->id : NULL, &error))
    {
      g_auto(TesseraSettingsBatch) reset = { 0, };

      tessera_settings_batch_init (&reset, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, data->id));
      tessera_settings_batch_reset_all (&reset);
      tessera_settings_batch_apply (&reset, NULL);
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }
  tessera_settings_writer_end (_tessera_store_get_writer (self));
  _tessera_store_journal_close (self, data->journal);

  data->credential = _tessera_store_new_credential (self, data->id);
  _tessera_store_splice_items (self, self->items->len, 0, data->credential);
  _tessera_store_sync_selection (self);

  g_debug ("Added credential %s", data->id);
  g_task_return_pointer (task, g_object_ref (data->credential), g_object_unref);
}

static void
on_add_locked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_settings_writer_lock_finish (_tessera_store_get_writer (self), result, &error))
    {
      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }

  add_write_settings (g_steal_pointer (&task));
  tessera_settings_writer_end (_tessera_store_get_writer (self));
}

static void
on_add_stored (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    {
      /* No metadata was written yet; only the secret may need undoing. */
      if (_tessera_store_secret_may_be_stored (error))
        _tessera_store_clear_stray_secret (self, data->secret_id, data->journal);
      else
        _tessera_store_journal_close (self, data->journal);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Free, the lock is taken at once; held by another process, a thread
   * waits for it. */
  if (tessera_settings_writer_try_lock (_tessera_store_get_writer (self)))
    {
      add_write_settings (g_steal_pointer (&task));
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      return;
    }

  tessera_settings_writer_lock_async (_tessera_store_get_writer (self), NULL, on_add_locked, g_steal_pointer (&task));
}

/* The journal names the item and the settings about to be written: now
 * the key can go to the keyring. */
static void
on_add_journal_opened (GObject      *source,
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
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Nothing written yet: a cancel now just ends the add. */
  if (g_task_return_error_if_cancelled (task))
    {
      _tessera_store_journal_close (self, data->journal);
      return;
    }

  label = _tessera_store_build_label ();
  cancellable = g_task_get_cancellable (task);
  tessera_secret_backend_store_async (tessera_store_get_secret_backend (self), data->secret_id, label,
                                      tessera_token_get_value (data->token), cancellable,
                                      on_add_stored, g_steal_pointer (&task));
}

void
tessera_store_add_async (TesseraStore        *self,
                         const char          *name,
                         const char          *description,
                         const char          *account_id,
                         const char          *base_url,
                         TesseraToken        *token,
                         TesseraVerification *verification,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ChangeData *data;

  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (verification == NULL || TESSERA_IS_VERIFICATION (verification));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_add_async);
  /* Once the secret is stored the add runs to its end (or its undo), and
   * the result says which: a cancelled caller just ignores it. */
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (ChangeData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) _tessera_store_change_data_free);
  data->token = tessera_token_ref (token);
  data->verification = verification != NULL ? g_object_ref (verification) : NULL;
  data->name = _tessera_store_normalize_name (name);
  data->description = g_strstrip (g_strdup (description != NULL ? description : ""));
  data->account_id = _tessera_store_resolve_account (account_id, token);

  if (!tessera_store_validate_name (self, NULL, data->name, &error) ||
      !tessera_store_validate_description (data->description, &error) ||
      !tessera_store_validate_account_id (data->account_id, token, &error) ||
      !(data->base_url = _tessera_store_resolve_base_url (self, base_url, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->id = g_uuid_string_random ();
  /* The first token revision is keyed by the credential id itself. */
  data->secret_id = g_strdup (data->id);
  data->journal = _tessera_store_journal_entry_new ("add", data->id, data->secret_id, NULL);

  _tessera_store_journal_open_async (self, data->journal, on_add_journal_opened, g_steal_pointer (&task));
}

TesseraCredential *
tessera_store_add_finish (TesseraStore  *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_store_add_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
