/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include "config.h"

#include "fault-fixture.h"

/* Every keyring operation of the store, with no Secret Service on the bus
 * (and none that could be started): each fails with "no keyring", and
 * nothing changes. Then the keyring comes back, and all is there. */
static void
test_secret_service_not_running (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *a = add (fixture, "Alpha", NULL);
  g_autofree char *b = add (fixture, "Beta", NULL);
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) value = NULL;

  keyring_stop (&fixture->keyring);

  assert_changes_fail (fixture, a, b, token, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);

  /* Not found is not what this is: the key is not declared missing. */
  value = store_sync_lookup_token (fixture->store, a, &error);
  g_assert_null (value);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE);
  g_clear_error (&error);
  g_assert_cmpint (status_of (fixture, a), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);

  during = snapshot_take (fixture, NULL, FALSE);
  assert_snapshot (during, before);

  keyring_start (&fixture->keyring);
  after = snapshot_take (fixture, NULL, TRUE);
  assert_snapshot (after, before);
  assert_consistent (fixture);

  value = store_sync_lookup_token (fixture->store, a, &error);
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
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  test_wait_until (watch_seen, watch, watch->member);
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
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(GDBusConnection) bus = test_keyring_session_bus ();
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
        tessera_store_add_async (fixture->store, "Gamma", "", "", NULL, parsed, NULL, NULL, test_wait_on_ready, &result);
      else
        tessera_store_update_async (fixture->store, a, "Renamed", NULL, NULL, NULL, parsed, NULL, NULL,
                                    test_wait_on_ready, &result);

      wait_for_request_at_keyring (&watch);
      keyring_kill (&fixture->keyring);

      if (round == 0)
        g_assert_null (tessera_store_add_finish (fixture->store, test_wait_for (&result), &error));
      else
        g_assert_false (tessera_store_update_finish (fixture->store, test_wait_for (&result), &error));
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
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
  g_autoptr(Snapshot) before = snapshot_take (fixture, NULL, TRUE);
  g_autoptr(Snapshot) during = NULL;
  g_autoptr(Snapshot) after = NULL;

  keyring_lock ();

  assert_changes_fail (fixture, a, b, token, TESSERA_STORE_ERROR_KEYRING_LOCKED);

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
    g_autofree char *token = test_random_token ("pat", ACCOUNT);
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
    test_wait_until (items_are, &unchanged, "the key stored late to be cleared");
  }

  /* A deadline. The keyring wakes up the moment the store gives up. */
  {
    g_autofree char *token = test_random_token ("pat", ACCOUNT);
    g_autoptr(TesseraCredential) added = NULL;
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    tessera_libsecret_backend_set_timeout (TESSERA_LIBSECRET_BACKEND (fixture->real), 1000);
    keyring_freeze (&fixture->keyring);
    test_secret_backend_on_store_answered (fixture->secrets, thaw_hook, &fixture->keyring);

    added = try_add (fixture, "Gamma", token, NULL, NULL, NULL, &error);
    g_assert_null (added);
    assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SECRET_FAILED);
    g_assert_nonnull (strstr (error->message, "in time"));
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 1000 * 1000);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

    test_wait_until (items_are, &unchanged, "the key stored late to be cleared");
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

/* The keyfile without the journal's "pending" line: a change whose last
 * step could not write the settings leaves its entry for the next process
 * (tessera-store-journal.c), which is not a credential's state. */
static char *
without_journal (const char *keyfile)
{
  g_auto(GStrv) lines = g_strsplit (keyfile, "\n", -1);
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], "pending="))
      g_strv_builder_add (kept, lines[i]);

  result = g_strv_builder_end (kept);
  return g_strjoinv ("\n", result);
}

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
  g_autofree char *token = test_random_token ("pat", ACCOUNT);
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
  test_secret_backend_on_store_answered (fixture->secrets, read_only_hook, fixture);
  added = try_add (fixture, "Gamma", token, base_url, NULL, NULL, &error);
  g_assert_null (added);
  assert_reason (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_SETTINGS_FAILED);
  g_clear_error (&error);
  g_assert_cmpuint (test_secret_backend_get_clears (fixture->secrets), ==, 1);

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
  {
    g_autofree char *after = without_journal (keyfile_after);
    g_autofree char *before_text = without_journal (keyfile_before);

    g_assert_cmpstr (after, ==, before_text);
  }
  assert_consistent (fixture);

  /* Writable again: the same store saves again. */
  test_wait_run_for (100);
  {
    g_autofree char *c = add (fixture, "Gamma", base_url);

    g_assert_true (tessera_store_select (fixture->store, c, &error));
    g_assert_no_error (error);
    assert_consistent (fixture);
  }
}

/* Tests: many at once
 *
 * verify-all over 500 credentials against servers that fail, stall and
 * succeed at random (g_test_rand: --seed repeats a run), while the user
 * renames, replaces keys, deletes and undoes from the same main loop. */

#define N_CREDENTIALS 500
/* Under the sanitizers (full unwinding at every allocation) 500 take
 * minutes: the same test runs over 100 there, 500 in the normal build. */
#define N_CREDENTIALS_SANITIZED 100
#define N_HOSTS 8
#define MAX_CONCURRENT 6

/* Harness on N_HOSTS ports (libsoup limits connections per host, so one
 * port would hide the store's own limit), counting requests in flight. */
typedef struct
{
  SoupServer *servers[N_HOSTS];
  char       *base_urls[N_HOSTS];
  guint       in_flight;
  guint       max_in_flight;
  guint       requests;
  guint       outcomes[7];
} RandomHarness;

static void
on_random_finished (SoupServerMessage *message,
                    RandomHarness     *harness)
{
  g_assert_cmpuint (harness->in_flight, >, 0);
  harness->in_flight--;
}

static gboolean
on_random_delay_over (gpointer user_data)
{
  soup_server_message_unpause (user_data);
  g_object_unref (user_data);
  return G_SOURCE_REMOVE;
}

static void
set_json_response (SoupServerMessage *message,
                   guint              status,
                   char              *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE, json, strlen (json));
}

static void
on_random_request (SoupServer        *server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  RandomHarness *harness = user_data;
  gint64 now_ms = g_get_real_time () / 1000;
  guint delay_ms = 0;
  int roll;

  harness->requests++;
  harness->in_flight++;
  harness->max_in_flight = MAX (harness->max_in_flight, harness->in_flight);

  if (!g_str_has_suffix (path, "/token/validate"))
    {
      /* The account's name: allowed to fail, the key is still valid. */
      g_signal_connect (message, "finished", G_CALLBACK (on_random_finished), harness);
      set_json_response (message, 403, g_strdup ("{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\","
                                                 "\"message\":\"Missing permission\",\"correlationId\":\"r\"}"));
      return;
    }

  roll = g_test_rand_int_range (0, 100);
  if (roll >= 95)
    {
      g_autoptr(GIOStream) connection = soup_server_message_steal_connection (message);

      /* Dropped without a word. */
      harness->outcomes[6]++;
      harness->in_flight--;
      g_io_stream_close (connection, NULL, NULL);
      return;
    }

  g_signal_connect (message, "finished", G_CALLBACK (on_random_finished), harness);
  if (roll < 45)
    {
      harness->outcomes[0]++;
      delay_ms = g_test_rand_int_range (0, 20);
      set_json_response (message, 200,
                         g_strdup_printf ("{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"name\":\"T\","
                                          "\"validFrom\":%" G_GINT64_FORMAT ",\"validTo\":%" G_GINT64_FORMAT ","
                                          "\"valid\":true,\"accountIdentifier\":\"" ACCOUNT "\","
                                          "\"apiKeyType\":\"USER\",\"username\":\"Random\"},"
                                          "\"correlationId\":\"r\"}",
                                          now_ms - 1000, now_ms + (gint64) 90 * 24 * 3600 * 1000));
    }
  else if (roll < 55)
    {
      harness->outcomes[1]++;
      set_json_response (message, 401, g_strdup ("{\"status\":\"ERROR\",\"code\":\"EXPIRED_TOKEN\","
                                                 "\"message\":\"Token expired.\",\"correlationId\":\"r\"}"));
    }
  else if (roll < 65)
    {
      harness->outcomes[2]++;
      set_json_response (message, 401, g_strdup ("{\"status\":\"ERROR\",\"code\":\"INVALID_TOKEN\","
                                                 "\"message\":\"Token is not valid.\",\"correlationId\":\"r\"}"));
    }
  else if (roll < 78)
    {
      harness->outcomes[3]++;
      soup_server_message_set_status (message, 503, NULL);
    }
  else if (roll < 88)
    {
      harness->outcomes[4]++;
      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC, "<html>Sign in</html>", 20);
    }
  else
    {
      harness->outcomes[5]++;
      delay_ms = g_test_rand_int_range (0, 40);
      set_json_response (message, 500, g_strdup ("{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\","
                                                 "\"message\":\"Oops\",\"correlationId\":\"r\"}"));
    }

  if (delay_ms > 0)
    {
      soup_server_message_pause (message);
      g_timeout_add (delay_ms, on_random_delay_over, g_object_ref (message));
    }
}

static RandomHarness *
random_harness_new (void)
{
  RandomHarness *harness = g_new0 (RandomHarness, 1);

  for (guint i = 0; i < N_HOSTS; i++)
    {
      g_autoptr(GError) error = NULL;
      GSList *uris;

      harness->servers[i] = soup_server_new (NULL, NULL);
      soup_server_add_handler (harness->servers[i], NULL, on_random_request, harness, NULL);
      soup_server_listen_local (harness->servers[i], 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
      g_assert_no_error (error);
      uris = soup_server_get_uris (harness->servers[i]);
      harness->base_urls[i] = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  return harness;
}

static void
random_harness_free (RandomHarness *harness)
{
  for (guint i = 0; i < N_HOSTS; i++)
    {
      soup_server_disconnect (harness->servers[i]);
      g_object_unref (harness->servers[i]);
      g_free (harness->base_urls[i]);
    }
  g_free (harness);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RandomHarness, random_harness_free)

typedef enum
{
  EDIT_RENAME,
  EDIT_NEW_KEY,
  EDIT_DELETE,
  EDIT_DELETE_UNDO,
} EditKind;

typedef struct
{
  Fixture  *fixture;
  EditKind  kind;
  char     *id;
  char     *token;     /* EDIT_NEW_KEY */
  guint    *pending;
  guint    *failed;    /* busy or gone: defined outcomes */
  guint    *done;
} Edit;

static void
edit_free (Edit *edit)
{
  (*edit->pending)--;
  g_free (edit->id);
  g_free (edit->token);
  g_free (edit);
}

/* A failed edit is fine if it says why in a defined way: the credential
 * is busy (being checked) or already gone. */
static void
check_edit_error (Edit         *edit,
                  const GError *error)
{
  if (error == NULL)
    {
      (*edit->done)++;
      return;
    }

  (*edit->failed)++;
  g_assert_true (g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY) ||
                 g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND));
  g_assert_true (g_str_has_suffix (error->message, "."));
}

static void
on_edit_updated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  if (tessera_store_update_finish (TESSERA_STORE (source), result, &error) && edit->token != NULL)
    g_hash_table_insert (edit->fixture->tokens, g_strdup (edit->id), g_steal_pointer (&edit->token));
  check_edit_error (edit, error);
  edit_free (edit);
}

static void
on_edit_committed (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  if (tessera_store_commit_remove_finish (TESSERA_STORE (source), result, &error))
    g_hash_table_remove (edit->fixture->tokens, edit->id);
  check_edit_error (edit, error);
  edit_free (edit);
}

static gboolean
on_edit_undo (gpointer user_data)
{
  Edit *edit = user_data;
  g_autoptr(GError) error = NULL;

  tessera_store_undo_remove (edit->fixture->store, edit->id, &error);
  check_edit_error (edit, error);
  edit_free (edit);
  return G_SOURCE_REMOVE;
}

static gboolean
on_edit_time (gpointer user_data)
{
  Edit *edit = user_data;
  TesseraStore *store = edit->fixture->store;
  g_autoptr(GError) error = NULL;

  switch (edit->kind)
    {
    case EDIT_RENAME:
      {
        g_autofree char *name = g_strdup_printf ("Renamed %s", edit->id);

        tessera_store_update_async (store, edit->id, name, "edited while checking", NULL, NULL, NULL, NULL,
                                    NULL, on_edit_updated, edit);
      }
      return G_SOURCE_REMOVE;

    case EDIT_NEW_KEY:
      {
        g_autoptr(TesseraToken) token = tessera_token_parse (edit->token, NULL);

        tessera_store_update_async (store, edit->id, NULL, NULL, NULL, NULL, token, NULL,
                                    NULL, on_edit_updated, edit);
      }
      return G_SOURCE_REMOVE;

    case EDIT_DELETE:
      if (!tessera_store_remove (store, edit->id, &error))
        break;
      tessera_store_commit_remove_async (store, edit->id, NULL, on_edit_committed, edit);
      return G_SOURCE_REMOVE;

    case EDIT_DELETE_UNDO:
      if (!tessera_store_remove (store, edit->id, &error))
        break;
      g_timeout_add (g_test_rand_int_range (1, 30), on_edit_undo, edit);
      return G_SOURCE_REMOVE;

    default:
      g_assert_not_reached ();
    }

  check_edit_error (edit, error);
  edit_free (edit);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gboolean finished;
  guint    pending;
} AllDone;

static gboolean
all_done (gpointer data)
{
  AllDone *done = data;

  return done->finished && done->pending == 0;
}

static void
on_verify_all_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  AllDone *done = user_data;
  g_autoptr(GError) error = NULL;

  /* Only a keyring failure would stop it: there is none here. */
  g_assert_true (tessera_store_verify_all_finish (TESSERA_STORE (source), result, &error));
  g_assert_no_error (error);
  done->finished = TRUE;
}

static void
on_progress (TesseraStore *store,
             guint         done,
             guint         total,
             guint        *last)
{
  g_assert_cmpuint (done, <=, total);
  g_assert_cmpuint (done, >=, *last);
  *last = done;
}

static void
on_populated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (tessera_secret_backend_store_finish (TESSERA_SECRET_BACKEND (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

static gboolean
none_pending (gpointer data)
{
  return *(guint *) data == 0;
}

/* A fresh store over @n credentials, as after a restart: one added through
 * the store, the others copied from it in the settings file, each with its
 * own key in the keyring. (Adding them one by one would cost 2 × @n
 * rewrites of a growing settings file, GLib's keyfile backend rewriting it
 * whole each time, and would test nothing more.) */
static void
populate (Fixture        *fixture,
          RandomHarness  *harness,
          guint           n)
{
  g_autofree char *first = add (fixture, "Credential 000", harness->base_urls[0]);
  g_autoptr(GKeyFile) keyfile = load_keyfile (fixture);
  g_autofree char *group = g_strconcat ("io/github/tessera/Tessera/credentials/", first, NULL);
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  g_autoptr(GVariant) list_value = NULL;
  g_autofree char *list_text = NULL;
  g_autoptr(GError) error = NULL;
  guint pending = 0;

  g_assert_nonnull (keys);
  g_strv_builder_add (ids, first);
  for (guint i = 1; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *other = g_strconcat ("io/github/tessera/Tessera/credentials/", id, NULL);
      g_autofree char *name = g_strdup_printf ("'Credential %03u'", i);
      g_autofree char *base_url = g_strdup_printf ("'%s'", harness->base_urls[i % N_HOSTS]);
      g_autofree char *secret_id = g_strdup_printf ("'%s'", id);
      char *token = test_random_token ("pat", ACCOUNT);

      for (guint k = 0; keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (keyfile, group, keys[k], NULL);
          const char *copy = value;

          if (strcmp (keys[k], "name") == 0)
            copy = name;
          else if (strcmp (keys[k], "base-url") == 0)
            copy = base_url;
          else if (strcmp (keys[k], "secret-id") == 0)
            copy = secret_id;
          g_key_file_set_value (keyfile, other, keys[k], copy);
        }

      g_strv_builder_add (ids, id);
      g_hash_table_insert (fixture->tokens, g_strdup (id), token);
      pending++;
      tessera_secret_backend_store_async (fixture->real, id, "Harness API key", token, NULL, on_populated, &pending);
      /* The bus allows a connection only so many calls in flight. */
      if (pending >= 32)
        test_wait_until (none_pending, &pending, "the keys to be stored");
    }
  test_wait_until (none_pending, &pending, "the keys to be stored");

  list = g_strv_builder_end (ids);
  list_value = g_variant_ref_sink (g_variant_new_strv ((const char * const *) list, -1));
  list_text = g_variant_print (list_value, FALSE);
  g_key_file_set_value (keyfile, "io/github/tessera/Tessera", "credentials", list_text);

  /* Restart over the new file. */
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  g_clear_object (&fixture->settings_backend);
  g_assert_true (g_key_file_save_to_file (keyfile, fixture->keyfile, &error));
  g_assert_no_error (error);
  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, n);
}

/* GLib syncs the settings file to disk on every write, which on a slow
 * disk is most of the time of 1 500 writes: for this test, the store's
 * settings live in /dev/shm when there is one. */
static void
settings_in_memory (Fixture *fixture)
{
  g_autofree char *dir = NULL;

  if (!g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ||
      (dir = g_mkdtemp (g_strdup ("/dev/shm/tessera-test-faults-XXXXXX"))) == NULL)
    return;

  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  g_clear_object (&fixture->settings_backend);
  g_free (fixture->settings_dir);
  g_free (fixture->keyfile);

  fixture->shm_dir = g_strdup (dir);
  fixture->settings_dir = g_steal_pointer (&dir);
  fixture->keyfile = g_build_filename (fixture->settings_dir, "keyfile", NULL);
  fixture->settings_backend = g_keyfile_settings_backend_new (fixture->keyfile, "/", NULL);
  fixture->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (fixture->secrets), NULL,
                                           fixture->settings_backend);
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
}

static void
test_concurrency (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(RandomHarness) harness = random_harness_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  AllDone done = { FALSE, 0 };
  guint failed = 0, succeeded = 0, progress = 0;
  guint n_credentials = g_getenv ("ASAN_OPTIONS") != NULL ? N_CREDENTIALS_SANITIZED : N_CREDENTIALS;
  gint64 start;

  keyring_default_in_memory ();
  settings_in_memory (fixture);
  start = g_get_monotonic_time ();
  populate (fixture, harness, n_credentials);
  for (guint i = 0; i < n_credentials; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_ptr_array_add (ids, g_strdup (tessera_credential_get_id (credential)));
    }
  assert_consistent (fixture);
  g_test_message ("%u credentials set up in %.1f s", n_credentials,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  tessera_store_set_max_concurrent (fixture->store, MAX_CONCURRENT);
  tessera_harness_client_set_timeout (tessera_store_get_client (fixture->store), 15000);
  g_signal_connect (fixture->store, "verify-progress", G_CALLBACK (on_progress), &progress);

  /* 90 edits at random moments of the run. */
  for (guint i = 0; i < 90; i++)
    {
      Edit *edit = g_new0 (Edit, 1);

      edit->fixture = fixture;
      edit->kind = i % 4;
      edit->id = g_strdup (g_ptr_array_index (ids, g_test_rand_int_range (0, n_credentials)));
      if (edit->kind == EDIT_NEW_KEY)
        edit->token = test_random_token ("pat", ACCOUNT);
      edit->pending = &done.pending;
      edit->failed = &failed;
      edit->done = &succeeded;
      done.pending++;
      g_timeout_add (g_test_rand_int_range (0, 1500), on_edit_time, edit);
    }

  start = g_get_monotonic_time ();
  tessera_store_verify_all_async (fixture->store, FALSE, NULL, on_verify_all_done, &done);
  /* Longer than TEST_WAIT_SECONDS: under the sanitizers this takes a minute. */
  test_wait_until_for (all_done, &done, "verify-all and the edits", 300);
  g_test_message ("verify-all: %.1f s, %u requests, at most %u at once; edits: %u done, %u refused",
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
                  harness->requests, harness->max_in_flight, succeeded, failed);
  g_test_message ("answers: %u valid, %u expired, %u rejected, %u 503, %u HTML, %u 500, %u dropped",
                  harness->outcomes[0], harness->outcomes[1], harness->outcomes[2], harness->outcomes[3],
                  harness->outcomes[4], harness->outcomes[5], harness->outcomes[6]);
  g_signal_handlers_disconnect_by_data (fixture->store, &progress);

  /* The limit held, and was used. */
  g_assert_cmpuint (harness->max_in_flight, <=, MAX_CONCURRENT);
  g_assert_cmpuint (harness->max_in_flight, >=, 2);
  g_assert_cmpuint (harness->in_flight, ==, 0);
  g_assert_false (tessera_store_get_verifying (fixture->store));
  g_assert_cmpuint (succeeded, >, 0);

  /* Every credential in a defined state. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (fixture->store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      TesseraCredentialStatus status = tessera_credential_get_status (credential);

      g_assert_false (tessera_credential_get_checking (credential));
      switch (status)
        {
        case TESSERA_CREDENTIAL_STATUS_VERIFIED:
          g_assert_cmpint (tessera_credential_get_last_verified (credential), >, 0);
          break;
        case TESSERA_CREDENTIAL_STATUS_EXPIRED:
        case TESSERA_CREDENTIAL_STATUS_REJECTED:
        case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
          g_assert_true (g_str_has_suffix (tessera_credential_get_status_detail (credential), "."));
          break;
        case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
          /* Only a key replaced during the run is not checked. */
          g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
          break;
        case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
        case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
        default:
          g_error ("Credential %s ended as %s", tessera_credential_get_id (credential),
                   tessera_credential_status_to_string (status));
        }
    }

  /* Model, settings and keyring agree; no key lost, none orphaned. */
  assert_consistent (fixture);
}

/* The program */

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

static void
add_tests (void)
{
  ADD_TEST ("/faults/secret-service/not-running", test_secret_service_not_running);
  ADD_TEST ("/faults/secret-service/killed-mid-store", test_secret_service_killed_mid_store);
  ADD_TEST ("/faults/secret-service/locked-prompt-dismissed", test_secret_service_locked);
  ADD_TEST ("/faults/secret-service/slow", test_secret_service_slow);
  ADD_TEST ("/faults/settings/read-only-folder", test_settings_read_only);
  /* Stays in this program: the keyring daemon's control socket lives in
   * the test's own runtime folder, whose path holds the program's name
   * and the test's; a longer one passes the 108 bytes a socket path may
   * have, and the daemon never starts. */
  ADD_TEST ("/faults/concurrency/verify-all-500-while-editing", test_concurrency);
}

int
main (int   argc,
      char *argv[])
{
  return fault_fixture_main (argc, argv, add_tests);
}
