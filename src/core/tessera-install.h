/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-install.h: where this Tessera runs from, and whether what it
 * needs beside the program is there */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  tessera_install_is_build_tree           (void);
gboolean  tessera_install_has_schema              (void);
char     *tessera_install_missing_schema_message  (void);

G_END_DECLS
