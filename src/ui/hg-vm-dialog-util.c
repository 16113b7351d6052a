/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include "hg-vm-dialog-util.h"

/* the dialog's own update / refresh, given with G_CALLBACK */
typedef void (*DialogFunc) (GtkWidget *dialog);

static void
call (GCallback  func,
      GtkWidget *dialog)
{
  if (func != NULL)
    ((DialogFunc) func) (dialog);
}

static void
on_error_bar_response (GtkInfoBar *bar)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

void
hg_vm_dialog_core_bind_template (GtkWidgetClass *widget_class,
                                 gsize           offset)
{
  gtk_widget_class_bind_template_child_full (widget_class, "error_bar", FALSE,
                                             offset + G_STRUCT_OFFSET (HgVmDialogCore, error_bar));
  gtk_widget_class_bind_template_child_full (widget_class, "error_label", FALSE,
                                             offset + G_STRUCT_OFFSET (HgVmDialogCore, error_label));
  gtk_widget_class_bind_template_child_full (widget_class, "spinner", FALSE,
                                             offset + G_STRUCT_OFFSET (HgVmDialogCore, spinner));
  gtk_widget_class_bind_template_callback_full (widget_class, "hg_vm_dialog_error_bar_response",
                                                G_CALLBACK (on_error_bar_response));
}

void
hg_vm_dialog_core_init (HgVmDialogCore *core,
                        GtkWidget      *dialog,
                        GCallback       update,
                        GCallback       refresh)
{
  core->dialog = dialog;
  core->update = update;
  core->refresh = refresh;
  core->cancellable = g_cancellable_new ();
}

void
hg_vm_dialog_core_set_vm (HgVmDialogCore *core,
                          HgVm           *vm,
                          const char     *title)
{
  g_return_if_fail (HG_IS_VM (vm));

  g_set_object (&core->vm, vm);
  gtk_window_set_title (GTK_WINDOW (core->dialog), title);
  g_signal_connect_object (vm, "notify::state", core->refresh, core->dialog, G_CONNECT_SWAPPED);
}

void
hg_vm_dialog_core_dispose (HgVmDialogCore *core)
{
  if (core->cancellable != NULL)
    g_cancellable_cancel (core->cancellable);
  g_clear_object (&core->cancellable);
  g_clear_object (&core->vm);
}

void
hg_vm_dialog_core_show_error (HgVmDialogCore *core,
                              const char     *message)
{
  gtk_label_set_text (core->error_label, message != NULL ? message : "");
  gtk_info_bar_set_revealed (core->error_bar, message != NULL);
}

const char *
hg_vm_dialog_core_get_error (HgVmDialogCore *core)
{
  if (!gtk_info_bar_get_revealed (core->error_bar))
    return NULL;
  return gtk_label_get_text (core->error_label);
}

gboolean
hg_vm_dialog_core_vm_up (HgVmDialogCore *core)
{
  HgVmState state = hg_vm_get_state (core->vm);
  return state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED;
}

gboolean
hg_vm_dialog_core_ready (HgVmDialogCore *core)
{
  return core->busy == 0 && hg_vm_dialog_core_vm_up (core);
}

void
hg_vm_dialog_core_begin (HgVmDialogCore *core)
{
  core->busy++;
  gtk_spinner_start (core->spinner);
  call (core->update, core->dialog);
}

void
hg_vm_dialog_core_end (HgVmDialogCore *core)
{
  g_assert (core->busy > 0);
  core->busy--;
  if (core->busy == 0)
    gtk_spinner_stop (core->spinner);
  call (core->update, core->dialog);
}

gboolean
hg_vm_dialog_core_may_change (HgVmDialogCore *core,
                              const char     *refusal)
{
  if (core->busy > 0)
    return FALSE;
  if (hg_vm_is_active (core->vm))
    {
      hg_vm_dialog_core_show_error (core, refusal);
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_vm_dialog_core_path_done (HgVmDialogCore *core,
                             const char     *path,
                             const GError   *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  hg_vm_dialog_core_end (core);
  if (path == NULL)
    {
      hg_vm_dialog_core_show_error (core, error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- operations of HgVm -------------------------------------------------------- */

typedef struct {
  GtkWidget      *dialog;     /* a reference: the core lives in it */
  HgVmDialogCore *core;
  char           *what;
} OpData;

gpointer
hg_vm_dialog_core_op_begin (HgVmDialogCore *core,
                            char           *what)
{
  OpData *data = g_new0 (OpData, 1);

  data->dialog = g_object_ref (core->dialog);
  data->core = core;
  data->what = what;
  hg_vm_dialog_core_show_error (core, NULL);
  hg_vm_dialog_core_begin (core);
  return data;
}

void
hg_vm_dialog_core_op_done (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  OpData *data = user_data;
  g_autoptr(GtkWidget) dialog = data->dialog;
  g_autofree char *what = data->what;
  HgVmDialogCore *core = data->core;
  g_autoptr(GError) error = NULL;

  g_free (data);
  if (!hg_vm_action_finish (HG_VM (source), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf ("%s: %s", what, error->message);
      hg_vm_dialog_core_show_error (core, message);
    }
  hg_vm_dialog_core_end (core);
  call (core->refresh, dialog);
}

/* ---- the list ------------------------------------------------------------------ */

char *
hg_vm_dialog_tree_dup_selected (GtkTreeView *view,
                                int          column)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *value = NULL;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (view), &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, column, &value, -1);
  return value;
}

gboolean
hg_vm_dialog_tree_select (GtkTreeView *view,
                          int          column,
                          const char  *value)
{
  GtkTreeModel *model = gtk_tree_view_get_model (view);
  GtkTreeIter iter;

  if (model != NULL && gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *row = NULL;

        gtk_tree_model_get (model, &iter, column, &row, -1);
        if (g_strcmp0 (row, value) == 0)
          {
            gtk_tree_selection_select_iter (gtk_tree_view_get_selection (view), &iter);
            return TRUE;
          }
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return FALSE;
}
