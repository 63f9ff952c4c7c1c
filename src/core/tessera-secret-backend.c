/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-secret-backend.c: where tokens live
 *
 * The interface and its thin wrappers. Implementations report failures in
 * the TESSERA_STORE_ERROR domain (NO_SECRET_SERVICE, KEYRING_LOCKED,
 * SECRET_FAILED), or G_IO_ERROR_CANCELLED when the caller cancelled.
 */
#define G_LOG_DOMAIN "tessera-secret"

#include "config.h"

#include "tessera-secret-backend.h"

G_DEFINE_INTERFACE (TesseraSecretBackend, tessera_secret_backend, G_TYPE_OBJECT)

static void
tessera_secret_backend_default_init (TesseraSecretBackendInterface *iface)
{
}

/**
 * tessera_secret_backend_store_async:
 * @secret_id: the value of the item's "credential-id" attribute
 * @label: what keyring managers show for the item
 * @token: the token; the backend does not keep a reference to it
 *
 * Stores @token under @secret_id, replacing an item with the same
 * @secret_id.
 */
void
tessera_secret_backend_store_async (TesseraSecretBackend *self,
                                    const char           *secret_id,
                                    const char           *label,
                                    const char           *token,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_return_if_fail (TESSERA_IS_SECRET_BACKEND (self));
  g_return_if_fail (secret_id != NULL && *secret_id != '\0');
  g_return_if_fail (label != NULL);
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  TESSERA_SECRET_BACKEND_GET_IFACE (self)->store_async (self, secret_id, label, token,
                                                        cancellable, callback, user_data);
}

gboolean
tessera_secret_backend_store_finish (TesseraSecretBackend  *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_SECRET_BACKEND (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return TESSERA_SECRET_BACKEND_GET_IFACE (self)->store_finish (self, result, error);
}

/**
 * tessera_secret_backend_lookup_async:
 * @secret_id: the value of the item's "credential-id" attribute
 *
 * Looks up the token stored under @secret_id.
 */
void
tessera_secret_backend_lookup_async (TesseraSecretBackend *self,
                                     const char           *secret_id,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_return_if_fail (TESSERA_IS_SECRET_BACKEND (self));
  g_return_if_fail (secret_id != NULL && *secret_id != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  TESSERA_SECRET_BACKEND_GET_IFACE (self)->lookup_async (self, secret_id, cancellable,
                                                         callback, user_data);
}

/**
 * tessera_secret_backend_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the token, or %NULL without an error
 *   when there is none. Free with tessera_secure_free().
 */
char *
tessera_secret_backend_lookup_finish (TesseraSecretBackend  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_SECRET_BACKEND (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  return TESSERA_SECRET_BACKEND_GET_IFACE (self)->lookup_finish (self, result, error);
}

/**
 * tessera_secret_backend_clear_async:
 * @secret_id: the value of the item's "credential-id" attribute
 *
 * Deletes the item stored under @secret_id. Deleting an item that does
 * not exist succeeds.
 */
void
tessera_secret_backend_clear_async (TesseraSecretBackend *self,
                                    const char           *secret_id,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data)
{
  g_return_if_fail (TESSERA_IS_SECRET_BACKEND (self));
  g_return_if_fail (secret_id != NULL && *secret_id != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  TESSERA_SECRET_BACKEND_GET_IFACE (self)->clear_async (self, secret_id, cancellable,
                                                        callback, user_data);
}

gboolean
tessera_secret_backend_clear_finish (TesseraSecretBackend  *self,
                                     GAsyncResult          *result,
                                     GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_SECRET_BACKEND (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return TESSERA_SECRET_BACKEND_GET_IFACE (self)->clear_finish (self, result, error);
}

void
tessera_secret_item_free (TesseraSecretItem *item)
{
  if (item == NULL)
    return;

  g_free (item->secret_id);
  g_free (item);
}

/**
 * tessera_secret_backend_list_async:
 *
 * Lists the unlocked keyring items of Tessera's schema: their
 * "credential-id" and when they were made, never their keys. A backend
 * that cannot list lists nothing.
 */
void
tessera_secret_backend_list_async (TesseraSecretBackend *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  TesseraSecretBackendInterface *iface;

  g_return_if_fail (TESSERA_IS_SECRET_BACKEND (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = TESSERA_SECRET_BACKEND_GET_IFACE (self);
  if (iface->list_async == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, tessera_secret_backend_list_async);
      g_task_return_pointer (task, g_ptr_array_new_with_free_func ((GDestroyNotify) tessera_secret_item_free),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  iface->list_async (self, cancellable, callback, user_data);
}

GPtrArray *
tessera_secret_backend_list_finish (TesseraSecretBackend  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  TesseraSecretBackendInterface *iface;

  g_return_val_if_fail (TESSERA_IS_SECRET_BACKEND (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);

  iface = TESSERA_SECRET_BACKEND_GET_IFACE (self);
  if (iface->list_finish == NULL ||
      g_task_get_source_tag (G_TASK (result)) == tessera_secret_backend_list_async)
    return g_task_propagate_pointer (G_TASK (result), error);

  return iface->list_finish (self, result, error);
}
