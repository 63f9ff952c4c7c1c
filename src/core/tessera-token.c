/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-token.c: reading a pasted Harness API key
 *
 * The rules follow the Harness server (TokenValidationHelper): four
 * dot-separated segments "pat|sat . account . tokenId . secret", or the
 * legacy three "pat|sat . tokenId . secret". Anything else is turned away
 * with a sentence that says what is wrong, without quoting the key.
 */
#define G_LOG_DOMAIN "tessera-token"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tessera-status-detail.h"
#include "tessera-token.h"
#include "tessera-words.h"

struct _TesseraToken
{
  gatomicrefcount        ref_count;
  TesseraCredentialKind  kind;
  char                  *value;       /* secret: wiped on free */
  char                  *account_id;  /* NULL for legacy keys */
  gboolean               usual_shape;
};

G_DEFINE_BOXED_TYPE (TesseraToken, tessera_token, tessera_token_ref, tessera_token_unref)
G_DEFINE_QUARK (tessera-token-error-quark, tessera_token_error)

static void
wipe (char   *s,
      gsize   len)
{
  tessera_secure_wipe (s, len);
}

/**
 * tessera_secure_wipe:
 * @data: (nullable): memory that held secret material
 * @length: its size in bytes
 *
 * Overwrites @data with zeros in a way the compiler cannot drop as dead
 * stores before the memory is freed (explicit_bzero()).
 */
void
tessera_secure_wipe (gpointer data,
                     gsize    length)
{
  if (data != NULL && length > 0)
    explicit_bzero (data, length);
}

/**
 * tessera_secure_free:
 * @secret: (transfer full) (nullable): a string holding secret material
 *
 * Overwrites @secret with zeros, then frees it.
 */
void
tessera_secure_free (char *secret)
{
  if (secret == NULL)
    return;

  wipe (secret, strlen (secret));
  g_free (secret);
}

/**
 * tessera_secure_clear:
 * @secret: (inout) (optional): a pointer to a secret string
 *
 * Wipes and frees *@secret and sets it to %NULL.
 */
void
tessera_secure_clear (char **secret)
{
  if (secret != NULL)
    tessera_secure_free (g_steal_pointer (secret));
}

static gboolean
is_segment_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static gboolean
is_quote_at (const char *s)
{
  static const char *quotes[] = { "\"", "'", "`", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb" };

  for (guint i = 0; i < G_N_ELEMENTS (quotes); i++)
    if (g_str_has_prefix (s, quotes[i]))
      return TRUE;

  return FALSE;
}

static gboolean
ends_with_quote (const char *s,
                 gsize       len)
{
  static const char *quotes[] = { "\"", "'", "`", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb" };

  for (guint i = 0; i < G_N_ELEMENTS (quotes); i++)
    {
      gsize qlen = strlen (quotes[i]);

      if (len >= qlen && memcmp (s + len - qlen, quotes[i], qlen) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The message is the code's sentence in tessera-status-detail.c, so that a
 * status recorded from the error can be shown in another language. */
static void
set_error (GError            **error,
           TesseraTokenError   code)
{
  g_autofree char *message = tessera_status_detail_token_message (code);

  g_set_error_literal (error, TESSERA_TOKEN_ERROR, code, message);
}

static gboolean
has_prefix_ci (const char *s,
               const char *prefix)
{
  return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

/* Checks the whole trimmed string for things that cannot be in a key. The
 * order matters: the most specific explanation wins. */
static gboolean
check_characters (const char  *s,
                  gsize        len,
                  GError     **error)
{
  if (has_prefix_ci (s, "x-api-key") || has_prefix_ci (s, "harness-account") ||
      has_prefix_ci (s, "authorization:") || has_prefix_ci (s, "-H "))
    {
      set_error (error, TESSERA_TOKEN_ERROR_HEADER_LINE);
      return FALSE;
    }

  if (has_prefix_ci (s, "bearer "))
    {
      set_error (error, TESSERA_TOKEN_ERROR_BEARER);
      return FALSE;
    }

  if (is_quote_at (s) || ends_with_quote (s, len))
    {
      set_error (error, TESSERA_TOKEN_ERROR_QUOTED);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        {
          set_error (error, TESSERA_TOKEN_ERROR_INNER_SPACE);
          return FALSE;
        }
    }

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c < 0x20 || c == 0x7f)
        {
          set_error (error, TESSERA_TOKEN_ERROR_CONTROL_CHARACTER);
          return FALSE;
        }
    }

  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) s[i] >= 0x80)
        {
          set_error (error, TESSERA_TOKEN_ERROR_NOT_ASCII);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
looks_like_jwt (char **parts,
                guint  n_parts)
{
  return n_parts == 3 && g_str_has_prefix (parts[0], "eyJ") && g_str_has_prefix (parts[1], "eyJ");
}

/**
 * tessera_token_parse:
 * @input: what the user pasted or typed
 * @error: return location for a #TESSERA_TOKEN_ERROR
 *
 * Trims surrounding whitespace from @input and checks that the rest is a
 * Harness NextGen API key. The error message is a sentence for the user and
 * never quotes the key.
 *
 * Returns: (transfer full) (nullable): the token, or %NULL with @error set
 */
TesseraToken *
tessera_token_parse (const char  *input,
                     GError     **error)
{
  g_autoptr(TesseraToken) self = NULL;
  g_auto(TesseraSecret) trimmed = NULL;
  g_auto(GStrv) parts = NULL;
  TesseraCredentialKind kind;
  const char *start;
  const char *end;
  gsize len;
  guint n_parts;

  if (input == NULL)
    input = "";

  /* Bounded: never scan megabytes that were pasted by mistake. */
  len = strnlen (input, TESSERA_TOKEN_MAX_LENGTH * 4 + 1);
  if (len > TESSERA_TOKEN_MAX_LENGTH * 4)
    {
      set_error (error, TESSERA_TOKEN_ERROR_TOO_LONG);
      return NULL;
    }

  start = input;
  end = input + len;
  while (start < end && g_ascii_isspace (*start))
    start++;
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  len = end - start;

  if (len == 0)
    {
      set_error (error, TESSERA_TOKEN_ERROR_EMPTY);
      return NULL;
    }

  if (len > TESSERA_TOKEN_MAX_LENGTH)
    {
      set_error (error, TESSERA_TOKEN_ERROR_TOO_LONG);
      return NULL;
    }

  trimmed = g_strndup (start, len);

  if (!check_characters (trimmed, len, error))
    return NULL;

  parts = g_strsplit (trimmed, ".", -1);
  n_parts = g_strv_length (parts);

  if (looks_like_jwt (parts, n_parts))
    {
      set_error (error, TESSERA_TOKEN_ERROR_JWT);
      goto fail;
    }

  if (g_strcmp0 (parts[0], "pat") == 0)
    kind = TESSERA_CREDENTIAL_KIND_PAT;
  else if (g_strcmp0 (parts[0], "sat") == 0)
    kind = TESSERA_CREDENTIAL_KIND_SAT;
  else if (n_parts > 1 &&
           (g_ascii_strcasecmp (parts[0], "pat") == 0 || g_ascii_strcasecmp (parts[0], "sat") == 0))
    {
      set_error (error, TESSERA_TOKEN_ERROR_PREFIX_CASE);
      goto fail;
    }
  else
    {
      set_error (error, TESSERA_TOKEN_ERROR_UNKNOWN_FORMAT);
      goto fail;
    }

  if (n_parts != 3 && n_parts != 4)
    {
      set_error (error, TESSERA_TOKEN_ERROR_SEGMENT_COUNT);
      goto fail;
    }

  for (guint i = 1; i < n_parts; i++)
    {
      if (parts[i][0] == '\0')
        {
          set_error (error, TESSERA_TOKEN_ERROR_EMPTY_SEGMENT);
          goto fail;
        }

      for (const char *c = parts[i]; *c; c++)
        {
          if (!is_segment_char (*c))
            {
              set_error (error, TESSERA_TOKEN_ERROR_INVALID_CHARACTER);
              goto fail;
            }
        }
    }

  self = g_new0 (TesseraToken, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;

  if (n_parts == 4)
    {
      self->account_id = g_strdup (parts[1]);
      self->usual_shape = strlen (parts[1]) == 22 && strlen (parts[2]) == 24 && strlen (parts[3]) == 20;
    }
  else
    {
      self->usual_shape = FALSE;
    }

  self->value = g_steal_pointer (&trimmed);

fail:
  /* The split copies hold the token id and the secret: wipe them too. */
  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    wipe (parts[i], strlen (parts[i]));

  return g_steal_pointer (&self);
}

TesseraToken *
tessera_token_ref (TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tessera_token_unref (TesseraToken *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      tessera_secure_clear (&self->value);
      g_free (self->account_id);
      g_free (self);
    }
}

TesseraCredentialKind
tessera_token_get_kind (const TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, TESSERA_CREDENTIAL_KIND_UNKNOWN);

  return self->kind;
}

/**
 * tessera_token_get_account_id:
 *
 * Returns: (nullable): the account identifier carried by the key, or %NULL
 *   for a legacy three-part key, which carries none
 */
const char *
tessera_token_get_account_id (const TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->account_id;
}

gboolean
tessera_token_is_legacy (const TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->account_id == NULL;
}

/**
 * tessera_token_has_usual_shape:
 *
 * Whether the parts have the lengths Harness generates (22, 24 and 20
 * characters). A key with other lengths may still be valid, so this is
 * only a hint for a soft warning.
 */
gboolean
tessera_token_has_usual_shape (const TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->usual_shape;
}

/**
 * tessera_token_get_value:
 *
 * The key itself, for the x-api-key header and the keyring. Never log it.
 *
 * Returns: (transfer none): the trimmed key
 */
const char *
tessera_token_get_value (const TesseraToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->value;
}

/**
 * tessera_token_dup_masked:
 *
 * Returns: (transfer full): "pat.<account>.••••", safe to show and log
 */
char *
tessera_token_dup_masked (const TesseraToken *self)
{
  const char *prefix;

  g_return_val_if_fail (self != NULL, NULL);

  prefix = self->kind == TESSERA_CREDENTIAL_KIND_SAT ? "sat" : "pat";

  if (self->account_id != NULL)
    return g_strdup_printf ("%s.%s.••••", prefix, self->account_id);

  return g_strdup_printf ("%s.••••", prefix);
}

/**
 * tessera_token_mask_value:
 * @value: (nullable): a raw key, which may be malformed
 *
 * Masks a key without requiring it to parse: only a "pat"/"sat" prefix and
 * a well-formed account part survive.
 *
 * Returns: (transfer full): a masked form, safe to show and log
 */
char *
tessera_token_mask_value (const char *value)
{
  g_autoptr(TesseraToken) token = NULL;

  if (value != NULL)
    token = tessera_token_parse (value, NULL);

  if (token == NULL)
    return g_strdup ("••••");

  return tessera_token_dup_masked (token);
}

gboolean
tessera_token_equal (const TesseraToken *a,
                     const TesseraToken *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;

  return strcmp (a->value, b->value) == 0;
}

/**
 * tessera_credential_kind_to_string:
 *
 * Returns: a translated, human-readable name for @kind
 */
const char *
tessera_credential_kind_to_string (TesseraCredentialKind kind)
{
  switch (kind)
    {
    case TESSERA_CREDENTIAL_KIND_PAT:
      return _("Personal access token");
    case TESSERA_CREDENTIAL_KIND_SAT:
      return _("Service account token");
    case TESSERA_CREDENTIAL_KIND_UNKNOWN:
    default:
      return _("API key");
    }
}
