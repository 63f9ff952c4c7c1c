/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-dialog.c: the add / edit credential dialog, driven like a person
 * drives it (rows found by their titles, buttons by their words) against
 * the real store (keyfile GSettings, libsecret's file backend) and the
 * fake Harness on 127.0.0.1. Needs a display: run under build-aux/session.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "fake-harness.h"
#include "store-sync.h"
#include "tessera-credential-dialog.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "test-wait.h"
#include "test-widgets.h"

/* A key of the real shape that the fake does not know: Harness says 401. */
#define UNKNOWN_PAT "pat." FAKE_HARNESS_DEMO_ACCOUNT ".64656d6f00000000000000ff.UnknownSecret0000001"
#define OTHER_ACCOUNT "OtherAccount0000000001"
/* The older three-part shape carries no account. */
#define LEGACY_PAT "pat.64656d6f0000000000000010.LegacySecret00000001"

typedef struct
{
  FakeHarness  *harness;
  TesseraStore *store;
} Fixture;

/* Helpers */

static gboolean
button_has_label (GtkWidget  *widget,
                  const char *text)
{
  return GTK_IS_BUTTON (widget) && test_find_widget (widget, test_label_has_text, text) != NULL;
}

static GtkWidget *
find_button (GtkWidget  *dialog,
             const char *label)
{
  GtkWidget *button = test_find_widget (dialog, button_has_label, label);

  if (button == NULL)
    g_error ("no button labelled “%s”", label);

  return button;
}

static const char *
row_text (GtkWidget  *dialog,
          const char *title)
{
  return gtk_editable_get_text (GTK_EDITABLE (test_find_row (dialog, title)));
}

static void
type_into (GtkWidget  *dialog,
           const char *title,
           const char *text)
{
  GtkWidget *row = test_find_row (dialog, title);

  g_assert_true (gtk_widget_is_sensitive (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static gboolean
can_click (GtkWidget  *dialog,
           const char *label)
{
  GtkWidget *button = find_button (dialog, label);

  return gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button);
}

static void
click (GtkWidget  *dialog,
       const char *label)
{
  g_assert_true (can_click (dialog, label));
  g_signal_emit_by_name (find_button (dialog, label), "clicked");
}

/* Presses a key as GTK would deliver it to the focused widget: the first
 * shortcut for it from there up to the window handles it (the dialog's
 * sheet closes on Escape). */
static void
press_key (GtkWidget  *dialog,
           guint       keyval)
{
  g_autoptr(GtkShortcutTrigger) wanted = gtk_keyval_trigger_new (keyval, 0);
  GtkWidget *start = gtk_root_get_focus (gtk_widget_get_root (dialog));

  if (start == NULL || !gtk_widget_is_ancestor (start, dialog))
    start = find_button (dialog, "Cancel");

  for (GtkWidget *widget = start; widget != NULL; widget = gtk_widget_get_parent (widget))
    {
      g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

      for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
        {
          g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

          if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
            continue;

          for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
            {
              g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

              if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
                {
                  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                                               gtk_shortcut_get_arguments (shortcut)));
                  return;
                }
            }
        }
    }

  g_error ("the dialog does not handle key %s", gdk_keyval_name (keyval));
}

/* The window the dialogs open in, as the main window would be. */
static GtkWindow *
host_window (int width,
             int height)
{
  static GtkWindow *host;

  if (host == NULL)
    {
      host = GTK_WINDOW (adw_window_new ());
      gtk_window_set_title (host, "Host");
      g_object_add_weak_pointer (G_OBJECT (host), (gpointer *) &host);
    }
  gtk_window_set_default_size (host, width, height);
  gtk_window_present (host);

  return host;
}

static GtkWidget *
open_dialog_in (Fixture           *fixture,
                TesseraCredential *credential,
                int                width,
                int                height)
{
  GtkWidget *dialog = GTK_WIDGET (tessera_credential_dialog_new (fixture->store, credential));
  GtkWindow *host = host_window (width, height);

  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (host)) && gtk_widget_get_width (GTK_WIDGET (host)) <= width);
  /* Our own reference, for g_assert_finalize_object() at the end. */
  g_object_ref_sink (dialog);
  adw_dialog_present (ADW_DIALOG (dialog), GTK_WIDGET (host));
  /* The sheet shows its content once it starts to open. */
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (find_button (dialog, "Cancel")));
  /* Inside the window: no toplevel of its own. */
  g_assert_true (gtk_widget_get_root (dialog) == GTK_ROOT (host));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, 1);

  return dialog;
}

static GtkWidget *
open_dialog (Fixture           *fixture,
             TesseraCredential *credential)
{
  return open_dialog_in (fixture, credential, 800, 720);
}

/* Closes at once, without the animation, as a destroyed window would. */
static void
close_dialog (GtkWidget *dialog)
{
  adw_dialog_force_close (ADW_DIALOG (dialog));
}

static void
weak_notify_cb (gpointer  user_data,
                GObject  *where_the_object_was)
{
  gboolean *finalized = user_data;

  *finalized = TRUE;
}

/* The dialog closes itself when saved or cancelled; once its requests are
 * finished or cancelled nothing else holds it. */
static void
assert_dialog_finalized (GtkWidget *dialog)
{
  gboolean finalized = FALSE;

  /* Closed: taken out of the window. */
  TEST_WAIT_UNTIL (gtk_widget_get_parent (dialog) == NULL);
  g_object_weak_ref (G_OBJECT (dialog), weak_notify_cb, &finalized);
  g_object_unref (dialog);
  TEST_WAIT_UNTIL (finalized);
}

static const char *
field_message (GtkWidget  *dialog,
               const char *title,
               gboolean   *is_error)
{
  return tessera_credential_dialog_get_field_message (TESSERA_CREDENTIAL_DIALOG (dialog), title, is_error);
}

static void
assert_field_error (GtkWidget  *dialog,
                    const char *title)
{
  gboolean is_error = FALSE;
  const char *message = field_message (dialog, title, &is_error);

  if (message == NULL || !is_error)
    g_error ("expected an error under “%s”, got %s", title, message ? message : "nothing");
  g_assert_true (gtk_widget_has_css_class (test_find_row (dialog, title), "error"));
  g_assert_false (can_click (dialog, "Save"));
}

static void
assert_no_field_error (GtkWidget  *dialog,
                       const char *title)
{
  gboolean is_error = TRUE;
  const char *message = field_message (dialog, title, &is_error);

  if (is_error)
    g_error ("unexpected error under “%s”: %s", title, message);
  g_assert_false (gtk_widget_has_css_class (test_find_row (dialog, title), "error"));
}

static void
saved_cb (TesseraCredentialDialog  *dialog,
          TesseraCredential        *credential,
          TesseraCredential       **out)
{
  g_assert_null (*out);
  *out = g_object_ref (credential);
}

/* Free with tessera_secure_free(). */
static char *
lookup_token (Fixture    *fixture,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  char *value = store_sync_lookup_token (fixture->store, id, &error);

  g_assert_no_error (error);
  return value;
}

static guint
count_keyring_items (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GList *items;
  guint count;

  secret_password_search (tessera_libsecret_backend_get_schema (), SECRET_SEARCH_ALL,
                          NULL, test_wait_on_ready, &result, NULL);
  items = secret_password_search_finish (test_wait_for (&result), &error);
  g_assert_no_error (error);
  count = g_list_length (items);
  g_list_free_full (items, g_object_unref);

  return count;
}

/* A credential saved the way the command line would, for edit tests. */
static TesseraCredential *
add_credential (Fixture    *fixture,
                const char *name,
                const char *key)
{
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;

  credential = store_sync_add (fixture->store, name, "Before the edit", NULL,
                               fake_harness_get_base_url (fixture->harness), key, NULL, NULL, &error);
  g_assert_no_error (error);

  return credential;
}

static guint
n_credentials (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->store));
}

/* Fills a form that is valid against the fake, with @key. */
static void
fill_valid_form (Fixture    *fixture,
                 GtkWidget  *dialog,
                 const char *key)
{
  type_into (dialog, "Credential name", "Deploy bot");
  type_into (dialog, "Credential description", "Used by the release pipeline");
  type_into (dialog, "API key", key);
  type_into (dialog, "API base URL", fake_harness_get_base_url (fixture->harness));
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  /* The keyfile backend is one per process: start every test empty. */
  g_settings_reset (settings, "credentials");
  g_settings_reset (settings, "selected-credential");
  g_settings_reset (settings, "default-base-url");

  fixture->harness = fake_harness_new ();
  fake_harness_add_demo_tokens (fixture->harness);

  fixture->store = tessera_store_new (NULL, NULL);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->store);
  g_clear_object (&fixture->harness);
}

/* Tests */

static void
test_create_destroy (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TesseraCredential) credential = add_credential (fixture, "Existing", FAKE_HARNESS_DEMO_PAT);
  GtkWidget *dialog;

  dialog = open_dialog (fixture, NULL);
  close_dialog (dialog);
  assert_dialog_finalized (dialog);

  dialog = open_dialog (fixture, credential);
  g_assert_true (tessera_credential_dialog_get_credential (TESSERA_CREDENTIAL_DIALOG (dialog)) == credential);
  close_dialog (dialog);
  assert_dialog_finalized (dialog);
}

static void
test_initial_state (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *dialog;
  GtkWidget *focus;

  dialog = open_dialog (fixture, NULL);

  g_assert_cmpstr (adw_dialog_get_title (ADW_DIALOG (dialog)), ==, "Add Credential");

  /* Focus starts in the name row (given once the dialog is shown). */
  TEST_WAIT_UNTIL (gtk_root_get_focus (gtk_widget_get_root (dialog)) != NULL &&
              gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (dialog)), dialog));
  focus = gtk_root_get_focus (gtk_widget_get_root (dialog));
  g_assert_true (focus == test_find_row (dialog, "Credential name") ||
                 gtk_widget_is_ancestor (focus, test_find_row (dialog, "Credential name")));

  /* Every field is there, empty, without errors before anything is typed. */
  g_assert_cmpstr (row_text (dialog, "Credential name"), ==, "");
  g_assert_cmpstr (row_text (dialog, "Credential description"), ==, "");
  g_assert_cmpstr (row_text (dialog, "API key"), ==, "");
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, "");
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (test_find_row (dialog, "API key")));
  assert_no_field_error (dialog, "Credential name");
  assert_no_field_error (dialog, "API key");
  assert_no_field_error (dialog, "Account ID");
  g_assert_nonnull (field_message (dialog, "Credential description", NULL));

  /* The server is collapsed and says where it points. */
  g_assert_cmpstr (row_text (dialog, "API base URL"), ==, "https://app.harness.io");
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (test_find_row (dialog, "Server"))), ==, "https://app.harness.io");
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (test_find_row (dialog, "Server"))));
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (test_find_row (dialog, "Where do I get one?"))));

  g_assert_true (can_click (dialog, "Cancel"));
  g_assert_false (can_click (dialog, "Save"));

  close_dialog (dialog);
  assert_dialog_finalized (dialog);

  /* A profile can point new credentials at another server. */
  g_settings_set_string (settings, "default-base-url", fake_harness_get_base_url (fixture->harness));
  dialog = open_dialog (fixture, NULL);
  g_assert_cmpstr (row_text (dialog, "API base URL"), ==, fake_harness_get_base_url (fixture->harness));
  close_dialog (dialog);
  assert_dialog_finalized (dialog);
}

/* A phone-sized window: nothing in the form may need more than 360 px,
 * not even the longest messages and the banner. */
static void
test_narrow (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) gone = fake_harness_new ();
  g_autofree char *gone_url = g_strdup (fake_harness_get_base_url (gone));
  GtkWidget *dialog = open_dialog_in (fixture, NULL, 360, 640);
  int minimum = 0;

  /* On a phone-sized window it is a bottom sheet as wide as the window. */
  TEST_WAIT_UNTIL (gtk_widget_get_ancestor (find_button (dialog, "Cancel"), ADW_TYPE_BOTTOM_SHEET) != NULL);
  g_assert_cmpint (gtk_widget_get_width (dialog), <=, 360);

  /* With the banner and its button */
  g_clear_object (&gone);
  fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_PAT);
  type_into (dialog, "API base URL", gone_url);
  click (dialog, "Save");
  TEST_WAIT_UNTIL (can_click (dialog, "Save Without Verifying"));
  gtk_widget_measure (dialog, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);

  /* With errors under the rows and the help open */
  type_into (dialog, "API key", LEGACY_PAT);
  type_into (dialog, "API base URL", "http://harness.example.com/a/very/long/path/that/goes/on");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (test_find_row (dialog, "Where do I get one?")), TRUE);
  assert_field_error (dialog, "API base URL");
  assert_field_error (dialog, "Account ID");

  gtk_widget_measure (dialog, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (minimum, <=, 360);

  g_assert_cmpint (gtk_widget_get_width (dialog), <=, 360);

  close_dialog (dialog);
  assert_dialog_finalized (dialog);
}

static void
test_add_verified (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TesseraCredential) saved = NULL;
  g_auto(TesseraSecret) stored = NULL;
  const FakeHarnessRequest *request;
  GtkWidget *dialog;
  guint items_before = count_keyring_items ();

  dialog = open_dialog (fixture, NULL);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);

  fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_PAT);

  /* The kind is detected and the account filled in from the key. */
  g_assert_cmpstr (field_message (dialog, "API key", NULL), ==, "Personal access token");
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  assert_no_field_error (dialog, "Account ID");

  /* An account the user typed is theirs: a new key does not overwrite it. */
  type_into (dialog, "Account ID", OTHER_ACCOUNT);
  type_into (dialog, "API key", FAKE_HARNESS_DEMO_SAT);
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, OTHER_ACCOUNT);
  assert_field_error (dialog, "Account ID");
  type_into (dialog, "Account ID", "");
  type_into (dialog, "API key", FAKE_HARNESS_DEMO_PAT);
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, FAKE_HARNESS_DEMO_ACCOUNT);

  click (dialog, "Save");
  g_assert_true (tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));
  g_assert_false (can_click (dialog, "Save"));

  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  g_assert_cmpuint (n_credentials (fixture), ==, 1);
  g_assert_cmpstr (tessera_credential_get_name (saved), ==, "Deploy bot");
  g_assert_cmpstr (tessera_credential_get_description (saved), ==, "Used by the release pipeline");
  g_assert_cmpstr (tessera_credential_get_account_id (saved), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  g_assert_cmpstr (tessera_credential_get_base_url (saved), ==, fake_harness_get_base_url (fixture->harness));
  g_assert_cmpint (tessera_credential_get_status (saved), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpint (tessera_credential_get_kind (saved), ==, TESSERA_CREDENTIAL_KIND_PAT);
  g_assert_cmpstr (tessera_credential_get_account_name (saved), ==, FAKE_HARNESS_DEMO_ACCOUNT_NAME);

  stored = lookup_token (fixture, tessera_credential_get_id (saved));
  g_assert_cmpstr (stored, ==, FAKE_HARNESS_DEMO_PAT);
  g_assert_cmpuint (count_keyring_items (), ==, items_before + 1);

  /* Harness was asked with the key in the header, for the key's account. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), >=, 1);
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_true (g_str_has_suffix (request->path, "/ng/api/token/validate"));
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, FAKE_HARNESS_DEMO_PAT);
}

static void
test_rejected (Fixture       *fixture,
               gconstpointer  data)
{
  const char *keys[] = { UNKNOWN_PAT, FAKE_HARNESS_DEMO_PAT_EXPIRED };
  const char *reasons[] = { "did not accept", "expired" };
  guint items_before = count_keyring_items ();

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(TesseraCredential) saved = NULL;
      GtkWidget *dialog;
      const char *banner;

      dialog = open_dialog (fixture, NULL);
      g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);
      fill_valid_form (fixture, dialog, keys[i]);

      click (dialog, "Save");
      TEST_WAIT_UNTIL (!tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));

      /* Still open, with the reason, and nothing offered to save anyway. */
      g_assert_true (gtk_widget_get_visible (dialog));
      banner = tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog));
      g_assert_nonnull (banner);
      g_test_message ("banner: %s", banner);
      g_assert_nonnull (strstr (banner, reasons[i]));
      g_assert_null (strstr (banner, keys[i]));
      g_assert_false (can_click (dialog, "Save Without Verifying"));
      g_assert_true (can_click (dialog, "Save"));
      g_assert_null (saved);

      g_assert_cmpuint (n_credentials (fixture), ==, 0);
      g_assert_cmpuint (count_keyring_items (), ==, items_before);

      /* Editing the form puts the stale reason away. */
      type_into (dialog, "Credential name", "Deploy bot 2");
      g_assert_null (tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog)));

      click (dialog, "Cancel");
      assert_dialog_finalized (dialog);
    }
}

static void
test_server_down (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(FakeHarness) gone = fake_harness_new ();
  g_autofree char *gone_url = g_strdup (fake_harness_get_base_url (gone));
  g_autoptr(TesseraCredential) saved = NULL;
  g_auto(TesseraSecret) stored = NULL;
  GtkWidget *dialog;
  const char *banner;

  /* Nothing listens there any more: connection refused. */
  g_clear_object (&gone);

  dialog = open_dialog (fixture, NULL);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);
  fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_SAT);
  type_into (dialog, "API base URL", gone_url);

  click (dialog, "Save");
  TEST_WAIT_UNTIL (!tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));

  banner = tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog));
  g_assert_nonnull (banner);
  g_test_message ("banner: %s", banner);
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_cmpuint (n_credentials (fixture), ==, 0);
  g_assert_null (saved);

  /* Offered once the banner has slid in. */
  TEST_WAIT_UNTIL (can_click (dialog, "Save Without Verifying"));
  click (dialog, "Save Without Verifying");
  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  g_assert_cmpuint (n_credentials (fixture), ==, 1);
  g_assert_cmpint (tessera_credential_get_status (saved), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpstr (tessera_credential_get_base_url (saved), ==, gone_url);
  g_assert_cmpstr (tessera_credential_get_account_id (saved), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  stored = lookup_token (fixture, tessera_credential_get_id (saved));
  g_assert_cmpstr (stored, ==, FAKE_HARNESS_DEMO_SAT);
}

static void
test_server_error (Fixture       *fixture,
                   gconstpointer  data)
{
  FakeHarnessReply reply = { .path = "/ng/api/token/validate", .times = 10, .status = 503 };
  GtkWidget *dialog;

  fake_harness_queue_reply_full (fixture->harness, &reply);

  dialog = open_dialog (fixture, NULL);
  fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_PAT);
  click (dialog, "Save");
  TEST_WAIT_UNTIL (!tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));

  /* A server failure says nothing about the key: saving anyway is offered. */
  g_assert_nonnull (tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog)));
  TEST_WAIT_UNTIL (can_click (dialog, "Save Without Verifying"));
  g_assert_cmpuint (n_credentials (fixture), ==, 0);

  press_key (dialog, GDK_KEY_Escape);
  assert_dialog_finalized (dialog);
  g_assert_cmpuint (n_credentials (fixture), ==, 0);
}

static void
test_invalid_inputs (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(TesseraCredential) existing = add_credential (fixture, "Production", FAKE_HARNESS_DEMO_SAT);
  GtkWidget *dialog;

  dialog = open_dialog (fixture, NULL);
  fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_PAT);
  g_assert_true (can_click (dialog, "Save"));

  /* Empty name */
  type_into (dialog, "Credential name", "");
  assert_field_error (dialog, "Credential name");
  type_into (dialog, "Credential name", "Deploy bot");
  assert_no_field_error (dialog, "Credential name");
  g_assert_true (can_click (dialog, "Save"));

  /* A name another credential has, in other letter case */
  type_into (dialog, "Credential name", "  production ");
  assert_field_error (dialog, "Credential name");
  type_into (dialog, "Credential name", "Deploy bot");
  g_assert_true (can_click (dialog, "Save"));

  /* Text that is not a Harness key; the message never quotes it */
  type_into (dialog, "API key", "Bearer abcdef");
  assert_field_error (dialog, "API key");
  g_assert_null (strstr (field_message (dialog, "API key", NULL), "abcdef"));
  type_into (dialog, "API key", "sat.x");
  assert_field_error (dialog, "API key");
  type_into (dialog, "API key", FAKE_HARNESS_DEMO_PAT);
  assert_no_field_error (dialog, "API key");
  g_assert_true (can_click (dialog, "Save"));

  /* An account the key does not belong to */
  type_into (dialog, "Account ID", OTHER_ACCOUNT);
  assert_field_error (dialog, "Account ID");
  type_into (dialog, "Account ID", FAKE_HARNESS_DEMO_ACCOUNT);
  assert_no_field_error (dialog, "Account ID");
  g_assert_true (can_click (dialog, "Save"));

  /* Plain http to another machine; the collapsed server row opens to show it */
  type_into (dialog, "API base URL", "http://harness.example.com");
  assert_field_error (dialog, "API base URL");
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (test_find_row (dialog, "Server"))));
  type_into (dialog, "API base URL", "https://harness.example.com/gateway/");
  assert_no_field_error (dialog, "API base URL");
  g_assert_true (can_click (dialog, "Save"));

  /* Enter on an invalid form saves nothing and goes to the wrong row */
  type_into (dialog, "Credential name", "");
  g_signal_emit_by_name (test_find_row (dialog, "API base URL"), "entry-activated");
  test_wait_run_for (100);
  g_assert_false (tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (dialog)), test_find_row (dialog, "Credential name")));

  close_dialog (dialog);
  assert_dialog_finalized (dialog);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
  g_assert_cmpuint (n_credentials (fixture), ==, 1);
}

static void
test_legacy_key (Fixture       *fixture,
                 gconstpointer  data)
{
  FakeHarnessToken legacy = { .token = LEGACY_PAT, .account_id = FAKE_HARNESS_DEMO_ACCOUNT };
  g_autoptr(TesseraCredential) saved = NULL;
  g_auto(TesseraSecret) stored = NULL;
  GtkWidget *dialog;
  const char *message;

  fake_harness_add_token_full (fixture->harness, &legacy);

  dialog = open_dialog (fixture, NULL);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);
  fill_valid_form (fixture, dialog, LEGACY_PAT);

  /* The key is fine, but says nothing of its account: ask for it. */
  assert_no_field_error (dialog, "API key");
  message = field_message (dialog, "API key", NULL);
  g_assert_nonnull (strstr (message, "account ID"));
  assert_field_error (dialog, "Account ID");

  type_into (dialog, "Account ID", FAKE_HARNESS_DEMO_ACCOUNT);
  assert_no_field_error (dialog, "Account ID");

  /* Enter in the last row saves. */
  g_signal_emit_by_name (test_find_row (dialog, "Account ID"), "entry-activated");
  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  g_assert_cmpint (tessera_credential_get_status (saved), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_account_id (saved), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  stored = lookup_token (fixture, tessera_credential_get_id (saved));
  g_assert_cmpstr (stored, ==, LEGACY_PAT);
}

static void
test_edit_keeps_token (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(TesseraCredential) credential = add_credential (fixture, "Deploy bot", FAKE_HARNESS_DEMO_PAT);
  g_autoptr(TesseraCredential) saved = NULL;
  g_auto(TesseraSecret) stored = NULL;
  GtkWidget *dialog;
  const char *hint;

  dialog = open_dialog (fixture, credential);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);

  g_assert_cmpstr (adw_dialog_get_title (ADW_DIALOG (dialog)), ==, "Edit Credential");
  g_assert_cmpstr (row_text (dialog, "Credential name"), ==, "Deploy bot");
  g_assert_cmpstr (row_text (dialog, "Credential description"), ==, "Before the edit");
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  g_assert_cmpstr (row_text (dialog, "API base URL"), ==, fake_harness_get_base_url (fixture->harness));

  /* The key row is empty and says what empty means. */
  g_assert_cmpstr (row_text (dialog, "API key"), ==, "");
  hint = field_message (dialog, "API key", NULL);
  g_assert_nonnull (hint);
  g_assert_nonnull (strstr (hint, "keep the current key"));
  g_assert_null (strstr (hint, FAKE_HARNESS_DEMO_PAT));
  g_assert_true (can_click (dialog, "Save"));

  /* Its own name is no duplicate. */
  type_into (dialog, "Credential name", "deploy BOT");
  assert_no_field_error (dialog, "Credential name");
  type_into (dialog, "Credential description", "After the edit");

  click (dialog, "Save");
  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  g_assert_true (saved == credential);
  g_assert_cmpstr (tessera_credential_get_name (credential), ==, "deploy BOT");
  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "After the edit");
  stored = lookup_token (fixture, tessera_credential_get_id (credential));
  g_assert_cmpstr (stored, ==, FAKE_HARNESS_DEMO_PAT);

  /* Only words changed: nothing to ask Harness. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
  g_assert_cmpuint (n_credentials (fixture), ==, 1);
}

static void
test_edit_replaces_token (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TesseraCredential) credential = add_credential (fixture, "Deploy bot", FAKE_HARNESS_DEMO_PAT);
  g_autoptr(TesseraCredential) saved = NULL;
  g_auto(TesseraSecret) stored = NULL;
  const FakeHarnessRequest *request;
  GtkWidget *dialog;

  dialog = open_dialog (fixture, credential);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);

  /* The account follows the key, and comes back with the stored one. */
  type_into (dialog, "API key", LEGACY_PAT);
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, "");
  assert_field_error (dialog, "Account ID");
  type_into (dialog, "API key", "");
  g_assert_cmpstr (row_text (dialog, "Account ID"), ==, FAKE_HARNESS_DEMO_ACCOUNT);
  g_assert_true (can_click (dialog, "Save"));

  type_into (dialog, "API key", FAKE_HARNESS_DEMO_SAT);
  g_assert_cmpstr (field_message (dialog, "API key", NULL), ==, "Service account token");

  click (dialog, "Save");
  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  /* The new key was verified, then replaced the old one. */
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, FAKE_HARNESS_DEMO_SAT);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpint (tessera_credential_get_kind (credential), ==, TESSERA_CREDENTIAL_KIND_SAT);
  stored = lookup_token (fixture, tessera_credential_get_id (credential));
  g_assert_cmpstr (stored, ==, FAKE_HARNESS_DEMO_SAT);
  g_assert_cmpuint (n_credentials (fixture), ==, 1);
}

static void
test_edit_rejected_token (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TesseraCredential) credential = add_credential (fixture, "Deploy bot", FAKE_HARNESS_DEMO_PAT);
  g_auto(TesseraSecret) stored = NULL;
  GtkWidget *dialog;

  dialog = open_dialog (fixture, credential);
  type_into (dialog, "API key", UNKNOWN_PAT);
  type_into (dialog, "Credential description", "Should not be saved");
  click (dialog, "Save");
  TEST_WAIT_UNTIL (!tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));
  g_assert_nonnull (tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog)));

  click (dialog, "Cancel");
  assert_dialog_finalized (dialog);

  g_assert_cmpstr (tessera_credential_get_description (credential), ==, "Before the edit");
  stored = lookup_token (fixture, tessera_credential_get_id (credential));
  g_assert_cmpstr (stored, ==, FAKE_HARNESS_DEMO_PAT);
}

static void
test_edit_server_reverifies (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(FakeHarness) second = fake_harness_new ();
  g_autoptr(TesseraCredential) credential = add_credential (fixture, "Deploy bot", FAKE_HARNESS_DEMO_PAT);
  g_autoptr(TesseraCredential) saved = NULL;
  const FakeHarnessRequest *request;
  GtkWidget *dialog;

  fake_harness_add_demo_tokens (second);

  /* A new server, no new key: the stored key is checked there. */
  dialog = open_dialog (fixture, credential);
  g_signal_connect (dialog, "saved", G_CALLBACK (saved_cb), &saved);
  type_into (dialog, "API base URL", fake_harness_get_base_url (second));
  click (dialog, "Save");
  TEST_WAIT_UNTIL (saved != NULL);
  assert_dialog_finalized (dialog);

  g_assert_cmpuint (fake_harness_get_n_requests (second), >=, 1);
  request = fake_harness_get_request (second, 0);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, FAKE_HARNESS_DEMO_PAT);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (second));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
}

static void
test_cancel_while_verifying (Fixture       *fixture,
                             gconstpointer  data)
{
  FakeHarnessReply hold = { .path = "/ng/api/token/validate", .times = 2, .never_answer = TRUE };
  guint items_before = count_keyring_items ();

  fake_harness_queue_reply_full (fixture->harness, &hold);

  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *dialog = open_dialog (fixture, NULL);

      fill_valid_form (fixture, dialog, FAKE_HARNESS_DEMO_PAT);
      click (dialog, "Save");
      TEST_WAIT_UNTIL (fake_harness_get_n_requests (fixture->harness) == i + 1);
      g_assert_true (tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog)));

      /* Cancel stays available while Harness is asked. The request is
       * cancelled, not waited for: the server never answers, so the dialog
       * could only be finalized this fast if it was. */
      if (i == 0)
        press_key (dialog, GDK_KEY_Escape);
      else
        click (dialog, "Cancel");

      assert_dialog_finalized (dialog);
    }

  test_wait_run_for (200);
  g_assert_cmpuint (n_credentials (fixture), ==, 0);
  g_assert_cmpuint (count_keyring_items (), ==, items_before);
}

static void
test_cluster_menu (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *dialog = open_dialog (fixture, NULL);
  AdwExpanderRow *server = ADW_EXPANDER_ROW (test_find_row (dialog, "Server"));

  g_assert_true (gtk_widget_activate_action (dialog, "credential-dialog.use-cluster", "s", "https://accounts.eu.harness.io"));
  g_assert_cmpstr (row_text (dialog, "API base URL"), ==, "https://accounts.eu.harness.io");
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (server), "accounts.eu.harness.io"));
  assert_no_field_error (dialog, "API base URL");

  /* Any host can be typed: a vanity URL or a Self-Managed Platform. */
  type_into (dialog, "API base URL", "https://harness.example.org");
  assert_no_field_error (dialog, "API base URL");

  close_dialog (dialog);
  assert_dialog_finalized (dialog);
}

static void
test_key_cleared_on_close (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkWidget *dialog = open_dialog (fixture, NULL);
  GtkWidget *key_row = test_find_row (dialog, "API key");

  g_object_ref (key_row);
  type_into (dialog, "API key", FAKE_HARNESS_DEMO_PAT);
  click (dialog, "Cancel");

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key_row)), ==, "");
  g_object_unref (key_row);
  assert_dialog_finalized (dialog);
}

static void
remove_state_dir (const char *state_dir)
{
  const char *paths[] = {
    "config/glib-2.0/settings/keyfile",
    "config/glib-2.0/settings",
    "config/glib-2.0",
    "config",
    "test.keyring",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *path = g_build_filename (state_dir, paths[i], NULL);

      g_remove (path);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *keyring = NULL;
  g_autofree char *config_dir = NULL;
  int ret;

  /* Before anything reads them: secrets in libsecret's own file, settings
   * in a keyfile, both in a directory of our own. The keyfile backend is
   * created once per process, so it is created here, before each test gets
   * its own (short-lived) directories. */
  state_dir = g_dir_make_tmp ("tessera-test-dialog-XXXXXX", NULL);
  g_assert_nonnull (state_dir);
  keyring = g_build_filename (state_dir, "test.keyring", NULL);
  config_dir = g_build_filename (state_dir, "config", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "tessera-test", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  /* These tests drive widgets directly. Registering with an AT-SPI bus
   * only adds a 25 s timeout when the bus is slow (under ASan). */
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  settings = g_settings_new (APP_ID);

  /* Icons are SVGs that gdk-pixbuf recognises through the shared MIME
   * database: load it from the real data directories before each test
   * gets its own empty ones. */
  g_free (g_content_type_guess ("icon.svg", NULL, 0, NULL));

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      remove_state_dir (state_dir);
      g_print ("1..0 # SKIP no display: run under build-aux/session\n");
      return 0;
    }

  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/dialog/create-destroy", test_create_destroy);
  ADD ("/dialog/initial-state", test_initial_state);
  ADD ("/dialog/narrow", test_narrow);
  ADD ("/dialog/add-verified", test_add_verified);
  ADD ("/dialog/rejected", test_rejected);
  ADD ("/dialog/server-down", test_server_down);
  ADD ("/dialog/server-error", test_server_error);
  ADD ("/dialog/invalid-inputs", test_invalid_inputs);
  ADD ("/dialog/legacy-key", test_legacy_key);
  ADD ("/dialog/edit-keeps-token", test_edit_keeps_token);
  ADD ("/dialog/edit-replaces-token", test_edit_replaces_token);
  ADD ("/dialog/edit-rejected-token", test_edit_rejected_token);
  ADD ("/dialog/edit-server-reverifies", test_edit_server_reverifies);
  ADD ("/dialog/cancel-while-verifying", test_cancel_while_verifying);
  ADD ("/dialog/cluster-menu", test_cluster_menu);
  ADD ("/dialog/key-cleared-on-close", test_key_cleared_on_close);

#undef ADD

  ret = g_test_run ();

  g_clear_object (&settings);
  remove_state_dir (state_dir);

  return ret;
}
