/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wait.c: waiting on the main loop in the core tests */
#include "test-wait.h"

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
  guint timeout = g_timeout_add_seconds (TEST_WAIT_SECONDS, on_wait_timeout, (gpointer) "an operation");

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
  test_wait_until_for (condition, data, what, TEST_WAIT_SECONDS);
}
