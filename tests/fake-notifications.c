/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-notifications.c: a notification server of the tests' own
 *
 * Owns org.gtk.Notifications (what GNOME Shell implements, and what GLib's
 * GNotification uses when the name has an owner) on the session bus of
 * its environment, and prints one line per call, flushed at once:
 *
 *   add APP_ID ID TITLE<TAB>BODY<TAB>DEFAULT-ACTION DEFAULT-TARGET<TAB>BUTTONS
 *   remove APP_ID ID
 *
 * where BUTTONS is "LABEL=ACTION(TARGET)" joined by ";" and a target is
 * printed as GVariant text. "ready" once the name is owned.
 */
#include <stdio.h>
#include <gio/gio.h>

static const char introspection[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static char *
target_text (GVariant *target)
{
  if (target == NULL)
    return g_strdup ("");

  return g_variant_print (target, FALSE);
}

static void
method_call (GDBusConnection       *connection,
             const char            *sender,
             const char            *object_path,
             const char            *interface_name,
             const char            *method_name,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation,
             gpointer               user_data)
{
  if (g_str_equal (method_name, "AddNotification"))
    {
      const char *app_id, *id, *title = "", *body = "", *action = "";
      g_autoptr(GVariant) notification = NULL;
      g_autoptr(GVariant) target = NULL;
      g_autoptr(GVariant) buttons = NULL;
      g_autoptr(GString) line = g_string_new (NULL);
      g_autofree char *target_str = NULL;

      g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &notification);
      g_variant_lookup (notification, "title", "&s", &title);
      g_variant_lookup (notification, "body", "&s", &body);
      g_variant_lookup (notification, "default-action", "&s", &action);
      target = g_variant_lookup_value (notification, "default-action-target", NULL);
      target_str = target_text (target);
      g_string_append_printf (line, "add %s %s %s\t%s\t%s %s\t", app_id, id, title, body, action, target_str);

      buttons = g_variant_lookup_value (notification, "buttons", G_VARIANT_TYPE ("aa{sv}"));
      for (gsize i = 0; buttons != NULL && i < g_variant_n_children (buttons); i++)
        {
          g_autoptr(GVariant) button = g_variant_get_child_value (buttons, i);
          g_autoptr(GVariant) button_target = g_variant_lookup_value (button, "target", NULL);
          g_autofree char *button_target_str = target_text (button_target);
          const char *label = "", *button_action = "";

          g_variant_lookup (button, "label", "&s", &label);
          g_variant_lookup (button, "action", "&s", &button_action);
          g_string_append_printf (line, "%s%s=%s(%s)", i > 0 ? ";" : "", label, button_action, button_target_str);
        }

      printf ("%s\n", line->str);
    }
  else if (g_str_equal (method_name, "RemoveNotification"))
    {
      const char *app_id, *id;

      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      printf ("remove %s %s\n", app_id, id);
    }
  fflush (stdout);

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  printf ("ready\n");
  fflush (stdout);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  g_printerr ("fake-notifications: could not own %s\n", name);
  g_main_loop_quit (user_data);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, NULL);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL || g_dbus_connection_register_object (bus, "/org/gtk/Notifications", info->interfaces[0],
                                                         &vtable, NULL, NULL, &error) == 0)
    {
      g_printerr ("fake-notifications: %s\n", error->message);
      return 1;
    }

  g_bus_own_name_on_connection (bus, "org.gtk.Notifications", G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                name_acquired_cb, name_lost_cb, loop, NULL);
  g_main_loop_run (loop);

  return 1;
}
