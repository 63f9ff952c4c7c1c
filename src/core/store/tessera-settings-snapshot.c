/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-settings-snapshot.c: GSettings' keyfile, read once, for commands
 * that only read
 *
 * Where GSettings keeps its values in a keyfile (the Flatpak, or
 * GSETTINGS_BACKEND=keyfile), starting GLib's keyfile backend costs more
 * than everything `tessera token` does after it: the backend turns the
 * whole file into a sorted tree of every key, to compare it with the
 * (empty) copy it had, and reports every key as changed. At 1 000
 * credentials that was 70 % of `tessera token`. A command that only reads
 * needs none of it: this backend parses the file once with GKeyFile and
 * answers reads from it, the way GKeyfileSettingsBackend lays values out
 * (the key "/a/b/c" is key "c" of group "a/b", its value in GVariant
 * text). It never writes: the store sends writes to the real backend.
 *
 * It is only used when it reads exactly what GLib's backend would: the
 * keyfile backend is the one GLib picks (GSETTINGS_BACKEND=keyfile, or a
 * Flatpak sandbox without access to dconf, as GLib decides it) and there
 * are no system-wide defaults or locks under /etc/glib-2.0/settings,
 * which GLib's backend would lay over the user's file.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>

#include "tessera-settings-snapshot.h"

#define SYSTEM_SETTINGS_DIR "/etc/glib-2.0/settings"

struct _TesseraSettingsSnapshot
{
  GSettingsBackend  parent_instance;

  GKeyFile         *keyfile;
};

G_DEFINE_FINAL_TYPE (TesseraSettingsSnapshot, tessera_settings_snapshot, G_TYPE_SETTINGS_BACKEND)

/* The group and key GKeyfileSettingsBackend (at the root path "/") gives
 * the settings key @key; FALSE for a key it would not store. */
static gboolean
split_key (const char  *key,
           char       **group,
           const char **name)
{
  const char *last_slash;

  if (key[0] != '/')
    return FALSE;
  key++;

  last_slash = strrchr (key, '/');
  if (last_slash == NULL || last_slash == key || last_slash[1] == '\0')
    return FALSE;

  *group = g_strndup (key, last_slash - key);
  *name = last_slash + 1;
  return TRUE;
}

static GVariant *
parse_value (const GVariantType *type,
             const char         *text)
{
  g_autoptr(GString) quoted = NULL;
  GVariant *value;

  value = g_variant_parse (type, text, NULL, NULL, NULL);
  if (value != NULL || !g_variant_type_equal (type, G_VARIANT_TYPE_STRING) || text[0] == '"')
    return value;

  /* GLib's backend takes a string someone wrote without quotes as it is:
   * so does this one, or the two would disagree. */
  quoted = g_string_new ("\"");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');

  return g_variant_parse (type, quoted->str, NULL, NULL, NULL);
}

static GVariant *
tessera_settings_snapshot_read_user_value (GSettingsBackend   *backend,
                                           const char         *key,
                                           const GVariantType *expected_type)
{
  TesseraSettingsSnapshot *self = TESSERA_SETTINGS_SNAPSHOT (backend);
  g_autofree char *group = NULL;
  g_autofree char *text = NULL;
  const char *name;

  if (!split_key (key, &group, &name))
    return NULL;

  text = g_key_file_get_value (self->keyfile, group, name, NULL);
  if (text == NULL)
    return NULL;

  return parse_value (expected_type, text);
}

static GVariant *
tessera_settings_snapshot_read (GSettingsBackend   *backend,
                                const char         *key,
                                const GVariantType *expected_type,
                                gboolean            default_value)
{
  if (default_value)
    return NULL;

  return tessera_settings_snapshot_read_user_value (backend, key, expected_type);
}

static gboolean
tessera_settings_snapshot_write (GSettingsBackend *backend,
                                 const char       *key,
                                 GVariant         *value,
                                 gpointer          origin_tag)
{
  /* Never called through the store, which writes to the real backend;
   * GSettings sinks @value. */
  g_variant_unref (g_variant_ref_sink (value));
  return FALSE;
}

static gboolean
tessera_settings_snapshot_write_tree (GSettingsBackend *backend,
                                      GTree            *tree,
                                      gpointer          origin_tag)
{
  return FALSE;
}

static void
tessera_settings_snapshot_reset (GSettingsBackend *backend,
                                 const char       *key,
                                 gpointer          origin_tag)
{
}

static gboolean
tessera_settings_snapshot_get_writable (GSettingsBackend *backend,
                                        const char       *key)
{
  return FALSE;
}

static GPermission *
tessera_settings_snapshot_get_permission (GSettingsBackend *backend,
                                          const char       *path)
{
  return g_simple_permission_new (FALSE);
}

static void
tessera_settings_snapshot_finalize (GObject *object)
{
  TesseraSettingsSnapshot *self = TESSERA_SETTINGS_SNAPSHOT (object);

  g_clear_pointer (&self->keyfile, g_key_file_unref);

  G_OBJECT_CLASS (tessera_settings_snapshot_parent_class)->finalize (object);
}

static void
tessera_settings_snapshot_class_init (TesseraSettingsSnapshotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GSettingsBackendClass *backend_class = G_SETTINGS_BACKEND_CLASS (klass);

  object_class->finalize = tessera_settings_snapshot_finalize;

  backend_class->read = tessera_settings_snapshot_read;
  backend_class->read_user_value = tessera_settings_snapshot_read_user_value;
  backend_class->write = tessera_settings_snapshot_write;
  backend_class->write_tree = tessera_settings_snapshot_write_tree;
  backend_class->reset = tessera_settings_snapshot_reset;
  backend_class->get_writable = tessera_settings_snapshot_get_writable;
  backend_class->get_permission = tessera_settings_snapshot_get_permission;
}

static void
tessera_settings_snapshot_init (TesseraSettingsSnapshot *self)
{
  self->keyfile = g_key_file_new ();
}

/* Whether GLib would pick its keyfile backend, by its own rules: the
 * environment variable first, else a Flatpak sandbox that may not talk
 * to dconf (gio/gportalsupport.c gives the keyfile backend priority
 * there). Anywhere else it is dconf, or something this cannot tell. */
static gboolean
glib_uses_keyfile_backend (void)
{
  const char *chosen = g_getenv ("GSETTINGS_BACKEND");
  g_autoptr(GKeyFile) flatpak_info = NULL;
  g_autofree char *dconf_policy = NULL;

  if (chosen != NULL && chosen[0] != '\0')
    return g_str_equal (chosen, "keyfile");

  flatpak_info = g_key_file_new ();
  if (!g_key_file_load_from_file (flatpak_info, "/.flatpak-info", G_KEY_FILE_NONE, NULL))
    return FALSE;

  dconf_policy = g_key_file_get_string (flatpak_info, "Session Bus Policy", "ca.desrt.dconf", NULL);
  return g_strcmp0 (dconf_policy, "talk") != 0;
}

/**
 * tessera_settings_snapshot_new_from_file:
 * @path: a GSettings keyfile
 *
 * Returns: (transfer full): a read-only backend answering from @path as
 *   it is now (a missing file holds no values), or %NULL with @error set
 *   when it cannot be read or parsed.
 */
GSettingsBackend *
tessera_settings_snapshot_new_from_file (const char  *path,
                                         GError     **error)
{
  g_autoptr(TesseraSettingsSnapshot) self = g_object_new (TESSERA_TYPE_SETTINGS_SNAPSHOT, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (self->keyfile, path, G_KEY_FILE_NONE, &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return G_SETTINGS_BACKEND (g_steal_pointer (&self));
}

/**
 * tessera_settings_snapshot_new_if_keyfile:
 *
 * Returns: (transfer full) (nullable): a snapshot of the user's GSettings
 *   keyfile when GLib would read that file and nothing else, else %NULL
 *   (use the default backend).
 */
GSettingsBackend *
tessera_settings_snapshot_new_if_keyfile (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GSettingsBackend *snapshot;

  if (!glib_uses_keyfile_backend ())
    return NULL;

  /* System-wide defaults and locks: GLib's backend lays them over the
   * user's values. Rare; the real backend handles them. */
  if (g_file_test (SYSTEM_SETTINGS_DIR "/defaults", G_FILE_TEST_EXISTS) ||
      g_file_test (SYSTEM_SETTINGS_DIR "/locks", G_FILE_TEST_EXISTS))
    return NULL;

  path = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", "keyfile", NULL);
  snapshot = tessera_settings_snapshot_new_from_file (path, &error);
  if (snapshot == NULL)
    g_debug ("Reading the settings through GLib: %s", error->message);

  return snapshot;
}
