/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store.c: the saved credentials, as a GListModel of TesseraCredential
 *
 * Where things live:
 * - the ordered list of ids and the selection in "io.github.tessera.Tessera";
 * - each credential's metadata in a relocatable
 *   "io.github.tessera.Tessera.Credential" at .../credentials/<id>/;
 * - each token in a TesseraSecretBackend item whose "credential-id"
 *   attribute is the credential's "secret-id" key.
 *
 * Why "secret-id" and not just the id: replacing a token must write the
 * new item before the old one is cleared, so that a failure at any point
 * leaves one complete, usable token. The Secret Service replaces an item
 * whose attributes are identical, so two revisions of one credential's
 * token cannot share attributes: each token revision gets its own
 * "credential-id" value. It is the credential id for the first token and
 * a fresh UUID on each replacement; the metadata switches to the new value
 * before the old item is cleared.
 *
 * Ordering rules that keep everything whole:
 * - add: secret first, then the credential's keys, then the id in the
 *   list (the moment it exists); a failure undoes the earlier steps;
 * - remove: the id leaves the list first (the moment it is gone), then the
 *   secret, then the keys are reset; a failing keyring puts the id back;
 * - start-up and list changes read GSettings only: the keyring is called
 *   when a token is needed, never to show the list.
 *
 * Every metadata write goes through Writer (a delayed GSettings object per
 * write) so that one write is applied whole or not at all, and so that
 * tests can make it fail through tessera_store_set_write_hook().
 *
 * Writing beside other processes (the command line, a second copy of the
 * app): a read-modify-write of the "credentials" list, or of anything when
 * GSettings' keyfile backend is in use (it rewrites the whole file from
 * its copy in memory, which follows the file only when the main loop runs
 * its file monitor), would undo another process's change made a moment
 * before. So every write runs under a lock file shared by all processes,
 * and with the keyfile backend only when the backend's copy is the file's
 * contents; and since that backend does not report failed writes, the
 * store checks that the file can be written and was written. See
 * begin_settings_change().
 */
#define G_LOG_DOMAIN "tessera-store"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gsettingsbackend.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tessera-base-url.h"
#include "tessera-credential-private.h"
#include "tessera-file-guard.h"
#include "tessera-net-module.h"
#include "tessera-store.h"

#define SCHEMA_ID "io.github.tessera.Tessera"
#define CREDENTIALS_PATH "/io/github/tessera/Tessera/credentials/"
#define NAME_MAX_CHARS 100
#define DESCRIPTION_MAX_CHARS 1000
#define ACCOUNT_MAX_CHARS 64
#define DEFAULT_MAX_CONCURRENT 8
#define LOCK_WAIT_MS 2000
#define STALE_RETRY_MS 50
#define STALE_RETRIES 40
#define WATCH_PER_ROUND 50
#define WATCH_ROUND_BUDGET_US 4000
#define WATCH_INTERVAL_MS 10

typedef struct
{
  TesseraCredential *credential;
  guint              position;    /* where it was in the model */
} PendingRemoval;

struct _TesseraStore
{
  GObject                parent_instance;

  GSettingsBackend      *settings_backend;   /* NULL: the default */
  GSettingsBackend      *read_backend;       /* settings_backend, or the default */
  GSettingsSchema       *schema;
  GSettingsSchema       *credential_schema;
  GSettings             *settings;
  TesseraSecretBackend  *secrets;
  TesseraHarnessClient  *client;
  GNetworkMonitor       *network_monitor;

  GPtrArray             *items;              /* TesseraCredential, in order */
  GPtrArray             *pending;            /* PendingRemoval */
  char                  *selected_id;

  TesseraStoreWriteHook  write_hook;
  gpointer               write_hook_data;

  guint                  max_concurrent;
  gboolean               watch_credentials;
  GQueue                *unwatched;          /* TesseraCredential, to watch */
  guint                  watch_id;
  guint                  writing_list;       /* own list write in progress */
  guint                  verifying : 1;

  /* GSettings' keyfile backend, when that is what the settings use */
  char                  *keyfile;            /* its file, else NULL */
  char                  *keyfile_root;       /* its root path, "/" by default */
  char                  *keyfile_root_group; /* nullable */
  TesseraFileStamp              keyfile_stamp;      /* the file as the backend holds it */
  gboolean               keyfile_known;      /* whether keyfile_stamp says so */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TesseraStore, tessera_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (tessera-store-error-quark, tessera_store_error)

enum {
  PROP_0,
  PROP_SECRET_BACKEND,
  PROP_CLIENT,
  PROP_SETTINGS_BACKEND,
  PROP_SELECTED_ID,
  PROP_VERIFYING,
  N_PROPS
};

enum {
  VERIFY_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Helpers: the model */

/* Every change to the model goes through here. */
static void
splice_items (TesseraStore      *self,
              guint              position,
              guint              n_removals,
              TesseraCredential *addition)
{
  if (n_removals > 0)
    g_ptr_array_remove_range (self->items, position, n_removals);
  if (addition != NULL)
    g_ptr_array_insert (self->items, position, g_object_ref (addition));

  g_list_model_items_changed (G_LIST_MODEL (self), position, n_removals, addition != NULL ? 1 : 0);
}

static gboolean
find_index (TesseraStore *self,
            const char   *id,
            guint        *position)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (tessera_credential_get_id (credential), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static PendingRemoval *
find_pending (TesseraStore *self,
              const char   *id,
              guint        *index)
{
  for (guint i = 0; i < self->pending->len; i++)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i);

      if (g_strcmp0 (tessera_credential_get_id (removal->credential), id) == 0)
        {
          if (index != NULL)
            *index = i;
          return removal;
        }
    }

  return NULL;
}

static void
pending_removal_free (PendingRemoval *removal)
{
  g_clear_object (&removal->credential);
  g_free (removal);
}

/* A credential that still belongs to the store: shown, or removed but not
 * committed. Results of work that finishes later are recorded only then,
 * so that nothing writes keys back after a removal was committed. */
static gboolean
is_current (TesseraStore      *self,
            TesseraCredential *credential)
{
  PendingRemoval *removal;

  if (g_ptr_array_find (self->items, credential, NULL))
    return TRUE;

  removal = find_pending (self, tessera_credential_get_id (credential), NULL);
  return removal != NULL && removal->credential == credential;
}

/* Helpers: settings */

static char *
credential_path (const char *id)
{
  return g_strconcat (CREDENTIALS_PATH, id, "/", NULL);
}

/* Ids become settings paths: only the characters of a UUID (and of
 * Harness identifiers) are accepted. */
static gboolean
is_valid_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 64)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

static GSettings *
new_credential_settings (TesseraStore *self,
                         const char   *id)
{
  g_autofree char *path = credential_path (id);

  return g_settings_new_full (self->credential_schema, self->settings_backend, path);
}

static GSettings *
new_main_settings (TesseraStore *self)
{
  return g_settings_new_full (self->schema, self->settings_backend, NULL);
}

/* Following other processes' edits takes a GSettings object per
 * credential (under dconf, a D-Bus match rule each). They are made in the
 * background, up to 50 (or ~4 ms) 10 ms apart, so that opening
 * thousands of credentials does not wait for them. A timeout at the
 * default priority, not an idle: a main loop that always has something
 * else to do (a slow machine drawing frames) would never run an idle. */
static gboolean
watch_some_cb (gpointer user_data)
{
  TesseraStore *self = TESSERA_STORE (user_data);
  gint64 start = g_get_monotonic_time ();

  /* A round stops after a few milliseconds on a slow machine, and the
   * next one is due an interval after this one ends: a timeout that
   * continues is due an interval after it *started*, so rounds longer
   * than the interval would run back to back at default priority and
   * the window would not draw a frame until all were followed. */
  for (guint i = 0; i < WATCH_PER_ROUND && !g_queue_is_empty (self->unwatched); i++)
    {
      g_autoptr(TesseraCredential) credential = g_queue_pop_head (self->unwatched);

      _tessera_credential_watch (credential);
      if (g_get_monotonic_time () - start > WATCH_ROUND_BUDGET_US)
        break;
    }

  if (!g_queue_is_empty (self->unwatched))
    self->watch_id = g_timeout_add (WATCH_INTERVAL_MS, watch_some_cb, self);
  else
    self->watch_id = 0;

  return G_SOURCE_REMOVE;
}

static TesseraCredential *
new_credential (TesseraStore *self,
                const char   *id)
{
  g_autofree char *path = credential_path (id);
  TesseraCredential *credential = _tessera_credential_new (id, path, self->credential_schema,
                                                           self->read_backend);

  if (self->watch_credentials)
    {
      g_queue_push_tail (self->unwatched, g_object_ref (credential));
      if (self->watch_id == 0)
        self->watch_id = g_timeout_add (WATCH_INTERVAL_MS, watch_some_cb, self);
    }

  return credential;
}

/* Helpers: writing beside other processes */

/* One lock for the whole process: flock() is between open files, and two
 * stores in one process never write at the same time anyway. */
static int lock_fd = -1;
static gboolean lock_opened;
static guint lock_depth;

static gboolean
acquire_lock (void)
{
  if (lock_depth++ > 0)
    return TRUE;

  if (!lock_opened)
    {
      lock_fd = tessera_file_lock_open (APP_ID ".settings.lock");
      lock_opened = TRUE;
    }

  if (!tessera_file_lock_acquire (lock_fd, LOCK_WAIT_MS))
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


static void
detect_keyfile_backend (TesseraStore *self)
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
keyfile_group (TesseraStore *self,
               const char   *path)
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
keyfile_settings_match (TesseraStore *self,
                        GKeyFile     *keyfile,
                        GSettings    *settings)
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

static GStrv dup_list (TesseraStore *self);

/* Whether the keyfile backend holds what is in the file: everything of
 * ours, the list and every credential listed on either side. */
static gboolean
keyfile_is_loaded (TesseraStore *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *main_group = keyfile_group (self, APP_PATH);
  g_autofree char *listed = NULL;
  g_auto(GStrv) ours = dup_list (self);
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

      if (!is_valid_id (id))
        continue;

      settings = new_credential_settings (self, id);
      if (!keyfile_settings_match (self, keyfile, settings))
        return FALSE;
    }

  return TRUE;
}

/* Takes the lock, and checks that writing now would not undo what another
 * process wrote: with the keyfile backend, whose copy in memory may lag
 * behind the file until its file monitor runs, that means the copy must
 * be the file. Checked in full only when the file changed since this
 * store last wrote or checked it. A stale copy fails the write (nothing is
 * changed) rather than waiting, which would need the main loop. */
static gboolean
begin_settings_change_full (TesseraStore  *self,
                            gboolean      *stale,
                            GError       **error)
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

static gboolean
begin_settings_change (TesseraStore  *self,
                       GError       **error)
{
  return begin_settings_change_full (self, NULL, error);
}

static void
end_settings_change (TesseraStore *self)
{
  release_lock ();
}

/* GLib's keyfile backend checks its folder only when the folder changes,
 * and a failed write only logs a warning: ask the system now. */
static gboolean
keyfile_is_writable (TesseraStore *self)
{
  g_autofree char *dir = NULL;

  if (self->keyfile == NULL)
    return TRUE;

  dir = g_path_get_dirname (self->keyfile);
  return g_access (dir, W_OK | X_OK) == 0;
}

/* Helpers: settings writes */

typedef struct
{
  TesseraStore *store;
  GSettings    *settings;
  GHashTable   *old_values;   /* key → GVariant (NULL: unset), to undo */
  gboolean      failed;       /* a key was not writable */
} Writer;

static void
variant_unref_nullable (GVariant *value)
{
  if (value != NULL)
    g_variant_unref (value);
}

static void
writer_init (Writer       *writer,
             TesseraStore *self,
             GSettings    *settings)
{
  writer->store = self;
  writer->settings = settings;
  writer->old_values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) variant_unref_nullable);
  writer->failed = FALSE;
  g_settings_delay (settings);
}

static void
writer_clear (Writer *writer)
{
  /* Unapplied changes of a delayed GSettings die with it. */
  g_clear_object (&writer->settings);
  g_clear_pointer (&writer->old_values, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Writer, writer_clear)

static gboolean
writer_check (Writer     *writer,
              const char *key)
{
  if (!g_settings_is_writable (writer->settings, key))
    {
      g_debug ("Settings key %s is not writable", key);
      writer->failed = TRUE;
    }

  /* Before the first change of a key the delayed settings still read
   * the stored value. */
  if (!writer->failed && !g_hash_table_contains (writer->old_values, key))
    g_hash_table_insert (writer->old_values, g_strdup (key),
                         g_settings_get_user_value (writer->settings, key));

  return !writer->failed;
}

/* The keyfile backend keeps a failed write in memory: put the old values
 * back there, so that what this process sees is what the file holds. */
static void
writer_undo (Writer *writer)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GSettings) settings = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_object_get (writer->settings, "settings-schema", &schema, "path", &path, NULL);
  settings = g_settings_new_full (schema, writer->store->settings_backend, path);
  g_settings_delay (settings);

  g_hash_table_iter_init (&iter, writer->old_values);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (value != NULL)
        g_settings_set_value (settings, key, value);
      else
        g_settings_reset (settings, key);
    }

  g_settings_apply (settings);
}

static void
writer_set_string (Writer     *writer,
                   const char *key,
                   const char *value)
{
  if (writer_check (writer, key))
    g_settings_set_string (writer->settings, key, value != NULL ? value : "");
}

static void
writer_set_int64 (Writer     *writer,
                  const char *key,
                  gint64      value)
{
  if (writer_check (writer, key))
    g_settings_set_int64 (writer->settings, key, value);
}

static void
writer_set_enum (Writer     *writer,
                 const char *key,
                 int         value)
{
  if (writer_check (writer, key))
    g_settings_set_enum (writer->settings, key, value);
}

static void
writer_set_strv (Writer             *writer,
                 const char         *key,
                 const char * const *value)
{
  if (writer_check (writer, key))
    g_settings_set_strv (writer->settings, key, value);
}

static void
writer_reset_all (Writer *writer)
{
  g_auto(GStrv) keys = g_settings_schema_list_keys (writer->store->credential_schema);

  for (guint i = 0; keys[i] != NULL; i++)
    if (writer_check (writer, keys[i]))
      g_settings_reset (writer->settings, keys[i]);
}

static gboolean
writer_drop (Writer      *writer,
             const char  *path,
             const char  *message,
             GError     **error)
{
  g_debug ("Dropping the write to %s", path);
  g_settings_revert (writer->settings);
  g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED, message);
  return FALSE;
}

static gboolean
writer_apply (Writer  *writer,
              GError **error)
{
  TesseraStore *self = writer->store;
  g_autofree char *path = NULL;
  TesseraFileStamp before, after;
  gboolean ok = TRUE;

  g_object_get (writer->settings, "path", &path, NULL);

  if (!writer->failed && self->write_hook != NULL &&
      !self->write_hook (self, path, self->write_hook_data))
    writer->failed = TRUE;

  if (writer->failed)
    return writer_drop (writer, path, _("The settings could not be saved. Nothing was changed."), error);

  if (!begin_settings_change (self, error))
    {
      g_settings_revert (writer->settings);
      return FALSE;
    }

  if (!keyfile_is_writable (self))
    {
      end_settings_change (self);
      return writer_drop (writer, path,
                          _("The settings could not be saved because their folder cannot be written to. Nothing was changed."),
                          error);
    }

  if (self->keyfile != NULL)
    tessera_file_stamp_read (self->keyfile, &before);

  g_settings_apply (writer->settings);
  /* dconf writes in the background: wait for it, so that the next
   * process to take the lock reads this change. */
  g_settings_sync ();

  if (self->keyfile != NULL)
    {
      /* A successful write replaces the file. */
      tessera_file_stamp_read (self->keyfile, &after);
      if (!after.exists || tessera_file_stamp_equal (&before, &after))
        {
          writer_undo (writer);
          g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED,
                               _("The settings could not be written to disk. Nothing was changed."));
          ok = FALSE;
        }
      else
        {
          self->keyfile_stamp = after;
          self->keyfile_known = TRUE;
        }
    }

  end_settings_change (self);
  return ok;
}

/* Writes the list of ids, and the selection when @selected is not NULL. */
static gboolean
write_list (TesseraStore        *self,
            const char * const  *ids,
            const char          *selected,
            GError             **error)
{
  g_auto(Writer) writer = { 0, };
  gboolean ok;

  writer_init (&writer, self, new_main_settings (self));
  writer_set_strv (&writer, "credentials", ids);
  if (selected != NULL)
    writer_set_string (&writer, "selected-credential", selected);

  /* Our own write must not come back as "another process added this":
   * the caller updates the model itself. */
  self->writing_list++;
  ok = writer_apply (&writer, error);
  self->writing_list--;

  return ok;
}

static GStrv
dup_list (TesseraStore *self)
{
  g_autoptr(GVariant) value = g_settings_get_value (self->settings, "credentials");
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

static GStrv
strv_without (const char * const *strv,
              const char         *s)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; strv[i] != NULL; i++)
    if (strcmp (strv[i], s) != 0)
      g_strv_builder_add (builder, strv[i]);

  return g_strv_builder_end (builder);
}

static GStrv
strv_with (const char * const *strv,
           const char         *s,
           guint               position)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint i;

  for (i = 0; strv[i] != NULL; i++)
    {
      if (i == position)
        g_strv_builder_add (builder, s);
      g_strv_builder_add (builder, strv[i]);
    }
  if (position >= i)
    g_strv_builder_add (builder, s);

  return g_strv_builder_end (builder);
}

static char *
build_label (const char *name,
             const char *account_id)
{
  /* Translators: the label of the keyring item, shown by Seahorse and
   * secret-tool: the credential's name, then the Harness account id. */
  return g_strdup_printf (_("Harness API key: %s (%s)"), name, account_id);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
writer_set_verification (Writer              *writer,
                         TesseraVerification *verification)
{
  gboolean valid = tessera_verification_get_valid (verification);
  TesseraCredentialKind kind = tessera_verification_get_kind (verification);
  const char *detail = "";

  if (!valid)
    detail = _("Harness says this key is not valid now: it has expired or is not valid yet.");
  else if (tessera_verification_get_limited_permissions (verification))
    detail = _("Harness accepted the key, but it may not view the account’s details.");

  writer_set_enum (writer, "status", valid ? TESSERA_CREDENTIAL_STATUS_VERIFIED
                                           : TESSERA_CREDENTIAL_STATUS_EXPIRED);
  writer_set_string (writer, "status-detail", detail);
  writer_set_string (writer, "owner-name", tessera_verification_get_owner_name (verification));
  writer_set_string (writer, "owner-email", tessera_verification_get_owner_email (verification));
  writer_set_int64 (writer, "expires", MAX (tessera_verification_get_expires (verification), 0));
  writer_set_string (writer, "account-name", tessera_verification_get_account_name (verification));
  writer_set_string (writer, "correlation-id", tessera_verification_get_correlation_id (verification));
  writer_set_int64 (writer, "last-verified", now_seconds ());
  if (kind != TESSERA_CREDENTIAL_KIND_UNKNOWN)
    writer_set_enum (writer, "kind", kind);
}

/* What was known about the old token or account no longer applies. */
static void
writer_forget_verification (Writer *writer)
{
  writer_set_enum (writer, "status", TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  writer_set_string (writer, "status-detail", "");
  writer_set_string (writer, "owner-name", "");
  writer_set_string (writer, "owner-email", "");
  writer_set_int64 (writer, "expires", 0);
  writer_set_string (writer, "account-name", "");
  writer_set_string (writer, "correlation-id", "");
  writer_set_int64 (writer, "last-verified", 0);
}

/* Records a status found without asking Harness (token missing, found
 * again). Failures are only logged: the status is a hint, and the
 * operation that found it reports its own result. */
static void
record_status (TesseraStore            *self,
               TesseraCredential       *credential,
               TesseraCredentialStatus  status,
               const char              *detail)
{
  g_auto(Writer) writer = { 0, };
  g_autoptr(GError) error = NULL;

  if (!is_current (self, credential))
    return;

  writer_init (&writer, self, new_credential_settings (self, tessera_credential_get_id (credential)));
  writer_set_enum (&writer, "status", status);
  writer_set_string (&writer, "status-detail", detail);
  if (!writer_apply (&writer, &error))
    g_message ("Could not record the status of credential %s: %s",
               tessera_credential_get_id (credential), error->message);

  _tessera_credential_reload (credential);
}

static void
record_token_missing (TesseraStore      *self,
                      TesseraCredential *credential)
{
  record_status (self, credential, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING,
                 _("The keyring has no key for this credential. Replace the key to use it again."));
}

static GError *
token_missing_error (TesseraCredential *credential)
{
  return g_error_new (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING,
                      _("The keyring has no key for “%s”. Replace the key to use it again."),
                      tessera_credential_get_name (credential));
}

static GError *
not_found_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND,
                              _("This credential no longer exists."));
}

static GError *
busy_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY,
                              _("This credential is being changed or checked. Try again when that has finished."));
}

/* Helpers: following GSettings */

static void
sync_selection (TesseraStore *self)
{
  g_autofree char *selected = g_settings_get_string (self->settings, "selected-credential");
  const char *visible = find_index (self, selected, NULL) ? selected : NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      _tessera_credential_set_selected (credential,
                                        g_strcmp0 (tessera_credential_get_id (credential), visible) == 0);
    }

  if (g_strcmp0 (self->selected_id, visible) != 0)
    {
      g_free (self->selected_id);
      self->selected_id = g_strdup (visible);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ID]);
    }
}

/* Brings the model in line with the "credentials" list: at start-up, and
 * whenever someone else (another process) changed it. Credentials waiting
 * for their removal to be committed stay out of the model. */
static void
sync_list (TesseraStore *self)
{
  g_auto(GStrv) ids = dup_list (self);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  guint position = 0;

  /* Thousands of credentials: look ids up in hash tables, never by
   * walking the list once per id. */
  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (listed, ids[i]);

  /* At start-up: every credential at once, in one change of the model. */
  if (self->items->len == 0 && self->pending->len == 0)
    {
      for (guint i = 0; ids[i] != NULL; i++)
        {
          if (!is_valid_id (ids[i]))
            {
              g_message ("Ignoring a credential with a malformed id in the settings");
              continue;
            }
          if (g_hash_table_contains (present, ids[i]))
            continue;

          g_ptr_array_add (self->items, new_credential (self, ids[i]));
          g_hash_table_add (present, (gpointer) tessera_credential_get_id (g_ptr_array_index (self->items, self->items->len - 1)));
        }

      if (self->items->len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->items->len);
      sync_selection (self);
      return;
    }

  for (guint i = self->items->len; i > 0; i--)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i - 1);

      if (!g_hash_table_contains (listed, tessera_credential_get_id (credential)))
        {
          g_debug ("Credential %s was removed elsewhere", tessera_credential_get_id (credential));
          splice_items (self, i - 1, 1, NULL);
        }
    }

  for (guint i = self->pending->len; i > 0; i--)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i - 1);

      if (!g_hash_table_contains (listed, tessera_credential_get_id (removal->credential)) &&
          !_tessera_credential_get_busy (removal->credential))
        g_ptr_array_remove_index (self->pending, i - 1);
    }

  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      g_hash_table_insert (present, (gpointer) tessera_credential_get_id (credential), credential);
    }

  /* New ids go in after the last credential already shown that comes
   * before them in the list. The model keeps the list's order, so that
   * one is found by looking forward from where the previous one was. */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TesseraCredential) credential = NULL;
      TesseraCredential *shown;

      if (!is_valid_id (ids[i]))
        {
          g_message ("Ignoring a credential with a malformed id in the settings");
          continue;
        }

      if (self->pending->len > 0 && find_pending (self, ids[i], NULL) != NULL)
        continue;

      shown = g_hash_table_lookup (present, ids[i]);
      if (shown != NULL)
        {
          for (guint j = position; j < self->items->len; j++)
            if (g_ptr_array_index (self->items, j) == shown)
              {
                position = j + 1;
                break;
              }
          continue;
        }

      credential = new_credential (self, ids[i]);
      splice_items (self, MIN (position, self->items->len), 0, credential);
      g_hash_table_insert (present, (gpointer) tessera_credential_get_id (credential), credential);
      position++;
    }

  sync_selection (self);
}

static void
on_list_changed (GSettings    *settings,
                 const char   *key,
                 TesseraStore *self)
{
  if (self->writing_list > 0)
    return;

  sync_list (self);
}

static void
on_selection_changed (GSettings    *settings,
                      const char   *key,
                      TesseraStore *self)
{
  sync_selection (self);
}

/* GListModel */

static GType
tessera_store_get_item_type (GListModel *model)
{
  return TESSERA_TYPE_CREDENTIAL;
}

static guint
tessera_store_get_n_items (GListModel *model)
{
  return TESSERA_STORE (model)->items->len;
}

static gpointer
tessera_store_get_item (GListModel *model,
                        guint       position)
{
  TesseraStore *self = TESSERA_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tessera_store_get_item_type;
  iface->get_n_items = tessera_store_get_n_items;
  iface->get_item = tessera_store_get_item;
}

/* GObject */

static void
tessera_store_constructed (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  G_OBJECT_CLASS (tessera_store_parent_class)->constructed (object);

  self->schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  self->credential_schema = g_settings_schema_source_lookup (source, TESSERA_CREDENTIAL_SCHEMA_ID, TRUE);
  if (self->schema == NULL || self->credential_schema == NULL)
    g_error ("The settings schema %s is not installed", SCHEMA_ID);

  self->settings = new_main_settings (self);
  self->read_backend = self->settings_backend != NULL ? g_object_ref (self->settings_backend)
                                                      : g_settings_backend_get_default ();
  detect_keyfile_backend (self);
  /* Connect before the first read: GSettings reports changes only to keys
   * read while a handler was connected. */
  g_signal_connect (self->settings, "changed::credentials", G_CALLBACK (on_list_changed), self);
  g_signal_connect (self->settings, "changed::selected-credential", G_CALLBACK (on_selection_changed), self);

  /* GSettings only: no keyring call at start-up. */
  sync_list (self);
}

static void
tessera_store_dispose (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->secrets);
  g_clear_object (&self->client);
  g_clear_object (&self->network_monitor);
  g_clear_object (&self->settings_backend);
  g_clear_object (&self->read_backend);
  g_clear_handle_id (&self->watch_id, g_source_remove);
  if (self->unwatched != NULL)
    g_queue_clear_full (self->unwatched, g_object_unref);

  /* Removals that were never committed are forgotten: nothing was
   * deleted, so the credentials come back next time. */
  if (self->pending != NULL)
    g_ptr_array_set_size (self->pending, 0);
  if (self->items != NULL)
    g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (tessera_store_parent_class)->dispose (object);
}

static void
tessera_store_finalize (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);

  g_clear_pointer (&self->schema, g_settings_schema_unref);
  g_clear_pointer (&self->credential_schema, g_settings_schema_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->unwatched, g_queue_free);
  g_free (self->selected_id);
  g_free (self->keyfile);
  g_free (self->keyfile_root);
  g_free (self->keyfile_root_group);

  G_OBJECT_CLASS (tessera_store_parent_class)->finalize (object);
}

static void
tessera_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TesseraStore *self = TESSERA_STORE (object);

  switch (prop_id)
    {
    case PROP_SECRET_BACKEND:
      g_value_set_object (value, tessera_store_get_secret_backend (self));
      break;
    case PROP_CLIENT:
      g_value_set_object (value, tessera_store_get_client (self));
      break;
    case PROP_SETTINGS_BACKEND:
      g_value_set_object (value, self->settings_backend);
      break;
    case PROP_SELECTED_ID:
      g_value_set_string (value, tessera_store_get_selected_id (self));
      break;
    case PROP_VERIFYING:
      g_value_set_boolean (value, tessera_store_get_verifying (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TesseraStore *self = TESSERA_STORE (object);

  switch (prop_id)
    {
    case PROP_SECRET_BACKEND:
      self->secrets = g_value_dup_object (value);
      break;
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      if (self->client != NULL && !TESSERA_IS_HARNESS_CLIENT (self->client))
        {
          g_critical ("A %s is not a TesseraHarnessClient", G_OBJECT_TYPE_NAME (self->client));
          g_clear_object (&self->client);
        }
      break;
    case PROP_SETTINGS_BACKEND:
      self->settings_backend = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_store_class_init (TesseraStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tessera_store_constructed;
  object_class->dispose = tessera_store_dispose;
  object_class->finalize = tessera_store_finalize;
  object_class->get_property = tessera_store_get_property;
  object_class->set_property = tessera_store_set_property;

  properties[PROP_SECRET_BACKEND] =
    g_param_spec_object ("secret-backend", NULL, NULL,
                         TESSERA_TYPE_SECRET_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A TesseraHarnessClient: its type lives in the network module, which
   * making a store must not load (see tessera-net-module.h). */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS_BACKEND] =
    g_param_spec_object ("settings-backend", NULL, NULL,
                         G_TYPE_SETTINGS_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_ID] =
    g_param_spec_string ("selected-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFYING] =
    g_param_spec_boolean ("verifying", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TesseraStore::verify-progress:
   * @done: how many verifications have finished
   * @total: how many this verify-all runs
   */
  signals[VERIFY_PROGRESS] =
    g_signal_new ("verify-progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
tessera_store_init (TesseraStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_removal_free);
  self->max_concurrent = DEFAULT_MAX_CONCURRENT;
  self->watch_credentials = TRUE;
  self->unwatched = g_queue_new ();
}

/* Public API: lookups and validation */

TesseraStore *
tessera_store_new (TesseraSecretBackend *secrets,
                   TesseraHarnessClient *client)
{
  return tessera_store_new_full (secrets, client, NULL);
}

/**
 * tessera_store_new_full:
 *
 * Returns: (transfer full): a store over @settings_backend
 */
TesseraStore *
tessera_store_new_full (TesseraSecretBackend *secrets,
                        TesseraHarnessClient *client,
                        GSettingsBackend     *settings_backend)
{
  g_return_val_if_fail (secrets == NULL || TESSERA_IS_SECRET_BACKEND (secrets), NULL);
  g_return_val_if_fail (client == NULL || TESSERA_IS_HARNESS_CLIENT (client), NULL);
  g_return_val_if_fail (settings_backend == NULL || G_IS_SETTINGS_BACKEND (settings_backend), NULL);

  return g_object_new (TESSERA_TYPE_STORE,
                       "secret-backend", secrets,
                       "client", client,
                       "settings-backend", settings_backend,
                       NULL);
}

/**
 * tessera_store_get_client:
 *
 * Created on first use, so that listing credentials never sets up HTTP.
 *
 * Returns: (transfer none) (nullable): the Harness client; %NULL in a
 *   program whose network module could not be loaded, where
 *   tessera_harness_client_verify_async() reports why (see
 *   tessera-net-module.h)
 */
TesseraHarnessClient *
tessera_store_get_client (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (self->client == NULL)
    self->client = tessera_harness_client_new ();

  return self->client;
}

/**
 * tessera_store_get_settings:
 *
 * Returns: (transfer none): the "io.github.tessera.Tessera" settings
 */
GSettings *
tessera_store_get_settings (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return self->settings;
}

/**
 * tessera_store_get_secret_backend:
 *
 * Without a backend given at construction, the Secret Service's is made on
 * first use, like the client: start-up and listing never load libsecret.
 *
 * Returns: (transfer none): where the tokens are
 */
TesseraSecretBackend *
tessera_store_get_secret_backend (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (self->secrets == NULL)
    self->secrets = tessera_libsecret_backend_new ();

  return self->secrets;
}

/**
 * tessera_store_lookup:
 *
 * Returns: (transfer none) (nullable): the credential with @id
 */
TesseraCredential *
tessera_store_lookup (TesseraStore *self,
                      const char   *id)
{
  guint position;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (id == NULL || !find_index (self, id, &position))
    return NULL;

  return g_ptr_array_index (self->items, position);
}

static char *
fold_name (const char *name)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (name != NULL ? name : ""));

  return g_utf8_casefold (trimmed, -1);
}

static TesseraCredential *
find_by_folded_name (TesseraStore *self,
                     const char   *folded,
                     const char   *exclude_id)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);
      g_autofree char *other = NULL;

      if (g_strcmp0 (tessera_credential_get_id (credential), exclude_id) == 0)
        continue;

      other = fold_name (tessera_credential_get_name (credential));
      if (strcmp (other, folded) == 0)
        return credential;
    }

  return NULL;
}

/**
 * tessera_store_find_by_name:
 *
 * Returns: (transfer none) (nullable): the credential called @name
 */
TesseraCredential *
tessera_store_find_by_name (TesseraStore *self,
                            const char   *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;

  folded = fold_name (name);
  if (*folded == '\0')
    return NULL;

  return find_by_folded_name (self, folded, NULL);
}

/**
 * tessera_store_get_selected:
 *
 * Returns: (transfer none) (nullable): the selected credential
 */
TesseraCredential *
tessera_store_get_selected (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return tessera_store_lookup (self, self->selected_id);
}

const char *
tessera_store_get_selected_id (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return self->selected_id;
}

gboolean
tessera_store_select (TesseraStore  *self,
                      const char    *id,
                      GError       **error)
{
  g_auto(Writer) writer = { 0, };

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL)
    id = "";

  if (*id != '\0' && !find_index (self, id, NULL))
    {
      g_propagate_error (error, not_found_error ());
      return FALSE;
    }

  writer_init (&writer, self, new_main_settings (self));
  writer_set_string (&writer, "selected-credential", id);
  if (!writer_apply (&writer, error))
    return FALSE;

  sync_selection (self);
  return TRUE;
}

gboolean
tessera_store_validate_name (TesseraStore  *self,
                             const char    *exclude_id,
                             const char    *name,
                             GError       **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *folded = NULL;
  glong length;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  if (name == NULL)
    name = "";

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED,
                           _("The name contains characters that are not text. Type it again."));
      return FALSE;
    }

  trimmed = g_strstrip (g_strdup (name));
  length = g_utf8_strlen (trimmed, -1);

  if (length == 0)
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED,
                           _("Enter a name."));
      return FALSE;
    }

  if (length > NAME_MAX_CHARS)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TOO_LONG,
                   _("The name is too long: use at most %d characters."), NAME_MAX_CHARS);
      return FALSE;
    }

  folded = g_utf8_casefold (trimmed, -1);
  if (find_by_folded_name (self, folded, exclude_id) != NULL)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN,
                   _("There is already a credential named “%s”. Choose another name."), trimmed);
      return FALSE;
    }

  return TRUE;
}

gboolean
tessera_store_validate_description (const char  *description,
                                    GError     **error)
{
  if (description == NULL)
    return TRUE;

  if (!g_utf8_validate (description, -1, NULL) ||
      g_utf8_strlen (description, -1) > DESCRIPTION_MAX_CHARS)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG,
                   _("The description is too long: use at most %d characters."), DESCRIPTION_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_valid_account_id (const char *account_id)
{
  gsize length = strlen (account_id);

  if (length == 0 || length > ACCOUNT_MAX_CHARS)
    return FALSE;

  for (const char *p = account_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

gboolean
tessera_store_validate_account_id (const char    *account_id,
                                   TesseraToken  *token,
                                   GError       **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (account_id != NULL ? account_id : ""));
  const char *token_account = token != NULL ? tessera_token_get_account_id (token) : NULL;

  if (*trimmed == '\0')
    {
      if (token_account != NULL)
        return TRUE;

      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_REQUIRED,
                           _("Enter the account ID: this key does not include it."));
      return FALSE;
    }

  if (!is_valid_account_id (trimmed))
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_INVALID,
                   _("An account ID is 1 to %d letters, digits, “-” or “_”."), ACCOUNT_MAX_CHARS);
      return FALSE;
    }

  if (token_account != NULL && strcmp (trimmed, token_account) != 0)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_MISMATCH,
                   _("This key belongs to account “%s”, not to “%s”."), token_account, trimmed);
      return FALSE;
    }

  return TRUE;
}

/* The account to save: the one typed, else the token's. */
static char *
resolve_account (const char   *account_id,
                 TesseraToken *token)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (account_id != NULL ? account_id : ""));

  if (*trimmed == '\0' && token != NULL && tessera_token_get_account_id (token) != NULL)
    return g_strdup (tessera_token_get_account_id (token));

  return g_steal_pointer (&trimmed);
}

static char *
resolve_base_url (const char  *base_url,
                  GError     **error)
{
  if (base_url == NULL || *base_url == '\0')
    base_url = TESSERA_DEFAULT_BASE_URL;

  return tessera_base_url_normalize (base_url, error);
}

/* Public API: add */

typedef struct
{
  char                *id;
  char                *secret_id;
  char                *old_secret_id;
  char                *name;
  char                *description;
  char                *account_id;
  char                *base_url;
  TesseraToken        *token;
  TesseraVerification *verification;
  TesseraCredential   *credential;
  GError              *error;          /* kept while undoing earlier steps */
  gboolean             relabel;
  guint                stale_retries;  /* waits for another process's write */
} ChangeData;

static void
change_data_free (ChangeData *data)
{
  g_free (data->id);
  g_free (data->secret_id);
  g_free (data->old_secret_id);
  g_free (data->name);
  g_free (data->description);
  g_free (data->account_id);
  g_free (data->base_url);
  g_clear_pointer (&data->token, tessera_token_unref);
  g_clear_object (&data->verification);
  g_clear_object (&data->credential);
  g_clear_error (&data->error);
  g_free (data);
}

/* Whether a failed store may still have stored the secret: the keyring
 * did not answer in time, the connection broke, or the caller cancelled
 * while the request was on its way. */
static gboolean
secret_may_be_stored (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
}

static void
on_stray_secret_cleared (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_message ("Could not remove a key whose storing was interrupted: %s", error->message);
}

/* In the background, holding only the backend: the failure is reported
 * at once, and no key is left behind for a change that did not happen. */
static void
clear_stray_secret (TesseraStore *self,
                    const char   *secret_id)
{
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), secret_id, NULL, on_stray_secret_cleared, NULL);
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

  g_task_return_error (task, g_steal_pointer (&data->error));
}

static void
rollback_secret (GTask  *task,
                 GError *error)
{
  TesseraStore *self = g_task_get_source_object (task);
  ChangeData *data = g_task_get_task_data (task);

  data->error = error;
  /* Not cancellable: the undo must happen even if the caller gave up. */
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), data->secret_id, NULL,
                                      on_rollback_cleared, task);
}

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
  if (!begin_settings_change_full (self, &stale, &error))
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
  folded = g_utf8_casefold (data->name, -1);
  if (find_by_folded_name (self, folded, NULL) != NULL)
    {
      end_settings_change (self);
      tessera_store_validate_name (self, NULL, data->name, &error);
      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }

  {
    g_auto(Writer) writer = { 0, };

    writer_init (&writer, self, new_credential_settings (self, data->id));
    writer_set_string (&writer, "name", data->name);
    writer_set_string (&writer, "description", data->description);
    writer_set_string (&writer, "account-id", data->account_id);
    writer_set_string (&writer, "base-url", data->base_url);
    writer_set_enum (&writer, "kind", tessera_token_get_kind (data->token));
    writer_set_int64 (&writer, "created", now_seconds ());
    writer_set_string (&writer, "secret-id", data->secret_id);
    if (data->verification != NULL)
      writer_set_verification (&writer, data->verification);
    else
      writer_forget_verification (&writer);

    if (!writer_apply (&writer, &error))
      {
        end_settings_change (self);
        rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
        return;
      }
  }

  ids = dup_list (self);
  new_ids = strv_with ((const char * const *) ids, data->id, G_MAXUINT);
  /* With none selected (the first credential, or the selected one was
   * removed), the new one is what scripts use: in the same write as the
   * list, so no process ever sees it listed but not selected. */
  if (!write_list (self, (const char * const *) new_ids,
                   tessera_store_get_selected_id (self) == NULL ? data->id : NULL, &error))
    {
      g_auto(Writer) reset = { 0, };

      writer_init (&reset, self, new_credential_settings (self, data->id));
      writer_reset_all (&reset);
      writer_apply (&reset, NULL);
      end_settings_change (self);
      rollback_secret (g_steal_pointer (&task), g_steal_pointer (&error));
      return;
    }
  end_settings_change (self);

  data->credential = new_credential (self, data->id);
  splice_items (self, self->items->len, 0, data->credential);
  sync_selection (self);

  g_debug ("Added credential %s", data->id);
  g_task_return_pointer (task, g_object_ref (data->credential), g_object_unref);
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
      if (secret_may_be_stored (error))
        clear_stray_secret (self, data->secret_id);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  add_write_settings (g_steal_pointer (&task));
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
  g_autofree char *label = NULL;
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
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  data->token = tessera_token_ref (token);
  data->verification = verification != NULL ? g_object_ref (verification) : NULL;
  data->name = g_strstrip (g_strdup (name != NULL ? name : ""));
  data->description = g_strstrip (g_strdup (description != NULL ? description : ""));
  data->account_id = resolve_account (account_id, token);

  if (!tessera_store_validate_name (self, NULL, data->name, &error) ||
      !tessera_store_validate_description (data->description, &error) ||
      !tessera_store_validate_account_id (data->account_id, token, &error) ||
      !(data->base_url = resolve_base_url (base_url, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->id = g_uuid_string_random ();
  /* The first token revision is keyed by the credential id itself. */
  data->secret_id = g_strdup (data->id);
  label = build_label (data->name, data->account_id);

  tessera_secret_backend_store_async (tessera_store_get_secret_backend (self), data->secret_id, label,
                                      tessera_token_get_value (token), cancellable,
                                      on_add_stored, g_steal_pointer (&task));
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

/* Public API: update */

static void
finish_update (GTask  *task,
               GError *error)
{
  ChangeData *data = g_task_get_task_data (task);

  _tessera_credential_set_busy (data->credential, FALSE);

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
    g_message ("Could not remove the key stored by a failed change: %s", error->message);

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

/* A rename or another account: the keyring item's label names both, so
 * store the same token again under the same attributes, which replaces
 * the item. Best effort: the metadata is already saved. */
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

  label = build_label (data->name, data->account_id);
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
  g_auto(Writer) writer = { 0, };

  context_changed = g_strcmp0 (data->account_id, tessera_credential_get_account_id (credential)) != 0 ||
                    g_strcmp0 (data->base_url, tessera_credential_get_base_url (credential)) != 0;

  writer_init (&writer, self, new_credential_settings (self, data->id));
  writer_set_string (&writer, "name", data->name);
  writer_set_string (&writer, "description", data->description);
  writer_set_string (&writer, "account-id", data->account_id);
  writer_set_string (&writer, "base-url", data->base_url);
  if (data->token != NULL)
    {
      writer_set_enum (&writer, "kind", tessera_token_get_kind (data->token));
      writer_set_string (&writer, "secret-id", data->secret_id);
    }

  if (data->verification != NULL)
    writer_set_verification (&writer, data->verification);
  else if (data->token != NULL || context_changed)
    writer_forget_verification (&writer);

  if (!writer_apply (&writer, error))
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
      if (secret_may_be_stored (error))
        clear_stray_secret (self, data->secret_id);
      finish_update (task, g_steal_pointer (&error));
      return;
    }

  if (!is_current (self, data->credential))
    {
      data->error = not_found_error ();
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
      g_task_return_error (task, not_found_error ());
      return;
    }

  if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
    {
      g_task_return_error (task, busy_error ());
      return;
    }

  data = g_new0 (ChangeData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  data->credential = g_object_ref (credential);
  data->id = g_strdup (id);
  data->token = new_token != NULL ? tessera_token_ref (new_token) : NULL;
  data->verification = verification != NULL ? g_object_ref (verification) : NULL;
  data->name = g_strstrip (g_strdup (name != NULL ? name : tessera_credential_get_name (credential)));
  data->description = g_strstrip (g_strdup (description != NULL ? description
                                                                : tessera_credential_get_description (credential)));
  data->account_id = account_id != NULL ? resolve_account (account_id, new_token)
                                        : g_strdup (tessera_credential_get_account_id (credential));

  if (!tessera_store_validate_name (self, id, data->name, &error) ||
      !tessera_store_validate_description (data->description, &error) ||
      (new_token != NULL && !tessera_store_validate_account_id (data->account_id, new_token, &error)) ||
      (new_token == NULL && !tessera_store_validate_account_id (data->account_id, NULL, &error)) ||
      !(data->base_url = base_url != NULL ? resolve_base_url (base_url, &error)
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
      g_autofree char *label = build_label (data->name, data->account_id);

      /* A new revision needs its own attributes, or storing it would
       * overwrite the old item before the metadata points at the new one. */
      data->secret_id = g_uuid_string_random ();
      tessera_secret_backend_store_async (tessera_store_get_secret_backend (self), data->secret_id, label,
                                          tessera_token_get_value (new_token), cancellable,
                                          on_update_stored, g_steal_pointer (&task));
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

/* Public API: remove */

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

  if (id == NULL || !find_index (self, id, &position))
    {
      g_propagate_error (error, not_found_error ());
      return FALSE;
    }

  credential = g_ptr_array_index (self->items, position);
  if (_tessera_credential_get_busy (credential))
    {
      g_propagate_error (error, busy_error ());
      return FALSE;
    }

  removal = g_new0 (PendingRemoval, 1);
  removal->credential = g_object_ref (credential);
  removal->position = position;
  g_ptr_array_add (self->pending, removal);

  _tessera_credential_set_selected (credential, FALSE);
  splice_items (self, position, 1, NULL);
  sync_selection (self);

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
  g_auto(GStrv) ids = dup_list (self);
  guint position = 0;
  guint i;

  for (i = 0; ids[i] != NULL && strcmp (ids[i], id) != 0; i++)
    if (find_index (self, ids[i], NULL))
      position++;
  if (ids[i] == NULL)
    position = removal->position;
  position = MIN (position, self->items->len);

  g_ptr_array_remove_index (self->pending, index);
  splice_items (self, position, 0, credential);
  sync_selection (self);
}

gboolean
tessera_store_undo_remove (TesseraStore  *self,
                           const char    *id,
                           GError       **error)
{
  guint index;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL || find_pending (self, id, &index) == NULL)
    {
      g_propagate_error (error, not_found_error ());
      return FALSE;
    }

  if (_tessera_credential_get_busy (((PendingRemoval *) g_ptr_array_index (self->pending, index))->credential))
    {
      g_propagate_error (error, busy_error ());
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
} CommitData;

static void
commit_data_free (CommitData *data)
{
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

  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    {
      g_autoptr(GError) restore_error = NULL;

      /* The keyring kept the token: put the id back, so that the
       * credential is whole and visible again rather than an orphaned
       * secret. Into the list as it is now: another process may have
       * changed it meanwhile. */
      if (begin_settings_change (self, &restore_error))
        {
          g_auto(GStrv) ids = dup_list (self);

          if (!g_strv_contains ((const char * const *) ids, id))
            {
              g_auto(GStrv) restored = strv_with ((const char * const *) ids, id, data->list_position);

              write_list (self, (const char * const *) restored,
                          data->was_selected ? id : NULL, &restore_error);
            }
          end_settings_change (self);
        }
      if (restore_error != NULL)
        g_warning ("Could not restore credential %s after a failed removal: %s",
                   id, restore_error->message);

      if (find_pending (self, id, &index) != NULL)
        restore_pending (self, index);

      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  {
    g_auto(Writer) writer = { 0, };
    g_autoptr(GError) reset_error = NULL;

    /* Reset, not left behind: a deleted credential leaves no keys. */
    writer_init (&writer, self, new_credential_settings (self, id));
    writer_reset_all (&writer);
    if (!writer_apply (&writer, &reset_error))
      g_message ("Could not reset the settings of removed credential %s: %s", id, reset_error->message);
  }

  if (find_pending (self, id, &index) != NULL)
    g_ptr_array_remove_index (self->pending, index);

  g_debug ("Removed credential %s", id);
  g_task_return_boolean (task, TRUE);
}

void
tessera_store_commit_remove_async (TesseraStore        *self,
                                   const char          *id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) old_ids = NULL;
  g_auto(GStrv) new_ids = NULL;
  g_autofree char *selected = NULL;
  PendingRemoval *removal;
  CommitData *data;
  guint index;
  gboolean ok;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_store_commit_remove_async);
  g_task_set_check_cancellable (task, FALSE);

  removal = id != NULL ? find_pending (self, id, &index) : NULL;
  if (removal == NULL)
    {
      g_task_return_error (task, not_found_error ());
      return;
    }

  if (_tessera_credential_get_busy (removal->credential))
    {
      g_task_return_error (task, busy_error ());
      return;
    }

  data = g_new0 (CommitData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) commit_data_free);
  data->credential = g_object_ref (removal->credential);

  if (!begin_settings_change (self, &error))
    {
      restore_pending (self, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  old_ids = dup_list (self);
  for (data->list_position = 0; old_ids[data->list_position] != NULL; data->list_position++)
    if (strcmp (old_ids[data->list_position], id) == 0)
      break;

  selected = g_settings_get_string (self->settings, "selected-credential");
  data->was_selected = g_strcmp0 (selected, id) == 0;

  /* The id leaves the list first: from here on the credential is gone for
   * every reader, even if the rest is interrupted. */
  new_ids = strv_without ((const char * const *) old_ids, id);
  ok = write_list (self, (const char * const *) new_ids, data->was_selected ? "" : NULL, &error);
  end_settings_change (self);
  if (!ok)
    {
      restore_pending (self, index);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  _tessera_credential_set_busy (data->credential, TRUE);
  tessera_secret_backend_clear_async (tessera_store_get_secret_backend (self), _tessera_credential_get_secret_id (data->credential),
                                      cancellable, on_commit_cleared, g_steal_pointer (&task));
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

      if (find_pending (self, id, NULL) == NULL)
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

/* Public API: tokens */

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
static void
note_lookup_result (TesseraStore      *self,
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
    record_status (self, credential, TESSERA_CREDENTIAL_STATUS_UNVERIFIED, "");
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

  note_lookup_result (self, data->credential, data->secret_id, value != NULL);

  if (value == NULL)
    g_task_return_error (task, token_missing_error (data->credential));
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
      g_task_return_error (task, not_found_error ());
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

/* Public API: verify */

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
  g_auto(Writer) writer = { 0, };
  g_autoptr(GError) write_error = NULL;

  if (!is_current (self, credential) ||
      g_strcmp0 (data->secret_id, _tessera_credential_get_secret_id (credential)) != 0)
    return;

  writer_init (&writer, self, new_credential_settings (self, tessera_credential_get_id (credential)));

  if (verification != NULL)
    {
      writer_set_verification (&writer, verification);
    }
  else
    {
      const char *correlation_id = tessera_harness_error_get_correlation_id (error);

      writer_set_enum (&writer, "status", data->status);
      writer_set_string (&writer, "status-detail", error->message);
      writer_set_string (&writer, "correlation-id", correlation_id);
      /* Harness answered about the token: that was a check. A failure to
       * reach it was not. */
      if (data->status != TESSERA_CREDENTIAL_STATUS_UNREACHABLE)
        writer_set_int64 (&writer, "last-verified", now_seconds ());
    }

  if (!writer_apply (&writer, &write_error))
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
    error = g_error_new_literal (TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED,
                                 _("Harness says this key is not valid now: it has expired or is not valid yet."));

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

  note_lookup_result (self, credential, data->secret_id, value != NULL);
  data->status = tessera_credential_get_status (credential);

  if (value == NULL)
    {
      finish_verify (task, token_missing_error (credential));
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
      error = g_error_new_literal (TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NETWORK,
                                   _("This computer is offline, so the key could not be checked."));
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
      g_task_return_error (task, not_found_error ());
      return;
    }

  data = g_new0 (VerifyData, 1);
  data->credential = g_object_ref (credential);
  data->secret_id = g_strdup (_tessera_credential_get_secret_id (credential));
  data->status = tessera_credential_get_status (credential);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);

  if (_tessera_credential_get_busy (credential) || tessera_credential_get_checking (credential))
    {
      g_task_return_error (task, busy_error ());
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

static void
set_verifying (TesseraStore *self,
               gboolean      verifying)
{
  if (self->verifying == !!verifying)
    return;

  self->verifying = !!verifying;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFYING]);
}

static void verify_all_pump (GTask *task);

static gboolean
is_keyring_unavailable (const GError *error)
{
  return g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE) ||
         g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
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
  g_signal_emit (self, signals[VERIFY_PROGRESS], 0, data->done, data->total);

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

  set_verifying (self, FALSE);

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
  gint64 now = now_seconds ();
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
  set_verifying (self, TRUE);
  g_signal_emit (self, signals[VERIFY_PROGRESS], 0, 0, data->total);

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

void
tessera_store_set_watch_credentials (TesseraStore *self,
                                     gboolean      watch)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->watch_credentials = !!watch;
  if (watch)
    return;

  g_clear_handle_id (&self->watch_id, g_source_remove);
  g_queue_clear_full (self->unwatched, g_object_unref);
}

void
tessera_store_set_max_concurrent (TesseraStore *self,
                                  guint         max_concurrent)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->max_concurrent = MAX (max_concurrent, 1);
}

guint
tessera_store_get_max_concurrent (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), DEFAULT_MAX_CONCURRENT);

  return self->max_concurrent;
}

gboolean
tessera_store_get_verifying (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  return self->verifying;
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
    note_lookup_result (self, g_ptr_array_index (data->credentials, i), data->secret_ids[i],
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

/* Public API: seams */

void
tessera_store_set_network_monitor (TesseraStore    *self,
                                   GNetworkMonitor *monitor)
{
  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  g_set_object (&self->network_monitor, monitor);
}

void
tessera_store_set_write_hook (TesseraStore          *self,
                              TesseraStoreWriteHook  hook,
                              gpointer               user_data)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->write_hook = hook;
  self->write_hook_data = user_data;
}
