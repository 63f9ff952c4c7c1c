/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault-fixture.c: see fault-fixture.h */
#include "config.h"

#include "fault-fixture.h"

GTestDBus *test_bus;

/* Helpers: the reason given */

/* A specific code, and words for a person: a capital letter, a full
 * stop, no D-Bus or GLib names, no token. */
void
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

int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}


gboolean
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
gboolean
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

gboolean
keyring_is_down (gpointer data)
{
  g_usleep (10 * 1000);
  return !secrets_has_owner ();
}

/* gnome-keyring-daemon on our bus, its "login" keyring in this test's
 * $XDG_DATA_HOME, unlocked with KEYRING_PASSWORD. Started again on the
 * same files it finds the items stored before. */
void
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

void
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

void
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
void
keyring_kill (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  kill (keyring->pid, SIGKILL);
  keyring_reap (keyring);
}

/* Stops answering: requests queue up in its socket. */
void
keyring_freeze (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  g_assert_no_errno (kill (keyring->pid, SIGSTOP));
  keyring->frozen = TRUE;
}

void
keyring_thaw (Keyring *keyring)
{
  g_assert_true (keyring->frozen);
  g_assert_no_errno (kill (keyring->pid, SIGCONT));
  keyring->frozen = FALSE;
}

void
keyring_lock (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();

  test_keyring_lock_login (bus);
}

/* Without a prompt, as gnome-keyring's own login does (as test-store). */
void
keyring_unlock (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();

  test_keyring_unlock_login (bus, KEYRING_PASSWORD);
}

/* Makes "default" the keyring kept in memory only: gnome-keyring encrypts
 * and rewrites the whole "login" file on every change, which is most of
 * the time of 500 stores, and not what a test of the store is about. */
void
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
GPtrArray *
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



gboolean
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

void
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

void
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


void
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

void
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

TesseraVerification *
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
TesseraCredential *
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
char *
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

gboolean
try_replace_token (Fixture     *fixture,
                   const char  *id,
                   const char  *token_value,
                   GError     **error)
{
  return store_sync_update (fixture->store, id, "Renamed", NULL, NULL, NULL, token_value, error);
}

TesseraCredentialStatus
verify (Fixture     *fixture,
        const char  *id,
        GError     **error)
{
  return store_sync_verify (fixture->store, id, error);
}

gboolean
remove_and_commit (Fixture     *fixture,
                   const char  *id,
                   GError     **error)
{
  g_assert_true (tessera_store_remove (fixture->store, id, NULL));
  return store_sync_commit_remove (fixture->store, id, error);
}

/* Helpers: what is stored, all of it */


void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->settings);
  g_free (snapshot->model);
  g_clear_pointer (&snapshot->secrets, g_hash_table_unref);
  g_free (snapshot->items);
  g_free (snapshot);
}


GKeyFile *
load_keyfile (Fixture *fixture)
{
  GKeyFile *keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_key_file_load_from_file (keyfile, fixture->keyfile, G_KEY_FILE_NONE, &error))
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  return keyfile;
}

GStrv
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

char *
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
Snapshot *
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
          /* The journal of changes under way is not a credential: a change
           * whose undo could not reach the keyring leaves its entry for the
           * next process (tessera-store-journal.c). */
          if (strcmp (keys[k], "pending") == 0 && strcmp (groups[i], "io/github/tessera/Tessera") == 0)
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
void
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
void
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

TesseraCredentialStatus
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
void
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

int
fault_fixture_main (int    argc,
                    char  *argv[],
                    void (*add_tests) (void))
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

  add_tests ();

  status = g_test_run ();

  /* libsecret keeps the bus connection to the end: stop the bus without
   * waiting for that connection to be finalized, as g_test_dbus_down()
   * (and so disposing test_bus) would, for 30 s. */
  g_test_dbus_stop (test_bus);
  return status;
}
