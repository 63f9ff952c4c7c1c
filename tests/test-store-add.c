/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-add.c: adding a credential: its token to the keyring, its
 * metadata to the settings, validation, and each step failing
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "fake-harness.h"
#include "store-fixture.h"
#include "tessera-error.h"
#include "tessera-words.h"
#include "tessera-base-url.h"
#include "tessera-verification-private.h"

static void
test_start_empty (Fixture       *fixture,
                  gconstpointer  data)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (fixture->store)) == TESSERA_TYPE_CREDENTIAL);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (fixture->store), 0));
  g_assert_null (tessera_store_get_selected (fixture->store));
  g_assert_null (tessera_store_get_selected_id (fixture->store));
  test_wait_run_for (200);
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
  value = store_sync_lookup_token (fixture->store, tessera_credential_get_id (credential), &error);
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

/* Issue 17, findings 3 and 4: a key typed where a name or a description
 * goes is refused (both sit in the settings file in plain text; the
 * name was also the keyring item's label until finding 6); names hold no control, bidi or invisible character, are saved
 * composed, and two names that look the same are one name. */
static void
test_add_names (Fixture       *fixture,
                gconstpointer  data)
{
  const char *key = new_token (fixture, ACCOUNT);
  g_autofree char *in_name = g_strdup_printf ("prod %s", key);
  g_autofree char *upper = g_strdup_printf ("PAT.%s", key + 4);
  g_autofree char *in_description = g_strdup_printf ("the key is:\n%s.", key);
  g_autofree char *keyfile = NULL;
  g_autoptr(TesseraCredential) composed = NULL;
  g_autoptr(TesseraCredential) decomposed = NULL;
  g_autoptr(GError) error = NULL;
  struct
  {
    const char *name;
    const char *description;
    int         code;
  } cases[] = {
    { key, "", TESSERA_STORE_ERROR_HOLDS_KEY },
    { in_name, "", TESSERA_STORE_ERROR_HOLDS_KEY },
    { upper, "", TESSERA_STORE_ERROR_HOLDS_KEY },
    { "ok", key, TESSERA_STORE_ERROR_HOLDS_KEY },
    { "ok", in_description, TESSERA_STORE_ERROR_HOLDS_KEY },
    { "ok", "\xff\xfe", TESSERA_STORE_ERROR_DESCRIPTION_INVALID },
    { "a\xc2\x9b" "31mred", "", TESSERA_STORE_ERROR_NAME_INVALID },      /* C1 CSI */
    { "evil\xe2\x80\xae" "txt.exe", "", TESSERA_STORE_ERROR_NAME_INVALID }, /* RLO */
    { "a\xe2\x81\xa6" "b", "", TESSERA_STORE_ERROR_NAME_INVALID },      /* LRI */
    { "Prod\xe2\x80\x8b", "", TESSERA_STORE_ERROR_NAME_INVALID },       /* ZWSP */
    { "tab\there", "", TESSERA_STORE_ERROR_NAME_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TesseraCredential) credential = NULL;

      g_test_message ("case %u", i);
      credential = add_full (fixture, fixture->store, cases[i].name, cases[i].description,
                             "", NULL, new_token (fixture, ACCOUNT), NULL, &error);
      g_assert_error (error, TESSERA_STORE_ERROR, cases[i].code);
      g_assert_null (credential);
      /* The sentence never quotes the key back. */
      g_assert_null (strstr (error->message, key + 4));
      g_clear_error (&error);
    }

  /* Nothing reached the keyring or the settings. */
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  keyfile = read_keyfile (fixture);
  g_assert_null (strstr (keyfile, key + 4));

  /* Not every dotted name is a key. */
  g_assert_true (tessera_store_validate_name (fixture->store, NULL, "sat.prod", NULL));
  g_assert_true (tessera_store_validate_name (fixture->store, NULL, "Team pat.x", NULL));

  /* Saved composed; the decomposed spelling, and one with a zero-width
   * space inside, are the same name. */
  decomposed = add_full (fixture, fixture->store, "Cafe\xcc\x81", "", "", NULL,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_name (decomposed), ==, "Caf\xc3\xa9");
  composed = add_full (fixture, fixture->store, "CAF\xc3\x89", "", "", NULL,
                       new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN);
  g_assert_null (composed);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_find_by_name (fixture->store, "cafe\xcc\x81"));
  g_assert_nonnull (tessera_store_find_by_name (fixture->store, "Caf\xe2\x80\x8b\xc3\xa9"));

  /* The window's field checks say the same. */
  g_assert_false (tessera_store_validate_name (fixture->store, NULL, key, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_HOLDS_KEY);
  g_clear_error (&error);
  g_assert_false (tessera_store_validate_description (in_description, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_HOLDS_KEY);
  g_clear_error (&error);

  /* And a rename cannot bring a key in either. */
  g_assert_false (update (fixture, tessera_credential_get_id (decomposed), key, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_HOLDS_KEY);
  g_clear_error (&error);
}

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

static guint
n_items (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->store));
}

/* The one path from a pasted key to a saved credential: Harness first,
 * then the add, with what Harness said. */
static void
test_add_checked (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *good = new_token (fixture, ACCOUNT);
  const char *unknown = new_token (fixture, ACCOUNT);
  const char *expired = new_token (fixture, ACCOUNT);
  g_autofree char *typed_url = g_strconcat (fake_harness_get_base_url (fake), "/", NULL);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now_ms = g_get_real_time () / 1000;

  fake_harness_add_token (fake, good, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Grace Hopper", "grace@example.com");
  fake_harness_add_token (fake, expired, TESSERA_CREDENTIAL_KIND_PAT, now_ms - 3600 * 1000, 0, "Old", NULL);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);

  /* Accepted: saved as verified, at the normalized address, with the
   * token's account. */
  credential = store_sync_add_checked (fixture->store, "Good", "", typed_url, good,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Grace Hopper");
  g_assert_cmpstr (tessera_credential_get_account_id (credential), ==, ACCOUNT);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (fake));
  g_assert_cmpuint (fake_harness_get_n_requests (fake), >, 0);
  assert_backend_has (fixture->real, tessera_credential_get_id (credential), good);
  g_clear_object (&credential);
  g_assert_cmpuint (n_items (fixture), ==, 1);

  /* Harness does not know the key: nothing is saved, not even the secret. */
  test_secret_backend_reset (fixture->secrets);
  credential = store_sync_add_checked (fixture->store, "Unknown", NULL, fake_harness_get_base_url (fake), unknown,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_REJECTED);
  g_assert_cmpstr (tessera_error_get_title (error), ==, "Harness did not accept this API key");
  g_clear_error (&error);
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_cmpuint (n_items (fixture), ==, 1);

  credential = store_sync_add_checked (fixture->store, "Expired", NULL, fake_harness_get_base_url (fake), expired,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_REJECTED);
  g_clear_error (&error);

  /* Harness answers, but says the key is not valid now. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .status = 200,
      .body = "{\"status\":\"SUCCESS\",\"data\":{\"valid\":false,\"identifier\":\"token_1\",\"apiKeyType\":\"USER\"}}" });
  credential = store_sync_add_checked (fixture->store, "Not Yet", NULL, fake_harness_get_base_url (fake), good,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_assert_cmpstr (error->message, ==, "Harness says the key is not valid now. It may have expired or not be valid yet.");
  g_assert_null (tessera_error_get_reference (error));
  g_clear_error (&error);
  g_assert_cmpuint (n_items (fixture), ==, 1);

  /* Harness can't be reached: transient, nothing saved... */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .status = 503, .times = 10, .body = "{}" });
  credential = store_sync_add_checked (fixture->store, "Later", NULL, fake_harness_get_base_url (fake), unknown,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_SERVER_ERROR);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_UNREACHABLE);
  g_clear_error (&error);
  g_assert_cmpuint (n_items (fixture), ==, 1);
  fake_harness_clear_replies (fake);

  /* ...until the user saves without verifying: no request at all. */
  fake_harness_clear_requests (fake);
  credential = store_sync_add_checked (fixture->store, "Later", NULL, fake_harness_get_base_url (fake), unknown,
                                       TESSERA_STORE_SAVE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpuint (fake_harness_get_n_requests (fake), ==, 0);
  assert_backend_has (fixture->real, tessera_credential_get_id (credential), unknown);
  g_assert_cmpuint (n_items (fixture), ==, 2);
}

/* What the add would refuse is refused before Harness is asked. */
static void
test_add_checked_validation (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *token = new_token (fixture, ACCOUNT);
  const char *url = fake_harness_get_base_url (fake);
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", NULL);
  test_secret_backend_reset (fixture->secrets);

  credential = store_sync_add_checked (fixture->store, "  ", NULL, url, token, TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED);
  g_assert_cmpstr (error->message, ==, "Enter a name.");
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_INVALID);
  g_clear_error (&error);

  credential = store_sync_add_checked (fixture->store, "Other", OTHER_ACCOUNT, url, token,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_MISMATCH);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_REJECTED);
  g_clear_error (&error);

  credential = store_sync_add_checked (fixture->store, "FTP", NULL, "ftp://example.com", token,
                                       TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_null (credential);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INVALID_BASE_URL);
  g_assert_cmpint (tessera_error_get_category (error), ==, TESSERA_ERROR_CATEGORY_INVALID);
  g_assert_cmpstr (tessera_error_get_title (error), ==, "The API base URL can’t be used");
  g_clear_error (&error);

  /* The terminal's words for the sentences that point at the window. */
  tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);
  credential = store_sync_add_checked (fixture->store, "", NULL, url, token, TESSERA_STORE_SAVE_VERIFY, &error);
  tessera_words_set_audience (TESSERA_AUDIENCE_WINDOW);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED);
  g_assert_cmpstr (error->message, ==, "The credential NAME must be text, and not blank.");
  g_clear_error (&error);

  g_assert_cmpuint (fake_harness_get_n_requests (fake), ==, 0);
  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_cmpuint (n_items (fixture), ==, 0);

  /* No base URL: the "default-base-url" setting, as the dialog offers. */
  g_settings_set_string (tessera_store_get_settings (fixture->store), "default-base-url", url);
  credential = store_sync_add_checked (fixture->store, "Default", NULL, NULL, token, TESSERA_STORE_SAVE_VERIFY, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, url);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpuint (fake_harness_get_n_requests (fake), >, 0);
  g_settings_reset (tessera_store_get_settings (fixture->store), "default-base-url");
}

static void
add_tests (void)
{
  store_test_add ("/store/start-empty", test_start_empty);
  store_test_add ("/store/add", test_add);
  store_test_add ("/store/add/verified", test_add_verified);
  store_test_add ("/store/days-to-expiry", test_days_to_expiry);
  store_test_add ("/store/add/validation", test_add_validation);
  store_test_add ("/store/add/names", test_add_names);
  store_test_add ("/store/add/secret-fails", test_add_secret_fail);
  store_test_add ("/store/add/credential-settings-fail", test_add_credential_settings_fail);
  store_test_add ("/store/add/list-settings-fail", test_add_list_fail);
  store_test_add ("/store/add/checked", test_add_checked);
  store_test_add ("/store/add/checked-validation", test_add_checked_validation);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
