/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-faults-network.c: the fault matrix (see test-faults.c) for the
 * network: refused, reset, silent, slow, storms, HTML, redirects, bad
 * certificates */
#include "config.h"

#include "fault-fixture.h"

/* Tests: the network
 *
 * A check that cannot reach Harness, or gets no answer from it, says
 * nothing about the key: the status becomes "unreachable" (never
 * "rejected"), the reason is what went wrong, and nothing else changes:
 * not the owner, not the expiry, not when it was last verified, not the
 * key. */

typedef enum
{
  RAW_RESET,      /* headers and half a body, then a TCP reset */
  RAW_TRICKLE,    /* a whole answer, one byte a second */
} RawMode;

/* A server for what the fake Harness cannot do: it reads a request, then
 * misbehaves in @mode. */
typedef struct
{
  GSocketService *service;
  RawMode         mode;
  guint16         port;
  GPtrArray      *connections;   /* RawConnection */
} RawServer;

typedef struct
{
  RawServer         *server;
  GSocketConnection *connection;
  GString           *request;
  char               buffer[4096];
  char              *answer;
  gsize              sent;
  guint              source;
} RawConnection;

static void
raw_connection_free (RawConnection *raw)
{
  if (raw->source != 0)
    g_source_remove (raw->source);
  g_io_stream_close (G_IO_STREAM (raw->connection), NULL, NULL);
  g_object_unref (raw->connection);
  g_string_free (raw->request, TRUE);
  g_free (raw->answer);
  g_free (raw);
}

static const char valid_answer[] =
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 87\r\n\r\n"
  "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"valid\":true},\"correlationId\":\"raw-0000000\"}";

static gboolean
on_trickle (gpointer user_data)
{
  RawConnection *raw = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->connection));

  if (raw->answer[raw->sent] == '\0' ||
      g_output_stream_write (out, raw->answer + raw->sent, 1, NULL, NULL) != 1)
    {
      raw->source = 0;
      return G_SOURCE_REMOVE;
    }

  raw->sent++;
  return G_SOURCE_CONTINUE;
}

static void
raw_answer (RawConnection *raw)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (raw->connection));

  if (raw->server->mode == RAW_TRICKLE)
    {
      raw->answer = g_strdup (valid_answer);
      raw->source = g_timeout_add_seconds (1, on_trickle, raw);
      on_trickle (raw);
      return;
    }

  {
    static const char half[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"
      "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":";
    GSocket *socket = g_socket_connection_get_socket (raw->connection);
    struct linger linger = { 1, 0 };

    g_output_stream_write_all (out, half, strlen (half), NULL, NULL, NULL);
    g_output_stream_flush (out, NULL, NULL);
    /* Closing with a zero linger sends a reset, not a FIN. */
    g_assert_no_errno (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
    g_socket_close (socket, NULL);
  }
}

static void raw_read (RawConnection *raw);

static void
on_raw_read (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawConnection *raw = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  const char *end;

  if (n <= 0)
    return;

  g_string_append_len (raw->request, raw->buffer, n);
  end = strstr (raw->request->str, "\r\n\r\n");
  if (end != NULL)
    {
      const char *length = strstr (raw->request->str, "Content-Length: ");
      gsize body = length != NULL ? strtoul (length + strlen ("Content-Length: "), NULL, 10) : 0;

      if (raw->request->len >= (gsize) (end + 4 - raw->request->str) + body)
        {
          raw_answer (raw);
          return;
        }
    }

  raw_read (raw);
}

static void
raw_read (RawConnection *raw)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (raw->connection)),
                             raw->buffer, sizeof raw->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_raw_read, raw);
}

static gboolean
on_raw_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source,
                 gpointer           user_data)
{
  RawServer *server = user_data;
  RawConnection *raw = g_new0 (RawConnection, 1);

  raw->server = server;
  raw->connection = g_object_ref (connection);
  raw->request = g_string_new (NULL);
  g_ptr_array_add (server->connections, raw);
  raw_read (raw);
  return TRUE;
}

static RawServer *
raw_server_new (RawMode mode)
{
  RawServer *server = g_new0 (RawServer, 1);
  g_autoptr(GError) error = NULL;

  server->mode = mode;
  server->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_connection_free);
  server->service = g_socket_service_new ();
  server->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_raw_incoming), server);
  g_socket_service_start (server->service);
  return server;
}

static void
raw_server_free (RawServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_ptr_array_unref (server->connections);
  g_object_unref (server->service);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawServer, raw_server_free)

typedef enum
{
  NET_REFUSED,
  NET_RESET_MID_BODY,
  NET_NEVER_ANSWERS,
  NET_BYTE_PER_SECOND,
  NET_429_STORM,
  NET_5XX_STORM,
  NET_HTML,
  NET_REDIRECT,
  NET_BAD_CERTIFICATE,
} NetworkFault;

typedef struct
{
  NetworkFault         fault;
  TesseraHarnessError  code;
  guint                timeout_ms;   /* the client's deadline: short only where
                                      * the deadline is the fault, the
                                      * product's 15 s elsewhere (a TLS
                                      * handshake under the sanitizers on a
                                      * busy machine takes seconds) */
  const char          *words;        /* in the reason, in lower case */
} NetworkCase;

static const NetworkCase network_cases[] = {
  { NET_REFUSED, TESSERA_HARNESS_ERROR_NETWORK, 15000, "refused" },
  { NET_RESET_MID_BODY, TESSERA_HARNESS_ERROR_NETWORK, 15000, "interrupted" },
  { NET_NEVER_ANSWERS, TESSERA_HARNESS_ERROR_TIMED_OUT, 500, "in time" },
  { NET_BYTE_PER_SECOND, TESSERA_HARNESS_ERROR_TIMED_OUT, 1500, "in time" },
  { NET_429_STORM, TESSERA_HARNESS_ERROR_RATE_LIMITED, 15000, "too many requests" },
  { NET_5XX_STORM, TESSERA_HARNESS_ERROR_SERVER_ERROR, 15000, "problem on its side" },
  { NET_HTML, TESSERA_HARNESS_ERROR_NOT_HARNESS, 15000, "web page" },
  { NET_REDIRECT, TESSERA_HARNESS_ERROR_REDIRECTED, 15000, "redirected" },
  { NET_BAD_CERTIFICATE, TESSERA_HARNESS_ERROR_TLS, 15000, "certificate" },
};

static void
test_network (Fixture       *fixture,
              gconstpointer  data)
{
  const NetworkCase *network_case = data;
  static const char * const check_keys[] = { "status", "status-code", "status-args", "status-detail",
                                             "correlation-id", NULL };
  g_autoptr(FakeHarness) fake = NULL;
  g_autoptr(RawServer) raw = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(Snapshot) before = NULL;
  g_autoptr(Snapshot) after = NULL;
  g_autoptr(GError) error = NULL;
  TesseraHarnessClient *client = tessera_store_get_client (fixture->store);
  TesseraCredential *credential;
  TesseraCredentialStatus status;
  gint64 last_verified;

  switch (network_case->fault)
    {
    case NET_REFUSED:
      {
        g_autoptr(GSocketListener) listener = g_socket_listener_new ();
        guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

        /* A port that was free a moment ago: nothing listens there now. */
        g_assert_no_error (error);
        g_socket_listener_close (listener);
        base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
      }
      break;
    case NET_RESET_MID_BODY:
      raw = raw_server_new (RAW_RESET);
      base_url = g_strdup_printf ("http://127.0.0.1:%u", raw->port);
      break;
    case NET_BYTE_PER_SECOND:
      raw = raw_server_new (RAW_TRICKLE);
      base_url = g_strdup_printf ("http://127.0.0.1:%u", raw->port);
      break;
    case NET_BAD_CERTIFICATE:
      {
        g_autoptr(GTlsCertificate) certificate = fake_harness_load_certificate ("test-self-signed.pem");

        fake = fake_harness_new_full (0, certificate, &error);
        g_assert_no_error (error);
        base_url = g_strdup (fake_harness_get_base_url (fake));
        g_assert_true (g_str_has_prefix (base_url, "https://"));
      }
      break;
    case NET_NEVER_ANSWERS:
    case NET_429_STORM:
    case NET_5XX_STORM:
    case NET_HTML:
    case NET_REDIRECT:
    default:
      fake = fake_harness_new ();
      base_url = g_strdup (fake_harness_get_base_url (fake));
      break;
    }

  id = add (fixture, "Alpha", base_url);
  other = add (fixture, "Beta", base_url);
  if (fake != NULL)
    fake_harness_add_token (fake, g_hash_table_lookup (fixture->tokens, id), TESSERA_CREDENTIAL_KIND_PAT,
                            0, 0, "Grace Hopper", NULL);

  switch (network_case->fault)
    {
    case NET_NEVER_ANSWERS:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) { .never_answer = TRUE });
      break;
    case NET_429_STORM:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 429, .times = 20, .content_type = "text/html",
          .body = "<html><body>Too many requests</body></html>" });
      break;
    case NET_5XX_STORM:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 503, .times = 20, .content_type = "text/html", .body = "<html>Service Unavailable</html>" });
      break;
    case NET_HTML:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 200, .content_type = "text/html",
          .body = "<!DOCTYPE html><html><body onload=\"redirectPage()\">Sign in</body></html>" });
      break;
    case NET_REDIRECT:
      fake_harness_queue_reply_full (fake, &(FakeHarnessReply) {
          .status = 302, .location = "https://login.example.com/auth/#/signin" });
      break;
    case NET_REFUSED:
    case NET_RESET_MID_BODY:
    case NET_BYTE_PER_SECOND:
    case NET_BAD_CERTIFICATE:
    default:
      break;
    }

  tessera_harness_client_set_timeout (client, network_case->timeout_ms);
  before = snapshot_take (fixture, check_keys, TRUE);
  credential = tessera_store_lookup (fixture->store, id);
  last_verified = tessera_credential_get_last_verified (credential);
  g_assert_cmpint (last_verified, >, 0);

  status = verify (fixture, id, &error);
  assert_reason (error, TESSERA_HARNESS_ERROR, network_case->code);
  {
    g_autofree char *lower = g_ascii_strdown (error->message, -1);

    g_assert_nonnull (strstr (lower, network_case->words));
  }
  g_assert_true (tessera_harness_error_is_transient (error));
  g_assert_cmpint (status, ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);

  /* What the user sees: could not check, and why. */
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNREACHABLE);
  g_assert_cmpstr (tessera_credential_get_status_detail (credential), ==, error->message);
  g_assert_cmpint (tessera_credential_get_last_verified (credential), ==, last_verified);
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada Lovelace");
  g_assert_false (tessera_credential_get_checking (credential));

  /* The fault was the one meant: the server got the request. */
  if (raw != NULL)
    {
      g_assert_cmpuint (raw->connections->len, >=, 1);
      if (network_case->fault == NET_BYTE_PER_SECOND)
        g_assert_cmpuint (((RawConnection *) g_ptr_array_index (raw->connections, 0))->sent, >=, 1);
    }
  else if (fake != NULL && network_case->fault != NET_BAD_CERTIFICATE)
    {
      /* (With a certificate it distrusts, the client sends no request.) */
      g_assert_cmpuint (fake_harness_get_n_requests (fake), >=, 1);
    }

  /* Nothing else changed, the other credential not at all. */
  after = snapshot_take (fixture, check_keys, TRUE);
  assert_snapshot (after, before);
  g_assert_cmpint (status_of (fixture, other), ==, TESSERA_CREDENTIAL_STATUS_VERIFIED);
  assert_consistent (fixture);
}

/* The program */

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

static void
add_tests (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (network_cases); i++)
    {
      static const char *names[] = {
        "refused", "reset-mid-body", "never-answers", "one-byte-per-second", "429-storm",
        "5xx-storm", "html-not-json", "redirect", "invalid-certificate",
      };
      g_autofree char *path = g_strconcat ("/faults/network/", names[network_cases[i].fault], NULL);

      g_test_add (path, Fixture, &network_cases[i], fixture_setup, test_network, fixture_teardown);
    }
}

int
main (int   argc,
      char *argv[])
{
  return fault_fixture_main (argc, argv, add_tests);
}
