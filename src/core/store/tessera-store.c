/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store.c: the saved credentials, as a GListModel of TesseraCredential
 *
 * This file holds the class, the model and the lookups; the operations are
 * in the tessera-store-*.c files beside it (see tessera-store-private.h).
 *
 * Where things live:
 * - the ordered list of ids and the selection in "io.github.tessera.Tessera";
 * - each credential's metadata in a relocatable
 *   "io.github.tessera.Tessera.Credential" at .../credentials/<id>/;
 * - each token in a TesseraSecretBackend item whose "credential-id"
 *   attribute is the credential's "secret-id" key.
 *
 * Why "secret-id" and not just the id: replacing a token must write the
 * new item before the old one is cleared, so that a failure at any point
 * leaves one complete, usable token. The Secret Service replaces an item
 * whose attributes are identical, so two revisions of one credential's
 * token cannot share attributes: each token revision gets its own
 * "credential-id" value. It is the credential id for the first token and
 * a fresh UUID on each replacement; the metadata switches to the new value
 * before the old item is cleared.
 *
 * Ordering rules that keep everything whole:
 * - add: secret first, then the credential's keys, then the id in the
 *   list (the moment it exists); a failure undoes the earlier steps;
 * - remove: the id leaves the list first (the moment it is gone), then the
 *   secret, then the keys are reset; a failing keyring puts the id back;
 * - start-up and list changes read GSettings only: the keyring is called
 *   when a token is needed, never to show the list.
 *
 * Every metadata write goes through a TesseraSettingsBatch (a delayed
 * GSettings object per write) so that one write is applied whole or not at
 * all, under a lock shared with other processes, and so that tests can
 * make it fail through tessera_store_set_write_hook(). See
 * tessera-settings-writer.c.
 */
#define G_LOG_DOMAIN "tessera-store"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <string.h>
#include <gio/gsettingsbackend.h>
#include <glib/gi18n-lib.h>

#include "tessera-net-module.h"
#include "tessera-settings-snapshot.h"
#include "tessera-store-private.h"
#include "tessera-text.h"

#define SCHEMA_ID "io.github.tessera.Tessera"

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TesseraStore, tessera_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

G_DEFINE_QUARK (tessera-store-error-quark, tessera_store_error)

enum {
  PROP_0,
  PROP_SECRET_BACKEND,
  PROP_CLIENT,
  PROP_SETTINGS_BACKEND,
  PROP_READ_SNAPSHOT,
  PROP_READING,
  PROP_SELECTED_ID,
  PROP_VERIFYING,
  N_PROPS
};

enum {
  VERIFY_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Helpers: the model */

/* Every change to the model goes through here. */
void
_tessera_store_splice_items (TesseraStore      *self,
                             guint              position,
                             guint              n_removals,
                             TesseraCredential *addition)
{
  if (n_removals > 0)
    g_ptr_array_remove_range (self->items, position, n_removals);
  if (addition != NULL)
    g_ptr_array_insert (self->items, position, g_object_ref (addition));

  g_list_model_items_changed (G_LIST_MODEL (self), position, n_removals, addition != NULL ? 1 : 0);
}

gboolean
_tessera_store_find_index (TesseraStore *self,
                           const char   *id,
                           guint        *position)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (tessera_credential_get_id (credential), id) == 0)
        {
          if (position != NULL)
            *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

PendingRemoval *
_tessera_store_find_pending (TesseraStore *self,
                             const char   *id,
                             guint        *index)
{
  for (guint i = 0; i < self->pending->len; i++)
    {
      PendingRemoval *removal = g_ptr_array_index (self->pending, i);

      if (g_strcmp0 (tessera_credential_get_id (removal->credential), id) == 0)
        {
          if (index != NULL)
            *index = i;
          return removal;
        }
    }

  return NULL;
}

static void
pending_removal_free (PendingRemoval *removal)
{
  g_clear_object (&removal->credential);
  g_free (removal);
}

/* A credential that still belongs to the store: shown, or removed but not
 * committed. Results of work that finishes later are recorded only then,
 * so that nothing writes keys back after a removal was committed. */
gboolean
_tessera_store_is_current (TesseraStore      *self,
                           TesseraCredential *credential)
{
  PendingRemoval *removal;

  if (g_ptr_array_find (self->items, credential, NULL))
    return TRUE;

  removal = _tessera_store_find_pending (self, tessera_credential_get_id (credential), NULL);
  return removal != NULL && removal->credential == credential;
}

/* Helpers: what the other files of the store change */

void
_tessera_store_set_selected_id (TesseraStore *self,
                                const char   *id)
{
  if (g_set_str (&self->selected_id, id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ID]);
}

void
_tessera_store_set_verifying (TesseraStore *self,
                              gboolean      verifying)
{
  if (self->verifying == !!verifying)
    return;

  self->verifying = !!verifying;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFYING]);
}

void
_tessera_store_emit_verify_progress (TesseraStore *self,
                                     guint         done,
                                     guint         total)
{
  g_signal_emit (self, signals[VERIFY_PROGRESS], 0, done, total);
}

GError *
_tessera_store_not_found_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NOT_FOUND,
                              _("This credential no longer exists."));
}

GError *
_tessera_store_busy_error (void)
{
  return g_error_new_literal (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_BUSY,
                              _("This credential is being changed or checked. Try again when that has finished."));
}

/* GListModel */

static GType
tessera_store_get_item_type (GListModel *model)
{
  return TESSERA_TYPE_CREDENTIAL;
}

static guint
tessera_store_get_n_items (GListModel *model)
{
  return TESSERA_STORE (model)->items->len;
}

static gpointer
tessera_store_get_item (GListModel *model,
                        guint       position)
{
  TesseraStore *self = TESSERA_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tessera_store_get_item_type;
  iface->get_n_items = tessera_store_get_n_items;
  iface->get_item = tessera_store_get_item;
}

/* GObject */

static void
tessera_store_constructed (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  G_OBJECT_CLASS (tessera_store_parent_class)->constructed (object);

  self->schema = g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE);
  self->credential_schema = g_settings_schema_source_lookup (source, TESSERA_CREDENTIAL_SCHEMA_ID, TRUE);
  if (self->schema == NULL || self->credential_schema == NULL)
    g_error ("The settings schema %s is not installed", SCHEMA_ID);

  if (self->read_snapshot != NULL)
    {
      /* A command that only reads: the list, the selection and every
       * credential come from the snapshot; the real backend and the writer
       * are made on the first write, if one comes. */
      self->settings = g_settings_new_full (self->schema, self->read_snapshot, NULL);
      self->read_backend = g_object_ref (self->read_snapshot);
    }
  else
    {
      self->settings = _tessera_store_new_main_settings (self);
      self->read_backend = self->settings_backend != NULL ? g_object_ref (self->settings_backend)
                                                          : g_settings_backend_get_default ();
      self->writer = tessera_settings_writer_new (self->settings, self->credential_schema,
                                                  self->settings_backend);
    }

  _tessera_store_follow_settings (self);
}

static void
tessera_store_dispose (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->writer);
  g_clear_object (&self->secrets);
  g_clear_object (&self->client);
  g_clear_object (&self->network_monitor);
  g_clear_object (&self->settings_backend);
  g_clear_object (&self->read_backend);
  g_clear_object (&self->read_snapshot);
  g_clear_handle_id (&self->watch_id, g_source_remove);
  if (self->unwatched != NULL)
    g_queue_clear_full (self->unwatched, g_object_unref);

  /* Removals that were never committed are forgotten: nothing was
   * deleted, so the credentials come back next time. */
  if (self->pending != NULL)
    g_ptr_array_set_size (self->pending, 0);
  if (self->items != NULL)
    g_ptr_array_set_size (self->items, 0);

  G_OBJECT_CLASS (tessera_store_parent_class)->dispose (object);
}

static void
tessera_store_finalize (GObject *object)
{
  TesseraStore *self = TESSERA_STORE (object);

  g_clear_pointer (&self->schema, g_settings_schema_unref);
  g_clear_pointer (&self->credential_schema, g_settings_schema_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->unwatched, g_queue_free);
  g_free (self->selected_id);

  G_OBJECT_CLASS (tessera_store_parent_class)->finalize (object);
}

static void
tessera_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TesseraStore *self = TESSERA_STORE (object);

  switch (prop_id)
    {
    case PROP_SECRET_BACKEND:
      g_value_set_object (value, tessera_store_get_secret_backend (self));
      break;
    case PROP_CLIENT:
      g_value_set_object (value, tessera_store_get_client (self));
      break;
    case PROP_SETTINGS_BACKEND:
      g_value_set_object (value, self->settings_backend);
      break;
    case PROP_SELECTED_ID:
      g_value_set_string (value, tessera_store_get_selected_id (self));
      break;
    case PROP_VERIFYING:
      g_value_set_boolean (value, tessera_store_get_verifying (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TesseraStore *self = TESSERA_STORE (object);

  switch (prop_id)
    {
    case PROP_SECRET_BACKEND:
      self->secrets = g_value_dup_object (value);
      break;
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      if (self->client != NULL && !TESSERA_IS_HARNESS_CLIENT (self->client))
        {
          g_critical ("A %s is not a TesseraHarnessClient", G_OBJECT_TYPE_NAME (self->client));
          g_clear_object (&self->client);
        }
      break;
    case PROP_SETTINGS_BACKEND:
      self->settings_backend = g_value_dup_object (value);
      break;

    case PROP_READ_SNAPSHOT:
      self->read_snapshot = g_value_dup_object (value);
      break;

    case PROP_READING:
      self->reading = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_store_class_init (TesseraStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tessera_store_constructed;
  object_class->dispose = tessera_store_dispose;
  object_class->finalize = tessera_store_finalize;
  object_class->get_property = tessera_store_get_property;
  object_class->set_property = tessera_store_set_property;

  properties[PROP_SECRET_BACKEND] =
    g_param_spec_object ("secret-backend", NULL, NULL,
                         TESSERA_TYPE_SECRET_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* A TesseraHarnessClient: its type lives in the network module, which
   * making a store must not load (see tessera-net-module.h). */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         G_TYPE_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS_BACKEND] =
    g_param_spec_object ("settings-backend", NULL, NULL,
                         G_TYPE_SETTINGS_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READ_SNAPSHOT] =
    g_param_spec_object ("read-snapshot", NULL, NULL,
                         G_TYPE_SETTINGS_BACKEND,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READING] =
    g_param_spec_boolean ("reading", NULL, NULL, FALSE,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_ID] =
    g_param_spec_string ("selected-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFYING] =
    g_param_spec_boolean ("verifying", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TesseraStore::verify-progress:
   * @done: how many verifications have finished
   * @total: how many this verify-all runs
   */
  signals[VERIFY_PROGRESS] =
    g_signal_new ("verify-progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
tessera_store_init (TesseraStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_removal_free);
  self->max_concurrent = DEFAULT_MAX_CONCURRENT;
  self->watch_credentials = TRUE;
  self->unwatched = g_queue_new ();
}

/* Public API: lookups and the selection */

TesseraStore *
tessera_store_new (TesseraSecretBackend *secrets,
                   TesseraHarnessClient *client)
{
  return tessera_store_new_full (secrets, client, NULL);
}

/**
 * tessera_store_new_reading:
 *
 * A store for a command that reads (`token`, `exec`, `list`, …): its
 * credentials read each key when it is first asked for, alone. Where
 * GSettings keeps its values in a keyfile, it reads a snapshot of that
 * file instead of starting GLib's keyfile backend, which costs more than
 * the rest of such a command (tessera-settings-snapshot.c). Anything it
 * writes on the way (a key found missing from the keyring) still goes
 * through the real backend, under the settings lock; it does not follow
 * changes made afterwards.
 *
 * Returns: (transfer full): a store
 */
TesseraStore *
tessera_store_new_reading (TesseraSecretBackend *secrets,
                           TesseraHarnessClient *client)
{
  g_autoptr(GSettingsBackend) snapshot = tessera_settings_snapshot_new_if_keyfile ();

  g_return_val_if_fail (secrets == NULL || TESSERA_IS_SECRET_BACKEND (secrets), NULL);
  g_return_val_if_fail (client == NULL || TESSERA_IS_HARNESS_CLIENT (client), NULL);

  return g_object_new (TESSERA_TYPE_STORE,
                       "secret-backend", secrets,
                       "client", client,
                       "read-snapshot", snapshot,
                       "reading", TRUE,
                       NULL);
}

/**
 * tessera_store_sync:
 *
 * Sends settings writes that may still be queued (dconf) before the
 * process goes away. A store that read a snapshot and wrote nothing has
 * nothing queued, and does not start the real backend to find out.
 */
void
tessera_store_sync (TesseraStore *self)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  if (self->read_snapshot != NULL && self->writer == NULL)
    return;

  g_settings_sync ();
}

/* The writer, made on the first write by a store that reads a snapshot. */
TesseraSettingsWriter *
_tessera_store_get_writer (TesseraStore *self)
{
  if (self->writer == NULL)
    {
      g_autoptr(GSettings) settings = _tessera_store_new_main_settings (self);

      self->writer = tessera_settings_writer_new (settings, self->credential_schema,
                                                  self->settings_backend);
    }

  return self->writer;
}

/**
 * tessera_store_new_full:
 *
 * Returns: (transfer full): a store over @settings_backend
 */
TesseraStore *
tessera_store_new_full (TesseraSecretBackend *secrets,
                        TesseraHarnessClient *client,
                        GSettingsBackend     *settings_backend)
{
  g_return_val_if_fail (secrets == NULL || TESSERA_IS_SECRET_BACKEND (secrets), NULL);
  g_return_val_if_fail (client == NULL || TESSERA_IS_HARNESS_CLIENT (client), NULL);
  g_return_val_if_fail (settings_backend == NULL || G_IS_SETTINGS_BACKEND (settings_backend), NULL);

  return g_object_new (TESSERA_TYPE_STORE,
                       "secret-backend", secrets,
                       "client", client,
                       "settings-backend", settings_backend,
                       NULL);
}

/**
 * tessera_store_get_client:
 *
 * Created on first use, so that listing credentials never sets up HTTP.
 *
 * Returns: (transfer none) (nullable): the Harness client; %NULL in a
 *   program whose network module could not be loaded, where
 *   tessera_harness_client_verify_async() reports why (see
 *   tessera-net-module.h)
 */
TesseraHarnessClient *
tessera_store_get_client (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (self->client == NULL)
    self->client = tessera_harness_client_new ();

  return self->client;
}

/**
 * tessera_store_get_settings:
 *
 * Returns: (transfer none): the "io.github.tessera.Tessera" settings
 */
GSettings *
tessera_store_get_settings (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return self->settings;
}

/**
 * tessera_store_get_secret_backend:
 *
 * Without a backend given at construction, the Secret Service's is made on
 * first use, like the client: start-up and listing never load libsecret.
 *
 * Returns: (transfer none): where the tokens are
 */
TesseraSecretBackend *
tessera_store_get_secret_backend (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (self->secrets == NULL)
    self->secrets = tessera_libsecret_backend_new ();

  return self->secrets;
}

/**
 * tessera_store_lookup:
 *
 * Returns: (transfer none) (nullable): the credential with @id
 */
TesseraCredential *
tessera_store_lookup (TesseraStore *self,
                      const char   *id)
{
  guint position;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (id == NULL || !_tessera_store_find_index (self, id, &position))
    return NULL;

  return g_ptr_array_index (self->items, position);
}

static char *
fold_name (const char *name)
{
  return tessera_text_fold (name);
}

TesseraCredential *
_tessera_store_find_by_folded_name (TesseraStore *self,
                                    const char   *folded,
                                    const char   *exclude_id)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (self->items, i);
      g_autofree char *other = NULL;

      if (g_strcmp0 (tessera_credential_get_id (credential), exclude_id) == 0)
        continue;

      other = fold_name (tessera_credential_get_name (credential));
      if (strcmp (other, folded) == 0)
        return credential;
    }

  return NULL;
}

/**
 * tessera_store_find_by_name:
 *
 * Returns: (transfer none) (nullable): the credential called @name
 */
TesseraCredential *
tessera_store_find_by_name (TesseraStore *self,
                            const char   *name)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return NULL;

  folded = fold_name (name);
  if (*folded == '\0')
    return NULL;

  return _tessera_store_find_by_folded_name (self, folded, NULL);
}

/**
 * tessera_store_get_selected:
 *
 * Returns: (transfer none) (nullable): the selected credential
 */
TesseraCredential *
tessera_store_get_selected (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return tessera_store_lookup (self, self->selected_id);
}

const char *
tessera_store_get_selected_id (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), NULL);

  return self->selected_id;
}

gboolean
tessera_store_select (TesseraStore  *self,
                      const char    *id,
                      GError       **error)
{
  g_auto(TesseraSettingsBatch) batch = { 0, };

  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id == NULL)
    id = "";

  if (*id != '\0' && !_tessera_store_find_index (self, id, NULL))
    {
      g_propagate_error (error, _tessera_store_not_found_error ());
      return FALSE;
    }

  tessera_settings_batch_init (&batch, _tessera_store_get_writer (self), _tessera_store_new_main_settings (self));
  tessera_settings_batch_set_string (&batch, "selected-credential", id);
  if (!tessera_settings_batch_apply (&batch, error))
    return FALSE;

  _tessera_store_sync_selection (self);
  return TRUE;
}

void
tessera_store_set_max_concurrent (TesseraStore *self,
                                  guint         max_concurrent)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->max_concurrent = MAX (max_concurrent, 1);
}

guint
tessera_store_get_max_concurrent (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), DEFAULT_MAX_CONCURRENT);

  return self->max_concurrent;
}

gboolean
tessera_store_get_verifying (TesseraStore *self)
{
  g_return_val_if_fail (TESSERA_IS_STORE (self), FALSE);

  return self->verifying;
}

/* Public API: seams */

static gboolean
call_write_hook (const char *path,
                 gpointer    user_data)
{
  TesseraStore *self = TESSERA_STORE (user_data);

  return self->write_hook (self, path, self->write_hook_data);
}

void
tessera_store_set_network_monitor (TesseraStore    *self,
                                   GNetworkMonitor *monitor)
{
  g_return_if_fail (TESSERA_IS_STORE (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  g_set_object (&self->network_monitor, monitor);
}

void
tessera_store_set_write_hook (TesseraStore          *self,
                              TesseraStoreWriteHook  hook,
                              gpointer               user_data)
{
  g_return_if_fail (TESSERA_IS_STORE (self));

  self->write_hook = hook;
  self->write_hook_data = user_data;
  tessera_settings_writer_set_hook (_tessera_store_get_writer (self), hook != NULL ? call_write_hook : NULL, self);
}
