/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wait.h: waiting on the main loop, in every test program
 *
 * Every wait has a deadline: a test that would hang fails instead, saying
 * what it waited for.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TEST_WAIT_SECONDS 30

typedef gboolean (*TestCondition) (gpointer data);

/* The deadline of the waits that take none: TEST_WAIT_SECONDS, unless the
 * program sets another (a sanitizer build runs several times slower). */
guint         test_wait_get_seconds (void);
void          test_wait_set_seconds (guint           seconds);

/* Runs the main loop for @ms: lets idles, file monitors and background
 * work run, before a check that something did NOT happen. */
void          test_wait_run_for   (guint           ms);

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
/* test_wait_until_for() with test_wait_get_seconds() */
void          test_wait_until     (TestCondition   condition,
                                   gpointer        data,
                                   const char     *what);

/* TEST_WAIT_UNTIL (expression): iterates until the expression holds, for
 * conditions that are not a TestCondition (widgets, a local variable). A
 * tick wakes the loop every 10 ms, so that a change no event announces is
 * seen too; past test_wait_get_seconds() the test fails, naming the
 * expression. */
typedef struct
{
  const char *what;
  gint64      deadline;
  guint       tick;
} TestWaitDeadline;

void          test_wait_deadline_start   (TestWaitDeadline *wait,
                                          const char       *what);
void          test_wait_deadline_iterate (TestWaitDeadline *wait);
void          test_wait_deadline_stop    (TestWaitDeadline *wait);

#define TEST_WAIT_UNTIL(cond)                                                \
  G_STMT_START {                                                             \
    TestWaitDeadline wait_;                                                  \
    test_wait_deadline_start (&wait_, #cond);                                \
    while (!(cond))                                                          \
      test_wait_deadline_iterate (&wait_);                                   \
    test_wait_deadline_stop (&wait_);                                        \
  } G_STMT_END

G_END_DECLS
