/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-validate.c: the field checks, with plain-sentence errors
 * for inline messages as the user types, and what an empty field means
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tessera-base-url.h"
#include "tessera-store-private.h"
#include "tessera-text.h"
#include "tessera-words.h"

#define NAME_MAX_CHARS 100
#define DESCRIPTION_MAX_CHARS 1000
#define ACCOUNT_MAX_CHARS 64

gboolean
tessera_store_validate_name (TesseraStore  *self,
                             const char    *exclude_id,
                             const char    *name,
                             GError       **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *folded = NULL;
  glong length;

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  if (name == NULL)
    name = "";

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED,
                           tessera_words_pick (_("The name contains characters that are not text. Type it again."),
                                               _("The credential NAME must be text, and not blank.")));
      return FALSE;
    }

  /* Before anything quotes it back. */
  if (tessera_text_holds_key (name))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_HOLDS_KEY,
                           _("The name looks like an API key: a name is shown in plain text, even while the keyring is locked. Choose another name."));
      return FALSE;
    }

  trimmed = _tessera_store_normalize_name (name);
  length = g_utf8_strlen (trimmed, -1);

  if (tessera_text_has_hidden_char (trimmed))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_INVALID,
                           _("The name contains control or invisible characters. Type it again."));
      return FALSE;
    }

  if (length == 0)
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_REQUIRED,
                           tessera_words_pick (_("Enter a name."),
                                               _("The credential NAME must be text, and not blank.")));
      return FALSE;
    }

  if (length > NAME_MAX_CHARS)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TOO_LONG,
                   _("The name is too long: use at most %d characters."), NAME_MAX_CHARS);
      return FALSE;
    }

  folded = tessera_text_fold (trimmed);
  if (_tessera_store_find_by_folded_name (self, folded, exclude_id) != NULL)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NAME_TAKEN,
                   _("There is already a credential named “%s”. Choose another name."), trimmed);
      return FALSE;
    }

  return TRUE;
}

gboolean
tessera_store_validate_description (const char  *description,
                                    GError     **error)
{
  if (description == NULL)
    return TRUE;

  if (!g_utf8_validate (description, -1, NULL))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_DESCRIPTION_INVALID,
                           _("The description contains characters that are not text. Type it again."));
      return FALSE;
    }

  if (tessera_text_holds_key (description))
    {
      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_HOLDS_KEY,
                           _("The description looks like it holds an API key: a description is saved in plain text. Leave the key out."));
      return FALSE;
    }

  if (g_utf8_strlen (description, -1) > DESCRIPTION_MAX_CHARS)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG,
                   _("The description is too long: use at most %d characters."), DESCRIPTION_MAX_CHARS);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_valid_account_id (const char *account_id)
{
  gsize length = strlen (account_id);

  if (length == 0 || length > ACCOUNT_MAX_CHARS)
    return FALSE;

  for (const char *p = account_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

gboolean
tessera_store_validate_account_id (const char    *account_id,
                                   TesseraToken  *token,
                                   GError       **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (account_id != NULL ? account_id : ""));
  const char *token_account = token != NULL ? tessera_token_get_account_id (token) : NULL;

  if (*trimmed == '\0')
    {
      if (token_account != NULL)
        return TRUE;

      g_set_error_literal (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_REQUIRED,
                           tessera_words_pick (_("Enter the account ID: this key does not include it."),
                                               _("Give the account ID with --account-id: this key does not include it.")));
      return FALSE;
    }

  if (!is_valid_account_id (trimmed))
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_INVALID,
                   _("An account ID is 1 to %d letters, digits, “-” or “_”."), ACCOUNT_MAX_CHARS);
      return FALSE;
    }

  if (token_account != NULL && strcmp (trimmed, token_account) != 0)
    {
      g_set_error (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_ACCOUNT_MISMATCH,
                   _("This key belongs to account “%s”, not to “%s”."), token_account, trimmed);
      return FALSE;
    }

  return TRUE;
}

/* The name to save: trimmed, in composed form (NFC), so that the same
 * name typed on two keyboards is the same bytes. */
char *
_tessera_store_normalize_name (const char *name)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (name != NULL ? name : ""));
  char *composed;

  if (!g_utf8_validate (trimmed, -1, NULL))
    return g_steal_pointer (&trimmed);

  composed = g_utf8_normalize (trimmed, -1, G_NORMALIZE_DEFAULT_COMPOSE);
  return composed != NULL ? composed : g_steal_pointer (&trimmed);
}

/* The account to save: the one typed, else the token's. */
char *
_tessera_store_resolve_account (const char   *account_id,
                                TesseraToken *token)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (account_id != NULL ? account_id : ""));

  if (*trimmed == '\0' && token != NULL && tessera_token_get_account_id (token) != NULL)
    return g_strdup (tessera_token_get_account_id (token));

  return g_steal_pointer (&trimmed);
}

char *
tessera_store_dup_default_base_url (TesseraStore *self)
{
  g_autofree char *setting = NULL;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  setting = g_strstrip (g_settings_get_string (tessera_store_get_settings (self), "default-base-url"));
  if (*setting == '\0')
    return g_strdup (TESSERA_DEFAULT_BASE_URL);

  return g_steal_pointer (&setting);
}

/* The one place a save turns the base URL as typed into the stored one.
 * An empty one is an error here, as typed; add and update take it for the
 * default (_tessera_store_resolve_base_url()). */
char *
tessera_store_resolve_base_url (TesseraStore  *self,
                                const char    *base_url,
                                char         **notice,
                                GError       **error)
{
  g_autofree char *fallback = NULL;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (notice != NULL)
    *notice = NULL;

  if (base_url == NULL)
    base_url = fallback = tessera_store_dup_default_base_url (self);

  return tessera_base_url_normalize_full (base_url, notice, error);
}

char *
_tessera_store_resolve_base_url (TesseraStore  *self,
                                 const char    *base_url,
                                 GError       **error)
{
  return tessera_store_resolve_base_url (self, base_url != NULL && *base_url != '\0' ? base_url : NULL, NULL, error);
}
