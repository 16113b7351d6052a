/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "hg-vm-disks.h"

G_BEGIN_DECLS

/* Shared by hg-vm-disks.c (list, add, remove, resize; these helpers) and
 * hg-vm-disks-convert.c (convert, compact). */

/* FALSE (INVALID, naming the formats) unless hg_vm_disk_formats() has it */
gboolean          _hg_vm_disks_format_ok     (const char *format, GError **error);
HgDisk           *_hg_vm_disks_at            (HgVmConfig *config, guint index);
/* "img" for raw, else the format's name */
const char       *_hg_vm_disks_extension     (const char *format);
/* abs as the config keeps it: relative inside the VM's folder */
char             *_hg_vm_disks_config_path   (HgVmConfig *config, const char *abs);
/* qemu-img with args (after "qemu-img") to completion, cancel killing it;
 * its exit status and merged output, or -1 with error */
int               _hg_vm_disks_qemu_img_run  (const char * const *args, GCancellable *cancellable,
                                              char **out, GError **error);
/* The same, FAILED naming what and qemu-img's words unless it exits 0 */
gboolean          _hg_vm_disks_qemu_img_ok   (const char * const *args, const char *what,
                                              GCancellable *cancellable, char **out,
                                              GError **error);
JsonObject       *_hg_vm_disks_parse_object  (const char *text, const char *what, GError **error);
/* Disk index's image checked as at start; *out_path its absolute path */
HgDiskImageInfo  *_hg_vm_disks_check         (HgVmConfig *config, guint index, char **out_path,
                                              GCancellable *cancellable, GError **error);

G_END_DECLS
