/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-search.h: finding credentials by what a person types
 *
 * What GNOME Shell's search (the window's search provider) asks: the
 * credentials whose name, description, account name or account ID holds
 * every one of the terms, in any case, and a line that says what each one
 * is. Nothing here reads or returns a key.
 */
#pragma once

#include "tessera-store.h"

G_BEGIN_DECLS

/* Whether every one of @terms (casefolded, surrounding space ignored) is
 * in @credential's name, description, account name or account ID. Empty
 * terms are skipped; no term at all matches nothing. */
gboolean  tessera_credential_matches_terms (TesseraCredential   *credential,
                                            const char * const  *terms);

/**
 * tessera_store_search:
 * @terms: what was typed, split into words
 * @within: (nullable): ids of an earlier search to narrow, in their order;
 *   %NULL to search every credential in the store's order
 *
 * Returns: (transfer full): the ids of the matching credentials, never
 *   one that is not in the store (a removed one, an id that never was)
 */
GStrv     tessera_store_search             (TesseraStore        *self,
                                            const char * const  *terms,
                                            const char * const  *within);

/* What the credential is, in the reader's words: its kind and its status,
 * "Personal access token · Verified". */
char     *tessera_credential_dup_summary   (TesseraCredential   *credential);

G_END_DECLS
