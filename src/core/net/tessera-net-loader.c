/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-net-loader.c: opens libtessera-net.so and stands in for the
 * functions the application calls in it (see tessera-net-module.h)
 *
 * Linked into the application only; tests link the real functions.
 */
#define G_LOG_DOMAIN "tessera-net"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gmodule.h>

#include "tessera-install.h"
#include "tessera-net-module.h"
#include "tessera-unavailable-secret-backend.h"

#define MODULE_NAME "libtessera-net.so"

typedef struct
{
  const TesseraNetModule *module;
  GError                 *error;
} LoadResult;

/* The directory to load from: $TESSERA_MODULE_DIR when set; the build
 * tree's when the program runs from there (tests, benchmarks, demos);
 * otherwise where it was installed. */
static char *
module_path (void)
{
  const char *dir = g_getenv ("TESSERA_MODULE_DIR");

  if (dir == NULL || *dir == '\0')
    {
      if (tessera_install_is_build_tree ())
        dir = TESSERA_BUILD_MODULE_DIR;
      else
        dir = TESSERA_MODULE_DIR;
    }

  return g_build_filename (dir, MODULE_NAME, NULL);
}

static gpointer
load_once (gpointer data)
{
  LoadResult *result = g_new0 (LoadResult, 1);
  g_autofree char *path = module_path ();
  const TesseraNetModule *(*get_module) (void) = NULL;
  GModule *module;

  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      /* TRANSLATORS: the first %s is a file, the second why it could not be opened */
      g_set_error (&result->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Tessera could not load its network and keyring module %s (%s). Reinstall Tessera."),
                   path, g_module_error ());
      return result;
    }

  if (!g_module_symbol (module, TESSERA_NET_MODULE_SYMBOL, (gpointer *) &get_module) ||
      get_module == NULL ||
      g_strcmp0 (get_module ()->version, PACKAGE_VERSION) != 0)
    {
      g_set_error (&result->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The network and keyring module %s does not belong to this version of Tessera (%s). Reinstall Tessera."),
                   path, PACKAGE_VERSION);
      g_module_close (module);
      return result;
    }

  /* Its types stay registered for the life of the process. */
  g_module_make_resident (module);
  result->module = get_module ();
  g_debug ("Loaded %s", path);

  return result;
}

const TesseraNetModule *
tessera_net_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;
  LoadResult *result = g_once (&once, load_once, NULL);

  if (result->module == NULL)
    {
      g_propagate_error (error, g_error_copy (result->error));
      return NULL;
    }

  return result->module;
}

static gpointer
preload_thread (gpointer data)
{
  /* A failure is reported by the first call that needs the module. */
  g_autoptr(GError) error = NULL;

  tessera_net_load (&error);

  return NULL;
}

void
tessera_net_preload (void)
{
  g_thread_unref (g_thread_new ("tessera-net-load", preload_thread, NULL));
}

/* Without the module (a broken installation) nothing can verify or keep a
 * token, but the window stays up and says why: there is no client, a
 * verification fails with the loader's error, and the keyring backend is
 * one whose every call does. */

GType
tessera_harness_client_get_type (void)
{
  const TesseraNetModule *module = tessera_net_load (NULL);

  /* Without it there is no client to cast: G_TYPE_INVALID keeps a cast of
   * NULL quiet. */
  return module != NULL ? module->harness_client_get_type () : G_TYPE_INVALID;
}

TesseraHarnessClient *
tessera_harness_client_new (void)
{
  const TesseraNetModule *module = tessera_net_load (NULL);

  return module != NULL ? module->harness_client_new () : NULL;
}

void
tessera_harness_client_verify_async (TesseraHarnessClient *self,
                                     const char           *base_url,
                                     const char           *account_id,
                                     TesseraToken         *token,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GError) error = NULL;
  const TesseraNetModule *module = tessera_net_load (&error);

  if (module == NULL)
    {
      g_task_report_error (NULL, callback, user_data, tessera_harness_client_verify_async,
                           g_steal_pointer (&error));
      return;
    }

  module->harness_client_verify_async (self, base_url, account_id, token, cancellable, callback, user_data);
}

TesseraVerification *
tessera_harness_client_verify_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  if (g_async_result_is_tagged (result, tessera_harness_client_verify_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return tessera_net_load (NULL)->harness_client_verify_finish (self, result, error);
}

/* Changing tokens: as verify, each reports a missing module to its
 * callback. */

static gboolean
report_unloaded (gpointer             source_tag,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GError) error = NULL;

  if (tessera_net_load (&error) != NULL)
    return FALSE;

  g_task_report_error (NULL, callback, user_data, source_tag, g_steal_pointer (&error));

  return TRUE;
}

void
tessera_harness_client_rotate_async (TesseraHarnessClient         *self,
                                     const char                   *base_url,
                                     const char                   *account_id,
                                     TesseraToken                 *token,
                                     const TesseraHarnessTokenRef *ref,
                                     gint64                        rotate_timestamp_ms,
                                     GCancellable                 *cancellable,
                                     GAsyncReadyCallback           callback,
                                     gpointer                      user_data)
{
  if (!report_unloaded (tessera_harness_client_rotate_async, callback, user_data))
    tessera_net_load (NULL)->harness_client_rotate_async (self, base_url, account_id, token, ref, rotate_timestamp_ms,
                                                          cancellable, callback, user_data);
}

char *
tessera_harness_client_rotate_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  if (g_async_result_is_tagged (result, tessera_harness_client_rotate_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return tessera_net_load (NULL)->harness_client_rotate_finish (self, result, error);
}

void
tessera_harness_client_create_async (TesseraHarnessClient         *self,
                                     const char                   *base_url,
                                     const char                   *account_id,
                                     TesseraToken                 *token,
                                     const TesseraHarnessTokenRef *ref,
                                     const char                   *name,
                                     gint64                        valid_to_ms,
                                     GCancellable                 *cancellable,
                                     GAsyncReadyCallback           callback,
                                     gpointer                      user_data)
{
  if (!report_unloaded (tessera_harness_client_create_async, callback, user_data))
    tessera_net_load (NULL)->harness_client_create_async (self, base_url, account_id, token, ref, name, valid_to_ms,
                                                          cancellable, callback, user_data);
}

char *
tessera_harness_client_create_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  if (g_async_result_is_tagged (result, tessera_harness_client_create_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  return tessera_net_load (NULL)->harness_client_create_finish (self, result, error);
}

void
tessera_harness_client_delete_async (TesseraHarnessClient         *self,
                                     const char                   *base_url,
                                     const char                   *account_id,
                                     TesseraToken                 *token,
                                     const TesseraHarnessTokenRef *ref,
                                     GCancellable                 *cancellable,
                                     GAsyncReadyCallback           callback,
                                     gpointer                      user_data)
{
  if (!report_unloaded (tessera_harness_client_delete_async, callback, user_data))
    tessera_net_load (NULL)->harness_client_delete_async (self, base_url, account_id, token, ref,
                                                          cancellable, callback, user_data);
}

gboolean
tessera_harness_client_delete_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  if (g_async_result_is_tagged (result, tessera_harness_client_delete_async))
    return g_task_propagate_boolean (G_TASK (result), error);

  return tessera_net_load (NULL)->harness_client_delete_finish (self, result, error);
}

TesseraSecretBackend *
tessera_libsecret_backend_new (void)
{
  g_autoptr(GError) error = NULL;
  const TesseraNetModule *module = tessera_net_load (&error);

  if (module == NULL)
    {
      g_warning ("%s", error->message);
      return tessera_unavailable_secret_backend_new (error);
    }

  return module->libsecret_backend_new ();
}
