/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wait.c: waiting on the main loop, in every test program */
#include "test-wait.h"

static guint wait_seconds = TEST_WAIT_SECONDS;

guint
test_wait_get_seconds (void)
{
  return wait_seconds;
}

void
test_wait_set_seconds (guint seconds)
{
  wait_seconds = seconds;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

void
test_wait_on_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
test_wait_for (GAsyncResult **slot)
{
  guint timeout = g_timeout_add_seconds (wait_seconds, on_wait_timeout, (gpointer) "an operation");

  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (timeout);
  return *slot;
}

void
test_wait_until_for (TestCondition  condition,
                     gpointer       data,
                     const char    *what,
                     guint          seconds)
{
  guint timeout = g_timeout_add_seconds (seconds, on_wait_timeout, (gpointer) what);

  while (!condition (data))
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);

  g_source_remove (timeout);
}

void
test_wait_until (TestCondition  condition,
                 gpointer       data,
                 const char    *what)
{
  test_wait_until_for (condition, data, what, wait_seconds);
}

static gboolean
on_run_for_done (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_run_for_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
test_wait_deadline_start (TestWaitDeadline *wait,
                          const char       *what)
{
  wait->what = what;
  wait->deadline = g_get_monotonic_time () + (gint64) wait_seconds * G_USEC_PER_SEC;
  wait->tick = g_timeout_add (10, on_tick, NULL);
}

void
test_wait_deadline_iterate (TestWaitDeadline *wait)
{
  if (g_get_monotonic_time () > wait->deadline)
    g_error ("Timed out waiting for %s", wait->what);

  g_main_context_iteration (NULL, TRUE);
}

void
test_wait_deadline_stop (TestWaitDeadline *wait)
{
  g_clear_handle_id (&wait->tick, g_source_remove);
}
