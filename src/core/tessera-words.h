/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-words.h: whose words an error is put in, the window's or the
 * terminal's
 *
 * The core turns a failure into one sentence where it happens (parsing a
 * key, a server address, Harness's answer). Most sentences suit both
 * readers; the few that point at the window ("paste it here", "enter the
 * account ID") have a terminal twin that points at standard input and
 * options instead. The command line is its own process, so it says once,
 * at start, that it reads them on a terminal.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TESSERA_AUDIENCE_WINDOW,    /* the default */
  TESSERA_AUDIENCE_TERMINAL,
} TesseraAudience;

void             tessera_words_set_audience (TesseraAudience  audience);
TesseraAudience  tessera_words_get_audience (void);
const char      *tessera_words_pick         (const char      *window,
                                             const char      *terminal);

G_END_DECLS
