/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-client.c: asks Harness whether a token is valid
 *
 * One verification is POST {base}/ng/api/token/validate, then an optional
 * GET {base}/ng/api/accounts/{acct} for the account's name
 * (harness-api.md §3). Everything that could send the token somewhere it
 * should not go is refused before a connection is made: a plain http URL
 * to another machine, a token for another account, any redirect.
 *
 * The whole verification, retries included, runs under one deadline: a
 * private GCancellable is cancelled either by the caller's cancellable or
 * by the deadline timer, and the flag `timed_out` tells the two apart.
 * Answers are read into memory by hand so that at most 1 MiB is ever read,
 * then handed to the pure parser in tessera-harness-response.c; they are
 * wiped when freed, as rotate and create answer with a new key. Rotate,
 * create and delete themselves are in tessera-harness-client-tokens.c.
 */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tessera-base-url.h"
#include "tessera-harness-client-private.h"
#include "tessera-harness-error-private.h"
#include "tessera-harness-response.h"
#include "tessera-verification-private.h"
#include "tessera-words.h"

#define DEFAULT_TIMEOUT_MS     15000
#define DEFAULT_RETRY_DELAY_MS 1000
#define MAX_ATTEMPTS           3        /* the first try and two retries */
#define MAX_RETRY_AFTER_S      30
#define READ_CHUNK_SIZE        (64 * 1024)
/* The store verifies up to 8 credentials at a time (its default
 * concurrency); libsoup's default of 2 connections per host would queue
 * the rest over HTTP/1.1, making verify-all 4 times slower than it needs
 * to be (bench/RESULTS.md, verify-all). */
#define MAX_CONNS_PER_HOST     8

struct _TesseraHarnessClient
{
  GObject      parent_instance;

  SoupSession *session;         /* through the system's proxy, if one is set */
  SoupSession *direct_session;  /* to this computer: never through a proxy */
  guint        timeout_ms;
  guint        retry_delay_ms;
  guint        n_requests;
};

G_DEFINE_FINAL_TYPE (TesseraHarnessClient, tessera_harness_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];


/* An answer may hold a key (rotate, create): its bytes are wiped, not only
 * freed, and never left behind in memory the array moved away from. */
static void
wipe_byte_array (GByteArray *array)
{
  tessera_secure_wipe (array->data, array->len);
  g_byte_array_unref (array);
}

static void
exchange_free (Exchange *exchange)
{
  if (exchange->parent_handler != 0)
    g_cancellable_disconnect (exchange->parent, exchange->parent_handler);
  g_signal_handlers_disconnect_by_data (exchange->message, exchange);
  g_clear_object (&exchange->parent);
  g_clear_object (&exchange->stream);
  g_clear_object (&exchange->message);
  g_clear_object (&exchange->cancellable);
  g_clear_pointer (&exchange->body, wipe_byte_array);
  /* Wiped after each read: nothing is left in it. */
  g_free (exchange->chunk);
  g_free (exchange);
}

static void
verify_free (Verify *verify)
{
  if (verify->caller_handler != 0)
    g_cancellable_disconnect (verify->caller_cancellable, verify->caller_handler);
  if (verify->deadline_source != NULL)
    g_source_destroy (verify->deadline_source);
  if (verify->retry_source != NULL)
    g_source_destroy (verify->retry_source);
  g_clear_pointer (&verify->deadline_source, g_source_unref);
  g_clear_pointer (&verify->retry_source, g_source_unref);
  g_clear_object (&verify->caller_cancellable);
  g_clear_object (&verify->cancellable);
  g_clear_object (&verify->verification);
  g_clear_pointer (&verify->token, tessera_token_unref);
  g_free (verify->base_url);
  g_free (verify->account_id);
  g_free (verify->method);
  g_free (verify->path);
  g_free (verify->query);
  g_clear_pointer (&verify->request_body, g_bytes_unref);
  g_clear_pointer (&verify->new_token, tessera_secure_free);
  g_free (verify);
}

static void send_validate (GTask *owned_task);

static void
cancel_cancellable (GCancellable *source,
                    GCancellable *target)
{
  g_cancellable_cancel (target);
}

void
_tessera_harness_wipe_and_free (gpointer data)
{
  tessera_secure_free (data);
}

/* The code of the reason (tessera-status-detail.c). */
static const char *
tls_reason (GTlsCertificateFlags flags)
{
  /* The root cause first: a private CA's certificate usually fails
   * several checks, and installing the CA is what fixes it. */
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return "unknown-ca";
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return "expired";
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return "not-activated";
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return "bad-identity";
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return "revoked";
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return "insecure";

  return "invalid";
}

static GError *
interrupted_error (const Interruption *interruption)
{
  if (interruption->timed_out)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TIMED_OUT, NULL, "timed-out", NULL);

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_CANCELLED, NULL, "cancelled", NULL);
}

/* Turns a failed exchange into a sentence for the user. The token is never
 * part of a GIO or libsoup message, but those are not shown either: they
 * are technical and untranslated. */
GError *
_tessera_harness_transport_error (const GError         *error,
                                  GTlsCertificateFlags  tls_errors,
                                  const Interruption   *interruption)
{
  TesseraHarnessError code = TESSERA_HARNESS_ERROR_NETWORK;
  const char *detail;
  const char *arg = NULL;

  if (error->domain == TESSERA_HARNESS_ERROR)
    return g_error_copy (error);

  g_debug ("Request failed: %s (%s %d)", error->message, g_quark_to_string (error->domain), error->code);

  if (interruption->timed_out || interruption->cancelled || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return interrupted_error (interruption);

  if (tls_errors != 0)
    {
      code = TESSERA_HARNESS_ERROR_TLS;
      detail = "tls-untrusted";
      arg = tls_reason (tls_errors);
    }
  else if (error->domain == G_TLS_ERROR)
    {
      code = TESSERA_HARNESS_ERROR_TLS;
      detail = "tls-failed";
    }
  else if (error->domain == G_RESOLVER_ERROR)
    detail = "name-not-found";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    detail = "connection-refused";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    detail = "unreachable";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      code = TESSERA_HARNESS_ERROR_TIMED_OUT;
      detail = "timed-out";
    }
  else if (error->domain == SOUP_SESSION_ERROR &&
           (error->code == SOUP_SESSION_ERROR_PARSING || error->code == SOUP_SESSION_ERROR_ENCODING))
    {
      code = TESSERA_HARNESS_ERROR_NOT_HARNESS;
      detail = "not-harness-answer";
    }
  else
    detail = "interrupted";

  return tessera_harness_error_new_detail (code, NULL, detail, arg);
}

static GError *
too_large_error (void)
{
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NOT_HARNESS, NULL, "answer-too-large", NULL);
}

/* What a proxy answered instead of the server: its CONNECT failed, so
 * nothing reached the server and asking again will not help. */
static GError *
proxy_error (guint status)
{
  g_autofree char *number = g_strdup_printf ("%u", status);

  if (status == SOUP_STATUS_BAD_GATEWAY || status == SOUP_STATUS_SERVICE_UNAVAILABLE ||
      status == SOUP_STATUS_GATEWAY_TIMEOUT)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NETWORK, NULL, "proxy-unreachable", number);
  if (status == SOUP_STATUS_PROXY_AUTHENTICATION_REQUIRED)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NETWORK, NULL, "proxy-sign-in", NULL);

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NETWORK, NULL, "proxy-refused", number);
}

static void
on_got_headers (SoupMessage *message,
                Exchange    *exchange)
{
  exchange->got_headers = TRUE;
}

static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       Exchange             *exchange)
{
  exchange->tls_errors = errors;

  return FALSE;
}

static void
exchange_abort (GTask  *task,
                GError *error)
{
  Exchange *exchange = g_task_get_task_data (task);

  /* Cancel first: closing a libsoup stream that is still receiving would
   * otherwise read the rest of the body, blocking. */
  g_cancellable_cancel (exchange->cancellable);
  g_clear_object (&exchange->stream);
  g_task_return_error (task, error);
}

static void
on_stream_closed (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  GByteArray *body;

  g_input_stream_close_finish (G_INPUT_STREAM (object), result, NULL);
  body = g_steal_pointer (&exchange->body);
  g_task_return_pointer (task, g_bytes_new_with_free_func (body->data, body->len, (GDestroyNotify) wipe_byte_array, body),
                         (GDestroyNotify) g_bytes_unref);
}

static void
on_read (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  GError *error = NULL;
  gssize got;
  gsize n;

  got = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (got < 0)
    {
      exchange_abort (task, error);
      return;
    }
  n = (gsize) got;

  if (n == 0)
    {
      g_input_stream_close_async (exchange->stream, G_PRIORITY_DEFAULT, exchange->cancellable,
                                  on_stream_closed, g_steal_pointer (&task));
      return;
    }

  if (exchange->body->len + n > TESSERA_HARNESS_MAX_BODY_SIZE)
    {
      tessera_secure_wipe (exchange->chunk, n);
      exchange_abort (task, too_large_error ());
      return;
    }

  /* Grown by hand: a GByteArray that moves leaves its old bytes behind. */
  if (exchange->body->len + n > exchange->capacity)
    {
      GByteArray *larger;

      exchange->capacity = MIN (MAX (exchange->capacity * 2, exchange->body->len + n), TESSERA_HARNESS_MAX_BODY_SIZE);
      larger = g_byte_array_sized_new (exchange->capacity);
      g_byte_array_append (larger, exchange->body->data, exchange->body->len);
      wipe_byte_array (g_steal_pointer (&exchange->body));
      exchange->body = larger;
    }
  g_byte_array_append (exchange->body, exchange->chunk, n);
  tessera_secure_wipe (exchange->chunk, n);
  g_input_stream_read_async (exchange->stream, exchange->chunk, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                             exchange->cancellable, on_read, g_steal_pointer (&task));
}

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  GError *error = NULL;
  goffset length;

  exchange->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (exchange->stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("%s %s: HTTP %u",
           soup_message_get_method (exchange->message),
           g_uri_get_path (soup_message_get_uri (exchange->message)),
           soup_message_get_status (exchange->message));

  /* A status without headers is the proxy's answer to CONNECT, which
   * libsoup hands over as the message's own (with an empty body). */
  if (!exchange->got_headers && soup_message_get_status (exchange->message) != SOUP_STATUS_NONE)
    {
      exchange_abort (task, proxy_error (soup_message_get_status (exchange->message)));
      return;
    }

  length = soup_message_headers_get_content_length (soup_message_get_response_headers (exchange->message));
  if (length > TESSERA_HARNESS_MAX_BODY_SIZE)
    {
      exchange_abort (task, too_large_error ());
      return;
    }

  exchange->capacity = length > 0 ? (gsize) length : READ_CHUNK_SIZE;
  exchange->body = g_byte_array_sized_new (exchange->capacity);
  exchange->chunk = g_malloc (READ_CHUNK_SIZE);
  g_input_stream_read_async (exchange->stream, exchange->chunk, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                             exchange->cancellable, on_read, g_steal_pointer (&task));
}

void
_tessera_harness_exchange_async (TesseraHarnessClient *self,
                                 SoupMessage          *message,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = g_uri_to_string (soup_message_get_uri (message));
  SoupSession *session;
  Exchange *exchange;

  /* A proxy is another machine: the plain http that is allowed to this
   * computer would carry x-api-key to it in the clear, and it would read
   * "127.0.0.1" as itself anyway. */
  session = tessera_base_url_is_loopback (url) ? self->direct_session : self->session;

  exchange = g_new0 (Exchange, 1);
  exchange->message = g_object_ref (message);
  exchange->cancellable = g_cancellable_new ();
  exchange->parent = g_object_ref (cancellable);
  exchange->parent_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_cancellable),
                                                    g_object_ref (exchange->cancellable), g_object_unref);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, _tessera_harness_exchange_async);
  g_task_set_task_data (task, exchange, (GDestroyNotify) exchange_free);

  /* Never follow a redirect: libsoup would forward x-api-key to wherever
   * the server points (harness-api.md §7). */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect (message, "accept-certificate", G_CALLBACK (on_accept_certificate), exchange);
  g_signal_connect (message, "got-headers", G_CALLBACK (on_got_headers), exchange);

  self->n_requests++;
  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, exchange->cancellable,
                           on_sent, g_steal_pointer (&task));
}

/* Returns: (transfer full): the body, or %NULL with @error set; either way
 * @tls_errors says what was wrong with the server's certificate. */
GBytes *
_tessera_harness_exchange_finish (GAsyncResult          *result,
                                  GTlsCertificateFlags  *tls_errors,
                                  GError               **error)
{
  Exchange *exchange = g_task_get_task_data (G_TASK (result));

  *tls_errors = exchange->tls_errors;

  return g_task_propagate_pointer (G_TASK (result), error);
}

SoupMessage *
_tessera_harness_new_message_with_query (Verify     *verify,
                                         const char *method,
                                         const char *path,
                                         const char *query)
{
  g_autofree char *escaped = g_uri_escape_string (verify->account_id, NULL, FALSE);
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  SoupMessage *message;

  url = g_strdup_printf ("%s%s?accountIdentifier=%s%s%s", verify->base_url, path, escaped,
                         query != NULL ? "&" : "", query != NULL ? query : "");
  message = soup_message_new (method, url);
  if (message == NULL)
    return NULL;

  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "x-api-key", tessera_token_get_value (verify->token));
  soup_message_headers_replace (headers, "Harness-Account", verify->account_id);
  soup_message_headers_replace (headers, "Accept", "application/json");

  return message;
}

static SoupMessage *
new_message (Verify     *verify,
             const char *method,
             const char *path)
{
  return _tessera_harness_new_message_with_query (verify, method, path, NULL);
}

Interruption
_tessera_harness_verify_interruption (Verify *verify)
{
  Interruption interruption = { FALSE, FALSE };

  interruption.timed_out = verify->timed_out;
  interruption.cancelled = !verify->timed_out && g_cancellable_is_cancelled (verify->cancellable);

  return interruption;
}

void
_tessera_harness_verify_return_error (GTask  *task,
                                      GError *error)
{
  Verify *verify = g_task_get_task_data (task);

  if (verify->deadline_source != NULL)
    g_source_destroy (verify->deadline_source);
  if (verify->retry_source != NULL)
    g_source_destroy (verify->retry_source);

  g_task_return_error (task, error);
}

static void
verify_return_verification (GTask *task)
{
  Verify *verify = g_task_get_task_data (task);

  if (verify->deadline_source != NULL)
    g_source_destroy (verify->deadline_source);

  g_task_return_pointer (task, g_steal_pointer (&verify->verification), g_object_unref);
}

static gboolean
on_deadline (gpointer user_data)
{
  Verify *verify = user_data;

  g_debug ("Verification timed out");
  verify->timed_out = TRUE;
  g_cancellable_cancel (verify->cancellable);

  return G_SOURCE_REMOVE;
}

/* The account's name, for display; a failure here never makes a valid
 * token look invalid. */
static void
on_account_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Verify *verify = g_task_get_task_data (task);
  Exchange *exchange = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *name = NULL;
  GTlsCertificateFlags tls_errors;
  Interruption interruption;

  body = _tessera_harness_exchange_finish (result, &tls_errors, &error);
  interruption = _tessera_harness_verify_interruption (verify);

  /* The caller no longer wants the answer; a deadline here only costs
   * the account's name. */
  if (interruption.cancelled)
    {
      _tessera_harness_verify_return_error (task, interrupted_error (&interruption));
      return;
    }

  if (body == NULL)
    {
      g_debug ("Could not read the account's name: %s", error->message);
      verify_return_verification (task);
      return;
    }

  name = tessera_harness_response_parse_account (soup_message_get_status (exchange->message),
                                                 soup_message_headers_get_content_type (soup_message_get_response_headers (exchange->message), NULL),
                                                 g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                                 &error);
  if (name != NULL)
    tessera_verification_set_account_name (verify->verification, name);
  else if (g_error_matches (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_FORBIDDEN))
    tessera_verification_set_limited_permissions (verify->verification, TRUE);
  else
    g_debug ("Could not read the account's name: %s", error->message);

  verify_return_verification (task);
}

static void
send_account (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraHarnessClient *self = g_task_get_source_object (task);
  Verify *verify = g_task_get_task_data (task);
  g_autofree char *escaped = g_uri_escape_string (verify->account_id, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/ng/api/accounts/", escaped, NULL);
  g_autoptr(SoupMessage) message = new_message (verify, SOUP_METHOD_GET, path);

  if (message == NULL)
    {
      verify_return_verification (task);
      return;
    }

  _tessera_harness_exchange_async (self, message, verify->cancellable, on_account_done, g_steal_pointer (&task));
}

static gboolean
is_retryable (guint status)
{
  return status == 429 || status == 502 || status == 503 || status == 504;
}

/* Retry-After in milliseconds, -1 when absent or unreadable. */
static gint64
retry_after_ms (SoupMessage *message)
{
  const char *value;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) now = NULL;
  char *end;
  guint64 seconds;

  value = soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After");
  if (value == NULL)
    return -1;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_isdigit (*value))
    {
      seconds = g_ascii_strtoull (value, &end, 10);
      while (g_ascii_isspace (*end))
        end++;
      if (*end != '\0')
        return -1;
      return (gint64) MIN (seconds, (guint64) G_MAXINT32) * 1000;
    }

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;

  now = g_date_time_new_now_utc ();

  return MAX (g_date_time_difference (date, now) / 1000, 0);
}

static gboolean
on_retry (gpointer user_data)
{
  GTask *task = user_data;
  Verify *verify = g_task_get_task_data (task);

  g_clear_pointer (&verify->retry_source, g_source_unref);

  if (g_cancellable_is_cancelled (verify->cancellable))
    {
      Interruption interruption = _tessera_harness_verify_interruption (verify);

      _tessera_harness_verify_return_error (task, interrupted_error (&interruption));
      g_object_unref (task);
    }
  else
    send_validate (task);

  return G_SOURCE_REMOVE;
}

/* Schedules another try and returns TRUE, or FALSE when the wait would not
 * fit: the server asked for more than 30 s, or the deadline comes first. */
static gboolean
schedule_retry (GTask       *task,
                SoupMessage *message)
{
  TesseraHarnessClient *self = g_task_get_source_object (task);
  Verify *verify = g_task_get_task_data (task);
  gint64 delay_ms;
  gint64 wait_ms;
  GSource *cancel_source;

  if (verify->attempt >= MAX_ATTEMPTS)
    return FALSE;

  delay_ms = retry_after_ms (message);
  if (delay_ms > MAX_RETRY_AFTER_S * 1000)
    return FALSE;

  /* Exponential backoff with jitter, so that many clients do not come back
   * in step; never sooner than the server asked. */
  wait_ms = (gint64) self->retry_delay_ms << (verify->attempt - 1);
  wait_ms += g_random_int_range (0, (gint32) (wait_ms / 2) + 1);
  wait_ms = MAX (wait_ms, delay_ms);

  if (g_get_monotonic_time () + wait_ms * 1000 >= verify->deadline)
    return FALSE;

  g_debug ("HTTP %u; trying again in %" G_GINT64_FORMAT " ms", soup_message_get_status (message), wait_ms);

  verify->retry_source = g_timeout_source_new ((guint) wait_ms);
  /* The cancellable wakes the wait early: the callback then sees it. */
  cancel_source = g_cancellable_source_new (verify->cancellable);
  g_source_set_dummy_callback (cancel_source);
  g_source_add_child_source (verify->retry_source, cancel_source);
  g_source_unref (cancel_source);
  g_source_set_callback (verify->retry_source, on_retry, task, NULL);
  g_source_set_name (verify->retry_source, "[tessera] Harness retry");
  g_source_attach (verify->retry_source, g_task_get_context (task));

  return TRUE;
}

static void
on_validate_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Verify *verify = g_task_get_task_data (task);
  Exchange *exchange = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  GTlsCertificateFlags tls_errors;
  Interruption interruption;
  const char *answered_account;
  guint status;

  body = _tessera_harness_exchange_finish (result, &tls_errors, &error);
  interruption = _tessera_harness_verify_interruption (verify);

  if (body == NULL)
    {
      _tessera_harness_verify_return_error (task, _tessera_harness_transport_error (error, tls_errors, &interruption));
      return;
    }

  if (interruption.cancelled || interruption.timed_out)
    {
      _tessera_harness_verify_return_error (task, interrupted_error (&interruption));
      return;
    }

  status = soup_message_get_status (exchange->message);

  /* The retry holds the task until on_retry runs. */
  if (is_retryable (status) && schedule_retry (task, exchange->message))
    {
      g_steal_pointer (&task);
      return;
    }

  verify->verification =
    tessera_harness_response_parse_validate (status,
                                             soup_message_headers_get_content_type (soup_message_get_response_headers (exchange->message), NULL),
                                             g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                             &error);
  if (verify->verification == NULL)
    {
      _tessera_harness_verify_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Harness vouches for a key of another account than the one it was
   * asked about: that key does not belong to this credential. */
  answered_account = tessera_verification_get_account_identifier (verify->verification);
  if (answered_account != NULL && strcmp (answered_account, verify->account_id) != 0)
    {
      g_debug ("Harness answered for account %s, not %s", answered_account, verify->account_id);
      _tessera_harness_verify_return_error (task, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH,
                                                                   tessera_verification_get_correlation_id (verify->verification),
                                                                   "account-mismatch", NULL));
      return;
    }

  if (answered_account == NULL)
    tessera_verification_set_account_identifier (verify->verification, verify->account_id);

  send_account (g_steal_pointer (&task));
}

static void
send_validate (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraHarnessClient *self = g_task_get_source_object (task);
  Verify *verify = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *value = tessera_token_get_value (verify->token);
  char *copy;

  message = new_message (verify, SOUP_METHOD_POST, "/ng/api/token/validate");
  if (message == NULL)
    {
      _tessera_harness_verify_return_error (task, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_INVALID_BASE_URL, NULL,
                                                                   "invalid-base-url", NULL));
      return;
    }

  /* The body is the token itself; its copy is wiped when libsoup is done. */
  copy = g_strdup (value);
  body = g_bytes_new_with_free_func (copy, strlen (copy), _tessera_harness_wipe_and_free, copy);
  soup_message_set_request_body_from_bytes (message, "text/plain", body);

  verify->attempt++;
  _tessera_harness_exchange_async (self, message, verify->cancellable, on_validate_done, g_steal_pointer (&task));
}

/* Which account to ask about, or %NULL with @error set. */
static char *
resolve_account (const char    *entered,
                 TesseraToken  *token,
                 GError       **error)
{
  const char *in_token = tessera_token_get_account_id (token);
  g_autofree char *typed = g_strstrip (g_strdup (entered != NULL ? entered : ""));

  if (typed[0] != '\0' && in_token != NULL && !g_str_equal (typed, in_token))
    {
      g_propagate_error (error, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH, NULL,
                                                                  "account-mismatch", NULL));
      return NULL;
    }

  if (typed[0] != '\0')
    return g_steal_pointer (&typed);

  if (in_token != NULL)
    return g_strdup (in_token);

  g_propagate_error (error, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_MISSING_ACCOUNT, NULL,
                                                              "missing-account", NULL));
  return NULL;
}

static void
tessera_harness_client_dispose (GObject *object)
{
  TesseraHarnessClient *self = (TesseraHarnessClient *) object;

  g_clear_object (&self->session);
  g_clear_object (&self->direct_session);

  G_OBJECT_CLASS (tessera_harness_client_parent_class)->dispose (object);
}

static void
tessera_harness_client_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TesseraHarnessClient *self = TESSERA_HARNESS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      g_value_set_uint (value, tessera_harness_client_get_timeout (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_harness_client_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  TesseraHarnessClient *self = TESSERA_HARNESS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      tessera_harness_client_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_harness_client_class_init (TesseraHarnessClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tessera_harness_client_dispose;
  object_class->get_property = tessera_harness_client_get_property;
  object_class->set_property = tessera_harness_client_set_property;

  /**
   * TesseraHarnessClient:timeout:
   *
   * The overall deadline of one verification in milliseconds, retries
   * included.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tessera_harness_client_init (TesseraHarnessClient *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->retry_delay_ms = DEFAULT_RETRY_DELAY_MS;
  self->session = soup_session_new_with_options ("user-agent", "Tessera/" PACKAGE_VERSION,
                                                 "max-conns-per-host", MAX_CONNS_PER_HOST,
                                                 NULL);
  self->direct_session = soup_session_new_with_options ("user-agent", "Tessera/" PACKAGE_VERSION,
                                                        "max-conns-per-host", MAX_CONNS_PER_HOST,
                                                        NULL);
  soup_session_set_proxy_resolver (self->direct_session, NULL);
}

/**
 * tessera_harness_client_new:
 *
 * Returns: (transfer full): a client with a 15 s deadline per verification
 */
TesseraHarnessClient *
tessera_harness_client_new (void)
{
  return g_object_new (TESSERA_TYPE_HARNESS_CLIENT, NULL);
}

/**
 * tessera_harness_client_set_timeout:
 * @timeout_ms: the overall deadline per verification, retries included
 */
void
tessera_harness_client_set_timeout (TesseraHarnessClient *self,
                                    guint                 timeout_ms)
{
  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->timeout_ms == timeout_ms)
    return;

  self->timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
tessera_harness_client_get_timeout (TesseraHarnessClient *self)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), 0);

  return self->timeout_ms;
}

/**
 * tessera_harness_client_set_tls_database:
 * @database: (nullable): the certificates to trust; %NULL for the system's
 */
void
tessera_harness_client_set_tls_database (TesseraHarnessClient *self,
                                         GTlsDatabase         *database)
{
  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  soup_session_set_tls_database (self->session, database);
  soup_session_set_tls_database (self->direct_session, database);
}

/**
 * tessera_harness_client_set_proxy_resolver:
 * @resolver: (nullable): the proxy resolver for addresses that are not
 *   this computer; %NULL for none
 *
 * For tests: the system's resolver is used otherwise. Loopback addresses
 * never go through a proxy, whatever this says.
 */
void
tessera_harness_client_set_proxy_resolver (TesseraHarnessClient *self,
                                           GProxyResolver       *resolver)
{
  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (resolver == NULL || G_IS_PROXY_RESOLVER (resolver));

  soup_session_set_proxy_resolver (self->session, resolver);
}

/**
 * tessera_harness_client_set_retry_delay:
 * @base_ms: the wait before the first retry, before jitter
 *
 * For tests, so that retries do not take seconds.
 */
void
tessera_harness_client_set_retry_delay (TesseraHarnessClient *self,
                                        guint                 base_ms)
{
  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));

  self->retry_delay_ms = base_ms;
}

/**
 * tessera_harness_client_get_n_requests:
 *
 * Returns: how many HTTP requests this client has started, for tests that
 *   check that nothing was sent
 */
guint
tessera_harness_client_get_n_requests (TesseraHarnessClient *self)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), 0);

  return self->n_requests;
}

/**
 * tessera_harness_client_verify_async:
 * @base_url: as typed; normalized with tessera_base_url_normalize()
 * @account_id: (nullable): required when @token carries no account;
 *   must equal the token's account when it does
 * @token: the API key to check
 * @cancellable: (nullable): cancels the whole verification
 *
 * Asks Harness about @token: POST {base}/ng/api/token/validate, then
 * GET {base}/ng/api/accounts/{acct} for the account's name. The URL and
 * the account are checked before anything is sent.
 */
void
tessera_harness_client_verify_async (TesseraHarnessClient *self,
                                     const char           *base_url,
                                     const char           *account_id,
                                     TesseraToken         *token,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_harness_client_verify_async);

  if (_tessera_harness_start_call (task, base_url, account_id, token, cancellable) == NULL)
    return;

  send_validate (g_steal_pointer (&task));
}

/* Checks the URL and the account, then sets up @task's Verify with its
 * deadline. Returns NULL when @task has already returned an error. */
Verify *
_tessera_harness_start_call (GTask        *task,
                             const char   *base_url,
                             const char   *account_id,
                             TesseraToken *token,
                             GCancellable *cancellable)
{
  TesseraHarnessClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *account = NULL;
  Verify *verify;

  /* Cancellation is reported as TESSERA_HARNESS_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);

  normalized = tessera_base_url_normalize (base_url, &error);
  if (normalized == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  account = resolve_account (account_id, token, &error);
  if (account == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  verify = g_new0 (Verify, 1);
  verify->base_url = g_steal_pointer (&normalized);
  verify->account_id = g_steal_pointer (&account);
  verify->token = tessera_token_ref (token);
  verify->cancellable = g_cancellable_new ();
  verify->deadline = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  g_task_set_task_data (task, verify, (GDestroyNotify) verify_free);

  if (cancellable != NULL)
    {
      verify->caller_cancellable = g_object_ref (cancellable);
      verify->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_cancellable),
                                                      g_object_ref (verify->cancellable), g_object_unref);
    }

  if (g_cancellable_is_cancelled (verify->cancellable))
    {
      Interruption interruption = { .cancelled = TRUE };

      _tessera_harness_verify_return_error (task, interrupted_error (&interruption));
      return NULL;
    }

  verify->deadline_source = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (verify->deadline_source, on_deadline, verify, NULL);
  g_source_set_name (verify->deadline_source, "[tessera] Harness deadline");
  g_source_attach (verify->deadline_source, g_task_get_context (task));

  return verify;
}

/**
 * tessera_harness_client_verify_finish:
 * @error: a #TESSERA_HARNESS_ERROR; see tessera_harness_error_is_transient()
 *
 * Returns: (transfer full) (nullable): what Harness said about the token
 */
TesseraVerification *
tessera_harness_client_verify_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_harness_client_verify_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
