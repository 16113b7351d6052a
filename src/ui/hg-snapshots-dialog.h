/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"
#include "hg-vm-snapshots.h"

G_BEGIN_DECLS

/*
 * HgSnapshotsDialog — the snapshot tree of a VM (hg-vm-snapshots.h): each
 * snapshot under its parent, "You are here" under the current one; take
 * one with a name and description, revert to one, delete one, rename or
 * describe one in place.  While the VM runs snapshots hold RAM and disks,
 * while it is stopped its disks (a note says so).  A VM whose disks cannot
 * hold snapshots gets the reason inline, naming the disk.  "busy" is TRUE
 * while the work runs.
 */

#define HG_TYPE_SNAPSHOTS_DIALOG (hg_snapshots_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgSnapshotsDialog, hg_snapshots_dialog, HG, SNAPSHOTS_DIALOG, HgVmDialog)

HgSnapshotsDialog *hg_snapshots_dialog_new      (GtkWindow         *parent,
                                                 HgVm              *vm);
/* What the buttons do: take with the name typed, revert to / delete the
 * selected one */
void               hg_snapshots_dialog_take     (HgSnapshotsDialog *self,
                                                 const char        *name);
/* Revert, delete, and a take under a name that exists, ask first (a modal
 * question naming the snapshot and what is lost; Cancel is the default);
 * the question open now, or NULL: */
void               hg_snapshots_dialog_revert   (HgSnapshotsDialog *self);
void               hg_snapshots_dialog_delete   (HgSnapshotsDialog *self);
GtkDialog         *hg_snapshots_dialog_get_confirmation (HgSnapshotsDialog *self);
gboolean           hg_snapshots_dialog_select   (HgSnapshotsDialog *self,
                                                 const char        *tag);
gboolean           hg_snapshots_dialog_is_busy  (HgSnapshotsDialog *self);
/* The tags listed, in order */
GStrv              hg_snapshots_dialog_dup_tags (HgSnapshotsDialog *self);
/* The tree as listed last (owned by the dialog), or NULL */
HgSnapshotTree    *hg_snapshots_dialog_get_tree (HgSnapshotsDialog *self);
/* Renames (new_name) and/or describes (description, "" for none) the
 * snapshot of tag; NULL keeps either */
void               hg_snapshots_dialog_edit     (HgSnapshotsDialog *self,
                                                 const char        *tag,
                                                 const char        *new_name,
                                                 const char        *description);
const char        *hg_snapshots_dialog_get_error (HgSnapshotsDialog *self);

G_END_DECLS
