/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store.h: the saved credentials, as a GListModel of TesseraCredential
 *
 * Tokens go to a TesseraSecretBackend, metadata to GSettings. Every change
 * is ordered so that nothing is ever half-written: a failed step undoes the
 * steps before it. Creating a store reads GSettings only; no keyring call
 * happens until a token is needed (verify, copy, `tessera token`).
 *
 * Signals: "verify-progress" (guint done, guint total) while verify-all
 * runs. Properties: "selected-id" (string), "verifying" (boolean).
 *
 * The store follows GSettings change notifications: credentials that
 * another process (the command line) adds, edits, selects or deletes
 * appear, change or disappear here too.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-credential.h"
#include "tessera-harness-client.h"
#include "tessera-import-source.h"
#include "tessera-secret-backend.h"
#include "tessera-token.h"
#include "tessera-verification.h"

G_BEGIN_DECLS

#define TESSERA_STORE_ERROR (tessera_store_error_quark ())

typedef enum
{
  TESSERA_STORE_ERROR_NAME_REQUIRED,
  TESSERA_STORE_ERROR_NAME_TOO_LONG,
  TESSERA_STORE_ERROR_NAME_TAKEN,
  TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG,
  TESSERA_STORE_ERROR_ACCOUNT_REQUIRED,
  TESSERA_STORE_ERROR_ACCOUNT_INVALID,
  TESSERA_STORE_ERROR_ACCOUNT_MISMATCH,
  TESSERA_STORE_ERROR_NOT_FOUND,            /* no credential with that id or name */
  TESSERA_STORE_ERROR_TOKEN_MISSING,        /* the keyring has no token for it */
  TESSERA_STORE_ERROR_NO_SECRET_SERVICE,    /* no keyring running / reachable */
  TESSERA_STORE_ERROR_KEYRING_LOCKED,       /* locked, unlock prompt dismissed */
  TESSERA_STORE_ERROR_SECRET_FAILED,        /* the keyring failed mid-call */
  TESSERA_STORE_ERROR_SETTINGS_FAILED,      /* metadata could not be written */
  TESSERA_STORE_ERROR_BUSY,                 /* an operation on it is running */
  TESSERA_STORE_ERROR_NAME_INVALID,         /* hidden or control characters */
  TESSERA_STORE_ERROR_DESCRIPTION_INVALID,  /* not text, or control characters */
  TESSERA_STORE_ERROR_HOLDS_KEY,            /* a name or description holds a key */
} TesseraStoreError;

GQuark tessera_store_error_quark (void);

#define TESSERA_TYPE_STORE (tessera_store_get_type ())

G_DECLARE_FINAL_TYPE (TesseraStore, tessera_store, TESSERA, STORE, GObject)

/**
 * tessera_store_new:
 * @secrets: (nullable): %NULL for the Secret Service through libsecret
 * @client: (nullable): %NULL for a default TesseraHarnessClient
 *
 * Reads the credential list from the "io.github.tessera.Tessera" schema.
 */
TesseraStore         *tessera_store_new                  (TesseraSecretBackend  *secrets,
                                                          TesseraHarnessClient  *client);
TesseraStore         *tessera_store_new_reading          (TesseraSecretBackend  *secrets,
                                                          TesseraHarnessClient  *client);
void                  tessera_store_sync                 (TesseraStore          *self);
/**
 * tessera_store_new_full:
 * @settings_backend: (nullable): %NULL for the default GSettings backend;
 *   tests pass a keyfile backend so that a "restart" re-reads real files
 */
TesseraStore         *tessera_store_new_full             (TesseraSecretBackend  *secrets,
                                                          TesseraHarnessClient  *client,
                                                          GSettingsBackend      *settings_backend);

TesseraHarnessClient *tessera_store_get_client           (TesseraStore          *self);
GSettings            *tessera_store_get_settings         (TesseraStore          *self);
TesseraSecretBackend *tessera_store_get_secret_backend   (TesseraStore          *self);
/* Lookups return (transfer none) credentials that are in the model; one
 * removed and waiting for commit is not found. */
TesseraCredential    *tessera_store_lookup               (TesseraStore          *self,
                                                          const char            *id);
/* Case-insensitive match on the trimmed name. */
TesseraCredential    *tessera_store_find_by_name         (TesseraStore          *self,
                                                          const char            *name);
TesseraCredential    *tessera_store_get_selected         (TesseraStore          *self);
/* The selected credential's id, or NULL when none is (or it is gone). */
const char           *tessera_store_get_selected_id      (TesseraStore          *self);
/* @id: (nullable): %NULL or "" clears the selection. An id that is not in
 * the store is TESSERA_STORE_ERROR_NOT_FOUND. */
gboolean              tessera_store_select               (TesseraStore          *self,
                                                          const char            *id,
                                                          GError               **error);

/* Field checks with plain-sentence errors, for inline messages as the user
 * types. @exclude_id: the credential being edited (its own name is fine). */
gboolean              tessera_store_validate_name        (TesseraStore          *self,
                                                          const char            *exclude_id,
                                                          const char            *name,
                                                          GError               **error);
gboolean              tessera_store_validate_description (const char            *description,
                                                          GError               **error);
/* @token: (nullable): when it carries an account, @account_id must equal it.
 * An empty @account_id is fine when @token carries one. */
gboolean              tessera_store_validate_account_id  (const char            *account_id,
                                                          TesseraToken          *token,
                                                          GError               **error);

/**
 * tessera_store_add_async:
 * @verification: (nullable): what Harness said (status "verified"), or
 *   %NULL to save as "unverified"
 *
 * validate → store the secret → write metadata → items-changed. If writing
 * metadata fails the secret is removed again. An empty @account_id takes
 * the token's account; an empty @base_url is
 * tessera_store_dup_default_base_url(); a bad base URL fails with the
 * TESSERA_HARNESS_ERROR of tessera_base_url_normalize(). Saving what the
 * user typed: tessera_store_add_checked_async().
 *
 * Returns (finish): (transfer full): the new credential, already in the model
 */
void                  tessera_store_add_async            (TesseraStore          *self,
                                                          const char            *name,
                                                          const char            *description,
                                                          const char            *account_id,
                                                          const char            *base_url,
                                                          TesseraToken          *token,
                                                          TesseraVerification   *verification,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
TesseraCredential    *tessera_store_add_finish           (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/**
 * tessera_store_update_async:
 * @name: (nullable): %NULL keeps the current value; so do @description,
 *   @account_id and @base_url
 * @new_token: (nullable): %NULL keeps the current token
 * @verification: (nullable): the result of verifying the edited credential
 *
 * A new token is stored under a new keyring item first; the old item is
 * cleared only after the metadata points at the new one. A new token, or
 * another account or base URL, resets the status to "unverified" unless
 * @verification says more.
 */
void                  tessera_store_update_async         (TesseraStore          *self,
                                                          const char            *id,
                                                          const char            *name,
                                                          const char            *description,
                                                          const char            *account_id,
                                                          const char            *base_url,
                                                          TesseraToken          *new_token,
                                                          TesseraVerification   *verification,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_update_finish        (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
gboolean              tessera_store_set_org_project      (TesseraStore          *self,
                                                          const char            *id,
                                                          const char            *org,
                                                          const char            *project,
                                                          GError               **error);

/* Saving what the user typed, the one path from a pasted key to a saved
 * credential (the dialog's Save and `tessera add` both take it). */
typedef enum
{
  TESSERA_STORE_SAVE_NONE   = 0,
  TESSERA_STORE_SAVE_VERIFY = 1 << 0,   /* ask Harness first; save only what it accepts */
} TesseraStoreSaveFlags;

/* The "default-base-url" setting, else TESSERA_DEFAULT_BASE_URL: what an
 * empty base URL means when saving. */
char                 *tessera_store_dup_default_base_url (TesseraStore          *self);
/**
 * tessera_store_resolve_base_url:
 * @base_url: (nullable): as typed; %NULL for
 *   tessera_store_dup_default_base_url() (an empty one is an error)
 * @notice: (out) (optional) (nullable): what tessera_base_url_normalize_full()
 *   says it changed, for the user
 *
 * Returns: (transfer full) (nullable): the base URL a save would store, or
 *   %NULL with the TESSERA_HARNESS_ERROR of tessera_base_url_normalize()
 */
char                 *tessera_store_resolve_base_url     (TesseraStore          *self,
                                                          const char            *base_url,
                                                          char                 **notice,
                                                          GError               **error);

/**
 * tessera_store_add_checked_async:
 * @account_id: (nullable): empty or %NULL takes the token's account
 * @base_url: (nullable): empty or %NULL is tessera_store_dup_default_base_url()
 * @flags: with %TESSERA_STORE_SAVE_VERIFY, Harness is asked first: its
 *   error, or TESSERA_HARNESS_ERROR_TOKEN_REJECTED when it says the key is
 *   not valid now, fails the save; without, the credential is saved
 *   "unverified" ("Save Without Verifying", `tessera add --no-verify`)
 *
 * Checks the fields, asks Harness, then tessera_store_add_async() with
 * its verification. Errors: see tessera_error_get_category().
 *
 * Returns (finish): (transfer full): the new credential, already in the model
 */
void                  tessera_store_add_checked_async    (TesseraStore          *self,
                                                          const char            *name,
                                                          const char            *description,
                                                          const char            *account_id,
                                                          const char            *base_url,
                                                          TesseraToken          *token,
                                                          TesseraStoreSaveFlags  flags,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
TesseraCredential    *tessera_store_add_checked_finish   (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
/**
 * tessera_store_update_checked_async:
 * @name: (nullable): %NULL keeps the current value; so do @description,
 *   @account_id and @base_url
 * @new_token: (nullable): %NULL keeps the current token
 * @flags: with %TESSERA_STORE_SAVE_VERIFY, Harness is asked about a new
 *   token, or about the stored one when the account or base URL changes;
 *   an edit of the name or description alone asks nothing
 *
 * As tessera_store_add_checked_async(), then tessera_store_update_async().
 */
void                  tessera_store_update_checked_async (TesseraStore          *self,
                                                          const char            *id,
                                                          const char            *name,
                                                          const char            *description,
                                                          const char            *account_id,
                                                          const char            *base_url,
                                                          TesseraToken          *new_token,
                                                          TesseraStoreSaveFlags  flags,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_update_checked_finish (TesseraStore         *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
/* Whether tessera_store_update_checked_async() with
 * %TESSERA_STORE_SAVE_VERIFY would ask Harness about these changes. */
gboolean              tessera_store_update_asks_harness  (TesseraStore          *self,
                                                          const char            *id,
                                                          const char            *account_id,
                                                          const char            *base_url,
                                                          TesseraToken          *new_token);

/* The credential leaves the model at once; nothing is deleted until
 * commit. Undo puts it back where it was. */
gboolean              tessera_store_remove               (TesseraStore          *self,
                                                          const char            *id,
                                                          GError               **error);
gboolean              tessera_store_undo_remove          (TesseraStore          *self,
                                                          const char            *id,
                                                          GError               **error);
void                  tessera_store_commit_remove_async  (TesseraStore          *self,
                                                          const char            *id,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_commit_remove_finish (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
/* At quit: commits every pending removal. */
void                  tessera_store_commit_all_async     (TesseraStore          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_commit_all_finish    (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/* The token, or NULL with TESSERA_STORE_ERROR_TOKEN_MISSING (and the
 * credential's status set to token-missing). Free with tessera_secure_free. */
void                  tessera_store_lookup_token_async   (TesseraStore          *self,
                                                          const char            *id,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
char                 *tessera_store_lookup_token_finish  (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/* Looks up the token, asks Harness, records status/owner/expiry and
 * last-verified. The GError (if any) is what Harness or the keyring said;
 * the credential's status is updated either way. */
void                  tessera_store_verify_async         (TesseraStore          *self,
                                                          const char            *id,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
TesseraCredentialStatus tessera_store_verify_finish      (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/* Every credential in the model. At most
 * tessera_store_get_max_concurrent() at a time (default 8). When
 * @only_stale, skips credentials verified within "reverify-after". */
void                  tessera_store_verify_all_async     (TesseraStore          *self,
                                                          gboolean               only_stale,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_verify_all_finish    (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
/* Whether credentials follow edits made elsewhere (other processes, the
 * settings), TRUE by default. Following takes a GSettings object per
 * credential (under dconf, a D-Bus match rule each), made in the
 * background after start-up. A short-lived user (the command line), which
 * re-reads what it changes itself, turns it off right after
 * tessera_store_new(). The list of credentials and the selection are
 * followed either way. */
void                  tessera_store_set_watch_credentials (TesseraStore         *self,
                                                          gboolean               watch);
void                  tessera_store_set_max_concurrent   (TesseraStore          *self,
                                                          guint                  max_concurrent);
guint                 tessera_store_get_max_concurrent   (TesseraStore          *self);

gboolean              tessera_store_get_verifying        (TesseraStore          *self);

/* Marks credentials whose secret is gone as token-missing. A locked or
 * absent keyring changes nothing. */
void                  tessera_store_reconcile_async      (TesseraStore          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_reconcile_finish     (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/* Whether keyring clean-ups the store started on its own (after a
 * cancelled or failed change) are still running: a process should let
 * them end before it exits. */
gboolean              tessera_store_get_background_work  (TesseraStore          *self);

/* The window's size, through the settings lock (waited for in a thread). */
void                  tessera_store_save_window_state_async  (TesseraStore        *self,
                                                              int                  width,
                                                              int                  height,
                                                              gboolean             maximized,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean              tessera_store_save_window_state_finish (TesseraStore        *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

GStrv                 tessera_store_dup_listed_ids       (TesseraStore          *self);

/* Interrupted operations rolled forward or back, then keyring items and
 * settings no listed credential owns (older than a minute) removed
 * (tessera-store-journal.c). */
void                  tessera_store_recover_async        (TesseraStore          *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_recover_finish       (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          guint                 *n_removed,
                                                          GError               **error);

/* Changing the token on Harness (tessera-store-lifecycle.c). Each needs
 * what a verification kept (the token's identifier, API key, parent and
 * type) and verifies first when it has none. */
void                  tessera_store_rotate_async         (TesseraStore          *self,
                                                          const char            *id,
                                                          guint                  grace_seconds,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_rotate_finish        (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          char                 **unsaved_key,
                                                          GError               **error);
void                  tessera_store_renew_async          (TesseraStore          *self,
                                                          const char            *id,
                                                          gint64                 valid_to_ms,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_renew_finish         (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          char                 **unsaved_key,
                                                          GError               **revoke_error,
                                                          GError               **error);
void                  tessera_store_revoke_async         (TesseraStore          *self,
                                                          const char            *id,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_revoke_finish        (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

/* Verification skips the network when this monitor says there is none
 * (loopback base URLs are always tried). Default: g_network_monitor_get_default(). */
void                  tessera_store_set_network_monitor  (TesseraStore          *self,
                                                          GNetworkMonitor       *monitor);

/* Importing the keys of the Harness CLIs (tessera-store-import.c). */
typedef enum
{
  TESSERA_STORE_IMPORT_NONE   = 0,
  TESSERA_STORE_IMPORT_VERIFY = 1 << 0,   /* as TESSERA_STORE_SAVE_VERIFY */
  TESSERA_STORE_IMPORT_SCRUB  = 1 << 1,   /* then remove the keys now saved from their files */
} TesseraStoreImportFlags;

/**
 * tessera_store_mark_stored_async:
 * @sources: (element-type TesseraImportSource): from tessera_import_source_find()
 *
 * Looks in the keyring for each source's key among the saved credentials
 * of its account: tessera_import_source_get_stored_as() says where it is.
 */
void                  tessera_store_mark_stored_async    (TesseraStore          *self,
                                                          GPtrArray             *sources,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_mark_stored_finish   (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
/**
 * tessera_store_import_async:
 * @sources: (element-type TesseraImportSource): the ones to import
 *
 * Saves each source's key through tessera_store_add_checked_async() under
 * the source's name, skipping a key saved already and a name taken; with
 * %TESSERA_STORE_IMPORT_SCRUB then removes from their files the keys now
 * saved (and verified, with %TESSERA_STORE_IMPORT_VERIFY). The outcome of
 * each is on it; the task fails only when cancelled.
 */
void                  tessera_store_import_async         (TesseraStore          *self,
                                                          GPtrArray             *sources,
                                                          TesseraStoreImportFlags flags,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              tessera_store_import_finish        (TesseraStore          *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);

G_END_DECLS
