/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-verify.c: verifying against the fake Harness,
 * verify-all, and reconciling with the keyring
 *
 * The fixture, and how each program runs against gnome-keyring and
 * libsecret's file backend: store-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "fake-harness.h"
#include "store-fixture.h"

static void
test_reconcile (Fixture       *fixture,
                gconstpointer  data)
{
  TesseraCredential *a = add (fixture, "A", new_token (fixture, ACCOUNT));
  const char *b_token = new_token (fixture, ACCOUNT);
  TesseraCredential *b = add (fixture, "B", b_token);
  TesseraCredential *c = add (fixture, "C", new_token (fixture, ACCOUNT));
  g_autofree char *b_id = g_strdup (tessera_credential_get_id (b));
  g_autoptr(GError) error = NULL;

  backend_clear (fixture->real, b_id);
  test_secret_backend_reset (fixture->secrets);

  g_assert_true (store_sync_reconcile (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_secret_backend_get_lookups (fixture->secrets), ==, 3);
  g_assert_cmpint (tessera_credential_get_status (a), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
  g_assert_cmpint (tessera_credential_get_status (c), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 3);

  /* The item comes back (restored from a backup): so does the status. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    tessera_secret_backend_store_async (fixture->real, b_id, "restored", b_token, NULL, test_wait_on_ready, &result);
    g_assert_true (tessera_secret_backend_store_finish (fixture->real, test_wait_for (&result), &error));
  }
  g_assert_true (store_sync_reconcile (fixture->store, &error));
  g_assert_cmpint (tessera_credential_get_status (b), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
}

/* Tests: verification against the fake Harness */

#define TEST_TYPE_NETWORK_MONITOR (test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestNetworkMonitor, test_network_monitor, TEST, NETWORK_MONITOR, GObject)

struct _TestNetworkMonitor
{
  GObject  parent_instance;
  gboolean available;
};

static void test_network_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_network_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNetworkMonitor, test_network_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_network_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_network_monitor_iface_init))

enum { MONITOR_PROP_0, MONITOR_PROP_AVAILABLE, MONITOR_PROP_METERED, MONITOR_PROP_CONNECTIVITY };

static gboolean
test_network_monitor_can_reach (GNetworkMonitor     *monitor,
                                GSocketConnectable  *connectable,
                                GCancellable        *cancellable,
                                GError             **error)
{
  return TEST_NETWORK_MONITOR (monitor)->available;
}

static void
test_network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_network_monitor_can_reach;
}

static gboolean
test_network_monitor_init_initable (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
test_network_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_network_monitor_init_initable;
}

static void
test_network_monitor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TestNetworkMonitor *self = TEST_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case MONITOR_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MONITOR_PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MONITOR_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_network_monitor_class_init (TestNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_network_monitor_get_property;
  g_object_class_override_property (object_class, MONITOR_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MONITOR_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, MONITOR_PROP_CONNECTIVITY, "connectivity");
}

static void
test_network_monitor_init (TestNetworkMonitor *self)
{
  self->available = TRUE;
}

static TesseraCredential *
add_for_fake (Fixture     *fixture,
              FakeHarness *fake,
              const char  *name,
              const char  *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;

  credential = add_full (fixture, fixture->store, name, "", "", fake_harness_get_base_url (fake),
                         token, NULL, &error);
  g_assert_no_error (error);
  return credential;
}

static void
test_verify (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  const char *good = new_token (fixture, ACCOUNT);
  const char *expired = new_token (fixture, ACCOUNT);
  const char *revoked = new_token (fixture, ACCOUNT);
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 valid_to = now_ms + (gint64) 10 * 24 * 3600 * 1000 - 3600 * 1000;
  TesseraCredential *credential;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  fake_harness_add_token_full (fake, &(FakeHarnessToken) {
      .token = good, .kind = TESSERA_CREDENTIAL_KIND_PAT, .valid_to = valid_to,
      .identifier = "grace_laptop", .api_key_identifier = "grace_key", .parent_identifier = "grace_user_id",
      .owner_name = "Grace Hopper", .owner_email = "grace@example.com" });
  fake_harness_add_token (fake, expired, TESSERA_CREDENTIAL_KIND_PAT, now_ms - 3600 * 1000, 0, "Old", "old@example.com");
  fake_harness_add_token (fake, revoked, TESSERA_CREDENTIAL_KIND_PAT, valid_to, 0, "Gone", "gone@example.com");
  fake_harness_set_account_name (fake, ACCOUNT, "Compilers Inc");

  credential = add_for_fake (fixture, fake, "Good", good);
  id = g_strdup (tessera_credential_get_id (credential));
  g_signal_connect (credential, "notify::checking", G_CALLBACK (on_notify), notified);

  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Grace Hopper");
  g_assert_cmpstr (tessera_credential_get_owner_email (credential), ==, "grace@example.com");
  g_assert_cmpstr (tessera_credential_get_account_name (credential), ==, "Compilers Inc");
  g_assert_cmpint (tessera_credential_get_expires (credential), ==, valid_to);
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, 10);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), >, 0);
  g_assert_false (tessera_credential_get_needs_attention (credential));
  /* What rotate, renew and revoke need is kept with the metadata. */
  {
    g_autoptr(GSettings) settings = credential_settings (fixture, id);
    g_autofree char *identifier = g_settings_get_string (settings, "token-identifier");
    g_autofree char *api_key = g_settings_get_string (settings, "api-key-identifier");
    g_autofree char *parent = g_settings_get_string (settings, "parent-identifier");
    g_autofree char *type = g_settings_get_string (settings, "api-key-type");
    g_autofree char *keyfile = NULL;

    g_assert_cmpstr (identifier, ==, "grace_laptop");
    g_assert_cmpstr (api_key, ==, "grace_key");
    g_assert_cmpstr (parent, ==, "grace_user_id");
    g_assert_cmpstr (type, ==, "USER");
    g_assert_cmpint (g_settings_get_int64 (settings, "valid-to"), ==, valid_to);
    keyfile = read_keyfile (fixture);
    g_assert_null (strstr (keyfile, good));
  }
  /* "checking" went on, then off. */
  g_assert_cmpuint (notified->len, ==, 2);
  g_assert_false (tessera_credential_get_checking (credential));
  g_signal_handlers_disconnect_by_data (credential, notified);

  /* The token reached Harness in the header, and nowhere in the URL. */
  for (guint i = 0; i < fake_harness_get_n_requests (fake); i++)
    {
      const FakeHarnessRequest *request = fake_harness_get_request (fake, i);

      g_assert_true (g_strcmp0 (fake_harness_request_get_header (request, "x-api-key"), good) == 0);
      g_assert_null (strstr (request->path, good));
      g_assert_true (request->query == NULL || strstr (request->query, good) == NULL);
    }

  /* Revoked: Harness forgot it. Rejected, with the reason. */
  credential = add_for_fake (fixture, fake, "Revoked", revoked);
  fake_harness_remove_token (fake, revoked);
  g_assert_cmpint (store_sync_verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_REJECTED);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), !=, "");
  g_assert_true (tessera_credential_get_needs_attention (credential));

  credential = add_for_fake (fixture, fake, "Expired", expired);
  g_assert_cmpint (store_sync_verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_EXPIRED);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED);
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_EXPIRED);

  /* 403 on validate: forbidden, not rejected. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .status = 403,
      .body = "{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\",\"message\":\"denied\",\"correlationId\":\"corr-403\"}" });
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_FORBIDDEN);
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_FORBIDDEN);
  g_clear_error (&error);
  credential = tessera_store_lookup (fixture->store, id);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_FORBIDDEN);
  g_assert_cmpstr (tessera_credential_get_correlation_id (credential), ==, "corr-403");

  /* The key itself is gone from the keyring: token-missing, no request. */
  fake_harness_clear_requests (fake);
  backend_clear (fixture->real, id);
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING);
  g_clear_error (&error);
  g_assert_cmpuint (fake_harness_get_n_requests (fake), ==, 0);
}

typedef struct
{
  FakeHarness *fake;
  guint        n_requests;
} RequestWait;

static gboolean
has_requests (gpointer data)
{
  RequestWait *wait = data;

  return fake_harness_get_n_requests (wait->fake) >= wait->n_requests;
}

static void
test_verify_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential;
  RequestWait wait = { fake, 1 };

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", NULL);
  credential = add_for_fake (fixture, fake, "Patient", token);
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .never_answer = TRUE });

  tessera_store_verify_async (fixture->store, tessera_credential_get_id (credential), cancellable,
                              test_wait_on_ready, &result);
  test_wait_until (has_requests, &wait, "the request to reach the fake Harness");
  g_assert_true (tessera_credential_get_checking (credential));

  /* Checking it twice at once is refused. */
  g_assert_cmpint (store_sync_verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (tessera_store_verify_finish (fixture->store, test_wait_for (&result), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (tessera_credential_get_checking (credential));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, "");
}

static void
test_verify_unreachable (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(TestNetworkMonitor) offline = g_object_new (TEST_TYPE_NETWORK_MONITOR, NULL);
  const char *token = new_token (fixture, ACCOUNT);
  TesseraCredential *credential;
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 verified_at;

  fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, "Ada", "ada@example.com");
  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  credential = add_for_fake (fixture, fake, "Flaky", token);
  id = g_strdup (tessera_credential_get_id (credential));

  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
  verified_at = tessera_credential_get_last_verified (credential);

  /* Harness keeps failing with 5xx: could not check, never "rejected". */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .status = 503, .times = 10, .body = "{}" });
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_true (tessera_harness_error_is_transient (error));
  g_clear_error (&error);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, verified_at);
  /* What Harness said last time stays. */
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada");
  fake_harness_clear_replies (fake);

  /* An HTML page from a proxy: the same. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .status = 401, .content_type = "text/html", .body = "<!doctype html><p>Sign in</p>" });
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_clear_error (&error);

  /* Offline: the network is not even tried. */
  tessera_store_set_network_monitor (fixture->store, G_NETWORK_MONITOR (offline));
  offline->available = FALSE;
  {
    g_autoptr(TesseraCredential) remote = NULL;
    guint requests = tessera_harness_client_get_n_requests (tessera_store_get_client (fixture->store));

    remote = add_full (fixture, fixture->store, "Remote", "", "", "https://harness.invalid",
                       new_token (fixture, ACCOUNT), NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (store_sync_verify (fixture->store, tessera_credential_get_id (remote), &error), ==,
                     TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
    g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NETWORK);
    g_clear_error (&error);
    g_assert_cmpint (tessera_credential_get_status (remote), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
    g_assert_cmpuint (tessera_harness_client_get_n_requests (tessera_store_get_client (fixture->store)), ==,
                      requests);
  }

  /* A loopback server is tried even when the monitor says offline. */
  g_assert_cmpint (store_sync_verify (fixture->store, id, &error), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  g_assert_no_error (error);
}

static void
test_verify_refused (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autofree char *base_url = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there now. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  base_url = g_strdup_printf ("http://127.0.0.1:%u", port);

  tessera_harness_client_set_retry_delay (tessera_store_get_client (fixture->store), 1);
  credential = add_full (fixture, fixture->store, "Nobody home", "", "", base_url,
                         new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (store_sync_verify (fixture->store, tessera_credential_get_id (credential), &error), ==,
                   TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_true (tessera_harness_error_is_transient (error));
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, 0);
}

typedef struct
{
  guint running;
  guint max_running;
} Concurrency;

static void
on_checking (TesseraCredential *credential,
             GParamSpec        *pspec,
             Concurrency       *concurrency)
{
  if (tessera_credential_get_checking (credential))
    {
      concurrency->running++;
      concurrency->max_running = MAX (concurrency->max_running, concurrency->running);
    }
  else
    {
      concurrency->running--;
    }
}

static void
on_progress (TesseraStore *store,
             guint         done,
             guint         total,
             GArray       *progress)
{
  g_assert_cmpuint (done, <=, total);
  g_array_append_val (progress, done);
}

static void
test_verify_all (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(FakeHarness) fake = fake_harness_new ();
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) verifying = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Concurrency concurrency = { 0, 0 };
  const guint n = 12;

  g_assert_cmpuint (tessera_store_get_max_concurrent (fixture->store), ==, 8);
  tessera_store_set_max_concurrent (fixture->store, 3);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("Credential %u", i);
      const char *token = new_token (fixture, ACCOUNT);
      TesseraCredential *credential;

      fake_harness_add_token (fake, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, name, NULL);
      credential = add_for_fake (fixture, fake, name, token);
      g_signal_connect (credential, "notify::checking", G_CALLBACK (on_checking), &concurrency);
    }
  /* Slow answers, so that the runs overlap. */
  fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .times = n, .delay_ms = 50 });

  g_signal_connect (fixture->store, "verify-progress", G_CALLBACK (on_progress), progress);
  g_signal_connect (fixture->store, "notify::verifying", G_CALLBACK (on_notify), verifying);

  tessera_store_verify_all_async (fixture->store, FALSE, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_get_verifying (fixture->store));
  g_assert_true (tessera_store_verify_all_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_no_error (error);
  g_assert_false (tessera_store_get_verifying (fixture->store));
  g_assert_cmpuint (verifying->len, ==, 2);

  g_assert_cmpuint (concurrency.max_running, ==, 3);
  g_assert_cmpuint (concurrency.running, ==, 0);
  g_assert_cmpuint (progress->len, ==, n + 1);
  for (guint i = 0; i <= n; i++)
    g_assert_cmpuint (g_array_index (progress, guint, i), ==, i);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);

      g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
      g_signal_handlers_disconnect_by_data (credential, &concurrency);
    }

  /* All fresh: a "stale only" run has nothing to do. */
  g_array_set_size (progress, 0);
  g_clear_object (&result);
  tessera_store_verify_all_async (fixture->store, TRUE, NULL, test_wait_on_ready, &result);
  g_assert_true (tessera_store_verify_all_finish (fixture->store, test_wait_for (&result), &error));
  g_assert_cmpuint (progress->len, ==, 1);
  g_assert_cmpuint (g_array_index (progress, guint, 0), ==, 0);

  g_signal_handlers_disconnect_by_data (fixture->store, progress);
  g_signal_handlers_disconnect_by_data (fixture->store, verifying);
}

static void
add_tests (void)
{
  store_test_add ("/store/reconcile", test_reconcile);
  store_test_add ("/store/verify", test_verify);
  store_test_add ("/store/verify/unreachable", test_verify_unreachable);
  store_test_add ("/store/verify/refused", test_verify_refused);
  store_test_add ("/store/verify/cancel", test_verify_cancel);
  store_test_add ("/store/verify-all", test_verify_all);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
