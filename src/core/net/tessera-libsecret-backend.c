/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-libsecret-backend.c: tokens in the Secret Service, through libsecret
 *
 * Every call is asynchronous (secret_password_*_async), so nothing blocks
 * the main loop, and a token never stays in memory longer than the call:
 * libsecret's copy is released with secret_password_free(), ours is wiped
 * by the caller with tessera_secure_free().
 *
 * Two Secret Service habits need care:
 * - A lookup whose item is locked, when the unlock prompt is dismissed,
 *   completes with no password and no error: exactly like "not found". So
 *   an empty lookup asks the service whether a locked item matches, and
 *   reports KEYRING_LOCKED if so, rather than letting the store conclude
 *   that the token is gone.
 * - A clear only deletes unlocked items and says nothing about locked
 *   ones. So when nothing was deleted we look for locked matches, try to
 *   unlock them (the user gets a prompt) and clear again.
 * Neither applies to the file backend, which has no locked state.
 *
 * A keyring that stops answering (frozen, swapped out, stuck on a disk)
 * holds each D-Bus message for 25 s. Callers may cancel; a deadline set
 * with tessera_libsecret_backend_set_timeout() ends each call by itself,
 * reported as "did not answer in time". The default is no deadline of our
 * own, because an unlock prompt counts against it and the user must not be
 * hurried while typing a password.
 *
 * libsecret's file backend reads its file once per process and rewrites
 * it whole from memory on every change: a key that another process (the
 * command line beside the window) stored since would be missed by a lookup
 * and dropped by the next write. So each call first drops libsecret's
 * cached backend when the file changed since this process last read or
 * wrote it, and writes hold a lock file that every Tessera process takes,
 * from that check until the file is written.
 *
 * Items with identical attributes replace each other (CreateItem with
 * replace). The store relies on that only for relabelling; replacing a
 * token uses a fresh "credential-id" value (see tessera-store.c).
 */
#define G_LOG_DOMAIN "tessera-secret"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tessera-file-guard.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-token.h"

#define SCHEMA_VERSION 1
#define FILE_LOCK_WAIT_MS 2000

struct _TesseraLibsecretBackend
{
  GObject  parent_instance;
  gboolean uses_file;
  guint    timeout_ms;    /* 0: none */
};

static void secret_backend_iface_init (TesseraSecretBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TesseraLibsecretBackend, tessera_libsecret_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TESSERA_TYPE_SECRET_BACKEND, secret_backend_iface_init))

/**
 * tessera_libsecret_backend_get_schema:
 *
 * Returns: (transfer none): the schema of Tessera's keyring items
 */
const SecretSchema *
tessera_libsecret_backend_get_schema (void)
{
  /* Attributes and labels are not secret: other programs read them, even
   * while the keyring is locked. Only an opaque id and a version go here,
   * never a name or an account; the label is the same for every item
   * (_tessera_store_build_label()). */
  static const SecretSchema schema = {
    TESSERA_SECRET_SCHEMA_NAME, SECRET_SCHEMA_NONE,
    {
      { "credential-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "schema-version", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { NULL, 0 },
    },
  };

  return &schema;
}

static GHashTable *
build_attributes (const char *secret_id)
{
  return secret_attributes_build (tessera_libsecret_backend_get_schema (),
                                  "credential-id", secret_id,
                                  "schema-version", SCHEMA_VERSION,
                                  NULL);
}

/* Mirrors libsecret's own choice (secret-backend.c): the file backend in a
 * Flatpak or Snap sandbox, otherwise whatever SECRET_BACKEND names. */
static gboolean
detect_file_backend (void)
{
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || g_getenv ("SNAP_NAME") != NULL)
    return TRUE;

  return g_strcmp0 (g_getenv ("SECRET_BACKEND"), "file") == 0;
}

static gboolean
is_missing_service (const GError *error)
{
  if (error->domain == G_DBUS_ERROR)
    {
      switch ((GDBusError) error->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
        case G_DBUS_ERROR_SPAWN_FORK_FAILED:
        case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
        case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
        case G_DBUS_ERROR_SPAWN_FAILED:
        case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
        case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
        case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
        case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
        case G_DBUS_ERROR_SPAWN_FILE_INVALID:
        case G_DBUS_ERROR_SPAWN_NO_MEMORY:
          return TRUE;
        case G_DBUS_ERROR_FAILED:
        case G_DBUS_ERROR_NO_MEMORY:
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_IO_ERROR:
        case G_DBUS_ERROR_BAD_ADDRESS:
        case G_DBUS_ERROR_NOT_SUPPORTED:
        case G_DBUS_ERROR_LIMITS_EXCEEDED:
        case G_DBUS_ERROR_ACCESS_DENIED:
        case G_DBUS_ERROR_AUTH_FAILED:
        case G_DBUS_ERROR_NO_SERVER:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_NO_NETWORK:
        case G_DBUS_ERROR_ADDRESS_IN_USE:
        case G_DBUS_ERROR_DISCONNECTED:
        case G_DBUS_ERROR_INVALID_ARGS:
        case G_DBUS_ERROR_FILE_NOT_FOUND:
        case G_DBUS_ERROR_FILE_EXISTS:
        case G_DBUS_ERROR_UNKNOWN_METHOD:
        case G_DBUS_ERROR_TIMED_OUT:
        case G_DBUS_ERROR_MATCH_RULE_NOT_FOUND:
        case G_DBUS_ERROR_MATCH_RULE_INVALID:
        case G_DBUS_ERROR_UNIX_PROCESS_ID_UNKNOWN:
        case G_DBUS_ERROR_INVALID_SIGNATURE:
        case G_DBUS_ERROR_INVALID_FILE_CONTENT:
        case G_DBUS_ERROR_SELINUX_SECURITY_CONTEXT_UNKNOWN:
        case G_DBUS_ERROR_ADT_AUDIT_DATA_UNKNOWN:
        case G_DBUS_ERROR_OBJECT_PATH_IN_USE:
        case G_DBUS_ERROR_UNKNOWN_INTERFACE:
        case G_DBUS_ERROR_UNKNOWN_OBJECT:
        case G_DBUS_ERROR_UNKNOWN_PROPERTY:
        case G_DBUS_ERROR_PROPERTY_READ_ONLY:
        default:
          return FALSE;
        }
    }

  /* No session bus at all: the socket is missing or refuses us, or there
   * is no address and nothing to autolaunch one with. */
  if (error->domain == G_SPAWN_ERROR)
    return TRUE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return TRUE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED) &&
      g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return TRUE;

  return FALSE;
}

static gboolean
is_connection_lost (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

static gboolean
is_timeout (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static GError *
timed_out_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                              _("The keyring did not answer in time. Try again."));
}

GError *
tessera_libsecret_backend_translate_error (const GError *error,
                                           gboolean      uses_file)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  /* The underlying message names D-Bus paths and error names, which help
   * in a bug report but not in a dialog. It never holds the token. */
  g_debug ("Keyring call failed: %s (%s, %d)", error->message,
           g_quark_to_string (error->domain), error->code);

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED,
                                _("The keyring is locked. Unlock it and try again."));

  if (!uses_file && is_missing_service (error))
    return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE,
                                _("No keyring is running. Start GNOME Keyring or another Secret Service and try again."));

  if (is_timeout (error))
    return timed_out_error ();

  if (is_connection_lost (error))
    return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                                _("The connection to the keyring was lost. Try again."));

  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                              _("The keyring could not complete the request."));
}

static GError *
locked_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED,
                              _("The keyring is locked. Unlock it and try again."));
}

/* libsecret's file backend beside other processes */

static int file_lock_fd = -1;
static gboolean file_lock_opened;
static guint file_writes;       /* ours, in flight */
static TesseraFileStamp file_stamp;    /* the file as libsecret last read or wrote it */
static gboolean file_known;
/* A call went through: libsecret holds its backend (see when_backend_made()) */
static gboolean backend_made;

static void
stamp_keyring_file (TesseraFileStamp *stamp)
{
  const char *path = g_getenv ("SECRET_FILE_TEST_PATH");
  g_autofree char *default_path = NULL;

  /* Where libsecret's file backend keeps it. */
  if (path == NULL || *path == '\0')
    path = default_path = g_build_filename (g_get_user_data_dir (), "keyrings",
                                            SECRET_COLLECTION_DEFAULT ".keyring", NULL);

  tessera_file_stamp_read (path, stamp);
}

/* Makes the next call read the file again if someone else changed it.
 * Not while a write of ours is in flight: that one holds libsecret's
 * backend, and a second copy read meanwhile would miss its item. */
static void
refresh_file_backend (void)
{
  TesseraFileStamp now;

  if (file_writes > 0)
    return;

  stamp_keyring_file (&now);
  if (file_known && tessera_file_stamp_equal (&now, &file_stamp))
    return;

  g_debug ("The keyring file changed: reading it again");
  secret_service_disconnect ();
  backend_made = FALSE;
  file_stamp = now;
  file_known = TRUE;
}

static gboolean
begin_file_write (void)
{
  if (file_writes > 0)
    {
      file_writes++;
      return TRUE;
    }

  if (!file_lock_opened)
    {
      file_lock_fd = tessera_file_lock_open (APP_ID ".keyring.lock");
      file_lock_opened = TRUE;
    }

  if (!tessera_file_lock_acquire (file_lock_fd, FILE_LOCK_WAIT_MS))
    return FALSE;

  refresh_file_backend ();
  file_writes++;
  return TRUE;
}

/* When the write's task is gone: its result is in the file. */
static void
end_file_write (gpointer unused)
{
  g_assert (file_writes > 0);

  if (--file_writes > 0)
    return;

  stamp_keyring_file (&file_stamp);
  file_known = TRUE;
  tessera_file_lock_release (file_lock_fd);
}

/* For a call that writes: FALSE (and @task returned) when another process
 * kept the lock too long. */
static gboolean
start_file_write (TesseraLibsecretBackend *self,
                  GTask                   *task)
{
  if (!self->uses_file)
    return TRUE;

  if (!begin_file_write ())
    {
      g_task_return_new_error (task, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED,
                               _("Another program is using the keyring. Try again in a moment."));
      return FALSE;
    }

  g_object_set_data_full (G_OBJECT (task), "tessera-file-write", GINT_TO_POINTER (1), end_file_write);
  return TRUE;
}

/* One backend for the process.
 *
 * libsecret keeps one backend per process (the file backend and its copy
 * of the file, or the Secret Service proxy), made by the first call that
 * finds none. Calls that start together before it exists each make one
 * (secret_backend_get(), libsecret 0.21.7): only the first is kept, the
 * others are never freed, and with the file backend each holds its own
 * copy of the file, so a key stored through one is missed by a lookup
 * through another. That happens at every start of `verify --all` and of
 * the window, and after refresh_file_backend(). So until a call has gone
 * through, calls go one at a time; the others wait. A waiting call whose
 * cancellable fires goes at once (it then fails as cancelled, promptly,
 * and libsecret frees what it made for it). */

typedef void (*StartCall) (GTask *task);

typedef struct
{
  GTask     *task;      /* owned */
  StartCall  start;
  gulong     cancelled_handler;
  GSource   *cancelled_source;  /* starts it early, once cancelled */
} WaitingCall;

static gboolean first_call_running;
static GQueue waiting_calls = G_QUEUE_INIT;

static void when_backend_made (GTask     *task,
                               StartCall  start);

static void
release_waiting_call (WaitingCall *call)
{
  if (call->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (call->task), call->cancelled_handler);
  if (call->cancelled_source != NULL)
    {
      g_source_destroy (call->cancelled_source);
      g_source_unref (call->cancelled_source);
    }
  when_backend_made (call->task, call->start);
  g_free (call);
}

static gboolean
start_cancelled_call_cb (gpointer user_data)
{
  WaitingCall *call = user_data;

  g_queue_remove (&waiting_calls, call);
  if (call->cancelled_handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (call->task), call->cancelled_handler);
  g_source_unref (call->cancelled_source);
  call->start (call->task);
  g_free (call);
  return G_SOURCE_REMOVE;
}

/* Not from the handler itself: g_cancellable_disconnect() there would
 * wait for the handler to return. (Tessera cancels on the main thread.) */
static void
on_waiting_call_cancelled (GCancellable *cancellable,
                           WaitingCall  *call)
{
  if (call->cancelled_source != NULL)
    return;
  call->cancelled_source = g_idle_source_new ();
  g_source_set_callback (call->cancelled_source, start_cancelled_call_cb, call, NULL);
  g_source_set_name (call->cancelled_source, "[tessera] cancelled keyring call");
  g_source_attach (call->cancelled_source, g_task_get_context (call->task));
}

static void
on_first_call_completed (GTask      *task,
                         GParamSpec *pspec,
                         gpointer    unused)
{
  GQueue released = G_QUEUE_INIT;

  g_signal_handlers_disconnect_by_func (task, on_first_call_completed, unused);
  first_call_running = FALSE;
  /* A failed call may have failed before libsecret made its backend:
   * the next one goes alone again. */
  if (!g_task_had_error (task))
    backend_made = TRUE;

  released = waiting_calls;
  g_queue_init (&waiting_calls);
  while (!g_queue_is_empty (&released))
    release_waiting_call (g_queue_pop_head (&released));
}

/* Runs @start (@task) (transfer full) now, or once a call has gone
 * through. */
static void
when_backend_made (GTask     *task,
                   StartCall  start)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  WaitingCall *call;

  if (backend_made)
    {
      start (task);
      return;
    }

  if (!first_call_running)
    {
      first_call_running = TRUE;
      g_signal_connect (task, "notify::completed", G_CALLBACK (on_first_call_completed), NULL);
      start (task);
      return;
    }

  call = g_new0 (WaitingCall, 1);
  call->task = task;
  call->start = start;
  g_queue_push_tail (&waiting_calls, call);
  if (cancellable != NULL)
    call->cancelled_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_waiting_call_cancelled),
                                                     call, NULL);
}

/* Deadlines */

typedef struct
{
  GCancellable *cancellable;   /* the call's own */
  GCancellable *caller;        /* nullable */
  gulong        caller_handler;
  GSource      *timeout;
  gboolean      timed_out;
} Deadline;

static void
deadline_free (Deadline *deadline)
{
  if (deadline->caller != NULL)
    g_cancellable_disconnect (deadline->caller, deadline->caller_handler);
  g_clear_object (&deadline->caller);
  if (deadline->timeout != NULL)
    g_source_destroy (deadline->timeout);
  g_clear_pointer (&deadline->timeout, g_source_unref);
  g_clear_object (&deadline->cancellable);
  g_free (deadline);
}

static void
on_caller_cancelled (GCancellable *caller,
                     Deadline     *deadline)
{
  g_cancellable_cancel (deadline->cancellable);
}

static gboolean
on_deadline (gpointer user_data)
{
  Deadline *deadline = user_data;

  g_debug ("The keyring did not answer in time");
  deadline->timed_out = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

/* A task for one call. With a deadline, the call runs on a cancellable of
 * its own, cancelled by the caller's or when the time is up. */
static GTask *
new_call (TesseraLibsecretBackend *self,
          GCancellable            *cancellable,
          GAsyncReadyCallback      callback,
          gpointer                 user_data,
          gpointer                 source_tag)
{
  Deadline *deadline;
  GTask *task;

  if (self->timeout_ms == 0)
    {
      task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, source_tag);
      return task;
    }

  deadline = g_new0 (Deadline, 1);
  deadline->cancellable = g_cancellable_new ();
  task = g_task_new (self, deadline->cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  /* What the call answered counts, not that the deadline cancelled it. */
  g_task_set_check_cancellable (task, FALSE);

  if (cancellable != NULL)
    {
      deadline->caller = g_object_ref (cancellable);
      deadline->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                        deadline, NULL);
    }

  deadline->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (deadline->timeout, on_deadline, deadline, NULL);
  g_source_set_name (deadline->timeout, "[tessera] keyring deadline");
  g_source_attach (deadline->timeout, g_main_context_get_thread_default ());

  g_object_set_data_full (G_OBJECT (task), "tessera-deadline", deadline, (GDestroyNotify) deadline_free);
  return task;
}

static void
return_translated (GTask        *task,
                   const GError *error)
{
  TesseraLibsecretBackend *self = g_task_get_source_object (task);
  Deadline *deadline = g_object_get_data (G_OBJECT (task), "tessera-deadline");

  if (deadline != NULL && deadline->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, timed_out_error ());
  else
    g_task_return_error (task, tessera_libsecret_backend_translate_error (error, self->uses_file));
}

/* Store */

/* libsecret's file backend rewrites its file in place: a write cancelled
 * (or a process ended) half-way leaves a file it cannot read again, every
 * key lost. So its writes are never cancelled; a caller that cancelled
 * meanwhile is told so once the write is done, and undoes it. */
static GCancellable *
write_cancellable (GTask *task)
{
  TesseraLibsecretBackend *self = g_task_get_source_object (task);

  return self->uses_file ? NULL : g_task_get_cancellable (task);
}

static void
on_store_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_translated (task, error);
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
}

typedef struct
{
  char *secret_id;
  char *label;
  char *token;   /* wiped */
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_free (data->secret_id);
  g_free (data->label);
  tessera_secure_free (data->token);
  g_free (data);
}

static void
start_store (GTask *task)
{
  StoreData *data = g_task_get_task_data (task);

  g_debug ("Storing secret %s", data->secret_id);
  secret_password_store (tessera_libsecret_backend_get_schema (), SECRET_COLLECTION_DEFAULT,
                         data->label, data->token, write_cancellable (task), on_store_done, task,
                         "credential-id", data->secret_id,
                         "schema-version", SCHEMA_VERSION,
                         NULL);
}

static void
tessera_libsecret_backend_store_async (TesseraSecretBackend *backend,
                                       const char           *secret_id,
                                       const char           *label,
                                       const char           *token,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  StoreData *data;

  task = new_call (TESSERA_LIBSECRET_BACKEND (backend), cancellable, callback, user_data,
                   tessera_libsecret_backend_store_async);
  data = g_new0 (StoreData, 1);
  data->secret_id = g_strdup (secret_id);
  data->label = g_strdup (label);
  data->token = g_strdup (token);
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);
  if (!start_file_write (TESSERA_LIBSECRET_BACKEND (backend), task))
    return;

  when_backend_made (g_steal_pointer (&task), start_store);
}

static gboolean
tessera_libsecret_backend_store_finish (TesseraSecretBackend  *backend,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Asking the service which items match, locked or not */

/* SearchItems straight on the service proxy: its answer splits the
 * matches into unlocked and locked paths, which is what we need to know.
 * (libsecret's own SecretItem proxies may hold a stale "Locked" value.) */
static void
search_locked_async (SecretService       *service,
                     const char          *secret_id,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GVariantBuilder attributes;
  g_autofree char *version = g_strdup_printf ("%d", SCHEMA_VERSION);

  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "credential-id", secret_id);
  g_variant_builder_add (&attributes, "{ss}", "schema-version", version);
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", TESSERA_SECRET_SCHEMA_NAME);

  g_dbus_proxy_call (G_DBUS_PROXY (service), "SearchItems",
                     g_variant_new ("(a{ss})", &attributes),
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, callback, user_data);
}

/* Returns the number of locked matches, or -1 with @error set. */
static int
search_locked_finish (SecretService  *service,
                      GAsyncResult   *result,
                      GError        **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) locked = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (service), result, error);
  if (reply == NULL)
    return -1;

  if (!g_variant_is_of_type (reply, G_VARIANT_TYPE ("(aoao)")))
    {
      g_set_error_literal (error, SECRET_ERROR, SECRET_ERROR_PROTOCOL,
                           "Unexpected reply to SearchItems");
      return -1;
    }

  locked = g_variant_get_child_value (reply, 1);
  return (int) MIN (g_variant_n_children (locked), G_MAXINT);
}

/* Lookup */

typedef struct
{
  char          *secret_id;
  SecretService *service;
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_free (data->secret_id);
  g_clear_object (&data->service);
  g_free (data);
}

static void
on_lookup_searched (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  int n_locked;

  n_locked = search_locked_finish (SECRET_SERVICE (source), result, &error);
  if (n_locked < 0)
    return_translated (task, error);
  else if (n_locked > 0)
    g_task_return_error (task, locked_error ());
  else
    g_task_return_pointer (task, NULL, NULL);
}

static void
on_lookup_service (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LookupData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      return_translated (task, error);
      return;
    }

  search_locked_async (data->service, data->secret_id, g_task_get_cancellable (task),
                       on_lookup_searched, g_object_ref (task));
}

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraLibsecretBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      return_translated (task, error);
      return;
    }

  if (password != NULL)
    {
      char *copy = g_strdup (password);

      secret_password_free (password);
      g_task_return_pointer (task, copy, (GDestroyNotify) tessera_secure_free);
      return;
    }

  if (self->uses_file)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  /* Not found, or locked with the prompt dismissed: tell them apart. */
  secret_service_get (SECRET_SERVICE_NONE, g_task_get_cancellable (task),
                      on_lookup_service, g_object_ref (task));
}

static void
start_lookup (GTask *task)
{
  LookupData *data = g_task_get_task_data (task);

  g_debug ("Looking up secret %s", data->secret_id);
  secret_password_lookup (tessera_libsecret_backend_get_schema (), g_task_get_cancellable (task),
                          on_lookup_done, task,
                          "credential-id", data->secret_id,
                          "schema-version", SCHEMA_VERSION,
                          NULL);
}

static void
tessera_libsecret_backend_lookup_async (TesseraSecretBackend *backend,
                                        const char           *secret_id,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  LookupData *data;

  task = new_call (TESSERA_LIBSECRET_BACKEND (backend), cancellable, callback, user_data,
                   tessera_libsecret_backend_lookup_async);
  data = g_new0 (LookupData, 1);
  data->secret_id = g_strdup (secret_id);
  g_task_set_task_data (task, data, (GDestroyNotify) lookup_data_free);

  if (TESSERA_LIBSECRET_BACKEND (backend)->uses_file)
    refresh_file_backend ();

  when_backend_made (g_steal_pointer (&task), start_lookup);
}

static char *
tessera_libsecret_backend_lookup_finish (TesseraSecretBackend  *backend,
                                         GAsyncResult          *result,
                                         GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Clear */

typedef struct
{
  char          *secret_id;
  SecretService *service;
  gboolean       tried_unlock;
} ClearData;

static void
clear_data_free (ClearData *data)
{
  g_free (data->secret_id);
  g_clear_object (&data->service);
  g_free (data);
}

static void on_clear_done (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data);

static void
start_clear (GTask *task)
{
  ClearData *data = g_task_get_task_data (task);

  secret_password_clear (tessera_libsecret_backend_get_schema (), write_cancellable (task),
                         on_clear_done, task,
                         "credential-id", data->secret_id,
                         "schema-version", SCHEMA_VERSION,
                         NULL);
}

static void
on_clear_unlocked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items;

  /* A dismissed prompt is not an error here; the search after the second
   * clear finds the items still locked. */
  items = secret_service_search_finish (SECRET_SERVICE (source), result, &error);
  g_list_free_full (items, g_object_unref);
  if (error != NULL)
    {
      return_translated (task, error);
      return;
    }

  start_clear (g_steal_pointer (&task));
}

static void
on_clear_searched (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ClearData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  int n_locked;

  n_locked = search_locked_finish (data->service, result, &error);
  if (n_locked < 0)
    {
      return_translated (task, error);
      return;
    }

  if (n_locked == 0)
    {
      /* Nothing matched at all: deleting nothing is success. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (data->tried_unlock)
    {
      g_task_return_error (task, locked_error ());
      return;
    }

  /* Ask for the keyring to be unlocked (the user gets a prompt), then
   * clear again. */
  data->tried_unlock = TRUE;
  attributes = build_attributes (data->secret_id);
  secret_service_search (data->service, tessera_libsecret_backend_get_schema (), attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK, g_task_get_cancellable (task),
                         on_clear_unlocked, g_object_ref (task));
}

static void
on_clear_service (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ClearData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->service = secret_service_get_finish (result, &error);
  if (data->service == NULL)
    {
      return_translated (task, error);
      return;
    }

  search_locked_async (data->service, data->secret_id, g_task_get_cancellable (task),
                       on_clear_searched, g_object_ref (task));
}

static void
on_clear_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraLibsecretBackend *self = g_task_get_source_object (task);
  ClearData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean deleted;

  deleted = secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      return_translated (task, error);
      return;
    }

  if (deleted || self->uses_file)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Nothing deleted: either nothing matched, or only locked items did. */
  if (data->service != NULL)
    search_locked_async (data->service, data->secret_id, g_task_get_cancellable (task),
                         on_clear_searched, g_object_ref (task));
  else
    secret_service_get (SECRET_SERVICE_NONE, g_task_get_cancellable (task),
                        on_clear_service, g_object_ref (task));
}

static void
tessera_libsecret_backend_clear_async (TesseraSecretBackend *backend,
                                       const char           *secret_id,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data)
{
  GTask *task;
  ClearData *data;

  task = new_call (TESSERA_LIBSECRET_BACKEND (backend), cancellable, callback, user_data,
                   tessera_libsecret_backend_clear_async);

  data = g_new0 (ClearData, 1);
  data->secret_id = g_strdup (secret_id);
  g_task_set_task_data (task, data, (GDestroyNotify) clear_data_free);
  if (!start_file_write (TESSERA_LIBSECRET_BACKEND (backend), task))
    {
      g_object_unref (task);
      return;
    }

  g_debug ("Clearing secret %s", secret_id);
  when_backend_made (task, start_clear);
}

static gboolean
tessera_libsecret_backend_clear_finish (TesseraSecretBackend  *backend,
                                        GAsyncResult          *result,
                                        GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* List */

/* libsecret's file backend does not match "xdg:schema", and its file
 * holds only this app's items: there a search by our version attribute
 * alone finds them all. */
static const SecretSchema *
list_schema (TesseraLibsecretBackend *self)
{
  static const SecretSchema file_schema = {
    TESSERA_SECRET_SCHEMA_NAME, SECRET_SCHEMA_DONT_MATCH_NAME,
    {
      { "credential-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "schema-version", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
      { NULL, 0 },
    },
  };

  return self->uses_file ? &file_schema : tessera_libsecret_backend_get_schema ();
}

static void
on_list_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) tessera_secret_item_free);
  GList *found;

  found = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      return_translated (task, error);
      return;
    }

  for (GList *l = found; l != NULL; l = l->next)
    {
      SecretRetrievable *retrievable = l->data;
      g_autoptr(GHashTable) attributes = NULL;
      const char *secret_id;
      TesseraSecretItem *item;

      /* Deleting a locked item would bring up an unlock prompt: the sweep
       * leaves those for a later run. */
      if (SECRET_IS_ITEM (retrievable) && secret_item_get_locked (SECRET_ITEM (retrievable)))
        continue;

      attributes = secret_retrievable_get_attributes (retrievable);
      secret_id = attributes != NULL ? g_hash_table_lookup (attributes, "credential-id") : NULL;
      if (secret_id == NULL || *secret_id == '\0')
        continue;

      item = g_new0 (TesseraSecretItem, 1);
      item->secret_id = g_strdup (secret_id);
      item->created = (gint64) MIN (secret_retrievable_get_created (retrievable), (guint64) G_MAXINT64);
      g_ptr_array_add (items, item);
    }
  g_list_free_full (found, g_object_unref);

  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

static void
start_list (GTask *task)
{
  TesseraLibsecretBackend *self = g_task_get_source_object (task);

  g_debug ("Listing the keyring items of our schema");
  secret_password_search (list_schema (self), SECRET_SEARCH_ALL, g_task_get_cancellable (task),
                          on_list_done, task,
                          "schema-version", SCHEMA_VERSION,
                          NULL);
}

static void
tessera_libsecret_backend_list_async (TesseraSecretBackend *backend,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  task = new_call (TESSERA_LIBSECRET_BACKEND (backend), cancellable, callback, user_data,
                   tessera_libsecret_backend_list_async);

  if (TESSERA_LIBSECRET_BACKEND (backend)->uses_file)
    refresh_file_backend ();

  when_backend_made (g_steal_pointer (&task), start_list);
}

static GPtrArray *
tessera_libsecret_backend_list_finish (TesseraSecretBackend  *backend,
                                       GAsyncResult          *result,
                                       GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, backend), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
secret_backend_iface_init (TesseraSecretBackendInterface *iface)
{
  iface->store_async = tessera_libsecret_backend_store_async;
  iface->store_finish = tessera_libsecret_backend_store_finish;
  iface->lookup_async = tessera_libsecret_backend_lookup_async;
  iface->lookup_finish = tessera_libsecret_backend_lookup_finish;
  iface->clear_async = tessera_libsecret_backend_clear_async;
  iface->clear_finish = tessera_libsecret_backend_clear_finish;
  iface->list_async = tessera_libsecret_backend_list_async;
  iface->list_finish = tessera_libsecret_backend_list_finish;
}

static void
tessera_libsecret_backend_class_init (TesseraLibsecretBackendClass *klass)
{
}

static void
tessera_libsecret_backend_init (TesseraLibsecretBackend *self)
{
  self->uses_file = detect_file_backend ();
}

/**
 * tessera_libsecret_backend_new:
 *
 * Returns: (transfer full): the real secret backend
 */
TesseraSecretBackend *
tessera_libsecret_backend_new (void)
{
  return g_object_new (TESSERA_TYPE_LIBSECRET_BACKEND, NULL);
}

gboolean
tessera_libsecret_backend_get_uses_file (TesseraLibsecretBackend *self)
{
  g_return_val_if_fail (TESSERA_IS_LIBSECRET_BACKEND (self), FALSE);

  return self->uses_file;
}

/**
 * tessera_libsecret_backend_set_timeout:
 * @timeout_ms: the deadline of each call (a store, lookup or clear with
 *   all its D-Bus messages), or 0 for none
 *
 * A call past its deadline fails with TESSERA_STORE_ERROR_SECRET_FAILED,
 * "did not answer in time". Applies to calls started afterwards.
 */
void
tessera_libsecret_backend_set_timeout (TesseraLibsecretBackend *self,
                                       guint                    timeout_ms)
{
  g_return_if_fail (TESSERA_IS_LIBSECRET_BACKEND (self));

  self->timeout_ms = timeout_ms;
}

guint
tessera_libsecret_backend_get_timeout (TesseraLibsecretBackend *self)
{
  g_return_val_if_fail (TESSERA_IS_LIBSECRET_BACKEND (self), 0);

  return self->timeout_ms;
}
