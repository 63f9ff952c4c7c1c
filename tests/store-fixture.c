/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-fixture.c: what every test-store-* program shares
 *
 * Each program runs twice (see tests/meson.build): against gnome-keyring
 * on the private session bus of build-aux/session
 * (TESSERA_TEST_SECRETS=service), and against libsecret's file backend
 * (TESSERA_TEST_SECRETS=file). Settings use a keyfile backend in the
 * test's own directory, created afresh for each store, so a "restart"
 * really reads the files back.
 *
 * Every test ends by looking for each token it used in every file under
 * the test's directories (and the session's home, keyrings excepted) and
 * in everything that was logged.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "store-fixture.h"
#include "store-sync.h"
#include "tessera-libsecret-backend.h"

static gboolean service_mode;     /* real gnome-keyring, not the file backend */
static GString *captured_log;     /* every message logged */

/* Fixture */

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *fixture)
{
  Change change = { position, removed, added };

  g_array_append_val (fixture->changes, change);
}

static gboolean
failing_write_hook (TesseraStore *store,
                    const char   *path,
                    gpointer      user_data)
{
  Fixture *fixture = user_data;

  if (fixture->fail_path != NULL && g_str_has_prefix (path, fixture->fail_path))
    {
      fixture->failed_writes++;
      return FALSE;
    }

  return TRUE;
}

TesseraStore *
open_store (Fixture            *fixture,
            TestSecretBackend  *secrets,
            GSettingsBackend  **backend_out)
{
  g_autoptr(GSettingsBackend) backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  TesseraStore *store = tessera_store_new_full (TESSERA_SECRET_BACKEND (secrets), NULL, backend);

  tessera_store_set_write_hook (store, failing_write_hook, fixture);
  if (backend_out != NULL)
    *backend_out = g_steal_pointer (&backend);

  return store;
}

/* A fresh store over the same files, as after quitting and starting
 * again. */
void
restart (Fixture *fixture)
{
  if (fixture->store != NULL)
    {
      g_signal_handlers_disconnect_by_data (fixture->store, fixture);
      g_assert_finalize_object (fixture->store);
    }
  g_clear_object (&fixture->settings_backend);
  g_clear_object (&fixture->secrets);

  fixture->secrets = test_secret_backend_new (fixture->real);
  fixture->store = open_store (fixture, fixture->secrets, &fixture->settings_backend);
  g_array_set_size (fixture->changes, 0);
  g_signal_connect (fixture->store, "items-changed", G_CALLBACK (on_items_changed), fixture);
}

void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);

  g_assert_no_errno (g_mkdir_with_parents (dir, 0700));
  fixture->keyfile = g_build_filename (dir, "keyfile", NULL);
  fixture->real = tessera_libsecret_backend_new ();
  fixture->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  fixture->tokens = g_ptr_array_new_with_free_func (g_free);
  g_string_truncate (captured_log, 0);
  restart (fixture);
}

gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

/* Looks for @needle in every regular file under @dir, skipping @skip. */
static void
assert_not_in_files (const char *dir,
                     const char *skip,
                     const char *needle)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (skip != NULL && strcmp (path, skip) == 0)
        continue;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        assert_not_in_files (path, skip, needle);
      else if (file_contains (path, needle))
        g_error ("A token was written to %s", path);
    }
}

void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *test_root = g_path_get_dirname (g_get_home_dir ());
  const char *session_dir = g_getenv ("TESSERA_SESSION_DIR");

  g_autoptr(GPtrArray) credentials = g_ptr_array_new_with_free_func (g_free);

  /* Nothing keeps the store or its credentials alive. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture->store)); i++)
    {
      GObject **weak = g_new0 (GObject *, 1);

      *weak = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      g_object_add_weak_pointer (*weak, (gpointer *) weak);
      g_object_unref (*weak);
      g_ptr_array_add (credentials, weak);
    }
  g_signal_handlers_disconnect_by_data (fixture->store, fixture);
  g_assert_finalize_object (fixture->store);
  for (guint i = 0; i < credentials->len; i++)
    g_assert_null (*(GObject **) g_ptr_array_index (credentials, i));
  g_clear_object (&fixture->settings_backend);
  g_clear_object (&fixture->secrets);
  test_wait_run_for (200);

  for (guint i = 0; i < fixture->tokens->len; i++)
    {
      const char *token = g_ptr_array_index (fixture->tokens, i);

      assert_not_in_files (test_root, NULL, token);
      if (session_dir != NULL)
        {
          g_autofree char *home = g_build_filename (session_dir, "home", NULL);
          g_autofree char *keyrings = g_build_filename (home, ".local", "share", "keyrings", NULL);

          assert_not_in_files (home, keyrings, token);
        }
      g_assert_null (strstr (captured_log->str, token));
    }

  g_clear_object (&fixture->real);
  g_array_unref (fixture->changes);
  g_ptr_array_unref (fixture->tokens);
  g_free (fixture->fail_path);
  g_free (fixture->keyfile);
}

const char *
new_token (Fixture    *fixture,
           const char *account)
{
  char *token = test_random_token ("pat", account);

  g_ptr_array_add (fixture->tokens, token);
  return token;
}

const char *
new_sat_token (Fixture    *fixture,
               const char *account)
{
  char *token = test_random_token ("sat", account);

  g_ptr_array_add (fixture->tokens, token);
  return token;
}

/* Helpers: signals */

void
on_notify (GObject    *object,
           GParamSpec *pspec,
           GPtrArray  *names)
{
  g_ptr_array_add (names, g_strdup (pspec->name));
}

/* Helpers: store operations, run to completion */

TesseraCredential *
add_full (Fixture              *fixture,
          TesseraStore         *store,
          const char           *name,
          const char           *description,
          const char           *account_id,
          const char           *base_url,
          const char           *token_value,
          TesseraVerification  *verification,
          GError              **error)
{
  return store_sync_add (store, name, description, account_id, base_url, token_value, verification,
                         NULL, error);
}

TesseraCredential *
add (Fixture    *fixture,
     const char *name,
     const char *token_value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;

  credential = add_full (fixture, fixture->store, name, "", "", NULL, token_value, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  /* Borrowed: the store keeps it. */
  return credential;
}

gboolean
update (Fixture     *fixture,
        const char  *id,
        const char  *name,
        const char  *description,
        const char  *account_id,
        const char  *base_url,
        const char  *new_token_value,
        GError     **error)
{
  return store_sync_update (fixture->store, id, name, description, account_id, base_url,
                            new_token_value, error);
}

/* Straight to the keyring, around the store. */
void
backend_clear (TesseraSecretBackend *backend,
               const char           *secret_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tessera_secret_backend_clear_async (backend, secret_id, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_secret_backend_clear_finish (backend, test_wait_for (&result), &error));
  g_assert_no_error (error);
}

void
assert_backend_has (TesseraSecretBackend *backend,
                    const char           *secret_id,
                    const char           *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = test_secrets_lookup (backend, secret_id, &error);

  g_assert_no_error (error);
  if (expected == NULL)
    g_assert_null (value);
  else
    g_assert_true (g_strcmp0 (value, expected) == 0);   /* never print a token */
}

/* Helpers: what is in the settings */

GSettings *
credential_settings (Fixture    *fixture,
                     const char *id)
{
  g_autofree char *path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, SCHEMA_NAME, TRUE);

  return g_settings_new_full (schema, fixture->settings_backend, path);
}

char *
dup_secret_id (Fixture    *fixture,
               const char *id)
{
  g_autoptr(GSettings) settings = credential_settings (fixture, id);
  char *secret_id = g_settings_get_string (settings, "secret-id");

  g_assert_cmpstr (secret_id, !=, "");
  return secret_id;
}

GStrv
dup_listed_ids (Fixture *fixture)
{
  g_autoptr(GSettings) settings = g_settings_new_with_backend ("io.github.tessera.Tessera",
                                                                fixture->settings_backend);

  return g_settings_get_strv (settings, "credentials");
}

char *
read_keyfile (Fixture *fixture)
{
  char *contents = NULL;

  if (!g_file_get_contents (fixture->keyfile, &contents, NULL, NULL))
    return g_strdup ("");

  return contents;
}

/* A reset key is gone from the file; the keyfile backend may keep the
 * empty group header, which holds nothing. */
void
assert_no_keys (Fixture    *fixture,
                const char *id)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *group = g_strdup_printf ("io/github/tessera/Tessera/credentials/%s", id);
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_load_from_file (keyfile, fixture->keyfile, G_KEY_FILE_NONE, &error))
    {
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      return;
    }

  keys = g_key_file_get_keys (keyfile, group, NULL, NULL);
  g_assert_true (keys == NULL || keys[0] == NULL);
}

void
assert_change (Fixture *fixture,
               guint    index,
               guint    position,
               guint    removed,
               guint    added)
{
  Change *change;

  g_assert_cmpuint (index, <, fixture->changes->len);
  change = &g_array_index (fixture->changes, Change, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

const char *
id_at (TesseraStore *store,
       guint         position)
{
  g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_assert_nonnull (credential);
  /* The store holds another reference, so the string stays valid. */
  return tessera_credential_get_id (credential);
}

void
store_test_add (const char    *path,
                StoreTestFunc  func)
{
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

static GLogWriterOutput
capture_log (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      {
        g_string_append_len (captured_log, fields[i].value,
                             fields[i].length < 0 ? (gssize) strlen (fields[i].value) : fields[i].length);
        g_string_append_c (captured_log, '\n');
      }

  /* Debug and info lines would go to stdout, between the TAP lines. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

gboolean
store_test_service_mode (void)
{
  return service_mode;
}

int
store_test_main (int    argc,
                 char  *argv[],
                 void (*add_tests) (void))
{
  g_autofree char *keyring_dir = NULL;
  g_autofree char *keyring_file = NULL;
  int status;

  /* "--secrets=file" picks libsecret's file backend; it is taken out of
   * argv before GTest sees it, and passed on to subprocesses by the
   * environment. */
  service_mode = g_strcmp0 (g_getenv ("TESSERA_TEST_SECRETS"), "file") != 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--secrets=file") == 0 || strcmp (argv[i], "--secrets=service") == 0)
      {
        service_mode = strcmp (argv[i], "--secrets=service") == 0;
        g_setenv ("TESSERA_TEST_SECRETS", service_mode ? "service" : "file", TRUE);
        memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
        argc--;
        i--;
      }

  if (service_mode && !g_test_subprocess ())
    {
      g_setenv ("SECRET_BACKEND", "service", TRUE);
      if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
        {
          g_print ("1..0 # SKIP needs a session bus with gnome-keyring: run under build-aux/session\n");
          return 0;
        }
    }
  else if (!service_mode && !g_test_subprocess ())
    {
      /* libsecret's file backend, in a keyring file of our own. */
      keyring_dir = g_dir_make_tmp ("tessera-test-keyring-XXXXXX", NULL);
      g_assert_nonnull (keyring_dir);
      g_setenv ("SECRET_BACKEND", "file", TRUE);
      keyring_file = g_build_filename (keyring_dir, "test.keyring", NULL);
      g_setenv ("SECRET_FILE_TEST_PATH", keyring_file, TRUE);
      g_setenv ("SECRET_FILE_TEST_PASSWORD", "tessera-test-password", TRUE);
    }

  /* Nothing here may go through a proxy, nor depend on the desktop's
   * proxy settings. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  /* Debug messages reach the capture, which checks that no token is ever
   * logged. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  captured_log = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add_tests ();

  status = g_test_run ();

  if (keyring_dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (keyring_dir);
      g_autoptr(GFileEnumerator) children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                       G_FILE_QUERY_INFO_NONE, NULL, NULL);
      GFileInfo *info;

      while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

          g_file_delete (child, NULL, NULL);
          g_object_unref (info);
        }
      g_file_delete (dir, NULL, NULL);
    }

  return status;
}
