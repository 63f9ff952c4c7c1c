/* test-faults.c: the fault matrix (issue 6 §3)
 *
 * Each test injects one fault into a real part and then checks the same
 * three things:
 * - every credential is exactly as before or exactly as after the
 *   operation: its keys in the settings file, its key in the keyring, the
 *   list, and the store's model, all together (assert_snapshot);
 * - the error names the reason: a specific code, and a message that is a
 *   sentence for a person, not a D-Bus name (assert_reason);
 * - the process keeps running: the test goes on, and once the fault is
 *   gone the same store works again.
 *
 * The program runs its own D-Bus session bus (GTestDBus: no service can be
 * activated on it) and, for each test, its own gnome-keyring-daemon in the
 * test's own $HOME, so that it can stop, freeze, lock and kill the
 * Secret Service without touching any other test. Settings use GSettings'
 * keyfile backend in the test's own directory, so that a fault in writing
 * it is a real one. Harness is a fake on 127.0.0.1 (tests/fake-harness.c)
 * or, for what the fake cannot do (reset a connection half-way, answer a
 * byte a second, answer at random), a server written here.
 *
 * The command-line half of the matrix (network faults through
 * `tessera verify`, two processes adding at once, a second window) is
 * tests/test-faults-cli.py.
 */
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "fake-harness.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-verification-private.h"

#define ACCOUNT           "TesseraFaultAcct000001"
#define SCHEMA_NAME       "io.github.tessera.Tessera.Credential"
#define KEYRING_PASSWORD  "faults-test"
#define SECRETS_NAME      "org.freedesktop.secrets"
#define WAIT_SECONDS      30

static GTestDBus *test_bus;

/* Helpers: tokens */

static char *
make_token (void)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  GString *token = g_string_new ("pat." ACCOUNT ".");

  for (guint i = 0; i < 24; i++)
    g_string_append_c (token, "0123456789abcdef"[g_random_int_range (0, 16)]);
  g_string_append_c (token, '.');
  for (guint i = 0; i < 20; i++)
    g_string_append_c (token, alnum[g_random_int_range (0, sizeof alnum - 1)]);

  return g_string_free (token, FALSE);
}

/* Helpers: waiting */

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static void
on_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout, (gpointer) "an operation");

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout);
  return *slot;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout, (gpointer) what);

  /* Some conditions are not events of this main loop: poll. */
  while (!condition (data))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);

  g_source_remove (timeout);
}

static gboolean
on_iterate_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms: lets idles, file monitors and background
 * work finish. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_iterate_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Helpers: the reason given */

/* A specific code, and words for a person: a capital letter, a full
 * stop, no D-Bus or GLib names, no token. */
static void
assert_reason (const GError *error,
               GQuark        domain,
               int           code)
{
  g_assert_error ((GError *) error, domain, code);
  g_test_message ("reason: %s", error->message);
  g_assert_cmpuint (strlen (error->message), >, 20);
  g_assert_true (g_unichar_isupper (g_utf8_get_char (error->message)));
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_assert_nonnull (strchr (error->message, ' '));
  g_assert_null (strstr (error->message, "org.freedesktop"));
  g_assert_null (strstr (error->message, "GDBus"));
  g_assert_null (strstr (error->message, "Error."));
  g_assert_null (strstr (error->message, ACCOUNT "."));   /* no token, not even its start */
}

/* Helpers: the keyring daemon */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

typedef struct
{
  GPid     pid;
  gboolean frozen;
} Keyring;

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  return bus;
}

static gboolean
secrets_has_owner (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SECRETS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* Up: on the bus, with its "login" keyring as the default. */
static gboolean
keyring_is_up (gpointer data)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *path = "/";

  g_usleep (10 * 1000);
  if (!secrets_has_owner ())
    return FALSE;

  bus = session_bus ();
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "ReadAlias",
                                       g_variant_new ("(s)", "default"), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(&o)", &path);

  return g_str_has_suffix (path, "/login");
}

static gboolean
keyring_is_down (gpointer data)
{
  g_usleep (10 * 1000);
  return !secrets_has_owner ();
}

/* gnome-keyring-daemon on our bus, its "login" keyring in this test's
 * $XDG_DATA_HOME, unlocked with KEYRING_PASSWORD. Started again on the
 * same files it finds the items stored before. */
static void
keyring_start (Keyring *keyring)
{
  const char *argv[] = { "gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground", NULL };
  g_autofree char *keyrings = g_build_filename (g_get_user_data_dir (), "keyrings", NULL);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  int in_fd;

  g_assert_cmpint (keyring->pid, ==, 0);
  g_assert_no_errno (g_mkdir_with_parents (keyrings, 0700));
  g_assert_no_errno (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700));
  /* GTestDBus points XDG_RUNTIME_DIR at /dev/null; the daemon keeps its
   * control socket there. */
  envp = g_environ_setenv (envp, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
  /* G_TEST_OPTION_ISOLATE_DIRS changes these for GLib, not for children. */
  envp = g_environ_setenv (envp, "HOME", g_get_home_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);

  g_spawn_async_with_pipes (NULL, (char **) argv, envp,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                            NULL, NULL, &keyring->pid, &in_fd, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (in_fd, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD)), ==, strlen (KEYRING_PASSWORD));
  close (in_fd);

  wait_until (keyring_is_up, NULL, "gnome-keyring-daemon to own " SECRETS_NAME);
}

static void
keyring_reap (Keyring *keyring)
{
  gint64 give_up = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  int status;

  while (waitpid (keyring->pid, &status, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () > give_up)
        {
          kill (keyring->pid, SIGKILL);
          waitpid (keyring->pid, &status, 0);
          break;
        }
      g_usleep (10 * 1000);
    }

  g_spawn_close_pid (keyring->pid);
  keyring->pid = 0;
  keyring->frozen = FALSE;

  wait_until (keyring_is_down, NULL, "the keyring to leave the bus");
  /* libsecret keeps the service it talked to; a new daemon is another. */
  secret_service_disconnect ();
}

static void
keyring_stop (Keyring *keyring)
{
  if (keyring->pid == 0)
    return;

  if (keyring->frozen)
    kill (keyring->pid, SIGCONT);
  kill (keyring->pid, SIGTERM);
  keyring_reap (keyring);
}

/* Dies at once, whatever it was doing: a crash. */
static void
keyring_kill (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  kill (keyring->pid, SIGKILL);
  keyring_reap (keyring);
}

/* Stops answering: requests queue up in its socket. */
static void
keyring_freeze (Keyring *keyring)
{
  g_assert_cmpint (keyring->pid, !=, 0);
  g_assert_no_errno (kill (keyring->pid, SIGSTOP));
  keyring->frozen = TRUE;
}

static void
keyring_thaw (Keyring *keyring)
{
  g_assert_true (keyring->frozen);
  g_assert_no_errno (kill (keyring->pid, SIGCONT));
  keyring->frozen = FALSE;
}

static void
keyring_lock (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *collections[] = { "/org/freedesktop/secrets/collection/login", NULL };

  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", collections),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* Without a prompt, as gnome-keyring's own login does (as test-store). */
static void
keyring_unlock (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) output = NULL;
  g_autoptr(GError) error = NULL;
  const char *session;

  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "OpenSession",
                                       g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                       G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v&o)", &output, &session);

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
                                       "UnlockWithMasterPassword",
                                       g_variant_new ("(o(o@ay@ays))",
                                                      "/org/freedesktop/secrets/collection/login",
                                                      session,
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, KEYRING_PASSWORD,
                                                                                 strlen (KEYRING_PASSWORD), 1),
                                                      "text/plain"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* The "credential-id" attribute of every item of our schema, locked or
 * not, sorted: what the keyring holds, asked over D-Bus, around libsecret. */
static GPtrArray *
keyring_item_ids (void)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GVariantBuilder attributes;

  g_variant_builder_init (&attributes, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&attributes, "{ss}", "xdg:schema", SCHEMA_NAME);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "SearchItems",
                                       g_variant_new ("(a{ss})", &attributes),
                                       G_VARIANT_TYPE ("(aoao)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  for (guint half = 0; half < 2; half++)
    {
      g_autoptr(GVariant) paths = g_variant_get_child_value (reply, half);

      for (gsize i = 0; i < g_variant_n_children (paths); i++)
        {
          g_autoptr(GVariant) path = g_variant_get_child_value (paths, i);
          g_autoptr(GVariant) value = NULL;
          g_autoptr(GVariant) item_attributes = NULL;
          const char *id = NULL;

          value = g_dbus_connection_call_sync (bus, SECRETS_NAME, g_variant_get_string (path, NULL),
                                               "org.freedesktop.DBus.Properties", "Get",
                                               g_variant_new ("(ss)", "org.freedesktop.Secret.Item", "Attributes"),
                                               G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
          g_assert_no_error (error);
          g_variant_get (value, "(v)", &item_attributes);
          g_assert_true (g_variant_lookup (item_attributes, "credential-id", "&s", &id));
          g_ptr_array_add (ids, g_strdup (id));
        }
    }

  g_ptr_array_sort (ids, compare_strings);
  return ids;
}

/* Helpers: a secret backend with hooks
 *
 * Passes every call to the real libsecret backend, and lets a test act at
 * two moments of a store: right after the request left (to kill or freeze
 * the keyring while it holds it) and right after the keyring answered,
 * before the store sees the answer (to break what the store does next). */

typedef void (*FaultHook) (gpointer user_data);

#define FAULT_TYPE_BACKEND (fault_backend_get_type ())
G_DECLARE_FINAL_TYPE (FaultBackend, fault_backend, FAULT, BACKEND, GObject)

struct _FaultBackend
{
  GObject               parent_instance;
  TesseraSecretBackend *inner;
  FaultHook             store_sent;        /* one-shot */
  gpointer              store_sent_data;
  FaultHook             store_answered;    /* one-shot */
  gpointer              store_answered_data;
  guint                 stores;
  guint                 clears;
  guint                 clears_done;
};

static void fault_backend_iface_init (TesseraSecretBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FaultBackend, fault_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TESSERA_TYPE_SECRET_BACKEND, fault_backend_iface_init))

static void
on_inner_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FaultBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  FaultHook hook = g_steal_pointer (&self->store_answered);

  tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error);
  if (hook != NULL)
    hook (self->store_answered_data);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
fault_backend_store_async (TesseraSecretBackend *backend,
                           const char           *secret_id,
                           const char           *label,
                           const char           *token,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  FaultBackend *self = FAULT_BACKEND (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  FaultHook hook = g_steal_pointer (&self->store_sent);

  /* The answer decides, not the cancellable: as the real backend. */
  g_task_set_check_cancellable (task, FALSE);
  self->stores++;
  tessera_secret_backend_store_async (self->inner, secret_id, label, token, cancellable, on_inner_stored, task);
  if (hook != NULL)
    hook (self->store_sent_data);
}

static gboolean
fault_backend_boolean_finish (TesseraSecretBackend  *backend,
                              GAsyncResult          *result,
                              GError               **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_inner_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *value = tessera_secret_backend_lookup_finish (TESSERA_SECRET_BACKEND (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, (GDestroyNotify) tessera_secure_free);
}

static void
fault_backend_lookup_async (TesseraSecretBackend *backend,
                            const char           *secret_id,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  FaultBackend *self = FAULT_BACKEND (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_check_cancellable (task, FALSE);
  tessera_secret_backend_lookup_async (self->inner, secret_id, cancellable, on_inner_looked_up, task);
}

static char *
fault_backend_lookup_finish (TesseraSecretBackend  *backend,
                             GAsyncResult          *result,
                             GError               **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_inner_cleared (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FaultBackend *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->clears_done++;
  if (!tessera_secret_backend_clear_finish (TESSERA_SECRET_BACKEND (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
fault_backend_clear_async (TesseraSecretBackend *backend,
                           const char           *secret_id,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data)
{
  FaultBackend *self = FAULT_BACKEND (backend);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_check_cancellable (task, FALSE);
  self->clears++;
  tessera_secret_backend_clear_async (self->inner, secret_id, cancellable, on_inner_cleared, task);
}

static void
fault_backend_iface_init (TesseraSecretBackendInterface *iface)
{
  iface->store_async = fault_backend_store_async;
  iface->store_finish = fault_backend_boolean_finish;
  iface->lookup_async = fault_backend_lookup_async;
  iface->lookup_finish = fault_backend_lookup_finish;
  iface->clear_async = fault_backend_clear_async;
  iface->clear_finish = fault_backend_boolean_finish;
}

static void
fault_backend_dispose (GObject *object)
{
  g_clear_object (&FAULT_BACKEND (object)->inner);

  G_OBJECT_CLASS (fault_backend_parent_class)->dispose (object);
}

static void
fault_backend_class_init (FaultBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fault_backend_dispose;
}

static void
fault_backend_init (FaultBackend *self)
{
}

static FaultBackend *
fault_backend_new (TesseraSecretBackend *inner)
{
  FaultBackend *self = g_object_new (FAULT_TYPE_BACKEND, NULL);

  self->inner = g_object_ref (inner);
  return self;
}

/* Helpers: a folder that cannot be written to
 *
 * As a normal user that is chmod 0500. The tests run as root in CI, and
 * root writes through any mode, so there the folder is made immutable
 * (chattr +i: even root cannot create files in it) when the filesystem
 * and the capabilities allow; failing that, the folder's path is made a
 * regular file, which no one can write into either. */

typedef enum
{
  READ_ONLY_NONE,
  READ_ONLY_MODE,
  READ_ONLY_IMMUTABLE,
  READ_ONLY_NOT_A_FOLDER,
} ReadOnlyHow;

typedef struct
{
  char        *dir;
  char        *moved;
  ReadOnlyHow  how;
} ReadOnly;

static gboolean
set_immutable (const char *dir,
               gboolean    immutable)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;
  gboolean ok;

  if (fd < 0)
    return FALSE;

  ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok)
    {
      flags = immutable ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);

  return ok;
}

static void
make_read_only (ReadOnly   *read_only,
                const char *dir)
{
  static const char *names[] = { "none", "chmod 0500", "chattr +i", "the folder replaced by a file" };
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (read_only->how, ==, READ_ONLY_NONE);
  read_only->dir = g_strdup (dir);

  if (geteuid () != 0)
    {
      g_assert_no_errno (g_chmod (dir, 0500));
      read_only->how = READ_ONLY_MODE;
    }
  else if (set_immutable (dir, TRUE))
    {
      read_only->how = READ_ONLY_IMMUTABLE;
    }
  else
    {
      read_only->moved = g_strconcat (dir, ".moved", NULL);
      g_assert_no_errno (g_rename (dir, read_only->moved));
      g_assert_true (g_file_set_contents (dir, "", 0, NULL));
      read_only->how = READ_ONLY_NOT_A_FOLDER;
    }

  g_test_message ("read-only settings folder: %s", names[read_only->how]);
  /* Really read-only, for this process too. */
  g_assert_false (g_file_set_contents (probe, "x", 1, &error));
}

static void
undo_read_only (ReadOnly *read_only)
{
  switch (read_only->how)
    {
    case READ_ONLY_MODE:
      g_assert_no_errno (g_chmod (read_only->dir, 0700));
      break;
    case READ_ONLY_IMMUTABLE:
      g_assert_true (set_immutable (read_only->dir, FALSE));
      break;
    case READ_ONLY_NOT_A_FOLDER:
      g_assert_no_errno (g_unlink (read_only->dir));
      g_assert_no_errno (g_rename (read_only->moved, read_only->dir));
      break;
    case READ_ONLY_NONE:
    default:
      break;
    }

  read_only->how = READ_ONLY_NONE;
  g_clear_pointer (&read_only->dir, g_free);
  g_clear_pointer (&read_only->moved, g_free);
}

/* Fixture */

typedef struct
{
  Keyring               keyring;
  char                 *settings_dir;
  char                 *keyfile;
  GSettingsBackend     *settings_backend;
  TesseraSecretBackend *real;
  FaultBackend         *secrets;
  TesseraStore         *store;
  ReadOnly              read_only;
  GHashTable           *tokens;     /* credential id → the token it holds */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->settings_dir = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", NULL);
  g_assert_no_errno (g_mkdir_with_parents (fixture->settings_dir, 0700));
  fixture->keyfile = g_build_filename (fixture->settings_dir, "keyfile", NULL);
  fixture->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  keyring_start (&fixture->keyring);

  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->real = tessera_libsecret_backend_new ();
  g_assert_false (tessera_libsecret_backend_get_uses_file (TESSERA_LIBSECRET_BACKEND (fixture->real)));
  fixture->secrets = fault_backend_new (fixture->real);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  undo_read_only (&fixture->read_only);
  g_assert_finalize_object (fixture->store);
  /* Background clean-ups hold the backends until the keyring answers. */
  iterate_for (100);
  keyring_stop (&fixture->keyring);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->real);
  g_clear_object (&fixture->settings_backend);
  g_hash_table_unref (fixture->tokens);
  g_free (fixture->keyfile);
  g_free (fixture->settings_dir);
}

/* Helpers: store operations, run to completion */

static TesseraVerification *
verified (void)
{
  TesseraVerification *verification = tessera_verification_new ();

  tessera_verification_set_valid (verification, TRUE);
  tessera_verification_set_kind (verification, TESSERA_CREDENTIAL_KIND_PAT);
  tessera_verification_set_owner_name (verification, "Ada Lovelace");
  tessera_verification_set_owner_email (verification, "ada@example.com");
  tessera_verification_set_account_name (verification, "Example Corp");
  tessera_verification_set_correlation_id (verification, "corr-before");
  tessera_verification_set_valid_to (verification, g_get_real_time () / 1000 + (gint64) 30 * 24 * 3600 * 1000);
  return verification;
}

/* @verification: (nullable) */
static TesseraCredential *
try_add (Fixture              *fixture,
         const char           *name,
         const char           *token_value,
         const char           *base_url,
         TesseraVerification  *verification,
         GCancellable         *cancellable,
         GError              **error)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (token_value, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (token);
  tessera_store_add_async (fixture->store, name, "", "", base_url, token, verification,
                           cancellable, on_ready, &result);
  return tessera_store_add_finish (fixture->store, wait_for (&result), error);
}

/* Adds a verified credential; returns its id. */
static char *
add (Fixture    *fixture,
     const char *name,
     const char *base_url)
{
  g_autofree char *token = make_token ();
  g_autoptr(TesseraVerification) verification = verified ();
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GError) error = NULL;

  credential = try_add (fixture, name, token, base_url, verification, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (fixture->tokens, g_strdup (tessera_credential_get_id (credential)),
                       g_steal_pointer (&token));
  return g_strdup (tessera_credential_get_id (credential));
}

static gboolean
try_replace_token (Fixture     *fixture,
                   const char  *id,
                   const char  *token_value,
                   GError     **error)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (token_value, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_update_async (fixture->store, id, "Renamed", NULL, NULL, NULL, token, NULL, NULL,
                              on_ready, &result);
  return tessera_store_update_finish (fixture->store, wait_for (&result), error);
}

static TesseraCredentialStatus
verify (Fixture     *fixture,
        const char  *id,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_verify_async (fixture->store, id, NULL, on_ready, &result);
  return tessera_store_verify_finish (fixture->store, wait_for (&result), error);
}

static gboolean
remove_and_commit (Fixture     *fixture,
                   const char  *id,
                   GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_true (tessera_store_remove (fixture->store, id, NULL));
  tessera_store_commit_remove_async (fixture->store, id, NULL, on_ready, &result);
  return tessera_store_commit_remove_finish (fixture->store, wait_for (&result), error);
}

static char *
lookup_token (Fixture     *fixture,
              const char  *id,
              GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_lookup_token_async (fixture->store, id, NULL, on_ready, &result);
  return tessera_store_lookup_token_finish (fixture->store, wait_for (&result), error);
}

static char *
backend_lookup (TesseraSecretBackend  *backend,
                const char            *secret_id,
                GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_secret_backend_lookup_async (backend, secret_id, NULL, on_ready, &result);
  return tessera_secret_backend_lookup_finish (backend, wait_for (&result), error);
}

/* Helpers: what is stored, all of it */

typedef struct
{
  char       *settings;   /* our keys in the file, one "group/key=value" a line, sorted */
  char       *model;      /* the store's credentials, "id name" in order */
  GHashTable *secrets;    /* listed id → its token in the keyring ("" when missing) */
  char       *items;      /* the keyring items' credential-ids, sorted */
} Snapshot;

static void
snapshot_free (Snapshot *snapshot)
{
  g_free (snapshot->settings);
  g_free (snapshot->model);
  g_clear_pointer (&snapshot->secrets, g_hash_table_unref);
  g_free (snapshot->items);
  g_free (snapshot);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

static GKeyFile *
load_keyfile (Fixture *fixture)
{
  GKeyFile *keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_key_file_load_from_file (keyfile, fixture->keyfile, G_KEY_FILE_NONE, &error))
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  return keyfile;
}

static GStrv
listed_ids (GKeyFile *keyfile)
{
  g_autofree char *text = g_key_file_get_value (keyfile, "io/github/tessera/Tessera", "credentials", NULL);
  g_autoptr(GVariant) value = NULL;

  if (text == NULL)
    return g_new0 (char *, 1);

  value = g_variant_parse (G_VARIANT_TYPE_STRING_ARRAY, text, NULL, NULL, NULL);
  g_assert_nonnull (value);
  return g_variant_dup_strv (value, NULL);
}

static char *
credential_key (GKeyFile   *keyfile,
                const char *id,
                const char *key)
{
  g_autofree char *group = g_strconcat ("io/github/tessera/Tessera/credentials/", id, NULL);
  g_autofree char *text = g_key_file_get_value (keyfile, group, key, NULL);
  g_autoptr(GVariant) value = NULL;

  if (text == NULL)
    return NULL;

  value = g_variant_parse (G_VARIANT_TYPE_STRING, text, NULL, NULL, NULL);
  return value != NULL ? g_variant_dup_string (value, NULL) : NULL;
}

/* @ignore: (nullable): keys to leave out, e.g. the status a check may write.
 * With @keyring, the keyring's side too (it must be running and unlocked). */
static Snapshot *
snapshot_take (Fixture            *fixture,
               const char * const *ignore,
               gboolean            keyring)
{
  Snapshot *snapshot = g_new0 (Snapshot, 1);
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) model = g_string_new (NULL);
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_auto(GStrv) ids = listed_ids (keyfile);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = NULL;

      if (!g_str_has_prefix (groups[i], "io/github/tessera/Tessera"))
        continue;

      keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *value = NULL;

          if (ignore != NULL && g_strv_contains (ignore, keys[k]))
            continue;
          value = g_key_file_get_value (keyfile, groups[i], keys[k], NULL);
          g_ptr_array_add (lines, g_strdup_printf ("%s/%s=%s", groups[i], keys[k], value));
        }
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  snapshot->settings = g_strjoinv ("\n", (char **) lines->pdata);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture->store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_string_append_printf (model, "%s %s\n", tessera_credential_get_id (credential),
                              tessera_credential_get_name (credential));
    }
  snapshot->model = g_string_free (g_steal_pointer (&model), FALSE);

  if (keyring)
    {
      g_autoptr(GPtrArray) items = keyring_item_ids ();

      snapshot->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tessera_secure_free);
      for (guint i = 0; ids[i] != NULL; i++)
        {
          g_autofree char *secret_id = credential_key (keyfile, ids[i], "secret-id");
          g_autoptr(GError) error = NULL;
          char *value = NULL;

          g_assert_nonnull (secret_id);
          value = backend_lookup (fixture->real, secret_id, &error);
          g_assert_no_error (error);
          g_hash_table_insert (snapshot->secrets, g_strdup (ids[i]), value != NULL ? value : g_strdup (""));
        }

      g_ptr_array_add (items, NULL);
      snapshot->items = g_strjoinv (",", (char **) items->pdata);
    }

  return snapshot;
}

/* The secrets are compared without ever printing one. */
static void
assert_snapshot (const Snapshot *actual,
                 const Snapshot *expected)
{
  GHashTableIter iter;
  gpointer id, value;

  g_assert_cmpstr (actual->settings, ==, expected->settings);
  g_assert_cmpstr (actual->model, ==, expected->model);

  if (actual->secrets == NULL || expected->secrets == NULL)
    return;

  g_assert_cmpstr (actual->items, ==, expected->items);
  g_assert_cmpuint (g_hash_table_size (actual->secrets), ==, g_hash_table_size (expected->secrets));
  g_hash_table_iter_init (&iter, expected->secrets);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      const char *other = g_hash_table_lookup (actual->secrets, id);

      g_assert_nonnull (other);
      g_assert_true (strcmp (other, value) == 0);
    }
}

/* Everything agrees: the model is the list in the file; each listed
 * credential has its keys and exactly one keyring item, holding the token
 * it should (or it is marked token-missing); no keyring item and no
 * settings group belongs to nothing. */
static void
assert_consistent (Fixture *fixture)
{
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_auto(GStrv) ids = listed_ids (keyfile);
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_autoptr(GPtrArray) items = keyring_item_ids ();
  g_autoptr(GHashTable) secret_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, g_strv_length (ids));
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      g_autofree char *secret_id = credential_key (keyfile, ids[i], "secret-id");
      g_autofree char *name = credential_key (keyfile, ids[i], "name");
      const char *expected = g_hash_table_lookup (fixture->tokens, ids[i]);
      g_autoptr(GError) error = NULL;
      g_auto(TesseraSecret) value = NULL;

      g_assert_cmpstr (tessera_credential_get_id (credential), ==, ids[i]);
      g_assert_cmpstr (tessera_credential_get_name (credential), ==, name);
      g_assert_nonnull (secret_id);

      value = backend_lookup (fixture->real, secret_id, &error);
      g_assert_no_error (error);
      if (value == NULL)
        {
          g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
          continue;
        }

      if (expected != NULL)
        g_assert_true (strcmp (value, expected) == 0);
      g_hash_table_add (secret_ids, g_steal_pointer (&secret_id));
    }

  /* No orphaned key in the keyring. */
  g_assert_cmpuint (items->len, ==, g_hash_table_size (secret_ids));
  for (guint i = 0; i < items->len; i++)
    g_assert_true (g_hash_table_contains (secret_ids, g_ptr_array_index (items, i)));

  /* No settings left behind by a credential that is not listed. */
  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *prefix = "io/github/tessera/Tessera/credentials/";
      g_auto(GStrv) keys = NULL;

      if (!g_str_has_prefix (groups[i], prefix))
        continue;
      keys = g_key_file_get_keys (keyfile, groups[i], NULL, NULL);
      if (keys != NULL && keys[0] != NULL)
        g_assert_true (g_strv_contains ((const char * const *) ids, groups[i] + strlen (prefix)));
    }
}

static TesseraCredentialStatus
status_of (Fixture    *fixture,
           const char *id)
{
  TesseraCredential *credential = tessera_store_lookup (fixture->store, id);

  g_assert_nonnull (credential);
  return tessera_credential_get_status (credential);
}

/* Tests: the Secret Service */

/* Every keyring operation of the store, with no Secret Service on the bus
 * (and none that could be started): each fails with "no keyring", and
 * nothing changes. Then the keyring comes back, and all is there. */
static void
test_secret_service_not_running (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *b = add (fixture, "Beta", NULL);
  g_autofree char *token = make_token ();
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  keyring_stop (&fixture->keyring);

  added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);

  g_assert_false (try_replace_token (fixture, a, token, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);

  verify (fixture, a, &error);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  /* Not found is not what this is: the key is not declared missing. */
  value = lookup_token (fixture, a, &error);
  g_assert_null (value);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  g_assert_false (remove_and_commit (fixture, b, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_lookup (fixture->store, b));

  during = snapshot_take (fixture, NULL, FALSE);
  assert_snapshot (during, before);

  keyring_start (&fixture->keyring);
  after = snapshot_take (fixture, NULL, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);

  value = lookup_token (fixture, a, &error);
  g_assert_no_error (error);
  g_assert_true (g_strcmp0 (value, g_hash_table_lookup (fixture->tokens, a)) == 0);
}

typedef struct
{
  const char *member;
  gint        seen;
} Watch;

static GDBusMessage *
watch_outgoing (GDBusConnection *connection,
                GDBusMessage    *message,
                gboolean         incoming,
                gpointer         user_data)
{
  Watch *watch = user_data;

  if (!incoming && g_strcmp0 (g_dbus_message_get_member (message), watch->member) == 0)
    {
      g_atomic_int_set (&watch->seen, 1);
      g_main_context_wakeup (NULL);
    }

  return message;
}

static gboolean
watch_seen (gpointer data)
{
  return g_atomic_int_get (&((Watch *) data)->seen);
}

/* Waits until our request @member is with the (frozen) keyring: sent by
 * us, then passed on by the bus, which handles one connection's messages
 * in order, so answering a later call of ours means it passed that one. */
static void
wait_for_request_at_keyring (Watch *watch)
{
  g_autoptr(GDBusConnection) bus = session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  wait_until (watch_seen, watch, watch->member);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* The keyring dies while it holds our request to store a key: for a new
 * credential, then for a new key of an existing one. */
static void
test_secret_service_killed_mid_store (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *token = make_token ();
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(GDBusConnection) bus = session_bus ();
  Watch watch = { "CreateItem", 0 };
  guint filter = g_dbus_connection_add_filter (bus, watch_outgoing, &watch, NULL);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(TesseraToken) parsed = tessera_token_parse (token, NULL);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(Snapshot) after = NULL;

      g_test_message ("round %u: %s", round, round == 0 ? "a new credential" : "a new key");
      g_atomic_int_set (&watch.seen, 0);
      keyring_freeze (&fixture->keyring);

      if (round == 0)
        tessera_store_add_async (fixture->store, "Gamma", "", "", NULL, parsed, NULL, NULL, on_ready, &result);
      else
        tessera_store_update_async (fixture->store, a, "Renamed", NULL, NULL, NULL, parsed, NULL, NULL,
                                    on_ready, &result);

      wait_for_request_at_keyring (&watch);
      keyring_kill (&fixture->keyring);

      if (round == 0)
        g_assert_null (tessera_store_add_finish (fixture->store, wait_for (&result), &error));
      else
        g_assert_false (tessera_store_update_finish (fixture->store, wait_for (&result), &error));
      assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);

      keyring_start (&fixture->keyring);
      after = snapshot_take (fixture, NULL, TRUE);
      assert_snapshot (after, before);
      assert_consistent (fixture);
    }

  g_dbus_connection_remove_filter (bus, filter);

  /* The next keyring works as ever. */
  {
    g_autofree char *c = add (fixture, "Gamma", NULL);

    assert_consistent (fixture);
  }
}

/* A locked keyring whose unlock prompt goes away (no prompter can start
 * on this bus): every change fails as "locked" and leaves everything as
 * it was; once unlocked, everything is there. */
static void
test_secret_service_locked (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *b = add (fixture, "Beta", NULL);
  g_autofree char *token = make_token ();
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;

  keyring_lock ();

  added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  g_assert_false (try_replace_token (fixture, a, token, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  verify (fixture, a, &error);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  g_assert_false (remove_and_commit (fixture, b, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED);
  g_clear_error (&error);

  during = snapshot_take (fixture, NULL, FALSE);
  assert_snapshot (during, before);

  keyring_unlock ();
  after = snapshot_take (fixture, NULL, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  Fixture *fixture;
  char    *items;
} ItemsWait;

static gboolean
items_are (gpointer data)
{
  ItemsWait *wait = data;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *joined = NULL;

  g_usleep (20 * 1000);
  items = keyring_item_ids ();
  g_ptr_array_add (items, NULL);
  joined = g_strjoinv (",", (char **) items->pdata);
  return g_strcmp0 (joined, wait->items) == 0;
}

static void
thaw_hook (gpointer user_data)
{
  keyring_thaw (user_data);
}

/* A keyring that stops answering (SIGSTOP). The user can cancel; with a
 * deadline the call ends by itself. Either way the key the keyring may
 * still store once it wakes up is cleared again. */
static void
test_secret_service_slow (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  ItemsWait unchanged = { fixture, before->items };

  /* Cancelled by the user. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autofree char *token = make_token ();
    g_autoptr(TesseraCredential) added = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    keyring_freeze (&fixture->keyring);
    g_timeout_add (200, cancel_later, cancellable);
    added = try_add (fixture, "Gamma", token, NULL, NULL, cancellable, &error);
    g_assert_null (added);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

    keyring_thaw (&fixture->keyring);
    wait_until (items_are, &unchanged, "the key stored late to be cleared");
  }

  /* A deadline. The keyring wakes up the moment the store gives up. */
  {
    g_autofree char *token = make_token ();
    g_autoptr(TesseraCredential) added = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    tessera_libsecret_backend_set_timeout (TESSERA_LIBSECRET_BACKEND (fixture->real), 1000);
    keyring_freeze (&fixture->keyring);
    fixture->secrets->store_answered = thaw_hook;
    fixture->secrets->store_answered_data = &fixture->keyring;

    added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
    g_assert_null (added);
    assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
    g_assert_nonnull (strstr (error->message, "in time"));
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 1000 * 1000);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

    wait_until (items_are, &unchanged, "the key stored late to be cleared");
  }

  /* A check waits for the key no longer than that either. */
  {
    g_autoptr(GError) error = NULL;

    keyring_freeze (&fixture->keyring);
    verify (fixture, a, &error);
    assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
    g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
    keyring_thaw (&fixture->keyring);
  }

  {
    g_autoptr(Snapshot) after = snapshot_take (fixture, NULL, TRUE);

    assert_snapshot (after, before);
    assert_consistent (fixture);
  }
}

/* Tests: the settings */

static void
read_only_hook (gpointer user_data)
{
  Fixture *fixture = user_data;

  make_read_only (&fixture->read_only, fixture->settings_dir);
}

/* The settings folder cannot be written to. GSettings' keyfile backend
 * would only log that and keep the values in memory: the store must
 * notice before it claims anything, and undo its keyring step. */
static void
test_settings_read_only (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *base_url = fake_harness_get_base_url (fake);
  g_autofree char *a = add (fixture, "Alpha", base_url);
  g_autofree char *b = add (fixture, "Beta", base_url);
  g_autofree char *token = make_token ();
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(TesseraCredential) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *keyfile_before = NULL;
  g_autofree char *keyfile_after = NULL;

  fake_harness_add_token (fake, g_hash_table_lookup (fixture->tokens, a), TESSERA_CREDENTIAL_KIND_PAT,
                          0, 0, "Grace Hopper", "grace@example.com");
  before = snapshot_take (fixture, NULL, TRUE);
  g_assert_true (g_file_get_contents (fixture->keyfile, &keyfile_before, NULL, NULL));

  /* The key is stored; then the folder turns read-only. */
  fixture->secrets->store_answered = read_only_hook;
  fixture->secrets->store_answered_data = fixture;
  added = try_add (fixture, "Gamma", token, base_url, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (fixture->secrets->clears, ==, 1);

  /* A new key for an existing credential: stored, then cleared again. */
  g_assert_false (try_replace_token (fixture, a, token, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);

  /* Harness answers, but its answer cannot be recorded: the credential
   * shows what the file says. */
  g_assert_cmpint (verify (fixture, a, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_credential_get_owner_name (tessera_store_lookup (fixture->store, a)), ==,
                   "Ada Lovelace");

  g_assert_false (remove_and_commit (fixture, b, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_nonnull (tessera_store_lookup (fixture->store, b));

  g_assert_false (tessera_store_select (fixture->store, a, &error));
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);

  {
    g_autoptr(Snapshot) during = snapshot_take (fixture, NULL, TRUE);

    assert_snapshot (during, before);
  }
  undo_read_only (&fixture->read_only);
  g_assert_true (g_file_get_contents (fixture->keyfile, &keyfile_after, NULL, NULL));
  g_assert_cmpstr (keyfile_after, ==, keyfile_before);
  assert_consistent (fixture);

  /* Writable again: the same store saves again. */
  iterate_for (100);
  {
    g_autofree char *c = add (fixture, "Gamma", base_url);

    g_assert_true (tessera_store_select (fixture->store, c, &error));
    g_assert_no_error (error);
    assert_consistent (fixture);
  }
}

/* The program */

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Nothing here may go through a proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("SECRET_BACKEND", "service", TRUE);
  g_unsetenv ("SECRET_FILE_TEST_PATH");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!g_find_program_in_path ("gnome-keyring-daemon") || !g_find_program_in_path ("dbus-daemon"))
    {
      g_test_skip ("needs gnome-keyring-daemon and dbus-daemon");
      return g_test_run ();
    }

  /* Our own session bus: nothing on it but what the tests start. */
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);

  ADD_TEST ("/faults/secret-service/not-running", test_secret_service_not_running);
  ADD_TEST ("/faults/secret-service/killed-mid-store", test_secret_service_killed_mid_store);
  ADD_TEST ("/faults/secret-service/locked-prompt-dismissed", test_secret_service_locked);
  ADD_TEST ("/faults/secret-service/slow", test_secret_service_slow);
  ADD_TEST ("/faults/settings/read-only-folder", test_settings_read_only);

  status = g_test_run ();

  /* libsecret keeps the bus connection to the end: stop the bus without
   * waiting for that connection to be finalized, as g_test_dbus_down()
   * (and so disposing test_bus) would, for 30 s. */
  g_test_dbus_stop (test_bus);
  return status;
}
