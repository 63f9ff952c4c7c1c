/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runstat: runs a command and prints its wall time and peak memory
 *
 *   runstat [--stdin FILE] -- COMMAND [ARGUMENT…]
 *
 * Output (one line): "wall_ms=<float> rss_kib=<int> status=<int>". The
 * command's output goes to /dev/null. Peak memory comes from wait4(): a
 * child's ru_maxrss starts from the memory of the process it was forked
 * from, so forking from Python would report Python's size for every
 * command; forked from this small program it reports the command's own.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  const char *stdin_path = "/dev/null";
  struct rusage usage;
  double start;
  int first = 1;
  int status;
  pid_t pid;

  while (first < argc && strcmp (argv[first], "--") != 0)
    {
      if (strcmp (argv[first], "--stdin") == 0 && first + 1 < argc)
        {
          stdin_path = argv[first + 1];
          first += 2;
        }
      else
        {
          fprintf (stderr, "usage: runstat [--stdin FILE] -- COMMAND [ARGUMENT…]\n");
          return 2;
        }
    }
  if (first + 1 >= argc)
    {
      fprintf (stderr, "usage: runstat [--stdin FILE] -- COMMAND [ARGUMENT…]\n");
      return 2;
    }

  start = now_ms ();
  pid = fork ();
  if (pid < 0)
    {
      perror ("fork");
      return 2;
    }
  if (pid == 0)
    {
      int in = open (stdin_path, O_RDONLY);
      int out = open ("/dev/null", O_WRONLY);

      if (in < 0 || out < 0)
        _exit (126);
      dup2 (in, 0);
      dup2 (out, 1);
      dup2 (out, 2);
      execvp (argv[first + 1], argv + first + 1);
      _exit (127);
    }

  if (wait4 (pid, &status, 0, &usage) < 0)
    {
      perror ("wait4");
      return 2;
    }

  printf ("wall_ms=%.2f rss_kib=%ld status=%d\n", now_ms () - start, usage.ru_maxrss,
          WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
  return 0;
}
