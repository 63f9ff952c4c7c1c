/* SPDX-License-Identifier: GPL-3.0-or-later */
/* window-fixture.c: what the window's test programs share (see
 * window-fixture.h) */
#include "config.h"

#include <glib/gstdio.h>

#include "window-fixture.h"

/* ------------------------------------------------------------------ */
/* Widgets */

void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             gboolean  (*match) (GtkWidget *widget, gconstpointer data),
             gconstpointer data)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  for (guint i = 0; i < found->len; i++)
    if (match == NULL || match (g_ptr_array_index (found, i), data))
      return g_ptr_array_index (found, i);

  return NULL;
}

gboolean
tile_shows_name (GtkWidget     *widget,
                 gconstpointer  name)
{
  TesseraCredential *credential = tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (widget));

  return credential != NULL && g_str_equal (tessera_credential_get_name (credential), name);
}

TesseraCredentialTile *
find_tile (Fixture    *f,
           const char *name)
{
  return (TesseraCredentialTile *) find_widget (GTK_WIDGET (f->window), TESSERA_TYPE_CREDENTIAL_TILE,
                                                tile_shows_name, name);
}

guint
count_bound_tiles (Fixture *f)
{
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  guint n = 0;

  collect_widgets (GTK_WIDGET (f->window), TESSERA_TYPE_CREDENTIAL_TILE, tiles);
  for (guint i = 0; i < tiles->len; i++)
    if (tessera_credential_tile_get_credential (g_ptr_array_index (tiles, i)) != NULL)
      n++;

  return n;
}

gboolean
button_has_label (GtkWidget     *widget,
                  gconstpointer  label)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0 &&
         gtk_widget_get_visible (widget);
}

gboolean
button_has_icon (GtkWidget     *widget,
                 gconstpointer  icon_name)
{
  return g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon_name) == 0;
}

gboolean
widget_has_css_class (GtkWidget     *widget,
                      gconstpointer  css_class)
{
  return gtk_widget_has_css_class (widget, css_class);
}

GtkWidget *
find_toast_close_button (Fixture *f)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  GtkWidget *toast;

  g_assert_true (toast_widget_type != G_TYPE_INVALID);
  toast = find_widget (GTK_WIDGET (f->window), toast_widget_type, NULL, NULL);
  if (toast == NULL)
    return NULL;

  return find_widget (toast, GTK_TYPE_BUTTON, button_has_icon, "window-close-symbolic");
}

/* Any toast on screen, the one showing or one still fading out. */
GtkWidget *
find_toast_title (Fixture    *f,
                  const char *title)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  g_assert_true (toast_widget_type != G_TYPE_INVALID);
  collect_widgets (GTK_WIDGET (f->window), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), title) == 0 &&
        gtk_widget_get_ancestor (g_ptr_array_index (labels, i), toast_widget_type) != NULL)
      return g_ptr_array_index (labels, i);

  return NULL;
}

/* A toast whose title starts with @prefix */
GtkWidget *
find_toast_title_prefix (Fixture    *f,
                         const char *prefix)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (f->window), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (gtk_label_get_label (g_ptr_array_index (labels, i)), prefix) &&
        gtk_widget_get_ancestor (g_ptr_array_index (labels, i), toast_widget_type) != NULL)
      return g_ptr_array_index (labels, i);

  return NULL;
}

guint
count_toasts (Fixture *f)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (f->window), g_type_from_name ("AdwToastWidget"), toasts);
  return toasts->len;
}

/* ------------------------------------------------------------------ */
/* Fixture */

TesseraStore *
open_store (Fixture *f)
{
  g_autoptr(GSettingsBackend) backend = NULL;

  /* A fresh backend reads the keyfile from disk, like a restart. */
  backend = g_keyfile_settings_backend_new (f->keyfile, "/", NULL);
  return tessera_store_new_full (NULL, NULL, backend);
}

void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->keyfile = g_build_filename (g_get_user_config_dir (), "tessera-test.keyfile", NULL);
  f->backend = g_keyfile_settings_backend_new (f->keyfile, "/", NULL);
  f->harness = fake_harness_new ();
  f->store = tessera_store_new_full (NULL, NULL, f->backend);
}

void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    {
      TesseraWindow *window = f->window;

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &f->window);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
      /* Callbacks of requests still running hold it a little longer. */
      TEST_WAIT_UNTIL (f->window == NULL);
    }

  g_assert_finalize_object (f->store);
  g_clear_object (&f->harness);
  g_clear_object (&f->backend);
  g_free (f->keyfile);
}

TesseraWindow *
open_window (Fixture  *f,
             gboolean  verify_on_open)
{
  f->window = g_object_ref (g_object_new (TESSERA_TYPE_WINDOW,
                                          "store", f->store,
                                          "verify-on-open", verify_on_open,
                                          NULL));
  gtk_window_present (GTK_WINDOW (f->window));
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->window)));

  return f->window;
}

char *
make_token (Fixture    *f,
            const char *account)
{
  f->n_tokens++;
  return g_strdup_printf ("pat.%s.%024x.TestSecret%08u", account, f->n_tokens, f->n_tokens);
}

/* Adds a credential the way the dialog does; @owner non-NULL registers the
 * token with the fake Harness and saves it verified. */
TesseraCredential *
add_credential (Fixture     *f,
                const char  *name,
                const char  *description,
                const char  *account,
                const char  *owner,
                char       **out_token)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = make_token (f, account);
  TesseraCredential *credential;

  token = tessera_token_parse (value, &error);
  g_assert_no_error (error);

  if (owner != NULL)
    {
      fake_harness_add_token (f->harness, value, TESSERA_CREDENTIAL_KIND_UNKNOWN, 0, 0, owner, NULL);
      tessera_harness_client_verify_async (tessera_store_get_client (f->store),
                                           fake_harness_get_base_url (f->harness),
                                           NULL, token, NULL, test_wait_on_ready, &result);
      TEST_WAIT_UNTIL (result != NULL);
      verification = tessera_harness_client_verify_finish (tessera_store_get_client (f->store),
                                                           result, &error);
      g_assert_no_error (error);
      g_clear_object (&result);
    }

  credential = store_sync_add (f->store, name, description, "", fake_harness_get_base_url (f->harness),
                               value, verification, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  if (out_token != NULL)
    *out_token = g_steal_pointer (&value);

  /* The store keeps it; the model is what the window shows. */
  g_object_unref (credential);
  return credential;
}

/* "title=icon" for each status page of the window, "-" for no icon. */
char *
status_page_icons (Fixture *f)
{
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);

  collect_widgets (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, pages);
  for (guint i = 0; i < pages->len; i++)
    {
      AdwStatusPage *page = g_ptr_array_index (pages, i);
      const char *icon = adw_status_page_get_icon_name (page);

      g_string_append_printf (text, "%s%s=%s", i > 0 ? "; " : "",
                              adw_status_page_get_title (page), icon != NULL ? icon : "-");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Writes a credential's metadata the way another process would: the tile
 * follows through the credential's notifications. */
void
set_credential_keys (Fixture           *f,
                     TesseraCredential *credential,
                     const char        *status,
                     gint64             last_verified,
                     gint64             expires)
{
  g_autofree char *path = g_strdup_printf (CREDENTIALS_PATH "%s/", tessera_credential_get_id (credential));
  g_autoptr(GSettings) settings = g_settings_new_with_backend_and_path (CREDENTIAL_SCHEMA, f->backend, path);

  g_settings_delay (settings);
  g_assert_true (g_settings_set_string (settings, "status", status));
  g_settings_set_int64 (settings, "last-verified", last_verified);
  g_settings_set_int64 (settings, "expires", expires);
  g_settings_apply (settings);
}

/* ------------------------------------------------------------------ */
/* main() */

static char *secrets_dir;
static char *keyring;

gboolean
window_fixture_init (int    *argc,
                     char ***argv)
{
  g_autoptr(GPtrArray) mime_dirs = NULL;

  /* libsecret's file backend, so no keyring daemon is needed. */
  secrets_dir = g_dir_make_tmp ("tessera-test-window-XXXXXX", NULL);
  keyring = g_build_filename (secrets_dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "tessera-test", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);

  /* Icons are recognised by their MIME type: keep the system database
   * while each test gets its own XDG directories. */
  mime_dirs = g_ptr_array_new_with_free_func (g_free);
  for (const char * const *dir = g_get_system_data_dirs (); *dir != NULL; dir++)
    g_ptr_array_add (mime_dirs, g_build_filename (*dir, "mime", NULL));
  g_ptr_array_add (mime_dirs, NULL);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs->pdata);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display: run under build-aux/session\n");
      return FALSE;
    }
  adw_init ();

  return TRUE;
}

void
window_fixture_done (void)
{
  g_remove (keyring);
  g_rmdir (secrets_dir);
  g_clear_pointer (&keyring, g_free);
  g_clear_pointer (&secrets_dir, g_free);
}
