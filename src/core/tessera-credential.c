/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential.c: one saved credential's metadata (never its token)
 *
 * The values live in relocatable GSettings at
 * /io/github/tessera/Tessera/credentials/<id>/. This object caches them so
 * that getters can return borrowed strings. It reads them when one is
 * first asked for, straight from the settings backend, without a
 * GSettings object: at thousands of credentials, one GSettings each
 * (under dconf, one D-Bus match rule each) was most of the start-up, and
 * the window first shows a dozen of them. Once watched (see
 * _tessera_credential_watch()), it re-reads a key whenever GSettings says
 * it changed, whoever changed it: the store in this process, or the
 * command line in another one.
 */
#define G_LOG_DOMAIN "tessera-store"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <string.h>
#include <gio/gsettingsbackend.h>
#include <glib/gi18n-lib.h>

#include "tessera-credential-private.h"
#include "tessera-enums.h"
#include "tessera-status-detail.h"

#define DAY_MS ((gint64) 24 * 60 * 60 * 1000)
#define ATTENTION_DAYS 7

struct _TesseraCredential
{
  GObject                  parent_instance;

  char                    *id;
  char                    *path;
  GSettingsBackend        *backend;
  GSettingsSchema         *schema;
  GSettings               *settings;      /* NULL until watched */

  char                    *name;
  char                    *description;
  char                    *account_id;
  char                    *account_name;
  char                    *base_url;
  TesseraCredentialKind    kind;
  TesseraCredentialStatus  status;
  char                    *status_code;
  char                   **status_args;
  char                    *legacy_detail;  /* "status-detail" of old versions */
  char                    *status_detail;  /* composed from the above */
  char                    *owner_name;
  char                    *owner_email;
  gint64                   created;
  gint64                   last_verified;
  gint64                   expires;
  char                    *correlation_id;
  char                    *secret_id;

  char                    *token_hint;
  guint32                  loaded;        /* one bit per row of fields[] */
  guint                    per_field : 1; /* see ensure_field() */
  guint                    selected : 1;
  guint                    checking : 1;
  guint                    busy : 1;
};

G_DEFINE_FINAL_TYPE (TesseraCredential, tessera_credential, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_ACCOUNT_ID,
  PROP_ACCOUNT_NAME,
  PROP_BASE_URL,
  PROP_KIND,
  PROP_STATUS,
  PROP_STATUS_DETAIL,
  PROP_OWNER_NAME,
  PROP_OWNER_EMAIL,
  PROP_CREATED,
  PROP_LAST_VERIFIED,
  PROP_EXPIRES,
  PROP_CORRELATION_ID,
  PROP_TOKEN_HINT,
  PROP_DAYS_TO_EXPIRY,
  PROP_NEEDS_ATTENTION,
  PROP_SELECTED,
  PROP_CHECKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  FIELD_STRING,
  FIELD_STRV,
  FIELD_INT64,
  FIELD_ENUM,
} FieldType;

/* The rows of fields[], in order. */
typedef enum
{
  F_NAME,
  F_DESCRIPTION,
  F_ACCOUNT_ID,
  F_ACCOUNT_NAME,
  F_BASE_URL,
  F_KIND,
  F_STATUS,
  F_STATUS_CODE,
  F_STATUS_ARGS,
  F_LEGACY_DETAIL,
  F_OWNER_NAME,
  F_OWNER_EMAIL,
  F_CREATED,
  F_LAST_VERIFIED,
  F_EXPIRES,
  F_CORRELATION_ID,
  F_SECRET_ID,
  N_FIELDS
} Field;

#define FIELD_BIT(i) (1u << (i))
#define ALL_FIELDS   (FIELD_BIT (N_FIELDS) - 1)

/* One row per GSettings key: where its cached value lives and which
 * property reports it (0 for the internal "secret-id"). */
static const struct
{
  const char *key;
  FieldType   type;
  gsize       offset;
  guint       prop;
  GType     (*enum_type) (void);
} fields[] = {
  { "name",           FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, name),           PROP_NAME, NULL },
  { "description",    FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, description),    PROP_DESCRIPTION, NULL },
  { "account-id",     FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, account_id),     PROP_ACCOUNT_ID, NULL },
  { "account-name",   FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, account_name),   PROP_ACCOUNT_NAME, NULL },
  { "base-url",       FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, base_url),       PROP_BASE_URL, NULL },
  { "kind",           FIELD_ENUM,   G_STRUCT_OFFSET (TesseraCredential, kind),           PROP_KIND,
    tessera_credential_kind_get_type },
  { "status",         FIELD_ENUM,   G_STRUCT_OFFSET (TesseraCredential, status),         PROP_STATUS,
    tessera_credential_status_get_type },
  { "status-code",    FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, status_code),    PROP_STATUS_DETAIL, NULL },
  { "status-args",    FIELD_STRV,   G_STRUCT_OFFSET (TesseraCredential, status_args),    PROP_STATUS_DETAIL, NULL },
  { "status-detail",  FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, legacy_detail),  PROP_STATUS_DETAIL, NULL },
  { "owner-name",     FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, owner_name),     PROP_OWNER_NAME, NULL },
  { "owner-email",    FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, owner_email),    PROP_OWNER_EMAIL, NULL },
  { "created",        FIELD_INT64,  G_STRUCT_OFFSET (TesseraCredential, created),        PROP_CREATED, NULL },
  { "last-verified",  FIELD_INT64,  G_STRUCT_OFFSET (TesseraCredential, last_verified),  PROP_LAST_VERIFIED, NULL },
  { "expires",        FIELD_INT64,  G_STRUCT_OFFSET (TesseraCredential, expires),        PROP_EXPIRES, NULL },
  { "correlation-id", FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, correlation_id), PROP_CORRELATION_ID, NULL },
  { "secret-id",      FIELD_STRING, G_STRUCT_OFFSET (TesseraCredential, secret_id),      PROP_0, NULL },
};
G_STATIC_ASSERT (G_N_ELEMENTS (fields) == N_FIELDS);

/* The schema's keys, looked up once: there is one credential schema. */
static GSettingsSchemaKey *
schema_key (GSettingsSchema *schema,
            guint            i)
{
  static GSettingsSchemaKey *keys[G_N_ELEMENTS (fields)];
  static GSettingsSchema *keys_schema;

  if (keys_schema != schema)
    {
      for (guint j = 0; j < G_N_ELEMENTS (fields); j++)
        {
          g_clear_pointer (&keys[j], g_settings_schema_key_unref);
          keys[j] = g_settings_schema_get_key (schema, fields[j].key);
        }
      keys_schema = schema;
    }

  return keys[i];
}

/* What g_settings_get_value() would return for the key: the stored value
 * when there is a valid one, else the schema's default. */
static GVariant *
read_value (TesseraCredential *self,
            guint              i)
{
  GSettingsSchemaKey *key = schema_key (self->schema, i);
  const GVariantType *type = g_settings_schema_key_get_value_type (key);
  g_autofree char *full_key = g_strconcat (self->path, fields[i].key, NULL);
  GVariant *value;

  value = G_SETTINGS_BACKEND_GET_CLASS (self->backend)->read_user_value (self->backend, full_key, type);
  if (value != NULL)
    value = g_variant_take_ref (value);
  if (value != NULL && (!g_variant_is_of_type (value, type) || !g_settings_schema_key_range_check (key, value)))
    g_clear_pointer (&value, g_variant_unref);
  if (value == NULL)
    value = g_settings_schema_key_get_default_value (key);

  return value;
}

static int
enum_value (GType       type,
            const char *nick)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (type);
  GEnumValue *value = g_enum_get_value_by_nick (enum_class, nick);

  /* The range check let only the schema's nicks through, and the schema's
   * enums are made from these types. */
  g_return_val_if_fail (value != NULL, 0);
  return value->value;
}

static char *
build_token_hint (TesseraCredentialKind  kind,
                  const char            *account_id)
{
  const char *prefix;

  switch (kind)
    {
    case TESSERA_CREDENTIAL_KIND_PAT:
      prefix = "pat";
      break;
    case TESSERA_CREDENTIAL_KIND_SAT:
      prefix = "sat";
      break;
    case TESSERA_CREDENTIAL_KIND_UNKNOWN:
    default:
      return g_strdup ("••••");
    }

  if (account_id != NULL && *account_id != '\0')
    return g_strdup_printf ("%s.%s.••••", prefix, account_id);

  return g_strdup_printf ("%s.••••", prefix);
}

/* Puts one key's value in the cache. Returns TRUE when it changed. */
static gboolean
store_field (TesseraCredential *self,
             guint              i,
             GVariant          *stored)
{
  gpointer field = G_STRUCT_MEMBER_P (self, fields[i].offset);

  switch (fields[i].type)
    {
    case FIELD_STRING:
      {
        char **slot = field;
        g_autofree char *value = g_variant_dup_string (stored, NULL);

        if (g_strcmp0 (*slot, value) == 0)
          return FALSE;
        g_free (*slot);
        *slot = g_steal_pointer (&value);
        return TRUE;
      }

    case FIELD_STRV:
      {
        char ***slot = field;
        g_auto(GStrv) value = g_variant_dup_strv (stored, NULL);

        if (*slot != NULL && g_strv_equal ((const char * const *) *slot, (const char * const *) value))
          return FALSE;
        g_strfreev (*slot);
        *slot = g_steal_pointer (&value);
        return TRUE;
      }

    case FIELD_INT64:
      {
        gint64 *slot = field;
        gint64 value = g_variant_get_int64 (stored);

        if (*slot == value)
          return FALSE;
        *slot = value;
        return TRUE;
      }

    case FIELD_ENUM:
      {
        int *slot = field;
        int value = enum_value (fields[i].enum_type (), g_variant_get_string (stored, NULL));

        if (*slot == value)
          return FALSE;
        *slot = value;
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

/* Reads one key into the cache. Returns TRUE when the value changed. */
static gboolean
read_field (TesseraCredential *self,
            guint              i)
{
  g_autoptr(GVariant) stored = read_value (self, i);

  return store_field (self, i, stored);
}

static void
update_token_hint (TesseraCredential *self)
{
  g_autofree char *hint = NULL;

  /* Never built: nobody has seen one to tell of a change. */
  if (self->token_hint == NULL)
    return;

  hint = build_token_hint (self->kind, self->account_id);

  if (g_strcmp0 (hint, self->token_hint) == 0)
    return;

  g_free (self->token_hint);
  self->token_hint = g_steal_pointer (&hint);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN_HINT]);
}

/* Reads the keys the first time a value is asked for: the store makes
 * every credential at start-up, and the window first shows a dozen. Every
 * key at once, so that from then on every property reports its changes;
 * or, for a command that only reads and never listens (per_field), that
 * key alone: `tessera list` shows five of the seventeen keys, and at
 * 10 000 credentials reading all seventeen was most of it. */
static void
ensure_field (TesseraCredential *self,
              Field              i)
{
  if (self->loaded & FIELD_BIT (i))
    return;

  if (self->per_field)
    {
      self->loaded |= FIELD_BIT (i);
      read_field (self, i);
      return;
    }

  for (guint j = 0; j < N_FIELDS; j++)
    if (!(self->loaded & FIELD_BIT (j)))
      read_field (self, j);
  self->loaded = ALL_FIELDS;
}

/* Reads @only_key (every key when NULL) and notifies the properties that
 * changed, derived ones included. A key not read yet has nothing to
 * compare with, and nobody has seen its value: the first getter reads
 * what is stored then. */
static void
reload_fields (TesseraCredential *self,
               const char        *only_key)
{
  gboolean changed[G_N_ELEMENTS (fields)] = { FALSE, };
  gboolean expiry_changed = FALSE;

  if (self->loaded == 0)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (only_key != NULL && strcmp (only_key, fields[i].key) != 0)
        continue;
      if (!(self->loaded & FIELD_BIT (i)))
        continue;

      changed[i] = read_field (self, i);
      if (changed[i] && fields[i].prop != PROP_0)
        g_object_notify_by_pspec (G_OBJECT (self), properties[fields[i].prop]);
      if (changed[i] && (fields[i].prop == PROP_EXPIRES || fields[i].prop == PROP_STATUS))
        expiry_changed = TRUE;
    }

  update_token_hint (self);

  if (expiry_changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DAYS_TO_EXPIRY]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_ATTENTION]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_settings_changed (GSettings         *settings,
                     const char        *key,
                     TesseraCredential *self)
{
  reload_fields (self, key);
}

static void
tessera_credential_dispose (GObject *object)
{
  TesseraCredential *self = TESSERA_CREDENTIAL (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_func (self->settings, on_settings_changed, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->backend);
  g_clear_pointer (&self->schema, g_settings_schema_unref);

  G_OBJECT_CLASS (tessera_credential_parent_class)->dispose (object);
}

static void
tessera_credential_finalize (GObject *object)
{
  TesseraCredential *self = TESSERA_CREDENTIAL (object);

  g_free (self->id);
  g_free (self->path);
  g_free (self->token_hint);

  g_free (self->status_detail);

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].type == FIELD_STRING)
      g_free (G_STRUCT_MEMBER (char *, self, fields[i].offset));
    else if (fields[i].type == FIELD_STRV)
      g_strfreev (G_STRUCT_MEMBER (char **, self, fields[i].offset));

  G_OBJECT_CLASS (tessera_credential_parent_class)->finalize (object);
}

static void
tessera_credential_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TesseraCredential *self = TESSERA_CREDENTIAL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, tessera_credential_get_id (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, tessera_credential_get_name (self));
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, tessera_credential_get_description (self));
      break;
    case PROP_ACCOUNT_ID:
      g_value_set_string (value, tessera_credential_get_account_id (self));
      break;
    case PROP_ACCOUNT_NAME:
      g_value_set_string (value, tessera_credential_get_account_name (self));
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, tessera_credential_get_base_url (self));
      break;
    case PROP_KIND:
      g_value_set_enum (value, tessera_credential_get_kind (self));
      break;
    case PROP_STATUS:
      g_value_set_enum (value, tessera_credential_get_status (self));
      break;
    case PROP_STATUS_DETAIL:
      g_value_set_string (value, tessera_credential_get_status_detail (self));
      break;
    case PROP_OWNER_NAME:
      g_value_set_string (value, tessera_credential_get_owner_name (self));
      break;
    case PROP_OWNER_EMAIL:
      g_value_set_string (value, tessera_credential_get_owner_email (self));
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, tessera_credential_get_created (self));
      break;
    case PROP_LAST_VERIFIED:
      g_value_set_int64 (value, tessera_credential_get_last_verified (self));
      break;
    case PROP_EXPIRES:
      g_value_set_int64 (value, tessera_credential_get_expires (self));
      break;
    case PROP_CORRELATION_ID:
      g_value_set_string (value, tessera_credential_get_correlation_id (self));
      break;
    case PROP_TOKEN_HINT:
      g_value_set_string (value, tessera_credential_get_token_hint (self));
      break;
    case PROP_DAYS_TO_EXPIRY:
      g_value_set_int (value, tessera_credential_get_days_to_expiry (self));
      break;
    case PROP_NEEDS_ATTENTION:
      g_value_set_boolean (value, tessera_credential_get_needs_attention (self));
      break;
    case PROP_SELECTED:
      g_value_set_boolean (value, tessera_credential_get_selected (self));
      break;
    case PROP_CHECKING:
      g_value_set_boolean (value, tessera_credential_get_checking (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, "",
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
int64_property (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
tessera_credential_class_init (TesseraCredentialClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tessera_credential_dispose;
  object_class->finalize = tessera_credential_finalize;
  object_class->get_property = tessera_credential_get_property;

  properties[PROP_ID] = string_property ("id");
  properties[PROP_NAME] = string_property ("name");
  properties[PROP_DESCRIPTION] = string_property ("description");
  properties[PROP_ACCOUNT_ID] = string_property ("account-id");
  properties[PROP_ACCOUNT_NAME] = string_property ("account-name");
  properties[PROP_BASE_URL] = string_property ("base-url");
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       TESSERA_TYPE_CREDENTIAL_KIND, TESSERA_CREDENTIAL_KIND_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       TESSERA_TYPE_CREDENTIAL_STATUS, TESSERA_CREDENTIAL_STATUS_UNVERIFIED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS_DETAIL] = string_property ("status-detail");
  properties[PROP_OWNER_NAME] = string_property ("owner-name");
  properties[PROP_OWNER_EMAIL] = string_property ("owner-email");
  properties[PROP_CREATED] = int64_property ("created");
  properties[PROP_LAST_VERIFIED] = int64_property ("last-verified");
  properties[PROP_EXPIRES] = int64_property ("expires");
  properties[PROP_CORRELATION_ID] = string_property ("correlation-id");
  properties[PROP_TOKEN_HINT] = string_property ("token-hint");
  properties[PROP_DAYS_TO_EXPIRY] =
    g_param_spec_int ("days-to-expiry", NULL, NULL, G_MININT, G_MAXINT, G_MAXINT,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NEEDS_ATTENTION] = boolean_property ("needs-attention");
  properties[PROP_SELECTED] = boolean_property ("selected");
  properties[PROP_CHECKING] = boolean_property ("checking");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tessera_credential_init (TesseraCredential *self)
{
}

TesseraCredential *
_tessera_credential_new (const char       *id,
                         const char       *path,
                         GSettingsSchema  *schema,
                         GSettingsBackend *backend)
{
  TesseraCredential *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (path != NULL && g_str_has_suffix (path, "/"), NULL);
  g_return_val_if_fail (schema != NULL, NULL);
  g_return_val_if_fail (G_IS_SETTINGS_BACKEND (backend), NULL);

  self = g_object_new (TESSERA_TYPE_CREDENTIAL, NULL);
  self->id = g_strdup (id);
  self->path = g_strdup (path);
  self->schema = g_settings_schema_ref (schema);
  self->backend = g_object_ref (backend);

  return self;
}

void
_tessera_credential_watch (TesseraCredential *self)
{
  guint32 seen;

  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  if (self->settings != NULL)
    return;

  self->settings = g_settings_new_full (self->schema, self->backend, self->path);

  /* GSettings reports a key's changes only once it has been read with a
   * handler connected: connect first, then read everything. Values not
   * read yet are kept now, in the background, rather than read by the
   * first search. */
  g_signal_connect (self->settings, "changed", G_CALLBACK (on_settings_changed), self);
  seen = self->loaded;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (self->settings, fields[i].key);

      if (!(seen & FIELD_BIT (i)))
        store_field (self, i, value);
    }
  self->loaded = ALL_FIELDS;

  /* Values read before: whatever changed since. */
  if (seen != 0)
    reload_fields (self, NULL);
}

/* For a command that only reads: each key is read when first asked for,
 * alone (see ensure_field()). */
void
_tessera_credential_set_read_per_field (TesseraCredential *self,
                                        gboolean           per_field)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  self->per_field = !!per_field;
}

gboolean
_tessera_credential_get_watched (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), FALSE);

  return self->settings != NULL;
}

const char *
_tessera_credential_get_secret_id (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_SECRET_ID);

  /* Metadata written before "secret-id" existed: the first revision's
   * item is keyed by the credential id. */
  if (self->secret_id == NULL || *self->secret_id == '\0')
    return self->id;

  return self->secret_id;
}

void
_tessera_credential_reload (TesseraCredential *self)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  reload_fields (self, NULL);
}

void
_tessera_credential_set_selected (TesseraCredential *self,
                                  gboolean           selected)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  selected = !!selected;
  if (self->selected == selected)
    return;

  self->selected = selected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

void
_tessera_credential_set_checking (TesseraCredential *self,
                                  gboolean           checking)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  checking = !!checking;
  if (self->checking == checking)
    return;

  self->checking = checking;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKING]);
}

gboolean
_tessera_credential_get_busy (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), FALSE);

  return self->busy;
}

void
_tessera_credential_set_busy (TesseraCredential *self,
                              gboolean           busy)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL (self));

  self->busy = !!busy;
}

/* Public API */

const char *
tessera_credential_get_id (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);

  return self->id;
}

const char *
tessera_credential_get_name (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_NAME);

  return self->name;
}

const char *
tessera_credential_get_description (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_DESCRIPTION);

  return self->description;
}

const char *
tessera_credential_get_account_id (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_ACCOUNT_ID);

  return self->account_id;
}

const char *
tessera_credential_get_account_name (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_ACCOUNT_NAME);

  return self->account_name;
}

const char *
tessera_credential_get_base_url (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_BASE_URL);

  return self->base_url;
}

TesseraCredentialKind
tessera_credential_get_kind (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), TESSERA_CREDENTIAL_KIND_UNKNOWN);
  ensure_field (self, F_KIND);

  return self->kind;
}

TesseraCredentialStatus
tessera_credential_get_status (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), TESSERA_CREDENTIAL_STATUS_UNVERIFIED);
  ensure_field (self, F_STATUS);

  return self->status;
}

/**
 * tessera_credential_get_status_detail:
 *
 * The sentence is composed now, in the current language, from the code
 * the check saved (see tessera-status-detail.h).
 *
 * Returns: (transfer none): a sentence explaining the status, or ""
 */
const char *
tessera_credential_get_status_detail (TesseraCredential *self)
{
  g_autofree char *detail = NULL;

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_STATUS_CODE);
  ensure_field (self, F_STATUS_ARGS);
  ensure_field (self, F_LEGACY_DETAIL);

  /* Only older versions write "status-detail", and every status this
   * version writes clears it: a sentence there is newer than the code. */
  if (self->legacy_detail != NULL && *self->legacy_detail != '\0')
    {
      g_autofree char *code = NULL;
      g_auto(GStrv) args = NULL;

      tessera_status_detail_from_sentence (self->legacy_detail, &code, &args);
      detail = tessera_status_detail_compose (code, (const char * const *) args);
    }
  else
    detail = tessera_status_detail_compose (self->status_code, (const char * const *) self->status_args);

  /* The same pointer while the sentence stays the same. */
  if (g_strcmp0 (detail, self->status_detail) != 0)
    {
      g_free (self->status_detail);
      self->status_detail = g_steal_pointer (&detail);
    }

  return self->status_detail;
}

const char *
_tessera_credential_get_legacy_status_detail (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_LEGACY_DETAIL);

  return self->legacy_detail;
}

const char *
tessera_credential_get_owner_name (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_OWNER_NAME);

  return self->owner_name;
}

const char *
tessera_credential_get_owner_email (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_OWNER_EMAIL);

  return self->owner_email;
}

gint64
tessera_credential_get_created (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), 0);
  ensure_field (self, F_CREATED);

  return self->created;
}

gint64
tessera_credential_get_last_verified (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), 0);
  ensure_field (self, F_LAST_VERIFIED);

  return self->last_verified;
}

gint64
tessera_credential_get_expires (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), 0);
  ensure_field (self, F_EXPIRES);

  return self->expires;
}

const char *
tessera_credential_get_correlation_id (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_CORRELATION_ID);

  return self->correlation_id;
}

/**
 * tessera_credential_get_token_hint:
 *
 * Built from the kind and the account id, never from the token: no
 * keyring call is needed to show it.
 *
 * Returns: "pat.<account>.••••", "sat.<account>.••••" or "••••"
 */
const char *
tessera_credential_get_token_hint (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), NULL);
  ensure_field (self, F_KIND);
  ensure_field (self, F_ACCOUNT_ID);
  if (self->token_hint == NULL)
    self->token_hint = build_token_hint (self->kind, self->account_id);

  return self->token_hint;
}

int
tessera_credential_get_days_to_expiry (TesseraCredential *self)
{
  gint64 now_ms;
  gint64 left_ms;
  gint64 days;

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), G_MAXINT);
  ensure_field (self, F_EXPIRES);

  if (self->expires <= 0)
    return G_MAXINT;

  now_ms = g_get_real_time () / 1000;
  left_ms = self->expires - now_ms;

  /* Round away from the moment of expiry: a key made to last 3 days is
   * checked a few seconds later, and still expires "in 3 days"; anything
   * under a day is 1. From the moment it expires, the first day is -1. */
  if (left_ms > 0)
    days = 1 + (left_ms - 1) / DAY_MS;
  else
    days = -1 - (-left_ms) / DAY_MS;

  return (int) CLAMP (days, G_MININT + 1, G_MAXINT - 1);
}

gboolean
tessera_credential_get_needs_attention (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), FALSE);
  ensure_field (self, F_STATUS);

  switch (self->status)
    {
    case TESSERA_CREDENTIAL_STATUS_REJECTED:
    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
      return TRUE;
    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
    default:
      return tessera_credential_get_days_to_expiry (self) <= ATTENTION_DAYS;
    }
}

gboolean
tessera_credential_get_selected (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), FALSE);

  return self->selected;
}

gboolean
tessera_credential_get_checking (TesseraCredential *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (self), FALSE);

  return self->checking;
}

const char *
tessera_credential_status_to_string (TesseraCredentialStatus status)
{
  switch (status)
    {
    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
      return _("Verified");
    case TESSERA_CREDENTIAL_STATUS_REJECTED:
      return _("Rejected");
    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
      return _("Expired");
    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
      return _("Access denied");
    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
      return _("Could not check");
    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
      return _("Token missing");
    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    default:
      return _("Not verified");
    }
}
