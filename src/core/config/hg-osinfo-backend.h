/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-osinfo.h"

G_BEGIN_DECLS

/* Between hg-osinfo.c (libhangar-core) and the module hangar-osinfo.so
 * (hg-osinfo-backend.c, the only code that links libosinfo). */

#define HG_OSINFO_MODULE_NAME       "hangar-osinfo.so"
/* bumped whenever HgOsInfo or this table changes */
#define HG_OSINFO_BACKEND_ABI       1
/* what G_DEFINE_QUARK (hg-osinfo-error-quark, ...) registers: the module
 * names the same domain without calling into the core */
#define HG_OSINFO_ERROR_QUARK_NAME  "hg-osinfo-error-quark"

typedef struct {
  guint       abi;
  gboolean  (*init)       (GError **error);
  /* path has passed hg_iso_check() */
  HgOsInfo *(*detect_iso) (const char *path, GCancellable *cancellable, GError **error);
  HgOsInfo *(*lookup)     (const char *id);
  /* appends every OS whose name, id or vendor holds all words (casefolded) */
  void      (*search)     (char **words, GPtrArray *result);
} HgOsinfoBackend;

/* The module's one exported function */
G_MODULE_EXPORT const HgOsinfoBackend *hg_osinfo_backend (void);

G_END_DECLS
