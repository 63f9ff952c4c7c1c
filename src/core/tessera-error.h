/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-error.h: what the window and the command line say about an error
 *
 * Every failure a Tessera operation reports is a GError of one of the
 * core's domains (token, Harness, store) or GIO's. This is the one place
 * that reads those codes: it puts a failure into a category (what the
 * command line's exit code and the dialog's "Save Without Verifying" go
 * by), a sentence and a headline. The sentences themselves are made where
 * the failure happens, in the words of the reader (tessera-words.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TESSERA_ERROR_CATEGORY_CANCELLED,   /* the user gave up: say nothing */
  TESSERA_ERROR_CATEGORY_INVALID,     /* what was given can't be used: a name, key, account, address */
  TESSERA_ERROR_CATEGORY_REJECTED,    /* Harness did not accept the key (or the account is another) */
  TESSERA_ERROR_CATEGORY_UNREACHABLE, /* Harness could not be asked: says nothing about the key */
  TESSERA_ERROR_CATEGORY_KEYRING,     /* no keyring at all, or a locked one: nothing can be read or saved */
  TESSERA_ERROR_CATEGORY_FAILED,      /* the keyring or the settings failed */
} TesseraErrorCategory;

TesseraErrorCategory  tessera_error_get_category (const GError *error);
const char           *tessera_error_get_message  (const GError *error);
const char           *tessera_error_get_title    (const GError *error);
const char           *tessera_error_get_reference (const GError *error);

G_END_DECLS
