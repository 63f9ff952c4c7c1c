/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-secret-backend.h: the one TesseraSecretBackend of the tests and
 * benchmarks
 *
 * Passes every call to an inner backend (the real libsecret one), or keeps
 * tokens in an in-memory table when none is given. On the way it counts
 * the calls, records their order ("store <id>", "lookup <id>",
 * "clear <id>"), fails whatever call the test asks it to fail, lets a test
 * act between the keyring's answer to a store and the store seeing it, and
 * can drop tokens past a number of stores (the benchmark seeder).
 *
 * As the real backend, it reports what the keyring answered even when the
 * call's cancellable was cancelled meanwhile.
 */
#pragma once

#include "tessera-secret-backend.h"

G_BEGIN_DECLS

#define TEST_TYPE_SECRET_BACKEND (test_secret_backend_get_type ())

G_DECLARE_FINAL_TYPE (TestSecretBackend, test_secret_backend, TEST, SECRET_BACKEND, GObject)

typedef void (*TestSecretHook) (gpointer user_data);

/* @inner: (nullable): %NULL keeps tokens in memory */
TestSecretBackend *test_secret_backend_new          (TesseraSecretBackend *inner);

guint              test_secret_backend_get_calls    (TestSecretBackend    *self);
guint              test_secret_backend_get_stores   (TestSecretBackend    *self);
guint              test_secret_backend_get_lookups  (TestSecretBackend    *self);
guint              test_secret_backend_get_clears   (TestSecretBackend    *self);
/* Every call so far, in order, as "store <secret-id>" and so on. */
GPtrArray         *test_secret_backend_get_log      (TestSecretBackend    *self);
/* Forgets the counts and the log. */
void               test_secret_backend_reset        (TestSecretBackend    *self);

/* Makes every following call of that kind fail with @error (a copy is
 * kept; %NULL stops failing). */
void               test_secret_backend_fail_store   (TestSecretBackend    *self,
                                                     const GError         *error);
void               test_secret_backend_fail_lookup  (TestSecretBackend    *self,
                                                     const GError         *error);
void               test_secret_backend_fail_clear   (TestSecretBackend    *self,
                                                     const GError         *error);
/* All three at once: the keyring is gone (@error), or back (%NULL). */
void               test_secret_backend_fail_all     (TestSecretBackend    *self,
                                                     const GError         *error);

/* Calls @hook once, for the next store that reaches the keyring: after
 * the keyring answered, before the caller sees the answer. */
void               test_secret_backend_on_store_answered (TestSecretBackend *self,
                                                          TestSecretHook     hook,
                                                          gpointer           user_data);

/* Only the first @keep stores (counted from now) reach the keyring; the
 * later ones succeed and drop their token. G_MAXUINT (the default) keeps
 * every one. */
void               test_secret_backend_set_keep     (TestSecretBackend    *self,
                                                     guint                 keep);

/* Helpers around any backend */

/* A lookup straight to @backend, run to completion. Free with
 * tessera_secure_free(). */
char              *test_secrets_lookup      (TesseraSecretBackend  *backend,
                                             const char            *secret_id,
                                             GError               **error);
/* A random key of the real shape: "@prefix.[@account.]<24 hex>.<20 alnum>". */
char              *test_random_token        (const char            *prefix,
                                             const char            *account);

G_END_DECLS
