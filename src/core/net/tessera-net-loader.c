/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-net-loader.c: opens libtessera-net.so and libtessera-keyring.so
 * and stands in for the functions the application calls in them (see
 * tessera-net-module.h)
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

/* One of the two modules. */
typedef struct
{
  const char *file;        /* "libtessera-net.so" */
  const char *symbol;      /* its entry point */
  gboolean    is_keyring;  /* which sentences say it is missing */
} ModuleInfo;

static const ModuleInfo net_info = { "libtessera-net.so", TESSERA_NET_MODULE_SYMBOL, FALSE };
static const ModuleInfo keyring_info = { "libtessera-keyring.so", TESSERA_KEYRING_MODULE_SYMBOL, TRUE };

typedef struct
{
  gconstpointer  module;   /* TesseraNetModule or TesseraKeyringModule */
  GError        *error;
} LoadResult;

/* The directory to load from: $TESSERA_MODULE_DIR when set; the build
 * tree's when the program runs from there (tests, benchmarks, demos);
 * otherwise where it was installed. */
static char *
module_path (const ModuleInfo *info)
{
  const char *dir = g_getenv ("TESSERA_MODULE_DIR");

  if (dir == NULL || *dir == '\0')
    {
      if (tessera_install_is_build_tree ())
        dir = TESSERA_BUILD_MODULE_DIR;
      else
        dir = TESSERA_MODULE_DIR;
    }

  return g_build_filename (dir, info->file, NULL);
}

static void
set_missing_error (const ModuleInfo  *info,
                   const char        *path,
                   GError           **error)
{
  if (info->is_keyring)
    /* TRANSLATORS: the first %s is a file, the second why it could not be opened */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("Tessera could not load its keyring module %s (%s). Reinstall Tessera."),
                 path, g_module_error ());
  else
    /* TRANSLATORS: the first %s is a file, the second why it could not be opened */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("Tessera could not load its network module %s (%s). Reinstall Tessera."),
                 path, g_module_error ());
}

static void
set_foreign_error (const ModuleInfo  *info,
                   const char        *path,
                   GError           **error)
{
  if (info->is_keyring)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("The keyring module %s does not belong to this version of Tessera (%s). Reinstall Tessera."),
                 path, PACKAGE_VERSION);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 _("The network module %s does not belong to this version of Tessera (%s). Reinstall Tessera."),
                 path, PACKAGE_VERSION);
}

static gpointer
load_once (gpointer data)
{
  const ModuleInfo *info = data;
  LoadResult *result = g_new0 (LoadResult, 1);
  g_autofree char *path = module_path (info);
  const char *const *(*get_module) (void) = NULL;
  GModule *module;

  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      set_missing_error (info, path, &result->error);
      return result;
    }

  /* Both modules' structures begin with the version string. */
  if (!g_module_symbol (module, info->symbol, (gpointer *) &get_module) ||
      get_module == NULL ||
      g_strcmp0 (*get_module (), PACKAGE_VERSION) != 0)
    {
      set_foreign_error (info, path, &result->error);
      g_module_close (module);
      return result;
    }

  /* Its types stay registered for the life of the process. */
  g_module_make_resident (module);
  result->module = get_module ();
  g_debug ("Loaded %s", path);

  return result;
}

static gconstpointer
load (GOnce             *once,
      const ModuleInfo  *info,
      GError           **error)
{
  LoadResult *result = g_once (once, load_once, (gpointer) info);

  if (result->module == NULL)
    {
      g_propagate_error (error, g_error_copy (result->error));
      return NULL;
    }

  return result->module;
}

const TesseraNetModule *
tessera_net_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  return load (&once, &net_info, error);
}

const TesseraKeyringModule *
tessera_keyring_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  return load (&once, &keyring_info, error);
}

static gpointer
preload_thread (gpointer data)
{
  /* A failure is reported by the first call that needs the module. */
  tessera_keyring_load (NULL);
  tessera_net_load (NULL);

  return NULL;
}

void
tessera_net_preload (void)
{
  g_thread_unref (g_thread_new ("tessera-net-load", preload_thread, NULL));
}

/* Without the modules (a broken installation) nothing can verify or keep a
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
  const TesseraKeyringModule *module = tessera_keyring_load (&error);

  if (module == NULL)
    {
      g_warning ("%s", error->message);
      return tessera_unavailable_secret_backend_new (error);
    }

  return module->libsecret_backend_new ();
}
