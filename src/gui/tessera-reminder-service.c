/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-reminder-service.c: notifications before keys expire
 *
 * Which credentials, and whether one was already reminded of today, is the
 * core's (tessera-reminders.c); this sends the notifications and keeps the
 * background process alive while reminders are on.
 */
#define G_LOG_DOMAIN "tessera-reminders"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-reminder-service.h"
#include "tessera-reminders.h"

/* The change of day is looked for at most this often: a timer to midnight
 * alone would be late after a suspend (its clock stops meanwhile). */
#define MAX_WAIT_SECONDS (60 * 60)

struct _TesseraReminderService
{
  GObject        parent_instance;

  GApplication  *application;
  TesseraStore  *store;
  GSettings     *settings;
  GCancellable  *cancellable;
  gboolean       holding;
  gboolean       started;
  gboolean       checking;
  guint          timeout_id;
  /* the day of the last check, "YYYY-MM-DD" */
  char          *checked_day;
  /* credential id → the credential, while its notification may show */
  GHashTable    *shown;
};

G_DEFINE_FINAL_TYPE (TesseraReminderService, tessera_reminder_service, G_TYPE_OBJECT)

static void schedule (TesseraReminderService *self);

static char *
notification_id (const char *credential_id)
{
  return g_strconcat ("expiry-", credential_id, NULL);
}

static void
withdraw (TesseraReminderService *self,
          const char             *id)
{
  g_autofree char *nid = notification_id (id);
  TesseraCredential *credential = g_hash_table_lookup (self->shown, id);

  if (credential != NULL)
    g_signal_handlers_disconnect_by_data (credential, self);
  g_application_withdraw_notification (self->application, nid);
  g_debug ("Withdrew the reminder of credential %s", id);
  g_hash_table_remove (self->shown, id);
}

/* Renewed (or its expiry otherwise moved out of the window): the reminder
 * no longer applies. */
static void
expires_changed_cb (TesseraReminderService *self,
                    GParamSpec             *pspec,
                    TesseraCredential      *credential)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  int days = tessera_reminders_days_left (credential, now);

  if (days == G_MAXINT || days > (int) g_settings_get_uint (self->settings, "expiry-warning-days"))
    withdraw (self, tessera_credential_get_id (credential));
}

/* Removed: its reminder goes too. */
static void
items_changed_cb (TesseraReminderService *self)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (tessera_store_lookup (self->store, id) == NULL)
      g_ptr_array_add (gone, g_strdup (id));

  for (guint i = 0; i < gone->len; i++)
    withdraw (self, g_ptr_array_index (gone, i));
}

static void
notify_due (TesseraReminderService *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  due = tessera_reminders_due (self->settings, G_LIST_MODEL (self->store), now);
  for (guint i = 0; i < due->len; i++)
    {
      TesseraCredential *credential = g_ptr_array_index (due, i);
      const char *id = tessera_credential_get_id (credential);
      g_autofree char *nid = notification_id (id);
      g_autofree char *title = tessera_reminders_dup_title (credential, now);
      g_autofree char *body = tessera_reminders_dup_body (credential, now);
      g_autoptr(GNotification) notification = g_notification_new (title);
      g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);

      g_notification_set_body (notification, body);
      g_notification_set_icon (notification, icon);
      g_notification_set_default_action_and_target (notification, "app.open-credential", "s", id);
      g_notification_add_button_with_target (notification, _("Renew…"), "app.renew-credential", "s", id);
      g_notification_add_button_with_target (notification, _("Open"), "app.open-credential", "s", id);
      /* One per credential: a later one replaces it. */
      g_application_send_notification (self->application, nid, notification);
      g_debug ("Reminded of credential %s", id);
      if (!g_hash_table_contains (self->shown, id))
        {
          g_hash_table_insert (self->shown, g_strdup (id), g_object_ref (credential));
          g_signal_connect_object (credential, "notify::expires", G_CALLBACK (expires_changed_cb),
                                   self, G_CONNECT_SWAPPED);
        }
      g_ptr_array_add (ids, (gpointer) id);
    }
  g_ptr_array_add (ids, NULL);

  if (due->len > 0)
    tessera_reminders_mark (self->settings, G_LIST_MODEL (self->store),
                            (const char * const *) ids->pdata, now);
}

static void
verify_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TesseraReminderService) self = user_data;
  g_autoptr(GError) error = NULL;

  /* What a failed check found is in each credential; remind anyway. */
  if (!tessera_store_verify_all_finish (TESSERA_STORE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not verify before reminding: %s", error->message);

  self->checking = FALSE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->started)
    notify_due (self);
}

static void
check (TesseraReminderService *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (self->checking || !g_settings_get_boolean (self->settings, "expiry-reminders"))
    return;

  g_free (self->checked_day);
  self->checked_day = tessera_reminders_day (now);

  /* No network request unless the person allowed it. */
  if (g_settings_get_boolean (self->settings, "background-reverify"))
    {
      self->checking = TRUE;
      tessera_store_verify_all_async (self->store, TRUE, self->cancellable,
                                      verify_all_cb, g_object_ref (self));
    }
  else
    notify_due (self);
}

static gboolean
timeout_cb (gpointer user_data)
{
  TesseraReminderService *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = tessera_reminders_day (now);

  self->timeout_id = 0;
  if (g_strcmp0 (today, self->checked_day) != 0)
    check (self);
  schedule (self);

  return G_SOURCE_REMOVE;
}

/* Until a minute after midnight, or an hour, whichever comes first. */
static void
schedule (TesseraReminderService *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) next = NULL;
  gint64 seconds;

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 1, 0);
  next = g_date_time_add_days (midnight, 1);
  seconds = g_date_time_difference (next, now) / G_TIME_SPAN_SECOND;
  seconds = CLAMP (seconds, 1, MAX_WAIT_SECONDS);

  self->timeout_id = g_timeout_add_seconds_full (G_PRIORITY_LOW, (guint) seconds, timeout_cb, self, NULL);
}

/* Held while reminders are on, so that the service outlives its windows;
 * turned off in Preferences, it goes once the last window closes. */
static void
update_hold (TesseraReminderService *self)
{
  gboolean hold = self->started && g_settings_get_boolean (self->settings, "expiry-reminders");

  if (hold == self->holding)
    return;

  self->holding = hold;
  if (hold)
    g_application_hold (self->application);
  else
    g_application_release (self->application);
}

static void
reminders_changed_cb (TesseraReminderService *self)
{
  update_hold (self);
  if (self->started && g_settings_get_boolean (self->settings, "expiry-reminders"))
    check (self);
}

void
tessera_reminder_service_start (TesseraReminderService *self)
{
  g_return_if_fail (TESSERA_IS_REMINDER_SERVICE (self));

  if (self->started)
    return;

  self->started = TRUE;
  update_hold (self);
  check (self);
  schedule (self);
}

void
tessera_reminder_service_stop (TesseraReminderService *self)
{
  g_return_if_fail (TESSERA_IS_REMINDER_SERVICE (self));

  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  update_hold (self);
}

static void
tessera_reminder_service_dispose (GObject *object)
{
  TesseraReminderService *self = TESSERA_REMINDER_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->shown != NULL)
    {
      GHashTableIter iter;
      gpointer credential;

      g_hash_table_iter_init (&iter, self->shown);
      while (g_hash_table_iter_next (&iter, NULL, &credential))
        g_signal_handlers_disconnect_by_data (credential, self);
      g_clear_pointer (&self->shown, g_hash_table_unref);
    }
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tessera_reminder_service_parent_class)->dispose (object);
}

static void
tessera_reminder_service_finalize (GObject *object)
{
  TesseraReminderService *self = TESSERA_REMINDER_SERVICE (object);

  g_free (self->checked_day);

  G_OBJECT_CLASS (tessera_reminder_service_parent_class)->finalize (object);
}

static void
tessera_reminder_service_class_init (TesseraReminderServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tessera_reminder_service_dispose;
  object_class->finalize = tessera_reminder_service_finalize;
}

static void
tessera_reminder_service_init (TesseraReminderService *self)
{
  self->cancellable = g_cancellable_new ();
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

TesseraReminderService *
tessera_reminder_service_new (GApplication *application,
                              TesseraStore *store)
{
  TesseraReminderService *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);

  self = g_object_new (TESSERA_TYPE_REMINDER_SERVICE, NULL);
  self->application = application;
  self->store = g_object_ref (store);
  self->settings = g_object_ref (tessera_store_get_settings (store));
  g_signal_connect_swapped (self->settings, "changed::expiry-reminders",
                            G_CALLBACK (reminders_changed_cb), self);
  g_signal_connect_swapped (self->settings, "changed::expiry-warning-days",
                            G_CALLBACK (reminders_changed_cb), self);
  g_signal_connect_swapped (self->store, "items-changed", G_CALLBACK (items_changed_cb), self);

  return self;
}
