/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-install.h: where this Tessera runs from, and whether what it
 * needs beside the program is there */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  tessera_install_is_build_tree           (void);
gboolean  tessera_install_has_schema              (void);
char     *tessera_install_missing_schema_message  (void);
/* In a Flatpak sandbox (/.flatpak-info is there): the app's id there,
 * else NULL. $TESSERA_TEST_FLATPAK_INFO, for tests only, names another
 * file to read instead. */
char     *tessera_install_dup_flatpak_id          (void);

G_END_DECLS
