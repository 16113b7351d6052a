/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-snapshot-tree.h"
#include "hg-vm.h"

G_BEGIN_DECLS

/* The snapshot operations of a VM (its tree: hg-snapshot-tree.h).  Running
 * VMs take RAM + disks (savevm), stopped ones the disks (qemu-img snapshot
 * on every qcow2 disk and the UEFI variables). */

/* Every operation first needs every disk in qcow2
 * (hg_vm_check_snapshots_supported: the error names [disk:N], its format
 * and the hangarctl disk command that converts it).
 *
 * The tree, reconciled with what the images hold (QMP info snapshots while
 * running, qemu-img snapshot -l on each disk otherwise); dropped metadata
 * is saved. */
void            hg_vm_snapshots_get_async   (HgVm *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
HgSnapshotTree *hg_vm_snapshots_get_finish  (HgVm *self, GAsyncResult *result, GError **error);

/* Take: the new snapshot's parent is the current one, and it becomes the
 * current one.  A name in use is refused.  Stopped: all or nothing over the
 * disks. */
void     hg_vm_snapshots_take_async   (HgVm *self, const char *name, const char *description,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Revert: the state since the current snapshot is lost.  A snapshot without
 * RAM is reverted to only while the VM is stopped. */
void     hg_vm_snapshots_revert_async (HgVm *self, const char *name, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Delete: only that snapshot; its children get its parent. */
void     hg_vm_snapshots_delete_async (HgVm *self, const char *name, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Rename and/or set the description (new_name NULL: keep; description
 * NULL: keep, "": none).  Only the metadata changes. */
void     hg_vm_snapshots_edit_async   (HgVm *self, const char *name, const char *new_name,
                                       const char *description, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean hg_vm_snapshots_finish       (HgVm *self, GAsyncResult *result, GError **error);

G_END_DECLS
