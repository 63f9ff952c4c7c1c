/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-reminders.h: which credentials to remind of before they expire
 *
 * The background service (gui/tessera-reminder-service.c) asks here which
 * credentials expire within "expiry-warning-days" and were not reminded of
 * today, sends one notification for each, and records the day in
 * "reminded" so that the next check that day sends none. No GTK, no
 * network: what the last verification stored is all it reads.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-credential.h"

G_BEGIN_DECLS

/* "YYYY-MM-DD", @now's day in its own time zone: what "reminded" keeps. */
char      *tessera_reminders_day        (GDateTime          *now);

/* Calendar days from @now's day to the day @credential expires: 0 today,
 * 1 tomorrow, negative once past. G_MAXINT when its expiry is unknown. */
int        tessera_reminders_days_left  (TesseraCredential  *credential,
                                         GDateTime          *now);

/**
 * tessera_reminders_due:
 * @settings: the application's settings ("io.github.tessera.Tessera")
 * @credentials: the store, a #GListModel of #TesseraCredential
 *
 * Returns: (transfer container) (element-type TesseraCredential): the
 *   credentials to remind of now: expiring within "expiry-warning-days",
 *   not reminded of on @now's day, and, once expired, not reminded of
 *   since the day they expired (and only within "expiry-warning-days" of
 *   that day). None without an expiry, none whose key
 *   Harness rejected, and none at all while "expiry-reminders" is off.
 */
GPtrArray *tessera_reminders_due        (GSettings          *settings,
                                         GListModel         *credentials,
                                         GDateTime          *now);

/* Records in "reminded" that @ids were reminded of on @now's day, and
 * forgets credentials no longer in @credentials. */
void       tessera_reminders_mark       (GSettings          *settings,
                                         GListModel         *credentials,
                                         const char * const *ids,
                                         GDateTime          *now);

/* The notification's title and body, in the reader's language. */
char      *tessera_reminders_dup_title  (TesseraCredential  *credential,
                                         GDateTime          *now);
char      *tessera_reminders_dup_body   (TesseraCredential  *credential,
                                         GDateTime          *now);

G_END_DECLS
