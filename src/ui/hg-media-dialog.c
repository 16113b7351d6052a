/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-media-dialog.h"

struct _HgMediaDialog
{
  GtkWindow             parent_instance;

  HgVm                 *vm;
  GCancellable         *cancellable;
  GtkFileChooserNative *chooser;
  GPtrArray            *drives;       /* HgQmpBlockInfo of the last list, or NULL */
  guint                 busy;

  /* template */
  GtkInfoBar           *error_bar;
  GtkLabel             *error_label;
  GtkLabel             *note_label;
  GtkListStore         *store;
  GtkTreeView          *view;
  GtkWidget            *choose_button;
  GtkWidget            *eject_button;
  GtkWidget            *refresh_button;
  GtkSpinner           *spinner;
};

G_DEFINE_FINAL_TYPE (HgMediaDialog, hg_media_dialog, GTK_TYPE_WINDOW)

enum {
  COL_DEVICE,    /* the name passed to eject/change */
  COL_DRIVE,     /* shown */
  COL_MEDIUM,
  COL_STATE,
};

static void
show_error (HgMediaDialog *self,
            const char    *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_info_bar_set_revealed (self->error_bar, message != NULL);
}

const char *
hg_media_dialog_get_error (HgMediaDialog *self)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);
  if (!gtk_info_bar_get_revealed (self->error_bar))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

gboolean
hg_media_dialog_is_busy (HgMediaDialog *self)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), FALSE);
  return self->busy > 0;
}

static const char *
drive_name (HgQmpBlockInfo *info)
{
  return info->device != NULL && info->device[0] != '\0' ? info->device : info->qdev;
}

static char *
selected_device (HgMediaDialog *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  char *device = NULL;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->view), &model, &iter))
    return NULL;
  gtk_tree_model_get (model, &iter, COL_DEVICE, &device, -1);
  return device;
}

static gboolean
vm_up (HgMediaDialog *self)
{
  HgVmState state = hg_vm_get_state (self->vm);
  return state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED;
}

static void
update (HgMediaDialog *self)
{
  g_autofree char *device = selected_device (self);
  gboolean usable = vm_up (self) && self->busy == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->note_label), !vm_up (self));
  gtk_widget_set_sensitive (self->choose_button, usable && device != NULL);
  gtk_widget_set_sensitive (self->eject_button, usable && device != NULL);
  gtk_widget_set_sensitive (self->refresh_button, usable);
  if (self->busy > 0)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
}

static void
on_selection_changed (HgMediaDialog *self)
{
  update (self);
}

static void
begin (HgMediaDialog *self)
{
  self->busy++;
  update (self);
}

static void
end (HgMediaDialog *self)
{
  g_assert (self->busy > 0);
  self->busy--;
  update (self);
}

/* ---- list ---------------------------------------------------------------------- */

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HgMediaDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) blocks = hg_vm_media_list_finish (HG_VM (source), result, &error);
  g_autofree char *selected = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  selected = selected_device (self);
  gtk_list_store_clear (self->store);
  g_clear_pointer (&self->drives, g_ptr_array_unref);
  if (blocks == NULL)
    show_error (self, error->message);
  else
    for (guint i = 0; i < blocks->len; i++)
      {
        HgQmpBlockInfo *info = g_ptr_array_index (blocks, i);
        const char *state;
        g_autofree char *medium = NULL;

        if (!info->removable || drive_name (info) == NULL)
          continue;
        if (info->tray_open)
          state = _("tray open");
        else if (info->locked)
          state = _("locked by the guest");
        else
          state = "";
        medium = info->has_media && info->file != NULL ? g_filename_display_name (info->file)
                                                       : g_strdup (_("(empty)"));
        gtk_list_store_insert_with_values (self->store, NULL, -1,
                                           COL_DEVICE, drive_name (info),
                                           COL_DRIVE, drive_name (info),
                                           COL_MEDIUM, medium,
                                           COL_STATE, state,
                                           -1);
      }
  self->drives = g_steal_pointer (&blocks);
  end (self);
  if (selected == NULL || !hg_media_dialog_select (self, selected))
    {
      GtkTreeIter iter;

      if (gtk_tree_model_get_iter_first (GTK_TREE_MODEL (self->store), &iter))
        gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->view), &iter);
    }
}

void
hg_media_dialog_refresh (HgMediaDialog *self)
{
  g_return_if_fail (HG_IS_MEDIA_DIALOG (self));

  if (!vm_up (self))
    {
      gtk_list_store_clear (self->store);
      g_clear_pointer (&self->drives, g_ptr_array_unref);
      update (self);
      return;
    }
  begin (self);
  hg_vm_media_list_async (self->vm, self->cancellable, on_listed, g_object_ref (self));
}

gboolean
hg_media_dialog_select (HgMediaDialog *self,
                        const char    *device)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->store);
  GtkTreeIter iter;

  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), FALSE);

  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *row = NULL;

        gtk_tree_model_get (model, &iter, COL_DEVICE, &row, -1);
        if (g_strcmp0 (row, device) == 0)
          {
            gtk_tree_selection_select_iter (gtk_tree_view_get_selection (self->view), &iter);
            return TRUE;
          }
      }
    while (gtk_tree_model_iter_next (model, &iter));
  return FALSE;
}

const char *
hg_media_dialog_get_medium (HgMediaDialog *self,
                            const char    *device)
{
  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);

  for (guint i = 0; self->drives != NULL && i < self->drives->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (self->drives, i);

      if (info->removable && g_strcmp0 (drive_name (info), device) == 0)
        return info->has_media && info->file != NULL ? info->file : "";
    }
  return NULL;
}

GStrv
hg_media_dialog_dup_devices (HgMediaDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HG_IS_MEDIA_DIALOG (self), NULL);
  for (guint i = 0; self->drives != NULL && i < self->drives->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (self->drives, i);

      if (info->removable && drive_name (info) != NULL)
        g_strv_builder_add (builder, drive_name (info));
    }
  return g_strv_builder_end (builder);
}

/* ---- eject / insert ---------------------------------------------------------------- */

typedef struct {
  HgMediaDialog *self;
  char          *what;
} OpData;

static OpData *
op_data_new (HgMediaDialog *self,
             char          *what)
{
  OpData *data = g_new0 (OpData, 1);

  data->self = g_object_ref (self);
  data->what = what;
  return data;
}

static void
on_op_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OpData *data = user_data;
  g_autoptr(HgMediaDialog) self = data->self;
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
  hg_media_dialog_refresh (self);
}

void
hg_media_dialog_eject (HgMediaDialog *self)
{
  g_autofree char *device = NULL;

  g_return_if_fail (HG_IS_MEDIA_DIALOG (self));

  device = selected_device (self);
  if (device == NULL || self->busy > 0 || !vm_up (self))
    return;
  show_error (self, NULL);
  begin (self);
  hg_vm_media_eject_async (self->vm, device, FALSE, self->cancellable, on_op_done,
                           op_data_new (self, g_strdup_printf (_("Ejecting the medium of %s"), device)));
}

void
hg_media_dialog_insert (HgMediaDialog *self,
                        const char    *file)
{
  g_autofree char *device = NULL;

  g_return_if_fail (HG_IS_MEDIA_DIALOG (self));
  g_return_if_fail (file != NULL);

  device = selected_device (self);
  if (device == NULL || self->busy > 0 || !vm_up (self))
    return;
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *message = g_strdup_printf (_("The image %s does not exist or is not a file"), file);
      show_error (self, message);
      return;
    }
  show_error (self, NULL);
  begin (self);
  hg_vm_media_change_async (self->vm, device, file, "raw", self->cancellable, on_op_done,
                            op_data_new (self, g_strdup_printf (_("Inserting %s into %s"), file, device)));
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     HgMediaDialog   *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path != NULL)
        hg_media_dialog_insert (self, path);
    }
  g_clear_object (&self->chooser);
}

static void
on_choose_clicked (HgMediaDialog *self)
{
  GtkFileFilter *filter;

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose an Image to Insert"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Insert"), _("_Cancel"));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Disc and floppy images"));
  gtk_file_filter_add_mime_type (filter, "application/x-cd-image");
  gtk_file_filter_add_pattern (filter, "*.iso");
  gtk_file_filter_add_pattern (filter, "*.ISO");
  gtk_file_filter_add_pattern (filter, "*.img");
  gtk_file_filter_add_pattern (filter, "*.IMG");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_eject_clicked (HgMediaDialog *self)
{
  hg_media_dialog_eject (self);
}

static void
on_refresh_clicked (HgMediaDialog *self)
{
  hg_media_dialog_refresh (self);
}

static void
on_error_bar_response (HgMediaDialog *self)
{
  show_error (self, NULL);
}

static void
on_vm_state_changed (HgMediaDialog *self)
{
  hg_media_dialog_refresh (self);
}

/* ---- GObject --------------------------------------------------------------------- */

HgMediaDialog *
hg_media_dialog_new (GtkWindow *parent,
                     HgVm      *vm)
{
  HgMediaDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (HG_IS_VM (vm), NULL);

  self = g_object_new (HG_TYPE_MEDIA_DIALOG, "transient-for", parent, NULL);
  self->vm = g_object_ref (vm);
  title = g_strdup_printf (_("Removable Media of %s"), hg_vm_get_label (vm));
  gtk_window_set_title (GTK_WINDOW (self), title);
  g_signal_connect_object (vm, "notify::state", G_CALLBACK (on_vm_state_changed), self, G_CONNECT_SWAPPED);
  hg_media_dialog_refresh (self);
  return self;
}

static void
hg_media_dialog_dispose (GObject *object)
{
  HgMediaDialog *self = HG_MEDIA_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vm);
  g_clear_pointer (&self->drives, g_ptr_array_unref);

  G_OBJECT_CLASS (hg_media_dialog_parent_class)->dispose (object);
}

static void
hg_media_dialog_class_init (HgMediaDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_media_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-media-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, error_bar);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, note_label);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, store);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, view);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, choose_button);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, eject_button);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, HgMediaDialog, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_eject_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_error_bar_response);
}

static void
hg_media_dialog_init (HgMediaDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
