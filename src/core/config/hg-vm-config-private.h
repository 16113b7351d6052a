/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by hg-vm-config.c (object, validation), hg-vm-config-load.c and
 * hg-vm-config-save.c.  Not for other files. */

#include "hg-vm-config.h"

G_BEGIN_DECLS

#define MAX_INDEX 999   /* [disk:0] .. [disk:999] */

/* The indexed groups: [disk:N], [cdrom:N], [floppy:N], [usb:N], [net:N], [share:N] */
typedef enum {
  KIND_DISK,
  KIND_CDROM,
  KIND_FLOPPY,
  KIND_USB,
  KIND_NET,
  KIND_SHARE,
  N_KINDS
} HgConfigIndexedKind;

extern const char *const _hg_config_kind_prefix[N_KINDS];

/* "disk:3" -> KIND_DISK, 3.  FALSE when not an indexed group at all;
 * *canonical = FALSE when the prefix matches but the number is bad. */
gboolean    _hg_config_parse_indexed_group (const char          *group,
                                            HgConfigIndexedKind *kind,
                                            guint               *index,
                                            gboolean            *canonical);
/* Digits only, no sign or blanks, at most max */
gboolean    _hg_config_parse_decimal       (const char *str,
                                            guint64     max,
                                            guint64    *out);

gboolean    _hg_config_strv_has            (const char *const *strv,
                                            const char        *str);
/* A value fit for a message: quoted, cut, escaped if not printable text */
char       *_hg_config_quote_value         (const char *value);
/* NULL when value is fine text, else what is wrong with it */
const char *_hg_config_check_text          (const char *value,
                                            gboolean    limit_length);
/* "<source>: [group] key: message" */
void        _hg_config_set_error           (GError      **error,
                                            HgConfigError code,
                                            const char   *source,
                                            const char   *group,
                                            const char   *key,
                                            const char   *format,
                                            ...) G_GNUC_PRINTF (6, 7);
char       *_hg_config_uuid_from_name      (const char *name);

/* A config with every default and an empty key file, no uuid, no label */
HgVmConfig *_hg_vm_config_alloc            (void);
/* path, else the name given to load_from_data, else "new VM config" */
const char *_hg_vm_config_display_name     (HgVmConfig *self);

G_END_DECLS
