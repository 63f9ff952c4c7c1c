/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-bench: the in-process measurements of build-aux/bench
 *
 *   tessera-bench open          opens the window on the session's
 *                               credentials and exits after its first
 *                               frame (for callgrind)
 *   tessera-bench tiles         peak tile widgets alive while scrolling
 *                               through every credential
 *   tessera-bench filter        keystroke → filtered model settled, per
 *                               keystroke, typing and erasing queries
 *   tessera-bench verify-all [--count N] [--delay-ms D]
 *                               verify-all against a fake Harness on
 *                               127.0.0.1 that delays each answer
 *
 * The first three read the credentials of the desktop session (seeded by
 * tessera-seed) through the default GSettings backend, like the app. Each
 * prints one line of key=value pairs; build-aux/bench collects them.
 */
#define G_LOG_DOMAIN "tessera-bench"
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <adwaita.h>
#include <gio/gsettingsbackend.h>

#include "fake-harness.h"
#include "tessera-credential-tile.h"
#include "tessera-store.h"
#include "tessera-window.h"

/* Waiting */

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

#define WAIT_UNTIL(cond)                                                     \
  G_STMT_START {                                                             \
    guint tick_ = g_timeout_add (5, tick_cb, NULL);                          \
    gint64 deadline_ = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;       \
    while (!(cond))                                                          \
      {                                                                      \
        if (g_get_monotonic_time () > deadline_)                             \
          g_error ("Timed out waiting for %s", #cond);                       \
        g_main_context_iteration (NULL, TRUE);                               \
      }                                                                      \
    g_source_remove (tick_);                                                 \
  } G_STMT_END

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  WAIT_UNTIL (g_get_monotonic_time () >= end);
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  (*(guint *) user_data)++;
}

/* Waits until the window has painted @n more frames. */
static void
wait_frames (GtkWidget *window,
             guint      n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  guint painted = 0;
  gulong handler;

  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (window);
  WAIT_UNTIL (painted >= n);
  g_signal_handler_disconnect (clock, handler);
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, (guint) ((values->len - 1) * p + 0.5));
}

/* The window, as the app opens it (without verifying on open: these
 * measurements must never reach a network). */

static TesseraWindow *
open_window (TesseraStore *store)
{
  TesseraWindow *window = g_object_ref (g_object_new (TESSERA_TYPE_WINDOW,
                                                      "store", store,
                                                      "verify-on-open", FALSE,
                                                      NULL));

  gtk_window_present (GTK_WINDOW (window));
  WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)));
  wait_frames (GTK_WIDGET (window), 1);

  return window;
}

static void
close_window (TesseraWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

static int
run_open (void)
{
  g_autoptr(TesseraStore) store = tessera_store_new (NULL, NULL);
  TesseraWindow *window = open_window (store);

  g_print ("credentials=%u\n", g_list_model_get_n_items (G_LIST_MODEL (store)));
  close_window (window);
  return 0;
}

static int
run_tiles (void)
{
  g_autoptr(TesseraStore) store = tessera_store_new (NULL, NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  TesseraWindow *window = open_window (store);
  GtkWidget *grid = find_widget (GTK_WIDGET (window), GTK_TYPE_GRID_VIEW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (gtk_widget_get_parent (grid)));
  guint at_open = tessera_credential_tile_get_instance_count ();
  guint peak = at_open;

  /* Through the whole grid in 20 steps, then to the last item: tiles
   * should be recycled, not added. */
  for (guint step = 0; step <= 20; step++)
    {
      double upper = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

      gtk_adjustment_set_value (adjustment, upper * step / 20);
      wait_frames (GTK_WIDGET (window), 2);
      peak = MAX (peak, tessera_credential_tile_get_instance_count ());
    }
  gtk_widget_activate_action (grid, "list.scroll-to-item", "u", n);
  wait_frames (GTK_WIDGET (window), 2);
  peak = MAX (peak, tessera_credential_tile_get_instance_count ());

  g_print ("credentials=%u tiles_at_open=%u tiles_peak=%u\n", n, at_open, peak);
  close_window (window);
  return 0;
}

static int
run_filter (void)
{
  /* Typed one character at a time, then erased the same way: narrowing,
   * widening, a description match and a query that matches nothing. */
  static const char *queries[] = { "bench credential 01", "team 42", "pipeline 9", "zzz" };
  g_autoptr(TesseraStore) store = tessera_store_new (NULL, NULL);
  g_autoptr(GArray) settle = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame = g_array_new (FALSE, FALSE, sizeof (double));
  TesseraWindow *window = open_window (store);
  GtkFilterListModel *filtered = GTK_FILTER_LIST_MODEL (tessera_window_get_filter_model (window));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      gsize len = strlen (queries[q]);

      for (gsize k = 1; k <= 2 * len; k++)
        {
          /* k ≤ len types the k-th character, then each step erases one. */
          g_autofree char *text = g_strndup (queries[q], k <= len ? k : 2 * len - k);
          guint painted = 0;
          gulong handler;
          gint64 start, settled;
          double settle_ms, frame_ms;

          handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
          start = g_get_monotonic_time ();
          tessera_window_set_search_text (window, text);
          while (gtk_filter_list_model_get_pending (filtered) > 0)
            g_main_context_iteration (NULL, FALSE);
          settled = g_get_monotonic_time ();
          WAIT_UNTIL (painted > 0);
          g_signal_handler_disconnect (clock, handler);

          settle_ms = (settled - start) / 1000.0;
          frame_ms = (g_get_monotonic_time () - start) / 1000.0;
          g_array_append_val (settle, settle_ms);
          g_array_append_val (frame, frame_ms);

          /* A typist's pace, so that each keystroke starts from rest. */
          iterate_for (40);
        }
    }

  g_print ("credentials=%u keystrokes=%u settle_median_ms=%.2f settle_p90_ms=%.2f "
           "frame_median_ms=%.2f frame_p90_ms=%.2f\n",
           n, settle->len, percentile (settle, 0.5), percentile (settle, 0.9),
           percentile (frame, 0.5), percentile (frame, 0.9));
  close_window (window);
  return 0;
}

/* Verify-all: the fake Harness runs on the same main loop (the fake is
 * not meant to be used from another thread); its work per request is
 * small next to the 100 ms it waits. */

static char *
bench_token (guint i)
{
  return g_strdup_printf ("pat.VerifyBenchAcct%04u.%024x.VerifySecret%08u", i % 50, i, i);
}

static FakeHarness *
start_fake_harness (guint count,
                    guint delay_ms)
{
  FakeHarness *harness = fake_harness_new ();
  FakeHarnessReply delayed = { 0, };

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *token = bench_token (i);

      fake_harness_add_token (harness, token, TESSERA_CREDENTIAL_KIND_PAT, 0, 0,
                              "Bench User", "bench@example.com");
    }

  /* Only the verification's answer is delayed: the account-name lookup
   * that follows it is a second, quick request. */
  delayed.path = "/ng/api/token/validate";
  delayed.times = G_MAXUINT;
  delayed.delay_ms = delay_ms;
  fake_harness_queue_reply_full (harness, &delayed);

  return harness;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static int
run_verify_all (guint count,
                guint delay_ms,
                guint max_concurrent)
{
  g_autoptr(GSettingsBackend) memory = g_memory_settings_backend_new ();
  g_autoptr(TesseraStore) store = tessera_store_new_full (NULL, NULL, memory);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FakeHarness) harness = start_fake_harness (count, delay_ms);
  guint concurrency;
  guint verified = 0;
  gint64 start, elapsed;
  double ideal_ms;

  /* Unverified credentials with their tokens in the session's keyring,
   * added the way the dialog adds them. */
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *value = bench_token (i);
      g_autofree char *name = g_strdup_printf ("Verify bench %04u", i);
      g_autoptr(TesseraToken) token = tessera_token_parse (value, NULL);
      g_autoptr(TesseraCredential) credential = NULL;

      g_clear_object (&result);
      tessera_store_add_async (store, name, NULL, NULL, fake_harness_get_base_url (harness), token, NULL, NULL,
                               store_result_cb, &result);
      WAIT_UNTIL (result != NULL);
      credential = tessera_store_add_finish (store, result, &error);
      if (credential == NULL)
        g_error ("Could not add a credential: %s", error->message);
    }

  if (max_concurrent > 0)
    tessera_store_set_max_concurrent (store, max_concurrent);
  concurrency = tessera_store_get_max_concurrent (store);
  g_clear_object (&result);
  start = g_get_monotonic_time ();
  tessera_store_verify_all_async (store, FALSE, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  elapsed = g_get_monotonic_time () - start;
  if (!tessera_store_verify_all_finish (store, result, &error))
    g_error ("Verify-all failed: %s", error->message);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (tessera_credential_get_status (credential) == TESSERA_CREDENTIAL_STATUS_VERIFIED)
        verified++;
    }

  ideal_ms = (double) ((count + concurrency - 1) / concurrency) * delay_ms;
  g_print ("credentials=%u verified=%u concurrency=%u delay_ms=%u requests=%u "
           "wall_ms=%.1f ideal_ms=%.1f ratio=%.3f\n",
           count, verified, concurrency, delay_ms, fake_harness_get_n_requests (harness),
           elapsed / 1000.0, ideal_ms, (elapsed / 1000.0) / ideal_ms);

  /* Their keys leave the session's keyring, or every run would search a
   * keyring 200 keys larger than the one before. */
  while (g_list_model_get_n_items (G_LIST_MODEL (store)) > 0)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (G_LIST_MODEL (store), 0);

      if (!tessera_store_remove (store, tessera_credential_get_id (credential), &error))
        g_error ("Could not remove a credential: %s", error->message);
    }
  g_clear_object (&result);
  tessera_store_commit_all_async (store, NULL, store_result_cb, &result);
  WAIT_UNTIL (result != NULL);
  if (!tessera_store_commit_all_finish (store, result, &error))
    g_error ("Could not delete the keys: %s", error->message);

  return verified == count ? 0 : 1;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int count = 200;
  int delay_ms = 100;
  int concurrency = 0;
  const GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "verify-all: how many credentials", "N" },
    { "delay-ms", 0, 0, G_OPTION_ARG_INT, &delay_ms, "verify-all: the fake's delay per answer", "MS" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency, "verify-all: the store's concurrency (default: its own)", "N" },
    { NULL },
  };

  context = g_option_context_new ("open|tiles|filter|verify-all");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "usage: tessera-bench open|tiles|filter|verify-all");
      return 2;
    }

  if (g_str_equal (argv[1], "verify-all"))
    return run_verify_all (MAX (count, 1), MAX (delay_ms, 0), MAX (concurrency, 0));

  if (!gtk_init_check ())
    {
      g_printerr ("tessera-bench: no display\n");
      return 2;
    }
  adw_init ();

  if (g_str_equal (argv[1], "open"))
    return run_open ();
  if (g_str_equal (argv[1], "tiles"))
    return run_tiles ();
  if (g_str_equal (argv[1], "filter"))
    return run_filter ();

  g_printerr ("tessera-bench: unknown measurement %s\n", argv[1]);
  return 2;
}
