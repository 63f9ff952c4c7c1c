/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential-tile.h: one credential in the window's grid
 *
 * Shows a TesseraCredential's metadata and state and offers its actions
 * ("credential.verify", "credential.edit", "credential.copy-token",
 * "credential.copy-account-id", "credential.delete", "credential.confirm-delete",
 * "credential.select", "credential.rotate", "credential.renew").
 * The tile holds no logic of its own: each action is forwarded to the
 * window's action of the same purpose ("win.verify-credential", …) with the
 * credential id as parameter.
 */
#pragma once

#include <gtk/gtk.h>

#include "tessera-credential.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_CREDENTIAL_TILE (tessera_credential_tile_get_type ())

G_DECLARE_FINAL_TYPE (TesseraCredentialTile, tessera_credential_tile, TESSERA, CREDENTIAL_TILE, GtkWidget)

GtkWidget         *tessera_credential_tile_new            (void);
TesseraCredential *tessera_credential_tile_get_credential (TesseraCredentialTile *self);
void               tessera_credential_tile_set_credential (TesseraCredentialTile *self,
                                                           TesseraCredential     *credential);
/* The words the tile shows for its state ("Verified · 5 minutes ago"). */
const char        *tessera_credential_tile_get_state_text (TesseraCredentialTile *self);

/* For tests: how many tiles are alive right now. */
guint              tessera_credential_tile_get_instance_count (void);

G_END_DECLS
