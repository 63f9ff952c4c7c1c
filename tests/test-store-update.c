/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-update.c: changing a credential: its fields, and a new token
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "fake-harness.h"
#include "store-fixture.h"
#include "tessera-error.h"

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
  value = store_sync_lookup_token (fixture->store, id, &error);
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
  value = store_sync_lookup_token (fixture->store, id, &error);
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
  test_wait_run_for (200);
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

/* An edit checked with Harness: a new key is asked about; so is the
 * stored key when the credential moves to another server; an edit of the
 * name alone asks nothing. */
static void
test_update_checked (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(FakeHarness) other = fake_harness_new ();
  const char *token = new_token (fixture, ACCOUNT);
  const char *replacement = new_token (fixture, ACCOUNT);
  const char *unknown = new_token (fixture, ACCOUNT);
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(TesseraToken) parsed = tessera_token_parse (replacement, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *credential;

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", NULL);
  fake_harness_add_token (fake, replacement, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Grace", NULL);

  added = add_full (fixture, fixture->store, "Staging", "", "", fake_harness_get_base_url (fake), token, NULL, &error);
  g_assert_no_error (error);
  id = g_strdup (tessera_credential_get_id (added));
  credential = tessera_store_lookup (fixture->store, id);

  /* The name alone: saved, Harness not asked. */
  g_assert_false (tessera_store_update_asks_harness (fixture->store, id, NULL, NULL, NULL));
  g_assert_true (store_sync_update_checked (fixture->store, id, "Staging EU", NULL, NULL, NULL,
                                            TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "Staging EU");
  g_assert_cmpuint (fake_harness_get_n_requests (fake), ==, 0);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  /* A new key Harness does not know: the old one stays. */
  g_assert_true (tessera_store_update_asks_harness (fixture->store, id, NULL, NULL, parsed));
  g_assert_false (store_sync_update_checked (fixture->store, id, NULL, NULL, NULL, unknown,
                                             TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_REJECTED);
  g_clear_error (&error);
  {
    g_autofree char *secret_id = dup_secret_id (fixture, id);

    assert_backend_has (fixture->real, secret_id, token);
  }

  /* One it knows: replaced, and verified. */
  g_assert_true (store_sync_update_checked (fixture->store, id, NULL, NULL, NULL, replacement,
                                            TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Grace");
  {
    g_autofree char *secret_id = dup_secret_id (fixture, id);

    assert_backend_has (fixture->real, secret_id, replacement);
  }

  /* To another server that does not know the stored key: refused there,
   * so the credential stays where it was. */
  g_assert_true (tessera_store_update_asks_harness (fixture->store, id, NULL, fake_harness_get_base_url (other), NULL));
  g_assert_false (store_sync_update_checked (fixture->store, id, NULL, NULL, fake_harness_get_base_url (other), NULL,
                                             TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_clear_error (&error);
  g_assert_cmpuint (fake_harness_get_n_requests (other), >, 0);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (fake));

  /* Once it knows the key, the move is saved with its word. */
  fake_harness_add_token (other, replacement, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Grace Elsewhere", NULL);
  g_assert_true (store_sync_update_checked (fixture->store, id, NULL, NULL, fake_harness_get_base_url (other), NULL,
                                            TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (other));
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Grace Elsewhere");

  /* Without verifying: back to the first server, nobody asked. */
  fake_harness_clear_requests (fake);
  fake_harness_clear_requests (other);
  g_assert_true (store_sync_update_checked (fixture->store, id, NULL, NULL, fake_harness_get_base_url (fake), NULL,
                                            TESSERA_STORE_SAVE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (fake));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpuint (fake_harness_get_n_requests (fake) + fake_harness_get_n_requests (other), ==, 0);

  /* The stored key is gone: the move can't be checked, and says why. */
  {
    g_autofree char *secret_id = dup_secret_id (fixture, id);

    backend_clear (fixture->real, secret_id);
  }
  g_assert_false (store_sync_update_checked (fixture->store, id, NULL, NULL, fake_harness_get_base_url (other), NULL,
                                             TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING);
  g_assert_cmpstr (tessera_error_get_title (error), ==, "Couldn’t read the stored API key");
  g_clear_error (&error);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (fake));

  g_assert_false (store_sync_update_checked (fixture->store, "no-such-id", "x", NULL, NULL, NULL,
                                             TESSERA_STORE_SAVE_VERIFY, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
}

static void
add_tests (void)
{
  store_test_add ("/store/update/fields", test_update_fields);
  store_test_add ("/store/update/replace-token", test_update_replace_token);
  store_test_add ("/store/update/replace-token-settings-fail", test_update_token_settings_fail);
  store_test_add ("/store/update/replace-token-secret-fails", test_update_token_secret_fail);
  store_test_add ("/store/update/checked", test_update_checked);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
