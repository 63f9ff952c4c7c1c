/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wait.h: waiting on the main loop in the core tests
 *
 * Every wait has a deadline: a test that would hang fails instead, saying
 * what it waited for.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TEST_WAIT_SECONDS 30

typedef gboolean (*TestCondition) (gpointer data);

/* A GAsyncReadyCallback that stores a reference to the result in
 * @user_data (a GAsyncResult **, NULL until then). */
void          test_wait_on_ready  (GObject        *source,
                                   GAsyncResult   *result,
                                   gpointer        user_data);
/* Iterates until *@slot is set (TEST_WAIT_SECONDS at most); returns it. */
GAsyncResult *test_wait_for       (GAsyncResult  **slot);
/* Iterates until @condition holds. Some conditions are not events of this
 * main loop (a file another process writes): it polls, every millisecond
 * when nothing is pending. */
void          test_wait_until_for (TestCondition   condition,
                                   gpointer        data,
                                   const char     *what,
                                   guint           seconds);
/* test_wait_until_for() with TEST_WAIT_SECONDS */
void          test_wait_until     (TestCondition   condition,
                                   gpointer        data,
                                   const char     *what);

G_END_DECLS
