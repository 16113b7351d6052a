/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-install-script.h"
#include "hg-osinfo.h"

G_BEGIN_DECLS

/* Between hg-osinfo.c (libhangar-core) and the module hangar-osinfo.so
 * (hg-osinfo-backend.c, the only code that links libosinfo). */

#define HG_OSINFO_MODULE_NAME       "hangar-osinfo.so"
/* bumped whenever HgOsInfo or this table changes */
#define HG_OSINFO_BACKEND_ABI       2
/* what G_DEFINE_QUARK (hg-osinfo-error-quark, ...) registers: the module
 * names the same domain without calling into the core */
#define HG_OSINFO_ERROR_QUARK_NAME  "hg-osinfo-error-quark"

/* What libosinfo says about an OS's firmware on an arch (hg-os-firmware.c) */
typedef struct {
  gboolean  known;             /* the OS is in the database */
  gboolean  efi;               /* UEFI is listed as supported */
  gboolean  bios_unsupported;  /* BIOS is listed as not supported */
  gboolean  secure_boot;       /* a firmware entry asks for Secure Boot */
  gboolean  tpm;               /* a TPM device is listed for it */
  char     *name;              /* "Microsoft Windows 11" */
  char     *family;            /* "winnt" */
} HgOsinfoFirmwareFacts;

typedef struct {
  guint       abi;
  gboolean  (*init)       (GError **error);
  /* path has passed hg_iso_check() */
  HgOsInfo *(*detect_iso) (const char *path, GCancellable *cancellable, GError **error);
  HgOsInfo *(*lookup)     (const char *id);
  /* appends every OS whose name, id or vendor holds all words (casefolded) */
  void      (*search)     (char **words, GPtrArray *result);
  /* FALSE when the OS is unknown; out's strings are g_malloc'd */
  gboolean  (*firmware_facts) (const char *id, const char *arch, HgOsinfoFirmwareFacts *out);
  /* iso_path (checked) or os_id; the result's strings are g_malloc'd */
  HgInstallScript *(*install_script) (const char *iso_path, const char *os_id,
                                      const HgInstallParams *params, GError **error);
  /* the short id of the OS whose cloud image has this file name, or NULL */
  char     *(*identify_image) (const char *basename, char **out_arch);
} HgOsinfoBackend;

/* hg-osinfo.c: the module, loaded on first use (NULL + error without it);
 * for the core's other users of OS data (hg-os-firmware.c,
 * hg-install-script.c, hg-cloud-init.c) */
const HgOsinfoBackend *_hg_osinfo_get_backend (GError **error);

/* The module's one exported function */
G_MODULE_EXPORT const HgOsinfoBackend *hg_osinfo_backend (void);

G_END_DECLS
