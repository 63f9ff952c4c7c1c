/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-journal.c: what a store operation is about to write, and
 * the recovery of operations that a signal or a kill interrupted
 *
 * An add writes the key to the keyring, then the credential's settings,
 * then its id in the list; a remove takes the id out of the list, then
 * deletes the key, then the settings; replacing a key stores the new item,
 * points the settings at it, then deletes the old one. A process killed
 * between two steps would leave a key that no listed credential owns, or
 * settings without a credential. So before its first write an operation
 * records in the "pending" settings key what it is about to write where
 * (never the key), and clears that entry after its last step:
 *
 *   OP ID SECRET OTHER STARTED PID PIDNS PSTART
 *
 * OP is add, remove or replace; SECRET the keyring item it writes or
 * deletes; OTHER, for replace, the item it replaces ("-" otherwise);
 * STARTED the time in seconds; PID, PIDNS (the pid namespace) and PSTART
 * (the process's start time in clock ticks) say whether its owner lives.
 *
 * tessera_store_recover_async() finds the entries whose owner is gone (in
 * our pid namespace: no such process, or another one with that pid; in
 * another namespace: older than a minute) and rolls them forward or back:
 * an add that did not list its id is undone, a remove is finished, a
 * replaced key keeps the item the settings name and loses the other. Then
 * it sweeps: keyring items of our schema and settings groups that no
 * listed credential owns and no pending entry names, older than a minute,
 * are removed. Nothing younger than a minute is touched: another process
 * may be in the middle of an add. The window runs it after its first
 * frame; `tessera add`, `remove` and `verify` before their work.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tessera-install.h"
#include "tessera-store-private.h"

#define JOURNAL_KEY "pending"
#define STALE_AFTER_S 60
#define RETRY_MS 50
#define RETRIES 40

/* Time, and who we are */

/* Tests make everything look older without waiting a minute; only a
 * program run from its build tree reads it. */
gint64
_tessera_store_journal_now (void)
{
  static gint64 offset = -1;

  if (offset < 0)
    {
      const char *text = g_getenv ("TESSERA_TEST_AGE_OFFSET_S");

      offset = 0;
      if (text != NULL && tessera_install_is_build_tree ())
        offset = MAX (g_ascii_strtoll (text, NULL, 10), 0);
    }

  return _tessera_store_now_seconds () + offset;
}

static char *
read_pid_namespace (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/ns/pid", pid);
  char *link = g_file_read_link (path, NULL);

  if (link == NULL || strchr (link, ' ') != NULL || *link == '\0')
    {
      g_free (link);
      return g_strdup ("-");
    }

  return link;
}

/* Field 22 of /proc/PID/stat: when the process started, which tells a
 * reused pid from the process that wrote the entry. 0 when unknown. */
static guint64
read_process_start (gint64 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;

  /* The command name in parentheses may hold spaces. */
  after = strrchr (text, ')');
  if (after == NULL)
    return 0;

  fields = g_strsplit (after + 1, " ", 0);
  /* fields[0] is empty (the space after ')'), fields[1] is field 3. */
  if (g_strv_length (fields) < 21)
    return 0;

  return g_ascii_strtoull (fields[20], NULL, 10);
}

char *
_tessera_store_journal_entry_new (const char *op,
                                  const char *id,
                                  const char *secret_id,
                                  const char *other_secret_id)
{
  g_autofree char *pidns = read_pid_namespace ("self");

  return g_strdup_printf ("%s %s %s %s %" G_GINT64_FORMAT " %d %s %" G_GUINT64_FORMAT,
                          op, id, secret_id != NULL ? secret_id : "-",
                          other_secret_id != NULL ? other_secret_id : "-",
                          _tessera_store_journal_now (), (int) getpid (), pidns,
                          read_process_start (getpid ()));
}

typedef struct
{
  char    *text;
  char    *op;
  char    *id;
  char    *secret_id;    /* NULL: none */
  char    *other;        /* NULL: none */
  gint64   started;
  gint64   pid;
  char    *pidns;
  guint64  pstart;
} JournalEntry;

static void
journal_entry_free (JournalEntry *entry)
{
  g_free (entry->text);
  g_free (entry->op);
  g_free (entry->id);
  g_free (entry->secret_id);
  g_free (entry->other);
  g_free (entry->pidns);
  g_free (entry);
}

static char *
dup_field (const char *field)
{
  return strcmp (field, "-") != 0 && tessera_settings_is_valid_id (field) ? g_strdup (field) : NULL;
}

static JournalEntry *
journal_entry_parse (const char *text)
{
  g_auto(GStrv) fields = g_strsplit (text, " ", 0);
  JournalEntry *entry;

  if (g_strv_length (fields) != 8 || !tessera_settings_is_valid_id (fields[1]))
    return NULL;

  entry = g_new0 (JournalEntry, 1);
  entry->text = g_strdup (text);
  entry->op = g_strdup (fields[0]);
  entry->id = g_strdup (fields[1]);
  entry->secret_id = dup_field (fields[2]);
  entry->other = dup_field (fields[3]);
  entry->started = g_ascii_strtoll (fields[4], NULL, 10);
  entry->pid = g_ascii_strtoll (fields[5], NULL, 10);
  entry->pidns = g_strdup (fields[6]);
  entry->pstart = g_ascii_strtoull (fields[7], NULL, 10);
  return entry;
}

/* Whether the process that wrote @entry is gone. */
static gboolean
journal_entry_is_stale (JournalEntry *entry,
                        gint64        now)
{
  g_autofree char *ours = read_pid_namespace ("self");

  if (strcmp (ours, "-") != 0 && strcmp (entry->pidns, ours) == 0 && entry->pid > 0)
    {
      guint64 pstart;

      if (kill ((pid_t) entry->pid, 0) != 0 && errno == ESRCH)
        return TRUE;

      pstart = read_process_start (entry->pid);
      return pstart != 0 && entry->pstart != 0 && pstart != entry->pstart;
    }

  /* A process we cannot see (a sandbox beside the host): by its age. */
  return now - entry->started > STALE_AFTER_S;
}

/* Writing the journal */

/* Under the writer's lock: adds @add and drops @drop (either may be NULL). */
static gboolean
journal_edit_locked (TesseraStore  *self,
                     const char    *add,
                     const char    *drop,
                     GError       **error)
{
  g_auto(GStrv) pending = tessera_settings_dup_strv (self->settings, JOURNAL_KEY);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) edited = NULL;
  g_auto(TesseraSettingsBatch) batch = { 0, };
  gboolean changed = FALSE;

  for (guint i = 0; pending[i] != NULL; i++)
    {
      if (drop != NULL && strcmp (pending[i], drop) == 0)
        {
          changed = TRUE;
          continue;
        }
      g_strv_builder_add (builder, pending[i]);
    }
  if (add != NULL)
    {
      g_strv_builder_add (builder, add);
      changed = TRUE;
    }
  if (!changed)
    return TRUE;

  edited = g_strv_builder_end (builder);
  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_main_settings (self));
  /* The tests' write hook fails the credentials' writes, each step of
   * an operation; the journal around them is not one of those steps. */
  batch.unhooked = TRUE;
  tessera_settings_batch_set_strv (&batch, JOURNAL_KEY, (const char * const *) edited);
  return tessera_settings_batch_apply (&batch, error);
}

typedef struct
{
  char  *add;
  char  *drop;
  guint  retries;
} JournalEdit;

static void
journal_edit_free (JournalEdit *edit)
{
  g_free (edit->add);
  g_free (edit->drop);
  g_free (edit);
}

static void journal_edit_try (GTask *owned_task);

static gboolean
on_journal_edit_retry (gpointer user_data)
{
  journal_edit_try (user_data);
  return G_SOURCE_REMOVE;
}

/* Takes the lock, waiting a moment (on the main loop, not in it) when
 * the settings backend has not yet read another process's write. Takes
 * ownership of @owned_task. */
static void
journal_edit_try (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  JournalEdit *edit = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean stale;
  gboolean ok;

  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), &stale, &error))
    {
      if (stale && edit->retries++ < RETRIES)
        {
          g_timeout_add (RETRY_MS, on_journal_edit_retry, g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ok = journal_edit_locked (self, edit->add, edit->drop, &error);
  tessera_settings_writer_end (_tessera_store_get_writer (self));
  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_journal_locked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_settings_writer_lock_finish (_tessera_store_get_writer (self), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  journal_edit_try (g_steal_pointer (&task));
  tessera_settings_writer_end (_tessera_store_get_writer (self));
}

static void
journal_edit_async (TesseraStore        *self,
                    const char          *add,
                    const char          *drop,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  JournalEdit *edit = g_new0 (JournalEdit, 1);

  edit->add = g_strdup (add);
  edit->drop = g_strdup (drop);
  g_task_set_task_data (task, edit, (GDestroyNotify) journal_edit_free);

  /* Held by another process, the lock is waited for in a thread. */
  if (!tessera_settings_writer_try_lock (_tessera_store_get_writer (self)))
    {
      tessera_settings_writer_lock_async (_tessera_store_get_writer (self), NULL, on_journal_locked, task);
      return;
    }

  journal_edit_try (task);
  tessera_settings_writer_end (_tessera_store_get_writer (self));
}

/* Records @entry before the first write of an operation. */
void
_tessera_store_journal_open_async (TesseraStore        *self,
                                   const char          *entry,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  journal_edit_async (self, entry, NULL, callback, user_data);
}

gboolean
_tessera_store_journal_open_finish (TesseraStore  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  TesseraStore *store;
  char         *entry;
  guint         retries;
} JournalClose;

static void
journal_close_free (JournalClose *close)
{
  g_object_unref (close->store);
  g_free (close->entry);
  g_free (close);
}

/* Whether the entry is dealt with (cleared, or left for good). */
static gboolean
journal_close_try (TesseraStore *self,
                   const char   *entry,
                   gboolean      may_retry)
{
  g_autoptr(GError) error = NULL;
  gboolean stale;
  gboolean ok;

  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), &stale, &error))
    {
      if (stale && may_retry)
        return FALSE;
      /* Left in place, it names a process that ends some day: the next
       * recovery after that finds everything done and drops it. */
      g_debug ("Could not clear a journal entry: %s", error->message);
      return TRUE;
    }

  ok = journal_edit_locked (self, NULL, entry, &error);
  tessera_settings_writer_end (_tessera_store_get_writer (self));
  if (!ok)
    g_debug ("Could not clear a journal entry: %s", error->message);
  return TRUE;
}

static gboolean
on_journal_close_retry (gpointer user_data)
{
  JournalClose *close = user_data;

  if (!journal_close_try (close->store, close->entry, close->retries++ < RETRIES))
    return G_SOURCE_CONTINUE;

  journal_close_free (close);
  return G_SOURCE_REMOVE;
}

/* After the last step (or the undo) of an operation. At once, holding
 * nothing; only when another process's write is not read yet, a moment
 * later. */
void
_tessera_store_journal_close (TesseraStore *self,
                              const char   *entry)
{
  JournalClose *close;

  if (entry == NULL || journal_close_try (self, entry, TRUE))
    return;

  close = g_new0 (JournalClose, 1);
  close->store = g_object_ref (self);
  close->entry = g_strdup (entry);
  g_timeout_add (RETRY_MS, on_journal_close_retry, close);
}

/* Under the lock already held: for operations that write the settings
 * anyway at that moment (remove). */
gboolean
_tessera_store_journal_open_locked (TesseraStore  *self,
                                    const char    *entry,
                                    GError       **error)
{
  return journal_edit_locked (self, entry, NULL, error);
}

/* Recovery */

typedef struct
{
  GPtrArray  *entries;        /* JournalEntry: the stale ones */
  guint       next_entry;
  GHashTable *named;          /* ids and secret ids any entry names */
  GPtrArray  *to_clear;       /* secret ids, for the entry or the sweep */
  guint       next_clear;
  gboolean    clear_failed;
  gboolean    sweeping;
  guint       removed;        /* items, groups and entries dealt with */
  gint64      now;
} RecoverData;

static void
recover_data_free (RecoverData *data)
{
  g_clear_pointer (&data->entries, g_ptr_array_unref);
  g_clear_pointer (&data->named, g_hash_table_unref);
  g_clear_pointer (&data->to_clear, g_ptr_array_unref);
  g_free (data);
}

static gboolean
list_contains (TesseraStore *self,
               const char   *id)
{
  g_auto(GStrv) ids = _tessera_store_dup_list (self);

  return g_strv_contains ((const char * const *) ids, id);
}

static char *
dup_group_secret_id (TesseraStore *self,
                     const char   *id)
{
  g_autoptr(GSettings) settings = _tessera_store_new_credential_settings (self, id);

  return g_settings_get_string (settings, "secret-id");
}

static void
reset_group_locked (TesseraStore *self,
                    const char   *id)
{
  g_auto(TesseraSettingsBatch) batch = { 0, };
  g_autoptr(GError) error = NULL;

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, id));
  tessera_settings_batch_reset_all (&batch);
  if (!tessera_settings_batch_apply (&batch, &error))
    g_debug ("Could not reset the settings of %s: %s", id, error->message);
}

static void recover_next_entry (GTask *task);
static void sweep_secrets (GTask *task);
static void clear_next (GTask *task);

/* Only after its keys are gone: the entry ends with the settings steps. */
static void
finish_entry (GTask        *task,
              JournalEntry *entry)
{
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (data->clear_failed)
    {
      g_debug ("Keeping journal entry “%s”: a key could not be deleted", entry->text);
      recover_next_entry (task);
      return;
    }

  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), NULL, &error))
    {
      g_debug ("Could not finish journal entry “%s”: %s", entry->text, error->message);
      recover_next_entry (task);
      return;
    }

  if ((strcmp (entry->op, "add") == 0 || strcmp (entry->op, "remove") == 0) &&
      !list_contains (self, entry->id))
    reset_group_locked (self, entry->id);

  if (journal_edit_locked (self, NULL, entry->text, &error))
    data->removed++;
  else
    g_debug ("Could not drop journal entry “%s”: %s", entry->text, error->message);
  tessera_settings_writer_end (_tessera_store_get_writer (self));

  recover_next_entry (task);
}

static void
on_recover_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  RecoverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    {
      g_debug ("Could not delete an orphaned key: %s", error->message);
      data->clear_failed = TRUE;
    }
  else if (data->sweeping)
    data->removed++;

  clear_next (task);
}

static void sweep_groups (GTask *task);

/* Deletes data->to_clear one by one, then goes on with the entry or the
 * sweep. */
static void
clear_next (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);

  if (data->next_clear < data->to_clear->len)
    {
      const char *secret_id = g_ptr_array_index (data->to_clear, data->next_clear++);

      g_debug ("Deleting orphaned key %s", secret_id);
      tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), secret_id,
                                          g_task_get_cancellable (task), on_recover_cleared, task);
      return;
    }

  if (data->sweeping)
    sweep_groups (task);
  else
    finish_entry (task, g_ptr_array_index (data->entries, data->next_entry - 1));
}

static void
recover_next_entry (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);
  JournalEntry *entry;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (data->next_entry >= data->entries->len)
    {
      sweep_secrets (task);
      return;
    }

  entry = g_ptr_array_index (data->entries, data->next_entry++);
  g_ptr_array_set_size (data->to_clear, 0);
  data->next_clear = 0;
  data->clear_failed = FALSE;
  g_debug ("Recovering interrupted operation “%s”", entry->text);

  if (strcmp (entry->op, "add") == 0)
    {
      /* Listed: the add got to its end. Otherwise it never happened. */
      if (!list_contains (self, entry->id) && entry->secret_id != NULL)
        g_ptr_array_add (data->to_clear, g_strdup (entry->secret_id));
    }
  else if (strcmp (entry->op, "remove") == 0)
    {
      g_autoptr(GError) error = NULL;

      /* The remove was asked for: finish it, the id first. */
      if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), NULL, &error))
        {
          g_debug ("Could not finish removing %s: %s", entry->id, error->message);
          recover_next_entry (task);
          return;
        }
      if (list_contains (self, entry->id))
        {
          g_auto(GStrv) ids = _tessera_store_dup_list (self);
          g_auto(GStrv) without = _tessera_store_strv_without ((const char * const *) ids, entry->id);
          g_autofree char *selected = g_settings_get_string (self->settings, "selected-credential");

          if (!_tessera_store_write_list (self, (const char * const *) without,
                                          g_strcmp0 (selected, entry->id) == 0 ? "" : NULL, &error))
            {
              tessera_settings_writer_end (_tessera_store_get_writer (self));
              g_debug ("Could not finish removing %s: %s", entry->id, error->message);
              recover_next_entry (task);
              return;
            }
          _tessera_store_resync_list (self);
        }
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      if (entry->secret_id != NULL)
        g_ptr_array_add (data->to_clear, g_strdup (entry->secret_id));
    }
  else if (strcmp (entry->op, "replace") == 0)
    {
      /* Whichever item the settings name stays; the other goes. */
      g_autofree char *named = dup_group_secret_id (self, entry->id);

      /* No "secret-id": the first revision, keyed by the id itself; or,
       * unlisted, a credential removed since, whose items both go. */
      if (*named == '\0' && list_contains (self, entry->id))
        g_set_str (&named, entry->id);
      if (entry->secret_id != NULL && g_strcmp0 (named, entry->secret_id) != 0)
        g_ptr_array_add (data->to_clear, g_strdup (entry->secret_id));
      if (entry->other != NULL && g_strcmp0 (named, entry->other) != 0)
        g_ptr_array_add (data->to_clear, g_strdup (entry->other));
    }

  clear_next (task);
}

/* The sweep */

static gboolean
is_old (RecoverData *data,
        gint64       created)
{
  return created > 0 && data->now - created > STALE_AFTER_S;
}

/* What listed credentials own: their items, by the store's copy and, for
 * ids it does not hold yet, by the settings. */
static GHashTable *
owned_secret_ids (TesseraStore *self)
{
  GHashTable *owned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) ids = _tessera_store_dup_list (self);

  for (guint i = 0; i < self->items->len; i++)
    g_hash_table_add (owned, g_strdup (_tessera_credential_get_secret_id (g_ptr_array_index (self->items, i))));
  for (guint i = 0; i < self->pending->len; i++)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i);

      g_hash_table_add (owned, g_strdup (_tessera_credential_get_secret_id (removal->credential)));
    }

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *secret_id = NULL;

      /* The first revision's item is keyed by the id itself. */
      g_hash_table_add (owned, g_strdup (ids[i]));
      if (tessera_store_lookup (self, ids[i]) != NULL || !tessera_settings_is_valid_id (ids[i]))
        continue;
      secret_id = dup_group_secret_id (self, ids[i]);
      if (*secret_id != '\0')
        g_hash_table_add (owned, g_steal_pointer (&secret_id));
    }

  return owned;
}

static void
on_swept_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) owned = NULL;

  items = tessera_secret_backend_list_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (items == NULL)
    {
      g_debug ("Could not list the keyring items: %s", error->message);
      sweep_groups (task);
      return;
    }

  owned = owned_secret_ids (self);
  g_ptr_array_set_size (data->to_clear, 0);
  data->next_clear = 0;
  for (guint i = 0; i < items->len; i++)
    {
      TesseraSecretItem *item = g_ptr_array_index (items, i);

      if (g_hash_table_contains (owned, item->secret_id) ||
          g_hash_table_contains (data->named, item->secret_id) ||
          !is_old (data, item->created))
        continue;

      g_debug ("Keyring item %s belongs to no credential", item->secret_id);
      g_ptr_array_add (data->to_clear, g_strdup (item->secret_id));
    }

  clear_next (task);
}

static void
sweep_secrets (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);
  g_auto(GStrv) pending = tessera_settings_dup_strv (self->settings, JOURNAL_KEY);

  /* What the entries left (live ones, or ones that could not be
   * finished) name is theirs, not the sweep's. */
  for (guint i = 0; pending[i] != NULL; i++)
    {
      JournalEntry *entry = journal_entry_parse (pending[i]);

      if (entry == NULL)
        continue;
      g_hash_table_add (data->named, g_strdup (entry->id));
      if (entry->secret_id != NULL)
        g_hash_table_add (data->named, g_strdup (entry->secret_id));
      if (entry->other != NULL)
        g_hash_table_add (data->named, g_strdup (entry->other));
      journal_entry_free (entry);
    }

  data->sweeping = TRUE;
  tessera_secret_backend_list_async (tessera_store_get_secret_backend (self), g_task_get_cancellable (task),
                                     on_swept_listed, task);
}

/* Settings groups (the keyfile backend's; dconf cannot list relocatable
 * paths) that no listed credential owns. Ends the recovery. */
static void
sweep_groups (GTask *task)
{
  TesseraStore *self = g_task_get_source_object (task);
  RecoverData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) groups = tessera_settings_writer_dup_credential_groups (_tessera_store_get_writer (self));

  if (groups != NULL && groups[0] != NULL)
    {
      if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), NULL, &error))
        g_debug ("Could not sweep the settings: %s", error->message);
      else
        {
          g_auto(GStrv) ids = _tessera_store_dup_list (self);

          for (guint i = 0; groups[i] != NULL; i++)
            {
              g_autoptr(GSettings) settings = NULL;
              gint64 created;

              if (g_strv_contains ((const char * const *) ids, groups[i]) ||
                  g_hash_table_contains (data->named, groups[i]))
                continue;

              settings = _tessera_store_new_credential_settings (self, groups[i]);
              created = g_settings_get_int64 (settings, "created");
              /* Every add writes "created" with the rest of the group. */
              if (created != 0 && !is_old (data, created))
                continue;

              g_debug ("Settings of %s belong to no credential", groups[i]);
              reset_group_locked (self, groups[i]);
              data->removed++;
            }
          tessera_settings_writer_end (_tessera_store_get_writer (self));
        }
    }

  g_task_return_int (task, data->removed);
  g_object_unref (task);
}

/**
 * tessera_store_recover_async:
 *
 * Rolls forward or back the operations of processes that ended in the
 * middle of one, then removes keyring items and settings that no listed
 * credential owns, older than a minute. Best effort: what cannot be done
 * now is left for the next run. Run it off the way of the first frame.
 */
void
tessera_store_recover_async (TesseraStore        *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  RecoverData *data;
  g_auto(GStrv) pending = NULL;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_recover_async);

  data = g_new0 (RecoverData, 1);
  data->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) journal_entry_free);
  data->named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  data->to_clear = g_ptr_array_new_with_free_func (g_free);
  data->now = _tessera_store_journal_now ();
  g_task_set_task_data (task, data, (GDestroyNotify) recover_data_free);

  /* The fault matrix counts what kills leave before one recovery. */
  if (g_getenv ("TESSERA_TEST_SKIP_RECOVERY") != NULL && tessera_install_is_build_tree ())
    {
      g_task_return_int (task, 0);
      g_object_unref (task);
      return;
    }

  pending = tessera_settings_dup_strv (self->settings, JOURNAL_KEY);
  for (guint i = 0; pending[i] != NULL; i++)
    {
      JournalEntry *entry = journal_entry_parse (pending[i]);

      if (entry == NULL)
        {
          g_debug ("Ignoring journal entry “%s”", pending[i]);
          continue;
        }
      if (!journal_entry_is_stale (entry, data->now))
        {
          journal_entry_free (entry);
          continue;
        }
      g_ptr_array_add (data->entries, entry);
    }

  recover_next_entry (task);
}

/**
 * tessera_store_recover_finish:
 * @n_removed: (out) (optional): how many interrupted operations, keyring
 *   items and settings groups it dealt with
 */
gboolean
tessera_store_recover_finish (TesseraStore  *self,
                              GAsyncResult  *result,
                              guint         *n_removed,
                              GError       **error)
{
  gssize removed;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  removed = g_task_propagate_int (G_TASK (result), error);
  if (removed < 0)
    return FALSE;

  if (n_removed != NULL)
    *n_removed = (guint) removed;
  return TRUE;
}

gboolean
tessera_store_get_background_work (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  return self->background > 0;
}

/**
 * tessera_store_dup_listed_ids:
 *
 * Returns: (transfer full): the credentials list as every process sees it
 *   now, which may be ahead of this store's model (another process
 *   removed one a moment ago)
 */
GStrv
tessera_store_dup_listed_ids (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return tessera_settings_writer_dup_listed (_tessera_store_get_writer (self));
}

/* Whether another process may have removed @id although the model still
 * has it. Cheap unless the settings file changed since this store last
 * read it (every check of a verify-all asks). */
gboolean
_tessera_store_removed_elsewhere (TesseraStore *self,
                                  const char   *id)
{
  g_auto(GStrv) ids = NULL;

  if (!tessera_settings_writer_file_changed (_tessera_store_get_writer (self)))
    return FALSE;

  ids = tessera_settings_writer_dup_listed (_tessera_store_get_writer (self));
  return !g_strv_contains ((const char * const *) ids, id);
}
