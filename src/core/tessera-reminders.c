/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-reminders.c: which credentials to remind of before they expire */
#define G_LOG_DOMAIN "tessera-reminders"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-reminders.h"

char *
tessera_reminders_day (GDateTime *now)
{
  g_return_val_if_fail (now != NULL, NULL);

  return g_date_time_format (now, "%Y-%m-%d");
}

static GDate *
date_of (GDateTime *time)
{
  return g_date_new_dmy (g_date_time_get_day_of_month (time),
                         g_date_time_get_month (time),
                         g_date_time_get_year (time));
}

/* The day @credential expires, in @now's time zone; NULL when unknown. */
static GDateTime *
expiry_of (TesseraCredential *credential,
           GDateTime         *now)
{
  gint64 expires_ms = tessera_credential_get_expires (credential);
  g_autoptr(GDateTime) utc = NULL;

  if (expires_ms <= 0)
    return NULL;

  utc = g_date_time_new_from_unix_utc (expires_ms / 1000);
  if (utc == NULL)
    return NULL;

  return g_date_time_to_timezone (utc, g_date_time_get_timezone (now));
}

int
tessera_reminders_days_left (TesseraCredential *credential,
                             GDateTime         *now)
{
  g_autoptr(GDateTime) expiry = NULL;
  g_autoptr(GDate) today = NULL;
  g_autoptr(GDate) day = NULL;

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (credential), G_MAXINT);
  g_return_val_if_fail (now != NULL, G_MAXINT);

  expiry = expiry_of (credential, now);
  if (expiry == NULL)
    return G_MAXINT;

  today = date_of (now);
  day = date_of (expiry);

  return g_date_days_between (today, day);
}

static gboolean
has_expired (TesseraCredential *credential,
             GDateTime         *now)
{
  return tessera_credential_get_expires (credential) / 1000 <= g_date_time_to_unix (now);
}

GPtrArray *
tessera_reminders_due (GSettings  *settings,
                       GListModel *credentials,
                       GDateTime  *now)
{
  g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GVariant) reminded = NULL;
  g_autofree char *today = NULL;
  guint warning_days;
  guint n;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (credentials), NULL);
  g_return_val_if_fail (now != NULL, NULL);

  if (!g_settings_get_boolean (settings, "expiry-reminders"))
    return g_steal_pointer (&due);

  warning_days = g_settings_get_uint (settings, "expiry-warning-days");
  reminded = g_settings_get_value (settings, "reminded");
  today = tessera_reminders_day (now);
  n = g_list_model_get_n_items (credentials);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (credentials, i);
      const char *last = NULL;
      int days = tessera_reminders_days_left (credential, now);

      /* Unknown expiry, later than the warning window, or expired longer
       * ago than that (long known, or a key kept for the record). */
      if (days == G_MAXINT || days > (int) warning_days || days < -(int) warning_days)
        continue;
      /* A key Harness refused (revoked, say) will not come back by renewing. */
      if (tessera_credential_get_status (credential) == TESSERA_CREDENTIAL_STATUS_REJECTED)
        continue;

      g_variant_lookup (reminded, tessera_credential_get_id (credential), "&s", &last);
      if (g_strcmp0 (last, today) == 0)
        continue;

      /* Once it has expired, one last reminder says so, not one a day. */
      if (has_expired (credential, now) && last != NULL)
        {
          g_autoptr(GDateTime) expiry = expiry_of (credential, now);
          g_autofree char *expiry_day = tessera_reminders_day (expiry);

          if (g_strcmp0 (last, expiry_day) >= 0)
            continue;
        }

      g_ptr_array_add (due, g_steal_pointer (&credential));
    }

  return g_steal_pointer (&due);
}

void
tessera_reminders_mark (GSettings          *settings,
                        GListModel         *credentials,
                        const char * const *ids,
                        GDateTime          *now)
{
  g_autoptr(GVariant) reminded = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *today = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GHashTable) marked = g_hash_table_new (g_str_hash, g_str_equal);
  guint n;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (G_IS_LIST_MODEL (credentials));
  g_return_if_fail (now != NULL);

  reminded = g_settings_get_value (settings, "reminded");
  today = tessera_reminders_day (now);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    g_hash_table_add (marked, (gpointer) ids[i]);

  /* In the store's order, only the credentials still there. */
  n = g_list_model_get_n_items (credentials);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (credentials, i);
      const char *id = tessera_credential_get_id (credential);
      const char *last = NULL;

      if (g_hash_table_contains (marked, id))
        g_variant_builder_add (&builder, "{ss}", id, today);
      else if (g_variant_lookup (reminded, id, "&s", &last))
        g_variant_builder_add (&builder, "{ss}", id, last);
    }

  /* Unchanged (the same day, again): no write, no change signal. */
  value = g_variant_ref_sink (g_variant_builder_end (&builder));
  if (!g_variant_equal (value, reminded))
    g_settings_set_value (settings, "reminded", value);
}

char *
tessera_reminders_dup_title (TesseraCredential *credential,
                             GDateTime         *now)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (credential), NULL);

  if (has_expired (credential, now))
    return g_strdup (_("A Harness key has expired"));

  return g_strdup (_("A Harness key expires soon"));
}

char *
tessera_reminders_dup_body (TesseraCredential *credential,
                            GDateTime         *now)
{
  const char *name;
  int days;

  g_return_val_if_fail (TESSERA_IS_CREDENTIAL (credential), NULL);

  name = tessera_credential_get_name (credential);
  days = tessera_reminders_days_left (credential, now);

  if (has_expired (credential, now))
    /* TRANSLATORS: %s is a credential's name */
    return g_strdup_printf (_("“%s” has expired. Scripts that use it fail until it is renewed."), name);
  if (days <= 0)
    /* TRANSLATORS: %s is a credential's name */
    return g_strdup_printf (_("“%s” expires today."), name);
  if (days == 1)
    /* TRANSLATORS: %s is a credential's name */
    return g_strdup_printf (_("“%s” expires tomorrow."), name);

  /* TRANSLATORS: %s is a credential's name, %d a number of days (2 or more) */
  return g_strdup_printf (ngettext ("“%s” expires in %d day.", "“%s” expires in %d days.", days), name, days);
}
