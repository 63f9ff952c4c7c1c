/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-response.h: turning Harness's answers into results
 *
 * The pure half of the Harness client: no I/O, no main loop, no globals.
 * Given what came back over HTTP it returns a result or a
 * TESSERA_HARNESS_ERROR, so it can be tested table-driven and fuzzed.
 */
#pragma once

#include <glib.h>

#include "tessera-verification.h"

G_BEGIN_DECLS

/* Larger answers are not Harness's: real ones are a few hundred bytes. */
#define TESSERA_HARNESS_MAX_BODY_SIZE (1024 * 1024)

TesseraVerification *tessera_harness_response_parse_validate (guint         status,
                                                              const char   *content_type,
                                                              const char   *body,
                                                              gsize         body_length,
                                                              GError      **error);
char                *tessera_harness_response_parse_account  (guint         status,
                                                              const char   *content_type,
                                                              const char   *body,
                                                              gsize         body_length,
                                                              GError      **error);
/* POST /ng/api/token/rotate/{identifier} and POST /ng/api/token: the new
 * key (free with tessera_secure_free()). */
char                *tessera_harness_response_parse_new_token (guint         status,
                                                               const char   *content_type,
                                                               const char   *body,
                                                               gsize         body_length,
                                                               GError      **error);
/* DELETE /ng/api/token/{identifier} */
gboolean             tessera_harness_response_parse_deleted   (guint         status,
                                                               const char   *content_type,
                                                               const char   *body,
                                                               gsize         body_length,
                                                               GError      **error);

G_END_DECLS
