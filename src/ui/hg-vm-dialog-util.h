/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * What the dialogs for one VM share (snapshots, removable media, clone,
 * move): the VM, a cancellable cancelled when the dialog goes, a count of
 * operations in flight shown by a spinner, and the inline error bar.
 *
 * HgVmDialogCore sits in the dialog's instance struct.  Its template
 * children (a GtkInfoBar "error_bar" whose response hides it, a GtkLabel
 * "error_label" in it, a GtkSpinner "spinner") are bound into it by
 * hg_vm_dialog_core_bind_template; the .ui connects the bar's "response"
 * to the handler "hg_vm_dialog_error_bar_response" (not swapped).
 *
 * update(dialog) sets the widgets' sensitivity after the busy count
 * changed; refresh(dialog) lists again after an operation and runs when
 * the VM's state changes (dialogs without a list pass update).  Both are
 * the dialog's own functions given with G_CALLBACK.
 */

typedef struct {
  GtkWidget    *dialog;        /* the owner (no reference) */
  GCallback     update;
  GCallback     refresh;
  GCancellable *cancellable;
  HgVm         *vm;
  guint         busy;          /* operations in flight */

  /* template */
  GtkInfoBar   *error_bar;
  GtkLabel     *error_label;
  GtkSpinner   *spinner;
} HgVmDialogCore;

/* offset: G_STRUCT_OFFSET of the core in the dialog's instance struct */
void        hg_vm_dialog_core_bind_template (GtkWidgetClass *widget_class,
                                             gsize           offset);
/* In the dialog's init, before gtk_widget_init_template */
void        hg_vm_dialog_core_init          (HgVmDialogCore *core,
                                             GtkWidget      *dialog,
                                             GCallback       update,
                                             GCallback       refresh);
/* Holds the VM, titles the dialog and refreshes it when the VM's state
 * changes (it does not refresh it now) */
void        hg_vm_dialog_core_set_vm        (HgVmDialogCore *core,
                                             HgVm           *vm,
                                             const char     *title);
/* In the dialog's dispose: cancels what is in flight */
void        hg_vm_dialog_core_dispose       (HgVmDialogCore *core);

/* message NULL hides the bar */
void        hg_vm_dialog_core_show_error    (HgVmDialogCore *core,
                                             const char     *message);
/* The message shown, or NULL */
const char *hg_vm_dialog_core_get_error     (HgVmDialogCore *core);
/* The VM is running or paused: its QEMU answers */
gboolean    hg_vm_dialog_core_vm_up         (HgVmDialogCore *core);
/* Nothing in flight and the VM up: an operation may start */
gboolean    hg_vm_dialog_core_ready         (HgVmDialogCore *core);
/* One operation more / less in flight: spinner, then update(dialog) */
void        hg_vm_dialog_core_begin         (HgVmDialogCore *core);
void        hg_vm_dialog_core_end           (HgVmDialogCore *core);

/* Nothing in flight and the VM stopped: its files may change.  A running
 * VM shows refusal in the error bar. */
gboolean    hg_vm_dialog_core_may_change    (HgVmDialogCore *core,
                                             const char     *refusal);
/* The end of work on the VM's files (clone, move) begun with
 * hg_vm_dialog_core_begin: FALSE when it was cancelled (the dialog is
 * going) or failed (error shown); TRUE when path is there. */
gboolean    hg_vm_dialog_core_path_done     (HgVmDialogCore *core,
                                             const char     *path,
                                             const GError   *error);

/* An operation of HgVm finished by hg_vm_action_finish: op_begin hides
 * the error bar, begins, and returns the user_data for op_done, which
 * shows "what: error" if it failed, ends and refreshes.  what is taken. */
gpointer    hg_vm_dialog_core_op_begin      (HgVmDialogCore *core,
                                             char           *what);
void        hg_vm_dialog_core_op_done       (GObject        *source,
                                             GAsyncResult   *result,
                                             gpointer        user_data);

/* The string in column of the selected row (free it), or NULL */
char       *hg_vm_dialog_tree_dup_selected  (GtkTreeView    *view,
                                             int             column);
/* Selects the first row whose column holds value; FALSE if none does */
gboolean    hg_vm_dialog_tree_select        (GtkTreeView    *view,
                                             int             column,
                                             const char     *value);

G_END_DECLS
