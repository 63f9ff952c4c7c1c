/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-settings.c: following the settings another process
 * writes, and values a hand-edited file got wrong
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "store-fixture.h"
#include "tessera-credential-private.h"

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
  value = store_sync_lookup_token (fixture->store, id, &error);
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
  g_assert_true (store_sync_commit_remove (cli, id, &error));
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
  test_wait_run_for (200);
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
  test_wait_run_for (200);

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

static gboolean
on_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* Issue 17: the window's size goes through the lock every Tessera process
 * writes under, and waits for it in a thread while another process holds
 * it: the write comes after the lock is free, and the main loop keeps
 * running meanwhile. */
static void
test_window_state_waits_for_lock (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_runtime_dir (), APP_ID ".settings.lock", NULL);
  const char *argv[] = { "flock", "-x", path, "sh", "-c", "echo locked; sleep 1", NULL };
  GSettings *settings = tessera_store_get_settings (fixture->store);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char buf[8] = { 0 };
  gint64 start, elapsed_ms;
  guint ticks = 0;
  guint tick;
  GPid pid;
  int out;

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &pid, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read (out, buf, 7), ==, 7);
  g_assert_cmpstr (buf, ==, "locked\n");

  start = g_get_monotonic_time ();
  tick = g_timeout_add (10, on_tick, &ticks);
  tessera_store_save_window_state_async (fixture->store, 777, 555, TRUE, test_wait_on_ready, &result);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), !=, 777);
  g_assert_true (tessera_store_save_window_state_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_no_error (error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  g_source_remove (tick);
  g_test_message ("written after %" G_GINT64_FORMAT " ms, %u ticks of a 10 ms timer meanwhile", elapsed_ms, ticks);

  g_assert_cmpint (elapsed_ms, >=, 700);
  g_assert_cmpuint (ticks, >=, 30);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 777);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 555);
  g_assert_true (g_settings_get_boolean (settings, "window-maximized"));

  close (out);
  g_spawn_close_pid (pid);
}

static void
add_tests (void)
{
  store_test_add ("/store/follow-other-process", test_follow_other_process);
  store_test_add ("/store/follow-before-watched", test_follow_before_watched);
  store_test_add ("/store/unwatched", test_unwatched_store);
  store_test_add ("/store/malformed-values", test_malformed_values);
  store_test_add ("/store/window-state-waits-for-lock", test_window_state_waits_for_lock);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
