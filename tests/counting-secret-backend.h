/* SPDX-License-Identifier: GPL-3.0-or-later */
/* counting-secret-backend.h: a TesseraSecretBackend for tests
 *
 * Passes every call to an inner backend (the real libsecret one, or an
 * in-memory table when none is given), counts the calls, records their
 * order ("store <id>", "lookup <id>", "clear <id>"), and fails whatever
 * call the test asks it to fail.
 */
#pragma once

#include "tessera-secret-backend.h"

G_BEGIN_DECLS

#define COUNTING_TYPE_SECRET_BACKEND (counting_secret_backend_get_type ())

G_DECLARE_FINAL_TYPE (CountingSecretBackend, counting_secret_backend, COUNTING, SECRET_BACKEND, GObject)

/* @inner: (nullable): %NULL keeps tokens in memory */
CountingSecretBackend *counting_secret_backend_new        (TesseraSecretBackend  *inner);
guint                  counting_secret_backend_get_calls  (CountingSecretBackend *self);
guint                  counting_secret_backend_get_stores (CountingSecretBackend *self);
guint                  counting_secret_backend_get_lookups (CountingSecretBackend *self);
guint                  counting_secret_backend_get_clears (CountingSecretBackend *self);
/* Every call so far, in order, as "store <secret-id>" and so on. */
GPtrArray             *counting_secret_backend_get_log    (CountingSecretBackend *self);
void                   counting_secret_backend_reset      (CountingSecretBackend *self);

/* Makes every following call of that kind fail with @error (a copy is
 * kept; %NULL stops failing). */
void                   counting_secret_backend_fail_store  (CountingSecretBackend *self,
                                                            const GError          *error);
void                   counting_secret_backend_fail_lookup (CountingSecretBackend *self,
                                                            const GError          *error);
void                   counting_secret_backend_fail_clear  (CountingSecretBackend *self,
                                                            const GError          *error);

G_END_DECLS
