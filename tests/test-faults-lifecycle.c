/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-faults-lifecycle.c: the fault matrix's rows for rotate and renew
 * (issue 16), with the real gnome-keyring-daemon of fault-fixture.c and
 * the fake Harness:
 *
 * - the server fails between create and delete during renew: the new key
 *   is stored and the credential stays selected, the old key still works,
 *   and renew says the old token was not revoked (revoke_error, whose
 *   sentence the window and the command line show with what to do);
 * - the keyring stops after Harness rotated the key: the new key is handed
 *   back once (unsaved_key), the credential keeps its old key, which still
 *   works, and once the keyring is back the new key can be saved: nothing
 *   is lost.
 *
 * test-faults.c has the whole story of the matrix.
 */
#include "config.h"

#include "fault-fixture.h"

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

/* A credential whose token the fake knows as "laptop", verified so that
 * the store knows what Harness calls it; returns its id. */
static char *
add_known (Fixture     *fixture,
           FakeHarness *fake,
           const char  *name,
           char       **out_key)
{
  g_autofree char *key = test_random_token ("pat", ACCOUNT);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  char *id;

  fake_harness_add_token_full (fake, &(FakeHarnessToken) {
      .token = key, .identifier = "laptop", .api_key_identifier = "laptop_key", .parent_identifier = "user_ada" });
  credential = try_add (fixture, name, key, fake_harness_get_base_url (fake), NULL, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (tessera_credential_get_id (credential));
  g_assert_cmpint (verify (fixture, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  g_hash_table_insert (fixture->tokens, g_strdup (id), g_strdup (key));

  *out_key = g_steal_pointer (&key);
  return id;
}

static char *
stored_key (Fixture    *fixture,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  char *value = store_sync_lookup_token (fixture->store, id, &error);

  g_assert_no_error (error);
  return value;
}

static void
test_renew_delete_fails (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) revoke_error = NULL;
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  char *unsaved_key = NULL;
  char *value;

  id = add_known (fixture, fake, "Laptop", &old_key);
  g_assert_true (tessera_store_select (fixture->store, id, &error));
  g_assert_no_error (error);

  /* The server fails once the new token exists: the DELETE of the old one
   * gets a 500 (not retried: a change is sent once). A dropped connection
   * would not do: libsoup sends a request again on its own when a kept-alive
   * connection closes before any answer. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/laptop", .status = 500,
      .body = "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\",\"message\":\"Oops, something went wrong on our end.\"}" });
  tessera_store_renew_async (fixture->store, id, g_get_real_time () / 1000 + 60 * DAY_MS, NULL,
                             test_wait_on_ready, &result);
  g_assert_true (tessera_store_renew_finish (fixture->store, test_wait_for (&result), &unsaved_key,
                                             &revoke_error, &error));
  g_assert_no_error (error);
  g_assert_null (unsaved_key);

  /* Told so, in a sentence: the old token was not revoked. */
  assert_reason (revoke_error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_SERVER_ERROR);

  /* The new key is the credential's, stored, verified and still selected;
   * the old one still works. */
  value = stored_key (fixture, id);
  g_assert_cmpstr (value, !=, old_key);
  g_assert_true (fake_harness_key_is_valid (fake, value));
  g_hash_table_replace (fixture->tokens, g_strdup (id), g_strdup (value));
  tessera_secure_free (value);
  g_assert_cmpstr (tessera_store_get_selected_id (fixture->store), ==, id);
  g_assert_cmpint (tessera_credential_get_status (tessera_store_lookup (fixture->store, id)), ==,
                   TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_true (fake_harness_key_is_valid (fake, old_key));
  assert_consistent (fixture);
}

static gboolean
rotate_received (gpointer user_data)
{
  FakeHarness *fake = user_data;

  for (guint i = 0; i < fake_harness_get_n_requests (fake); i++)
    if (g_str_has_prefix (fake_harness_get_request (fake, i)->path, "/ng/api/token/rotate/"))
      return TRUE;

  return FALSE;
}

static void
test_rotate_keyring_stops (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  const char *ignore[] = { "status", "status-detail", "last-verified", "correlation-id", NULL };
  char *unsaved_key = NULL;
  char *value;

  id = add_known (fixture, fake, "Laptop", &old_key);
  before = snapshot_take (fixture, ignore, TRUE);

  /* Harness takes its time to answer; meanwhile the keyring goes away. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .path = "/ng/api/token/rotate/laptop", .delay_ms = 300 });
  tessera_store_rotate_async (fixture->store, id, 3600, NULL, test_wait_on_ready, &result);
  TEST_WAIT_UNTIL (rotate_received (fake));
  keyring_stop (&fixture->keyring);

  g_assert_false (tessera_store_rotate_finish (fixture->store, test_wait_for (&result), &unsaved_key, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);

  /* The new key is handed back, once: it is the one Harness made, and it
   * works. The old one works too, until the grace ends. */
  g_assert_nonnull (unsaved_key);
  g_assert_cmpstr (unsaved_key, ==, fake_harness_lookup_key (fake, "laptop"));
  g_assert_true (fake_harness_key_is_valid (fake, unsaved_key));
  g_assert_true (fake_harness_key_is_valid (fake, old_key));

  /* Nothing changed here: the credential keeps its old key. */
  keyring_start (&fixture->keyring);
  after = snapshot_take (fixture, ignore, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);

  /* Nothing is lost: the key handed back can be saved now. */
  g_assert_true (try_replace_token (fixture, id, unsaved_key, &error));
  g_assert_no_error (error);
  value = stored_key (fixture, id);
  g_assert_cmpstr (value, ==, unsaved_key);
  g_hash_table_replace (fixture->tokens, g_strdup (id), g_strdup (value));
  tessera_secure_free (value);
  tessera_secure_free (unsaved_key);
  assert_consistent (fixture);
}

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

static void
add_tests (void)
{
  /* Short paths: the keyring daemon's socket path holds them (test-faults.c). */
  ADD_TEST ("/faults/renew/delete-fails", test_renew_delete_fails);
  ADD_TEST ("/faults/rotate/keyring-stops", test_rotate_keyring_stops);
}

int
main (int   argc,
      char *argv[])
{
  return fault_fixture_main (argc, argv, add_tests);
}
