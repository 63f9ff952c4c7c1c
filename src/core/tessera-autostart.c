/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-autostart.c: starting the background service at login */
#define G_LOG_DOMAIN "tessera-autostart"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tessera-autostart.h"
#include "tessera-install.h"

gboolean
tessera_autostart_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char *
tessera_autostart_dup_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

/* A program path as an Exec= argument (Desktop Entry Specification):
 * bare when it can be, else in double quotes with `"`, `` ` ``, `$` and
 * `\` escaped, then each backslash doubled for the key file. */
static char *
exec_quote (const char *program)
{
  g_autoptr(GString) quoted = NULL;

  if (strpbrk (program, " \t\n\"'\\><~|&;$*?#()`%=") == NULL)
    return g_strdup (program);

  quoted = g_string_new ("\"");
  for (const char *p = program; *p != '\0'; p++)
    {
      if (strchr ("\"`$\\", *p) != NULL)
        g_string_append_c (quoted, '\\');
      if (*p == '%')
        g_string_append_c (quoted, '%');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  g_string_replace (quoted, "\\", "\\\\", 0);

  return g_string_free (g_steal_pointer (&quoted), FALSE);
}

char *
tessera_autostart_dup_entry (void)
{
  g_autofree char *program = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *comment = NULL;

  /* From the build tree (a developer's run, a test), the program built there. */
  if (tessera_install_is_build_tree ())
    program = g_build_filename (TESSERA_BUILD_ROOT, "src", "tessera", NULL);
  else
    program = g_build_filename (TESSERA_BINDIR, "tessera", NULL);
  quoted = exec_quote (program);

  return g_strdup_printf ("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Tessera\n"
                          "Comment=Reminds you before Harness API keys expire\n"
                          "Exec=%s --gapplication-service\n"
                          "Icon=" APP_ID "\n"
                          "Terminal=false\n"
                          "NoDisplay=true\n"
                          "X-GNOME-Autostart-enabled=true\n"
                          "X-GNOME-Autostart-Phase=Applications\n"
                          "X-GNOME-UsesNotifications=true\n",
                          quoted);
}

static void
fail (GTask        *task,
      const GError *error,
      gboolean      enabled)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_error_copy (error));
      return;
    }

  if (enabled)
    /* TRANSLATORS: %s is why, a sentence from the system */
    g_task_return_new_error (task, G_IO_ERROR, error->code,
                             _("Tessera could not set itself to start at login, so reminders are not sent while it is closed: %s"),
                             error->message);
  else
    /* TRANSLATORS: %s is why, a sentence from the system */
    g_task_return_new_error (task, G_IO_ERROR, error->code,
                             _("Tessera could not stop starting at login: %s"), error->message);
}

/* Outside a Flatpak: the entry file, written in a thread. */
static void
set_entry_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  gboolean enabled = GPOINTER_TO_INT (task_data);
  g_autofree char *path = tessera_autostart_dup_path ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  if (enabled)
    {
      g_autoptr(GFile) dir = g_file_get_parent (file);
      g_autofree char *entry = tessera_autostart_dup_entry ();

      if ((!g_file_make_directory_with_parents (dir, cancellable, &error) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS)))
        {
          fail (task, error, TRUE);
          return;
        }
      g_clear_error (&error);
      if (!g_file_replace_contents (file, entry, strlen (entry), NULL, FALSE,
                                    G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
        {
          fail (task, error, TRUE);
          return;
        }
    }
  else if (!g_file_delete (file, cancellable, &error) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      fail (task, error, FALSE);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* Inside a Flatpak: org.freedesktop.portal.Background. The portal answers
 * later through a Request object; the call returning is enough here, and
 * the portal keeps what was asked. */

static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      fail (task, error, GPOINTER_TO_INT (g_task_get_task_data (task)));
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
bus_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  gboolean enabled = GPOINTER_TO_INT (g_task_get_task_data (task));
  const char *commandline[] = { "tessera", "--gapplication-service", NULL };
  GVariantBuilder options;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      fail (task, error, enabled);
      g_object_unref (task);
      return;
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Remind you before Harness API keys expire")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enabled));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, g_task_get_cancellable (task),
                          request_background_cb, task);
}

void
tessera_autostart_set_async (gboolean             enabled,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tessera_autostart_set_async);
  g_task_set_task_data (task, GINT_TO_POINTER (enabled), NULL);

  if (tessera_autostart_in_flatpak ())
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, bus_cb, task);
  else
    {
      g_task_run_in_thread (task, set_entry_thread);
      g_object_unref (task);
    }
}

gboolean
tessera_autostart_set_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
