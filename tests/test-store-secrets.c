/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-secrets.c: the keyring: tokens looked up, a keyring
 * locked, absent or unreachable, the real Secret Service and libsecret's
 * file backend
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "store-fixture.h"
#include "tessera-libsecret-backend.h"
#include "test-keyring.h"

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

  value = store_sync_lookup_token (fixture->store, a_id, &error);
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
  value = store_sync_lookup_token (fixture->store, a_id, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, replacement) == 0);

  g_assert_null (store_sync_lookup_token (fixture->store, "unknown", &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
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

  g_assert_false (store_sync_reconcile (fixture->store, &error));
  g_assert_error (error, failure->domain, failure->code);
  g_clear_error (&error);

  value = store_sync_lookup_token (fixture->store, a_id, &error);
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
  g_assert_false (store_sync_commit_remove (fixture->store, a_id, &error));
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

static void
lock_login_keyring (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();

  test_keyring_lock_login (bus);
}

/* Unlocks without a prompt, the way gnome-keyring's own login does. */
static void
unlock_login_keyring (void)
{
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
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

  value = store_sync_lookup_token (fixture->store, a_id, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_assert_null (value);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  g_assert_false (store_sync_reconcile (fixture->store, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  added = add_full (fixture, fixture->store, "B", "", "", NULL, new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_null (added);

  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_false (store_sync_commit_remove (fixture->store, a_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_true (tessera_store_lookup (fixture->store, a_id) == a);

  keyfile_after = read_keyfile (fixture);
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  unlock_login_keyring ();
  value = store_sync_lookup_token (fixture->store, a_id, &error);
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
  /* Readable while the keyring is locked: it names neither the
   * credential nor its account (issue 17, finding 6). */
  g_assert_cmpstr (report->label, ==, "Harness API key (Tessera)");
  g_assert_null (strstr (report->label, "Production"));
  g_assert_null (strstr (report->label, ACCOUNT));
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

  /* A rename keeps the same item, still without a name in its label. */
  g_assert_true (update (fixture, a_id, "Production EU", NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&report, tool_report_free);
  report = secret_tool_search (a_id);
  g_assert_cmpuint (report->n_items, ==, 1);
  g_assert_cmpstr (report->label, ==, "Harness API key (Tessera)");

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
  g_assert_cmpstr (report->label, ==, "Harness API key (Tessera)");

  /* Removed: no item left. */
  g_assert_true (tessera_store_remove (fixture->store, a_id, &error));
  g_assert_true (store_sync_commit_remove (fixture->store, a_id, &error));
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
      value = test_secrets_lookup (backend, "some-id", &error);
      g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
      g_clear_error (&error);

      /* The store built on it refuses to add, and writes nothing. */
      {
        g_autoptr(TestSecretBackend) secrets = test_secret_backend_new (backend);
        g_autoptr(GSettingsBackend) settings_backend = NULL;
        g_autoptr(TesseraStore) store = open_store (fixture, secrets, &settings_backend);
        g_autofree char *token = test_random_token ("pat", ACCOUNT);

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
      g_autoptr(TestSecretBackend) secrets = NULL;
      g_autoptr(GSettingsBackend) settings_backend = NULL;
      g_autoptr(TesseraStore) store = NULL;
      g_autoptr(TesseraCredential) credential = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *token = test_random_token ("pat", ACCOUNT);
      g_auto(TesseraSecret) value = NULL;

      g_setenv ("SECRET_BACKEND", "file", TRUE);
      g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
      g_setenv ("SECRET_FILE_TEST_PASSWORD", "another-password", TRUE);
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tessera-test-bus", TRUE);

      backend = tessera_libsecret_backend_new ();
      g_assert_true (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (backend)));
      secrets = test_secret_backend_new (backend);
      store = open_store (fixture, secrets, &settings_backend);

      credential = add_full (fixture, store, "Offline desktop", "", "", NULL, token, NULL, &error);
      g_assert_no_error (error);
      value = store_sync_lookup_token (store, tessera_credential_get_id (credential), &error);
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

  g_assert_true (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (backend)) == !store_test_service_mode ());
}

static void
add_tests (void)
{
  store_test_add ("/store/token-missing", test_token_missing);
  store_test_add ("/store/keyring-locked", test_keyring_locked);
  store_test_add ("/store/keyring-absent", test_keyring_absent);
  store_test_add ("/store/no-secret-service", test_no_secret_service);
  store_test_add ("/store/file-backend-without-bus", test_file_backend_without_bus);
  g_test_add_func ("/secret/translate-error", test_translate_error);
  g_test_add_func ("/secret/uses-file", test_uses_file);
  if (store_test_service_mode ())
    {
      store_test_add ("/secret/real-keyring-locked", test_real_keyring_locked);
      store_test_add ("/secret/secret-tool", test_secret_tool);
    }
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
