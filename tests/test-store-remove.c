/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-remove.c: removing: undo, commit, commit-all, and their failures
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "store-fixture.h"

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

  g_assert_false (store_sync_commit_remove (fixture->store, a_id, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (store_sync_commit_remove (fixture->store, b_id, &error));
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
  g_assert_false (store_sync_commit_remove (fixture->store, a, &error));
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

  g_assert_false (store_sync_commit_remove (fixture->store, a, &error));
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_pointer (&fixture->fail_path, g_free);

  g_assert_cmpuint (test_secret_backend_get_calls (fixture->secrets), ==, 0);
  g_assert_nonnull (tessera_store_lookup (fixture->store, a));
  assert_backend_has (fixture->real, a, token);
}

static void
add_tests (void)
{
  store_test_add ("/store/remove/undo", test_remove_undo);
  store_test_add ("/store/remove/commit", test_remove_commit);
  store_test_add ("/store/remove/commit-all", test_commit_all);
  store_test_add ("/store/remove/commit-secret-fails", test_commit_secret_fail);
  store_test_add ("/store/remove/commit-settings-fail", test_commit_settings_fail);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
