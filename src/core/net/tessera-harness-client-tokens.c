/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-client-tokens.c: rotating, creating and deleting a token
 * on Harness (harness-api.md §6); the HTTP exchange, the deadline and the
 * errors are tessera-harness-client.c's */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tessera-harness-client-private.h"
#include "tessera-harness-error-private.h"
#include "tessera-harness-response.h"

/* Changes to the tokens: one request each, never repeated. A rotation or a
 * creation whose answer was lost has still happened on Harness; sending it
 * again would make a second token (and, for rotate, expire the first new
 * one at once). */

static void
on_change_done (GObject      *object,
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
  const char *content_type;
  guint status;

  body = _tessera_harness_exchange_finish (result, &tls_errors, &error);
  interruption = _tessera_harness_verify_interruption (verify);

  if (body == NULL)
    {
      _tessera_harness_verify_return_error (task, _tessera_harness_transport_error (error, tls_errors, &interruption));
      return;
    }

  status = soup_message_get_status (exchange->message);
  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (exchange->message), NULL);

  /* The answer is here: whatever Harness did is reported, even if the
   * deadline fired meanwhile (a new key must not be dropped). */
  if (verify->deleting)
    {
      if (!tessera_harness_response_parse_deleted (status, content_type, g_bytes_get_data (body, NULL),
                                                   g_bytes_get_size (body), &error))
        {
          _tessera_harness_verify_return_error (task, g_steal_pointer (&error));
          return;
        }

      if (verify->deadline_source != NULL)
        g_source_destroy (verify->deadline_source);
      g_task_return_boolean (task, TRUE);
      return;
    }

  verify->new_token = tessera_harness_response_parse_new_token (status, content_type, g_bytes_get_data (body, NULL),
                                                                g_bytes_get_size (body), &error);
  if (verify->new_token == NULL)
    {
      _tessera_harness_verify_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (verify->deadline_source != NULL)
    g_source_destroy (verify->deadline_source);
  g_task_return_pointer (task, g_steal_pointer (&verify->new_token), _tessera_harness_wipe_and_free);
}

static void
send_change (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraHarnessClient *self = g_task_get_source_object (task);
  Verify *verify = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;

  message = _tessera_harness_new_message_with_query (verify, verify->method, verify->path, verify->query);
  if (message == NULL)
    {
      _tessera_harness_verify_return_error (task, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_INVALID_BASE_URL, NULL,
                                                                   "invalid-base-url", NULL));
      return;
    }

  if (verify->request_body != NULL)
    soup_message_set_request_body_from_bytes (message, "application/json", verify->request_body);

  verify->attempt++;
  _tessera_harness_exchange_async (self, message, verify->cancellable, on_change_done, g_steal_pointer (&task));
}

static gboolean
token_ref_is_complete (const TesseraHarnessTokenRef *ref)
{
  return ref != NULL &&
         ref->identifier != NULL && ref->identifier[0] != '\0' &&
         ref->api_key_identifier != NULL && ref->api_key_identifier[0] != '\0' &&
         ref->parent_identifier != NULL && ref->parent_identifier[0] != '\0' &&
         ref->api_key_type != NULL && ref->api_key_type[0] != '\0';
}

/* "apiKeyType=…&parentIdentifier=…&apiKeyIdentifier=…", escaped, then
 * "&orgIdentifier=…&projectIdentifier=…" for a scoped key. */
static char *
token_ref_query (const TesseraHarnessTokenRef *ref)
{
  g_autofree char *type = g_uri_escape_string (ref->api_key_type, NULL, FALSE);
  g_autofree char *parent = g_uri_escape_string (ref->parent_identifier, NULL, FALSE);
  g_autofree char *api_key = g_uri_escape_string (ref->api_key_identifier, NULL, FALSE);
  g_autofree char *org = ref->org_identifier != NULL && ref->org_identifier[0] != '\0'
                         ? g_uri_escape_string (ref->org_identifier, NULL, FALSE) : NULL;
  g_autofree char *project = ref->project_identifier != NULL && ref->project_identifier[0] != '\0'
                             ? g_uri_escape_string (ref->project_identifier, NULL, FALSE) : NULL;

  return g_strdup_printf ("apiKeyType=%s&parentIdentifier=%s&apiKeyIdentifier=%s%s%s%s%s", type, parent, api_key,
                          org != NULL ? "&orgIdentifier=" : "", org != NULL ? org : "",
                          project != NULL ? "&projectIdentifier=" : "", project != NULL ? project : "");
}

static GError *
incomplete_ref_error (void)
{
  /* Only a verification tells what Harness calls the token. */
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_BAD_REQUEST, NULL, "token-not-described", NULL);
}

/**
 * tessera_harness_client_rotate_async:
 * @base_url: as typed; normalized with tessera_base_url_normalize()
 * @account_id: (nullable): as for tessera_harness_client_verify_async()
 * @token: the key that authenticates the request: the one being rotated
 * @ref: the token to rotate, as token/validate described it
 * @rotate_timestamp_ms: until when (epoch ms) the old key keeps working
 * @cancellable: (nullable): cancels the request
 *
 * POST {base}/ng/api/token/rotate/{identifier}?accountIdentifier&apiKeyType
 * &parentIdentifier&apiKeyIdentifier&rotateTimestamp. Harness gives the new
 * key the old identifier and the old validTo, and renames the old token,
 * which stops working at @rotate_timestamp_ms. Never retried.
 */
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
  g_autoptr(GTask) task = NULL;
  g_autofree char *identifier = NULL;
  g_autofree char *query = NULL;
  Verify *verify;

  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_harness_client_rotate_async);

  if (!token_ref_is_complete (ref))
    {
      g_task_return_error (task, incomplete_ref_error ());
      return;
    }

  verify = _tessera_harness_start_call (task, base_url, account_id, token, cancellable);
  if (verify == NULL)
    return;

  identifier = g_uri_escape_string (ref->identifier, NULL, FALSE);
  query = token_ref_query (ref);
  verify->method = g_strdup (SOUP_METHOD_POST);
  verify->path = g_strconcat ("/ng/api/token/rotate/", identifier, NULL);
  verify->query = g_strdup_printf ("%s&rotateTimestamp=%" G_GINT64_FORMAT, query, rotate_timestamp_ms);
  /* An empty body, which a POST must still announce. */
  verify->request_body = g_bytes_new_static ("", 0);

  send_change (g_steal_pointer (&task));
}

/**
 * tessera_harness_client_rotate_finish:
 * @error: a #TESSERA_HARNESS_ERROR
 *
 * Returns: (transfer full) (nullable): the new key, which Harness shows
 *   only once; free it with tessera_secure_free()
 */
char *
tessera_harness_client_rotate_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_harness_client_rotate_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tessera_harness_client_create_async:
 * @token: the key that authenticates the request
 * @ref: the new token: its identifier (new, unique on the API key) and the
 *   API key, parent and type it belongs to
 * @name: (nullable): its display name; %NULL for its identifier
 * @valid_to_ms: when it expires, epoch ms
 *
 * POST {base}/ng/api/token?accountIdentifier with a Token body. Never
 * retried. Fails with TESSERA_HARNESS_ERROR_TOKEN_LIMIT when the API key
 * has as many tokens as Harness allows.
 */
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
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  char *json;
  Verify *verify;

  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_harness_client_create_async);

  if (!token_ref_is_complete (ref))
    {
      g_task_return_error (task, incomplete_ref_error ());
      return;
    }

  verify = _tessera_harness_start_call (task, base_url, account_id, token, cancellable);
  if (verify == NULL)
    return;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "identifier");
  json_builder_add_string_value (builder, ref->identifier);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name != NULL ? name : ref->identifier);
  json_builder_set_member_name (builder, "accountIdentifier");
  json_builder_add_string_value (builder, verify->account_id);
  json_builder_set_member_name (builder, "apiKeyIdentifier");
  json_builder_add_string_value (builder, ref->api_key_identifier);
  json_builder_set_member_name (builder, "parentIdentifier");
  json_builder_add_string_value (builder, ref->parent_identifier);
  json_builder_set_member_name (builder, "apiKeyType");
  json_builder_add_string_value (builder, ref->api_key_type);
  for (guint i = 0; i < 2; i++)
    {
      const char *scope = i == 0 ? ref->org_identifier : ref->project_identifier;

      if (scope == NULL || scope[0] == '\0')
        continue;
      json_builder_set_member_name (builder, i == 0 ? "orgIdentifier" : "projectIdentifier");
      json_builder_add_string_value (builder, scope);
    }
  json_builder_set_member_name (builder, "validTo");
  json_builder_add_int_value (builder, valid_to_ms);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);

  verify->method = g_strdup (SOUP_METHOD_POST);
  verify->path = g_strdup ("/ng/api/token");
  verify->request_body = g_bytes_new_take (json, strlen (json));

  send_change (g_steal_pointer (&task));
}

/**
 * tessera_harness_client_create_finish:
 *
 * Returns: (transfer full) (nullable): the new key; free it with
 *   tessera_secure_free()
 */
char *
tessera_harness_client_create_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_harness_client_create_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * tessera_harness_client_delete_async:
 * @token: the key that authenticates the request; it may be the one being
 *   deleted
 * @ref: the token to delete
 *
 * DELETE {base}/ng/api/token/{identifier}?accountIdentifier&apiKeyType
 * &parentIdentifier&apiKeyIdentifier: how Harness revokes a token. Never
 * retried: a second DELETE of a deleted token is an error.
 */
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
  g_autoptr(GTask) task = NULL;
  g_autofree char *identifier = NULL;
  Verify *verify;

  g_return_if_fail (TESSERA_IS_HARNESS_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tessera_harness_client_delete_async);

  if (!token_ref_is_complete (ref))
    {
      g_task_return_error (task, incomplete_ref_error ());
      return;
    }

  verify = _tessera_harness_start_call (task, base_url, account_id, token, cancellable);
  if (verify == NULL)
    return;

  identifier = g_uri_escape_string (ref->identifier, NULL, FALSE);
  verify->method = g_strdup (SOUP_METHOD_DELETE);
  verify->path = g_strconcat ("/ng/api/token/", identifier, NULL);
  verify->query = token_ref_query (ref);
  verify->deleting = TRUE;

  send_change (g_steal_pointer (&task));
}

gboolean
tessera_harness_client_delete_finish (TesseraHarnessClient  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (TESSERA_IS_HARNESS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tessera_harness_client_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
