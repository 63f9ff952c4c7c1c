/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-keyring.h: locking and unlocking gnome-keyring's "login" keyring
 * in the core tests, on the bus the test talks to */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The session bus; the test fails without one. */
GDBusConnection *test_keyring_session_bus (void);

void test_keyring_lock_login   (GDBusConnection *bus);
/* Without a prompt, the way gnome-keyring's own login does. */
void test_keyring_unlock_login (GDBusConnection *bus,
                                const char      *password);

G_END_DECLS
