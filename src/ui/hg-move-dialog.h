/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"

G_BEGIN_DECLS

/*
 * HgMoveDialog — moves a stopped VM's directory to another folder of the
 * library (a base directory and a sub-folder under it: the tree's
 * grouping).  It names the source and the target before anything moves;
 * the move is one rename (g_file_move without copy fallback) in a GTask
 * thread, so it stays within one file system, and a target that exists is
 * refused with an error naming it.  Folders created for the target are
 * removed again when the move fails.
 *
 * Signal "moved" (const char *new_config_path); the dialog then closes.
 */

#define HG_TYPE_MOVE_DIALOG (hg_move_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgMoveDialog, hg_move_dialog, HG, MOVE_DIALOG, HgVmDialog)

HgMoveDialog *hg_move_dialog_new        (GtkWindow          *parent,
                                         HgVm               *vm,
                                         const char * const *bases);
/* Chooses the target: one of the bases and a relative sub-folder ("" =
 * the base itself) */
void          hg_move_dialog_set_target (HgMoveDialog       *self,
                                         const char         *base,
                                         const char         *folder);
/* What the Move button does */
void          hg_move_dialog_move       (HgMoveDialog       *self);
const char   *hg_move_dialog_get_error  (HgMoveDialog       *self);

/* The move itself: dir → <target_parent>/<basename of dir>; _finish
 * returns the new config path. */
void          hg_move_vm_async          (HgVmConfig         *config,
                                         const char         *target_parent,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
char         *hg_move_vm_finish         (GAsyncResult       *result,
                                         GError            **error);

G_END_DECLS
