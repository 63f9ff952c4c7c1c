/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-error-private.h: building TESSERA_HARNESS_ERROR errors */
#pragma once

#include "tessera-harness-client.h"

G_BEGIN_DECLS

GError *tessera_harness_error_new_literal        (TesseraHarnessError  code,
                                                  const char          *correlation_id,
                                                  const char          *message);
/* The message is the sentence of @detail (tessera-status-detail.h). */
GError *tessera_harness_error_new_detail         (TesseraHarnessError  code,
                                                  const char          *correlation_id,
                                                  const char          *detail,
                                                  const char          *arg);
void    tessera_harness_error_set_correlation_id (GError              *error,
                                                  const char          *correlation_id);
const char *_tessera_harness_error_get_detail    (const GError        *error,
                                                  const char         **arg);

G_END_DECLS
