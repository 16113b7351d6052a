/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-snapshots-dialog.h"

struct _HgSnapshotsDialog
{
  GtkWindow          parent_instance;

  HgVm              *vm;
  GCancellable      *cancellable;
  guint              busy;          /* operations in flight */
  gboolean           supported;

  /* template */
  GtkInfoBar        *error_bar;
  GtkLabel          *error_label;
  GtkLabel          *note_label;
  GtkListStore      *store;
  GtkTreeView       *view;
  GtkEntry          *name_entry;
  GtkWidget         *take_button;
  GtkWidget         *revert_button;
  GtkWidget         *delete_button;
  GtkSpinner        *spinner;
};

G_DEFINE_FINAL_TYPE (HgSnapshotsDialog, hg_snapshots_dialog, GTK_TYPE_WINDOW)

enum {
  COL_TAG,
  COL_DATE,
  COL_SIZE,
  COL_CLOCK,
};

static void
show_error (HgSnapshotsDialog *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_info_bar_set_revealed (self->error_bar, message != NULL);
}

const char *
hg_snapshots_dialog_get_error (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);
  if (!gtk_info_bar_get_revealed (self->error_bar))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

gboolean
hg_snapshots_dialog_is_busy (HgSnapshotsDialog *self)
{
  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), FALSE);
  return self->busy > 0;
}

static char *
selected_tag (HgSnapshotsDialog *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *tag = NULL;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->view), &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, COL_TAG, &tag, -1);
  return tag;
}

static gboolean
vm_up (HgSnapshotsDialog *self)
{
  HgVmState state = hg_vm_get_state (self->vm);
  return state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED;
}

static void
update (HgSnapshotsDialog *self)
{
  gboolean usable = self->supported && vm_up (self) && self->busy == 0;
  g_autofree char *tag = selected_tag (self);

  gtk_widget_set_visible (GTK_WIDGET (self->note_label), self->supported && !vm_up (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_entry), usable);
  gtk_widget_set_sensitive (self->take_button, usable);
  gtk_widget_set_sensitive (self->revert_button, usable && tag != NULL);
  gtk_widget_set_sensitive (self->delete_button, usable && tag != NULL);
  if (self->busy > 0)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
}

static void
on_selection_changed (HgSnapshotsDialog *self)
{
  update (self);
}

static void
begin (HgSnapshotsDialog *self)
{
  self->busy++;
  update (self);
}

static void
end (HgSnapshotsDialog *self)
{
  g_assert (self->busy > 0);
  self->busy--;
  update (self);
}

/* ---- list -------------------------------------------------------------------- */

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgSnapshotsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) snapshots = hg_vm_snapshot_list_finish (HG_VM (source), result, &error);
  g_autofree char *selected = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  selected = selected_tag (self);
  gtk_list_store_clear (self->store);
  if (snapshots == NULL)
    show_error (self, error->message);
  else
    for (guint i = 0; i < snapshots->len; i++)
      {
        HgQmpSnapshot *snapshot = g_ptr_array_index (snapshots, i);
        GtkTreeIter iter;

        gtk_list_store_insert_with_values (self->store, &iter, -1,
                                           COL_TAG, snapshot->tag,
                                           COL_DATE, snapshot->date,
                                           COL_SIZE, snapshot->vm_size,
                                           COL_CLOCK, snapshot->vm_clock,
                                           -1);
      }
  end (self);
  if (selected != NULL)
    hg_snapshots_dialog_select (self, selected);
}

void
hg_snapshots_dialog_refresh (HgSnapshotsDialog *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  self->supported = hg_vm_check_snapshots_supported (self->vm, &error);
  if (!self->supported)
    {
      gtk_list_store_clear (self->store);
      show_error (self, error->message);
      update (self);
      return;
    }
  if (!vm_up (self))
    {
      gtk_list_store_clear (self->store);
      update (self);
      return;
    }
  begin (self);
  hg_vm_snapshot_list_async (self->vm, self->cancellable, on_listed, g_object_ref (self));
}

/* ---- take / revert / delete --------------------------------------------------- */

typedef struct {
  HgSnapshotsDialog *self;
  char              *what;
} OpData;

static void
on_op_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OpData *data = user_data;
  g_autoptr(HgSnapshotsDialog) self = data->self;
  g_autofree char *what = data->what;
  g_autoptr(GError) error = NULL;

  g_free (data);
  if (!hg_vm_action_finish (HG_VM (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      {
        g_autofree char *message = g_strdup_printf ("%s: %s", what, error->message);
        show_error (self, message);
      }
    }
  end (self);
  hg_snapshots_dialog_refresh (self);
}

static OpData *
op_data_new (HgSnapshotsDialog *self,
             char              *what)
{
  OpData *data = g_new0 (OpData, 1);

  data->self = g_object_ref (self);
  data->what = what;
  return data;
}

void
hg_snapshots_dialog_take (HgSnapshotsDialog *self,
                          const char        *name)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  if (self->busy > 0 || !self->supported || !vm_up (self))
    return;
  if (!hg_qmp_snapshot_name_is_valid (name, &error))
    {
      show_error (self, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
      return;
    }
  show_error (self, NULL);
  begin (self);
  hg_vm_snapshot_save_async (self->vm, name, self->cancellable, on_op_done,
                             op_data_new (self, g_strdup_printf (_("Taking the snapshot %s"), name)));
}

void
hg_snapshots_dialog_revert (HgSnapshotsDialog *self)
{
  g_autofree char *tag = NULL;

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  tag = selected_tag (self);
  if (tag == NULL || self->busy > 0 || !vm_up (self))
    return;
  show_error (self, NULL);
  begin (self);
  hg_vm_snapshot_load_async (self->vm, tag, self->cancellable, on_op_done,
                             op_data_new (self, g_strdup_printf (_("Reverting to the snapshot %s"), tag)));
}

void
hg_snapshots_dialog_delete (HgSnapshotsDialog *self)
{
  g_autofree char *tag = NULL;

  g_return_if_fail (HG_IS_SNAPSHOTS_DIALOG (self));

  tag = selected_tag (self);
  if (tag == NULL || self->busy > 0 || !vm_up (self))
    return;
  show_error (self, NULL);
  begin (self);
  hg_vm_snapshot_delete_async (self->vm, tag, self->cancellable, on_op_done,
                               op_data_new (self, g_strdup_printf (_("Deleting the snapshot %s"), tag)));
}

gboolean
hg_snapshots_dialog_select (HgSnapshotsDialog *self,
                            const char        *tag)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;

  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), FALSE);

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *row_tag = NULL;

        gtk_tree_model_get (model, &iter, COL_TAG, &row_tag, -1);
        if (g_strcmp0 (row_tag, tag) == 0)
          {
            gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->view), &iter);
            return TRUE;
          }
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return FALSE;
}

GStrv
hg_snapshots_dialog_dup_tags (HgSnapshotsDialog *self)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GtkTreeIter iter;

  g_return_val_if_fail (HG_IS_SNAPSHOTS_DIALOG (self), NULL);

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *tag = NULL;

        gtk_tree_model_get (model, &iter, COL_TAG, &tag, -1);
        g_strv_builder_add (builder, tag);
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return g_strv_builder_end (builder);
}

static void
on_take_clicked (HgSnapshotsDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->name_entry)));

  hg_snapshots_dialog_take (self, name);
}

static void
on_revert_clicked (HgSnapshotsDialog *self)
{
  hg_snapshots_dialog_revert (self);
}

static void
on_delete_clicked (HgSnapshotsDialog *self)
{
  hg_snapshots_dialog_delete (self);
}

static void
on_error_bar_response (HgSnapshotsDialog *self)
{
  show_error (self, NULL);
}

static void
on_vm_state_changed (HgSnapshotsDialog *self)
{
  hg_snapshots_dialog_refresh (self);
}

/* ---- GObject ------------------------------------------------------------------- */

HgSnapshotsDialog *
hg_snapshots_dialog_new (GtkWindow *parent,
                         HgVm      *vm)
{
  HgSnapshotsDialog *self;
  g_autofree char *title = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *proposal = g_date_time_format (now, "snap-%Y%m%d-%H%M");

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  self = g_object_new (HG_TYPE_SNAPSHOTS_DIALOG, "transient-for", parent, NULL);
  self->vm = g_object_ref (vm);
  title = g_strdup_printf (_("Snapshots of %s"), hg_vm_get_label (vm));
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_entry_set_text (self->name_entry, proposal);
  g_signal_connect_object (vm, "notify::state", G_CALLBACK (on_vm_state_changed), self, G_CONNECT_SWAPPED);
  hg_snapshots_dialog_refresh (self);
  return self;
}

static void
hg_snapshots_dialog_dispose (GObject *object)
{
  HgSnapshotsDialog *self = HG_SNAPSHOTS_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vm);

  G_OBJECT_CLASS (hg_snapshots_dialog_parent_class)->dispose (object);
}

static void
hg_snapshots_dialog_class_init (HgSnapshotsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_snapshots_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-snapshots-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, error_bar);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, store);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, view);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, take_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, revert_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, delete_button);
  gtk_widget_class_bind_template_child (widget_class, HgSnapshotsDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_take_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_revert_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_error_bar_response);
}

static void
hg_snapshots_dialog_init (HgSnapshotsDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
