/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-lifecycle.c: rotating, renewing and revoking a credential's
 * token against the fake Harness
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "fake-harness.h"
#include "store-fixture.h"

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static TesseraCredential *
add_described (Fixture     *fixture,
               FakeHarness *fake,
               const char  *name,
               const char  *key,
               gint64       valid_to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;

  fake_harness_add_token_full (fake, &(FakeHarnessToken) {
      .token = key, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada",
      .owner_name = "Ada", .valid_to = valid_to });
  credential = add_full (fixture, fixture->store, name, "", "", fake_harness_get_base_url (fake), key, NULL, &error);
  g_assert_no_error (error);

  return credential;
}

static gboolean
rotate_sync (Fixture     *fixture,
        const char  *id,
        guint        grace_seconds,
        char       **unsaved_key,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_rotate_async (fixture->store, id, grace_seconds, NULL, test_wait_on_ready, &result);
  return tessera_store_rotate_finish (fixture->store, test_wait_for (&result), unsaved_key, error);
}

static gboolean
renew_sync (Fixture     *fixture,
       const char  *id,
       gint64       valid_to,
       char       **unsaved_key,
       GError     **revoke_error,
       GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_renew_async (fixture->store, id, valid_to, NULL, test_wait_on_ready, &result);
  return tessera_store_renew_finish (fixture->store, test_wait_for (&result), unsaved_key, revoke_error, error);
}

static gboolean
revoke_sync (Fixture     *fixture,
        const char  *id,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_revoke_async (fixture->store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_revoke_finish (fixture->store, test_wait_for (&result), error);
}

static void
assert_stored_key (Fixture    *fixture,
                   const char *id,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *value = store_sync_lookup_token (fixture->store, id, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
  tessera_secure_free (value);
}

static void
test_rotate (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *old_key = new_token (fixture, ACCOUNT);
  gint64 valid_to = now_ms () + 20 * DAY_MS;
  TesseraCredential *credential = add_described (fixture, fake, "Laptop", old_key, valid_to);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autoptr(GError) error = NULL;
  char *unsaved_key = NULL;
  const char *new_key;
  const FakeHarnessRequest *request;
  gint64 before = now_ms ();
  gint64 timestamp;

  /* Never verified: rotate asks Harness about the token first. */
  g_assert_true (rotate_sync (fixture, id, 3600, &unsaved_key, &error));
  g_assert_no_error (error);
  g_assert_null (unsaved_key);

  new_key = fake_harness_lookup_key (fake, "laptop");
  g_assert_nonnull (new_key);
  g_assert_cmpstr (new_key, !=, old_key);
  assert_stored_key (fixture, id, new_key);

  /* validate (and the account), then rotate with the grace, then the
   * new key's check. */
  request = fake_harness_get_request (fake, 2);
  g_assert_cmpstr (request->path, ==, "/ng/api/token/rotate/laptop");
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, old_key);
  timestamp = g_ascii_strtoll (fake_harness_request_get_query (request, "rotateTimestamp"), NULL, 10);
  g_assert_cmpint (timestamp, >=, before + 3600 * 1000);
  g_assert_cmpint (timestamp, <=, now_ms () + 3600 * 1000);

  /* The new key is checked and keeps the expiry; the old one works until
   * the grace ends. */
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, valid_to);
  g_assert_true (fake_harness_key_is_valid (fake, old_key));
  g_assert_true (fake_harness_key_is_valid (fake, new_key));

  /* Neither key reached the settings. */
  {
    g_autofree char *keyfile = read_keyfile (fixture);

    g_assert_null (strstr (keyfile, old_key));
    g_assert_null (strstr (keyfile, new_key));
  }
}

static void
test_rotate_store_fails (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *old_key = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add_described (fixture, fake, "Laptop", old_key, now_ms () + 20 * DAY_MS);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) keyring_error = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                                                          "The keyring failed.");
  char *unsaved_key = NULL;

  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);

  test_secret_backend_fail_store (fixture->secrets, keyring_error);
  g_assert_false (rotate_sync (fixture, id, 3600, &unsaved_key, &error));
  test_secret_backend_fail_store (fixture->secrets, NULL);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);

  /* Harness made the key: it is handed back, and the old one still works
   * and is still the credential's. */
  g_assert_nonnull (unsaved_key);
  g_assert_cmpstr (unsaved_key, ==, fake_harness_lookup_key (fake, "laptop"));
  g_assert_true (fake_harness_key_is_valid (fake, old_key));
  assert_stored_key (fixture, id, old_key);
  tessera_secure_free (unsaved_key);
}

static void
test_renew (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *old_key = new_token (fixture, ACCOUNT);
  gint64 valid_to = now_ms () + 90 * DAY_MS;
  TesseraCredential *credential = add_described (fixture, fake, "Laptop", old_key, now_ms () + 2 * DAY_MS);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) revoke_error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *identifier = NULL;
  g_autofree char *stored = NULL;
  char *unsaved_key = NULL;

  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);

  g_assert_true (renew_sync (fixture, id, valid_to, &unsaved_key, &revoke_error, &error));
  g_assert_no_error (error);
  g_assert_no_error (revoke_error);
  g_assert_null (unsaved_key);

  /* A new token on the same API key with the later expiry; the old one is
   * deleted on Harness. */
  settings = credential_settings (fixture, id);
  identifier = g_settings_get_string (settings, "token-identifier");
  g_assert_true (g_str_has_prefix (identifier, "laptop_renewed_"));
  stored = store_sync_lookup_token (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, fake_harness_lookup_key (fake, identifier));
  g_assert_true (fake_harness_key_is_valid (fake, stored));
  g_assert_false (fake_harness_key_is_valid (fake, old_key));
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, valid_to);
  g_clear_pointer (&stored, tessera_secure_free);

  /* At the token limit: nothing changes, and the error says so. */
  fake_harness_set_token_limit (fake, 1);
  g_assert_false (renew_sync (fixture, id, valid_to + DAY_MS, &unsaved_key, &revoke_error, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_LIMIT);
  g_assert_null (unsaved_key);
  g_assert_no_error (revoke_error);
  g_clear_error (&error);
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, valid_to);
}

static void
test_revoke (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *key = new_token (fixture, ACCOUNT);
  TesseraCredential *credential = add_described (fixture, fake, "Laptop", key, now_ms () + 20 * DAY_MS);
  g_autofree char *id = g_strdup (tessera_credential_get_id (credential));
  g_autoptr(GError) error = NULL;
  const FakeHarnessRequest *request;

  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);

  /* Harness refuses: the credential stays, and the error says why. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/laptop", .status = 403,
      .body = "{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\",\"message\":\"denied\"}" });
  g_assert_false (revoke_sync (fixture, id, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_lookup (fixture->store, id));
  assert_stored_key (fixture, id, key);

  fake_harness_clear_requests (fake);
  g_assert_true (revoke_sync (fixture, id, &error));
  g_assert_no_error (error);
  request = fake_harness_get_request (fake, 0);
  g_assert_cmpstr (request->method, ==, "DELETE");
  g_assert_cmpstr (request->path, ==, "/ng/api/token/laptop");
  g_assert_false (fake_harness_key_is_valid (fake, key));
  g_assert_null (tessera_store_lookup (fixture->store, id));
  assert_backend_has (fixture->real, id, NULL);
}

/* A key made in a project: the verification keeps its org and project
 * with the metadata, and rotate, renew and revoke send them (the fake,
 * like Harness, finds the token only in its scope). */
static void
test_scoped (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *key = new_token (fixture, ACCOUNT);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) revoke_error = NULL;
  g_autofree char *org = NULL;
  g_autofree char *project = NULL;
  g_autofree char *id = NULL;
  char *unsaved_key = NULL;

  fake_harness_add_token_full (fake, &(FakeHarnessToken) {
      .token = key, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada",
      .org_identifier = "payments", .project_identifier = "checkout" });
  credential = add_full (fixture, fixture->store, "Laptop", "", "", fake_harness_get_base_url (fake), key, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (tessera_credential_get_id (credential));
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);

  settings = credential_settings (fixture, id);
  org = g_settings_get_string (settings, "org-identifier");
  project = g_settings_get_string (settings, "project-identifier");
  g_assert_cmpstr (org, ==, "payments");
  g_assert_cmpstr (project, ==, "checkout");

  g_assert_true (rotate_sync (fixture, id, 3600, &unsaved_key, &error));
  g_assert_no_error (error);
  assert_stored_key (fixture, id, fake_harness_lookup_key (fake, "laptop"));

  g_assert_true (renew_sync (fixture, id, now_ms () + 60 * DAY_MS, &unsaved_key, &revoke_error, &error));
  g_assert_no_error (error);
  g_assert_no_error (revoke_error);
  g_assert_null (fake_harness_lookup_key (fake, "laptop"));

  g_assert_true (revoke_sync (fixture, id, &error));
  g_assert_no_error (error);
  g_assert_null (tessera_store_lookup (fixture->store, id));
  for (guint i = 0; i < fake_harness_get_n_requests (fake); i++)
    {
      const FakeHarnessRequest *request = fake_harness_get_request (fake, i);

      if (g_str_equal (request->method, "DELETE") || strstr (request->path, "/rotate/") != NULL)
        {
          g_assert_cmpstr (fake_harness_request_get_query (request, "orgIdentifier"), ==, "payments");
          g_assert_cmpstr (fake_harness_request_get_query (request, "projectIdentifier"), ==, "checkout");
        }
    }
}

static void
add_tests (void)
{
  store_test_add ("/store/lifecycle/rotate", test_rotate);
  store_test_add ("/store/lifecycle/rotate-store-fails", test_rotate_store_fails);
  store_test_add ("/store/lifecycle/renew", test_renew);
  store_test_add ("/store/lifecycle/revoke", test_revoke);
  store_test_add ("/store/lifecycle/scoped", test_scoped);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
