/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgVmDialog: the base of the dialogs for one VM (snapshots, removable
 * media, properties, clone, move, delete).  It holds the VM ("vm", set at
 * construction), a cancellable cancelled when the dialog goes, a count of
 * operations in flight shown by a spinner, and the inline error bar.
 *
 * A subclass's template has a GtkInfoBar "error_bar" with a GtkLabel
 * "error_label" in it and a GtkSpinner "spinner"; its class_init binds
 * them with hg_vm_dialog_class_bind_template after setting the template.
 * A bar with a close button connects its "response" to the handler
 * "hg_vm_dialog_error_bar_response" (not swapped), which hides it.
 */

#define HG_TYPE_VM_DIALOG (hg_vm_dialog_get_type ())
G_DECLARE_DERIVABLE_TYPE (HgVmDialog, hg_vm_dialog, HG, VM_DIALOG, GtkWindow)

struct _HgVmDialogClass
{
  GtkWindowClass parent_class;

  /* Sets the widgets' sensitivity: after the busy count changed, and
   * through refresh when the VM's state changed */
  void (*update)  (HgVmDialog *self);
  /* Lists again: when the VM's state changed and after an operation begun
   * with hg_vm_dialog_op_begin.  The default calls update. */
  void (*refresh) (HgVmDialog *self);
};

/* In the subclass's class_init, after gtk_widget_class_set_template* */
void          hg_vm_dialog_class_bind_template (GtkWidgetClass *widget_class);

HgVm         *hg_vm_dialog_get_vm              (HgVmDialog     *self);
/* Cancelled when the dialog goes */
GCancellable *hg_vm_dialog_get_cancellable     (HgVmDialog     *self);
void          hg_vm_dialog_update              (HgVmDialog     *self);
void          hg_vm_dialog_refresh             (HgVmDialog     *self);

/* message NULL hides the bar */
void          hg_vm_dialog_show_error          (HgVmDialog     *self,
                                                const char     *message);
/* The message shown, or NULL */
const char   *hg_vm_dialog_get_error           (HgVmDialog     *self);
/* Operations in flight */
gboolean      hg_vm_dialog_is_busy             (HgVmDialog     *self);
/* The VM is running or paused: its QEMU answers */
gboolean      hg_vm_dialog_vm_up               (HgVmDialog     *self);
/* Nothing in flight and the VM up: an operation may start */
gboolean      hg_vm_dialog_ready               (HgVmDialog     *self);
/* One operation more / less in flight: spinner, then update */
void          hg_vm_dialog_begin               (HgVmDialog     *self);
void          hg_vm_dialog_end                 (HgVmDialog     *self);

/* Nothing in flight and the VM stopped: its files may change.  A running
 * VM shows refusal in the error bar. */
gboolean      hg_vm_dialog_may_change          (HgVmDialog     *self,
                                                const char     *refusal);
/* The end of work on the VM's files (clone, move) begun with
 * hg_vm_dialog_begin: FALSE when it was cancelled (the dialog is going) or
 * failed (error shown); TRUE when path is there. */
gboolean      hg_vm_dialog_path_done           (HgVmDialog     *self,
                                                const char     *path,
                                                const GError   *error);

/* An operation of HgVm finished by hg_vm_action_finish: op_begin hides
 * the error bar, begins, and returns the user_data for op_done, which
 * shows "what: error" if it failed, ends and refreshes.  what is taken. */
gpointer      hg_vm_dialog_op_begin            (HgVmDialog     *self,
                                                char           *what);
void          hg_vm_dialog_op_done             (GObject        *source,
                                                GAsyncResult   *result,
                                                gpointer        user_data);
/* The dialog of such an operation, and its end by hand (error NULL: it
 * worked), for one of several steps */
HgVmDialog   *hg_vm_dialog_op_get_dialog       (gpointer        op);
void          hg_vm_dialog_op_end              (gpointer        op,
                                                const GError   *error);

/* The string in column of the selected row (free it), or NULL */
char         *hg_vm_dialog_tree_dup_selected   (GtkTreeView    *view,
                                                int             column);
/* Selects the first row whose column holds value, at any depth (shown
 * expanded); FALSE if none does */
gboolean      hg_vm_dialog_tree_select         (GtkTreeView    *view,
                                                int             column,
                                                const char     *value);

G_END_DECLS
