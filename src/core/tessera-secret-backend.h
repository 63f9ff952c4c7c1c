/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-secret-backend.h: where tokens live
 *
 * The store talks to secrets only through this interface, so tests can put
 * a failing backend in its place. The real one is TesseraLibsecretBackend
 * (tessera-libsecret-backend.h): one item per token revision in the Secret
 * Service, schema "io.github.tessera.Tessera.Credential", attributes
 * "credential-id" and "schema-version" only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TESSERA_TYPE_SECRET_BACKEND (tessera_secret_backend_get_type ())

G_DECLARE_INTERFACE (TesseraSecretBackend, tessera_secret_backend, TESSERA, SECRET_BACKEND, GObject)

/* One item of ours in the keyring, as a search lists it: never its key. */
typedef struct
{
  char   *secret_id;   /* its "credential-id" attribute */
  gint64  created;     /* seconds since the epoch; 0 when unknown */
} TesseraSecretItem;

void tessera_secret_item_free (TesseraSecretItem *item);

struct _TesseraSecretBackendInterface
{
  GTypeInterface parent_iface;

  void      (*store_async)   (TesseraSecretBackend  *self,
                              const char            *secret_id,
                              const char            *label,
                              const char            *token,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data);
  gboolean  (*store_finish)  (TesseraSecretBackend  *self,
                              GAsyncResult          *result,
                              GError               **error);
  void      (*lookup_async)  (TesseraSecretBackend  *self,
                              const char            *secret_id,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data);
  /* NULL without error: not found. Free with tessera_secure_free(). */
  char     *(*lookup_finish) (TesseraSecretBackend  *self,
                              GAsyncResult          *result,
                              GError               **error);
  void      (*clear_async)   (TesseraSecretBackend  *self,
                              const char            *secret_id,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data);
  gboolean  (*clear_finish)  (TesseraSecretBackend  *self,
                              GAsyncResult          *result,
                              GError               **error);
  /* Optional: without it the backend lists nothing. */
  void      (*list_async)    (TesseraSecretBackend  *self,
                              GCancellable          *cancellable,
                              GAsyncReadyCallback    callback,
                              gpointer               user_data);
  GPtrArray*(*list_finish)   (TesseraSecretBackend  *self,
                              GAsyncResult          *result,
                              GError               **error);
};

void      tessera_secret_backend_store_async   (TesseraSecretBackend  *self,
                                                const char            *secret_id,
                                                const char            *label,
                                                const char            *token,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);
gboolean  tessera_secret_backend_store_finish  (TesseraSecretBackend  *self,
                                                GAsyncResult          *result,
                                                GError               **error);
void      tessera_secret_backend_lookup_async  (TesseraSecretBackend  *self,
                                                const char            *secret_id,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);
char     *tessera_secret_backend_lookup_finish (TesseraSecretBackend  *self,
                                                GAsyncResult          *result,
                                                GError               **error);
void      tessera_secret_backend_clear_async   (TesseraSecretBackend  *self,
                                                const char            *secret_id,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);
gboolean  tessera_secret_backend_clear_finish  (TesseraSecretBackend  *self,
                                                GAsyncResult          *result,
                                                GError               **error);

/* The unlocked items of Tessera's schema, for the sweep of items no
 * credential owns. Returns: (transfer full) (element-type TesseraSecretItem) */
void       tessera_secret_backend_list_async    (TesseraSecretBackend  *self,
                                                 GCancellable          *cancellable,
                                                 GAsyncReadyCallback    callback,
                                                 gpointer               user_data);
GPtrArray *tessera_secret_backend_list_finish   (TesseraSecretBackend  *self,
                                                 GAsyncResult          *result,
                                                 GError               **error);

G_END_DECLS
