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
} HgCtysMap;

#define info(m, line, key, text, ...) \
  _hg_ctys_add_note ((m)->imp->map_notes, HG_CTYS_NOTE_INFO, line, key, text, __VA_ARGS__)

/* hg-ctys-map-base.c: helpers */
HgCtysVar  *_hg_ctys_map_take       (HgCtysMap *m, const char *name);
HgCtysVar  *_hg_ctys_map_take_first (HgCtysMap *m, const char *const *names);
HgCtysVar  *_hg_ctys_map_take_meta  (HgCtysMap *m, const char *name);
void        _hg_ctys_map_reject     (HgCtysMap *m, HgCtysVar *var, const char *format, ...)
                                    G_GNUC_PRINTF (3, 4);
void        _hg_ctys_map_set_str    (char **field, const char *value);
char       *_hg_ctys_map_trimmed    (const char *value);
char       *_hg_ctys_map_resolve_path (HgCtysMap *m, const char *value);
void        _hg_ctys_map_add_disk   (HgCtysMap *m, HgCtysVar *var, const char *path,
                                     const char *format);
void        _hg_ctys_map_add_medium (HgCtysMap *m, HgMediumKind kind, const char *path);

/* hg-ctys-map-values.c: value parsers */
typedef struct {
  const char *name;     /* ctys ARCH value or QEMU emulator suffix, lower case */
  const char *arch;     /* Hangar arch */
  const char *cpu;      /* CPU model implied by the name, or NULL */
  const char *machine;  /* machine implied by the name, or NULL */
} HgCtysArchAlias;

const HgCtysArchAlias *_hg_ctys_map_arch_lookup (const char *name);
const char *_hg_ctys_map_arch_from_starter (const char *value, gboolean *is_kvm);
gboolean    _hg_ctys_map_parse_mib  (const char *value, guint *out);
char       *_hg_ctys_map_normalize_mac  (const char *value);
char       *_hg_ctys_map_normalize_uuid (const char *value);
gboolean    _hg_ctys_map_boot_mode_from_ctys (const char *value, HgBootMode *out);
gboolean    _hg_ctys_map_is_token   (const char *value, const char *extra, gsize max_len);
gboolean    _hg_ctys_map_is_vga_type (const char *value);

/* the groups: hg-ctys-map-machine.c, hg-ctys-map-devices.c */
void        _hg_ctys_map_machine    (HgCtysMap *m);
void        _hg_ctys_map_guest      (HgCtysMap *m);
void        _hg_ctys_map_display    (HgCtysMap *m);
void        _hg_ctys_map_network    (HgCtysMap *m);
void        _hg_ctys_map_storage    (HgCtysMap *m);
void        _hg_ctys_map_boot       (HgCtysMap *m);

G_END_DECLS
