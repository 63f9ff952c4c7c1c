/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store.c: the credential store against a real keyring
 *
 * Runs twice (see tests/meson.build): against gnome-keyring on the private
 * session bus of build-aux/session (TESSERA_TEST_SECRETS=service), and
 * against libsecret's file backend (TESSERA_TEST_SECRETS=file). Settings
 * use a keyfile backend in the test's own directory, created afresh for
 * each store, so a "restart" really reads the files back.
 *
 * Every test ends by looking for each token it used in every file under
 * the test's directories (and the session's home, keyrings excepted) and
 * in everything that was logged.
 */
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <string.h>
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "test-secret-backend.h"
#include "fake-harness.h"
#include "tessera-base-url.h"
#include "tessera-credential-private.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-verification-private.h"
#include "test-keyring.h"
#include "test-wait.h"

#define ACCOUNT       "TesseraTestAcct0000001"
#define OTHER_ACCOUNT "TesseraTestAcct0000002"
#define SCHEMA_NAME   "io.github.tessera.Tessera.Credential"

static gboolean service_mode;     /* real gnome-keyring, not the file backend */
static GString *captured_log;

/* Helpers: tokens */

static char *
make_token (const char *prefix,
            const char *account)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  GString *token = g_string_new (prefix);

  g_string_append_c (token, '.');
  if (account != NULL)
    g_string_append_printf (token, "%s.", account);
  for (guint i = 0; i < 24; i++)
    g_string_append_c (token, "0123456789abcdef"[g_random_int_range (0, 16)]);
  g_string_append_c (token, '.');
  for (guint i = 0; i < 20; i++)
    g_string_append_c (token, alnum[g_random_int_range (0, sizeof alnum - 1)]);

  return g_string_free (token, FALSE);
}

/* Helpers: waiting (see test-wait.h) */

/* Lets pending idles and file-monitor events run. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 200 * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

/* Fixture */

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct
{
  char                  *keyfile;
  GSettingsBackend      *settings_backend;
  TesseraSecretBackend  *real;        /* libsecret */
  TestSecretBackend *secrets;     /* counts the store's calls to @real */
  TesseraStore          *store;
  GArray                *changes;     /* Change, one per items-changed */
  GPtrArray             *tokens;      /* every token the test used */
  char                  *fail_path;   /* writes to paths starting with this fail */
  guint                  failed_writes;
} Fixture;

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

static TesseraStore *
open_store (Fixture               *fixture,
            TestSecretBackend *secrets,
            GSettingsBackend     **backend_out)
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
static void
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

static void
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

static gboolean
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

static void
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
  settle ();

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

static const char *
new_token (Fixture    *fixture,
           const char *account)
{
  char *token = make_token ("pat", account);

  g_ptr_array_add (fixture->tokens, token);
  return token;
}

static const char *
new_sat_token (Fixture    *fixture,
               const char *account)
{
  char *token = make_token ("sat", account);

  g_ptr_array_add (fixture->tokens, token);
  return token;
}

/* Helpers: store operations, run to completion */

static TesseraCredential *
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
  g_autoptr(TesseraToken) token = tessera_token_parse (token_value, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (token);
  tessera_store_add_async (store, name, description, account_id, base_url, token, verification,
                           NULL, test_wait_on_ready, &result);
  return tessera_store_add_finish (store, test_wait_for (&result), error);
}

static TesseraCredential *
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

static gboolean
update (Fixture     *fixture,
        const char  *id,
        const char  *name,
        const char  *description,
        const char  *account_id,
        const char  *base_url,
        const char  *new_token_value,
        GError     **error)
{
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (new_token_value != NULL)
    token = tessera_token_parse (new_token_value, NULL);

  tessera_store_update_async (fixture->store, id, name, description, account_id, base_url,
                              token, NULL, NULL, test_wait_on_ready, &result);
  return tessera_store_update_finish (fixture->store, test_wait_for (&result), error);
}

static char *
lookup_token (TesseraStore  *store,
              const char    *id,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_lookup_token_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_lookup_token_finish (store, test_wait_for (&result), error);
}

static gboolean
commit_remove (TesseraStore  *store,
               const char    *id,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_commit_remove_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_commit_remove_finish (store, test_wait_for (&result), error);
}

static gboolean
reconcile (TesseraStore  *store,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_reconcile_async (store, NULL, test_wait_on_ready, &result);
  return tessera_store_reconcile_finish (store, test_wait_for (&result), error);
}

/* Straight to the keyring, around the store. */
static char *
backend_lookup (TesseraSecretBackend  *backend,
                const char            *secret_id,
                GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_secret_backend_lookup_async (backend, secret_id, NULL, test_wait_on_ready, &result);
  return tessera_secret_backend_lookup_finish (backend, test_wait_for (&result), error);
}

static void
backend_clear (TesseraSecretBackend *backend,
               const char           *secret_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tessera_secret_backend_clear_async (backend, secret_id, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_secret_backend_clear_finish (backend, test_wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
assert_backend_has (TesseraSecretBackend *backend,
                    const char           *secret_id,
                    const char           *expected)
{
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = backend_lookup (backend, secret_id, &error);

  g_assert_no_error (error);
  if (expected == NULL)
    g_assert_null (value);
  else
    g_assert_true (g_strcmp0 (value, expected) == 0);   /* never print a token */
}

/* Helpers: what is in the settings */

static GSettings *
credential_settings (Fixture    *fixture,
                     const char *id)
{
  g_autofree char *path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, SCHEMA_NAME, TRUE);

  return g_settings_new_full (schema, fixture->settings_backend, path);
}

static char *
dup_secret_id (Fixture    *fixture,
               const char *id)
{
  g_autoptr(GSettings) settings = credential_settings (fixture, id);
  char *secret_id = g_settings_get_string (settings, "secret-id");

  g_assert_cmpstr (secret_id, !=, "");
  return secret_id;
}

static GStrv
dup_listed_ids (Fixture *fixture)
{
  g_autoptr(GSettings) settings = g_settings_new_with_backend ("io.github.tessera.Tessera",
                                                                fixture->settings_backend);

  return g_settings_get_strv (settings, "credentials");
}

static char *
read_keyfile (Fixture *fixture)
{
  char *contents = NULL;

  if (!g_file_get_contents (fixture->keyfile, &contents, NULL, NULL))
    return g_strdup ("");

  return contents;
}

/* A reset key is gone from the file; the keyfile backend may keep the
 * empty group header, which holds nothing. */
static void
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

static void
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

static const char *
id_at (TesseraStore *store,
       guint         position)
{
  g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), position);

  g_assert_nonnull (credential);
  /* The store holds another reference, so the string stays valid. */
  return tessera_credential_get_id (credential);
}

/* Tests: adding */

static void
test_start_empty (Fixture       *fixture,
                  gconstpointer  data)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (fixture->store)) == TESSERA_TYPE_CREDENTIAL);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (fixture->store), 0));
  g_assert_null (tessera_store_get_selected (fixture->store));
  g_assert_null (tessera_store_get_selected_id (fixture->store));
  settle ();
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
}

static void
test_add (Fixture       *fixture,
          gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(TesseraCredential) first = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_auto(GStrv) ids = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *name = NULL;
  g_autofree char *secret_id = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  credential = add_full (fixture, fixture->store, "  Production  ", "Main account", "", NULL,
                         token, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  g_assert_true (g_uuid_string_is_valid (tessera_credential_get_id (credential)));
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "Production");
  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "Main account");
  g_assert_cmpstr (tessera_credential_get_account_id (credential), ==, ACCOUNT);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, TESSERA_DEFAULT_BASE_URL);
  g_assert_cmpint (tessera_credential_get_kind (credential), ==, TESSERA_CREDENTIAL_KIND_PAT);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpstr (tessera_credential_get_token_hint (credential), ==, "pat." ACCOUNT ".••••");
  g_assert_cmpint (tessera_credential_get_created (credential), >=, now);
  g_assert_cmpint (tessera_credential_get_created (credential), <=, now + 5);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, G_MAXINT);
  g_assert_false (tessera_credential_get_needs_attention (credential));
  /* The first credential saved is the one scripts use. */
  g_assert_true (tessera_credential_get_selected (credential));
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, tessera_credential_get_id (credential));

  /* The model: one emission, one item, the same object. */
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 0, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);
  first = g_list_model_get_item (G_LIST_MODEL (fixture->store), 0);
  g_assert_true (first == credential);
  g_assert_true (tessera_store_lookup (fixture->store, tessera_credential_get_id (credential)) == credential);
  g_assert_true (tessera_store_find_by_name (fixture->store, "PRODUCTION ") == credential);

  /* The settings: the list and the credential's own keys. */
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, tessera_credential_get_id (credential));
  settings = credential_settings (fixture, tessera_credential_get_id (credential));
  name = g_settings_get_string (settings, "name");
  secret_id = g_settings_get_string (settings, "secret-id");
  g_assert_cmpstr (name, ==, "Production");
  g_assert_cmpstr (secret_id, ==, tessera_credential_get_id (credential));
  keyfile = read_keyfile (fixture);
  g_assert_nonnull (strstr (keyfile, tessera_credential_get_id (credential)));
  g_assert_nonnull (strstr (keyfile, "Production"));

  /* The keyring: one store call, and the token comes back. */
  g_assert_cmpuint (test_secret_backend_get_stores (fixture->secrets), ==, 1);
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 1);
  assert_backend_has (fixture->real, tessera_credential_get_id (credential), token);
  value = lookup_token (fixture->store, tessera_credential_get_id (credential), &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, token) == 0);
}

static void
test_add_verified (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  g_autoptr(TesseraVerification) verification = tessera_verification_new ();
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  /* Made to last 3 days, checked a moment later. */
  gint64 expires = g_get_real_time () / 1000 + (gint64) 3 * 24 * 3600 * 1000 - 30 * 1000;

  tessera_verification_set_valid (verification, TRUE);
  tessera_verification_set_kind (verification, TESSERA_CREDENTIAL_KIND_PAT);
  tessera_verification_set_owner_name (verification, "Ada Lovelace");
  tessera_verification_set_owner_email (verification, "ada@example.com");
  tessera_verification_set_valid_to (verification, expires);
  tessera_verification_set_account_name (verification, "Analytical Engines");
  tessera_verification_set_correlation_id (verification, "corr-1");

  credential = add_full (fixture, fixture->store, "Verified", "", ACCOUNT, "https://app3.harness.io/gateway/",
                         token, verification, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada Lovelace");
  g_assert_cmpstr (tessera_credential_get_owner_email (credential), ==, "ada@example.com");
  g_assert_cmpstr (tessera_credential_get_account_name (credential), ==, "Analytical Engines");
  g_assert_cmpstr (tessera_credential_get_correlation_id (credential), ==, "corr-1");
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, "https://app3.harness.io/gateway");
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, expires);
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, 3);
  g_assert_true (tessera_credential_get_needs_attention (credential));
  g_assert_cmpint (tessera_credential_get_last_verified (credential), >, 0);
}

typedef struct
{
  TesseraCredential *credential;
  gint64             expires;
} ExpiresWait;

static gboolean
expires_is (gpointer data)
{
  ExpiresWait *wait = data;

  return tessera_credential_get_expires (wait->credential) == wait->expires;
}

#define HOUR_MS ((gint64) 3600 * 1000)
#define DAY_MS  (24 * HOUR_MS)

/* Days to expiry are rounded up: a key made to last 3 days, checked a
 * moment later, still expires in 3 days. */
static void
test_days_to_expiry (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  ExpiresWait wait = { NULL, 0 };
  static const struct {
    gint64   left_ms;
    int      days;
    gboolean attention;
  } cases[] = {
    { 3 * DAY_MS - 30 * 1000, 3, TRUE },
    { 2 * HOUR_MS, 1, TRUE },
    { 60 * 1000, 1, TRUE },
    { DAY_MS + HOUR_MS, 2, TRUE },
    { 7 * DAY_MS - 30 * 1000, 7, TRUE },
    { 7 * DAY_MS + HOUR_MS, 8, FALSE },
    { 10 * DAY_MS - HOUR_MS, 10, FALSE },
    { -HOUR_MS, -1, TRUE },
    { -(DAY_MS + HOUR_MS), -2, TRUE },
  };

  credential = add_full (fixture, fixture->store, "Expiring", "", ACCOUNT, NULL, token, NULL, &error);
  g_assert_no_error (error);
  settings = credential_settings (fixture, tessera_credential_get_id (credential));
  wait.credential = credential;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      wait.expires = g_get_real_time () / 1000 + cases[i].left_ms;
      g_settings_set_int64 (settings, "expires", wait.expires);
      test_wait_until (expires_is, &wait, "the new expiry");

      g_test_message ("expires in %" G_GINT64_FORMAT " ms", cases[i].left_ms);
      g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, cases[i].days);
      g_assert_cmpint (tessera_credential_get_needs_attention (credential), ==, cases[i].attention);
    }

  wait.expires = 0;
  g_settings_set_int64 (settings, "expires", 0);
  test_wait_until (expires_is, &wait, "no expiry");
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, G_MAXINT);
  g_assert_false (tessera_credential_get_needs_attention (credential));
}

typedef struct
{
  const char *name;
  const char *description;
  const char *account;
  const char *base_url;
  gboolean    legacy;        /* a 3-segment key, without account */
  GQuark      domain;
  int         code;
} BadAdd;

static void
test_add_validation (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (101, 'x');
  g_autofree char *long_description = g_strnfill (1001, 'd');
  g_autofree char *long_account = g_strnfill (65, 'a');
  g_autoptr(GString) accented = g_string_new (NULL);
  g_autoptr(TesseraCredential) fine = NULL;
  g_autoptr(GError) error = NULL;
  const char *legacy_token = NULL;
  BadAdd cases[] = {
    { "", "", "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED },
    { "   \t ", "", "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED },
    { long_name, "", "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TOO_LONG },
    { "existing", "", "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN },
    { " EXISTING ", "", "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN },
    { "ok", long_description, "", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG },
    { "ok", "", "bad account", NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_INVALID },
    { "ok", "", "acct.dot", NULL, TRUE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_INVALID },
    { "ok", "", long_account, NULL, TRUE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_INVALID },
    { "ok", "", OTHER_ACCOUNT, NULL, FALSE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_MISMATCH },
    { "ok", "", "", NULL, TRUE, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_REQUIRED },
    { "ok", "", "", "http://example.com", FALSE, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INSECURE_URL },
    { "ok", "", "", "not a url", FALSE, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INVALID_BASE_URL },
  };

  add (fixture, "Existing", new_token (fixture, ACCOUNT));
  test_secret_backend_reset (fixture->secrets);
  g_array_set_size (fixture->changes, 0);
  legacy_token = new_token (fixture, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TesseraCredential) credential = NULL;

      g_test_message ("case %u", i);
      credential = add_full (fixture, fixture->store, cases[i].name, cases[i].description,
                             cases[i].account, cases[i].base_url,
                             cases[i].legacy ? legacy_token : new_token (fixture, ACCOUNT),
                             NULL, &error);
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_assert_null (credential);
      g_assert_cmpuint (strlen (error->message), >, 0);
      g_clear_error (&error);
    }

  /* Refused before the keyring or the model was touched. */
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);

  /* The limits themselves are fine, counted in characters. */
  for (guint i = 0; i < 100; i++)
    g_string_append (accented, "é");
  fine = add_full (fixture, fixture->store, accented->str, "", ACCOUNT, NULL,
                   new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_name (fine), ==, accented->str);
  g_clear_object (&fine);

  fine = add_full (fixture, fixture->store, "Legacy", "", "Legacy_Account-1", NULL,
                   legacy_token, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_account_id (fine), ==, "Legacy_Account-1");
  g_assert_cmpstr (tessera_credential_get_token_hint (fine), ==, "pat.Legacy_Account-1.••••");

  /* The field checks the dialog uses as the user types. */
  g_assert_true (tessera_store_validate_name (fixture->store, NULL, "New", NULL));
  g_assert_true (tessera_store_validate_name (fixture->store, tessera_credential_get_id (fine), "legacy", NULL));
  g_assert_false (tessera_store_validate_name (fixture->store, NULL, "legacy", &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN);
  g_clear_error (&error);
  g_assert_true (tessera_store_validate_description (NULL, NULL));
  g_assert_true (tessera_store_validate_account_id ("", NULL, NULL) == FALSE);
}

/* Tests: updating */

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           GPtrArray  *names)
{
  g_ptr_array_add (names, g_strdup (pspec->name));
}

static gboolean
strv_has (GPtrArray  *names,
          const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp (g_ptr_array_index (names, i), name) == 0)
      return TRUE;

  return FALSE;
}

static void
test_update_fields (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add (fixture, "Staging", token);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autoptr(GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *secret_id = NULL;

  add (fixture, "Other", new_token (fixture, ACCOUNT));
  g_array_set_size (fixture->changes, 0);
  test_secret_backend_reset (fixture->secrets);
  g_signal_connect (credential, "notify", G_CALLBACK (on_notify), notified);

  g_assert_true (update (fixture, id, "Staging EU", "Second region", NULL,
                         "https://accounts.eu.harness.io/", NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "Staging EU");
  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "Second region");
  g_assert_cmpstr (tessera_credential_get_account_id (credential), ==, ACCOUNT);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, "https://accounts.eu.harness.io");
  g_assert_true (strv_has (notified, "name"));
  g_assert_true (strv_has (notified, "description"));
  g_assert_true (strv_has (notified, "base-url"));
  g_assert_false (strv_has (notified, "account-id"));

  /* The model did not change shape. */
  g_assert_cmpuint (fixture->changes->len, ==, 0);

  /* Same token, same item: the label follows the name, nothing else. */
  secret_id = dup_secret_id (fixture, id);
  g_assert_cmpstr (secret_id, ==, id);
  assert_backend_has (fixture->real, id, token);
  g_assert_cmpuint (test_secret_backend_get_clears (fixture->secrets), ==, 0);

  /* Neither name nor account: the keyring is left alone. */
  test_secret_backend_reset (fixture->secrets);
  g_assert_true (update (fixture, id, NULL, "Only the description", NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "Only the description");
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);

  /* NULL keeps a field; a name differing only in case is its own. */
  g_assert_true (update (fixture, id, "STAGING eu", NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "STAGING eu");
  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "Only the description");

  g_assert_false (update (fixture, id, "other", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN);
  g_clear_error (&error);

  g_assert_false (update (fixture, "no-such-id", "x", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Another account than the token's is refused, token or not. */
  g_assert_false (update (fixture, id, NULL, NULL, OTHER_ACCOUNT, NULL, NULL, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_MISMATCH);
  g_clear_error (&error);
  g_assert_cmpstr (tessera_credential_get_account_id (credential), ==, ACCOUNT);

  g_signal_handlers_disconnect_by_data (credential, notified);

  /* And it all survives a restart. */
  restart (fixture);
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_nonnull (credential);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "STAGING eu");
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, "https://accounts.eu.harness.io");
}

static void
test_update_replace_token (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *old_token = new_token (fixture, ACCOUNT);
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add (fixture, "Rotated", old_token);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autofree char *secret_id = NULL;
  g_autofree char *expected_store = NULL;
  g_autofree char *expected_clear = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  GPtrArray *log;

  test_secret_backend_reset (fixture->secrets);
  g_assert_true (update (fixture, id, NULL, NULL, NULL, NULL, token, &error));
  g_assert_no_error (error);

  /* A new revision under a new item id, written before the old item is
   * cleared. */
  secret_id = dup_secret_id (fixture, id);
  g_assert_cmpstr (secret_id, !=, id);
  g_assert_true (g_uuid_string_is_valid (secret_id));
  expected_store = g_strdup_printf ("store %s", secret_id);
  expected_clear = g_strdup_printf ("clear %s", id);
  log = test_secret_backend_get_log (fixture->secrets);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log, 0), ==, expected_store);
  g_assert_cmpstr (g_ptr_array_index (log, 1), ==, expected_clear);

  assert_backend_has (fixture->real, secret_id, token);
  assert_backend_has (fixture->real, id, NULL);

  /* After a restart the store reads the new item. */
  restart (fixture);
  value = lookup_token (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, token) == 0);
  tessera_secure_clear (&value);

  /* And once more: each revision gets a fresh id. */
  {
    const char *third = new_token (fixture, ACCOUNT);
    g_autofree char *third_id = NULL;

    g_assert_true (update (fixture, id, NULL, NULL, NULL, NULL, third, &error));
    g_assert_no_error (error);
    third_id = dup_secret_id (fixture, id);
    g_assert_cmpstr (third_id, !=, secret_id);
    g_assert_cmpstr (third_id, !=, id);
    assert_backend_has (fixture->real, secret_id, NULL);
    assert_backend_has (fixture->real, third_id, third);
  }
}

static void
test_update_token_settings_fail (Fixture       *fixture,
                                 gconstpointer  data)
{
  const char *old_token = new_token (fixture, ACCOUNT);
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add (fixture, "Kept", old_token);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autofree char *keyfile_before = read_keyfile (fixture);
  g_autofree char *keyfile_after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  GPtrArray *log;
  const char *stored;

  test_secret_backend_reset (fixture->secrets);
  fixture->fail_path = g_strdup ("/io/github/tessera/Tessera/credentials/");

  g_assert_false (update (fixture, id, "Renamed", NULL, NULL, NULL, token, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (fixture->failed_writes, ==, 1);

  /* The new item was written, then taken out again; the old one stays. */
  log = test_secret_backend_get_log (fixture->secrets);
  g_assert_cmpuint (log->len, ==, 2);
  stored = g_ptr_array_index (log, 0);
  g_assert_true (g_str_has_prefix (stored, "store "));
  g_assert_cmpstr (stored + strlen ("store "), !=, id);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 1), "clear "));
  g_assert_cmpstr ((char *) g_ptr_array_index (log, 1) + strlen ("clear "), ==, stored + strlen ("store "));
  assert_backend_has (fixture->real, stored + strlen ("store "), NULL);

  g_clear_pointer (&fixture->fail_path, g_free);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "Kept");
  keyfile_after = read_keyfile (fixture);
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  value = lookup_token (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, old_token) == 0);
}

static void
test_update_token_secret_fail (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *old_token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add (fixture, "Kept", old_token);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autofree char *keyfile_before = read_keyfile (fixture);
  g_autofree char *keyfile_after = NULL;
  g_autoptr(GError) failure = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                                                   "The keyring could not complete the request.");
  g_autoptr(GError) error = NULL;

  test_secret_backend_fail_store (fixture->secrets, failure);
  g_assert_false (update (fixture, id, "Renamed", NULL, NULL, NULL, new_token (fixture, ACCOUNT), &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);

  /* Nothing was written. The keyring may have stored the new revision
   * before failing, so only that one is cleared, never the old item. */
  settle ();
  g_assert_cmpuint (test_secret_backend_get_clears (fixture->secrets), ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (test_secret_backend_get_log (fixture->secrets),
                                                      test_secret_backend_get_calls (fixture->secrets) - 1),
                                   "clear "));
  g_assert_cmpstr (strchr (g_ptr_array_index (test_secret_backend_get_log (fixture->secrets),
                                              test_secret_backend_get_calls (fixture->secrets) - 1), ' ') + 1,
                   !=, id);
  keyfile_after = read_keyfile (fixture);
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "Kept");
  assert_backend_has (fixture->real, id, old_token);
}

/* Tests: removing */

static void
test_remove_undo (Fixture       *fixture,
                  gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  const char *b_token = new_token (fixture, ACCOUNT);
  TesseraCredential *b = add (fixture, "B", b_token);
  TesseraCredential *c = add (fixture, "C", new_token (fixture, ACCOUNT));
  g_autofree char *b_id = g_strdup (tessera_credential_get_id (b));
  g_autoptr(GError) error = NULL;

  g_array_set_size (fixture->changes, 0);
  test_secret_backend_reset (fixture->secrets);

  g_assert_true (tessera_store_remove (fixture->store, b_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 1, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 2);
  g_assert_null (tessera_store_lookup (fixture->store, b_id));
  g_assert_null (tessera_store_find_by_name (fixture->store, "B"));

  /* Not deleted yet: the settings still list it. */
  {
    g_auto(GStrv) ids = dup_listed_ids (fixture);

    g_assert_true (g_strv_contains ((const char * const *) ids, b_id));
  }

  /* Removing it again, or something unknown, is an error. */
  g_assert_false (tessera_store_remove (fixture->store, b_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tessera_store_undo_remove (fixture->store, "unknown", &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tessera_store_undo_remove (fixture->store, b_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  assert_change (fixture, 1, 1, 0, 1);
  g_assert_cmpstr (id_at (fixture->store, 0), ==, tessera_credential_get_id (a));
  g_assert_cmpstr (id_at (fixture->store, 1), ==, b_id);
  g_assert_cmpstr (id_at (fixture->store, 2), ==, tessera_credential_get_id (c));
  g_assert_true (tessera_store_lookup (fixture->store, b_id) == b);

  /* Nothing touched the keyring. */
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  assert_backend_has (fixture->real, b_id, b_token);

  /* A removal never committed is forgotten at exit: nothing was lost. */
  g_assert_true (tessera_store_remove (fixture->store, b_id, &error));
  restart (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 3);
  g_assert_nonnull (tessera_store_lookup (fixture->store, b_id));
}

static void
test_remove_commit (Fixture       *fixture,
                    gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  TesseraCredential *b = add (fixture, "B", new_token (fixture, ACCOUNT));
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  g_autofree char *b_id = g_strdup (tessera_credential_get_id (b));
  g_autoptr(GError) error = NULL;
  g_autofree char *keyfile = NULL;
  g_auto(GStrv) ids = NULL;

  g_assert_true (tessera_store_select (fixture->store, b_id, &error));
  g_assert_true (tessera_store_remove (fixture->store, b_id, &error));
  g_assert_null (tessera_store_get_selected (fixture->store));

  g_assert_false (commit_remove (fixture->store, a_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (commit_remove (fixture->store, b_id, &error));
  g_assert_no_error (error);

  /* Gone from the list, the selection, the keyring, and its keys reset
   * rather than left behind. */
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, a_id);
  assert_backend_has (fixture->real, b_id, NULL);
  keyfile = read_keyfile (fixture);
  assert_no_keys (fixture, b_id);
  g_assert_nonnull (strstr (keyfile, a_id));

  g_assert_false (tessera_store_undo_remove (fixture->store, b_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  restart (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);
  g_assert_null (tessera_store_lookup (fixture->store, b_id));
  g_assert_null (tessera_store_get_selected_id (fixture->store));
}

static void
test_commit_all (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *a = g_strdup (tessera_credential_get_id (add (fixture, "A", new_token (fixture, ACCOUNT))));
  g_autofree char *b = g_strdup (tessera_credential_get_id (add (fixture, "B", new_token (fixture, ACCOUNT))));
  g_autofree char *c = g_strdup (tessera_credential_get_id (add (fixture, "C", new_token (fixture, ACCOUNT))));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;

  g_assert_true (tessera_store_remove (fixture->store, a, &error));
  g_assert_true (tessera_store_remove (fixture->store, c, &error));

  tessera_store_commit_all_async (fixture->store, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_commit_all_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_no_error (error);

  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, b);
  assert_backend_has (fixture->real, a, NULL);
  assert_backend_has (fixture->real, c, NULL);

  /* Nothing pending: committing all is a no-op. */
  g_clear_object (&result);
  tessera_store_commit_all_async (fixture->store, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_commit_all_finish (fixture->store, test_wait_for (&result), &error));
  g_clear_object (&result);

  restart (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 1);
}

static void
test_commit_secret_fail (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  g_autofree char *a = g_strdup (tessera_credential_get_id (add (fixture, "A", token)));
  g_autofree char *b = g_strdup (tessera_credential_get_id (add (fixture, "B", new_token (fixture, ACCOUNT))));
  g_autoptr(GError) locked = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED,
                                                  "The keyring is locked. Unlock it and try again.");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;

  g_assert_true (tessera_store_select (fixture->store, a, &error));
  g_assert_true (tessera_store_remove (fixture->store, a, &error));
  g_array_set_size (fixture->changes, 0);

  test_secret_backend_fail_clear (fixture->secrets, locked);
  g_assert_false (commit_remove (fixture->store, a, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);

  /* Back where it was, in the model and in the settings, still selected. */
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  assert_change (fixture, 0, 0, 0, 1);
  g_assert_cmpstr (id_at (fixture->store, 0), ==, a);
  g_assert_cmpstr (id_at (fixture->store, 1), ==, b);
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, a);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, a);
  g_assert_true (tessera_credential_get_selected (tessera_store_lookup (fixture->store, a)));
  assert_backend_has (fixture->real, a, token);

  restart (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 2);
  g_assert_cmpstr (tessera_credential_get_name (tessera_store_lookup (fixture->store, a)), ==, "A");
}

static void
test_commit_settings_fail (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  g_autofree char *a = g_strdup (tessera_credential_get_id (add (fixture, "A", token)));
  g_autoptr(GError) error = NULL;

  g_assert_true (tessera_store_remove (fixture->store, a, &error));
  test_secret_backend_reset (fixture->secrets);
  fixture->fail_path = g_strdup ("/io/github/tessera/Tessera/");

  g_assert_false (commit_remove (fixture->store, a, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_pointer (&fixture->fail_path, g_free);

  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_nonnull (tessera_store_lookup (fixture->store, a));
  assert_backend_has (fixture->real, a, token);
}

/* Tests: selection and restart */

/* The selection contract: the first credential saved is selected (in the
 * same settings write as the list, and for another process too); later
 * ones are not; removing the selected one leaves none selected, and the
 * next one saved is selected again. */
static void
test_first_is_selected (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  TesseraCredential *b = add (fixture, "B", new_token (fixture, ACCOUNT));
  TesseraCredential *c;
  g_autoptr(GSettings) main_settings = NULL;
  g_autofree char *stored = NULL;

  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, a_id);
  g_assert_true (tessera_credential_get_selected (a));
  g_assert_false (tessera_credential_get_selected (b));

  /* Another process (a restart) reads the same. */
  restart (fixture);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, a_id);

  /* The selected one goes: none is selected, and nothing picks another. */
  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_no_error (error);
  commit_remove (fixture->store, a_id, &error);
  g_assert_no_error (error);
  g_assert_null (tessera_store_get_selected_id (fixture->store));
  b = tessera_store_find_by_name (fixture->store, "B");
  g_assert_false (tessera_credential_get_selected (b));

  /* The next one saved is what scripts use. */
  c = add (fixture, "C", new_token (fixture, ACCOUNT));
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, tessera_credential_get_id (c));
  g_assert_false (tessera_credential_get_selected (b));
  main_settings = g_settings_new_with_backend ("io.github.tessera.Tessera", fixture->settings_backend);
  stored = g_settings_get_string (main_settings, "selected-credential");
  g_assert_cmpstr (stored, ==, tessera_credential_get_id (c));
}

static void
test_select (Fixture       *fixture,
             gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  TesseraCredential *b = add (fixture, "B", new_token (fixture, ACCOUNT));
  g_autofree char *b_id = g_strdup (tessera_credential_get_id (b));
  g_autoptr(GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_signal_connect (fixture->store, "notify::selected-id", G_CALLBACK (on_notify), notified);

  g_assert_true (tessera_store_select (fixture->store, b_id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, b_id);
  g_assert_true (tessera_store_get_selected (fixture->store) == b);
  g_assert_true (tessera_credential_get_selected (b));
  g_assert_false (tessera_credential_get_selected (a));
  g_assert_cmpuint (notified->len, ==, 1);

  g_assert_false (tessera_store_select (fixture->store, "no-such-credential", &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, b_id);

  g_assert_true (tessera_store_select (fixture->store, tessera_credential_get_id (a), &error));
  g_assert_true (tessera_credential_get_selected (a));
  g_assert_false (tessera_credential_get_selected (b));

  /* A failed write changes nothing. */
  fixture->fail_path = g_strdup ("/io/github/tessera/Tessera/");
  g_assert_false (tessera_store_select (fixture->store, b_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&fixture->fail_path, g_free);
  g_assert_true (tessera_credential_get_selected (a));

  g_assert_true (tessera_store_select (fixture->store, b_id, &error));
  g_signal_handlers_disconnect_by_data (fixture->store, notified);

  restart (fixture);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, b_id);
  g_assert_true (tessera_credential_get_selected (tessera_store_get_selected (fixture->store)));

  g_assert_true (tessera_store_select (fixture->store, NULL, &error));
  g_assert_null (tessera_store_get_selected (fixture->store));
  g_assert_false (tessera_credential_get_selected (tessera_store_lookup (fixture->store, b_id)));
}

static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) c = NULL;
  char *ids[3] = { NULL, };

  ids[0] = g_strdup (tessera_credential_get_id (add (fixture, "First", new_token (fixture, ACCOUNT))));
  c = add_full (fixture, fixture->store, "Second", "Described", OTHER_ACCOUNT,
                "https://app3.harness.io", new_sat_token (fixture, OTHER_ACCOUNT), NULL, &error);
  g_assert_no_error (error);
  ids[1] = g_strdup (tessera_credential_get_id (c));
  ids[2] = g_strdup (tessera_credential_get_id (add (fixture, "Third", new_token (fixture, ACCOUNT))));

  restart (fixture);
  settle ();

  /* Start-up read the settings and nothing else. */
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (id_at (fixture->store, i), ==, ids[i]);

  {
    TesseraCredential *second = tessera_store_lookup (fixture->store, ids[1]);

    g_assert_cmpstr (tessera_credential_get_name (second), ==, "Second");
    g_assert_cmpstr (tessera_credential_get_description (second), ==, "Described");
    g_assert_cmpstr (tessera_credential_get_account_id (second), ==, OTHER_ACCOUNT);
    g_assert_cmpstr (tessera_credential_get_base_url (second), ==, "https://app3.harness.io");
    g_assert_cmpint (tessera_credential_get_kind (second), ==, TESSERA_CREDENTIAL_KIND_SAT);
    g_assert_cmpstr (tessera_credential_get_token_hint (second), ==, "sat." OTHER_ACCOUNT ".••••");
  }

  for (guint i = 0; i < 3; i++)
    g_free (ids[i]);
}

/* Tests: failures */

static void
test_add_secret_fail (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) failure = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE,
                                                   "No keyring is running.");
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *keyfile = NULL;

  test_secret_backend_fail_store (fixture->secrets, failure);
  credential = add_full (fixture, fixture->store, "Nope", "", "", NULL,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_assert_null (credential);

  /* Nothing written anywhere. */
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 1);
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  keyfile = read_keyfile (fixture);
  g_assert_null (strstr (keyfile, "Nope"));
  g_assert_null (strstr (keyfile, "credentials/"));
}

static void
check_add_settings_fail (Fixture    *fixture,
                         const char *fail_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *stored_id = NULL;
  GPtrArray *log;

  fixture->fail_path = g_strdup (fail_path);
  credential = add_full (fixture, fixture->store, "Nope", "", "", NULL,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_assert_null (credential);
  g_assert_cmpuint (fixture->failed_writes, ==, 1);

  /* The secret was stored, then removed again. */
  log = test_secret_backend_get_log (fixture->secrets);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 0), "store "));
  stored_id = g_strdup ((char *) g_ptr_array_index (log, 0) + strlen ("store "));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (log, 1), "clear "));
  g_assert_cmpstr ((char *) g_ptr_array_index (log, 1) + strlen ("clear "), ==, stored_id);
  assert_backend_has (fixture->real, stored_id, NULL);

  /* And no metadata is left behind. */
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  keyfile = read_keyfile (fixture);
  g_assert_null (strstr (keyfile, "Nope"));
  assert_no_keys (fixture, stored_id);

  restart (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
}

static void
test_add_credential_settings_fail (Fixture       *fixture,
                                   gconstpointer  data)
{
  check_add_settings_fail (fixture, "/io/github/tessera/Tessera/credentials/");
}

static gboolean
fail_main_path_only (TesseraStore *store,
                     const char   *path,
                     gpointer      user_data)
{
  Fixture *fixture = user_data;

  if (strcmp (path, "/io/github/tessera/Tessera/") == 0)
    {
      fixture->failed_writes++;
      return FALSE;
    }

  return TRUE;
}

static void
test_add_list_fail (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *stored_id = NULL;
  GPtrArray *log;

  tessera_store_set_write_hook (fixture->store, fail_main_path_only, fixture);
  credential = add_full (fixture, fixture->store, "Nope", "", "", NULL,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_assert_null (credential);
  g_assert_cmpuint (fixture->failed_writes, ==, 1);

  log = test_secret_backend_get_log (fixture->secrets);
  g_assert_cmpuint (log->len, ==, 2);
  stored_id = g_strdup ((char *) g_ptr_array_index (log, 0) + strlen ("store "));
  assert_backend_has (fixture->real, stored_id, NULL);

  /* The credential's keys, written before the list failed, were reset. */
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  ids = dup_listed_ids (fixture);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  keyfile = read_keyfile (fixture);
  g_assert_null (strstr (keyfile, "Nope"));
  assert_no_keys (fixture, stored_id);
}

static void
test_token_missing (Fixture       *fixture,
                    gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  TesseraCredential *b = add (fixture, "B", new_token (fixture, ACCOUNT));
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  const char *replacement = new_token (fixture, ACCOUNT);

  /* Someone deleted the item in Seahorse. */
  backend_clear (fixture->real, a_id);

  value = lookup_token (fixture->store, a_id, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
  g_assert_true (tessera_credential_get_needs_attention (a));
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  /* Never deleted automatically, and remembered across a restart. */
  restart (fixture);
  a = tessera_store_lookup (fixture->store, a_id);
  g_assert_nonnull (a);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);

  /* A new key makes it whole again. */
  g_assert_true (update (fixture, a_id, NULL, NULL, NULL, NULL, replacement, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  value = lookup_token (fixture->store, a_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, replacement) == 0);

  g_assert_null (lookup_token (fixture->store, "unknown", &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
}

static void
test_reconcile (Fixture       *fixture,
                gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  const char *b_token = new_token (fixture, ACCOUNT);
  TesseraCredential *b = add (fixture, "B", b_token);
  TesseraCredential *c = add (fixture, "C", new_token (fixture, ACCOUNT));
  g_autofree char *b_id = g_strdup (tessera_credential_get_id (b));
  g_autoptr(GError) error = NULL;

  backend_clear (fixture->real, b_id);
  test_secret_backend_reset (fixture->secrets);

  g_assert_true (reconcile (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_secret_backend_get_lookups (fixture->secrets), ==, 3);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
  g_assert_cmpint (tessera_credential_get_status (c), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 3);

  /* The item comes back (restored from a backup): so does the status. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    tessera_secret_backend_store_async (fixture->real, b_id, "restored", b_token, NULL, test_wait_on_ready, &result);
    g_assert_true (tessera_secret_backend_store_finish (fixture->real, test_wait_for (&result), &error));
  }
  g_assert_true (reconcile (fixture->store, &error));
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
}

/* A keyring that refuses to answer proves nothing: nothing changes. */
static void
check_unavailable_keyring_changes_nothing (Fixture      *fixture,
                                           const GError *failure)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  TesseraCredential *b = add (fixture, "B", new_token (fixture, ACCOUNT));
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  g_autofree char *keyfile_before = NULL;
  g_autofree char *keyfile_after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autoptr(TesseraCredential) added = NULL;

  backend_clear (fixture->real, tessera_credential_get_id (b));
  keyfile_before = read_keyfile (fixture);
  g_array_set_size (fixture->changes, 0);

  test_secret_backend_fail_lookup (fixture->secrets, failure);
  test_secret_backend_fail_store (fixture->secrets, failure);
  test_secret_backend_fail_clear (fixture->secrets, failure);

  g_assert_false (reconcile (fixture->store, &error));
  g_assert_error (error, failure->domain, failure->code);
  g_clear_error (&error);

  value = lookup_token (fixture->store, a_id, &error);
  g_assert_error (error, failure->domain, failure->code);
  g_clear_error (&error);

  {
    g_autoptr(GAsyncResult) result = NULL;

    tessera_store_verify_async (fixture->store, a_id, NULL, test_wait_on_ready, &result);
    g_assert_cmpint (tessera_store_verify_finish (fixture->store, test_wait_for (&result), &error), ==,
                     TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
    g_assert_error (error, failure->domain, failure->code);
    g_clear_error (&error);
    g_assert_false (tessera_credential_get_checking (a));
  }

  added = add_full (fixture, fixture->store, "C", "", "", NULL, new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, failure->domain, failure->code);
  g_clear_error (&error);

  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_false (commit_remove (fixture->store, a_id, &error));
  g_assert_error (error, failure->domain, failure->code);
  g_clear_error (&error);

  /* The same statuses, the same items in the same order, the same file. */
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 2);
  g_assert_cmpstr (id_at (fixture->store, 0), ==, a_id);
  keyfile_after = read_keyfile (fixture);
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
}

static void
test_keyring_locked (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) failure = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED,
                                                   "The keyring is locked. Unlock it and try again.");

  check_unavailable_keyring_changes_nothing (fixture, failure);
}

static void
test_keyring_absent (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) failure = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE,
                                                   "No keyring is running.");

  check_unavailable_keyring_changes_nothing (fixture, failure);
}

/* Tests: the real Secret Service */

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

static void
lock_login_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();

  test_keyring_lock_login (bus);
}

/* Unlocks without a prompt, the way gnome-keyring's own login does. */
static void
unlock_login_keyring (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  const char *password = g_getenv ("TESSERA_KEYRING_PASSWORD");

  /* What build-aux/session unlocks with, unless told otherwise. */
  test_keyring_unlock_login (bus, password != NULL ? password : "tessera-test");
}

/* A locked gnome-keyring whose unlock prompt goes away unanswered (in the
 * test session, the prompter cannot start). libsecret reports such a
 * lookup as "nothing found"; the store must not believe it. */
static void
test_real_keyring_locked (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *a = add (fixture, "A", token);
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  g_autofree char *keyfile_before = read_keyfile (fixture);
  g_autofree char *keyfile_after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;
  g_autoptr(TesseraCredential) added = NULL;

  lock_login_keyring ();

  value = lookup_token (fixture->store, a_id, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  g_assert_false (reconcile (fixture->store, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  added = add_full (fixture, fixture->store, "B", "", "", NULL, new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_null (added);

  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_false (commit_remove (fixture->store, a_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_true (tessera_store_lookup (fixture->store, a_id) == a);

  keyfile_after = read_keyfile (fixture);
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  unlock_login_keyring ();
  value = lookup_token (fixture->store, a_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, token) == 0);
}

typedef struct
{
  guint       n_items;
  char       *label;        /* of the last item */
  char       *schema;
  GHashTable *attributes;   /* name → value, of all items together */
  guint       n_attributes; /* attribute lines, of all items together */
} ToolReport;

static void
tool_report_free (ToolReport *report)
{
  g_free (report->label);
  g_free (report->schema);
  g_hash_table_unref (report->attributes);
  g_free (report);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ToolReport, tool_report_free)

/* Runs `secret-tool search --all xdg:schema <schema> [credential-id <id>]`.
 * It prints each item's label and schema on stdout and its attributes on
 * stderr; the "secret = " lines are skipped without being kept. */
static ToolReport *
secret_tool_search (const char *secret_id)
{
  const char *argv[] = { "secret-tool", "search", "--all", "xdg:schema", SCHEMA_NAME,
                         secret_id != NULL ? "credential-id" : NULL, secret_id, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) out_lines = NULL;
  g_auto(GStrv) err_lines = NULL;
  ToolReport *report = g_new0 (ToolReport, 1);
  int status;

  report->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);

  out_lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; out_lines[i] != NULL; i++)
    {
      const char *line = out_lines[i];

      if (line[0] == '[')
        report->n_items++;
      else if (g_str_has_prefix (line, "label = "))
        {
          g_free (report->label);
          report->label = g_strdup (line + strlen ("label = "));
        }
      else if (g_str_has_prefix (line, "schema = "))
        {
          g_free (report->schema);
          report->schema = g_strdup (line + strlen ("schema = "));
        }
    }

  err_lines = g_strsplit (err, "\n", -1);
  for (guint i = 0; err_lines[i] != NULL; i++)
    {
      const char *line = err_lines[i];
      const char *eq = strstr (line, " = ");

      if (!g_str_has_prefix (line, "attribute.") || eq == NULL)
        continue;

      report->n_attributes++;
      g_hash_table_insert (report->attributes,
                           g_strndup (line + strlen ("attribute."), eq - line - strlen ("attribute.")),
                           g_strdup (eq + 3));
    }

  return report;
}

static void
test_secret_tool (Fixture       *fixture,
                  gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "Production", new_token (fixture, ACCOUNT));
  g_autofree char *a_id = g_strdup (tessera_credential_get_id (a));
  g_autofree char *secret_id = NULL;
  g_autoptr(ToolReport) report = secret_tool_search (a_id);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer name;

  g_assert_cmpuint (report->n_items, ==, 1);
  g_assert_cmpstr (report->label, ==, "Harness API key: Production (" ACCOUNT ")");
  g_assert_cmpstr (report->schema, ==, SCHEMA_NAME);
  g_assert_cmpuint (report->n_attributes, ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (report->attributes, "credential-id"), ==, a_id);
  g_assert_cmpstr (g_hash_table_lookup (report->attributes, "schema-version"), ==, "1");

  /* Every item of the schema, whoever stored it, has these two only. */
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (NULL);
  g_assert_cmpuint (report->n_items, >=, 1);
  g_assert_cmpuint (report->n_attributes, ==, 2 * report->n_items);
  g_hash_table_iter_init (&iter, report->attributes);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_assert_true (strcmp (name, "credential-id") == 0 || strcmp (name, "schema-version") == 0);

  /* A rename relabels the same item. */
  g_assert_true (update (fixture, a_id, "Production EU", NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (a_id);
  g_assert_cmpuint (report->n_items, ==, 1);
  g_assert_cmpstr (report->label, ==, "Harness API key: Production EU (" ACCOUNT ")");

  /* A new token: a new item, and the old one gone. */
  g_assert_true (update (fixture, a_id, NULL, NULL, NULL, NULL, new_token (fixture, ACCOUNT), &error));
  g_assert_no_error (error);
  secret_id = dup_secret_id (fixture, a_id);
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (a_id);
  g_assert_cmpuint (report->n_items, ==, 0);
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (secret_id);
  g_assert_cmpuint (report->n_items, ==, 1);
  g_assert_cmpuint (report->n_attributes, ==, 2);
  g_assert_cmpstr (report->label, ==, "Harness API key: Production EU (" ACCOUNT ")");

  /* Removed: no item left. */
  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_true (commit_remove (fixture->store, a_id, &error));
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (secret_id);
  g_assert_cmpuint (report->n_items, ==, 0);
}

/* No Secret Service on the bus: a private bus with no services at all. */
static void
test_no_secret_service (Fixture       *fixture,
                        gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GTestDBus) bus = NULL;
      g_autoptr(TesseraSecretBackend) backend = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(TesseraCredential) credential = NULL;
      g_auto(TesseraSecret) value = NULL;

      g_unsetenv ("SECRET_BACKEND");
      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);

      backend = tessera_libsecret_backend_new ();
      g_assert_false (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (backend)));
      value = backend_lookup (backend, "some-id", &error);
      g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
      g_clear_error (&error);

      /* The store built on it refuses to add, and writes nothing. */
      {
        g_autoptr(TestSecretBackend) counting = test_secret_backend_new (backend);
        g_autoptr(GSettingsBackend) settings_backend = NULL;
        g_autoptr(TesseraStore) store = open_store (fixture, counting, &settings_backend);
        g_autofree char *token = make_token ("pat", ACCOUNT);

        credential = add_full (fixture, store, "Nope", "", "", NULL, token, NULL, &error);
        g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
        g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
        g_assert_null (strstr (error->message, token));
      }

      g_test_dbus_down (bus);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* libsecret's file backend has no bus: with no session bus at all it
 * still works, and a failure there is never "no Secret Service". */
static void
test_file_backend_without_bus (Fixture       *fixture,
                               gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("tessera-test-nobus-XXXXXX", NULL);
      g_autofree char *keyring = g_build_filename (dir, "test.keyring", NULL);
      g_autoptr(TesseraSecretBackend) backend = NULL;
      g_autoptr(TestSecretBackend) counting = NULL;
      g_autoptr(GSettingsBackend) settings_backend = NULL;
      g_autoptr(TesseraStore) store = NULL;
      g_autoptr(TesseraCredential) credential = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *token = make_token ("pat", ACCOUNT);
      g_auto(TesseraSecret) value = NULL;

      g_setenv ("SECRET_BACKEND", "file", TRUE);
      g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
      g_setenv ("SECRET_FILE_TEST_PASSWORD", "another-password", TRUE);
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tessera-test-bus", TRUE);

      backend = tessera_libsecret_backend_new ();
      g_assert_true (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (backend)));
      counting = test_secret_backend_new (backend);
      store = open_store (fixture, counting, &settings_backend);

      credential = add_full (fixture, store, "Offline desktop", "", "", NULL, token, NULL, &error);
      g_assert_no_error (error);
      value = lookup_token (store, tessera_credential_get_id (credential), &error);
      g_assert_no_error (error);
      g_assert_true (g_strcmp0 (value, token) == 0);
      /* The file keyring is encrypted: the token is not in it as text. */
      g_assert_true (g_file_test (keyring, G_FILE_TEST_EXISTS));
      g_assert_false (file_contains (keyring, token));

      g_clear_object (&credential);
      g_assert_finalize_object (g_steal_pointer (&store));
      g_unlink (keyring);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_translate_error (void)
{
  static const struct
  {
    GQuark (*domain) (void);
    int    code;
    gboolean uses_file;
    int    expected;     /* -1: passed on as is */
  } cases[] = {
    { g_dbus_error_quark, G_DBUS_ERROR_SERVICE_UNKNOWN, FALSE, TESSERA_STORE_ERROR_NO_SECRET_SERVICE },
    { g_dbus_error_quark, G_DBUS_ERROR_NAME_HAS_NO_OWNER, FALSE, TESSERA_STORE_ERROR_NO_SECRET_SERVICE },
    { g_dbus_error_quark, G_DBUS_ERROR_SPAWN_EXEC_FAILED, FALSE, TESSERA_STORE_ERROR_NO_SECRET_SERVICE },
    { g_io_error_quark, G_IO_ERROR_NOT_FOUND, FALSE, TESSERA_STORE_ERROR_NO_SECRET_SERVICE },
    { g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED, FALSE, TESSERA_STORE_ERROR_NO_SECRET_SERVICE },
    /* The file backend has no bus to be missing from. */
    { g_dbus_error_quark, G_DBUS_ERROR_SERVICE_UNKNOWN, TRUE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE, TESSERA_STORE_ERROR_SECRET_FAILED },
    /* Gone mid-call. */
    { g_dbus_error_quark, G_DBUS_ERROR_NO_REPLY, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { g_dbus_error_quark, G_DBUS_ERROR_DISCONNECTED, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { g_io_error_quark, G_IO_ERROR_CLOSED, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { g_io_error_quark, G_IO_ERROR_CONNECTION_CLOSED, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    /* Locked, the prompt dismissed. */
    { secret_error_get_quark, SECRET_ERROR_IS_LOCKED, FALSE, TESSERA_STORE_ERROR_KEYRING_LOCKED },
    { secret_error_get_quark, SECRET_ERROR_IS_LOCKED, TRUE, TESSERA_STORE_ERROR_KEYRING_LOCKED },
    { secret_error_get_quark, SECRET_ERROR_PROTOCOL, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { secret_error_get_quark, SECRET_ERROR_NO_SUCH_OBJECT, FALSE, TESSERA_STORE_ERROR_SECRET_FAILED },
    { g_io_error_quark, G_IO_ERROR_CANCELLED, FALSE, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) input = g_error_new_literal (cases[i].domain (), cases[i].code,
                                                     "org.freedesktop.DBus.Error.Something: detail");
      g_autoptr(GError) output = tessera_libsecret_backend_translate_error (input, cases[i].uses_file);

      g_test_message ("case %u", i);
      if (cases[i].expected < 0)
        {
          g_assert_error (output, cases[i].domain (), cases[i].code);
          continue;
        }

      g_assert_error (output, TESSERA_STORE_ERROR, cases[i].expected);
      /* A plain sentence, not the D-Bus detail. */
      g_assert_null (strstr (output->message, "org.freedesktop"));
      g_assert_true (g_str_has_suffix (output->message, "."));
    }
}

static void
test_uses_file (void)
{
  g_autoptr(TesseraSecretBackend) backend = tessera_libsecret_backend_new ();

  g_assert_true (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (backend)) == !service_mode);
}

/* Tests: another process */

typedef struct
{
  TesseraStore *store;
  guint         n_items;
} CountWait;

static gboolean
has_n_items (gpointer data)
{
  CountWait *wait = data;

  return g_list_model_get_n_items (G_LIST_MODEL (wait->store)) == wait->n_items;
}

typedef struct
{
  TesseraCredential *credential;
  const char        *name;
} NameWait;

static gboolean
has_name (gpointer data)
{
  NameWait *wait = data;

  return g_strcmp0 (tessera_credential_get_name (wait->credential), wait->name) == 0;
}

typedef struct
{
  TesseraStore *store;
  const char   *id;
} SelectWait;

static gboolean
has_selected (gpointer data)
{
  SelectWait *wait = data;

  return g_strcmp0 (tessera_store_get_selected_id (wait->store), wait->id) == 0;
}

/* The window's store follows what the command line (another process, so
 * another settings backend over the same file) does. */
static void
test_follow_other_process (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(TestSecretBackend) cli_secrets = test_secret_backend_new (fixture->real);
  g_autoptr(GSettingsBackend) cli_backend = NULL;
  g_autoptr(TesseraStore) cli = open_store (fixture, cli_secrets, &cli_backend);
  const char *token = new_token (fixture, ACCOUNT);
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *seen;
  g_auto(TesseraSecret) value = NULL;
  CountWait count = { fixture->store, 1 };
  NameWait name = { NULL, "Renamed by the CLI" };
  SelectWait select = { fixture->store, NULL };

  added = add_full (fixture, cli, "From the CLI", "", "", NULL, token, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (tessera_credential_get_id (added));

  test_wait_until (has_n_items, &count, "the window to see the new credential");
  assert_change (fixture, 0, 0, 0, 1);
  seen = tessera_store_lookup (fixture->store, id);
  g_assert_nonnull (seen);
  g_assert_cmpstr (tessera_credential_get_name (seen), ==, "From the CLI");
  value = lookup_token (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, token) == 0);

  {
    g_autoptr(GAsyncResult) result = NULL;

    tessera_store_update_async (cli, id, "Renamed by the CLI", NULL, NULL, NULL, NULL, NULL,
                                NULL, test_wait_on_ready, &result);
    g_assert_true (tessera_store_update_finish (cli, test_wait_for (&result), &error));
  }
  name.credential = seen;
  test_wait_until (has_name, &name, "the window to see the rename");

  g_assert_true (tessera_store_select (cli, id, &error));
  select.id = id;
  test_wait_until (has_selected, &select, "the window to see the selection");
  g_assert_true (tessera_credential_get_selected (seen));

  g_assert_true (tessera_store_remove (cli, id, &error));
  g_assert_true (commit_remove (cli, id, &error));
  count.n_items = 0;
  test_wait_until (has_n_items, &count, "the window to see the removal");
  g_assert_null (tessera_store_get_selected (fixture->store));

  g_clear_object (&added);
  g_assert_finalize_object (g_steal_pointer (&cli));
}

/* Start-up reads every credential without a GSettings object each, then
 * follows them in the background: an edit made elsewhere before a
 * credential is followed is not lost, and later ones arrive too. */
static void
test_follow_before_watched (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GSettingsBackend) other_backend = NULL;
  g_autoptr(GSettings) other = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source, SCHEMA_NAME, TRUE);
  TesseraCredential *first;
  NameWait name = { NULL, "Renamed before it was followed" };

  id = g_strdup (tessera_credential_get_id (add (fixture, "First", new_token (fixture, ACCOUNT))));
  add (fixture, "Second", new_token (fixture, ACCOUNT));
  restart (fixture);

  first = tessera_store_lookup (fixture->store, id);
  g_assert_cmpstr (tessera_credential_get_name (first), ==, "First");
  g_assert_false (_tessera_credential_get_watched (first));

  /* Another process renames it before this store ran its main loop
   * (its backend reads the file as it is now). */
  other_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);
  other = g_settings_new_full (schema, other_backend, path);
  g_assert_true (g_settings_set_string (other, "name", name.name));
  g_settings_sync ();

  name.credential = first;
  test_wait_until (has_name, &name, "the store to see the early rename");
  settle ();
  g_assert_true (_tessera_credential_get_watched (first));
  {
    TesseraCredential *second = tessera_store_lookup (fixture->store, id_at (fixture->store, 1));

    /* Followed before anything read it: its values came with following. */
    g_assert_true (_tessera_credential_get_watched (second));
    g_assert_cmpstr (tessera_credential_get_name (second), ==, "Second");
    g_assert_cmpint (tessera_credential_get_kind (second), ==, TESSERA_CREDENTIAL_KIND_PAT);
  }

  name.name = "Renamed once followed";
  g_assert_true (g_settings_set_string (other, "name", name.name));
  g_settings_sync ();
  test_wait_until (has_name, &name, "the store to see the later rename");
}

/* The command line's store follows no credential, and still sees its own
 * changes. */
static void
test_unwatched_store (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(TestSecretBackend) cli_secrets = test_secret_backend_new (fixture->real);
  g_autoptr(GSettingsBackend) cli_backend = NULL;
  g_autoptr(TesseraStore) cli = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) added = NULL;
  const char *id;
  TesseraCredential *seen;

  added = add_full (fixture, fixture->store, "Kept", "Its description", OTHER_ACCOUNT,
                    NULL, new_sat_token (fixture, OTHER_ACCOUNT), NULL, &error);
  g_assert_no_error (error);
  id = tessera_credential_get_id (added);

  cli = open_store (fixture, cli_secrets, &cli_backend);
  tessera_store_set_watch_credentials (cli, FALSE);
  settle ();

  seen = tessera_store_lookup (cli, id);
  g_assert_nonnull (seen);
  g_assert_false (_tessera_credential_get_watched (seen));
  g_assert_cmpstr (tessera_credential_get_name (seen), ==, "Kept");
  g_assert_cmpstr (tessera_credential_get_description (seen), ==, "Its description");
  g_assert_cmpstr (tessera_credential_get_account_id (seen), ==, OTHER_ACCOUNT);
  g_assert_cmpint (tessera_credential_get_kind (seen), ==, TESSERA_CREDENTIAL_KIND_SAT);
  g_assert_cmpint (tessera_credential_get_created (seen), >, 0);

  tessera_store_update_async (cli, id, "Changed", NULL, NULL, NULL, NULL, NULL, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_update_finish (cli, test_wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_name (seen), ==, "Changed");
  g_assert_false (_tessera_credential_get_watched (seen));
}

/* Values of the wrong type or out of range (a hand-edited file) read as
 * the schema's defaults, as GSettings would give them. */
static void
test_malformed_values (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *group = NULL;
  TesseraCredential *odd;

  id = g_strdup (tessera_credential_get_id (add (fixture, "Odd", new_token (fixture, ACCOUNT))));
  g_assert_cmpint (tessera_credential_get_kind (tessera_store_lookup (fixture->store, id)), ==,
                   TESSERA_CREDENTIAL_KIND_PAT);

  group = g_strdup_printf ("io/github/tessera/Tessera/credentials/%s", id);
  g_assert_true (g_key_file_load_from_file (keyfile, fixture->keyfile, G_KEY_FILE_KEEP_COMMENTS, &error));
  g_assert_no_error (error);
  g_key_file_set_string (keyfile, group, "status", "'no-such-status'");
  g_key_file_set_string (keyfile, group, "kind", "42");
  g_key_file_set_string (keyfile, group, "created", "'yesterday'");
  g_key_file_set_string (keyfile, group, "description", "not GVariant text");
  g_assert_true (g_key_file_save_to_file (keyfile, fixture->keyfile, &error));
  g_assert_no_error (error);

  restart (fixture);
  odd = tessera_store_lookup (fixture->store, id);
  g_assert_nonnull (odd);
  g_assert_cmpstr (tessera_credential_get_name (odd), ==, "Odd");
  g_assert_cmpint (tessera_credential_get_status (odd), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_kind (odd), ==, TESSERA_CREDENTIAL_KIND_UNKNOWN);
  g_assert_cmpint (tessera_credential_get_created (odd), ==, 0);

  /* Whatever GSettings makes of text that is not GVariant text, so does
   * the store. */
  {
    g_autoptr(GSettings) settings = credential_settings (fixture, id);
    g_autofree char *description = g_settings_get_string (settings, "description");

    g_assert_cmpstr (tessera_credential_get_description (odd), ==, description);
    g_assert_cmpint (tessera_credential_get_status (odd), ==, g_settings_get_enum (settings, "status"));
    g_assert_cmpint (tessera_credential_get_created (odd), ==, g_settings_get_int64 (settings, "created"));
  }
}

/* Tests: verification against the fake Harness */

#define TEST_TYPE_NETWORK_MONITOR (test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestNetworkMonitor, test_network_monitor, TEST, NETWORK_MONITOR, GObject)

struct _TestNetworkMonitor
{
  GObject  parent_instance;
  gboolean available;
};

static void test_network_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_network_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNetworkMonitor, test_network_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_network_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_network_monitor_iface_init))

enum { MONITOR_PROP_0, MONITOR_PROP_AVAILABLE, MONITOR_PROP_METERED, MONITOR_PROP_CONNECTIVITY };

static gboolean
test_network_monitor_can_reach (GNetworkMonitor     *monitor,
                                GSocketConnectable  *connectable,
                                GCancellable        *cancellable,
                                GError             **error)
{
  return TEST_NETWORK_MONITOR (monitor)->available;
}

static void
test_network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_network_monitor_can_reach;
}

static gboolean
test_network_monitor_init_initable (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
test_network_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_network_monitor_init_initable;
}

static void
test_network_monitor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TestNetworkMonitor *self = TEST_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_network_monitor_class_init (TestNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_network_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_network_monitor_init (TestNetworkMonitor *self)
{
  self->available = TRUE;
}

static TesseraCredential *
add_for_fake (Fixture     *fixture,
              FakeHarness *fake,
              const char  *name,
              const char  *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;

  credential = add_full (fixture, fixture->store, name, "", "", fake_harness_get_base_url (fake),
                         token, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

static TesseraCredentialStatus
verify (TesseraStore  *store,
        const char    *id,
        GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_verify_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_verify_finish (store, test_wait_for (&result), error);
}

static void
test_verify (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *good = new_token (fixture, ACCOUNT);
  const char *expired = new_token (fixture, ACCOUNT);
  const char *revoked = new_token (fixture, ACCOUNT);
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 valid_to = now_ms + (gint64) 10 * 24 * 3600 * 1000 - 3600 * 1000;
  TesseraCredential *credential;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  fake_harness_add_token (fake, good, TESSERA_CREDENTIAL_KIND_PAT, valid_to, 0, "Grace Hopper", "grace@example.com");
  fake_harness_add_token (fake, expired, TESSERA_CREDENTIAL_KIND_PAT, now_ms - 3600 * 1000, 0, "Old", "old@example.com");
  fake_harness_add_token (fake, revoked, TESSERA_CREDENTIAL_KIND_PAT, valid_to, 0, "Gone", "gone@example.com");
  fake_harness_set_account_name (fake, ACCOUNT, "Compilers Inc");

  credential = add_for_fake (fixture, fake, "Good", good);
  id = g_strdup (tessera_credential_get_id (credential));
  g_signal_connect (credential, "notify::checking", G_CALLBACK (on_notify), notified);

  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Grace Hopper");
  g_assert_cmpstr (tessera_credential_get_owner_email (credential), ==, "grace@example.com");
  g_assert_cmpstr (tessera_credential_get_account_name (credential), ==, "Compilers Inc");
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, valid_to);
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, 10);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), >, 0);
  g_assert_false (tessera_credential_get_needs_attention (credential));
  /* "checking" went on, then off. */
  g_assert_cmpuint (notified->len, ==, 2);
  g_assert_false (tessera_credential_get_checking (credential));
  g_signal_handlers_disconnect_by_data (credential, notified);

  /* The token reached Harness in the header, and nowhere in the URL. */
  for (guint i = 0; i < fake_harness_get_n_requests (fake); i++)
    {
      const FakeHarnessRequest *request = fake_harness_get_request (fake, i);

      g_assert_true (g_strcmp0 (fake_harness_request_get_header (request, "x-api-key"), good) == 0);
      g_assert_null (strstr (request->path, good));
      g_assert_true (request->query == NULL || strstr (request->query, good) == NULL);
    }

  /* Revoked: Harness forgot it. Rejected, with the reason. */
  credential = add_for_fake (fixture, fake, "Revoked", revoked);
  fake_harness_remove_token (fake, revoked);
  g_assert_cmpint (verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), !=, "");
  g_assert_true (tessera_credential_get_needs_attention (credential));

  credential = add_for_fake (fixture, fake, "Expired", expired);
  g_assert_cmpint (verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_EXPIRED);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_EXPIRED);

  /* 403 on validate: forbidden, not rejected. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .status = 403,
      .body = "{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\",\"message\":\"denied\",\"correlationId\":\"corr-403\"}" });
  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_FORBIDDEN);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_FORBIDDEN);
  g_clear_error (&error);
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_FORBIDDEN);
  g_assert_cmpstr (tessera_credential_get_correlation_id (credential), ==, "corr-403");

  /* The key itself is gone from the keyring: token-missing, no request. */
  fake_harness_clear_requests (fake);
  backend_clear (fixture->real, id);
  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING);
  g_clear_error (&error);
  g_assert_cmpuint (fake_harness_get_n_requests (fake), ==, 0);
}

typedef struct
{
  FakeHarness *fake;
  guint        n_requests;
} RequestWait;

static gboolean
has_requests (gpointer data)
{
  RequestWait *wait = data;

  return fake_harness_get_n_requests (wait->fake) >= wait->n_requests;
}

static void
test_verify_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential;
  RequestWait wait = { fake, 1 };

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", NULL);
  credential = add_for_fake (fixture, fake, "Patient", token);
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .never_answer = TRUE });

  tessera_store_verify_async (fixture->store, tessera_credential_get_id (credential), cancellable,
                              test_wait_on_ready, &result);
  test_wait_until (has_requests, &wait, "the request to reach the fake Harness");
  g_assert_true (tessera_credential_get_checking (credential));

  /* Checking it twice at once is refused. */
  g_assert_cmpint (verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (tessera_store_verify_finish (fixture->store, test_wait_for (&result), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (tessera_credential_get_checking (credential));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, "");
}

static void
test_verify_unreachable (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(TestNetworkMonitor) offline = g_object_new (TEST_TYPE_NETWORK_MONITOR, NULL);
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential;
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 verified_at;

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", "ada@example.com");
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  credential = add_for_fake (fixture, fake, "Flaky", token);
  id = g_strdup (tessera_credential_get_id (credential));

  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  verified_at = tessera_credential_get_last_verified (credential);

  /* Harness keeps failing with 5xx: could not check, never "rejected". */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .status = 503, .times = 10, .body = "{}" });
  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_true (tessera_harness_error_is_transient (error));
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, verified_at);
  /* What Harness said last time stays. */
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada");
  fake_harness_clear_replies (fake);

  /* An HTML page from a proxy: the same. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .status = 401, .content_type = "text/html", .body = "<!doctype html><p>Sign in</p>" });
  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_clear_error (&error);

  /* Offline: the network is not even tried. */
  tessera_store_set_network_monitor (fixture->store, G_NETWORK_MONITOR (offline));
  offline->available = FALSE;
  {
    g_autoptr(TesseraCredential) remote = NULL;
    guint requests = tessera_harness_client_get_n_requests (tessera_store_get_client (fixture->store));

    remote = add_full (fixture, fixture->store, "Remote", "", "", "https://harness.invalid",
                       new_token (fixture, ACCOUNT), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (verify (fixture->store, tessera_credential_get_id (remote), &error), ==,
                     TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
    g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NETWORK);
    g_clear_error (&error);
    g_assert_cmpint (tessera_credential_get_status (remote), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
    g_assert_cmpuint (tessera_harness_client_get_n_requests (tessera_store_get_client (fixture->store)), ==,
                      requests);
  }

  /* A loopback server is tried even when the monitor says offline. */
  g_assert_cmpint (verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
}

static void
test_verify_refused (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autofree char *base_url = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  base_url = g_strdup_printf ("http://127.0.0.1:%u", port);

  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  credential = add_full (fixture, fixture->store, "Nobody home", "", "", base_url,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_true (tessera_harness_error_is_transient (error));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
}

typedef struct
{
  guint running;
  guint max_running;
} Concurrency;

static void
on_checking (TesseraCredential *credential,
             GParamSpec        *pspec,
             Concurrency       *concurrency)
{
  if (tessera_credential_get_checking (credential))
    {
      concurrency->running++;
      concurrency->max_running = MAX (concurrency->max_running, concurrency->running);
    }
  else
    {
      concurrency->running--;
    }
}

static void
on_progress (TesseraStore *store,
             guint         done,
             guint         total,
             GArray       *progress)
{
  g_assert_cmpuint (done, <=, total);
  g_array_append_val (progress, done);
}

static void
test_verify_all (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) verifying = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Concurrency concurrency = { 0, 0 };
  const guint n = 12;

  g_assert_cmpuint (tessera_store_get_max_concurrent (fixture->store), ==, 8);
  tessera_store_set_max_concurrent (fixture->store, 3);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("Credential %u", i);
      const char *token = new_token (fixture, ACCOUNT);
      TesseraCredential *credential;

      fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, name, NULL);
      credential = add_for_fake (fixture, fake, name, token);
      g_signal_connect (credential, "notify::checking", G_CALLBACK (on_checking), &concurrency);
    }
  /* Slow answers, so that the runs overlap. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .times = n, .delay_ms = 50 });

  g_signal_connect (fixture->store, "verify-progress", G_CALLBACK (on_progress), progress);
  g_signal_connect (fixture->store, "notify::verifying", G_CALLBACK (on_notify), verifying);

  tessera_store_verify_all_async (fixture->store, FALSE, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_get_verifying (fixture->store));
  g_assert_true (tessera_store_verify_all_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_false (tessera_store_get_verifying (fixture->store));
  g_assert_cmpuint (verifying->len, ==, 2);

  g_assert_cmpuint (concurrency.max_running, ==, 3);
  g_assert_cmpuint (concurrency.running, ==, 0);
  g_assert_cmpuint (progress->len, ==, n + 1);
  for (guint i = 0; i <= n; i++)
    g_assert_cmpuint (g_array_index (progress, guint, i), ==, i);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
      g_signal_handlers_disconnect_by_data (credential, &concurrency);
    }

  /* All fresh: a "stale only" run has nothing to do. */
  g_array_set_size (progress, 0);
  g_clear_object (&result);
  tessera_store_verify_all_async (fixture->store, TRUE, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_verify_all_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_cmpuint (progress->len, ==, 1);
  g_assert_cmpuint (g_array_index (progress, guint, 0), ==, 0);

  g_signal_handlers_disconnect_by_data (fixture->store, progress);
  g_signal_handlers_disconnect_by_data (fixture->store, verifying);
}

static void
add_test (const char *path,
          void      (*func) (Fixture *, gconstpointer))
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

int
main (int   argc,
      char *argv[])
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

  add_test ("/store/start-empty", test_start_empty);
  add_test ("/store/add", test_add);
  add_test ("/store/add/verified", test_add_verified);
  add_test ("/store/days-to-expiry", test_days_to_expiry);
  add_test ("/store/add/validation", test_add_validation);
  add_test ("/store/add/secret-fails", test_add_secret_fail);
  add_test ("/store/add/credential-settings-fail", test_add_credential_settings_fail);
  add_test ("/store/add/list-settings-fail", test_add_list_fail);
  add_test ("/store/update/fields", test_update_fields);
  add_test ("/store/update/replace-token", test_update_replace_token);
  add_test ("/store/update/replace-token-settings-fail", test_update_token_settings_fail);
  add_test ("/store/update/replace-token-secret-fails", test_update_token_secret_fail);
  add_test ("/store/remove/undo", test_remove_undo);
  add_test ("/store/remove/commit", test_remove_commit);
  add_test ("/store/remove/commit-all", test_commit_all);
  add_test ("/store/remove/commit-secret-fails", test_commit_secret_fail);
  add_test ("/store/remove/commit-settings-fail", test_commit_settings_fail);
  add_test ("/store/select", test_select);
  add_test ("/store/first-is-selected", test_first_is_selected);
  add_test ("/store/restart", test_restart);
  add_test ("/store/token-missing", test_token_missing);
  add_test ("/store/reconcile", test_reconcile);
  add_test ("/store/keyring-locked", test_keyring_locked);
  add_test ("/store/keyring-absent", test_keyring_absent);
  add_test ("/store/follow-other-process", test_follow_other_process);
  add_test ("/store/follow-before-watched", test_follow_before_watched);
  add_test ("/store/unwatched", test_unwatched_store);
  add_test ("/store/malformed-values", test_malformed_values);
  add_test ("/store/no-secret-service", test_no_secret_service);
  add_test ("/store/file-backend-without-bus", test_file_backend_without_bus);
  add_test ("/store/verify", test_verify);
  add_test ("/store/verify/unreachable", test_verify_unreachable);
  add_test ("/store/verify/refused", test_verify_refused);
  add_test ("/store/verify/cancel", test_verify_cancel);
  add_test ("/store/verify-all", test_verify_all);
  g_test_add_func ("/secret/translate-error", test_translate_error);
  g_test_add_func ("/secret/uses-file", test_uses_file);
  if (service_mode)
    {
      add_test ("/secret/real-keyring-locked", test_real_keyring_locked);
      add_test ("/secret/secret-tool", test_secret_tool);
    }

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
