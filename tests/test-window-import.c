/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-import.c: "Import from Harness CLI…" in the primary menu,
 * with fixture files in the formats of harness-api.md §8: the keys found,
 * the ones saved already marked, the chosen ones imported through the
 * store (checked with the fake Harness), the files scrubbed only when
 * asked, and a malformed file a sentence that changes nothing.
 *
 * Runs under Xvfb (build-aux/session); each test has its own home folder
 * (G_TEST_OPTION_ISOLATE_DIRS), where the fixture files go.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "tessera-import-dialog.h"
#include "window-fixture.h"

static char *
write_home_file (const char *relative,
                 const char *text)
{
  g_autofree char *path = g_build_filename (g_get_home_dir (), relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  return g_steal_pointer (&path);
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static AdwDialog *
open_import_dialog (Fixture *f)
{
  AdwDialog *dialog;

  open_window (f, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.import", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (TESSERA_IS_IMPORT_DIALOG (dialog));

  return dialog;
}

static GtkWidget *
row_check (GtkWidget *row)
{
  return find_widget (row, GTK_TYPE_CHECK_BUTTON, NULL, NULL);
}

static gboolean
any_widget (GtkWidget     *widget,
            gconstpointer  data)
{
  return TRUE;
}

static GtkWidget *
import_button (AdwDialog *dialog)
{
  GtkWidget *button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label, "_Import");

  g_assert_nonnull (button);
  return button;
}

static char *
yaml_profiles (Fixture    *f,
               const char *names)
{
  g_auto(GStrv) list = g_strsplit (names, " ", -1);
  g_autoptr(GString) text = g_string_new ("profiles:\n");

  for (guint i = 0; list[i] != NULL; i++)
    g_string_append_printf (text, "    %s:\n        account_id: %s\n        api_url: %s\n%s",
                            list[i], ACCOUNT_A, fake_harness_get_base_url (f->harness),
                            g_str_has_suffix (list[i], "sso") ? "        auth_type: sso\n" : "");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *stored_key = NULL;
  g_autofree char *staging_key = make_token (f, ACCOUNT_A);
  g_autofree char *prod_key = make_token (f, ACCOUNT_A);
  g_autofree char *yaml = yaml_profiles (f, "prod staging work-sso");
  g_autofree char *auth = NULL;
  g_autofree char *auth_path = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *credentials_path = NULL;
  g_autofree char *auth_after = NULL;
  g_autofree char *credentials_after = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *staging_line = NULL;
  AdwDialog *dialog;
  GtkWidget *hc_row, *staging_row, *prod_row, *sso_row, *scrub_row;
  TesseraCredential *credential;

  add_credential (f, "Existing", NULL, ACCOUNT_A, "Ada", &stored_key);
  fake_harness_add_token (f->harness, staging_key, TESSERA_CREDENTIAL_KIND_UNKNOWN, 0, 0, "Ada", NULL);
  fake_harness_add_token (f->harness, prod_key, TESSERA_CREDENTIAL_KIND_UNKNOWN, 0, 0, "Ada", NULL);

  auth = g_strdup_printf ("{\n  \"base_url\": \"%s\",\n  \"token\": \"%s\",\n  \"account_id\": \"%s\"\n}\n",
                          fake_harness_get_base_url (f->harness), stored_key, ACCOUNT_A);
  auth_path = write_home_file (".harness/auth.json", auth);
  g_free (write_home_file (".harness/config.yaml", yaml));
  staging_line = g_strdup_printf ("pat_token = \"%s\"\n", staging_key);
  credentials = g_strdup_printf ("# Harness credentials\n\n[prod]\npat_token = \"%s\"\n\n[staging]\n%s\n[work-sso]\nsso_token = \"x\"\n",
                                 prod_key, staging_line);
  credentials_path = write_home_file (".harness/credentials", credentials);

  dialog = open_import_dialog (f);
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (dialog), test_row_has_title, "staging") != NULL);

  /* Every key found; the one saved already and the SSO profile are shown
   * but not offered. */
  hc_row = test_find_row (GTK_WIDGET (dialog), "hc");
  staging_row = test_find_row (GTK_WIDGET (dialog), "staging");
  prod_row = test_find_row (GTK_WIDGET (dialog), "prod");
  sso_row = test_find_row (GTK_WIDGET (dialog), "work-sso");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (hc_row)), "saved already as “Existing”"));
  g_assert_null (row_check (hc_row));
  g_assert_null (row_check (sso_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (staging_row)), "~/.harness/credentials"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (row_check (staging_row))));
  g_assert_true (gtk_widget_get_sensitive (import_button (dialog)));

  /* Off by default: removing keys from the files. */
  scrub_row = test_find_row (GTK_WIDGET (dialog), "Remove Keys From Those Files");
  g_assert_false (adw_switch_row_get_active (ADW_SWITCH_ROW (scrub_row)));

  /* Nothing chosen, nothing to do. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row_check (prod_row)), FALSE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row_check (staging_row)), FALSE);
  g_assert_false (gtk_widget_get_sensitive (import_button (dialog)));

  /* staging alone, and its key out of the file. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row_check (staging_row)), TRUE);
  adw_switch_row_set_active (ADW_SWITCH_ROW (scrub_row), TRUE);
  g_signal_emit_by_name (import_button (dialog), "clicked");

  TEST_WAIT_UNTIL (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window)) == NULL);
  TEST_WAIT_UNTIL (find_toast_title (f, "Imported 1 credential and removed its key from the file") != NULL);

  credential = tessera_store_find_by_name (f->store, "staging");
  g_assert_nonnull (credential);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_base_url (credential), ==, fake_harness_get_base_url (f->harness));
  g_assert_null (tessera_store_find_by_name (f->store, "prod"));
  g_assert_null (tessera_store_find_by_name (f->store, "hc"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 2);

  /* Only staging's line left its file; hc's file was not touched. */
  credentials_after = read_text (credentials_path);
  expected = g_strdup_printf ("# Harness credentials\n\n[prod]\npat_token = \"%s\"\n\n[staging]\n\n[work-sso]\nsso_token = \"x\"\n",
                              prod_key);
  g_assert_cmpstr (credentials_after, ==, expected);
  auth_after = read_text (auth_path);
  g_assert_cmpstr (auth_after, ==, auth);
}

static void
test_import_rejected (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *unknown_key = make_token (f, ACCOUNT_A);
  g_autofree char *yaml = yaml_profiles (f, "default");
  g_autofree char *credentials = g_strdup_printf ("[default]\npat_token = \"%s\"\n", unknown_key);
  g_autofree char *path = NULL;
  g_autofree char *after = NULL;
  AdwDialog *dialog;
  AdwDialog *alert;

  g_free (write_home_file (".harness/config.yaml", yaml));
  path = write_home_file (".harness/credentials", credentials);

  dialog = open_import_dialog (f);
  TEST_WAIT_UNTIL (test_find_widget (GTK_WIDGET (dialog), test_row_has_title, "default") != NULL);
  adw_switch_row_set_active (ADW_SWITCH_ROW (test_find_row (GTK_WIDGET (dialog), "Remove Keys From Those Files")), TRUE);
  g_signal_emit_by_name (import_button (dialog), "clicked");

  /* Harness turned it down: not saved, still in its file, and said so. */
  TEST_WAIT_UNTIL ((alert = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window))) != NULL &&
                   ADW_IS_ALERT_DIALOG (alert));
  g_assert_cmpstr (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (alert)), ==, "Not Everything Was Imported");
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (alert)), "“default” from ~/.harness/credentials: not saved."));
  g_assert_null (strstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (alert)), "TestSecret"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);
  after = read_text (path);
  g_assert_cmpstr (after, ==, credentials);
  adw_dialog_force_close (alert);
}

static void
test_import_malformed (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *key = make_token (f, ACCOUNT_A);
  g_autofree char *credentials = g_strdup_printf ("[default]\npat_token = \"%s\"\n", key);
  const char *yaml = "profiles:\n    - default\n";
  g_autofree char *path = NULL;
  g_autofree char *after = NULL;
  AdwDialog *dialog;
  GtkWidget *page;

  path = write_home_file (".harness/config.yaml", yaml);
  g_free (write_home_file (".harness/credentials", credentials));

  dialog = open_import_dialog (f);
  TEST_WAIT_UNTIL ((page = find_widget (GTK_WIDGET (dialog), ADW_TYPE_STATUS_PAGE, any_widget, NULL)) != NULL &&
                   g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (page)), "") != 0);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, "Couldn’t Read the Files");
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)), "~/.harness/config.yaml, line 2,"));
  g_assert_false (gtk_widget_get_sensitive (import_button (dialog)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);
  after = read_text (path);
  g_assert_cmpstr (after, ==, yaml);
  adw_dialog_force_close (dialog);
}

static void
test_import_nothing (Fixture       *f,
                     gconstpointer  data)
{
  AdwDialog *dialog;
  GtkWidget *page;

  dialog = open_import_dialog (f);
  TEST_WAIT_UNTIL ((page = find_widget (GTK_WIDGET (dialog), ADW_TYPE_STATUS_PAGE, any_widget, NULL)) != NULL &&
                   g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (page)), "") != 0);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, "No Keys Found");
  g_assert_false (gtk_widget_get_sensitive (import_button (dialog)));
  adw_dialog_force_close (dialog);
}

static void
test_import_menu (Fixture       *f,
                  gconstpointer  data)
{
  GMenuModel *menu;
  gboolean found = FALSE;

  open_window (f, FALSE);
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (find_widget (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON, any_widget, NULL)));
  g_assert_nonnull (menu);
  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      GMenuModel *section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *label = NULL;

          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
          found |= g_strcmp0 (label, "_Import from Harness CLI…") == 0;
        }
      g_clear_object (&section);
    }
  g_assert_true (found);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!window_fixture_init (&argc, &argv))
    return 0;

#define ADD(path, func) \
  g_test_add ("/window/import/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("menu", test_import_menu);
  ADD ("import", test_import);
  ADD ("rejected", test_import_rejected);
  ADD ("malformed", test_import_malformed);
  ADD ("nothing", test_import_nothing);

#undef ADD

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
