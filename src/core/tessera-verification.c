/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-verification.c: what Harness said about a token
 *
 * A plain value object: the Harness client fills it from the token/validate
 * answer (and the optional accounts/{id} answer) before handing it out, and
 * nobody changes it afterwards.
 */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include "tessera-enums.h"
#include "tessera-verification.h"
#include "tessera-verification-private.h"

struct _TesseraVerification
{
  GObject                parent_instance;

  gboolean               valid;
  TesseraCredentialKind  kind;
  char                  *identifier;
  char                  *name;
  char                  *owner_name;
  char                  *owner_email;
  char                  *parent_identifier;
  char                  *api_key_identifier;
  char                  *account_identifier;
  char                  *org_identifier;
  char                  *project_identifier;
  gint64                 valid_from;
  gint64                 valid_to;
  gint64                 scheduled_expire_time;
  char                  *correlation_id;
  char                  *account_name;
  gboolean               limited_permissions;
};

G_DEFINE_FINAL_TYPE (TesseraVerification, tessera_verification, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VALID,
  PROP_KIND,
  PROP_IDENTIFIER,
  PROP_NAME,
  PROP_OWNER_NAME,
  PROP_OWNER_EMAIL,
  PROP_PARENT_IDENTIFIER,
  PROP_API_KEY_IDENTIFIER,
  PROP_ACCOUNT_IDENTIFIER,
  PROP_ORG_IDENTIFIER,
  PROP_PROJECT_IDENTIFIER,
  PROP_VALID_FROM,
  PROP_VALID_TO,
  PROP_SCHEDULED_EXPIRE_TIME,
  PROP_EXPIRES,
  PROP_CORRELATION_ID,
  PROP_ACCOUNT_NAME,
  PROP_LIMITED_PERMISSIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (TesseraVerification  *self,
            char                **field,
            const char           *value,
            guint                 prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
tessera_verification_finalize (GObject *object)
{
  TesseraVerification *self = (TesseraVerification *) object;

  g_free (self->identifier);
  g_free (self->name);
  g_free (self->owner_name);
  g_free (self->owner_email);
  g_free (self->parent_identifier);
  g_free (self->api_key_identifier);
  g_free (self->account_identifier);
  g_free (self->org_identifier);
  g_free (self->project_identifier);
  g_free (self->correlation_id);
  g_free (self->account_name);

  G_OBJECT_CLASS (tessera_verification_parent_class)->finalize (object);
}

static void
tessera_verification_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TesseraVerification *self = TESSERA_VERIFICATION (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, tessera_verification_get_valid (self));
      break;
    case PROP_KIND:
      g_value_set_enum (value, tessera_verification_get_kind (self));
      break;
    case PROP_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_identifier (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, tessera_verification_get_name (self));
      break;
    case PROP_OWNER_NAME:
      g_value_set_string (value, tessera_verification_get_owner_name (self));
      break;
    case PROP_OWNER_EMAIL:
      g_value_set_string (value, tessera_verification_get_owner_email (self));
      break;
    case PROP_PARENT_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_parent_identifier (self));
      break;
    case PROP_API_KEY_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_api_key_identifier (self));
      break;
    case PROP_ACCOUNT_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_account_identifier (self));
      break;
    case PROP_ORG_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_org_identifier (self));
      break;
    case PROP_PROJECT_IDENTIFIER:
      g_value_set_string (value, tessera_verification_get_project_identifier (self));
      break;
    case PROP_VALID_FROM:
      g_value_set_int64 (value, tessera_verification_get_valid_from (self));
      break;
    case PROP_VALID_TO:
      g_value_set_int64 (value, tessera_verification_get_valid_to (self));
      break;
    case PROP_SCHEDULED_EXPIRE_TIME:
      g_value_set_int64 (value, tessera_verification_get_scheduled_expire_time (self));
      break;
    case PROP_EXPIRES:
      g_value_set_int64 (value, tessera_verification_get_expires (self));
      break;
    case PROP_CORRELATION_ID:
      g_value_set_string (value, tessera_verification_get_correlation_id (self));
      break;
    case PROP_ACCOUNT_NAME:
      g_value_set_string (value, tessera_verification_get_account_name (self));
      break;
    case PROP_LIMITED_PERMISSIONS:
      g_value_set_boolean (value, tessera_verification_get_limited_permissions (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_verification_class_init (TesseraVerificationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = tessera_verification_finalize;
  object_class->get_property = tessera_verification_get_property;

  properties[PROP_VALID] = g_param_spec_boolean ("valid", NULL, NULL, FALSE, flags);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, TESSERA_TYPE_CREDENTIAL_KIND,
                                             TESSERA_CREDENTIAL_KIND_UNKNOWN, flags);
  properties[PROP_IDENTIFIER] = g_param_spec_string ("identifier", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_OWNER_NAME] = g_param_spec_string ("owner-name", NULL, NULL, NULL, flags);
  properties[PROP_OWNER_EMAIL] = g_param_spec_string ("owner-email", NULL, NULL, NULL, flags);
  properties[PROP_PARENT_IDENTIFIER] = g_param_spec_string ("parent-identifier", NULL, NULL, NULL, flags);
  properties[PROP_API_KEY_IDENTIFIER] = g_param_spec_string ("api-key-identifier", NULL, NULL, NULL, flags);
  properties[PROP_ACCOUNT_IDENTIFIER] = g_param_spec_string ("account-identifier", NULL, NULL, NULL, flags);
  properties[PROP_ORG_IDENTIFIER] = g_param_spec_string ("org-identifier", NULL, NULL, NULL, flags);
  properties[PROP_PROJECT_IDENTIFIER] = g_param_spec_string ("project-identifier", NULL, NULL, NULL, flags);
  properties[PROP_VALID_FROM] = g_param_spec_int64 ("valid-from", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_VALID_TO] = g_param_spec_int64 ("valid-to", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SCHEDULED_EXPIRE_TIME] = g_param_spec_int64 ("scheduled-expire-time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_EXPIRES] = g_param_spec_int64 ("expires", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_CORRELATION_ID] = g_param_spec_string ("correlation-id", NULL, NULL, NULL, flags);
  properties[PROP_ACCOUNT_NAME] = g_param_spec_string ("account-name", NULL, NULL, NULL, flags);
  properties[PROP_LIMITED_PERMISSIONS] = g_param_spec_boolean ("limited-permissions", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tessera_verification_init (TesseraVerification *self)
{
}

/* Private API, for the Harness client */

TesseraVerification *
tessera_verification_new (void)
{
  return g_object_new (TESSERA_TYPE_VERIFICATION, NULL);
}

void
tessera_verification_set_valid (TesseraVerification *self,
                                gboolean             valid)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  valid = !!valid;
  if (self->valid == valid)
    return;

  self->valid = valid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

void
tessera_verification_set_kind (TesseraVerification   *self,
                               TesseraCredentialKind  kind)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  if (self->kind == kind)
    return;

  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

void
tessera_verification_set_identifier (TesseraVerification *self,
                                     const char          *identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->identifier, identifier, PROP_IDENTIFIER);
}

void
tessera_verification_set_name (TesseraVerification *self,
                               const char          *name)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->name, name, PROP_NAME);
}

void
tessera_verification_set_owner_name (TesseraVerification *self,
                                     const char          *owner_name)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->owner_name, owner_name, PROP_OWNER_NAME);
}

void
tessera_verification_set_owner_email (TesseraVerification *self,
                                      const char          *owner_email)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->owner_email, owner_email, PROP_OWNER_EMAIL);
}

void
tessera_verification_set_parent_identifier (TesseraVerification *self,
                                            const char          *parent_identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->parent_identifier, parent_identifier, PROP_PARENT_IDENTIFIER);
}

void
tessera_verification_set_api_key_identifier (TesseraVerification *self,
                                             const char          *api_key_identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->api_key_identifier, api_key_identifier, PROP_API_KEY_IDENTIFIER);
}

void
tessera_verification_set_account_identifier (TesseraVerification *self,
                                             const char          *account_identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->account_identifier, account_identifier, PROP_ACCOUNT_IDENTIFIER);
}

void
tessera_verification_set_org_identifier (TesseraVerification *self,
                                         const char          *org_identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->org_identifier, org_identifier, PROP_ORG_IDENTIFIER);
}

void
tessera_verification_set_project_identifier (TesseraVerification *self,
                                             const char          *project_identifier)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->project_identifier, project_identifier, PROP_PROJECT_IDENTIFIER);
}

void
tessera_verification_set_valid_from (TesseraVerification *self,
                                     gint64               valid_from)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  valid_from = MAX (valid_from, 0);
  if (self->valid_from == valid_from)
    return;

  self->valid_from = valid_from;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID_FROM]);
}

void
tessera_verification_set_valid_to (TesseraVerification *self,
                                   gint64               valid_to)
{
  gint64 old_expires;

  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  valid_to = MAX (valid_to, 0);
  if (self->valid_to == valid_to)
    return;

  old_expires = tessera_verification_get_expires (self);
  self->valid_to = valid_to;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID_TO]);
  if (old_expires != tessera_verification_get_expires (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRES]);
}

void
tessera_verification_set_scheduled_expire_time (TesseraVerification *self,
                                                gint64               scheduled_expire_time)
{
  gint64 old_expires;

  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  scheduled_expire_time = MAX (scheduled_expire_time, 0);
  if (self->scheduled_expire_time == scheduled_expire_time)
    return;

  old_expires = tessera_verification_get_expires (self);
  self->scheduled_expire_time = scheduled_expire_time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCHEDULED_EXPIRE_TIME]);
  if (old_expires != tessera_verification_get_expires (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRES]);
}

void
tessera_verification_set_correlation_id (TesseraVerification *self,
                                         const char          *correlation_id)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->correlation_id, correlation_id, PROP_CORRELATION_ID);
}

void
tessera_verification_set_account_name (TesseraVerification *self,
                                       const char          *account_name)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));
  set_string (self, &self->account_name, account_name, PROP_ACCOUNT_NAME);
}

void
tessera_verification_set_limited_permissions (TesseraVerification *self,
                                              gboolean             limited_permissions)
{
  g_return_if_fail (TESSERA_IS_VERIFICATION (self));

  limited_permissions = !!limited_permissions;
  if (self->limited_permissions == limited_permissions)
    return;

  self->limited_permissions = limited_permissions;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMITED_PERMISSIONS]);
}

/* Public API */

/**
 * tessera_verification_get_valid:
 *
 * Returns: Harness's `valid` flag: the token is within its validity period
 */
gboolean
tessera_verification_get_valid (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), FALSE);
  return self->valid;
}

/**
 * tessera_verification_get_kind:
 *
 * Returns: PAT for `apiKeyType` USER, SAT for SERVICE_ACCOUNT, else UNKNOWN
 */
TesseraCredentialKind
tessera_verification_get_kind (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), TESSERA_CREDENTIAL_KIND_UNKNOWN);
  return self->kind;
}

/**
 * tessera_verification_get_identifier:
 *
 * Returns: (nullable): the token's user-chosen identifier (not the id in the
 *   token string)
 */
const char *
tessera_verification_get_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->identifier;
}

/**
 * tessera_verification_get_name:
 *
 * Returns: (nullable): the token's display name
 */
const char *
tessera_verification_get_name (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->name;
}

/**
 * tessera_verification_get_owner_name:
 *
 * Returns: (nullable): the user's (PAT) or service account's (SAT) name
 */
const char *
tessera_verification_get_owner_name (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->owner_name;
}

/**
 * tessera_verification_get_owner_email:
 *
 * Returns: (nullable): the owner's email address
 */
const char *
tessera_verification_get_owner_email (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->owner_email;
}

/**
 * tessera_verification_get_parent_identifier:
 *
 * Returns: (nullable): the user id or service account identifier owning
 *   the API key
 */
const char *
tessera_verification_get_parent_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->parent_identifier;
}

/**
 * tessera_verification_get_api_key_identifier:
 *
 * Returns: (nullable): the identifier of the API key the token belongs to
 */
const char *
tessera_verification_get_api_key_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->api_key_identifier;
}

/**
 * tessera_verification_get_account_identifier:
 *
 * Returns: (nullable): the account Harness says the token belongs to
 */
const char *
tessera_verification_get_account_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->account_identifier;
}

/**
 * tessera_verification_get_org_identifier:
 *
 * Returns: (nullable): the organization of an API key scoped to one (or to
 *   one of its projects); %NULL for an account-level key
 */
const char *
tessera_verification_get_org_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->org_identifier;
}

/**
 * tessera_verification_get_project_identifier:
 *
 * Returns: (nullable): the project of an API key scoped to one
 */
const char *
tessera_verification_get_project_identifier (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->project_identifier;
}

/**
 * tessera_verification_get_valid_from:
 *
 * Returns: epoch milliseconds, 0 when unknown
 */
gint64
tessera_verification_get_valid_from (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), 0);
  return self->valid_from;
}

/**
 * tessera_verification_get_valid_to:
 *
 * Returns: epoch milliseconds, 0 when unknown
 */
gint64
tessera_verification_get_valid_to (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), 0);
  return self->valid_to;
}

/**
 * tessera_verification_get_scheduled_expire_time:
 *
 * Returns: epoch milliseconds, 0 when unset; Harness sets it on the old
 *   token after a rotation
 */
gint64
tessera_verification_get_scheduled_expire_time (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), 0);
  return self->scheduled_expire_time;
}

/**
 * tessera_verification_get_expires:
 *
 * Returns: when the token stops working, in epoch milliseconds: the
 *   scheduled expire time when set, else validTo; 0 when unknown
 */
gint64
tessera_verification_get_expires (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), 0);
  return self->scheduled_expire_time > 0 ? self->scheduled_expire_time : self->valid_to;
}

/**
 * tessera_verification_get_correlation_id:
 *
 * Returns: (nullable): the correlationId of Harness's answer
 */
const char *
tessera_verification_get_correlation_id (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->correlation_id;
}

/**
 * tessera_verification_get_account_name:
 *
 * Returns: (nullable): the account's name from GET /ng/api/accounts/{id},
 *   %NULL when that call failed or was not allowed
 */
const char *
tessera_verification_get_account_name (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), NULL);
  return self->account_name;
}

/**
 * tessera_verification_get_limited_permissions:
 *
 * Returns: %TRUE when the account call answered 403: the token is valid
 *   but may not view the account
 */
gboolean
tessera_verification_get_limited_permissions (TesseraVerification *self)
{
  g_return_val_if_fail (TESSERA_IS_VERIFICATION (self), FALSE);
  return self->limited_permissions;
}
