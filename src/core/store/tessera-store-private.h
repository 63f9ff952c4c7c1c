/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-private.h: what the files of TesseraStore share
 *
 * The store is one class over several files, one per kind of work:
 *   tessera-store.c           the class, the GListModel, lookups, selection
 *   tessera-store-settings.c  reading, following and writing GSettings
 *   tessera-store-validate.c  field checks
 *   tessera-store-add.c       add
 *   tessera-store-update.c    update
 *   tessera-store-save.c      add and update checked with Harness first
 *   tessera-store-remove.c    remove, undo, commit
 *   tessera-store-token.c     token lookup
 *   tessera-store-verify.c    verify, verify-all, reconcile
 *   tessera-store-lifecycle.c rotate, renew, revoke (the token on Harness)
 *   tessera-store-journal.c   the journal of operations under way, recovery
 * Every metadata write goes through a TesseraSettingsBatch of the store's
 * TesseraSettingsWriter (tessera-settings-writer.c).
 *
 * Also the seams that only tests use.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-credential-private.h"
#include "tessera-settings-writer.h"
#include "tessera-store.h"

G_BEGIN_DECLS

#define DEFAULT_MAX_CONCURRENT 8

/**
 * TesseraStoreWriteHook:
 * @path: the settings path about to be written, e.g.
 *   "/io/github/tessera/Tessera/" or ".../credentials/<id>/"
 *
 * GSettings does not report write failures, so every metadata write goes
 * through one seam: a key that is not writable fails it, and so does this
 * hook returning %FALSE. The write is then dropped and the operation fails
 * with TESSERA_STORE_ERROR_SETTINGS_FAILED, undoing its earlier steps.
 * For tests.
 */
typedef gboolean (*TesseraStoreWriteHook) (TesseraStore *store,
                                           const char   *path,
                                           gpointer      user_data);

void tessera_store_set_write_hook (TesseraStore          *self,
                                   TesseraStoreWriteHook  hook,
                                   gpointer               user_data);

typedef struct
{
  TesseraCredential *credential;
  guint              position;    /* where it was in the model */
} PendingRemoval;

struct _TesseraStore
{
  GObject                 parent_instance;

  GSettingsBackend       *settings_backend;   /* NULL: the default */
  GSettingsBackend       *read_backend;       /* settings_backend, the default, or
                                               * the snapshot */
  gboolean                reading;            /* tessera_store_new_reading() */
  GSettingsBackend       *read_snapshot;      /* a command that only reads: what
                                               * it reads from (see
                                               * tessera-settings-snapshot.c) */
  GSettingsSchema        *schema;
  GSettingsSchema        *credential_schema;
  GSettings              *settings;
  TesseraSettingsWriter  *writer;             /* see _tessera_store_get_writer() */
  TesseraSecretBackend   *secrets;
  TesseraHarnessClient   *client;
  GNetworkMonitor        *network_monitor;

  GPtrArray              *items;              /* TesseraCredential, in order */
  GPtrArray              *pending;            /* PendingRemoval */
  char                   *selected_id;

  TesseraStoreWriteHook   write_hook;
  gpointer                write_hook_data;

  guint                   max_concurrent;
  gboolean                watch_credentials;
  GQueue                 *unwatched;          /* TesseraCredential, to watch */
  guint                   watch_id;
  guint                   writing_list;       /* own list write in progress */
  guint                   background;         /* keyring clean-ups in flight */
  guint                   verifying : 1;
};

/* What add and update carry from step to step. */
typedef struct
{
  char                *id;
  char                *secret_id;
  char                *old_secret_id;
  char                *name;
  char                *description;
  char                *account_id;
  char                *base_url;
  TesseraToken        *token;
  TesseraVerification *verification;
  TesseraCredential   *credential;
  GError              *error;          /* kept while undoing earlier steps */
  gboolean             relabel;
  guint                stale_retries;  /* waits for another process's write */
  char                *journal;        /* its entry in the journal, once written */
} ChangeData;

static inline gint64
_tessera_store_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* tessera-store.c */
void               _tessera_store_splice_items              (TesseraStore             *self,
                                                             guint                     position,
                                                             guint                     n_removals,
                                                             TesseraCredential        *addition);
gboolean           _tessera_store_find_index                (TesseraStore             *self,
                                                             const char               *id,
                                                             guint                    *position);
PendingRemoval    *_tessera_store_find_pending              (TesseraStore             *self,
                                                             const char               *id,
                                                             guint                    *index);
gboolean           _tessera_store_is_current                (TesseraStore             *self,
                                                             TesseraCredential        *credential);
TesseraCredential *_tessera_store_find_by_folded_name       (TesseraStore             *self,
                                                             const char               *folded,
                                                             const char               *exclude_id);
void               _tessera_store_set_selected_id           (TesseraStore             *self,
                                                             const char               *id);
void               _tessera_store_set_verifying             (TesseraStore             *self,
                                                             gboolean                  verifying);
void               _tessera_store_emit_verify_progress      (TesseraStore             *self,
                                                             guint                     done,
                                                             guint                     total);
GError            *_tessera_store_not_found_error           (void);
GError            *_tessera_store_busy_error                (void);

/* tessera-store-settings.c */
GSettings         *_tessera_store_new_main_settings         (TesseraStore             *self);
GSettings         *_tessera_store_new_credential_settings   (TesseraStore             *self,
                                                             const char               *id);
TesseraCredential *_tessera_store_new_credential            (TesseraStore             *self,
                                                             const char               *id);
/* Connects to the settings, then reads the list: at construction. */
void               _tessera_store_follow_settings           (TesseraStore             *self);
void               _tessera_store_sync_selection            (TesseraStore             *self);
GStrv              _tessera_store_dup_list                  (TesseraStore             *self);
void               _tessera_store_resync_list               (TesseraStore             *self);
gboolean           _tessera_store_write_list                (TesseraStore             *self,
                                                             const char * const       *ids,
                                                             const char               *selected,
                                                             GError                  **error);
GStrv              _tessera_store_strv_without              (const char * const       *strv,
                                                             const char               *s);
GStrv              _tessera_store_strv_with                 (const char * const       *strv,
                                                             const char               *s,
                                                             guint                     position);
void               _tessera_store_batch_set_status_detail   (TesseraSettingsBatch     *batch,
                                                             const char               *code,
                                                             const char * const       *args);
void               _tessera_store_batch_set_verification    (TesseraSettingsBatch     *batch,
                                                             TesseraVerification      *verification);
void               _tessera_store_batch_forget_verification (TesseraSettingsBatch     *batch);
const char        *_tessera_store_api_key_type              (TesseraCredentialKind     kind);
void               _tessera_store_record_status             (TesseraStore             *self,
                                                             TesseraCredential        *credential,
                                                             TesseraCredentialStatus   status,
                                                             const char               *detail_code);

/* tessera-store-validate.c */
char              *_tessera_store_normalize_name            (const char               *name);
char              *_tessera_store_resolve_account           (const char               *account_id,
                                                             TesseraToken             *token);
/* An empty @base_url is the default. */
char              *_tessera_store_resolve_base_url          (TesseraStore             *self,
                                                             const char               *base_url,
                                                             GError                  **error);


/* tessera-store-journal.c */
gint64             _tessera_store_journal_now               (void);
char              *_tessera_store_journal_entry_new         (const char               *op,
                                                             const char               *id,
                                                             const char               *secret_id,
                                                             const char               *other_secret_id);
void               _tessera_store_journal_open_async        (TesseraStore             *self,
                                                             const char               *entry,
                                                             GAsyncReadyCallback       callback,
                                                             gpointer                  user_data);
gboolean           _tessera_store_journal_open_finish       (TesseraStore             *self,
                                                             GAsyncResult             *result,
                                                             GError                  **error);
gboolean           _tessera_store_journal_open_locked       (TesseraStore             *self,
                                                             const char               *entry,
                                                             GError                  **error);
void               _tessera_store_journal_close             (TesseraStore             *self,
                                                             const char               *entry);
gboolean           _tessera_store_removed_elsewhere         (TesseraStore             *self,
                                                             const char               *id);

/* tessera-store-add.c */
void               _tessera_store_change_data_free          (ChangeData               *data);
gboolean           _tessera_store_secret_may_be_stored      (const GError             *error);
void               _tessera_store_clear_stray_secret        (TesseraStore             *self,
                                                             const char               *secret_id,
                                                             const char               *journal);
char              *_tessera_store_build_label               (void);

/* tessera-store-token.c */
void               _tessera_store_note_lookup_result        (TesseraStore             *self,
                                                             TesseraCredential        *credential,
                                                             const char               *secret_id,
                                                             gboolean                  found);
GError            *_tessera_store_token_missing_error       (TesseraCredential        *credential);

TesseraSettingsWriter *_tessera_store_get_writer (TesseraStore *self);
char                  *_tessera_store_dup_credential_string (TesseraStore *self,
                                                             const char   *id,
                                                             const char   *key);

G_END_DECLS
