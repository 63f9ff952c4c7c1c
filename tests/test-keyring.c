/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-keyring.c: locking and unlocking gnome-keyring's "login" keyring */
#include <string.h>

#include "test-keyring.h"

#define SECRETS_NAME "org.freedesktop.secrets"
#define SECRETS_PATH "/org/freedesktop/secrets"
#define LOGIN_PATH   "/org/freedesktop/secrets/collection/login"

GDBusConnection *
test_keyring_session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

void
test_keyring_lock_login (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *collections[] = { LOGIN_PATH, NULL };

  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH,
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", collections),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

void
test_keyring_unlock_login (GDBusConnection *bus,
                           const char      *password)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) output = NULL;
  g_autoptr(GError) error = NULL;
  const char *session;

  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH,
                                       "org.freedesktop.Secret.Service", "OpenSession",
                                       g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                       G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v&o)", &output, &session);

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH,
                                       "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                                       "UnlockWithMasterPassword",
                                       g_variant_new ("(o(o@ay@ays))", LOGIN_PATH, session,
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, password,
                                                                                 strlen (password), 1),
                                                      "text/plain"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}
