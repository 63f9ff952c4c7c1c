/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-source.h: one API key found in the files of Harness's own
 * command-line tools, to import
 *
 * Three tools keep keys in plaintext (docs: harness-api.md §8):
 *   hc                 ~/.harness/auth.json        one key, named “hc”
 *   harness (unified)  $HARNESS_CLI_HOME or ~/.harness: config.yaml (the
 *                      profiles) + credentials (their keys), one per profile
 *   harness-cli v0.0.x ~/.secrets.json             one key, named “harness-legacy”
 *
 * tessera_import_source_find() reads them all or nothing: a file that is
 * unreadable or malformed, a profile without a key or with a key for
 * another account is one sentence (TESSERA_IMPORT_ERROR) naming the file
 * and, where there is one, the line. tessera_import_source_scrub() removes
 * the key lines of a file and keeps every other byte.
 *
 * What an import did with a source (tessera_store_import_async()) is kept
 * on it: its outcome, the error and whether its key left the file.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-token.h"

G_BEGIN_DECLS

#define TESSERA_IMPORT_ERROR (tessera_import_error_quark ())

typedef enum
{
  TESSERA_IMPORT_ERROR_UNREADABLE,       /* the file exists but can't be read */
  TESSERA_IMPORT_ERROR_MALFORMED,        /* not the JSON, YAML or INI expected */
  TESSERA_IMPORT_ERROR_NO_KEY,           /* a profile without an API key */
  TESSERA_IMPORT_ERROR_BAD_KEY,          /* not a Harness API key */
  TESSERA_IMPORT_ERROR_ACCOUNT_MISMATCH, /* the key is for another account than the profile's */
  TESSERA_IMPORT_ERROR_SCRUB_FAILED,     /* the file could not be rewritten */
} TesseraImportError;

GQuark tessera_import_error_quark (void);

typedef enum
{
  TESSERA_IMPORT_FORMAT_HC,       /* ~/.harness/auth.json */
  TESSERA_IMPORT_FORMAT_UNIFIED,  /* ~/.harness/config.yaml + credentials */
  TESSERA_IMPORT_FORMAT_LEGACY,   /* ~/.secrets.json */
} TesseraImportFormat;

typedef enum
{
  TESSERA_IMPORT_OUTCOME_PENDING,
  TESSERA_IMPORT_OUTCOME_IMPORTED,
  TESSERA_IMPORT_OUTCOME_ALREADY_STORED,  /* the same key is saved already */
  TESSERA_IMPORT_OUTCOME_NAME_TAKEN,      /* another credential has its name */
  TESSERA_IMPORT_OUTCOME_NO_API_KEY,      /* SSO, or scrubbed already: nothing to import */
  TESSERA_IMPORT_OUTCOME_FAILED,          /* Harness, the keyring or the settings said no */
} TesseraImportOutcome;

#define TESSERA_TYPE_IMPORT_SOURCE (tessera_import_source_get_type ())

G_DECLARE_FINAL_TYPE (TesseraImportSource, tessera_import_source, TESSERA, IMPORT_SOURCE, GObject)

/**
 * tessera_import_source_find:
 * @home: the home folder (~/.harness/auth.json, ~/.secrets.json)
 * @cli_home: (nullable): $HARNESS_CLI_HOME; %NULL or empty is @home/.harness
 *
 * Returns: (transfer full) (element-type TesseraImportSource): every key
 *   found (possibly none), or %NULL with a TESSERA_IMPORT_ERROR
 */
GPtrArray           *tessera_import_source_find          (const char           *home,
                                                          const char           *cli_home,
                                                          GError              **error);
/* The same in a thread, for the window. */
void                 tessera_import_source_find_async    (const char           *home,
                                                          const char           *cli_home,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
GPtrArray           *tessera_import_source_find_finish   (GAsyncResult         *result,
                                                          GError              **error);

/* Where the files are for this user: $HOME and $HARNESS_CLI_HOME. */
char                *tessera_import_source_dup_default_cli_home (void);

/**
 * tessera_import_source_scrub:
 * @sources: (element-type TesseraImportSource): sources of one file
 *
 * Reads the file of @sources again and removes the lines that hold their
 * keys (only where the key is still the same), keeping every other byte;
 * writes it through a temporary file in the same folder with the same
 * mode, renamed over it. No copy of the old file is kept.
 */
gboolean             tessera_import_source_scrub         (GPtrArray            *sources,
                                                          GError              **error);

TesseraImportFormat  tessera_import_source_get_format    (TesseraImportSource  *self);
/* The credential name it would get: the profile, “hc” or “harness-legacy”. */
const char          *tessera_import_source_get_name      (TesseraImportSource  *self);
/* The file that holds the key, and its line (1-based). */
const char          *tessera_import_source_get_path      (TesseraImportSource  *self);
guint                tessera_import_source_get_line      (TesseraImportSource  *self);
/* The path with ~ for the home folder, for people. */
char                *tessera_import_source_dup_display_path (TesseraImportSource *self);
const char          *tessera_import_source_get_account_id (TesseraImportSource *self);
const char          *tessera_import_source_get_base_url  (TesseraImportSource  *self);
const char          *tessera_import_source_get_org       (TesseraImportSource  *self);
const char          *tessera_import_source_get_project   (TesseraImportSource  *self);
/* (nullable): %NULL for an SSO profile */
TesseraToken        *tessera_import_source_get_token     (TesseraImportSource  *self);
/* The description an imported credential gets (org and project). */
char                *tessera_import_source_dup_description (TesseraImportSource *self);

/* What tessera_store_mark_stored_async() or an import found. */
const char          *tessera_import_source_get_stored_as (TesseraImportSource  *self);
TesseraImportOutcome tessera_import_source_get_outcome   (TesseraImportSource  *self);
const GError        *tessera_import_source_get_error     (TesseraImportSource  *self);
gboolean             tessera_import_source_get_scrubbed  (TesseraImportSource  *self);
const GError        *tessera_import_source_get_scrub_error (TesseraImportSource *self);
/* One sentence: what happened to it, and to its file. */
char                *tessera_import_source_dup_summary   (TesseraImportSource  *self);

/* For the store (tessera-store-import.c). */
void                 tessera_import_source_set_stored_as (TesseraImportSource  *self,
                                                          const char           *name,
                                                          gboolean              verified);
gboolean             tessera_import_source_get_stored_verified (TesseraImportSource *self);
void                 tessera_import_source_set_outcome   (TesseraImportSource  *self,
                                                          TesseraImportOutcome  outcome,
                                                          const GError         *error);
void                 tessera_import_source_set_scrubbed  (TesseraImportSource  *self,
                                                          gboolean              scrubbed,
                                                          const GError         *error);

G_END_DECLS
