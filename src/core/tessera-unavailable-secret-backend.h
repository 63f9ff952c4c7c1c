/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-unavailable-secret-backend.h: where tokens would be, when Tessera
 * cannot reach the code that keeps them
 *
 * Every call fails with the error it was made with: what a broken
 * installation (the network and keyring module missing, see
 * tessera-net-module.h) gets instead of aborting the program.
 */
#pragma once

#include "tessera-secret-backend.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_UNAVAILABLE_SECRET_BACKEND (tessera_unavailable_secret_backend_get_type ())

G_DECLARE_FINAL_TYPE (TesseraUnavailableSecretBackend, tessera_unavailable_secret_backend,
                      TESSERA, UNAVAILABLE_SECRET_BACKEND, GObject)

TesseraSecretBackend *tessera_unavailable_secret_backend_new (const GError *error);

G_END_DECLS
