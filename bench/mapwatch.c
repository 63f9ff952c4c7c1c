/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mapwatch: runs a program and reports, in milliseconds, the time from exec
 * to the first MapNotify of a top-level (non override-redirect) window on
 * the root window, then its peak RSS after a settle time.
 *
 *   mapwatch [--settle-ms N] [--timeout-ms N] -- PROGRAM ARGS…
 *
 * Output (one line): "map_ms=<float> rss_kib=<int> start_epoch=<s> map_epoch=<s>"
 * (the last two are wall-clock times, to line the run up with a
 * dbus-monitor log); exit 1 on timeout.
 * Polling tools such as `xdotool search --sync` wake every 0.5 s and are
 * useless for this; X events arrive as they happen.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xlib.h>

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
epoch_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
peak_rss_kib (pid_t pid)
{
  char path[64];
  char line[256];
  long kib = -1;
  FILE *f;

  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  f = fopen (path, "r");
  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f))
    if (sscanf (line, "VmHWM: %ld kB", &kib) == 1)
      break;
  fclose (f);
  return kib;
}

int
main (int   argc,
      char *argv[])
{
  int settle_ms = 500;
  int timeout_ms = 20000;
  int first = 1;
  Display *dpy;
  double start, mapped = -1;
  double start_epoch, map_epoch = 0;
  pid_t pid;
  long rss;
  int status;

  for (; first < argc; first++)
    {
      if (strcmp (argv[first], "--settle-ms") == 0 && first + 1 < argc)
        settle_ms = atoi (argv[++first]);
      else if (strcmp (argv[first], "--timeout-ms") == 0 && first + 1 < argc)
        timeout_ms = atoi (argv[++first]);
      else if (strcmp (argv[first], "--") == 0)
        {
          first++;
          break;
        }
      else
        break;
    }

  if (first >= argc)
    {
      fprintf (stderr, "usage: mapwatch [--settle-ms N] [--timeout-ms N] -- PROGRAM ARGS…\n");
      return 2;
    }

  dpy = XOpenDisplay (NULL);
  if (dpy == NULL)
    {
      fprintf (stderr, "mapwatch: cannot open display\n");
      return 2;
    }

  XSelectInput (dpy, DefaultRootWindow (dpy), SubstructureNotifyMask);
  XSync (dpy, False);

  start_epoch = epoch_s ();
  start = now_ms ();
  pid = fork ();
  if (pid == 0)
    {
      execvp (argv[first], argv + first);
      _exit (127);
    }

  while (mapped < 0 && now_ms () - start < timeout_ms)
    {
      struct pollfd pfd = { ConnectionNumber (dpy), POLLIN, 0 };

      while (XPending (dpy))
        {
          XEvent ev;

          XNextEvent (dpy, &ev);
          if (ev.type == MapNotify && !ev.xmap.override_redirect)
            {
              mapped = now_ms () - start;
              map_epoch = epoch_s ();
              break;
            }
        }
      if (mapped < 0)
        poll (&pfd, 1, 50);
    }

  if (mapped >= 0)
    usleep (settle_ms * 1000);

  rss = peak_rss_kib (pid);
  kill (pid, SIGTERM);
  if (waitpid (pid, &status, 0) < 0 && errno != ECHILD)
    perror ("waitpid");
  XCloseDisplay (dpy);

  if (mapped < 0)
    {
      fprintf (stderr, "mapwatch: no window mapped within %d ms\n", timeout_ms);
      return 1;
    }

  printf ("map_ms=%.1f rss_kib=%ld start_epoch=%.6f map_epoch=%.6f\n",
          mapped, rss, start_epoch, map_epoch);
  return 0;
}
