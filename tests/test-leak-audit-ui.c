/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-leak-audit-ui.c: the window's part of the token-leak audit
 *
 * Not a test on its own: tests/test-leak-audit.py runs it inside the
 * audit's throwaway home, beside the `tessera` command line, and searches
 * everything it printed, wrote and held in its argv and environment for
 * the keys it was given. It drives the real window and the real credential
 * dialog in-process (keyfile GSettings and the keyring that the audit
 * chose, through the environment), against the servers of
 * tests/leak-audit-servers.c.
 *
 * Standard input gives it the servers and the keys, one "NAME VALUE" line
 * each, then "end": keys never go through argv or the environment, which
 * the audit searches. At each checkpoint it prints "# checkpoint NAME" and
 * waits for a line on standard input, so that the audit can read
 * /proc/<pid>/cmdline and /proc/<pid>/environ while a key is on screen, in
 * flight or on the clipboard.
 *
 * Nothing here prints a key, not even when an assertion fails: keys are
 * compared with g_assert_true (g_strcmp0 (…) == 0), never with
 * g_assert_cmpstr.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <adwaita.h>

#include "store-sync.h"
#include "tessera-credential-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-store.h"
#include "tessera-window.h"
#include "test-wait.h"
#include "test-widgets.h"

static GHashTable *config;   /* "url-main", "key-gui-add", … → value */

/* ------------------------------------------------------------------ */
/* The audit's side */

static const char *
get (const char *name)
{
  const char *value = g_hash_table_lookup (config, name);

  if (value == NULL)
    g_error ("standard input gave no “%s”", name);

  return value;
}

static void
read_config (void)
{
  char line[8192];

  config = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      char *space;

      g_strchomp (line);
      if (g_str_equal (line, "end"))
        return;

      space = strchr (line, ' ');
      if (space == NULL)
        g_error ("cannot read a line of the configuration");
      *space = '\0';
      g_hash_table_insert (config, g_strdup (line), g_strdup (space + 1));
    }

  g_error ("standard input ended before “end”");
}

/* Every text on screen goes to standard output, which the audit searches:
 * labels, tooltips, titles and the text of every field but the API key's
 * own (which shows the key the user pasted, hidden, by design). */
static void
collect_screen_text (GtkWidget  *widget,
                     GHashTable *texts)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);

  if (ADW_IS_PASSWORD_ENTRY_ROW (widget))
    {
      g_hash_table_add (texts, g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget))));
      return;
    }

  if (GTK_IS_LABEL (widget))
    g_hash_table_add (texts, g_strdup (gtk_label_get_label (GTK_LABEL (widget))));
  if (GTK_IS_EDITABLE (widget))
    g_hash_table_add (texts, g_strdup (gtk_editable_get_text (GTK_EDITABLE (widget))));
  if (GTK_IS_WINDOW (widget) && gtk_window_get_title (GTK_WINDOW (widget)) != NULL)
    g_hash_table_add (texts, g_strdup (gtk_window_get_title (GTK_WINDOW (widget))));
  if (tooltip != NULL)
    g_hash_table_add (texts, g_strdup (tooltip));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_screen_text (child, texts);
}

static guint
dump_screen (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr(GHashTable) texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer text;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      collect_screen_text (window, texts);
    }

  g_hash_table_iter_init (&iter, texts);
  while (g_hash_table_iter_next (&iter, &text, NULL))
    {
      g_autofree char *one_line = g_strdelimit (g_strdup (text), "\r\n", ' ');

      if (*(char *) text != '\0')
        g_print ("# screen: %s\n", one_line);
    }

  return g_hash_table_size (texts);
}

/* The audit samples this process now; the UI stands still meanwhile. */
static void
checkpoint (const char *name)
{
  char line[64];

  dump_screen ();
  g_test_message ("checkpoint %s", name);
  fflush (stdout);
  if (fgets (line, sizeof line, stdin) == NULL)
    g_error ("standard input ended at checkpoint %s", name);
}

/* ------------------------------------------------------------------ */
/* Widgets */

static gboolean
button_has_text (GtkWidget  *widget,
                 const char *text)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_get_visible (widget) &&
         (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), text) == 0 ||
          test_find_widget (widget, test_label_has_text, text) != NULL);
}

static gboolean
is_tile_of (GtkWidget  *widget,
            const char *name)
{
  TesseraCredential *credential;

  if (!TESSERA_IS_CREDENTIAL_TILE (widget))
    return FALSE;

  credential = tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (widget));
  return credential != NULL && g_strcmp0 (tessera_credential_get_name (credential), name) == 0;
}

static gboolean
is_toast_with_title (GtkWidget  *widget,
                     const char *title)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") &&
         test_find_widget (widget, test_label_has_text, title) != NULL;
}

static void
type_into (GtkWidget  *dialog,
           const char *title,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (test_find_row (dialog, title)), text);
}

static gboolean
can_click (GtkWidget  *root,
           const char *label)
{
  GtkWidget *button = test_find_widget (root, button_has_text, label);

  return button != NULL && gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button);
}

static void
click (GtkWidget  *root,
       const char *label)
{
  g_assert_true (can_click (root, label));
  g_signal_emit_by_name (test_find_widget (root, button_has_text, label), "clicked");
}

static GtkWidget *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);
      AdwDialog *dialog = NULL;

      /* The dialog lives inside the main window. */
      if (ADW_IS_APPLICATION_WINDOW (window))
        dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window));

      if (TESSERA_IS_CREDENTIAL_DIALOG (dialog))
        return GTK_WIDGET (dialog);
    }

  return NULL;
}

static gboolean
dialog_busy (GtkWidget *dialog)
{
  return tessera_credential_dialog_get_busy (TESSERA_CREDENTIAL_DIALOG (dialog));
}

static const char *
banner_text (GtkWidget *dialog)
{
  return tessera_credential_dialog_get_banner_text (TESSERA_CREDENTIAL_DIALOG (dialog));
}

/* The window's action opens the dialog; a weak pointer follows it until
 * it is gone (closed, then finalized). */
static GtkWidget *
open_dialog (TesseraWindow *window,
             const char    *action,
             const char    *id)
{
  GtkWidget *dialog;

  g_assert_null (find_dialog ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, id != NULL ? "s" : NULL, id));
  /* The sheet shows its content once it starts to open. */
  TEST_WAIT_UNTIL ((dialog = find_dialog ()) != NULL && can_click (dialog, "Cancel"));

  return dialog;
}

static void
close_dialog (GtkWidget *dialog)
{
  GtkWidget *watched = dialog;

  g_object_add_weak_pointer (G_OBJECT (watched), (gpointer *) &watched);
  adw_dialog_close (ADW_DIALOG (dialog));
  TEST_WAIT_UNTIL (watched == NULL);
}

static void
wait_dialog_gone (GtkWidget *dialog)
{
  GtkWidget *watched = dialog;

  g_object_add_weak_pointer (G_OBJECT (watched), (gpointer *) &watched);
  TEST_WAIT_UNTIL (watched == NULL);
}

static void
fill_form (GtkWidget  *dialog,
           const char *name,
           const char *key,
           const char *base_url)
{
  type_into (dialog, "Credential name", name);
  type_into (dialog, "Credential description", "Added in the window for the leak audit");
  type_into (dialog, "API key", key);
  type_into (dialog, "API base URL", base_url);
}

/* ------------------------------------------------------------------ */
/* The store */

static char *
lookup_token (TesseraStore *store,
              const char   *id)
{
  g_autoptr(GError) error = NULL;
  char *value = store_sync_lookup_token (store, id, &error);

  g_assert_no_error (error);
  return value;
}

static gboolean
stored_token_is (TesseraStore *store,
                 const char   *id,
                 const char   *expected)
{
  g_auto(TesseraSecret) value = lookup_token (store, id);

  return g_strcmp0 (value, expected) == 0;
}

static TesseraCredentialStatus
status_of (TesseraStore *store,
           const char   *name)
{
  TesseraCredential *credential = tessera_store_find_by_name (store, name);

  if (credential == NULL)
    g_error ("no credential named “%s”", name);

  return tessera_credential_get_status (credential);
}

static guint
n_requests (TesseraStore *store)
{
  return tessera_harness_client_get_n_requests (tessera_store_get_client (store));
}

/* ------------------------------------------------------------------ */
/* The scenario */

/* Plain http to another machine is refused in the form, before any
 * request: Save stays off, and the client starts nothing. https to the
 * same name is tried (through the audit's proxy trap), which shows that
 * the request counter counts. */
static void
insecure_url (TesseraWindow *window,
              TesseraStore  *store)
{
  guint before = n_requests (store);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint http_requests;
  GtkWidget *dialog;
  gboolean is_error = FALSE;

  dialog = open_dialog (window, "win.add-credential", NULL);
  fill_form (dialog, "Insecure", get ("key-gui-network"), "http://example.invalid");
  g_assert_nonnull (tessera_credential_dialog_get_field_message (TESSERA_CREDENTIAL_DIALOG (dialog),
                                                                 "API base URL", &is_error));
  g_assert_true (is_error);
  g_assert_false (can_click (dialog, "Save"));

  /* Enter in a field, and the action itself, do nothing either. */
  g_signal_emit_by_name (test_find_row (dialog, "API key"), "entry-activated");
  gtk_widget_activate_action (dialog, "credential-dialog.save", NULL);
  gtk_widget_activate_action (dialog, "credential-dialog.save-unverified", NULL);
  test_wait_run_for (300);
  g_assert_false (dialog_busy (dialog));
  http_requests = n_requests (store) - before;
  g_assert_cmpuint (http_requests, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_items);

  /* The control: https is sent, and fails at the trap. */
  type_into (dialog, "API base URL", "https://example.invalid");
  click (dialog, "Save");
  TEST_WAIT_UNTIL (!dialog_busy (dialog));
  g_assert_cmpuint (n_requests (store), >, before);
  g_assert_nonnull (banner_text (dialog));
  close_dialog (dialog);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_items);
  g_test_message ("dialog: http://example.invalid made %u requests, https://example.invalid %u",
                  http_requests, n_requests (store) - before);
}

/* Each failure the dialog can meet, then Cancel: nothing is saved. */
static void
failed_adds (TesseraWindow *window,
             TesseraStore  *store)
{
  const struct {
    const char *key;
    const char *url;
    gboolean    can_save_anyway;
  } cases[] = {
    { "key-gui-rejected", "url-main", FALSE },      /* 401 INVALID_TOKEN */
    { "key-gui-expired", "url-main", FALSE },       /* 401 EXPIRED_TOKEN */
    { "key-gui-network", "url-error", TRUE },       /* 500 */
    { "key-gui-network", "url-tls", TRUE },         /* a certificate nobody trusts */
    { "key-gui-network", "url-redirect", TRUE },    /* 302 to another host */
  };
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GtkWidget *dialog = open_dialog (window, "win.add-credential", NULL);

      fill_form (dialog, "Failing", get (cases[i].key), get (cases[i].url));
      click (dialog, "Save");
      TEST_WAIT_UNTIL (!dialog_busy (dialog));
      g_assert_nonnull (banner_text (dialog));
      g_test_message ("dialog, %s at %s: %s", cases[i].key, cases[i].url, banner_text (dialog));
      if (cases[i].can_save_anyway)
        TEST_WAIT_UNTIL (can_click (dialog, "Save Without Verifying"));
      else
        g_assert_false (can_click (dialog, "Save Without Verifying"));
      close_dialog (dialog);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_items);
    }

  /* Saved anyway, unverified, after the redirect. */
  {
    GtkWidget *dialog = open_dialog (window, "win.add-credential", NULL);

    fill_form (dialog, "Moved in window", get ("key-gui-network"), get ("url-redirect"));
    click (dialog, "Save");
    TEST_WAIT_UNTIL (!dialog_busy (dialog) && can_click (dialog, "Save Without Verifying"));
    click (dialog, "Save Without Verifying");
    wait_dialog_gone (dialog);
    g_assert_cmpint (status_of (store, "Moved in window"), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  }
}

static void
add_edit_replace (TesseraWindow  *window,
                  TesseraStore   *store,
                  char          **out_id)
{
  TesseraCredential *credential;
  GtkWidget *dialog;
  g_autofree char *id = NULL;

  /* Added against the slow server: sampled while the key is in flight. */
  dialog = open_dialog (window, "win.add-credential", NULL);
  fill_form (dialog, "Deploy bot", get ("key-gui-add"), get ("url-slow"));
  checkpoint ("dialog-filled");
  click (dialog, "Save");
  g_assert_true (dialog_busy (dialog));
  checkpoint ("dialog-verifying");
  wait_dialog_gone (dialog);

  credential = tessera_store_find_by_name (store, "Deploy bot");
  g_assert_nonnull (credential);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  id = g_strdup (tessera_credential_get_id (credential));
  g_assert_true (stored_token_is (store, id, get ("key-gui-add")));

  /* Edit: a new name and description, the same key (no check needed). */
  dialog = open_dialog (window, "win.edit-credential", id);
  type_into (dialog, "Credential name", "Deploy bot (edited)");
  type_into (dialog, "Credential description", "Edited in the window");
  click (dialog, "Save");
  wait_dialog_gone (dialog);
  g_assert_cmpstr (tessera_credential_get_name (tessera_store_lookup (store, id)), ==, "Deploy bot (edited)");

  /* Replace the key: verified at the slow server, then stored. */
  dialog = open_dialog (window, "win.edit-credential", id);
  type_into (dialog, "API key", get ("key-gui-replace"));
  click (dialog, "Save");
  checkpoint ("replace-verifying");
  wait_dialog_gone (dialog);
  credential = tessera_store_find_by_name (store, "Deploy bot (edited)");
  g_assert_nonnull (credential);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_free (id);
  id = g_strdup (tessera_credential_get_id (credential));
  g_assert_true (stored_token_is (store, id, get ("key-gui-replace")));

  *out_id = g_steal_pointer (&id);
}

static void
copy_token (TesseraWindow *window,
            const char    *id)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  char *copied;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-token", "s", id));
  TEST_WAIT_UNTIL (gdk_content_formats_contain_mime_type (gdk_clipboard_get_formats (clipboard),
                                                     "x-kde-passwordManagerHint"));
  copied = test_read_clipboard (clipboard);
  g_assert_true (g_strcmp0 (copied, get ("key-gui-replace")) == 0);
  tessera_secure_free (copied);
  checkpoint ("token-on-clipboard");

  tessera_window_clear_copied_token (window);
  g_assert_null (gdk_clipboard_get_content (clipboard));
}

/* Every credential checked again from the window: the command line's
 * failing ones show their reasons on their tiles and in toasts. */
static void
verify_all (TesseraWindow *window,
            TesseraStore  *store)
{
  TesseraCredential *credential;
  g_autofree char *toast_title = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.verify-all", NULL));
  TEST_WAIT_UNTIL (tessera_store_get_verifying (store));
  TEST_WAIT_UNTIL (!tessera_store_get_verifying (store));

  g_assert_cmpint (status_of (store, "Production"), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpint (status_of (store, "Revoked"), ==, TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_cmpint (status_of (store, "Expired"), ==, TESSERA_CREDENTIAL_STATUS_EXPIRED);
  g_assert_cmpint (status_of (store, "Broken server"), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (status_of (store, "Untrusted TLS"), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (status_of (store, "Moved"), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* One at a time, through its tile: the reason comes as a toast that
   * names the credential. */
  credential = tessera_store_find_by_name (store, "Untrusted TLS");
  g_assert_nonnull (tessera_credential_get_status_detail (credential));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.verify-credential", "s",
                                             tessera_credential_get_id (credential)));
  toast_title = g_strdup_printf ("“Untrusted TLS”: %s", tessera_credential_get_status_detail (credential));
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (window), is_toast_with_title, toast_title) != NULL);
}

static gboolean
is_toast (GtkWidget  *widget,
          const char *unused)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget");
}

static void
dismiss_toasts (TesseraWindow *window)
{
  GtkWidget *toast;

  while ((toast = test_find_widget (GTK_WIDGET (window), is_toast, NULL)) != NULL)
    {
      GtkWidget *close;

      /* Let it slide in; it may time out or give way meanwhile (the
       * overlay's queue), and then its button is gone with it. */
      g_object_add_weak_pointer (G_OBJECT (toast), (gpointer *) &toast);
      test_wait_run_for (300);
      if (toast != NULL && (close = test_find_widget (toast, test_button_has_icon, "window-close-symbolic")) != NULL)
        gtk_widget_activate (close);
      TEST_WAIT_UNTIL (toast == NULL);
    }
}

/* Rotate Key… on a credential of the main server: Harness makes a new key,
 * which the window stores; the audit learns it from the servers and
 * searches for it too. Sampled while the window holds it. */
static void
rotate_in_window (TesseraWindow *window,
                  TesseraStore  *store)
{
  TesseraCredential *legacy = tessera_store_find_by_name (store, "Legacy");
  g_autofree char *id = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AdwDialog *dialog = NULL;
  GtkWidget *tile;

  g_assert_nonnull (legacy);
  id = g_strdup (tessera_credential_get_id (legacy));
  before = lookup_token (store, id);
  dismiss_toasts (window);

  TEST_WAIT_UNTIL ((tile = test_find_widget (GTK_WIDGET (window), is_tile_of, "Legacy")) != NULL);
  g_assert_true (gtk_widget_activate_action (tile, "credential.rotate", NULL));
  TEST_WAIT_UNTIL ((dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window))) != NULL &&
                   can_click (GTK_WIDGET (dialog), "_Rotate Key"));
  click (GTK_WIDGET (dialog), "_Rotate Key");
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (window), is_toast_with_title, "Rotated the key of “Legacy”") != NULL);

  /* Compared, never printed. */
  after = lookup_token (store, id);
  g_assert_true (after != NULL && g_strcmp0 (after, before) != 0);
  tessera_secure_free (g_steal_pointer (&before));
  tessera_secure_free (g_steal_pointer (&after));
  checkpoint ("key-rotated");
}

static void
delete_undo_commit (TesseraWindow *window,
                    TesseraStore  *store,
                    const char    *id)
{
  g_autofree char *title = g_strdup ("Deleted “Deploy bot (edited)”");
  TesseraCredential *moved;
  g_autofree char *moved_id = NULL;
  GtkWidget *tile;
  GtkWidget *toast;

  /* The toasts before go first, so that the one found next is the
   * delete's. */
  dismiss_toasts (window);

  /* Delete from the tile, then Undo: the key is still there. */
  TEST_WAIT_UNTIL ((tile = test_find_widget (GTK_WIDGET (window), is_tile_of, "Deploy bot (edited)")) != NULL);
  g_assert_true (gtk_widget_activate_action (tile, "credential.delete", NULL));
  g_assert_null (tessera_store_lookup (store, id));
  TEST_WAIT_UNTIL ((toast = test_find_widget (GTK_WIDGET (window), is_toast_with_title, title)) != NULL);
  /* As a person does: the toast has been on screen a moment before the
   * click. libadwaita 1.2.2 writes to freed memory when a toast is
   * dismissed in the frames while it is still sliding in
   * (tests/test-window.c /window/delete-undo-among-toasts). */
  test_wait_run_for (300);
  click (toast, "_Undo");
  TEST_WAIT_UNTIL (tessera_store_lookup (store, id) != NULL);
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (window), is_toast_with_title, title) == NULL);
  g_assert_true (stored_token_is (store, id, get ("key-gui-replace")));

  /* Delete for good: the toast goes without Undo. */
  moved = tessera_store_find_by_name (store, "Moved in window");
  g_assert_nonnull (moved);
  moved_id = g_strdup (tessera_credential_get_id (moved));
  TEST_WAIT_UNTIL ((tile = test_find_widget (GTK_WIDGET (window), is_tile_of, "Moved in window")) != NULL);
  g_assert_true (gtk_widget_activate_action (tile, "credential.delete", NULL));
  TEST_WAIT_UNTIL ((toast = test_find_widget (GTK_WIDGET (window), is_toast_with_title, "Deleted “Moved in window”")) != NULL);
  test_wait_run_for (300);
  gtk_widget_activate (test_find_widget (toast, test_button_has_icon, "window-close-symbolic"));
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (window), is_toast_with_title, "Deleted “Moved in window”") == NULL);
  g_assert_null (tessera_store_lookup (store, moved_id));
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(TesseraSecret) secret = NULL;
    gint64 deadline = g_get_monotonic_time () + test_wait_get_seconds () * G_USEC_PER_SEC;

    /* The commit runs in the background: wait until the key is gone. */
    do
      {
        g_clear_object (&result);
        tessera_secure_clear (&secret);
        test_wait_run_for (20);
        tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (store), moved_id,
                                             NULL, test_wait_on_ready, &result);
        TEST_WAIT_UNTIL (result != NULL);
        secret = tessera_secret_backend_lookup_finish (tessera_store_get_secret_backend (store),
                                                       result, &error);
        g_assert_no_error (error);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      }
    while (secret != NULL);
  }
}

static void
test_scenario (void)
{
  g_autoptr(TesseraStore) store = NULL;
  g_autofree char *id = NULL;
  TesseraWindow *window;

  store = tessera_store_new (NULL, NULL);
  TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0);

  window = g_object_ref (g_object_new (TESSERA_TYPE_WINDOW,
                                       "store", store,
                                       "verify-on-open", FALSE,
                                       NULL));
  gtk_window_present (GTK_WINDOW (window));
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)));
  checkpoint ("window-open");

  insecure_url (window, store);
  failed_adds (window, store);
  add_edit_replace (window, store, &id);
  copy_token (window, id);
  verify_all (window, store);
  rotate_in_window (window, store);
  delete_undo_commit (window, store, id);

  /* The window goes as the user closes it. */
  checkpoint ("before-close");
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_close (GTK_WINDOW (window));
  g_object_unref (window);
  TEST_WAIT_UNTIL (window == NULL);
}

int
main (int   argc,
      char *argv[])
{
  read_config ();

  /* The sanitizer build (build-aux/test) runs several times slower. */
  test_wait_set_seconds (20);
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    test_wait_set_seconds (4 * test_wait_get_seconds ());

  /* No G_TEST_OPTION_ISOLATE_DIRS: the point is to write wherever the
   * window writes in the home that the audit gave us and then searches.
   * GTest's throwaway directories would be deleted before the search. */
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display: run under build-aux/session\n");
      return 0;
    }

  adw_init ();

  g_test_add_func ("/leak-audit/window-scenario", test_scenario);

  return g_test_run ();
}
