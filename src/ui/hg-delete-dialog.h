/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"

G_BEGIN_DECLS

/*
 * HgDeleteDialog — asks before a VM is deleted, naming every disk image
 * file, and then moves the VM directory (config, disks and all inside it)
 * and every disk kept outside it to the trash (g_file_trash) in a GTask
 * thread.  A running VM is refused.
 *
 * Signal "deleted" (const char *config_path); the dialog then closes.
 */

#define HG_TYPE_DELETE_DIALOG (hg_delete_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgDeleteDialog, hg_delete_dialog, HG, DELETE_DIALOG, HgVmDialog)

HgDeleteDialog *hg_delete_dialog_new        (GtkWindow      *parent,
                                             HgVm           *vm);
/* What the "Move to Trash" button does */
void            hg_delete_dialog_confirm    (HgDeleteDialog *self);
const char     *hg_delete_dialog_get_error  (HgDeleteDialog *self);
/* The files named in the confirmation, absolute (transfer none) */
const char * const *hg_delete_dialog_get_disk_files (HgDeleteDialog *self);

/* The trashing itself, without asking (refuses nothing: the caller checks
 * that the VM is stopped). */
void            hg_delete_trash_async       (HgVmConfig         *config,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean        hg_delete_trash_finish      (GAsyncResult       *result,
                                             GError            **error);

G_END_DECLS
