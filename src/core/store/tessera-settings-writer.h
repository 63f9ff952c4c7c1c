/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-settings-writer.h: all-or-nothing GSettings writes beside other
 * processes
 *
 * One writer per store. It owns the lock shared by every Tessera process
 * and knows whether GSettings' keyfile backend holds what is in its file;
 * each write is a TesseraSettingsBatch that is applied whole or not at all.
 * Errors are TESSERA_STORE_ERROR_SETTINGS_FAILED.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The settings layout the store and the writer share: each credential's
 * keys are a relocatable schema at TESSERA_CREDENTIALS_PATH "<id>/". */
#define TESSERA_CREDENTIALS_PATH "/io/github/tessera/Tessera/credentials/"

/* Ids become settings paths: only the characters of a UUID (and of
 * Harness identifiers) are accepted. */
gboolean  tessera_settings_is_valid_id     (const char *id);
char     *tessera_settings_credential_path (const char *id);
/* A string array key, read fast even with thousands of elements. */
GStrv     tessera_settings_dup_strv        (GSettings  *settings,
                                            const char *key);

#define TESSERA_TYPE_SETTINGS_WRITER (tessera_settings_writer_get_type ())

G_DECLARE_FINAL_TYPE (TesseraSettingsWriter, tessera_settings_writer, TESSERA, SETTINGS_WRITER, GObject)

/**
 * TesseraSettingsWriterHook:
 * @path: the settings path about to be written
 *
 * Returning %FALSE fails the write as an unwritable key would. For tests.
 */
typedef gboolean (*TesseraSettingsWriterHook) (const char *path,
                                               gpointer    user_data);

/**
 * tessera_settings_writer_new:
 * @settings: the "io.github.tessera.Tessera" settings, whose "credentials"
 *   key lists the credentials
 * @credential_schema: the credentials' relocatable schema
 * @backend: (nullable): what @settings use; %NULL for the default
 */
TesseraSettingsWriter *tessera_settings_writer_new      (GSettings                 *settings,
                                                         GSettingsSchema           *credential_schema,
                                                         GSettingsBackend          *backend);
/* Takes the lock, and checks that writing now would not undo what another
 * process wrote. @stale: (out) (optional): set when that check failed
 * because the backend's copy lags behind the file, which the main loop
 * catches up on: then trying again a moment later may work. Nests. */
gboolean               tessera_settings_writer_begin    (TesseraSettingsWriter     *self,
                                                         gboolean                  *stale,
                                                         GError                   **error);
void                   tessera_settings_writer_end      (TesseraSettingsWriter     *self);
/* The lock alone, if free now: held on success until end(). */
gboolean               tessera_settings_writer_try_lock (TesseraSettingsWriter     *self);
/* The lock alone, waited for in a thread: held on success until end(). */
void                   tessera_settings_writer_lock_async  (TesseraSettingsWriter  *self,
                                                            GCancellable           *cancellable,
                                                            GAsyncReadyCallback     callback,
                                                            gpointer                user_data);
gboolean               tessera_settings_writer_lock_finish (TesseraSettingsWriter  *self,
                                                            GAsyncResult           *result,
                                                            GError                **error);
GStrv                  tessera_settings_writer_dup_credential_groups (TesseraSettingsWriter *self);
GStrv                  tessera_settings_writer_dup_listed            (TesseraSettingsWriter *self);
gboolean               tessera_settings_writer_file_changed          (TesseraSettingsWriter *self);
void                   tessera_settings_writer_set_hook (TesseraSettingsWriter     *self,
                                                         TesseraSettingsWriterHook  hook,
                                                         gpointer                   user_data);

/* One write: changes to one GSettings object, applied whole or not at all.
 * Initialize, set keys, apply; cleared with g_auto(). */
typedef struct
{
  /*< private >*/
  TesseraSettingsWriter *writer;
  GSettings             *settings;
  GHashTable            *old_values;   /* key → GVariant (NULL: unset), to undo */
  gboolean               failed;       /* a key was not writable */
  gboolean               unhooked;     /* not failed by the test hook */
} TesseraSettingsBatch;

/* @settings: (transfer full) */
void     tessera_settings_batch_init       (TesseraSettingsBatch     *batch,
                                            TesseraSettingsWriter    *writer,
                                            GSettings                *settings);
void     tessera_settings_batch_clear      (TesseraSettingsBatch     *batch);
void     tessera_settings_batch_set_string (TesseraSettingsBatch     *batch,
                                            const char               *key,
                                            const char               *value);
void     tessera_settings_batch_set_int64  (TesseraSettingsBatch     *batch,
                                            const char               *key,
                                            gint64                    value);
void     tessera_settings_batch_set_int    (TesseraSettingsBatch     *batch,
                                            const char               *key,
                                            int                       value);
void     tessera_settings_batch_set_boolean (TesseraSettingsBatch    *batch,
                                            const char               *key,
                                            gboolean                  value);
void     tessera_settings_batch_set_enum   (TesseraSettingsBatch     *batch,
                                            const char               *key,
                                            int                       value);
void     tessera_settings_batch_set_strv   (TesseraSettingsBatch     *batch,
                                            const char               *key,
                                            const char * const       *value);
/* Every key of the schema back to its default. */
void     tessera_settings_batch_reset_all  (TesseraSettingsBatch     *batch);
gboolean tessera_settings_batch_apply      (TesseraSettingsBatch     *batch,
                                            GError                  **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TesseraSettingsBatch, tessera_settings_batch_clear)

G_END_DECLS
