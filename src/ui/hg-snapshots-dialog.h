/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"

G_BEGIN_DECLS

/*
 * HgSnapshotsDialog — the internal (qcow2) snapshots of a running VM (ctys
 * savevm/loadvm): the list, take one with a name, revert to one, delete
 * one, all through HgVm's async snapshot calls.  A VM whose disks cannot
 * hold snapshots gets the reason inline, naming the disk; a VM that is not
 * running gets a note.  "busy" is TRUE while QEMU works.
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
const char        *hg_snapshots_dialog_get_error (HgSnapshotsDialog *self);

G_END_DECLS
