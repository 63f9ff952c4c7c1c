/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-status-detail.h: the sentence that explains a credential's
 * status, kept as a code and its arguments
 *
 * A credential's status detail is saved as a code (such as "token-rejected"
 * or "server-error") with its arguments (the HTTP status), never as a
 * sentence: each reader composes the sentence in its own language when it
 * shows it, so a check made from an English terminal reads German in a
 * German window. The errors the checks report are made from the same
 * catalogue, so the sentence of an error and of the status it leaves are
 * the same.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The code of a sentence that is kept as it is, untranslated: what no code
 * describes (an error from outside Tessera, an old sentence that is not
 * recognised). Its one argument is the sentence. */
#define TESSERA_STATUS_DETAIL_TEXT "text"

/* @args: (nullable) (array zero-terminated=1): the code's arguments.
 * Returns: (transfer full): the sentence in the current language; "" for
 *   an empty or unknown code */
char     *tessera_status_detail_compose       (const char          *code,
                                               const char * const  *args);

/* The code and arguments of what @error says: the detail a
 * TESSERA_HARNESS_ERROR was made with, a TESSERA_TOKEN_ERROR's code, or
 * else TESSERA_STATUS_DETAIL_TEXT with the message. */
void      tessera_status_detail_from_error    (const GError        *error,
                                               char               **code,
                                               GStrv               *args);

/* The code and arguments of a sentence saved by an older Tessera, which
 * stored the sentence itself: found by composing each code in English and
 * in the current language; TESSERA_STATUS_DETAIL_TEXT with the sentence
 * when none matches (a sentence saved in another language). */
void      tessera_status_detail_from_sentence (const char          *sentence,
                                               char               **code,
                                               GStrv               *args);

/* The code of a TESSERA_TOKEN_ERROR, and its message. */
const char *tessera_status_detail_for_token_error (int                  token_error);
char       *tessera_status_detail_token_message   (int                  token_error);

G_END_DECLS
