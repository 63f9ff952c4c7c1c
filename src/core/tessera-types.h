/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-types.h: enumerations shared by the core, the schema and the UI
 *
 * The GTypes and the GSettings enum definitions are generated from this
 * file with gnome.mkenums, so the C values and the schema never drift.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TESSERA_CREDENTIAL_KIND_UNKNOWN,
  TESSERA_CREDENTIAL_KIND_PAT,
  TESSERA_CREDENTIAL_KIND_SAT,
} TesseraCredentialKind;

typedef enum
{
  TESSERA_CREDENTIAL_STATUS_UNVERIFIED,
  TESSERA_CREDENTIAL_STATUS_VERIFIED,
  TESSERA_CREDENTIAL_STATUS_REJECTED,
  TESSERA_CREDENTIAL_STATUS_EXPIRED,
  TESSERA_CREDENTIAL_STATUS_FORBIDDEN,
  TESSERA_CREDENTIAL_STATUS_UNREACHABLE,
  TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING,
} TesseraCredentialStatus;

G_END_DECLS
