/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-settings.c: the store's GSettings: reading the list and the
 * selection, following other processes' changes, writing the list and a
 * credential's status
 *
 * Start-up and list changes read GSettings only: the keyring is called
 * when a token is needed, never to show the list.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>

#include "tessera-status-detail.h"
#include "tessera-store-private.h"

#define WATCH_PER_ROUND 50
#define WATCH_ROUND_BUDGET_US 4000
#define WATCH_INTERVAL_MS 10

/* Helpers: settings */

GSettings *
_tessera_store_new_credential_settings (TesseraStore *self,
                                        const char   *id)
{
  g_autofree char *path = tessera_settings_credential_path (id);

  return g_settings_new_full (self->credential_schema, self->settings_backend, path);
}

GSettings *
_tessera_store_new_main_settings (TesseraStore *self)
{
  return g_settings_new_full (self->schema, self->settings_backend, NULL);
}

/* Older versions saved the status detail as a sentence in the language of
 * whoever made the check ("status-detail"). Watching reads every key, so
 * that is when such a sentence is replaced by the code form: the code
 * whose sentence it is, in English or in this process's language, with
 * its arguments; or, when none is (a sentence in a third language), the
 * code TESSERA_STATUS_DETAIL_TEXT with the sentence itself, which is then
 * shown as it is. Only the detail keys are written: the status, its
 * time and the rest stay as they were. Until then (a command line does
 * not watch), readers compose the same from the sentence. */
static void
migrate_status_detail (TesseraStore      *self,
                       TesseraCredential *credential)
{
  const char *legacy = _tessera_credential_get_legacy_status_detail (credential);
  g_auto(TesseraSettingsBatch) batch = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_auto(GStrv) args = NULL;

  if (legacy == NULL || *legacy == '\0' || !_tessera_store_is_current (self, credential))
    return;

  tessera_status_detail_from_sentence (legacy, &code, &args);
  g_debug ("Credential %s: status sentence saved as %s", tessera_credential_get_id (credential), code);

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self),
                               _tessera_store_new_credential_settings (self, tessera_credential_get_id (credential)));
  _tessera_store_batch_set_status_detail (&batch, code, (const char * const *) args);
  if (!tessera_settings_batch_apply (&batch, &error))
    g_message ("Could not save the status of credential %s in the new form: %s",
               tessera_credential_get_id (credential), error->message);

  _tessera_credential_reload (credential);
}

/* Following other processes' edits takes a GSettings object per
 * credential (under dconf, a D-Bus match rule each). They are made in the
 * background, up to 50 (or ~4 ms) 10 ms apart, so that opening
 * thousands of credentials does not wait for them. A timeout at the
 * default priority, not an idle: a main loop that always has something
 * else to do (a slow machine drawing frames) would never run an idle. */
static gboolean
watch_some_cb (gpointer user_data)
{
  TesseraStore *self = TESSERA_STORE (user_data);
  gint64 start = g_get_monotonic_time ();

  /* A round stops after a few milliseconds on a slow machine, and the
   * next one is due an interval after this one ends: a timeout that
   * continues is due an interval after it *started*, so rounds longer
   * than the interval would run back to back at default priority and
   * the window would not draw a frame until all were followed. */
  for (guint i = 0; i < WATCH_PER_ROUND && !g_queue_is_empty (self->unwatched); i++)
    {
      g_autoptr(TesseraCredential) credential = g_queue_pop_head (self->unwatched);

      _tessera_credential_watch (credential);
      migrate_status_detail (self, credential);
      if (g_get_monotonic_time () - start > WATCH_ROUND_BUDGET_US)
        break;
    }

  if (!g_queue_is_empty (self->unwatched))
    self->watch_id = g_timeout_add (WATCH_INTERVAL_MS, watch_some_cb, self);
  else
    self->watch_id = 0;

  return G_SOURCE_REMOVE;
}

TesseraCredential *
_tessera_store_new_credential (TesseraStore *self,
                               const char   *id)
{
  g_autofree char *path = tessera_settings_credential_path (id);
  TesseraCredential *credential = _tessera_credential_new (id, path, self->credential_schema,
                                                           self->read_backend);

  if (self->reading)
    _tessera_credential_set_read_per_field (credential, TRUE);

  if (self->watch_credentials)
    {
      g_queue_push_tail (self->unwatched, g_object_ref (credential));
      if (self->watch_id == 0)
        self->watch_id = g_timeout_add (WATCH_INTERVAL_MS, watch_some_cb, self);
    }

  return credential;
}

/* One string key of credential @id, read as the store reads (the snapshot
 * of a reading command, or the backend). */
char *
_tessera_store_dup_credential_string (TesseraStore *self,
                                      const char   *id,
                                      const char   *key)
{
  g_autofree char *path = tessera_settings_credential_path (id);
  g_autoptr(GSettings) settings = g_settings_new_full (self->credential_schema, self->read_backend, path);

  return g_settings_get_string (settings, key);
}

/* Helpers: writing */

/* Writes the list of ids, and the selection when @selected is not NULL. */
gboolean
_tessera_store_write_list (TesseraStore        *self,
                           const char * const  *ids,
                           const char          *selected,
                           GError             **error)
{
  g_auto(TesseraSettingsBatch) batch = { 0, };
  gboolean ok;

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_main_settings (self));
  tessera_settings_batch_set_strv (&batch, "credentials", ids);
  if (selected != NULL)
    tessera_settings_batch_set_string (&batch, "selected-credential", selected);

  /* Our own write must not come back as "another process added this":
   * the caller updates the model itself. */
  self->writing_list++;
  ok = tessera_settings_batch_apply (&batch, error);
  self->writing_list--;

  return ok;
}

GStrv
_tessera_store_dup_list (TesseraStore *self)
{
  return tessera_settings_dup_strv (self->settings, "credentials");
}

GStrv
_tessera_store_strv_without (const char * const *strv,
                             const char         *s)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; strv[i] != NULL; i++)
    if (strcmp (strv[i], s) != 0)
      g_strv_builder_add (builder, strv[i]);

  return g_strv_builder_end (builder);
}

GStrv
_tessera_store_strv_with (const char * const *strv,
                          const char         *s,
                          guint               position)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint i;

  for (i = 0; strv[i] != NULL; i++)
    {
      if (i == position)
        g_strv_builder_add (builder, s);
      g_strv_builder_add (builder, strv[i]);
    }
  if (position >= i)
    g_strv_builder_add (builder, s);

  return g_strv_builder_end (builder);
}

/* The detail is saved as a code and its arguments, composed into a
 * sentence only when shown (tessera-status-detail.h). Writing it also
 * clears the sentence older versions saved instead. */
void
_tessera_store_batch_set_status_detail (TesseraSettingsBatch *batch,
                                        const char           *code,
                                        const char * const   *args)
{
  const char * const no_args[] = { NULL };

  tessera_settings_batch_set_string (batch, "status-code", code);
  tessera_settings_batch_set_strv (batch, "status-args", args != NULL ? args : no_args);
  tessera_settings_batch_set_string (batch, "status-detail", "");
}

/* Harness's name for the kind of key, "" when unknown. */
const char *
_tessera_store_api_key_type (TesseraCredentialKind kind)
{
  switch (kind)
    {
    case TESSERA_CREDENTIAL_KIND_PAT:
      return "USER";
    case TESSERA_CREDENTIAL_KIND_SAT:
      return "SERVICE_ACCOUNT";
    case TESSERA_CREDENTIAL_KIND_UNKNOWN:
    default:
      return "";
    }
}

void
_tessera_store_batch_set_verification (TesseraSettingsBatch *batch,
                                       TesseraVerification  *verification)
{
  gboolean valid = tessera_verification_get_valid (verification);
  TesseraCredentialKind kind = tessera_verification_get_kind (verification);
  const char *detail = "";

  if (!valid)
    detail = "not-valid-now";
  else if (tessera_verification_get_limited_permissions (verification))
    detail = "limited-permissions";

  tessera_settings_batch_set_enum (batch, "status", valid ? TESSERA_CREDENTIAL_STATUS_VERIFIED
                                                          : TESSERA_CREDENTIAL_STATUS_EXPIRED);
  _tessera_store_batch_set_status_detail (batch, detail, NULL);
  tessera_settings_batch_set_string (batch, "owner-name", tessera_verification_get_owner_name (verification));
  tessera_settings_batch_set_string (batch, "owner-email", tessera_verification_get_owner_email (verification));
  tessera_settings_batch_set_int64 (batch, "expires", MAX (tessera_verification_get_expires (verification), 0));
  tessera_settings_batch_set_string (batch, "account-name", tessera_verification_get_account_name (verification));
  tessera_settings_batch_set_string (batch, "correlation-id", tessera_verification_get_correlation_id (verification));
  tessera_settings_batch_set_int64 (batch, "last-verified", _tessera_store_now_seconds ());
  if (kind != TESSERA_CREDENTIAL_KIND_UNKNOWN)
    tessera_settings_batch_set_enum (batch, "kind", kind);

  /* What rotate, renew and revoke send back to Harness (never the key). */
  tessera_settings_batch_set_string (batch, "token-identifier", tessera_verification_get_identifier (verification));
  tessera_settings_batch_set_string (batch, "api-key-identifier", tessera_verification_get_api_key_identifier (verification));
  tessera_settings_batch_set_string (batch, "parent-identifier", tessera_verification_get_parent_identifier (verification));
  tessera_settings_batch_set_string (batch, "api-key-type", _tessera_store_api_key_type (kind));
  tessera_settings_batch_set_string (batch, "org-identifier", tessera_verification_get_org_identifier (verification));
  tessera_settings_batch_set_string (batch, "project-identifier", tessera_verification_get_project_identifier (verification));
  tessera_settings_batch_set_int64 (batch, "valid-to", MAX (tessera_verification_get_valid_to (verification), 0));
}

/* What was known about the old token or account no longer applies. */
void
_tessera_store_batch_forget_verification (TesseraSettingsBatch *batch)
{
  tessera_settings_batch_set_enum (batch, "status", TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  _tessera_store_batch_set_status_detail (batch, "", NULL);
  tessera_settings_batch_set_string (batch, "owner-name", "");
  tessera_settings_batch_set_string (batch, "owner-email", "");
  tessera_settings_batch_set_int64 (batch, "expires", 0);
  tessera_settings_batch_set_string (batch, "account-name", "");
  tessera_settings_batch_set_string (batch, "correlation-id", "");
  tessera_settings_batch_set_int64 (batch, "last-verified", 0);
  tessera_settings_batch_set_string (batch, "token-identifier", "");
  tessera_settings_batch_set_string (batch, "api-key-identifier", "");
  tessera_settings_batch_set_string (batch, "parent-identifier", "");
  tessera_settings_batch_set_string (batch, "api-key-type", "");
  tessera_settings_batch_set_string (batch, "org-identifier", "");
  tessera_settings_batch_set_string (batch, "project-identifier", "");
  tessera_settings_batch_set_int64 (batch, "valid-to", 0);
}

/* Records a status found without asking Harness (token missing, found
 * again). Failures are only logged: the status is a hint, and the
 * operation that found it reports its own result. */
void
_tessera_store_record_status (TesseraStore            *self,
                              TesseraCredential       *credential,
                              TesseraCredentialStatus  status,
                              const char              *detail_code)
{
  g_auto(TesseraSettingsBatch) batch = { 0, };
  g_autoptr(GError) error = NULL;

  if (!_tessera_store_is_current (self, credential))
    return;

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_credential_settings (self, tessera_credential_get_id (credential)));
  tessera_settings_batch_set_enum (&batch, "status", status);
  _tessera_store_batch_set_status_detail (&batch, detail_code, NULL);
  if (!tessera_settings_batch_apply (&batch, &error))
    g_message ("Could not record the status of credential %s: %s",
               tessera_credential_get_id (credential), error->message);

  _tessera_credential_reload (credential);
}

/* Helpers: following GSettings */

void
_tessera_store_sync_selection (TesseraStore *self)
{
  g_autofree char *selected = g_settings_get_string (self->settings, "selected-credential");
  const char *visible = _tessera_store_find_index (self, selected, NULL) ? selected : NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      _tessera_credential_set_selected (credential,
                                        g_strcmp0 (tessera_credential_get_id (credential), visible) == 0);
    }

  _tessera_store_set_selected_id (self, visible);
}

/* Brings the model in line with the "credentials" list: at start-up, and
 * whenever someone else (another process) changed it. Credentials waiting
 * for their removal to be committed stay out of the model. */
static void
sync_list (TesseraStore *self)
{
  g_auto(GStrv) ids = _tessera_store_dup_list (self);
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  guint position = 0;

  /* Thousands of credentials: look ids up in hash tables, never by
   * walking the list once per id. */
  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (listed, ids[i]);

  /* At start-up: every credential at once, in one change of the model. */
  if (self->items->len == 0 && self->pending->len == 0)
    {
      for (guint i = 0; ids[i] != NULL; i++)
        {
          if (!tessera_settings_is_valid_id (ids[i]))
            {
              g_message ("Ignoring a credential with a malformed id in the settings");
              continue;
            }
          if (g_hash_table_contains (present, ids[i]))
            continue;

          g_ptr_array_add (self->items, _tessera_store_new_credential (self, ids[i]));
          g_hash_table_add (present, (gpointer) tessera_credential_get_id (g_ptr_array_index (self->items, self->items->len - 1)));
        }

      if (self->items->len > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->items->len);
      _tessera_store_sync_selection (self);
      return;
    }

  for (guint i = self->items->len; i > 0; i--)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i - 1);

      if (!g_hash_table_contains (listed, tessera_credential_get_id (credential)))
        {
          g_debug ("Credential %s was removed elsewhere", tessera_credential_get_id (credential));
          _tessera_store_splice_items (self, i - 1, 1, NULL);
        }
    }

  for (guint i = self->pending->len; i > 0; i--)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i - 1);

      if (!g_hash_table_contains (listed, tessera_credential_get_id (removal->credential)) &&
          !_tessera_credential_get_busy (removal->credential))
        g_ptr_array_remove_index (self->pending, i - 1);
    }

  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      g_hash_table_insert (present, (gpointer) tessera_credential_get_id (credential), credential);
    }

  /* New ids go in after the last credential already shown that comes
   * before them in the list. The model keeps the list's order, so that
   * one is found by looking forward from where the previous one was. */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TesseraCredential) credential = NULL;
      TesseraCredential *shown;

      if (!tessera_settings_is_valid_id (ids[i]))
        {
          g_message ("Ignoring a credential with a malformed id in the settings");
          continue;
        }

      if (self->pending->len > 0 && _tessera_store_find_pending (self, ids[i], NULL) != NULL)
        continue;

      shown = g_hash_table_lookup (present, ids[i]);
      if (shown != NULL)
        {
          for (guint j = position; j < self->items->len; j++)
            if (g_ptr_array_index (self->items, j) == shown)
              {
                position = j + 1;
                break;
              }
          continue;
        }

      credential = _tessera_store_new_credential (self, ids[i]);
      _tessera_store_splice_items (self, MIN (position, self->items->len), 0, credential);
      g_hash_table_insert (present, (gpointer) tessera_credential_get_id (credential), credential);
      position++;
    }

  _tessera_store_sync_selection (self);
}

/* After a list write of our own that the model must follow (recovery). */
void
_tessera_store_resync_list (TesseraStore *self)
{
  sync_list (self);
}

static void
on_list_changed (GSettings    *settings,
                 const char   *key,
                 TesseraStore *self)
{
  if (self->writing_list > 0)
    return;

  sync_list (self);
}

static void
on_selection_changed (GSettings    *settings,
                      const char   *key,
                      TesseraStore *self)
{
  _tessera_store_sync_selection (self);
}

void
_tessera_store_follow_settings (TesseraStore *self)
{
  /* Connect before the first read: GSettings reports changes only to keys
   * read while a handler was connected. */
  g_signal_connect (self->settings, "changed::credentials", G_CALLBACK (on_list_changed), self);
  g_signal_connect (self->settings, "changed::selected-credential", G_CALLBACK (on_selection_changed), self);

  /* GSettings only: no keyring call at start-up. */
  sync_list (self);
}

/* Public API */

void
tessera_store_set_watch_credentials (TesseraStore *self,
                                     gboolean      watch)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->watch_credentials = !!watch;
  if (watch)
    return;

  g_clear_handle_id (&self->watch_id, g_source_remove);
  g_queue_clear_full (self->unwatched, g_object_unref);
}

/* The window's size */

typedef struct
{
  int      width;
  int      height;
  gboolean maximized;
  guint    retries;
} WindowState;

static void window_state_lock (GTask *owned_task);

static gboolean
on_window_state_retry (gpointer user_data)
{
  window_state_lock (user_data);
  return G_SOURCE_REMOVE;
}

/* With the lock held: takes ownership of @owned_task. */
static void
window_state_write_locked (GTask *owned_task)
{
  g_autoptr(GTask) task = owned_task;
  TesseraStore *self = g_task_get_source_object (task);
  WindowState *state = g_task_get_task_data (task);
  g_auto(TesseraSettingsBatch) batch = { 0, };
  g_autoptr(GError) error = NULL;
  gboolean stale;
  gboolean ok;

  /* Held: now whether our copy of the settings is the file's. */
  if (!tessera_settings_writer_begin (_tessera_store_get_writer (self), &stale, &error))
    {
      tessera_settings_writer_end (_tessera_store_get_writer (self));
      if (stale && state->retries++ < 40)
        {
          g_timeout_add (50, on_window_state_retry, g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_main_settings (self));
  tessera_settings_batch_set_int (&batch, "window-width", state->width);
  tessera_settings_batch_set_int (&batch, "window-height", state->height);
  tessera_settings_batch_set_boolean (&batch, "window-maximized", state->maximized);
  ok = tessera_settings_batch_apply (&batch, &error);
  tessera_settings_writer_end (_tessera_store_get_writer (self));
  tessera_settings_writer_end (_tessera_store_get_writer (self));

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_window_state_locked (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TesseraStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!tessera_settings_writer_lock_finish (_tessera_store_get_writer (self), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  window_state_write_locked (g_steal_pointer (&task));
}

/* Takes ownership of @owned_task. Free, the lock is taken and the size
 * written at once; held by another process, a thread waits for it. */
static void
window_state_lock (GTask *owned_task)
{
  TesseraStore *self = g_task_get_source_object (owned_task);

  if (tessera_settings_writer_try_lock (_tessera_store_get_writer (self)))
    window_state_write_locked (owned_task);
  else
    tessera_settings_writer_lock_async (_tessera_store_get_writer (self), NULL, on_window_state_locked, owned_task);
}

/**
 * tessera_store_save_window_state_async:
 *
 * Writes the window's size through the lock every Tessera process takes
 * (the keyfile backend rewrites its whole file: a write beside another
 * process's would undo it), waiting for the lock in a thread, never on
 * the main loop.
 */
void
tessera_store_save_window_state_async (TesseraStore        *self,
                                       int                  width,
                                       int                  height,
                                       gboolean             maximized,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;
  WindowState *state;

  g_return_if_fail (TESSERA_IS_STORE (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tessera_store_save_window_state_async);
  state = g_new0 (WindowState, 1);
  state->width = width;
  state->height = height;
  state->maximized = maximized;
  g_task_set_task_data (task, state, g_free);

  window_state_lock (task);
}

gboolean
tessera_store_save_window_state_finish (TesseraStore  *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
