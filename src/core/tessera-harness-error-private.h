/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-error-private.h: building TESSERA_HARNESS_ERROR errors */
#pragma once

#include "tessera-harness-client.h"

G_BEGIN_DECLS

GError *tessera_harness_error_new_literal        (TesseraHarnessError  code,
                                                  const char          *correlation_id,
                                                  const char          *message);
void    tessera_harness_error_set_correlation_id (GError              *error,
                                                  const char          *correlation_id);

G_END_DECLS
