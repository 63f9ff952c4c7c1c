/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-settings-snapshot.h: GSettings' keyfile, read once, for commands
 * that only read */
#pragma once

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gio.h>
#include <gio/gsettingsbackend.h>

G_BEGIN_DECLS

#define TESSERA_TYPE_SETTINGS_SNAPSHOT (tessera_settings_snapshot_get_type ())

G_DECLARE_FINAL_TYPE (TesseraSettingsSnapshot, tessera_settings_snapshot,
                      TESSERA, SETTINGS_SNAPSHOT, GSettingsBackend)

GSettingsBackend *tessera_settings_snapshot_new_if_keyfile (void);
GSettingsBackend *tessera_settings_snapshot_new_from_file  (const char  *path,
                                                            GError     **error);

G_END_DECLS
