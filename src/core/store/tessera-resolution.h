/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-resolution.h: which credential applies here, and why
 *
 * In order: the name given on the command line (`--credential NAME`), the
 * TESSERA_CREDENTIAL environment variable, the nearest `.tessera` file in
 * the current folder or above it (up to the home folder, or to "/" outside
 * it), and last the selected credential.
 *
 * A `.tessera` file is a key file:
 *
 *   [Tessera]
 *   credential=Deploy bot
 *   org=default        (optional)
 *   project=myproj     (optional)
 *
 * Its org and project are part of the result only when the file decided
 * (a higher rule never reads it). A file that cannot be read, is not a
 * key file, lacks the group or the credential key, or names a credential
 * that is not saved is an error whose message names the file.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_FOLDER_FILE_NAME ".tessera"
#define TESSERA_CREDENTIAL_VARIABLE "TESSERA_CREDENTIAL"

typedef enum
{
  TESSERA_RESOLVE_RULE_OPTION,        /* --credential NAME */
  TESSERA_RESOLVE_RULE_ENVIRONMENT,   /* TESSERA_CREDENTIAL */
  TESSERA_RESOLVE_RULE_FOLDER,        /* a .tessera file */
  TESSERA_RESOLVE_RULE_SELECTED,      /* the selected credential */
} TesseraResolveRule;

#define TESSERA_RESOLVE_ERROR (tessera_resolve_error_quark ())

typedef enum
{
  TESSERA_RESOLVE_ERROR_UNKNOWN_NAME,   /* the rule's name matches no credential */
  TESSERA_RESOLVE_ERROR_MALFORMED_FILE, /* a .tessera file that cannot be used */
  TESSERA_RESOLVE_ERROR_NONE_SELECTED,  /* no rule applies */
} TesseraResolveError;

GQuark tessera_resolve_error_quark (void);

#define TESSERA_TYPE_RESOLUTION (tessera_resolution_get_type ())

G_DECLARE_FINAL_TYPE (TesseraResolution, tessera_resolution, TESSERA, RESOLUTION, GObject)

TesseraCredential  *tessera_resolution_get_credential (TesseraResolution *self);
TesseraResolveRule  tessera_resolution_get_rule       (TesseraResolution *self);
/* The .tessera file that decided, or NULL. */
const char         *tessera_resolution_get_file       (TesseraResolution *self);
/* From that file, or NULL. */
const char         *tessera_resolution_get_org        (TesseraResolution *self);
const char         *tessera_resolution_get_project    (TesseraResolution *self);
/* "option", "environment", "folder", "selected" */
const char         *tessera_resolve_rule_to_string    (TesseraResolveRule rule);

/**
 * tessera_folder_file_find:
 * @folder: where to start (absolute)
 * @home: (nullable): where to stop; outside it, the search goes up to "/"
 *
 * Returns: (transfer full) (nullable): the path of the nearest `.tessera`
 *   regular file in @folder or above, or %NULL
 */
char               *tessera_folder_file_find          (const char        *folder,
                                                       const char        *home);

/**
 * tessera_store_resolve:
 * @option_name: (nullable): the name given on the command line
 * @environment_name: (nullable): the value of TESSERA_CREDENTIAL; "" is
 *   the same as unset
 * @folder: (nullable): where to look for a .tessera file (absolute); %NULL
 *   skips that rule
 * @home: (nullable): where that search stops
 *
 * The org and project are the .tessera file's; without them, the
 * credential's saved "org" and "project" (tessera_store_set_org_project()),
 * else the organization and project its key was made in.
 *
 * Returns: (transfer full) (nullable): the credential that applies, or
 *   %NULL with a TESSERA_RESOLVE_ERROR
 */
TesseraResolution  *tessera_store_resolve             (TesseraStore      *store,
                                                       const char        *option_name,
                                                       const char        *environment_name,
                                                       const char        *folder,
                                                       const char        *home,
                                                       GError           **error);

G_END_DECLS
