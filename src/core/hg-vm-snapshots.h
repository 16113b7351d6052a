/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/* The snapshot tree of a VM (docs/config.md, [snapshot:TAG]): metadata
 * Hangar keeps in the VM's config beside the internal snapshots the qcow2
 * images hold.  Running VMs take RAM + disks (savevm), stopped ones the
 * disks (qemu-img snapshot on every qcow2 disk and the UEFI variables). */

typedef struct {
  char     *tag;          /* the snapshot's name in the images; never changes */
  char     *name;         /* shown and used by commands; the tag unless renamed */
  char     *description;  /* NULL: none */
  gint64    time;         /* when it was taken, seconds since the epoch; 0: unknown */
  char     *parent;       /* tag of the snapshot it was taken from, NULL: a root */
  gboolean  ram;          /* holds the RAM (taken while running: revert restarts it) */
  gboolean  found_in_disk;/* in the images, but Hangar has no metadata for it */
} HgSnapshot;

typedef struct {
  GPtrArray *snapshots;   /* HgSnapshot*, oldest first */
  char      *current;     /* tag of the snapshot the VM's state came from, or NULL */
  GPtrArray *notes;       /* char*: what hg_snapshot_tree_reconcile changed */
} HgSnapshotTree;

void            hg_snapshot_free            (HgSnapshot *snapshot);
void            hg_snapshot_tree_free       (HgSnapshotTree *tree);

/* The metadata of a config's key file; groups whose values are malformed
 * are skipped with a note. */
HgSnapshotTree *hg_snapshot_tree_from_keyfile (GKeyFile *keyfile);
/* Replaces every [snapshot:*] group and [snapshots] of keyfile by tree's
 * (snapshots found in the disk are not written). */
void            hg_snapshot_tree_to_keyfile (HgSnapshotTree *tree,
                                             GKeyFile       *keyfile);
/* Makes the metadata agree with the tags the images hold (in_image,
 * NULL-terminated, oldest first) and their times: a tag without metadata
 * is added as found in the disk; metadata of a snapshot no longer in the
 * images is dropped with a note, its children re-parented.  TRUE if the
 * metadata that is written changed. */
gboolean        hg_snapshot_tree_reconcile  (HgSnapshotTree     *tree,
                                             const char * const *in_image,
                                             const gint64       *times);
/* By name, else by tag; NULL if none */
HgSnapshot     *hg_snapshot_tree_find       (HgSnapshotTree *tree,
                                             const char     *name);
/* The tree as text, one snapshot a line, children indented under their
 * parent, the current state marked "<- you are here" */
char           *hg_snapshot_tree_format     (HgSnapshotTree *tree);
/* {"current": TAG|null, "snapshots": [{"name","tag","description","time",
 *  "parent","ram","found-in-disk","current","children":[…]}]} as a tree */
JsonNode       *hg_snapshot_tree_to_json    (HgSnapshotTree *tree);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgSnapshotTree, hg_snapshot_tree_free)

G_END_DECLS
