/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-ctys-private.h"

G_BEGIN_DECLS

/* Shared by the mapping of ctys variables to an HgVmConfig.  Calls go one
 * way: hg-ctys-map-base.c (helpers) <- hg-ctys-map-values.c (value
 * parsers) <- hg-ctys-map-machine.c (machine, guest, display) and
 * hg-ctys-map-devices.c (network, storage, boot) <- hg-ctys-map.c (the
 * label, the unmapped rest, the public API). */

#define GROUP_CTYS  "ctys"
#define GROUP_GUEST "guest"

typedef struct {
  HgCtysImport *imp;
  HgVmConfig   *cfg;
  GKeyFile     *extra;  /* keys without a struct field, merged at the end */
} Map;

#define info(m, line, key, text, ...) \
  hg_ctys_add_note ((m)->imp->map_notes, HG_CTYS_NOTE_INFO, line, key, text, __VA_ARGS__)

/* hg-ctys-map-base.c: helpers */
CtysVar    *hg_ctys_map_take       (Map *m, const char *name);
CtysVar    *hg_ctys_map_take_first (Map *m, const char *const *names);
CtysVar    *hg_ctys_map_take_meta  (Map *m, const char *name);
void        hg_ctys_map_reject     (Map *m, CtysVar *var, const char *format, ...)
                                    G_GNUC_PRINTF (3, 4);
void        hg_ctys_map_set_str    (char **field, const char *value);
char       *hg_ctys_map_trimmed    (const char *value);
char       *hg_ctys_map_resolve_path (Map *m, const char *value);
void        hg_ctys_map_add_disk   (Map *m, CtysVar *var, const char *path, const char *format);
void        hg_ctys_map_add_medium (Map *m, HgMediumKind kind, const char *path);

/* hg-ctys-map-values.c: value parsers */
typedef struct {
  const char *name;     /* ctys ARCH value or QEMU emulator suffix, lower case */
  const char *arch;     /* Hangar arch */
  const char *cpu;      /* CPU model implied by the name, or NULL */
  const char *machine;  /* machine implied by the name, or NULL */
} ArchAlias;

const ArchAlias *hg_ctys_map_arch_lookup (const char *name);
const char *hg_ctys_map_arch_from_starter (const char *value, gboolean *is_kvm);
gboolean    hg_ctys_map_parse_mib  (const char *value, guint *out);
char       *hg_ctys_map_normalize_mac  (const char *value);
char       *hg_ctys_map_normalize_uuid (const char *value);
gboolean    hg_ctys_map_boot_mode_from_ctys (const char *value, HgBootMode *out);
gboolean    hg_ctys_map_is_token   (const char *value, const char *extra, gsize max_len);
gboolean    hg_ctys_map_is_vga_type (const char *value);

/* the groups: hg-ctys-map-machine.c, hg-ctys-map-devices.c */
void        hg_ctys_map_machine    (Map *m);
void        hg_ctys_map_guest      (Map *m);
void        hg_ctys_map_display    (Map *m);
void        hg_ctys_map_network    (Map *m);
void        hg_ctys_map_storage    (Map *m);
void        hg_ctys_map_boot       (Map *m);

G_END_DECLS
