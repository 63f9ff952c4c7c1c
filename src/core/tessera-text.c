/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-text.c: what a name or a description may hold */
#define G_LOG_DOMAIN "tessera-core"

#include "config.h"

#include <string.h>

#include "tessera-text.h"
#include "tessera-token.h"

/**
 * tessera_text_is_hidden_char:
 *
 * Controls (C0, and C1: U+009B is a terminal's CSI), format characters
 * (bidi embeddings, overrides and isolates, zero-width spaces and joiners,
 * the soft hyphen), line and paragraph separators. A tab counts: a name
 * is one line of text.
 */
gboolean
tessera_text_is_hidden_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return type == G_UNICODE_CONTROL ||
         type == G_UNICODE_FORMAT ||
         type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR;
}

/* Whether valid UTF-8 @text holds a hidden character. */
gboolean
tessera_text_has_hidden_char (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (tessera_text_is_hidden_char (g_utf8_get_char (p)))
      return TRUE;

  return FALSE;
}

static gboolean
is_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.';
}

/**
 * tessera_text_holds_key:
 *
 * Whether @text contains something that reads as a Harness API key: a run
 * of key characters from “pat.” or “sat.” (in any case) that the key
 * parser accepts or would accept with the usual prefix. A name such as
 * “sat.prod” is not one: a key has at least three parts.
 */
gboolean
tessera_text_holds_key (const char *text)
{
  if (text == NULL)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      g_auto(TesseraSecret) run = NULL;
      g_autoptr(TesseraToken) token = NULL;
      const char *end;

      if (p > text && is_key_char (p[-1]))
        continue;
      if (g_ascii_strncasecmp (p, "pat.", 4) != 0 && g_ascii_strncasecmp (p, "sat.", 4) != 0)
        continue;

      for (end = p; is_key_char (*end); end++)
        ;
      while (end > p && end[-1] == '.')
        end--;

      run = g_strndup (p, end - p);
      /* “PAT.…” is refused by the parser for its case, but is a key all
       * the same. */
      run[0] = g_ascii_tolower (run[0]);
      run[1] = g_ascii_tolower (run[1]);
      run[2] = g_ascii_tolower (run[2]);
      token = tessera_token_parse (run, NULL);
      if (token != NULL)
        return TRUE;
    }

  return FALSE;
}

/**
 * tessera_text_fold:
 *
 * What two names are compared by: trimmed, compatibility-composed (a
 * composed and a decomposed “Café” are one name), without hidden
 * characters (a zero-width space does not make another name), case-folded.
 *
 * Returns: (transfer full): the folded text
 */
char *
tessera_text_fold (const char *text)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GString) visible = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup ("");

  normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL_COMPOSE);
  if (normalized == NULL)
    return g_strdup ("");

  visible = g_string_new (NULL);
  for (const char *p = normalized; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!tessera_text_is_hidden_char (c))
        g_string_append_unichar (visible, c);
    }

  g_strstrip (visible->str);
  return g_utf8_casefold (visible->str, -1);
}
