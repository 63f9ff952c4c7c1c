/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-autostart.h: starting the background service at login
 *
 * Outside a Flatpak, an XDG autostart entry
 * ($XDG_CONFIG_HOME/autostart/io.github.tessera.Tessera.desktop) that runs
 * `tessera --gapplication-service`; inside one, the background portal's
 * RequestBackground with autostart. Turning it off removes the entry, or
 * asks the portal for no autostart.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* TRUE inside a Flatpak sandbox (/.flatpak-info exists). */
gboolean  tessera_autostart_in_flatpak     (void);
/* Where the autostart entry is written outside a Flatpak. */
char     *tessera_autostart_dup_path       (void);
/* The entry's contents: `Exec=` the installed program, or the build
 * tree's when this one runs from there. */
char     *tessera_autostart_dup_entry      (void);

/**
 * tessera_autostart_set_async:
 * @enabled: %TRUE to start the background service at login
 *
 * Writes or removes the autostart entry (a missing one is not an error),
 * or asks the background portal inside a Flatpak.
 */
void      tessera_autostart_set_async      (gboolean             enabled,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* Errors: G_IO_ERROR, its message a sentence for the user. */
gboolean  tessera_autostart_set_finish     (GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
