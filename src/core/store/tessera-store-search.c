/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-search.c: finding credentials by what a person types
 * (see tessera-store-search.h)
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-store-search.h"
#include "tessera-token.h"

/* The terms casefolded, the empty ones left out. */
static GPtrArray *
fold_terms (const char * const *terms)
{
  GPtrArray *folded = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; terms != NULL && terms[i] != NULL; i++)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (terms[i]));

      if (*stripped != '\0')
        g_ptr_array_add (folded, g_utf8_casefold (stripped, -1));
    }

  return folded;
}

static gboolean
matches_folded (TesseraCredential *credential,
                GPtrArray         *folded_terms)
{
  const char *fields[] = {
    tessera_credential_get_name (credential),
    tessera_credential_get_description (credential),
    tessera_credential_get_account_name (credential),
    tessera_credential_get_account_id (credential),
  };
  char *folded[G_N_ELEMENTS (fields)] = { NULL, };
  gboolean all = folded_terms->len > 0;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i] != NULL && *fields[i] != '\0')
      folded[i] = g_utf8_casefold (fields[i], -1);

  for (guint t = 0; t < folded_terms->len && all; t++)
    {
      const char *term = g_ptr_array_index (folded_terms, t);
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (folded) && !found; i++)
        found = folded[i] != NULL && strstr (folded[i], term) != NULL;
      all = found;
    }

  for (guint i = 0; i < G_N_ELEMENTS (folded); i++)
    g_free (folded[i]);

  return all;
}

gboolean
tessera_credential_matches_terms (TesseraCredential  *credential,
                                  const char * const *terms)
{
  g_autoptr(GPtrArray) folded_terms = NULL;

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (credential), FALSE);

  folded_terms = fold_terms (terms);
  return matches_folded (credential, folded_terms);
}

GStrv
tessera_store_search (TesseraStore       *self,
                      const char * const *terms,
                      const char * const *within)
{
  g_autoptr(GPtrArray) folded_terms = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  folded_terms = fold_terms (terms);
  if (folded_terms->len == 0)
    return g_strv_builder_end (ids);

  if (within != NULL)
    {
      for (guint i = 0; within[i] != NULL; i++)
        {
          TesseraCredential *credential = tessera_store_lookup (self, within[i]);

          if (credential != NULL && matches_folded (credential, folded_terms))
            g_strv_builder_add (ids, tessera_credential_get_id (credential));
        }
    }
  else
    {
      GListModel *model = G_LIST_MODEL (self);
      guint n = g_list_model_get_n_items (model);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);

          if (matches_folded (credential, folded_terms))
            g_strv_builder_add (ids, tessera_credential_get_id (credential));
        }
    }

  return g_strv_builder_end (ids);
}

char *
tessera_credential_dup_summary (TesseraCredential *credential)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (credential), NULL);

  /* TRANSLATORS: what a credential is, in GNOME Shell's search results:
   * its kind, then its status, e.g. "Personal access token · Verified" */
  return g_strdup_printf (_("%s · %s"),
                          tessera_credential_kind_to_string (tessera_credential_get_kind (credential)),
                          tessera_credential_status_to_string (tessera_credential_get_status (credential)));
}
