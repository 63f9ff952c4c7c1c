/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-lifecycle.c: Rotate Key…, Renew… and Delete… with "Also
 * revoke the key on Harness", driven through the tile's actions against
 * the fake Harness (issue 16)
 *
 * Runs under Xvfb (build-aux/session) with the real store: a keyfile
 * GSettings backend per test, libsecret's file backend for tokens, and the
 * fake Harness on 127.0.0.1, whose request log says what was sent.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "window-fixture.h"

#define HOUR_MS (60 * 60 * (gint64) 1000)
#define DAY_MS  (24 * HOUR_MS)

/* A credential whose token the fake knows as @identifier on the API key
 * "laptop_key" of the user "user_ada", saved verified (so the store knows
 * what Harness calls it). */
static TesseraCredential *
add_described (Fixture     *f,
               const char  *name,
               const char  *identifier,
               char       **out_key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = make_token (f, ACCOUNT_A);
  TesseraCredential *credential;
  FakeHarnessToken info = {
    .token = value, .identifier = identifier, .api_key_identifier = "laptop_key",
    .parent_identifier = "user_ada", .owner_name = "ada",
  };

  fake_harness_add_token_full (f->harness, &info);
  token = tessera_token_parse (value, &error);
  g_assert_no_error (error);
  tessera_harness_client_verify_async (tessera_store_get_client (f->store), fake_harness_get_base_url (f->harness),
                                       NULL, token, NULL, test_wait_on_ready, &result);
  TEST_WAIT_UNTIL (result != NULL);
  verification = tessera_harness_client_verify_finish (tessera_store_get_client (f->store), result, &error);
  g_assert_no_error (error);

  credential = store_sync_add (f->store, name, NULL, "", fake_harness_get_base_url (f->harness),
                               value, verification, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (credential);

  if (out_key != NULL)
    *out_key = g_steal_pointer (&value);

  return credential;
}

static AdwAlertDialog *
wait_for_alert (Fixture    *f,
                const char *heading)
{
  AdwDialog *dialog = NULL;

  TEST_WAIT_UNTIL ((dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window))) != NULL &&
                   ADW_IS_ALERT_DIALOG (dialog) &&
                   g_strcmp0 (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (dialog)), heading) == 0);

  return ADW_ALERT_DIALOG (dialog);
}

static void
respond (AdwAlertDialog *dialog,
         const char     *label)
{
  GtkWidget *button = NULL;

  TEST_WAIT_UNTIL ((button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label, label)) != NULL);
  g_signal_emit_by_name (button, "clicked");
}

/* The one request of @method to a path ending in @path_end, or NULL. */
static const FakeHarnessRequest *
find_request (Fixture    *f,
              const char *method,
              const char *path_end)
{
  const FakeHarnessRequest *found = NULL;

  for (guint i = 0; i < fake_harness_get_n_requests (f->harness); i++)
    {
      const FakeHarnessRequest *request = fake_harness_get_request (f->harness, i);

      if (g_str_equal (request->method, method) && g_str_has_suffix (request->path, path_end))
        {
          g_assert_null (found);
          found = request;
        }
    }

  return found;
}

static void
assert_token_query (const FakeHarnessRequest *request)
{
  g_assert_nonnull (request);
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, ACCOUNT_A);
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyType"), ==, "USER");
  g_assert_cmpstr (fake_harness_request_get_query (request, "parentIdentifier"), ==, "user_ada");
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyIdentifier"), ==, "laptop_key");
}

/* A toast titled @title (@prefix: starting with it) is on screen. Before
 * the first toast, libadwaita has not registered AdwToastWidget yet. */
static GtkWidget *
find_toast (Fixture    *f,
            const char *title,
            gboolean    prefix)
{
  if (g_type_from_name ("AdwToastWidget") == G_TYPE_INVALID)
    return NULL;

  return prefix ? find_toast_title_prefix (f, title) : find_toast_title (f, title);
}

static gboolean
has_undo_button (Fixture *f)
{
  return find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo") != NULL;
}

/* Delete…: the confirmation says a revoke cannot be undone; with the
 * check button on, Harness gets the DELETE with the four parameters, the
 * key stops working, the tile goes and no Undo is offered. */
static void
test_revoke (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  const FakeHarnessRequest *request;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  GtkWidget *check;

  credential = add_described (f, "Laptop", "laptop_token", &key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_clear_requests (f->harness);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.confirm-delete", NULL));
  dialog = wait_for_alert (f, "Delete Credential?");
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (dialog), "“Laptop”"));
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (dialog), "cannot be undone"));
  g_assert_cmpstr (adw_alert_dialog_get_default_response (dialog), ==, "cancel");

  /* A check button with a mnemonic and an accessible label, off at first */
  check = adw_alert_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_CHECK_BUTTON (check));
  g_assert_cmpstr (gtk_check_button_get_label (GTK_CHECK_BUTTON (check)), ==, "Also _revoke the key on Harness");
  g_assert_true (gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (check)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_true (gtk_widget_get_focusable (check) || gtk_widget_get_focusable (gtk_widget_get_first_child (check)));

  /* Its mnemonic (the keyboard's way) turns it on, and the button says what
   * it will do. */
  gtk_widget_mnemonic_activate (check, FALSE);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
  g_assert_cmpstr (adw_alert_dialog_get_response_label (dialog, "delete"), ==, "_Revoke and Delete");
  respond (dialog, "_Revoke and Delete");

  TEST_WAIT_UNTIL (find_toast (f, "Revoked and deleted “Laptop”", FALSE) != NULL);
  g_assert_null (tessera_store_lookup (f->store, id));
  g_assert_null (find_tile (f, "Laptop"));
  g_assert_false (has_undo_button (f));

  request = find_request (f, "DELETE", "/ng/api/token/laptop_token");
  assert_token_query (request);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, key);
  g_assert_false (fake_harness_key_is_valid (f->harness, key));

  /* Nothing to undo: Ctrl+Z does nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL);
  test_wait_run_for (50);
  g_assert_null (tessera_store_lookup (f->store, id));
}

/* Harness refuses: the credential and its tile stay, and the toast says
 * why in the core's sentence. */
static void
test_revoke_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  GtkWidget *check;
  GtkWidget *toast;
  char *stored;
  FakeHarnessReply refusal = {
    .path = "/ng/api/token/laptop_token",
    .status = 403,
    .body = "{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\","
            "\"message\":\"Missing permission core_serviceaccount_manageapikey\",\"correlationId\":\"c-1\"}",
  };

  credential = add_described (f, "Laptop", "laptop_token", &key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_clear_requests (f->harness);
  fake_harness_queue_reply_full (f->harness, &refusal);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.confirm-delete", NULL));
  dialog = wait_for_alert (f, "Delete Credential?");
  check = adw_alert_dialog_get_extra_child (dialog);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  respond (dialog, "_Revoke and Delete");

  TEST_WAIT_UNTIL ((toast = find_toast (f, "“Laptop” was not revoked and is kept: ", TRUE)) != NULL);
  /* The sentence is the core's, not a code. */
  g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (toast)), "FORBIDDEN"));
  g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (toast)), "NG_ACCESS_DENIED"));
  g_assert_cmpuint (strlen (gtk_label_get_label (GTK_LABEL (toast))),
                    >, strlen ("“Laptop” was not revoked and is kept: ") + 10);
  g_assert_nonnull (find_request (f, "DELETE", "/ng/api/token/laptop_token"));

  g_assert_nonnull (tessera_store_lookup (f->store, id));
  g_assert_nonnull (find_tile (f, "Laptop"));
  g_assert_true (fake_harness_key_is_valid (f->harness, key));
  stored = store_sync_lookup_token (f->store, id, NULL);
  g_assert_cmpstr (stored, ==, key);
  tessera_secure_free (stored);
}

/* Unchecked, Delete… is today's delete: Undo brings it back, and Harness
 * is not asked. */
static void
test_delete_without_revoke (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *key = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;

  credential = add_described (f, "Laptop", "laptop_token", &key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_clear_requests (f->harness);

  /* Cancel changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.confirm-delete", NULL));
  dialog = wait_for_alert (f, "Delete Credential?");
  respond (dialog, "_Cancel");
  TEST_WAIT_UNTIL (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window)) == NULL);
  g_assert_nonnull (tessera_store_lookup (f->store, id));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.confirm-delete", NULL));
  dialog = wait_for_alert (f, "Delete Credential?");
  respond (dialog, "_Delete");
  TEST_WAIT_UNTIL (find_toast (f, "Deleted “Laptop”", FALSE) != NULL);
  g_assert_true (has_undo_button (f));
  g_assert_null (tessera_store_lookup (f->store, id));

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL);
  TEST_WAIT_UNTIL (tessera_store_lookup (f->store, id) != NULL);
  g_assert_cmpuint (fake_harness_get_n_requests (f->harness), ==, 0);
  g_assert_true (fake_harness_key_is_valid (f->harness, key));
}

/* Rotate Key… sends the four parameters and a rotateTimestamp 24 hours
 * ahead; the credential's key is then the new one, which verifies, and the
 * old one still works until then. */
static void
test_rotate (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  const FakeHarnessRequest *request;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  gint64 before, after, timestamp;
  char *stored;

  credential = add_described (f, "Laptop", "laptop_token", &old_key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_clear_requests (f->harness);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.rotate", NULL));
  dialog = wait_for_alert (f, "Rotate Key?");
  before = g_get_real_time () / 1000;
  respond (dialog, "_Rotate Key");
  TEST_WAIT_UNTIL (find_toast (f, "Rotated the key of “Laptop”", FALSE) != NULL);
  after = g_get_real_time () / 1000;

  request = find_request (f, "POST", "/ng/api/token/rotate/laptop_token");
  assert_token_query (request);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, old_key);
  timestamp = g_ascii_strtoll (fake_harness_request_get_query (request, "rotateTimestamp"), NULL, 10);
  g_assert_cmpint (timestamp, >=, before + DAY_MS);
  g_assert_cmpint (timestamp, <=, after + DAY_MS);

  stored = store_sync_lookup_token (f->store, id, NULL);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored, !=, old_key);
  g_assert_cmpstr (stored, ==, fake_harness_lookup_key (f->harness, "laptop_token"));
  g_assert_true (fake_harness_key_is_valid (f->harness, stored));
  tessera_secure_free (stored);
  g_assert_cmpint (store_sync_verify (f->store, id, NULL), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_true (fake_harness_key_is_valid (f->harness, old_key));
}

/* Renew… sends validTo ≈ now + the days chosen, stores the new key, then
 * deletes the old token with the four parameters. */
static void
test_renew (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const FakeHarnessRequest *request;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  JsonObject *dto;
  gint64 before, after, valid_to;
  char *stored;

  credential = add_described (f, "Laptop", "laptop_token", &old_key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_clear_requests (f->harness);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.renew", NULL));
  dialog = wait_for_alert (f, "Renew Token?");
  adw_spin_row_set_value (ADW_SPIN_ROW (find_widget (GTK_WIDGET (dialog), ADW_TYPE_SPIN_ROW, NULL, NULL)), 45);
  before = g_get_real_time () / 1000;
  respond (dialog, "_Renew");
  TEST_WAIT_UNTIL (find_toast (f, "Renewed “Laptop” until ", TRUE) != NULL);
  after = g_get_real_time () / 1000;

  request = find_request (f, "POST", "/ng/api/token");
  g_assert_nonnull (request);
  body = fake_harness_request_dup_body (request);
  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  dto = json_node_get_object (json_parser_get_root (parser));
  valid_to = json_object_get_int_member (dto, "validTo");
  g_assert_cmpint (valid_to, >=, before + 45 * DAY_MS);
  g_assert_cmpint (valid_to, <=, after + 45 * DAY_MS);
  g_assert_cmpstr (json_object_get_string_member (dto, "apiKeyIdentifier"), ==, "laptop_key");
  g_assert_cmpstr (json_object_get_string_member (dto, "parentIdentifier"), ==, "user_ada");
  g_assert_cmpstr (json_object_get_string_member (dto, "apiKeyType"), ==, "USER");

  request = find_request (f, "DELETE", "/ng/api/token/laptop_token");
  assert_token_query (request);
  g_assert_false (fake_harness_key_is_valid (f->harness, old_key));

  stored = store_sync_lookup_token (f->store, id, NULL);
  g_assert_cmpstr (stored, !=, old_key);
  g_assert_true (fake_harness_key_is_valid (f->harness, stored));
  tessera_secure_free (stored);
  credential = tessera_store_lookup (f->store, id);
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, 45);
}

/* Fault: the server fails between create and delete. The new key is the
 * credential's and it stays selected; the toast says the old token was
 * not revoked, why, and what to do. */
static void
test_renew_delete_fails (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  GtkWidget *toast;
  char *stored;

  credential = add_described (f, "Laptop", "laptop_token", &old_key);
  id = g_strdup (tessera_credential_get_id (credential));
  g_assert_true (tessera_store_select (f->store, id, &error));
  g_assert_no_error (error);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  fake_harness_queue_reply_full (f->harness, &(FakeHarnessReply) {
      .path = "/ng/api/token/laptop_token", .status = 500,
      .body = "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\",\"message\":\"Oops, something went wrong on our end.\"}" });

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.renew", NULL));
  dialog = wait_for_alert (f, "Renew Token?");
  respond (dialog, "_Renew");
  TEST_WAIT_UNTIL ((toast = find_toast (f, "Renewed “Laptop” until ", TRUE)) != NULL);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (toast)), "The old token was not revoked and its key still works: "));
  g_assert_true (g_str_has_suffix (gtk_label_get_label (GTK_LABEL (toast)), "Delete it in Harness."));

  stored = store_sync_lookup_token (f->store, id, NULL);
  g_assert_cmpstr (stored, !=, old_key);
  g_assert_true (fake_harness_key_is_valid (f->harness, stored));
  tessera_secure_free (stored);
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, id);
  g_assert_true (fake_harness_key_is_valid (f->harness, old_key));
}

/* Fault: the keyring fails after Harness rotated the key. The window shows
 * the new key once, selectable and with Copy; the credential keeps its old
 * key, which still works. */
static void
test_rotate_keyring_fails (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TestSecretBackend) secrets = test_secret_backend_new (NULL);
  g_autoptr(GError) gone = g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE,
                                                "No keyring is running.");
  g_autofree char *old_key = NULL;
  g_autofree char *id = NULL;
  g_autofree char *copied = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  TesseraCredential *credential;
  AdwAlertDialog *dialog;
  GtkWidget *label;
  const char *new_key;
  char *stored;

  g_assert_finalize_object (f->store);
  f->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (secrets), NULL, f->backend);
  credential = add_described (f, "Laptop", "laptop_token", &old_key);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);

  test_secret_backend_fail_store (secrets, gone);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Laptop")), "credential.rotate", NULL));
  respond (wait_for_alert (f, "Rotate Key?"), "_Rotate Key");
  dialog = wait_for_alert (f, "New Key Not Saved");
  test_secret_backend_fail_store (secrets, NULL);

  new_key = fake_harness_lookup_key (f->harness, "laptop_token");
  g_assert_cmpstr (new_key, !=, old_key);
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (dialog), "No keyring is running."));
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (dialog), "shown only once"));
  label = adw_alert_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_LABEL (label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, new_key);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));

  respond (dialog, "_Copy Key");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), NULL, test_wait_on_ready, &result);
  TEST_WAIT_UNTIL (result != NULL);
  copied = gdk_clipboard_read_text_finish (gtk_widget_get_clipboard (GTK_WIDGET (f->window)), result, NULL);
  g_assert_cmpstr (copied, ==, new_key);

  /* The credential keeps the old key, which works until the grace ends. */
  stored = store_sync_lookup_token (f->store, id, NULL);
  g_assert_cmpstr (stored, ==, old_key);
  tessera_secure_free (stored);
  g_assert_true (fake_harness_key_is_valid (f->harness, old_key));
  g_assert_true (fake_harness_key_is_valid (f->harness, new_key));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!window_fixture_init (&argc, &argv))
    return 0;

#define ADD(path, func) \
  g_test_add ("/window-lifecycle/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("revoke", test_revoke);
  ADD ("revoke-refused", test_revoke_refused);
  ADD ("delete-without-revoke", test_delete_without_revoke);
  ADD ("rotate", test_rotate);
  ADD ("renew", test_renew);
  ADD ("renew-delete-fails", test_renew_delete_fails);
  ADD ("rotate-keyring-fails", test_rotate_keyring_fails);

#undef ADD

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
