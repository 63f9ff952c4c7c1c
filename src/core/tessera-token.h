/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-token.h: reading a pasted Harness API key
 *
 * A TesseraToken holds the full key in memory that is wiped when the last
 * reference goes away. Nothing but tessera_token_get_value() ever exposes
 * the token id or the secret; use tessera_token_dup_masked() for display.
 */
#pragma once

#include <glib-object.h>

#include "tessera-types.h"

G_BEGIN_DECLS

#define TESSERA_TOKEN_ERROR (tessera_token_error_quark ())

/* The longest input we accept: real keys are about 72 characters. */
#define TESSERA_TOKEN_MAX_LENGTH 4096

typedef enum
{
  TESSERA_TOKEN_ERROR_EMPTY,
  TESSERA_TOKEN_ERROR_TOO_LONG,
  TESSERA_TOKEN_ERROR_HEADER_LINE,
  TESSERA_TOKEN_ERROR_QUOTED,
  TESSERA_TOKEN_ERROR_INNER_SPACE,
  TESSERA_TOKEN_ERROR_CONTROL_CHARACTER,
  TESSERA_TOKEN_ERROR_NOT_ASCII,
  TESSERA_TOKEN_ERROR_BEARER,
  TESSERA_TOKEN_ERROR_JWT,
  TESSERA_TOKEN_ERROR_PREFIX_CASE,
  TESSERA_TOKEN_ERROR_UNKNOWN_FORMAT,
  TESSERA_TOKEN_ERROR_SEGMENT_COUNT,
  TESSERA_TOKEN_ERROR_EMPTY_SEGMENT,
  TESSERA_TOKEN_ERROR_INVALID_CHARACTER,
} TesseraTokenError;

typedef struct _TesseraToken TesseraToken;

GQuark                 tessera_token_error_quark     (void);
GType                  tessera_token_get_type        (void) G_GNUC_CONST;
#define TESSERA_TYPE_TOKEN (tessera_token_get_type ())

TesseraToken          *tessera_token_parse           (const char         *input,
                                                      GError            **error);
TesseraToken          *tessera_token_ref             (TesseraToken       *self);
void                   tessera_token_unref           (TesseraToken       *self);
TesseraCredentialKind  tessera_token_get_kind        (const TesseraToken *self);
const char            *tessera_token_get_account_id  (const TesseraToken *self);
gboolean               tessera_token_is_legacy       (const TesseraToken *self);
gboolean               tessera_token_has_usual_shape (const TesseraToken *self);
const char            *tessera_token_get_value       (const TesseraToken *self);
char                  *tessera_token_dup_masked      (const TesseraToken *self);
gboolean               tessera_token_equal           (const TesseraToken *a,
                                                      const TesseraToken *b);

char                  *tessera_token_mask_value      (const char         *value);
const char            *tessera_credential_kind_to_string (TesseraCredentialKind kind);

void                   tessera_secure_free           (char               *secret);
void                   tessera_secure_wipe           (gpointer            data,
                                                      gsize               length);
void                   tessera_secure_clear          (char              **secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TesseraToken, tessera_token_unref)

/* g_auto(TesseraSecret) s = …: a heap string that is wiped when it goes out
 * of scope. */
typedef char *TesseraSecret;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TesseraSecret, tessera_secure_clear)

G_END_DECLS
