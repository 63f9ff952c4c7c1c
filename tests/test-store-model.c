/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-model.c: the list model, the selection, and a restart
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include "store-fixture.h"

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
  store_sync_commit_remove (fixture->store, a_id, &error);
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
  test_wait_run_for (200);

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

static void
add_tests (void)
{
  store_test_add ("/store/select", test_select);
  store_test_add ("/store/first-is-selected", test_first_is_selected);
  store_test_add ("/store/restart", test_restart);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
