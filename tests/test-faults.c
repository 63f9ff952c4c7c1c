/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-faults.c: the fault matrix (issue 6 §3)
 *
 * Each test injects one fault into a real part and then checks the same
 * three things:
 * - every credential is exactly as before or exactly as after the
 *   operation: its keys in the settings file, its key in the keyring, the
 *   list, and the store's model, all together (assert_snapshot);
 * - the error names the reason: a specific code, and a message that is a
 *   sentence for a person, not a D-Bus name (assert_reason);
 * - the process keeps running: the test goes on, and once the fault is
 *   gone the same store works again.
 *
 * The program runs its own D-Bus session bus (GTestDBus: no service can be
 * activated on it) and, for each test, its own gnome-keyring-daemon in the
 * test's own $HOME, so that it can stop, freeze, lock and kill the
 * Secret Service without touching any other test. Settings use GSettings'
 * keyfile backend in the test's own directory, so that a fault in writing
 * it is a real one. Harness is a fake on 127.0.0.1 (tests/fake-harness.c)
 * or, for what the fake cannot do (reset a connection half-way, answer a
 * byte a second, answer at random), a server written here.
 *
 * The command-line half of the matrix (network faults through
 * `tessera verify`, two processes adding at once, a second window) is
 * tests/test-faults-cli.py.
 */
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "fake-harness.h"
#include "store-sync.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-verification-private.h"
#include "test-keyring.h"
#include "test-secret-backend.h"
#include "test-wait.h"

#define ACCOUNT           "TesseraFaultAcct000001"
#define SCHEMA_NAME       "io.github.tessera.Tessera.Credential"
#define KEYRING_PASSWORD  "faults-test"
#define SECRETS_NAME      "org.freedesktop.secrets"

static GTestDBus *test_bus;

/* Helpers: the reason given */

/* A specific code, and words for a person: a capital letter, a full
 * stop, no D-Bus or GLib names, no token. */
static void
assert_reason (const GError *error,
               GQuark        domain,
               int           code)
{
  g_assert_error ((GError *) error, domain, code);
  g_test_message ("reason: %s", error->message);
  g_assert_cmpuint (strlen (error->message), >, 20);
  g_assert_true (g_unichar_isupper (g_utf8_get_char (error->message)));
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_assert_nonnull (strchr (error->message, ' '));
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_assert_null (strstr (error->message, "GDBus"));
  g_assert_null (strstr (error->message, "Error."));
  g_assert_null (strstr (error->message, ACCOUNT "."));   /* no token, not even its start */
}

/* Helpers: the keyring daemon */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

typedef struct
{
  GPid     pid;
  gboolean frozen;
} Keyring;

static gboolean
secrets_has_owner (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SECRETS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* Up: on the bus, with its "login" keyring as the default. */
static gboolean
keyring_is_up (gpointer data)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *path = "/";

  g_usleep (10 * 1000);
  if (!secrets_has_owner ())
    return FALSE;

  bus = test_keyring_session_bus ();
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(&o)", &path);

  return g_str_has_suffix (path, "/login");
}

static gboolean
keyring_is_down (gpointer data)
{
  g_usleep (10 * 1000);
  return !secrets_has_owner ();
}

/* gnome-keyring-daemon on our bus, its "login" keyring in this test's
 * $XDG_DATA_HOME, unlocked with KEYRING_PASSWORD. Started again on the
 * same files it finds the items stored before. */
static void
keyring_start (Keyring *keyring)
{
  const char *argv[] = { "gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground", NULL };
  g_autofree char *keyrings = g_build_filename (g_get_user_data_dir (), "keyrings", NULL);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int in_fd;

  g_assert_cmpint (keyring->pid, ==, 0);
  g_assert_no_errno (g_mkdir_with_parents (keyrings, 0700));
  g_assert_no_errno (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700));
  /* GTestDBus points XDG_RUNTIME_DIR at /dev/null; the daemon keeps its
   * control socket there. */
  envp = g_environ_setenv (envp, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  /* G_TEST_OPTION_ISOLATE_DIRS changes these for GLib, not for children. */
  envp = g_environ_setenv (envp, "HOME", g_get_home_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);

  g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                            NULL, NULL, &keyring->pid, &in_fd, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (in_fd, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD)), ==, strlen (KEYRING_PASSWORD));
  close (in_fd);

  test_wait_until (keyring_is_up, NULL, "gnome-keyring-daemon to own " SECRETS_NAME);
}

static void
keyring_reap (Keyring *keyring)
{
  gint64 give_up = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  int status;

  while (waitpid (keyring->pid, &status, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () > give_up)
        {
          kill (keyring->pid, SIGKILL);
          waitpid (keyring->pid, &status, 0);
          break;
        }
      g_usleep (10 * 1000);
    }

  g_spawn_close_pid (keyring->pid);
  keyring->pid = 0;
  keyring->frozen = FALSE;

  test_wait_until (keyring_is_down, NULL, "the keyring to leave the bus");
  /* libsecret keeps the service it talked to; a new daemon is another. */
  secret_service_disconnect ();
}

static void
keyring_stop (Keyring *keyring)
{
  if (keyring->pid == 0)
    return;

  if (keyring->frozen)
    kill (keyring->pid, SIGCONT);
  kill (keyring->pid, SIGTERM);
  keyring_reap (keyring);
}

/* Dies at once, whatever it was doing: a crash. */
static void
keyring_kill (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  kill (keyring->pid, SIGKILL);
  keyring_reap (keyring);
}

/* Stops answering: requests queue up in its socket. */
static void
keyring_freeze (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  g_assert_no_errno (kill (keyring->pid, SIGSTOP));
  keyring->frozen = TRUE;
}

static void
keyring_thaw (Keyring *keyring)
{
  g_assert_true (keyring->frozen);
  g_assert_no_errno (kill (keyring->pid, SIGCONT));
  keyring->frozen = FALSE;
}

static void
keyring_lock (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();

  test_keyring_lock_login (bus);
}

/* Without a prompt, as gnome-keyring's own login does (as test-store). */
static void
keyring_unlock (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();

  test_keyring_unlock_login (bus, KEYRING_PASSWORD);
}

/* Makes "default" the keyring kept in memory only: gnome-keyring encrypts
 * and rewrites the whole "login" file on every change, which is most of
 * the time of 500 stores, and not what a test of the store is about. */
static void
keyring_default_in_memory (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "SetAlias",
                                       g_variant_new ("(so)", "default", "/org/freedesktop/secrets/collection/session"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* The "credential-id" attribute of every item of our schema, locked or
 * not, sorted: what the keyring holds, asked over D-Bus, around libsecret. */
static GPtrArray *
keyring_item_ids (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GVariantBuilder attributes;

  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", SCHEMA_NAME);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "SearchItems",
                                       g_variant_new ("(a{ss})", &attributes),
                                       G_VARIANT_TYPE ("(aoao)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  for (guint half = 0; half < 2; half++)
    {
      g_autoptr(GVariant) paths = g_variant_get_child_value (reply, half);

      for (gsize i = 0; i < g_variant_n_children (paths); i++)
        {
          g_autoptr(GVariant) path = g_variant_get_child_value (paths, i);
          g_autoptr(GVariant) value = NULL;
          g_autoptr(GVariant) item_attributes = NULL;
          const char *id = NULL;

          value = g_dbus_connection_call_sync (bus, SECRETS_NAME, g_variant_get_string (path, NULL),
                                               "org.freedesktop.DBus.Properties", "Get",
                                               g_variant_new ("(ss)", "org.freedesktop.Secret.Item", "Attributes"),
                                               G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
          g_assert_no_error (error);
          g_variant_get (value, "(v)", &item_attributes);
          g_assert_true (g_variant_lookup (item_attributes, "credential-id", "&s", &id));
          g_ptr_array_add (ids, g_strdup (id));
        }
    }

  g_ptr_array_sort (ids, compare_strings);
  return ids;
}

/* Helpers: a folder that cannot be written to
 *
 * As a normal user that is chmod 0500. The tests run as root in CI, and
 * root writes through any mode, so there the folder is made immutable
 * (chattr +i: even root cannot create files in it) when the filesystem
 * and the capabilities allow; failing that, the folder's path is made a
 * regular file, which no one can write into either. */

typedef enum
{
  READ_ONLY_NONE,
  READ_ONLY_MODE,
  READ_ONLY_IMMUTABLE,
  READ_ONLY_NOT_A_FOLDER,
} ReadOnlyHow;

typedef struct
{
  char        *dir;
  char        *moved;
  ReadOnlyHow  how;
} ReadOnly;

static gboolean
set_immutable (const char *dir,
               gboolean    immutable)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;
  gboolean ok;

  if (fd < 0)
    return FALSE;

  ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok)
    {
      flags = immutable ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);

  return ok;
}

static void
make_read_only (ReadOnly   *read_only,
                const char *dir)
{
  static const char *names[] = { "none", "chmod 0500", "chattr +i", "the folder replaced by a file" };
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (read_only->how, ==, READ_ONLY_NONE);
  read_only->dir = g_strdup (dir);

  if (geteuid () != 0)
    {
      g_assert_no_errno (g_chmod (dir, 0500));
      read_only->how = READ_ONLY_MODE;
    }
  else if (set_immutable (dir, TRUE))
    {
      read_only->how = READ_ONLY_IMMUTABLE;
    }
  else
    {
      read_only->moved = g_strconcat (dir, ".moved", NULL);
      g_assert_no_errno (g_rename (dir, read_only->moved));
      g_assert_true (g_file_set_contents (dir, "", 0, NULL));
      read_only->how = READ_ONLY_NOT_A_FOLDER;
    }

  g_test_message ("read-only settings folder: %s", names[read_only->how]);
  /* Really read-only, for this process too. */
  g_assert_false (g_file_set_contents (probe, "x", 1, &error));
}

static void
undo_read_only (ReadOnly *read_only)
{
  switch (read_only->how)
    {
    case READ_ONLY_MODE:
      g_assert_no_errno (g_chmod (read_only->dir, 0700));
      break;
    case READ_ONLY_IMMUTABLE:
      g_assert_true (set_immutable (read_only->dir, FALSE));
      break;
    case READ_ONLY_NOT_A_FOLDER:
      g_assert_no_errno (g_unlink (read_only->dir));
      g_assert_no_errno (g_rename (read_only->moved, read_only->dir));
      break;
    case READ_ONLY_NONE:
    default:
      break;
    }

  read_only->how = READ_ONLY_NONE;
  g_clear_pointer (&read_only->dir, g_free);
  g_clear_pointer (&read_only->moved, g_free);
}

/* Fixture */

typedef struct
{
  Keyring               keyring;
  char                 *settings_dir;
  char                 *keyfile;
  GSettingsBackend     *settings_backend;
  TesseraSecretBackend *real;
  TestSecretBackend    *secrets;
  TesseraStore         *store;
  ReadOnly              read_only;
  GHashTable           *tokens;     /* credential id → the token it holds */
  char                 *shm_dir;    /* settings in /dev/shm, to remove */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->settings_dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_assert_no_errno (g_mkdir_with_parents (fixture->settings_dir, 0700));
  fixture->keyfile = g_build_filename (fixture->settings_dir, "keyfile", NULL);
  fixture->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  keyring_start (&fixture->keyring);

  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->real = tessera_libsecret_backend_new ();
  g_assert_false (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (fixture->real)));
  fixture->secrets = test_secret_backend_new (fixture->real);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  undo_read_only (&fixture->read_only);
  g_assert_finalize_object (fixture->store);
  /* Background clean-ups hold the backends until the keyring answers. */
  test_wait_run_for (100);
  keyring_stop (&fixture->keyring);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->real);
  g_clear_object (&fixture->settings_backend);
  g_hash_table_unref (fixture->tokens);
  if (fixture->shm_dir != NULL)
    {
      g_unlink (fixture->keyfile);
      g_rmdir (fixture->shm_dir);
      g_free (fixture->shm_dir);
    }
  g_free (fixture->keyfile);
  g_free (fixture->settings_dir);
}

/* Helpers: store operations, run to completion */

static TesseraVerification *
verified (void)
{
  TesseraVerification *verification = tessera_verification_new ();

  tessera_verification_set_valid (verification, TRUE);
  tessera_verification_set_kind (verification, TESSERA_CREDENTIAL_KIND_PAT);
  tessera_verification_set_owner_name (verification, "Ada Lovelace");
  tessera_verification_set_owner_email (verification, "ada@example.com");
  tessera_verification_set_account_name (verification, "Example Corp");
  tessera_verification_set_correlation_id (verification, "corr-before");
  tessera_verification_set_valid_to (verification, g_get_real_time () / 1000 + (gint64) 30 * 24 * 3600 * 1000);
  return verification;
}

/* @verification: (nullable) */
static TesseraCredential *
try_add (Fixture              *fixture,
         const char           *name,
         const char           *token_value,
         const char           *base_url,
         TesseraVerification  *verification,
         GCancellable         *cancellable,
         GError              **error)
{
  return store_sync_add (fixture->store, name, "", "", base_url, token_value, verification, cancellable,
                         error);
}

/* Adds a verified credential; returns its id. */
static char *
add (Fixture    *fixture,
     const char *name,
     const char *base_url)
{
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(TesseraVerification) verification = verified ();
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = try_add (fixture, name, token, base_url, verification, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (fixture->tokens, g_strdup (tessera_credential_get_id (credential)),
                       g_steal_pointer (&token));
  return g_strdup (tessera_credential_get_id (credential));
}

static gboolean
try_replace_token (Fixture     *fixture,
                   const char  *id,
                   const char  *token_value,
                   GError     **error)
{
  return store_sync_update (fixture->store, id, "Renamed", NULL, NULL, NULL, token_value, error);
}

static TesseraCredentialStatus
verify (Fixture     *fixture,
        const char  *id,
        GError     **error)
{
  return store_sync_verify (fixture->store, id, error);
}

static gboolean
remove_and_commit (Fixture     *fixture,
                   const char  *id,
                   GError     **error)
{
  g_assert_true (tessera_store_remove (fixture->store, id, NULL));
  return store_sync_commit_remove (fixture->store, id, error);
}

/* Helpers: what is stored, all of it */

typedef struct
{
  char       *settings;   /* our keys in the file, one "group/key=value" a line, sorted */
  char       *model;      /* the store's credentials, "id name" in order */
  GHashTable *secrets;    /* listed id → its token in the keyring ("" when missing) */
  char       *items;      /* the keyring items' credential-ids, sorted */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->settings);
  g_free (snapshot->model);
  g_clear_pointer (&snapshot->secrets, g_hash_table_unref);
  g_free (snapshot->items);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static GKeyFile *
load_keyfile (Fixture *fixture)
{
  GKeyFile *keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_key_file_load_from_file (keyfile, fixture->keyfile, G_KEY_FILE_NONE, &error))
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  return keyfile;
}

static GStrv
listed_ids (GKeyFile *keyfile)
{
  g_autofree char *text = g_key_file_get_value (keyfile, "io/github/tessera/Tessera", "credentials", NULL);
  g_autoptr(GVariant) value = NULL;

  if (text == NULL)
    return g_new0 (char *, 1);

  value = g_variant_parse (G_VARIANT_TYPE_STRING_ARRAY, text, NULL, NULL, NULL);
  g_assert_nonnull (value);
  return g_variant_dup_strv (value, NULL);
}

static char *
credential_key (GKeyFile   *keyfile,
                const char *id,
                const char *key)
{
  g_autofree char *group = g_strconcat ("io/github/tessera/Tessera/credentials/", id, NULL);
  g_autofree char *text = g_key_file_get_value (keyfile, group, key, NULL);
  g_autoptr(GVariant) value = NULL;

  if (text == NULL)
    return NULL;

  value = g_variant_parse (G_VARIANT_TYPE_STRING, text, NULL, NULL, NULL);
  return value != NULL ? g_variant_dup_string (value, NULL) : NULL;
}

/* @ignore: (nullable): keys to leave out, e.g. the status a check may write.
 * With @keyring, the keyring's side too (it must be running and unlocked). */
static Snapshot *
snapshot_take (Fixture            *fixture,
               const char * const *ignore,
               gboolean            keyring)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) model = g_string_new (NULL);
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_auto(GStrv) ids = listed_ids (keyfile);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = NULL;

      if (!g_str_has_prefix (groups[i], "io/github/tessera/Tessera"))
        continue;

      keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *value = NULL;

          if (ignore != NULL && g_strv_contains (ignore, keys[k]))
            continue;
          value = g_key_file_get_value (keyfile, groups[i], keys[k], NULL);
          g_ptr_array_add (lines, g_strdup_printf ("%s/%s=%s", groups[i], keys[k], value));
        }
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  snapshot->settings = g_strjoinv ("\n", (char **) lines->pdata);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture->store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_string_append_printf (model, "%s %s\n", tessera_credential_get_id (credential),
                              tessera_credential_get_name (credential));
    }
  snapshot->model = g_string_free (g_steal_pointer (&model), FALSE);

  if (keyring)
    {
      g_autoptr(GPtrArray) items = keyring_item_ids ();

      snapshot->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tessera_secure_free);
      for (guint i = 0; ids[i] != NULL; i++)
        {
          g_autofree char *secret_id = credential_key (keyfile, ids[i], "secret-id");
          g_autoptr(GError) error = NULL;
          char *value = NULL;

          g_assert_nonnull (secret_id);
          value = test_secrets_lookup (fixture->real, secret_id, &error);
          g_assert_no_error (error);
          g_hash_table_insert (snapshot->secrets, g_strdup (ids[i]), value != NULL ? value : g_strdup (""));
        }

      g_ptr_array_add (items, NULL);
      snapshot->items = g_strjoinv (",", (char **) items->pdata);
    }

  return snapshot;
}

/* The secrets are compared without ever printing one. */
static void
assert_snapshot (const Snapshot *actual,
                 const Snapshot *expected)
{
  GHashTableIter iter;
  gpointer id, value;

  g_assert_cmpstr (actual->settings, ==, expected->settings);
  g_assert_cmpstr (actual->model, ==, expected->model);

  if (actual->secrets == NULL || expected->secrets == NULL)
    return;

  g_assert_cmpstr (actual->items, ==, expected->items);
  g_assert_cmpuint (g_hash_table_size (actual->secrets), ==, g_hash_table_size (expected->secrets));
  g_hash_table_iter_init (&iter, expected->secrets);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      const char *other = g_hash_table_lookup (actual->secrets, id);

      g_assert_nonnull (other);
      g_assert_true (strcmp (other, value) == 0);
    }
}

/* Everything agrees: the model is the list in the file; each listed
 * credential has its keys and exactly one keyring item, holding the token
 * it should (or it is marked token-missing); no keyring item and no
 * settings group belongs to nothing. */
static void
assert_consistent (Fixture *fixture)
{
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_auto(GStrv) ids = listed_ids (keyfile);
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_autoptr(GPtrArray) items = keyring_item_ids ();
  g_autoptr(GHashTable) secret_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, g_strv_length (ids));
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      g_autofree char *secret_id = credential_key (keyfile, ids[i], "secret-id");
      g_autofree char *name = credential_key (keyfile, ids[i], "name");
      const char *expected = g_hash_table_lookup (fixture->tokens, ids[i]);
      g_autoptr(GError) error = NULL;
      g_auto(TesseraSecret) value = NULL;

      g_assert_cmpstr (tessera_credential_get_id (credential), ==, ids[i]);
      g_assert_cmpstr (tessera_credential_get_name (credential), ==, name);
      g_assert_nonnull (secret_id);

      value = test_secrets_lookup (fixture->real, secret_id, &error);
      g_assert_no_error (error);
      if (value == NULL)
        {
          g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
          continue;
        }

      if (expected != NULL)
        g_assert_true (strcmp (value, expected) == 0);
      g_hash_table_add (secret_ids, g_steal_pointer (&secret_id));
    }

  /* No orphaned key in the keyring. */
  g_assert_cmpuint (items->len, ==, g_hash_table_size (secret_ids));
  for (guint i = 0; i < items->len; i++)
    g_assert_true (g_hash_table_contains (secret_ids, g_ptr_array_index (items, i)));

  /* No settings left behind by a credential that is not listed. */
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *prefix = "io/github/tessera/Tessera/credentials/";
      g_auto(GStrv) keys = NULL;

      if (!g_str_has_prefix (groups[i], prefix))
        continue;
      keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      if (keys != NULL && keys[0] != NULL)
        g_assert_true (g_strv_contains ((const char * const *) ids, groups[i] + strlen (prefix)));
    }
}

static TesseraCredentialStatus
status_of (Fixture    *fixture,
           const char *id)
{
  TesseraCredential *credential = tessera_store_lookup (fixture->store, id);

  g_assert_nonnull (credential);
  return tessera_credential_get_status (credential);
}

/* Tests: the Secret Service */

/* Adding, replacing @a's token, verifying @a and deleting @b all fail with
 * @reason, and leave @a verified and @b in the store. */
static void
assert_changes_fail (Fixture           *fixture,
                     const char        *a,
                     const char        *b,
                     const char        *token,
                     TesseraStoreError  reason)
{
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;

  added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, reason);
  g_clear_error (&error);

  g_assert_false (try_replace_token (fixture, a, token, &error));
  assert_reason (error, TESSERA_STORE_ERROR, reason);
  g_clear_error (&error);

  verify (fixture, a, &error);
  assert_reason (error, TESSERA_STORE_ERROR, reason);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  g_assert_false (remove_and_commit (fixture, b, &error));
  assert_reason (error, TESSERA_STORE_ERROR, reason);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_lookup (fixture->store, b));
}

/* Every keyring operation of the store, with no Secret Service on the bus
 * (and none that could be started): each fails with "no keyring", and
 * nothing changes. Then the keyring comes back, and all is there. */
static void
test_secret_service_not_running (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *b = add (fixture, "Beta", NULL);
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  keyring_stop (&fixture->keyring);

  assert_changes_fail (fixture, a, b, token, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);

  /* Not found is not what this is: the key is not declared missing. */
  value = store_sync_lookup_token (fixture->store, a, &error);
  g_assert_null (value);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  during = snapshot_take (fixture, NULL, FALSE);
  assert_snapshot (during, before);

  keyring_start (&fixture->keyring);
  after = snapshot_take (fixture, NULL, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);

  value = store_sync_lookup_token (fixture->store, a, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, g_hash_table_lookup (fixture->tokens, a)) == 0);
}

typedef struct
{
  const char *member;
  gint        seen;
} Watch;

static GDBusMessage *
watch_outgoing (GDBusConnection *connection,
                GDBusMessage    *message,
                gboolean         incoming,
                gpointer         user_data)
{
  Watch *watch = user_data;

  if (!incoming && g_strcmp0 (g_dbus_message_get_member (message), watch->member) == 0)
    {
      g_atomic_int_set (&watch->seen, 1);
      g_main_context_wakeup (NULL);
    }

  return message;
}

static gboolean
watch_seen (gpointer data)
{
  return g_atomic_int_get (&((Watch *) data)->seen);
}

/* Waits until our request @member is with the (frozen) keyring: sent by
 * us, then passed on by the bus, which handles one connection's messages
 * in order, so answering a later call of ours means it passed that one. */
static void
wait_for_request_at_keyring (Watch *watch)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  test_wait_until (watch_seen, watch, watch->member);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* The keyring dies while it holds our request to store a key: for a new
 * credential, then for a new key of an existing one. */
static void
test_secret_service_killed_mid_store (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  Watch watch = { "CreateItem", 0 };
  guint filter = g_dbus_connection_add_filter (bus, watch_outgoing, &watch, NULL);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(TesseraToken) parsed = tessera_token_parse (token, NULL);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(Snapshot) after = NULL;

      g_test_message ("round %u: %s", round, round == 0 ? "a new credential" : "a new key");
      g_atomic_int_set (&watch.seen, 0);
      keyring_freeze (&fixture->keyring);

      if (round == 0)
        tessera_store_add_async (fixture->store, "Gamma", "", "", NULL, parsed, NULL, NULL, test_wait_on_ready, &result);
      else
        tessera_store_update_async (fixture->store, a, "Renamed", NULL, NULL, NULL, parsed, NULL, NULL,
                                    test_wait_on_ready, &result);

      wait_for_request_at_keyring (&watch);
      keyring_kill (&fixture->keyring);

      if (round == 0)
        g_assert_null (tessera_store_add_finish (fixture->store, test_wait_for (&result), &error));
      else
        g_assert_false (tessera_store_update_finish (fixture->store, test_wait_for (&result), &error));
      assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);

      keyring_start (&fixture->keyring);
      after = snapshot_take (fixture, NULL, TRUE);
      assert_snapshot (after, before);
      assert_consistent (fixture);
    }

  g_dbus_connection_remove_filter (bus, filter);

  /* The next keyring works as ever. */
  {
    g_autofree char *c = add (fixture, "Gamma", NULL);

    assert_consistent (fixture);
  }
}

/* A locked keyring whose unlock prompt goes away (no prompter can start
 * on this bus): every change fails as "locked" and leaves everything as
 * it was; once unlocked, everything is there. */
static void
test_secret_service_locked (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *b = add (fixture, "Beta", NULL);
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;

  keyring_lock ();

  assert_changes_fail (fixture, a, b, token, TESSERA_STORE_ERROR_KEYRING_LOCKED);

  during = snapshot_take (fixture, NULL, FALSE);
  assert_snapshot (during, before);

  keyring_unlock ();
  after = snapshot_take (fixture, NULL, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Fixture *fixture;
  char    *items;
} ItemsWait;

static gboolean
items_are (gpointer data)
{
  ItemsWait *wait = data;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *joined = NULL;

  g_usleep (20 * 1000);
  items = keyring_item_ids ();
  g_ptr_array_add (items, NULL);
  joined = g_strjoinv (",", (char **) items->pdata);
  return g_strcmp0 (joined, wait->items) == 0;
}

static void
thaw_hook (gpointer user_data)
{
  keyring_thaw (user_data);
}

/* A keyring that stops answering (SIGSTOP). The user can cancel; with a
 * deadline the call ends by itself. Either way the key the keyring may
 * still store once it wakes up is cleared again. */
static void
test_secret_service_slow (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  ItemsWait unchanged = { fixture, before->items };

  /* Cancelled by the user. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *token = test_random_token ("pat", ACCOUNT);
    g_autoptr(TesseraCredential) added = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    keyring_freeze (&fixture->keyring);
    g_timeout_add (200, cancel_later, cancellable);
    added = try_add (fixture, "Gamma", token, NULL, NULL, cancellable, &error);
    g_assert_null (added);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

    keyring_thaw (&fixture->keyring);
    test_wait_until (items_are, &unchanged, "the key stored late to be cleared");
  }

  /* A deadline. The keyring wakes up the moment the store gives up. */
  {
    g_autofree char *token = test_random_token ("pat", ACCOUNT);
    g_autoptr(TesseraCredential) added = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    tessera_libsecret_backend_set_timeout (TESSERA_LIBSECRET_BACKEND (fixture->real), 1000);
    keyring_freeze (&fixture->keyring);
    test_secret_backend_on_store_answered (fixture->secrets, thaw_hook, &fixture->keyring);

    added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
    g_assert_null (added);
    assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
    g_assert_nonnull (strstr (error->message, "in time"));
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 1000 * 1000);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

    test_wait_until (items_are, &unchanged, "the key stored late to be cleared");
  }

  /* A check waits for the key no longer than that either. */
  {
    g_autoptr(GError) error = NULL;

    keyring_freeze (&fixture->keyring);
    verify (fixture, a, &error);
    assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
    g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
    keyring_thaw (&fixture->keyring);
  }

  {
    g_autoptr(Snapshot) after = snapshot_take (fixture, NULL, TRUE);

    assert_snapshot (after, before);
    assert_consistent (fixture);
  }
}

/* Tests: the settings */

static void
read_only_hook (gpointer user_data)
{
  Fixture *fixture = user_data;

  make_read_only (&fixture->read_only, fixture->settings_dir);
}

/* The settings folder cannot be written to. GSettings' keyfile backend
 * would only log that and keep the values in memory: the store must
 * notice before it claims anything, and undo its keyring step. */
static void
test_settings_read_only (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *base_url = fake_harness_get_base_url (fake);
  g_autofree char *a = add (fixture, "Alpha", base_url);
  g_autofree char *b = add (fixture, "Beta", base_url);
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *keyfile_before = NULL;
  g_autofree char *keyfile_after = NULL;

  fake_harness_add_token (fake, g_hash_table_lookup (fixture->tokens, a), TESSERA_CREDENTIAL_KIND_PAT,
                          0, 0, "Grace Hopper", "grace@example.com");
  before = snapshot_take (fixture, NULL, TRUE);
  g_assert_true (g_file_get_contents (fixture->keyfile, &keyfile_before, NULL, NULL));

  /* The key is stored; then the folder turns read-only. */
  test_secret_backend_on_store_answered (fixture->secrets, read_only_hook, fixture);
  added = try_add (fixture, "Gamma", token, base_url, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (test_secret_backend_get_clears (fixture->secrets), ==, 1);

  /* A new key for an existing credential: stored, then cleared again. */
  g_assert_false (try_replace_token (fixture, a, token, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);

  /* Harness answers, but its answer cannot be recorded: the credential
   * shows what the file says. */
  g_assert_cmpint (verify (fixture, a, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_owner_name (tessera_store_lookup (fixture->store, a)), ==,
                   "Ada Lovelace");

  g_assert_false (remove_and_commit (fixture, b, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_lookup (fixture->store, b));

  g_assert_false (tessera_store_select (fixture->store, a, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);

  {
    g_autoptr(Snapshot) during = snapshot_take (fixture, NULL, TRUE);

    assert_snapshot (during, before);
  }
  undo_read_only (&fixture->read_only);
  g_assert_true (g_file_get_contents (fixture->keyfile, &keyfile_after, NULL, NULL));
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  assert_consistent (fixture);

  /* Writable again: the same store saves again. */
  test_wait_run_for (100);
  {
    g_autofree char *c = add (fixture, "Gamma", base_url);

    g_assert_true (tessera_store_select (fixture->store, c, &error));
    g_assert_no_error (error);
    assert_consistent (fixture);
  }
}

/* Tests: the network
 *
 * A check that cannot reach Harness, or gets no answer from it, says
 * nothing about the key: the status becomes "unreachable" (never
 * "rejected"), the reason is what went wrong, and nothing else changes:
 * not the owner, not the expiry, not when it was last verified, not the
 * key. */

typedef enum
{
  RAW_RESET,      /* headers and half a body, then a TCP reset */
  RAW_TRICKLE,    /* a whole answer, one byte a second */
} RawMode;

/* A server for what the fake Harness cannot do: it reads a request, then
 * misbehaves in @mode. */
typedef struct
{
  GSocketService *service;
  RawMode         mode;
  guint16         port;
  GPtrArray      *connections;   /* RawConnection */
} RawServer;

typedef struct
{
  RawServer         *server;
  GSocketConnection *connection;
  GString           *request;
  char               buffer[4096];
  char              *answer;
  gsize              sent;
  guint              source;
} RawConnection;

static void
raw_connection_free (RawConnection *raw)
{
  if (raw->source != 0)
    g_source_remove (raw->source);
  g_io_stream_close (G_IO_STREAM (raw->connection), NULL, NULL);
  g_object_unref (raw->connection);
  g_string_free (raw->request, TRUE);
  g_free (raw->answer);
  g_free (raw);
}

static const char valid_answer[] =
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 87\r\n\r\n"
  "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"valid\":true},\"correlationId\":\"raw-0000000\"}";

static gboolean
on_trickle (gpointer user_data)
{
  RawConnection *raw = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->connection));

  if (raw->answer[raw->sent] == '\0' ||
      g_output_stream_write (out, raw->answer + raw->sent, 1, NULL, NULL) != 1)
    {
      raw->source = 0;
      return G_SOURCE_REMOVE;
    }

  raw->sent++;
  return G_SOURCE_CONTINUE;
}

static void
raw_answer (RawConnection *raw)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->connection));

  if (raw->server->mode == RAW_TRICKLE)
    {
      raw->answer = g_strdup (valid_answer);
      raw->source = g_timeout_add_seconds (1, on_trickle, raw);
      on_trickle (raw);
      return;
    }

  {
    static const char half[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
      "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":";
    GSocket *socket = g_socket_connection_get_socket (raw->connection);
    struct linger linger = { 1, 0 };

    g_output_stream_write_all (out, half, strlen (half), NULL, NULL, NULL);
    g_output_stream_flush (out, NULL, NULL);
    /* Closing with a zero linger sends a reset, not a FIN. */
    g_assert_no_errno (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
    g_socket_close (socket, NULL);
  }
}

static void raw_read (RawConnection *raw);

static void
on_raw_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawConnection *raw = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  const char *end;

  if (n <= 0)
    return;

  g_string_append_len (raw->request, raw->buffer, n);
  end = strstr (raw->request->str, "\r\n\r\n");
  if (end != NULL)
    {
      const char *length = strstr (raw->request->str, "Content-Length: ");
      gsize body = length != NULL ? strtoul (length + strlen ("Content-Length: "), NULL, 10) : 0;

      if (raw->request->len >= (gsize) (end + 4 - raw->request->str) + body)
        {
          raw_answer (raw);
          return;
        }
    }

  raw_read (raw);
}

static void
raw_read (RawConnection *raw)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (raw->connection)),
                             raw->buffer, sizeof raw->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_raw_read, raw);
}

static gboolean
on_raw_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source,
                 gpointer           user_data)
{
  RawServer *server = user_data;
  RawConnection *raw = g_new0 (RawConnection, 1);

  raw->server = server;
  raw->connection = g_object_ref (connection);
  raw->request = g_string_new (NULL);
  g_ptr_array_add (server->connections, raw);
  raw_read (raw);
  return TRUE;
}

static RawServer *
raw_server_new (RawMode mode)
{
  RawServer *server = g_new0 (RawServer, 1);
  g_autoptr(GError) error = NULL;

  server->mode = mode;
  server->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_connection_free);
  server->service = g_socket_service_new ();
  server->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_raw_incoming), server);
  g_socket_service_start (server->service);
  return server;
}

static void
raw_server_free (RawServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_ptr_array_unref (server->connections);
  g_object_unref (server->service);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawServer, raw_server_free)

typedef enum
{
  NET_REFUSED,
  NET_RESET_MID_BODY,
  NET_NEVER_ANSWERS,
  NET_BYTE_PER_SECOND,
  NET_429_STORM,
  NET_5XX_STORM,
  NET_HTML,
  NET_REDIRECT,
  NET_BAD_CERTIFICATE,
} NetworkFault;

typedef struct
{
  NetworkFault         fault;
  TesseraHarnessError  code;
  guint                timeout_ms;   /* the client's deadline: short only where
                                      * the deadline is the fault, the
                                      * product's 15 s elsewhere (a TLS
                                      * handshake under the sanitizers on a
                                      * busy machine takes seconds) */
  const char          *words;        /* in the reason, in lower case */
} NetworkCase;

static const NetworkCase network_cases[] = {
  { NET_REFUSED, TESSERA_HARNESS_ERROR_NETWORK, 15000, "refused" },
  { NET_RESET_MID_BODY, TESSERA_HARNESS_ERROR_NETWORK, 15000, "interrupted" },
  { NET_NEVER_ANSWERS, TESSERA_HARNESS_ERROR_TIMED_OUT, 500, "in time" },
  { NET_BYTE_PER_SECOND, TESSERA_HARNESS_ERROR_TIMED_OUT, 1500, "in time" },
  { NET_429_STORM, TESSERA_HARNESS_ERROR_RATE_LIMITED, 15000, "too many requests" },
  { NET_5XX_STORM, TESSERA_HARNESS_ERROR_SERVER_ERROR, 15000, "problem on its side" },
  { NET_HTML, TESSERA_HARNESS_ERROR_NOT_HARNESS, 15000, "web page" },
  { NET_REDIRECT, TESSERA_HARNESS_ERROR_REDIRECTED, 15000, "redirected" },
  { NET_BAD_CERTIFICATE, TESSERA_HARNESS_ERROR_TLS, 15000, "certificate" },
};

static void
test_network (Fixture       *fixture,
              gconstpointer  data)
{
  const NetworkCase *network_case = data;
  static const char * const check_keys[] = { "status", "status-code", "status-args", "status-detail",
                                             "correlation-id", NULL };
  g_autoptr(FakeHarness) fake = NULL;
  g_autoptr(RawServer) raw = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(GError) error = NULL;
  TesseraHarnessClient *client = tessera_store_get_client (fixture->store);
  TesseraCredential *credential;
  TesseraCredentialStatus status;
  gint64 last_verified;

  switch (network_case->fault)
    {
    case NET_REFUSED:
      {
        g_autoptr(GSocketListener) listener = g_socket_listener_new ();
        guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

        /* A port that was free a moment ago: nothing listens there now. */
        g_assert_no_error (error);
        g_socket_listener_close (listener);
        base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
      }
      break;
    case NET_RESET_MID_BODY:
      raw = raw_server_new (RAW_RESET);
      base_url = g_strdup_printf ("http://127.0.0.1:%u", raw->port);
      break;
    case NET_BYTE_PER_SECOND:
      raw = raw_server_new (RAW_TRICKLE);
      base_url = g_strdup_printf ("http://127.0.0.1:%u", raw->port);
      break;
    case NET_BAD_CERTIFICATE:
      {
        g_autoptr(GTlsCertificate) certificate = fake_harness_load_certificate ("test-self-signed.pem");

        fake = fake_harness_new_full (0, certificate, &error);
        g_assert_no_error (error);
        base_url = g_strdup (fake_harness_get_base_url (fake));
        g_assert_true (g_str_has_prefix (base_url, "https://"));
      }
      break;
    case NET_NEVER_ANSWERS:
    case NET_429_STORM:
    case NET_5XX_STORM:
    case NET_HTML:
    case NET_REDIRECT:
    default:
      fake = fake_harness_new ();
      base_url = g_strdup (fake_harness_get_base_url (fake));
      break;
    }

  id = add (fixture, "Alpha", base_url);
  other = add (fixture, "Beta", base_url);
  if (fake != NULL)
    fake_harness_add_token (fake, g_hash_table_lookup (fixture->tokens, id), TESSERA_CREDENTIAL_KIND_PAT,
                            0, 0, "Grace Hopper", NULL);

  switch (network_case->fault)
    {
    case NET_NEVER_ANSWERS:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .never_answer = TRUE });
      break;
    case NET_429_STORM:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 429, .times = 20, .content_type = "text/html",
          .body = "<html><body>Too many requests</body></html>" });
      break;
    case NET_5XX_STORM:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 503, .times = 20, .content_type = "text/html", .body = "<html>Service Unavailable</html>" });
      break;
    case NET_HTML:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 200, .content_type = "text/html",
          .body = "<!DOCTYPE html><html><body onload=\"redirectPage()\">Sign in</body></html>" });
      break;
    case NET_REDIRECT:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 302, .location = "https://login.example.com/auth/#/signin" });
      break;
    case NET_REFUSED:
    case NET_RESET_MID_BODY:
    case NET_BYTE_PER_SECOND:
    case NET_BAD_CERTIFICATE:
    default:
      break;
    }

  tessera_harness_client_set_timeout (client, network_case->timeout_ms);
  before = snapshot_take (fixture, check_keys, TRUE);
  credential = tessera_store_lookup (fixture->store, id);
  last_verified = tessera_credential_get_last_verified (credential);
  g_assert_cmpint (last_verified, >, 0);

  status = verify (fixture, id, &error);
  assert_reason (error, TESSERA_HARNESS_ERROR, network_case->code);
  {
    g_autofree char *lower = g_ascii_strdown (error->message, -1);

    g_assert_nonnull (strstr (lower, network_case->words));
  }
  g_assert_true (tessera_harness_error_is_transient (error));
  g_assert_cmpint (status, ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* What the user sees: could not check, and why. */
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, error->message);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, last_verified);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada Lovelace");
  g_assert_false (tessera_credential_get_checking (credential));

  /* The fault was the one meant: the server got the request. */
  if (raw != NULL)
    {
      g_assert_cmpuint (raw->connections->len, >=, 1);
      if (network_case->fault == NET_BYTE_PER_SECOND)
        g_assert_cmpuint (((RawConnection *) g_ptr_array_index (raw->connections, 0))->sent, >=, 1);
    }
  else if (fake != NULL && network_case->fault != NET_BAD_CERTIFICATE)
    {
      /* (With a certificate it distrusts, the client sends no request.) */
      g_assert_cmpuint (fake_harness_get_n_requests (fake), >=, 1);
    }

  /* Nothing else changed, the other credential not at all. */
  after = snapshot_take (fixture, check_keys, TRUE);
  assert_snapshot (after, before);
  g_assert_cmpint (status_of (fixture, other), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  assert_consistent (fixture);
}

/* Tests: many at once
 *
 * verify-all over 500 credentials against servers that fail, stall and
 * succeed at random (g_test_rand: --seed repeats a run), while the user
 * renames, replaces keys, deletes and undoes from the same main loop. */

#define N_CREDENTIALS 500
/* Under the sanitizers (full unwinding at every allocation) 500 take
 * minutes: the same test runs over 100 there, 500 in the normal build. */
#define N_CREDENTIALS_SANITIZED 100
#define N_HOSTS 8
#define MAX_CONCURRENT 6

/* Harness on N_HOSTS ports (libsoup limits connections per host, so one
 * port would hide the store's own limit), counting requests in flight. */
typedef struct
{
  SoupServer *servers[N_HOSTS];
  char       *base_urls[N_HOSTS];
  guint       in_flight;
  guint       max_in_flight;
  guint       requests;
  guint       outcomes[7];
} RandomHarness;

static void
on_random_finished (SoupServerMessage *message,
                    RandomHarness     *harness)
{
  g_assert_cmpuint (harness->in_flight, >, 0);
  harness->in_flight--;
}

static gboolean
on_random_delay_over (gpointer user_data)
{
  soup_server_message_unpause (user_data);
  g_object_unref (user_data);
  return G_SOURCE_REMOVE;
}

static void
set_json_response (SoupServerMessage *message,
                   guint              status,
                   char              *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE, json, strlen (json));
}

static void
on_random_request (SoupServer        *server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  RandomHarness *harness = user_data;
  gint64 now_ms = g_get_real_time () / 1000;
  guint delay_ms = 0;
  int roll;

  harness->requests++;
  harness->in_flight++;
  harness->max_in_flight = MAX (harness->max_in_flight, harness->in_flight);

  if (!g_str_has_suffix (path, "/token/validate"))
    {
      /* The account's name: allowed to fail, the key is still valid. */
      g_signal_connect (message, "finished", G_CALLBACK (on_random_finished), harness);
      set_json_response (message, 403, g_strdup ("{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\","
                                                 "\"message\":\"Missing permission\",\"correlationId\":\"r\"}"));
      return;
    }

  roll = g_test_rand_int_range (0, 100);
  if (roll >= 95)
    {
      g_autoptr(GIOStream) connection = soup_server_message_steal_connection (message);

      /* Dropped without a word. */
      harness->outcomes[6]++;
      harness->in_flight--;
      g_io_stream_close (connection, NULL, NULL);
      return;
    }

  g_signal_connect (message, "finished", G_CALLBACK (on_random_finished), harness);
  if (roll < 45)
    {
      harness->outcomes[0]++;
      delay_ms = g_test_rand_int_range (0, 20);
      set_json_response (message, 200,
                         g_strdup_printf ("{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"name\":\"T\","
                                          "\"validFrom\":%" G_GINT64_FORMAT ",\"validTo\":%" G_GINT64_FORMAT ","
                                          "\"valid\":true,\"accountIdentifier\":\"" ACCOUNT "\","
                                          "\"apiKeyType\":\"USER\",\"username\":\"Random\"},"
                                          "\"correlationId\":\"r\"}",
                                          now_ms - 1000, now_ms + (gint64) 90 * 24 * 3600 * 1000));
    }
  else if (roll < 55)
    {
      harness->outcomes[1]++;
      set_json_response (message, 401, g_strdup ("{\"status\":\"ERROR\",\"code\":\"EXPIRED_TOKEN\","
                                                 "\"message\":\"Token expired.\",\"correlationId\":\"r\"}"));
    }
  else if (roll < 65)
    {
      harness->outcomes[2]++;
      set_json_response (message, 401, g_strdup ("{\"status\":\"ERROR\",\"code\":\"INVALID_TOKEN\","
                                                 "\"message\":\"Token is not valid.\",\"correlationId\":\"r\"}"));
    }
  else if (roll < 78)
    {
      harness->outcomes[3]++;
      soup_server_message_set_status (message, 503, NULL);
    }
  else if (roll < 88)
    {
      harness->outcomes[4]++;
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC, "<html>Sign in</html>", 20);
    }
  else
    {
      harness->outcomes[5]++;
      delay_ms = g_test_rand_int_range (0, 40);
      set_json_response (message, 500, g_strdup ("{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\","
                                                 "\"message\":\"Oops\",\"correlationId\":\"r\"}"));
    }

  if (delay_ms > 0)
    {
      soup_server_message_pause (message);
      g_timeout_add (delay_ms, on_random_delay_over, g_object_ref (message));
    }
}

static RandomHarness *
random_harness_new (void)
{
  RandomHarness *harness = g_new0 (RandomHarness, 1);

  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autoptr(GError) error = NULL;
      GSList *uris;

      harness->servers[i] = soup_server_new (NULL, NULL);
      soup_server_add_handler (harness->servers[i], NULL, on_random_request, harness, NULL);
      soup_server_listen_local (harness->servers[i], 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
      g_assert_no_error (error);
      uris = soup_server_get_uris (harness->servers[i]);
      harness->base_urls[i] = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  return harness;
}

static void
random_harness_free (RandomHarness *harness)
{
  for (guint i = 0; i < N_HOSTS; i++)
    {
      soup_server_disconnect (harness->servers[i]);
      g_object_unref (harness->servers[i]);
      g_free (harness->base_urls[i]);
    }
  g_free (harness);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RandomHarness, random_harness_free)

typedef enum
{
  EDIT_RENAME,
  EDIT_NEW_KEY,
  EDIT_DELETE,
  EDIT_DELETE_UNDO,
} EditKind;

typedef struct
{
  Fixture  *fixture;
  EditKind  kind;
  char     *id;
  char     *token;     /* EDIT_NEW_KEY */
  guint    *pending;
  guint    *failed;    /* busy or gone: defined outcomes */
  guint    *done;
} Edit;

static void
edit_free (Edit *edit)
{
  (*edit->pending)--;
  g_free (edit->id);
  g_free (edit->token);
  g_free (edit);
}

/* A failed edit is fine if it says why in a defined way: the credential
 * is busy (being checked) or already gone. */
static void
check_edit_error (Edit         *edit,
                  const GError *error)
{
  if (error == NULL)
    {
      (*edit->done)++;
      return;
    }

  (*edit->failed)++;
  g_assert_true (g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY) ||
                 g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND));
  g_assert_true (g_str_has_suffix (error->message, "."));
}

static void
on_edit_updated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  if (tessera_store_update_finish (TESSERA_STORE (source), result, &error) && edit->token != NULL)
    g_hash_table_insert (edit->fixture->tokens, g_strdup (edit->id), g_steal_pointer (&edit->token));
  check_edit_error (edit, error);
  edit_free (edit);
}

static void
on_edit_committed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  if (tessera_store_commit_remove_finish (TESSERA_STORE (source), result, &error))
    g_hash_table_remove (edit->fixture->tokens, edit->id);
  check_edit_error (edit, error);
  edit_free (edit);
}

static gboolean
on_edit_undo (gpointer user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  tessera_store_undo_remove (edit->fixture->store, edit->id, &error);
  check_edit_error (edit, error);
  edit_free (edit);
  return G_SOURCE_REMOVE;
}

static gboolean
on_edit_time (gpointer user_data)
{
  Edit *edit = user_data;
  TesseraStore *store = edit->fixture->store;
  g_autoptr(GError) error = NULL;

  switch (edit->kind)
    {
    case EDIT_RENAME:
      {
        g_autofree char *name = g_strdup_printf ("Renamed %s", edit->id);

        tessera_store_update_async (store, edit->id, name, "edited while checking", NULL, NULL, NULL, NULL,
                                    NULL, on_edit_updated, edit);
      }
      return G_SOURCE_REMOVE;

    case EDIT_NEW_KEY:
      {
        g_autoptr(TesseraToken) token = tessera_token_parse (edit->token, NULL);

        tessera_store_update_async (store, edit->id, NULL, NULL, NULL, NULL, token, NULL,
                                    NULL, on_edit_updated, edit);
      }
      return G_SOURCE_REMOVE;

    case EDIT_DELETE:
      if (!tessera_store_remove (store, edit->id, &error))
        break;
      tessera_store_commit_remove_async (store, edit->id, NULL, on_edit_committed, edit);
      return G_SOURCE_REMOVE;

    case EDIT_DELETE_UNDO:
      if (!tessera_store_remove (store, edit->id, &error))
        break;
      g_timeout_add (g_test_rand_int_range (1, 30), on_edit_undo, edit);
      return G_SOURCE_REMOVE;

    default:
      g_assert_not_reached ();
    }

  check_edit_error (edit, error);
  edit_free (edit);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gboolean finished;
  guint    pending;
} AllDone;

static gboolean
all_done (gpointer data)
{
  AllDone *done = data;

  return done->finished && done->pending == 0;
}

static void
on_verify_all_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AllDone *done = user_data;
  g_autoptr(GError) error = NULL;

  /* Only a keyring failure would stop it: there is none here. */
  g_assert_true (tessera_store_verify_all_finish (TESSERA_STORE (source), result, &error));
  g_assert_no_error (error);
  done->finished = TRUE;
}

static void
on_progress (TesseraStore *store,
             guint         done,
             guint         total,
             guint        *last)
{
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, *last);
  *last = done;
}

static void
on_populated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

static gboolean
none_pending (gpointer data)
{
  return *(guint *) data == 0;
}

/* A fresh store over @n credentials, as after a restart: one added through
 * the store, the others copied from it in the settings file, each with its
 * own key in the keyring. (Adding them one by one would cost 2 × @n
 * rewrites of a growing settings file, GLib's keyfile backend rewriting it
 * whole each time, and would test nothing more.) */
static void
populate (Fixture        *fixture,
          RandomHarness  *harness,
          guint           n)
{
  g_autofree char *first = add (fixture, "Credential 000", harness->base_urls[0]);
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_autofree char *group = g_strconcat ("io/github/tessera/Tessera/credentials/", first, NULL);
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  g_autoptr(GVariant) list_value = NULL;
  g_autofree char *list_text = NULL;
  g_autoptr(GError) error = NULL;
  guint pending = 0;

  g_assert_nonnull (keys);
  g_strv_builder_add (ids, first);
  for (guint i = 1; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *other = g_strconcat ("io/github/tessera/Tessera/credentials/", id, NULL);
      g_autofree char *name = g_strdup_printf ("'Credential %03u'", i);
      g_autofree char *base_url = g_strdup_printf ("'%s'", harness->base_urls[i % N_HOSTS]);
      g_autofree char *secret_id = g_strdup_printf ("'%s'", id);
      char *token = test_random_token ("pat", ACCOUNT);

      for (guint k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (keyfile, group, keys[k], NULL);
          const char *copy = value;

          if (strcmp (keys[k], "name") == 0)
            copy = name;
          else if (strcmp (keys[k], "base-url") == 0)
            copy = base_url;
          else if (strcmp (keys[k], "secret-id") == 0)
            copy = secret_id;
          g_key_file_set_value (keyfile, other, keys[k], copy);
        }

      g_strv_builder_add (ids, id);
      g_hash_table_insert (fixture->tokens, g_strdup (id), token);
      pending++;
      tessera_secret_backend_store_async (fixture->real, id, "Harness API key", token, NULL, on_populated, &pending);
      /* The bus allows a connection only so many calls in flight. */
      if (pending >= 32)
        test_wait_until (none_pending, &pending, "the keys to be stored");
    }
  test_wait_until (none_pending, &pending, "the keys to be stored");

  list = g_strv_builder_end (ids);
  list_value = g_variant_ref_sink (g_variant_new_strv ((const char * const *) list, -1));
  list_text = g_variant_print (list_value, FALSE);
  g_key_file_set_value (keyfile, "io/github/tessera/Tessera", "credentials", list_text);

  /* Restart over the new file. */
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  g_clear_object (&fixture->settings_backend);
  g_assert_true (g_key_file_save_to_file (keyfile, fixture->keyfile, &error));
  g_assert_no_error (error);
  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, n);
}

/* GLib syncs the settings file to disk on every write, which on a slow
 * disk is most of the time of 1 500 writes: for this test, the store's
 * settings live in /dev/shm when there is one. */
static void
settings_in_memory (Fixture *fixture)
{
  g_autofree char *dir = NULL;

  if (!g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ||
      (dir = g_mkdtemp (g_strdup ("/dev/shm/tessera-test-faults-XXXXXX"))) == NULL)
    return;

  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  g_clear_object (&fixture->settings_backend);
  g_free (fixture->settings_dir);
  g_free (fixture->keyfile);

  fixture->shm_dir = g_strdup (dir);
  fixture->settings_dir = g_steal_pointer (&dir);
  fixture->keyfile = g_build_filename (fixture->settings_dir, "keyfile", NULL);
  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
}

static void
test_concurrency (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(RandomHarness) harness = random_harness_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  AllDone done = { FALSE, 0 };
  guint failed = 0, succeeded = 0, progress = 0;
  guint n_credentials = g_getenv ("ASAN_OPTIONS") != NULL ? N_CREDENTIALS_SANITIZED : N_CREDENTIALS;
  gint64 start;

  keyring_default_in_memory ();
  settings_in_memory (fixture);
  start = g_get_monotonic_time ();
  populate (fixture, harness, n_credentials);
  for (guint i = 0; i < n_credentials; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_ptr_array_add (ids, g_strdup (tessera_credential_get_id (credential)));
    }
  assert_consistent (fixture);
  g_test_message ("%u credentials set up in %.1f s", n_credentials,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  tessera_store_set_max_concurrent (fixture->store, MAX_CONCURRENT);
  tessera_harness_client_set_timeout (tessera_store_get_client (fixture->store), 15000);
  g_signal_connect (fixture->store, "verify-progress", G_CALLBACK (on_progress), &progress);

  /* 90 edits at random moments of the run. */
  for (guint i = 0; i < 90; i++)
    {
      Edit *edit = g_new0 (Edit, 1);

      edit->fixture = fixture;
      edit->kind = i % 4;
      edit->id = g_strdup (g_ptr_array_index (ids, g_test_rand_int_range (0, n_credentials)));
      if (edit->kind == EDIT_NEW_KEY)
        edit->token = test_random_token ("pat", ACCOUNT);
      edit->pending = &done.pending;
      edit->failed = &failed;
      edit->done = &succeeded;
      done.pending++;
      g_timeout_add (g_test_rand_int_range (0, 1500), on_edit_time, edit);
    }

  start = g_get_monotonic_time ();
  tessera_store_verify_all_async (fixture->store, FALSE, NULL, on_verify_all_done, &done);
  /* Longer than TEST_WAIT_SECONDS: under the sanitizers this takes a minute. */
  test_wait_until_for (all_done, &done, "verify-all and the edits", 300);
  g_test_message ("verify-all: %.1f s, %u requests, at most %u at once; edits: %u done, %u refused",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
                  harness->requests, harness->max_in_flight, succeeded, failed);
  g_test_message ("answers: %u valid, %u expired, %u rejected, %u 503, %u HTML, %u 500, %u dropped",
                  harness->outcomes[0], harness->outcomes[1], harness->outcomes[2], harness->outcomes[3],
                  harness->outcomes[4], harness->outcomes[5], harness->outcomes[6]);
  g_signal_handlers_disconnect_by_data (fixture->store, &progress);

  /* The limit held, and was used. */
  g_assert_cmpuint (harness->max_in_flight, <=, MAX_CONCURRENT);
  g_assert_cmpuint (harness->max_in_flight, >=, 2);
  g_assert_cmpuint (harness->in_flight, ==, 0);
  g_assert_false (tessera_store_get_verifying (fixture->store));
  g_assert_cmpuint (succeeded, >, 0);

  /* Every credential in a defined state. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture->store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      TesseraCredentialStatus status = tessera_credential_get_status (credential);

      g_assert_false (tessera_credential_get_checking (credential));
      switch (status)
        {
        case TESSERA_CREDENTIAL_STATUS_VERIFIED:
          g_assert_cmpint (tessera_credential_get_last_verified (credential), >, 0);
          break;
        case TESSERA_CREDENTIAL_STATUS_EXPIRED:
        case TESSERA_CREDENTIAL_STATUS_REJECTED:
        case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
          g_assert_true (g_str_has_suffix (tessera_credential_get_status_detail (credential), "."));
          break;
        case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
          /* Only a key replaced during the run is not checked. */
          g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
          break;
        case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
        case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
        default:
          g_error ("Credential %s ended as %s", tessera_credential_get_id (credential),
                   tessera_credential_status_to_string (status));
        }
    }

  /* Model, settings and keyring agree; no key lost, none orphaned. */
  assert_consistent (fixture);
}

/* The program */

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Nothing here may go through a proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("SECRET_BACKEND", "service", TRUE);
  g_unsetenv ("SECRET_FILE_TEST_PATH");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_autofree char *keyring_daemon = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");

  if (keyring_daemon == NULL || dbus_daemon == NULL)
    {
      g_test_skip ("needs gnome-keyring-daemon and dbus-daemon");
      return g_test_run ();
    }

  /* Our own session bus: nothing on it but what the tests start. */
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);

  ADD_TEST ("/faults/secret-service/not-running", test_secret_service_not_running);
  ADD_TEST ("/faults/secret-service/killed-mid-store", test_secret_service_killed_mid_store);
  ADD_TEST ("/faults/secret-service/locked-prompt-dismissed", test_secret_service_locked);
  ADD_TEST ("/faults/secret-service/slow", test_secret_service_slow);
  ADD_TEST ("/faults/settings/read-only-folder", test_settings_read_only);
  ADD_TEST ("/faults/concurrency/verify-all-500-while-editing", test_concurrency);
  for (guint i = 0; i < G_N_ELEMENTS (network_cases); i++)
    {
      static const char *names[] = {
        "refused", "reset-mid-body", "never-answers", "one-byte-per-second", "429-storm",
        "5xx-storm", "html-not-json", "redirect", "invalid-certificate",
      };
      g_autofree char *path = g_strconcat ("/faults/network/", names[network_cases[i].fault], NULL);

      g_test_add (path, Fixture, &network_cases[i], fixture_setup, test_network, fixture_teardown);
    }

  status = g_test_run ();

  /* libsecret keeps the bus connection to the end: stop the bus without
   * waiting for that connection to be finalized, as g_test_dbus_down()
   * (and so disposing test_bus) would, for 30 s. */
  g_test_dbus_stop (test_bus);
  return status;
}
