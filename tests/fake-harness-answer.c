/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-harness-answer.c: the fake Harness answering as Harness does
 *
 * The authentication filter first (../shared/harness-api.md §2, §4), then
 * the resource: token/validate and accounts (§3), rotate, create and
 * delete as TokenResource does them (§6). Scripted replies, delays and
 * the request log are fake-harness.c's.
 */
#define G_LOG_DOMAIN "fake-harness"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "fake-harness-private.h"

void
fake_harness_token_free (Token *token)
{
  g_free (token->token);
  g_free (token->account_id);
  g_free (token->identifier);
  g_free (token->name);
  g_free (token->api_key_identifier);
  g_free (token->parent_identifier);
  g_free (token->owner_name);
  g_free (token->owner_email);
  g_free (token->org_identifier);
  g_free (token->project_identifier);
  g_free (token);
}

gint64
fake_harness_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static char *
json_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
set_json (SoupServerMessage *message,
          guint              status,
          char              *json)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_TAKE, json, strlen (json));
}

/* An ErrorDTO (harness-api.md §4). */
void
fake_harness_set_error (SoupServerMessage *message,
                        guint              status,
                        const char        *code,
                        const char        *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *correlation_id = g_uuid_string_random ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "ERROR");
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "correlationId");
  json_builder_add_string_value (builder, correlation_id);
  add_string_or_null (builder, "detailedMessage", NULL);
  json_builder_set_member_name (builder, "responseMessages");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "level");
  json_builder_add_string_value (builder, "ERROR");
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
  add_string_or_null (builder, "exception", NULL);
  json_builder_set_member_name (builder, "failureTypes");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  add_string_or_null (builder, "metadata", NULL);
  json_builder_end_object (builder);

  set_json (message, status, json_string (builder));
}

static void
begin_success (JsonBuilder *builder)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "SUCCESS");
  json_builder_set_member_name (builder, "data");
}

static void
end_success (JsonBuilder *builder)
{
  g_autofree char *correlation_id = g_uuid_string_random ();

  add_string_or_null (builder, "metaData", NULL);
  json_builder_set_member_name (builder, "correlationId");
  json_builder_add_string_value (builder, correlation_id);
  json_builder_end_object (builder);
}

static gint64
token_expiry (const Token *token)
{
  return token->scheduled_expire_time > 0 ? token->scheduled_expire_time : token->valid_to;
}

gboolean
fake_harness_token_is_valid (const Token *token)
{
  gint64 now = fake_harness_now_ms ();

  return token->valid_from < now && now < token_expiry (token);
}

/* NextGenAuthenticationFilter: returns the token, or NULL with the error
 * answer set. */
static const Token *
authenticate (FakeHarness       *self,
              SoupServerMessage *message,
              GHashTable        *query,
              const char        *path_account)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  const char *key = soup_message_headers_get_one (headers, "x-api-key");
  const char *account = soup_message_headers_get_one (headers, "Harness-Account");
  const Token *token;

  if (account == NULL && query != NULL)
    account = g_hash_table_lookup (query, "account");
  if (account == NULL && query != NULL)
    account = g_hash_table_lookup (query, "accountIdentifier");
  if (account == NULL)
    account = path_account;

  if (key == NULL)
    {
      fake_harness_set_error (message, 401, "INVALID_CREDENTIAL", "Invalid credentials");
      return NULL;
    }

  if (account == NULL || account[0] == '\0')
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Account detail is not present in the request");
      return NULL;
    }

  token = g_hash_table_lookup (self->tokens, key);
  if (token == NULL)
    {
      fake_harness_set_error (message, 401, "INVALID_TOKEN", "Token is not valid.");
      return NULL;
    }

  if (!g_str_equal (token->account_id, account))
    {
      fake_harness_set_error (message, 401, "INVALID_TOKEN", "Token is not valid.");
      return NULL;
    }

  if (!fake_harness_token_is_valid (token))
    {
      fake_harness_set_error (message, 401, "EXPIRED_TOKEN", "Token expired.");
      return NULL;
    }

  return token;
}

static void
add_time_or_null (JsonBuilder *builder,
                  const char  *name,
                  gint64       value)
{
  json_builder_set_member_name (builder, name);
  if (value > 0)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
answer_validate (FakeHarness       *self,
                 SoupServerMessage *message,
                 GHashTable        *query)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GBytes) body = NULL;
  const Token *token;
  gsize length;
  const char *data;

  if (!g_str_equal (soup_server_message_get_method (message), SOUP_METHOD_POST))
    {
      soup_server_message_set_status (message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  token = authenticate (self, message, query, NULL);
  if (token == NULL)
    return;

  /* TokenValidationHelper looks up the body; a different key than the
   * header's is "Token not found" with the default code, i.e. 400. */
  body = soup_message_body_flatten (soup_server_message_get_request_body (message));
  data = g_bytes_get_data (body, &length);
  if (length != strlen (token->token) || memcmp (data, token->token, length) != 0)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Token not found");
      return;
    }

  builder = json_builder_new ();
  begin_success (builder);
  json_builder_begin_object (builder);
  add_string_or_null (builder, "identifier", token->identifier);
  add_string_or_null (builder, "name", token->name);
  add_time_or_null (builder, "validFrom", token->valid_from);
  add_time_or_null (builder, "validTo", token->valid_to);
  add_time_or_null (builder, "scheduledExpireTime", token->scheduled_expire_time);
  json_builder_set_member_name (builder, "valid");
  json_builder_add_boolean_value (builder, fake_harness_token_is_valid (token));
  add_string_or_null (builder, "accountIdentifier", token->account_id);
  add_string_or_null (builder, "orgIdentifier", token->org_identifier);
  add_string_or_null (builder, "projectIdentifier", token->project_identifier);
  add_string_or_null (builder, "apiKeyIdentifier", token->api_key_identifier);
  add_string_or_null (builder, "parentIdentifier", token->parent_identifier);
  add_string_or_null (builder, "apiKeyType", token->kind == TESSERA_CREDENTIAL_KIND_SAT ? "SERVICE_ACCOUNT" : "USER");
  add_string_or_null (builder, "description", "");
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  add_string_or_null (builder, "email", token->owner_email);
  add_string_or_null (builder, "username", token->owner_name);
  add_string_or_null (builder, "encodedPassword", NULL);
  json_builder_end_object (builder);
  end_success (builder);

  set_json (message, SOUP_STATUS_OK, json_string (builder));
}

static void
answer_account (FakeHarness       *self,
                SoupServerMessage *message,
                GHashTable        *query,
                const char        *account_id)
{
  g_autoptr(JsonBuilder) builder = NULL;
  const Token *token;
  const char *name;

  if (!g_str_equal (soup_server_message_get_method (message), SOUP_METHOD_GET))
    {
      soup_server_message_set_status (message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  token = authenticate (self, message, query, account_id);
  if (token == NULL)
    return;

  /* @NGAccessControlCheck(ACCOUNT, VIEW_ACCOUNT_PERMISSION) */
  if (token->no_account_view || !g_str_equal (token->account_id, account_id))
    {
      fake_harness_set_error (message, 403, "NG_ACCESS_DENIED",
                              "Missing permission core_account_view on account");
      return;
    }

  name = g_hash_table_lookup (self->accounts, account_id);

  builder = json_builder_new ();
  begin_success (builder);
  json_builder_begin_object (builder);
  add_string_or_null (builder, "identifier", account_id);
  add_string_or_null (builder, "name", name);
  add_string_or_null (builder, "companyName", name);
  add_string_or_null (builder, "cluster", "fake");
  add_string_or_null (builder, "defaultExperience", "NG");
  add_string_or_null (builder, "authenticationMechanism", "USER_PASSWORD");
  json_builder_set_member_name (builder, "nextGenEnabled");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  end_success (builder);

  set_json (message, SOUP_STATUS_OK, json_string (builder));
}

/* Token changes (harness-api.md §6, TokenResource/TokenServiceImpl) */

static char *
random_chars (const char *alphabet,
              guint       length)
{
  GString *out = g_string_sized_new (length);
  gsize n = strlen (alphabet);

  for (guint i = 0; i < length; i++)
    g_string_append_c (out, alphabet[g_random_int_range (0, (gint32) n)]);

  return g_string_free (out, FALSE);
}

/* TokenServiceImpl.generateAccessToken: prefix.account.tokenId.secret */
static char *
new_key (const Token *like)
{
  g_autofree char *id = random_chars ("0123456789abcdef", 24);
  g_autofree char *secret = random_chars ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 20);

  return g_strdup_printf ("%s.%s.%s.%s", like->kind == TESSERA_CREDENTIAL_KIND_SAT ? "sat" : "pat",
                          like->account_id, id, secret);
}

static const char *
api_key_type_of (const Token *token)
{
  return token->kind == TESSERA_CREDENTIAL_KIND_SAT ? "SERVICE_ACCOUNT" : "USER";
}

/* Harness looks a token up by account, org and project: a scoped key's
 * token is not found without its scope, nor an account-level one with a
 * scope. NULL and "" are no scope. */
static gboolean
same_scope (const char *a,
            const char *b)
{
  return g_strcmp0 (a != NULL && a[0] != '\0' ? a : NULL, b != NULL && b[0] != '\0' ? b : NULL) == 0;
}

static Token *
find_token (FakeHarness *self,
            const char  *account_id,
            const char  *api_key_identifier,
            const char  *parent_identifier,
            const char  *identifier,
            const char  *org_identifier,
            const char  *project_identifier)
{
  GHashTableIter iter;
  Token *token;

  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (g_str_equal (token->account_id, account_id) &&
        g_str_equal (token->api_key_identifier, api_key_identifier) &&
        g_str_equal (token->parent_identifier, parent_identifier) &&
        g_str_equal (token->identifier, identifier) &&
        same_scope (token->org_identifier, org_identifier) &&
        same_scope (token->project_identifier, project_identifier))
      return token;

  return NULL;
}

/* An API key exists in a scope when one of its tokens is there. */
static gboolean
api_key_in_scope (FakeHarness *self,
                  const char  *account_id,
                  const char  *api_key_identifier,
                  const char  *parent_identifier,
                  const char  *org_identifier,
                  const char  *project_identifier)
{
  GHashTableIter iter;
  Token *token;

  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (g_str_equal (token->account_id, account_id) &&
        g_strcmp0 (token->api_key_identifier, api_key_identifier) == 0 &&
        g_strcmp0 (token->parent_identifier, parent_identifier) == 0 &&
        same_scope (token->org_identifier, org_identifier) &&
        same_scope (token->project_identifier, project_identifier))
      return TRUE;

  return FALSE;
}

static const char *
query_get (GHashTable *query,
           const char *name)
{
  return query != NULL ? g_hash_table_lookup (query, name) : NULL;
}

static guint
count_tokens (FakeHarness *self,
              const Token *like)
{
  GHashTableIter iter;
  Token *token;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (g_str_equal (token->account_id, like->account_id) &&
        g_str_equal (token->api_key_identifier, like->api_key_identifier) &&
        g_str_equal (token->parent_identifier, like->parent_identifier))
      n++;

  return n;
}

/* The query parameters every change needs, and ApiKeyServiceImpl's
 * validateParentIdentifier (a user changes only their own keys; the fake
 * lets a service account's token change that service account's keys). */
static gboolean
check_change (SoupServerMessage *message,
              GHashTable        *query,
              const Token       *caller,
              const char        *api_key_type,
              const char        *parent_identifier,
              const char        *api_key_identifier)
{
  if (api_key_type == NULL || parent_identifier == NULL || api_key_identifier == NULL)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "apiKeyType, parentIdentifier and apiKeyIdentifier are required");
      return FALSE;
    }

  if (!g_str_equal (api_key_type, api_key_type_of (caller)) ||
      !g_str_equal (parent_identifier, caller->parent_identifier))
    {
      fake_harness_set_error (message, 403, "NG_ACCESS_DENIED", "Missing permission to manage this API key");
      return FALSE;
    }

  return TRUE;
}

static void
answer_new_key (SoupServerMessage *message,
                const char        *key)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_success (builder);
  json_builder_add_string_value (builder, key);
  end_success (builder);
  set_json (message, SOUP_STATUS_OK, json_string (builder));
}

static Token *
token_copy (const Token *token)
{
  Token *copy = g_memdup2 (token, sizeof *token);

  copy->token = g_strdup (token->token);
  copy->account_id = g_strdup (token->account_id);
  copy->identifier = g_strdup (token->identifier);
  copy->name = g_strdup (token->name);
  copy->api_key_identifier = g_strdup (token->api_key_identifier);
  copy->parent_identifier = g_strdup (token->parent_identifier);
  copy->owner_name = g_strdup (token->owner_name);
  copy->owner_email = g_strdup (token->owner_email);
  copy->org_identifier = g_strdup (token->org_identifier);
  copy->project_identifier = g_strdup (token->project_identifier);

  return copy;
}

static void
answer_rotate (FakeHarness       *self,
               SoupServerMessage *message,
               GHashTable        *query,
               const char        *identifier)
{
  const char *api_key_type = query != NULL ? g_hash_table_lookup (query, "apiKeyType") : NULL;
  const char *parent = query != NULL ? g_hash_table_lookup (query, "parentIdentifier") : NULL;
  const char *api_key = query != NULL ? g_hash_table_lookup (query, "apiKeyIdentifier") : NULL;
  const char *timestamp = query != NULL ? g_hash_table_lookup (query, "rotateTimestamp") : NULL;
  g_autofree char *suffix = NULL;
  const Token *caller;
  Token *old;
  Token *fresh;

  if (!g_str_equal (soup_server_message_get_method (message), SOUP_METHOD_POST))
    {
      soup_server_message_set_status (message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  caller = authenticate (self, message, query, NULL);
  if (caller == NULL || !check_change (message, query, caller, api_key_type, parent, api_key))
    return;

  /* Instant.ofEpochMilli (rotateTimestamp) on a null Long */
  if (timestamp == NULL)
    {
      fake_harness_set_error (message, 500, "UNKNOWN_ERROR", "Oops, something went wrong on our end.");
      return;
    }

  old = find_token (self, caller->account_id, api_key, parent, identifier,
                    query_get (query, "orgIdentifier"), query_get (query, "projectIdentifier"));
  if (old == NULL)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "No token present with identifier");
      return;
    }

  if (self->token_limit > 0 && count_tokens (self, old) >= self->token_limit)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Maximum Token limit has been reached");
      return;
    }

  /* The new token keeps the identifier and validTo; the old one is
   * renamed and works until rotateTimestamp. */
  fresh = token_copy (old);
  g_free (fresh->token);
  fresh->token = new_key (old);
  g_ptr_array_add (self->minted, g_strdup (fresh->token));
  fresh->valid_from = fake_harness_now_ms () - 1;
  fresh->scheduled_expire_time = 0;

  g_free (old->identifier);
  suffix = random_chars ("abcdefghijklmnopqrstuvwxyz", 15);
  old->identifier = g_strconcat ("rotated_", suffix, NULL);
  old->scheduled_expire_time = g_ascii_strtoll (timestamp, NULL, 10);

  g_hash_table_replace (self->tokens, fresh->token, fresh);
  answer_new_key (message, fresh->token);
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static void
answer_create (FakeHarness       *self,
               SoupServerMessage *message,
               GHashTable        *query)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const Token *caller;
  JsonObject *dto;
  JsonNode *root;
  Token *fresh;
  const char *identifier;
  const char *account;

  if (!g_str_equal (soup_server_message_get_method (message), SOUP_METHOD_POST))
    {
      soup_server_message_set_status (message, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  caller = authenticate (self, message, query, NULL);
  if (caller == NULL)
    return;

  body = soup_message_body_flatten (soup_server_message_get_request_body (message));
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Unable to process JSON");
      return;
    }

  dto = json_node_get_object (root);
  identifier = member_string (dto, "identifier");
  account = member_string (dto, "accountIdentifier");
  if (identifier == NULL || member_string (dto, "name") == NULL || account == NULL)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "identifier, name and accountIdentifier are required");
      return;
    }
  if (!g_str_equal (account, caller->account_id))
    {
      fake_harness_set_error (message, 401, "INVALID_TOKEN", "Token is not valid.");
      return;
    }
  if (!check_change (message, query, caller, member_string (dto, "apiKeyType"),
                     member_string (dto, "parentIdentifier"), member_string (dto, "apiKeyIdentifier")))
    return;

  if (!api_key_in_scope (self, account, member_string (dto, "apiKeyIdentifier"), member_string (dto, "parentIdentifier"),
                         member_string (dto, "orgIdentifier"), member_string (dto, "projectIdentifier")))
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Api key not present in scope");
      return;
    }

  if (find_token (self, account, member_string (dto, "apiKeyIdentifier"), member_string (dto, "parentIdentifier"),
                  identifier, member_string (dto, "orgIdentifier"), member_string (dto, "projectIdentifier")) != NULL)
    {
      fake_harness_set_error (message, 400, "DUPLICATE_FIELD", "Try using different token identifier, a token with this identifier already exists");
      return;
    }

  fresh = token_copy (caller);
  g_free (fresh->identifier);
  g_free (fresh->name);
  g_free (fresh->api_key_identifier);
  fresh->identifier = g_strdup (identifier);
  fresh->name = g_strdup (member_string (dto, "name"));
  fresh->api_key_identifier = g_strdup (member_string (dto, "apiKeyIdentifier"));
  /* The new token is made in the scope the body names. */
  g_free (fresh->org_identifier);
  g_free (fresh->project_identifier);
  fresh->org_identifier = g_strdup (member_string (dto, "orgIdentifier"));
  fresh->project_identifier = g_strdup (member_string (dto, "projectIdentifier"));

  if (self->token_limit > 0 && count_tokens (self, fresh) >= self->token_limit)
    {
      fake_harness_token_free (fresh);
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "Maximum Token limit has been reached");
      return;
    }

  g_free (fresh->token);
  fresh->token = new_key (caller);
  g_ptr_array_add (self->minted, g_strdup (fresh->token));
  fresh->valid_from = fake_harness_now_ms () - 1;
  fresh->scheduled_expire_time = 0;
  /* TokenDTOMapper: validTo ?: validFrom + the API key's 30 days */
  root = json_object_get_member (dto, "validTo");
  if (root != NULL && JSON_NODE_HOLDS_VALUE (root) && json_node_get_value_type (root) == G_TYPE_INT64)
    fresh->valid_to = json_node_get_int (root);
  else
    fresh->valid_to = fresh->valid_from + 30 * DAY_MS;

  g_hash_table_replace (self->tokens, fresh->token, fresh);
  answer_new_key (message, fresh->token);
}

static void
answer_delete (FakeHarness       *self,
               SoupServerMessage *message,
               GHashTable        *query,
               const char        *identifier)
{
  const char *api_key_type = query != NULL ? g_hash_table_lookup (query, "apiKeyType") : NULL;
  const char *parent = query != NULL ? g_hash_table_lookup (query, "parentIdentifier") : NULL;
  const char *api_key = query != NULL ? g_hash_table_lookup (query, "apiKeyIdentifier") : NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  const Token *caller;
  Token *target;

  caller = authenticate (self, message, query, NULL);
  if (caller == NULL || !check_change (message, query, caller, api_key_type, parent, api_key))
    return;

  target = find_token (self, caller->account_id, api_key, parent, identifier,
                       query_get (query, "orgIdentifier"), query_get (query, "projectIdentifier"));
  if (target == NULL)
    {
      fake_harness_set_error (message, 400, "INVALID_REQUEST", "No token present with identifier");
      return;
    }

  /* revokeToken: deleteById; the key is unknown from now on. */
  g_hash_table_remove (self->tokens, target->token);

  builder = json_builder_new ();
  begin_success (builder);
  json_builder_add_boolean_value (builder, TRUE);
  end_success (builder);
  set_json (message, SOUP_STATUS_OK, json_string (builder));
}

static gboolean
is_token_path (const char  *path,
               const char  *prefix,
               char       **identifier)
{
  const char *rest;

  if (!g_str_has_prefix (path, prefix))
    return FALSE;

  rest = path + strlen (prefix);
  if (rest[0] == '\0' || strchr (rest, '/') != NULL)
    return FALSE;

  *identifier = g_uri_unescape_string (rest, NULL);

  return *identifier != NULL;
}

void
fake_harness_answer_as_harness (FakeHarness       *self,
                                SoupServerMessage *message)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (message));
  const char *method = soup_server_message_get_method (message);
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *identifier = NULL;
  const char *raw_query = g_uri_get_query (soup_server_message_get_uri (message));

  if (raw_query != NULL)
    query = soup_form_decode (raw_query);

  if (g_str_has_prefix (path, "/gateway/"))
    path += strlen ("/gateway");

  if (g_str_equal (path, "/ng/api/token/validate"))
    answer_validate (self, message, query);
  else if (is_token_path (path, "/ng/api/token/rotate/", &identifier))
    answer_rotate (self, message, query, identifier);
  else if (g_str_equal (path, "/ng/api/token"))
    answer_create (self, message, query);
  else if (g_str_equal (method, SOUP_METHOD_DELETE) && is_token_path (path, "/ng/api/token/", &identifier))
    answer_delete (self, message, query, identifier);
  else if (g_str_has_prefix (path, "/ng/api/accounts/") &&
           strchr (path + strlen ("/ng/api/accounts/"), '/') == NULL &&
           path[strlen ("/ng/api/accounts/")] != '\0')
    {
      g_autofree char *account_id = g_uri_unescape_string (path + strlen ("/ng/api/accounts/"), NULL);

      answer_account (self, message, query, account_id);
    }
  else
    fake_harness_set_error (message, 404, "RESOURCE_NOT_FOUND", "Resource not found");
}
