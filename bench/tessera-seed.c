/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-seed: fills a desktop session with N credentials for the
 * benchmarks, quickly, through the store API.
 *
 *   tessera-seed --count N [--keyring-items K] [--stale] [--base-url URL]
 *
 * Every credential goes through tessera_store_add_async(): validation,
 * its token to a secret backend, its metadata through the store's own
 * writer. The stores run on memory GSettings backends, 250 credentials
 * each: every add rewrites the whole "credentials" list and wakes every
 * credential's GSettings object, so one store of 10 000 would cost the
 * square of that, and the default (dconf) backend would also rewrite its
 * database file on each add. At the end the metadata of every batch and
 * the whole list are written to dconf in one transaction, or, when
 * GSETTINGS_BACKEND is "keyfile" (the Flatpak's backend), to GSettings'
 * keyfile in one atomic write, as its backend lays it out.
 *
 * Tokens: the first K credentials (default: all) keep theirs in the Secret
 * Service of the session (or libsecret's file backend, by SECRET_BACKEND);
 * the others' tokens are dropped. gnome-keyring rewrites its keyring file
 * on each stored item, so 10 000 items take minutes, and nothing the
 * start-up, list and filter benchmarks measure reads a token.
 *
 * Credentials are recorded as verified just now (what a user who verifies
 * on open sees), unless --stale: then they are unverified, so that a
 * window that opens verifies them.
 *
 * Prints "seeded=N keyring=K seconds=S" on success.
 */
#define G_LOG_DOMAIN "tessera-bench"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <errno.h>
#include <string.h>

#include <gio/gsettingsbackend.h>

#include "tessera-credential-private.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-verification-private.h"
#include "test-secret-backend.h"

#define MAX_IN_FLIGHT 16
#define MAIN_PATH "/io/github/tessera/Tessera/"

/* The run */

typedef struct
{
  TesseraStore        *store;
  TesseraVerification *verification;
  const char          *base_url;
  guint                count;
  guint                next;
  guint                in_flight;
  guint                done;
  GError              *error;
  GMainLoop           *loop;
} Seed;

/* A key of the real shape, different for each i and stable across runs:
 * the benchmarks recompute it to look a token up. */
static char *
token_for (guint i)
{
  return g_strdup_printf ("pat.BenchAccount%06u.%024x.BenchSecret%09u", i % 1000, i, i);
}

static void start_more (Seed *seed);

static void
on_added (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Seed *seed = user_data;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = tessera_store_add_finish (TESSERA_STORE (source), result, &error);
  if (credential == NULL && seed->error == NULL)
    seed->error = g_steal_pointer (&error);

  seed->in_flight--;
  seed->done++;
  start_more (seed);
}

static void
start_more (Seed *seed)
{
  while (seed->error == NULL && seed->next < seed->count && seed->in_flight < MAX_IN_FLIGHT)
    {
      guint i = seed->next++;
      g_autofree char *value = token_for (i);
      g_autofree char *name = g_strdup_printf ("Bench credential %05u", i);
      g_autofree char *description = g_strdup_printf ("Deploys team %u, pipeline %u", i % 97, i);
      g_autoptr(TesseraToken) token = tessera_token_parse (value, NULL);

      g_assert (token != NULL);
      seed->in_flight++;
      tessera_store_add_async (seed->store, name, description, NULL, seed->base_url, token,
                               seed->verification, NULL, on_added, seed);
    }

  if (seed->in_flight == 0 && (seed->error != NULL || seed->done == seed->count))
    g_main_loop_quit (seed->loop);
}

/* Adds every key the store wrote (user values only) to @changes, the
 * "a{smv}" of full key paths that dconf's Writer.Change takes. */
static void
add_user_values (GVariantBuilder *changes,
                 GSettings       *settings,
                 GSettingsSchema *schema,
                 const char      *path)
{
  g_auto(GStrv) keys = g_settings_schema_list_keys (schema);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_user_value (settings, keys[i]);
      g_autofree char *key_path = NULL;

      if (value == NULL)
        continue;
      key_path = g_strconcat (path, keys[i], NULL);
      g_variant_builder_add (changes, "{smv}", key_path, value);
    }
}

/* One batch through the store API, on a memory backend of its own: every
 * add rewrites the whole list and wakes every credential's GSettings, so a
 * batch costs the square of its size. Returns FALSE on the first failure. */
static gboolean
seed_batch (TestSecretBackend   *secrets,
            TesseraVerification *verification,
            const char          *base_url,
            guint                first,
            guint                count,
            GVariantBuilder     *changes,
            GStrvBuilder        *ids,
            GError             **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) credential_schema = g_settings_schema_source_lookup (source, TESSERA_CREDENTIAL_SCHEMA_ID, TRUE);
  g_autoptr(GSettingsBackend) memory = g_memory_settings_backend_new ();
  g_autoptr(TesseraStore) store = tessera_store_new_full (TESSERA_SECRET_BACKEND (secrets), NULL, memory);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Seed seed = { 0, };

  seed.store = store;
  seed.verification = verification;
  seed.base_url = base_url;
  seed.next = first;
  seed.count = first + count;
  seed.done = first;
  seed.loop = loop;

  start_more (&seed);
  if (count > 0)
    g_main_loop_run (loop);

  if (seed.error != NULL)
    {
      g_propagate_error (error, seed.error);
      return FALSE;
    }

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), i);
      const char *id = tessera_credential_get_id (credential);
      g_autofree char *path = g_strconcat (MAIN_PATH, "credentials/", id, "/", NULL);

      g_autoptr(GSettings) settings = g_settings_new_full (credential_schema, memory, path);

      add_user_values (changes, settings, credential_schema, path);
      g_strv_builder_add (ids, id);
    }

  return TRUE;
}

static gboolean
write_to_dconf (GVariant  *changeset,
                GError   **error)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  g_autoptr(GVariant) reply = NULL;

  if (bus == NULL)
    return FALSE;

  reply = g_dbus_connection_call_sync (bus, "ca.desrt.dconf", "/ca/desrt/dconf/Writer/user",
                                       "ca.desrt.dconf.Writer", "Change",
                                       g_variant_new ("(@ay)",
                                                      g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING,
                                                                               g_variant_get_data (changeset),
                                                                               g_variant_get_size (changeset),
                                                                               TRUE, NULL, NULL)),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                       600 * 1000, NULL, error);
  return reply != NULL;
}

/* GKeyfileSettingsBackend's layout at the root path "/": the key
 * "/a/b/c" is key "c" of group "a/b", its value in GVariant text. */
static gboolean
write_to_keyfile (GVariant  *changeset,
                  GError   **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_autofree char *path = g_build_filename (dir, "keyfile", NULL);
  g_autofree char *data = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, changeset);
  while (g_variant_iter_next (&iter, "{&smv}", &key, &value))
    {
      const char *slash = strrchr (key, '/');
      g_autofree char *group = g_strndup (key + 1, slash - key - 1);
      g_autofree char *text = NULL;

      if (value == NULL)
        continue;
      text = g_variant_print (value, FALSE);
      g_key_file_set_value (keyfile, group, slash + 1, text);
      g_variant_unref (value);
    }

  data = g_key_file_to_data (keyfile, NULL, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "could not make %s", dir);
      return FALSE;
    }
  return g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraSecretBackend) real = NULL;
  g_autoptr(TestSecretBackend) secrets = NULL;
  guint keep;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GStrvBuilder) id_builder = g_strv_builder_new ();
  g_autoptr(GVariant) changeset = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *base_url = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  GVariantBuilder changes;
  int count = 0;
  int keyring_items = -1;
  int batch = 250;
  gboolean stale = FALSE;
  const GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "How many credentials", "N" },
    { "keyring-items", 0, 0, G_OPTION_ARG_INT, &keyring_items, "Keep the tokens of the first K only (default: all)", "K" },
    { "stale", 0, 0, G_OPTION_ARG_NONE, &stale, "Never verified, so the window verifies them", NULL },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url, "Their Harness base URL", "URL" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Credentials per store (default 250)", "B" },
    { NULL },
  };

  context = g_option_context_new ("- seed credentials for the benchmarks");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  count = MAX (count, 0);
  batch = MAX (batch, 1);

  /* The first K tokens go to the keyring, the others are dropped. */
  real = TESSERA_SECRET_BACKEND (tessera_libsecret_backend_new ());
  secrets = test_secret_backend_new (real);
  keep = keyring_items < 0 ? (guint) count : (guint) keyring_items;
  test_secret_backend_set_keep (secrets, keep);

  if (!stale)
    {
      verification = tessera_verification_new ();
      tessera_verification_set_valid (verification, TRUE);
      tessera_verification_set_owner_name (verification, "Bench User");
      tessera_verification_set_owner_email (verification, "bench@example.com");
      tessera_verification_set_account_name (verification, "Bench Company");
      tessera_verification_set_valid_to (verification, (g_get_real_time () / 1000) + (gint64) 90 * 24 * 3600 * 1000);
    }

  g_variant_builder_init (&changes, G_VARIANT_TYPE ("a{smv}"));
  for (int first = 0; first < count; first += batch)
    if (!seed_batch (secrets, verification, base_url, first, MIN (batch, count - first),
                     &changes, id_builder, &error))
      {
        g_printerr ("tessera-seed: %s\n", error->message);
        return 1;
      }

  /* The list and the selection, as the store writes them. */
  ids = g_strv_builder_end (id_builder);
  g_variant_builder_add (&changes, "{smv}", MAIN_PATH "credentials",
                         g_variant_new_strv ((const char * const *) ids, -1));
  g_variant_builder_add (&changes, "{smv}", MAIN_PATH "selected-credential",
                         g_variant_new_string (ids[0] != NULL ? ids[0] : ""));
  changeset = g_variant_ref_sink (g_variant_builder_end (&changes));

  if (g_strcmp0 (g_getenv ("GSETTINGS_BACKEND"), "keyfile") == 0)
    {
      if (!write_to_keyfile (changeset, &error))
        {
          g_printerr ("tessera-seed: could not write the settings keyfile: %s\n", error->message);
          return 1;
        }
    }
  else if (!write_to_dconf (changeset, &error))
    {
      g_printerr ("tessera-seed: could not write to dconf: %s\n", error->message);
      return 1;
    }

  g_print ("seeded=%u keyring=%u seconds=%.1f\n", g_strv_length (ids), MIN (keep, (guint) count),
           g_timer_elapsed (timer, NULL));
  return 0;
}
