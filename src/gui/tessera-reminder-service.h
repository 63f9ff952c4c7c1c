/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-reminder-service.h: notifications before keys expire
 *
 * What `tessera --gapplication-service` runs while no window is open:
 * while "expiry-reminders" is on it holds the application, checks when it
 * starts and then once a day, and sends one notification per credential
 * that tessera_reminders_due() names, with "Renew…" and "Open", and
 * withdraws it once that credential is renewed or removed. With
 * "background-reverify" on, stale credentials are verified first;
 * otherwise it makes no network request.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_REMINDER_SERVICE (tessera_reminder_service_get_type ())

G_DECLARE_FINAL_TYPE (TesseraReminderService, tessera_reminder_service, TESSERA, REMINDER_SERVICE, GObject)

/* @application: not referenced (it owns the service) */
TesseraReminderService *tessera_reminder_service_new   (GApplication           *application,
                                                        TesseraStore           *store);
/* Checks now, and then at every change of day. */
void                    tessera_reminder_service_start (TesseraReminderService *self);
/* Stops checking and lets the application go (Quit). */
void                    tessera_reminder_service_stop  (TesseraReminderService *self);

G_END_DECLS
