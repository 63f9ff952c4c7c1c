/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-unavailable-secret-backend.c: every call fails with one error */
#include "config.h"

#include "tessera-unavailable-secret-backend.h"

struct _TesseraUnavailableSecretBackend
{
  GObject  parent_instance;
  GError  *error;
};

static void secret_backend_iface_init (TesseraSecretBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TesseraUnavailableSecretBackend, tessera_unavailable_secret_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TESSERA_TYPE_SECRET_BACKEND, secret_backend_iface_init))

static void
report (TesseraSecretBackend *backend,
        gpointer              source_tag,
        GAsyncReadyCallback   callback,
        gpointer              user_data)
{
  TesseraUnavailableSecretBackend *self = TESSERA_UNAVAILABLE_SECRET_BACKEND (backend);

  g_task_report_error (self, callback, user_data, source_tag, g_error_copy (self->error));
}

static void
unavailable_store_async (TesseraSecretBackend *backend,
                         const char           *secret_id,
                         const char           *label,
                         const char           *token,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  report (backend, unavailable_store_async, callback, user_data);
}

static void
unavailable_lookup_async (TesseraSecretBackend *backend,
                          const char           *secret_id,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  report (backend, unavailable_lookup_async, callback, user_data);
}

static void
unavailable_clear_async (TesseraSecretBackend *backend,
                         const char           *secret_id,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  report (backend, unavailable_clear_async, callback, user_data);
}

static gboolean
unavailable_finish_boolean (TesseraSecretBackend  *backend,
                            GAsyncResult          *result,
                            GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static char *
unavailable_lookup_finish (TesseraSecretBackend  *backend,
                           GAsyncResult          *result,
                           GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
secret_backend_iface_init (TesseraSecretBackendInterface *iface)
{
  iface->store_async = unavailable_store_async;
  iface->store_finish = unavailable_finish_boolean;
  iface->lookup_async = unavailable_lookup_async;
  iface->lookup_finish = unavailable_lookup_finish;
  iface->clear_async = unavailable_clear_async;
  iface->clear_finish = unavailable_finish_boolean;
}

static void
tessera_unavailable_secret_backend_finalize (GObject *object)
{
  TesseraUnavailableSecretBackend *self = TESSERA_UNAVAILABLE_SECRET_BACKEND (object);

  g_clear_error (&self->error);

  G_OBJECT_CLASS (tessera_unavailable_secret_backend_parent_class)->finalize (object);
}

static void
tessera_unavailable_secret_backend_class_init (TesseraUnavailableSecretBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tessera_unavailable_secret_backend_finalize;
}

static void
tessera_unavailable_secret_backend_init (TesseraUnavailableSecretBackend *self)
{
}

/**
 * tessera_unavailable_secret_backend_new:
 * @error: what every call will fail with
 *
 * Returns: (transfer full): the backend
 */
TesseraSecretBackend *
tessera_unavailable_secret_backend_new (const GError *error)
{
  TesseraUnavailableSecretBackend *self;

  g_return_val_if_fail (error != NULL, NULL);

  self = g_object_new (TESSERA_TYPE_UNAVAILABLE_SECRET_BACKEND, NULL);
  self->error = g_error_copy (error);

  return TESSERA_SECRET_BACKEND (self);
}
