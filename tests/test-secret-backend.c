/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-secret-backend.c: the one TesseraSecretBackend of the tests */
#include "config.h"

#include "test-secret-backend.h"
#include "tessera-token.h"
#include "test-wait.h"

struct _TestSecretBackend
{
  GObject               parent_instance;

  TesseraSecretBackend *inner;
  GHashTable           *memory;     /* secret id → token, when no inner */
  GPtrArray            *log;
  guint                 stores;
  guint                 lookups;
  guint                 clears;
  GError               *fail_store;
  GError               *fail_lookup;
  GError               *fail_clear;
  TestSecretHook        store_answered;   /* one-shot */
  gpointer              store_answered_data;
  guint                 keep;             /* stores left to pass on */
};

static void secret_backend_iface_init (TesseraSecretBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSecretBackend, test_secret_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TESSERA_TYPE_SECRET_BACKEND, secret_backend_iface_init))

static void
note (TestSecretBackend *self,
      const char        *what,
      const char        *secret_id)
{
  g_ptr_array_add (self->log, g_strdup_printf ("%s %s", what, secret_id));
}

/* Each async call gets a GTask that reports what the keyring answered,
 * cancelled or not (g_task_set_check_cancellable (FALSE)): the real
 * backend does the same. */
static GTask *
new_task (TestSecretBackend   *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_check_cancellable (task, FALSE);
  return task;
}

static void
store_answered (TestSecretBackend *self)
{
  TestSecretHook hook = g_steal_pointer (&self->store_answered);

  if (hook != NULL)
    hook (self->store_answered_data);
}

static void
on_inner_store (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestSecretBackend *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean stored;

  stored = tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  store_answered (self);
  if (stored)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
test_store_async (TesseraSecretBackend *backend,
                  const char           *secret_id,
                  const char           *label,
                  const char           *token,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  TestSecretBackend *self = TEST_SECRET_BACKEND (backend);
  g_autoptr(GTask) task = new_task (self, cancellable, callback, user_data);

  self->stores++;
  note (self, "store", secret_id);

  if (self->fail_store != NULL)
    g_task_return_error (task, g_error_copy (self->fail_store));
  else if (self->keep == 0)
    g_task_return_boolean (task, TRUE);
  else
    {
      if (self->keep != G_MAXUINT)
        self->keep--;

      if (self->inner != NULL)
        tessera_secret_backend_store_async (self->inner, secret_id, label, token, cancellable,
                                            on_inner_store, g_steal_pointer (&task));
      else
        {
          g_hash_table_replace (self->memory, g_strdup (secret_id), g_strdup (token));
          store_answered (self);
          g_task_return_boolean (task, TRUE);
        }
    }
}

static gboolean
test_boolean_finish (TesseraSecretBackend  *backend,
                     GAsyncResult          *result,
                     GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_inner_lookup (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *value;

  value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) tessera_secure_free);
}

static void
test_lookup_async (TesseraSecretBackend *backend,
                   const char           *secret_id,
                   GCancellable         *cancellable,
                   GAsyncReadyCallback   callback,
                   gpointer              user_data)
{
  TestSecretBackend *self = TEST_SECRET_BACKEND (backend);
  g_autoptr(GTask) task = new_task (self, cancellable, callback, user_data);

  self->lookups++;
  note (self, "lookup", secret_id);

  if (self->fail_lookup != NULL)
    g_task_return_error (task, g_error_copy (self->fail_lookup));
  else if (self->inner != NULL)
    tessera_secret_backend_lookup_async (self->inner, secret_id, cancellable,
                                         on_inner_lookup, g_steal_pointer (&task));
  else
    g_task_return_pointer (task, g_strdup (g_hash_table_lookup (self->memory, secret_id)),
                           (GDestroyNotify) tessera_secure_free);
}

static char *
test_lookup_finish (TesseraSecretBackend  *backend,
                    GAsyncResult          *result,
                    GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_inner_clear (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
test_clear_async (TesseraSecretBackend *backend,
                  const char           *secret_id,
                  GCancellable         *cancellable,
                  GAsyncReadyCallback   callback,
                  gpointer              user_data)
{
  TestSecretBackend *self = TEST_SECRET_BACKEND (backend);
  g_autoptr(GTask) task = new_task (self, cancellable, callback, user_data);

  self->clears++;
  note (self, "clear", secret_id);

  if (self->fail_clear != NULL)
    g_task_return_error (task, g_error_copy (self->fail_clear));
  else if (self->inner != NULL)
    tessera_secret_backend_clear_async (self->inner, secret_id, cancellable,
                                        on_inner_clear, g_steal_pointer (&task));
  else
    {
      g_hash_table_remove (self->memory, secret_id);
      g_task_return_boolean (task, TRUE);
    }
}

static void
secret_backend_iface_init (TesseraSecretBackendInterface *iface)
{
  iface->store_async = test_store_async;
  iface->store_finish = test_boolean_finish;
  iface->lookup_async = test_lookup_async;
  iface->lookup_finish = test_lookup_finish;
  iface->clear_async = test_clear_async;
  iface->clear_finish = test_boolean_finish;
}

static void
test_secret_backend_finalize (GObject *object)
{
  TestSecretBackend *self = TEST_SECRET_BACKEND (object);

  g_clear_object (&self->inner);
  g_hash_table_unref (self->memory);
  g_ptr_array_unref (self->log);
  g_clear_error (&self->fail_store);
  g_clear_error (&self->fail_lookup);
  g_clear_error (&self->fail_clear);

  G_OBJECT_CLASS (test_secret_backend_parent_class)->finalize (object);
}

static void
test_secret_backend_class_init (TestSecretBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_secret_backend_finalize;
}

static void
test_secret_backend_init (TestSecretBackend *self)
{
  self->memory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tessera_secure_free);
  self->log = g_ptr_array_new_with_free_func (g_free);
  self->keep = G_MAXUINT;
}

TestSecretBackend *
test_secret_backend_new (TesseraSecretBackend *inner)
{
  TestSecretBackend *self = g_object_new (TEST_TYPE_SECRET_BACKEND, NULL);

  self->inner = inner != NULL ? g_object_ref (inner) : NULL;
  return self;
}

guint
test_secret_backend_get_calls (TestSecretBackend *self)
{
  return self->stores + self->lookups + self->clears;
}

guint
test_secret_backend_get_stores (TestSecretBackend *self)
{
  return self->stores;
}

guint
test_secret_backend_get_lookups (TestSecretBackend *self)
{
  return self->lookups;
}

guint
test_secret_backend_get_clears (TestSecretBackend *self)
{
  return self->clears;
}

GPtrArray *
test_secret_backend_get_log (TestSecretBackend *self)
{
  return self->log;
}

void
test_secret_backend_reset (TestSecretBackend *self)
{
  self->stores = self->lookups = self->clears = 0;
  g_ptr_array_set_size (self->log, 0);
}

static void
set_failure (GError       **slot,
             const GError  *error)
{
  g_clear_error (slot);
  if (error != NULL)
    *slot = g_error_copy (error);
}

void
test_secret_backend_fail_store (TestSecretBackend *self,
                                const GError      *error)
{
  set_failure (&self->fail_store, error);
}

void
test_secret_backend_fail_lookup (TestSecretBackend *self,
                                 const GError      *error)
{
  set_failure (&self->fail_lookup, error);
}

void
test_secret_backend_fail_clear (TestSecretBackend *self,
                                const GError      *error)
{
  set_failure (&self->fail_clear, error);
}

void
test_secret_backend_fail_all (TestSecretBackend *self,
                              const GError      *error)
{
  set_failure (&self->fail_store, error);
  set_failure (&self->fail_lookup, error);
  set_failure (&self->fail_clear, error);
}

void
test_secret_backend_on_store_answered (TestSecretBackend *self,
                                       TestSecretHook     hook,
                                       gpointer           user_data)
{
  self->store_answered = hook;
  self->store_answered_data = user_data;
}

void
test_secret_backend_set_keep (TestSecretBackend *self,
                              guint              keep)
{
  self->keep = keep;
}

char *
test_secrets_lookup (TesseraSecretBackend  *backend,
                     const char            *secret_id,
                     GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_secret_backend_lookup_async (backend, secret_id, NULL, test_wait_on_ready, &result);
  return tessera_secret_backend_lookup_finish (backend, test_wait_for (&result), error);
}

char *
test_random_token (const char *prefix,
                   const char *account)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  GString *token = g_string_new (prefix);

  g_string_append_c (token, '.');
  if (account != NULL)
    g_string_append_printf (token, "%s.", account);
  for (guint i = 0; i < 24; i++)
    g_string_append_c (token, "0123456789abcdef"[g_random_int_range (0, 16)]);
  g_string_append_c (token, '.');
  for (guint i = 0; i < 20; i++)
    g_string_append_c (token, alnum[g_random_int_range (0, sizeof alnum - 1)]);

  return g_string_free (token, FALSE);
}
