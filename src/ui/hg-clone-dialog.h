/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm-dialog.h"

G_BEGIN_DECLS

/*
 * HgCloneDialog — copies a stopped VM under a new label beside it:
 * <parent of the VM dir>/<label>/ with every disk copied (qemu-img convert,
 * which keeps images sparse and flattens backing files; a plain file copy
 * when qemu-img is missing), a new uuid and a new MAC for every network
 * interface.  The work runs in a GTask thread; on failure (or cancel)
 * the new directory and everything in it is removed.  The label is
 * checked as it is typed (valid, not taken in the library) and errors
 * show inline.
 *
 * Signal "cloned" (const char *new_config_path); the dialog then closes.
 */

#define HG_TYPE_CLONE_DIALOG (hg_clone_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgCloneDialog, hg_clone_dialog, HG, CLONE_DIALOG, HgVmDialog)

/* bases: the library's base directories, searched for a taken label;
 * labels: the labels the caller already knows (checked without I/O). */
HgCloneDialog *hg_clone_dialog_new       (GtkWindow          *parent,
                                          HgVm               *vm,
                                          const char * const *bases,
                                          const char * const *labels);
void           hg_clone_dialog_set_label (HgCloneDialog      *self,
                                          const char         *label);
/* What the Clone button does */
void           hg_clone_dialog_clone     (HgCloneDialog      *self);
/* The inline error shown, or NULL */
const char    *hg_clone_dialog_get_error (HgCloneDialog      *self);

/* The copy itself (also for tests and scripts): GTask thread; _finish
 * returns the new config path. */
void           hg_clone_copy_async       (HgVmConfig         *source,
                                          const char         *new_label,
                                          const char * const *bases,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
char          *hg_clone_copy_finish       (GAsyncResult       *result,
                                          GError            **error);

G_END_DECLS
