/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-install.c: where this Tessera runs from, and whether what it
 * needs beside the program is there */
#define G_LOG_DOMAIN "tessera"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "tessera-install.h"

/**
 * tessera_install_is_build_tree:
 *
 * Returns: %TRUE when the running program is the one in the build
 *   directory it was built in (tests, benchmarks, `_build/src/tessera`)
 */
gboolean
tessera_install_is_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe != NULL && g_str_has_prefix (exe, TESSERA_BUILD_ROOT G_DIR_SEPARATOR_S);
}

/**
 * tessera_install_has_schema:
 *
 * Returns: %TRUE when GSettings finds Tessera's schema; without it the
 *   store cannot start
 */
gboolean
tessera_install_has_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  return schema != NULL;
}

/**
 * tessera_install_missing_schema_message:
 *
 * Returns: (transfer full): what to do about a missing schema, for the
 *   program run from its build tree or installed
 */
char *
tessera_install_missing_schema_message (void)
{
  if (tessera_install_is_build_tree ())
    /* TRANSLATORS: %s is the schema's id */
    return g_strdup_printf (_("The settings schema “%s” is not installed. From a build tree, run Tessera with build-aux/run (for example “build-aux/run list”), which finds it."),
                            APP_ID);

  /* TRANSLATORS: %s is the schema's id */
  return g_strdup_printf (_("The settings schema “%s” is not installed: reinstall Tessera."), APP_ID);
}

/**
 * tessera_install_dup_flatpak_id:
 *
 * Flatpak puts /.flatpak-info, a key file, in every sandbox: its
 * [Application] name is the id the sandbox runs (a development build may
 * have another than APP_ID).
 *
 * Returns: (transfer full) (nullable): that id, APP_ID when the file does
 *   not say, or %NULL outside a Flatpak
 */
char *
tessera_install_dup_flatpak_id (void)
{
  const char *path = g_getenv ("TESSERA_TEST_FLATPAK_INFO");
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autofree char *name = NULL;

  if (path == NULL || *path == '\0')
    path = "/.flatpak-info";
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;

  if (g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, NULL))
    name = g_key_file_get_string (info, "Application", "name", NULL);
  if (name == NULL || !g_application_id_is_valid (name))
    return g_strdup (APP_ID);

  return g_steal_pointer (&name);
}
