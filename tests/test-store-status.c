/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-status.c: a credential's status detail reads in the reader's
 * language (issue 14)
 *
 * The store saves the detail as a code with its arguments; the sentence is
 * composed when it is read. So a check made in English reads German once
 * the locale is German, and a sentence saved by an older version (which
 * stored the sentence itself) is replaced by the code form.
 *
 * Translations come from po/de.po, compiled by the build into
 * test-store-status-de.mo and put in a locale tree of the test's own.
 * Debian 13's gettext ignores LANGUAGE under C.UTF-8, so the test switches
 * the locale itself with setlocale(); the generated locales de_DE.UTF-8
 * and en_US.UTF-8 must exist (a skip says so otherwise).
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "fake-harness.h"
#include "tessera-status-detail.h"
#include "tessera-store-private.h"
#include "test-wait.h"

#define ACCOUNT "TesseraTestAcct0000001"
#define TOKEN   "pat." ACCOUNT ".0123456789abcdef01234567.StatusTestSecret0001"

/* The sentences, as po/de.po has them. */
#define BAD_REQUEST_EN "Harness did not accept the request (HTTP error 418). Check the account ID and the server address."
#define BAD_REQUEST_DE "Harness hat die Anfrage nicht angenommen (HTTP-Fehler 418). Überprüfen Sie die Konto-ID und die Serveradresse."
#define REJECTED_EN    "Harness rejected this API key. It may have been revoked, deleted or mistyped."
#define REJECTED_DE    "Harness hat diesen API-Schlüssel abgelehnt. Er wurde möglicherweise widerrufen, gelöscht oder falsch eingegeben."
#define SERVER_503_DE  "Bei Harness ist ein Problem aufgetreten (HTTP-Fehler 503). Versuchen Sie es später erneut."
#define SERVER_503_EN  "Harness had a problem on its side (HTTP error 503). Try again later."

static char *locale_dir;

/* Fixture */

typedef struct
{
  GSettingsBackend *backend;
  GSettingsSchema  *credential_schema;
  char             *saved_locale;
} Fixture;

static gboolean
use_locale (const char *name)
{
  if (setlocale (LC_ALL, name) == NULL)
    {
      g_test_skip_printf ("the locale %s is not generated here", name);
      return FALSE;
    }

  return TRUE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  fixture->backend = g_memory_settings_backend_new ();
  fixture->credential_schema = g_settings_schema_source_lookup (source, "io.github.tessera.Tessera.Credential", TRUE);
  g_assert_nonnull (fixture->credential_schema);
  fixture->saved_locale = g_strdup (setlocale (LC_ALL, NULL));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  setlocale (LC_ALL, fixture->saved_locale);
  g_free (fixture->saved_locale);
  g_settings_schema_unref (fixture->credential_schema);
  g_clear_object (&fixture->backend);
}

static GSettings *
credential_settings (Fixture    *fixture,
                     const char *id)
{
  g_autofree char *path = g_strdup_printf (TESSERA_CREDENTIALS_PATH "%s/", id);

  return g_settings_new_full (fixture->credential_schema, fixture->backend, path);
}

/* A credential as an older version left it: the status detail saved as a
 * sentence. */
static void
write_old_credential (Fixture    *fixture,
                      const char *id,
                      const char *status,
                      const char *sentence)
{
  g_autoptr(GSettings) settings = credential_settings (fixture, id);

  g_settings_set_string (settings, "name", id);
  g_settings_set_string (settings, "account-id", ACCOUNT);
  g_settings_set_enum (settings, "kind", TESSERA_CREDENTIAL_KIND_PAT);
  g_settings_set_string (settings, "status", status);
  g_settings_set_string (settings, "status-detail", sentence);
  g_settings_set_int64 (settings, "last-verified", 1700000000);
  g_settings_set_string (settings, "correlation-id", "corr-1");
}

static void
write_list (Fixture            *fixture,
            const char * const *ids)
{
  g_autoptr(GSettings) settings = g_settings_new_with_backend ("io.github.tessera.Tessera", fixture->backend);

  g_settings_set_strv (settings, "credentials", ids);
}

static void
assert_code (Fixture    *fixture,
             const char *id,
             const char *code,
             const char *arg)
{
  g_autoptr(GSettings) settings = credential_settings (fixture, id);
  g_autofree char *stored_code = g_settings_get_string (settings, "status-code");
  g_autofree char *old = g_settings_get_string (settings, "status-detail");
  g_auto(GStrv) args = g_settings_get_strv (settings, "status-args");

  g_assert_cmpstr (stored_code, ==, code);
  g_assert_cmpstr (old, ==, "");
  if (arg != NULL)
    {
      g_assert_cmpuint (g_strv_length (args), ==, 1);
      g_assert_cmpstr (args[0], ==, arg);
    }
  else
    g_assert_cmpuint (g_strv_length (args), ==, 0);
}

/* Tests */

/* Checked from an English terminal, read in a German window (issue 14). */
static void
test_read_in_reader_language (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(TesseraStore) store = NULL;
  g_autoptr(TesseraStore) other = NULL;
  g_autoptr(TesseraToken) token = tessera_token_parse (TOKEN, NULL);
  g_autoptr(GAsyncResult) added = NULL;
  g_autoptr(GAsyncResult) verified = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;
  FakeHarnessReply reply = { .path = "/token/validate", .status = 418 };
  TesseraCredentialStatus status;

  if (!use_locale ("en_US.UTF-8"))
    return;

  store = tessera_store_new_full (NULL, NULL, fixture->backend);
  tessera_store_add_async (store, "Production", "", ACCOUNT, fake_harness_get_base_url (fake), token, NULL,
                           NULL, test_wait_on_ready, &added);
  credential = tessera_store_add_finish (store, test_wait_for (&added), &error);
  g_assert_no_error (error);

  fake_harness_queue_reply_full (fake, &reply);
  tessera_store_verify_async (store, tessera_credential_get_id (credential), NULL, test_wait_on_ready, &verified);
  status = tessera_store_verify_finish (store, test_wait_for (&verified), &error);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_BAD_REQUEST);
  g_assert_cmpstr (error->message, ==, BAD_REQUEST_EN);
  g_assert_cmpint (status, ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* Saved as a code, never as the sentence. */
  assert_code (fixture, tessera_credential_get_id (credential), "bad-request", "418");
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, BAD_REQUEST_EN);

  if (!use_locale ("de_DE.UTF-8"))
    return;

  /* The same object, and another process's view of the same settings. */
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, BAD_REQUEST_DE);
  other = tessera_store_new_full (NULL, NULL, fixture->backend);
  tessera_store_set_watch_credentials (other, FALSE);
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (other, tessera_credential_get_id (credential))),
                   ==, BAD_REQUEST_DE);
  g_assert_cmpint (tessera_credential_get_status (tessera_store_lookup (other, tessera_credential_get_id (credential))),
                   ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* And back. */
  g_assert_true (use_locale ("en_US.UTF-8"));
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, BAD_REQUEST_EN);
}

/* Sentences saved by an older version: one in English, one in German (the
 * reader's language), one in neither, and none. */
static void
test_migrate_old_sentence (Fixture       *fixture,
                           gconstpointer  data)
{
  const char * const ids[] = { "english", "german", "french", "none", NULL };
  const char *french = "Harness a refusé cette clé d’API.";
  g_autoptr(TesseraStore) store = NULL;
  g_autoptr(TesseraStore) reader = NULL;
  g_autoptr(GSettings) english = NULL;
  g_autofree char *english_detail = NULL;

  if (!use_locale ("de_DE.UTF-8"))
    return;

  write_old_credential (fixture, "english", "rejected", REJECTED_EN);
  write_old_credential (fixture, "german", "unreachable", SERVER_503_DE);
  write_old_credential (fixture, "french", "rejected", french);
  write_old_credential (fixture, "none", "verified", "");
  write_list (fixture, ids);

  /* A reader that does not watch (the command line) shows the sentence in
   * its language at once, and writes nothing. */
  reader = tessera_store_new_full (NULL, NULL, fixture->backend);
  tessera_store_set_watch_credentials (reader, FALSE);
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (reader, "english")), ==, REJECTED_DE);
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (reader, "german")), ==, SERVER_503_DE);
  english = credential_settings (fixture, "english");
  english_detail = g_settings_get_string (english, "status-detail");
  g_assert_cmpstr (english_detail, ==, REJECTED_EN);

  /* The window's store follows every credential, and migrates on the way. */
  store = tessera_store_new_full (NULL, NULL, fixture->backend);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      TesseraCredential *credential = tessera_store_lookup (store, ids[i]);

      while (!_tessera_credential_get_watched (credential))
        g_main_context_iteration (NULL, TRUE);
    }

  assert_code (fixture, "english", "token-rejected", NULL);
  assert_code (fixture, "german", "server-error", "503");
  assert_code (fixture, "french", TESSERA_STATUS_DETAIL_TEXT, french);
  assert_code (fixture, "none", "", NULL);

  /* Nothing else changed: the status, its time, the rest. */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(GSettings) settings = credential_settings (fixture, ids[i]);
      g_autofree char *correlation_id = g_settings_get_string (settings, "correlation-id");

      g_assert_cmpint (g_settings_get_int64 (settings, "last-verified"), ==, 1700000000);
      g_assert_cmpstr (correlation_id, ==, "corr-1");
    }
  g_assert_cmpint (tessera_credential_get_status (tessera_store_lookup (store, "english")), ==,
                   TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_cmpint (tessera_credential_get_status (tessera_store_lookup (store, "german")), ==,
                   TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* The code form reads in each reader's language; a sentence in a third
   * language is shown as it was. */
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (store, "english")), ==, REJECTED_DE);
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (store, "french")), ==, french);
  g_assert_true (use_locale ("en_US.UTF-8"));
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (store, "german")), ==, SERVER_503_EN);
  g_assert_cmpstr (tessera_credential_get_status_detail (tessera_store_lookup (store, "none")), ==, "");
}

/* The German catalogue in a locale tree of the test's own. */
static void
install_catalogue (void)
{
  g_autofree char *mo = g_test_build_filename (G_TEST_BUILT, "test-store-status-de.mo", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *target = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  locale_dir = g_dir_make_tmp ("tessera-test-locale-XXXXXX", &error);
  g_assert_no_error (error);
  dir = g_build_filename (locale_dir, "de", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  target = g_build_filename (dir, GETTEXT_PACKAGE ".mo", NULL);

  g_file_get_contents (mo, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (target, contents, length, &error);
  g_assert_no_error (error);

  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
}

static void
remove_catalogue (void)
{
  g_autofree char *mo = g_build_filename (locale_dir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *messages = g_build_filename (locale_dir, "de", "LC_MESSAGES", NULL);
  g_autofree char *de = g_build_filename (locale_dir, "de", NULL);

  g_unlink (mo);
  g_rmdir (messages);
  g_rmdir (de);
  g_rmdir (locale_dir);
  g_free (locale_dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *keyring_dir = NULL;
  g_autofree char *keyring_file = NULL;
  int status;

  /* The locale decides, not LANGUAGE (which the test environment sets to
   * C for every other test). */
  g_unsetenv ("LANGUAGE");

  /* libsecret's file backend, in a keyring file of our own. */
  keyring_dir = g_dir_make_tmp ("tessera-test-keyring-XXXXXX", NULL);
  g_assert_nonnull (keyring_dir);
  keyring_file = g_build_filename (keyring_dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring_file, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "tessera-test-password", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  install_catalogue ();

  g_test_add ("/store-status/read-in-reader-language", Fixture, NULL,
              fixture_setup, test_read_in_reader_language, fixture_teardown);
  g_test_add ("/store-status/migrate-old-sentence", Fixture, NULL,
              fixture_setup, test_migrate_old_sentence, fixture_teardown);

  status = g_test_run ();

  remove_catalogue ();
  g_unlink (keyring_file);
  g_rmdir (keyring_dir);

  return status;
}
