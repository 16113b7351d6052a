/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-disk-image.h"
#include "hg-vm.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * The disks of an existing VM, named as their config groups: "disk0"
 * (also "disk:0" or "0") is [disk:0].
 *
 *  - list: each disk's file, format, interface, virtual and allocated size;
 *  - add: a new image (qemu-img create) or an existing one, inspected as
 *    at create (hg_disk_image_inspect: no backing file outside its folder,
 *    no protocol), used in place or copied (sparse) into the VM's folder;
 *  - remove: the config first (atomically), then the image kept or moved
 *    to the trash (only one inside the VM's folder);
 *  - resize: offline with qemu-img resize, online with QMP block_resize on
 *    the disk's -blockdev node (its top node is named like the disk);
 *    shrinking is refused unless forced, and never online;
 *  - convert / compact: qemu-img convert -p (zeroes skipped, -c optional)
 *    into a new file beside the old one, checked (qemu-img check for
 *    qcow2) and compared (qemu-img compare) before it replaces the old one
 *    (rename) and the config names it (atomic save).  A failure, a cancel
 *    or a lack of space leaves the old disk and the config as they were;
 *    the space needed is measured with qemu-img measure first.
 * Everything but list and online resize needs the VM stopped: the caller
 * checks with hg_vm_disks_ensure_stopped().
 */

#define HG_VM_DISK_ERROR (hg_vm_disk_error_quark ())

typedef enum {
  HG_VM_DISK_ERROR_NOT_FOUND,   /* no such disk */
  HG_VM_DISK_ERROR_INVALID,     /* a bad size, format or option */
  HG_VM_DISK_ERROR_RUNNING,     /* the VM must be stopped for this */
  HG_VM_DISK_ERROR_SHRINK,      /* shrinking refused (not forced, or online) */
  HG_VM_DISK_ERROR_NO_SPACE,    /* not enough free space: nothing changed */
  HG_VM_DISK_ERROR_VERIFY,      /* the new image is not the old one's equal */
  HG_VM_DISK_ERROR_SNAPSHOTS,   /* internal snapshots a convert would lose */
  HG_VM_DISK_ERROR_FAILED,      /* qemu-img or QEMU failed */
} HgVmDiskError;

GQuark hg_vm_disk_error_quark (void);

typedef struct {
  char    *name;          /* "disk0" */
  char    *path;          /* absolute */
  char    *format;
  char    *interface;     /* as configured; NULL: the architecture's default */
  guint64  virtual_size;  /* what the guest sees */
  guint64  actual_size;   /* what it takes on the host */
} HgVmDiskInfo;

void        hg_vm_disk_info_free      (HgVmDiskInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgVmDiskInfo, hg_vm_disk_info_free)

/* The formats disks are made in and converted to: qcow2 raw vmdk vdi vhdx */
const char * const *hg_vm_disk_formats (void);
/* The index of the disk name names, or -1 (NOT_FOUND naming the VM's disks) */
gint        hg_vm_disk_find           (HgVmConfig *config, const char *name, GError **error);
/* FALSE (RUNNING, naming the VM and what) while vm runs */
gboolean    hg_vm_disks_ensure_stopped (HgVm *vm, const char *what, GError **error);

/* HgVmDiskInfo* of every disk, each image checked as at start.  Blocking. */
GPtrArray  *hg_vm_disks_list          (HgVmConfig *config, GCancellable *cancellable,
                                       GError **error);

typedef struct {
  const char *image;      /* an existing image, or NULL for a new one */
  gboolean    copy;       /* image: copy it into the VM's folder */
  guint64     size;       /* new: bytes (> 0) */
  const char *format;     /* new: qcow2 (NULL), raw, vmdk, vdi, vhdx */
  const char *interface;  /* NULL: the architecture's default */
} HgVmDiskAddSpec;

/* Adds [disk:N] and saves the config; finish gives the new disk's name */
void        hg_vm_disk_add_async      (HgVmConfig *config, const HgVmDiskAddSpec *spec,
                                       HgDiskImageProgress progress, gpointer progress_data,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
char       *hg_vm_disk_add_finish     (GAsyncResult *result, GError **error);

/* Removes the disk from the config (saved), then keeps its image or moves
 * it to the trash; *out_path: the image's absolute path */
gboolean    hg_vm_disk_remove         (HgVmConfig *config, const char *name, gboolean trash,
                                       char **out_path, GError **error);

/* qemu-img resize of a stopped VM's disk.  Blocking. */
gboolean    hg_vm_disk_resize         (HgVmConfig *config, const char *name, guint64 bytes,
                                       gboolean force, GCancellable *cancellable,
                                       GError **error);
/* block_resize of a running VM's disk (growing only) */
void        hg_vm_disk_resize_online_async  (HgVm *vm, const char *name, guint64 bytes,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean    hg_vm_disk_resize_online_finish (HgVm *vm, GAsyncResult *result, GError **error);
/* What the guest must do after growing: a translatable sentence */
const char *hg_vm_disk_grow_note      (void);

/* Converts to format (NULL: the same, a compaction), compressed if asked
 * (qcow2 only).  finish: *out_kept is the old image when the new one has
 * another name (it is kept, not deleted), else NULL. */
void        hg_vm_disk_convert_async  (HgVmConfig *config, const char *name,
                                       const char *format, gboolean compress,
                                       HgDiskImageProgress progress, gpointer progress_data,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean    hg_vm_disk_convert_finish (GAsyncResult *result, char **out_kept, GError **error);

G_END_DECLS
