/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-net-module.h: the network and keyring code, loaded when first used
 *
 * The Harness client (libsoup, json-glib) and the Secret Service backend
 * (libsecret) pull in about twenty libraries: Kerberos, SQLite, libgcrypt
 * and more. Loading and relocating them at start-up cost the window about
 * 10 ms before it could appear, for code that is first needed after it
 * is on screen. So the application is not linked with them: they are built
 * into two modules that the application opens the first time it needs
 * them (tessera-net-loader.c), or earlier from a thread once the window
 * is up (tessera_net_preload()):
 *
 * - libtessera-keyring.so, the Secret Service backend (libsecret: four
 *   libraries more than GIO), opened when a keyring backend is made;
 * - libtessera-net.so, the Harness client (libsoup and json-glib: thirty
 *   libraries), opened when a Harness client is made.
 *
 * Two, because `tessera token`, `exec` and `git-credential` — what
 * scripts run on every call — need the keyring and never the network:
 * loading libsoup's libraries was a quarter of `tessera token`.
 *
 * Tests and benchmarks link the same code directly (the tessera-net static
 * library) and never load the module.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-harness-client.h"
#include "tessera-secret-backend.h"

G_BEGIN_DECLS

/* What the application calls in the module. The module is built from the
 * same sources at the same time; the version check only guards against a
 * module left behind by another installation. */
typedef struct
{
  const char            *version;
  GType                  (*harness_client_get_type)      (void);
  TesseraHarnessClient  *(*harness_client_new)           (void);
  void                   (*harness_client_verify_async)  (TesseraHarnessClient  *self,
                                                          const char            *base_url,
                                                          const char            *account_id,
                                                          TesseraToken          *token,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
  TesseraVerification   *(*harness_client_verify_finish) (TesseraHarnessClient  *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
  /* Changing tokens on Harness */
  void                   (*harness_client_rotate_async)  (TesseraHarnessClient         *self,
                                                          const char                   *base_url,
                                                          const char                   *account_id,
                                                          TesseraToken                 *token,
                                                          const TesseraHarnessTokenRef *ref,
                                                          gint64                        rotate_timestamp_ms,
                                                          GCancellable                 *cancellable,
                                                          GAsyncReadyCallback           callback,
                                                          gpointer                      user_data);
  char                  *(*harness_client_rotate_finish) (TesseraHarnessClient         *self,
                                                          GAsyncResult                 *result,
                                                          GError                      **error);
  void                   (*harness_client_create_async)  (TesseraHarnessClient         *self,
                                                          const char                   *base_url,
                                                          const char                   *account_id,
                                                          TesseraToken                 *token,
                                                          const TesseraHarnessTokenRef *ref,
                                                          const char                   *name,
                                                          gint64                        valid_to_ms,
                                                          GCancellable                 *cancellable,
                                                          GAsyncReadyCallback           callback,
                                                          gpointer                      user_data);
  char                  *(*harness_client_create_finish) (TesseraHarnessClient         *self,
                                                          GAsyncResult                 *result,
                                                          GError                      **error);
  void                   (*harness_client_delete_async)  (TesseraHarnessClient         *self,
                                                          const char                   *base_url,
                                                          const char                   *account_id,
                                                          TesseraToken                 *token,
                                                          const TesseraHarnessTokenRef *ref,
                                                          GCancellable                 *cancellable,
                                                          GAsyncReadyCallback           callback,
                                                          gpointer                      user_data);
  gboolean               (*harness_client_delete_finish) (TesseraHarnessClient         *self,
                                                          GAsyncResult                 *result,
                                                          GError                      **error);
} TesseraNetModule;

/* What the application calls in libtessera-keyring.so. */
typedef struct
{
  const char            *version;
  TesseraSecretBackend  *(*libsecret_backend_new)        (void);
} TesseraKeyringModule;

/* Each module's one exported symbol. */
#define TESSERA_NET_MODULE_SYMBOL "tessera_net_module_get"
const TesseraNetModule *tessera_net_module_get (void);
#define TESSERA_KEYRING_MODULE_SYMBOL "tessera_keyring_module_get"
const TesseraKeyringModule *tessera_keyring_module_get (void);

/* Declared here too, so that code which only makes the backend need not
 * include libsecret's headers. */
TesseraSecretBackend *tessera_libsecret_backend_new (void);

/* In the application (tessera-net-loader.c): each opens its module once;
 * later calls return the same answer. Without libtessera-net.so,
 * tessera_harness_client_new() returns NULL and verifications fail with
 * the reason; without libtessera-keyring.so the keyring backend is a
 * TesseraUnavailableSecretBackend. */
const TesseraNetModule     *tessera_net_load     (GError **error);
const TesseraKeyringModule *tessera_keyring_load (GError **error);
/* Starts loading both modules in a thread, if they are not loaded yet. */
void                        tessera_net_preload  (void);

G_END_DECLS
