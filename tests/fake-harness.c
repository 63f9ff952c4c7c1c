/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-harness.c: a Harness API on 127.0.0.1 for tests and demos
 *
 * Answers follow ../shared/harness-api.md: the authentication filter first
 * (§2, §4: account from Harness-Account, ?account=, ?accountIdentifier=,
 * then the path; 400 INVALID_REQUEST without one; 401 INVALID_TOKEN for an
 * unknown key or another account's; 401 EXPIRED_TOKEN for an expired one),
 * then the resource (§3: a ResponseDTO<TokenDTO>, a ResponseDtoAccount or
 * 403 NG_ACCESS_DENIED; §6: rotate, create and delete as TokenResource
 * does them).
 */
#define G_LOG_DOMAIN "fake-harness"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "fake-harness-private.h"



typedef struct
{
  char     *path;
  guint     times;
  guint     status;
  char     *content_type;
  GBytes   *body;
  char     *location;
  char     *retry_after;
  guint     delay_ms;
  gboolean  never_answer;
  gboolean  chunked;
  gboolean  never_finish;
  gboolean  drop;
} Reply;

typedef struct
{
  FakeHarness       *self;
  SoupServerMessage *message;
  Reply             *reply;     /* NULL: answer as Harness would */
  guint              source_id;
} Delayed;


G_DEFINE_FINAL_TYPE (FakeHarness, fake_harness, G_TYPE_OBJECT)


static void
reply_free (Reply *reply)
{
  g_free (reply->path);
  g_free (reply->content_type);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply->location);
  g_free (reply->retry_after);
  g_free (reply);
}

static Reply *
reply_copy (const Reply *reply)
{
  Reply *copy = g_memdup2 (reply, sizeof *reply);

  copy->path = g_strdup (reply->path);
  copy->content_type = g_strdup (reply->content_type);
  copy->body = reply->body != NULL ? g_bytes_ref (reply->body) : NULL;
  copy->location = g_strdup (reply->location);
  copy->retry_after = g_strdup (reply->retry_after);

  return copy;
}

static void
request_free (FakeHarnessRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_hash_table_unref (request->query_params);
  soup_message_headers_unref (request->headers);
  g_bytes_unref (request->body);
  g_free (request);
}

static void
answer_scripted (FakeHarness       *self,
                 SoupServerMessage *message,
                 const Reply       *reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  SoupMessageBody *body = soup_server_message_get_response_body (message);

  if (reply->status == 0)
    {
      fake_harness_answer_as_harness (self, message);
      return;
    }

  soup_server_message_set_status (message, reply->status, NULL);
  soup_message_headers_set_content_type (headers, reply->content_type != NULL ? reply->content_type : "application/json", NULL);
  if (reply->location != NULL)
    soup_message_headers_replace (headers, "Location", reply->location);
  if (reply->retry_after != NULL)
    soup_message_headers_replace (headers, "Retry-After", reply->retry_after);

  if (reply->chunked || reply->never_finish)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);

  if (reply->body != NULL && g_bytes_get_size (reply->body) > 0)
    soup_message_body_append_bytes (body, reply->body);

  if (!reply->never_finish)
    soup_message_body_complete (body);
}

static void
log_request (FakeHarness       *self,
             SoupServerMessage *message)
{
  if (!self->log_requests)
    return;

  GUri *uri = soup_server_message_get_uri (message);
  const char *method = soup_server_message_get_method (message);
  const char *query = g_uri_get_query (uri);
  /* The parameters of a token change name it, and say nothing secret:
   * scripts check them (tests/test-cli.py). */
  gboolean show_query = query != NULL &&
                        (strstr (g_uri_get_path (uri), "/ng/api/token/rotate/") != NULL ||
                         g_str_equal (method, SOUP_METHOD_DELETE));

  g_printerr ("%s %s%s%s → %u\n", method, g_uri_get_path (uri),
              show_query ? "?" : "", show_query ? query : "",
              soup_server_message_get_status (message));
}

static void
answer (FakeHarness       *self,
        SoupServerMessage *message,
        const Reply       *reply)
{
  if (reply != NULL)
    answer_scripted (self, message, reply);
  else
    fake_harness_answer_as_harness (self, message);

  log_request (self, message);
}

static void
delayed_free (Delayed *delayed)
{
  g_clear_handle_id (&delayed->source_id, g_source_remove);
  g_clear_pointer (&delayed->reply, reply_free);
  g_object_unref (delayed->message);
  g_free (delayed);
}

static gboolean
on_delay_over (gpointer user_data)
{
  Delayed *delayed = user_data;
  FakeHarness *self = delayed->self;

  delayed->source_id = 0;
  self->delayed = g_list_remove (self->delayed, delayed);

  answer (self, delayed->message, delayed->reply);
  soup_server_message_unpause (delayed->message);
  delayed_free (delayed);

  return G_SOURCE_REMOVE;
}

/* The first queued reply for @path, used up by this request. */
static Reply *
take_reply (FakeHarness *self,
            const char  *path)
{
  for (GList *l = self->replies.head; l != NULL; l = l->next)
    {
      Reply *reply = l->data;

      if (reply->path != NULL && !g_str_has_suffix (path, reply->path))
        continue;

      if (reply->times > 1)
        {
          reply->times--;
          return reply_copy (reply);
        }

      g_queue_delete_link (&self->replies, l);
      return reply;
    }

  return NULL;
}

static void
record (FakeHarness       *self,
        SoupServerMessage *message,
        GHashTable        *query)
{
  FakeHarnessRequest *request = g_new0 (FakeHarnessRequest, 1);
  GUri *uri = soup_server_message_get_uri (message);

  request->method = g_strdup (soup_server_message_get_method (message));
  request->path = g_strdup (g_uri_get_path (uri));
  request->query = g_strdup (g_uri_get_query (uri));
  request->query_params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (query != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (request->query_params, g_strdup (key), g_strdup (value));
    }
  request->headers = soup_message_headers_ref (soup_server_message_get_request_headers (message));
  request->body = soup_message_body_flatten (soup_server_message_get_request_body (message));

  g_ptr_array_add (self->requests, request);
}

static void
on_request (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  FakeHarness *self = user_data;
  Reply *reply;

  record (self, message, query);
  reply = take_reply (self, path);

  if (reply != NULL && reply->never_answer)
    {
      soup_server_message_pause (message);
      g_ptr_array_add (self->held, g_object_ref (message));
      if (self->log_requests)
        g_printerr ("%s %s → (no answer)\n", soup_server_message_get_method (message), path);
      reply_free (reply);
      return;
    }

  if (reply != NULL && reply->drop)
    {
      g_autoptr(GIOStream) connection = soup_server_message_steal_connection (message);

      if (self->log_requests)
        g_printerr ("%s %s → (connection closed)\n", soup_server_message_get_method (message), path);
      g_io_stream_close (connection, NULL, NULL);
      reply_free (reply);
      return;
    }

  if (reply != NULL && reply->delay_ms > 0)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delayed->self = self;
      delayed->message = g_object_ref (message);
      delayed->reply = reply;
      delayed->source_id = g_timeout_add (reply->delay_ms, on_delay_over, delayed);
      self->delayed = g_list_prepend (self->delayed, delayed);
      soup_server_message_pause (message);
      return;
    }

  answer (self, message, reply);
  g_clear_pointer (&reply, reply_free);
}

/* HTTPS: the fake Harness makes the TLS handshake itself and gives
 * libsoup the finished connection. libsoup before 3.7.1 frees a server
 * connection disconnected while its own handshake is still running, then
 * uses it when the handshake ends ("soup_server_connection_disconnect:
 * assertion 'SOUP_IS_SERVER_CONNECTION (conn)' failed"; fixed upstream by
 * "server-connection: check for cancellation in handshake callback").
 * Debian 13 has 3.6.5, and a client that refuses the certificate leaves
 * such a handshake behind when a test ends. */
typedef struct
{
  FakeHarness       *self;         /* unowned: valid until cancellable is cancelled */
  GCancellable      *cancellable;  /* owned; cancelled when the harness goes */
  GSocketConnection *plain;        /* owned */
} Handshake;

static void
handshake_free (Handshake *handshake)
{
  g_object_unref (handshake->cancellable);
  g_object_unref (handshake->plain);
  g_free (handshake);
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Handshake *handshake = user_data;
  FakeHarness *self = handshake->self;
  GIOStream *tls = G_IO_STREAM (source);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error) ||
      g_cancellable_is_cancelled (handshake->cancellable))
    {
      g_debug ("TLS handshake: %s", error != NULL ? error->message : "the fake Harness is gone");
      g_io_stream_close (tls, NULL, NULL);
      handshake_free (handshake);
      return;
    }

  local = g_socket_connection_get_local_address (handshake->plain, NULL);
  remote = g_socket_connection_get_remote_address (handshake->plain, NULL);
  if (!soup_server_accept_iostream (self->server, tls, local, remote, &error))
    g_debug ("Could not hand the connection to libsoup: %s", error->message);
  handshake_free (handshake);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  FakeHarness *self = user_data;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  Handshake *handshake;

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
  if (tls == NULL)
    {
      g_warning ("No TLS server connection: %s", error->message);
      return TRUE;
    }

  handshake = g_new0 (Handshake, 1);
  handshake->self = self;
  handshake->cancellable = g_object_ref (self->cancellable);
  handshake->plain = g_object_ref (connection);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    self->cancellable, handshake_done_cb, handshake);
  return TRUE;
}

static void
fake_harness_dispose (GObject *object)
{
  FakeHarness *self = (FakeHarness *) object;

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  g_cancellable_cancel (self->cancellable);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->service);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->certificate);
  g_list_free_full (g_steal_pointer (&self->delayed), (GDestroyNotify) delayed_free);
  g_clear_pointer (&self->held, g_ptr_array_unref);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (fake_harness_parent_class)->dispose (object);
}

static void
fake_harness_finalize (GObject *object)
{
  FakeHarness *self = (FakeHarness *) object;

  g_free (self->base_url);
  g_hash_table_unref (self->tokens);
  g_hash_table_unref (self->accounts);
  g_queue_clear_full (&self->replies, (GDestroyNotify) reply_free);
  g_ptr_array_unref (self->requests);
  g_ptr_array_unref (self->minted);

  G_OBJECT_CLASS (fake_harness_parent_class)->finalize (object);
}

static void
fake_harness_class_init (FakeHarnessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fake_harness_dispose;
  object_class->finalize = fake_harness_finalize;
}

static void
fake_harness_init (FakeHarness *self)
{
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fake_harness_token_free);
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->replies);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  self->minted = g_ptr_array_new_with_free_func (g_free);
}

/**
 * fake_harness_new_full:
 * @port: the port on 127.0.0.1, 0 to let the system pick one
 * @certificate: (nullable): serve https with this certificate
 *
 * Returns: (transfer full) (nullable): a listening fake Harness
 */
GTlsCertificate *
fake_harness_load_certificate (const char *name)
{
  g_autofree char *cert = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autofree char *key = g_test_build_filename (G_TEST_DIST, "data", "test-key.pem", NULL);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = g_tls_certificate_new_from_files (cert, key, &error);

  g_assert_no_error (error);
  return certificate;
}

FakeHarness *
fake_harness_new_full (guint             port,
                       GTlsCertificate  *certificate,
                       GError          **error)
{
  g_autoptr(FakeHarness) self = g_object_new (FAKE_TYPE_HARNESS, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, port);

  if (certificate != NULL)
    {
      g_autoptr(GSocketAddress) bound = NULL;

      self->certificate = g_object_ref (certificate);
      self->cancellable = g_cancellable_new ();
      self->service = g_socket_service_new ();
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                          NULL, &bound, error))
        return NULL;
      g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
      g_socket_service_start (self->service);
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  else
    {
      GSList *uris;

      if (!soup_server_listen (self->server, address, 0, error))
        return NULL;
      uris = soup_server_get_uris (self->server);
      self->port = g_uri_get_port (uris->data);
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    }

  self->base_url = g_strdup_printf ("%s://127.0.0.1:%u", certificate != NULL ? "https" : "http", self->port);

  return g_steal_pointer (&self);
}

/**
 * fake_harness_new:
 *
 * Returns: (transfer full): a fake Harness on http://127.0.0.1:<port>
 */
FakeHarness *
fake_harness_new (void)
{
  g_autoptr(GError) error = NULL;
  FakeHarness *self = fake_harness_new_full (0, NULL, &error);

  g_assert_no_error (error);

  return self;
}

const char *
fake_harness_get_base_url (FakeHarness *self)
{
  g_return_val_if_fail (FAKE_IS_HARNESS (self), NULL);

  return self->base_url;
}

guint
fake_harness_get_port (FakeHarness *self)
{
  g_return_val_if_fail (FAKE_IS_HARNESS (self), 0);

  return self->port;
}

void
fake_harness_add_token_full (FakeHarness            *self,
                             const FakeHarnessToken *info)
{
  g_auto(GStrv) parts = NULL;
  Token *token;
  guint n;

  g_return_if_fail (FAKE_IS_HARNESS (self));
  g_return_if_fail (info != NULL && info->token != NULL);

  parts = g_strsplit (info->token, ".", -1);
  n = ++self->n_tokens;

  token = g_new0 (Token, 1);
  token->token = g_strdup (info->token);
  token->kind = info->kind;
  if (token->kind == TESSERA_CREDENTIAL_KIND_UNKNOWN)
    token->kind = g_str_has_prefix (info->token, "sat.") ? TESSERA_CREDENTIAL_KIND_SAT : TESSERA_CREDENTIAL_KIND_PAT;

  if (info->account_id != NULL)
    token->account_id = g_strdup (info->account_id);
  else if (g_strv_length (parts) == 4)
    token->account_id = g_strdup (parts[1]);
  else
    g_error ("fake_harness_add_token: a legacy key needs an account_id");

  token->identifier = info->identifier != NULL ? g_strdup (info->identifier) : g_strdup_printf ("token_%u", n);
  token->name = info->name != NULL ? g_strdup (info->name) : g_strdup_printf ("Token %u", n);
  token->api_key_identifier = info->api_key_identifier != NULL ? g_strdup (info->api_key_identifier) : g_strdup_printf ("api_key_%u", n);
  if (info->parent_identifier != NULL)
    token->parent_identifier = g_strdup (info->parent_identifier);
  else
    token->parent_identifier = g_strdup_printf (token->kind == TESSERA_CREDENTIAL_KIND_SAT ? "service_account_%u" : "user_%u", n);
  token->owner_name = g_strdup (info->owner_name);
  token->owner_email = g_strdup (info->owner_email);
  token->valid_from = info->valid_from > 0 ? info->valid_from : fake_harness_now_ms () - DAY_MS;
  token->valid_to = info->valid_to > 0 ? info->valid_to : token->valid_from + 30 * DAY_MS;
  token->scheduled_expire_time = info->scheduled_expire_time;
  token->no_account_view = info->no_account_view;
  token->org_identifier = g_strdup (info->org_identifier);
  token->project_identifier = g_strdup (info->project_identifier);

  if (!g_hash_table_contains (self->accounts, token->account_id))
    g_hash_table_insert (self->accounts, g_strdup (token->account_id), g_strdup ("Fake Harness Account"));

  g_hash_table_replace (self->tokens, token->token, token);
}

/**
 * fake_harness_add_token:
 * @valid_to: epoch ms; 0 for 30 days from yesterday
 * @scheduled_expire_time: epoch ms; 0 for none
 * @owner_name: (nullable):
 * @owner_email: (nullable):
 */
void
fake_harness_add_token (FakeHarness           *self,
                        const char            *token,
                        TesseraCredentialKind  kind,
                        gint64                 valid_to,
                        gint64                 scheduled_expire_time,
                        const char            *owner_name,
                        const char            *owner_email)
{
  FakeHarnessToken info = {
    .token = token,
    .kind = kind,
    .valid_to = valid_to,
    .scheduled_expire_time = scheduled_expire_time,
    .owner_name = owner_name,
    .owner_email = owner_email,
  };

  fake_harness_add_token_full (self, &info);
}

void
fake_harness_remove_token (FakeHarness *self,
                           const char  *token)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  g_hash_table_remove (self->tokens, token);
}

void
fake_harness_set_account_name (FakeHarness *self,
                               const char  *account_id,
                               const char  *name)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  g_hash_table_replace (self->accounts, g_strdup (account_id), g_strdup (name));
}

void
fake_harness_add_demo_tokens (FakeHarness *self)
{
  gint64 now = fake_harness_now_ms ();
  const FakeHarnessToken demo[] = {
    { .token = FAKE_HARNESS_DEMO_PAT, .identifier = "laptop_cli", .name = "Laptop CLI",
      .api_key_identifier = "personal_key", .parent_identifier = "aBcDeFgHiJkLmNoPqRsTuV",
      .owner_name = "Ada Lovelace", .owner_email = "ada@example.com",
      .valid_from = now - 10 * DAY_MS, .valid_to = now + 90 * DAY_MS },
    { .token = FAKE_HARNESS_DEMO_SAT, .identifier = "ci_deployer", .name = "CI deployer",
      .api_key_identifier = "ci_key", .parent_identifier = "ci_service_account",
      .owner_name = "CI Service Account", .owner_email = "ci_service_account@service.harness.io",
      .valid_from = now - 10 * DAY_MS, .valid_to = now + 90 * DAY_MS },
    { .token = FAKE_HARNESS_DEMO_PAT_EXPIRING, .identifier = "old_laptop", .name = "Old laptop",
      .api_key_identifier = "personal_key", .parent_identifier = "aBcDeFgHiJkLmNoPqRsTuV",
      .owner_name = "Ada Lovelace", .owner_email = "ada@example.com",
      .valid_from = now - 27 * DAY_MS, .valid_to = now + 3 * DAY_MS },
    { .token = FAKE_HARNESS_DEMO_PAT_EXPIRED, .identifier = "last_year", .name = "Last year’s token",
      .api_key_identifier = "personal_key", .parent_identifier = "aBcDeFgHiJkLmNoPqRsTuV",
      .owner_name = "Ada Lovelace", .owner_email = "ada@example.com",
      .valid_from = now - 31 * DAY_MS, .valid_to = now - DAY_MS },
  };

  g_return_if_fail (FAKE_IS_HARNESS (self));

  for (guint i = 0; i < G_N_ELEMENTS (demo); i++)
    fake_harness_add_token_full (self, &demo[i]);

  fake_harness_set_account_name (self, FAKE_HARNESS_DEMO_ACCOUNT, FAKE_HARNESS_DEMO_ACCOUNT_NAME);
}

void
fake_harness_queue_reply_full (FakeHarness            *self,
                               const FakeHarnessReply *reply)
{
  Reply *copy;

  g_return_if_fail (FAKE_IS_HARNESS (self));
  g_return_if_fail (reply != NULL);

  copy = g_new0 (Reply, 1);
  copy->path = g_strdup (reply->path);
  copy->times = MAX (reply->times, 1);
  copy->status = reply->status;
  copy->content_type = g_strdup (reply->content_type);
  if (reply->body != NULL)
    copy->body = g_bytes_new (reply->body, reply->body_length > 0 ? (gsize) reply->body_length : strlen (reply->body));
  copy->location = g_strdup (reply->location);
  copy->retry_after = g_strdup (reply->retry_after);
  copy->delay_ms = reply->delay_ms;
  copy->never_answer = reply->never_answer;
  copy->chunked = reply->chunked;
  copy->never_finish = reply->never_finish;
  copy->drop = reply->drop;

  g_queue_push_tail (&self->replies, copy);
}

/**
 * fake_harness_queue_reply:
 * @content_type: (nullable): %NULL for "application/json"
 * @body: (nullable):
 *
 * The next request, whatever its path, gets this answer.
 */
void
fake_harness_queue_reply (FakeHarness *self,
                          guint        status,
                          const char  *content_type,
                          const char  *body)
{
  FakeHarnessReply reply = {
    .status = status,
    .content_type = content_type,
    .body = body,
  };

  fake_harness_queue_reply_full (self, &reply);
}

void
fake_harness_clear_replies (FakeHarness *self)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  g_queue_clear_full (&self->replies, (GDestroyNotify) reply_free);
}

void
fake_harness_set_log_requests (FakeHarness *self,
                               gboolean     log_requests)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  self->log_requests = !!log_requests;
}

guint
fake_harness_get_n_requests (FakeHarness *self)
{
  g_return_val_if_fail (FAKE_IS_HARNESS (self), 0);

  return self->requests->len;
}

/**
 * fake_harness_get_request:
 *
 * Returns: (transfer none): the @index-th request received, oldest first
 */
const FakeHarnessRequest *
fake_harness_get_request (FakeHarness *self,
                          guint        index)
{
  g_return_val_if_fail (FAKE_IS_HARNESS (self), NULL);
  g_return_val_if_fail (index < self->requests->len, NULL);

  return g_ptr_array_index (self->requests, index);
}

void
fake_harness_clear_requests (FakeHarness *self)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  g_ptr_array_set_size (self->requests, 0);
}

const char *
fake_harness_request_get_header (const FakeHarnessRequest *request,
                                 const char               *name)
{
  g_return_val_if_fail (request != NULL, NULL);

  return soup_message_headers_get_one (request->headers, name);
}

const char *
fake_harness_request_get_query (const FakeHarnessRequest *request,
                                const char               *name)
{
  g_return_val_if_fail (request != NULL, NULL);

  return g_hash_table_lookup (request->query_params, name);
}

char *
fake_harness_request_dup_body (const FakeHarnessRequest *request)
{
  gsize length;
  const char *data;

  g_return_val_if_fail (request != NULL, NULL);

  data = g_bytes_get_data (request->body, &length);

  return g_strndup (data, length);
}

/**
 * fake_harness_set_token_limit:
 * @limit: how many tokens one API key may have; 0 for no limit (the
 *   default)
 *
 * Over it, rotate and create answer 400 INVALID_REQUEST "Maximum Token
 * limit has been reached", as TokenServiceImpl does.
 */
void
fake_harness_set_token_limit (FakeHarness *self,
                              guint        limit)
{
  g_return_if_fail (FAKE_IS_HARNESS (self));

  self->token_limit = limit;
}

/**
 * fake_harness_lookup_key:
 * @identifier: a token identifier
 *
 * Returns: (nullable): the key of the token that has @identifier now (after
 *   a rotation: the new one), or %NULL
 */
const char *
fake_harness_lookup_key (FakeHarness *self,
                         const char  *identifier)
{
  GHashTableIter iter;
  Token *token;

  g_return_val_if_fail (FAKE_IS_HARNESS (self), NULL);

  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (g_str_equal (token->identifier, identifier))
      return token->token;

  return NULL;
}

/**
 * fake_harness_get_minted:
 * @index: from 0, in the order they were made
 *
 * Returns: (nullable): the @index-th key rotate or create made (deleted
 *   since or not), or %NULL past the last: what the token-leak audit must
 *   also look for
 */
const char *
fake_harness_get_minted (FakeHarness *self,
                         guint        index)
{
  g_return_val_if_fail (FAKE_IS_HARNESS (self), NULL);

  return index < self->minted->len ? g_ptr_array_index (self->minted, index) : NULL;
}

/* Whether Harness would accept @key now. */
gboolean
fake_harness_key_is_valid (FakeHarness *self,
                           const char  *key)
{
  Token *token;

  g_return_val_if_fail (FAKE_IS_HARNESS (self), FALSE);

  token = g_hash_table_lookup (self->tokens, key);

  return token != NULL && fake_harness_token_is_valid (token);
}
