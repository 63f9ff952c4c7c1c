/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-settings-writer.c: all-or-nothing GSettings writes beside other
 * processes
 *
 * Every metadata write of the store goes through a TesseraSettingsBatch (a
 * delayed GSettings object per write) so that one write is applied whole
 * or not at all, and so that tests can make it fail through a hook.
 *
 * Writing beside other processes (the command line, a second copy of the
 * app): a read-modify-write of the "credentials" list, or of anything when
 * GSettings' keyfile backend is in use (it rewrites the whole file from
 * its copy in memory, which follows the file only when the main loop runs
 * its file monitor), would undo another process's change made a moment
 * before. So every write runs under a lock file shared by all processes,
 * and with the keyfile backend only when the backend's copy is the file's
 * contents; and since that backend does not report failed writes, the
 * writer checks that the file can be written and was written. See
 * tessera_settings_writer_begin().
 */
#define G_LOG_DOMAIN "tessera-store"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gsettingsbackend.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tessera-file-guard.h"
#include "tessera-settings-writer.h"
#include "tessera-store.h"

#define LOCK_WAIT_MS 2000

struct _TesseraSettingsWriter
{
  GObject                    parent_instance;

  GSettings                 *settings;
  GSettingsSchema           *credential_schema;
  GSettingsBackend          *backend;            /* NULL: the default */

  TesseraSettingsWriterHook  hook;
  gpointer                   hook_data;

  /* GSettings' keyfile backend, when that is what the settings use */
  char                      *keyfile;            /* its file, else NULL */
  char                      *keyfile_root;       /* its root path, "/" by default */
  char                      *keyfile_root_group; /* nullable */
  TesseraFileStamp           keyfile_stamp;      /* the file as the backend holds it */
  gboolean                   keyfile_known;      /* whether keyfile_stamp says so */
};

G_DEFINE_FINAL_TYPE (TesseraSettingsWriter, tessera_settings_writer, G_TYPE_OBJECT)

/* The settings layout */

char *
tessera_settings_credential_path (const char *id)
{
  return g_strconcat (TESSERA_CREDENTIALS_PATH, id, "/", NULL);
}


/* Ids become settings paths: only the characters of a UUID (and of
 * Harness identifiers) are accepted. */
gboolean
tessera_settings_is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 64)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

GStrv
tessera_settings_dup_strv (GSettings  *settings,
                           const char *key)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, key);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) trusted = NULL;

  /* GLib 2.74 checks an untrusted array's offsets again for each element
   * asked for: reading 10 000 ids one by one took the square of that
   * (0.37 G instructions). Once the whole value is known to be in normal
   * form, a copy marked as such reads each element at once. */
  if (!g_variant_is_normal_form (value))
    return g_variant_dup_strv (value, NULL);

  bytes = g_variant_get_data_as_bytes (value);
  trusted = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_STRING_ARRAY, bytes, TRUE));
  return g_variant_dup_strv (trusted, NULL);
}

/* The lock */

/* One lock for the whole process: flock() is between open files, and two
 * stores in one process never write at the same time anyway. */
static int lock_fd = -1;
static gboolean lock_opened;
static guint lock_depth;

/* A wait for the lock in a thread (tessera_settings_writer_lock_async())
 * is under way: the descriptor may be ours any moment, so a write of the
 * main thread must not take it meanwhile (nor release it after). */
static gboolean lock_waiting;
static GQueue lock_waiters = G_QUEUE_INIT;   /* GTask, for the thread's answer */

static char *lock_dir;   /* the runtime directory lock_fd is in */

static void
open_lock (void)
{
  const char *dir = g_get_user_runtime_dir ();

  /* Tests give each case its own runtime directory: follow it while the
   * lock is not held. */
  if (lock_opened && lock_depth == 0 && !lock_waiting && g_strcmp0 (dir, lock_dir) != 0)
    {
      if (lock_fd >= 0)
        close (lock_fd);
      lock_opened = FALSE;
    }

  if (!lock_opened)
    {
      lock_fd = tessera_file_lock_open (APP_ID ".settings.lock");
      g_free (lock_dir);
      lock_dir = g_strdup (dir);
      lock_opened = TRUE;
    }
}

static gboolean
acquire_lock (void)
{
  if (lock_depth > 0)
    {
      lock_depth++;
      return TRUE;
    }

  open_lock ();
  lock_depth++;
  /* Another process holds it, as the thread is waiting to learn: a write
   * now would wait for it on the main loop. */
  if (lock_waiting || !tessera_file_lock_acquire (lock_fd, LOCK_WAIT_MS))
    {
      lock_depth--;
      return FALSE;
    }

  return TRUE;
}

static void
release_lock (void)
{
  g_assert (lock_depth > 0);

  if (--lock_depth == 0)
    tessera_file_lock_release (lock_fd);
}

/* The keyfile backend */

static void
detect_keyfile_backend (TesseraSettingsWriter *self)
{
  g_autoptr(GSettingsBackend) backend = NULL;

  g_object_get (self->settings, "backend", &backend, NULL);
  if (backend == NULL || g_strcmp0 (G_OBJECT_TYPE_NAME (backend), "GKeyfileSettingsBackend") != 0)
    return;

  g_object_get (backend,
                "filename", &self->keyfile,
                "root-path", &self->keyfile_root,
                "root-group", &self->keyfile_root_group,
                NULL);
  if (self->keyfile_root == NULL)
    self->keyfile_root = g_strdup ("/");
}

/* The keyfile group of a settings path, as GKeyfileSettingsBackend names
 * it: the path below the root, without the slashes around it. */
static char *
keyfile_group (TesseraSettingsWriter *self,
               const char            *path)
{
  const char *below;

  if (!g_str_has_prefix (path, self->keyfile_root))
    return NULL;

  below = path + strlen (self->keyfile_root);
  if (*below == '\0')
    return g_strdup (self->keyfile_root_group);

  return g_strndup (below, strlen (below) - 1);
}

static gboolean
keyfile_value_matches (GKeyFile   *keyfile,
                       const char *group,
                       GSettings  *settings,
                       const char *key)
{
  g_autoptr(GVariant) ours = g_settings_get_user_value (settings, key);
  g_autofree char *text = group != NULL ? g_key_file_get_value (keyfile, group, key, NULL) : NULL;
  g_autoptr(GVariant) theirs = NULL;

  if (ours == NULL || text == NULL)
    return ours == NULL && text == NULL;

  theirs = g_variant_parse (g_variant_get_type (ours), text, NULL, NULL, NULL);
  if (theirs != NULL)
    return g_variant_equal (ours, theirs);

  /* GLib also reads a string written without quotes. */
  return g_variant_is_of_type (ours, G_VARIANT_TYPE_STRING) &&
         g_strcmp0 (g_variant_get_string (ours, NULL), text) == 0;
}

static gboolean
keyfile_settings_match (TesseraSettingsWriter *self,
                        GKeyFile              *keyfile,
                        GSettings             *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *path = NULL;
  g_autofree char *group = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, "path", &path, NULL);
  group = keyfile_group (self, path);
  keys = g_settings_schema_list_keys (schema);

  for (guint i = 0; keys[i] != NULL; i++)
    if (!keyfile_value_matches (keyfile, group, settings, keys[i]))
      {
        g_debug ("Settings key %s%s differs from the file", path, keys[i]);
        return FALSE;
      }

  return TRUE;
}

/* Whether the keyfile backend holds what is in the file: everything of
 * ours, the list and every credential listed on either side. */
static gboolean
keyfile_is_loaded (TesseraSettingsWriter *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *main_group = keyfile_group (self, APP_PATH);
  g_autofree char *listed = NULL;
  g_auto(GStrv) ours = tessera_settings_dup_strv (self->settings, "credentials");
  GHashTableIter iter;
  gpointer id;

  /* What GLib cannot parse, it reads as empty: so do we. */
  g_key_file_load_from_file (keyfile, self->keyfile, G_KEY_FILE_NONE, NULL);

  if (!keyfile_settings_match (self, keyfile, self->settings))
    return FALSE;

  for (guint i = 0; ours[i] != NULL; i++)
    g_hash_table_add (ids, g_strdup (ours[i]));

  listed = main_group != NULL ? g_key_file_get_value (keyfile, main_group, "credentials", NULL) : NULL;
  if (listed != NULL)
    {
      g_autoptr(GVariant) value = g_variant_parse (G_VARIANT_TYPE_STRING_ARRAY, listed, NULL, NULL, NULL);
      g_autofree const char **theirs = value != NULL ? g_variant_get_strv (value, NULL) : NULL;

      for (guint i = 0; theirs != NULL && theirs[i] != NULL; i++)
        g_hash_table_add (ids, g_strdup (theirs[i]));
    }

  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_autoptr(GSettings) settings = NULL;
      g_autofree char *path = NULL;

      if (!tessera_settings_is_valid_id (id))
        continue;

      path = tessera_settings_credential_path (id);
      settings = g_settings_new_full (self->credential_schema, self->backend, path);
      if (!keyfile_settings_match (self, keyfile, settings))
        return FALSE;
    }

  return TRUE;
}

/* GLib's keyfile backend resets a key by dropping it, but keeps its group:
 * every removed credential left an empty "[…/credentials/<id>]" and the
 * file only grew. Drops them from the file, under the lock; the backend
 * reads the file again when its monitor runs. */
static void
prune_empty_credential_groups (TesseraSettingsWriter *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *credentials_path = tessera_settings_credential_path ("x");
  g_autofree char *prefix = NULL;
  g_auto(GStrv) groups = NULL;
  gboolean changed = FALSE;

  /* The group of ".../credentials/x/", less the "x". */
  prefix = keyfile_group (self, credentials_path);
  if (prefix == NULL)
    return;
  prefix[strlen (prefix) - 1] = '\0';

  if (!g_key_file_load_from_file (keyfile, self->keyfile, G_KEY_FILE_KEEP_COMMENTS, NULL))
    return;

  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = NULL;

      if (!g_str_has_prefix (groups[i], prefix))
        continue;

      keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      if (keys != NULL && keys[0] == NULL)
        changed |= g_key_file_remove_group (keyfile, groups[i], NULL);
    }

  if (!changed)
    return;

  if (!g_key_file_save_to_file (keyfile, self->keyfile, &error))
    {
      g_debug ("Could not drop empty settings groups: %s", error->message);
      return;
    }

  tessera_file_stamp_read (self->keyfile, &self->keyfile_stamp);
  self->keyfile_known = TRUE;
}

/* The credentials list as every process sees it now: with the keyfile
 * backend, whose copy in memory follows the file only when the main loop
 * runs its monitor, the file's when it changed since this writer last
 * knew it. */
GStrv
tessera_settings_writer_dup_listed (TesseraSettingsWriter *self)
{
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autofree char *main_group = NULL;
  g_autofree char *listed = NULL;
  g_autoptr(GVariant) value = NULL;
  TesseraFileStamp now;

  g_return_val_if_fail (TESSERA_IS_SETTINGS_WRITER (self), NULL);

  if (self->keyfile == NULL)
    return tessera_settings_dup_strv (self->settings, "credentials");

  tessera_file_stamp_read (self->keyfile, &now);
  if (self->keyfile_known && tessera_file_stamp_equal (&now, &self->keyfile_stamp))
    return tessera_settings_dup_strv (self->settings, "credentials");

  keyfile = g_key_file_new ();
  main_group = keyfile_group (self, APP_PATH);
  if (main_group == NULL || !g_key_file_load_from_file (keyfile, self->keyfile, G_KEY_FILE_NONE, NULL))
    return tessera_settings_dup_strv (self->settings, "credentials");

  listed = g_key_file_get_value (keyfile, main_group, "credentials", NULL);
  value = listed != NULL ? g_variant_parse (G_VARIANT_TYPE_STRING_ARRAY, listed, NULL, NULL, NULL) : NULL;
  if (value == NULL)
    return g_new0 (char *, 1);

  return g_variant_dup_strv (value, NULL);
}

/* Whether the keyfile changed since this writer last wrote or checked it:
 * then the backend's copy in memory may lag behind it. */
gboolean
tessera_settings_writer_file_changed (TesseraSettingsWriter *self)
{
  TesseraFileStamp now;

  g_return_val_if_fail (TESSERA_IS_SETTINGS_WRITER (self), FALSE);

  if (self->keyfile == NULL)
    return FALSE;

  tessera_file_stamp_read (self->keyfile, &now);
  return !self->keyfile_known || !tessera_file_stamp_equal (&now, &self->keyfile_stamp);
}

/* The ids of the credential groups in the keyfile that hold keys; NULL
 * with another backend (dconf cannot list relocatable paths). */
GStrv
tessera_settings_writer_dup_credential_groups (TesseraSettingsWriter *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autofree char *credentials_path = NULL;
  g_autofree char *prefix = NULL;
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (TESSERA_IS_SETTINGS_WRITER (self), NULL);

  if (self->keyfile == NULL)
    return NULL;

  credentials_path = tessera_settings_credential_path ("x");
  prefix = keyfile_group (self, credentials_path);
  if (prefix == NULL)
    return NULL;
  prefix[strlen (prefix) - 1] = '\0';

  builder = g_strv_builder_new ();
  if (g_key_file_load_from_file (keyfile, self->keyfile, G_KEY_FILE_NONE, NULL))
    {
      groups = g_key_file_get_groups (keyfile, NULL);
      for (guint i = 0; groups[i] != NULL; i++)
        {
          g_auto(GStrv) keys = NULL;
          const char *id = groups[i] + strlen (prefix);

          if (!g_str_has_prefix (groups[i], prefix) || !tessera_settings_is_valid_id (id))
            continue;

          keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
          if (keys != NULL && keys[0] != NULL)
            g_strv_builder_add (builder, id);
        }
    }

  return g_strv_builder_end (builder);
}

/* GLib's keyfile backend checks its folder only when the folder changes,
 * and a failed write only logs a warning: ask the system now. */
static gboolean
keyfile_is_writable (TesseraSettingsWriter *self)
{
  g_autofree char *dir = NULL;

  if (self->keyfile == NULL)
    return TRUE;

  dir = g_path_get_dirname (self->keyfile);
  return g_access (dir, W_OK | X_OK) == 0;
}

/* Batches */

static void
variant_unref_nullable (GVariant *value)
{
  if (value != NULL)
    g_variant_unref (value);
}

void
tessera_settings_batch_init (TesseraSettingsBatch  *batch,
                             TesseraSettingsWriter *writer,
                             GSettings             *settings)
{
  g_return_if_fail (TESSERA_IS_SETTINGS_WRITER (writer));
  g_return_if_fail (G_IS_SETTINGS (settings));

  batch->writer = writer;
  batch->settings = settings;
  batch->old_values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) variant_unref_nullable);
  batch->failed = FALSE;
  batch->unhooked = FALSE;
  g_settings_delay (settings);
}

void
tessera_settings_batch_clear (TesseraSettingsBatch *batch)
{
  /* Unapplied changes of a delayed GSettings die with it. */
  g_clear_object (&batch->settings);
  g_clear_pointer (&batch->old_values, g_hash_table_unref);
}

static gboolean
batch_check (TesseraSettingsBatch *batch,
             const char           *key)
{
  if (!g_settings_is_writable (batch->settings, key))
    {
      g_debug ("Settings key %s is not writable", key);
      batch->failed = TRUE;
    }

  /* Before the first change of a key the delayed settings still read
   * the stored value. */
  if (!batch->failed && !g_hash_table_contains (batch->old_values, key))
    g_hash_table_insert (batch->old_values, g_strdup (key),
                         g_settings_get_user_value (batch->settings, key));

  return !batch->failed;
}

/* The keyfile backend keeps a failed write in memory: put the old values
 * back there, so that what this process sees is what the file holds. */
static void
batch_undo (TesseraSettingsBatch *batch)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GSettings) settings = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_object_get (batch->settings, "settings-schema", &schema, "path", &path, NULL);
  settings = g_settings_new_full (schema, batch->writer->backend, path);
  g_settings_delay (settings);

  g_hash_table_iter_init (&iter, batch->old_values);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (value != NULL)
        g_settings_set_value (settings, key, value);
      else
        g_settings_reset (settings, key);
    }

  g_settings_apply (settings);
}

void
tessera_settings_batch_set_string (TesseraSettingsBatch *batch,
                                   const char           *key,
                                   const char           *value)
{
  if (batch_check (batch, key))
    g_settings_set_string (batch->settings, key, value != NULL ? value : "");
}

void
tessera_settings_batch_set_int64 (TesseraSettingsBatch *batch,
                                  const char           *key,
                                  gint64                value)
{
  if (batch_check (batch, key))
    g_settings_set_int64 (batch->settings, key, value);
}

void
tessera_settings_batch_set_int (TesseraSettingsBatch *batch,
                                const char           *key,
                                int                   value)
{
  if (batch_check (batch, key))
    g_settings_set_int (batch->settings, key, value);
}

void
tessera_settings_batch_set_boolean (TesseraSettingsBatch *batch,
                                    const char           *key,
                                    gboolean              value)
{
  if (batch_check (batch, key))
    g_settings_set_boolean (batch->settings, key, value);
}

void
tessera_settings_batch_set_enum (TesseraSettingsBatch *batch,
                                 const char           *key,
                                 int                   value)
{
  if (batch_check (batch, key))
    g_settings_set_enum (batch->settings, key, value);
}

void
tessera_settings_batch_set_strv (TesseraSettingsBatch *batch,
                                 const char           *key,
                                 const char * const   *value)
{
  if (batch_check (batch, key))
    g_settings_set_strv (batch->settings, key, value);
}

void
tessera_settings_batch_reset_all (TesseraSettingsBatch *batch)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (batch->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);

  for (guint i = 0; keys[i] != NULL; i++)
    if (batch_check (batch, keys[i]))
      g_settings_reset (batch->settings, keys[i]);
}

static gboolean
batch_drop (TesseraSettingsBatch  *batch,
            const char            *path,
            const char            *message,
            GError               **error)
{
  g_debug ("Dropping the write to %s", path);
  g_settings_revert (batch->settings);
  g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED, message);
  return FALSE;
}

gboolean
tessera_settings_batch_apply (TesseraSettingsBatch  *batch,
                              GError               **error)
{
  TesseraSettingsWriter *self = batch->writer;
  g_autofree char *path = NULL;
  TesseraFileStamp before, after;
  gboolean ok = TRUE;

  g_object_get (batch->settings, "path", &path, NULL);

  if (!batch->failed && !batch->unhooked && self->hook != NULL && !self->hook (path, self->hook_data))
    batch->failed = TRUE;

  if (batch->failed)
    return batch_drop (batch, path, _("The settings could not be saved. Nothing was changed."), error);

  if (!tessera_settings_writer_begin (self, NULL, error))
    {
      g_settings_revert (batch->settings);
      return FALSE;
    }

  if (!keyfile_is_writable (self))
    {
      tessera_settings_writer_end (self);
      return batch_drop (batch, path,
                          _("The settings could not be saved because their folder cannot be written to. Nothing was changed."),
                          error);
    }

  /* GLib would warn twice and write nothing: say it in one sentence. */
  if (self->keyfile != NULL &&
      g_file_test (self->keyfile, G_FILE_TEST_EXISTS) &&
      !g_file_test (self->keyfile, G_FILE_TEST_IS_REGULAR))
    {
      tessera_settings_writer_end (self);
      return batch_drop (batch, path,
                          _("The settings could not be saved because the settings file is a folder or not a file. Nothing was changed."),
                          error);
    }

  if (self->keyfile != NULL)
    tessera_file_stamp_read (self->keyfile, &before);

  g_settings_apply (batch->settings);
  /* dconf writes in the background: wait for it, so that the next
   * process to take the lock reads this change. */
  g_settings_sync ();

  if (self->keyfile != NULL)
    {
      /* A successful write replaces the file. */
      tessera_file_stamp_read (self->keyfile, &after);
      if (!after.exists || tessera_file_stamp_equal (&before, &after))
        {
          batch_undo (batch);
          g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED,
                               _("The settings could not be written to disk. Nothing was changed."));
          ok = FALSE;
        }
      else
        {
          self->keyfile_stamp = after;
          self->keyfile_known = TRUE;
          prune_empty_credential_groups (self);
        }
    }

  tessera_settings_writer_end (self);
  return ok;
}

/* GObject */

static void
tessera_settings_writer_dispose (GObject *object)
{
  TesseraSettingsWriter *self = TESSERA_SETTINGS_WRITER (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->backend);

  G_OBJECT_CLASS (tessera_settings_writer_parent_class)->dispose (object);
}

static void
tessera_settings_writer_finalize (GObject *object)
{
  TesseraSettingsWriter *self = TESSERA_SETTINGS_WRITER (object);

  g_clear_pointer (&self->credential_schema, g_settings_schema_unref);
  g_free (self->keyfile);
  g_free (self->keyfile_root);
  g_free (self->keyfile_root_group);

  G_OBJECT_CLASS (tessera_settings_writer_parent_class)->finalize (object);
}

static void
tessera_settings_writer_class_init (TesseraSettingsWriterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tessera_settings_writer_dispose;
  object_class->finalize = tessera_settings_writer_finalize;
}

static void
tessera_settings_writer_init (TesseraSettingsWriter *self)
{
}

/* Public API */

TesseraSettingsWriter *
tessera_settings_writer_new (GSettings        *settings,
                             GSettingsSchema  *credential_schema,
                             GSettingsBackend *backend)
{
  TesseraSettingsWriter *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (credential_schema != NULL, NULL);
  g_return_val_if_fail (backend == NULL || G_IS_SETTINGS_BACKEND (backend), NULL);

  self = g_object_new (TESSERA_TYPE_SETTINGS_WRITER, NULL);
  self->settings = g_object_ref (settings);
  self->credential_schema = g_settings_schema_ref (credential_schema);
  self->backend = backend != NULL ? g_object_ref (backend) : NULL;
  detect_keyfile_backend (self);

  return self;
}

/* Takes the lock, and checks that writing now would not undo what another
 * process wrote: with the keyfile backend, whose copy in memory may lag
 * behind the file until its file monitor runs, that means the copy must
 * be the file. Checked in full only when the file changed since this
 * writer last wrote or checked it. A stale copy fails the write (nothing is
 * changed) rather than waiting, which would need the main loop. */
gboolean
tessera_settings_writer_begin (TesseraSettingsWriter  *self,
                               gboolean               *stale,
                               GError                **error)
{
  TesseraFileStamp now;

  if (stale != NULL)
    *stale = FALSE;

  if (!acquire_lock ())
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED,
                           _("Another program is changing the credentials. Nothing was changed; try again in a moment."));
      return FALSE;
    }

  if (self->keyfile == NULL)
    return TRUE;

  tessera_file_stamp_read (self->keyfile, &now);
  if (self->keyfile_known && tessera_file_stamp_equal (&now, &self->keyfile_stamp))
    return TRUE;

  if (!keyfile_is_loaded (self))
    {
      if (stale != NULL)
        *stale = TRUE;
      release_lock ();
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED,
                           _("Another program changed the credentials at the same moment. Nothing was changed; try again."));
      return FALSE;
    }

  self->keyfile_stamp = now;
  self->keyfile_known = TRUE;
  return TRUE;
}

static void
lock_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_task_return_boolean (task, tessera_file_lock_acquire (lock_fd, LOCK_WAIT_MS));
}

static void
on_locked_in_thread (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  gboolean locked = g_task_propagate_boolean (G_TASK (result), NULL);
  GTask *task;

  lock_waiting = FALSE;
  /* Each waiter holds a level of it, taken before any of them runs (a
   * callback may run, write and end at once). */
  if (locked)
    lock_depth += lock_waiters.length;
  while ((task = g_queue_pop_head (&lock_waiters)) != NULL)
    {
      if (locked)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_new_error (task, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED, "%s",
                                 _("Another program is changing the credentials. Nothing was changed; try again in a moment."));
      g_object_unref (task);
    }
}

/* Takes the lock if it is free now, without waiting: held until end(). */
gboolean
tessera_settings_writer_try_lock (TesseraSettingsWriter *self)
{
  g_return_val_if_fail (TESSERA_IS_SETTINGS_WRITER (self), FALSE);

  open_lock ();
  if (lock_depth > 0 || (!lock_waiting && tessera_file_lock_acquire (lock_fd, 0)))
    {
      lock_depth++;
      return TRUE;
    }

  return FALSE;
}

/**
 * tessera_settings_writer_lock_async:
 *
 * Takes the lock shared by all Tessera processes without waiting on the
 * main loop: when another process holds it, a thread waits (as long as
 * tessera_settings_writer_begin() would) and the result comes back on the
 * main context. On success the lock is held, as after begin, until
 * tessera_settings_writer_end(); begin inside it nests and checks that
 * the settings are current.
 */
void
tessera_settings_writer_lock_async (TesseraSettingsWriter *self,
                                    GCancellable          *cancellable,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) wait = NULL;

  g_return_if_fail (TESSERA_IS_SETTINGS_WRITER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_settings_writer_lock_async);

  open_lock ();
  if (lock_depth > 0 || (!lock_waiting && tessera_file_lock_acquire (lock_fd, 0)))
    {
      lock_depth++;
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* One thread waits at a time; later callers wait for its answer. */
  g_queue_push_tail (&lock_waiters, g_steal_pointer (&task));
  if (lock_waiting)
    return;

  lock_waiting = TRUE;
  wait = g_task_new (self, NULL, on_locked_in_thread, NULL);
  g_task_run_in_thread (wait, lock_in_thread);
}

gboolean
tessera_settings_writer_lock_finish (TesseraSettingsWriter  *self,
                                     GAsyncResult           *result,
                                     GError                **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tessera_settings_writer_end (TesseraSettingsWriter *self)
{
  g_return_if_fail (TESSERA_IS_SETTINGS_WRITER (self));

  release_lock ();
}

void
tessera_settings_writer_set_hook (TesseraSettingsWriter     *self,
                                  TesseraSettingsWriterHook  hook,
                                  gpointer                   user_data)
{
  g_return_if_fail (TESSERA_IS_SETTINGS_WRITER (self));

  self->hook = hook;
  self->hook_data = user_data;
}
