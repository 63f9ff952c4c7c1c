/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-words.c: whose words an error is put in */
#include "config.h"

#include "tessera-words.h"

static gint current_audience = TESSERA_AUDIENCE_WINDOW;

/**
 * tessera_words_set_audience:
 * @audience: who reads the sentences of this process from now on
 *
 * The command line calls this once, before it does anything else; the
 * window never does.
 */
void
tessera_words_set_audience (TesseraAudience audience)
{
  g_atomic_int_set (&current_audience, audience);
}

TesseraAudience
tessera_words_get_audience (void)
{
  return g_atomic_int_get (&current_audience);
}

/**
 * tessera_words_pick:
 * @window: the sentence for the window, already translated
 * @terminal: the same for the terminal, already translated
 *
 * Both are passed through gettext by the caller, so that both are extracted
 * and translated.
 *
 * Returns: (transfer none): @terminal on a terminal, else @window
 */
const char *
tessera_words_pick (const char *window,
                    const char *terminal)
{
  return tessera_words_get_audience () == TESSERA_AUDIENCE_TERMINAL ? terminal : window;
}
